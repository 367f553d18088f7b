package ratelimit

import (
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
)

func TestLimiterWindows(t *testing.T) {
	c := clock.NewFake(time.Date(2026, 5, 2, 10, 4, 30, 0, time.UTC))
	l := New(c, time.Minute)
	for i := 2; i >= 0; i-- {
		d := l.Take("k", 3)
		if !d.Allowed || d.Remaining != i || !d.Reset.Equal(time.Date(2026, 5, 2, 10, 5, 0, 0, time.UTC)) {
			t.Fatalf("take: %+v", d)
		}
	}
	if d := l.Take("k", 3); d.Allowed || d.Remaining != 0 {
		t.Fatalf("over the limit: %+v", d)
	}
	if d := l.Take("other", 3); !d.Allowed {
		t.Fatal("keys are counted apart")
	}
	c.Advance(30 * time.Second) // the next window
	if d := l.Take("k", 3); !d.Allowed || d.Remaining != 2 {
		t.Fatalf("new window: %+v", d)
	}
}

func TestTakeAllCountsEveryLimitOrNone(t *testing.T) {
	c := clock.NewFake(time.Date(2026, 5, 2, 10, 4, 30, 0, time.UTC))
	l := New(c, time.Minute)
	org, token := Want{"org", 4}, Want{"org/token", 2}
	for i := 1; i >= 0; i-- {
		if d := l.TakeAll(org, token); !d.Allowed || d.Limit != 2 || d.Remaining != i {
			t.Fatalf("the token's share is the tighter limit: %+v", d)
		}
	}
	if d := l.TakeAll(org, token); d.Allowed || d.Limit != 2 || d.Remaining != 0 || d.Index != 1 {
		t.Fatalf("the share is spent: %+v", d)
	}
	if n := l.Used("org"); n != 2 {
		t.Fatalf("Used(org) = %d, want 2", n)
	}
	// The refused request did not count against the org: another token
	// still gets the org's last two.
	other := Want{"org/other", 2}
	for i := 1; i >= 0; i-- {
		if d := l.TakeAll(org, other); !d.Allowed || d.Limit != 4 || d.Remaining != i {
			t.Fatalf("org bucket: %+v", d)
		}
	}
	if d := l.TakeAll(org, Want{"org/third", 2}); d.Allowed || d.Limit != 4 || d.Index != 0 {
		t.Fatalf("the org bucket is empty: %+v", d)
	}
	c.Advance(30 * time.Second)
	if n := l.Used("org"); n != 0 {
		t.Fatalf("Used(org) in a new window = %d, want 0", n)
	}
}

func TestInFlight(t *testing.T) {
	var f InFlight
	done1, ok1 := f.Enter("org", 2)
	_, ok2 := f.Enter("org", 2)
	if _, ok := f.Enter("org", 2); !ok1 || !ok2 || ok {
		t.Fatal("the third request in flight is over a limit of 2")
	}
	if _, ok := f.Enter("other", 2); !ok {
		t.Fatal("keys are counted apart")
	}
	done1()
	if _, ok := f.Enter("org", 2); !ok {
		t.Fatal("a finished request frees its place")
	}
}
