package mockokta

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStoreMatchesModel proves the marks: the store writes only the records
// a mutation marked, so a mutation that forgets one would be lost at the
// next restart. This drives every mutating route, with the engine
// provisioning into an in-process mockatlassian, and after each request
// (and the engine work it queued) compares what the store holds, written
// record by record, with a full encode of the model, naming the first
// record that differs. A new mutating route or engine outcome belongs in
// this workload.
func TestStoreMatchesModel(t *testing.T) {
	w := newWired(t, t.TempDir(), func(c *Config) { c.Options.MaxLogEvents = 40 })
	step := 0
	check := func(what string) {
		t.Helper()
		if err := w.srv.Model.WaitIdleTimeout(w.org.ID, 10*time.Second); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := w.srv.store.Commit(); err != nil {
			t.Fatal(err)
		}
		storeMatchesModel(t, what, w.srv)
	}
	do := func(method, path string, body any, want int) resp {
		t.Helper()
		step++
		r := w.do(method, path, body)
		if r.Status != want {
			t.Fatalf("step %d: %s %s: %d %s, want %d", step, method, path, r.Status, r.Raw, want)
		}
		check(fmt.Sprintf("step %d: %s %s", step, method, path))
		return r
	}
	atl := func(method, path, body string) {
		rec := httptest.NewRecorder()
		w.atl.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		if rec.Code >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
	}
	user := func(login string) string {
		return do("POST", "/api/v1/users?activate=true", withPassword(userBody(login, "First", "Last"), goodPassword), http.StatusOK).obj()["id"].(string)
	}
	app := "/api/v1/apps/" + w.appID
	ctl := "/_sim/orgs/" + w.org.ID

	// Users and their lifecycle.
	ada, grace, linus := user("ada@example.com"), user("grace@example.com"), user("linus@example.com")
	staged := do("POST", "/api/v1/users?activate=false", userBody("staged@example.com", "S", "T"), http.StatusOK).obj()["id"].(string)
	do("POST", "/api/v1/users/"+ada, map[string]any{"profile": map[string]any{"title": "Countess"}}, http.StatusOK)
	do("PUT", "/api/v1/users/"+linus, map[string]any{"profile": map[string]any{"login": "linus@example.com", "email": "linus@example.com",
		"firstName": "Linus", "lastName": "T"}}, http.StatusOK)
	do("POST", "/api/v1/users/"+staged+"/lifecycle/activate?sendEmail=false", nil, http.StatusOK)
	do("POST", "/api/v1/users/"+staged+"/lifecycle/reactivate?sendEmail=false", nil, http.StatusOK)

	// Groups, memberships, assignments and Group Push, provisioned.
	g := do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "jira-users"}}, http.StatusOK).obj()["id"].(string)
	for _, u := range []string{ada, grace, linus} {
		do("PUT", "/api/v1/groups/"+g+"/users/"+u, nil, http.StatusNoContent)
	}
	do("PUT", app+"/groups/"+g, map[string]any{}, http.StatusOK)
	do("PATCH", app+"/groups/"+g, []map[string]any{{"op": "replace", "path": "/priority", "value": 3}}, http.StatusOK)
	pm := do("POST", app+"/group-push/mappings", map[string]any{"sourceGroupId": g, "status": "ACTIVE"}, http.StatusCreated).obj()["id"].(string)
	do("POST", app+"/users", map[string]any{"id": staged, "scope": "USER"}, http.StatusOK)
	do("POST", app+"/users/"+staged, map[string]any{"profile": map[string]any{"nickName": "Stan"}}, http.StatusOK)
	do("PUT", "/api/v1/groups/"+g, map[string]any{"profile": map[string]any{"name": "jira-people"}}, http.StatusOK)
	do("DELETE", "/api/v1/groups/"+g+"/users/"+linus, nil, http.StatusNoContent)
	do("POST", "/api/v1/users/"+grace+"/lifecycle/suspend", nil, http.StatusOK)
	do("POST", "/api/v1/users/"+grace+"/lifecycle/unsuspend", nil, http.StatusOK)
	do("POST", "/api/v1/users/"+grace+"/lifecycle/expire_password", nil, http.StatusOK)
	do("POST", "/api/v1/users/"+linus+"/lifecycle/deactivate", nil, http.StatusOK)
	do("POST", "/api/v1/users/"+linus+"/lifecycle/activate?sendEmail=false", nil, http.StatusOK)

	// Group rules: created, activated (assigns), a person who stops
	// matching leaves, updated, deleted with its memberships; a rule made
	// INVALID by its group's deletion.
	rg := do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "countesses"}}, http.StatusOK).obj()["id"].(string)
	rule := do("POST", "/api/v1/groups/rules", ruleBody("Countesses", `user.title == "Countess"`, []string{rg}), http.StatusOK).obj()["id"].(string)
	do("POST", "/api/v1/groups/rules/"+rule+"/lifecycle/activate", nil, http.StatusNoContent)
	do("POST", "/api/v1/users/"+grace, map[string]any{"profile": map[string]any{"title": "Countess"}}, http.StatusOK)
	do("POST", "/api/v1/users/"+grace, map[string]any{"profile": map[string]any{"title": "Admiral"}}, http.StatusOK)
	do("POST", "/api/v1/groups/rules/"+rule+"/lifecycle/deactivate", nil, http.StatusNoContent)
	do("PUT", "/api/v1/groups/rules/"+rule, ruleBody("Countesses!", `user.title == "Countess"`, []string{rg}), http.StatusOK)
	do("POST", "/api/v1/groups/rules/"+rule+"/lifecycle/activate", nil, http.StatusNoContent)
	do("POST", "/api/v1/groups/rules/"+rule+"/lifecycle/deactivate", nil, http.StatusNoContent)
	do("DELETE", "/api/v1/groups/rules/"+rule+"?removeUsers=true", nil, http.StatusAccepted)
	doomed := do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "doomed"}}, http.StatusOK).obj()["id"].(string)
	invalid := do("POST", "/api/v1/groups/rules", ruleBody("Doomed", `user.login != null`, []string{doomed}), http.StatusOK).obj()["id"].(string)
	do("POST", "/api/v1/groups/rules/"+invalid+"/lifecycle/activate", nil, http.StatusNoContent)
	do("DELETE", "/api/v1/groups/"+doomed, nil, http.StatusNoContent)

	// A failure downstream: a task, retried and resolved.
	atl("POST", "/_sim/faults", `{"method":"POST","path":"/scim/directory/`+atlDir+`/Users","status":400,"times":2}`)
	fail := user("fail@example.com")
	do("POST", app+"/users", map[string]any{"id": fail, "scope": "USER"}, http.StatusOK)
	var tasks []map[string]any
	_ = json.Unmarshal(do("GET", ctl+"/tasks", nil, http.StatusOK).Raw, &tasks)
	if len(tasks) != 1 {
		t.Fatalf("tasks after a refused create: %v", tasks)
	}
	task := tasks[0]["id"].(string)
	do("POST", ctl+"/tasks/"+task+"/retry", nil, http.StatusAccepted)
	do("POST", ctl+"/tasks/"+task+"/resolve", nil, http.StatusNoContent)

	// A push whose group exists downstream: ERROR, refresh, link, retry.
	atlReq := httptest.NewRequest("POST", "/scim/directory/"+atlDir+"/Groups", strings.NewReader(`{"displayName":"conflicted"}`))
	atlReq.Header.Set("Authorization", "Bearer "+atlKey)
	atlRec := httptest.NewRecorder()
	w.atl.ServeHTTP(atlRec, atlReq)
	if atlRec.Code != http.StatusCreated {
		t.Fatalf("group in mockatlassian: %d %s", atlRec.Code, atlRec.Body)
	}
	cg := do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "conflicted"}}, http.StatusOK).obj()["id"].(string)
	do("PUT", "/api/v1/groups/"+cg+"/users/"+ada, nil, http.StatusNoContent)
	cpm := do("POST", app+"/group-push/mappings", map[string]any{"sourceGroupId": cg, "status": "ACTIVE"}, http.StatusCreated).obj()["id"].(string)
	do("POST", ctl+"/apps/"+w.appID+"/group-push/refresh", nil, http.StatusOK)
	do("POST", ctl+"/apps/"+w.appID+"/group-push/mappings/"+cpm+"/link", map[string]any{"targetGroupName": "conflicted"}, http.StatusOK)
	_ = json.Unmarshal(do("GET", ctl+"/tasks", nil, http.StatusOK).Raw, &tasks)
	for _, tk := range tasks {
		do("POST", ctl+"/tasks/"+tk["id"].(string)+"/retry", nil, http.StatusAccepted)
	}

	// App settings, connection, features, import, Push Now, SSO.
	do("PUT", ctl+"/apps/"+w.appID+"/settings", map[string]any{"userNameTemplate": map[string]any{"template": "${source.email}"},
		"renameGroups": true}, http.StatusOK)
	do("PUT", app+"/features/USER_PROVISIONING", map[string]any{"update": map[string]any{"profile": map[string]any{"status": "DISABLED"}}}, http.StatusOK)
	do("POST", ctl+"/apps/"+w.appID+"/import", nil, http.StatusOK)
	do("POST", ctl+"/apps/"+w.appID+"/group-push/mappings/"+pm+"/push-now", nil, http.StatusAccepted)
	do("PATCH", app+"/group-push/mappings/"+pm, map[string]any{"status": "INACTIVE"}, http.StatusOK)
	do("DELETE", app+"/group-push/mappings/"+pm+"?deleteTargetGroup=true", nil, http.StatusNoContent)
	do("DELETE", app+"/users/"+staged, nil, http.StatusNoContent)
	// Ada keeps the app directly when the group assignment goes.
	do("POST", app+"/users", map[string]any{"id": ada, "scope": "USER"}, http.StatusOK)
	do("DELETE", app+"/groups/"+g, nil, http.StatusNoContent)

	// A second app, configured through the API, then deleted.
	other := do("POST", "/api/v1/apps", map[string]any{"name": "custom-scim", "label": "Custom", "signOnMode": "SAML_2_0"}, http.StatusOK).obj()["id"].(string)
	do("POST", "/api/v1/apps/"+other+"/lifecycle/activate", nil, http.StatusOK)
	do("PUT", "/api/v1/apps/"+other, map[string]any{"label": "Custom SCIM", "name": "custom-scim"}, http.StatusOK)
	do("POST", "/api/v1/apps/"+other+"/users", map[string]any{"id": ada, "scope": "USER"}, http.StatusOK)
	do("POST", "/api/v1/apps/"+other+"/lifecycle/deactivate", nil, http.StatusOK)
	do("DELETE", "/api/v1/apps/"+other, nil, http.StatusNoContent)

	// The profile APIs: a custom attribute, the app's mapping and schema.
	do("POST", "/api/v1/meta/schemas/user/default", map[string]any{"definitions": map[string]any{"custom": map[string]any{
		"properties": map[string]any{"workEmail": map[string]any{"title": "Work email", "type": "string"}}}}}, http.StatusOK)
	do("POST", "/api/v1/meta/schemas/apps/"+w.appID+"/default", map[string]any{"definitions": map[string]any{"custom": map[string]any{
		"properties": map[string]any{"jobCode": map[string]any{"title": "Job code", "type": "string"}}}}}, http.StatusOK)
	do("POST", "/api/v1/mappings/"+builtinID("prm", w.appID, "to-app"), map[string]any{"properties": map[string]any{
		"email": map[string]any{"expression": "user.workEmail"}, "title": nil, "locale": map[string]any{"expression": "user.preferredLanguage"}}}, http.StatusOK)

	// Service apps (OAuth 2.0): keys, grants, lifecycle; one stays for the
	// snapshots below.
	for _, label := range []string{"automation", "ci"} {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		sa := do("POST", "/api/v1/apps", serviceAppBody(label, publicJWKS(t, key, "k1")), http.StatusOK).obj()["id"].(string)
		gr := do("POST", "/api/v1/apps/"+sa+"/grants", map[string]any{"issuer": "http://okta.test", "scopeId": "okta.users.read"}, http.StatusCreated).obj()["id"].(string)
		do("POST", "/api/v1/apps/"+sa+"/grants", map[string]any{"issuer": "http://okta.test", "scopeId": "okta.groups.manage"}, http.StatusCreated)
		do("DELETE", "/api/v1/apps/"+sa+"/grants/"+gr, nil, http.StatusNoContent)
		do("PUT", "/api/v1/apps/"+sa, map[string]any{"label": label + " (rotated)", "settings": map[string]any{"oauthClient": map[string]any{"jwks": publicJWKS(t, key, "k2")}}}, http.StatusOK)
		if label == "ci" {
			do("POST", "/api/v1/apps/"+sa+"/lifecycle/deactivate", nil, http.StatusOK)
			do("DELETE", "/api/v1/apps/"+sa, nil, http.StatusNoContent)
		}
	}

	// Deletes, the log's bound, whole-org changes.
	do("POST", "/api/v1/users/"+linus+"/lifecycle/deactivate", nil, http.StatusOK)
	do("DELETE", "/api/v1/users/"+linus, nil, http.StatusNoContent)
	do("DELETE", "/api/v1/groups/"+g, nil, http.StatusNoContent)
	for i := range 15 {
		user(fmt.Sprintf("filler%d@example.com", i))
	}
	do("POST", "/_sim/orgs", map[string]any{"id": "second", "token": "second-token"}, http.StatusCreated)
	doc := do("GET", "/_sim/orgs/"+w.org.ID+"/snapshot", nil, http.StatusOK)
	do("POST", ctl+"/reset", nil, http.StatusNoContent)
	do("PUT", "/_sim/orgs/"+w.org.ID+"/snapshot", doc.Raw, http.StatusOK)
	whole := do("GET", "/_sim/snapshot", nil, http.StatusOK)
	do("POST", "/_sim/reset", nil, http.StatusNoContent)
	do("PUT", "/_sim/snapshot", whole.Raw, http.StatusOK)
	w.org, _ = w.srv.Model.Org(w.org.ID)
	user("after@example.com")
}

// storeMatchesModel compares the store with a full encode of the model.
func storeMatchesModel(t *testing.T, when string, srv *Server) {
	t.Helper()
	model, err := srv.Model.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	stored, err := srv.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	var m, s []string
	for i, ts := range [][]string{nil, nil} {
		docs := model.Orgs
		if i == 1 {
			docs = stored
		}
		for _, tr := range docs {
			for _, kind := range Schema.Kinds {
				var recs []string
				for _, raw := range tr.Records[kind] {
					recs = append(recs, tr.ID+" "+kind+" "+string(raw))
				}
				// Sets: the model lists them sorted, the store in the order
				// they were made.
				if kind == kindRemoteGroup || kind == kindPushed {
					slices.Sort(recs)
				}
				ts = append(ts, recs...)
			}
		}
		if i == 0 {
			m = ts
		} else {
			s = ts
		}
	}
	for i := range max(len(m), len(s)) {
		var x, y string
		if i < len(m) {
			x = m[i]
		}
		if i < len(s) {
			y = s[i]
		}
		if x != y {
			raw, _ := json.Marshal(map[string]string{"model": x, "store": y})
			t.Fatalf("%s: the store differs from the model at record %d: %s", when, i, raw)
		}
	}
}
