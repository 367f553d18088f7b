// Package ratelimit counts requests against per-minute limits on the
// simulator's clock, for the APIs whose real counterparts answer 429.
package ratelimit

import (
	"sync"
	"time"

	"github.com/provsim/provsim/internal/clock"
)

// Limiter counts requests per key in fixed windows aligned to the
// window length (a minute: 10:04:00–10:04:59) on the simulator's clock, so
// tests move through windows by moving the clock. Counts of past windows
// are dropped when a new window starts, which bounds memory by the keys
// seen in one window.
type Limiter struct {
	clock  clock.Clock
	window time.Duration

	mu     sync.Mutex
	start  time.Time
	counts map[string]int
}

// New returns a limiter with the given window length.
func New(c clock.Clock, window time.Duration) *Limiter {
	return &Limiter{clock: c, window: window, counts: map[string]int{}}
}

// Decision is the outcome of one request against a limit.
type Decision struct {
	Allowed   bool
	Limit     int
	Remaining int       // after this request
	Reset     time.Time // when the window ends
	// Index is which of TakeAll's wants the decision is about: the full
	// one when refused, the tightest one when allowed.
	Index int
}

// Take counts one request for key against limit and says whether it is
// allowed. A refused request does not count.
func (l *Limiter) Take(key string, limit int) Decision {
	now := l.clock.Now().UTC()
	start := now.Truncate(l.window)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !start.Equal(l.start) {
		l.start, l.counts = start, map[string]int{}
	}
	d := Decision{Limit: limit, Reset: start.Add(l.window)}
	n := l.counts[key]
	if n >= limit {
		return d
	}
	l.counts[key] = n + 1
	d.Allowed, d.Remaining = true, limit-n-1
	return d
}

// Want is one limit a request counts against: a key and its limit.
type Want struct {
	Key   string
	Limit int
}

// TakeAll counts one request against every limit at once (an org's bucket
// and a caller's share of it, say): it is allowed only when every limit
// has room, and a refused request counts against none. The decision is
// the limit that applied: the first one that is full, or else the one
// with the least room left.
func (l *Limiter) TakeAll(wants ...Want) Decision {
	now := l.clock.Now().UTC()
	start := now.Truncate(l.window)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !start.Equal(l.start) {
		l.start, l.counts = start, map[string]int{}
	}
	reset := start.Add(l.window)
	var tightest Decision
	for i, w := range wants {
		n := l.counts[w.Key]
		if n >= w.Limit {
			return Decision{Limit: w.Limit, Reset: reset, Index: i}
		}
		if left := w.Limit - n - 1; i == 0 || left < tightest.Remaining {
			tightest = Decision{Allowed: true, Limit: w.Limit, Remaining: left, Reset: reset, Index: i}
		}
	}
	for _, w := range wants {
		l.counts[w.Key]++
	}
	return tightest
}

// Used is how many requests key has counted in the current window.
func (l *Limiter) Used(key string) int {
	start := l.clock.Now().UTC().Truncate(l.window)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !start.Equal(l.start) {
		return 0
	}
	return l.counts[key]
}

// InFlight counts requests in progress per key, for concurrency limits.
type InFlight struct {
	mu sync.Mutex
	n  map[string]int
}

// Enter counts one more request for key when fewer than limit are in
// flight; ok false means the request is over the limit and was not
// counted. Call done when the request ends.
func (f *InFlight) Enter(key string, limit int) (done func(), ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == nil {
		f.n = map[string]int{}
	}
	if f.n[key] >= limit {
		return nil, false
	}
	f.n[key]++
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.n[key]--; f.n[key] <= 0 {
			delete(f.n, key) // bounds memory by the keys in flight
		}
	}, true
}
