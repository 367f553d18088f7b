package mockokta

import (
	"context"
	"log/slog"
	"net/url"
	"slices"
	"testing"

	"github.com/okta/okta-sdk-golang/v5/okta"
	okta6 "github.com/okta/okta-sdk-golang/v6/okta"

	"github.com/provsim/provsim/internal/secret"
)

// The Principal Rate Limits API and its effect on the limiter (OAPI-RATE-8).

func (e *oktaEnv) tokenID() string { return apiTokenID(secret.HashOf(e.token)) }

func TestPrincipalRateLimitsAPI(t *testing.T) {
	e := newOktaEnv(t)
	tokenID := e.tokenID()
	if len(tokenID) != 20 || tokenID[:3] != "00T" {
		t.Fatalf("token id %q: want 00T and 20 characters", tokenID)
	}
	body := map[string]any{"principalId": tokenID, "principalType": "SSWS_TOKEN", "defaultPercentage": 30, "defaultConcurrencyPercentage": 40}
	created := e.do("POST", "/api/v1/principal-rate-limits", body).must(t, 201)
	id := created.str("id")
	for field, want := range map[string]any{"orgId": e.org.ID, "principalId": tokenID, "principalType": "SSWS_TOKEN",
		"defaultPercentage": 30.0, "defaultConcurrencyPercentage": 40.0, "createdBy": e.adminID(), "lastUpdatedBy": e.adminID()} {
		if got := created.obj()[field]; got != want {
			t.Errorf("%s = %v, want %v", field, got, want)
		}
	}
	if !created.has("createdDate") || !created.has("lastUpdate") || id == "" {
		t.Fatalf("entity: %s", created.Raw)
	}
	got := e.do("GET", "/api/v1/principal-rate-limits/"+id, nil).must(t, 200)
	if string(got.Raw) != string(created.Raw) {
		t.Fatalf("get %s, created %s", got.Raw, created.Raw)
	}
	list := e.do("GET", "/api/v1/principal-rate-limits?filter="+url.QueryEscape(`principalType eq "SSWS_TOKEN"`), nil).must(t, 200)
	if ids := list.ids(); !slices.Equal(ids, []string{id}) {
		t.Fatalf("SSWS_TOKEN list %v", ids)
	}
	if n := len(e.do("GET", "/api/v1/principal-rate-limits?filter="+url.QueryEscape(`principalType eq "OAUTH_CLIENT"`), nil).must(t, 200).list()); n != 0 {
		t.Fatalf("OAUTH_CLIENT list has %d", n)
	}
	e.do("GET", "/api/v1/principal-rate-limits", nil).wantError(t, 400, "E0000001")
	e.do("GET", "/api/v1/principal-rate-limits?filter="+url.QueryEscape(`principalId eq "x"`), nil).wantError(t, 400, "E0000031")
	e.do("GET", "/api/v1/principal-rate-limits?filter="+url.QueryEscape(`principalType eq "USER"`), nil).wantError(t, 400, "E0000031")

	// Okta keeps one entity per principal.
	e.do("POST", "/api/v1/principal-rate-limits", body).wantError(t, 400, "E0000001")
	// Validation names every bad field.
	bad := e.do("POST", "/api/v1/principal-rate-limits", map[string]any{"principalType": "USER", "defaultPercentage": 0, "defaultConcurrencyPercentage": 101}).
		wantError(t, 400, "E0000001")
	if causes := bad.causes(); len(causes) != 4 {
		t.Fatalf("causes %q: want principalId, principalType and both percentages", causes)
	}
	e.do("POST", "/api/v1/principal-rate-limits", map[string]any{"principalId": tokenID, "principalType": "SSWS_TOKEN", "defaultPercentage": "50"}).
		wantError(t, 400, "E0000001")
	e.do("POST", "/api/v1/principal-rate-limits", map[string]any{"principalId": "00Tnosuchtoken000000", "principalType": "SSWS_TOKEN"}).
		wantError(t, 404, "E0000007")
	e.do("POST", "/api/v1/principal-rate-limits", map[string]any{"principalId": "0oanosuchclient00000", "principalType": "OAUTH_CLIENT"}).
		wantError(t, 404, "E0000007")
	e.do("GET", "/api/v1/principal-rate-limits/0prnosuch", nil).wantError(t, 404, "E0000007")
	e.do("PUT", "/api/v1/principal-rate-limits/0prnosuch", body).wantError(t, 404, "E0000007")

	// Replace changes the shares, keeps the principal and the creation.
	e.clock.Advance(60_000_000_000)
	body["defaultPercentage"] = 75
	replaced := e.do("PUT", "/api/v1/principal-rate-limits/"+id, body).must(t, 200)
	if replaced.obj()["defaultPercentage"] != 75.0 || replaced.str("createdDate") != created.str("createdDate") ||
		replaced.str("lastUpdate") == created.str("lastUpdate") {
		t.Fatalf("replaced %s", replaced.Raw)
	}
	e.do("PUT", "/api/v1/principal-rate-limits/"+id, map[string]any{"principalId": tokenID, "principalType": "SSWS_TOKEN", "defaultPercentage": 0}).
		wantError(t, 400, "E0000001")
	c := e.newServiceClient()
	e.do("PUT", "/api/v1/principal-rate-limits/"+id, map[string]any{"principalId": c.id, "principalType": "OAUTH_CLIENT"}).
		wantError(t, 400, "E0000001")
	if got := e.do("GET", "/api/v1/principal-rate-limits/"+id, nil).must(t, 200); got.obj()["defaultPercentage"] != 75.0 {
		t.Fatalf("a refused replace changed the entity: %s", got.Raw)
	}
	// A create that names no percentage takes Okta's 50 %.
	def := e.do("POST", "/api/v1/principal-rate-limits", map[string]any{"principalId": c.id, "principalType": "OAUTH_CLIENT"}).must(t, 201)
	if def.obj()["defaultPercentage"] != 50.0 || def.obj()["defaultConcurrencyPercentage"] != 50.0 {
		t.Fatalf("defaults %s", def.Raw)
	}
}

// TestPrincipalRateLimitChangesTheShare: an API token's own percentage
// replaces the 50 % of every bucket, at once, both ways.
func TestPrincipalRateLimitChangesTheShare(t *testing.T) {
	e := newOktaEnv(t, rateLimited)
	spend := func(want int) {
		t.Helper()
		for i := range want {
			r := e.do("GET", "/api/v1/apps", nil)
			if r.Status != 200 {
				t.Fatalf("request %d of %d: %d %s", i+1, want, r.Status, r.Raw)
			}
		}
		e.do("GET", "/api/v1/apps", nil).wantError(t, 429, "E0000047")
	}
	// The principal-rate-limits calls count in the /api/v1 bucket, not apps.
	id := e.do("POST", "/api/v1/principal-rate-limits", map[string]any{"principalId": e.tokenID(), "principalType": "SSWS_TOKEN",
		"defaultPercentage": 20}).must(t, 201).str("id")
	spend(20) // 20 % of the apps bucket's 100
	if l, _, _ := rateHeaders(t, e.do("GET", "/api/v1/apps", nil)); l != 20 {
		t.Fatalf("X-Rate-Limit-Limit %d, want the token's 20", l)
	}
	e.do("PUT", "/api/v1/principal-rate-limits/"+id, map[string]any{"principalId": e.tokenID(), "principalType": "SSWS_TOKEN",
		"defaultPercentage": 100}).must(t, 200)
	spend(80) // the whole bucket now: the org's 100, 20 already spent
	if ev := rateEvents(t, e, "system.org.rate_limit.violation"); len(ev) != 2 {
		t.Fatalf("%d violations, want the token's share and the org's bucket", len(ev))
	}
}

// TestPrincipalRateLimitForServiceApp: a service app's entity sets its
// share; reading and writing entities over OAuth takes Okta's scopes.
func TestPrincipalRateLimitForServiceApp(t *testing.T) {
	e := newOktaEnv(t, rateLimited)
	c := e.newServiceClient("okta.apps.read", "okta.principalRateLimits.read")
	tok := e.tokenFor(c, "okta.apps.read okta.principalRateLimits.read").must(t, 200).str("access_token")
	bearer := func(method, path string, body any) resp { return e.doAuth(method, path, body, "Bearer "+tok) }
	bearer("GET", "/api/v1/principal-rate-limits?filter="+url.QueryEscape(`principalType eq "OAUTH_CLIENT"`), nil).must(t, 200)
	denied := bearer("POST", "/api/v1/principal-rate-limits", map[string]any{"principalId": c.id, "principalType": "OAUTH_CLIENT"}).must(t, 403)
	if h := denied.Header.Get("WWW-Authenticate"); !containsAll(h, `scope="okta.principalRateLimits.manage"`, "insufficient_scope") {
		t.Fatalf("WWW-Authenticate %q", h)
	}
	e.do("POST", "/api/v1/principal-rate-limits", map[string]any{"principalId": c.id, "principalType": "OAUTH_CLIENT", "defaultPercentage": 10}).must(t, 201)
	for i := range 10 {
		bearer("GET", "/api/v1/apps", nil).must(t, 200)
		_ = i
	}
	bearer("GET", "/api/v1/apps", nil).wantError(t, 429, "E0000047")
	// The API token keeps its default half.
	if l, _, _ := rateHeaders(t, e.do("GET", "/api/v1/apps", nil).must(t, 200)); l != 50 {
		t.Fatalf("the API token's limit %d, want 50", l)
	}
}

// TestPrincipalConcurrencyShare: an entity's concurrency percentage caps
// the principal's requests in flight below the org's limit.
func TestPrincipalConcurrencyShare(t *testing.T) {
	e := newOktaEnv(t, func(cfg *Config) { cfg.RateLimits = RateLimits{On: true, Concurrency: 10} })
	e.do("POST", "/api/v1/principal-rate-limits", map[string]any{"principalId": e.tokenID(), "principalType": "SSWS_TOKEN",
		"defaultConcurrencyPercentage": 20}).must(t, 201)
	// Two requests of the token in flight (20 % of 10) fill its share.
	key := e.org.ID + "\x00" + principalKeyOf(PrincipalAPIToken, e.tokenID())
	var dones []func()
	for range 2 {
		done, ok := e.srv.limits.inFlight.Enter(key, 2)
		if !ok {
			t.Fatal("could not hold a place")
		}
		dones = append(dones, done)
	}
	r := e.do("GET", "/api/v1/apps", nil).wantError(t, 429, "E0000047")
	if r.Header.Get("X-Rate-Limit-Limit") != "0" {
		t.Fatalf("headers of a concurrency 429: %v", r.Header)
	}
	for _, d := range dones {
		d()
	}
	e.do("GET", "/api/v1/apps", nil).must(t, 200)
}

// TestPrincipalRateLimitsSurviveARestart: entities are stored with
// --data-dir and keep acting after a restart.
func TestPrincipalRateLimitsSurviveARestart(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	cfg := Config{Options: Options{Logger: logger, Seed: 1}, Logger: logger, DataDir: t.TempDir(), RateLimits: OktaRateLimits(),
		Boot: &Boot{APIToken: "boot-token-0123456789"}}
	first := restart(t, cfg)
	tokenID := first.Booted.Org.TokenID
	if tokenID != apiTokenID(secret.HashOf("boot-token-0123456789")) {
		t.Fatalf("boot token id %q", tokenID)
	}
	do := func(s *Server, method, path string, body any) resp {
		e := &oktaEnv{t: t, srv: s, token: "boot-token-0123456789"}
		return e.do(method, path, body)
	}
	id := do(first, "POST", "/api/v1/principal-rate-limits", map[string]any{"principalId": tokenID, "principalType": "SSWS_TOKEN",
		"defaultPercentage": 5}).must(t, 201).str("id")
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := restart(t, cfg)
	if second.Booted.Org.TokenID != tokenID {
		t.Fatalf("token id after restart %q, want %q", second.Booted.Org.TokenID, tokenID)
	}
	if got := do(second, "GET", "/api/v1/principal-rate-limits/"+id, nil).must(t, 200); got.obj()["defaultPercentage"] != 5.0 {
		t.Fatalf("after restart %s", got.Raw)
	}
	// 5 % of the apps bucket's 100.
	for range 5 {
		do(second, "GET", "/api/v1/apps", nil).must(t, 200)
	}
	do(second, "GET", "/api/v1/apps", nil).wantError(t, 429, "E0000047")
}

// TestPrincipalRateLimitsSDK drives the API with okta-sdk-golang v5's
// PrincipalRateLimitAPI, as Terraform's okta_principal_rate_limits does.
func TestPrincipalRateLimitsSDK(t *testing.T) {
	e := newOktaEnv(t)
	api := envSDKClient(t, e).PrincipalRateLimitAPI
	ctx := context.Background()
	entity := okta.NewPrincipalRateLimitEntity(e.tokenID(), "SSWS_TOKEN")
	entity.SetDefaultPercentage(49)
	entity.SetDefaultConcurrencyPercentage(75)
	created, _, err := api.CreatePrincipalRateLimitEntity(ctx).Entity(*entity).Execute()
	if err != nil {
		t.Fatal(err)
	}
	if created.GetDefaultPercentage() != 49 || created.GetOrgId() != e.org.ID || created.GetCreatedDate().IsZero() {
		t.Fatalf("created %+v", created)
	}
	entity.SetDefaultPercentage(60)
	replaced, _, err := api.ReplacePrincipalRateLimitEntity(ctx, created.GetId()).Entity(*entity).Execute()
	if err != nil || replaced.GetDefaultPercentage() != 60 {
		t.Fatalf("replace: %v %+v", err, replaced)
	}
	got, _, err := api.GetPrincipalRateLimitEntity(ctx, created.GetId()).Execute()
	if err != nil || got.GetDefaultPercentage() != 60 || got.GetDefaultConcurrencyPercentage() != 75 {
		t.Fatalf("get: %v %+v", err, got)
	}
	list, _, err := api.ListPrincipalRateLimitEntities(ctx).Filter(`principalType eq "SSWS_TOKEN"`).Execute()
	if err != nil || len(list) != 1 || list[0].GetId() != created.GetId() {
		t.Fatalf("list: %v %+v", err, list)
	}
}

// TestPrincipalRateLimitsSDK6: the same calls with okta-sdk-golang v6,
// with the rate-limit settings it reads alongside.
func TestPrincipalRateLimitsSDK6(t *testing.T) {
	e := newOktaEnv(t)
	ts, host, port := serveForSDK(t, e.srv)
	cfg, err := okta6.NewConfiguration(okta6.WithOrgUrl(ts.URL), okta6.WithToken(e.token), okta6.WithCache(false),
		okta6.WithTestingDisableHttpsCheck(true), okta6.WithProxyHost(host), okta6.WithProxyPort(int32(port)), okta6.WithRateLimitMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	c := okta6.NewAPIClient(cfg)
	ctx := context.Background()
	entity := okta6.NewPrincipalRateLimitEntity(e.tokenID(), "SSWS_TOKEN")
	entity.SetDefaultPercentage(25)
	created := r6(c.PrincipalRateLimitAPI.CreatePrincipalRateLimitEntity(ctx).Entity(*entity).Execute()).must(t, "create")
	got := r6(c.PrincipalRateLimitAPI.GetPrincipalRateLimitEntity(ctx, created.GetId()).Execute()).must(t, "get")
	if got.GetDefaultPercentage() != 25 || got.GetDefaultConcurrencyPercentage() != 50 || got.GetPrincipalId() != e.tokenID() {
		t.Fatalf("get %+v", got)
	}
	list := r6(c.PrincipalRateLimitAPI.ListPrincipalRateLimitEntities(ctx).Filter(`principalType eq "SSWS_TOKEN"`).Execute()).must(t, "list")
	if len(list) != 1 {
		t.Fatalf("list %+v", list)
	}
	wt := r6(c.RateLimitSettingsAPI.ReplaceRateLimitSettingsWarningThreshold(ctx).
		RateLimitWarningThreshold(okta6.RateLimitWarningThresholdRequest{WarningThreshold: 30}).Execute()).must(t, "warning threshold")
	if wt.GetWarningThreshold() != 30 {
		t.Fatalf("warning threshold %+v", wt)
	}
	// A missing principal is the SDK's 404 error.
	bad := okta6.NewPrincipalRateLimitEntity("00Tnosuchtoken000000", "SSWS_TOKEN")
	if _, resp, err := c.PrincipalRateLimitAPI.CreatePrincipalRateLimitEntity(ctx).Entity(*bad).Execute(); err == nil || resp == nil || resp.StatusCode != 404 {
		t.Fatalf("unknown principal: %v", err)
	}
}
