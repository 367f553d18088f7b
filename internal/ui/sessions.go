package ui

import (
	"net/http"
	"sync"
	"time"
)

// Sessions are the browser sessions of a server's sign-in pages, held in
// memory under a random cookie value: a restart signs people out. Each
// lasts Lifetime from its start. Both servers' sign-in sides use it, each
// with its product's cookie name (browsers share cookies across the ports
// of one host, so the names must differ).
type Sessions[T any] struct {
	Cookie   string
	Lifetime time.Duration

	mu sync.Mutex
	m  map[string]session[T]
}

type session[T any] struct {
	v       T
	started time.Time
}

// Start keeps v under id and sets the cookie. Sessions past their lifetime
// are dropped here, so the table holds only live ones.
func (s *Sessions[T]) Start(w http.ResponseWriter, r *http.Request, id string, v T, now time.Time) {
	s.mu.Lock()
	if s.m == nil {
		s.m = map[string]session[T]{}
	}
	for k, old := range s.m {
		if now.Sub(old.started) > s.Lifetime {
			delete(s.m, k)
		}
	}
	s.m[id] = session[T]{v: v, started: now}
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: s.Cookie, Value: id, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// Get is the request's live session, if any.
func (s *Sessions[T]) Get(r *http.Request, now time.Time) (T, bool) {
	var zero T
	c, err := r.Cookie(s.Cookie)
	if err != nil {
		return zero, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.m[c.Value]
	if !ok {
		return zero, false
	}
	if now.Sub(ss.started) > s.Lifetime {
		delete(s.m, c.Value)
		return zero, false
	}
	return ss.v, true
}

// End forgets the request's session and clears its cookie.
func (s *Sessions[T]) End(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.Cookie); err == nil {
		s.mu.Lock()
		delete(s.m, c.Value)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: s.Cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
}

// EndWhere forgets every session whose value matches (an admin revoking a
// person's sessions); it reports how many ended.
func (s *Sessions[T]) EndWhere(match func(T) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, ss := range s.m {
		if match(ss.v) {
			delete(s.m, k)
			n++
		}
	}
	return n
}
