package mockatlassian

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/internal/secret"
)

// Snapshots: a whole server, or some of its organizations, as one versioned
// JSON document. Keys travel as their SHA-256 hashes (hex), never in plain,
// so an imported organization keeps answering to the keys its clients hold
// while the document itself holds no secret. The same document is what
// --data-dir stores for each organization (persist.go).

// Snapshot document identity.
const (
	SnapshotFormat  = "provsim.mockatlassian.snapshot"
	SnapshotVersion = 1
)

// Snapshot is the exported state of some organizations.
type Snapshot struct {
	Format  string        `json:"format"`
	Version int           `json:"version"`
	Orgs    []OrgSnapshot `json:"orgs"`
}

// OrgSnapshot is one organization with everything in it.
type OrgSnapshot struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	Created     time.Time           `json:"created"`
	APIKeyHash  string              `json:"apiKeyHash,omitempty"` // hex SHA-256 of the org API key
	Domains     []DomainView        `json:"domains"`
	Directories []DirectorySnapshot `json:"directories"`
	Accounts    []AccountSnapshot   `json:"accounts"`
	Groups      []OrgGroupSnapshot  `json:"groups"`
	Sites       []SiteSnapshot      `json:"sites"`
}

// DirectorySnapshot is a SCIM directory with its users and groups.
type DirectorySnapshot struct {
	ID      string              `json:"id"`
	Name    string              `json:"name"`
	Created time.Time           `json:"created"`
	KeyHash string              `json:"keyHash"` // hex SHA-256 of the directory API key
	Users   []UserSnapshot      `json:"users"`
	Groups  []SCIMGroupSnapshot `json:"groups"`
}

// UserSnapshot is a SCIM user as stored (its groups, meta and account
// extension are derived, so absent) and its link to an Atlassian account.
type UserSnapshot struct {
	Resource  scim.User `json:"resource"`
	Created   time.Time `json:"created"`
	Modified  time.Time `json:"modified"`
	AccountID string    `json:"accountId,omitempty"`
	// Deleted marks a user DELETEd under --delete-mode deactivate.
	Deleted bool `json:"deleted,omitempty"`
}

// SCIMGroupSnapshot is a SCIM group; OrgGroupID is the org group it syncs
// to, empty when it is not synced (a name collision under accept-unsynced).
type SCIMGroupSnapshot struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"displayName"`
	ExternalID  string    `json:"externalId,omitempty"`
	Members     []string  `json:"members"`
	Created     time.Time `json:"created"`
	Modified    time.Time `json:"modified"`
	OrgGroupID  string    `json:"orgGroupId,omitempty"`
}

// AccountSnapshot is an Atlassian account. Its SCIM links are the users'
// accountId fields.
type AccountSnapshot struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	DisplayName  string    `json:"displayName,omitempty"`
	NickName     string    `json:"nickName,omitempty"`
	Title        string    `json:"title,omitempty"`
	Department   string    `json:"department,omitempty"`
	Organization string    `json:"organization,omitempty"`
	Timezone     string    `json:"timezone,omitempty"`
	Language     string    `json:"preferredLanguage,omitempty"`
	Active       bool      `json:"active"`
	Origin       string    `json:"origin"`
	Created      time.Time `json:"created"`
}

// OrgGroupSnapshot is an org group. Members (account ids) are for local
// groups; a synced group's members are its SCIM group's.
type OrgGroupSnapshot struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Source      string   `json:"source"`
	Default     bool     `json:"default,omitempty"`
	DirectoryID string   `json:"directoryId,omitempty"`
	SCIMGroupID string   `json:"scimGroupId,omitempty"`
	Members     []string `json:"members,omitempty"`
}

// SiteSnapshot is a site and its products.
type SiteSnapshot struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Products []ProductSnapshot `json:"products"`
}

// ProductSnapshot is a product with the org group ids that grant it.
type ProductSnapshot struct {
	Key          string   `json:"key"`
	AccessGroups []string `json:"accessGroups"`
}

// Snapshot exports the named organizations, or every one (in creation
// order) when none is named.
func (m *Model) Snapshot(orgIDs ...string) (Snapshot, error) {
	if len(orgIDs) == 0 {
		orgIDs = m.Orgs()
	}
	out := Snapshot{Format: SnapshotFormat, Version: SnapshotVersion, Orgs: []OrgSnapshot{}}
	for _, id := range orgIDs {
		o, err := m.org(id)
		if err != nil {
			return Snapshot{}, err
		}
		out.Orgs = append(out.Orgs, m.snapshotOrg(o))
	}
	return out, nil
}

// snapshotOrg copies an organization under its lock. Directory keys are
// guarded by m.mu (RegenerateKey), taken inside o.mu: no code path holds
// m.mu while waiting for an org lock, so this order cannot deadlock.
func (m *Model) snapshotOrg(o *Org) OrgSnapshot {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := OrgSnapshot{ID: o.ID, Name: o.Name, Created: o.Created, Domains: []DomainView{},
		Directories: []DirectorySnapshot{}, Accounts: []AccountSnapshot{}, Groups: []OrgGroupSnapshot{}, Sites: []SiteSnapshot{}}
	if o.apiKey != nil {
		s.APIKeyHash = hex.EncodeToString(o.apiKey[:])
	}
	for _, d := range sortedKeys(o.domains) {
		s.Domains = append(s.Domains, DomainView{Name: d, Verified: o.domains[d]})
	}
	keys := make(map[string]secret.Hash, len(o.dirOrder))
	m.mu.RLock()
	for _, did := range o.dirOrder {
		keys[did] = o.directories[did].key
	}
	m.mu.RUnlock()
	for _, did := range o.dirOrder {
		d := o.directories[did]
		k := keys[did]
		ds := DirectorySnapshot{ID: d.ID, Name: d.Name, Created: d.Created, KeyHash: hex.EncodeToString(k[:]),
			Users: make([]UserSnapshot, 0, len(d.userOrder)), Groups: make([]SCIMGroupSnapshot, 0, len(d.groupOrder))}
		for _, uid := range d.userOrder {
			r := d.users[uid]
			res := r.res
			res.Schemas = []string{scim.UserSchema}
			ds.Users = append(ds.Users, UserSnapshot{Resource: res, Created: r.created, Modified: r.modified,
				AccountID: r.account, Deleted: r.deleted})
		}
		for _, gid := range d.groupOrder {
			g := d.groups[gid]
			ds.Groups = append(ds.Groups, SCIMGroupSnapshot{ID: g.id, DisplayName: g.displayName, ExternalID: g.externalID,
				Members: sortedGroupMembers(g), Created: g.created, Modified: g.modified, OrgGroupID: g.orgGroup})
		}
		s.Directories = append(s.Directories, ds)
	}
	for _, aid := range o.acctOrder {
		a := o.accounts[aid]
		s.Accounts = append(s.Accounts, AccountSnapshot{ID: a.ID, Email: a.Email, DisplayName: a.DisplayName,
			NickName: a.NickName, Title: a.Title, Department: a.Department, Organization: a.Organization,
			Timezone: a.Timezone, Language: a.Language, Active: a.Active, Origin: a.Origin, Created: a.Created})
	}
	for _, gid := range o.groupOrder {
		g := o.groups[gid]
		gs := OrgGroupSnapshot{ID: g.ID, Name: g.Name, Source: g.Source, Default: g.Default,
			DirectoryID: g.DirectoryID, SCIMGroupID: g.SCIMGroupID}
		if g.Source == SourceLocal {
			gs.Members = sortedKeys(g.members)
		}
		s.Groups = append(s.Groups, gs)
	}
	for _, sid := range o.siteOrder {
		site := o.sites[sid]
		ss := SiteSnapshot{ID: site.ID, Name: site.Name, Products: []ProductSnapshot{}}
		for _, key := range site.order {
			ss.Products = append(ss.Products, ProductSnapshot{Key: key, AccessGroups: sortedKeys(site.products[key].accessGroups)})
		}
		s.Sites = append(s.Sites, ss)
	}
	return s
}

// RestoreOptions select how a snapshot is applied.
type RestoreOptions struct {
	// ReplaceAll makes the document the whole server: organizations it
	// does not hold are removed. Otherwise each organization in it is
	// added, or replaces the one with its id, and the others stay.
	ReplaceAll bool
}

// Restore imports a snapshot. The whole document is validated first
// (format and version, references, unique names, emails, ids and keys,
// also against the organizations that stay); the new organizations are
// built aside and swapped in under the model lock, so an import applies
// whole or not at all. A request already working on a replaced
// organization finishes on the old copy, as if it ran before the import.
func (m *Model) Restore(s Snapshot, opts RestoreOptions) error {
	if s.Format != SnapshotFormat {
		return errInvalid("snapshot format %q: want %q", s.Format, SnapshotFormat)
	}
	if s.Version != SnapshotVersion {
		return errInvalid("snapshot version %d: this server reads version %d", s.Version, SnapshotVersion)
	}
	built := make([]*Org, 0, len(s.Orgs))
	seen := map[string]bool{}
	for i, snap := range s.Orgs {
		if seen[snap.ID] {
			return errInvalid("orgs[%d]: organization %s appears twice", i, snap.ID)
		}
		seen[snap.ID] = true
		o, err := m.buildOrg(snap)
		if err != nil {
			return errInvalid("orgs[%d] (%s): %s", i, snap.ID, scim.AsError(err).Detail)
		}
		built = append(built, o)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	// The organizations that stay, and the ids and keys they hold.
	var order []string
	keep := map[string]*Org{}
	if !opts.ReplaceAll {
		for _, id := range m.orgOrder {
			if !seen[id] {
				keep[id] = m.orgs[id]
			}
			order = append(order, id)
		}
	}
	orgs := map[string]*Org{}
	dirs := map[string]*Directory{}
	keys := map[secret.Hash]string{}
	orgKeys := map[secret.Hash]string{}
	for id, o := range keep {
		orgs[id] = o
		if o.apiKey != nil {
			orgKeys[*o.apiKey] = id
		}
	}
	for did, d := range m.dirs {
		if keep[d.org.ID] != nil {
			dirs[did] = d
			keys[d.key] = did
		}
	}
	for _, o := range built {
		if o.apiKey != nil {
			if other, dup := orgKeys[*o.apiKey]; dup {
				return errConflict("organization %s: its API key is already used by organization %s", o.ID, other)
			}
			orgKeys[*o.apiKey] = o.ID
		}
		for _, did := range o.dirOrder {
			d := o.directories[did]
			if other, dup := dirs[did]; dup {
				return errConflict("directory %s of organization %s already exists in organization %s", did, o.ID, other.org.ID)
			}
			if other, dup := keys[d.key]; dup {
				return errConflict("directory %s of organization %s: its API key is already used by directory %s", did, o.ID, other)
			}
			dirs[did] = d
			keys[d.key] = did
		}
		orgs[o.ID] = o
		if !contains(order, o.ID) {
			order = append(order, o.ID)
		}
	}
	m.orgs, m.orgOrder, m.dirs, m.keys, m.orgKeys = orgs, order, dirs, keys, orgKeys
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

// buildOrg turns an organization snapshot into a detached Org, checking
// every reference and uniqueness rule the model keeps.
func (m *Model) buildOrg(s OrgSnapshot) (*Org, error) {
	if s.ID == "" {
		return nil, errInvalid("id is required")
	}
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
	for i, as := range s.Accounts {
		if as.ID == "" {
			return nil, errInvalid("accounts[%d]: id is required", i)
		}
		if _, dup := o.accounts[as.ID]; dup {
			return nil, errInvalid("account %s appears twice", as.ID)
		}
		if err := validEmail(as.Email); err != nil {
			return nil, errInvalid("account %s: %s", as.ID, scim.AsError(err).Detail)
		}
		if other, dup := o.acctByEmail[strings.ToLower(as.Email)]; dup {
			return nil, errInvalid("accounts %s and %s have the same email %s", other, as.ID, as.Email)
		}
		switch as.Origin {
		case "scim", "existing", "sso":
		default:
			return nil, errInvalid("account %s: origin %q: want scim, existing or sso", as.ID, as.Origin)
		}
		a := &Account{ID: as.ID, Email: as.Email, DisplayName: as.DisplayName, NickName: as.NickName, Title: as.Title,
			Department: as.Department, Organization: as.Organization, Timezone: as.Timezone, Language: as.Language,
			Active: as.Active, Origin: as.Origin, Created: as.Created, links: map[string]string{}}
		o.accounts[a.ID] = a
		o.acctOrder = append(o.acctOrder, a.ID)
		o.acctByEmail[strings.ToLower(a.Email)] = a.ID
	}
	for i, gs := range s.Groups {
		if gs.ID == "" || strings.TrimSpace(gs.Name) == "" {
			return nil, errInvalid("groups[%d]: id and name are required", i)
		}
		if _, dup := o.groups[gs.ID]; dup {
			return nil, errInvalid("group %s appears twice", gs.ID)
		}
		if other, dup := o.groupByName[strings.ToLower(gs.Name)]; dup {
			return nil, errInvalid("groups %s and %s have the same name %s", other, gs.ID, gs.Name)
		}
		switch gs.Source {
		case SourceLocal:
			if gs.DirectoryID != "" || gs.SCIMGroupID != "" {
				return nil, errInvalid("group %s: a local group has no directoryId or scimGroupId", gs.ID)
			}
		case SourceSCIM:
			if gs.Default {
				return nil, errInvalid("group %s: a synced group cannot be a default group", gs.ID)
			}
			if len(gs.Members) > 0 {
				return nil, errInvalid("group %s: a synced group's members are its SCIM group's", gs.ID)
			}
		default:
			return nil, errInvalid("group %s: source %q: want local or scim", gs.ID, gs.Source)
		}
		g := o.addGroup(gs.ID, gs.Name, gs.Source)
		g.Default, g.DirectoryID, g.SCIMGroupID = gs.Default, gs.DirectoryID, gs.SCIMGroupID
		for _, aid := range gs.Members {
			if _, ok := o.accounts[aid]; !ok {
				return nil, errInvalid("group %s: member %s is not an account of the organization", gs.ID, aid)
			}
			g.members[aid] = true
		}
	}
	for _, ds := range s.Directories {
		if err := m.buildDirectory(o, ds); err != nil {
			return nil, err
		}
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
	for i, ss := range s.Sites {
		if ss.ID == "" || ss.Name == "" {
			return nil, errInvalid("sites[%d]: id and name are required", i)
		}
		if _, dup := o.sites[ss.ID]; dup {
			return nil, errInvalid("site %s appears twice", ss.ID)
		}
		for _, other := range o.sites {
			if strings.EqualFold(other.Name, ss.Name) {
				return nil, errInvalid("two sites are named %s", ss.Name)
			}
		}
		site := &Site{ID: ss.ID, Name: ss.Name, products: map[string]*Product{}}
		for _, ps := range ss.Products {
			known, ok := knownProducts[ps.Key]
			if !ok {
				return nil, errInvalid("site %s: unknown product %q: want one of %s", ss.Name, ps.Key, productKeys())
			}
			if _, dup := site.products[ps.Key]; dup {
				return nil, errInvalid("site %s: product %s appears twice", ss.Name, ps.Key)
			}
			p := &Product{Key: ps.Key, Name: known.name, accessGroups: map[string]bool{}}
			for _, gid := range ps.AccessGroups {
				g, ok := o.groups[gid]
				if !ok {
					return nil, errInvalid("site %s, product %s: access group %s is not a group of the organization", ss.Name, ps.Key, gid)
				}
				if g.Source == SourceSCIM && !known.groupSync {
					return nil, errInvalid("site %s: synced group %s cannot grant %s", ss.Name, g.Name, known.name)
				}
				p.accessGroups[gid] = true
			}
			site.products[ps.Key] = p
			site.order = append(site.order, ps.Key)
		}
		o.sites[site.ID] = site
		o.siteOrder = append(o.siteOrder, site.ID)
	}
	return o, nil
}

// buildDirectory adds a directory snapshot to a detached org: users with
// their indexes and account links, then groups with their members.
func (m *Model) buildDirectory(o *Org, s DirectorySnapshot) error {
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
	for i, us := range s.Users {
		id := us.Resource.ID
		if id == "" {
			return errInvalid("directory %s, users[%d]: resource.id is required", d.ID, i)
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
	for i, gs := range s.Groups {
		if gs.ID == "" || strings.TrimSpace(gs.DisplayName) == "" {
			return errInvalid("directory %s, groups[%d]: id and displayName are required", d.ID, i)
		}
		if _, dup := d.groups[gs.ID]; dup {
			return errInvalid("directory %s: group %s appears twice", d.ID, gs.ID)
		}
		g := &groupRecord{id: gs.ID, displayName: gs.DisplayName, externalID: gs.ExternalID, members: map[string]bool{},
			created: gs.Created, modified: gs.Modified, orgGroup: gs.OrgGroupID}
		for _, uid := range gs.Members {
			u, ok := d.users[uid]
			if !ok {
				return errInvalid("directory %s, group %s: member %s is not a user of the directory", d.ID, gs.ID, uid)
			}
			g.members[uid] = true
			u.groups[g.id] = true
		}
		if gs.OrgGroupID != "" {
			og, ok := o.groups[gs.OrgGroupID]
			if !ok || og.Source != SourceSCIM || og.DirectoryID != d.ID || og.SCIMGroupID != g.id {
				return errInvalid("directory %s, group %s: org group %s is not its synced group", d.ID, gs.ID, gs.OrgGroupID)
			}
		}
		d.groups[g.id] = g
		d.groupOrder = append(d.groupOrder, g.id)
	}
	// SCIM group names are unique across the organization's directories.
	names := map[string]string{}
	for _, did := range append(append([]string(nil), o.dirOrder...), d.ID) {
		dd := d
		if did != d.ID {
			dd = o.directories[did]
		}
		for _, g := range dd.groups {
			lower := strings.ToLower(g.displayName)
			if other, dup := names[lower]; dup {
				return errInvalid("SCIM groups %s and %s have the same displayName %s", other, g.id, g.displayName)
			}
			names[lower] = g.id
		}
	}
	o.directories[d.ID] = d
	o.dirOrder = append(o.dirOrder, d.ID)
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
	var in Snapshot
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSnapshotBytes))
	if err := dec.Decode(&in); err != nil {
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
