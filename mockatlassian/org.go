package mockatlassian

import (
	"net/mail"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/internal/secret"
	"github.com/provsim/provsim/internal/store"
)

var (
	errNotFound = scim.NotFound
	errInvalid  = func(format string, args ...any) error { return scim.Invalid(scim.TypeInvalidValue, format, args...) }
	errConflict = scim.Conflict
)

// Org is an Atlassian organization. mu guards everything below it,
// including its directories' users and groups.
type Org struct {
	ID      string
	Name    string
	Created time.Time

	mu          sync.Mutex
	changes     *store.Changes // what mutations changed, for the store (records.go)
	apiKey      *secret.Hash
	domains     map[string]bool // lower-case domain → verified
	directories map[string]*Directory
	dirOrder    []string
	accounts    map[string]*Account
	acctOrder   []string
	acctByEmail map[string]string // lower-case email → account id
	groups      map[string]*OrgGroup
	groupOrder  []string
	groupByName map[string]string // lower-case name → org group id
	sites       map[string]*Site
	saml        *SAMLConfig // SAML single sign-on (saml.go); nil: none
	siteOrder   []string
	// Further API keys (apikeys.go), guarded by Model.mu like all keys.
	apiKeys []*OrgAPIKey
	// The audit log (events.go), oldest first; eventSeq numbers them.
	events   []*Event
	eventSeq uint64
}

// Account is an Atlassian account as the organization sees it.
type Account struct {
	ID           string
	Email        string
	DisplayName  string
	NickName     string
	Title        string
	Department   string
	Organization string
	Timezone     string
	Language     string
	Active       bool
	Origin       string // "scim", "existing" (created before provisioning) or "sso"
	Created      time.Time
	links        map[string]string // directory id → SCIM user id
	// Suspended: access to the organization suspended by an admin API
	// (accountadmin.go); the account keeps its groups but no grant counts.
	Suspended  bool
	LastActive time.Time            // last sign-in or product use; zero: never
	activity   map[string]time.Time // "siteID/product" → last use
	tokens     []*UserAPIToken      // personal API tokens (user management API)
}

// Group sources.
const (
	SourceLocal = "local" // created in Atlassian Administration or with a product
	SourceSCIM  = "scim"  // synced from a SCIM directory, read-only in admin
)

// OrgGroup is a group of the organization, local or synced.
type OrgGroup struct {
	ID          string
	Name        string
	Source      string
	Default     bool   // a product's default access group
	DirectoryID string // for synced groups
	SCIMGroupID string
	members     map[string]bool // account ids, for local groups only
}

// Site is a cloud site such as acme.atlassian.net.
type Site struct {
	ID       string
	Name     string
	products map[string]*Product
	order    []string
}

// Product is one product on a site and the groups that grant access to it.
type Product struct {
	Key          string
	Name         string
	accessGroups map[string]bool // org group ids
}

// Products Atlassian provisions into (the guide; ATL-PRODUCT-2: Bitbucket gets no
// group sync).
var knownProducts = map[string]struct {
	name      string
	groupSync bool
}{
	"jira-software":    {"Jira Software", true},
	"jira-servicedesk": {"Jira Service Management", true},
	"confluence":       {"Confluence", true},
	"bitbucket":        {"Bitbucket", false},
}

// CreateOrgInput describes a new organization.
type CreateOrgInput struct {
	ID              string   `json:"id,omitempty"`
	Name            string   `json:"name"`
	VerifiedDomains []string `json:"verifiedDomains,omitempty"`
	APIKey          string   `json:"apiKey,omitempty"` // organization API key for the admin APIs; random when empty
}

// OrgCreated is returned once; APIKey is never shown again.
type OrgCreated struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	APIKey string `json:"apiKey"`
}

// CreateOrg adds an organization.
func (m *Model) CreateOrg(in CreateOrgInput) (OrgCreated, error) {
	if in.Name == "" {
		in.Name = "Simulated organization"
	}
	if in.ID == "" {
		in.ID = m.ids.UUID()
	}
	if in.APIKey == "" {
		in.APIKey = m.ids.Token(48)
	}
	o := &Org{
		ID: in.ID, Name: in.Name, Created: m.now(),
		domains: map[string]bool{}, directories: map[string]*Directory{},
		accounts: map[string]*Account{}, acctByEmail: map[string]string{},
		groups: map[string]*OrgGroup{}, groupByName: map[string]string{},
		sites: map[string]*Site{},
	}
	for _, d := range in.VerifiedDomains {
		if err := validDomain(d); err != nil {
			return OrgCreated{}, err
		}
		o.domains[strings.ToLower(d)] = true
	}
	h := secret.HashOf(in.APIKey)
	o.apiKey = &h
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.orgs[in.ID]; dup {
		return OrgCreated{}, errConflict("organization %s already exists", in.ID)
	}
	if _, dup := m.orgKeys[h]; dup {
		return OrgCreated{}, errConflict("that organization API key is already in use")
	}
	m.orgs[o.ID] = o
	m.orgOrder = append(m.orgOrder, o.ID)
	m.orgKeys[h] = o.ID
	o.changes = m.store.Changes(o.ID, true)
	return OrgCreated{ID: o.ID, Name: o.Name, APIKey: in.APIKey}, nil
}

func validDomain(d string) error {
	if d == "" || strings.ContainsAny(d, "@/ ") || !strings.Contains(d, ".") {
		return errInvalid("%q is not a domain name", d)
	}
	return nil
}

// AddDomain adds a domain to the organization, verified or not.
func (m *Model) AddDomain(orgID, domain string, verified bool) error {
	if err := validDomain(domain); err != nil {
		return err
	}
	o, err := m.org(orgID)
	if err != nil {
		return err
	}
	name := strings.ToLower(domain)
	o.mu.Lock()
	defer o.mu.Unlock()
	was, known := o.domains[name]
	o.domains[name] = verified
	o.changes.Put(kindOrg, o.ID)
	if !known {
		m.audit(o, ActionDomainAdded, adminActor, "Added domain "+name, []EventObject{domainObject(name)})
	}
	if verified && !was {
		m.audit(o, ActionDomainVerified, adminActor, "Verified domain "+name, []EventObject{domainObject(name)})
	}
	return nil
}

// managed reports whether an email's domain is verified in the org, which
// makes its account a managed account. Caller holds o.mu.
func (o *Org) managed(email string) bool {
	_, domain, ok := strings.Cut(strings.ToLower(email), "@")
	return ok && o.domains[domain]
}

// AddSiteInput describes a site and the products on it.
type AddSiteInput struct {
	Name     string   `json:"name"`
	Products []string `json:"products,omitempty"`
}

// AddSite adds a cloud site with products. Each product gets a default access
// group, as adding a product to a site does.
func (m *Model) AddSite(orgID string, in AddSiteInput) (SiteView, error) {
	if in.Name == "" {
		return SiteView{}, errInvalid("site name is required, e.g. acme.atlassian.net")
	}
	for _, p := range in.Products {
		if _, ok := knownProducts[p]; !ok {
			return SiteView{}, errInvalid("unknown product %q: want one of %s", p, productKeys())
		}
	}
	o, err := m.org(orgID)
	if err != nil {
		return SiteView{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range o.sites {
		if strings.EqualFold(s.Name, in.Name) {
			return SiteView{}, errConflict("site %s already exists", in.Name)
		}
	}
	s := &Site{ID: m.ids.UUID(), Name: in.Name, products: map[string]*Product{}}
	o.sites[s.ID] = s
	o.siteOrder = append(o.siteOrder, s.ID)
	o.changes.New(kindSite, s.ID)
	for _, p := range in.Products {
		m.addProductLocked(o, s, p)
	}
	msg := "Added site " + s.Name
	if len(in.Products) > 0 {
		msg += " with " + strings.Join(productNames(in.Products), ", ")
	}
	m.audit(o, ActionSiteAdded, adminActor, msg, nil, siteObject(s))
	return o.siteView(s), nil
}

func productNames(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = knownProducts[k].name
	}
	return out
}

// AddProduct adds a product to an existing site.
func (m *Model) AddProduct(orgID, site, product string) (SiteView, error) {
	if _, ok := knownProducts[product]; !ok {
		return SiteView{}, errInvalid("unknown product %q: want one of %s", product, productKeys())
	}
	o, err := m.org(orgID)
	if err != nil {
		return SiteView{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	s, err := o.site(site)
	if err != nil {
		return SiteView{}, err
	}
	if _, dup := s.products[product]; dup {
		return SiteView{}, errConflict("%s is already on %s", product, s.Name)
	}
	m.addProductLocked(o, s, product)
	m.audit(o, ActionProductAdded, adminActor, "Added "+knownProducts[product].name+" to "+s.Name,
		[]EventObject{{ID: resourceARI(s, product), Type: "products", Attributes: map[string]string{"key": product, "name": knownProducts[product].name}}}, siteObject(s))
	return o.siteView(s), nil
}

// addProductLocked adds the product with its default access group, named
// "<product>-users" like Atlassian's built-in groups (e.g. confluence-users,
// ATL-PRODUCT-4), or "<product>-users-<site>" when another site took that name.
func (m *Model) addProductLocked(o *Org, s *Site, key string) {
	p := &Product{Key: key, Name: knownProducts[key].name, accessGroups: map[string]bool{}}
	s.products[key] = p
	s.order = append(s.order, key)
	o.changes.Put(kindSite, s.ID)
	name := key + "-users"
	if _, taken := o.groupByName[strings.ToLower(name)]; taken {
		name += "-" + strings.SplitN(s.Name, ".", 2)[0]
	}
	g := o.addGroup(m.ids.UUID(), name, SourceLocal)
	g.Default = true
	p.accessGroups[g.ID] = true
}

func productKeys() string {
	keys := sortedKeys(knownProducts)
	return strings.Join(keys, ", ")
}

// site finds a site by id or name. Caller holds o.mu.
func (o *Org) site(idOrName string) (*Site, error) {
	if s, ok := o.sites[idOrName]; ok {
		return s, nil
	}
	for _, s := range o.sites {
		if strings.EqualFold(s.Name, idOrName) {
			return s, nil
		}
	}
	return nil, errNotFound("site %s does not exist", idOrName)
}

// addGroup creates an org group. Caller holds o.mu and checked the name.
func (o *Org) addGroup(id, name, source string) *OrgGroup {
	g := &OrgGroup{ID: id, Name: name, Source: source, members: map[string]bool{}}
	o.groups[id] = g
	o.groupOrder = append(o.groupOrder, id)
	o.groupByName[strings.ToLower(name)] = id
	o.changes.New(kindGroup, id)
	return g
}

// removeGroup deletes an org group and every product grant it held.
func (o *Org) removeGroup(id string) {
	g, ok := o.groups[id]
	if !ok {
		return
	}
	delete(o.groups, id)
	delete(o.groupByName, strings.ToLower(g.Name))
	o.groupOrder = remove(o.groupOrder, id)
	o.changes.Put(kindGroup, id)
	for aid := range g.members {
		o.changes.Put(kindGroupMember, memberKey(id, aid))
	}
	for _, s := range o.sites {
		for _, p := range s.products {
			if p.accessGroups[id] {
				delete(p.accessGroups, id)
				o.changes.Put(kindSite, s.ID)
			}
		}
	}
}

// groupNamed finds an org group by id or name. Caller holds o.mu.
func (o *Org) groupNamed(idOrName string) (*OrgGroup, error) {
	if g, ok := o.groups[idOrName]; ok {
		return g, nil
	}
	if id, ok := o.groupByName[strings.ToLower(idOrName)]; ok {
		return o.groups[id], nil
	}
	return nil, errNotFound("group %s does not exist", idOrName)
}

// CreateLocalGroup adds a group made in Atlassian Administration, optionally
// a default access group, with accounts (by id or email) as members.
func (m *Model) CreateLocalGroup(orgID, name string, isDefault bool, members []string) (GroupView, error) {
	if strings.TrimSpace(name) == "" {
		return GroupView{}, errInvalid("group name is required")
	}
	o, err := m.org(orgID)
	if err != nil {
		return GroupView{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, taken := o.groupByName[strings.ToLower(name)]; taken {
		return GroupView{}, errConflict("a group named %s already exists", name)
	}
	ids := make([]string, 0, len(members))
	for _, ref := range members {
		a, err := o.account(ref)
		if err != nil {
			return GroupView{}, err
		}
		ids = append(ids, a.ID)
	}
	g := o.addGroup(m.ids.UUID(), name, SourceLocal)
	g.Default = isDefault
	for _, id := range ids {
		if !g.members[id] {
			g.members[id] = true
			o.changes.New(kindGroupMember, memberKey(g.ID, id))
		}
	}
	m.auditGroup(o, adminActor, g, true)
	return o.groupView(g), nil
}

// SetDefaultGroup marks a group as a product default access group. Synced
// groups are refused: Atlassian says never to do it, and a default access
// group cannot be a sync target (the guide's Step 6; ATL-PRODUCT-3).
func (m *Model) SetDefaultGroup(orgID, group string, isDefault bool) (GroupView, error) {
	o, err := m.org(orgID)
	if err != nil {
		return GroupView{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	g, err := o.groupNamed(group)
	if err != nil {
		return GroupView{}, err
	}
	if isDefault && g.Source == SourceSCIM {
		return GroupView{}, errInvalid("group %s is synced from your identity provider and cannot be a default group: "+
			"this may cause collisions when adding users to the product that are not managed via SCIM", g.Name)
	}
	g.Default = isDefault
	o.changes.Put(kindGroup, g.ID)
	return o.groupView(g), nil
}

// GrantAccess gives a group access to a product on a site; revoke removes it.
func (m *Model) GrantAccess(orgID, site, product, group string, grant bool) (SiteView, error) {
	o, err := m.org(orgID)
	if err != nil {
		return SiteView{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	s, err := o.site(site)
	if err != nil {
		return SiteView{}, err
	}
	p, ok := s.products[product]
	if !ok {
		return SiteView{}, errNotFound("%s is not on site %s", product, s.Name)
	}
	g, err := o.groupNamed(group)
	if err != nil {
		return SiteView{}, err
	}
	if err := m.grantLocked(o, s, p, g, grant, adminActor); err != nil {
		return SiteView{}, err
	}
	return o.siteView(s), nil
}

// grantLocked gives a group access to a product, or takes it away, and
// records the change. Caller holds o.mu.
func (m *Model) grantLocked(o *Org, s *Site, p *Product, g *OrgGroup, grant bool, actor Actor) error {
	if grant && g.Source == SourceSCIM && !knownProducts[p.Key].groupSync {
		return errInvalid("synced groups cannot be given access to %s: group sync is only available for Jira products and Confluence", p.Name)
	}
	if p.accessGroups[g.ID] == grant {
		return nil
	}
	if grant {
		p.accessGroups[g.ID] = true
	} else {
		delete(p.accessGroups, g.ID)
	}
	o.changes.Put(kindSite, s.ID)
	m.auditAccess(o, actor, s, p, g, grant)
	return nil
}

// CreateAccountInput describes an Atlassian account that exists before
// provisioning (someone who signed up with their work email).
type CreateAccountInput struct {
	Email       string `json:"email"`
	DisplayName string `json:"displayName,omitempty"`
}

// CreateAccount adds an existing Atlassian account to the organization.
func (m *Model) CreateAccount(orgID string, in CreateAccountInput) (AccountView, error) {
	if err := validEmail(in.Email); err != nil {
		return AccountView{}, err
	}
	o, err := m.org(orgID)
	if err != nil {
		return AccountView{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, taken := o.acctByEmail[strings.ToLower(in.Email)]; taken {
		return AccountView{}, errConflict("an Atlassian account with email %s already exists", in.Email)
	}
	a := m.newAccount(o, in.Email, "existing")
	a.DisplayName = in.DisplayName
	return o.accountView(a), nil
}

// signIn is the sign-in rule of a SAML assertion whose NameID (subject) is
// a valid email. It signs in to the account that owns that email, or
// creates a new account just in time: this is how a username format that
// differs from the SCIM primary email produces duplicate accounts (seed
// guide Step 3). o.mu is held.
func (m *Model) signIn(o *Org, subject string) (*Account, SSOResult) {
	if id, ok := o.acctByEmail[strings.ToLower(subject)]; ok {
		a := o.accounts[id]
		if !a.Active {
			return a, SSOResult{Denied: true, Reason: "account is deactivated"}
		}
		if a.Suspended {
			return a, SSOResult{Denied: true, Reason: "access to the organization is suspended"}
		}
		a.LastActive = m.now()
		o.changes.Put(kindAccount, a.ID)
		return a, SSOResult{}
	}
	a := m.newAccount(o, subject, "sso")
	a.LastActive = a.Created
	return a, SSOResult{Created: true}
}

// SSOResult is the outcome of a simulated sign-in.
type SSOResult struct {
	Account AccountView `json:"account"`
	Created bool        `json:"created"`
	Denied  bool        `json:"denied"`
	Reason  string      `json:"reason,omitempty"`
}

func validEmail(e string) error {
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || !strings.Contains(e[strings.LastIndex(e, "@")+1:], ".") {
		return errInvalid("%q is not a valid email address", e)
	}
	return nil
}

// newAccount creates an active account. Caller holds o.mu.
func (m *Model) newAccount(o *Org, email, origin string) *Account {
	// AAIDs are observed as 24 hex characters (ATL-ACCOUNT-7).
	a := &Account{ID: m.ids.Hex(12), Email: email, Active: true, Origin: origin, Created: m.now(), links: map[string]string{}}
	o.accounts[a.ID] = a
	o.acctOrder = append(o.acctOrder, a.ID)
	o.acctByEmail[strings.ToLower(email)] = a.ID
	o.changes.New(kindAccount, a.ID)
	return a
}

// account finds an account by id or email. Caller holds o.mu.
func (o *Org) account(idOrEmail string) (*Account, error) {
	if a, ok := o.accounts[idOrEmail]; ok {
		return a, nil
	}
	if id, ok := o.acctByEmail[strings.ToLower(idOrEmail)]; ok {
		return o.accounts[id], nil
	}
	return nil, errNotFound("account %s does not exist", idOrEmail)
}

// setAccountEmail moves an account to a new email. Caller holds o.mu and
// checked that no other account has it.
func (o *Org) setAccountEmail(a *Account, email string) {
	delete(o.acctByEmail, strings.ToLower(a.Email))
	a.Email = email
	o.acctByEmail[strings.ToLower(email)] = a.ID
	o.changes.Put(kindAccount, a.ID)
}

// inGroup reports whether an account is a member of an org group: for a
// local group, directly; for a synced group, through the SCIM user linked to
// it. With grants set, a deactivated SCIM user does not count: it keeps its
// memberships (so reactivation restores access) but grants nothing meanwhile.
func (o *Org) inGroup(a *Account, g *OrgGroup, grants bool) bool {
	if g.Source == SourceLocal {
		return g.members[a.ID]
	}
	d, ok := o.directories[g.DirectoryID]
	if !ok {
		return false
	}
	sg, ok := d.groups[g.SCIMGroupID]
	if !ok {
		return false
	}
	uid, ok := a.links[g.DirectoryID]
	if !ok {
		return false
	}
	u, ok := d.users[uid]
	return ok && !u.deleted && (!grants || u.res.IsActive()) && sg.members[uid]
}

// ProductAccess is one product an account can use.
type ProductAccess struct {
	Site    string   `json:"site"`
	Product string   `json:"product"`
	Name    string   `json:"name"`
	Via     []string `json:"via"` // the groups that grant it
}

// access computes an account's effective product access: none when the
// account is deactivated or its access suspended. Caller holds o.mu.
func (o *Org) access(a *Account) []ProductAccess {
	out := []ProductAccess{}
	if !a.Active || a.Suspended {
		return out
	}
	for _, sid := range o.siteOrder {
		s := o.sites[sid]
		for _, key := range s.order {
			p := s.products[key]
			var via []string
			for _, gid := range sortedKeys(p.accessGroups) {
				if g := o.groups[gid]; g != nil && o.inGroup(a, g, true) {
					via = append(via, g.Name)
				}
			}
			if len(via) > 0 {
				sort.Strings(via)
				out = append(out, ProductAccess{Site: s.Name, Product: p.Key, Name: p.Name, Via: via})
			}
		}
	}
	return out
}

// ResetOrg returns an organization to its first state: its identity, API
// key, domains and directories (with their keys, so configured clients keep
// working) stay; users, groups, accounts and sites go.
func (m *Model) ResetOrg(orgID string) error {
	o, err := m.org(orgID)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.accounts, o.acctOrder, o.acctByEmail = map[string]*Account{}, nil, map[string]string{}
	o.groups, o.groupOrder, o.groupByName = map[string]*OrgGroup{}, nil, map[string]string{}
	o.sites, o.siteOrder = map[string]*Site{}, nil
	o.events, o.eventSeq = nil, 0
	for _, d := range o.directories {
		d.clear()
	}
	o.changes.All()
	return nil
}

// Reset removes every organization except those listed in keep, which are
// reset instead (the boot organization survives a whole-server reset).
func (m *Model) Reset(keep ...string) {
	kept := map[string]bool{}
	for _, id := range keep {
		kept[id] = true
	}
	m.mu.Lock()
	var order []string
	var dropped []*Org
	for _, id := range m.orgOrder {
		o := m.orgs[id]
		if kept[id] {
			order = append(order, id)
			continue
		}
		dropped = append(dropped, o)
		delete(m.orgs, id)
		for _, h := range o.keyHashes() {
			delete(m.orgKeys, h)
		}
		for did, d := range o.directories {
			delete(m.dirs, did)
			delete(m.keys, d.key)
		}
	}
	m.orgOrder = order
	m.mu.Unlock()
	// The store deletes what the model no longer has.
	for _, o := range dropped {
		o.mu.Lock()
		o.changes.All()
		o.mu.Unlock()
	}
	for _, id := range order {
		_ = m.ResetOrg(id)
	}
}

func remove(list []string, v string) []string {
	for i, x := range list {
		if x == v {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}
