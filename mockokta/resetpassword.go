package mockokta

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/provsim/provsim/internal/secret"
)

// The admin-initiated password reset (OAPI-USER-4): POST
// /api/v1/users/{id}/lifecycle/reset_password puts the person in RECOVERY
// and issues a one-time token; the page at /reset_password/{token}
// (signin.go) is where the person chooses a new password, which makes them
// ACTIVE again and is synced like any other password change
// (OKTA-PASSWORD-2).
//
// Tokens are kept in the org's memory only, as a hash, like sign-in
// sessions: a restart forgets them and the person stays in RECOVERY until
// an admin resets again.

// resetTokenLifetime is how long a reset link works: the one hour Okta's
// default password policy gives recovery emails (a guess, OAPI-USER-4).
const resetTokenLifetime = time.Hour

// resetTokenLength is the length of Okta's one-time tokens (as in the
// documented example XE6wE17zmphl3KqAPFxO).
const resetTokenLength = 20

// resetGrant is what a reset token allows: setting userID's password until
// expires.
type resetGrant struct {
	userID  string
	expires time.Time
}

func resetTokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ResetPassword is POST …/lifecycle/reset_password: an ACTIVE,
// PASSWORD_EXPIRED, LOCKED_OUT or RECOVERY user becomes (or stays)
// RECOVERY and gets a new one-time token; a token issued before for the
// same person stops working. Other statuses (the person has no password
// to reset or may not sign in at all) are 403 E0000038.
func (m *Model) ResetPassword(o *Org, idOrLogin string) (userID, token string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, err := o.user(idOrLogin)
	if err != nil {
		return "", "", err
	}
	switch u.Status {
	case StatusActive, StatusPasswordExpired, StatusLockedOut, StatusRecovery:
	default:
		return "", "", errOperationNotAllowed("reset_password: not allowed for a user with status " + u.Status)
	}
	now := m.now()
	o.dropResetTokens(u.ID, now)
	token = m.ids.Token(resetTokenLength)
	if o.resetTokens == nil {
		o.resetTokens = map[string]resetGrant{}
	}
	o.resetTokens[resetTokenKey(token)] = resetGrant{userID: u.ID, expires: now.Add(resetTokenLifetime)}
	if u.Status != StatusRecovery {
		u.Status, u.StatusChanged = StatusRecovery, timePtr(now)
	}
	u.LastUpdated = now
	o.changes.Put(kindUser, u.ID)
	m.logAPI(o, "user.account.reset_password", "Reset password for Okta user", userTarget(u))
	return u.ID, token, nil
}

// dropResetTokens forgets the person's reset tokens, and any expired one.
// Caller holds o.mu.
func (o *Org) dropResetTokens(userID string, now time.Time) {
	for k, g := range o.resetTokens {
		if g.userID == userID || !now.Before(g.expires) {
			delete(o.resetTokens, k)
		}
	}
}

// ErrResetLink is a reset link that does not work (unknown, used, expired,
// or its person no longer in RECOVERY): the page says so and nothing
// changes.
var ErrResetLink = errors.New("this password reset link is invalid, has been used or has expired")

// resetUser is the RECOVERY person a live token belongs to. Caller holds
// o.mu.
func (o *Org) resetUser(token string, now time.Time) (*User, string, bool) {
	key := resetTokenKey(token)
	g, ok := o.resetTokens[key]
	if !ok {
		return nil, "", false
	}
	if !now.Before(g.expires) {
		delete(o.resetTokens, key)
		return nil, "", false
	}
	u := o.users[g.userID]
	if u == nil || u.Status != StatusRecovery {
		return nil, "", false
	}
	return u, key, true
}

// ResetLink finds the org and person a reset token is for (the page's
// GET), or ErrResetLink.
func (m *Model) ResetLink(token string) (*Org, *User, error) {
	now := m.now()
	for _, id := range m.Orgs() {
		o, err := m.Org(id)
		if err != nil {
			continue
		}
		o.mu.Lock()
		u, _, ok := o.resetUser(token, now)
		var snap *User
		if ok {
			snap = snapshotUser(u)
		}
		o.mu.Unlock()
		if ok {
			return o, snap, nil
		}
	}
	return nil, nil, ErrResetLink
}

// CompleteReset is the reset page's submit: the new password must meet
// the password policy (the same as the API's; a refusal leaves the token
// usable). Then the token is spent, the person is ACTIVE with that
// password, and it is synced to the apps like a change (OKTA-PASSWORD-2).
func (m *Model) CompleteReset(o *Org, token, newPassword string) (*User, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := m.now()
	u, key, ok := o.resetUser(token, now)
	if !ok {
		return nil, ErrResetLink
	}
	if !passwordOK(newPassword) {
		return nil, &SignInRefused{Reason: passwordPolicy}
	}
	delete(o.resetTokens, key)
	u.PasswordHash = secret.HashPassword(newPassword)
	u.HasPassword = true
	u.PasswordChanged = timePtr(now)
	u.Status, u.StatusChanged, u.LastUpdated = StatusActive, timePtr(now), now
	o.changes.Put(kindUser, u.ID)
	m.appendLog(o, LogEvent{EventType: "user.account.update_password", DisplayMessage: "Update password for Okta user",
		Actor:   LogActor{ID: u.ID, Type: "User", AlternateID: u.Login(), DisplayName: displayName(u)},
		Outcome: LogOutcome{Result: Success}, Target: []LogTarget{userTarget(u)},
		Transaction: LogTransacton{Type: "WEB", ID: m.ids.Token(20)}})
	m.passwordChanged(o, u, newPassword)
	return snapshotUser(u), nil
}
