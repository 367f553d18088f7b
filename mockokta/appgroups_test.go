package mockokta

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestGroupsAPIListsAppGroups (OKTA-PUSH-15): a group Okta knows in an app
// (here imported with Import Now) is a Groups API object of type APP_GROUP:
// Okta's id, objectClass okta:user_group, profile name and description,
// source.id and _links.source naming the app. It is found by type and by
// source.id; its members and profile cannot be changed through the API.
func TestGroupsAPIListsAppGroups(t *testing.T) {
	p, _ := goldPipeline(t, goldSetup{})
	st, sg := goldSCIM(p, "POST", "/Groups", map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "jira-admins"})
	if st != 201 {
		t.Fatalf("group downstream: %d %v", st, sg)
	}
	p.must(http.StatusOK, "POST", "/_sim/orgs/"+p.orgID+"/apps/"+p.appID+"/import", nil)
	p.idle()
	okta := goldGroup(p, "Engineering")
	id := AppGroupID(p.appID, sg["id"].(string))

	list := func(query string) []map[string]any {
		t.Helper()
		r := p.oktaAPI("GET", "/api/v1/groups"+query, nil)
		var out []map[string]any
		if r.Status != 200 || json.Unmarshal(r.Raw, &out) != nil {
			t.Fatalf("GET /api/v1/groups%s: %d %s", query, r.Status, r.Raw)
		}
		return out
	}
	byID := func(gs []map[string]any) map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, g := range gs {
			out[g["id"].(string)] = g
		}
		return out
	}
	all := byID(list(""))
	ag, ok := all[id]
	if !ok || all[okta] == nil {
		t.Fatalf("groups listed: %v, want Engineering and the app group %s", all, id)
	}
	if ag["type"] != "APP_GROUP" || dig(ag, "profile.name") != "jira-admins" || dig(ag, "source.id") != p.appID ||
		!strings.HasSuffix(dig(ag, "_links.source.href").(string), "/api/v1/apps/"+p.appID) ||
		len(ag["objectClass"].([]any)) != 1 || ag["objectClass"].([]any)[0] != "okta:user_group" {
		t.Errorf("APP_GROUP object: %v", ag)
	}
	if _, has := dig(ag, "profile").(map[string]any)["description"]; !has {
		t.Errorf("APP_GROUP profile without description: %v", ag["profile"])
	}
	if all[okta]["source"] != nil || dig(all[okta], "_links.source") != nil {
		t.Errorf("an OKTA_GROUP carries a source: %v", all[okta])
	}
	if got := p.must(http.StatusOK, "GET", "/api/v1/groups/"+id, nil); got["type"] != "APP_GROUP" || dig(got, "source.id") != p.appID {
		t.Errorf("GET the app group: %v", got)
	}
	for _, q := range []string{`type eq "APP_GROUP"`, `source.id eq "` + p.appID + `"`} {
		got := byID(list("?search=" + url.QueryEscape(q)))
		if len(got) != 1 || got[id] == nil {
			t.Errorf("search %s: %v, want only the app group", q, got)
		}
	}
	if got := byID(list("?filter=" + url.QueryEscape(`type eq "OKTA_GROUP"`))); got[id] != nil || got[okta] == nil {
		t.Errorf("filter OKTA_GROUP: %v", got)
	}
	// Every link answers; members come from imports provsim does not model.
	for _, l := range []string{"users", "apps", "source"} {
		u, _ := url.Parse(dig(ag, "_links."+l+".href").(string))
		if r := p.oktaAPI("GET", u.Path, nil); r.Status != 200 {
			t.Errorf("_links.%s %s: %d %s", l, u.Path, r.Status, r.Raw)
		}
	}
	uid := p.createUser("Ann", "App", "ann.app@example.com")
	for _, c := range []struct{ method, path string }{
		{"PUT", "/api/v1/groups/" + id + "/users/" + uid},
		{"DELETE", "/api/v1/groups/" + id},
	} {
		if r := p.oktaAPI(c.method, c.path, nil); r.Status != http.StatusForbidden || !strings.Contains(string(r.Raw), "E0000006") {
			t.Errorf("%s %s: %d %s, want 403 E0000006", c.method, c.path, r.Status, r.Raw)
		}
	}
	if r := p.oktaAPI("PUT", "/api/v1/groups/"+id, map[string]any{"profile": map[string]any{"name": "x"}}); r.Status != http.StatusForbidden {
		t.Errorf("renaming an app group: %d %s", r.Status, r.Raw)
	}
}
