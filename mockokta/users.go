package mockokta

import (
	"cmp"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/provsim/provsim/internal/scim"
)

// The Users API model (OAPI-USER-1): create, read,
// update, the lifecycle state machine and the two-step delete. Every
// exported function takes the org, locks o.mu, validates the whole request
// before changing anything, then mutates, writes the System Log and calls
// the hooks (hooks.go) with o.mu still held. Users handed back are
// snapshots: safe to read and render after the lock is released.

// defaultUserTypeID is the id of the one user type every org has (Okta
// gives each org a default type "oty…"). mockokta has no user types API, so
// every org shares this id.
const defaultUserTypeID = "oty1simdefaultuser01"

// CreateUserInput is POST /api/v1/users: the body plus the query flags.
type CreateUserInput struct {
	Profile     map[string]any
	Credentials *UserCredentialsInput
	GroupIDs    []string
	TypeID      string // "" or defaultUserTypeID
	// Activate runs the activation lifecycle at once (Okta's default).
	Activate bool
	// Provider creates a user whose credentials live with an external
	// authentication provider: activation makes it ACTIVE without a password.
	Provider bool
	// NextLogin "changePassword" with Activate and a password makes the
	// user PASSWORD_EXPIRED.
	NextLogin string
}

// UserCredentialsInput is the writable part of a user's credentials, as
// the SDK sends it. A password object without value, hash or hook (what a
// GET returns, `"password":{}`) changes nothing.
type UserCredentialsInput struct {
	Password         *PasswordInput         `json:"password"`
	RecoveryQuestion *RecoveryQuestionInput `json:"recovery_question"`
	Provider         *struct {
		Type *string `json:"type"`
		Name *string `json:"name"`
	} `json:"provider"`
}

// PasswordInput is credentials.password. Hash and Hook (imported
// passwords) count as setting a password; their content is not checked.
type PasswordInput struct {
	Value *string        `json:"value"`
	Hash  map[string]any `json:"hash"`
	Hook  map[string]any `json:"hook"`
}

// RecoveryQuestionInput is credentials.recovery_question.
type RecoveryQuestionInput struct {
	Question *string `json:"question"`
	Answer   *string `json:"answer"`
}

// UpdateUserInput is POST (partial) or PUT (replace) /api/v1/users/{id}.
// A nil Profile leaves the profile alone.
type UpdateUserInput struct {
	Profile     map[string]any
	Credentials *UserCredentialsInput
}

// UserQuery selects users for GET /api/v1/users.
type UserQuery struct {
	Q         string // prefix of firstName, lastName, email or login
	Filter    string // Okta filter expression
	Search    string // Okta search expression (same grammar here)
	SortBy    string // attribute path, e.g. "profile.lastName"
	SortOrder string // "asc" (default) or "desc"
}

// Base profile attributes that must be strings when present.
var stringProfileAttrs = []string{"login", "email", "firstName", "lastName", "secondEmail", "middleName",
	"honorificPrefix", "honorificSuffix", "title", "displayName", "nickName", "profileUrl", "mobilePhone",
	"primaryPhone", "streetAddress", "city", "state", "zipCode", "countryCode", "postalAddress",
	"preferredLanguage", "locale", "timezone", "userType", "employeeNumber", "costCenter", "organization",
	"division", "department", "managerId", "manager"}

// emailPattern is deliberately loose: something@something.tld.
var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// Okta's validation messages (OAPI-ERR-1).
const (
	causeBlank        = "The field cannot be left blank"
	causePattern      = "Does not match required pattern"
	causeLoginTaken   = "An object with this field already exists in the current organization"
	causeTypeMismatch = "Property type mismatch"
	passwordPolicy    = "Password requirements were not met. Password requirements: at least 8 characters, a lowercase letter, an uppercase letter, a number."
)

// errInvalidSearch is E0000031, a filter or search Okta cannot parse.
func errInvalidSearch(detail string) *Error {
	return &Error{http.StatusBadRequest, "E0000031", "Invalid search criteria.", []string{detail}}
}

func errExpireNeedsPassword() *Error {
	const s = "Could not create user. To create a user and expire their password immediately, a password must be specified"
	return &Error{http.StatusBadRequest, "E0000124", s, []string{s}}
}

func errExpireNeedsActivate() *Error {
	const s = `Could not create user. To create a user and expire their password immediately, "activate" must be true`
	return &Error{http.StatusBadRequest, "E0000125", s, []string{s}}
}

// errPermissionDenied is E0000006, e.g. changing a group Okta does not own.
func errPermissionDenied() *Error {
	return &Error{http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action", nil}
}

// user finds a user by id, login (case-insensitive) or login short name
// (the part before "@", when exactly one user has it). Caller holds o.mu.
func (o *Org) user(idOrLogin string) (*User, error) {
	if u, ok := o.users[idOrLogin]; ok {
		return u, nil
	}
	key := lower(idOrLogin)
	if id, ok := o.byLogin[key]; ok {
		if u, ok := o.users[id]; ok {
			return u, nil
		}
	}
	if key != "" && !strings.Contains(key, "@") {
		var found *User
		for _, id := range o.userOrder {
			u := o.users[id]
			if short, _, ok := strings.Cut(lower(u.Login()), "@"); ok && short == key {
				if found != nil {
					found = nil // ambiguous short name
					break
				}
				found = u
			}
		}
		if found != nil {
			return found, nil
		}
	}
	return nil, errNotFound("User", idOrLogin)
}

// userByID finds a user by id only. Caller holds o.mu.
func (o *Org) userByID(id string) (*User, error) {
	if u, ok := o.users[id]; ok {
		return u, nil
	}
	return nil, errNotFound("User", id)
}

// CreateUser is POST /api/v1/users. The user is created STAGED, added to
// GroupIDs, then (with Activate) activated: ACTIVE with a password or an
// external provider, PASSWORD_EXPIRED with NextLogin "changePassword",
// otherwise PROVISIONED (Okta: "policy-dependent"; mockokta always picks
// PROVISIONED, the pending-user-action state).
func (m *Model) CreateUser(o *Org, in CreateUserInput) (*User, error) {
	profile := cleanProfile(in.Profile)
	causes := validateUserProfile(profile)
	pw, recovery, credCauses := checkCredentials(in.Credentials, nil)
	causes = append(causes, credCauses...)
	if in.TypeID != "" && in.TypeID != defaultUserTypeID {
		causes = append(causes, "type.id: The user type "+in.TypeID+" does not exist")
	}
	switch in.NextLogin {
	case "", "changePassword":
	default:
		causes = append(causes, "nextLogin: must be changePassword")
	}
	if len(causes) > 0 {
		return nil, errValidation(causes...)
	}
	if in.NextLogin != "" {
		if !in.Activate {
			return nil, errExpireNeedsActivate()
		}
		if !pw.set {
			return nil, errExpireNeedsPassword()
		}
	}

	o.mu.Lock()
	defer o.mu.Unlock()
	login := profile["login"].(string)
	if _, taken := o.byLogin[lower(login)]; taken {
		return nil, errValidation("login: " + causeLoginTaken)
	}
	var groups []*Group
	seen := map[string]bool{}
	for _, gid := range in.GroupIDs {
		if seen[gid] {
			continue
		}
		seen[gid] = true
		g, ok := o.groups[gid]
		if !ok || g.Type != GroupOkta {
			return nil, errValidation("groupIds: Group " + gid + " does not exist or is not an OKTA_GROUP")
		}
		groups = append(groups, g)
	}

	now := m.now()
	id := m.oktaID("00u")
	for o.users[id] != nil {
		id = m.oktaID("00u")
	}
	u := &User{ID: id, Status: StatusStaged, Created: now, LastUpdated: now, Profile: profile,
		groups: map[string]bool{}}
	if pw.set {
		u.HasPassword = true
		u.PasswordChanged = timePtr(now)
	}
	if recovery != nil {
		u.Recovery = *recovery
	}
	o.users[id] = u
	o.userOrder = append(o.userOrder, id)
	o.byLogin[lower(login)] = id
	m.logAPI(o, "user.lifecycle.create", "Create Okta user", userTarget(u))
	for _, g := range groups {
		m.addGroupMember(o, g, u, now)
	}
	if in.Activate {
		status := StatusProvisioned
		switch {
		case in.NextLogin == "changePassword":
			status = StatusPasswordExpired
		case u.HasPassword || in.Provider:
			status = StatusActive
		}
		m.activate(o, u, status, now)
	}
	return snapshotUser(u), nil
}

// activate moves a STAGED or DEPROVISIONED user to status (ACTIVE,
// PROVISIONED or PASSWORD_EXPIRED), logs it and tells the engine. Caller
// holds o.mu.
func (m *Model) activate(o *Org, u *User, status string, now time.Time) {
	u.Status = status
	u.Activated = timePtr(now)
	u.StatusChanged = timePtr(now)
	u.LastUpdated = now
	m.logAPI(o, "user.lifecycle.activate", "Activate Okta user", userTarget(u))
	m.onUserActivated(o, u)
}

// GetUser is GET /api/v1/users/{idOrLogin}.
func (m *Model) GetUser(o *Org, idOrLogin string) (*User, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, err := o.user(idOrLogin)
	if err != nil {
		return nil, err
	}
	return snapshotUser(u), nil
}

// ListUserIDs is GET /api/v1/users before paging: the ids of the matching
// users in list order. Without Filter or Search, DEPROVISIONED users are
// left out, as Okta does.
func (m *Model) ListUserIDs(o *Org, q UserQuery) ([]string, error) {
	var exprs []func(map[string]any) bool
	for _, src := range []string{q.Filter, q.Search} {
		if strings.TrimSpace(src) == "" {
			continue
		}
		e, err := scim.ParseFilterExpression(src)
		if err != nil {
			return nil, errInvalidSearch(fmt.Sprintf("could not parse %q", src))
		}
		exprs = append(exprs, func(doc map[string]any) bool { return scim.Match(e, doc) })
	}
	prefix := lower(strings.TrimSpace(q.Q))

	o.mu.Lock()
	defer o.mu.Unlock()
	type hit struct {
		id  string
		doc map[string]any
	}
	var hits []hit
	for _, id := range o.userOrder {
		u := o.users[id]
		if len(exprs) == 0 && u.Status == StatusDeprovisioned {
			continue
		}
		if q.Q != "" && !userMatchesQ(u, prefix) {
			continue
		}
		var doc map[string]any
		if len(exprs) > 0 || q.SortBy != "" {
			doc = userSearchDoc(u)
		}
		ok := true
		for _, match := range exprs {
			ok = ok && match(doc)
		}
		if ok {
			hits = append(hits, hit{id, doc})
		}
	}
	if q.SortBy != "" {
		desc := strings.EqualFold(q.SortOrder, "desc")
		slices.SortStableFunc(hits, func(a, b hit) int {
			c := cmp.Compare(sortKey(a.doc, q.SortBy), sortKey(b.doc, q.SortBy))
			if c == 0 {
				c = cmp.Compare(a.id, b.id)
			}
			if desc {
				c = -c
			}
			return c
		})
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	return ids, nil
}

// UsersByID returns snapshots of the users with these ids, in order,
// skipping any that no longer exist.
func (m *Model) UsersByID(o *Org, ids []string) []*User {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]*User, 0, len(ids))
	for _, id := range ids {
		if u, ok := o.users[id]; ok {
			out = append(out, snapshotUser(u))
		}
	}
	return out
}

func userMatchesQ(u *User, prefix string) bool {
	for _, a := range []string{"firstName", "lastName", "email", "login"} {
		if strings.HasPrefix(lower(u.Attr(a)), prefix) {
			return true
		}
	}
	return false
}

// userSearchDoc is what filter and search expressions see: the user's
// JSON fields, timestamps in Okta's format (so gt/lt compare them).
func userSearchDoc(u *User) map[string]any {
	return map[string]any{
		"id": u.ID, "status": u.Status,
		"created": oktaTimestamp(u.Created), "lastUpdated": oktaTimestamp(u.LastUpdated),
		"activated": oktaTimestampOrNil(u.Activated), "statusChanged": oktaTimestampOrNil(u.StatusChanged),
		"lastLogin": oktaTimestampOrNil(u.LastLogin), "passwordChanged": oktaTimestampOrNil(u.PasswordChanged),
		"type":    map[string]any{"id": defaultUserTypeID},
		"profile": u.Profile,
	}
}

// sortKey reads a dotted path from a search doc as a lower-case string.
func sortKey(doc map[string]any, path string) string {
	var v any = doc
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[part]
	}
	if v == nil {
		return ""
	}
	return lower(fmt.Sprint(v))
}

// UpdateUser is POST /api/v1/users/{id}: profile attributes given are
// merged in (null removes one), credentials given are changed.
func (m *Model) UpdateUser(o *Org, idOrLogin string, in UpdateUserInput) (*User, error) {
	return m.changeUser(o, idOrLogin, in, false)
}

// ReplaceUser is PUT /api/v1/users/{id}: the profile given replaces the
// whole profile (attributes left out are removed); a missing profile keeps
// the old one. Credentials given are changed; absent ones are kept.
func (m *Model) ReplaceUser(o *Org, idOrLogin string, in UpdateUserInput) (*User, error) {
	return m.changeUser(o, idOrLogin, in, true)
}

func (m *Model) changeUser(o *Org, idOrLogin string, in UpdateUserInput, replace bool) (*User, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, err := o.user(idOrLogin)
	if err != nil {
		return nil, err
	}
	// Okta answers 404 for profile and credential updates of a deactivated
	// user (okta-sdk-java#721).
	if u.Status == StatusDeprovisioned {
		return nil, errNotFound("User", idOrLogin)
	}
	next := u.Profile
	if in.Profile != nil {
		if replace {
			next = cleanProfile(in.Profile)
		} else {
			next = deepCopyProfile(u.Profile)
			for k, v := range in.Profile {
				if v == nil {
					delete(next, k)
				} else {
					next[k] = deepCopyJSON(v)
				}
			}
		}
	}
	causes := validateUserProfile(next)
	pw, recovery, credCauses := checkCredentials(in.Credentials, u)
	causes = append(causes, credCauses...)
	if len(causes) > 0 {
		return nil, errValidation(causes...)
	}
	oldLogin, newLogin := u.Login(), next["login"].(string)
	if lower(oldLogin) != lower(newLogin) {
		if _, taken := o.byLogin[lower(newLogin)]; taken {
			return nil, errValidation("login: " + causeLoginTaken)
		}
	}

	now := m.now()
	profileChanged := !reflect.DeepEqual(u.Profile, next)
	if profileChanged {
		before := u.Profile
		u.Profile = next
		if lower(oldLogin) != lower(newLogin) {
			delete(o.byLogin, lower(oldLogin))
		}
		o.byLogin[lower(newLogin)] = u.ID
		u.LastUpdated = now
		m.logAPI(o, "user.account.update_profile", "Update user profile for Okta", userTarget(u))
		m.onUserProfileChanged(o, u, before)
	}
	if pw.set {
		u.HasPassword = true
		u.PasswordChanged = timePtr(now)
		u.LastUpdated = now
		m.logAPI(o, "user.account.update_password", "Update password for Okta user", userTarget(u))
	}
	if recovery != nil && *recovery != u.Recovery {
		u.Recovery = *recovery
		u.LastUpdated = now
	}
	return snapshotUser(u), nil
}

// DeleteUser is DELETE /api/v1/users/{id}: a user that is not yet
// DEPROVISIONED is deactivated; a DEPROVISIONED one is deleted for good
// and leaves its groups (no per-group membership hook: onUserDeleted
// covers it). deleted reports which happened.
func (m *Model) DeleteUser(o *Org, idOrLogin string) (deleted bool, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, err := o.user(idOrLogin)
	if err != nil {
		return false, err
	}
	if u.Status != StatusDeprovisioned {
		m.deactivate(o, u, m.now())
		return false, nil
	}
	now := m.now()
	m.logAPI(o, "user.lifecycle.delete.initiated", "Delete Okta user", userTarget(u))
	m.onUserDeleted(o, u)
	for _, gid := range o.groupOrder {
		if g := o.groups[gid]; g != nil && g.removeMember(u.ID) {
			g.LastMembershipUpdated = now
		}
	}
	delete(o.users, u.ID)
	if o.byLogin[lower(u.Login())] == u.ID {
		delete(o.byLogin, lower(u.Login()))
	}
	if i := slices.Index(o.userOrder, u.ID); i >= 0 {
		o.userOrder = slices.Delete(o.userOrder, i, i+1)
	}
	return true, nil
}

func (m *Model) deactivate(o *Org, u *User, now time.Time) {
	u.Status = StatusDeprovisioned
	u.StatusChanged = timePtr(now)
	u.LastUpdated = now
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
	now := m.now()
	u.Status = to
	u.StatusChanged = timePtr(now)
	u.LastUpdated = now
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
	default:
		return nil, errOperationNotAllowed("expire_password: not allowed for a user with status " + u.Status)
	}
	return snapshotUser(u), nil
}

// UserGroups is GET /api/v1/users/{id}/groups: the user's groups in group
// creation order.
func (m *Model) UserGroups(o *Org, idOrLogin string) ([]*Group, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, err := o.user(idOrLogin)
	if err != nil {
		return nil, err
	}
	var out []*Group
	for _, gid := range o.groupOrder {
		if g := o.groups[gid]; g != nil && g.HasMember(u.ID) {
			out = append(out, snapshotGroup(g))
		}
	}
	return out, nil
}

// cleanProfile copies a profile as received, dropping null attributes
// (Okta stores null as "not set").
func cleanProfile(p map[string]any) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		if v != nil {
			out[k] = deepCopyJSON(v)
		}
	}
	return out
}

// validateUserProfile checks what Okta's default user profile requires:
// login, email, firstName and lastName present; email and secondEmail
// shaped like addresses; base attributes strings; no nested objects
// (custom attributes are otherwise accepted: there is no schema).
func validateUserProfile(p map[string]any) []string {
	var causes []string
	for _, name := range []string{"login", "email", "firstName", "lastName"} {
		switch v := p[name].(type) {
		case nil:
			causes = append(causes, name+": "+causeBlank)
		case string:
			if strings.TrimSpace(v) == "" {
				causes = append(causes, name+": "+causeBlank)
			}
		} // other types: a type mismatch, reported below
	}
	for _, name := range stringProfileAttrs {
		if v, ok := p[name]; ok && v != nil {
			if _, isString := v.(string); !isString {
				causes = append(causes, name+": "+causeTypeMismatch)
			}
		}
	}
	for _, name := range []string{"email", "secondEmail"} {
		if s, ok := p[name].(string); ok && strings.TrimSpace(s) != "" && !emailPattern.MatchString(s) {
			causes = append(causes, name+": "+causePattern)
		}
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if nested(p[k]) {
			causes = append(causes, k+": "+causeTypeMismatch)
		}
	}
	return causes
}

func nested(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return true
	case []any:
		for _, e := range x {
			if _, ok := e.(map[string]any); ok {
				return true
			}
			if _, ok := e.([]any); ok {
				return true
			}
		}
	}
	return false
}

// passwordChange is the outcome of checking credentials.password.
type passwordChange struct{ set bool }

// checkCredentials validates credentials; u is the user being updated
// (nil on create). It returns whether a password is being set and the new
// recovery question, if any.
func checkCredentials(c *UserCredentialsInput, u *User) (passwordChange, *string, []string) {
	var pw passwordChange
	var causes []string
	if c == nil {
		return pw, nil, nil
	}
	if p := c.Password; p != nil {
		switch {
		case p.Value != nil:
			if !passwordOK(*p.Value) {
				causes = append(causes, "password: "+passwordPolicy)
			} else {
				pw.set = true
			}
		case p.Hash != nil || p.Hook != nil:
			pw.set = true
		}
	}
	var recovery *string
	rq := c.RecoveryQuestion
	if rq != nil && rq.Answer == nil && (rq.Question == nil || (u != nil && *rq.Question == u.Recovery)) {
		rq = nil // what a GET shows, echoed back by a PUT of the fetched user
	}
	if rq != nil {
		q, a := deref(rq.Question), deref(rq.Answer)
		switch {
		case strings.TrimSpace(q) == "":
			causes = append(causes, "recovery_question.question: "+causeBlank)
		case len(strings.TrimSpace(a)) < 4:
			causes = append(causes, "recovery_question.answer: The security question answer must be at least 4 characters in length")
		default:
			recovery = &q
		}
	}
	return pw, recovery, causes
}

// passwordOK applies Okta's default password policy (the "no parts of the
// username" rule is not checked).
func passwordOK(p string) bool {
	var lowerC, upperC, digit bool
	for _, r := range p {
		lowerC = lowerC || unicode.IsLower(r)
		upperC = upperC || unicode.IsUpper(r)
		digit = digit || unicode.IsDigit(r)
	}
	return len([]rune(p)) >= 8 && lowerC && upperC && digit
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func timePtr(t time.Time) *time.Time { return &t }

// snapshotUser copies a user for use outside o.mu.
func snapshotUser(u *User) *User {
	c := *u
	c.Profile = deepCopyProfile(u.Profile)
	c.groups = nil
	return &c
}

func deepCopyProfile(p map[string]any) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		out[k] = deepCopyJSON(v)
	}
	return out
}

// deepCopyJSON copies a decoded JSON value.
func deepCopyJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return deepCopyProfile(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopyJSON(e)
		}
		return out
	}
	return v
}

// oktaTimeLayout is Okta's timestamp format: UTC with milliseconds.
const oktaTimeLayout = "2006-01-02T15:04:05.000Z"

func oktaTimestamp(t time.Time) string { return t.UTC().Format(oktaTimeLayout) }

// oktaTimestampOrNil is nil (JSON null) for an unset time.
func oktaTimestampOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return oktaTimestamp(*t)
}

// userView is the JSON of an Okta User (okta-sdk-golang v5 model_user.go).
type userView struct {
	ID              string         `json:"id"`
	Status          string         `json:"status"`
	Created         string         `json:"created"`
	Activated       any            `json:"activated"`
	StatusChanged   any            `json:"statusChanged"`
	LastLogin       any            `json:"lastLogin"`
	LastUpdated     string         `json:"lastUpdated"`
	PasswordChanged any            `json:"passwordChanged"`
	Type            userTypeRef    `json:"type"`
	Profile         map[string]any `json:"profile"`
	Credentials     userCredsView  `json:"credentials"`
	Links           map[string]any `json:"_links"`
}

type userTypeRef struct {
	ID string `json:"id"`
}

type userCredsView struct {
	Password         *struct{}         `json:"password,omitempty"`
	RecoveryQuestion *recoveryQuestion `json:"recovery_question,omitempty"`
	Provider         authProvider      `json:"provider"`
}

type recoveryQuestion struct {
	Question string `json:"question"`
}

type authProvider struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// userJSON renders a user as Okta does; base is the org URL for _links.
// It copies what it needs, so the result may be marshalled after o.mu is
// released (call it with o.mu held when u is a live user).
func userJSON(base string, u *User) any {
	v := userView{ID: u.ID, Status: u.Status, Created: oktaTimestamp(u.Created),
		Activated: oktaTimestampOrNil(u.Activated), StatusChanged: oktaTimestampOrNil(u.StatusChanged),
		LastLogin: oktaTimestampOrNil(u.LastLogin), LastUpdated: oktaTimestamp(u.LastUpdated),
		PasswordChanged: oktaTimestampOrNil(u.PasswordChanged),
		Type:            userTypeRef{defaultUserTypeID}, Profile: deepCopyProfile(u.Profile),
		Credentials: userCredsView{Provider: authProvider{"OKTA", "OKTA"}},
		Links:       userLinks(base, u)}
	if u.HasPassword {
		v.Credentials.Password = &struct{}{}
	}
	if u.Recovery != "" {
		v.Credentials.RecoveryQuestion = &recoveryQuestion{u.Recovery}
	}
	return v
}

// userLinks are the _links Okta shows for the user's status: the
// lifecycle operations that status allows.
func userLinks(base string, u *User) map[string]any {
	op := func(parts ...string) link {
		l := href(base, append([]string{"users", u.ID}, parts...)...)
		l.Method = http.MethodPost
		return l
	}
	links := map[string]any{
		"self": href(base, "users", u.ID),
		"type": href(base, "meta", "types", "user", defaultUserTypeID),
	}
	switch u.Status {
	case StatusStaged:
		links["activate"] = op("lifecycle", "activate")
	case StatusProvisioned, StatusRecovery:
		links["reactivate"] = op("lifecycle", "reactivate")
	case StatusDeprovisioned:
		links["activate"] = op("lifecycle", "activate")
	case StatusActive, StatusPasswordExpired:
		links["suspend"] = op("lifecycle", "suspend")
		links["resetPassword"] = op("lifecycle", "reset_password")
		links["expirePassword"] = op("lifecycle", "expire_password")
		links["changeRecoveryQuestion"] = op("credentials", "change_recovery_question")
		links["changePassword"] = op("credentials", "change_password")
	case StatusSuspended:
		links["unsuspend"] = op("lifecycle", "unsuspend")
	case StatusLockedOut:
		links["unlock"] = op("lifecycle", "unlock")
	}
	if u.Status != StatusDeprovisioned {
		links["deactivate"] = op("lifecycle", "deactivate")
	}
	return links
}
