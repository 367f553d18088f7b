package mockatlassian

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/provsim/provsim/internal/certs"
	"github.com/provsim/provsim/internal/faults"
	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/ratelimit"
	"github.com/provsim/provsim/internal/store"
	"github.com/provsim/provsim/internal/ui"
)

// AuthErrorBody selects the body of 401/403 answers on SCIM routes.
type AuthErrorBody string

const (
	// AuthErrorFailure is Atlassian's documented {"error","traceId"} body
	// (SCIM-AUTH-2) — not a SCIM error envelope.
	AuthErrorFailure AuthErrorBody = "failure"
	// AuthErrorSCIM answers with a SCIM error instead, which Okta's SCIM 2.0
	// SPEC Test step 11 asserts (OKTA-SUITE-1).
	AuthErrorSCIM AuthErrorBody = "scim"
)

// Config is everything a Server needs. The zero value plus Boot is a
// working server with the documented defaults.
type Config struct {
	Options       Options
	Journal       journal.Options
	MaxBodyBytes  int64         // request body limit; default 1 MiB
	AuthErrorBody AuthErrorBody // default failure
	Boot          *Boot         // the organization and directory made at start
	Logger        *slog.Logger
	Faults        []faults.Rule // fault rules active from the start (--faults-file); faults.go
	// ControlToken, when set, is required as `Authorization: Bearer <token>`
	// on every /_sim/ route but GET /_sim/health (controlauth.go).
	ControlToken string
	DataDir      string       // keep state in DataDir/mockatlassian.db (persist.go); "" keeps it in memory
	Seed         *Seed        // start state (seed.go), applied when nothing was stored
	OrgAPI       OrgAPIConfig // the Organizations and User management REST APIs (orgapi.go)
	// PublicURL is where people reach the server ("http://127.0.0.1:8081"
	// in compose) when it differs from the listen address: the start-up
	// lines name it, and the console's absolute links use it. "": the
	// listen address.
	PublicURL string
	// URLFromOkta is the server's base URL as Okta reaches it, when that is
	// neither the public URL nor the listen address (compose:
	// http://mockatlassian:8081, the service name): the console shows it
	// in the Directory base URL people paste into Okta. "": the public URL.
	URLFromOkta string
	// Console mounts the admin console (mockatlassian/console.Mount)
	// under ConsolePath; nil: no console. It lives in a package of its own
	// beside the model, so it is handed in rather than imported; base
	// carries the server's settings a console needs.
	Console func(s *Server, base ui.Config) (httpx.Surface, error)
	// TLS adds an HTTPS listener (--tls-*; docs/state.md, "HTTPS").
	// TLSAuthority, when set, issues its certificate instead of the local
	// authority kept in DataDir (harness serve shares one between servers).
	TLS          certs.Options
	TLSAuthority *certs.Authority
}

// Boot describes the organization and directory a server starts with
// (zero-config start: the flags' defaults).
type Boot struct {
	OrgID           string
	OrgName         string
	OrgAPIKey       string
	DirectoryID     string
	DirectoryName   string
	APIKey          string
	VerifiedDomains []string
	Sites           []AddSiteInput
}

// Booted is what a boot created, keys included: shown once, at start.
type Booted struct {
	Org       OrgCreated
	Directory DirectoryCreated
}

// Server is mockatlassian's HTTP face over a Model.
type Server struct {
	Model   *Model
	Journal *journal.Journal
	Booted  *Booted

	cfg     Config
	log     *slog.Logger
	handler *httpx.Handler
	faults  *faults.Registry
	store   *store.Store // --data-dir (persist.go), nil in memory
	stored  bootRecord   // the boot organization a data directory remembers

	orgAPI    OrgAPIConfig
	rateLimit *ratelimit.Limiter // the org admin APIs' limits (orgapi.go)
	console   *httpx.Surface     // nil: no console
	https     *httpx.HTTPS       // the HTTPS listener (--tls-addr); nil: plain HTTP only
	signin    signinState        // sign-in sessions, sent AuthnRequests, replay caches (signin.go)
}

// URLFromOkta is Config.URLFromOkta: where Okta reaches this server when
// it says so, else "".
func (s *Server) URLFromOkta() string { return strings.TrimRight(s.cfg.URLFromOkta, "/") }

// ConsolePath is where the admin console lives: not under /admin/, whose
// /admin/v1 and /admin/v2 are the Organizations REST API's paths.
const ConsolePath = "/console/"

// DefaultMaxBodyBytes bounds request bodies (httpx.DefaultMaxBodyBytes).
const DefaultMaxBodyBytes = httpx.DefaultMaxBodyBytes

// NewServer builds a server and runs its boot.
func NewServer(cfg Config) (*Server, error) {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	switch cfg.AuthErrorBody {
	case "":
		cfg.AuthErrorBody = AuthErrorFailure
	case AuthErrorFailure, AuthErrorSCIM:
	default:
		return nil, fmt.Errorf("auth error body %q: want %q or %q", cfg.AuthErrorBody, AuthErrorFailure, AuthErrorSCIM)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Options.Logger == nil {
		cfg.Options.Logger = cfg.Logger
	}
	m, err := New(cfg.Options)
	if err != nil {
		return nil, err
	}
	s := &Server{Model: m, Journal: journal.New(cfg.Journal, m.clock), cfg: cfg, log: cfg.Logger,
		rateLimit: newOrgAPIRateLimiter(m.clock)}
	s.signin.sessions.Cookie, s.signin.sessions.Lifetime = sessionCookie, sessionLifetime
	if s.orgAPI, err = cfg.OrgAPI.withDefaults(); err != nil {
		return nil, err
	}
	if s.faults, err = faults.NewRegistryFrom(cfg.Options.Seed, cfg.Faults); err != nil {
		return nil, fmt.Errorf("faults: %w", err)
	}
	if s.https, err = httpx.SetupHTTPS(cfg.TLS, "mockatlassian", cfg.DataDir, cfg.PublicURL, cfg.TLSAuthority); err != nil {
		return nil, err
	}
	if err := s.openState(); err != nil {
		s.https.Close()
		return nil, err
	}
	if cfg.Boot != nil {
		b, err := s.boot(*cfg.Boot)
		if err != nil {
			s.closeState()
			s.https.Close()
			return nil, fmt.Errorf("boot: %w", err)
		}
		s.Booted = b
	}
	if err := s.saveState(); err != nil {
		s.closeState()
		s.https.Close()
		return nil, err
	}
	if cfg.Console != nil {
		sf, err := cfg.Console(s, ui.Config{ControlToken: cfg.ControlToken, PublicURL: cfg.PublicURL, Logger: cfg.Logger})
		if err != nil {
			s.closeState()
			s.https.Close()
			return nil, fmt.Errorf("console: %w", err)
		}
		s.console = &sf
	}
	// A fault rule's tenant is the tenant the request authenticated as.
	layers := httpx.Layers{Faults: s.faults.Middleware(httpx.TenantOf, s.writeFault), Durable: s.durable}
	if s.handler, err = httpx.Build(s.Journal, layers, s.surfaces()...); err != nil {
		s.closeState()
		s.https.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) boot(b Boot) (*Booted, error) {
	if out, ok, err := s.resumeBoot(b); ok || err != nil {
		return out, err
	}
	org, err := s.Model.CreateOrg(CreateOrgInput{ID: b.OrgID, Name: b.OrgName, APIKey: b.OrgAPIKey, VerifiedDomains: b.VerifiedDomains})
	if err != nil {
		return nil, err
	}
	dir, err := s.Model.CreateDirectory(org.ID, CreateDirectoryInput{ID: b.DirectoryID, Name: b.DirectoryName, APIKey: b.APIKey})
	if err != nil {
		return nil, err
	}
	for _, site := range b.Sites {
		if _, err := s.Model.AddSite(org.ID, site); err != nil {
			return nil, err
		}
	}
	return &Booted{Org: org, Directory: dir}, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// surfaces lists the server's APIs, most specific prefix first: where each
// lives, how its requests authenticate and name their tenant, and in which
// error family it answers an unknown path or a wrong method. A new API
// (the Organizations REST API, a console) is one more entry here, placed
// before any shorter prefix that contains it (before "/admin/" for
// "/admin/v1/orgs/{orgId}"), with its routes in a function of its own.
func (s *Server) surfaces() []httpx.Surface {
	scimErr := func(w http.ResponseWriter, r *http.Request, status int, msg string) {
		writeJSON(w, r, status, &scimStatusError{status: status, detail: msg})
	}
	provisioningErr := func(w http.ResponseWriter, r *http.Request, status int, msg string) {
		writeJSON(w, r, status, failure{Error: msg, TraceID: s.Model.ids.Hex(8)})
	}
	list := []httpx.Surface{
		{Name: "scim", Prefix: "/scim/directory/{directoryId}", Auth: s.scimAuth, Routes: s.scimRoutes, Unrouted: scimErr},
		{Name: "user provisioning admin API", Prefix: "/admin/user-provisioning/v1/org/{orgId}", Auth: s.orgAuth,
			Routes: s.adminRoutes, Unrouted: provisioningErr},
		// The Organizations and User management REST APIs (orgapi.go).
		s.orgAPISurface("organizations API v1", "/admin/v1/orgs", styleOrgs, s.v1Routes),
		s.orgAPISurface("organizations API v2", "/admin/v2/orgs/{orgId}", styleOrgs, s.v2Routes),
		s.orgAPISurface("user management API", "/users/{accountId}/manage", styleUserMgmt, s.userManagementRoutes),
		// Atlassian's other admin APIs answer like the Organizations API
		// even where provsim has no route: the gateway's 401 without a key,
		// else ApplicationErrors ADMIN-404-1 (ATL-ORGAPI-3).
		s.orgAPISurface("other admin APIs", "/admin/", styleOrgs, nil),
		{Name: "control", Prefix: "/_sim", Routes: s.controlRoutes, Unjournaled: true,
			Unrouted: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
				writeJSON(w, r, status, controlErr{msg})
			}},
	}
	if s.console != nil {
		list = append(list, *s.console)
	}
	// Anywhere else: a SCIM error, since SCIM clients are the ones that
	// mistype base URLs; but "/console" typed without its slash opens the
	// console.
	fallback := scimErr
	if s.console != nil {
		fallback = func(w http.ResponseWriter, r *http.Request, status int, msg string) {
			if r.URL.Path == strings.TrimSuffix(ConsolePath, "/") && r.Method == http.MethodGet {
				http.Redirect(w, r, ConsolePath, http.StatusMovedPermanently)
				return
			}
			scimErr(w, r, status, msg)
		}
	}
	// The log-in, ACS and site pages live at the root (signin.go); their
	// unknown paths get the fallback's answers.
	return append(list,
		httpx.Surface{Name: "sign-in pages", Prefix: "/", Routes: s.signinRoutes, Unrouted: fallback, Unfaulted: true},
		httpx.Surface{Name: "fallback", Unrouted: fallback})
}

// PublicBase is the base URL people reach the server at: --public-url
// when set, else the listen address.
func (s *Server) PublicBase(addr net.Addr) string { return ui.PublicBase(s.cfg.PublicURL, addr) }

// Run serves s on addr until ctx ends, then shuts down gracefully; ready,
// when not nil, receives the bound address. With --tls-addr it serves
// HTTPS there too.
func Run(ctx context.Context, addr string, s *Server, ready func(net.Addr)) error {
	return s.https.Serve(ctx, addr, s, ready)
}

// HTTPSURL is the HTTPS base URL ("" without --tls-addr, or before Run
// listens).
func (s *Server) HTTPSURL() string { return s.https.URL() }

// HTTPSCA is the local authority's certificate (PEM) that signed the HTTPS
// certificate; nil without HTTPS or with a given certificate.
func (s *Server) HTTPSCA() []byte { return s.https.CAPEM() }
