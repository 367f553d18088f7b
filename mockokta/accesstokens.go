package mockokta

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/provsim/provsim/internal/secret"
	"github.com/provsim/provsim/internal/store"
)

// Issued OAuth access tokens (OAPI-OAUTH-2). A token is
// handed out once; mockokta keeps its SHA-256 only, in memory and, with
// --data-dir, as a record of its org keyed by the hash, so a restart does
// not sign service apps out. Lookups compare the hash in constant time,
// tokens are never logged, and expired ones are dropped (from memory and
// the store) as new ones are issued and when a store is loaded.

// accessToken is what an issued token stands for.
type accessToken struct {
	hash            secret.Hash
	orgID, clientID string
	scopes          []string
	expires         time.Time
}

// tokenStore holds issued access tokens by their hash and the client
// assertion ids already used.
type tokenStore struct {
	mu     sync.Mutex
	tokens map[secret.Hash]accessToken
	jtis   map[string]time.Time // client id + jti → the assertion's expiry
}

func newTokenStore() *tokenStore {
	return &tokenStore{tokens: map[secret.Hash]accessToken{}, jtis: map[string]time.Time{}}
}

// issue makes a token and drops the expired ones, which it returns so
// that their orgs' records go too.
func (s *tokenStore) issue(orgID, clientID string, scopes []string, expires, now time.Time) (string, accessToken, []accessToken, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", accessToken{}, nil, fmt.Errorf("access token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	t := accessToken{hash: secret.HashOf(token), orgID: orgID, clientID: clientID, scopes: scopes, expires: expires}
	s.mu.Lock()
	defer s.mu.Unlock()
	var dropped []accessToken
	for h, old := range s.tokens {
		if now.After(old.expires) {
			delete(s.tokens, h)
			dropped = append(dropped, old)
		}
	}
	s.tokens[t.hash] = t
	return token, t, dropped, nil
}

// lookup finds an unexpired token: by its hash, then compared in
// constant time, as API tokens are (OrgByToken).
func (s *tokenStore) lookup(token string, now time.Time) (accessToken, bool) {
	h := secret.HashOf(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[h]
	if !ok || !t.hash.Matches(token) || now.After(t.expires) {
		return accessToken{}, false
	}
	return t, true
}

func (s *tokenStore) useJTI(key string, expires, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, exp := range s.jtis {
		if now.After(exp) {
			delete(s.jtis, k)
		}
	}
	if _, used := s.jtis[key]; used {
		return false
	}
	s.jtis[key] = expires
	return true
}

// revokeClient drops a client's tokens and returns their hashes.
func (s *tokenStore) revokeClient(orgID, clientID string) []secret.Hash {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []secret.Hash
	for h, t := range s.tokens {
		if t.orgID == orgID && t.clientID == clientID {
			delete(s.tokens, h)
			out = append(out, h)
		}
	}
	return out
}

// ofOrg lists an org's tokens, by hash, for its records.
func (s *tokenStore) ofOrg(orgID string) []accessToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []accessToken
	for _, t := range s.tokens {
		if t.orgID == orgID {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b accessToken) int { return slices.Compare(a.hash[:], b.hash[:]) })
	return out
}

func (s *tokenStore) get(h secret.Hash) (accessToken, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[h]
	return t, ok
}

// replaceOrg makes tokens the org's whole set: for a restored org.
func (s *tokenStore) replaceOrg(orgID string, tokens []accessToken) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, t := range s.tokens {
		if t.orgID == orgID {
			delete(s.tokens, h)
		}
	}
	for _, t := range tokens {
		t.orgID = orgID
		s.tokens[t.hash] = t
	}
}

// issueAccessToken issues a token of the org's service app and marks the
// records that change: the new token's, and those of the expired tokens
// dropped on the way (of any org).
func (m *Model) issueAccessToken(o *Org, clientID string, scopes []string, expires, now time.Time) (string, error) {
	token, t, dropped, err := m.oauth.issue(o.ID, clientID, scopes, expires, now)
	if err != nil {
		return "", err
	}
	o.mu.Lock()
	o.changes.New(kindAccessToken, hex.EncodeToString(t.hash[:]))
	o.mu.Unlock()
	for _, d := range dropped {
		if other, err := m.Org(d.orgID); err == nil {
			other.mu.Lock()
			other.changes.Put(kindAccessToken, hex.EncodeToString(d.hash[:]))
			other.mu.Unlock()
		}
	}
	return token, nil
}

// revokeClientTokens ends a client's tokens at once (deactivation,
// deletion). Caller holds o.mu.
func (m *Model) revokeClientTokens(o *Org, clientID string) {
	for _, h := range m.oauth.revokeClient(o.ID, clientID) {
		o.changes.Put(kindAccessToken, hex.EncodeToString(h[:]))
	}
}

// AccessTokenRecord is an issued token as the store keeps it: its hash is
// the record's id; the token itself is nowhere.
type AccessTokenRecord struct {
	Hash     string    `json:"hash"` // hex SHA-256
	ClientID string    `json:"clientId"`
	Scopes   []string  `json:"scopes"`
	Expires  time.Time `json:"expires"`
}

func accessTokenRecord(t accessToken) AccessTokenRecord {
	return AccessTokenRecord{Hash: hex.EncodeToString(t.hash[:]), ClientID: t.clientID, Scopes: slices.Clone(t.scopes), Expires: t.expires}
}

// accessTokenRecordOf is one stored token of the org by its record id; an
// expired one reads as gone, so the store deletes it.
func (m *Model) accessTokenRecordOf(o *Org, id string) (AccessTokenRecord, bool) {
	b, err := hex.DecodeString(id)
	var h secret.Hash
	if err != nil || len(b) != len(h) {
		return AccessTokenRecord{}, false
	}
	copy(h[:], b)
	t, ok := m.oauth.get(h)
	if !ok || t.orgID != o.ID || m.clock.Now().After(t.expires) {
		return AccessTokenRecord{}, false
	}
	return accessTokenRecord(t), true
}

// buildAccessTokens reads the org's stored tokens, leaving out the expired
// ones and those of service apps the org no longer has; restore hands them
// to the token store once the org is swapped in.
func (m *Model) buildAccessTokens(o *Org, tr store.TenantRecords) error {
	recs, err := store.Decode[AccessTokenRecord](tr, kindAccessToken)
	if err != nil {
		return err
	}
	now := m.clock.Now()
	for i, rec := range recs {
		b, err := hex.DecodeString(rec.Hash)
		var h secret.Hash
		if err != nil || len(b) != len(h) {
			return fmt.Errorf("accessTokens[%d]: hash: want a hex SHA-256 (64 hex digits)", i)
		}
		copy(h[:], b)
		a, ok := o.clients[rec.ClientID]
		if !ok || a.Status != AppActive || now.After(rec.Expires) {
			// Dropped: restore marks its record, so the store deletes it.
			o.droppedTokenIDs = append(o.droppedTokenIDs, rec.Hash)
			continue
		}
		o.restoredTokens = append(o.restoredTokens, accessToken{hash: h, orgID: o.ID, clientID: rec.ClientID, scopes: rec.Scopes, expires: rec.Expires})
	}
	return nil
}
