package mockatlassian

import (
	"strings"
	"time"

	"github.com/provsim/provsim/internal/secret"
)

// Organization API keys: the bearer keys of the Organizations and User
// management REST APIs (and of the user-provisioning admin API, links.go),
// made in Atlassian Administration → Settings → API keys and shown once
// (ATL-KEY-2). An organization has its primary key, made
// with it (CreateOrg, --org-api-key), and any number of further keys with a
// label and an expiry. Only SHA-256 hashes are kept; comparisons run in
// constant time; keys never reach a log or the journal.
//
// Locking: like directory keys, every key of every organization is guarded
// by Model.mu, so authentication takes no organization lock.

// PrimaryKeyID names an organization's primary key in key listings.
const PrimaryKeyID = "primary"

// maxKeyLifetime is the longest expiry Atlassian allows for an org API key.
const maxKeyLifetime = 365 * 24 * time.Hour

// OrgAPIKey is one further API key of an organization.
type OrgAPIKey struct {
	ID      string
	Label   string
	Created time.Time
	Expires time.Time // zero: never
	hash    secret.Hash
}

// CreateAPIKeyInput describes a new organization API key.
type CreateAPIKeyInput struct {
	Label     string     `json:"label" yaml:"label"`
	APIKey    string     `json:"apiKey,omitempty" yaml:"apiKey"`       // random when empty
	ExpiresAt *time.Time `json:"expiresAt,omitempty" yaml:"expiresAt"` // never when absent
}

// APIKeyView is a key as listed: never the key itself.
type APIKeyView struct {
	ID        string     `json:"id"`
	Label     string     `json:"label"`
	Created   time.Time  `json:"created"`
	ExpiresAt *time.Time `json:"expiresAt"`
	Expired   bool       `json:"expired"`
}

// APIKeyCreated is shown once, with the key.
type APIKeyCreated struct {
	APIKeyView
	OrgID  string `json:"orgId"`
	APIKey string `json:"apiKey"`
}

// CreateAPIKey adds an organization API key. Atlassian's console requires an
// expiry of at most one year; here it may also be left out (never expires),
// as the primary key never does.
func (m *Model) CreateAPIKey(orgID string, in CreateAPIKeyInput) (APIKeyCreated, error) {
	in.Label = strings.TrimSpace(in.Label)
	if in.Label == "" {
		return APIKeyCreated{}, errInvalid("label is required: name the key after what will use it")
	}
	if len(in.Label) > 100 {
		return APIKeyCreated{}, errInvalid("label is longer than 100 characters")
	}
	now := m.now()
	k := &OrgAPIKey{Label: in.Label, Created: now}
	if in.ExpiresAt != nil {
		exp := in.ExpiresAt.UTC()
		if !exp.After(now) {
			return APIKeyCreated{}, errInvalid("expiresAt must be in the future")
		}
		if exp.Sub(now) > maxKeyLifetime {
			return APIKeyCreated{}, errInvalid("expiresAt must be at most one year from now")
		}
		k.Expires = exp
	}
	if in.APIKey == "" {
		in.APIKey = m.ids.Token(48)
	}
	if strings.ContainsAny(in.APIKey, " \t\r\n") {
		return APIKeyCreated{}, errInvalid("apiKey must not contain white space")
	}
	k.hash = secret.HashOf(in.APIKey)
	k.ID = m.ids.UUID()
	o, err := m.org(orgID)
	if err != nil {
		return APIKeyCreated{}, err
	}
	// The org lock for the record mark, then m.mu for the keys: the
	// model's lock order.
	o.mu.Lock()
	defer o.mu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.orgKeys[k.hash]; dup {
		return APIKeyCreated{}, errConflict("that organization API key is already in use")
	}
	o.apiKeys = append(o.apiKeys, k)
	m.orgKeys[k.hash] = o.ID
	o.changes.New(kindAPIKey, k.ID)
	return APIKeyCreated{APIKeyView: k.view(now), OrgID: o.ID, APIKey: in.APIKey}, nil
}

func (k *OrgAPIKey) view(now time.Time) APIKeyView {
	v := APIKeyView{ID: k.ID, Label: k.Label, Created: k.Created}
	if !k.Expires.IsZero() {
		v.ExpiresAt = ptr(k.Expires)
		v.Expired = !now.Before(k.Expires)
	}
	return v
}

// APIKeys lists an organization's keys: the primary one first, when it
// has one.
func (m *Model) APIKeys(orgID string) ([]APIKeyView, error) {
	now := m.now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	o, ok := m.orgs[orgID]
	if !ok {
		return nil, errNotFound("organization %s does not exist", orgID)
	}
	out := []APIKeyView{}
	if o.apiKey != nil {
		out = append(out, APIKeyView{ID: PrimaryKeyID, Label: "Primary key (created with the organization)", Created: o.Created})
	}
	for _, k := range o.apiKeys {
		out = append(out, k.view(now))
	}
	return out, nil
}

// RevokeAPIKey deletes a key; it stops working at once. The primary key
// can be revoked too.
func (m *Model) RevokeAPIKey(orgID, keyID string) error {
	o, err := m.org(orgID)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if keyID == PrimaryKeyID && o.apiKey != nil {
		delete(m.orgKeys, *o.apiKey)
		o.apiKey = nil
		o.changes.Put(kindOrg, o.ID)
		return nil
	}
	for i, k := range o.apiKeys {
		if k.ID == keyID {
			delete(m.orgKeys, k.hash)
			o.apiKeys = append(o.apiKeys[:i:i], o.apiKeys[i+1:]...)
			o.changes.Put(kindAPIKey, k.ID)
			return nil
		}
	}
	return errNotFound("API key %s does not exist in organization %s", keyID, orgID)
}

// keyHashes lists every key hash of the organization. Caller holds m.mu
// (or owns a detached Org).
func (o *Org) keyHashes() []secret.Hash {
	var out []secret.Hash
	if o.apiKey != nil {
		out = append(out, *o.apiKey)
	}
	for _, k := range o.apiKeys {
		out = append(out, k.hash)
	}
	return out
}

// matchKey finds the organization key a bearer key is, in constant time per
// key; an expired key matches nothing. Caller holds m.mu.
func (o *Org) matchKey(key string, now time.Time) (Caller, bool) {
	if o.apiKey != nil && o.apiKey.Matches(key) {
		return Caller{OrgID: o.ID, KeyID: PrimaryKeyID, KeyLabel: "Primary key"}, true
	}
	for _, k := range o.apiKeys {
		if k.hash.Matches(key) {
			if !k.Expires.IsZero() && !now.Before(k.Expires) {
				return Caller{}, false
			}
			return Caller{OrgID: o.ID, KeyID: k.ID, KeyLabel: k.Label}, true
		}
	}
	return Caller{}, false
}

// Caller is who an organization API key belongs to.
type Caller struct {
	OrgID    string
	KeyID    string
	KeyLabel string
}

// AuthenticateAPIKey finds the organization an API key belongs to. The map
// lookup is by the key's SHA-256, so its timing says nothing about the key;
// the final comparison is constant-time.
func (m *Model) AuthenticateAPIKey(key string) (Caller, bool) {
	now := m.now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	orgID, ok := m.orgKeys[secret.HashOf(key)]
	if !ok {
		return Caller{}, false
	}
	return m.orgs[orgID].matchKey(key, now)
}
