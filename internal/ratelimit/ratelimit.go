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
