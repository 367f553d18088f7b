package mockatlassian

import (
	"encoding/json"
	"time"

	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/internal/store"
)

// Version 1 of the snapshot document (the first release) nested everything
// of an organization in one object; the version-1 data file stored one such
// document per organization. Both are read through fromV1, which turns one
// organization into the records of today's format.

type v1Org struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Created     time.Time     `json:"created"`
	APIKeyHash  string        `json:"apiKeyHash,omitempty"`
	Domains     []DomainView  `json:"domains"`
	Directories []v1Directory `json:"directories"`
	Accounts    []AccountRecord
	Groups      []v1OrgGroup `json:"groups"`
	Sites       []SiteRecord `json:"sites"`
}

type v1Directory struct {
	ID      string        `json:"id"`
	Name    string        `json:"name"`
	Created time.Time     `json:"created"`
	KeyHash string        `json:"keyHash"`
	Users   []v1User      `json:"users"`
	Groups  []v1SCIMGroup `json:"groups"`
}

type v1User struct {
	Resource  scim.User `json:"resource"`
	Created   time.Time `json:"created"`
	Modified  time.Time `json:"modified"`
	AccountID string    `json:"accountId,omitempty"`
	Deleted   bool      `json:"deleted,omitempty"`
}

type v1SCIMGroup struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"displayName"`
	ExternalID  string    `json:"externalId,omitempty"`
	Members     []string  `json:"members"`
	Created     time.Time `json:"created"`
	Modified    time.Time `json:"modified"`
	OrgGroupID  string    `json:"orgGroupId,omitempty"`
}

type v1OrgGroup struct {
	OrgGroupRecord
	Members []string `json:"members,omitempty"`
}

// fromV1 turns one organization of a version-1 document into records.
func fromV1(raw []byte, _ map[string][][]byte) (store.TenantRecords, error) {
	var o v1Org
	if err := json.Unmarshal(raw, &o); err != nil {
		return store.TenantRecords{}, err
	}
	out := store.TenantRecords{ID: o.ID}
	add := func(kind string, v any) {
		// Marshalling plain structs cannot fail.
		_ = out.Add(kind, v)
	}
	add(kindOrg, OrgRecord{ID: o.ID, Name: o.Name, Created: o.Created, APIKeyHash: o.APIKeyHash, Domains: o.Domains})
	for _, a := range o.Accounts {
		add(kindAccount, a)
	}
	for _, g := range o.Groups {
		add(kindGroup, g.OrgGroupRecord)
		for _, aid := range g.Members {
			add(kindGroupMember, OrgGroupMemberRecord{GroupID: g.ID, AccountID: aid})
		}
	}
	for _, d := range o.Directories {
		add(kindDirectory, DirectoryRecord{ID: d.ID, Name: d.Name, Created: d.Created, KeyHash: d.KeyHash})
		for _, u := range d.Users {
			add(kindUser, SCIMUserRecord{DirectoryID: d.ID, Resource: u.Resource, Created: u.Created, Modified: u.Modified,
				AccountID: u.AccountID, Deleted: u.Deleted})
		}
		for _, g := range d.Groups {
			add(kindSCIMGroup, SCIMGroupRecord{DirectoryID: d.ID, ID: g.ID, DisplayName: g.DisplayName, ExternalID: g.ExternalID,
				Created: g.Created, Modified: g.Modified, OrgGroupID: g.OrgGroupID})
			for _, uid := range g.Members {
				add(kindSCIMMember, SCIMMemberRecord{DirectoryID: d.ID, GroupID: g.ID, UserID: uid})
			}
		}
	}
	for _, s := range o.Sites {
		add(kindSite, s)
	}
	return out, nil
}
