package harness

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/provsim/provsim/internal/certs"
	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/mockatlassian"
	atlconsole "github.com/provsim/provsim/mockatlassian/console"
	"github.com/provsim/provsim/mockokta"
	oktaconsole "github.com/provsim/provsim/mockokta/console"
)

// Env is where scenarios run: the base URLs of a mockokta and a
// mockatlassian that can reach each other. Embedded environments also hold
// the servers themselves.
type Env struct {
	OktaURL      string
	AtlassianURL string
	// AtlassianURLFromOkta is the mockatlassian base URL as mockokta reaches
	// it (differs from AtlassianURL between containers); default AtlassianURL.
	AtlassianURLFromOkta string
	HTTP                 *http.Client
	// ControlToken is sent as `Authorization: Bearer <token>` on /_sim/
	// calls, for servers started with --control-token.
	ControlToken string

	// Clock is the clock the embedded mockokta waits on (virtual: waits
	// pass at once, timestamps show them); the runner waits out Okta's
	// 429s on it too. nil for remote environments, whose waits are real.
	Clock clock.Sleeper

	Okta      *mockokta.Server      // nil for remote environments
	Atlassian *mockatlassian.Server // nil for remote environments
	// CA is the certificate (PEM) that signed both servers' HTTPS
	// certificates when the environment serves HTTPS (EmbeddedOptions.TLS);
	// HTTP trusts it already.
	CA []byte

	closers []func()
}

// Close stops embedded servers.
func (e *Env) Close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
	e.closers = nil
}

// Remote is an environment of running servers.
func Remote(oktaURL, atlassianURL string) *Env {
	return &Env{OktaURL: trimSlash(oktaURL), AtlassianURL: trimSlash(atlassianURL), HTTP: &http.Client{Timeout: 2 * time.Minute}}
}

// EmbeddedOptions configure an in-process pair.
type EmbeddedOptions struct {
	Seed      uint64
	Atlassian mockatlassian.Options
	Logger    *slog.Logger
	// TLS serves both simulators over HTTPS only, with certificates from one
	// local authority (Env.CA), as clients that insist on https need; the
	// engine's SCIM client trusts it too.
	TLS bool
}

// StartEmbedded runs mockatlassian and mockokta in this process, each on a
// loopback listener, wired together. Okta's 429 back-offs pass in virtual
// time, so a throttled run still finishes in milliseconds.
func StartEmbedded(opts EmbeddedOptions) (*Env, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var srv servers
	if opts.TLS {
		var err error
		if srv.ca, err = certs.NewAuthority(); err != nil {
			return nil, err
		}
	}
	aopts := opts.Atlassian
	aopts.Seed, aopts.Logger = opts.Seed, log
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Options: aopts, Logger: log, Console: atlconsole.Mount})
	if err != nil {
		return nil, fmt.Errorf("mockatlassian: %w", err)
	}
	ats, err := srv.start("mockatlassian", atl)
	if err != nil {
		return nil, err
	}
	e, err := startOkta(opts.Seed, log, &clock.Virtual{}, srv)
	if err != nil {
		ats.Close()
		return nil, err
	}
	e.AtlassianURL, e.Atlassian = ats.URL, atl
	e.closers = append(append([]func(){ats.Close}, e.closers...), func() { _ = atl.Close() })
	return e, nil
}

// servers starts in-process listeners: plain HTTP, or HTTPS with
// certificates from ca when it is set.
type servers struct{ ca *certs.Authority }

func (s servers) start(name string, h http.Handler) (*httptest.Server, error) {
	if s.ca == nil {
		return httptest.NewServer(h), nil
	}
	cert, err := s.ca.Issue(name, nil)
	if err != nil {
		return nil, err
	}
	ts := httptest.NewUnstartedServer(h)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.StartTLS()
	return ts, nil
}

// client is an HTTP client with timeout that trusts ca when it is set.
func (s servers) client(timeout time.Duration) *http.Client {
	if s.ca == nil {
		return &http.Client{Timeout: timeout}
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: s.ca.Pool()}
	return &http.Client{Timeout: timeout, Transport: t}
}

func (s servers) caPEM() []byte {
	if s.ca == nil {
		return nil
	}
	return s.ca.PEM()
}

// startOkta runs mockokta alone in this process, its engine waiting on clk.
func startOkta(seed uint64, log *slog.Logger, clk clock.Sleeper, srv servers) (*Env, error) {
	okta, err := mockokta.NewServer(mockokta.Config{Logger: log, Console: oktaconsole.Mount, Options: mockokta.Options{Seed: seed, Clock: clk,
		SCIMClient: srv.client(60 * time.Second), Journal: journal.New(journal.Options{MaxEntries: 200000}, clk)}})
	if err != nil {
		return nil, fmt.Errorf("mockokta: %w", err)
	}
	ots, err := srv.start("mockokta", okta)
	if err != nil {
		_ = okta.Close()
		return nil, err
	}
	e := &Env{OktaURL: ots.URL, HTTP: srv.client(2 * time.Minute), Okta: okta, CA: srv.caPEM(), Clock: clk}
	// In memory the server has nothing to save, so closing cannot fail.
	e.closers = append(e.closers, ots.Close, func() { _ = okta.Close() })
	return e, nil
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}
