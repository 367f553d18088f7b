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

// principalKey is the context key of the credential a request used, whose
// share of each bucket is limited (OAPI-RATE-2).
const principalKey ctxKey = 2

// withPrincipal records who called: an API token (by its hash, never the
// token) or, for OAuth, the client.
func withPrincipal(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, principalKey, key)
}

func principalOf(r *http.Request) string {
	p, _ := r.Context().Value(principalKey).(string)
	return p
}

// rateLimiter applies RateLimits to the Management API: the server's, or
// an org's own, given when the org was made (POST /_sim/orgs
// {"rateLimits":"off"}, which the scenario runner sends so that scenarios
// against a standalone server are not throttled).
type rateLimiter struct {
	server   RateLimits
	orgs     sync.Map // org id → RateLimits
	minute   *ratelimit.Limiter
	inFlight ratelimit.InFlight
}

func newRateLimiter(cfg RateLimits, m *Model) *rateLimiter {
	return &rateLimiter{server: cfg.withDefaults(), minute: ratelimit.New(m.clock, time.Minute)}
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

// setOrg gives an org its own limits.
func (l *rateLimiter) setOrg(orgID string, c RateLimits) { l.orgs.Store(orgID, c.withDefaults()) }

func (l *rateLimiter) forOrg(orgID string) RateLimits {
	if c, ok := l.orgs.Load(orgID); ok {
		return c.(RateLimits)
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
		cfg := l.forOrg(o.ID)
		if !cfg.On {
			next.ServeHTTP(w, r)
			return
		}
		now := s.Model.clock.Now().UTC()
		h := w.Header()
		if cfg.Concurrency > 0 {
			done, ok := l.inFlight.Enter(o.ID, cfg.Concurrency)
			if !ok {
				// Over the concurrency limit the headers switch to it: 0, 0
				// and an estimate of when a place frees up (OAPI-RATE-5;
				// the estimate, a second, is a guess).
				h.Set("X-Rate-Limit-Limit", "0")
				h.Set("X-Rate-Limit-Remaining", "0")
				h.Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Add(time.Second).Unix(), 10))
				s.writeError(w, r, errRateLimited())
				return
			}
			defer done()
		}
		b := bucketOf(r.Method, r.URL.Path)
		org := scaled(b.Limit, cfg.Scale)
		wants := []ratelimit.Want{{Key: o.ID + "\x00" + b.Name + "\x00", Limit: org}}
		if p := principalOf(r); p != "" && cfg.Share < 1 {
			share := scaled(org, cfg.Share)
			wants = append(wants, ratelimit.Want{Key: o.ID + "\x00" + b.Name + "\x00" + p, Limit: share})
		}
		d := l.minute.TakeAll(wants...)
		h.Set("X-Rate-Limit-Limit", strconv.Itoa(d.Limit))
		h.Set("X-Rate-Limit-Remaining", strconv.Itoa(d.Remaining))
		h.Set("X-Rate-Limit-Reset", strconv.FormatInt(d.Reset.Unix(), 10))
		if !d.Allowed {
			s.writeError(w, r, errRateLimited())
			return
		}
		next.ServeHTTP(w, r)
	})
}
