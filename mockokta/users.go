package mockokta

import (
	"cmp"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/internal/secret"
)

// The Users API model (OAPI-USER-1): create, read, search, update and the
// two-step delete; the status machine is in userstatus.go, request
// checks in userinput.go, the JSON in views.go. Every
// exported function takes the org, locks o.mu, validates the whole request
// before changing anything, then mutates, writes the System Log and calls
// the hooks (hooks.go) with o.mu still held. Users handed back are
// snapshots: safe to read and render after the lock is released.

// defaultUserTypeID is the id of the one user type every org has (Okta
// gives each org a default type "oty…"). mockokta has no user types API, so
// every org shares this id.
const defaultUserTypeID = "oty1simdefaultuser01"

// UserQuery selects users for GET /api/v1/users.
type UserQuery struct {
	Q         string // prefix of firstName, lastName, email or login
	Filter    string // Okta filter expression
	Search    string // Okta search expression (same grammar here)
	SortBy    string // attribute path, e.g. "profile.lastName"
	SortOrder string // "asc" (default) or "desc"
	// Status keeps users in this status only, DEPROVISIONED included when
	// asked for: the console's status filter, without the cost of a
	// filter expression per user.
	Status string
}

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
	if idOrLogin == "me" {
		// The token's owner (OAPI-ME-1).
		if u, ok := o.users[o.adminID]; ok {
			return u, nil
		}
	}
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
		u.PasswordHash = pw.hash
		o.holdPassword(u.ID, pw.plain) // for the create's password (OKTA-PASSWORD-2)
	}
	if recovery != nil {
		u.Recovery = *recovery
	}
	o.users[id] = u
	o.userOrder = append(o.userOrder, id)
	o.byLogin[lower(login)] = id
	o.changes.New(kindUser, id)
	m.logAPI(o, "user.lifecycle.create", "Create Okta user", userTarget(u))
	m.joinEveryone(o, u, now)
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
	m.applyRules(o, u)
	return snapshotUser(u), nil
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
		if q.Status != "" && u.Status != q.Status {
			continue
		}
		if len(exprs) == 0 && q.Status == "" && u.Status == StatusDeprovisioned {
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
		if hasPrefixFold(u.Attr(a), prefix) {
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
	o.changes.Put(kindUser, u.ID)
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
		m.applyRules(o, u)
	}
	if pw.set {
		u.HasPassword = true
		u.PasswordChanged = timePtr(now)
		u.PasswordHash = pw.hash
		u.LastUpdated = now
		m.logAPI(o, "user.account.update_password", "Update password for Okta user", userTarget(u))
		m.passwordChanged(o, u, pw.plain)
	}
	if recovery != nil && *recovery != u.Recovery {
		u.Recovery = *recovery
		u.LastUpdated = now
	}
	return snapshotUser(u), nil
}

// ChangePassword is POST /api/v1/users/{id}/credentials/change_password:
// the old password must be the user's, the new one must meet the password
// policy; both failures are 403 E0000014 and change nothing. Only STAGED,
// ACTIVE, PASSWORD_EXPIRED and RECOVERY users with a password can change
// it (403 E0000038 otherwise). A PASSWORD_EXPIRED user becomes ACTIVE. The
// new password is synced to the apps that sync the Okta password
// (OKTA-PASSWORD-2). OAPI-USER-3.
func (m *Model) ChangePassword(o *Org, idOrLogin, oldPassword, newPassword string) (*User, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, err := o.user(idOrLogin)
	if err != nil {
		return nil, err
	}
	switch u.Status {
	case StatusStaged, StatusActive, StatusPasswordExpired, StatusRecovery:
	default:
		return nil, errOperationNotAllowed("change_password: not allowed for a user with status " + u.Status)
	}
	if !u.HasPassword {
		return nil, errOperationNotAllowed("change_password: the user has no password")
	}
	// An imported hash cannot be checked here (PasswordHash is ""): as a
	// wrong old password.
	if u.PasswordHash == "" || !secret.PasswordMatches(u.PasswordHash, oldPassword) {
		return nil, errCredentialsUpdate("oldPassword: The credentials provided were incorrect.")
	}
	if !passwordOK(newPassword) {
		return nil, errCredentialsUpdate("password: " + passwordPolicy)
	}
	now := m.now()
	u.PasswordHash = secret.HashPassword(newPassword)
	u.PasswordChanged, u.LastUpdated = timePtr(now), now
	if u.Status == StatusPasswordExpired {
		u.Status, u.StatusChanged = StatusActive, timePtr(now)
	}
	o.changes.Put(kindUser, u.ID)
	m.logAPI(o, "user.account.update_password", "Update password for Okta user", userTarget(u))
	m.passwordChanged(o, u, newPassword)
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
	if o.isAdmin(u) {
		return false, errAdminProtected()
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
			o.changes.Put(kindGroup, gid)
			o.changes.Put(kindMember, pairKey(gid, u.ID))
			o.rulesForgetMember(gid, u.ID)
		}
	}
	o.changes.Put(kindUser, u.ID)
	delete(o.users, u.ID)
	if o.byLogin[lower(u.Login())] == u.ID {
		delete(o.byLogin, lower(u.Login()))
	}
	if i := slices.Index(o.userOrder, u.ID); i >= 0 {
		o.userOrder = slices.Delete(o.userOrder, i, i+1)
	}
	return true, nil
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
