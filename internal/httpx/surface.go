package httpx

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/journal"
)

// Middleware wraps a handler.
type Middleware = func(http.Handler) http.Handler

// A Surface is one API a server offers under a path prefix: a SCIM
// directory, an admin API, the Okta Management API, the /_sim/ control
// API, a console. Build gives every surface the same middleware order, and
// a request that matches none of a surface's routes is answered 404 or 405
// in that surface's own error family, never another API's.
type Surface struct {
	Name string
	// Prefix is a gorilla/mux path template ("/scim/directory/{directoryId}").
	// A surface that only names an error family may end it with "/"
	// ("/admin/"), so it does not claim "/administrator". "" is the
	// fallback: paths no other surface claims.
	Prefix string
	// Headers runs first on every request of the surface, unknown paths
	// included (Okta's Date and X-Rate-Limit-* headers). Optional.
	Headers Middleware
	// Auth authenticates a request and names its tenant (SetTenant). It
	// also runs before a 404 or 405, so an unknown path is not disclosed to
	// a caller without a key. Optional.
	Auth Middleware
	// Limit enforces the surface's rate limits. It runs after Auth, so a
	// limit can count per tenant or per key, and before the shared layers,
	// so a throttled request neither meets a fault nor writes. Optional.
	Limit Middleware
	// Routes registers the surface's routes on its subrouter; nil for a
	// surface that is only an error family, or for the fallback.
	Routes func(*mux.Router)
	// Unrouted answers a request none of the surface's routes matched:
	// status is 404, or 405 when the path is routed for another method;
	// msg is a sentence for the body.
	Unrouted func(w http.ResponseWriter, r *http.Request, status int, msg string)
	// Unjournaled keeps the surface's requests out of the journal (the
	// control API, whose journal reads would otherwise fill the journal).
	Unjournaled bool
	// Unfaulted keeps fault rules off the surface: a console is where an
	// admin looks at a fault's effect, not an API a rule targets.
	Unfaulted bool
}

// Layers are the middlewares every surface shares, in the order Build
// applies them after a surface's own Headers, Auth and Limit.
type Layers struct {
	// Faults injects fault rules. It runs after Auth, so a rule's tenant is
	// the tenant the request authenticated as; inside the journal, so the
	// journal records each fault.
	Faults Middleware
	// Durable acknowledges a write only once it is on disk. It is the
	// innermost layer, so a change made before a fault loses its answer
	// ("after" rules) is still saved.
	Durable Middleware
}

// Handler is a server's whole HTTP handler, built by Build.
type Handler struct {
	// Router holds the routes of every surface, for tests that walk them.
	Router *mux.Router
	h      http.Handler
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.h.ServeHTTP(w, r) }

// Build mounts the surfaces, in order (a more specific prefix before a
// shorter one that contains it), on one router and returns the server's
// handler. The order, the same for both simulators, from the outside in:
//
//	tenant slot → journal → router → Headers → Auth → Limit → Faults → Durable → route
//
// The journal wraps the router rather than being router middleware, so
// requests that match no route, or a route with another method, are
// journaled with the answer they got.
func Build(j *journal.Journal, layers Layers, surfaces ...Surface) (*Handler, error) {
	root := mux.NewRouter()
	var unjournaled []string
	for _, sf := range surfaces {
		if sf.Unrouted == nil {
			return nil, fmt.Errorf("surface %q: no Unrouted answer", sf.Name)
		}
		if sf.Unjournaled {
			unjournaled = append(unjournaled, staticPrefix(sf.Prefix))
		}
		unrouted := chain(unroutedHandler(root, sf.Unrouted), sf.Headers, sf.Auth)
		if sf.Prefix == "" {
			if sf.Routes != nil {
				return nil, fmt.Errorf("surface %q: the fallback surface has no routes", sf.Name)
			}
			root.NotFoundHandler, root.MethodNotAllowedHandler = unrouted, unrouted
			continue
		}
		sub := root.PathPrefix(sf.Prefix).Subrouter()
		faulted := layers.Faults
		if sf.Unfaulted {
			faulted = nil
		}
		for _, mw := range []Middleware{sf.Headers, sf.Auth, sf.Limit, faulted, layers.Durable} {
			if mw != nil {
				sub.Use(mux.MiddlewareFunc(mw))
			}
		}
		if sf.Routes != nil {
			sf.Routes(sub)
		}
		sub.NotFoundHandler, sub.MethodNotAllowedHandler = unrouted, unrouted
	}
	if root.NotFoundHandler == nil {
		return nil, fmt.Errorf("no fallback surface (Prefix \"\")")
	}
	skip := func(r *http.Request) bool {
		for _, p := range unjournaled {
			if strings.HasPrefix(r.URL.Path, p) {
				return true
			}
		}
		return false
	}
	return &Handler{Router: root, h: WithTenant(j.Middleware(TenantOf, skip)(root))}, nil
}

// chain wraps h in the middlewares given, the first outermost; nil ones
// are left out.
func chain(h http.Handler, mws ...Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		if mws[i] != nil {
			h = mws[i](h)
		}
	}
	return h
}

// staticPrefix is the part of a mux template before its first variable.
func staticPrefix(template string) string {
	p, _, _ := strings.Cut(template, "{")
	return p
}

// routedMethods are the methods probed to tell 405 from 404.
var routedMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// unroutedHandler answers 405 when the router routes the path for another
// method, else 404. gorilla/mux v1.8.1 forgets a method mismatch once a
// later subrouter's prefix matches, so the decision is made here, by
// probing the router with each method.
func unroutedHandler(router *mux.Router, answer func(w http.ResponseWriter, r *http.Request, status int, msg string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, m := range routedMethods {
			if m == r.Method {
				continue
			}
			probe := r.Clone(r.Context())
			probe.Method = m
			var match mux.RouteMatch
			if router.Match(probe, &match) && match.MatchErr == nil {
				answer(w, r, http.StatusMethodNotAllowed, fmt.Sprintf("Method %s is not supported on %s", r.Method, r.URL.Path))
				return
			}
		}
		answer(w, r, http.StatusNotFound, "No resource at "+r.URL.Path)
	})
}

// The tenant slot: the journal runs outside the router, before any API
// knows whose request it is, so it leaves a slot in the request's context
// that the API's authentication fills (SetTenant) and reads it back once
// the request is served.

type tenantKey struct{}

// WithTenant gives each request an empty tenant slot.
func WithTenant(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var tenant string
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tenantKey{}, &tenant)))
	})
}

// SetTenant names the tenant (a directory, an organization, an Okta org)
// a request belongs to, for the journal and fault rules.
func SetTenant(r *http.Request, tenant string) {
	if slot, ok := r.Context().Value(tenantKey{}).(*string); ok {
		*slot = tenant
	}
}

// TenantOf is the tenant SetTenant named, or "".
func TenantOf(r *http.Request) string {
	if slot, ok := r.Context().Value(tenantKey{}).(*string); ok {
		return *slot
	}
	return ""
}

// BearerToken reads `Authorization: Bearer <token>` (scheme in any case,
// spaces around trimmed).
func BearerToken(header string) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// DefaultMaxBodyBytes bounds request bodies on both servers. Neither
// vendor publishes a limit; 1 MiB holds a group PATCH of several thousand
// members.
const DefaultMaxBodyBytes = 1 << 20
