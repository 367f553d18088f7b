package mockatlassian

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/internal/secret"
	"github.com/provsim/provsim/internal/store"
)

// Snapshots: a whole server, or some of its organizations, as one versioned
// JSON document holding every record of each (records.go), the same records
// --data-dir stores. Documents of version 1 (one nested document per
// organization) are read too.

// Snapshot exports the named organizations, or every one (in creation
// order) when none is named.
func (m *Model) Snapshot(orgIDs ...string) (store.Document, error) {
	if len(orgIDs) == 0 {
		orgIDs = m.Orgs()
	}
	out := Schema.NewDocument()
	for _, id := range orgIDs {
		o, err := m.org(id)
		if err != nil {
			return store.Document{}, err
		}
		tr, err := store.Collect(id, orgTenant{m, o})
		if err != nil {
			return store.Document{}, err
		}
		out.Orgs = append(out.Orgs, tr)
	}
	return out, nil
}

// RestoreOptions select how a snapshot is applied.
type RestoreOptions struct {
	// ReplaceAll makes the document the whole server: organizations it
	// does not hold are removed. Otherwise each organization in it is
	// added, or replaces the one with its id, and the others stay.
	ReplaceAll bool
}

// Restore imports a snapshot. The whole document is validated first
// (references, unique names, emails, ids and keys, also against the
// organizations that stay); the new organizations are built aside and
// swapped in under the model lock, so an import applies whole or not at
// all. A request already working on a replaced organization finishes on
// the old copy, as if it ran before the import.
func (m *Model) Restore(doc store.Document, opts RestoreOptions) error {
	return m.restore(doc.Orgs, opts, true)
}

// restore builds organizations from their records and swaps them in.
// fresh says whether the store must write them (an import) or already
// holds them (loading --data-dir).
func (m *Model) restore(tenants []store.TenantRecords, opts RestoreOptions, fresh bool) error {
	built := make([]*Org, 0, len(tenants))
	seen := map[string]bool{}
	for i, tr := range tenants {
		if seen[tr.ID] {
			return errInvalid("orgs[%d]: organization %s appears twice", i, tr.ID)
		}
		seen[tr.ID] = true
		o, err := m.buildOrg(tr)
		if err != nil {
			return errInvalid("orgs[%d] (%s): %s", i, tr.ID, scim.AsError(err).Detail)
		}
		built = append(built, o)
	}

	m.mu.Lock()
	// The organizations that stay, and the ids and keys they hold.
	var order []string
	keep := map[string]*Org{}
	var dropped []*Org
	for _, id := range m.orgOrder {
		switch {
		case seen[id]:
			order = append(order, id)
		case opts.ReplaceAll:
			dropped = append(dropped, m.orgs[id])
		default:
			keep[id] = m.orgs[id]
			order = append(order, id)
		}
	}
	orgs := map[string]*Org{}
	dirs := map[string]*Directory{}
	keys := map[secret.Hash]string{}
	orgKeys := map[secret.Hash]string{}
	for id, o := range keep {
		orgs[id] = o
		for _, h := range o.keyHashes() {
			orgKeys[h] = id
		}
	}
	for did, d := range m.dirs {
		if keep[d.org.ID] != nil {
			dirs[did] = d
			keys[d.key] = did
		}
	}
	for _, o := range built {
		for _, h := range o.keyHashes() {
			if other, dup := orgKeys[h]; dup {
				m.mu.Unlock()
				return errConflict("organization %s: one of its API keys is already used by organization %s", o.ID, other)
			}
			orgKeys[h] = o.ID
		}
		for _, did := range o.dirOrder {
			d := o.directories[did]
			if other, dup := dirs[did]; dup {
				m.mu.Unlock()
				return errConflict("directory %s of organization %s already exists in organization %s", did, o.ID, other.org.ID)
			}
			if other, dup := keys[d.key]; dup {
				m.mu.Unlock()
				return errConflict("directory %s of organization %s: its API key is already used by directory %s", did, o.ID, other)
			}
			dirs[did] = d
			keys[d.key] = did
		}
		orgs[o.ID] = o
		if !contains(order, o.ID) {
			order = append(order, o.ID)
		}
		o.changes = m.store.Changes(o.ID, fresh)
	}
	m.orgs, m.orgOrder, m.dirs, m.keys, m.orgKeys = orgs, order, dirs, keys, orgKeys
	m.mu.Unlock()
	// The store deletes what the model no longer has.
	for _, o := range dropped {
		o.mu.Lock()
		o.changes.All()
		o.mu.Unlock()
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func parseHash(what, h string) (secret.Hash, error) {
	var out secret.Hash
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != len(out) {
		return out, errInvalid("%s must be a hex SHA-256 (64 hex digits)", what)
	}
	copy(out[:], b)
	return out, nil
}

// validID refuses ids that cannot be part of a record key.
func validID(what, id string) error {
	if id == "" || strings.Contains(id, "/") {
		return errInvalid("%s id %q must be non-empty without '/'", what, id)
	}
	return nil
}

// decodeAll decodes the records of one kind, as a model error.
func decodeAll[T any](tr store.TenantRecords, kind string) ([]T, error) {
	out, err := store.Decode[T](tr, kind)
	if err != nil {
		return nil, errInvalid("%v", err)
	}
	return out, nil
}

// buildOrg turns an organization's records into a detached Org, checking
// every reference and uniqueness rule the model keeps.
func (m *Model) buildOrg(tr store.TenantRecords) (*Org, error) {
	if err := validID("organization", tr.ID); err != nil {
		return nil, err
	}
	orgRecs, err := decodeAll[OrgRecord](tr, kindOrg)
	if err != nil {
		return nil, err
	}
	if len(orgRecs) != 1 || orgRecs[0].ID != tr.ID {
		return nil, errInvalid("want one %s record, with id %s", kindOrg, tr.ID)
	}
	s := orgRecs[0]
	o := &Org{ID: s.ID, Name: s.Name, Created: s.Created,
		domains: map[string]bool{}, directories: map[string]*Directory{},
		accounts: map[string]*Account{}, acctByEmail: map[string]string{},
		groups: map[string]*OrgGroup{}, groupByName: map[string]string{},
		sites: map[string]*Site{}}
	if s.APIKeyHash != "" {
		h, err := parseHash("apiKeyHash", s.APIKeyHash)
		if err != nil {
			return nil, err
		}
		o.apiKey = &h
	}
	for _, d := range s.Domains {
		if err := validDomain(d.Name); err != nil {
			return nil, err
		}
		lower := strings.ToLower(d.Name)
		if _, dup := o.domains[lower]; dup {
			return nil, errInvalid("domain %s appears twice", d.Name)
		}
		o.domains[lower] = d.Verified
	}
	if r := s.SAML; r != nil {
		in, err := SAMLInput{IdPEntityID: r.IdPEntityID, IdPSSOURL: r.IdPSSOURL, Certificate: r.Certificate}.check()
		if err != nil || r.ID == "" {
			return nil, errInvalid("organization %s: saml: %v", s.ID, err)
		}
		o.saml = &SAMLConfig{ID: r.ID, IdPEntityID: in.IdPEntityID, IdPSSOURL: in.IdPSSOURL, Certificate: in.Certificate}
	}
	if err := buildAccounts(o, tr); err != nil {
		return nil, err
	}
	if err := buildOrgGroups(o, tr); err != nil {
		return nil, err
	}
	if err := m.buildDirectories(o, tr); err != nil {
		return nil, err
	}
	// Every synced org group must be the sync target of its SCIM group.
	for _, gid := range o.groupOrder {
		g := o.groups[gid]
		if g.Source != SourceSCIM {
			continue
		}
		d, ok := o.directories[g.DirectoryID]
		if !ok {
			return nil, errInvalid("group %s: directory %s is not a directory of the organization", g.ID, g.DirectoryID)
		}
		if sg, ok := d.groups[g.SCIMGroupID]; !ok || sg.orgGroup != g.ID {
			return nil, errInvalid("group %s: SCIM group %s of directory %s does not sync to it", g.ID, g.SCIMGroupID, d.ID)
		}
	}
	if err := buildSites(o, tr); err != nil {
		return nil, err
	}
	if err := buildOrgAdmin(o, tr); err != nil {
		return nil, err
	}
	return o, nil
}

func buildAccounts(o *Org, tr store.TenantRecords) error {
	recs, err := decodeAll[AccountRecord](tr, kindAccount)
	if err != nil {
		return err
	}
	for i, as := range recs {
		if err := validID(fmt.Sprintf("accounts[%d]", i), as.ID); err != nil {
			return err
		}
		if _, dup := o.accounts[as.ID]; dup {
			return errInvalid("account %s appears twice", as.ID)
		}
		if err := validEmail(as.Email); err != nil {
			return errInvalid("account %s: %s", as.ID, scim.AsError(err).Detail)
		}
		if other, dup := o.acctByEmail[strings.ToLower(as.Email)]; dup {
			return errInvalid("accounts %s and %s have the same email %s", other, as.ID, as.Email)
		}
		switch as.Origin {
		case "scim", "existing", "sso":
		default:
			return errInvalid("account %s: origin %q: want scim, existing or sso", as.ID, as.Origin)
		}
		a := &Account{ID: as.ID, Email: as.Email, DisplayName: as.DisplayName, NickName: as.NickName, Title: as.Title,
			Department: as.Department, Organization: as.Organization, Timezone: as.Timezone, Language: as.Language,
			Active: as.Active, Origin: as.Origin, Created: as.Created, links: map[string]string{}}
		if err := restoreAccountAdmin(a, as.AccountAdminState); err != nil {
			return err
		}
		o.accounts[a.ID] = a
		o.acctOrder = append(o.acctOrder, a.ID)
		o.acctByEmail[strings.ToLower(a.Email)] = a.ID
	}
	return nil
}

func buildOrgGroups(o *Org, tr store.TenantRecords) error {
	recs, err := decodeAll[OrgGroupRecord](tr, kindGroup)
	if err != nil {
		return err
	}
	for i, gs := range recs {
		if err := validID(fmt.Sprintf("groups[%d]", i), gs.ID); err != nil {
			return err
		}
		if strings.TrimSpace(gs.Name) == "" {
			return errInvalid("groups[%d]: name is required", i)
		}
		if _, dup := o.groups[gs.ID]; dup {
			return errInvalid("group %s appears twice", gs.ID)
		}
		if other, dup := o.groupByName[strings.ToLower(gs.Name)]; dup {
			return errInvalid("groups %s and %s have the same name %s", other, gs.ID, gs.Name)
		}
		switch gs.Source {
		case SourceLocal:
			if gs.DirectoryID != "" || gs.SCIMGroupID != "" {
				return errInvalid("group %s: a local group has no directoryId or scimGroupId", gs.ID)
			}
		case SourceSCIM:
			if gs.Default {
				return errInvalid("group %s: a synced group cannot be a default group", gs.ID)
			}
		default:
			return errInvalid("group %s: source %q: want local or scim", gs.ID, gs.Source)
		}
		g := o.addGroup(gs.ID, gs.Name, gs.Source)
		g.Default, g.DirectoryID, g.SCIMGroupID = gs.Default, gs.DirectoryID, gs.SCIMGroupID
	}
	members, err := decodeAll[OrgGroupMemberRecord](tr, kindGroupMember)
	if err != nil {
		return err
	}
	for _, ms := range members {
		g, ok := o.groups[ms.GroupID]
		if !ok {
			return errInvalid("group member %s: group %s is not a group of the organization", ms.AccountID, ms.GroupID)
		}
		if g.Source != SourceLocal {
			return errInvalid("group %s: a synced group's members are its SCIM group's", g.ID)
		}
		if _, ok := o.accounts[ms.AccountID]; !ok {
			return errInvalid("group %s: member %s is not an account of the organization", g.ID, ms.AccountID)
		}
		if g.members[ms.AccountID] {
			return errInvalid("group %s: member %s appears twice", g.ID, ms.AccountID)
		}
		g.members[ms.AccountID] = true
	}
	return nil
}

// buildDirectories adds the directories: users with their indexes and
// account links, then groups with their members.
func (m *Model) buildDirectories(o *Org, tr store.TenantRecords) error {
	dirRecs, err := decodeAll[DirectoryRecord](tr, kindDirectory)
	if err != nil {
		return err
	}
	for _, s := range dirRecs {
		if s.ID == "" || strings.ContainsAny(s.ID, "/?#% ") {
			return errInvalid("directory id %q must be non-empty without '/', '?', '#', '%%' or spaces", s.ID)
		}
		if _, dup := o.directories[s.ID]; dup {
			return errInvalid("directory %s appears twice", s.ID)
		}
		key, err := parseHash("directory "+s.ID+" keyHash", s.KeyHash)
		if err != nil {
			return err
		}
		d := &Directory{ID: s.ID, Name: s.Name, Created: s.Created, org: o, key: key}
		d.clear()
		o.directories[d.ID] = d
		o.dirOrder = append(o.dirOrder, d.ID)
	}
	dir := func(what, id string) (*Directory, error) {
		d, ok := o.directories[id]
		if !ok {
			return nil, errInvalid("%s: directory %s is not a directory of the organization", what, id)
		}
		return d, nil
	}
	users, err := decodeAll[SCIMUserRecord](tr, kindUser)
	if err != nil {
		return err
	}
	for i, us := range users {
		id := us.Resource.ID
		d, err := dir(fmt.Sprintf("users[%d] (%s)", i, id), us.DirectoryID)
		if err != nil {
			return err
		}
		if err := validID(fmt.Sprintf("directory %s, users[%d]: resource", d.ID, i), id); err != nil {
			return err
		}
		if _, dup := d.users[id]; dup {
			return errInvalid("directory %s: user %s appears twice", d.ID, id)
		}
		res, err := normalizeUser(us.Resource)
		if err != nil {
			return errInvalid("directory %s, user %s: %s", d.ID, id, scim.AsError(err).Detail)
		}
		res.ID = id
		lowerName, lowerEmail := strings.ToLower(res.UserName), strings.ToLower(res.PrimaryEmail())
		if other, dup := d.byUserName[lowerName]; dup {
			return errInvalid("directory %s: users %s and %s have the same userName %s", d.ID, other, id, res.UserName)
		}
		if other, dup := d.byEmail[lowerEmail]; dup {
			return errInvalid("directory %s: users %s and %s have the same primary email %s", d.ID, other, id, res.PrimaryEmail())
		}
		r := &userRecord{res: res, created: us.Created, modified: us.Modified, groups: map[string]bool{}, deleted: us.Deleted}
		if us.AccountID != "" {
			a, ok := o.accounts[us.AccountID]
			if !ok {
				return errInvalid("directory %s, user %s: account %s is not an account of the organization", d.ID, id, us.AccountID)
			}
			if other, dup := a.links[d.ID]; dup {
				return errInvalid("directory %s: users %s and %s link the same account %s", d.ID, other, id, a.ID)
			}
			a.links[d.ID] = id
			r.account = a.ID
		}
		d.users[id] = r
		d.userOrder = append(d.userOrder, id)
		d.index(r)
		if !r.deleted {
			d.live++
		}
	}
	groups, err := decodeAll[SCIMGroupRecord](tr, kindSCIMGroup)
	if err != nil {
		return err
	}
	// SCIM group names are unique across the organization's directories.
	names := map[string]string{}
	for i, gs := range groups {
		d, err := dir(fmt.Sprintf("scimGroups[%d] (%s)", i, gs.ID), gs.DirectoryID)
		if err != nil {
			return err
		}
		if err := validID(fmt.Sprintf("directory %s, groups[%d]", d.ID, i), gs.ID); err != nil {
			return err
		}
		if strings.TrimSpace(gs.DisplayName) == "" {
			return errInvalid("directory %s, groups[%d]: displayName is required", d.ID, i)
		}
		if _, dup := d.groups[gs.ID]; dup {
			return errInvalid("directory %s: group %s appears twice", d.ID, gs.ID)
		}
		lower := strings.ToLower(gs.DisplayName)
		if other, dup := names[lower]; dup {
			return errInvalid("SCIM groups %s and %s have the same displayName %s", other, gs.ID, gs.DisplayName)
		}
		names[lower] = gs.ID
		if gs.OrgGroupID != "" {
			og, ok := o.groups[gs.OrgGroupID]
			if !ok || og.Source != SourceSCIM || og.DirectoryID != d.ID || og.SCIMGroupID != gs.ID {
				return errInvalid("directory %s, group %s: org group %s is not its synced group", d.ID, gs.ID, gs.OrgGroupID)
			}
		}
		g := &groupRecord{id: gs.ID, displayName: gs.DisplayName, externalID: gs.ExternalID, members: map[string]bool{},
			created: gs.Created, modified: gs.Modified, orgGroup: gs.OrgGroupID}
		d.groups[g.id] = g
		d.groupOrder = append(d.groupOrder, g.id)
	}
	members, err := decodeAll[SCIMMemberRecord](tr, kindSCIMMember)
	if err != nil {
		return err
	}
	for _, ms := range members {
		d, err := dir("SCIM group member "+ms.UserID, ms.DirectoryID)
		if err != nil {
			return err
		}
		g, ok := d.groups[ms.GroupID]
		if !ok {
			return errInvalid("directory %s: member %s of group %s: the group is not a group of the directory", d.ID, ms.UserID, ms.GroupID)
		}
		u, ok := d.users[ms.UserID]
		if !ok {
			return errInvalid("directory %s, group %s: member %s is not a user of the directory", d.ID, g.id, ms.UserID)
		}
		if g.members[ms.UserID] {
			return errInvalid("directory %s, group %s: member %s appears twice", d.ID, g.id, ms.UserID)
		}
		g.members[ms.UserID] = true
		u.groups[g.id] = true
	}
	return nil
}

func buildSites(o *Org, tr store.TenantRecords) error {
	recs, err := decodeAll[SiteRecord](tr, kindSite)
	if err != nil {
		return err
	}
	for i, ss := range recs {
		if ss.ID == "" || ss.Name == "" {
			return errInvalid("sites[%d]: id and name are required", i)
		}
		if _, dup := o.sites[ss.ID]; dup {
			return errInvalid("site %s appears twice", ss.ID)
		}
		for _, other := range o.sites {
			if strings.EqualFold(other.Name, ss.Name) {
				return errInvalid("two sites are named %s", ss.Name)
			}
		}
		site := &Site{ID: ss.ID, Name: ss.Name, products: map[string]*Product{}}
		for _, ps := range ss.Products {
			known, ok := knownProducts[ps.Key]
			if !ok {
				return errInvalid("site %s: unknown product %q: want one of %s", ss.Name, ps.Key, productKeys())
			}
			if _, dup := site.products[ps.Key]; dup {
				return errInvalid("site %s: product %s appears twice", ss.Name, ps.Key)
			}
			p := &Product{Key: ps.Key, Name: known.name, accessGroups: map[string]bool{}}
			for _, gid := range ps.AccessGroups {
				g, ok := o.groups[gid]
				if !ok {
					return errInvalid("site %s, product %s: access group %s is not a group of the organization", ss.Name, ps.Key, gid)
				}
				if g.Source == SourceSCIM && !known.groupSync {
					return errInvalid("site %s: synced group %s cannot grant %s", ss.Name, g.Name, known.name)
				}
				p.accessGroups[gid] = true
			}
			site.products[ps.Key] = p
			site.order = append(site.order, ps.Key)
		}
		o.sites[site.ID] = site
		o.siteOrder = append(o.siteOrder, site.ID)
	}
	return nil
}

// maxSnapshotBytes bounds an imported document: far above the request
// limit, since a directory at its 150,000-user limit exports ~100 MB.
const maxSnapshotBytes = 1 << 30

// getSnapshot is GET /_sim/snapshot and GET /_sim/orgs/{orgId}/snapshot.
func (s *Server) getSnapshot(w http.ResponseWriter, r *http.Request) {
	var ids []string
	if org := vars(r)["orgId"]; org != "" {
		ids = []string{org}
	}
	out, err := s.Model.Snapshot(ids...)
	s.reply(w, r, http.StatusOK, out, err)
}

// putSnapshot is PUT /_sim/snapshot (the document becomes the whole
// server) and PUT /_sim/orgs/{orgId}/snapshot (a document holding that one
// organization adds or replaces it).
func (s *Server) putSnapshot(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSnapshotBytes))
	if err != nil {
		s.controlError(w, r, errInvalid("the body is not a snapshot document: %v", err))
		return
	}
	in, err := Schema.DecodeDocument(raw)
	if err != nil {
		s.controlError(w, r, errInvalid("the body is not a snapshot document: %v", err))
		return
	}
	opts := RestoreOptions{ReplaceAll: true}
	if org := vars(r)["orgId"]; org != "" {
		opts.ReplaceAll = false
		if len(in.Orgs) != 1 || in.Orgs[0].ID != org {
			s.controlError(w, r, errInvalid("an organization import holds exactly one organization, with id %s", org))
			return
		}
	}
	if err := s.Model.Restore(in, opts); err != nil {
		s.controlError(w, r, err)
		return
	}
	ids := make([]string, 0, len(in.Orgs))
	for _, o := range in.Orgs {
		ids = append(ids, o.ID)
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"imported": ids})
}
