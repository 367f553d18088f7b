package mockatlassian

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/store"
)

// The admin APIs' records (records.go has the others): an organization's
// further API keys (as hashes) and its audit log, each event its own record
// keyed by its sequence number; an account's suspension, activity and
// personal API tokens ride in its account record.

// Record kinds of the admin APIs; they follow the kinds of records.go.
const (
	kindAPIKey = "apiKey" // id: key id
	kindEvent  = "event"  // id: the event's sequence number
)

// APIKeyRecord is a further organization API key; the primary one is in
// the org record.
type APIKeyRecord struct {
	ID        string     `json:"id"`
	Label     string     `json:"label"`
	Created   time.Time  `json:"created"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	KeyHash   string     `json:"keyHash"` // hex SHA-256
}

// AccountAdminState is the admin-API part of an account record.
type AccountAdminState struct {
	Suspended  bool              `json:"suspended,omitempty"`
	LastActive *time.Time        `json:"lastActive,omitempty"`
	Activity   []ProductActivity `json:"activity,omitempty"`
	APITokens  []UserAPIToken    `json:"apiTokens,omitempty"`
}

// ProductActivity is an account's last use of a product on a site.
type ProductActivity struct {
	SiteID     string    `json:"siteId"`
	Product    string    `json:"product"`
	LastActive time.Time `json:"lastActive"`
}

func eventKey(seq uint64) string { return strconv.FormatUint(seq, 10) }

// adminRecords emits the admin records of the organization in model order.
// Caller holds o.mu.
func (t orgTenant) adminRecords(emit func(kind, id string, v any) error) error {
	for _, k := range t.m.apiKeysOf(t.o) {
		if err := emit(kindAPIKey, k.ID, k); err != nil {
			return err
		}
	}
	for _, e := range t.o.events {
		if err := emit(kindEvent, eventKey(e.Seq), *e); err != nil {
			return err
		}
	}
	return nil
}

// adminRecord is the current value of one admin record. Caller holds o.mu.
func (t orgTenant) adminRecord(kind, id string) (any, bool) {
	switch kind {
	case kindAPIKey:
		for _, k := range t.m.apiKeysOf(t.o) {
			if k.ID == id {
				return k, true
			}
		}
	case kindEvent:
		seq, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			return nil, false
		}
		if e := t.o.event(seq); e != nil {
			return *e, true
		}
	}
	return nil, false
}

// apiKeysOf copies an organization's further keys, which m.mu guards
// (taken inside o.mu, the model's lock order).
func (m *Model) apiKeysOf(o *Org) []APIKeyRecord {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]APIKeyRecord, 0, len(o.apiKeys))
	for _, k := range o.apiKeys {
		r := APIKeyRecord{ID: k.ID, Label: k.Label, Created: k.Created, KeyHash: hex.EncodeToString(k.hash[:])}
		if !k.Expires.IsZero() {
			r.ExpiresAt = ptr(k.Expires)
		}
		out = append(out, r)
	}
	return out
}

// accountAdminState copies an account's admin state.
func accountAdminState(a *Account) AccountAdminState {
	s := AccountAdminState{Suspended: a.Suspended}
	if !a.LastActive.IsZero() {
		s.LastActive = ptr(a.LastActive)
	}
	for _, k := range sortedKeys(a.activity) {
		site, product, _ := strings.Cut(k, "/")
		s.Activity = append(s.Activity, ProductActivity{SiteID: site, Product: product, LastActive: a.activity[k]})
	}
	for _, t := range a.tokens {
		s.APITokens = append(s.APITokens, *t)
	}
	return s
}

// restoreAccountAdmin applies an account record's admin state to a
// detached account.
func restoreAccountAdmin(a *Account, s AccountAdminState) error {
	a.Suspended = s.Suspended
	if s.LastActive != nil {
		a.LastActive = s.LastActive.UTC()
	}
	for _, act := range s.Activity {
		if act.SiteID == "" || act.Product == "" {
			return errInvalid("account %s: activity needs siteId and product", a.ID)
		}
		if a.activity == nil {
			a.activity = map[string]time.Time{}
		}
		a.activity[act.SiteID+"/"+act.Product] = act.LastActive.UTC()
	}
	for i := range s.APITokens {
		t := s.APITokens[i]
		if t.ID == "" {
			return errInvalid("account %s: apiTokens[%d]: id is required", a.ID, i)
		}
		a.tokens = append(a.tokens, &t)
	}
	return nil
}

// buildOrgAdmin reads the admin records into a detached Org: its further
// keys and its audit log, which continues from its newest event.
func buildOrgAdmin(o *Org, tr store.TenantRecords) error {
	keys, err := decodeAll[APIKeyRecord](tr, kindAPIKey)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, ks := range keys {
		if err := validID("API key", ks.ID); err != nil {
			return err
		}
		if ks.ID == PrimaryKeyID || seen[ks.ID] {
			return errInvalid("API key id %q is reserved or repeated", ks.ID)
		}
		seen[ks.ID] = true
		h, err := parseHash("API key "+ks.ID+" keyHash", ks.KeyHash)
		if err != nil {
			return err
		}
		k := &OrgAPIKey{ID: ks.ID, Label: ks.Label, Created: ks.Created, hash: h}
		if ks.ExpiresAt != nil {
			k.Expires = ks.ExpiresAt.UTC()
		}
		o.apiKeys = append(o.apiKeys, k)
	}
	events, err := decodeAll[Event](tr, kindEvent)
	if err != nil {
		return err
	}
	ids := map[string]bool{}
	for i := range events {
		e := events[i]
		if e.ID == "" || e.Action == "" || ids[e.ID] {
			return errInvalid("events[%d]: id and action are required, and ids are unique", i)
		}
		if e.Seq <= o.eventSeq {
			return errInvalid("events[%d]: seq %d is not after %d: events are stored in increasing seq", i, e.Seq, o.eventSeq)
		}
		ids[e.ID] = true
		o.eventSeq = e.Seq
		o.events = append(o.events, &e)
	}
	return nil
}
