package mockatlassian

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// SCIM-GROUP-1, SCIM-GROUP-3, SCIM-PATCH-3, ATL-PRODUCT-1: group names, members, product access.
func TestGroupLifecycleAndProductAccess(t *testing.T) {
	e := newEnv(t)
	ada, bob := e.createUser("ada@example.com"), e.createUser("bob@example.com")
	r := e.scim("POST", "/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"displayName": "atlassian-test-jira-users", "externalId": "00g1"}).wantStatus(t, http.StatusCreated)
	gid := r.str("id")
	if r.str("meta.resourceType") != "Group" || r.str("externalId") != "00g1" || len(r.Body["members"].([]any)) != 0 {
		t.Fatalf("group shape: %s", r.Raw)
	}
	if got, want := r.str("meta.location"), "https://api.atlassian.com/scim/directory/"+testDir+"/Groups/"+gid; got != want {
		t.Fatalf("location %q, want %q", got, want)
	}
	e.grant("jira-software", "atlassian-test-jira-users")

	// Okta adds members with value and display.
	r = e.scim("PATCH", "/Groups/"+gid, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{
			map[string]any{"value": ada, "display": "ada@example.com"}, map[string]any{"value": bob, "display": "bob@example.com"}}}}}).
		wantStatus(t, http.StatusOK)
	members := r.Body["members"].([]any)
	if len(members) != 2 {
		t.Fatalf("members = %v", members)
	}
	m0 := members[0].(map[string]any)
	if m0["type"] != "User" || m0["$ref"] != "https://api.atlassian.com/scim/directory/"+testDir+"/Users/"+m0["value"].(string) || m0["display"] == "" {
		t.Fatalf("member shape = %v", m0)
	}
	for _, email := range []string{"ada@example.com", "bob@example.com"} {
		if a := e.account(email); len(a.ProductAccess) != 1 || a.ProductAccess[0].Via[0] != "atlassian-test-jira-users" {
			t.Fatalf("%s access = %+v", email, a.ProductAccess)
		}
	}

	// Okta removes with a filtered path and no value.
	e.scim("PATCH", "/Groups/"+gid, map[string]any{"Operations": []any{
		map[string]any{"op": "remove", "path": `members[value eq "` + bob + `"]`}}}).wantStatus(t, http.StatusOK)
	if a := e.account("bob@example.com"); len(a.ProductAccess) != 0 {
		t.Fatalf("bob kept access after removal: %+v", a.ProductAccess)
	}

	// The filter for Groups is displayName eq, case-insensitive.
	r = e.scim("GET", "/Groups?filter="+urlQuery(`displayName eq "ATLASSIAN-test-jira-users"`), nil).wantStatus(t, http.StatusOK)
	if r.num("totalResults") != 1 || r.str("Resources.0.id") != gid {
		t.Fatalf("filter by displayName: %s", r.Raw)
	}

	// DELETE removes the group from the org and its product grants.
	e.scim("DELETE", "/Groups/"+gid, nil).wantStatus(t, http.StatusNoContent)
	e.scim("GET", "/Groups/"+gid, nil).wantSCIMError(t, http.StatusNotFound, "")
	e.scim("DELETE", "/Groups/"+gid, nil).wantSCIMError(t, http.StatusNotFound, "")
	if a := e.account("ada@example.com"); len(a.ProductAccess) != 0 {
		t.Fatalf("access survived group deletion: %+v", a.ProductAccess)
	}
	var groups []GroupView
	e.control("GET", "/orgs/"+testOrg+"/groups", nil, &groups)
	for _, g := range groups {
		if g.Name == "atlassian-test-jira-users" {
			t.Fatalf("org group survived: %+v", g)
		}
	}
}

func TestGroupNameUniqueness(t *testing.T) {
	t.Run("conflict (default)", func(t *testing.T) {
		e := newEnv(t)
		e.control("POST", "/orgs/"+testOrg+"/groups", map[string]any{"name": "site-admins"}, nil)
		e.createGroup("engineering")
		for _, name := range []string{"engineering", "ENGINEERING", "jira-software-users", "confluence-users", "site-admins"} {
			t.Run(name, func(t *testing.T) {
				r := e.scim("POST", "/Groups", map[string]any{"displayName": name}).wantSCIMError(t, http.StatusConflict, "uniqueness")
				if r.str("detail") != "Resource [GROUP]: with displayName already exists." {
					t.Fatalf("detail %q", r.str("detail"))
				}
			})
		}
		// Another directory of the same organization shares the namespace.
		var d2 DirectoryCreated
		e.control("POST", "/orgs/"+testOrg+"/directories", map[string]any{"name": "second"}, &d2)
		e.call("POST", "/scim/directory/"+d2.ID+"/Groups", "Bearer "+d2.APIKey, map[string]any{"displayName": "engineering"}).
			wantSCIMError(t, http.StatusConflict, "uniqueness")
		// Another organization does not.
		var o2 OrgCreated
		e.control("POST", "/orgs", map[string]any{"name": "other"}, &o2)
		var d3 DirectoryCreated
		e.control("POST", "/orgs/"+o2.ID+"/directories", nil, &d3)
		e.call("POST", "/scim/directory/"+d3.ID+"/Groups", "Bearer "+d3.APIKey, map[string]any{"displayName": "engineering"}).
			wantStatus(t, http.StatusCreated)
	})
	t.Run("accept-unsynced switch", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Options.GroupCollision = CollisionAcceptUnsynced })
		id := e.createUser("ada@example.com")
		r := e.scim("POST", "/Groups", map[string]any{"displayName": "confluence-users", "members": []any{map[string]any{"value": id}}}).
			wantStatus(t, http.StatusCreated)
		if r.str("displayName") != "confluence-users" {
			t.Fatalf("%s", r.Raw)
		}
		// Not synced: the default group keeps its (empty) membership, so the
		// SCIM member gets no Confluence access from it.
		if a := e.account("ada@example.com"); len(a.ProductAccess) != 0 {
			t.Fatalf("unsynced group granted access: %+v", a.ProductAccess)
		}
		e.scim("POST", "/Groups", map[string]any{"displayName": "confluence-users"}).wantSCIMError(t, http.StatusConflict, "uniqueness")
	})
}

// SCIM-GROUP-2: renaming is not supported.
func TestGroupRename(t *testing.T) {
	rename := []struct {
		name string
		send func(e *testEnv, gid string) resp
	}{
		{"PUT", func(e *testEnv, gid string) resp {
			return e.scim("PUT", "/Groups/"+gid, map[string]any{"displayName": "new-name"})
		}},
		{"PATCH Okta", func(e *testEnv, gid string) resp {
			return e.scim("PATCH", "/Groups/"+gid, map[string]any{"Operations": []any{
				map[string]any{"op": "replace", "value": map[string]any{"id": gid, "displayName": "new-name"}}}})
		}},
		{"PATCH path", func(e *testEnv, gid string) resp {
			return e.scim("PATCH", "/Groups/"+gid, map[string]any{"Operations": []any{
				map[string]any{"op": "Replace", "path": "displayName", "value": "new-name"}}})
		}},
	}
	for _, tc := range rename {
		t.Run("ignore/"+tc.name, func(t *testing.T) {
			e := newEnv(t)
			gid := e.createGroup("old-name")
			if r := tc.send(e, gid).wantStatus(t, http.StatusOK); r.str("displayName") != "old-name" {
				t.Fatalf("renamed: %s", r.Raw)
			}
		})
		t.Run("reject/"+tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.Options.GroupRename = RenameReject })
			gid := e.createGroup("old-name")
			tc.send(e, gid).wantSCIMError(t, http.StatusBadRequest, "mutability")
			if r := e.scim("GET", "/Groups/"+gid, nil); r.str("displayName") != "old-name" {
				t.Fatalf("renamed: %s", r.Raw)
			}
		})
	}
}

// Member PATCH dialects (SCIM-PATCH-3) against real membership state.
func TestGroupMemberDialects(t *testing.T) {
	e := newEnv(t)
	a, b, c := e.createUser("a@example.com"), e.createUser("b@example.com"), e.createUser("c@example.com")
	gid := e.createGroup("dialects")
	members := func() string {
		r := e.scim("GET", "/Groups/"+gid, nil)
		var ids []string
		for _, m := range r.Body["members"].([]any) {
			ids = append(ids, m.(map[string]any)["value"].(string))
		}
		return strings.Join(ids, ",")
	}
	want := func(ids ...string) string {
		sorted := append([]string(nil), ids...)
		for i := range sorted {
			for j := i + 1; j < len(sorted); j++ {
				if sorted[j] < sorted[i] {
					sorted[i], sorted[j] = sorted[j], sorted[i]
				}
			}
		}
		return strings.Join(sorted, ",")
	}
	steps := []struct {
		name string
		body string
		want string
	}{
		{"Entra Add capitalised", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"` + a + `"},{"value":"` + b + `"}]}]}`, want(a, b)},
		{"add is idempotent", `{"Operations":[{"op":"add","path":"members","value":[{"value":"` + a + `"}]}]}`, want(a, b)},
		{"lower-case operations key", `{"operations":[{"op":"add","path":"members","value":[{"value":"` + c + `"}]}]}`, want(a, b, c)},
		{"Entra Remove with value array", `{"Operations":[{"op":"Remove","path":"members","value":[{"value":"` + a + `"}]}]}`, want(b, c)},
		{"Okta remove by filter", `{"Operations":[{"op":"remove","path":"members[value eq \"` + b + `\"]"}]}`, want(c)},
		{"remove a non-member is a no-op", `{"Operations":[{"op":"remove","path":"members[value eq \"` + a + `\"]"}]}`, want(c)},
		{"replace the whole list", `{"Operations":[{"op":"replace","path":"members","value":[{"value":"` + a + `"},{"value":"` + b + `"}]}]}`, want(a, b)},
		{"remove all", `{"Operations":[{"op":"remove","path":"members"}]}`, ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			e.scim("PATCH", "/Groups/"+gid, json.RawMessage(s.body)).wantStatus(t, http.StatusOK)
			if got := members(); got != s.want {
				t.Fatalf("members = %q, want %q", got, s.want)
			}
		})
	}
}

func TestSyncedGroupCannotBeDefault(t *testing.T) {
	e := newEnv(t)
	e.createGroup("atlassian-test-confluence-users")
	var out map[string]string
	if st := e.control("PUT", "/orgs/"+testOrg+"/groups/atlassian-test-confluence-users/default", nil, &out); st != http.StatusBadRequest || !strings.Contains(out["error"], "synced") {
		t.Fatalf("status %d body %v, want 400 explaining synced groups cannot be default", st, out)
	}
	e.control("POST", "/orgs/"+testOrg+"/groups", map[string]any{"name": "local-team"}, nil)
	var g GroupView
	if st := e.control("PUT", "/orgs/"+testOrg+"/groups/local-team/default", nil, &g); st != http.StatusOK || !g.Default {
		t.Fatalf("local group default: %d %+v", st, g)
	}
}
