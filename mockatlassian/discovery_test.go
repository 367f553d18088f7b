package mockatlassian

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// schemaAttr finds an attribute (or "parent.sub") in a /Schemas document.
func schemaAttr(t *testing.T, doc resp, name string) map[string]any {
	t.Helper()
	parent, sub, nested := strings.Cut(name, ".")
	find := func(list any, n string) map[string]any {
		as, _ := list.([]any)
		for _, a := range as {
			if m, _ := a.(map[string]any); m != nil && m["name"] == n {
				return m
			}
		}
		return nil
	}
	a := find(doc.Body["attributes"], parent)
	if a != nil && nested {
		a = find(a["subAttributes"], sub)
	}
	if a == nil {
		t.Fatalf("schema %s has no attribute %s: %s", doc.str("id"), name, doc.Raw)
	}
	return a
}

// fullUser is a create body with every writable User attribute, emails
// and phone numbers with every sub-attribute; n keeps each case unique.
func fullUser(n int) map[string]any {
	email := fmt.Sprintf("person%d@example.com", n)
	return map[string]any{
		"schemas":     []any{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName":    email,
		"externalId":  fmt.Sprintf("00u%d", n),
		"name":        map[string]any{"givenName": "Per", "familyName": "Son"},
		"displayName": "Per Son", "nickName": "per", "title": "Engineer", "preferredLanguage": "en",
		"department": "R&D", "organization": "Acme", "timezone": "Europe/Paris", "active": true,
		"emails": []any{
			map[string]any{"value": fmt.Sprintf("other%d@example.com", n), "type": "home", "primary": false},
			map[string]any{"value": email, "type": "work", "primary": true},
		},
		"phoneNumbers": []any{map[string]any{"value": "+33 1 23 45 67 89", "type": "work", "primary": true}},
	}
}

// TestSchemasDescribeEnforcement holds the advertised User schema to what
// the directory enforces (SCIM-DISC-2): an attribute is advertised as
// required exactly when a create without it is refused. Before, emails[].value
// and phoneNumbers[].value were refused when missing but advertised optional.
func TestSchemasDescribeEnforcement(t *testing.T) {
	e := newEnv(t)
	doc := e.scim("GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", nil).wantStatus(t, http.StatusOK)
	e.scim("POST", "/Users", fullUser(0)).wantStatus(t, http.StatusCreated)

	n := 1
	check := func(name string, drop func(map[string]any)) {
		t.Helper()
		body := fullUser(n)
		n++
		drop(body)
		r := e.scim("POST", "/Users", body)
		required, _ := schemaAttr(t, doc, name)["required"].(bool)
		switch {
		case required && r.Status != http.StatusBadRequest:
			t.Errorf("%s is advertised required, but a create without it answered %d %s", name, r.Status, r.Raw)
		case !required && r.Status != http.StatusCreated:
			t.Errorf("%s is advertised optional, but a create without it answered %d %s", name, r.Status, r.Raw)
		}
	}
	for _, name := range []string{"userName", "externalId", "name", "displayName", "nickName", "title",
		"preferredLanguage", "department", "organization", "timezone", "active", "emails", "phoneNumbers"} {
		check(name, func(b map[string]any) { delete(b, name) })
	}
	for _, sub := range []string{"value", "type", "primary"} {
		// The non-primary email, so that dropping "primary" keeps one primary.
		check("emails."+sub, func(b map[string]any) { delete(b["emails"].([]any)[0].(map[string]any), sub) })
		check("phoneNumbers."+sub, func(b map[string]any) { delete(b["phoneNumbers"].([]any)[0].(map[string]any), sub) })
	}
}

// TestGroupSchemaDescribesEnforcement: a group's name never changes, under
// either rename rule, so displayName is advertised immutable; members are
// users whose $ref the server sets (SCIM-DISC-2, SCIM-GROUP-2, SCIM-GROUP-7).
func TestGroupSchemaDescribesEnforcement(t *testing.T) {
	for _, mode := range []GroupRenameMode{RenameIgnore, RenameReject} {
		t.Run(string(mode), func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.Options.GroupRename = mode })
			doc := e.scim("GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group", nil).wantStatus(t, http.StatusOK)
			if got := schemaAttr(t, doc, "displayName")["mutability"]; got != "immutable" {
				t.Errorf("displayName mutability = %v, want immutable", got)
			}
			if got := schemaAttr(t, doc, "members.$ref")["mutability"]; got != "readOnly" {
				t.Errorf("members.$ref mutability = %v, want readOnly", got)
			}
			if got := fmt.Sprint(schemaAttr(t, doc, "members.type")["canonicalValues"]); got != "[User]" {
				t.Errorf("members.type canonicalValues = %v, want [User]", got)
			}
			if got := schemaAttr(t, doc, "members.value")["required"]; got != true {
				t.Errorf("members.value required = %v, want true", got)
			}

			uid := e.createUser("ada@example.com")
			gid := e.scim("POST", "/Groups", map[string]any{"displayName": "jira-users"}).wantStatus(t, http.StatusCreated).str("id")
			e.scim("PUT", "/Groups/"+gid, map[string]any{"displayName": "renamed"})
			e.scim("PATCH", "/Groups/"+gid, map[string]any{"Operations": []any{
				map[string]any{"op": "replace", "value": map[string]any{"id": gid, "displayName": "renamed"}}}})
			if got := e.scim("GET", "/Groups/"+gid, nil).str("displayName"); got != "jira-users" {
				t.Errorf("displayName after renames = %q: not immutable", got)
			}
			// A $ref sent by the client is not kept: the server sets its own.
			r := e.scim("PATCH", "/Groups/"+gid, map[string]any{"Operations": []any{map[string]any{
				"op": "add", "path": "members", "value": []any{map[string]any{"value": uid, "$ref": "https://elsewhere.example/Users/x"}}}}}).
				wantStatus(t, http.StatusOK)
			if got := r.str("members.0.$ref"); !strings.HasSuffix(got, "/scim/directory/"+testDir+"/Users/"+uid) {
				t.Errorf("members[0].$ref = %q, want the server's location of the user", got)
			}
		})
	}
}

// TestGroupMemberTypeUsersOnly: a member typed as anything but a user is
// refused on create, replace and PATCH, and the group is left as it was;
// before, the type was silently rewritten to "User" (SCIM-GROUP-7).
func TestGroupMemberTypeUsersOnly(t *testing.T) {
	e := newEnv(t)
	uid := e.createUser("ada@example.com")
	for _, typ := range []string{"bogus", "Group"} {
		member := []any{map[string]any{"value": uid, "type": typ}}
		e.scim("POST", "/Groups", map[string]any{"displayName": "g-" + typ, "members": member}).
			wantSCIMError(t, http.StatusBadRequest, "invalidValue")
		gid := e.scim("POST", "/Groups", map[string]any{"displayName": "h-" + typ}).wantStatus(t, http.StatusCreated).str("id")
		e.scim("PUT", "/Groups/"+gid, map[string]any{"displayName": "h-" + typ, "members": member}).
			wantSCIMError(t, http.StatusBadRequest, "invalidValue")
		e.scim("PATCH", "/Groups/"+gid, map[string]any{"Operations": []any{
			map[string]any{"op": "add", "path": "members", "value": member}}}).
			wantSCIMError(t, http.StatusBadRequest, "invalidValue")
		if got := e.scim("GET", "/Groups/"+gid, nil).Body["members"]; len(got.([]any)) != 0 {
			t.Errorf("type %q: members after the refused writes = %v", typ, got)
		}
	}
	// "User" in any case, or no type at all (what Okta and Entra send), is a user.
	for i, member := range []map[string]any{{"value": uid, "type": "User"}, {"value": uid, "type": "user"}, {"value": uid}} {
		r := e.scim("POST", "/Groups", map[string]any{"displayName": fmt.Sprintf("ok-%d", i), "members": []any{member}}).
			wantStatus(t, http.StatusCreated)
		if r.str("members.0.type") != "User" || r.str("members.0.value") != uid {
			t.Errorf("member %v answered %s", member, r.Raw)
		}
	}
}

// TestCreatedLocationHeader: 201 answers carry Location equal to
// meta.location (RFC 7644 §3.3; SCIM-USER-8), also when a projection
// leaves meta out of the body.
func TestCreatedLocationHeader(t *testing.T) {
	e := newEnv(t)
	u := e.scim("POST", "/Users", userBody("ada@example.com")).wantStatus(t, http.StatusCreated)
	if got, want := u.Header.Get("Location"), u.str("meta.location"); got == "" || got != want {
		t.Errorf("POST /Users Location = %q, want meta.location %q", got, want)
	}
	g := e.scim("POST", "/Groups", map[string]any{"displayName": "jira-users"}).wantStatus(t, http.StatusCreated)
	if got, want := g.Header.Get("Location"), g.str("meta.location"); got == "" || got != want {
		t.Errorf("POST /Groups Location = %q, want meta.location %q", got, want)
	}
	p := e.scim("POST", "/Users?attributes=userName", userBody("bob@example.com")).wantStatus(t, http.StatusCreated)
	id := p.str("id")
	if got := p.Header.Get("Location"); !strings.HasSuffix(got, "/scim/directory/"+testDir+"/Users/"+id) {
		t.Errorf("projected POST /Users Location = %q, want the user's location", got)
	}
	// Only creations carry it.
	if got := e.scim("GET", "/Users/"+id, nil).Header.Get("Location"); got != "" {
		t.Errorf("GET answered Location %q", got)
	}
	e.scim("POST", "/Users", userBody("bob@example.com")).wantStatus(t, http.StatusConflict)
}

// TestPhonePrimaryKeptAsSent: an explicit primary:false on a phone number
// is answered as sent, like on emails; an absent one stays absent
// (SCIM-USER-9). Before, false was dropped.
func TestPhonePrimaryKeptAsSent(t *testing.T) {
	e := newEnv(t)
	body := userBody("ada@example.com")
	body["phoneNumbers"] = []any{
		map[string]any{"value": "+1 555 0100", "type": "work", "primary": false},
		map[string]any{"value": "+1 555 0101", "type": "mobile", "primary": true},
		map[string]any{"value": "+1 555 0102", "type": "home"},
	}
	want := func(r resp, where string) {
		t.Helper()
		phones, _ := r.Body["phoneNumbers"].([]any)
		if len(phones) != 3 {
			t.Fatalf("%s: phoneNumbers = %v", where, r.Body["phoneNumbers"])
		}
		for i, w := range []any{false, true, nil} {
			got, present := phones[i].(map[string]any)["primary"]
			if w == nil && present || w != nil && got != w {
				t.Errorf("%s: phoneNumbers[%d].primary = %v (present %v), want %v", where, i, got, present, w)
			}
		}
	}
	u := e.scim("POST", "/Users", body).wantStatus(t, http.StatusCreated)
	want(u, "POST")
	id := u.str("id")
	want(e.scim("GET", "/Users/"+id, nil).wantStatus(t, http.StatusOK), "GET")
	want(e.scim("PUT", "/Users/"+id, body).wantStatus(t, http.StatusOK), "PUT")
	r := e.scim("PATCH", "/Users/"+id, map[string]any{"Operations": []any{
		map[string]any{"op": "replace", "path": "phoneNumbers[type eq \"mobile\"].primary", "value": false}}}).
		wantStatus(t, http.StatusOK)
	if got := dig(r.Body, "phoneNumbers.1.primary"); got != false {
		t.Errorf("PATCH primary false: phoneNumbers[1].primary = %v, want false", got)
	}
}

// TestAtlassianExtensionDiscoverability: every user carries the
// atlassian-external extension, which real Atlassian does not describe in
// /Schemas (the default); the switch describes it, so that a client that
// validates each response against the advertised schemas accepts users
// (SCIM-DISC-3).
func TestAtlassianExtensionDiscoverability(t *testing.T) {
	const ext = "urn:scim:schemas:extension:atlassian-external:1.0"
	discoverable := func(e *testEnv) (schemaIDs, userExtensions []string) {
		t.Helper()
		for _, s := range e.scim("GET", "/Schemas", nil).wantStatus(t, http.StatusOK).Body["Resources"].([]any) {
			schemaIDs = append(schemaIDs, s.(map[string]any)["id"].(string))
		}
		exts, _ := e.scim("GET", "/ResourceTypes/User", nil).wantStatus(t, http.StatusOK).Body["schemaExtensions"].([]any)
		for _, x := range exts {
			userExtensions = append(userExtensions, x.(map[string]any)["schema"].(string))
		}
		return schemaIDs, userExtensions
	}

	t.Run("default: as Atlassian, not discoverable", func(t *testing.T) {
		e := newEnv(t)
		u := e.scim("POST", "/Users", userBody("ada@example.com")).wantStatus(t, http.StatusCreated)
		if !slices.Contains(toStrings(u.Body["schemas"]), ext) {
			t.Fatalf("a user does not carry %s: %s", ext, u.Raw)
		}
		ids, exts := discoverable(e)
		if slices.Contains(ids, ext) || slices.Contains(exts, ext) {
			t.Errorf("the extension is discoverable by default: /Schemas %v, User extensions %v", ids, exts)
		}
		e.scim("GET", "/Schemas/"+ext, nil).wantSCIMError(t, http.StatusNotFound, "")
	})

	t.Run("switch: discoverable", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Options.AdvertiseAtlassianExtension = true })
		u := e.scim("POST", "/Users", userBody("ada@example.com")).wantStatus(t, http.StatusCreated)
		ids, exts := discoverable(e)
		for _, urn := range toStrings(u.Body["schemas"]) {
			if !slices.Contains(ids, urn) {
				t.Errorf("the user's schema %s has no /Schemas document (served: %v)", urn, ids)
			}
			if urn != "urn:ietf:params:scim:schemas:core:2.0:User" && !slices.Contains(exts, urn) {
				t.Errorf("the user's extension %s is not on the User resource type (%v)", urn, exts)
			}
		}
		doc := e.scim("GET", "/Schemas/"+ext, nil).wantStatus(t, http.StatusOK)
		a := schemaAttr(t, doc, "atlassianAccountId")
		if a["mutability"] != "readOnly" || a["type"] != "string" {
			t.Errorf("atlassianAccountId = %v, want a read-only string", a)
		}
		if !strings.HasSuffix(doc.str("meta.location"), "/Schemas/"+ext) {
			t.Errorf("meta.location = %q", doc.str("meta.location"))
		}
	})
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
