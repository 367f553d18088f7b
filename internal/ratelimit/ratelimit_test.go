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
