package mockokta

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/faults"
	"github.com/provsim/provsim/internal/journal"
)

// TestInboundJournalRecordsUnroutedRequests: requests that hit no route
// (404 E0000008) or a wrong method (405 E0000022) are in the inbound
// journal with Okta's answer, filed under the org their token selected;
// the docs send people to the journal to find exactly those.
func TestInboundJournalRecordsUnroutedRequests(t *testing.T) {
	e := newOktaEnv(t)
	e.do("GET", "/api/v1/no-such-resource", nil).wantError(t, http.StatusNotFound, "E0000008")
	e.do("DELETE", "/api/v1/users", nil).wantError(t, http.StatusMethodNotAllowed, "E0000022")
	e.doAuth("GET", "/api/v2/users", nil, "").wantError(t, http.StatusNotFound, "E0000008")
	e.do("GET", "/_sim/no-such-route", nil).wantError(t, http.StatusNotFound, "E0000008")

	got := e.srv.Journal.Entries(journal.Query{})
	want := []struct {
		method, path, tenant string
		status               int
		code                 string
	}{
		{"GET", "/api/v1/no-such-resource", e.org.ID, 404, "E0000008"},
		{"DELETE", "/api/v1/users", e.org.ID, 405, "E0000022"},
		{"GET", "/api/v2/users", "", 404, "E0000008"},
	}
	if len(got) != len(want) {
		t.Fatalf("inbound journal has %d entries, want %d (control calls are not journaled): %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Method != w.method || g.Path != w.path || g.Tenant != w.tenant || g.Status != w.status ||
			!strings.Contains(string(g.ResponseBody), w.code) {
			t.Errorf("entry %d = %s %s tenant %q status %d body %s; want %s %s tenant %q status %d %s",
				i, g.Method, g.Path, g.Tenant, g.Status, g.ResponseBody, w.method, w.path, w.tenant, w.status, w.code)
		}
	}
}

// TestChangeBeforeALostAnswerIsSaved: with --data-dir, a write whose answer
// an "after" fault drops was made, so it is on disk too. The durable layer
// sits inside the fault layer (httpx.Layers); it used to wrap everything,
// and the dropped connection skipped its commit.
func TestChangeBeforeALostAnswerIsSaved(t *testing.T) {
	w := newWired(t, t.TempDir())
	ts := httptest.NewServer(w.srv)
	t.Cleanup(ts.Close)
	if _, err := w.srv.Faults().Add(faults.Rule{Method: "POST", Path: "/api/v1/groups", Drop: true, After: true, Times: 1}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/groups", strings.NewReader(`{"profile":{"name":"lost-answer"}}`))
	req.Header.Set("Authorization", "SSWS "+testToken)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := ts.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the dropped request got an answer: %d", resp.StatusCode)
	}
	if l := w.srv.Faults().List(); len(l) != 0 {
		t.Fatalf("the fault did not fire: %+v", l)
	}
	// The commit ran before the connection was dropped: no waiting.
	stored := strings.Join(storedRecords(t, w.srv, kindGroup), "\n")
	if !strings.Contains(stored, "lost-answer") {
		t.Fatalf("the group made before the answer was lost is not in the store: %s", stored)
	}
}
