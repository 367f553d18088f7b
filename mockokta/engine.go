package mockokta

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// The provisioning engine: one queue per app, worked in order by a
// goroutine that exists only while the queue has work, like Okta's
// asynchronous provisioning jobs (OKTA-PACE-1). A job
// reads the org's current state when it runs (not when it was queued),
// calls the SCIM server without holding the org lock, then writes the
// outcome back.

type jobKind int

const (
	jobProvision    jobKind = iota + 1 // create, link or reactivate, then push profile
	jobUpdate                          // GET then PUT with mapped attributes
	jobDeactivate                      // PATCH or PUT active:false
	jobToAppSaved                      // GET /Users?count=2 and GET /Groups?count=100
	jobPushFull                        // create or link the target group, overwrite members
	jobPushDelta                       // member adds and removes
	jobPushRename                      // displayName replace
	jobPushDelete                      // DELETE /Groups/{id}
	jobImport                          // Import Users and Groups
	jobPushPassword                    // Sync Password: PATCH, or GET then PUT, the password
)

// lastJobKind is the highest job kind (records name kinds by String).
const lastJobKind = jobPushPassword

func (k jobKind) String() string {
	return [...]string{"", "provision", "update", "deactivate", "to-app-saved", "push-full", "push-delta", "push-rename", "push-delete", "import", "push-password"}[k]
}

type job struct {
	kind      jobKind
	orgID     string
	appID     string
	userID    string
	mappingID string
	targetID  string   // target group id, for deletes
	extID     string   // downstream user id when queued, for deactivations
	add       []string // user ids, for push deltas
	remove    []string
	// reactivate makes a provision job send active:true even when Okta
	// believes the account active: the user was (re)activated in Okta,
	// and a deactivation whose answer was lost may have gone through.
	reactivate bool
	taskID     string // set when a task is retried
	// due is when the org's pace lets the job start (OKTA-PACE-3); zero:
	// at once.
	due  time.Time
	done chan ImportSummary
	seq  uint64 // its record with --data-dir (jobs.go); 0 when not recorded
}

type queueKey struct{ org, app string }

// Engine works provisioning jobs.
type Engine struct {
	m      *Model
	client *http.Client // the SCIM client, guarded against silent re-sends
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	queues  map[queueKey][]job
	running map[queueKey]bool
	pending map[string]int           // org → queued + running jobs
	idle    map[string]chan struct{} // org → closed when pending drops to 0
	// pacing cancels the pace wait of a queue's head job when its org or
	// app is dropped, so a reset does not sit behind a long wait.
	pacing map[queueKey]context.CancelFunc
}

func newEngine(m *Model) *Engine {
	ctx, cancel := context.WithCancel(context.Background())
	return &Engine{m: m, client: guardClient(m.opts.SCIMClient), ctx: ctx, cancel: cancel, queues: map[queueKey][]job{}, running: map[queueKey]bool{},
		pending: map[string]int{}, idle: map[string]chan struct{}{}, pacing: map[queueKey]context.CancelFunc{}}
}

// close stops the workers; jobs in flight end with their context.
func (e *Engine) close() {
	e.cancel()
	e.wg.Wait()
}

// enqueue adds a job to its app's queue and starts a worker if none runs.
// It may be called with the org lock held: the engine lock nests inside it.
func (e *Engine) enqueue(j job) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ctx.Err() != nil {
		return
	}
	k := queueKey{j.orgID, j.appID}
	e.queues[k] = append(e.queues[k], j)
	e.pending[j.orgID]++
	if e.pending[j.orgID] == 1 {
		e.idle[j.orgID] = make(chan struct{})
	}
	if !e.running[k] {
		e.running[k] = true
		e.wg.Add(1)
		go e.work(k)
	}
}

func (e *Engine) work(k queueKey) {
	defer e.wg.Done()
	for {
		e.mu.Lock()
		q := e.queues[k]
		if len(q) == 0 || e.ctx.Err() != nil {
			delete(e.running, k)
			delete(e.queues, k)
			e.mu.Unlock()
			return
		}
		j, n := coalesce(q)
		done := jobSeqs(q[:n])
		e.queues[k] = q[n:]
		// The pace wait is registered with the job leaving the queue, in
		// one critical section: a reset in between would find the job
		// neither queued nor waiting, and leave it to wait out its pace.
		var paced context.Context
		if !j.due.IsZero() {
			var cancel context.CancelFunc
			paced, cancel = context.WithCancel(e.ctx)
			e.pacing[k] = cancel
		}
		e.mu.Unlock()

		if e.paceWait(paced, k, j) {
			e.m.run(e.ctx, j)
		}
		// A job cut short by shutdown stays recorded: it runs again at
		// the next start.
		if e.ctx.Err() == nil {
			e.m.jobsDone(k.org, done)
		}
		if pause := e.m.opts.JobPause; pause > 0 {
			_ = e.m.clock.Sleep(e.ctx, pause)
		}

		e.mu.Lock()
		e.finish(j.orgID, n)
		e.mu.Unlock()
	}
}

// paceWait waits on the model's clock until the job is due (OKTA-PACE-3),
// or until ctx, registered in e.pacing by work, is cancelled. It reports
// false when the wait was cut short: the engine is stopping, or the job's
// org or app was dropped meanwhile, and the job must not run.
func (e *Engine) paceWait(ctx context.Context, k queueKey, j job) bool {
	if ctx == nil {
		return true
	}
	var err error
	if d := j.due.Sub(e.m.clock.Now()); d > 0 {
		err = e.m.clock.Sleep(ctx, d)
	}
	if err == nil {
		err = ctx.Err() // dropped before the wait began
	}
	e.mu.Lock()
	if cancel, ok := e.pacing[k]; ok {
		cancel()
		delete(e.pacing, k)
	}
	e.mu.Unlock()
	return err == nil
}

// stopPacing cuts short the pace wait of a dropped queue. Caller holds e.mu.
func (e *Engine) stopPacing(k queueKey) {
	if cancel, ok := e.pacing[k]; ok {
		cancel()
		delete(e.pacing, k)
	}
}

// maxMembersPerPush bounds the users one group membership request carries.
// Okta's batch size is not documented; 100 matches SCIM page sizes.
const maxMembersPerPush = 100

// coalesce takes the job at the head of the queue and, when it is a
// membership push, the pushes of the same kind (all adds, or all removes)
// for the same mapping queued right behind it, merged into one request: a
// group of new hires becomes one PATCH, not one per person. A user who
// appears twice ends the run, so a leave-then-join still goes out as two
// requests. It returns the job and how many queued jobs it consumed.
func coalesce(q []job) (job, int) {
	j := q[0]
	if j.kind != jobPushDelta || j.taskID != "" || (len(j.add) > 0) == (len(j.remove) > 0) {
		return j, 1
	}
	adding := len(j.add) > 0
	merged := job{kind: jobPushDelta, orgID: j.orgID, appID: j.appID, mappingID: j.mappingID, due: j.due}
	seen := map[string]bool{}
	n := 0
	for _, next := range q {
		ids := next.add
		if !adding {
			ids = next.remove
		}
		if next.kind != jobPushDelta || next.mappingID != j.mappingID || next.taskID != "" ||
			(len(next.add) > 0) != adding || (len(next.remove) > 0) == adding ||
			(n > 0 && len(seen)+len(ids) > maxMembersPerPush) || anySeen(seen, ids) {
			break
		}
		for _, id := range ids {
			seen[id] = true
		}
		if next.due.After(merged.due) {
			merged.due = next.due // none goes out before its own time
		}
		if adding {
			merged.add = append(merged.add, ids...)
		} else {
			merged.remove = append(merged.remove, ids...)
		}
		n++
	}
	return merged, n
}

func anySeen(seen map[string]bool, ids []string) bool {
	for _, id := range ids {
		if seen[id] {
			return true
		}
	}
	return false
}

// finish counts n jobs of an org as done. Caller holds e.mu.
func (e *Engine) finish(org string, n int) {
	e.pending[org] -= n
	if e.pending[org] <= 0 {
		delete(e.pending, org)
		if ch, ok := e.idle[org]; ok {
			close(ch)
			delete(e.idle, org)
		}
	}
}

// dropOrg discards an org's queued jobs (a job in flight finishes, finds
// its app gone and does nothing).
func (e *Engine) dropOrg(org string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, q := range e.queues {
		if k.org == org && len(q) > 0 {
			e.queues[k] = nil
			e.finish(org, len(q))
		}
	}
	for k := range e.pacing {
		if k.org == org {
			e.stopPacing(k)
		}
	}
}

// dropApp discards an app's queued jobs.
func (e *Engine) dropApp(org, app string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := queueKey{org, app}
	if q := e.queues[k]; len(q) > 0 {
		e.queues[k] = nil
		e.finish(org, len(q))
	}
	e.stopPacing(k)
}

// Pending is the number of queued and running jobs of an org.
func (e *Engine) Pending(org string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.pending[org]
}

// WaitIdle blocks until the org has no queued or running job, or ctx ends.
// Tests and the harness wait on this instead of sleeping.
func (m *Model) WaitIdle(ctx context.Context, orgID string) error {
	e := m.engine
	for {
		e.mu.Lock()
		ch, busy := e.idle[orgID]
		e.mu.Unlock()
		if !busy {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitIdleTimeout is WaitIdle with a timeout.
func (m *Model) WaitIdleTimeout(orgID string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return m.WaitIdle(ctx, orgID)
}

// enqueue helpers, called with o.mu held.

func (m *Model) enqueue(o *Org, a *App, j job) {
	j.orgID, j.appID = o.ID, a.ID
	if d := m.pacer.draw(m.orgPace(o)); d > 0 {
		j.due = m.clock.Now().Add(d)
	}
	m.jobQueued(o, &j)
	m.engine.enqueue(j)
}

func (m *Model) enqueueProvision(o *Org, a *App, au *AppUser) {
	m.enqueue(o, a, job{kind: jobProvision, userID: au.UserID})
}

func (m *Model) enqueueUpdate(o *Org, a *App, au *AppUser) {
	m.enqueue(o, a, job{kind: jobUpdate, userID: au.UserID})
}

func (m *Model) enqueueDeactivate(o *Org, a *App, au *AppUser) {
	m.enqueue(o, a, job{kind: jobDeactivate, userID: au.UserID, extID: au.ExternalID})
}

// withJobApp runs fn with the job's org locked and its app found; it does
// nothing when either is gone (reset or deleted while the job ran).
func (m *Model) withJobApp(j job, fn func(o *Org, a *App)) {
	o, err := m.Org(j.orgID)
	if err != nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if a, ok := o.apps[j.appID]; ok {
		note := m.engineBefore(o, a, j)
		fn(o, a)
		m.engineAfter(o, a, j, note)
	}
}
