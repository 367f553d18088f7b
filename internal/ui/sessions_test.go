package ui

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestSessions(t *testing.T) {
	s := &Sessions[string]{Cookie: "sid", Lifetime: time.Hour}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := httptest.NewRecorder()
	s.Start(rec, httptest.NewRequest("POST", "/login", nil), "abc", "ada", t0)
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != "sid" || cookies[0].Value != "abc" || !cookies[0].HttpOnly {
		t.Fatalf("cookie = %+v", cookies)
	}
	with := func(v string) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: "sid", Value: v})
		return r
	}
	if v, ok := s.Get(with("abc"), t0.Add(time.Hour)); !ok || v != "ada" {
		t.Fatalf("within the lifetime: %q %v", v, ok)
	}
	if _, ok := s.Get(with("nope"), t0); ok {
		t.Fatal("an unknown cookie value found a session")
	}
	if _, ok := s.Get(httptest.NewRequest("GET", "/", nil), t0); ok {
		t.Fatal("no cookie found a session")
	}
	if _, ok := s.Get(with("abc"), t0.Add(time.Hour+time.Second)); ok {
		t.Fatal("an expired session is still live")
	}

	// A new session drops the expired ones; End forgets one and clears the cookie.
	s.Start(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), "old", "x", t0)
	s.Start(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), "new", "y", t0.Add(2*time.Hour))
	if _, kept := s.m["old"]; kept {
		t.Fatal("an expired session outlived the next Start")
	}
	rec = httptest.NewRecorder()
	s.End(rec, with("new"))
	if _, ok := s.Get(with("new"), t0.Add(2*time.Hour)); ok {
		t.Fatal("the session outlived End")
	}
	if c := rec.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Fatalf("End's cookie = %+v, want one that clears it", c)
	}
}
