package console_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/faults"
	"github.com/provsim/provsim/mockokta"
)

// heldClock is a fake clock whose Sleep (the engine's 429 back-off) holds
// until released, so the page can be read while Okta waits.
type heldClock struct {
	*clock.Fake
	waiting chan struct{}
	release chan struct{}
}

func (c *heldClock) Sleep(ctx context.Context, d time.Duration) error {
	c.waiting <- struct{}{}
	select {
	case <-c.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return c.Fake.Sleep(ctx, d)
}

// OKTA-RETRY-3: Tasks shows a job waiting out the app's rate limit, with
// Okta's rate-limit message and no Retry or Mark complete to press; it
// closes by itself once the retry goes through.
func TestTasksShowRateLimitWait(t *testing.T) {
	atl, scimURL := atlassian(t)
	held := &heldClock{Fake: clock.NewFake(time.Date(2026, 3, 18, 10, 0, 0, 0, time.UTC)),
		waiting: make(chan struct{}), release: make(chan struct{})}
	e := newEnv(t, mockokta.Config{Options: mockokta.Options{Clock: held},
		Boot: &mockokta.Boot{OrgName: "Acme", APIToken: "00tok", AtlassianSCIMURL: scimURL, AtlassianSCIMToken: atlKey}})
	seven := 7
	if _, err := atl.Faults().Add(faults.Rule{Method: "POST", Path: "/scim/directory/*/Users", Status: http.StatusTooManyRequests, RetryAfter: &seven, Times: 1}); err != nil {
		t.Fatal(err)
	}
	ada := e.person("Ada", "Lovelace", true)
	if _, _, err := e.srv.Model.AssignUser(e.org, e.srv.Booted.AppID, mockokta.AssignUserInput{ID: ada.ID}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held.waiting:
	case <-time.After(10 * time.Second):
		t.Fatal("the engine never waited out the 429")
	}
	p := e.page("/admin/tasks")
	if !p.Contains("Automatic provisioning of user ada.lovelace@example.com to app Atlassian Cloud is waiting: the app answered 429 Too Many Requests (API rate limit).") ||
		!p.Contains("Waiting: rate limit") || !p.Contains("Okta retries by itself") || p.HasControl("Retry") || p.HasControl("Mark complete") {
		t.Fatalf("tasks while waiting: %q %v", p.Text(), p.Controls())
	}
	close(held.release)
	e.idle()
	if p := e.page("/admin/tasks"); p.Contains("Waiting: rate limit") {
		t.Errorf("still waiting after the retry: %q", p.Text())
	}
}
