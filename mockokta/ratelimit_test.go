package mockokta

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v5/okta"

	"github.com/provsim/provsim/internal/clock"
)

// Okta's Management API rate limits (OAPI-RATE-1..5).

func TestRateLimitBuckets(t *testing.T) {
	for _, c := range []struct{ method, path, bucket string }{
		{"GET", "/api/v1/apps", "/api/v1/apps"},
		{"POST", "/api/v1/apps", "/api/v1/apps"},
		{"GET", "/api/v1/apps/0oa1", "/api/v1/apps/{id}"},
		{"PUT", "/api/v1/apps/0oa1", "/api/v1/apps/{id}"},
		{"POST", "/api/v1/apps/0oa1/users", "/api/v1/apps"},
		{"GET", "/api/v1/apps/0oa1/group-push/mappings", "/api/v1/apps"},
		{"POST", "/api/v1/apps/0oa1/lifecycle/activate", "/api/v1/apps"},
		{"GET", "/api/v1/groups", "/api/v1/groups"},
		{"GET", "/api/v1/groups/00g1", "/api/v1/groups/{id}"},
		{"PUT", "/api/v1/groups/00g1/users/00u1", "/api/v1/groups"},
		{"GET", "/api/v1/groups/rules", "/api/v1/groups"},
		{"GET", "/api/v1/groups/rules/0pr1", "/api/v1/groups"},
		{"GET", "/api/v1/users", "/api/v1/users"},
		{"POST", "/api/v1/users", "/api/v1/users"},
		{"GET", "/api/v1/users/00u1", "/api/v1/users/{id:.+}"},
		{"POST", "/api/v1/users/00u1", "/api/v1/users/{id}"},
		{"DELETE", "/api/v1/users/00u1", "/api/v1/users/{id}"},
		{"POST", "/api/v1/users/00u1/lifecycle/deactivate", "/api/v1/users"},
		{"GET", "/api/v1/users/00u1/groups", "/api/v1/users"},
		{"GET", "/api/v1/users/me", "/api/v1/users/me"},
		{"GET", "/api/v1/logs", "/api/v1/logs"},
		{"GET", "/api/v1/policies", "/api/v1"},
		{"GET", "/api/v1/meta/schemas/user/default", "/api/v1"},
	} {
		if got := bucketOf(c.method, c.path).Name; got != c.bucket {
			t.Errorf("%s %s: bucket %s, want %s", c.method, c.path, got, c.bucket)
		}
	}
}

func rateLimited(cfg *Config) { cfg.RateLimits = OktaRateLimits() }

// rateHeaders reads X-Rate-Limit-Limit/-Remaining/-Reset.
func rateHeaders(t *testing.T, r resp) (limit, remaining int, reset int64) {
	t.Helper()
	var err error
	if limit, err = strconv.Atoi(r.Header.Get("X-Rate-Limit-Limit")); err != nil {
		t.Fatalf("X-Rate-Limit-Limit: %v", err)
	}
	if remaining, err = strconv.Atoi(r.Header.Get("X-Rate-Limit-Remaining")); err != nil {
		t.Fatalf("X-Rate-Limit-Remaining: %v", err)
	}
	if reset, err = strconv.ParseInt(r.Header.Get("X-Rate-Limit-Reset"), 10, 64); err != nil {
		t.Fatalf("X-Rate-Limit-Reset: %v", err)
	}
	return limit, remaining, reset
}

// TestRateLimitAppsBucket spends the 100-a-minute apps bucket with two
// tokens, each held to half of it, and sees the headers count down.
func TestRateLimitAppsBucket(t *testing.T) {
	e := newOktaEnv(t, rateLimited)
	second := "second-token-0123456789"
	if err := e.srv.Model.addToken(e.org, second); err != nil {
		t.Fatal(err)
	}
	windowEnd := e.clock.Now().Truncate(time.Minute).Add(time.Minute).Unix()
	for i := 49; i >= 0; i-- {
		r := e.do("GET", "/api/v1/apps", nil).must(t, 200)
		if l, rem, reset := rateHeaders(t, r); l != 50 || rem != i || reset != windowEnd {
			t.Fatalf("headers %d/%d/%d, want 50/%d/%d (the token's half of 100)", l, rem, reset, i, windowEnd)
		}
	}
	r := e.do("GET", "/api/v1/apps/"+"0oanosuchapp0000000/users", nil).wantError(t, 429, "E0000047")
	if l, rem, _ := rateHeaders(t, r); l != 50 || rem != 0 {
		t.Fatalf("429 headers %d/%d", l, rem)
	}
	if r.str("errorSummary") != "API call exceeded rate limit due to too many requests." {
		t.Fatalf("summary %q", r.str("errorSummary"))
	}
	if r.Header.Get("Retry-After") != "" {
		t.Fatal("Okta sends no Retry-After on Management API 429s (OAPI-RATE-4)")
	}
	// Other buckets are not spent, and another token has its own half.
	e.do("GET", "/api/v1/users", nil).must(t, 200)
	e.do("GET", "/api/v1/apps/0oanosuchapp0000000", nil).wantError(t, 404, "E0000007")
	for range 50 {
		e.doAuth("GET", "/api/v1/apps", nil, "SSWS "+second).must(t, 200)
	}
	// A third token finds the org's bucket empty, and the headers show it.
	third := "third-token-0123456789"
	if err := e.srv.Model.addToken(e.org, third); err != nil {
		t.Fatal(err)
	}
	r = e.doAuth("GET", "/api/v1/apps", nil, "SSWS "+third).wantError(t, 429, "E0000047")
	if l, rem, _ := rateHeaders(t, r); l != 100 || rem != 0 {
		t.Fatalf("empty org bucket headers %d/%d, want 100/0", l, rem)
	}
	// Failed authentication does not count, and the next minute refills.
	e.doAuth("GET", "/api/v1/apps", nil, "SSWS wrong").wantError(t, 401, "E0000011")
	e.clock.Advance(time.Minute)
	r = e.do("GET", "/api/v1/apps", nil).must(t, 200)
	if l, rem, _ := rateHeaders(t, r); l != 50 || rem != 49 {
		t.Fatalf("new window headers %d/%d", l, rem)
	}
}

// TestRateLimitSingleUserRead: GET /api/v1/users/{id} has its own 2,000
// bucket; writes to the same path count in the 600 one.
func TestRateLimitSingleUserRead(t *testing.T) {
	e := newOktaEnv(t, rateLimited)
	r := e.do("GET", "/api/v1/users/"+e.adminID(), nil).must(t, 200)
	if l, rem, _ := rateHeaders(t, r); l != 1000 || rem != 999 {
		t.Fatalf("read headers %d/%d, want 1000/999", l, rem)
	}
	r = e.do("POST", "/api/v1/users/"+e.adminID(), map[string]any{"profile": map[string]any{"nickName": "a"}}).must(t, 200)
	if l, _, _ := rateHeaders(t, r); l != 300 {
		t.Fatalf("write limit %d, want 300", l)
	}
}

func TestRateLimitScaleAndOff(t *testing.T) {
	rl, err := ParseRateLimits("okta*0.1")
	if err != nil {
		t.Fatal(err)
	}
	e := newOktaEnv(t, func(c *Config) { c.RateLimits = rl })
	for range 5 {
		e.do("GET", "/api/v1/apps", nil).must(t, 200)
	}
	e.do("GET", "/api/v1/apps", nil).wantError(t, 429, "E0000047")

	off := newOktaEnv(t) // the zero Config: no limits
	for range 120 {
		off.do("GET", "/api/v1/apps", nil).must(t, 200)
	}
	// An org made with its own setting: the scenario runner's "off" on a
	// limited server, or limits on an unlimited one.
	for _, c := range []struct {
		env    *oktaEnv
		limits string
		want   int // status of the 51st call
	}{{e, "off", 200}, {off, "okta", 429}} {
		r := c.env.doAuth("POST", "/_sim/orgs", map[string]any{"rateLimits": c.limits}, "").must(t, 201)
		token := r.str("token")
		var last int
		for range 51 {
			last = c.env.doAuth("GET", "/api/v1/apps", nil, "SSWS "+token).Status
		}
		if last != c.want {
			t.Errorf("rateLimits %q: call 51 answered %d, want %d", c.limits, last, c.want)
		}
	}
	e.doAuth("POST", "/_sim/orgs", map[string]any{"rateLimits": "fast"}, "").wantError(t, 400, "E0000001")
	for _, bad := range []string{"okta*0", "okta*x", "fast", "okta*-1"} {
		if _, err := ParseRateLimits(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestRateLimitConcurrency: over 75 requests in flight the headers switch
// to the concurrency values (OAPI-RATE-5).
func TestRateLimitConcurrency(t *testing.T) {
	e := newOktaEnv(t, rateLimited)
	var dones []func()
	for range 75 {
		done, ok := e.srv.limits.inFlight.Enter(e.org.ID, 75)
		if !ok {
			t.Fatal("fewer than 75 places")
		}
		dones = append(dones, done)
	}
	r := e.do("GET", "/api/v1/users", nil).wantError(t, 429, "E0000047")
	if l, rem, reset := rateHeaders(t, r); l != 0 || rem != 0 || reset <= e.clock.Now().Unix() {
		t.Fatalf("concurrency headers %d/%d/%d", l, rem, reset)
	}
	dones[0]()
	r = e.do("GET", "/api/v1/users", nil).must(t, 200)
	if l, _, _ := rateHeaders(t, r); l != 300 {
		t.Fatalf("back under the limit the headers show the minute's figures, got limit %d", l)
	}
	for _, d := range dones[1:] {
		d()
	}
}

// TestRateLimitSDKBacksOff: okta-sdk-golang v5 with rate-limit retries
// meets a 429, waits X-Rate-Limit-Reset − Date + 1 seconds (here 2 s),
// retries and succeeds. It gives up for good when either header is
// missing or wrong, so this also checks them (OAPI-SDK-2).
func TestRateLimitSDKBacksOff(t *testing.T) {
	// Half a second before the minute ends: the SDK's wait is 2 s.
	clk := clock.NewFake(time.Date(2026, 3, 14, 15, 9, 59, 500_000_000, time.UTC))
	quiet := slog.New(slog.DiscardHandler)
	rl, err := ParseRateLimits("okta*0.02") // the apps bucket: 2 a minute, 1 per token
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(Config{Options: Options{Clock: clk, Seed: 1, Logger: quiet}, Logger: quiet,
		Boot: &Boot{OrgID: "00orate", APIToken: "rate-token-0123456789"}, RateLimits: rl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() }) // closing an in-memory server saves nothing
	var limited, retried atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Okta-Retry-Count") == "1" && r.Header.Get("X-Okta-Retry-For") != "" {
			retried.Add(1)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		if rec.Code == http.StatusTooManyRequests {
			limited.Add(1)
			clk.Advance(time.Second) // the minute passes while the SDK waits
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(ts.Close)
	u, _ := url.Parse(ts.URL)
	cfg, err := okta.NewConfiguration(okta.WithOrgUrl("http://okta.test"), okta.WithToken("rate-token-0123456789"),
		okta.WithCache(false), okta.WithTestingDisableHttpsCheck(true),
		okta.WithHttpClientPtr(&http.Client{Transport: hostRewriter{u.Host, http.DefaultTransport}}),
		okta.WithRateLimitMaxRetries(2), okta.WithRateLimitMaxBackOff(30))
	if err != nil {
		t.Fatal(err)
	}
	c := okta.NewAPIClient(cfg)
	ctx := context.Background()
	for i := range 2 {
		if _, _, err := c.ApplicationAPI.ListApplications(ctx).Execute(); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if limited.Load() != 1 || retried.Load() != 1 {
		t.Fatalf("429s %d, retries %d: want one of each", limited.Load(), retried.Load())
	}
}

// rateEvents lists the org's rate-limit System Log events as the API
// shows them.
func rateEvents(t *testing.T, e *oktaEnv, eventType string) []map[string]any {
	t.Helper()
	e.org.mu.Lock()
	defer e.org.mu.Unlock()
	var out []map[string]any
	for _, ev := range e.org.logs {
		if ev.EventType == eventType {
			out = append(out, eventDoc(ev))
		}
	}
	return out
}

// TestRateLimitSystemLog: Okta records rate limits in the System Log
// (OAPI-RATE-6): a warning when a bucket reaches 60 % of its limit, a
// violation when a request is refused (also for a token's share), both once
// a window per bucket; the first concurrency violation of each minute.
func TestRateLimitSystemLog(t *testing.T) {
	rl, err := ParseRateLimits("okta*0.1") // the apps bucket: 10 a minute, 5 per token
	if err != nil {
		t.Fatal(err)
	}
	rl.Share = 1 // the org's bucket first
	e := newOktaEnv(t, func(c *Config) { c.RateLimits = rl })
	e.clock.Advance(-26*time.Second - 535897000) // 15:09:00, a window's start
	for i := range 10 {
		e.do("GET", "/api/v1/apps?limit="+strconv.Itoa(i+1), nil).must(t, 200)
		if n := len(rateEvents(t, e, "system.org.rate_limit.warning")); (i < 5 && n != 0) || (i >= 5 && n != 1) {
			t.Fatalf("after %d calls of 10: %d warnings", i+1, n)
		}
	}
	for range 3 {
		e.do("GET", "/api/v1/apps", nil).wantError(t, 429, "E0000047")
	}
	w := rateEvents(t, e, "system.org.rate_limit.warning")[0]
	if digPath(w, "target.0.id") != "/api/v1/apps" || digPath(w, "debugContext.debugData.threshold") != "10" ||
		digPath(w, "debugContext.debugData.count") != "6" || digPath(w, "debugContext.debugData.requestUri") != "/api/v1/apps" {
		t.Errorf("warning: %v", w)
	}
	vs := rateEvents(t, e, "system.org.rate_limit.violation")
	if len(vs) != 1 {
		t.Fatalf("%d violations for 3 refusals in one window, want 1", len(vs))
	}
	v := vs[0]
	for path, want := range map[string]any{"severity": "WARN", "displayMessage": "Rate limit violation", "outcome.result": "DENY",
		"target.0.id": "/api/v1/apps", "target.0.type": "URL Pattern", "actor.id": e.adminID(),
		"debugContext.debugData.scope": "org", "debugContext.debugData.threshold": "10", "debugContext.debugData.secondsToReset": "60"} {
		if got := digPath(v, path); got != want {
			t.Errorf("violation %s = %v, want %v", path, got, want)
		}
	}
	// The events can be found as admins look for them.
	r := e.do("GET", "/api/v1/logs?filter="+url.QueryEscape(`eventType eq "system.org.rate_limit.violation"`), nil).must(t, 200)
	if len(r.list()) != 1 {
		t.Errorf("/api/v1/logs filter found %d violations", len(r.list()))
	}

	// The next window: a new violation.
	e.clock.Advance(time.Minute)
	for range 10 {
		e.do("GET", "/api/v1/apps", nil).must(t, 200)
	}
	e.do("GET", "/api/v1/apps", nil).wantError(t, 429, "E0000047")
	if n := len(rateEvents(t, e, "system.org.rate_limit.violation")); n != 2 {
		t.Errorf("%d violations after a second window, want 2", n)
	}

	// A token that spends its share is logged too, as the caller's.
	shared := newOktaEnv(t, func(c *Config) { c.RateLimits, _ = ParseRateLimits("okta*0.1") })
	for range 5 {
		shared.do("GET", "/api/v1/apps", nil).must(t, 200)
	}
	shared.do("GET", "/api/v1/apps", nil).wantError(t, 429, "E0000047")
	if vs := rateEvents(t, shared, "system.org.rate_limit.violation"); len(vs) != 1 ||
		digPath(vs[0], "debugContext.debugData.scope") != "principal" || digPath(vs[0], "debugContext.debugData.threshold") != "5" {
		t.Errorf("share violation: %v", vs)
	}

	// Concurrency: the first violation of each minute.
	c := newOktaEnv(t, rateLimited)
	var dones []func()
	for range 75 {
		done, _ := c.srv.limits.inFlight.Enter(c.org.ID, 75)
		dones = append(dones, done)
	}
	for range 3 {
		c.do("GET", "/api/v1/users", nil).wantError(t, 429, "E0000047")
	}
	if vs := rateEvents(t, c, "core.concurrency.org.limit.violation"); len(vs) != 1 ||
		digPath(vs[0], "displayMessage") != "Too many concurrent requests in flight" {
		t.Errorf("concurrency violations: %v", vs)
	}
	c.clock.Advance(time.Minute)
	c.do("GET", "/api/v1/users", nil).wantError(t, 429, "E0000047")
	if n := len(rateEvents(t, c, "core.concurrency.org.limit.violation")); n != 2 {
		t.Errorf("%d concurrency violations a minute later, want 2", n)
	}
	for _, d := range dones {
		d()
	}

	// Without limits nothing is logged.
	off := newOktaEnv(t)
	for range 120 {
		off.do("GET", "/api/v1/apps", nil).must(t, 200)
	}
	if n := len(rateEvents(t, off, "system.org.rate_limit.warning")); n != 0 {
		t.Errorf("%d warnings without limits", n)
	}
}

// The org authorization server's token endpoint has its own bucket
// (OAPI-RATE-7): 2,000 a minute on a Workforce org, here scaled to 40. The
// 41st token request in a minute is 429 E0000047 with Okta's headers and
// issues nothing; the next minute it works again.
func TestRateLimitTokenBucket(t *testing.T) {
	rl := OktaRateLimits()
	rl.Scale, rl.Share = 0.02, 1 // the apps bucket: 2 a minute, for making the client
	e := newOktaEnv(t, func(c *Config) { c.RateLimits = rl })
	c := e.newServiceClient("okta.users.read")
	for i := range 40 {
		e.clock.Advance(300 * time.Millisecond) // under the client's 4 a second (OAPI-RATE-10), within the minute
		r := e.tokenFor(c, "okta.users.read").must(t, 200)
		if r.Header.Get("X-Rate-Limit-Limit") != "40" || r.Header.Get("X-Rate-Limit-Remaining") != strconv.Itoa(39-i) {
			t.Fatalf("token %d headers: %v", i, r.Header)
		}
	}
	r := e.tokenFor(c, "okta.users.read").must(t, 429)
	if r.str("errorCode") != "E0000047" || r.Header.Get("X-Rate-Limit-Remaining") != "0" || r.Header.Get("X-Rate-Limit-Reset") == "" {
		t.Fatalf("429: %v %s", r.Header, r.Raw)
	}
	// A request naming no known client charges no org.
	e.tokenRequest(url.Values{"grant_type": {"client_credentials"}, "scope": {"okta.users.read"},
		"client_assertion_type": {assertionType}, "client_assertion": {"not.a.jwt"}}).must(t, 400)
	e.clock.Advance(time.Minute)
	e.tokenFor(c, "okta.users.read").must(t, 200)
}

// TestRateLimitTokenPerClient: one client may ask for 4 tokens a second
// (OAPI-RATE-10); the 5th is 429 E0000047 with that limit's headers, does
// not count against the org's token bucket, and leaves other clients alone.
// Without limits there is none.
func TestRateLimitTokenPerClient(t *testing.T) {
	e := newOktaEnv(t, rateLimited)
	c, other := e.newServiceClient("okta.users.read"), e.newServiceClient("okta.users.read")
	e.clock.Advance(e.clock.Now().Truncate(time.Second).Add(time.Second).Sub(e.clock.Now())) // a second's start
	for range 4 {
		e.tokenFor(c, "okta.users.read").must(t, 200)
	}
	r := e.tokenFor(c, "okta.users.read").must(t, 429)
	nextSecond := strconv.FormatInt(e.clock.Now().Add(time.Second).Unix(), 10)
	if r.str("errorCode") != "E0000047" || r.has("access_token") || r.Header.Get("X-Rate-Limit-Limit") != "4" ||
		r.Header.Get("X-Rate-Limit-Remaining") != "0" || r.Header.Get("X-Rate-Limit-Reset") != nextSecond {
		t.Fatalf("429: %v %s", r.Header, r.Raw)
	}
	e.tokenFor(other, "okta.users.read").must(t, 200)
	e.clock.Advance(time.Second)
	r = e.tokenFor(c, "okta.users.read").must(t, 200)
	// The org's bucket counted 4 + 1 + this one: not the refused request.
	if got := r.Header.Get("X-Rate-Limit-Remaining"); got != "1994" {
		t.Fatalf("token bucket remaining %s, want 1994", got)
	}

	off := newOktaEnv(t)
	oc := off.newServiceClient("okta.users.read")
	for range 6 {
		off.tokenFor(oc, "okta.users.read").must(t, 200)
	}
}
