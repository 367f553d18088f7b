package mockokta

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// While the engine waits out a SCIM server's 429 (OKTA-RETRY-1), Okta shows
// the job as paused by the app's rate limit: the provisioning task carries
// a rate-limit message and Okta retries by itself (OKTA-RETRY-3). The app
// user is SYNCING meanwhile. The job rides in the request context so the
// SCIM client, which waits, can say whose wait it is.

type jobCtxKey struct{}

// withJob makes the job that a SCIM call works for known to scimCall.
func withJob(ctx context.Context, j job) context.Context {
	return context.WithValue(ctx, jobCtxKey{}, j)
}

// ctxJob is the job a SCIM call works for: one about a user or a push
// mapping (others, like imports, show no task).
func ctxJob(ctx context.Context) (job, bool) {
	j, ok := ctx.Value(jobCtxKey{}).(job)
	return j, ok && (j.userID != "" || j.mappingID != "")
}

// rateLimited shows a job waiting wait after the attempt's 429.
func (m *Model) rateLimited(ctx context.Context, attempt int, wait time.Duration) {
	j, ok := ctxJob(ctx)
	if !ok {
		return
	}
	m.withJobApp(j, func(o *Org, a *App) {
		at := m.now().Add(wait)
		what := "Group push to app " + a.Label
		if j.userID != "" {
			login := j.userID
			if u := o.users[j.userID]; u != nil {
				login = u.Login()
			}
			what = "Automatic provisioning of user " + login + " to app " + a.Label
			if au, ok := a.users[j.userID]; ok {
				au.SyncState = SyncSyncing
			}
		}
		msg := fmt.Sprintf("%s is waiting: the app answered %d %s (API rate limit). Okta retries automatically at %s (after attempt %d of %d).",
			what, http.StatusTooManyRequests, http.StatusText(http.StatusTooManyRequests), at.Format("2006-01-02 15:04:05 UTC"), attempt, maxAttempts)
		t, retried := o.tasks[j.taskID]
		if !retried {
			t = o.rateLimitTask(a.ID, j)
		}
		if t == nil {
			t = m.newTask(o, a, j, msg, true)
		}
		t.Message, t.Status, t.Resolved = msg, TaskOpen, nil
		t.RateLimited, t.RetryAt, t.Attempt = true, &at, attempt
		o.changes.Put(kindTask, t.ID)
	})
}

// rateLimitOver ends a job's wait: the app answered something other than
// 429. A task opened for the wait closes, still marked as a rate-limit
// wait (the job goes on, and a failure opens a task of its own); a retried
// task being waited in stays open for the job to settle.
func (m *Model) rateLimitOver(ctx context.Context) {
	j, ok := ctxJob(ctx)
	if !ok {
		return
	}
	m.withJobApp(j, func(o *Org, a *App) {
		t, retried := o.tasks[j.taskID]
		if !retried {
			t = o.rateLimitTask(a.ID, j)
		}
		if t == nil || !t.RateLimited {
			return
		}
		if retried {
			t.RateLimited, t.RetryAt, t.Attempt = false, nil, 0
		} else {
			t.RetryAt, t.Attempt = nil, 0
			m.resolveTask(o, t.ID)
		}
		o.changes.Put(kindTask, t.ID)
	})
}
