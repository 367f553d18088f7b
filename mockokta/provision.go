package mockokta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/provsim/provsim/internal/scim"
)

// run executes one job. Each flow reads a snapshot under the org lock,
// talks SCIM without it, then writes the outcome back under the lock.
func (m *Model) run(ctx context.Context, j job) {
	ctx = withJob(ctx, j)
	switch j.kind {
	case jobProvision:
		m.provisionUser(ctx, j)
	case jobUpdate:
		m.updateUser(ctx, j)
	case jobDeactivate:
		m.deactivateUser(ctx, j)
	case jobToAppSaved:
		m.toAppSaved(ctx, j)
	case jobPushFull, jobPushDelta, jobPushRename, jobPushDelete:
		m.runPush(ctx, j)
	case jobImport:
		m.runImport(ctx, j)
	case jobPushPassword:
		m.pushPassword(ctx, j)
	}
}

// userSnap is what a user job needs, copied under the lock.
type userSnap struct {
	org           *Org
	conn          Connection
	flavour       Flavour
	toApp         ToApp
	appLabel      string
	pushName      bool
	userID        string
	login         string
	provisionable bool
	deactivated   bool   // the Okta user is DEPROVISIONED
	userName      string // application username
	externalID    string
	auStatus      string
	removed       bool
	profile       profileValues
	// linked is set while the job links an existing SCIM user found by
	// userName: its profile push also writes externalId (OKTA-LINK-2).
	linked bool
	// password is the person's Okta password in clear when Okta holds it
	// and the app syncs it (OKTA-PASSWORD-2); never logged.
	password string
}

// profileValues are the Okta attributes Okta's default mappings send.
type profileValues struct {
	givenName, familyName, displayName, email, title, department, locale, oktaID string
}

// mappedValues are the values the app's profile mapping takes from an Okta
// user (OAPI-MAP-1): what the engine sends. Caller holds o.mu.
func (a *App) mappedValues(u *User) profileValues {
	at := func(appAttr string) string { return a.mapped(u, appAttr) }
	p := profileValues{givenName: at("givenName"), familyName: at("familyName"),
		displayName: at("displayName"), email: at("email"), title: at("title"),
		department: at("department"), locale: at("locale"), oktaID: u.ID}
	if p.displayName == "" {
		p.displayName = strings.TrimSpace(p.givenName + " " + p.familyName)
	}
	if p.email == "" {
		p.email = u.Attr("email")
	}
	return p
}

// snapUser copies the state a user job needs. ok is false when the app,
// user or app user is gone (the job then has nothing to do).
func (m *Model) snapUser(j job) (userSnap, bool) {
	o, err := m.Org(j.orgID)
	if err != nil {
		return userSnap{}, false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.apps[j.appID]
	if !ok {
		return userSnap{}, false
	}
	au, ok := a.users[j.userID]
	if !ok {
		return userSnap{}, false
	}
	s := userSnap{org: o, conn: a.Connection, flavour: a.Flavour, toApp: a.ToApp, appLabel: a.Label,
		pushName: a.UserName.PushStatus != "DONT_PUSH", userID: au.UserID, userName: au.UserName,
		externalID: au.ExternalID, auStatus: au.Status, removed: au.removed}
	if u := o.users[au.UserID]; u != nil {
		s.login = u.Login()
		s.provisionable = u.Status != StatusStaged && u.Status != StatusSuspended && u.Status != StatusDeprovisioned
		s.deactivated = u.Status == StatusDeprovisioned
		s.profile = a.mappedValues(u)
		if a.ToApp.SyncPassword && a.ToApp.passwordSeed() == seedOkta {
			s.password = o.heldPasswords[u.ID]
		}
	} else {
		s.login = au.UserID
	}
	return s, true
}

// createBody is the exact POST /Users body of OKTA-CREATE-2,
// field order included.
type createBody struct {
	Schemas     []string           `json:"schemas"`
	UserName    string             `json:"userName"`
	Name        nameBody           `json:"name"`
	Emails      []emailBody        `json:"emails"`
	DisplayName string             `json:"displayName,omitempty"`
	Locale      string             `json:"locale,omitempty"`
	Title       string             `json:"title,omitempty"`
	Enterprise  *map[string]string `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	ExternalID  string             `json:"externalId"`
	Groups      []any              `json:"groups"`
	Password    string             `json:"password"`
	Active      bool               `json:"active"`
}

type nameBody struct {
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
}

type emailBody struct {
	Primary bool   `json:"primary"`
	Value   string `json:"value"`
	Type    string `json:"type"`
}

func (m *Model) newCreateBody(s userSnap) createBody {
	b := createBody{Schemas: []string{scim.UserSchema}, UserName: s.userName,
		Name:        nameBody{GivenName: s.profile.givenName, FamilyName: s.profile.familyName},
		Emails:      []emailBody{{Primary: true, Value: s.profile.email, Type: "work"}},
		DisplayName: s.profile.displayName, Title: s.profile.title,
		// externalId is the Okta user id; a password is always sent, a
		// random 8-character one even with Sync Password off (OKTA-CREATE-2,
		// OKTA-PASSWORD-3).
		ExternalID: s.profile.oktaID, Groups: []any{}, Password: m.createPassword(s), Active: true}
	b.Locale = s.profile.locale
	if b.Locale == "" {
		b.Locale = "en-US"
	}
	if s.profile.department != "" {
		b.Schemas = append(b.Schemas, scim.EnterpriseUserSchema)
		b.Enterprise = &map[string]string{"department": s.profile.department}
	}
	return b
}

// provisionUser creates, links or reactivates the account (OKTA-CREATE-1,
// OKTA-LINK-1, OKTA-REACT-1), then pushes the profile and the user's
// pushed-group memberships.
func (m *Model) provisionUser(ctx context.Context, j job) {
	s, ok := m.snapUser(j)
	if !ok || s.removed {
		// Unassigned meanwhile: nothing is left to provision, so a retried
		// task is done.
		m.withJobApp(j, func(o *Org, a *App) { m.resolveTask(o, j.taskID) })
		return
	}
	if !s.conn.configured() || !s.toApp.CreateUsers || !s.provisionable {
		m.settle(j, func(a *App, au *AppUser) {
			if au.Status != AppUserProvisioned {
				au.SyncState = SyncDisabled
			} else {
				endRetry(au)
			}
		})
		return
	}
	org := s.org.ID
	// A reactivation sends active:true even when Okta believes the account
	// active: the answer to the deactivation may have been lost after it
	// went through (OKTA-REACT-2).
	id, event := s.externalID, ""
	reactivate := id != "" && (s.auStatus == AppUserDeprovisioned || j.reactivate)
	if id == "" {
		r := m.scimCall(ctx, org, s.conn, http.MethodGet, filterPath("Users", "userName", s.userName), nil)
		var list listResponse
		switch {
		case r.status == http.StatusNotFound:
			// A 404 SCIM error means "no such user" to Okta (OKTA-CREATE-1).
		case !r.ok():
			m.fail(j, s.login, r.failure("Error while verifying if user "+s.login+" exists"), true)
			return
		case r.decode(&list) != nil:
			m.fail(j, s.login, "Error while verifying if user "+s.login+" exists: the response is not a SCIM ListResponse", true)
			return
		}
		switch len(list.Resources) {
		case 0:
			r := m.scimCall(ctx, org, s.conn, http.MethodPost, "/Users", m.newCreateBody(s))
			if !r.ok() {
				m.fail(j, s.login, r.failure("Error while creating user "+s.login), true)
				return
			}
			if id, _, _ = resourceInfo(r.body); id == "" {
				m.fail(j, s.login, "Error while creating user "+s.login+": Create new user returned empty user.", true)
				return
			}
			event = "application.provision.user.push"
		case 1:
			var active bool
			id, active, _ = resourceInfo(list.Resources[0])
			reactivate = !active
			event = "application.provision.user.verify_exists"
			s.linked = !m.opts.LinkKeepsExternalID
		default:
			m.fail(j, s.login, fmt.Sprintf("Error while verifying if user %s exists: %d users matched userName %q", s.login, len(list.Resources), s.userName), true)
			return
		}
	}
	profilePushed := false
	if reactivate {
		var r scimResponse
		if s.flavour == FlavourPut {
			// Wizard apps reactivate with one GET then PUT carrying active
			// and the profile (OKTA-REACT-1).
			r = m.readModifyWrite(ctx, s, id, func(doc *scimDoc) {
				doc.set("active", true)
				if s.toApp.UpdateUsers {
					applyProfile(doc, s)
				}
			})
			profilePushed = true
		} else {
			r = m.setActive(ctx, s, id, true)
		}
		if !r.ok() {
			m.fail(j, s.login, r.failure("Error while reactivating user "+s.login), true)
			return
		}
	}
	// A linked or reactivated account gets the profile pushed (OKTA-LINK-1, OKTA-REACT-1).
	if event != "application.provision.user.push" && s.toApp.UpdateUsers && !profilePushed {
		if r := m.pushProfile(ctx, s, id); !r.ok() {
			m.fail(j, s.login, r.failure("Error while pushing profile of user "+s.login), true)
			return
		}
	}
	// An account Okta links rather than creates keeps its password unless
	// Sync Password is set to change existing ones (OKTA-PASSWORD-4).
	passwordPushed := false
	if event == "application.provision.user.verify_exists" && s.toApp.changesExisting() {
		if password, ok := m.syncedPassword(s); ok {
			if r := m.sendPassword(ctx, s, id, password); !r.ok() {
				m.failAs(j, s.login, r.failure("Error while pushing password of user "+s.login), true, pushPasswordEvent)
				return
			}
			passwordPushed = true
		}
	}
	m.settle(j, func(a *App, au *AppUser) {
		au.ExternalID = id
		m.markSynced(au, AppUserProvisioned)
		o := s.org
		target := LogTarget{ID: au.UserID, Type: "AppUser", AlternateID: au.UserName}
		if event != "" {
			m.logEngine(o, a, event, "", target)
		}
		if reactivate {
			m.logEngine(o, a, "application.provision.user.reactivate", "", target)
		}
		if passwordPushed {
			m.logEngine(o, a, pushPasswordEvent, "", target)
		}
		// Now provisioned: the user joins its pushed groups downstream.
		m.pushNewlyEligible(o, a, au.UserID)
	})
}

// setActive (de)activates the account: a path-less PATCH for OIN apps, a
// GET then full PUT for wizard-built apps (OKTA-DEACT-2, OKTA-REACT-1).
func (m *Model) setActive(ctx context.Context, s userSnap, id string, active bool) scimResponse {
	if s.flavour == FlavourPatch {
		return m.scimCall(ctx, s.org.ID, s.conn, http.MethodPatch, "/Users/"+id,
			patchOp(patchOperation{Op: "replace", Value: activeValue{Active: active}}))
	}
	return m.readModifyWrite(ctx, s, id, func(doc *scimDoc) { doc.set("active", active) })
}

// readModifyWrite is Okta's update: GET the resource, change it, PUT the
// whole representation back, echoing whatever the server returned in the
// server's own key order (OKTA-UPDATE-1).
func (m *Model) readModifyWrite(ctx context.Context, s userSnap, id string, change func(*scimDoc)) scimResponse {
	r := m.scimCall(ctx, s.org.ID, s.conn, http.MethodGet, "/Users/"+id, nil)
	if !r.ok() {
		return r
	}
	doc, ok := parseSCIMDoc(r.body)
	if !ok {
		return scimResponse{status: http.StatusBadGateway, body: []byte(`{"detail":"GET returned no SCIM resource"}`)}
	}
	change(doc)
	if doc.err != nil {
		return scimResponse{status: http.StatusBadGateway, body: []byte(`{"detail":"GET returned a SCIM resource the engine cannot change"}`)}
	}
	return m.scimCall(ctx, s.org.ID, s.conn, http.MethodPut, "/Users/"+id, doc.raw)
}

// pushProfile is GET then PUT with the mapped attributes changed; active is
// left as the server has it (OKTA-UPDATE-1).
func (m *Model) pushProfile(ctx context.Context, s userSnap, id string) scimResponse {
	return m.readModifyWrite(ctx, s, id, func(doc *scimDoc) { applyProfile(doc, s) })
}

// applyProfile writes Okta's mapped attributes into a SCIM user document.
// Attributes the server already has keep their place; new ones go last.
func applyProfile(doc *scimDoc, s userSnap) {
	p := s.profile
	if s.pushName {
		doc.set("userName", s.userName)
	}
	if x := doc.get("externalId"); s.linked && p.oktaID != "" && x.Exists() && x.String() != p.oktaID {
		// Okta's externalId is its user id (OKTA-CREATE-2): a person
		// linked to an account another (older) Okta person created gets
		// its own id written, not the old one kept. An account that has
		// no externalId is left without one (OKTA-LINK-2).
		doc.set("externalId", p.oktaID)
	}
	if !doc.get("name").IsObject() {
		doc.setRaw("name", "{}")
	}
	doc.setOrDelete("name.givenName", p.givenName)
	doc.setOrDelete("name.familyName", p.familyName)
	doc.setOrDelete("displayName", p.displayName)
	doc.setOrDelete("title", p.title)
	replaced := false
	doc.get("emails").ForEach(func(i, e gjson.Result) bool {
		if e.Get("primary").Type == gjson.True {
			doc.set("emails."+i.String()+".value", p.email)
			replaced = true
		}
		return true
	})
	if !replaced {
		// Okta's primary work email goes first.
		primary, _ := json.Marshal(emailBody{Primary: true, Value: p.email, Type: "work"})
		items := []string{string(primary)}
		for _, e := range doc.get("emails").Array() {
			items = append(items, e.Raw)
		}
		doc.setRaw("emails", "["+strings.Join(items, ",")+"]")
	}
	ext := sjsonKey(scim.EnterpriseUserSchema)
	if p.department != "" {
		if !doc.get(ext).IsObject() {
			doc.setRaw(ext, "{}")
		}
		doc.set(ext+".department", p.department)
		has := false
		for _, sc := range doc.get("schemas").Array() {
			has = has || sc.String() == scim.EnterpriseUserSchema
		}
		if !has {
			doc.set("schemas.-1", scim.EnterpriseUserSchema)
		}
	} else if doc.get(ext).IsObject() {
		doc.delete(ext + ".department")
	}
}

// updateUser pushes profile changes ("Update User Attributes"). A 404 on
// the GET stops the job with a task and no retry (OKTA-UPDATE-2).
func (m *Model) updateUser(ctx context.Context, j job) {
	s, ok := m.snapUser(j)
	if !ok || s.removed || s.externalID == "" || !s.conn.configured() || !s.toApp.UpdateUsers || s.auStatus != AppUserProvisioned {
		m.settle(j, func(_ *App, au *AppUser) { endRetry(au) })
		return
	}
	if r := m.pushProfile(ctx, s, s.externalID); !r.ok() {
		m.fail(j, s.login, r.failure("Error while pushing profile of user "+s.login), true)
		return
	}
	m.settle(j, func(a *App, au *AppUser) {
		m.markSynced(au, au.Status)
		m.logEngine(s.org, a, "application.provision.user.push_profile", "", LogTarget{ID: au.UserID, Type: "AppUser", AlternateID: au.UserName})
	})
}

// deactivateUser deactivates the account downstream, never deleting it
// (OKTA-DEACT-2, OKTA-DEACT-3). With no downstream id (create never
// succeeded) nothing is sent (OKTA-DEACT-5). A failed deactivation is
// tried once: its task is not retried by Okta ("Application accounts need
// deprovisioning", OKTA-RETRY-2). Like provisioning, it first checks that
// it is still needed (OKTA-TASK-4): a person assigned again, or
// reactivated, since it was queued keeps the account active.
func (m *Model) deactivateUser(ctx context.Context, j job) {
	s, ok := m.snapUser(j)
	if !ok {
		m.nothingToDo(j)
		return
	}
	if !s.removed && !s.deactivated {
		m.settle(j, func(_ *App, au *AppUser) { endRetry(au) })
		return
	}
	if j.extID != "" {
		// The id known at unassignment: the record may since have been
		// reassigned and have forgotten it.
		s.externalID = j.extID
	}
	if s.externalID != "" && s.conn.configured() && s.toApp.DeactivateUsers {
		if r := m.setActive(ctx, s, s.externalID, false); !r.ok() {
			m.fail(j, s.login, r.failure("Error while deactivating user "+s.login), false)
			return
		}
		m.settle(j, func(a *App, au *AppUser) {
			m.logEngine(s.org, a, "application.provision.user.deactivate", "", LogTarget{ID: au.UserID, Type: "AppUser", AlternateID: au.UserName})
		})
	}
	m.settle(j, func(a *App, au *AppUser) {
		switch {
		case au.removed:
			a.forget(au.UserID)
		case s.externalID != "" && au.ExternalID == s.externalID:
			m.markSynced(au, AppUserDeprovisioned)
		}
	})
}

// settle runs fn on the job's app and app user under the org lock, if they
// still exist, and resolves the task being retried.
func (m *Model) settle(j job, fn func(a *App, au *AppUser)) {
	m.withJobApp(j, func(o *Org, a *App) {
		if au, ok := a.users[j.userID]; ok {
			fn(a, au)
		}
		m.resolveTask(o, j.taskID)
	})
}

// endRetry ends the SYNCING state a retry set (RetryTask) when the job
// found nothing to do: the account is as the job would have left it.
func endRetry(au *AppUser) {
	if au.SyncState != SyncSyncing {
		return
	}
	au.SyncState = SyncDisabled
	if au.ExternalID != "" {
		au.SyncState = SyncSynchronized
	}
}

func (m *Model) markSynced(au *AppUser, status string) {
	now := m.now()
	if au.Status != status {
		au.Status, au.StatusChanged = status, now
	}
	au.SyncState, au.LastSync, au.LastUpdated = SyncSynchronized, &now, now
}

// logEngine records a provisioning event (transaction type JOB).
func (m *Model) logEngine(o *Org, a *App, eventType, reason string, targets ...LogTarget) {
	e := LogEvent{EventType: eventType, DisplayMessage: eventMessages[eventType], Actor: engineActor,
		Outcome: LogOutcome{Result: Success}, Target: append(targets, appTarget(a)),
		Transaction: LogTransacton{Type: "JOB", ID: m.ids.Token(20)}}
	if reason != "" {
		e.Outcome = LogOutcome{Result: Failure, Reason: reason}
	}
	m.appendLog(o, e)
}

var eventMessages = map[string]string{
	"application.provision.user.push":                   "Push new user to external application",
	"application.provision.user.verify_exists":          "Verify user exists in external application",
	"application.provision.user.reactivate":             "Push user reactivation to external application",
	"application.provision.user.push_profile":           "Push user profile update to external application",
	"application.provision.user.push_password":          "Push user password update to external application",
	"application.provision.user.deactivate":             "Push user deactivation to external application",
	"application.provision.user.sync":                   "Sync user in external application",
	"application.provision.group.add":                   "Create group in external application",
	"application.provision.group.verify_exists":         "Verify group exists in external application",
	"application.provision.group.update":                "Update group in external application",
	"application.provision.group.remove":                "Delete group in external application",
	"application.provision.group_membership.add":        "Add user to group membership in external application",
	"application.provision.group_membership.remove":     "Remove user from group membership in external application",
	"application.provision.group_push.push_memberships": "Push group memberships to external application",
	"application.provision.group_push.pushed":           "Group push operation completed",
	"application.provision.group_push.mapping.created":  "Group push mapping created",
	"application.provision.group_push.delete_appgroup":  "Delete pushed group in external application",
	"application.provision.group.import":                "Import groups from external application",
	"application.provision.user.import":                 "Import users from external application",
	"application.provision.integration.test":            "Test provisioning integration",
}
