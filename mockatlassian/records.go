package mockatlassian

import (
	"encoding/hex"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/internal/secret"
	"github.com/provsim/provsim/internal/store"
)

// The records of an organization: what --data-dir stores, each under its own
// key, and what a snapshot document carries. Keys travel as their SHA-256
// hashes (hex), never in plain, so a restored organization answers to the
// keys its clients hold while no record holds a secret.
//
// Every mutation marks the records it touches in o.changes, under o.mu:
// New when a record is created, Put when it changes or goes away. A commit
// then writes exactly those (internal/store). Derived state (a user's
// groups, an account's SCIM links, the indexes) is not stored.

// Record kinds, in load order: a record refers only to kinds before it.
const (
	kindOrg         = "org"         // id: the org id
	kindAccount     = "account"     // id: account id
	kindGroup       = "group"       // org group; id: group id
	kindGroupMember = "groupMember" // local group membership; id: group/account
	kindDirectory   = "directory"   // id: directory id
	kindUser        = "user"        // SCIM user; id: directory/user
	kindSCIMGroup   = "scimGroup"   // id: directory/group
	kindSCIMMember  = "scimMember"  // id: directory/group/user
	kindSite        = "site"        // a site with its products and access; id: site id
)

// Schema is mockatlassian's record schema.
var Schema = store.Schema{
	Server: "mockatlassian",
	Kinds: []string{kindOrg, kindAccount, kindGroup, kindGroupMember, kindDirectory, kindUser, kindSCIMGroup, kindSCIMMember, kindSite,
		kindAPIKey, kindEvent}, // adminstate.go
	FromV1: fromV1,
}

// OrgRecord is the organization itself.
type OrgRecord struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	Created    time.Time    `json:"created"`
	APIKeyHash string       `json:"apiKeyHash,omitempty"` // hex SHA-256 of the org API key
	Domains    []DomainView `json:"domains"`
	// SAML is the SAML single sign-on configuration (saml.go).
	SAML *SAMLRecord `json:"saml,omitempty"`
}

// SAMLRecord is an organization's SAML configuration.
type SAMLRecord struct {
	ID          string `json:"id"`
	IdPEntityID string `json:"idpEntityId"`
	IdPSSOURL   string `json:"idpSsoUrl"`
	Certificate string `json:"certificate"`
}

// DirectoryRecord is a SCIM directory.
type DirectoryRecord struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	KeyHash string    `json:"keyHash"` // hex SHA-256 of the directory API key
}

// AccountRecord is an Atlassian account. Its SCIM links are the users'
// accountId fields.
type AccountRecord struct {
	ID                string    `json:"id"`
	Email             string    `json:"email"`
	DisplayName       string    `json:"displayName,omitempty"`
	NickName          string    `json:"nickName,omitempty"`
	Title             string    `json:"title,omitempty"`
	Department        string    `json:"department,omitempty"`
	Organization      string    `json:"organization,omitempty"`
	Timezone          string    `json:"timezone,omitempty"`
	Language          string    `json:"preferredLanguage,omitempty"`
	Active            bool      `json:"active"`
	Origin            string    `json:"origin"`
	Created           time.Time `json:"created"`
	AccountAdminState           // suspension, activity, API tokens (adminstate.go)
}

// OrgGroupRecord is an org group, local or synced.
type OrgGroupRecord struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Source      string `json:"source"`
	Default     bool   `json:"default,omitempty"`
	DirectoryID string `json:"directoryId,omitempty"`
	SCIMGroupID string `json:"scimGroupId,omitempty"`
}

// OrgGroupMemberRecord puts an account in a local group. A synced group's
// members are its SCIM group's.
type OrgGroupMemberRecord struct {
	GroupID   string `json:"groupId"`
	AccountID string `json:"accountId"`
}

// SCIMUserRecord is a SCIM user as stored (its groups, meta and account
// extension are derived, so absent) and its link to an Atlassian account.
type SCIMUserRecord struct {
	DirectoryID string    `json:"directoryId"`
	Resource    scim.User `json:"resource"`
	Created     time.Time `json:"created"`
	Modified    time.Time `json:"modified"`
	AccountID   string    `json:"accountId,omitempty"`
	// Deleted marks a user DELETEd under --delete-mode deactivate.
	Deleted bool `json:"deleted,omitempty"`
}

// SCIMGroupRecord is a SCIM group; OrgGroupID is the org group it syncs to,
// empty when it is not synced (a name collision under accept-unsynced).
type SCIMGroupRecord struct {
	DirectoryID string    `json:"directoryId"`
	ID          string    `json:"id"`
	DisplayName string    `json:"displayName"`
	ExternalID  string    `json:"externalId,omitempty"`
	Created     time.Time `json:"created"`
	Modified    time.Time `json:"modified"`
	OrgGroupID  string    `json:"orgGroupId,omitempty"`
}

// SCIMMemberRecord puts a SCIM user in a SCIM group.
type SCIMMemberRecord struct {
	DirectoryID string `json:"directoryId"`
	GroupID     string `json:"groupId"`
	UserID      string `json:"userId"`
}

// SiteRecord is a site with its products and the org groups that grant
// each.
type SiteRecord struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Products []ProductRecord `json:"products"`
}

// ProductRecord is a product with the org group ids that grant it.
type ProductRecord struct {
	Key          string   `json:"key"`
	AccessGroups []string `json:"accessGroups"`
}

// Record keys of the kinds that live inside a directory or a group.
func dirKey(dir, id string) string                 { return dir + "/" + id }
func memberKey(group, account string) string       { return group + "/" + account }
func scimMemberKey(dir, group, user string) string { return dir + "/" + group + "/" + user }

// orgTenant is an organization as the store sees it.
type orgTenant struct {
	m *Model
	o *Org
}

func (t orgTenant) Lock()                   { t.o.mu.Lock() }
func (t orgTenant) Unlock()                 { t.o.mu.Unlock() }
func (t orgTenant) Changes() *store.Changes { return t.o.changes }

// tenant finds an organization for the store.
func (m *Model) tenant(id string) (store.Tenant, bool) {
	o, err := m.org(id)
	if err != nil {
		return nil, false
	}
	return orgTenant{m, o}, true
}

// Records gives every record of the organization in model order. Caller
// holds o.mu.
func (t orgTenant) Records(emit func(kind, id string, v any) error) error {
	o := t.o
	if err := emit(kindOrg, o.ID, t.orgRecord()); err != nil {
		return err
	}
	for _, id := range o.acctOrder {
		if err := emit(kindAccount, id, accountRecord(o.accounts[id])); err != nil {
			return err
		}
	}
	for _, id := range o.groupOrder {
		g := o.groups[id]
		if err := emit(kindGroup, id, orgGroupRecord(g)); err != nil {
			return err
		}
		for _, aid := range sortedKeys(g.members) {
			if err := emit(kindGroupMember, memberKey(id, aid), OrgGroupMemberRecord{GroupID: id, AccountID: aid}); err != nil {
				return err
			}
		}
	}
	keys := t.directoryKeys()
	for _, did := range o.dirOrder {
		d := o.directories[did]
		if err := emit(kindDirectory, did, directoryRecord(d, keys[did])); err != nil {
			return err
		}
		for _, uid := range d.userOrder {
			if err := emit(kindUser, dirKey(did, uid), userRecordOf(d, d.users[uid])); err != nil {
				return err
			}
		}
		for _, gid := range d.groupOrder {
			g := d.groups[gid]
			if err := emit(kindSCIMGroup, dirKey(did, gid), scimGroupRecord(d, g)); err != nil {
				return err
			}
			for _, uid := range sortedGroupMembers(g) {
				if err := emit(kindSCIMMember, scimMemberKey(did, gid, uid), SCIMMemberRecord{DirectoryID: did, GroupID: gid, UserID: uid}); err != nil {
					return err
				}
			}
		}
	}
	for _, sid := range o.siteOrder {
		if err := emit(kindSite, sid, siteRecord(o.sites[sid])); err != nil {
			return err
		}
	}
	return t.adminRecords(emit)
}

// Record is the current value of one record. Caller holds o.mu.
func (t orgTenant) Record(kind, id string) (any, bool) {
	o := t.o
	switch kind {
	case kindOrg:
		return t.orgRecord(), id == o.ID
	case kindAccount:
		if a, ok := o.accounts[id]; ok {
			return accountRecord(a), true
		}
	case kindGroup:
		if g, ok := o.groups[id]; ok {
			return orgGroupRecord(g), true
		}
	case kindGroupMember:
		gid, aid, _ := strings.Cut(id, "/")
		if g, ok := o.groups[gid]; ok && g.members[aid] {
			return OrgGroupMemberRecord{GroupID: gid, AccountID: aid}, true
		}
	case kindDirectory:
		if d, ok := o.directories[id]; ok {
			return directoryRecord(d, t.directoryKeys()[id]), true
		}
	case kindUser:
		did, uid, _ := strings.Cut(id, "/")
		if d, ok := o.directories[did]; ok {
			if r, ok := d.users[uid]; ok {
				return userRecordOf(d, r), true
			}
		}
	case kindSCIMGroup:
		did, gid, _ := strings.Cut(id, "/")
		if d, ok := o.directories[did]; ok {
			if g, ok := d.groups[gid]; ok {
				return scimGroupRecord(d, g), true
			}
		}
	case kindSCIMMember:
		did, rest, _ := strings.Cut(id, "/")
		gid, uid, _ := strings.Cut(rest, "/")
		if d, ok := o.directories[did]; ok {
			if g, ok := d.groups[gid]; ok && g.members[uid] {
				return SCIMMemberRecord{DirectoryID: did, GroupID: gid, UserID: uid}, true
			}
		}
	case kindSite:
		if s, ok := o.sites[id]; ok {
			return siteRecord(s), true
		}
	default:
		return t.adminRecord(kind, id)
	}
	return nil, false
}

func (t orgTenant) orgRecord() OrgRecord {
	o := t.o
	r := OrgRecord{ID: o.ID, Name: o.Name, Created: o.Created, Domains: []DomainView{}}
	if o.apiKey != nil {
		r.APIKeyHash = hex.EncodeToString(o.apiKey[:])
	}
	for _, d := range sortedKeys(o.domains) {
		r.Domains = append(r.Domains, DomainView{Name: d, Verified: o.domains[d]})
	}
	if c := o.saml; c != nil {
		r.SAML = &SAMLRecord{ID: c.ID, IdPEntityID: c.IdPEntityID, IdPSSOURL: c.IdPSSOURL, Certificate: c.Certificate}
	}
	return r
}

// directoryKeys copies the directories' key hashes, which m.mu guards
// (RegenerateKey changes them without the org lock). Taking m.mu inside
// o.mu is the model's lock order: nothing holds m.mu while it waits for an
// org lock.
func (t orgTenant) directoryKeys() map[string]secret.Hash {
	t.m.mu.RLock()
	defer t.m.mu.RUnlock()
	keys := make(map[string]secret.Hash, len(t.o.dirOrder))
	for _, did := range t.o.dirOrder {
		keys[did] = t.o.directories[did].key
	}
	return keys
}

func directoryRecord(d *Directory, key secret.Hash) DirectoryRecord {
	return DirectoryRecord{ID: d.ID, Name: d.Name, Created: d.Created, KeyHash: hex.EncodeToString(key[:])}
}

func accountRecord(a *Account) AccountRecord {
	return AccountRecord{ID: a.ID, Email: a.Email, DisplayName: a.DisplayName, NickName: a.NickName, Title: a.Title,
		Department: a.Department, Organization: a.Organization, Timezone: a.Timezone, Language: a.Language,
		Active: a.Active, Origin: a.Origin, Created: a.Created, AccountAdminState: accountAdminState(a)}
}

func orgGroupRecord(g *OrgGroup) OrgGroupRecord {
	return OrgGroupRecord{ID: g.ID, Name: g.Name, Source: g.Source, Default: g.Default, DirectoryID: g.DirectoryID, SCIMGroupID: g.SCIMGroupID}
}

func userRecordOf(d *Directory, r *userRecord) SCIMUserRecord {
	res := r.res
	res.Schemas = []string{scim.UserSchema}
	return SCIMUserRecord{DirectoryID: d.ID, Resource: res, Created: r.created, Modified: r.modified, AccountID: r.account, Deleted: r.deleted}
}

func scimGroupRecord(d *Directory, g *groupRecord) SCIMGroupRecord {
	return SCIMGroupRecord{DirectoryID: d.ID, ID: g.id, DisplayName: g.displayName, ExternalID: g.externalID,
		Created: g.created, Modified: g.modified, OrgGroupID: g.orgGroup}
}

func siteRecord(s *Site) SiteRecord {
	r := SiteRecord{ID: s.ID, Name: s.Name, Products: []ProductRecord{}}
	for _, key := range s.order {
		r.Products = append(r.Products, ProductRecord{Key: key, AccessGroups: sortedKeys(s.products[key].accessGroups)})
	}
	return r
}
