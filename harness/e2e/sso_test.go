package e2e_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/provsim/provsim/harness"
	"github.com/provsim/provsim/internal/ui/browsertest"
)

// ssoScenario provisions Ann with Jira Software access; the run also wires
// SAML between the app and the organization (docs/saml.md).
const ssoScenario = `name: Ann signs in to Jira
atlassian:
  domains: [example.com]
  sites: [{name: acme.atlassian.net, products: [jira-software]}]
okta:
  app: {template: atlassian}
people:
  - {ref: ann, login: ann.lee@example.com, email: ann.lee@example.com, firstName: Ann, lastName: Lee}
groups:
  - {name: atlassian-test-jira-users, members: [ann]}
steps:
  - pushGroup: {group: atlassian-test-jira-users}
  - grantAccess: {group: atlassian-test-jira-users, product: jira-software}
  - assign: {user: ann}
`

// TestSignInToJiraThroughOkta: a provisioned person opens the Jira site,
// gives her email on Atlassian's log-in page, signs in on Okta's sign-in
// page, and lands on the site signed in with access to Jira Software — a
// real SP-initiated SAML exchange in a real browser.
func TestSignInToJiraThroughOkta(t *testing.T) {
	signInToJira(t, false)
}

// TestSignInToJiraThroughOktaOverHTTPS: the same with both servers on
// HTTPS (EmbeddedOptions.TLS), in a browser that trusts the environment's
// CA as a person is told to (docs/saml.md, "Over HTTPS"): every page,
// the SAML POST to the ACS among them, is https and both sign-in sessions'
// cookies are Secure.
func TestSignInToJiraThroughOktaOverHTTPS(t *testing.T) {
	signInToJira(t, true)
}

func signInToJira(t *testing.T, overTLS bool) {
	env, err := harness.StartEmbedded(harness.EmbeddedOptions{Seed: 13, TLS: overTLS})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	s, err := harness.Parse("sso.yaml", []byte(ssoScenario))
	if err != nil {
		t.Fatal(err)
	}
	res, err := harness.RunScenario(context.Background(), s, "sso.yaml", []byte(ssoScenario), harness.RunOptions{Env: env})
	if err != nil || !res.Passed {
		var b strings.Builder
		if res != nil {
			harness.WriteText(&b, []*harness.Result{res})
		}
		t.Fatalf("setting Ann up: %v\n%s", err, b.String())
	}
	var opts []browsertest.Option
	if overTLS {
		if !strings.HasPrefix(env.OktaURL, "https://") || !strings.HasPrefix(env.AtlassianURL, "https://") {
			t.Fatalf("URLs %s and %s, want https", env.OktaURL, env.AtlassianURL)
		}
		opts = append(opts, browsertest.TrustCA(env.CA))
	}
	b := browsertest.New(t, opts...) // closed before the servers: cleanups run last-in first-out
	fill, click, wait := browsertest.Fill, browsertest.Click, browsertest.WaitText
	b.Step("Atlassian: open acme.atlassian.net", browsertest.Navigate(env.AtlassianURL+"/site/acme.atlassian.net"), wait("Log in to continue"))
	b.Step("Atlassian: log in with the work email", fill("Email", "ann.lee@example.com"), click("Continue"), wait("Username"))
	// The people of a scenario have the password Pr0vsim!<length of login>.
	b.Step("Okta: sign in", fill("Username", "ann.lee@example.com"), fill("Password", "Pr0vsim!19"), click("Sign In"),
		wait("Signed in as"))
	b.Step("Atlassian: Ann has Jira Software", wait("Jira Software"), wait("ann.lee@example.com"))
	page, err := chromedp.Run(b.Ctx, chromedp.Text(`//main`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page, "provisioned by SCIM") || strings.Contains(page, "not provisioned by SCIM") || !strings.Contains(page, "Yes") {
		t.Fatalf("the site page: %s", page)
	}
	if overTLS {
		b.RequireSecure(env.OktaURL, "sid")
		b.RequireSecure(env.AtlassianURL, "cloud.session.token")
		t.Logf("%d pages, all https, up to %s", len(b.Pages()), b.Pages()[len(b.Pages())-1])
	}
}
