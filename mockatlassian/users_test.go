package mockatlassian

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// SCIM-USER-1, SCIM-USER-2: the real response shape.
func TestUserResponseShape(t *testing.T) {
	e := newEnv(t)
	r := e.scim("POST", "/Users", map[string]any{
		"userName": "min@example.com",
		"emails":   []any{map[string]any{"value": "min@example.com", "primary": true}},
	}).wantStatus(t, http.StatusCreated)

	wantSchemas := []any{"urn:scim:schemas:extension:atlassian-external:1.0",
		"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}
	if fmt.Sprint(r.Body["schemas"]) != fmt.Sprint(wantSchemas) {
		t.Errorf("schemas = %v, want %v", r.Body["schemas"], wantSchemas)
	}
	for _, absent := range []string{"name", "displayName", "externalId", "title", "password", "nickName", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"} {
		if _, ok := r.Body[absent]; ok {
			t.Errorf("%s present, want omitted: %s", absent, r.Raw)
		}
	}
	if strings.Contains(string(r.Raw), "null") {
		t.Errorf("response holds a null: %s", r.Raw)
	}
	if g, ok := r.Body["groups"].([]any); !ok || len(g) != 0 {
		t.Errorf("groups = %v, want []", r.Body["groups"])
	}
	if r.Body["active"] != true {
		t.Errorf("active = %v, want true by default", r.Body["active"])
	}
	id := r.str("id")
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
		t.Errorf("id %q is not a lowercase UUID", id)
	}
	if got, want := r.str("meta.resourceType"), "User"; got != want {
		t.Errorf("meta.resourceType = %q, want %q", got, want)
	}
	if got, want := r.str("meta.location"), "https://api.atlassian.com/scim/directory/"+testDir+"/Users/"+id; got != want {
		t.Errorf("meta.location = %q, want %q", got, want)
	}
	// The fake clock is at .120553 s: microseconds, trailing zeros trimmed.
	if got, want := r.str("meta.created"), "2026-05-02T09:14:03.120553Z"; got != want {
		t.Errorf("meta.created = %q, want %q", got, want)
	}
	if r.str("meta.created") != r.str("meta.lastModified") {
		t.Errorf("created %q != lastModified %q on creation", r.str("meta.created"), r.str("meta.lastModified"))
	}
	aaid := r.str("urn:scim:schemas:extension:atlassian-external:1.0.atlassianAccountId")
	if !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(aaid) {
		t.Errorf("atlassianAccountId %q is not 24 hex characters", aaid)
	}

	e.clock.Advance(1500 * time.Millisecond)
	r = e.scim("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "Engineer"}}}).wantStatus(t, http.StatusOK)
	if got, want := r.str("meta.lastModified"), "2026-05-02T09:14:04.620553Z"; got != want {
		t.Errorf("lastModified after update = %q, want %q", got, want)
	}
	if r.str("meta.created") != "2026-05-02T09:14:03.120553Z" {
		t.Errorf("created changed on update: %q", r.str("meta.created"))
	}

	// The group a user is in appears in its groups attribute.
	gid := e.createGroup("jira-team", id)
	r = e.scim("GET", "/Users/"+id, nil).wantStatus(t, http.StatusOK)
	if r.str("groups.0.value") != gid || r.str("groups.0.display") != "jira-team" {
		t.Errorf("groups = %v, want jira-team", r.Body["groups"])
	}
	if r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q without Accept: scim+json", r.Header.Get("Content-Type"))
	}
}

func TestContentNegotiation(t *testing.T) {
	e := newEnv(t)
	// A POST with Content-Type application/scim+json gets the SCIM type back.
	r := e.scim("POST", "/Users", userBody("ct@example.com")).wantStatus(t, http.StatusCreated)
	if got := r.Header.Get("Content-Type"); got != "application/scim+json; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
}

// ATL-ACCOUNT-1, SCIM-ERR-2: create, link by email, email conflicts.
func TestEmailIdentity(t *testing.T) {
	e := newEnv(t)
	var existing AccountView
	if st := e.control("POST", "/orgs/"+testOrg+"/accounts", map[string]any{"email": "grace@example.com", "displayName": "Grace"}, &existing); st != http.StatusCreated {
		t.Fatalf("create account: %d", st)
	}

	t.Run("POST links to the account with the same email", func(t *testing.T) {
		r := e.scim("POST", "/Users", userBody("grace@example.com")).wantStatus(t, http.StatusCreated)
		if got := r.str("urn:scim:schemas:extension:atlassian-external:1.0.atlassianAccountId"); got != existing.ID {
			t.Fatalf("linked to %q, want existing account %q", got, existing.ID)
		}
		if n := len(e.accounts()); n != 1 {
			t.Fatalf("%d accounts, want 1 (linked, not duplicated)", n)
		}
		if a := e.account(existing.ID); a.DisplayName != "Grace Test" || !a.Managed {
			t.Fatalf("account after link = %+v, want synced displayName and managed", a)
		}
	})

	t.Run("POST with an email held by another SCIM user is 409", func(t *testing.T) {
		body := userBody("grace@example.com")
		body["userName"] = "someone-else"
		r := e.scim("POST", "/Users", body).wantSCIMError(t, http.StatusConflict, "uniqueness")
		if got, want := r.str("detail"), "Resource [USER]: with email[grace@example.com] already exists."; got != want {
			t.Fatalf("detail = %q, want %q", got, want)
		}
	})

	t.Run("POST with a userName held by another SCIM user is 409", func(t *testing.T) {
		body := userBody("other@example.com")
		body["userName"] = "GRACE@example.com"
		e.scim("POST", "/Users", body).wantSCIMError(t, http.StatusConflict, "uniqueness")
	})

	alan := e.createUser("alan@example.com")
	t.Run("PUT to another SCIM user's email is 409 and changes nothing", func(t *testing.T) {
		before := e.snapshot()
		body := userBody("grace@example.com")
		body["userName"] = "alan@example.com"
		e.scim("PUT", "/Users/"+alan, body).wantSCIMError(t, http.StatusConflict, "uniqueness")
		if after := e.snapshot(); after != before {
			t.Fatalf("state changed:\n%s\n---\n%s", before, after)
		}
	})

	t.Run("PATCH to an email owned by another Atlassian account is 409", func(t *testing.T) {
		e.control("POST", "/orgs/"+testOrg+"/accounts", map[string]any{"email": "taken@example.com"}, nil)
		before := e.snapshot()
		e.scim("PATCH", "/Users/"+alan, map[string]any{"Operations": []any{
			map[string]any{"op": "replace", "path": "emails", "value": []any{map[string]any{"value": "taken@example.com", "primary": true, "type": "work"}}},
		}}).wantSCIMError(t, http.StatusConflict, "uniqueness")
		if after := e.snapshot(); after != before {
			t.Fatalf("state changed:\n%s\n---\n%s", before, after)
		}
	})

	t.Run("email change within verified domains moves the account", func(t *testing.T) {
		aaid := e.scim("GET", "/Users/"+alan, nil).str("urn:scim:schemas:extension:atlassian-external:1.0.atlassianAccountId")
		e.scim("PATCH", "/Users/"+alan, map[string]any{"Operations": []any{
			map[string]any{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "alan.t@example.com"},
		}}).wantStatus(t, http.StatusOK)
		if a := e.account(aaid); a.Email != "alan.t@example.com" {
			t.Fatalf("account email = %q, want alan.t@example.com", a.Email)
		}
	})
}

// SCIM-FILTER-1, SCIM-FILTER-2: filtering.
func TestUserFilters(t *testing.T) {
	e := newEnv(t)
	body := userBody("Ada@example.com")
	body["externalId"] = "00uAbC"
	id := e.scim("POST", "/Users", body).wantStatus(t, http.StatusCreated).str("id")
	e.createUser("bob@example.com")

	for _, tc := range []struct {
		filter string
		want   int
	}{
		{`userName eq "Ada@example.com"`, 1},
		{`userName eq "ada@EXAMPLE.com"`, 1}, // case-insensitive
		{`USERNAME EQ "ada@example.com"`, 1}, // attribute and operator too
		{`externalId eq "00uAbC"`, 1},
		{`externalId eq "00uabc"`, 0}, // caseExact
		{`userName eq "nobody@example.com"`, 0},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			r := e.scim("GET", "/Users?filter="+urlQuery(tc.filter), nil).wantStatus(t, http.StatusOK)
			if int(r.num("totalResults")) != tc.want || int(r.num("itemsPerPage")) != tc.want {
				t.Fatalf("totalResults %v itemsPerPage %v, want %d", r.Body["totalResults"], r.Body["itemsPerPage"], tc.want)
			}
			if res, ok := r.Body["Resources"].([]any); !ok || len(res) != tc.want {
				t.Fatalf("Resources = %v", r.Body["Resources"])
			}
			if tc.want == 1 && r.str("Resources.0.id") != id {
				t.Fatalf("found %q, want %q", r.str("Resources.0.id"), id)
			}
		})
	}
	// Okta's 2019 docs encode spaces as '+' (OKTA-CREATE-1).
	r := e.scim("GET", `/Users?filter=userName+eq+%22ada%40example.com%22&startIndex=1&count=100`, nil).wantStatus(t, http.StatusOK)
	if r.num("totalResults") != 1 {
		t.Fatalf("'+'-encoded filter found %v", r.Body["totalResults"])
	}
}

func urlQuery(s string) string {
	r := strings.NewReplacer(" ", "%20", `"`, "%22", "@", "%40")
	return r.Replace(s)
}

// SCIM-PAGE-1, SCIM-PAGE-2: pagination.
func TestPaging(t *testing.T) {
	e := newEnv(t)
	for i := range 150 {
		e.createUser(fmt.Sprintf("user%03d@example.com", i))
	}
	for _, tc := range []struct {
		query               string
		total, start, items int
		first               string
	}{
		{"", 150, 1, 100, "user000@example.com"},
		{"?startIndex=101&count=200", 150, 101, 50, "user100@example.com"}, // count clamped, the KB's fetch
		{"?startIndex=1&count=2", 150, 1, 2, "user000@example.com"},        // Okta's Test API Credentials
		{"?count=0", 150, 1, 0, ""},
		{"?startIndex=0&count=1", 150, 1, 1, "user000@example.com"}, // below 1 means 1
		{"?startIndex=151", 150, 151, 0, ""},
		{"?count=-5", 150, 1, 0, ""},
	} {
		t.Run(tc.query, func(t *testing.T) {
			r := e.scim("GET", "/Users"+tc.query, nil).wantStatus(t, http.StatusOK)
			if int(r.num("totalResults")) != tc.total || int(r.num("startIndex")) != tc.start || int(r.num("itemsPerPage")) != tc.items {
				t.Fatalf("total/start/items = %v/%v/%v, want %d/%d/%d", r.Body["totalResults"], r.Body["startIndex"], r.Body["itemsPerPage"], tc.total, tc.start, tc.items)
			}
			if r.str("Resources.0.userName") != tc.first {
				t.Fatalf("first = %q, want %q", r.str("Resources.0.userName"), tc.first)
			}
			if r.str("schemas.0") != "urn:ietf:params:scim:api:messages:2.0:ListResponse" {
				t.Fatalf("schemas = %v", r.Body["schemas"])
			}
		})
	}
}

// SCIM-USER-6, ATL-ACCOUNT-2: three ways to deactivate, each
// keeps the user readable and removes product access; active:true restores it.
func TestDeactivationThreeWays(t *testing.T) {
	for _, tc := range []struct {
		name       string
		deactivate func(e *testEnv, id string) resp
		reactivate func(e *testEnv, id string) resp
	}{
		{"PATCH with path",
			func(e *testEnv, id string) resp {
				return e.scim("PATCH", "/Users/"+id, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
					"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}})
			},
			func(e *testEnv, id string) resp {
				return e.scim("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": true}}})
			}},
		{"PATCH without path (Okta)",
			func(e *testEnv, id string) resp {
				return e.scim("PATCH", "/Users/"+id, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
					"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": false}}}})
			},
			func(e *testEnv, id string) resp {
				return e.scim("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": true}}}})
			}},
		{"PUT",
			func(e *testEnv, id string) resp {
				b := userBody("dee@example.com")
				b["active"] = false
				return e.scim("PUT", "/Users/"+id, b)
			},
			func(e *testEnv, id string) resp { return e.scim("PUT", "/Users/"+id, userBody("dee@example.com")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.createUser("dee@example.com")
			e.createGroup("jira-users-synced", id)
			e.grant("jira-software", "jira-users-synced")
			if a := e.account("dee@example.com"); len(a.ProductAccess) != 1 || a.Status != "active" {
				t.Fatalf("before: %+v", a)
			}
			if r := tc.deactivate(e, id).wantStatus(t, http.StatusOK); r.Body["active"] != false {
				t.Fatalf("response active = %v", r.Body["active"])
			}
			if r := e.scim("GET", "/Users/"+id, nil).wantStatus(t, http.StatusOK); r.Body["active"] != false {
				t.Fatalf("GET active = %v, want false (still readable)", r.Body["active"])
			}
			a := e.account("dee@example.com")
			if a.Status != "deactivated" || len(a.ProductAccess) != 0 {
				t.Fatalf("after deactivation: status %s access %v", a.Status, a.ProductAccess)
			}
			if r := tc.reactivate(e, id).wantStatus(t, http.StatusOK); r.Body["active"] != true {
				t.Fatalf("reactivate active = %v", r.Body["active"])
			}
			a = e.account("dee@example.com")
			if a.Status != "active" || len(a.ProductAccess) != 1 || a.ProductAccess[0].Product != "jira-software" {
				t.Fatalf("after reactivation: %+v", a)
			}
		})
	}
}

// SCIM-USER-7: current DELETE semantics and the legacy switch.
func TestDeleteUser(t *testing.T) {
	t.Run("record (default)", func(t *testing.T) {
		e := newEnv(t)
		id := e.createUser("del@example.com")
		gid := e.createGroup("g1", id)
		aaid := e.account("del@example.com").ID
		e.scim("DELETE", "/Users/"+id, nil).wantStatus(t, http.StatusNoContent)
		e.scim("GET", "/Users/"+id, nil).wantSCIMError(t, http.StatusNotFound, "")
		if r := e.scim("GET", "/Users", nil); r.num("totalResults") != 0 {
			t.Fatalf("deleted user still listed: %s", r.Raw)
		}
		if r := e.scim("GET", "/Groups/"+gid, nil); len(r.Body["members"].([]any)) != 0 {
			t.Fatalf("deleted user still a member: %s", r.Raw)
		}
		if a := e.account(aaid); a.Status != "deactivated" || len(a.SCIMLinks) != 0 {
			t.Fatalf("account after DELETE = %+v, want deactivated and unlinked", a)
		}
		r := e.scim("POST", "/Users", userBody("del@example.com")).wantStatus(t, http.StatusCreated)
		if r.str("id") == id {
			t.Fatalf("re-POST reused id %s, want a new one", id)
		}
		if got := r.str("urn:scim:schemas:extension:atlassian-external:1.0.atlassianAccountId"); got != aaid {
			t.Fatalf("re-POST linked to %s, want the same account %s", got, aaid)
		}
		if a := e.account(aaid); a.Status != "active" {
			t.Fatalf("account after re-provisioning: %s", a.Status)
		}
	})
	t.Run("deactivate (legacy switch)", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Options.DeleteMode = DeleteDeactivates })
		id := e.createUser("legacy@example.com")
		e.scim("DELETE", "/Users/"+id, nil).wantStatus(t, http.StatusNoContent)
		e.scim("GET", "/Users/"+id, nil).wantSCIMError(t, http.StatusNotFound, "")
		e.scim("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": true}}}).
			wantSCIMError(t, http.StatusNotFound, "")
		if a := e.account("legacy@example.com"); a.Status != "deactivated" || len(a.SCIMLinks) != 1 {
			t.Fatalf("account = %+v, want deactivated, still linked", a)
		}
		r := e.scim("POST", "/Users", userBody("legacy@example.com")).wantStatus(t, http.StatusCreated)
		if r.str("id") != id || r.Body["active"] != true {
			t.Fatalf("re-POST = %s, want the same id %s, active", r.Raw, id)
		}
	})
}

// SCIM-USER-4: PUT semantics.
func TestPutReplacesWholeUser(t *testing.T) {
	e := newEnv(t)
	b := userBody("put@example.com")
	b["title"] = "Engineer"
	b["department"] = "R&D"
	b["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = map[string]any{"department": "Research", "organization": "Acme"}
	r := e.scim("POST", "/Users", b).wantStatus(t, http.StatusCreated)
	id := r.str("id")
	if r.str("department") != "R&D" || r.str("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department") != "Research" {
		t.Fatalf("department not kept in both places: %s", r.Raw)
	}
	if a := e.account(id[:0] + "put@example.com"); a.Department != "Research" || a.Organization != "Acme" || a.Title != "Engineer" {
		t.Fatalf("account profile = %+v", a)
	}
	// Okta's read-modify-write PUT echoes id, meta and the password (OKTA-UPDATE-1).
	put := userBody("put@example.com")
	put["id"] = id
	put["meta"] = r.Body["meta"]
	put["password"] = "1mz050nq"
	r = e.scim("PUT", "/Users/"+id, put).wantStatus(t, http.StatusOK)
	for _, gone := range []string{"title", "department", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "password"} {
		if _, ok := r.Body[gone]; ok {
			t.Errorf("%s survived a PUT that did not send it: %s", gone, r.Raw)
		}
	}
	if a := e.account("put@example.com"); a.Title != "" || a.Department != "" {
		t.Errorf("account profile not cleared: %+v", a)
	}
	noName := userBody("put@example.com")
	delete(noName, "userName")
	e.scim("PUT", "/Users/"+id, noName).wantSCIMError(t, http.StatusBadRequest, "invalidValue")
}

// SCIM-ATTR-1: attributes/excludedAttributes.
func TestAttributeProjection(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("proj@example.com")
	r := e.scim("GET", "/Users/"+id+"?attributes=userName,emails.value", nil).wantStatus(t, http.StatusOK)
	keys := fmt.Sprint(sortedKeys(r.Body))
	if keys != "[emails id schemas userName]" {
		t.Fatalf("attributes projection keys = %s: %s", keys, r.Raw)
	}
	if _, ok := dig(r.Body, "emails.0.primary").(bool); ok {
		t.Fatalf("emails.primary kept with attributes=emails.value: %s", r.Raw)
	}
	r = e.scim("GET", "/Users?excludedAttributes=emails,meta,groups", nil).wantStatus(t, http.StatusOK)
	res := r.Body["Resources"].([]any)[0].(map[string]any)
	for _, k := range []string{"emails", "meta", "groups"} {
		if _, ok := res[k]; ok {
			t.Fatalf("%s not excluded: %s", k, r.Raw)
		}
	}
	if res["id"] != id || res["userName"] != "proj@example.com" {
		t.Fatalf("excluded too much: %v", res)
	}
}

// ATL-ACCOUNT-5, SCIM-ERR-2: email changes and duplicates.
func TestEmailChangeToUnverifiedDomain(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("moves@example.com")
	e.createGroup("confluence-team", id)
	e.grant("confluence", "confluence-team")
	old := e.account("moves@example.com")
	if len(old.ProductAccess) != 1 {
		t.Fatalf("precondition: %+v", old)
	}
	r := e.scim("PATCH", "/Users/"+id, map[string]any{"Operations": []any{
		map[string]any{"op": "replace", "path": "emails", "value": []any{map[string]any{"value": "moves@gmail.com", "primary": true, "type": "work"}}},
	}}).wantStatus(t, http.StatusOK)
	if _, linked := r.Body["urn:scim:schemas:extension:atlassian-external:1.0"]; linked {
		t.Fatalf("still linked after moving to an unverified domain: %s", r.Raw)
	}
	if g := r.Body["groups"].([]any); len(g) != 0 {
		t.Fatalf("SCIM groups kept: %v", g)
	}
	a := e.account(old.ID)
	if a.Email != "moves@example.com" || len(a.SCIMLinks) != 0 || len(a.ProductAccess) != 0 {
		t.Fatalf("old account = %+v, want old email, unlinked, no access", a)
	}
	// A later sync links the record again by its email: a second account.
	e.scim("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "x"}}}).wantStatus(t, http.StatusOK)
	if n := len(e.accounts()); n != 2 {
		t.Fatalf("%d accounts, want 2 (the duplicate)", n)
	}
	if dup := e.account("moves@gmail.com"); dup.Managed {
		t.Fatalf("gmail account managed: %+v", dup)
	}
}

// ATL-ACCOUNT-3: external (unverified-domain) users sync but are not managed.
func TestExternalUser(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("guest@partner.org")
	e.createGroup("partners", id)
	e.grant("confluence", "partners")
	a := e.account("guest@partner.org")
	if a.Managed || len(a.ProductAccess) != 1 {
		t.Fatalf("external account = %+v, want unmanaged with access", a)
	}
	b := userBody("guest@partner.org")
	b["displayName"] = "Renamed"
	b["active"] = false
	e.scim("PUT", "/Users/"+id, b).wantStatus(t, http.StatusOK)
	a = e.account("guest@partner.org")
	if a.DisplayName == "Renamed" {
		t.Errorf("external account got an attribute update")
	}
	if a.Status != "active" || len(a.ProductAccess) != 0 {
		t.Errorf("external account after active:false = %s access %v, want active (org cannot deactivate) with no SCIM-group access", a.Status, a.ProductAccess)
	}

	strict := newEnv(t, func(c *Config) { c.Options.RequireVerifiedDomain = true })
	strict.scim("POST", "/Users", userBody("guest@partner.org")).wantSCIMError(t, http.StatusBadRequest, "invalidValue")
}

// SCIM-LIMIT-1, SCIM-LIMIT-2: limits as knobs.
func TestUserLimits(t *testing.T) {
	t.Run("stop syncing", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Options.MaxUsersPerDirectory = 2 })
		e.createUser("a@example.com")
		e.createUser("b@example.com")
		r := e.scim("POST", "/Users", userBody("c@example.com")).wantStatus(t, http.StatusCreated)
		if _, linked := r.Body["urn:scim:schemas:extension:atlassian-external:1.0"]; linked {
			t.Fatalf("user past the limit was synced: %s", r.Raw)
		}
		if n := len(e.accounts()); n != 2 {
			t.Fatalf("%d accounts, want 2", n)
		}
	})
	t.Run("error", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Options.MaxUsersPerDirectory = 1; c.Options.LimitMode = LimitError })
		e.createUser("a@example.com")
		e.scim("POST", "/Users", userBody("b@example.com")).wantSCIMError(t, http.StatusBadRequest, "invalidValue")
	})
	t.Run("members per group", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Options.MaxUsersPerGroup = 1 })
		a, b := e.createUser("a@example.com"), e.createUser("b@example.com")
		gid := e.createGroup("small", a)
		e.scim("PATCH", "/Groups/"+gid, map[string]any{"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": b}}}}}).
			wantSCIMError(t, http.StatusBadRequest, "invalidValue")
	})
}

// Many clients on one directory and on separate organizations: -race
// checks the locking; the end state checks no write was lost.
func TestConcurrentClients(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				email := fmt.Sprintf("w%02d-%02d@example.com", w, i)
				r := e.scim("POST", "/Users", userBody(email))
				if r.Status != http.StatusCreated {
					errs <- fmt.Sprintf("%s: %d %s", email, r.Status, r.Raw)
					return
				}
				// Everyone also races for one shared email: exactly one wins.
				r = e.scim("POST", "/Users", userBody("shared@example.com"))
				if r.Status != http.StatusCreated && r.Status != http.StatusConflict {
					errs <- fmt.Sprintf("shared: %d %s", r.Status, r.Raw)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	if r := e.scim("GET", "/Users?count=1", nil); r.num("totalResults") != 161 {
		t.Fatalf("totalResults = %v, want 160 + 1 shared", r.Body["totalResults"])
	}
	if n := len(e.accounts()); n != 161 {
		t.Fatalf("%d accounts, want 161", n)
	}
}
