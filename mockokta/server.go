package mockokta

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/certs"
	"github.com/provsim/provsim/internal/faults"
	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/store"
	"github.com/provsim/provsim/internal/ui"
)

// Config is everything a Server needs.
type Config struct {
	Options      Options
	Journal      journal.Options // inbound API journal
	MaxBodyBytes int64           // default 1 MiB
	Boot         *Boot
	Logger       *slog.Logger
	Faults       []faults.Rule // fault rules on /api/v1 from the start (--faults-file); faults.go
	// ControlToken, when set, is required as `Authorization: Bearer <token>`
	// on every /_sim/ route but GET /_sim/health (controlauth.go).
	ControlToken string
	DataDir      string // keep state in DataDir/mockokta.db (persist.go); "" keeps it in memory
	Seed         *Seed  // start state (seed.go), applied when nothing was stored
	// PublicURL is where people reach the server ("http://127.0.0.1:8080"
	// in compose) when it differs from the listen address: printed at
	// start, and the console's base for absolute links. "" : the listen
	// address.
	PublicURL string
	// Console mounts the admin console (mockokta/console.Mount) under
	// /admin/; nil: no console. It lives in a package of its own, beside
	// the model, so it is handed in rather than imported. base carries
	// the server's settings a console needs (control token, public URL,
	// logger).
	Console func(s *Server, base ui.Config) (httpx.Surface, error)
	// TLS adds an HTTPS listener (--tls-*; docs/state.md, "HTTPS").
	// TLSAuthority, when set, issues its certificate instead of the local
	// authority kept in DataDir (harness serve shares one between servers).
	TLS          certs.Options
	TLSAuthority *certs.Authority
	// RateLimits limits /api/v1 as Okta does (ratelimit.go); the zero
	// value limits nothing.
	RateLimits RateLimits
	// LengthRequired answers a POST or PUT that has neither a body nor a
	// Content-Length with 411, as Okta does (OAPI-MEDIA-2). Every HTTP
	// client sends Content-Length: 0 on an empty POST; requests built in
	// process (httptest.NewRequest) do not, so in-process servers leave it
	// off and the binary turns it on.
	LengthRequired bool
}

// Server is mockokta's HTTP face over a Model.
type Server struct {
	Model   *Model
	Journal *journal.Journal // inbound calls; the engine's outbound SCIM traffic is Model.Journal()
	Booted  *Booted

	cfg     Config
	log     *slog.Logger
	handler *httpx.Handler
	faults  *faults.Registry
	console *httpx.Surface // nil: no console
	store   *store.Store   // --data-dir (persist.go), nil in memory
	stored  bootRecord     // the boot org a data directory remembers
	https   *httpx.HTTPS   // the HTTPS listener (--tls-addr); nil: plain HTTP only
	limits  *rateLimiter   // the Management API's rate limits
	signin  signinState    // sign-in sessions and waiting SAML requests (signin.go)
}

// NewServer builds a server and runs its boot.
func NewServer(cfg Config) (*Server, error) {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = httpx.DefaultMaxBodyBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Options.Logger == nil {
		cfg.Options.Logger = cfg.Logger
	}
	registry, err := faults.NewRegistryFrom(cfg.Options.Seed, cfg.Faults)
	if err != nil {
		return nil, fmt.Errorf("faults: %w", err)
	}
	https, err := httpx.SetupHTTPS(cfg.TLS, "mockokta", cfg.DataDir, cfg.PublicURL, cfg.TLSAuthority)
	if err != nil {
		return nil, err
	}
	m := New(cfg.Options)
	s := &Server{Model: m, Journal: journal.New(cfg.Journal, m.clock), cfg: cfg, log: cfg.Logger, faults: registry, https: https}
	s.signin.sessions.Cookie, s.signin.sessions.Lifetime = sessionCookie, sessionLifetime
	s.limits = newRateLimiter(cfg.RateLimits, m)
	if err := s.openState(); err != nil {
		m.Close()
		https.Close()
		return nil, err
	}
	if cfg.Boot != nil {
		b, err := s.bootOrResume(*cfg.Boot)
		if err != nil {
			m.Close()
			s.abandonState()
			s.https.Close()
			return nil, fmt.Errorf("boot: %w", err)
		}
		s.Booted = b
	}
	if err := s.saveState(); err != nil {
		m.Close()
		s.abandonState()
		s.https.Close()
		return nil, err
	}
	if cfg.Console != nil {
		sf, err := cfg.Console(s, ui.Config{ControlToken: cfg.ControlToken, PublicURL: cfg.PublicURL, Logger: cfg.Logger})
		if err != nil {
			m.Close()
			s.abandonState()
			s.https.Close()
			return nil, fmt.Errorf("console: %w", err)
		}
		s.console = &sf
	}
	// A fault rule's tenant is the tenant the request authenticated as.
	layers := httpx.Layers{Faults: s.faults.Middleware(httpx.TenantOf, s.writeFault), Durable: s.durable}
	if s.handler, err = httpx.Build(s.Journal, layers, s.surfaces()...); err != nil {
		m.Close()
		s.abandonState()
		s.https.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the engine, then saves and closes --data-dir's store.
func (s *Server) Close() error {
	s.Model.Close()
	s.https.Close()
	if err := s.closeState(); err != nil {
		return fmt.Errorf("state not saved at close: %w", err)
	}
	return nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// surfaces lists the server's APIs, most specific prefix first: where each
// lives, how its requests authenticate and name their org, and how an
// unknown path or a wrong method is answered: in Okta's envelope
// everywhere, the control API included. A new API (a console) is one more
// entry, placed before any shorter prefix that contains it.
func (s *Server) surfaces() []httpx.Surface {
	unrouted := func(w http.ResponseWriter, r *http.Request, status int, _ string) {
		if status == http.StatusMethodNotAllowed {
			s.writeError(w, r, errMethod(r.Method, r.URL.Path))
			return
		}
		s.writeError(w, r, errNoSuchPath(r.URL.Path))
	}
	list := []httpx.Surface{
		{Name: "management API", Prefix: "/api/v1", Headers: s.oktaHeaders, Auth: s.apiAuth, Unrouted: unrouted,
			Limit: func(next http.Handler) http.Handler { return s.rateLimit(s.requireJSON(next)) },
			Routes: func(r *mux.Router) {
				s.userRoutes(r)
				s.ruleRoutes(r)
				s.groupRoutes(r)
				s.appRoutes(r)
				s.grantRoutes(r)
				s.policyRoutes(r)
				s.profileRoutes(r)
				s.userTypeRoutes(r)
				s.logRoutes(r)
				s.principalRateLimitRoutes(r)
				s.apiTokenRoutes(r)
				s.rateLimitSettingsRoutes(r)
			}},
		// The org authorization server: its client authenticates in the
		// request (private_key_jwt), so no Auth layer; the token endpoint
		// names the tenant. Unjournaled: its answers carry access tokens,
		// which are never kept (tokens are logged by outcome only).
		{Name: "org authorization server", Prefix: "/oauth2", Headers: s.oktaHeaders, Unrouted: unrouted,
			Routes: s.tokenRoutes, Unjournaled: true},
		{Name: "org metadata", Prefix: "/.well-known", Headers: s.oktaHeaders, Auth: s.optionalSSWS, Unrouted: unrouted,
			Routes: s.wellKnownRoutes},
		{Name: "control", Prefix: "/_sim", Routes: s.controlRoutes, Unrouted: unrouted, Unjournaled: true},
		// The group logos every group's _links.logo points at (OAPI-LINKS-1).
		{Name: "assets", Prefix: "/assets", Unrouted: unrouted, Unjournaled: true, Routes: groupLogoRoutes},
	}
	if s.console != nil {
		list = append(list, *s.console)
	}
	fallback := unrouted
	if s.console != nil {
		// "/admin" typed without its slash opens the console.
		fallback = func(w http.ResponseWriter, r *http.Request, status int, msg string) {
			if r.URL.Path == strings.TrimSuffix(ConsolePath, "/") && r.Method == http.MethodGet {
				http.Redirect(w, r, ConsolePath, http.StatusMovedPermanently)
				return
			}
			unrouted(w, r, status, msg)
		}
	}
	// The end-user pages (dashboard, SAML) live at the root, as on Okta;
	// their unknown paths get the fallback's answers. The sign-in form
	// posts a password, so /login/ stays out of the journal.
	return append(list,
		httpx.Surface{Name: "sign-in", Prefix: "/login/", Headers: s.oktaHeaders, Routes: s.loginRoutes, Unrouted: fallback,
			Unfaulted: true, Unjournaled: true},
		httpx.Surface{Name: "end-user pages", Prefix: "/", Headers: s.oktaHeaders, Routes: s.signinRoutes, Unrouted: fallback, Unfaulted: true},
		httpx.Surface{Name: "fallback", Headers: s.oktaHeaders, Unrouted: fallback})
}

// ConsolePath is where mockokta's admin console lives (Okta's own admin
// console is under /admin/ too).
const ConsolePath = "/admin/"

// PublicBase is the base URL people reach the server at: --public-url
// when set, else the listen address.
func (s *Server) PublicBase(addr net.Addr) string { return ui.PublicBase(s.cfg.PublicURL, addr) }

// Run serves s on addr until ctx ends, then shuts down gracefully; ready,
// when not nil, receives the bound address.
// With --tls-addr it serves HTTPS there too.
func Run(ctx context.Context, addr string, s *Server, ready func(net.Addr)) error {
	return s.https.Serve(ctx, addr, s, ready)
}

// HTTPSURL is the HTTPS base URL ("" without --tls-addr, or before Run
// listens), and HTTPSCA the certificate its clients trust (nil for a
// given certificate).
func (s *Server) HTTPSURL() string { return s.https.URL() }

// HTTPSCA is the local authority's certificate (PEM) that signed the HTTPS
// certificate; nil without HTTPS or with a given certificate.
func (s *Server) HTTPSCA() []byte { return s.https.CAPEM() }

func trimSlash(s string) string { return strings.TrimRight(s, "/") }
