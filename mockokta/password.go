package mockokta

import (
	"cmp"
	"context"
	"fmt"
	"net/http"

	"github.com/provsim/provsim/internal/secret"
)

// Sync Password (OKTA-PASSWORD-1 … OKTA-PASSWORD-5): which password the
// engine sends to an app, and when.
//
// Okta keeps people's passwords hashed, as mockokta does (PasswordHash),
// so a hash alone cannot be synced: Okta syncs the Okta password when it
// has it in clear, at the moments it is typed or set (a password set or
// reset, a sign-in). mockokta does the same: the clear password given to
// the API or the sign-in page is held in the org's memory (Org.heldPasswords)
// and nowhere else: not in the store, snapshots, the System Log, the
// journals (internal/journal masks it) or any view. A restart forgets it;
// the person's next sign-in or password change brings it back.

const (
	seedOkta           = "OKTA"
	seedRandom         = "RANDOM"
	changeExisting     = "CHANGE"
	placeholderLength  = 8  // the create's password with Sync Password off (OKTA-CREATE-2)
	randomPasswordSize = 16 // an Okta-generated password to sync (OKTA-PASSWORD-3)
	pushPasswordEvent  = "application.provision.user.push_password"
)

// PasswordPatch is the shape of an OIN app's password PATCH, which Okta
// does not document (OKTA-PASSWORD-1).
type PasswordPatch string

const (
	// PasswordPatchValue, the default: a path-less replace whose value
	// holds the password, like Okta's documented deactivation.
	PasswordPatchValue PasswordPatch = "value"
	// PasswordPatchPath: {"op":"replace","path":"password","value":"…"}.
	PasswordPatchPath PasswordPatch = "path"
)

// ParsePasswordPatch checks a switch value; "" is the default.
func ParsePasswordPatch(v string) (PasswordPatch, error) {
	switch p := PasswordPatch(v); p {
	case "":
		return PasswordPatchValue, nil
	case PasswordPatchValue, PasswordPatchPath:
		return p, nil
	}
	return "", fmt.Errorf("password patch %q: want %q or %q", v, PasswordPatchValue, PasswordPatchPath)
}

// passwordSeed is Sync Password's seed, Okta's default RANDOM when unset.
func (t ToApp) passwordSeed() string { return cmp.Or(t.PasswordSeed, passwordSeeds[0]) }

// changesExisting: Sync Password also sets the password of accounts Okta
// did not create with it (OKTA-PASSWORD-4).
func (t ToApp) changesExisting() bool { return t.PasswordChange == changeExisting }

// holdPassword keeps a person's password in clear for Sync Password, or
// forgets it ("": an imported hash or a hook, which Okta cannot read back,
// or a deleted person). Caller holds o.mu.
func (o *Org) holdPassword(userID, plain string) {
	if plain == "" {
		delete(o.heldPasswords, userID)
		return
	}
	if o.heldPasswords == nil {
		o.heldPasswords = map[string]string{}
	}
	o.heldPasswords[userID] = plain
}

// passwordChanged records a person's new Okta password and pushes it to
// each app that syncs the Okta password and has the person provisioned
// (OKTA-PASSWORD-2). Caller holds o.mu.
func (m *Model) passwordChanged(o *Org, u *User, plain string) {
	o.holdPassword(u.ID, plain)
	if plain == "" {
		return
	}
	for _, aid := range o.appOrder {
		a := o.apps[aid]
		if !a.ToApp.SyncPassword || a.ToApp.passwordSeed() != seedOkta {
			continue
		}
		if au, ok := a.appUser(u.ID); ok && au.ExternalID != "" && au.Status == AppUserProvisioned {
			m.enqueue(o, a, job{kind: jobPushPassword, userID: u.ID})
		}
	}
}

// PasswordSignedIn is a successful sign-in with a password, one of the
// moments Okta syncs the Okta password (OKTA-PASSWORD-2). Only a password
// mockokta did not hold yet is pushed (after a restart, or for a person
// whose password was imported as a hash): a sign-in with the password
// the apps already have sends nothing. The password must be the person's.
func (m *Model) PasswordSignedIn(o *Org, userID, plain string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.users[userID]
	if u == nil || plain == "" || o.heldPasswords[userID] == plain || !secret.PasswordMatches(u.PasswordHash, plain) {
		return
	}
	m.passwordChanged(o, u, plain)
}

// syncPasswordSaved: Sync Password just turned on with change CHANGE sets
// a password on every account already provisioned (OKTA-PASSWORD-4).
// Caller holds o.mu.
func (m *Model) syncPasswordSaved(o *Org, a *App, before ToApp) {
	if before.SyncPassword || !a.ToApp.SyncPassword || !a.ToApp.changesExisting() {
		return
	}
	for _, au := range a.appUsers() {
		if au.ExternalID != "" && au.Status == AppUserProvisioned {
			m.enqueue(o, a, job{kind: jobPushPassword, userID: au.UserID})
		}
	}
}

// createPassword is the create body's password: with Sync Password, the
// Okta password when Okta holds it (seed OKTA) or a generated one (seed
// RANDOM); otherwise, and when the Okta password is not held, Okta's
// random 8-character placeholder (OKTA-CREATE-2, OKTA-PASSWORD-3).
func (m *Model) createPassword(s userSnap) string {
	if pw, ok := m.syncedPassword(s); ok {
		return pw
	}
	return m.ids.Token(placeholderLength)
}

// syncedPassword is the password Sync Password sets on the account; ok is
// false when there is none to send (Sync Password off, or seed OKTA and
// the Okta password not held).
func (m *Model) syncedPassword(s userSnap) (string, bool) {
	if !s.toApp.SyncPassword {
		return "", false
	}
	if s.toApp.passwordSeed() == seedRandom {
		return m.ids.Token(randomPasswordSize), true
	}
	return s.password, s.password != ""
}

// sendPassword sets an account's password: a PATCH for OIN apps
// (path-less, or with path "password" under --password-patch path), a GET
// then full PUT with `password` set for wizard-built apps (OKTA-PASSWORD-1).
func (m *Model) sendPassword(ctx context.Context, s userSnap, id, password string) scimResponse {
	if s.flavour == FlavourPatch {
		op := patchOperation{Op: "replace", Value: passwordValue{Password: password}}
		if m.opts.PasswordPatch == PasswordPatchPath {
			op = patchOperation{Op: "replace", Path: "password", Value: password}
		}
		return m.scimCall(ctx, s.org.ID, s.conn, http.MethodPatch, "/Users/"+id, patchOp(op))
	}
	return m.readModifyWrite(ctx, s, id, func(doc *scimDoc) { doc.set("password", password) })
}

// pushPassword is a password job: the person's account gets the password
// the app's seed gives, now (a retried task sends the current one). A
// failure is a task and a failed push_password event (OKTA-PASSWORD-5).
func (m *Model) pushPassword(ctx context.Context, j job) {
	s, ok := m.snapUser(j)
	if !ok || s.removed || s.externalID == "" || !s.conn.configured() || !s.provisionable || s.auStatus != AppUserProvisioned {
		m.settle(j, func(_ *App, au *AppUser) { endRetry(au) })
		return
	}
	password, ok := m.syncedPassword(s)
	if !ok {
		m.settle(j, func(_ *App, au *AppUser) { endRetry(au) })
		return
	}
	if r := m.sendPassword(ctx, s, s.externalID, password); !r.ok() {
		m.failAs(j, s.login, r.failure("Error while pushing password of user "+s.login), true, pushPasswordEvent)
		return
	}
	m.settle(j, func(a *App, au *AppUser) {
		m.markSynced(au, au.Status)
		m.logEngine(s.org, a, pushPasswordEvent, "", LogTarget{ID: au.UserID, Type: "AppUser", AlternateID: au.UserName})
	})
}
