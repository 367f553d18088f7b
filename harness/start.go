package harness

import (
	"context"
	"testing"
	"time"
)

// TestEnv is an in-process environment for Go tests: both simulators
// running and wired, with one Atlassian organization (example.com
// verified, acme.atlassian.net with Jira Software and Confluence, a SCIM
// directory) and one Okta org whose Atlassian Cloud app is connected to it
// with Create, Update and Deactivate Users on.
type TestEnv struct {
	*Env

	OktaOrgID      string
	OktaToken      string // send as "Authorization: SSWS <token>"
	AppID          string // the Atlassian Cloud app
	AtlassianOrgID string
	DirectoryID    string
	APIKey         string // the directory's SCIM key
	SCIMBaseURL    string

	run *run
}

// StartOptions adjust Start.
type StartOptions struct {
	Seed uint64
	// Scenario, when set, is the setup to use instead of the default (its
	// atlassian, okta, people and groups sections; steps are ignored).
	Scenario *Scenario
	// TLS serves both simulators over HTTPS (EmbeddedOptions.TLS); the
	// environment's CA is the certificate to trust.
	TLS bool
	// Pace and RateLimits set the Okta org's pace and Management API rate
	// limits (as a scenario's okta.pace and okta.rateLimits, which they
	// replace): by default instant and off. Both run on the environment's
	// virtual clock, so waits cost no wall time.
	Pace, RateLimits string
}

// Start starts an in-process environment for t and stops it at the end of
// the test.
func Start(t testing.TB, opts ...StartOptions) *TestEnv {
	t.Helper()
	var o StartOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	s := o.Scenario
	if s == nil {
		s = &Scenario{Name: t.Name(), Seed: o.Seed,
			Atlassian: AtlassianSpec{Domains: []string{"example.com"},
				Sites: []SiteSpec{{Name: "acme.atlassian.net", Products: []string{"jira-software", "confluence"}}}},
			Okta: OktaSpec{App: AppSpec{Template: "atlassian"}}}
	}
	env, err := StartEmbedded(EmbeddedOptions{Seed: s.Seed, Atlassian: switches(s.Atlassian.Switches), TLS: o.TLS})
	if err != nil {
		t.Fatalf("harness.Start: %v", err)
	}
	t.Cleanup(env.Close)
	r, err := newRun(context.Background(), s, env, RunOptions{Pace: o.Pace, RateLimits: o.RateLimits})
	if err != nil {
		t.Fatalf("harness.Start: %v", err)
	}
	if err := r.setup(); err != nil {
		t.Fatalf("harness.Start: setup: %v", err)
	}
	return &TestEnv{Env: env, OktaOrgID: r.oktaOrg, OktaToken: r.okta.auth[len("SSWS "):], AppID: r.appID,
		AtlassianOrgID: r.atlOrg, DirectoryID: r.dirID, APIKey: r.dirKey, SCIMBaseURL: r.scimBase, run: r}
}

// Okta calls mockokta's Management API as the org's admin and decodes the
// JSON answer into out (when not nil).
func (e *TestEnv) Okta(method, path string, body, out any) error {
	return e.run.okta.do(method, path, body, out)
}

// SCIM calls the directory's SCIM API with its key.
func (e *TestEnv) SCIM(method, path string, body, out any) error {
	return e.run.scim.do(method, path, body, out)
}

// AtlassianControl calls mockatlassian's /_sim/ API for the organization;
// path is relative to /_sim/orgs/{org}.
func (e *TestEnv) AtlassianControl(method, path string, body, out any) error {
	return e.run.atlCtl.do(method, "/_sim/orgs/"+e.AtlassianOrgID+path, body, out)
}

// WaitIdle waits until Okta's provisioning engine has nothing left to do.
func (e *TestEnv) WaitIdle(timeout time.Duration) error {
	e.run.timeout = timeout
	return e.run.waitIdle()
}
