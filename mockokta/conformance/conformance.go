// Package conformance checks any SCIM 2.0 server the way Okta's published
// SCIM test suites do, with mockokta's provisioning engine sending what
// Okta sends, and checks the Atlassian-specific behaviours that Atlassian's
// SCIM clients rely on.
//
// Three profiles:
//   - okta-spec: the steps of Okta's "SCIM 2.0 SPEC Test" (OKTA-SUITE-1 in
//     docs/fidelity.md), requests and assertions as the suite makes them;
//   - okta-crud: the steps of Okta's "SCIM 2.0 CRUD Test" (OKTA-SUITE-2):
//     Management API calls to an in-process mockokta whose engine provisions
//     into the server, each followed by the suite's SCIM check;
//   - atlassian: the behaviours of Atlassian's SCIM directory listed under
//     SCIM- in docs/fidelity.md, for servers meant to stand in for it.
//
// Every result is read through the server's own SCIM API, so any server
// can be tested. What a run creates is removed at the end unless Keep.
package conformance

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/provsim/provsim/mockokta"
)

// Profile is a set of checks.
type Profile string

// The profiles, in the order a run takes them.
const (
	ProfileOktaSpec  Profile = "okta-spec"
	ProfileOktaCRUD  Profile = "okta-crud"
	ProfileAtlassian Profile = "atlassian"
)

// Profiles are all profiles, in run order.
var Profiles = []Profile{ProfileOktaSpec, ProfileOktaCRUD, ProfileAtlassian}

// ParseProfiles reads "okta-spec,atlassian" or "all".
func ParseProfiles(s string) ([]Profile, error) {
	if s == "" || s == "all" {
		return Profiles, nil
	}
	want := map[Profile]bool{}
	for _, name := range strings.Split(s, ",") {
		p := Profile(strings.TrimSpace(name))
		if p == "all" {
			return Profiles, nil
		}
		known := false
		for _, k := range Profiles {
			known = known || k == p
		}
		if !known {
			return nil, fmt.Errorf("unknown profile %q: want okta-spec, okta-crud, atlassian or all", p)
		}
		want[p] = true
	}
	var out []Profile
	for _, p := range Profiles {
		if want[p] {
			out = append(out, p)
		}
	}
	return out, nil
}

// Target is the SCIM server under test.
type Target struct {
	// BaseURL is the SCIM base URL, e.g. https://example.com/scim/v2.
	BaseURL string
	// Auth is how requests authenticate (OKTA-WIRE-2): bearer
	// ("Authorization: Bearer <Token>", the default), header (Token sent
	// verbatim as the Authorization value) or basic (Token is
	// "user:password").
	Auth  mockokta.AuthMode
	Token string
}

// Authorization is the Authorization header value requests send.
func (t Target) Authorization() string {
	switch t.Auth {
	case mockokta.AuthHeader:
		return t.Token
	case mockokta.AuthBasic:
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(t.Token))
	default:
		return "Bearer " + t.Token
	}
}

// secrets are the strings a report must never show.
func (t Target) secrets() []string {
	s := []string{t.Token}
	if t.Auth == mockokta.AuthBasic {
		s = append(s, base64.StdEncoding.EncodeToString([]byte(t.Token)))
		if _, pass, ok := strings.Cut(t.Token, ":"); ok && len(pass) >= 4 {
			s = append(s, pass)
		}
	}
	return s
}

// OktaApp is the kind of Okta app the CRUD profile provisions through; it
// decides what the engine sends (OKTA-FLAVOUR-1).
type OktaApp string

const (
	// AppOIN is an OIN app (Okta's "SCIM 2.0 Test App", the kind OIN
	// submissions are made with): profile updates GET + PUT, activation
	// and deactivation PATCH.
	AppOIN OktaApp = "oin"
	// AppWizard is a custom app made with the App Integration Wizard: PUT
	// for everything.
	AppWizard OktaApp = "wizard"
)

// Options configure a run.
type Options struct {
	Target   Target
	Profiles []Profile // default: all
	// App is the CRUD profile's Okta app (default AppOIN).
	App OktaApp
	// EmailDomain is the domain of the people the run creates (default
	// atko.com, as in Okta's suites).
	EmailDomain string
	// Keep leaves what the run created on the server.
	Keep bool
	// Timeout bounds each wait for Okta's engine (default 2 minutes; Okta's
	// CRUD test pauses 20 to 40 s after each action).
	Timeout time.Duration
	// Seed makes the generated names repeatable; 0 picks one at random.
	Seed uint64
	// NoTimeLimits leaves out the suites' response-time assertions (step
	// 10 of the SPEC test wants an answer within 600 ms).
	NoTimeLimits bool
	// Transport sends every request to the server (default
	// http.DefaultTransport); tests pass an in-process one.
	Transport http.RoundTripper
	Logger    *slog.Logger
}

// run is one run's state.
type run struct {
	ctx    context.Context
	opts   Options
	rec    *recorder
	rng    *rand.Rand
	log    *slog.Logger
	report *Report
}

// Run runs the profiles against the target and reports each check. The
// error is for a run that could not start (bad options); a server that
// fails checks is a report with failures.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.Seed == 0 {
		opts.Seed = rand.Uint64()
	}
	r := &run{ctx: ctx, opts: opts, rec: newRecorder(opts.Target.secrets()...),
		rng: rand.New(rand.NewPCG(opts.Seed, 20240523)), log: opts.Logger,
		report: &Report{Target: opts.Target.BaseURL, Started: time.Now()}}
	for _, p := range opts.Profiles {
		var res *ProfileResult
		switch p {
		case ProfileOktaSpec:
			res = r.oktaSpec()
		case ProfileOktaCRUD:
			res = r.oktaCRUD()
		case ProfileAtlassian:
			res = r.atlassian()
		}
		r.report.Profiles = append(r.report.Profiles, res)
		if ctx.Err() != nil {
			break
		}
	}
	r.cleanup()
	r.report.Duration = time.Since(r.report.Started)
	return r.report, ctx.Err()
}

// Validate checks the target and fills in its defaults.
func (t *Target) Validate() error {
	u, err := url.Parse(t.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("SCIM URL %q: want an http or https URL", t.BaseURL)
	}
	t.BaseURL = strings.TrimRight(t.BaseURL, "/")
	switch t.Auth {
	case "":
		t.Auth = mockokta.AuthBearer
	case mockokta.AuthBearer, mockokta.AuthHeader:
	case mockokta.AuthBasic:
		if !strings.Contains(t.Token, ":") {
			return errors.New("basic auth: the token must be user:password")
		}
	default:
		return fmt.Errorf("auth %q: want bearer, header or basic", t.Auth)
	}
	if t.Token == "" {
		return errors.New("a token is required")
	}
	return nil
}

func (o *Options) validate() error {
	if err := o.Target.Validate(); err != nil {
		return err
	}
	if len(o.Profiles) == 0 {
		o.Profiles = Profiles
	}
	switch o.App {
	case "":
		o.App = AppOIN
	case AppOIN, AppWizard:
	default:
		return fmt.Errorf("okta app %q: want oin or wizard", o.App)
	}
	if o.EmailDomain == "" {
		o.EmailDomain = "atko.com"
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// client sends requests to the server as from, recorded.
func (r *run) client(from string) *apiClient {
	return &apiClient{ctx: r.ctx, base: r.opts.Target.BaseURL, auth: r.opts.Target.Authorization(),
		http: &http.Client{Transport: r.rec.transport(from, partServer, r.opts.Transport), Timeout: 60 * time.Second}}
}

// check runs fn as one check and records its traffic, duration and
// outcome. fn reports through the checker; a check with no failures
// passes.
func (r *run) check(c *Check, fn func(k *checker)) *Check {
	k := &checker{run: r, c: c, mark: r.rec.mark()}
	start := time.Now()
	func() {
		// A check must never take the whole report down, whatever the
		// server answers: a crash is that check's failure.
		defer func() {
			if v := recover(); v != nil {
				k.fail("the check ran to its end", "no crash", fmt.Sprintf("crashed: %v (a bug in the check: please report it)", v))
			}
		}()
		fn(k)
	}()
	c.Duration = time.Since(start)
	c.Exchanges = append(k.context, r.rec.since(k.mark)...)
	switch {
	case c.Reason != "":
		c.Status = Skipped
	case len(c.Failures) > 0 && c.Optional:
		c.Status = Warned
	case len(c.Failures) > 0:
		c.Status = Failed
	default:
		c.Status = Passed
	}
	return c
}

// checker is a running check.
type checker struct {
	run  *run
	c    *Check
	mark int
	// context is traffic from before the check that explains it (the
	// action a CRUD verification follows).
	context []Exchange
}

func (k *checker) fail(assertion, expected string, found any) {
	k.c.Failures = append(k.c.Failures, Failure{Assertion: assertion, Expected: expected, Found: clipLine(fmt.Sprint(found))})
}

func (k *checker) note(format string, args ...any) {
	k.c.Notes = append(k.c.Notes, fmt.Sprintf(format, args...))
}

// skip marks the check as not run, for reason.
func (k *checker) skip(reason string) { k.c.Reason = reason }

// need reports whether a value an earlier step saves is there, and skips
// the check when it is not.
func (k *checker) need(v, what string) bool {
	if v == "" {
		k.skip("needs " + what + ", which an earlier step did not provide")
	}
	return v != ""
}
