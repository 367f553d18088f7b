package httpx

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestDurableAnswersAfterCommit(t *testing.T) {
	var commits int
	var answeredBeforeCommit bool
	rec := httptest.NewRecorder()
	broken := false
	commit := func() error {
		if rec.Body.Len() > 0 || rec.Code != http.StatusOK {
			answeredBeforeCommit = true
		}
		if broken {
			return errors.New("disk full")
		}
		commits++
		return nil
	}
	fail := func(w http.ResponseWriter, r *http.Request, err error) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(err.Error()))
	}
	status := http.StatusCreated
	h := Durable(commit, fail)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Handler", "yes")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("body"))
	}))
	serve := func(method string) *httptest.ResponseRecorder {
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/x", nil))
		return rec
	}
	if r := serve("POST"); r.Code != 201 || r.Body.String() != "body" || r.Header().Get("X-Handler") != "yes" {
		t.Fatalf("POST: %d %q %v", r.Code, r.Body, r.Header())
	}
	serve("PUT")
	serve("GET")
	serve("HEAD")
	status = http.StatusConflict
	if r := serve("PATCH"); r.Code != http.StatusConflict {
		t.Fatalf("a failed request answered %d", r.Code)
	}
	status, broken = http.StatusOK, true
	if r := serve("DELETE"); r.Code != 500 || r.Body.String() != "disk full" {
		t.Fatalf("failed commit answered %d %q", r.Code, r.Body)
	}
	if answeredBeforeCommit {
		t.Fatal("the response left before the commit")
	}
	if commits != 2 {
		t.Fatalf("%d commits, want 2: a POST's and a PUT's (not GET, HEAD, a failed request or a failed commit)", commits)
	}
}
