package mockatlassian

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/saml"
)

// orgAPI calls the organization admin APIs with the test org's key.
func (e *testEnv) orgAPI(method, path string, body any) resp {
	e.t.Helper()
	return e.call(method, path, "Bearer "+testOrgKey, body)
}

const v1 = "/admin/v1/orgs/" + testOrg
const v2 = "/admin/v2/orgs/" + testOrg

// wantAppError checks Atlassian's ApplicationErrors body.
func (r resp) wantAppError(t *testing.T, status int, code string) resp {
	t.Helper()
	r.wantStatus(t, status)
	if got := r.str("errors.0.code"); got != code {
		t.Fatalf("code %q, want %q; body %s", got, code, r.Raw)
	}
	if r.str("errors.0.status") != itoa(status) || r.str("errors.0.id") == "" || r.str("errors.0.title") == "" || r.str("errors.0.detail") == "" {
		t.Fatalf("incomplete ApplicationError (status a string, id, title, detail): %s", r.Raw)
	}
	return r
}

// wantKey checks the user management API's {"key": …} body.
func (r resp) wantKey(t *testing.T, status int, key string) resp {
	t.Helper()
	r.wantStatus(t, status)
	if r.str("key") != key {
		t.Fatalf("key %q, want %q; body %s", r.str("key"), key, r.Raw)
	}
	return r
}

// accountID returns the account id of an email through the control API.
func (e *testEnv) accountID(email string) string {
	e.t.Helper()
	return e.account(email).ID
}

// eventActions lists the actions of the org's audit log, oldest first.
func (e *testEnv) eventActions() []string {
	e.t.Helper()
	r := e.orgAPI("GET", v1+"/events-stream?limit=500", nil).wantStatus(e.t, http.StatusOK)
	var out []string
	for _, ev := range r.Body["data"].([]any) {
		out = append(out, dig(ev, "attributes.action").(string))
	}
	return out
}

func TestOrgAPIAuth(t *testing.T) {
	e := newEnv(t)
	var other OrgCreated
	e.control("POST", "/orgs", map[string]any{"id": "org-other", "apiKey": "other-org-key"}, &other)

	cases := []struct {
		name, method, path, auth string
		status                   int
		check                    func(t *testing.T, r resp)
	}{
		{"no header", "GET", v1, "", 401, func(t *testing.T, r resp) {
			if r.num("code") != 401 || r.str("message") != "Unauthorized" {
				t.Fatalf("want the gateway body, got %s", r.Raw)
			}
		}},
		{"wrong key", "GET", "/admin/v1/orgs", "Bearer nope", 401, nil},
		{"basic scheme", "GET", v1, "Basic " + testOrgKey, 401, nil},
		{"SCIM directory key", "GET", v1, "Bearer " + testKey, 401, nil},
		{"unknown path without key", "GET", v1 + "/nothing-here", "", 401, nil},
		{"other org's key", "GET", v1 + "/users", "Bearer other-org-key", 403, func(t *testing.T, r resp) {
			r.wantAppError(t, 403, "ADMIN-403-3")
		}},
		{"unknown org", "GET", "/admin/v1/orgs/no-such-org", "Bearer " + testOrgKey, 404, func(t *testing.T, r resp) {
			r.wantAppError(t, 404, "ADMIN-404-2")
		}},
		{"v2 other org", "GET", v2 + "/directories", "Bearer other-org-key", 403, nil},
		{"user management without key", "GET", "/users/abc/manage/profile", "", 401, func(t *testing.T, r resp) {
			r.wantKey(t, 401, "unauthorized")
		}},
		{"unknown path with key", "GET", v1 + "/nothing-here", "Bearer " + testOrgKey, 404, func(t *testing.T, r resp) {
			r.wantAppError(t, 404, "ADMIN-404-1")
		}},
		{"wrong method", "PUT", v1 + "/users", "Bearer " + testOrgKey, 405, func(t *testing.T, r resp) {
			r.wantAppError(t, 405, "ADMIN-405-1")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.call(c.method, c.path, c.auth, nil).wantStatus(t, c.status)
			if c.check != nil {
				c.check(t, r)
			}
		})
	}

	t.Run("the other org sees only itself", func(t *testing.T) {
		r := e.call("GET", "/admin/v1/orgs", "Bearer other-org-key", nil).wantStatus(t, 200)
		if data := r.Body["data"].([]any); len(data) != 1 || dig(data[0], "id") != "org-other" {
			t.Fatalf("data = %s", r.Raw)
		}
	})
}

func TestOrgAPIKeys(t *testing.T) {
	e := newEnv(t)
	var made APIKeyCreated
	exp := e.clock.Now().Add(48 * time.Hour)
	if st := e.control("POST", "/orgs/"+testOrg+"/api-keys", map[string]any{"label": "ci", "expiresAt": exp}, &made); st != 201 {
		t.Fatalf("create: %d", st)
	}
	if made.APIKey == "" || made.ID == "" || made.ExpiresAt == nil {
		t.Fatalf("created = %+v", made)
	}
	e.call("GET", v1, "Bearer "+made.APIKey, nil).wantStatus(t, 200)

	t.Run("listed without the key", func(t *testing.T) {
		r := e.call("GET", "/_sim/orgs/"+testOrg+"/api-keys", "", nil).wantStatus(t, 200)
		if strings.Contains(string(r.Raw), made.APIKey) || !strings.Contains(string(r.Raw), `"label":"ci"`) {
			t.Fatalf("list = %s", r.Raw)
		}
	})
	t.Run("snapshots hold the hash only", func(t *testing.T) {
		r := e.call("GET", "/_sim/orgs/"+testOrg+"/snapshot", "", nil).wantStatus(t, 200)
		if strings.Contains(string(r.Raw), made.APIKey) || !strings.Contains(string(r.Raw), `"apiKey":[{`) {
			t.Fatalf("snapshot leaks or lacks the key: %s", r.Raw)
		}
	})
	t.Run("the actor of its calls", func(t *testing.T) {
		uid := e.createUser("kim@example.com")
		_ = uid
		acct := e.accountID("kim@example.com")
		e.call("POST", v1+"/directory/users/"+acct+"/suspend-access", "Bearer "+made.APIKey, nil).wantStatus(t, 200)
		r := e.orgAPI("GET", v1+"/events?action=user_access_suspended", nil).wantStatus(t, 200)
		if dig(r.Body, "data.0.attributes.actor.auth.tokenLabel") != "ci" || dig(r.Body, "data.0.attributes.actor.auth.authType") != "api-token" ||
			dig(r.Body, "data.0.attributes.location.ip") != "192.0.2.1" {
			t.Fatalf("actor = %s", r.Raw)
		}
	})
	t.Run("expired", func(t *testing.T) {
		e.clock.Advance(49 * time.Hour)
		e.call("GET", v1, "Bearer "+made.APIKey, nil).wantStatus(t, 401)
		e.orgAPI("GET", v1, nil).wantStatus(t, 200) // the primary key never expires
	})
	t.Run("revoked", func(t *testing.T) {
		var k APIKeyCreated
		e.control("POST", "/orgs/"+testOrg+"/api-keys", map[string]any{"label": "tmp", "apiKey": "tmp-key-1"}, &k)
		e.call("GET", v1, "Bearer tmp-key-1", nil).wantStatus(t, 200)
		if st := e.control("DELETE", "/orgs/"+testOrg+"/api-keys/"+k.ID, nil, nil); st != 204 {
			t.Fatalf("revoke: %d", st)
		}
		e.call("GET", v1, "Bearer tmp-key-1", nil).wantStatus(t, 401)
		// The user-provisioning admin API takes the same keys.
		e.call("POST", "/admin/user-provisioning/v1/org/"+testOrg+"/get-scim-links-for-email", "Bearer tmp-key-1", map[string]string{"email": "x@example.com"}).wantStatus(t, 403)
	})
	t.Run("bad input", func(t *testing.T) {
		for _, body := range []map[string]any{
			{"label": ""},
			{"label": "x", "expiresAt": e.clock.Now().Add(-time.Hour)},
			{"label": "x", "expiresAt": e.clock.Now().Add(400 * 24 * time.Hour)},
			{"label": "dup", "apiKey": testOrgKey},
		} {
			r := e.call("POST", "/_sim/orgs/"+testOrg+"/api-keys", "", body)
			if r.Status != 400 && r.Status != 409 || r.str("error") == "" {
				t.Fatalf("%v: %d %s", body, r.Status, r.Raw)
			}
		}
	})
}

func TestOrgAPIV1Shapes(t *testing.T) {
	e := newEnv(t)
	e.control("POST", "/orgs/"+testOrg+"/domains", map[string]any{"name": "partner.io", "verified": false}, nil)
	uid := e.createUser("ann@example.com")
	e.createUser("ext@partner.io") // unmanaged: not listed
	gid := e.createGroup("jira-users-sync", uid)
	e.grant("jira-software", gid)
	acct := e.accountID("ann@example.com")
	e.control("POST", "/orgs/"+testOrg+"/accounts/"+acct+"/activity", map[string]any{"site": testSite, "product": "jira-software",
		"at": "2026-04-30T10:00:00Z"}, nil)

	t.Run("orgs", func(t *testing.T) {
		r := e.orgAPI("GET", "/admin/v1/orgs", nil).wantStatus(t, 200)
		org := dig(r.Body, "data.0")
		for path, want := range map[string]any{"id": testOrg, "type": "orgs", "attributes.name": "Simulated organization",
			"relationships.users.links.related":   "https://api.atlassian.com" + v1 + "/users",
			"relationships.domains.links.related": "https://api.atlassian.com" + v1 + "/domains",
			"links.self":                          "https://api.atlassian.com" + v1} {
			if got := dig(org, path); got != want {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
		r = e.orgAPI("GET", v1, nil).wantStatus(t, 200)
		if r.str("data.id") != testOrg || r.str("data.type") != "orgs" {
			t.Fatalf("get = %s", r.Raw)
		}
		e.orgAPI("GET", "/admin/v1/orgs?cursor=garbage", nil).wantAppError(t, 400, "ADMIN-400-1")
	})
	t.Run("managed accounts", func(t *testing.T) {
		r := e.orgAPI("GET", v1+"/users", nil).wantStatus(t, 200)
		if r.num("meta.total") != 1 || len(r.Body["data"].([]any)) != 1 {
			t.Fatalf("want only the managed account: %s", r.Raw)
		}
		u := dig(r.Body, "data.0")
		for path, want := range map[string]any{"account_id": acct, "account_type": "atlassian", "account_status": "active",
			"name": "Ann Test", "email": "ann@example.com", "access_billable": true, "last_active": "2026-04-30T10:00:00.000Z",
			"product_access.0.key": "jira-software", "product_access.0.name": "Jira Software", "product_access.0.url": testSite,
			"product_access.0.last_active": "2026-04-30T10:00:00.000Z",
			"links.self":                   "https://api.atlassian.com/users/" + acct + "/manage"} {
			if got := dig(u, path); got != want {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
		if p, _ := dig(u, "picture").(string); !strings.HasPrefix(p, "https://") {
			t.Errorf("picture = %q", p)
		}
		e.scim("PATCH", "/Users/"+uid, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": false}}}}).wantStatus(t, 200)
		r = e.orgAPI("GET", v1+"/users", nil)
		if dig(r.Body, "data.0.account_status") != "inactive" || len(dig(r.Body, "data.0.product_access").([]any)) != 0 {
			t.Fatalf("deactivated = %s", r.Raw)
		}
	})
	t.Run("domains", func(t *testing.T) {
		r := e.orgAPI("GET", v1+"/domains", nil).wantStatus(t, 200)
		data := r.Body["data"].([]any)
		if len(data) != 2 {
			t.Fatalf("domains = %s", r.Raw)
		}
		byName := map[string]any{}
		for _, d := range data {
			byName[dig(d, "attributes.name").(string)] = d
		}
		if dig(byName["example.com"], "attributes.claim.status") != "verified" || dig(byName["partner.io"], "attributes.claim.status") != "unverified" ||
			dig(byName["example.com"], "type") != "domains" {
			t.Fatalf("claims = %s", r.Raw)
		}
		id := dig(byName["partner.io"], "id").(string)
		one := e.orgAPI("GET", v1+"/domains/"+id, nil).wantStatus(t, 200)
		if one.str("data.attributes.name") != "partner.io" || one.str("data.links.self") != dig(byName["partner.io"], "links.self") {
			t.Fatalf("get = %s", one.Raw)
		}
		e.orgAPI("GET", v1+"/domains/not-a-uuid", nil).wantAppError(t, 400, "ADMIN-400-2")
		e.orgAPI("GET", v1+"/domains/7b0e1ae1-0000-4000-8000-000000000000", nil).wantAppError(t, 404, "ADMIN-404-3")
	})
	t.Run("last active dates", func(t *testing.T) {
		e.scim("PATCH", "/Users/"+uid, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": true}}}}).wantStatus(t, 200)
		r := e.orgAPI("GET", v1+"/directory/users/"+acct+"/last-active-dates", nil).wantStatus(t, 200)
		if r.str("data.added_to_org") != "2026-05-02" || r.str("data.product_access.0.key") != "jira-software" ||
			r.str("data.product_access.0.last_active") != "2026-04-30" || r.str("data.product_access.0.id") == "" {
			t.Fatalf("last active = %s", r.Raw)
		}
		e.orgAPI("GET", v1+"/directory/users/nobody/last-active-dates", nil).wantAppError(t, 404, "ADMIN-404-8")
	})
}

func TestOrgAPIPaging(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.OrgAPI.PageSize = 2 })
	var want []string
	for _, n := range []string{"a1", "a2", "a3", "a4", "a5"} {
		e.createUser(n + "@example.com")
		want = append(want, n+"@example.com")
	}
	t.Run("v1 links are URLs", func(t *testing.T) {
		var got []string
		next := "https://api.atlassian.com" + v1 + "/users"
		pages := 0
		for next != "" {
			u, err := url.Parse(next)
			if err != nil || u.Host != "api.atlassian.com" {
				t.Fatalf("next %q is not a URL on the location base", next)
			}
			r := e.orgAPI("GET", u.RequestURI(), nil).wantStatus(t, 200)
			if r.num("meta.total") != 5 {
				t.Fatalf("meta.total = %v", r.num("meta.total"))
			}
			for _, d := range r.Body["data"].([]any) {
				got = append(got, dig(d, "email").(string))
			}
			if pages > 0 && r.str("links.prev") == "" {
				t.Fatalf("page %d has no prev: %s", pages, r.Raw)
			}
			next = r.str("links.next")
			pages++
		}
		if pages != 3 || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%d pages: %v", pages, got)
		}
	})
	t.Run("v2 cursor tokens keep the search", func(t *testing.T) {
		var got []string
		r := e.orgAPI("POST", v2+"/directories/-/users/search", map[string]any{"limit": 2, "searchTerm": "a"}).wantStatus(t, 200)
		for {
			for _, d := range r.Body["data"].([]any) {
				got = append(got, dig(d, "email").(string))
			}
			next, _ := dig(r.Body, "links.next").(string)
			if next == "" {
				break
			}
			if strings.Contains(next, "/") {
				t.Fatalf("v2 next should be a bare token, got %q", next)
			}
			// A cursor replaces the other filters: this searchTerm is ignored.
			r = e.orgAPI("POST", v2+"/directories/-/users/search", map[string]any{"cursor": next, "searchTerm": "zzz"}).wantStatus(t, 200)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("got %v", got)
		}
		r = e.orgAPI("GET", v2+"/directories/-/users?limit=1&searchTerm=a3", nil).wantStatus(t, 200)
		if len(r.Body["data"].([]any)) != 1 || r.str("data.0.email") != "a3@example.com" || dig(r.Body, "links.next") != nil {
			t.Fatalf("filtered = %s", r.Raw)
		}
	})
	t.Run("events pages", func(t *testing.T) {
		seen := map[string]bool{}
		r := e.orgAPI("GET", v1+"/events?limit=2", nil).wantStatus(t, 200)
		for i := 0; ; i++ {
			for _, d := range r.Body["data"].([]any) {
				id := dig(d, "id").(string)
				if seen[id] {
					t.Fatalf("event %s twice", id)
				}
				seen[id] = true
			}
			if r.str("meta.next") == "" {
				break
			}
			if r.num("meta.page_size") != 2 || r.str("links.next") == "" {
				t.Fatalf("page = %s", r.Raw)
			}
			r = e.orgAPI("GET", v1+"/events?limit=2&cursor="+url.QueryEscape(r.str("meta.next")), nil).wantStatus(t, 200)
		}
		if len(seen) != 7 {
			t.Fatalf("saw %d events, want the boot's directory and site, then 5 user_created", len(seen))
		}
	})
	t.Run("bad cursors", func(t *testing.T) {
		e.orgAPI("GET", v1+"/users?cursor=!!!", nil).wantAppError(t, 400, "ADMIN-400-1")
		// A cursor of another list is no cursor here.
		r := e.orgAPI("GET", v1+"/events?limit=1", nil)
		e.orgAPI("GET", v1+"/users?cursor="+url.QueryEscape(r.str("meta.next")), nil).wantAppError(t, 400, "ADMIN-400-1")
		e.orgAPI("POST", v2+"/directories/-/users/search", map[string]any{"cursor": "nope"}).wantAppError(t, 400, "ADMIN-400-1")
		e.orgAPI("GET", v2+"/directories/-/users?limit=0", nil).wantAppError(t, 400, "ADMIN-400-24")
	})
}

// TestOrgAPIEventsFromProvisioning: what Okta's provisioning does shows in
// the organization's audit log, as the events API and the stream give it.
func TestOrgAPIEventsFromProvisioning(t *testing.T) {
	e := newEnv(t)
	start := e.clock.Now()
	uid := e.createUser("ann@example.com")
	e.clock.Advance(time.Minute)
	gid := e.createGroup("jira-users-sync", uid)
	e.clock.Advance(time.Minute)
	e.grant("jira-software", gid)
	e.clock.Advance(time.Minute)
	body := userBody("ann@example.com")
	body["title"] = "Engineer"
	e.scim("PUT", "/Users/"+uid, body).wantStatus(t, 200)
	e.clock.Advance(time.Minute)
	e.scim("PATCH", "/Groups/"+gid, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "remove", "path": "members[value eq \"" + uid + "\"]"}}}).wantStatus(t, 200)
	e.scim("PATCH", "/Users/"+uid, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": false}}}}).wantStatus(t, 200)
	e.scim("DELETE", "/Groups/"+gid, nil).wantStatus(t, 204)

	// The boot made the directory and the site (as an admin in the console would).
	want := []string{"scim_directory_created", "site_added", "user_created", "group_created", "user_added_to_group", "group_granted_role", "user_updated",
		"user_removed_from_group", "user_deactivated", "group_deleted"}
	if got := e.eventActions(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("actions\n got %v\nwant %v", got, want)
	}
	acct := e.accountID("ann@example.com")

	t.Run("an event's shape", func(t *testing.T) {
		r := e.orgAPI("GET", v1+"/events?action=user_added_to_group", nil).wantStatus(t, 200)
		if len(r.Body["data"].([]any)) != 1 {
			t.Fatalf("want one: %s", r.Raw)
		}
		ev := dig(r.Body, "data.0")
		for path, want := range map[string]any{"type": "events", "attributes.time": "2026-05-02T09:15:03.120Z",
			"attributes.actor.id": testDir, "attributes.context.0.type": "users", "attributes.context.0.id": acct,
			"attributes.context.0.attributes.email": "ann@example.com", "attributes.context.1.type": "groups",
			"attributes.container.0.type": "orgs", "attributes.container.0.id": testOrg, "message.format": "simple",
			"message.content": "Added ann@example.com to group jira-users-sync"} {
			if got := dig(ev, path); got != want {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
		id := dig(ev, "id").(string)
		one := e.orgAPI("GET", v1+"/events/"+id, nil).wantStatus(t, 200)
		if one.str("data.id") != id || one.str("data.links.self") != dig(ev, "links.self") {
			t.Fatalf("get = %s", one.Raw)
		}
		e.orgAPI("GET", v1+"/events/no-such-event", nil).wantAppError(t, 404, "ADMIN-404-4")
	})
	t.Run("filters", func(t *testing.T) {
		ms := func(t time.Time) string { return itoa(int(t.UnixMilli())) }
		cases := map[string][]string{
			"q=jira-users-sync": {"group_deleted", "user_removed_from_group", "group_granted_role", "user_added_to_group", "group_created"},
			"from=" + ms(start.Add(2*time.Minute)) + "&to=" + ms(start.Add(3*time.Minute)): {"user_updated", "group_granted_role"},
			"action=user_created": {"user_created"},
			"q=ANN@EXAMPLE":       {"user_deactivated", "user_removed_from_group", "user_updated", "user_added_to_group", "user_created"},
		}
		for query, want := range cases {
			r := e.orgAPI("GET", v1+"/events?"+query, nil).wantStatus(t, 200)
			var got []string
			for _, d := range r.Body["data"].([]any) {
				got = append(got, dig(d, "attributes.action").(string))
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s: got %v, want %v (newest first)", query, got, want)
			}
		}
		e.orgAPI("GET", v1+"/events?from=yesterday", nil).wantAppError(t, 400, "ADMIN-400-3")
		e.orgAPI("GET", v1+"/events?from=2000&to=1000", nil).wantAppError(t, 400, "ADMIN-400-3")
	})
	t.Run("event actions", func(t *testing.T) {
		r := e.orgAPI("GET", v1+"/event-actions", nil).wantStatus(t, 200)
		found := map[string]bool{}
		for _, a := range r.Body["data"].([]any) {
			if dig(a, "attributes.displayName") == nil || dig(a, "attributes.groupDisplayName") == nil {
				t.Fatalf("incomplete action %v", a)
			}
			found[dig(a, "id").(string)] = true
		}
		for _, a := range want {
			if !found[a] {
				t.Errorf("event-actions lacks %s", a)
			}
		}
	})
	t.Run("the stream polls on", func(t *testing.T) {
		r := e.orgAPI("GET", v1+"/events-stream?limit=5", nil).wantStatus(t, 200)
		if len(r.Body["data"].([]any)) != 5 || r.str("data.0.attributes.processedAt") == "" {
			t.Fatalf("first page = %s", r.Raw)
		}
		r = e.orgAPI("GET", v1+"/events-stream?limit=5&cursor="+url.QueryEscape(r.str("meta.next")), nil).wantStatus(t, 200)
		if len(r.Body["data"].([]any)) != len(want)-5 || r.str("meta.next") == "" {
			t.Fatalf("last page must still carry a cursor: %s", r.Raw)
		}
		cur := r.str("meta.next")
		r = e.orgAPI("GET", v1+"/events-stream?cursor="+url.QueryEscape(cur), nil).wantStatus(t, 200)
		if len(r.Body["data"].([]any)) != 0 || r.str("meta.next") != cur {
			t.Fatalf("nothing new: %s", r.Raw)
		}
		e.createUser("bo@example.com")
		r = e.orgAPI("GET", v1+"/events-stream?cursor="+url.QueryEscape(cur), nil).wantStatus(t, 200)
		if len(r.Body["data"].([]any)) != 1 || r.str("data.0.attributes.action") != "user_created" {
			t.Fatalf("the poll must pick up the new event: %s", r.Raw)
		}
		r = e.orgAPI("GET", v1+"/events-stream?sortOrder=desc&limit=1", nil).wantStatus(t, 200)
		if r.str("data.0.attributes.action") != "user_created" || r.str("data.0.attributes.context.0.attributes.email") != "bo@example.com" {
			t.Fatalf("desc = %s", r.Raw)
		}
		e.orgAPI("GET", v1+"/events-stream?sortOrder=sideways", nil).wantAppError(t, 400, "ADMIN-400-24")
	})
	t.Run("renamed action keys", func(t *testing.T) {
		e2 := newEnv(t, func(c *Config) { c.Options.EventActionKeys = map[string]string{ActionUserCreated: "user_provisioned"} })
		e2.createUser("cy@example.com")
		if got := e2.eventActions(); len(got) != 3 || got[2] != "user_provisioned" { // after the boot's directory and site
			t.Fatalf("got %v", got)
		}
		if _, err := New(Options{EventActionKeys: map[string]string{"no_such_action": "x"}}); err == nil {
			t.Fatal("an unknown action key must be refused")
		}
	})
	t.Run("retention", func(t *testing.T) {
		e3 := newEnv(t, func(c *Config) { c.Options.MaxEventsPerOrg = 3 })
		for _, n := range []string{"r1", "r2", "r3", "r4", "r5"} {
			e3.createUser(n + "@example.com")
		}
		r := e3.orgAPI("GET", v1+"/events", nil)
		if len(r.Body["data"].([]any)) != 3 || r.str("data.2.attributes.context.0.attributes.email") != "r3@example.com" {
			t.Fatalf("want the newest three: %s", r.Raw)
		}
	})
}

// TestOrgAPIRoleAssignment is guide Step 6 through the real API: find the
// product's resource id, give the synced group atlassian/user on it, and the
// group's members get the product.
func TestOrgAPIRoleAssignment(t *testing.T) {
	for _, mode := range []V2WriteStatus{V2WriteNoContent, V2WriteMessage} {
		t.Run(string(mode), func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.OrgAPI.V2WriteStatus = mode })
			uid := e.createUser("ann@example.com")
			gid := e.createGroup("jira-users-sync", uid)

			ws := e.orgAPI("POST", v2+"/workspaces", map[string]any{"query": map[string]any{"and": []any{
				map[string]any{"field": map[string]any{"name": "attributes.typeKey", "values": []string{"jira-software"}}}}}}).wantStatus(t, 200)
			if ws.num("meta.total") != 1 || ws.str("data.0.attributes.hostUrl") != testSite {
				t.Fatalf("workspaces = %s", ws.Raw)
			}
			ari := ws.str("data.0.id")
			if !strings.HasPrefix(ari, "ari:cloud:jira-software::site/") {
				t.Fatalf("resource id %q", ari)
			}
			groups := e.orgAPI("GET", v2+"/directories/"+testDir+"/groups", nil).wantStatus(t, 200)
			if groups.str("data.0.id") != gid || dig(groups.Body, "data.0.externalSynced") != true || groups.str("data.0.managedBy") != "external" {
				t.Fatalf("directory groups = %s", groups.Raw)
			}

			assign := v2 + "/directories/" + testDir + "/groups/" + gid + "/role-assignments/"
			r := e.orgAPI("POST", assign+"assign", map[string]string{"resourceId": ari, "roleId": "atlassian/user"})
			if mode == V2WriteNoContent {
				r.wantStatus(t, 204)
			} else if r.wantStatus(t, 200).str("message") == "" {
				t.Fatalf("message mode: %s", r.Raw)
			}
			a := e.account("ann@example.com")
			if len(a.ProductAccess) != 1 || a.ProductAccess[0].Product != "jira-software" {
				t.Fatalf("product access after assign: %+v", a.ProductAccess)
			}
			// The same model as the console route: the site shows the grant.
			var org OrgView
			e.control("GET", "/orgs/"+testOrg, nil, &org)
			if !contains(org.Sites[0].Products[0].AccessGroups, "jira-users-sync") {
				t.Fatalf("site = %+v", org.Sites[0])
			}
			roles := e.orgAPI("GET", assign[:len(assign)-1], nil).wantStatus(t, 200)
			if roles.str("data.0.resourceId") != ari || dig(roles.Body, "data.0.roles.0") != "atlassian/user" {
				t.Fatalf("role assignments = %s", roles.Raw)
			}
			u := e.orgAPI("POST", v2+"/directories/"+testDir+"/users/search", map[string]any{"expand": []string{"productAccess", "groups"}}).wantStatus(t, 200)
			if u.str("data.0.productAccess.0.id") != ari || u.str("data.0.groups.0.name") != "jira-users-sync" || u.num("data.0.counts.resources") != 1 {
				t.Fatalf("user search with expand = %s", u.Raw)
			}
			if got := e.eventActions(); got[len(got)-1] != "group_granted_role" {
				t.Fatalf("events %v", got)
			}

			e.orgAPI("POST", assign+"revoke", map[string]string{"resourceId": ari, "roleId": "atlassian/user"})
			if a := e.account("ann@example.com"); len(a.ProductAccess) != 0 {
				t.Fatalf("product access after revoke: %+v", a.ProductAccess)
			}
		})
	}

	t.Run("refusals", func(t *testing.T) {
		e := newEnv(t, func(c *Config) {
			c.Boot.Sites = append(c.Boot.Sites, AddSiteInput{Name: "code.atlassian.net", Products: []string{"bitbucket"}})
		})
		gid := e.createGroup("sync")
		var wsAll []string
		ws := e.orgAPI("POST", v2+"/workspaces", nil).wantStatus(t, 200)
		for _, d := range ws.Body["data"].([]any) {
			wsAll = append(wsAll, dig(d, "id").(string))
		}
		bitbucket := wsAll[len(wsAll)-1]
		assign := v2 + "/directories/" + testDir + "/groups/" + gid + "/role-assignments/assign"
		before := e.snapshot()
		cases := []struct {
			name   string
			path   string
			body   any
			status int
			code   string
		}{
			{"not simulated role", assign, map[string]string{"resourceId": wsAll[0], "roleId": "atlassian/admin"}, 400, "ADMIN-UAM-400-3"},
			{"no such role", assign, map[string]string{"resourceId": wsAll[0], "roleId": "owner"}, 400, "ADMIN-UAM-400-3"},
			{"no role", assign, map[string]string{"resourceId": wsAll[0]}, 400, "ADMIN-UAM-400-1"},
			{"not an ARI", assign, map[string]string{"resourceId": "jira", "roleId": "atlassian/user"}, 400, "ADMIN-UAM-400-1"},
			{"unknown site", assign, map[string]string{"resourceId": "ari:cloud:jira-software::site/nope", "roleId": "atlassian/user"}, 404, "ADMIN-UAM-404-1"},
			{"unknown group", v2 + "/directories/" + testDir + "/groups/nope/role-assignments/assign", map[string]string{"resourceId": wsAll[0], "roleId": "atlassian/user"}, 404, "ADMIN-UAM-404-3"},
			{"bitbucket to a synced group", assign, map[string]string{"resourceId": bitbucket, "roleId": "atlassian/user"}, 400, "ADMIN-UAM-400-3"},
			{"malformed body", assign, `{"resourceId":`, 400, "ADMIN-UAM-400-1"},
			{"wrong types", assign, `{"resourceId": 7}`, 400, "ADMIN-UAM-400-1"},
			{"empty body", assign, nil, 400, "ADMIN-UAM-400-1"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.orgAPI("POST", c.path, c.body).wantAppError(t, c.status, c.code)
			})
		}
		if e.snapshot() != before {
			t.Fatal("a refused role assignment changed something")
		}
		w := e.orgAPI("POST", v2+"/workspaces", map[string]any{"limit": 5000}).wantStatus(t, 400)
		if w.str("code") != "ADMIN-400-4" || w.Body["errors"] != nil {
			t.Fatalf("workspaces errors are one object: %s", w.Raw)
		}
		e.orgAPI("POST", v2+"/workspaces", map[string]any{"cursor": "x", "limit": 2}).wantStatus(t, 400)
	})
}

func TestOrgAPIRateLimit(t *testing.T) {
	t.Run("events: 10 a minute, documented", func(t *testing.T) {
		e := newEnv(t)
		for i := 0; i < DocumentedEventsPerMinute; i++ {
			r := e.orgAPI("GET", v1+"/events", nil).wantStatus(t, 200)
			if r.Header.Get("X-RateLimit-Limit") != "" {
				t.Fatal("no X-RateLimit headers unless switched on")
			}
		}
		r := e.orgAPI("GET", v1+"/events", nil).wantStatus(t, 429)
		if r.num("code") != 429 || r.str("message") == "" {
			t.Fatalf("429 body = %s", r.Raw)
		}
		e.orgAPI("GET", v1+"/users", nil).wantStatus(t, 200) // another path is not limited
		e.clock.Advance(time.Minute)
		e.orgAPI("GET", v1+"/events", nil).wantStatus(t, 200)
	})
	t.Run("headers switch", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.OrgAPI.RateLimitHeaders = true; c.OrgAPI.RequestsPerMinute = 2 })
		r := e.orgAPI("GET", v1+"/users", nil).wantStatus(t, 200)
		reset, err := time.Parse(time.RFC3339, r.Header.Get("X-RateLimit-Reset"))
		if r.Header.Get("X-RateLimit-Limit") != "2" || r.Header.Get("X-RateLimit-Remaining") != "1" || err != nil ||
			!reset.Equal(e.clock.Now().Truncate(time.Minute).Add(time.Minute)) {
			t.Fatalf("headers = %v", r.Header)
		}
		e.orgAPI("GET", v1+"/users", nil).wantStatus(t, 200)
		r = e.orgAPI("GET", v1+"/users", nil).wantStatus(t, 429)
		if r.Header.Get("Retry-After") == "" || r.Header.Get("X-RateLimit-Remaining") != "0" {
			t.Fatalf("429 headers = %v", r.Header)
		}
		e.orgAPI("GET", v1+"/domains", nil).wantStatus(t, 200) // limits are per path
	})
	t.Run("no limit", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.OrgAPI.EventsPerMinute = -1 })
		for i := 0; i < 30; i++ {
			e.orgAPI("GET", v1+"/events", nil).wantStatus(t, 200)
		}
	})
}

func TestOrgAPIDirectoryCalls(t *testing.T) {
	e := newEnv(t)
	uid := e.createUser("ann@example.com")
	gid := e.createGroup("jira-users-sync", uid)
	e.grant("jira-software", gid)
	acct := e.accountID("ann@example.com")

	t.Run("v1 suspend and restore", func(t *testing.T) {
		r := e.orgAPI("POST", v1+"/directory/users/"+acct+"/suspend-access", nil).wantStatus(t, 200)
		if r.str("message") != "Access to organization "+testOrg+" was suspended for user "+acct {
			t.Fatalf("message = %s", r.Raw)
		}
		if a := e.account(acct); len(a.ProductAccess) != 0 || len(a.Groups) != 1 {
			t.Fatalf("suspended: access %v groups %v", a.ProductAccess, a.Groups)
		}
		// TestSAMLSignInRefusesDisabledAccounts signs in through the ACS.
		if sso, err := e.srv.Model.SAMLSignIn(testOrg, &saml.Assertion{NameID: "ann@example.com"}); err != nil || !sso.Denied {
			t.Fatalf("a suspended account must not sign in: %+v %v", sso, err)
		}
		v := e.orgAPI("GET", v2+"/directories/"+testDir+"/users/"+acct, nil).wantStatus(t, 200)
		if v.str("data.status") != "suspended" || v.str("data.membershipStatus") != "suspended" {
			t.Fatalf("v2 view = %s", v.Raw)
		}
		r = e.orgAPI("POST", v1+"/directory/users/"+acct+"/restore-access", nil).wantStatus(t, 200)
		if !strings.Contains(r.str("message"), "was restored") || len(e.account(acct).ProductAccess) != 1 {
			t.Fatalf("restore: %s", r.Raw)
		}
		e.orgAPI("POST", v1+"/directory/users/nobody/suspend-access", nil).wantAppError(t, 404, "ADMIN-404-8")
	})
	t.Run("v2 suspend and restore", func(t *testing.T) {
		e.orgAPI("POST", v2+"/directories/-/users/"+acct+"/suspend", nil).wantStatus(t, 204)
		if !e.account(acct).ProductAccessEmpty() {
			t.Fatal("suspended through v2 keeps access")
		}
		e.orgAPI("POST", v2+"/directories/"+testDir+"/users/"+acct+"/restore", nil).wantStatus(t, 204)
		e.orgAPI("POST", v2+"/directories/other-dir/users/"+acct+"/suspend", nil).wantAppError(t, 404, "ADMIN-404-1")
	})
	t.Run("remove", func(t *testing.T) {
		e.orgAPI("DELETE", v1+"/directory/users/"+acct, nil).wantAppError(t, 403, "ADMIN-403-3")
		var existing AccountView
		e.control("POST", "/orgs/"+testOrg+"/accounts", map[string]string{"email": "old@example.com"}, &existing)
		e.control("POST", "/orgs/"+testOrg+"/groups", map[string]any{"name": "local", "members": []string{existing.ID}}, nil)
		e.orgAPI("DELETE", v1+"/directory/users/"+existing.ID, nil).wantStatus(t, 204)
		if r := e.call("GET", "/_sim/orgs/"+testOrg+"/accounts/"+existing.ID, "", nil); r.Status != 404 {
			t.Fatalf("removed account still there: %s", r.Raw)
		}
		var groups []GroupView
		e.control("GET", "/orgs/"+testOrg+"/groups", nil, &groups)
		for _, g := range groups {
			if contains(g.Members, existing.ID) {
				t.Fatalf("still a member of %s", g.Name)
			}
		}
		e.control("POST", "/orgs/"+testOrg+"/accounts", map[string]string{"email": "old2@example.com"}, &existing)
		e.orgAPI("DELETE", v2+"/directories/"+testDir+"/users/"+existing.ID, nil).wantAppError(t, 404, "ADMIN-404-8")
		e.orgAPI("DELETE", v2+"/directories/-/users/"+existing.ID, nil).wantStatus(t, 204)
	})
	t.Run("directories", func(t *testing.T) {
		r := e.orgAPI("GET", v2+"/directories", nil).wantStatus(t, 200)
		if r.str("data.0.directoryId") != testDir || r.str("data.0.name") == "" || r.str("links.self") == "" {
			t.Fatalf("directories = %s", r.Raw)
		}
		r = e.orgAPI("GET", v2+"/directories?accountId=nobody", nil).wantStatus(t, 200)
		if len(r.Body["data"].([]any)) != 0 {
			t.Fatalf("filtered = %s", r.Raw)
		}
		e.orgAPI("GET", v2+"/directories/nope/users", nil).wantAppError(t, 404, "ADMIN-404-1")
	})
}

// ProductAccessEmpty reports whether the account can use no product.
func (a AccountView) ProductAccessEmpty() bool { return len(a.ProductAccess) == 0 }

func TestUserManagementAPI(t *testing.T) {
	e := newEnv(t)
	uid := e.createUser("ann@example.com")
	synced := e.accountID("ann@example.com")
	_ = uid
	var local AccountView
	e.control("POST", "/orgs/"+testOrg+"/accounts", map[string]string{"email": "lee@example.com", "displayName": "Lee"}, &local)
	var external AccountView
	e.control("POST", "/orgs/"+testOrg+"/accounts", map[string]string{"email": "ext@elsewhere.io"}, &external)
	um := func(id string) string { return "/users/" + id + "/manage" }

	t.Run("permissions", func(t *testing.T) {
		r := e.orgAPI("GET", um(synced), nil).wantStatus(t, 200)
		if dig(r.Body, "profile.write.name.reason.key") != "externalDirectory.scim" || dig(r.Body, "lifecycle.enablement.allowed") != false ||
			dig(r.Body, "profile.read.allowed") != true {
			t.Fatalf("synced = %s", r.Raw)
		}
		r = e.orgAPI("GET", um(local.ID)+"?privileges=profile.write,lifecycle.enablement", nil).wantStatus(t, 200)
		if len(r.Body) != 2 || dig(r.Body, "profile.write.name.allowed") != true || dig(r.Body, "lifecycle.enablement.allowed") != true {
			t.Fatalf("local = %s", r.Raw)
		}
		e.orgAPI("GET", um(local.ID)+"?privileges=fly", nil).wantKey(t, 400, "bodyParseFailure")
	})
	t.Run("profile", func(t *testing.T) {
		r := e.orgAPI("GET", um(synced)+"/profile", nil).wantStatus(t, 200)
		for path, want := range map[string]any{"account.account_id": synced, "account.account_type": "atlassian",
			"account.account_status": "active", "account.name": "Ann Test", "account.email": "ann@example.com", "account.email_verified": true} {
			if got := dig(r.Body, path); got != want {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
		r = e.orgAPI("PATCH", um(local.ID)+"/profile", map[string]any{"nickname": "Lee L", "extended_profile": map[string]string{"job_title": "Lead"}}).wantStatus(t, 200)
		if r.str("account.nickname") != "Lee L" || r.str("account.extended_profile.job_title") != "Lead" || e.account(local.ID).Title != "Lead" {
			t.Fatalf("patched = %s", r.Raw)
		}
		if got := e.eventActions(); got[len(got)-1] != "user_updated" {
			t.Fatalf("events %v", got)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		before := e.snapshot()
		r := e.orgAPI("PATCH", um(synced)+"/profile", map[string]any{"name": "Someone Else"}).wantKey(t, 403, "forbidden.fieldMutation")
		if dig(r.Body, "context.name.reason.key") != "externalDirectory.scim" {
			t.Fatalf("context = %s", r.Raw)
		}
		e.orgAPI("POST", um(synced)+"/lifecycle/disable", nil).wantKey(t, 403, "forbidden.action")
		r = e.orgAPI("PATCH", um(local.ID)+"/profile", map[string]any{"nickname": strings.Repeat("n", 31), "name": "bad\x01name"}).
			wantKey(t, 400, "fieldConstraintsViolated")
		if len(dig(r.Body, "context.fieldViolations").([]any)) != 2 {
			t.Fatalf("violations = %s", r.Raw)
		}
		e.orgAPI("PATCH", um(local.ID)+"/profile", `{"nickname": 5}`).wantKey(t, 400, "bodyParseFailure")
		e.orgAPI("PATCH", um(local.ID)+"/profile", `{"extended_profile":{"location":"Lompoc"}}`).wantKey(t, 400, "bodyParseFailure")
		e.orgAPI("PATCH", um(local.ID)+"/profile", `not json`).wantKey(t, 400, "bodyParseFailure")
		e.orgAPI("GET", um(external.ID)+"/profile", nil).wantKey(t, 403, "forbidden.targetUnverified")
		e.orgAPI("GET", um("nobody")+"/profile", nil).wantKey(t, 404, "accountNotFound")
		if e.snapshot() != before {
			t.Fatal("a refused call changed something")
		}
	})
	t.Run("lifecycle", func(t *testing.T) {
		e.orgAPI("POST", um(local.ID)+"/lifecycle/disable", map[string]string{"message": "On leave"}).wantStatus(t, 204)
		if e.account(local.ID).Status != "deactivated" {
			t.Fatal("not deactivated")
		}
		e.orgAPI("POST", um(local.ID)+"/lifecycle/enable", nil).wantStatus(t, 204)
		if e.account(local.ID).Status != "active" {
			t.Fatal("not reactivated")
		}
		got := e.eventActions()
		if strings.Join(got[len(got)-2:], ",") != "user_deactivated,user_reactivated" {
			t.Fatalf("events %v", got)
		}
	})
	t.Run("synced profile writable switch", func(t *testing.T) {
		e2 := newEnv(t, func(c *Config) { c.Options.SyncedProfileWritable = true })
		e2.createUser("ann@example.com")
		id := e2.accountID("ann@example.com")
		e2.orgAPI("PATCH", um(id)+"/profile", map[string]any{"name": "Ann Other"}).wantStatus(t, 200)
		e2.orgAPI("POST", um(id)+"/lifecycle/disable", nil).wantStatus(t, 204)
	})
	t.Run("api tokens", func(t *testing.T) {
		e.orgAPI("GET", um(local.ID)+"/api-tokens", nil).wantStatus(t, 200)
		var tok map[string]any
		e.control("POST", "/orgs/"+testOrg+"/accounts/"+local.ID+"/api-tokens", map[string]string{"label": "laptop"}, &tok)
		r := e.orgAPI("GET", um(local.ID)+"/api-tokens", nil).wantStatus(t, 200)
		var list []map[string]any
		if err := json.Unmarshal(r.Raw, &list); err != nil || len(list) != 1 || list[0]["label"] != "laptop" || list[0]["createdAt"] == nil {
			t.Fatalf("tokens = %s", r.Raw)
		}
		if strings.Contains(string(r.Raw), tok["token"].(string)) {
			t.Fatal("the token secret must not be listed")
		}
		e.orgAPI("DELETE", um(local.ID)+"/api-tokens/"+list[0]["id"].(string), nil).wantStatus(t, 204)
		e.orgAPI("DELETE", um(local.ID)+"/api-tokens/"+list[0]["id"].(string), nil).wantKey(t, 404, "notFound")
	})
}

// TestOrgAPIState: keys and the audit log survive a restart with
// --data-dir and travel in snapshots.
func TestOrgAPIState(t *testing.T) {
	dir := t.TempDir()
	withDir := func(c *Config) { c.DataDir = dir }
	e := newEnv(t, withDir)
	var made APIKeyCreated
	e.control("POST", "/orgs/"+testOrg+"/api-keys", map[string]any{"label": "ci", "apiKey": "kept-key"}, &made)
	e.createUser("ann@example.com")
	acct := e.accountID("ann@example.com")
	e.call("POST", v1+"/directory/users/"+acct+"/suspend-access", "Bearer kept-key", nil).wantStatus(t, 200)
	e.control("POST", "/orgs/"+testOrg+"/accounts/"+acct+"/activity", map[string]any{"site": testSite, "product": "confluence"}, nil)
	before := e.eventActions()
	cursor := e.orgAPI("GET", v1+"/events-stream?limit=500", nil).str("meta.next")
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}

	e2 := newEnv(t, withDir)
	defer e2.srv.Close()
	e2.call("GET", v1, "Bearer kept-key", nil).wantStatus(t, 200)
	if got := e2.eventActions(); strings.Join(got, ",") != strings.Join(before, ",") {
		t.Fatalf("events after restart %v, want %v", got, before)
	}
	if !e2.account(acct).ProductAccessEmpty() {
		t.Fatal("suspension lost at restart")
	}
	r := e2.orgAPI("GET", v1+"/users", nil)
	if r.str("data.0.last_active") == "" {
		t.Fatalf("activity lost at restart: %s", r.Raw)
	}
	// New events continue the sequence: the stream cursor taken before
	// the restart still only returns what is new.
	e2.createUser("bo@example.com")
	r = e2.orgAPI("GET", v1+"/events-stream?cursor="+url.QueryEscape(cursor), nil).wantStatus(t, 200)
	if len(r.Body["data"].([]any)) != 1 || r.str("data.0.attributes.context.0.attributes.email") != "bo@example.com" {
		t.Fatalf("poll after restart = %s", r.Raw)
	}

	t.Run("snapshot round trip", func(t *testing.T) {
		snap := e2.call("GET", "/_sim/snapshot", "", nil).wantStatus(t, 200)
		e3 := newEnv(t)
		e3.call("PUT", "/_sim/snapshot", "", snap.Raw).wantStatus(t, 200)
		e3.call("GET", v1, "Bearer kept-key", nil).wantStatus(t, 200)
		if got := e3.eventActions(); len(got) != len(before)+1 {
			t.Fatalf("imported events %v", got)
		}
		bad := strings.Replace(string(snap.Raw), `"action":"user_created"`, `"action":""`, 1)
		e3.call("PUT", "/_sim/snapshot", "", bad).wantStatus(t, 400)
	})
}

func TestOrgAPIJournal(t *testing.T) {
	e := newEnv(t)
	e.createUser("ann@example.com")
	acct := e.accountID("ann@example.com")
	e.orgAPI("GET", "/admin/v1/orgs", nil)
	e.orgAPI("GET", "/users/"+acct+"/manage/profile", nil)
	e.orgAPI("GET", v2+"/directories/-/users", nil)
	var out struct {
		Entries []struct {
			Tenant, Path, Auth string
			Status             int
		} `json:"entries"`
	}
	e.control("GET", "/journal?tenant="+testOrg, nil, &out)
	paths := map[string]bool{}
	for _, en := range out.Entries {
		paths[en.Path] = true
		if strings.Contains(en.Auth, testOrgKey) {
			t.Fatal("the journal holds the key")
		}
	}
	for _, p := range []string{"/admin/v1/orgs", "/users/" + acct + "/manage/profile", v2 + "/directories/-/users"} {
		if !paths[p] {
			t.Errorf("journal of %s lacks %s: %+v", testOrg, p, out.Entries)
		}
	}
}

func TestOrgAPIFlags(t *testing.T) {
	cli, err := ParseFlags([]string{"--org-api-ratelimit-headers", "--org-api-v2-write-status", "message",
		"--event-action", "user_created=user_provisioned", "--max-events", "50", "--synced-profile-writable"},
		func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o, c := cli.Config.Options, cli.Config.OrgAPI
	if !c.RateLimitHeaders || c.V2WriteStatus != V2WriteMessage || c.EventsPerMinute != 10 || o.MaxEventsPerOrg != 50 ||
		!o.SyncedProfileWritable || o.EventActionKeys["user_created"] != "user_provisioned" {
		t.Fatalf("config = %+v %+v", c, o)
	}
	for _, bad := range [][]string{{"--org-api-v2-write-status", "maybe"}, {"--event-action", "nope"}, {"--event-action", "no_such=x"}} {
		if _, err := ParseFlags(bad, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
}
