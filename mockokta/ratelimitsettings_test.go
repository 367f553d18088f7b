package mockokta

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v5/okta"
)

// The Rate Limit Settings API (OAPI-RATE-9).

func TestRateLimitSettingsAPI(t *testing.T) {
	e := newOktaEnv(t)
	// A new org's settings.
	if r := e.do("GET", "/api/v1/rate-limit-settings/admin-notifications", nil).must(t, 200); string(r.Raw) != `{"notificationsEnabled":true}` {
		t.Fatalf("notifications %s", r.Raw)
	}
	if r := e.do("GET", "/api/v1/rate-limit-settings/per-client", nil).must(t, 200); string(r.Raw) != `{"defaultMode":"ENFORCE"}` {
		t.Fatalf("per-client %s", r.Raw)
	}
	if r := e.do("GET", "/api/v1/rate-limit-settings/warning-threshold", nil).must(t, 200); string(r.Raw) != `{"warningThreshold":60}` {
		t.Fatalf("warning threshold %s", r.Raw)
	}
	// Each round-trips.
	for _, c := range []struct{ path, body string }{
		{"admin-notifications", `{"notificationsEnabled":false}`},
		{"per-client", `{"defaultMode":"PREVIEW","useCaseModeOverrides":{"LOGIN_PAGE":"ENFORCE","OAUTH2_AUTHORIZE":"DISABLE"}}`},
		{"warning-threshold", `{"warningThreshold":85}`},
	} {
		put := e.do("PUT", "/api/v1/rate-limit-settings/"+c.path, c.body).must(t, 200)
		get := e.do("GET", "/api/v1/rate-limit-settings/"+c.path, nil).must(t, 200)
		if string(put.Raw) != c.body || string(get.Raw) != c.body {
			t.Errorf("%s: put answered %s, get %s, want %s", c.path, put.Raw, get.Raw, c.body)
		}
	}
	// A replace of the per-client settings drops overrides it leaves out.
	if r := e.do("PUT", "/api/v1/rate-limit-settings/per-client", `{"defaultMode":"DISABLE"}`).must(t, 200); string(r.Raw) != `{"defaultMode":"DISABLE"}` {
		t.Fatalf("per-client replace %s", r.Raw)
	}
	for _, c := range []struct{ path, body string }{
		{"admin-notifications", `{}`},
		{"admin-notifications", `{"notificationsEnabled":"yes"}`},
		{"per-client", `{}`},
		{"per-client", `{"defaultMode":"SOMETIMES"}`},
		{"per-client", `{"defaultMode":"ENFORCE","useCaseModeOverrides":{"SIGN_UP":"ENFORCE"}}`},
		{"per-client", `{"defaultMode":"ENFORCE","useCaseModeOverrides":{"LOGIN_PAGE":"LOUD"}}`},
		{"warning-threshold", `{}`},
		{"warning-threshold", `{"warningThreshold":29}`},
		{"warning-threshold", `{"warningThreshold":91}`},
	} {
		e.do("PUT", "/api/v1/rate-limit-settings/"+c.path, c.body).wantError(t, 400, "E0000001")
	}
	e.do("PUT", "/api/v1/rate-limit-settings/warning-threshold", `{"warningThreshold":`).wantError(t, 400, "E0000003")
	// Refusals changed nothing.
	if r := e.do("GET", "/api/v1/rate-limit-settings/warning-threshold", nil).must(t, 200); string(r.Raw) != `{"warningThreshold":85}` {
		t.Fatalf("after refusals %s", r.Raw)
	}
	// OAuth scopes: okta.rateLimits.read reads, manage writes.
	c := e.newServiceClient("okta.rateLimits.read")
	tok := e.tokenFor(c, "okta.rateLimits.read").must(t, 200).str("access_token")
	e.doAuth("GET", "/api/v1/rate-limit-settings/per-client", nil, "Bearer "+tok).must(t, 200)
	e.doAuth("PUT", "/api/v1/rate-limit-settings/per-client", `{"defaultMode":"ENFORCE"}`, "Bearer "+tok).must(t, 403)
}

// TestWarningThresholdActs: the org's threshold decides when the
// rate-limit warning is written, and the event says which threshold.
func TestWarningThresholdActs(t *testing.T) {
	rl, err := ParseRateLimits("okta*0.1") // the apps bucket: 10 a minute
	if err != nil {
		t.Fatal(err)
	}
	rl.Share = 1
	e := newOktaEnv(t, func(c *Config) { c.RateLimits = rl })
	e.do("PUT", "/api/v1/rate-limit-settings/warning-threshold", `{"warningThreshold":80}`).must(t, 200)
	e.clock.Advance(time.Minute) // a fresh window
	for i := range 10 {
		e.do("GET", "/api/v1/apps?limit="+strconv.Itoa(i+1), nil).must(t, 200)
		if n := len(rateEvents(t, e, "system.org.rate_limit.warning")); (i < 7 && n != 0) || (i >= 7 && n != 1) {
			t.Fatalf("after %d calls of 10: %d warnings, want the first at 8 (80 %%)", i+1, n)
		}
	}
	w := rateEvents(t, e, "system.org.rate_limit.warning")[0]
	if digPath(w, "debugContext.debugData.warningThreshold") != "80" || digPath(w, "debugContext.debugData.count") != "8" {
		t.Fatalf("warning %v", w)
	}
}

// TestRateLimitSettingsSurviveARestart: the settings are stored with
// --data-dir; an org reset puts back the defaults.
func TestRateLimitSettingsSurviveARestart(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	cfg := Config{Options: Options{Logger: logger, Seed: 1}, Logger: logger, DataDir: t.TempDir(), Boot: &Boot{APIToken: "boot-token-0123456789"}}
	do := func(s *Server, method, path string, body any) resp {
		return (&oktaEnv{t: t, srv: s, token: "boot-token-0123456789"}).do(method, path, body)
	}
	first := restart(t, cfg)
	do(first, "PUT", "/api/v1/rate-limit-settings/warning-threshold", `{"warningThreshold":45}`).must(t, 200)
	do(first, "PUT", "/api/v1/rate-limit-settings/per-client", `{"defaultMode":"PREVIEW","useCaseModeOverrides":{"OIE_APP_INTENT":"DISABLE"}}`).must(t, 200)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := restart(t, cfg)
	if r := do(second, "GET", "/api/v1/rate-limit-settings/warning-threshold", nil).must(t, 200); string(r.Raw) != `{"warningThreshold":45}` {
		t.Fatalf("after restart %s", r.Raw)
	}
	if r := do(second, "GET", "/api/v1/rate-limit-settings/per-client", nil).must(t, 200); string(r.Raw) != `{"defaultMode":"PREVIEW","useCaseModeOverrides":{"OIE_APP_INTENT":"DISABLE"}}` {
		t.Fatalf("after restart %s", r.Raw)
	}
	if err := second.Model.ResetOrg(second.Booted.Org.ID); err != nil {
		t.Fatal(err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	third := restart(t, cfg)
	if r := do(third, "GET", "/api/v1/rate-limit-settings/warning-threshold", nil).must(t, 200); string(r.Raw) != `{"warningThreshold":60}` {
		t.Fatalf("after reset and restart %s", r.Raw)
	}
}

// TestRateLimitSettingsSDK: okta-sdk-golang v5's RateLimitSettingsAPI, as
// Terraform's okta_rate_limiting and okta_rate_limit_warning_threshold_percentage
// use it, round-trips.
func TestRateLimitSettingsSDK(t *testing.T) {
	e := newOktaEnv(t)
	api := envSDKClient(t, e).RateLimitSettingsAPI
	ctx := context.Background()
	login, authorize := "ENFORCE", "PREVIEW"
	settings := okta.PerClientRateLimitSettings{DefaultMode: "DISABLE",
		UseCaseModeOverrides: &okta.PerClientRateLimitSettingsUseCaseModeOverrides{LOGIN_PAGE: &login, OAUTH2AUTHORIZE: &authorize}}
	if _, _, err := api.ReplaceRateLimitSettingsPerClient(ctx).PerClientRateLimitSettings(settings).Execute(); err != nil {
		t.Fatal(err)
	}
	got, _, err := api.GetRateLimitSettingsPerClient(ctx).Execute()
	if err != nil || got.GetDefaultMode() != "DISABLE" {
		t.Fatalf("per-client: %v %+v", err, got)
	}
	o := got.GetUseCaseModeOverrides()
	if o.GetLOGIN_PAGE() != "ENFORCE" || o.GetOAUTH2AUTHORIZE() != "PREVIEW" {
		t.Fatalf("overrides %+v", o)
	}
	if _, ok := o.GetOIE_APP_INTENTOk(); ok {
		t.Fatal("an override nobody set came back")
	}
	if _, _, err := api.ReplaceRateLimitSettingsWarningThreshold(ctx).RateLimitWarningThreshold(okta.RateLimitWarningThresholdRequest{WarningThreshold: 75}).Execute(); err != nil {
		t.Fatal(err)
	}
	wt, _, err := api.GetRateLimitSettingsWarningThreshold(ctx).Execute()
	if err != nil || wt.GetWarningThreshold() != 75 {
		t.Fatalf("warning threshold: %v %+v", err, wt)
	}
	if _, _, err := api.ReplaceRateLimitSettingsAdminNotifications(ctx).RateLimitAdminNotifications(okta.RateLimitAdminNotifications{NotificationsEnabled: false}).Execute(); err != nil {
		t.Fatal(err)
	}
	n, _, err := api.GetRateLimitSettingsAdminNotifications(ctx).Execute()
	if err != nil || n.GetNotificationsEnabled() {
		t.Fatalf("notifications: %v %+v", err, n)
	}
}
