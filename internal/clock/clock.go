// Package clock is the injectable time source of both simulators: the wall
// clock, a manual clock for tests and a virtual clock that skips waits.
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock tells the time. Tests inject a FakeClock so timestamps are
// deterministic and retry back-offs (minutes in real Okta) run instantly.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type System struct{}

// Now implements Clock.
func (System) Now() time.Time { return time.Now() }

// FakeClock is a manually advanced clock.
type Fake struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock starts a fake clock at t.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

// Now implements Clock.
func (c *Fake) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Fake) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// SleepClock is a Clock that can also wait. The provisioning engine waits
// through it, so Okta's minutes-long 429 back-offs pass instantly on a
// FakeClock while the timestamps still show them.
type Sleeper interface {
	Clock
	Sleep(ctx context.Context, d time.Duration) error
}

// Sleep waits d of wall time or until ctx ends.
func (System) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Sleep advances the fake clock by d at once.
func (c *Fake) Sleep(ctx context.Context, d time.Duration) error {
	c.Advance(d)
	return ctx.Err()
}

// VirtualClock is wall time plus the waits it has skipped: Now moves with
// the real clock, Sleep returns at once and moves Now forward by d. It lets
// a running server honour Okta's back-off rules without making anyone wait.
type Virtual struct {
	mu      sync.Mutex
	skipped time.Duration
}

// Now implements Clock.
func (c *Virtual) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.skipped)
}

// Sleep implements SleepClock without waiting.
func (c *Virtual) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.skipped += d
	c.mu.Unlock()
	return ctx.Err()
}
