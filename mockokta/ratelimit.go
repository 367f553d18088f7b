package mockokta

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/provsim/provsim/internal/ratelimit"
)

// The Management API's rate limits (OAPI-RATE-1..5): per-minute buckets of
// endpoints with a Workforce org's default limits, each caller's share of
// a bucket, and the concurrency limit. The counting itself is
// internal/ratelimit's, shared with mockatlassian's org APIs.

// RateLimits configures the Management API's limits. The zero value
// limits nothing: harness.Start, scenarios and the bench run unthrottled
// unless they ask; the mockokta binary (and compose) turns them on with
// Okta's figures (--rate-limits).
type RateLimits struct {
	// On enforces the limits; off, every answer shows a fixed budget.
	On bool
	// Scale multiplies every per-minute limit (0: 1). 0.1 makes the apps
	// bucket 10 a minute, so tests reach it quickly; 10 makes room for
	// load tests. A scaled limit is at least 1.
	Scale float64
	// Share is the part of every bucket one API token may use (0: Okta's
	// default 50 %, OAPI-RATE-2); 1 turns the share off.
	Share float64
	// Concurrency is how many requests an org may have in flight
	// (0: Okta's 75 for a Workforce org, OAPI-RATE-5; negative: no limit).
	Concurrency int
}

// OktaRateLimits is Okta's defaults for a Workforce org.
func OktaRateLimits() RateLimits { return RateLimits{On: true, Scale: 1, Share: 0.5, Concurrency: 75} }

// ParseRateLimits reads --rate-limits: "okta" (Okta's limits), "off", or
// "okta*F" (Okta's per-minute limits times F, e.g. okta*0.1).
func ParseRateLimits(v string) (RateLimits, error) {
	switch {
	case v == "off":
		return RateLimits{}, nil
	case v == "okta":
		return OktaRateLimits(), nil
	case strings.HasPrefix(v, "okta*"):
		f, err := strconv.ParseFloat(strings.TrimPrefix(v, "okta*"), 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return RateLimits{}, fmt.Errorf("rate limits %q: the factor after okta* must be a positive number", v)
		}
		rl := OktaRateLimits()
		rl.Scale = f
		return rl, nil
	}
	return RateLimits{}, fmt.Errorf("rate limits %q: want okta, off or okta*FACTOR (e.g. okta*0.1)", v)
}

// bucket is one of Okta's rate-limit buckets: its name as Okta's
// documentation writes it and its per-minute limit on a Workforce org.
type bucket struct {
	Name  string
	Limit int
}

// bucketOf finds the bucket of a Management API request by Okta's rules:
// the exact path first, then the longest prefix, per method (OAPI-RATE-3;
// the table is OAPI-RATE-1's, Workforce column).
func bucketOf(method, path string) bucket {
	rest, ok := strings.CutPrefix(path, "/api/v1/")
	if !ok {
		return bucket{"/api/v1", 1200}
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	single := len(parts) == 2 // /api/v1/<collection>/<id>
	switch parts[0] {
	case "apps":
		if single && method != http.MethodPost {
			return bucket{"/api/v1/apps/{id}", 500}
		}
		return bucket{"/api/v1/apps", 100}
	case "groups":
		if single && parts[1] != "rules" && method != http.MethodPost {
			return bucket{"/api/v1/groups/{id}", 1000}
		}
		return bucket{"/api/v1/groups", 500}
	case "users":
		switch {
		case single && parts[1] == "me" && method == http.MethodGet:
			// Okta's own bucket; its limit is not documented (a guess,
			// the single-user read's: OAPI-RATE-1).
			return bucket{"/api/v1/users/me", 2000}
		case single && method == http.MethodGet:
			return bucket{"/api/v1/users/{id:.+}", 2000}
		case single:
			return bucket{"/api/v1/users/{id}", 600}
		}
		// The list and create, and everything under a user (lifecycle,
		// groups, credentials), share one bucket.
		return bucket{"/api/v1/users", 600}
	case "logs":
		return bucket{"/api/v1/logs", 120}
	case "events":
		return bucket{"/api/v1/events", 100}
	}
	return bucket{"/api/v1", 1200}
}

// tokenBucket is the org authorization server's token endpoint's bucket
// (OAPI-RATE-7): /oauth2/v1/token shares it with /oauth2/v1/authorize and
// the custom authorization servers, which mockokta does not serve.
var tokenBucket = bucket{"/oauth2/v1/token", 2000}

// allowToken counts a token request against the org's token bucket and
// sets Okta's headers; false: the bucket is spent. Requests that name no
// known client count nowhere (no org to charge).
func (l *rateLimiter) allowToken(w http.ResponseWriter, o *Org) bool {
	cfg := l.forOrg(o)
	if !cfg.On {
		return true
	}
	d := l.minute.TakeAll(ratelimit.Want{Key: o.ID + "\x00" + tokenBucket.Name + "\x00", Limit: scaled(tokenBucket.Limit, cfg.Scale)})
	h := w.Header()
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(d.Limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(d.Reset.Unix(), 10))
	return d.Allowed
}

// perClientTokenLimit is how many token requests one client may make a
// second (OAPI-RATE-10): Okta's per-user limit on /oauth2/v1/token, which
// for the client-credentials grant falls on the service app. Not scaled:
// Scale is about the per-minute buckets.
const perClientTokenLimit = 4

// allowClientToken counts a token request against its client's limit of
// 4 a second and, when it is spent, sets the headers of that limit (a
// guess: OAPI-RATE-10); false: refuse the request. It runs before the
// org's bucket, which a refused request does not count against.
func (l *rateLimiter) allowClientToken(w http.ResponseWriter, o *Org, clientID string) bool {
	if !l.forOrg(o).On {
		return true
	}
	d := l.second.Take(o.ID+"\x00"+clientID, perClientTokenLimit)
	if !d.Allowed {
		h := w.Header()
		h.Set("X-Rate-Limit-Limit", strconv.Itoa(d.Limit))
		h.Set("X-Rate-Limit-Remaining", "0")
		h.Set("X-Rate-Limit-Reset", strconv.FormatInt(d.Reset.Unix(), 10))
	}
	return d.Allowed
}

// principalCtxKey is the context key of the credential a request used,
// whose share of each bucket is limited (OAPI-RATE-2, OAPI-RATE-8).
const principalCtxKey ctxKey = 2

// principal is who called: an API token (by its id, never the token) or a
// service app (by its client id), as the Principal Rate Limits API names
// them.
type principal struct {
	Type string // PrincipalAPIToken or PrincipalOAuthClient
	ID   string
}

func (p principal) key() string { return principalKeyOf(p.Type, p.ID) }

func withPrincipal(ctx context.Context, p principal) context.Context {
	return context.WithValue(ctx, principalCtxKey, p)
}

func principalOf(r *http.Request) principal {
	p, _ := r.Context().Value(principalCtxKey).(principal)
	return p
}

// rateLimiter applies RateLimits to the Management API: the server's, or
// an org's own, given when the org was made (POST /_sim/orgs
// {"rateLimits":"off"}, which the scenario runner sends so that scenarios
// against a standalone server are not throttled) and kept on the org
// (simsettings.go).
type rateLimiter struct {
	server   RateLimits
	minute   *ratelimit.Limiter
	second   *ratelimit.Limiter // per-second limits (OAPI-RATE-10)
	inFlight ratelimit.InFlight

	// logged is when each System Log event (by kind, org, bucket and
	// caller) was last written, so each is written once a window
	// (OAPI-RATE-6). Bounded by the keys a run has seen.
	mu     sync.Mutex
	logged map[string]time.Time
}

func newRateLimiter(cfg RateLimits, m *Model) *rateLimiter {
	return &rateLimiter{server: cfg.withDefaults(), minute: ratelimit.New(m.clock, time.Minute), second: ratelimit.New(m.clock, time.Second),
		logged: map[string]time.Time{}}
}

// withDefaults fills Okta's figures into the fields left zero.
func (c RateLimits) withDefaults() RateLimits {
	if c.Scale <= 0 {
		c.Scale = 1
	}
	if c.Share <= 0 || c.Share > 1 {
		c.Share = 0.5
	}
	if c.Concurrency == 0 {
		c.Concurrency = 75
	}
	return c
}

// forOrg is the limits that apply to an org: its own (SetOrgRateLimits),
// else the server's.
func (l *rateLimiter) forOrg(o *Org) RateLimits {
	if c := o.limits.Load(); c != nil {
		return *c
	}
	return l.server
}

// scaled is a limit times the scale, at least 1.
func scaled(n int, f float64) int { return max(1, int(float64(n)*f)) }

// rateLimit is the surface middleware of /api/v1: it runs after
// authentication (so it knows the org and the caller), counts the request
// against its bucket and the caller's share, and answers 429 E0000047 with
// Okta's headers when either is spent (OAPI-RATE-4). Requests that fail
// authentication are not counted; the console and the control API are
// other surfaces and never count (OAPI-RATE-3).
func (s *Server) rateLimit(next http.Handler) http.Handler {
	l := s.limits
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := orgOf(r)
		cfg := l.forOrg(o)
		if !cfg.On {
			next.ServeHTTP(w, r)
			return
		}
		now := s.Model.clock.Now().UTC()
		h := w.Header()
		p := principalOf(r)
		// The caller's share of each bucket: the org's default (50 %,
		// OAPI-RATE-2) unless an admin set the principal's own
		// (OAPI-RATE-8), which also caps its requests in flight.
		share, concurrencyShare := cfg.Share, 1.0
		if own, ok := o.principalShare(p.Type, p.ID); ok && p.ID != "" {
			share, concurrencyShare = float64(own.percent)/100, float64(own.concurrencyPercent)/100
		}
		if cfg.Concurrency > 0 {
			done, ok := l.inFlight.Enter(o.ID, cfg.Concurrency)
			if ok && concurrencyShare < 1 {
				var mine func()
				if mine, ok = l.inFlight.Enter(o.ID+"\x00"+p.key(), scaled(cfg.Concurrency, concurrencyShare)); ok {
					orgDone := done
					done = func() { mine(); orgDone() }
				} else {
					done()
				}
			}
			if !ok {
				// Over the concurrency limit the headers switch to it: 0, 0
				// and an estimate of when a place frees up (OAPI-RATE-5;
				// the estimate, a second, is a guess).
				h.Set("X-Rate-Limit-Limit", "0")
				h.Set("X-Rate-Limit-Remaining", "0")
				h.Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Add(time.Second).Unix(), 10))
				// Only the first violation of each 60 s is logged: none
				// may have been in the 60 s before this one.
				if l.once("concurrency\x00"+o.ID, now, now.Add(1-time.Minute)) {
					s.Model.logRateLimit(o, rateLimitEvent{kind: concurrencyViolation, r: r, reqID: h.Get("X-Okta-Request-Id"), limit: cfg.Concurrency, reset: now.Add(time.Second)})
				}
				s.writeError(w, r, errRateLimited())
				return
			}
			defer done()
		}
		b := bucketOf(r.Method, r.URL.Path)
		org := scaled(b.Limit, cfg.Scale)
		wants := []ratelimit.Want{{Key: o.ID + "\x00" + b.Name + "\x00", Limit: org}}
		if p.ID != "" && share < 1 {
			wants = append(wants, ratelimit.Want{Key: o.ID + "\x00" + b.Name + "\x00" + p.key(), Limit: scaled(org, share)})
		}
		d := l.minute.TakeAll(wants...)
		h.Set("X-Rate-Limit-Limit", strconv.Itoa(d.Limit))
		h.Set("X-Rate-Limit-Remaining", strconv.Itoa(d.Remaining))
		h.Set("X-Rate-Limit-Reset", strconv.FormatInt(d.Reset.Unix(), 10))
		windowStart := d.Reset.Add(-time.Minute)
		if !d.Allowed {
			// A token that spends its share is logged too (OAPI-RATE-6).
			if full := wants[d.Index]; l.once("violation\x00"+full.Key, windowStart, windowStart) {
				s.Model.logRateLimit(o, rateLimitEvent{kind: rateViolation, r: r, reqID: h.Get("X-Okta-Request-Id"), bucket: b.Name, limit: full.Limit,
					used: full.Limit, share: d.Index > 0, reset: d.Reset})
			}
			s.writeError(w, r, errRateLimited())
			return
		}
		// The warning is about the org's bucket: the first request of a
		// window that brings it to the threshold.
		threshold := o.warningThreshold() // OAPI-RATE-9
		if used := l.minute.Used(wants[0].Key); used*100 >= org*threshold &&
			l.once("warning\x00"+wants[0].Key, windowStart, windowStart) {
			s.Model.logRateLimit(o, rateLimitEvent{kind: rateWarning, r: r, reqID: h.Get("X-Okta-Request-Id"), bucket: b.Name, limit: org, used: used,
				threshold: threshold, reset: d.Reset})
		}
		next.ServeHTTP(w, r)
	})
}

// once reports whether an event keyed by key should be written at now:
// not when one was written at or after since (the start of the window it
// is once per). It records the event when it reports true.
func (l *rateLimiter) once(key string, now, since time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if last, ok := l.logged[key]; ok && !last.Before(since) {
		return false
	}
	l.logged[key] = now
	return true
}

// rateWarningPercent is when Okta warns that a bucket is nearly spent:
// 60 % of its limit (OAPI-RATE-6), unless the org set its own threshold
// (OAPI-RATE-9).
const rateWarningPercent = 60

type rateLimitKind int

const (
	rateWarning rateLimitKind = iota + 1
	rateViolation
	concurrencyViolation
)

// rateLimitEvent is what a rate-limit System Log event reports.
type rateLimitEvent struct {
	kind   rateLimitKind
	r      *http.Request
	reqID  string // the answer's X-Okta-Request-Id
	bucket string
	limit  int // the limit that applied (the bucket's, the token's share, or the concurrency limit)
	used   int
	share  bool // the caller's share of the bucket, not the org's bucket
	// threshold is the warning's percentage (OAPI-RATE-9).
	threshold int
	reset     time.Time
}

// logRateLimit writes a rate-limit event to the org's System Log with
// Okta's event types (OAPI-RATE-6): system.org.rate_limit.warning and
// .violation, core.concurrency.org.limit.violation.
func (m *Model) logRateLimit(o *Org, ev rateLimitEvent) {
	now := m.clock.Now()
	debug := map[string]string{
		"requestUri": ev.r.URL.Path,
		"url":        ev.r.URL.RequestURI(),
		"threshold":  strconv.Itoa(ev.limit),
	}
	e := LogEvent{Severity: "WARN", Transaction: LogTransacton{Type: "WEB", ID: ev.reqID}}
	switch ev.kind {
	case rateWarning:
		e.EventType, e.DisplayMessage = "system.org.rate_limit.warning", "Rate limit warning"
		e.Outcome = LogOutcome{Result: Success}
		debug["warningThreshold"] = strconv.Itoa(ev.threshold)
	case rateViolation:
		e.EventType, e.DisplayMessage = "system.org.rate_limit.violation", "Rate limit violation"
		e.Outcome = LogOutcome{Result: "DENY", Reason: "API call exceeded rate limit due to too many requests."}
	case concurrencyViolation:
		e.EventType, e.DisplayMessage = "core.concurrency.org.limit.violation", "Too many concurrent requests in flight"
		e.Outcome = LogOutcome{Result: "DENY", Reason: "Too many concurrent requests in flight"}
	}
	if ev.kind != concurrencyViolation {
		e.Target = []LogTarget{{ID: ev.bucket, Type: "URL Pattern"}}
		debug["count"] = strconv.Itoa(ev.used)
		debug["timeSpan"], debug["timeUnit"] = "1", "MINUTES"
		debug["scope"] = "org"
		if ev.share {
			debug["scope"] = "principal"
		}
	}
	debug["secondsToReset"] = strconv.FormatInt(int64(max(0, ev.reset.Sub(now).Round(time.Second).Seconds())), 10)
	e.DebugContext.DebugData = debug
	o.mu.Lock()
	defer o.mu.Unlock()
	e.Actor = o.actor()
	m.appendLog(o, e)
}
