package mockokta

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
)

// gateClock is a fake clock whose Sleep (the engine's 429 back-off) holds
// until the test lets it go, so a test can look at Okta while it waits.
type gateClock struct {
	*clock.Fake
	waiting chan time.Duration
	release chan struct{}
}

func newGateClock(f *clock.Fake) *gateClock {
	return &gateClock{Fake: f, waiting: make(chan time.Duration), release: make(chan struct{})}
}

func (g *gateClock) Sleep(ctx context.Context, d time.Duration) error {
	select {
	case g.waiting <- d:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-g.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.Fake.Sleep(ctx, d)
}

// await waits for the engine to start a back-off and returns its length.
func (g *gateClock) await(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-g.waiting:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("the engine never started a 429 back-off")
		return 0
	}
}

// OKTA-RETRY-3: while a 429 back-off is pending, the app user is SYNCING
// (the Management API shows it) and the task list shows a rate-limit task
// that needs no action and cannot be retried by hand; when the retry
// succeeds the task closes and the app user is SYNCHRONIZED.
func TestRateLimitWaitShowsOnAppUserAndTask(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			f := &faultInjector{t: t}
			var gate *gateClock
			p, _ := goldPipeline(t, goldSetup{wrap: f.wrap, options: func(o *Options) {
				gate = newGateClock(o.Clock.(*clock.Fake))
				o.Clock = gate
			}})
			app := p.appID
			if fl == "aiw" {
				app = goldAIW(p, nil)
				goldToApp(p, app)
			}
			p.idle()
			uid := p.createUser("Rae", "Limit", "rae.limit@example.com")
			f.set(faultFirst(1, "POST", "/Users", fault429("7")))
			goldAssign(p, app, uid)
			if d := gate.await(t); d != 7*time.Second {
				t.Errorf("back-off %s, want Retry-After's 7s", d)
			}

			au := goldAppUser(p, app, uid)
			if au["syncState"] != "SYNCING" || au["externalId"] != nil {
				t.Errorf("app user while waiting: syncState %v externalId %v, want SYNCING and none", au["syncState"], au["externalId"])
			}
			open := goldTasks(p, false)
			if len(open) != 1 {
				t.Fatalf("open tasks while waiting: %v, want one rate-limit task", open)
			}
			task := open[0]
			msg, _ := task["message"].(string)
			if task["rateLimited"] != true || task["kind"] != "provision" || task["userId"] != uid || task["attempt"] != float64(1) ||
				task["retryAt"] != "2026-03-18T10:00:07Z" ||
				!strings.Contains(msg, "rae.limit@example.com") || !strings.Contains(msg, "429 Too Many Requests (API rate limit)") ||
				!strings.Contains(msg, "retries automatically") {
				t.Errorf("rate-limit task = %v", task)
			}
			if r := p.oktaAPI("POST", "/_sim/orgs/"+p.orgID+"/tasks/"+task["id"].(string)+"/retry", nil); r.Status != http.StatusBadRequest ||
				!strings.Contains(string(r.Raw), "needs no action") {
				t.Errorf("retrying a rate-limit task by hand: %d %s, want 400", r.Status, r.Raw)
			}
			if r := p.oktaAPI("POST", "/_sim/orgs/"+p.orgID+"/tasks/retry", nil); r.Status != http.StatusAccepted || !strings.Contains(string(r.Raw), `"retried":0`) {
				t.Errorf("retry all: %d %s, want the rate-limit task left alone", r.Status, r.Raw)
			}

			close(gate.release)
			p.idle()
			au = goldAppUser(p, app, uid)
			if au["syncState"] != "SYNCHRONIZED" || au["status"] != "PROVISIONED" || au["externalId"] == nil {
				t.Errorf("app user after the retry: %v", au)
			}
			if open := goldTasks(p, false); len(open) != 0 {
				t.Errorf("open tasks after a good retry: %v", open)
			}
			all := goldTasks(p, true)
			if len(all) != 1 || all[0]["status"] != "RESOLVED" || all[0]["rateLimited"] != true || all[0]["retryAt"] != nil {
				t.Errorf("tasks after the retry: %v, want the one rate-limit task resolved", all)
			}
		})
	}
}

// OKTA-RETRY-3: a membership push waiting out a 429 shows as a group push
// task; the push mapping stays ACTIVE.
func TestRateLimitWaitOnGroupPush(t *testing.T) {
	f := &faultInjector{t: t}
	var gate *gateClock
	p, _ := goldPipeline(t, goldSetup{wrap: f.wrap, options: func(o *Options) {
		gate = newGateClock(o.Clock.(*clock.Fake))
		o.Clock = gate
	}})
	uid := p.createUser("Gus", "Group", "gus.group@example.com")
	goldAssign(p, p.appID, uid)
	p.idle()
	g := goldGroup(p, "Waiters")
	goldJoin(p, g, uid)
	f.set(faultFirst(1, "POST", "/Groups", fault429("")))
	pm := goldMap(p, p.appID, map[string]any{"sourceGroupId": g, "targetGroupName": "Waiters", "status": "ACTIVE"})
	if d := gate.await(t); d != 5*time.Minute {
		t.Errorf("back-off %s, want the 5-minute default", d)
	}
	open := goldTasks(p, false)
	if len(open) != 1 || open[0]["rateLimited"] != true || open[0]["mappingId"] != pm["id"] ||
		!strings.HasPrefix(open[0]["message"].(string), "Group push to app Atlassian Cloud is waiting") {
		t.Errorf("tasks while the push waits: %v", open)
	}
	if m := goldMapping(p, p.appID, pm["id"].(string)); m["status"] != "ACTIVE" {
		t.Errorf("mapping while waiting: %v", m)
	}
	close(gate.release)
	p.idle()
	if open := goldTasks(p, false); len(open) != 0 {
		t.Errorf("open tasks after the push went through: %v", open)
	}
	if goldTarget(p, p.appID, pm["id"].(string)) == "" {
		t.Error("the group was not pushed after the wait")
	}
}
