package console_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/provsim/provsim/mockokta"
)

// TestConsoleActionsDoNotCountAgainstRateLimits (OAPI-RATE-3): the admin
// console is a surface of its own; pages and actions there leave the
// Management API's buckets as they were.
func TestConsoleActionsDoNotCountAgainstRateLimits(t *testing.T) {
	e := newEnv(t, mockokta.Config{RateLimits: mockokta.OktaRateLimits()})
	remaining := func() int {
		t.Helper()
		req := httptest.NewRequest("GET", "/api/v1/groups", nil)
		req.Header.Set("Authorization", "SSWS 00tok")
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /api/v1/groups: %d %s", rec.Code, rec.Body)
		}
		n, err := strconv.Atoi(rec.Header().Get("X-Rate-Limit-Remaining"))
		if err != nil {
			t.Fatalf("X-Rate-Limit-Remaining %q", rec.Header().Get("X-Rate-Limit-Remaining"))
		}
		return n
	}
	before := remaining()
	for i := 0; i < 20; i++ {
		e.page("/admin/groups")
	}
	e.group("Console Made")
	if p := e.b.Post("/admin/groups/new", map[string][]string{"name": {"From The Console"}}); p.Status >= 500 {
		t.Fatalf("console create: %d", p.Status)
	}
	if after := remaining(); after != before-1 {
		t.Errorf("X-Rate-Limit-Remaining %d after 20 console pages and a console action, want %d (only the API call counts)", after, before-1)
	}
}
