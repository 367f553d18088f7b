package mockatlassian

import (
	"sort"
	"strings"
	"time"
)

// Views are the read-only shapes the control API returns; they are copies,
// safe to use after the lock is released.

// AccountView is an account with its effective product access.
type AccountView struct {
	ID            string          `json:"accountId"`
	Email         string          `json:"email"`
	DisplayName   string          `json:"displayName,omitempty"`
	NickName      string          `json:"nickName,omitempty"`
	Title         string          `json:"title,omitempty"`
	Department    string          `json:"department,omitempty"`
	Organization  string          `json:"organization,omitempty"`
	Timezone      string          `json:"timezone,omitempty"`
	Language      string          `json:"preferredLanguage,omitempty"`
	Status        string          `json:"status"` // active | deactivated
	Managed       bool            `json:"managed"`
	Origin        string          `json:"origin"`
	Created       time.Time       `json:"created"`
	SCIMLinks     []SCIMLink      `json:"scimLinks"`
	Groups        []string        `json:"groups"`
	ProductAccess []ProductAccess `json:"productAccess"`
}

// GroupView is an org group.
type GroupView struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Source      string   `json:"source"` // local | scim
	Default     bool     `json:"default"`
	DirectoryID string   `json:"directoryId,omitempty"`
	Members     []string `json:"members"`  // account ids
	Products    []string `json:"products"` // "site/product" it grants
}

// SiteView is a site and its products with their access groups.
type SiteView struct {
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	Products []ProductView `json:"products"`
}

// ProductView is one product on a site.
type ProductView struct {
	Key          string   `json:"key"`
	Name         string   `json:"name"`
	GroupSync    bool     `json:"groupSync"`
	AccessGroups []string `json:"accessGroups"` // group names
}

// DirectoryView is a directory without its key.
type DirectoryView struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	BaseURL string    `json:"baseUrl"`
	Users   int       `json:"users"`
	Groups  int       `json:"groups"`
	Created time.Time `json:"created"`
}

// DomainView is a domain of the organization.
type DomainView struct {
	Name     string `json:"name"`
	Verified bool   `json:"verified"`
}

// OrgView is an organization's summary.
type OrgView struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Domains     []DomainView    `json:"domains"`
	Directories []DirectoryView `json:"directories"`
	Sites       []SiteView      `json:"sites"`
	Accounts    int             `json:"accounts"`
	Groups      int             `json:"groups"`
}

func (o *Org) accountView(a *Account) AccountView {
	v := AccountView{ID: a.ID, Email: a.Email, DisplayName: a.DisplayName, NickName: a.NickName, Title: a.Title,
		Department: a.Department, Organization: a.Organization, Timezone: a.Timezone, Language: a.Language,
		Status: "active", Managed: o.managed(a.Email), Origin: a.Origin, Created: a.Created,
		SCIMLinks: []SCIMLink{}, Groups: []string{}, ProductAccess: o.access(a)}
	if !a.Active {
		v.Status = "deactivated"
	}
	for _, did := range sortedKeys(a.links) {
		v.SCIMLinks = append(v.SCIMLinks, SCIMLink{SCIMUserID: a.links[did], AccountID: ptr(a.ID), OrgID: o.ID, DirectoryID: did})
	}
	for _, gid := range o.groupOrder {
		if g := o.groups[gid]; o.inGroup(a, g, false) {
			v.Groups = append(v.Groups, g.Name)
		}
	}
	return v
}

func (o *Org) groupView(g *OrgGroup) GroupView {
	v := GroupView{ID: g.ID, Name: g.Name, Source: g.Source, Default: g.Default, DirectoryID: g.DirectoryID,
		Members: []string{}, Products: []string{}}
	for _, aid := range o.acctOrder {
		if o.inGroup(o.accounts[aid], g, false) {
			v.Members = append(v.Members, aid)
		}
	}
	for _, sid := range o.siteOrder {
		s := o.sites[sid]
		for _, key := range s.order {
			if s.products[key].accessGroups[g.ID] {
				v.Products = append(v.Products, s.Name+"/"+key)
			}
		}
	}
	return v
}

func (o *Org) siteView(s *Site) SiteView {
	v := SiteView{ID: s.ID, Name: s.Name, Products: []ProductView{}}
	for _, key := range s.order {
		p := s.products[key]
		pv := ProductView{Key: key, Name: p.Name, GroupSync: knownProducts[key].groupSync, AccessGroups: []string{}}
		for gid := range p.accessGroups {
			if g := o.groups[gid]; g != nil {
				pv.AccessGroups = append(pv.AccessGroups, g.Name)
			}
		}
		sort.Strings(pv.AccessGroups)
		v.Products = append(v.Products, pv)
	}
	return v
}

// Org returns an organization's summary.
func (m *Model) Org(orgID string) (OrgView, error) {
	o, err := m.org(orgID)
	if err != nil {
		return OrgView{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	v := OrgView{ID: o.ID, Name: o.Name, Domains: []DomainView{}, Directories: []DirectoryView{}, Sites: []SiteView{},
		Accounts: len(o.accounts), Groups: len(o.groups)}
	for _, d := range sortedKeys(o.domains) {
		v.Domains = append(v.Domains, DomainView{Name: d, Verified: o.domains[d]})
	}
	for _, did := range o.dirOrder {
		d := o.directories[did]
		v.Directories = append(v.Directories, DirectoryView{ID: d.ID, Name: d.Name,
			BaseURL: m.opts.LocationBase + "/scim/directory/" + d.ID, Users: d.live, Groups: len(d.groups), Created: d.Created})
	}
	for _, sid := range o.siteOrder {
		v.Sites = append(v.Sites, o.siteView(o.sites[sid]))
	}
	return v, nil
}

// Accounts lists an organization's accounts, optionally only those whose
// email contains the given text.
func (m *Model) Accounts(orgID, emailContains string) ([]AccountView, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []AccountView{}
	for _, id := range o.acctOrder {
		a := o.accounts[id]
		if emailContains == "" || strings.Contains(strings.ToLower(a.Email), strings.ToLower(emailContains)) {
			out = append(out, o.accountView(a))
		}
	}
	return out, nil
}

// Account returns one account by id or email.
func (m *Model) Account(orgID, idOrEmail string) (AccountView, error) {
	o, err := m.org(orgID)
	if err != nil {
		return AccountView{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.account(idOrEmail)
	if err != nil {
		return AccountView{}, err
	}
	return o.accountView(a), nil
}

// Groups lists an organization's groups.
func (m *Model) Groups(orgID string) ([]GroupView, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []GroupView{}
	for _, id := range o.groupOrder {
		out = append(out, o.groupView(o.groups[id]))
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }
