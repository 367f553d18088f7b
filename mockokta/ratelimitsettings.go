package mockokta

import (
	"fmt"
	"maps"
	"slices"

	"github.com/provsim/provsim/internal/store"
)

// An org's rate-limit settings (OAPI-RATE-9): whether admins are emailed
// about rate limits, the per-client rate limit mode, and the warning
// threshold, which decides when system.org.rate_limit.warning is written
// (OAPI-RATE-6). Org data, stored with --data-dir; the limiter reads the
// threshold lock-free from the org's published copy.

// PerClientModes are the per-client rate limit modes.
var PerClientModes = []string{"DISABLE", "ENFORCE", "PREVIEW"}

// PerClientUseCases are the use cases whose mode may override the default.
var PerClientUseCases = []string{"LOGIN_PAGE", "OAUTH2_AUTHORIZE", "OIE_APP_INTENT"}

// RateLimitSettings are an org's rate-limit settings.
type RateLimitSettings struct {
	NotificationsEnabled bool              `json:"notificationsEnabled"`
	WarningThreshold     int               `json:"warningThreshold"`
	PerClientDefaultMode string            `json:"perClientDefaultMode"`
	PerClientOverrides   map[string]string `json:"perClientOverrides,omitempty"`
}

// defaultRateLimitSettings are a new org's: notifications on, the warning
// at 60 % (OAPI-RATE-6) and per-client limits enforced (both defaults a
// guess, OAPI-RATE-9).
func defaultRateLimitSettings() RateLimitSettings {
	return RateLimitSettings{NotificationsEnabled: true, WarningThreshold: rateWarningPercent, PerClientDefaultMode: "ENFORCE"}
}

// The warning threshold's range in Okta's API.
const (
	minWarningThreshold = 30
	maxWarningThreshold = 90
)

func (s RateLimitSettings) clone() RateLimitSettings {
	s.PerClientOverrides = maps.Clone(s.PerClientOverrides)
	return s
}

// RateLimitSettingsOf returns the org's settings.
func (o *Org) RateLimitSettingsOf() RateLimitSettings {
	if s := o.rateSettings.Load(); s != nil {
		return s.clone()
	}
	return defaultRateLimitSettings()
}

// warningThreshold is the percentage of a bucket at which the org is warned.
func (o *Org) warningThreshold() int {
	if s := o.rateSettings.Load(); s != nil {
		return s.WarningThreshold
	}
	return rateWarningPercent
}

// updateRateLimitSettings applies change to a copy of the settings and
// publishes it, marking the record for the store.
func (m *Model) updateRateLimitSettings(o *Org, change func(*RateLimitSettings)) RateLimitSettings {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.RateLimitSettingsOf()
	change(&s)
	o.rateSettings.Store(&s)
	o.changes.Put(kindRateLimitSettings, o.ID)
	return s.clone()
}

// SetRateLimitNotifications turns the admins' rate-limit emails on or off.
func (m *Model) SetRateLimitNotifications(o *Org, enabled bool) RateLimitSettings {
	return m.updateRateLimitSettings(o, func(s *RateLimitSettings) { s.NotificationsEnabled = enabled })
}

// SetRateLimitWarningThreshold sets when the warning is written: 30–90 %
// of a bucket.
func (m *Model) SetRateLimitWarningThreshold(o *Org, percent int) (RateLimitSettings, error) {
	if percent < minWarningThreshold || percent > maxWarningThreshold {
		return RateLimitSettings{}, errValidation(fmt.Sprintf("warningThreshold: must be between %d and %d", minWarningThreshold, maxWarningThreshold))
	}
	return m.updateRateLimitSettings(o, func(s *RateLimitSettings) { s.WarningThreshold = percent }), nil
}

// SetPerClientRateLimits replaces the per-client mode and its overrides.
func (m *Model) SetPerClientRateLimits(o *Org, defaultMode string, overrides map[string]string) (RateLimitSettings, error) {
	if err := checkPerClient(defaultMode, overrides); err != nil {
		return RateLimitSettings{}, err
	}
	return m.updateRateLimitSettings(o, func(s *RateLimitSettings) {
		s.PerClientDefaultMode = defaultMode
		s.PerClientOverrides = maps.Clone(overrides)
		if len(s.PerClientOverrides) == 0 {
			s.PerClientOverrides = nil
		}
	}), nil
}

func checkPerClient(defaultMode string, overrides map[string]string) error {
	var causes []string
	switch {
	case defaultMode == "":
		causes = append(causes, "defaultMode: The field cannot be left blank")
	case !slices.Contains(PerClientModes, defaultMode):
		causes = append(causes, fmt.Sprintf("defaultMode: %q is not one of DISABLE, ENFORCE, PREVIEW", defaultMode))
	}
	for _, useCase := range sortedSet(overrides) {
		mode := overrides[useCase]
		switch {
		case !slices.Contains(PerClientUseCases, useCase):
			causes = append(causes, fmt.Sprintf("useCaseModeOverrides: %q is not one of LOGIN_PAGE, OAUTH2_AUTHORIZE, OIE_APP_INTENT", useCase))
		case !slices.Contains(PerClientModes, mode):
			causes = append(causes, fmt.Sprintf("useCaseModeOverrides.%s: %q is not one of DISABLE, ENFORCE, PREVIEW", useCase, mode))
		}
	}
	if len(causes) > 0 {
		return errValidation(causes...)
	}
	return nil
}

// rateLimitSettingsRecord is the org's settings record; ok is false while
// they are the defaults (nothing to store).
func rateLimitSettingsRecord(o *Org) (RateLimitSettings, bool) {
	s := o.rateSettings.Load()
	if s == nil {
		return RateLimitSettings{}, false
	}
	return s.clone(), true
}

// buildRateLimitSettings restores the org's settings.
func buildRateLimitSettings(o *Org, tr store.TenantRecords) error {
	s, ok, err := store.DecodeOne[RateLimitSettings](tr, kindRateLimitSettings)
	if err != nil || !ok {
		return err
	}
	if s.WarningThreshold < minWarningThreshold || s.WarningThreshold > maxWarningThreshold {
		return fmt.Errorf("rateLimitSettings: warningThreshold %d: want %d–%d", s.WarningThreshold, minWarningThreshold, maxWarningThreshold)
	}
	if err := checkPerClient(s.PerClientDefaultMode, s.PerClientOverrides); err != nil {
		return fmt.Errorf("rateLimitSettings: %v", err.(*Error).Causes)
	}
	o.rateSettings.Store(&s)
	return nil
}
