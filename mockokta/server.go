package mockokta

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
)

// Config is everything a Server needs.
type Config struct {
	Options      Options
	Journal      journal.Options // inbound API journal
	MaxBodyBytes int64           // default 1 MiB
	Boot         *Boot
	Logger       *slog.Logger
	Faults       []faults.Rule    // fault rules on /api/v1 from the start (--faults-file); faults.go
	faults       *faults.Registry // the live registry, made by NewServer
	// ControlToken, when set, is required as `Authorization: Bearer <token>`
	// on every /_sim/ route but GET /_sim/health (controlauth.go).
	ControlToken string
	DataDir      string // keep state in DataDir/mockokta.db (persist.go); "" keeps it in memory
	Seed         *Seed  // start state (seed.go), applied when nothing was stored

	durable *state // opened by NewServer from DataDir
}

// Server is mockokta's HTTP face over a Model.
func NewServer(cfg Config) (*Server, error) {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Options.Logger == nil {
		cfg.Options.Logger = cfg.Logger
	}
	faults, err := faults.NewRegistryFrom(cfg.Options.Seed, cfg.Faults)
	if err != nil {
		return nil, fmt.Errorf("faults: %w", err)
	}
	cfg.faults = faults
	m := New(cfg.Options)
	s := &Server{Model: m, Inbound: journal.New(cfg.Journal, m.clock), cfg: cfg, log: cfg.Logger}
	if err := s.openState(); err != nil {
		m.Close()
		return nil, err
	}
	if cfg.Boot != nil {
		b, err := s.bootOrResume(*cfg.Boot)
		if err != nil {
			m.Close()
			s.abandonState()
			return nil, fmt.Errorf("boot: %w", err)
		}
		s.Booted = b
	}
	if err := s.saveState(); err != nil {
		m.Close()
		s.abandonState()
		return nil, err
	}
	s.router = s.routes()
	return s, nil
}

// Close stops the engine, then saves and closes --data-dir's store.
func (s *Server) Close() {
	s.Model.Close()
	if err := s.closeState(); err != nil {
		s.log.Error("state not saved at close", "err", err)
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

func (s *Server) routes() *mux.Router {
	r := mux.NewRouter()
	r.Use(s.durable)
	api := r.PathPrefix("/api/v1").Subrouter()
	// The journal wraps authentication, so rejected calls are journaled too;
	// ssws reports the org it selected through a holder set before both.
	api.Use(s.oktaHeaders, withOrgHolder, s.Inbound.Middleware(func(r *http.Request) string {
		if h, ok := r.Context().Value(orgHolderKey).(*string); ok {
			return *h
		}
		return ""
	}, nil), s.ssws, s.faultMiddleware) // faults inside the journal, which records them
	s.userRoutes(api)
	s.groupRoutes(api)
	s.appRoutes(api)
	s.logRoutes(api)
	api.NotFoundHandler = s.oktaHeaders(s.ssws(s.unrouted()))
	s.controlRoutes(s.controlAuth(r.PathPrefix("/_sim").Subrouter()))
	r.NotFoundHandler = s.oktaHeaders(s.unrouted())
	return r
}

// unrouted answers 405 when another method routes the path, else 404, in
// Okta's envelope. gorilla/mux v1.8.1 forgets a method mismatch across
// subrouters, so the router is probed with each method.
func (s *Server) unrouted() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if m == r.Method {
				continue
			}
			probe := r.Clone(r.Context())
			probe.Method = m
			var match mux.RouteMatch
			if s.router.Match(probe, &match) && match.MatchErr == nil {
				s.writeError(w, r, errMethod(r.Method, r.URL.Path))
				return
			}
		}
		s.writeError(w, r, errNoSuchPath(r.URL.Path))
	})
}

// Run serves s on addr until ctx ends, then shuts down gracefully; ready,
// when not nil, receives the bound address.
func Run(ctx context.Context, addr string, s *Server, ready func(net.Addr)) error {
	return httpx.Serve(ctx, addr, s, ready)
}

func trimSlash(s string) string { return strings.TrimRight(s, "/") }
