package mockatlassian

import (
	"strings"
	"time"
	"unicode"
)

// What the Organizations and User management REST APIs do to accounts:
// managed accounts with their product access and activity, suspending and
// restoring access, removing a user from the directory, the profile and
// lifecycle of a managed account, and its API tokens. Every method takes
// the acting Actor so the audit log says who did it.

// ProductUse is one product an account can use, with where it is and when
// the account last used it.
type ProductUse struct {
	SiteID     string
	SiteName   string
	Key        string
	Name       string
	ResourceID string    // the workspace ARI (groupadmin.go)
	LastActive time.Time // zero: never
}

// AccountAdminView is an account as the admin APIs see it.
type AccountAdminView struct {
	ID, Email, Name, Nickname       string
	Title, Department, Organization string
	Timezone, Locale                string
	Active, Suspended, Managed      bool
	Directories                     []string // SCIM directories it is linked through
	Origin                          string
	Created, LastActive             time.Time
	Products                        []ProductUse
	Groups                          []GroupRef
}

// GroupRef names a group.
type GroupRef struct {
	ID, Name string
}

// Synced reports whether an identity provider manages the account.
func (v AccountAdminView) Synced() bool { return len(v.Directories) > 0 }

// adminView builds an account's admin view. Caller holds o.mu.
func (o *Org) adminView(a *Account) AccountAdminView {
	v := AccountAdminView{ID: a.ID, Email: a.Email, Name: a.DisplayName, Nickname: a.NickName, Title: a.Title,
		Department: a.Department, Organization: a.Organization, Timezone: a.Timezone, Locale: a.Language,
		Active: a.Active, Suspended: a.Suspended, Managed: o.managed(a.Email), Origin: a.Origin,
		Created: a.Created, LastActive: a.LastActive, Directories: sortedKeys(a.links), Products: []ProductUse{}, Groups: []GroupRef{}}
	if v.Name == "" {
		// Atlassian shows a name for every account; the email's local
		// part stands in, as a new account's name does.
		v.Name, _, _ = strings.Cut(a.Email, "@")
	}
	v.Products = append(v.Products, o.productUse(a)...)
	for _, gid := range o.groupOrder {
		if g := o.groups[gid]; o.inGroup(a, g, false) {
			v.Groups = append(v.Groups, GroupRef{ID: g.ID, Name: g.Name})
		}
	}
	return v
}

// productUse lists the products an account's groups grant, site by site,
// with its last activity on each. Caller holds o.mu.
func (o *Org) productUse(a *Account) []ProductUse {
	var out []ProductUse
	if !a.Active || a.Suspended {
		return out
	}
	for _, sid := range o.siteOrder {
		s := o.sites[sid]
		for _, key := range s.order {
			p := s.products[key]
			for gid := range p.accessGroups {
				if g := o.groups[gid]; g != nil && o.inGroup(a, g, true) {
					out = append(out, ProductUse{SiteID: s.ID, SiteName: s.Name, Key: key, Name: p.Name,
						ResourceID: resourceARI(s, key), LastActive: a.activity[s.ID+"/"+key]})
					break
				}
			}
		}
	}
	return out
}

// ManagedAccounts lists the organization's managed accounts (email on a
// verified domain), in creation order.
func (m *Model) ManagedAccounts(orgID string) ([]AccountAdminView, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []AccountAdminView{}
	for _, id := range o.acctOrder {
		if a := o.accounts[id]; o.managed(a.Email) {
			out = append(out, o.adminView(a))
		}
	}
	return out, nil
}

// AdminAccount returns one account of the organization.
func (m *Model) AdminAccount(orgID, accountID string) (AccountAdminView, error) {
	var out AccountAdminView
	err := m.withAccount(orgID, accountID, func(o *Org, a *Account) error {
		out = o.adminView(a)
		return nil
	})
	return out, err
}

// withAccount runs fn on an account of the organization, under its lock.
func (m *Model) withAccount(orgID, accountID string, fn func(o *Org, a *Account) error) error {
	o, err := m.org(orgID)
	if err != nil {
		return notFoundOf(resOrg, "Organization %s not found", orgID)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.accounts[accountID]
	if !ok {
		return notFoundOf(resUser, "User %s not found in organization %s", accountID, orgID)
	}
	return fn(o, a)
}

// SuspendAccess suspends (or, with suspend false, restores) an account's
// access to the organization: it keeps its groups and roles but no product
// grants it anything meanwhile, and it cannot sign in.
func (m *Model) SuspendAccess(orgID, accountID string, suspend bool, actor Actor) error {
	return m.withAccount(orgID, accountID, func(o *Org, a *Account) error {
		m.suspendLocked(o, a, suspend, actor)
		return nil
	})
}

func (m *Model) suspendLocked(o *Org, a *Account, suspend bool, actor Actor) {
	if a.Suspended == suspend {
		return
	}
	a.Suspended = suspend
	o.changes.Put(kindAccount, a.ID)
	if suspend {
		m.audit(o, ActionUserAccessSuspended, actor, "Suspended access of "+a.Email, []EventObject{userObject(a)})
	} else {
		m.audit(o, ActionUserAccessRestored, actor, "Restored access of "+a.Email, []EventObject{userObject(a)})
	}
}

// RemoveFromDirectory removes an account from the organization: its local
// group memberships and product access go, and the organization no longer
// lists it. An account that an identity provider manages through SCIM is
// refused: removing it is the identity provider's job
// (ATL-DIRECTORY-3).
func (m *Model) RemoveFromDirectory(orgID, accountID string, actor Actor) error {
	return m.withAccount(orgID, accountID, func(o *Org, a *Account) error {
		return m.removeLocked(o, a, actor)
	})
}

func (m *Model) removeLocked(o *Org, a *Account, actor Actor) error {
	if len(a.links) > 0 {
		e := adminErr(AdminForbidden, resUser, "User %s is managed by an identity provider (SCIM directory %s): remove them there",
			a.ID, strings.Join(sortedKeys(a.links), ", "))
		e.Reason = "externalDirectory.scim"
		return e
	}
	for _, g := range o.groups {
		if g.members[a.ID] {
			delete(g.members, a.ID)
			o.changes.Put(kindGroupMember, memberKey(g.ID, a.ID))
		}
	}
	o.changes.Put(kindAccount, a.ID)
	m.audit(o, ActionUserRemovedFromOrg, actor, "Removed "+a.Email+" from the directory", []EventObject{userObject(a)})
	delete(o.accounts, a.ID)
	delete(o.acctByEmail, strings.ToLower(a.Email))
	o.acctOrder = remove(o.acctOrder, a.ID)
	return nil
}

// RecordActivity notes that an account used a product on a site at a time
// (a simulated product visit; what last-active dates report).
func (m *Model) RecordActivity(orgID, account, site, product string, at time.Time) (AccountAdminView, error) {
	o, err := m.org(orgID)
	if err != nil {
		return AccountAdminView{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.account(account)
	if err != nil {
		return AccountAdminView{}, err
	}
	s, err := o.site(site)
	if err != nil {
		return AccountAdminView{}, err
	}
	if _, ok := s.products[product]; !ok {
		return AccountAdminView{}, errNotFound("%s is not on site %s", product, s.Name)
	}
	if at.IsZero() {
		at = m.now()
	}
	at = at.UTC()
	if a.activity == nil {
		a.activity = map[string]time.Time{}
	}
	a.activity[s.ID+"/"+product] = at
	if at.After(a.LastActive) {
		a.LastActive = at
	}
	o.changes.Put(kindAccount, a.ID)
	return o.adminView(a), nil
}

// managedAccount finds an account that the user management API may act on:
// one of the organization's, and managed by it (ATL-MANAGE-2).
func (o *Org) managedAccount(accountID string) (*Account, error) {
	a, ok := o.accounts[accountID]
	if !ok {
		return nil, notFoundOf(resUser, "Account %s not found", accountID)
	}
	if !o.managed(a.Email) {
		e := adminErr(AdminForbidden, resUser, "Account %s is not a managed account of this organization: verify the domain of %s first", accountID, a.Email)
		e.Reason = "targetUnverified"
		return nil, e
	}
	return a, nil
}

// withManaged runs fn on a managed account, under the org lock.
func (m *Model) withManaged(orgID, accountID string, fn func(o *Org, a *Account) error) error {
	o, err := m.org(orgID)
	if err != nil {
		return notFoundOf(resOrg, "Organization %s not found", orgID)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.managedAccount(accountID)
	if err != nil {
		return err
	}
	return fn(o, a)
}

// ManagedProfile returns a managed account's profile.
func (m *Model) ManagedProfile(orgID, accountID string) (AccountAdminView, error) {
	var out AccountAdminView
	err := m.withManaged(orgID, accountID, func(o *Org, a *Account) error {
		out = o.adminView(a)
		return nil
	})
	return out, err
}

// ProfilePatch is a change to a managed account's profile; nil fields stay.
type ProfilePatch struct {
	Name, Nickname, Timezone, Locale *string
	Title, Department, Organization  *string
}

// scimOwned lists the profile fields an identity provider writes through
// SCIM: for a synced account only it may change them.
var scimOwned = map[string]bool{"name": true, "nickname": true, "zoneinfo": true, "locale": true,
	"extended_profile.job_title": true, "extended_profile.department": true, "extended_profile.organization": true}

// UpdateProfile changes a managed account's profile. Fields an identity
// provider syncs cannot be changed on a synced account unless
// Options.SyncedProfileWritable; constraints follow Atlassian's (name at most
// 100 characters, nickname 30, no control characters).
func (m *Model) UpdateProfile(orgID, accountID string, p ProfilePatch, actor Actor) (AccountAdminView, error) {
	fields := []struct {
		name string
		val  *string
		max  int
		dst  func(a *Account) *string
	}{
		{"name", p.Name, 100, func(a *Account) *string { return &a.DisplayName }},
		{"nickname", p.Nickname, 30, func(a *Account) *string { return &a.NickName }},
		{"zoneinfo", p.Timezone, 64, func(a *Account) *string { return &a.Timezone }},
		{"locale", p.Locale, 35, func(a *Account) *string { return &a.Language }},
		{"extended_profile.job_title", p.Title, 255, func(a *Account) *string { return &a.Title }},
		{"extended_profile.department", p.Department, 255, func(a *Account) *string { return &a.Department }},
		{"extended_profile.organization", p.Organization, 255, func(a *Account) *string { return &a.Organization }},
	}
	var bad []FieldViolation
	for _, f := range fields {
		if f.val == nil {
			continue
		}
		var v []string
		if len([]rune(*f.val)) > f.max {
			v = append(v, "maxLength")
		}
		if strings.IndexFunc(*f.val, unicode.IsControl) >= 0 {
			v = append(v, "validCharacters")
		}
		if len(v) > 0 {
			bad = append(bad, FieldViolation{Field: f.name, Violations: v})
		}
	}
	if len(bad) > 0 {
		e := invalidOf(resBody, "Some fields do not meet their constraints")
		e.Fields = bad
		return AccountAdminView{}, e
	}
	var out AccountAdminView
	err := m.withManaged(orgID, accountID, func(o *Org, a *Account) error {
		if len(a.links) > 0 && !m.opts.SyncedProfileWritable {
			for _, f := range fields {
				if f.val != nil && scimOwned[f.name] && *f.val != *f.dst(a) {
					e := adminErr(AdminForbidden, resUser, "%s of account %s is managed by your identity provider", f.name, a.ID)
					e.Reason = "externalDirectory.scim"
					e.Fields = []FieldViolation{{Field: f.name}}
					return e
				}
			}
		}
		before := profileOf(a)
		for _, f := range fields {
			if f.val != nil {
				*f.dst(a) = *f.val
			}
		}
		if profileOf(a) != before {
			o.changes.Put(kindAccount, a.ID)
			m.audit(o, ActionUserUpdated, actor, "Updated account details of "+a.Email, []EventObject{userObject(a)})
		}
		out = o.adminView(a)
		return nil
	})
	return out, err
}

// SetAccountEnabled is the user management API's lifecycle enable and
// disable. An account an identity provider manages is deactivated and
// reactivated through SCIM, so it is refused here unless
// Options.SyncedProfileWritable (ATL-MANAGE-2).
func (m *Model) SetAccountEnabled(orgID, accountID string, enabled bool, actor Actor) error {
	return m.withManaged(orgID, accountID, func(o *Org, a *Account) error {
		if len(a.links) > 0 && !m.opts.SyncedProfileWritable {
			e := adminErr(AdminForbidden, resUser, "Account %s is managed by your identity provider: deactivate or reactivate it there", a.ID)
			e.Reason = "externalDirectory.scim"
			return e
		}
		was := a.Active
		a.Active = enabled
		o.changes.Put(kindAccount, a.ID)
		m.auditActive(o, actor, was, a)
		return nil
	})
}

// Permission is whether the caller may do something to an account, and if
// not, why (a reason key).
type Permission struct {
	Allowed bool
	Reason  string
}

// AccountPermissions is GET /users/{id}/manage: what the organization may
// do to the account. profile.write is per field.
func (m *Model) AccountPermissions(orgID, accountID string) (map[string]Permission, map[string]Permission, error) {
	simple := map[string]Permission{}
	fields := map[string]Permission{}
	err := m.withManaged(orgID, accountID, func(o *Org, a *Account) error {
		synced := len(a.links) > 0 && !m.opts.SyncedProfileWritable
		for _, f := range []string{"name", "nickname", "zoneinfo", "locale", "extended_profile.job_title",
			"extended_profile.department", "extended_profile.organization", "extended_profile.location"} {
			if synced && scimOwned[f] {
				fields[f] = Permission{Reason: "externalDirectory.scim"}
			} else {
				fields[f] = Permission{Allowed: true}
			}
		}
		idp := Permission{Allowed: true}
		if synced {
			idp = Permission{Reason: "externalDirectory.scim"}
		}
		simple["profile.read"] = Permission{Allowed: true}
		simple["email.set"] = idp
		simple["lifecycle.enablement"] = idp
		simple["lifecycle.delete"] = Permission{Reason: "administrative"}
		simple["apiToken.read"] = Permission{Allowed: true}
		simple["apiToken.delete"] = Permission{Allowed: true}
		return nil
	})
	return simple, fields, err
}

// UserAPIToken is an account's personal API token, as the user management
// API lists it. The secret itself is only ever shown when made (/_sim/).
type UserAPIToken struct {
	ID         string     `json:"id"`
	Label      string     `json:"label"`
	Created    time.Time  `json:"createdAt"`
	LastAccess *time.Time `json:"lastAccess,omitempty"`
}

// AccountAPITokens lists a managed account's API tokens.
func (m *Model) AccountAPITokens(orgID, accountID string) ([]UserAPIToken, error) {
	out := []UserAPIToken{}
	err := m.withManaged(orgID, accountID, func(o *Org, a *Account) error {
		for _, t := range a.tokens {
			out = append(out, *t)
		}
		return nil
	})
	return out, err
}

// RevokeAccountAPIToken deletes one of a managed account's API tokens.
func (m *Model) RevokeAccountAPIToken(orgID, accountID, tokenID string) error {
	return m.withManaged(orgID, accountID, func(o *Org, a *Account) error {
		for i, t := range a.tokens {
			if t.ID == tokenID {
				a.tokens = append(a.tokens[:i:i], a.tokens[i+1:]...)
				o.changes.Put(kindAccount, a.ID)
				return nil
			}
		}
		return notFoundOf(resToken, "API token %s not found", tokenID)
	})
}

// CreateAccountAPIToken gives an account a personal API token, as the
// person would at id.atlassian.com. Atlassian does not let the org see it;
// provsim returns it once and keeps no copy, since nothing here accepts it.
func (m *Model) CreateAccountAPIToken(orgID, account, label string) (UserAPIToken, string, error) {
	label = strings.TrimSpace(label)
	if label == "" {
		return UserAPIToken{}, "", errInvalid("label is required")
	}
	o, err := m.org(orgID)
	if err != nil {
		return UserAPIToken{}, "", err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.account(account)
	if err != nil {
		return UserAPIToken{}, "", err
	}
	t := &UserAPIToken{ID: m.ids.UUID(), Label: label, Created: m.now()}
	a.tokens = append(a.tokens, t)
	o.changes.Put(kindAccount, a.ID)
	return *t, "ATATT3x" + m.ids.Token(40), nil
}

// accountsIn lists the accounts of a directory ("-": every account of the
// organization) in creation order. Caller holds o.mu.
func (o *Org) accountsIn(dirID string) ([]*Account, error) {
	if dirID != "-" {
		if _, ok := o.directories[dirID]; !ok {
			return nil, notFoundOf(resDirectory, "Directory %s not found", dirID)
		}
	}
	var out []*Account
	for _, id := range o.acctOrder {
		a := o.accounts[id]
		if _, linked := a.links[dirID]; dirID == "-" || linked {
			out = append(out, a)
		}
	}
	return out, nil
}

// AccountFilter selects accounts in the v2 directory user search; empty
// fields match everything.
type AccountFilter struct {
	AccountIDs, Emails, EmailDomains []string
	Statuses, AccountStatuses        []string
	MembershipStatuses               []string
	ClaimStatus                      string
	GroupIDs, ResourceIDs            []string
	SearchTerm                       string
}

// V2Status is the composite status of the v2 directory API.
func (v AccountAdminView) V2Status() string {
	switch {
	case !v.Active:
		return "deactivated"
	case v.Suspended:
		return "suspended"
	}
	return "active"
}

func (f AccountFilter) match(v AccountAdminView) bool {
	domain := ""
	if _, d, ok := strings.Cut(strings.ToLower(v.Email), "@"); ok {
		domain = d
	}
	membership := "active"
	if v.Suspended {
		membership = "suspended"
	}
	accountStatus := "active"
	if !v.Active {
		accountStatus = "inactive"
	}
	claim := "unmanaged"
	if v.Managed {
		claim = "managed"
	}
	switch {
	case len(f.AccountIDs) > 0 && !contains(f.AccountIDs, v.ID),
		len(f.Emails) > 0 && !containsFold(f.Emails, v.Email),
		len(f.EmailDomains) > 0 && !containsFold(f.EmailDomains, domain),
		len(f.Statuses) > 0 && !contains(f.Statuses, v.V2Status()),
		len(f.AccountStatuses) > 0 && !contains(f.AccountStatuses, accountStatus),
		len(f.MembershipStatuses) > 0 && !contains(f.MembershipStatuses, membership),
		f.ClaimStatus != "" && f.ClaimStatus != claim:
		return false
	}
	if len(f.GroupIDs) > 0 && !anyGroup(v.Groups, f.GroupIDs) {
		return false
	}
	if len(f.ResourceIDs) > 0 && !anyResource(v.Products, f.ResourceIDs) {
		return false
	}
	if t := strings.ToLower(f.SearchTerm); t != "" &&
		!strings.Contains(strings.ToLower(v.Name), t) && !strings.Contains(strings.ToLower(v.Email), t) && !strings.Contains(strings.ToLower(v.Nickname), t) {
		return false
	}
	return true
}

func anyGroup(groups []GroupRef, ids []string) bool {
	for _, g := range groups {
		if contains(ids, g.ID) {
			return true
		}
	}
	return false
}

func anyResource(products []ProductUse, ids []string) bool {
	for _, p := range products {
		if contains(ids, p.ResourceID) {
			return true
		}
	}
	return false
}

// DirectoryAccounts lists the accounts of a directory ("-": all) that
// match the filter, in creation order.
func (m *Model) DirectoryAccounts(orgID, dirID string, f AccountFilter) ([]AccountAdminView, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	accts, err := o.accountsIn(dirID)
	if err != nil {
		return nil, err
	}
	out := []AccountAdminView{}
	for _, a := range accts {
		if v := o.adminView(a); f.match(v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// DirectoryAccount returns one account of a directory ("-": any).
func (m *Model) DirectoryAccount(orgID, dirID, accountID string) (AccountAdminView, error) {
	o, err := m.org(orgID)
	if err != nil {
		return AccountAdminView{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	accts, err := o.accountsIn(dirID)
	if err != nil {
		return AccountAdminView{}, err
	}
	for _, a := range accts {
		if a.ID == accountID {
			return o.adminView(a), nil
		}
	}
	return AccountAdminView{}, notFoundOf(resUser, "User %s not found in directory %s", accountID, dirID)
}

// inDirectory checks that an account is in a directory ("-": any).
// Caller holds o.mu.
func (o *Org) inDirectory(dirID string, a *Account) error {
	if dirID == "-" {
		return nil
	}
	if _, ok := o.directories[dirID]; !ok {
		return notFoundOf(resDirectory, "Directory %s not found", dirID)
	}
	if _, ok := a.links[dirID]; !ok {
		return notFoundOf(resUser, "User %s not found in directory %s", a.ID, dirID)
	}
	return nil
}

// SuspendInDirectory is the v2 suspend/restore: SuspendAccess for an
// account of the given directory.
func (m *Model) SuspendInDirectory(orgID, dirID, accountID string, suspend bool, actor Actor) error {
	return m.withAccount(orgID, accountID, func(o *Org, a *Account) error {
		if err := o.inDirectory(dirID, a); err != nil {
			return err
		}
		m.suspendLocked(o, a, suspend, actor)
		return nil
	})
}

// RemoveFromDirectoryV2 is the v2 remove: RemoveFromDirectory for an
// account of the given directory.
func (m *Model) RemoveFromDirectoryV2(orgID, dirID, accountID string, actor Actor) error {
	return m.withAccount(orgID, accountID, func(o *Org, a *Account) error {
		if err := o.inDirectory(dirID, a); err != nil {
			return err
		}
		return m.removeLocked(o, a, actor)
	})
}
