package mockokta

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"time"

	"github.com/provsim/provsim/internal/secret"
	"github.com/provsim/provsim/internal/store"
)

// Principal rate limits (OAPI-RATE-8): an admin's own share of every
// rate-limit bucket for one API token or one OAuth 2.0 service app, in place
// of the default 50 % (OAPI-RATE-2), and its share of the concurrency limit.
// The entities are org data (stored with --data-dir); the limiter reads each
// principal's share from an immutable map the org swaps on every change, so
// a request never waits on the org lock to be counted.

// The principal types Okta knows.
const (
	PrincipalAPIToken    = "SSWS_TOKEN"
	PrincipalOAuthClient = "OAUTH_CLIENT"
)

// PrincipalRateLimit is a PrincipalRateLimitEntity.
type PrincipalRateLimit struct {
	ID            string
	PrincipalID   string
	PrincipalType string
	// Percentage is the share of each bucket, ConcurrencyPercentage the
	// share of the org's concurrency limit, both in percent.
	Percentage            int
	ConcurrencyPercentage int
	CreatedBy             string
	LastUpdatedBy         string
	Created               time.Time
	LastUpdated           time.Time
}

// PrincipalRateLimitInput is what a create or a replace sets. A nil
// percentage takes the default (create) or keeps the value (replace is a
// whole replacement in Okta's API, but Terraform's provider sends both
// only when configured: a guess, OAPI-RATE-8).
type PrincipalRateLimitInput struct {
	PrincipalID           string
	PrincipalType         string
	Percentage            *int
	ConcurrencyPercentage *int
}

// defaultPrincipalPercent is a new entity's share when the request names
// none: the 50 % Okta applies to every token (OAPI-RATE-2). The concurrency
// share's default is a guess (OAPI-RATE-8).
const defaultPrincipalPercent = 50

// principalShare is what the limiter needs of an entity.
type principalShare struct {
	percent, concurrencyPercent int
}

// principalKey names a principal in the limiter and the shares map.
func principalKeyOf(principalType, principalID string) string {
	return principalType + ":" + principalID
}

// apiTokenID is an API token's id, as Okta's API tokens have ("00T…", 20
// characters): derived from the token's hash, so it stays the same across
// restarts (only the hash is kept) and names no part of the token.
func apiTokenID(h secret.Hash) string {
	var n big.Int
	n.SetBytes(h[:16])
	s := n.Text(62)
	for len(s) < 17 {
		s = "0" + s
	}
	return "00T" + s[:17]
}

// APITokenIDs lists the ids of an org's API tokens.
func (m *Model) APITokenIDs(o *Org) []string {
	var out []string
	for _, h := range m.tokensOf(o) {
		out = append(out, apiTokenID(h))
	}
	return out
}

// PrincipalShare is the share of each bucket and of the concurrency limit
// an admin set for a principal; ok is false when none was set.
func (o *Org) principalShare(principalType, principalID string) (principalShare, bool) {
	shares := o.shares.Load()
	if shares == nil {
		return principalShare{}, false
	}
	s, ok := (*shares)[principalKeyOf(principalType, principalID)]
	return s, ok
}

// publishShares rebuilds the limiter's view after a change. Caller holds o.mu.
func (o *Org) publishShares() {
	shares := make(map[string]principalShare, len(o.principalLimits))
	for _, p := range o.principalLimits {
		shares[principalKeyOf(p.PrincipalType, p.PrincipalID)] = principalShare{p.Percentage, p.ConcurrencyPercentage}
	}
	o.shares.Store(&shares)
}

var principalFilterRE = regexp.MustCompile(`^\s*principalType\s+eq\s+"([^"]*)"\s*$`)

// ParsePrincipalFilter reads the list's filter, which Okta requires and
// which names a principal type (`principalType eq "SSWS_TOKEN"`).
func ParsePrincipalFilter(filter string) (string, error) {
	if filter == "" {
		return "", errValidation("filter: The filter parameter is required, e.g. principalType eq \"SSWS_TOKEN\"")
	}
	m := principalFilterRE.FindStringSubmatch(filter)
	if m == nil {
		return "", errInvalidSearch(`filter: only principalType eq "SSWS_TOKEN" or principalType eq "OAUTH_CLIENT" is supported`)
	}
	if m[1] != PrincipalAPIToken && m[1] != PrincipalOAuthClient {
		return "", errInvalidSearch(fmt.Sprintf("filter: principalType %q: want SSWS_TOKEN or OAUTH_CLIENT", m[1]))
	}
	return m[1], nil
}

// ListPrincipalRateLimits lists the org's entities of one principal type
// in creation order.
func (m *Model) ListPrincipalRateLimits(o *Org, principalType string) []PrincipalRateLimit {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []PrincipalRateLimit{}
	for _, id := range o.principalOrder {
		if p := o.principalLimits[id]; p.PrincipalType == principalType {
			out = append(out, *p)
		}
	}
	return out
}

// GetPrincipalRateLimit returns one entity.
func (m *Model) GetPrincipalRateLimit(o *Org, id string) (PrincipalRateLimit, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	p, ok := o.principalLimits[id]
	if !ok {
		return PrincipalRateLimit{}, errNotFound("PrincipalRateLimitEntity", id)
	}
	return *p, nil
}

// checkPercent refuses a share outside 1–100 (a guess at Okta's range:
// its Admin Console slider, OAPI-RATE-8).
func checkPercent(field string, v *int) error {
	if v != nil && (*v < 1 || *v > 100) {
		return errValidation(field + ": must be a whole number from 1 to 100")
	}
	return nil
}

// validatePrincipal checks an input's fields and that its principal is one
// of the org's API tokens or service apps. Caller does not hold o.mu.
func (m *Model) validatePrincipal(o *Org, in PrincipalRateLimitInput) error {
	var causes []string
	if in.PrincipalID == "" {
		causes = append(causes, "principalId: The field cannot be left blank")
	}
	switch in.PrincipalType {
	case PrincipalAPIToken, PrincipalOAuthClient:
	case "":
		causes = append(causes, "principalType: The field cannot be left blank")
	default:
		causes = append(causes, fmt.Sprintf("principalType: %q is not SSWS_TOKEN or OAUTH_CLIENT", in.PrincipalType))
	}
	for _, err := range []error{checkPercent("defaultPercentage", in.Percentage), checkPercent("defaultConcurrencyPercentage", in.ConcurrencyPercentage)} {
		if err != nil {
			causes = append(causes, err.(*Error).Causes...)
		}
	}
	if len(causes) > 0 {
		return errValidation(causes...)
	}
	switch in.PrincipalType {
	case PrincipalAPIToken:
		if !slices.Contains(m.APITokenIDs(o), in.PrincipalID) {
			return errNotFound("ApiToken", in.PrincipalID)
		}
	case PrincipalOAuthClient:
		if _, ok := m.ServiceApp(o, in.PrincipalID); !ok {
			return errNotFound("OAuth2Client", in.PrincipalID)
		}
	}
	return nil
}

// CreatePrincipalRateLimit sets a principal's shares; by is who did it
// (the admin behind an API token, or the service app). Okta keeps one
// entity per principal.
func (m *Model) CreatePrincipalRateLimit(o *Org, in PrincipalRateLimitInput, by string) (PrincipalRateLimit, error) {
	if err := m.validatePrincipal(o, in); err != nil {
		return PrincipalRateLimit{}, err
	}
	now := m.now()
	p := &PrincipalRateLimit{ID: m.oktaID("0pr"), PrincipalID: in.PrincipalID, PrincipalType: in.PrincipalType,
		Percentage: defaultPrincipalPercent, ConcurrencyPercentage: defaultPrincipalPercent,
		CreatedBy: by, LastUpdatedBy: by, Created: now, LastUpdated: now}
	if in.Percentage != nil {
		p.Percentage = *in.Percentage
	}
	if in.ConcurrencyPercentage != nil {
		p.ConcurrencyPercentage = *in.ConcurrencyPercentage
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, other := range o.principalLimits {
		if other.PrincipalType == p.PrincipalType && other.PrincipalID == p.PrincipalID {
			// One entity per principal (Okta's words on create); the
			// error is a guess (OAPI-RATE-8).
			return PrincipalRateLimit{}, errValidation(fmt.Sprintf("principalId: A principal rate limit already exists for this principal (%s)", other.ID))
		}
	}
	o.principalLimits[p.ID] = p
	o.principalOrder = append(o.principalOrder, p.ID)
	o.changes.New(kindPrincipalRateLimit, p.ID)
	o.publishShares()
	return *p, nil
}

// ReplacePrincipalRateLimit changes an entity's shares. Its principal
// cannot change: the body must name the same one (a guess, OAPI-RATE-8).
func (m *Model) ReplacePrincipalRateLimit(o *Org, id string, in PrincipalRateLimitInput, by string) (PrincipalRateLimit, error) {
	if _, err := m.GetPrincipalRateLimit(o, id); err != nil {
		return PrincipalRateLimit{}, err
	}
	if err := m.validatePrincipal(o, in); err != nil {
		return PrincipalRateLimit{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	p, ok := o.principalLimits[id]
	if !ok {
		return PrincipalRateLimit{}, errNotFound("PrincipalRateLimitEntity", id)
	}
	if p.PrincipalID != in.PrincipalID || p.PrincipalType != in.PrincipalType {
		return PrincipalRateLimit{}, errValidation("principalId: The principal of a principal rate limit cannot be changed")
	}
	if in.Percentage != nil {
		p.Percentage = *in.Percentage
	}
	if in.ConcurrencyPercentage != nil {
		p.ConcurrencyPercentage = *in.ConcurrencyPercentage
	}
	p.LastUpdated, p.LastUpdatedBy = m.now(), by
	o.changes.Put(kindPrincipalRateLimit, p.ID)
	o.publishShares()
	return *p, nil
}

// PrincipalRateLimitRecord is an entity as the store keeps it.
type PrincipalRateLimitRecord struct {
	ID                    string    `json:"id"`
	PrincipalID           string    `json:"principalId"`
	PrincipalType         string    `json:"principalType"`
	Percentage            int       `json:"defaultPercentage"`
	ConcurrencyPercentage int       `json:"defaultConcurrencyPercentage"`
	CreatedBy             string    `json:"createdBy"`
	LastUpdatedBy         string    `json:"lastUpdatedBy"`
	Created               time.Time `json:"createdDate"`
	LastUpdated           time.Time `json:"lastUpdate"`
}

func principalRateLimitRecord(p *PrincipalRateLimit) PrincipalRateLimitRecord {
	return PrincipalRateLimitRecord(*p)
}

// buildPrincipalRateLimits restores the org's entities.
func buildPrincipalRateLimits(o *Org, tr store.TenantRecords) error {
	recs, err := store.Decode[PrincipalRateLimitRecord](tr, kindPrincipalRateLimit)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, rec := range recs {
		if err := validID(fmt.Sprintf("principalRateLimits[%d]", i), rec.ID); err != nil {
			return err
		}
		if _, dup := o.principalLimits[rec.ID]; dup {
			return fmt.Errorf("principal rate limit %s appears twice", rec.ID)
		}
		if rec.PrincipalType != PrincipalAPIToken && rec.PrincipalType != PrincipalOAuthClient {
			return fmt.Errorf("principal rate limit %s: principalType %q: want SSWS_TOKEN or OAUTH_CLIENT", rec.ID, rec.PrincipalType)
		}
		if rec.Percentage < 1 || rec.Percentage > 100 || rec.ConcurrencyPercentage < 1 || rec.ConcurrencyPercentage > 100 {
			return fmt.Errorf("principal rate limit %s: percentages must be from 1 to 100", rec.ID)
		}
		if key := principalKeyOf(rec.PrincipalType, rec.PrincipalID); seen[key] {
			return fmt.Errorf("principal rate limit %s: a second entity for %s", rec.ID, key)
		} else {
			seen[key] = true
		}
		p := PrincipalRateLimit(rec)
		o.principalLimits[rec.ID] = &p
		o.principalOrder = append(o.principalOrder, rec.ID)
	}
	o.publishShares()
	return nil
}
