package mockokta

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/faults"
	"github.com/provsim/provsim/internal/journal"
)

// Fault rules on the Management API (faults.go); faults_test.go covers
// the engine against a faulty SCIM server.

func TestFaultRuleOn429(t *testing.T) {
	e := newOktaEnv(t)
	var rule faults.Rule
	r := e.doAuth("POST", "/_sim/faults", map[string]any{"method": "GET", "path": "/api/v1/users", "tenant": e.org.ID,
		"status": 429, "retryAfter": 7, "times": 1}, "").must(t, 201)
	if err := json.Unmarshal(r.Raw, &rule); err != nil || rule.ID != "f1" {
		t.Fatalf("added %s: %v", r.Raw, err)
	}
	got := e.do("GET", "/api/v1/users", nil).must(t, 429)
	body := got.obj()
	now := e.clock.Now()
	if body["errorCode"] != "E0000047" || body["errorSummary"] == "" || !strings.HasPrefix(body["errorId"].(string), "oae") {
		t.Fatalf("body %s", got.Raw)
	}
	h := got.Header
	if h.Get("Retry-After") != "7" || h.Get("X-Rate-Limit-Remaining") != "0" || h.Get("X-Rate-Limit-Limit") == "" ||
		h.Get("X-Rate-Limit-Reset") != strconv.FormatInt(now.Add(7*time.Second).Unix(), 10) ||
		h.Get("Date") == "" || h.Get("X-Okta-Request-Id") == "" || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Fatalf("headers %v", h)
	}
	es := e.srv.Journal.Entries(journal.Query{Tenant: e.org.ID, Limit: 1})
	if len(es) != 1 || es[0].Status != 429 || es[0].Fault != "f1 429 Retry-After 7" {
		t.Fatalf("journal %+v", es)
	}
	e.do("GET", "/api/v1/users", nil).must(t, 200)
	if es := e.srv.Journal.Entries(journal.Query{Tenant: e.org.ID, Limit: 1}); es[0].Fault != "" {
		t.Fatalf("journal %+v", es[0])
	}
}

func TestFaultRuleTenantsAndControl(t *testing.T) {
	e := newOktaEnv(t)
	e.doAuth("POST", "/_sim/faults", []map[string]any{
		{"path": "/api/v1/groups", "tenant": "another-org", "status": 500},
		{"id": "all-503", "method": "POST", "path": "/api/v1/*", "status": 503},
	}, "").must(t, 201)
	e.do("GET", "/api/v1/groups", nil).must(t, 200) // another org's rule
	got := e.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "g"}}).must(t, 503)
	if got.obj()["errorCode"] != "E0000009" {
		t.Fatalf("body %s", got.Raw)
	}
	e.do("GET", "/api/v1/groups", nil).must(t, 200)
	if n := len(e.do("GET", "/api/v1/groups", nil).list()); n != 1 { // Everyone
		t.Fatalf("a faulted create made a group (%d groups)", n)
	}
	bad := e.doAuth("POST", "/_sim/faults", map[string]any{"status": 99}, "").must(t, 400)
	if bad.obj()["errorCode"] != "E0000001" || !strings.Contains(string(bad.Raw), "400–599") {
		t.Fatalf("invalid rule: %s", bad.Raw)
	}
	e.doAuth("DELETE", "/_sim/faults/nope", nil, "").must(t, 404)
	e.doAuth("DELETE", "/_sim/faults?org=another-org", nil, "").must(t, 204)
	if l := e.doAuth("GET", "/_sim/faults", nil, "").must(t, 200).list(); len(l) != 1 || l[0]["id"] != "all-503" || l[0]["hits"] != float64(1) {
		t.Fatalf("list %v", l)
	}
	e.doAuth("DELETE", "/_sim/faults/all-503", nil, "").must(t, 204)
	e.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "g"}}).must(t, 200)
}

func TestFaultsFileFlagOkta(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faults.json")
	if err := os.WriteFile(path, []byte(`[{"method":"GET","path":"/api/v1/users","status":500}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	cli, err := ParseFlags([]string{"--faults-file", path, "--api-token", "tok"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(cli.Config)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if l := srv.Faults().List(); len(l) != 1 || l[0].Status != 500 {
		t.Fatalf("boot faults %+v", l)
	}
	req := httptest.NewRequest("GET", "/api/v1/users", nil)
	req.Header.Set("Authorization", "SSWS tok")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if l := srv.Faults().List(); rec.Code != 500 || l[0].Hits != 1 {
		t.Fatalf("boot fault did not fire: %d %s, hits %d", rec.Code, rec.Body, l[0].Hits)
	}
	if _, err := ParseFlags([]string{"--faults-file", path + ".missing"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("missing faults file accepted")
	}
}
