package mockokta

import (
	"fmt"

	"github.com/provsim/provsim/internal/store"
)

// The simulator's own settings of an org, set through /_sim/: its pace
// (OKTA-PACE-3) and its Management API rate limits (OAPI-RATE-1). They are
// not Okta data, but a restart with --data-dir keeps them, so an org set up
// for a test behaves the same after it. Each is read without the org lock
// (the engine's pace, the limiter's limits).

// simSettingsRecord is the org's record of them; absent while both are
// the server's.
type simSettingsRecord struct {
	Pace       *Pace             `json:"pace,omitempty"`
	RateLimits *rateLimitsRecord `json:"rateLimits,omitempty"`
}

// rateLimitsRecord is RateLimits as stored.
type rateLimitsRecord struct {
	On          bool    `json:"on"`
	Scale       float64 `json:"scale"`
	Share       float64 `json:"share"`
	Concurrency int     `json:"concurrency"`
}

func simSettingsOf(o *Org) (simSettingsRecord, bool) {
	var rec simSettingsRecord
	if p := o.pace.Load(); p != nil {
		cp := *p
		rec.Pace = &cp
	}
	if l := o.limits.Load(); l != nil {
		rec.RateLimits = &rateLimitsRecord{On: l.On, Scale: l.Scale, Share: l.Share, Concurrency: l.Concurrency}
	}
	return rec, rec.Pace != nil || rec.RateLimits != nil
}

// SetOrgRateLimits gives an org its own Management API limits; nil gives
// it back the server's.
func (m *Model) SetOrgRateLimits(orgID string, c *RateLimits) error {
	o, err := m.Org(orgID)
	if err != nil {
		return err
	}
	if c != nil {
		cp := c.withDefaults()
		c = &cp
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.limits.Store(c)
	o.changes.Put(kindSimSettings, o.ID)
	return nil
}

// buildSimSettings restores the org's pace and rate limits.
func buildSimSettings(o *Org, tr store.TenantRecords) error {
	rec, ok, err := store.DecodeOne[simSettingsRecord](tr, kindSimSettings)
	if err != nil || !ok {
		return err
	}
	if rec.Pace != nil {
		// Decoding went through ParsePace (Pace.UnmarshalText).
		p := *rec.Pace
		o.pace.Store(&p)
	}
	if r := rec.RateLimits; r != nil {
		if r.Scale < 0 || r.Share < 0 || r.Share > 1 {
			return fmt.Errorf("simSettings: rateLimits: scale must not be negative and share must be from 0 to 1")
		}
		c := RateLimits{On: r.On, Scale: r.Scale, Share: r.Share, Concurrency: r.Concurrency}.withDefaults()
		o.limits.Store(&c)
	}
	return nil
}
