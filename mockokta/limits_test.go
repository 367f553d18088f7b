package mockokta

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The bounds mockokta enforces, each with its error (docs/state.md, "Access and
// limits"): request bodies, page sizes, the System Log.

func TestLimits(t *testing.T) {
	t.Run("request body: 1 MiB by default, 413 E0000001", func(t *testing.T) {
		e := newOktaEnv(t)
		big := userBody("big@example.com", strings.Repeat("x", 1<<20), "Last")
		for _, c := range []struct{ method, path string }{
			{"POST", "/api/v1/users"}, {"POST", "/api/v1/groups"}, {"POST", "/api/v1/apps"},
		} {
			r := e.do(c.method, c.path, big).wantError(t, http.StatusRequestEntityTooLarge, "E0000001")
			if !strings.Contains(strings.Join(r.causes(), " "), fmt.Sprint(1<<20)) {
				t.Errorf("%s %s: causes %v do not name the limit", c.method, c.path, r.causes())
			}
		}
		e.createUser("small@example.com", "", true)
		// The control API has the same limit.
		req := httptest.NewRequest("POST", "/_sim/orgs", strings.NewReader(`{"name":"`+strings.Repeat("n", 1<<20)+`"}`))
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || !isOktaError(rec.Body.Bytes()) {
			t.Fatalf("control API: %d %s", rec.Code, rec.Body.Bytes())
		}
	})
	t.Run("request body: --max-body-bytes", func(t *testing.T) {
		s, err := NewServer(Config{MaxBodyBytes: 200})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
		if _, err := s.Model.CreateOrg(CreateOrgInput{Token: "tok"}); err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("POST", "/api/v1/groups", strings.NewReader(`{"profile":{"name":"`+strings.Repeat("g", 200)+`"}}`))
		req.Header.Set("Authorization", "SSWS tok")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "limit of 200 bytes") {
			t.Fatalf("%d %s", rec.Code, rec.Body.Bytes())
		}
	})
	t.Run("page sizes are capped", func(t *testing.T) {
		e := newOktaEnv(t)
		g := e.createGroup("all-201")["id"].(string)
		for i := range 201 {
			u := e.createUser(fmt.Sprintf("u%03d@example.com", i), "?activate=false", false)
			e.do("PUT", "/api/v1/groups/"+g+"/users/"+u["id"].(string), nil).must(t, http.StatusNoContent)
		}
		for _, c := range []struct {
			path string
			max  int
		}{
			{"/api/v1/users?limit=100000", usersPageMax},
			{"/api/v1/users/" + "u000@example.com" + "/groups?limit=100000", 2}, // and Everyone
			{"/api/v1/groups/" + g + "/users?limit=100000", 201},
			{"/api/v1/groups/" + g + "/users?limit=100", 100},
		} {
			r := e.do("GET", c.path, nil).must(t, http.StatusOK)
			if got := len(r.list()); got != c.max {
				t.Errorf("GET %s: %d items, want %d", c.path, got, c.max)
			}
		}
		if next := e.do("GET", "/api/v1/users?limit=100000", nil).links()["next"]; !strings.Contains(next, fmt.Sprintf("limit=%d", usersPageMax)) {
			t.Errorf("next link %q does not carry the capped limit", next)
		}
	})
	t.Run("System Log: oldest events dropped past MaxLogEvents", func(t *testing.T) {
		s, err := NewServer(Config{Options: Options{MaxLogEvents: 5}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
		created, _ := s.Model.CreateOrg(CreateOrgInput{Token: "tok"})
		o, _ := s.Model.Org(created.ID)
		for i := range 8 {
			name := fmt.Sprintf("g%d", i)
			if _, err := s.Model.CreateGroup(o, GroupProfileInput{Name: &name}); err != nil {
				t.Fatal(err)
			}
		}
		o.mu.Lock()
		n := len(o.logs)
		o.mu.Unlock()
		if n != 5 {
			t.Fatalf("%d events kept, want 5", n)
		}
	})
}
