package mockatlassian

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/provsim/provsim/internal/scim"
)

// userSchemas is the schemas list of every user response, in the observed
// order (SCIM-USER-1).
var userSchemas = []string{scim.AtlassianExternalSchema, scim.UserSchema, scim.EnterpriseUserSchema}

func emailConflict(email string) error {
	return scim.Conflict("Resource [USER]: with email[%s] already exists.", email)
}

func userNotFound(id string) error {
	return scim.NotFound("Resource [USER]: with id[%s] not found.", id)
}

// renderUser builds the wire form of a stored user. Caller holds the lock.
func (m *Model) renderUser(d *Directory, r *userRecord) scim.User {
	u := r.res
	u.Schemas = userSchemas
	active := r.res.IsActive()
	u.Active = &active
	u.Groups = make([]scim.Ref, 0, len(r.groups))
	for _, gid := range sortedKeys(r.groups) {
		if g, ok := d.groups[gid]; ok {
			u.Groups = append(u.Groups, scim.Ref{Value: gid, Display: g.displayName, Ref: m.groupLocation(d, gid)})
		}
	}
	u.Meta = &scim.Meta{ResourceType: "User", Location: m.userLocation(d, u.ID),
		Created: scim.Timestamp(r.created), LastModified: scim.Timestamp(r.modified)}
	if r.account != "" {
		u.Atlassian = &scim.AtlassianExternal{AtlassianAccountID: r.account}
	}
	return u
}

// normalizeUser checks a create or replace body and strips what clients may
// not set. Atlassian requires userName and emails with one primary (SCIM-USER-3;
// SailPoint's "one email address has to be marked as the primary").
func normalizeUser(in scim.User) (scim.User, error) {
	if len(in.Schemas) > 0 && !containsFold(in.Schemas, scim.UserSchema) {
		return in, scim.Invalid(scim.TypeInvalidSyntax, "schemas must include %s", scim.UserSchema)
	}
	in.UserName = strings.TrimSpace(in.UserName)
	if in.UserName == "" {
		return in, scim.Invalid(scim.TypeInvalidValue, "userName is required")
	}
	if len(in.Emails) == 0 {
		return in, scim.Invalid(scim.TypeInvalidValue, "emails is required: one email address has to be marked as the primary")
	}
	primaries := 0
	for i, e := range in.Emails {
		if err := validEmail(e.Value); err != nil {
			return in, scim.Invalid(scim.TypeInvalidValue, "emails[%d].value %q is not a valid email address", i, e.Value)
		}
		if e.Primary {
			primaries++
		}
	}
	if primaries != 1 {
		return in, scim.Invalid(scim.TypeInvalidValue, "one email address has to be marked as the primary (found %d)", primaries)
	}
	for i, p := range in.PhoneNumbers {
		if strings.TrimSpace(p.Value) == "" {
			return in, scim.Invalid(scim.TypeInvalidValue, "phoneNumbers[%d].value is required", i)
		}
	}
	if in.Active == nil {
		t := true
		in.Active = &t
	}
	if in.Name != nil && *in.Name == (scim.Name{}) {
		in.Name = nil
	}
	if in.Enterprise != nil && *in.Enterprise == (scim.EnterpriseUser{}) {
		in.Enterprise = nil
	}
	// Read-only attributes are ignored when sent (SCIM-USER-4: "ignored if sent").
	in.Schemas, in.ID, in.Meta, in.Groups, in.Atlassian = nil, "", nil, nil, nil
	return in, nil
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

// liveUser returns a user that exists and is not legacy-deleted.
func (d *Directory) liveUser(id string) (*userRecord, error) {
	r, ok := d.users[id]
	if !ok || r.deleted {
		return nil, userNotFound(id)
	}
	return r, nil
}

// CreateUser provisions a user (POST /Users): 201 with the resource, linked
// to the Atlassian account with the same email or to a new one.
func (m *Model) CreateUser(dirID string, in scim.User) (scim.User, error) {
	in, err := normalizeUser(in)
	if err != nil {
		return scim.User{}, err
	}
	var out scim.User
	err = m.locked(dirID, func(d *Directory) error {
		// Under the legacy DELETE mode a deleted user comes back with its old
		// id when provisioned again ("404 until activated again", SCIM-USER-7).
		var revive *userRecord
		if id, ok := d.byEmail[strings.ToLower(in.PrimaryEmail())]; ok && d.users[id].deleted {
			revive = d.users[id]
		} else if id, ok := d.byUserName[strings.ToLower(in.UserName)]; ok && d.users[id].deleted {
			revive = d.users[id]
		}
		if revive != nil {
			revive.deleted = false
			d.live++
			r, err := m.writeUser(d, revive, in)
			if err != nil {
				revive.deleted = true
				d.live--
				return err
			}
			out = m.renderUser(d, r)
			return nil
		}
		r, err := m.writeUser(d, nil, in)
		if err != nil {
			return err
		}
		out = m.renderUser(d, r)
		return nil
	})
	return out, err
}

// GetUser returns one user.
func (m *Model) GetUser(dirID, id string) (scim.User, error) {
	var out scim.User
	err := m.locked(dirID, func(d *Directory) error {
		r, err := d.liveUser(id)
		if err != nil {
			return err
		}
		out = m.renderUser(d, r)
		return nil
	})
	return out, err
}

// Page is one page of a list.
type Page struct {
	StartIndex int // 1-based, as requested (at least 1)
	Count      int // as requested, clamped to the page size
}

// clampPage applies Atlassian's paging: 1-based startIndex (values below 1
// mean 1, RFC 7644 §3.4.2.4) and a count that defaults to and is capped at
// the page size, 100 (SCIM-PAGE-1).
func (m *Model) clampPage(startIndex, count int) Page {
	if startIndex < 1 {
		startIndex = 1
	}
	if count < 0 {
		count = 0
	}
	if count > m.opts.PageSize {
		count = m.opts.PageSize
	}
	return Page{StartIndex: startIndex, Count: count}
}

// ListUsers returns users matching an optional filter and the total count.
// count < 0 means "not given" and takes the default page size.
func (m *Model) ListUsers(dirID string, f *scim.EqFilter, startIndex, count int) (int, Page, []scim.User, error) {
	if count < 0 {
		count = m.opts.PageSize
	}
	p := m.clampPage(startIndex, count)
	var total int
	var out []scim.User
	err := m.locked(dirID, func(d *Directory) error {
		var ids []string
		switch {
		case f == nil:
			ids = d.userOrder
		case f.Attribute == "userName":
			// userName matches case-insensitively (RFC 7643 caseExact false;
			// SCIM-FILTER-2).
			if id, ok := d.byUserName[strings.ToLower(f.Value)]; ok {
				ids = []string{id}
			}
		case f.Attribute == "externalId":
			// externalId is caseExact and not unique (SCIM-USER-5); its index
			// keeps the lookup O(1) as the directory grows.
			ids = d.byExtID[f.Value]
		}
		live := ids[:0:0]
		for _, id := range ids {
			if !d.users[id].deleted {
				live = append(live, id)
			}
		}
		total = len(live)
		for i := p.StartIndex - 1; i < len(live) && len(out) < p.Count; i++ {
			out = append(out, m.renderUser(d, d.users[live[i]]))
		}
		return nil
	})
	return total, p, out, err
}

// ReplaceUser is PUT /Users/{id}: a full replace; attributes not sent are
// cleared, userName and emails are required (SCIM-USER-4).
func (m *Model) ReplaceUser(dirID, id string, in scim.User) (scim.User, error) {
	in, err := normalizeUser(in)
	if err != nil {
		return scim.User{}, err
	}
	var out scim.User
	err = m.locked(dirID, func(d *Directory) error {
		r, err := d.liveUser(id)
		if err != nil {
			return err
		}
		if r, err = m.writeUser(d, r, in); err != nil {
			return err
		}
		out = m.renderUser(d, r)
		return nil
	})
	return out, err
}

// PatchUser is PATCH /Users/{id}: operations apply to the current resource
// as a whole or not at all, then the result is written like a PUT.
func (m *Model) PatchUser(dirID, id string, ops []scim.PatchOperation) (scim.User, error) {
	var out scim.User
	err := m.locked(dirID, func(d *Directory) error {
		r, err := d.liveUser(id)
		if err != nil {
			return err
		}
		in, err := patchedUser(m.renderUser(d, r), ops)
		if err != nil {
			return err
		}
		if r, err = m.writeUser(d, r, in); err != nil {
			return err
		}
		out = m.renderUser(d, r)
		return nil
	})
	return out, err
}

// patchedUser applies PATCH operations to a rendered user and checks the
// result as a write. A PATCH that only sets active (Okta's deactivation and
// reactivation, OKTA-DEACT-2) is applied to the user directly: through the
// PATCH engine it cost a JSON round trip of the whole user, most of the
// request's CPU in the bench's profile, to change one flag. Any other PATCH
// goes through the engine.
func patchedUser(base scim.User, ops []scim.PatchOperation) (scim.User, error) {
	if active, ok := scim.OnlyActive(ops); ok {
		base.Active = &active
		if len(base.PhoneNumbers) == 0 {
			base.PhoneNumbers = nil // as the engine's JSON round trip leaves an empty list
		}
		return normalizeUser(base)
	}
	return enginePatchedUser(base, ops)
}

// enginePatchedUser is patchedUser through the PATCH engine, whatever ops.
func enginePatchedUser(base scim.User, ops []scim.PatchOperation) (scim.User, error) {
	doc, err := toDoc(base)
	if err != nil {
		return scim.User{}, err
	}
	patched, err := scim.ApplyPatch(doc, scim.UserResourceSchema, ops)
	if err != nil {
		return scim.User{}, err
	}
	var in scim.User
	if err := fromDoc(patched, &in); err != nil {
		return scim.User{}, err
	}
	return normalizeUser(in)
}

// DeleteUser is DELETE /Users/{id}. By default (current semantics) the SCIM
// record is deleted, the account unlinked and deactivated when managed; a
// later POST gets a new id and re-links by email. Under DeleteDeactivates
// (2022–2023) it equals active:false and the user answers 404 until
// provisioned again (SCIM-USER-7).
func (m *Model) DeleteUser(dirID, id string) error {
	return m.locked(dirID, func(d *Directory) error {
		r, err := d.liveUser(id)
		if err != nil {
			return err
		}
		o := d.org
		if a := o.accounts[r.account]; a != nil && o.managed(a.Email) {
			was := a.Active
			a.Active = false
			o.changes.Put(kindAccount, a.ID)
			m.auditActive(o, directoryActor(d), was, a)
		}
		r.modified = m.now()
		o.changes.Put(kindUser, dirKey(d.ID, id))
		if m.opts.DeleteMode == DeleteDeactivates {
			f := false
			r.res.Active = &f
			r.deleted = true
			d.live--
			return nil
		}
		if a := o.accounts[r.account]; a != nil {
			delete(a.links, d.ID)
		}
		d.removeUser(r)
		return nil
	})
}

// removeUser drops a record and every index and membership pointing at it.
func (d *Directory) removeUser(r *userRecord) {
	if !r.deleted {
		d.live--
	}
	d.org.changes.Put(kindUser, dirKey(d.ID, r.res.ID))
	d.stripGroups(r)
	delete(d.users, r.res.ID)
	d.unindex(r)
	d.userOrder = remove(d.userOrder, r.res.ID)
}

// stripGroups removes a user from all its SCIM groups.
func (d *Directory) stripGroups(r *userRecord) {
	for gid := range r.groups {
		if g, ok := d.groups[gid]; ok {
			delete(g.members, r.res.ID)
			g.view.remove(r.res.ID)
			d.org.changes.Put(kindSCIMMember, scimMemberKey(d.ID, gid, r.res.ID))
		}
	}
	r.groups = map[string]bool{}
}

// accountPlan is what a user write will do to Atlassian accounts, decided
// before anything changes so that a rejected write changes nothing.
type accountPlan struct {
	link   *Account // link to this existing account
	create bool     // create a new account for the primary email
	moveTo string   // change the linked account's email to this
	unlink bool     // unlink the account and strip SCIM group memberships
	nosync bool     // over the directory limit: keep the record unlinked
}

// writeUser validates uniqueness, plans the account effects, then applies
// the write. r is nil for a new user. Caller holds the org lock.
func (m *Model) writeUser(d *Directory, r *userRecord, in scim.User) (*userRecord, error) {
	o := d.org
	email := in.PrimaryEmail()
	lowerEmail := strings.ToLower(email)
	selfID := ""
	if r != nil {
		selfID = r.res.ID
	}
	// Email is Atlassian's identity; it is checked before userName so the
	// client sees the observed message (SCIM-ERR-2).
	if id, ok := d.byEmail[lowerEmail]; ok && id != selfID {
		return nil, emailConflict(email)
	}
	if id, ok := d.byUserName[strings.ToLower(in.UserName)]; ok && id != selfID {
		return nil, scim.Conflict("Resource [USER]: with userName[%s] already exists.", in.UserName)
	}
	var plan accountPlan
	linked := (*Account)(nil)
	if r != nil && r.account != "" {
		linked = o.accounts[r.account]
	}
	switch {
	case linked != nil && strings.EqualFold(linked.Email, email):
		// same identity: profile update only
	case linked != nil:
		if o.managed(linked.Email) && o.managed(email) {
			if id, taken := o.acctByEmail[lowerEmail]; taken && id != linked.ID {
				// The new address belongs to another Atlassian account: one
				// email, one account (SCIM-ERR-2, ATL-ACCOUNT-1).
				return nil, emailConflict(email)
			}
			plan.moveTo = email
		} else {
			// Managed → unverified domain, or any change on an external
			// account: the record is unlinked and loses its SCIM groups
			// (ATL-ACCOUNT-4, ATL-ACCOUNT-5).
			plan.unlink = true
		}
	default:
		if r == nil && d.live >= m.opts.MaxUsersPerDirectory {
			if m.opts.LimitMode == LimitError {
				return nil, scim.Invalid(scim.TypeInvalidValue, "The directory has reached its limit of %d users.", m.opts.MaxUsersPerDirectory)
			}
			plan.nosync = true
			break
		}
		if m.opts.RequireVerifiedDomain && !o.managed(email) {
			return nil, scim.Invalid(scim.TypeInvalidValue, "Users can only be created with an email address on a verified domain: %s", email)
		}
		if id, ok := o.acctByEmail[lowerEmail]; ok {
			a := o.accounts[id]
			if other, ok := a.links[d.ID]; ok && other != selfID {
				return nil, emailConflict(email)
			}
			plan.link = a
		} else {
			plan.create = true
		}
	}

	// Everything below succeeds.
	now := m.now()
	if r == nil {
		in.ID = m.ids.UUID()
		r = &userRecord{created: now, groups: map[string]bool{}}
		d.users[in.ID] = r
		d.userOrder = append(d.userOrder, in.ID)
		d.live++
		o.changes.New(kindUser, dirKey(d.ID, in.ID))
	} else {
		in.ID = r.res.ID
		d.unindex(r)
		o.changes.Put(kindUser, dirKey(d.ID, in.ID))
	}
	r.res = in
	r.modified = now
	d.index(r)

	switch {
	case plan.unlink:
		delete(linked.links, d.ID)
		r.account = ""
		d.stripGroups(r)
		m.opts.Logger.Info("Email update to unmanaged user, unlinked any associated atlassian account",
			"scimUserId", in.ID, "directory", d.ID)
		return r, nil
	case plan.nosync:
		return r, nil
	}
	var before *Account // the account as it was, for the audit log
	if linked != nil {
		copied := *linked
		before = &copied
	} else if plan.link != nil {
		copied := *plan.link
		before = &copied
	}
	switch {
	case plan.moveTo != "":
		o.setAccountEmail(linked, plan.moveTo)
	case plan.create:
		linked = m.newAccount(o, email, "scim")
	case plan.link != nil:
		linked = plan.link
	}
	if linked == nil {
		return r, nil
	}
	r.account = linked.ID
	linked.links[d.ID] = in.ID
	m.syncAccount(o, linked, &in)
	m.auditAccountSync(o, d, before, linked)
	return r, nil
}

// syncAccount copies SCIM attributes to a managed account: active state and
// the profile fields Atlassian syncs (ATL-ACCOUNT-6). External (unmanaged)
// accounts get no attribute updates and cannot be deactivated by the org.
func (m *Model) syncAccount(o *Org, a *Account, u *scim.User) {
	if !o.managed(a.Email) {
		return
	}
	o.changes.Put(kindAccount, a.ID)
	a.Active = u.IsActive()
	a.DisplayName = u.DisplayName
	if a.DisplayName == "" && u.Name != nil {
		// Atlassian builds the name from given + family when displayName is
		// empty (ATL-ACCOUNT-6).
		a.DisplayName = strings.TrimSpace(u.Name.GivenName + " " + u.Name.FamilyName)
	}
	a.NickName, a.Title, a.Timezone, a.Language = u.NickName, u.Title, u.Timezone, u.PreferredLanguage
	a.Department, a.Organization = u.Department, u.Organization
	if u.Enterprise != nil {
		if u.Enterprise.Department != "" {
			a.Department = u.Enterprise.Department
		}
		if u.Enterprise.Organization != "" {
			a.Organization = u.Enterprise.Organization
		}
	}
}

// toDoc and fromDoc move a resource to and from the generic JSON form the
// PATCH engine works on.
func toDoc(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	err = json.Unmarshal(b, &doc)
	return doc, err
}

func fromDoc(doc map[string]any, v any) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return scim.Invalid(scim.TypeInvalidValue, "the patched resource is invalid: %v", err)
	}
	return nil
}

// sortedGroupMembers returns member ids in a stable order. Atlassian does not
// keep insertion order (SCIM-GROUP-4); sorting makes runs repeatable.
func sortedGroupMembers(g *groupRecord) []string {
	ids := make([]string, 0, len(g.members))
	for id := range g.members {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
