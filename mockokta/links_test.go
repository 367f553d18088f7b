package mockokta

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
)

// TestEveryLinkAnswers walks the _links of every object the Management API
// shows (people in each status, groups, apps, app users, app groups, push
// mappings, features, the connection, policies) and follows each href: a
// link a client can read answers 200; a link to an operation (a method
// other than GET) is routed, so GET on it is 405, not 404 (OAPI-LINKS-1).
func TestEveryLinkAnswers(t *testing.T) {
	e := newPushEnv(t, "atlassian")
	uid, _ := e.provisioned("Link", "Walker")
	staged := e.must(200, "POST", "/api/v1/users?activate=false", map[string]any{"profile": map[string]any{
		"firstName": "S", "lastName": "T", "email": "staged@example.com", "login": "staged@example.com"}})["id"].(string)
	g := e.must(200, "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "Linked"}})["id"].(string)
	e.must(204, "PUT", "/api/v1/groups/"+g+"/users/"+uid, nil)
	e.must(200, "PUT", "/api/v1/apps/"+e.app+"/groups/"+g, map[string]any{})
	e.must(201, "POST", "/api/v1/apps/"+e.app+"/group-push/mappings", map[string]any{"sourceGroupId": g, "targetGroupName": "Linked"})
	e.idle()
	suspended := e.createUser("Sus", "Pended", "sus.pended@example.com")
	e.must(200, "POST", "/api/v1/users/"+suspended+"/lifecycle/suspend", nil)

	starts := []string{
		"/api/v1/users", "/api/v1/users?search=" + "status+eq+%22STAGED%22", "/api/v1/users/" + staged,
		"/api/v1/users/" + suspended, "/api/v1/users/me",
		"/api/v1/groups", "/api/v1/apps", "/api/v1/apps/" + e.app,
		"/api/v1/apps/" + e.app + "/users", "/api/v1/apps/" + e.app + "/users/" + uid,
		"/api/v1/apps/" + e.app + "/groups", "/api/v1/apps/" + e.app + "/groups/" + g,
		"/api/v1/apps/" + e.app + "/group-push/mappings",
		"/api/v1/apps/" + e.app + "/features", "/api/v1/apps/" + e.app + "/connections/default",
		"/api/v1/policies?type=ACCESS_POLICY", "/api/v1/groups/rules",
	}
	type target struct{ href, method, from string }
	seen := map[string]target{}
	for _, path := range starts {
		r := e.oktaAPI("GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Raw)
		}
		var v any
		if err := json.Unmarshal(r.Raw, &v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		collectLinks(v, func(name string, l map[string]any) {
			href, _ := l["href"].(string)
			method, _ := l["method"].(string)
			if hints, ok := l["hints"].(map[string]any); ok && method == "" {
				if allow, ok := hints["allow"].([]any); ok && len(allow) > 0 && allow[0] != "GET" {
					method, _ = allow[0].(string)
				}
			}
			if href != "" {
				seen[href+" "+method] = target{href, method, path + " _links." + name}
			}
		})
	}
	if len(seen) < 20 {
		t.Fatalf("only %d links found", len(seen))
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		tg := seen[k]
		base, path, ok := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(tg.href, "http://"), "https://"), "/")
		if !ok || base == "" {
			t.Errorf("%s: href %q is not absolute", tg.from, tg.href)
			continue
		}
		req := httptest.NewRequest("GET", tg.href, nil)
		req.Header.Set("Authorization", "SSWS "+e.token)
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		e.okta.ServeHTTP(rec, req)
		want := http.StatusOK
		if tg.method != "" && tg.method != http.MethodGet {
			want = http.StatusMethodNotAllowed
		}
		if rec.Code != want {
			t.Errorf("%s: GET /%s answered %d, want %d: %.200s", tg.from, path, rec.Code, want, rec.Body.String())
		}
	}
}

// collectLinks calls f for every link object under a "_links" key in v,
// named by its relation.
func collectLinks(v any, f func(name string, l map[string]any)) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			collectLinks(e, f)
		}
	case map[string]any:
		for k, e := range x {
			if k == "_links" {
				if links, ok := e.(map[string]any); ok {
					for name, l := range links {
						switch y := l.(type) {
						case map[string]any:
							f(name, y)
						case []any:
							for _, z := range y {
								if m, ok := z.(map[string]any); ok {
									f(name, m)
								}
							}
						}
					}
				}
				continue
			}
			collectLinks(e, f)
		}
	}
}

// TestAppsCarryOnlyOktaFields: the simulator's settings of an app are at
// /_sim/, not in the Okta object (OAPI-APP-5).
func TestAppsCarryOnlyOktaFields(t *testing.T) {
	e := newPushEnv(t, "atlassian")
	for _, path := range []string{"/api/v1/apps", "/api/v1/apps/" + e.app} {
		if r := e.oktaAPI("GET", path, nil); r.Status != 200 || strings.Contains(string(r.Raw), "_provsim") ||
			strings.Contains(string(r.Raw), "groupPushConflict") {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Raw)
		}
	}
	ctl := "/_sim/orgs/" + e.orgID + "/apps/" + e.app + "/settings"
	got := e.must(200, "GET", ctl, nil)
	if got["flavour"] != "PATCH" || got["provisioning"] != "ENABLED" || got["renameGroups"] != false {
		t.Fatalf("settings %v", got)
	}
	if got := e.must(200, "PUT", ctl, map[string]any{"renameGroups": true}); got["renameGroups"] != true || got["flavour"] != "PATCH" {
		t.Fatalf("PUT settings answered %v", got)
	}
	if got := e.must(200, "GET", ctl, nil); got["renameGroups"] != true {
		t.Fatalf("settings after PUT %v", got)
	}
}
