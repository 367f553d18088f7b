package containers_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/provsim/provsim/harness"
	"github.com/provsim/provsim/harness/containers"
	"github.com/provsim/provsim/internal/ui/browsertest"
)

// The sign-in issue 13 asks for: after `docker compose up` (or
// containers.Run), a person signs in to the Jira site through mockokta, in
// a browser on the host, at the URLs the servers publish.

// stack is a running pair as people on this host reach it, with the
// development tenants.
type stack struct {
	oktaURL, atlURL, control string
	hc                       *http.Client // nil: http.DefaultClient; over HTTPS, one that trusts the CA
	ca                       []byte       // over HTTPS, the CA certificates (PEM) the browser is told to trust
}

func (s stack) call(t *testing.T, method, url, auth, body string, out any) int {
	t.Helper()
	return callWith(t, s.hc, method, url, auth, body, out)
}

func (s stack) ctl(t *testing.T, method, path, body string, out any) int {
	t.Helper()
	auth := ""
	if s.control != "" {
		auth = "Bearer " + s.control
	}
	return s.call(t, method, s.atlURL+"/_sim"+path, auth, body, out)
}

// person makes an Okta user with a password, assigns her to the Atlassian
// Cloud app, waits until Okta's engine has provisioned her account, and
// gives it Jira Software through a group: what an admin does before
// people sign in. It returns the app's id and her login.
func (s stack) person(t *testing.T) (appID, login string) {
	t.Helper()
	okta := "SSWS " + containers.DefaultOktaToken
	var apps []struct{ ID, Name string }
	if st := s.call(t, "GET", s.oktaURL+"/api/v1/apps", okta, "", &apps); st != 200 || len(apps) == 0 {
		t.Fatalf("GET /api/v1/apps: %d %v", st, apps)
	}
	for _, a := range apps {
		if a.Name == "atlassian" {
			appID = a.ID
		}
	}
	login = fmt.Sprintf("grace.%d@example.com", time.Now().UnixNano())
	var user struct{ ID string }
	if st := s.call(t, "POST", s.oktaURL+"/api/v1/users?activate=true", okta, `{"profile":{"firstName":"Grace","lastName":"Hopper",
		"email":"`+login+`","login":"`+login+`"},"credentials":{"password":{"value":"Compose-Sign-1n"}}}`, &user); st != 200 {
		t.Fatalf("POST /api/v1/users: %d", st)
	}
	if st := s.call(t, "POST", s.oktaURL+"/api/v1/apps/"+appID+"/users", okta, `{"id":"`+user.ID+`","scope":"USER"}`, nil); st != 200 {
		t.Fatalf("assign: %d", st)
	}
	deadline := time.Now().Add(30 * time.Second)
	for s.ctl(t, "GET", "/orgs/"+containers.DefaultAtlassianOrgID+"/accounts/"+url.PathEscape(login), "", nil) != 200 {
		if time.Now().After(deadline) {
			t.Fatalf("%s was not provisioned to mockatlassian", login)
		}
		time.Sleep(100 * time.Millisecond)
	}
	group := "jira-" + strings.SplitN(login, "@", 2)[0]
	if st := s.ctl(t, "POST", "/orgs/"+containers.DefaultAtlassianOrgID+"/groups", `{"name":"`+group+`","members":["`+login+`"]}`, nil); st != 201 && st != 200 {
		t.Fatalf("group: %d", st)
	}
	if st := s.ctl(t, "PUT", "/orgs/"+containers.DefaultAtlassianOrgID+"/sites/acme.atlassian.net/products/jira-software/groups/"+group, "", nil); st != 200 {
		t.Fatalf("Jira Software access: %d", st)
	}
	return appID, login
}

// sitePage reads the Jira site's page with the person's session.
func (s stack) sitePage(t *testing.T, jar http.CookieJar) string {
	t.Helper()
	c := http.Client{Jar: jar}
	if s.hc != nil {
		c.Transport = s.hc.Transport
	}
	res, err := c.Get(s.atlURL + "/site/acme.atlassian.net")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return string(body)
}

// signInOverHTTP: the harness's sso step's client (a cookie jar, every
// redirect and form as a browser follows them), IdP- and SP-initiated.
func (s stack) signInOverHTTP(t *testing.T) {
	appID, login := s.person(t)
	for _, flow := range []string{"idp", "sp"} {
		jar, _ := cookiejar.New(nil)
		res, err := harness.SignIn{OktaURL: s.oktaURL, AtlassianURL: s.atlURL, Flow: flow, AppName: "atlassian", AppID: appID,
			Org: containers.DefaultAtlassianOrgID, Email: login, Login: login, Password: "Compose-Sign-1n", Jar: jar, HTTP: s.hc}.Do(context.Background())
		if err != nil || res.Refused != "" || !strings.EqualFold(res.NameID, login) {
			t.Fatalf("%s-initiated sign-in: %+v %v", flow, res, err)
		}
		page := s.sitePage(t, jar)
		for _, want := range []string{"Signed in as", login, "provisioned by SCIM", "Jira Software"} {
			if !strings.Contains(page, want) {
				t.Fatalf("%s-initiated: the site page has no %q:\n%s", flow, want, page)
			}
		}
		if strings.Contains(page, "not provisioned by SCIM") {
			t.Fatalf("%s-initiated: signed in to a second account:\n%s", flow, page)
		}
		if !strings.HasPrefix(res.Landed, s.atlURL+"/") {
			t.Fatalf("%s-initiated: landed on %s, not on %s", flow, res.Landed, s.atlURL)
		}
		t.Logf("%s-initiated sign-in of %s: NameID %s, landed on %s", flow, login, res.NameID, res.Landed)
	}
}

// signInInBrowser: the same in headless chromium: IdP-initiated from the
// Okta dashboard's tile, then, signed out of Atlassian, SP-initiated from
// the Jira site with the Okta session. Over HTTPS the browser trusts the
// CA as a person is told to (browsertest.TrustCA: imported into the NSS
// database of its home), and every page it asked for must be https and
// both sign-in sessions' cookies Secure.
func (s stack) signInInBrowser(t *testing.T) {
	var opts []browsertest.Option
	if s.ca != nil {
		opts = append(opts, browsertest.TrustCA(s.ca))
	}
	b := browsertest.New(t, opts...)
	_, login := s.person(t)
	fill, click, wait := browsertest.Fill, browsertest.Click, browsertest.WaitText
	// WaitText matches an element's first text node, titles included: each
	// wait names words that only the page body's first text holds.
	b.Step("Okta: open the dashboard", browsertest.Navigate(s.oktaURL+"/app/UserHome"), wait("Username"))
	b.Step("Okta: sign in", fill("Username", login), fill("Password", "Compose-Sign-1n"), click("Sign In"), wait("Atlassian Cloud"))
	b.Step("Okta: the Atlassian Cloud tile", click("Atlassian Cloud"), wait("Your sites"), wait(login))
	b.Step("Atlassian: the Jira site", browsertest.Navigate(s.atlURL+"/site/acme.atlassian.net"), wait("Jira Software"), wait(login))
	b.Step("Atlassian: log out", browsertest.Navigate(s.atlURL+"/logout"), browsertest.Navigate(s.atlURL+"/site/acme.atlassian.net"),
		wait("Log in to continue"))
	b.Step("Atlassian: log in with the work email", fill("Email", login), click("Continue"), wait("Jira Software"), wait(login))
	page, err := chromedp.Run(b.Ctx, chromedp.Text(`//main`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page, "provisioned by SCIM") || strings.Contains(page, "not provisioned by SCIM") {
		t.Fatalf("the site page: %s", page)
	}
	if s.ca != nil {
		b.RequireSecure(s.oktaURL, "sid")
		b.RequireSecure(s.atlURL, "cloud.session.token")
		t.Logf("browser sign-in of %s over https: %d pages, all https; sid and cloud.session.token Secure", login, len(b.Pages()))
	}
}

func TestSignInThroughOkta(t *testing.T) {
	env := start(t)
	if w := env.SAML(); w.AppID == "" || !strings.HasPrefix(w.SSOURL, env.OktaOrgURL()+"/app/atlassian/") ||
		!strings.HasPrefix(w.ACSURL, env.AtlassianURL()+"/login/callback") {
		t.Fatalf("SAML: %+v", w)
	}
	s := stack{oktaURL: env.OktaOrgURL(), atlURL: env.AtlassianURL()}
	t.Run("http", s.signInOverHTTP)
	t.Run("browser", s.signInInBrowser)
}

// TestComposeSignIn runs against a compose stack started elsewhere:
// docker/compose-smoke.sh sets PROVSIM_COMPOSE_OKTA_URL and
// PROVSIM_COMPOSE_ATLASSIAN_URL (the published ports on this host), and
// over HTTPS PROVSIM_COMPOSE_CA, the CA file to trust (the HTTP client
// and the browser both trust it).
func TestComposeSignIn(t *testing.T) {
	s := stack{oktaURL: os.Getenv("PROVSIM_COMPOSE_OKTA_URL"), atlURL: os.Getenv("PROVSIM_COMPOSE_ATLASSIAN_URL"),
		control: os.Getenv("PROVSIM_CONTROL_TOKEN")}
	if s.oktaURL == "" || s.atlURL == "" {
		t.Skip("no compose stack: docker/compose-smoke.sh runs this test against one")
	}
	if caFile := os.Getenv("PROVSIM_COMPOSE_CA"); caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			t.Fatalf("%s: no certificate", caFile)
		}
		s.hc = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
		s.ca = pem
		t.Run("https", s.signInOverHTTP)
		t.Run("https-browser", s.signInInBrowser)
		return
	}
	t.Run("http", s.signInOverHTTP)
	t.Run("browser", s.signInInBrowser)
}
