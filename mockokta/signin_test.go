package mockokta

import (
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/saml"
	"github.com/provsim/provsim/internal/ui/uitest"
)

const (
	testSPEntity = "http://sp.test/saml/cfg1"
	testACS      = "http://sp.test/login/callback?connection=saml-cfg1"
)

// samlApp creates an active Atlassian Cloud app with its SAML settings and
// one assigned, active person with a password; it returns the app id and
// the person's id.
func (e *oktaEnv) samlApp() (string, string) {
	e.t.Helper()
	app := e.do("POST", "/api/v1/apps?activate=true", map[string]any{"name": "atlassian", "label": "Atlassian Cloud", "signOnMode": "SAML_2_0"}).must(e.t, 200).obj()
	appID := app["id"].(string)
	e.do("PUT", "/api/v1/apps/"+appID, map[string]any{"label": "Atlassian Cloud",
		"settings": map[string]any{"signOn": map[string]any{"ssoAcsUrl": testACS, "audience": testSPEntity}}}).must(e.t, 200)
	u := e.createUser("ada.old@acme.test", "", true)
	uid := u["id"].(string)
	e.do("POST", "/api/v1/apps/"+appID+"/users", map[string]any{"id": uid, "scope": "USER"}).must(e.t, 200)
	return appID, uid
}

func TestSAMLAppSettingsAndKeys(t *testing.T) {
	e := newOktaEnv(t)
	appID, _ := e.samlApp()
	app := e.do("GET", "/api/v1/apps/"+appID, nil).must(t, 200).obj()
	signOn := app["settings"].(map[string]any)["signOn"].(map[string]any)
	if signOn["ssoAcsUrl"] != testACS || signOn["audience"] != testSPEntity || signOn["recipient"] != testACS ||
		signOn["idpIssuer"] != "http://www.okta.com/${org.externalKey}" || signOn["subjectNameIdFormat"] != saml.NameIDEmail {
		t.Fatalf("settings.signOn %v", signOn)
	}
	if n := len(signOn["attributeStatements"].([]any)); n != 3 {
		t.Errorf("%d attribute statements, want the Atlassian Cloud app's 3", n)
	}
	kid := app["credentials"].(map[string]any)["signing"].(map[string]any)["kid"].(string)
	if kid == "" {
		t.Fatal("no credentials.signing.kid")
	}
	if href := app["_links"].(map[string]any)["metadata"].(map[string]any)["href"]; href != "http://okta.test/api/v1/apps/"+appID+"/sso/saml/metadata" {
		t.Errorf("_links.metadata %v", href)
	}
	keys := e.do("GET", "/api/v1/apps/"+appID+"/credentials/keys", nil).must(t, 200).list()
	if len(keys) != 1 || keys[0]["kid"] != kid || keys[0]["kty"] != "RSA" || keys[0]["use"] != "sig" || len(keys[0]["x5c"].([]any)) != 1 {
		t.Fatalf("keys %v", keys)
	}
	if _, leaked := keys[0]["d"]; leaked {
		t.Fatal("the private exponent is listed")
	}
	e.do("GET", "/api/v1/apps/"+appID+"/credentials/keys/"+kid, nil).must(t, 200)
	e.do("GET", "/api/v1/apps/"+appID+"/credentials/keys/nope", nil).must(t, 404)
	e.do("GET", "/api/v1/apps/0oanope/credentials/keys", nil).must(t, 404)
	e.do("POST", "/api/v1/apps/"+appID+"/credentials/keys/generate?validityYears=1", nil).must(t, 400)
	e.do("POST", "/api/v1/apps/"+appID+"/credentials/keys/generate?validityYears=2", nil).must(t, 201)
	if n := len(e.do("GET", "/api/v1/apps/"+appID+"/credentials/keys", nil).list()); n != 2 {
		t.Fatalf("%d keys after generate, want 2", n)
	}
	// The active key stays the one that signs.
	if got := e.do("GET", "/api/v1/apps/"+appID, nil).obj()["credentials"].(map[string]any)["signing"].(map[string]any)["kid"]; got != kid {
		t.Fatalf("active kid changed to %v", got)
	}

	// The metadata, at Okta's path and through the API, names the issuer,
	// the SSO URL and the certificate of the active key.
	for _, p := range []string{"/app/exk" + appID[3:] + "/sso/saml/metadata", "/api/v1/apps/" + appID + "/sso/saml/metadata"} {
		md := e.do("GET", p, nil).must(t, 200)
		for _, want := range []string{`entityID="http://www.okta.com/exk` + appID[3:] + `"`, "/app/atlassian/exk" + appID[3:] + "/sso/saml",
			keys[0]["x5c"].([]any)[0].(string)[:60]} {
			if !strings.Contains(string(md.Raw), want) {
				t.Errorf("%s lacks %q", p, want)
			}
		}
	}

	// Bad settings are refused whole.
	bad := e.do("PUT", "/api/v1/apps/"+appID, map[string]any{"label": "Renamed",
		"settings": map[string]any{"signOn": map[string]any{"ssoAcsUrl": "not a url", "subjectNameIdFormat": "email"}}}).must(t, 400).obj()
	if len(bad["errorCauses"].([]any)) != 2 {
		t.Errorf("causes %v", bad["errorCauses"])
	}
	if got := e.do("GET", "/api/v1/apps/"+appID, nil).obj(); got["label"] != "Atlassian Cloud" {
		t.Fatalf("a refused PUT changed the label to %v", got["label"])
	}
}

var hiddenRE = regexp.MustCompile(`name="(SAMLResponse|RelayState)" value="([^"]*)"`)

// postedForm reads the auto-posting form of a response page.
func postedForm(t *testing.T, page string) (string, url.Values) {
	t.Helper()
	m := regexp.MustCompile(`<form method="post" action="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form in:\n%s", page)
	}
	v := url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(page, -1) {
		v.Set(h[1], html.UnescapeString(h[2]))
	}
	return html.UnescapeString(m[1]), v
}

// acs is the service provider's side of the test: it checks what the
// browser posts.
func acs(t *testing.T, e *oktaEnv, appID, base string, form url.Values, ids []string) *saml.Assertion {
	t.Helper()
	keys := e.do("GET", "/api/v1/apps/"+appID+"/credentials/keys", nil).list()
	cert, err := saml.ParseCertificate(keys[0]["x5c"].([]any)[0].(string))
	if err != nil {
		t.Fatal(err)
	}
	sp := saml.ServiceProvider{EntityID: testSPEntity, ACSURL: testACS, IdPEntityID: "http://www.okta.com/exk" + appID[3:],
		IdPSSOURL: base + "/app/atlassian/exk" + appID[3:] + "/sso/saml", IdPCert: cert, Now: e.clock.Now()}
	r := httptest.NewRequest("POST", testACS, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	a, err := sp.ParseResponse(r, ids)
	if err != nil {
		t.Fatalf("the SP refused the response: %v", err)
	}
	return a
}

func TestSAMLSignInFlows(t *testing.T) {
	e := newOktaEnv(t)
	appID, uid := e.samlApp()
	b := uitest.NewHops(t, e.srv)
	issuerID := "exk" + appID[3:]
	ssoURL := b.Base + "/app/atlassian/" + issuerID + "/sso/saml"

	// SP-initiated: the AuthnRequest meets the sign-in page first.
	keys := e.do("GET", "/api/v1/apps/"+appID+"/credentials/keys", nil).list()
	cert, _ := saml.ParseCertificate(keys[0]["x5c"].([]any)[0].(string))
	sp := saml.ServiceProvider{EntityID: testSPEntity, ACSURL: testACS, IdPEntityID: "http://www.okta.com/" + issuerID,
		IdPSSOURL: ssoURL, IdPCert: cert, Now: e.clock.Now()}
	redirect, reqID, err := sp.AuthnRequest("https://acme.atlassian.net/jira")
	if err != nil {
		t.Fatal(err)
	}
	status, loc, _ := b.Get(redirect)
	if status != http.StatusFound || !strings.HasPrefix(loc, "/login/login.htm?fromURI=") {
		t.Fatalf("without a session: %d %s", status, loc)
	}
	status, _, page := b.Get(loc)
	if status != 200 || !strings.Contains(page, `name="password"`) {
		t.Fatalf("sign-in page: %d\n%s", status, page)
	}
	from, _ := url.Parse(loc)
	fromURI := from.Query().Get("fromURI")

	// A wrong password is refused with Okta's words, and no session.
	status, _, page = b.PostForm("/login/login.htm", url.Values{"username": {"ada.old@acme.test"}, "password": {"wrong"}, "fromURI": {fromURI}})
	if status != http.StatusUnauthorized || !strings.Contains(page, "Unable to sign in") {
		t.Fatalf("wrong password: %d\n%s", status, page)
	}
	e.clock.Advance(30 * time.Second)
	status, loc, _ = b.PostForm("/login/login.htm", url.Values{"username": {"ada.old@acme.test"}, "password": {goodPassword}, "fromURI": {fromURI}})
	if status != http.StatusFound || loc != fromURI {
		t.Fatalf("sign-in: %d %s, want back to %s", status, loc, fromURI)
	}
	status, _, page = b.Get(loc)
	if status != 200 {
		t.Fatalf("SSO after sign-in: %d\n%s", status, page)
	}
	action, form := postedForm(t, page)
	if action != testACS || form.Get("RelayState") != "https://acme.atlassian.net/jira" {
		t.Fatalf("posts to %s with %v", action, form)
	}
	a := acs(t, e, appID, b.Base, form, []string{reqID})
	// The NameID is the application username: the Okta username by
	// default (SAML-IDP-2).
	if a.NameID != "ada.old@acme.test" || a.InResponseTo != reqID || a.Attributes["email"][0] != "ada.old@acme.test" ||
		a.Attributes["firstName"][0] != "First" {
		t.Fatalf("assertion %+v", a)
	}

	// IdP-initiated from the dashboard tile, with the session.
	status, _, page = b.Get("/app/UserHome")
	if status != 200 || !strings.Contains(page, `href="/home/atlassian/`+appID+`"`) {
		t.Fatalf("dashboard: %d\n%s", status, page)
	}
	status, _, page = b.Get("/home/atlassian/" + appID)
	if status != 200 {
		t.Fatalf("embed link: %d\n%s", status, page)
	}
	_, form = postedForm(t, page)
	if a := acs(t, e, appID, b.Base, form, nil); a.InResponseTo != "" || a.NameID != "ada.old@acme.test" {
		t.Fatalf("IdP-initiated assertion %+v", a)
	}

	// The username format changes the NameID (SAML-TRAP-1's fix) once
	// "Update Now" has recalculated the usernames (OKTA-USERNAME-2).
	e.do("POST", "/api/v1/users/"+uid, map[string]any{"profile": map[string]any{"email": "ada@acme.test"}}).must(t, 200)
	e.do("PUT", "/api/v1/apps/"+appID, map[string]any{"label": "Atlassian Cloud",
		"credentials": map[string]any{"userNameTemplate": map[string]any{"template": "${source.email}", "type": "BUILT_IN"}}}).must(t, 200)
	e.do("POST", "/_sim/orgs/"+e.org.ID+"/apps/"+appID+"/update-usernames", nil).must(t, 200)
	_, _, page = b.Get("/home/atlassian/" + appID)
	_, form = postedForm(t, page)
	if a := acs(t, e, appID, b.Base, form, nil); a.NameID != "ada@acme.test" {
		t.Fatalf("after the format change the NameID is %q", a.NameID)
	}

	// Unassigned: Okta's refusal, no assertion; the System Log has both.
	e.do("DELETE", "/api/v1/apps/"+appID+"/users/"+uid, nil).must(t, 204)
	status, _, page = b.Get("/home/atlassian/" + appID)
	if status != http.StatusForbidden || strings.Contains(page, "SAMLResponse") || !strings.Contains(page, "not assigned") {
		t.Fatalf("unassigned: %d\n%s", status, page)
	}
	evs := e.events()
	if !slices.Contains(evs, "user.authentication.sso") || !slices.Contains(evs, "user.session.start") {
		t.Fatalf("events %v", evs)
	}

	// Bad requests get an error page, not an assertion.
	status, _, page = b.Get(ssoURL + "?SAMLRequest=garbage")
	if status != http.StatusBadRequest || strings.Contains(page, "SAMLResponse") {
		t.Fatalf("garbage request: %d\n%s", status, page)
	}
	// The sign-in page only sends people back to this server.
	status, loc, _ = b.PostForm("/login/login.htm", url.Values{"username": {"ada.old@acme.test"}, "password": {goodPassword}, "fromURI": {"https://evil.test/"}})
	if status != http.StatusFound || loc != "/app/UserHome" {
		t.Fatalf("open redirect: %d %s", status, loc)
	}
}

func TestSAMLKeysSurviveRestart(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	cfg := Config{Options: Options{Logger: logger}, Logger: logger, DataDir: dir, Boot: &Boot{APIToken: "tok"}}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := s.Model.Org(s.Booted.Org.ID)
	a, err := s.Model.CreateApp(o, CreateAppInput{Name: "atlassian", Activate: true})
	if err != nil {
		t.Fatal(err)
	}
	acsURL, aud, no, issuer := testACS, testSPEntity, false, "http://idp.test/${org.externalKey}"
	in := SAMLInput{ACSURL: &acsURL, Audience: &aud}
	in.AssertionSigned, in.IdPIssuer = &no, &issuer
	if _, err := s.Model.UpdateSAML(o, a.ID, in); err != nil {
		t.Fatal(err)
	}
	before, err := s.Model.AppKeys(o, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o, _ = s.Model.Org(s.Booted.Org.ID)
	after, err := s.Model.AppKeys(o, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 1 || after[0].X5c[0] != before[0].X5c[0] {
		t.Fatal("the signing key changed across a restart")
	}
	got, _ := s.Model.GetApp(o, a.ID)
	if got.SAML.ACSURL != testACS || got.SAML.Audience != testSPEntity || got.SAML.AssertionIsSigned() ||
		got.SAML.Opts.IdPIssuer != issuer {
		t.Fatalf("SAML settings after restart: %+v", got.SAML)
	}
}

// The control API's sign-in posts a real signed response to the app's
// Single sign-on URL and reports what the service provider answered.
func TestControlSSOPostsASignedResponse(t *testing.T) {
	e := newOktaEnv(t)
	appID, uid := e.samlApp()
	keys := e.do("GET", "/api/v1/apps/"+appID+"/credentials/keys", nil).list()
	cert, err := saml.ParseCertificate(keys[0]["x5c"].([]any)[0].(string))
	if err != nil {
		t.Fatal(err)
	}
	var acsURL string
	var got *saml.Assertion
	sp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		check := saml.ServiceProvider{EntityID: testSPEntity, ACSURL: acsURL, IdPEntityID: "http://www.okta.com/exk" + appID[3:],
			IdPSSOURL: "http://okta.test/sso", IdPCert: cert, Now: e.clock.Now()}
		a, err := check.ParseResponse(r, nil)
		if err != nil {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `<p role="alert">`+err.Error()+`</p>`)
			return
		}
		got = a
		http.Redirect(w, r, "/site", http.StatusFound)
	}))
	defer sp.Close()
	acsURL = sp.URL + "/login/callback?connection=saml-cfg1"
	if _, err := e.srv.Model.UpdateSAML(e.org, appID, SAMLInput{ACSURL: &acsURL}); err != nil {
		t.Fatal(err)
	}
	r := e.do("POST", "/_sim/orgs/"+e.org.ID+"/apps/"+appID+"/sso", map[string]any{"user": uid}).must(t, 200).obj()
	if r["signedIn"] != true || r["subject"] != "ada.old@acme.test" || r["target"] != acsURL || r["location"] != "/site" {
		t.Fatalf("result %v", r)
	}
	if got == nil || got.NameID != "ada.old@acme.test" {
		t.Fatalf("the SP got %+v", got)
	}
	// Someone not assigned is refused by Okta; nothing is posted.
	got = nil
	e.do("DELETE", "/api/v1/apps/"+appID+"/users/"+uid, nil).must(t, 204)
	r = e.do("POST", "/_sim/orgs/"+e.org.ID+"/apps/"+appID+"/sso", map[string]any{"user": uid}).must(t, 200).obj()
	if r["signedIn"] != false || !strings.Contains(r["refused"].(string), "not assigned") || got != nil {
		t.Fatalf("unassigned: %v (SP got %+v)", r, got)
	}
}
