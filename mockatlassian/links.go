package mockatlassian

import (
	"strings"

	"github.com/provsim/provsim/internal/secret"
)

// SCIMLink ties a SCIM user to an Atlassian account (the admin APIs of
// ATL-LINK-1). AccountID is null for an unlinked record.
type SCIMLink struct {
	SCIMUserID  string  `json:"scimUserId"`
	AccountID   *string `json:"atlassianAccountId"`
	OrgID       string  `json:"orgId"`
	DirectoryID string  `json:"directoryId"`
}

// AuthenticateOrg checks an organization API key (any of its unexpired
// keys, apikeys.go) in constant time.
func (m *Model) AuthenticateOrg(orgID, key string) AuthResult {
	now := m.now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	o, ok := m.orgs[orgID]
	if ok {
		if _, match := o.matchKey(key, now); match {
			return AuthOK
		}
	}
	if !ok {
		if _, known := m.orgKeys[secret.HashOf(key)]; known {
			return AuthUnknownDirectory
		}
	}
	return AuthForbidden
}

// SCIMLinksForAccount lists the SCIM records linked to an account.
func (m *Model) SCIMLinksForAccount(orgID, accountID string) ([]SCIMLink, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.accounts[accountID]
	if !ok {
		return nil, errNotFound("account %s does not exist", accountID)
	}
	return o.accountView(a).SCIMLinks, nil
}

// SCIMLinksForEmail lists SCIM records whose primary email is email, across
// the org's directories, linked or not.
func (m *Model) SCIMLinksForEmail(orgID, email string) ([]SCIMLink, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []SCIMLink{}
	for _, did := range o.dirOrder {
		d := o.directories[did]
		if id, ok := d.byEmail[strings.ToLower(email)]; ok && !d.users[id].deleted {
			l := SCIMLink{SCIMUserID: id, OrgID: o.ID, DirectoryID: did}
			if acct := d.users[id].account; acct != "" {
				l.AccountID = ptr(acct)
			}
			out = append(out, l)
		}
	}
	return out, nil
}

// UnlinkSCIMUser unlinks a SCIM user from its account without deleting the
// SCIM user. Its next write links again by email.
func (m *Model) UnlinkSCIMUser(orgID, dirID, scimUserID string) error {
	return m.orgDirectory(orgID, dirID, func(d *Directory) error {
		r, err := d.liveUser(scimUserID)
		if err != nil {
			return err
		}
		o := d.org
		if a := o.accounts[r.account]; a != nil {
			delete(a.links, d.ID)
		}
		r.account = ""
		o.changes.Put(kindUser, dirKey(d.ID, scimUserID))
		return nil
	})
}

// DeleteSCIMRecordsOfAccount is onlyDeleteUserInDB: it deletes the SCIM
// records of a managed account in every directory of the org, leaving the
// account itself as it is; memberships must be re-provisioned (ATL-LINK-1).
func (m *Model) DeleteSCIMRecordsOfAccount(orgID, accountID string) error {
	o, err := m.org(orgID)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.accounts[accountID]
	if !ok {
		return errNotFound("account %s does not exist", accountID)
	}
	if !o.managed(a.Email) {
		return errInvalid("account %s is not managed by organization %s", accountID, orgID)
	}
	for did, uid := range a.links {
		if d := o.directories[did]; d != nil {
			if r, ok := d.users[uid]; ok {
				d.removeUser(r)
			}
		}
		delete(a.links, did)
	}
	return nil
}
