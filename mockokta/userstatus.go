package mockokta

import (
	"time"
)

// The user status machine (OAPI-USER-1): activate, deactivate, reactivate,
// suspend, unsuspend, unlock and expire password. Like users.go, each
// exported function locks o.mu, checks the user's status before changing
// anything, writes the System Log and calls the hooks (hooks.go).

// activate moves a STAGED or DEPROVISIONED user to status (ACTIVE,
// PROVISIONED or PASSWORD_EXPIRED), logs it and tells the engine. Caller
// holds o.mu.
func (m *Model) activate(o *Org, u *User, status string, now time.Time) {
	u.Status = status
	u.Activated = timePtr(now)
	u.StatusChanged = timePtr(now)
	u.LastUpdated = now
	o.changes.Put(kindUser, u.ID)
	m.logAPI(o, "user.lifecycle.activate", "Activate Okta user", userTarget(u))
	m.onUserActivated(o, u)
}

func (m *Model) deactivate(o *Org, u *User, now time.Time) {
	u.Status = StatusDeprovisioned
	u.StatusChanged = timePtr(now)
	u.LastUpdated = now
	o.changes.Put(kindUser, u.ID)
	m.logAPI(o, "user.lifecycle.deactivate", "Deactivate Okta user", userTarget(u))
	m.onUserDeactivated(o, u)
}

// ActivateUser is POST …/lifecycle/activate, for STAGED and DEPROVISIONED
// users only (others: 403 E0000016). The user becomes ACTIVE when it has a
// password, else PROVISIONED. It returns a fresh activation token (Okta
// shows it only when sendEmail is false).
func (m *Model) ActivateUser(o *Org, idOrLogin string) (token string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, err := o.user(idOrLogin)
	if err != nil {
		return "", err
	}
	if u.Status != StatusStaged && u.Status != StatusDeprovisioned {
		return "", errAlreadyActive()
	}
	status := StatusProvisioned
	if u.HasPassword {
		status = StatusActive
	}
	m.activate(o, u, status, m.now())
	m.applyRules(o, u) // a reactivated person is evaluated again
	return m.ids.Token(20), nil
}

// DeactivateUser is POST …/lifecycle/deactivate: any status but
// DEPROVISIONED becomes DEPROVISIONED. On a DEPROVISIONED user Okta
// answers 404 E0000007 (okta-sdk-java#721; Okta Workflows' "Deactivate
// User" card documents 404 for "already been deactivated").
func (m *Model) DeactivateUser(o *Org, idOrLogin string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, err := o.user(idOrLogin)
	if err != nil {
		return err
	}
	if u.Status == StatusDeprovisioned {
		return errNotFound("User", idOrLogin)
	}
	if o.isAdmin(u) {
		return errAdminProtected()
	}
	m.deactivate(o, u, m.now())
	return nil
}

// ReactivateUser is POST …/lifecycle/reactivate: for PROVISIONED (and
// RECOVERY) users it restarts activation; the status does not change and
// no hook runs. Other statuses: 403 E0000038. It returns a fresh
// activation token.
func (m *Model) ReactivateUser(o *Org, idOrLogin string) (token string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, err := o.user(idOrLogin)
	if err != nil {
		return "", err
	}
	if u.Status != StatusProvisioned && u.Status != StatusRecovery {
		return "", errOperationNotAllowed("reactivate: not allowed for a user with status " + u.Status)
	}
	m.logAPI(o, "user.lifecycle.reactivate", "Reactivate Okta user", userTarget(u))
	return m.ids.Token(20), nil
}

// SuspendUser is POST …/lifecycle/suspend: ACTIVE only, else 400 E0000001.
func (m *Model) SuspendUser(o *Org, idOrLogin string) error {
	return m.transition(o, idOrLogin, "suspend", StatusActive, StatusSuspended,
		"user.lifecycle.suspend", "Suspend Okta user", m.onUserSuspended)
}

// UnsuspendUser is POST …/lifecycle/unsuspend: SUSPENDED only, else 400
// E0000001.
func (m *Model) UnsuspendUser(o *Org, idOrLogin string) error {
	return m.transition(o, idOrLogin, "unsuspend", StatusSuspended, StatusActive,
		"user.lifecycle.unsuspend", "Unsuspend Okta user", m.onUserUnsuspended)
}

func (m *Model) transition(o *Org, idOrLogin, op, from, to, eventType, message string, hook func(*Org, *User)) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, err := o.user(idOrLogin)
	if err != nil {
		return err
	}
	if u.Status != from {
		return errStatus(op, u.Status)
	}
	if o.isAdmin(u) && from == StatusActive {
		return errAdminProtected()
	}
	now := m.now()
	u.Status = to
	u.StatusChanged = timePtr(now)
	u.LastUpdated = now
	o.changes.Put(kindUser, u.ID)
	m.logAPI(o, eventType, message, userTarget(u))
	hook(o, u)
	return nil
}

// UnlockUser is POST …/lifecycle/unlock: LOCKED_OUT becomes ACTIVE; an
// ACTIVE user is left as is (Okta clears unknown-device blocks); other
// statuses: 403 E0000038. No hook: both statuses count as active.
func (m *Model) UnlockUser(o *Org, idOrLogin string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, err := o.user(idOrLogin)
	if err != nil {
		return err
	}
	switch u.Status {
	case StatusActive:
		return nil
	case StatusLockedOut:
		now := m.now()
		u.Status = StatusActive
		u.StatusChanged = timePtr(now)
		u.LastUpdated = now
		o.changes.Put(kindUser, u.ID)
		m.logAPI(o, "user.account.unlock", "Unlock Okta user", userTarget(u))
		return nil
	}
	return errOperationNotAllowed("unlock: not allowed for a user with status " + u.Status)
}

// ExpirePassword is POST …/lifecycle/expire_password: ACTIVE (or already
// PASSWORD_EXPIRED) users become PASSWORD_EXPIRED; others: 403 E0000038.
// No hook: both statuses count as active.
func (m *Model) ExpirePassword(o *Org, idOrLogin string) (*User, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, err := o.user(idOrLogin)
	if err != nil {
		return nil, err
	}
	switch u.Status {
	case StatusPasswordExpired:
	case StatusActive:
		now := m.now()
		u.Status = StatusPasswordExpired
		u.StatusChanged = timePtr(now)
		u.LastUpdated = now
		o.changes.Put(kindUser, u.ID)
	default:
		return nil, errOperationNotAllowed("expire_password: not allowed for a user with status " + u.Status)
	}
	return snapshotUser(u), nil
}
