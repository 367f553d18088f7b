package mockatlassian

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/faults"
	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/store"
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
	DataDir      string // keep state in DataDir/mockatlassian.db (persist.go); "" keeps it in memory
	Seed         *Seed  // start state (seed.go), applied when nothing was stored
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

	cfg    Config
	log    *slog.Logger
	router *mux.Router
	faults *faults.Registry
	store  *store.Store // --data-dir (persist.go), nil in memory
	stored bootRecord   // the boot organization a data directory remembers
}

// DefaultMaxBodyBytes bounds request bodies. Atlassian publishes no limit;
// 1 MiB holds a group PATCH of several thousand members.
const DefaultMaxBodyBytes = 1 << 20

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
	s := &Server{Model: m, Journal: journal.New(cfg.Journal, m.clock), cfg: cfg, log: cfg.Logger}
	if s.faults, err = faults.NewRegistryFrom(cfg.Options.Seed, cfg.Faults); err != nil {
		return nil, fmt.Errorf("faults: %w", err)
	}
	if err := s.openState(); err != nil {
		return nil, err
	}
	if cfg.Boot != nil {
		b, err := s.boot(*cfg.Boot)
		if err != nil {
			s.closeState()
			return nil, fmt.Errorf("boot: %w", err)
		}
		s.Booted = b
	}
	if err := s.saveState(); err != nil {
		s.closeState()
		return nil, err
	}
	s.router = s.routes()
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
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

func (s *Server) routes() *mux.Router {
	r := mux.NewRouter()
	r.Use(s.Journal.Middleware(journalTenant, func(r *http.Request) bool {
		return strings.HasPrefix(r.URL.Path, "/_sim/")
	}))
	r.Use(s.faultMiddleware) // inside the journal, which then records each fault
	r.Use(s.durable)
	s.scimRoutes(r.PathPrefix("/scim/directory/{directoryId}").Subrouter())
	s.adminRoutes(r.PathPrefix("/admin/user-provisioning/v1/org/{orgId}").Subrouter())
	s.controlRoutes(s.controlAuth(r.PathPrefix("/_sim").Subrouter()))
	// Outside the three APIs: a SCIM error, since SCIM clients are the ones
	// that mistype base URLs.
	r.NotFoundHandler = s.unrouted(func(w http.ResponseWriter, r *http.Request, status int, msg string) {
		writeJSON(w, r, status, &scimStatusError{status: status, detail: msg})
	})
	return r
}

// otherMethodRoutes reports whether the path is routed for another method.
// gorilla/mux v1.8.1 forgets a method mismatch once a later subrouter's
// path prefix matches, so the 405-or-404 decision is made here, by probing
// the router with each method, and each API answers it in its own format.
func (s *Server) otherMethodRoutes(r *http.Request) bool {
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		var match mux.RouteMatch
		if s.router.Match(probe, &match) && match.MatchErr == nil {
			return true
		}
	}
	return false
}

// unrouted builds a subrouter's not-found handler: 405 when another method
// routes the path, else 404, both written by answer.
func (s *Server) unrouted(answer func(w http.ResponseWriter, r *http.Request, status int, msg string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.otherMethodRoutes(r) {
			answer(w, r, http.StatusMethodNotAllowed, fmt.Sprintf("Method %s is not supported on %s", r.Method, r.URL.Path))
			return
		}
		answer(w, r, http.StatusNotFound, "No resource at "+r.URL.Path)
	})
}

// journalTenant files SCIM traffic under its directory id and admin traffic
// under its organization id.
func journalTenant(r *http.Request) string {
	v := mux.Vars(r)
	if d := v["directoryId"]; d != "" {
		return d
	}
	return v["orgId"]
}

// Run serves s on addr until ctx ends, then shuts down gracefully; ready,
// when not nil, receives the bound address.
func Run(ctx context.Context, addr string, s *Server, ready func(net.Addr)) error {
	return httpx.Serve(ctx, addr, s, ready)
}
