package mockokta

import (
	"time"
)

// Task is a provisioning task: a failure Okta would not retry by itself,
// shown on the admin dashboard (OKTA-TASK-1). Here tasks are
// listed and retried through /_sim/.
type Task struct {
	ID        string     `json:"id"`
	AppID     string     `json:"appId"`
	AppLabel  string     `json:"appLabel"`
	UserID    string     `json:"userId,omitempty"`
	MappingID string     `json:"mappingId,omitempty"`
	Kind      string     `json:"kind"`
	Message   string     `json:"message"`
	Status    string     `json:"status"` // OPEN or RESOLVED
	Retryable bool       `json:"retryable"`
	Created   time.Time  `json:"created"`
	Resolved  *time.Time `json:"resolved,omitempty"`
	// RateLimited marks the task of a job waiting out a 429 back-off:
	// while open, Okta retries it by itself at RetryAt, Attempt being the
	// attempt that got the last 429 (OKTA-RETRY-3); it needs no action. A
	// resolved one is a wait that ended with the app answering.
	RateLimited bool       `json:"rateLimited,omitempty"`
	RetryAt     *time.Time `json:"retryAt,omitempty"`
	Attempt     int        `json:"attempt,omitempty"`
	job         job
}

// Task statuses.
const (
	TaskOpen     = "OPEN"
	TaskResolved = "RESOLVED"
)

// fail records a failed user job: a task, syncState ERROR on the app user,
// and a FAILURE event in the System Log.
func (m *Model) fail(j job, login, message string, retryable bool) {
	m.failAs(j, login, message, retryable, "application.provision.user.sync")
}

// failAs is fail with the failed event's type: a sync failure carries
// Okta's legacy event type, a password push is its own event
// (OKTA-PASSWORD-5).
func (m *Model) failAs(j job, login, message string, retryable bool, eventType string) {
	m.withJobApp(j, func(o *Org, a *App) {
		full := "Automatic provisioning of user " + login + " to app " + a.Label + " failed: " + message
		m.openTask(o, a, j, full, retryable)
		if au, ok := a.users[j.userID]; ok {
			au.SyncState, au.LastUpdated = SyncError, m.now()
		}
		e := LogEvent{EventType: eventType, DisplayMessage: eventMessages[eventType], Actor: engineActor,
			Outcome:     LogOutcome{Result: Failure, Reason: full},
			Target:      []LogTarget{{ID: j.userID, Type: "AppUser", AlternateID: login}, appTarget(a)},
			Transaction: LogTransacton{Type: "JOB", ID: m.ids.Token(20)}}
		if eventType == "application.provision.user.sync" {
			e.LegacyEventType = "app.user_management.provision_user_failed"
		}
		m.appendLog(o, e)
	})
}

// openTask records a task, or updates the one being retried, or the one
// that showed the job waiting out a rate limit: a job that runs out of 429
// attempts fails in the task that showed it waiting (OKTA-RETRY-3). Caller
// holds o.mu.
func (m *Model) openTask(o *Org, a *App, j job, message string, retryable bool) {
	t, ok := o.tasks[j.taskID]
	if !ok {
		t = o.rateLimitTask(a.ID, j)
	}
	if t != nil {
		t.Message, t.Status, t.Resolved, t.Retryable = message, TaskOpen, nil, retryable
		t.RateLimited, t.RetryAt, t.Attempt = false, nil, 0
		o.changes.Put(kindTask, t.ID)
		return
	}
	m.newTask(o, a, j, message, retryable)
}

// newTask records a new open task for a job. Caller holds o.mu.
func (m *Model) newTask(o *Org, a *App, j job, message string, retryable bool) *Task {
	t := &Task{ID: m.ids.Token(20), AppID: a.ID, AppLabel: a.Label, UserID: j.userID, MappingID: j.mappingID,
		Kind: j.kind.String(), Message: message, Status: TaskOpen, Retryable: retryable, Created: m.now(), job: j}
	t.job.taskID = t.ID
	o.tasks[t.ID] = t
	o.taskOrder = append(o.taskOrder, t.ID)
	return t
}

// rateLimitTask finds the open task showing a job of the same kind, app,
// user and mapping waiting out a rate limit. Caller holds o.mu.
func (o *Org) rateLimitTask(appID string, j job) *Task {
	for _, id := range o.taskOrder {
		t := o.tasks[id]
		if t.Status == TaskOpen && t.RateLimited && t.AppID == appID && t.job.kind == j.kind &&
			t.UserID == j.userID && t.MappingID == j.mappingID {
			return t
		}
	}
	return nil
}

// openTaskFor finds an open task of a push mapping whose job is of the
// kind. Caller holds o.mu.
func (o *Org) openTaskFor(mappingID string, kind jobKind) *Task {
	for _, id := range o.taskOrder {
		if t := o.tasks[id]; t.Status == TaskOpen && t.MappingID == mappingID && t.job.kind == kind {
			return t
		}
	}
	return nil
}

// resolveTask closes a retried task that succeeded. Caller holds o.mu.
func (m *Model) resolveTask(o *Org, id string) {
	if t, ok := o.tasks[id]; ok && t.Status == TaskOpen {
		now := m.now()
		t.Status, t.Resolved = TaskResolved, &now
	}
}

// Tasks lists an org's tasks, open ones only unless all is set.
func (m *Model) Tasks(o *Org, all bool) []Task {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []Task{}
	for _, id := range o.taskOrder {
		if t := o.tasks[id]; all || t.Status == TaskOpen {
			out = append(out, *t)
		}
	}
	return out
}

// RetryTask runs a task's job again ("Retry Selected"). The task resolves
// when the job succeeds, or finds nothing left to do (OKTA-TASK-4). Okta
// offers no retry for a failed deactivation (only "Mark complete",
// OKTA-RETRY-2); force retries it anyway.
func (m *Model) RetryTask(o *Org, id string, force bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.tasks[id]
	if !ok {
		return errNotFound("Task", id)
	}
	if t.Status != TaskOpen {
		return errValidation("task: already resolved")
	}
	if t.RateLimited && t.Status == TaskOpen {
		return errValidation("task: Okta retries it by itself once the app's rate limit allows; it needs no action")
	}
	if !t.Retryable && !force {
		return errValidation("task: Okta offers no retry for this task, only Mark complete (resolve); add ?force=true to retry it anyway")
	}
	return m.retry(o, t)
}

// RetryOpenTasks is "Retry Selected" on every open task (with force also
// those Okta offers no retry for), in the order they were opened. The jobs
// are queued at once, so their order does not depend on the engine's
// pace. It returns how many were retried.
func (m *Model) RetryOpenTasks(o *Org, force bool) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, id := range o.taskOrder {
		if t := o.tasks[id]; t.Status == TaskOpen && !t.RateLimited && (t.Retryable || force) {
			if err := m.retry(o, t); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// retry queues a task's job again. Caller holds o.mu.
func (m *Model) retry(o *Org, t *Task) error {
	a, ok := o.apps[t.AppID]
	if !ok {
		return errNotFound("App", t.AppID)
	}
	if t.UserID != "" {
		if au, ok := a.users[t.UserID]; ok {
			au.SyncState = SyncSyncing
			o.changes.Put(kindAppUser, pairKey(a.ID, t.UserID))
		}
	}
	m.enqueue(o, a, t.job)
	return nil
}

// ResolveTask marks a task complete without retrying ("Mark complete").
// For a failed deactivation that says the admin deprovisioned the account
// by hand: Okta's side follows, unless the person is back in scope.
func (m *Model) ResolveTask(o *Org, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.tasks[id]
	if !ok {
		return errNotFound("Task", id)
	}
	if t.Status == TaskOpen && t.job.kind == jobDeactivate {
		m.deprovisionedByHand(o, t)
	}
	m.resolveTask(o, id)
	o.changes.Put(kindTask, id)
	return nil
}

// deprovisionedByHand records a deactivation the admin made by hand: an
// unassigned record goes, a deactivated user's app user is DEPROVISIONED.
// Caller holds o.mu.
func (m *Model) deprovisionedByHand(o *Org, t *Task) {
	a, ok := o.apps[t.AppID]
	if !ok {
		return
	}
	au, ok := a.users[t.UserID]
	if !ok {
		return
	}
	u := o.users[t.UserID]
	switch {
	case au.removed:
		a.forget(au.UserID)
	case u != nil && u.Status == StatusDeprovisioned && au.ExternalID != "":
		m.markSynced(au, AppUserDeprovisioned)
	default:
		return
	}
	o.changes.Put(kindAppUser, pairKey(a.ID, t.UserID))
}
