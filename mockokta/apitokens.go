package mockokta

import (
	"fmt"
	"slices"
	"time"

	"github.com/provsim/provsim/internal/secret"
)

// The API Tokens API (OAPI-TOKEN-1): the org's SSWS tokens as metadata,
// and their revocation. mockokta keeps only each token's hash, so what
// Okta records at creation (a name, the creating client, the time) is not
// known: a token is named by its place in the org's list, its owner is
// the super administrator (who owns every org token, builtins.go) and it
// dates from the org's creation. A revoked token's hash is dropped from the
// org, and from its record with --data-dir: it is 401 E0000011 from then on.

// apiTokenWindow is Okta's default idle window of an API token (30 days);
// mockokta does not expire idle tokens, so expiresAt is a window from the
// time of asking.
const apiTokenWindow = 30 * 24 * time.Hour

// APIToken is Okta's ApiToken.
type APIToken struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	UserID      string    `json:"userId"`
	ClientName  string    `json:"clientName"`
	TokenWindow string    `json:"tokenWindow"`
	Created     time.Time `json:"created"`
	LastUpdated time.Time `json:"lastUpdated"`
	ExpiresAt   time.Time `json:"expiresAt"`
	Links       any       `json:"_links,omitempty"`
}

// APITokens lists the org's API tokens in the order they were given.
func (m *Model) APITokens(o *Org) []APIToken {
	hashes := m.tokensOf(o)
	o.mu.Lock()
	admin, created := o.adminID, o.Created
	o.mu.Unlock()
	now := m.now()
	out := make([]APIToken, 0, len(hashes))
	for i, h := range hashes {
		out = append(out, APIToken{ID: apiTokenID(h), Name: fmt.Sprintf("API token %d", i+1), UserID: admin,
			ClientName: "Okta API", TokenWindow: "P30D", Created: created, LastUpdated: created,
			ExpiresAt: now.Add(apiTokenWindow)})
	}
	return out
}

// APIToken is one of the org's API tokens by id (404 E0000007 otherwise).
func (m *Model) APIToken(o *Org, id string) (APIToken, error) {
	for _, t := range m.APITokens(o) {
		if t.ID == id {
			return t, nil
		}
	}
	return APIToken{}, errNotFound("ApiToken", id)
}

// RevokeAPIToken drops the org's token with that id: its hash leaves the
// org and the token index, so the next request with it is 401 E0000011.
func (m *Model) RevokeAPIToken(o *Org, id string) error {
	m.mu.Lock()
	i := slices.IndexFunc(o.tokens, func(h secret.Hash) bool { return apiTokenID(h) == id })
	if i < 0 {
		m.mu.Unlock()
		return errNotFound("ApiToken", id)
	}
	delete(m.tokens, o.tokens[i])
	// o.tokens is read under m.mu (OrgByToken, tokensOf): a fresh slice,
	// so copies made before keep their view.
	o.tokens = slices.Delete(slices.Clone(o.tokens), i, i+1)
	m.mu.Unlock()
	// The org lock after m.mu is released (lock order: org lock first).
	o.mu.Lock()
	o.changes.Put(kindOrg, o.ID)
	m.logAPI(o, "system.api_token.revoke", "Revoke API token", LogTarget{ID: id, Type: "Token"})
	o.mu.Unlock()
	return nil
}
