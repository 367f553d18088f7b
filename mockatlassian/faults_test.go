package mockatlassian

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/faults"
	"github.com/provsim/provsim/internal/journal"
)

func TestFaultControlRoutes(t *testing.T) {
	e := newEnv(t)
	var one faults.Rule
	if st := e.control("POST", "/faults", map[string]any{"method": "POST", "path": "/scim/directory/*/Users", "status": 429, "times": 2}, &one); st != 201 {
		t.Fatalf("add: %d", st)
	}
	if one.ID != "f1" || one.Remaining == nil || *one.Remaining != 2 {
		t.Fatalf("added %+v", one)
	}
	var many []faults.Rule
	if st := e.control("POST", "/faults", []map[string]any{{"status": 503, "tenant": "other"}, {"id": "slow", "latency": "1ms"}}, &many); st != 201 || len(many) != 2 {
		t.Fatalf("add list: %d %+v", st, many)
	}
	var list []faults.Rule
	e.control("GET", "/faults", nil, &list)
	if len(list) != 3 || list[2].ID != "slow" {
		t.Fatalf("list %+v", list)
	}
	var bad struct{ Error string }
	if st := e.control("POST", "/faults", []map[string]any{{"status": 503}, {"status": 503, "drop": true}}, &bad); st != 400 || !strings.Contains(bad.Error, "one of status, drop and hang") {
		t.Fatalf("invalid rule: %d %+v", st, bad)
	}
	if st := e.control("POST", "/faults", map[string]any{"statuss": 503}, &bad); st != 400 || !strings.Contains(bad.Error, "statuss") {
		t.Fatalf("unknown field: %d %+v", st, bad)
	}
	e.control("GET", "/faults", nil, &list)
	if len(list) != 3 {
		t.Fatalf("a refused list added rules: %+v", list)
	}
	if st := e.control("DELETE", "/faults/slow", nil, nil); st != 204 {
		t.Fatalf("remove: %d", st)
	}
	if st := e.control("DELETE", "/faults/slow", nil, nil); st != 404 {
		t.Fatalf("remove again: %d", st)
	}
	if st := e.control("DELETE", "/faults?tenant=other", nil, nil); st != 204 {
		t.Fatalf("clear tenant: %d", st)
	}
	e.control("GET", "/faults", nil, &list)
	if len(list) != 1 || list[0].ID != "f1" {
		t.Fatalf("after clearing tenant other: %+v", list)
	}
	e.control("DELETE", "/faults", nil, nil)
	e.control("GET", "/faults", nil, &list)
	if len(list) != 0 {
		t.Fatalf("after clear: %+v", list)
	}
}

func TestFault429OnSCIM(t *testing.T) {
	e := newEnv(t)
	e.control("POST", "/faults", map[string]any{"method": "POST", "path": "/scim/directory/" + testDir + "/Users",
		"tenant": testDir, "status": 429, "retryAfter": 7, "times": 1}, nil)
	r := e.scim("POST", "/Users", userBody("ada@example.com")).wantSCIMError(t, 429, "")
	now := e.clock.Now().UTC()
	if r.Header.Get("Retry-After") != "7" || r.Header.Get("X-RateLimit-Limit") == "" || r.Header.Get("X-RateLimit-Remaining") != "0" ||
		r.Header.Get("X-RateLimit-Reset") != now.Add(7*time.Second).Format(time.RFC3339) {
		t.Fatalf("headers %v", r.Header)
	}
	if !strings.Contains(r.str("detail"), "retry") {
		t.Fatalf("detail %q", r.str("detail"))
	}
	if r := e.scim("GET", "/Users", nil); r.num("totalResults") != 0 {
		t.Fatalf("a throttled create made a user: %s", r.Raw)
	}
	es := e.srv.Journal.Entries(journal.Query{Tenant: testDir, Limit: 2})
	if len(es) != 2 || es[0].Status != 429 || es[0].Fault != "f1 429 Retry-After 7" {
		t.Fatalf("journal %+v", es)
	}
	// times: 1 — the next create goes through.
	e.scim("POST", "/Users", userBody("ada@example.com")).wantStatus(t, 201)
	if es := e.srv.Journal.Entries(journal.Query{Tenant: testDir, Limit: 1}); es[0].Fault != "" {
		t.Fatalf("second create journaled as faulted: %+v", es[0])
	}
}

func TestFault5xxBodies(t *testing.T) {
	e := newEnv(t)
	e.control("POST", "/faults", []map[string]any{
		{"path": "/scim/directory/" + testDir + "/Groups", "status": 503},
		{"path": "/admin/", "tenant": testOrg, "status": 500},
		{"path": "/scim/directory/" + testDir + "/Users", "tenant": "another-directory", "status": 500},
	}, nil)
	r := e.scim("GET", "/Groups", nil).wantSCIMError(t, 503, "")
	if r.str("detail") != "Service unavailable. You can retry calls." {
		t.Fatalf("503 detail %q", r.str("detail"))
	}
	e.scim("GET", "/Users", nil).wantStatus(t, 200) // the rule is another directory's
	a := e.call("POST", "/admin/user-provisioning/v1/org/"+testOrg+"/get-scim-links-for-email", "Bearer "+testOrgKey, map[string]any{"email": "x@example.com"})
	a.wantStatus(t, 500)
	if a.str("error") != "Internal error. You can retry calls." || a.str("traceId") == "" {
		t.Fatalf("admin 500 body %s", a.Raw)
	}
	if es := e.srv.Journal.Entries(journal.Query{Tenant: testOrg}); len(es) != 1 || es[0].Fault != "f2 500" {
		t.Fatalf("admin journal %+v", es)
	}
	// The control API itself is never faulted.
	e.control("POST", "/faults", map[string]any{"status": 500}, nil)
	var list []faults.Rule
	if st := e.control("GET", "/faults", nil, &list); st != 200 || len(list) != 4 {
		t.Fatalf("control faulted: %d %+v", st, list)
	}
}

func TestFaultDeactivationOnly(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("bo@example.com")
	e.control("POST", "/faults", map[string]any{"method": "PATCH", "path": "/scim/directory/*/Users/*", "bodyField": "active", "bodyValue": false, "status": 503}, nil)
	patch := func(active bool) resp {
		return e.scim("PATCH", "/Users/"+id, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": active}}}})
	}
	patch(false).wantSCIMError(t, 503, "")
	if got := e.scim("GET", "/Users/"+id, nil); got.Body["active"] != true {
		t.Fatalf("a faulted deactivation changed the user: %s", got.Raw)
	}
	patch(true).wantStatus(t, 200)
}

func TestFaultDropAfterCommit(t *testing.T) {
	e := newEnv(t)
	ts := httptest.NewServer(e.srv)
	defer ts.Close()
	e.control("POST", "/faults", map[string]any{"method": "POST", "path": "/scim/directory/*/Users", "drop": true, "after": true, "times": 1}, nil)
	req, _ := http.NewRequest("POST", ts.URL+"/scim/directory/"+testDir+"/Users", strings.NewReader(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName":"cy@example.com","emails":[{"value":"cy@example.com","primary":true}],"name":{"givenName":"Cy","familyName":"Lee"},"active":true}`))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/scim+json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("dropped request answered %d %s", resp.StatusCode, body)
	}
	// The user was made; only the answer was lost.
	r := e.scim("GET", `/Users?filter=userName%20eq%20%22cy@example.com%22`, nil).wantStatus(t, 200)
	if r.num("totalResults") != 1 {
		t.Fatalf("after a lost create: %s", r.Raw)
	}
	// The client may see the dropped connection before the server journals it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, en := range e.srv.Journal.Entries(journal.Query{Tenant: testDir}) {
			if en.Method == "POST" {
				if en.Status != 0 || en.Fault != "f1 drop, after handler" {
					t.Fatalf("journal %+v", en)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("dropped request not journaled")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestFaultsFileFlag(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "faults.yaml")
	if err := os.WriteFile(path, []byte("- {method: GET, path: /scim/directory/d1/Groups, status: 503}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli, err := ParseFlags([]string{"--directory-id", "d1", "--api-key", "k"}, func(k string) string {
		return map[string]string{"MOCKATLASSIAN_FAULTS_FILE": path}[k]
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(cli.Config.Faults) != 1 || cli.Config.Faults[0].Status != 503 {
		t.Fatalf("faults %+v", cli.Config.Faults)
	}
	srv, err := NewServer(cli.Config)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/scim/directory/d1/Groups", nil)
	req.Header.Set("Authorization", "Bearer k")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != 503 || len(srv.Faults().List()) != 1 {
		t.Fatalf("boot fault not active: %d %s", rec.Code, rec.Body)
	}
	if err := os.WriteFile(path, []byte("- {status: 200}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseFlags([]string{"--faults-file", path}, func(string) string { return "" }, io.Discard); err == nil || !strings.Contains(err.Error(), "400–599") {
		t.Fatalf("bad faults file: %v", err)
	}
	if _, err := ParseFlags([]string{"--faults-file", filepath.Join(dir, "missing.yaml")}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("missing faults file accepted")
	}
}
