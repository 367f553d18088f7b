package mockokta

import (
	"net/http"
	"strings"
	"testing"

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
