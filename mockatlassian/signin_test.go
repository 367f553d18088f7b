package mockatlassian

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/saml"
	"github.com/provsim/provsim/internal/ui/uitest"
)

var (
	idpKeysOnce      sync.Once
	idpKey, rogueKey *saml.KeyPair
)

func idpKeys(t *testing.T) (*saml.KeyPair, *saml.KeyPair) {
	t.Helper()
	idpKeysOnce.Do(func() {
		// Valid from long before the fake clocks of these tests.
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var err error
		if idpKey, err = saml.NewKeyPair("k1", "okta", at, 10); err != nil {
			panic(err)
		}
		if rogueKey, err = saml.NewKeyPair("k2", "rogue", at, 10); err != nil {
			panic(err)
		}
	})
	return idpKey, rogueKey
}

const (
	testIdPIssuer = "http://www.okta.com/exk1test"
	testIdPSSO    = "http://okta.test/app/atlassian/exk1test/sso/saml"
)

// ssoEnv is a mockatlassian behind a real listener, a browser with a
// cookie jar, and an identity provider that signs what the test asks.
type ssoEnv struct {
	*testEnv
	*uitest.Hops
	view SAMLView
}

func newSSOEnv(t *testing.T) *ssoEnv {
	e := newEnv(t)
	s := &ssoEnv{testEnv: e, Hops: uitest.NewHops(t, e.srv)}
	key, _ := idpKeys(t)
	st, body := s.do("PUT", "/_sim/orgs/"+testOrg+"/saml", map[string]any{"idpEntityId": testIdPIssuer, "idpSsoUrl": testIdPSSO,
		"certificate": base64.StdEncoding.EncodeToString(key.Cert.Raw)})
	if st != 200 {
		t.Fatalf("configure SAML: %d %s", st, body)
	}
	if err := json.Unmarshal([]byte(body), &s.view); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *ssoEnv) do(method, path string, body any) (int, string) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, s.Base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	res, err := s.Client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// idp is the identity provider as configured in the organization.
func (s *ssoEnv) idp() saml.IdP {
	key, _ := idpKeys(s.t)
	return saml.IdP{EntityID: testIdPIssuer, SSOURL: testIdPSSO, Keys: key, Now: s.clock.Now(),
		SP: saml.SP{EntityID: s.view.SPEntityID, ACSURL: s.view.ACSURL}}
}

// post delivers a response to the ACS as the browser would.
func (s *ssoEnv) post(f saml.Form) (int, string, string) {
	s.t.Helper()
	return s.PostForm(f.URL, url.Values{"SAMLResponse": {f.SAMLResponse}, "RelayState": {f.RelayState}})
}

func (s *ssoEnv) unsolicited(p saml.IdP, nameID, relay string) saml.Form {
	s.t.Helper()
	f, err := p.Respond(httptest.NewRequest("GET", "/", nil), nil, saml.Subject{NameID: nameID, NameIDFormat: saml.NameIDEmail,
		Attributes: []saml.Attribute{{Name: "firstName", Values: []string{"Ada"}}, {Name: "lastName", Values: []string{"Lovelace"}}}}, relay)
	if err != nil {
		s.t.Fatal(err)
	}
	return f
}

func TestSAMLConfiguration(t *testing.T) {
	s := newSSOEnv(t)
	if s.view.SPEntityID != s.Base+"/saml/"+s.view.ID || s.view.ACSURL != s.Base+"/login/callback?connection=saml-"+s.view.ID ||
		!strings.Contains(s.view.CertSubject, "okta") {
		t.Fatalf("view %+v", s.view)
	}
	// Bad input is refused whole; the configuration stays.
	st, body := s.do("PUT", "/_sim/orgs/"+testOrg+"/saml", map[string]any{"idpEntityId": "", "idpSsoUrl": "ftp://x", "certificate": "nope"})
	if st != 400 || !strings.Contains(body, "Entity ID") || !strings.Contains(body, "SSO URL") || !strings.Contains(body, "certificate") {
		t.Fatalf("bad input: %d %s", st, body)
	}
	st, body = s.do("GET", "/_sim/orgs/"+testOrg+"/saml", nil)
	if st != 200 || !strings.Contains(body, testIdPIssuer) {
		t.Fatalf("after a refused change: %d %s", st, body)
	}
	// The SP metadata is at the entity ID.
	st, _, md := s.Get("/saml/" + s.view.ID)
	if st != 200 || !strings.Contains(md, `entityID="`+s.view.SPEntityID+`"`) || !strings.Contains(md, "HTTP-POST") {
		t.Fatalf("SP metadata: %d %s", st, md)
	}
}

func TestSAMLSignIn(t *testing.T) {
	s := newSSOEnv(t)
	// Ada is provisioned by SCIM and her group has Jira Software.
	uid := s.createUser("ada@example.com")
	s.createGroup("jira-users", uid)
	s.grant("jira-software", "jira-users")

	// Without a session the site sends her to log in.
	st, loc, _ := s.Get("/site/" + testSite)
	if st != http.StatusFound || !strings.HasPrefix(loc, "/login?continue=") {
		t.Fatalf("site without a session: %d %s", st, loc)
	}
	// The email step sends a verified domain's email to the IdP.
	st, loc, _ = s.PostForm(s.Base+"/login", url.Values{"email": {"ada@example.com"}, "continue": {"/site/" + testSite}})
	if st != http.StatusFound || !strings.HasPrefix(loc, testIdPSSO+"?SAMLRequest=") {
		t.Fatalf("email step: %d %s", st, loc)
	}
	idp := s.idp()
	req, err := idp.ParseRequest(httptest.NewRequest("GET", loc, nil))
	if err != nil {
		t.Fatalf("the IdP refused the AuthnRequest: %v", err)
	}
	f, err := idp.Respond(httptest.NewRequest("GET", loc, nil), req, saml.Subject{NameID: "ada@example.com", NameIDFormat: saml.NameIDEmail}, "")
	if err != nil {
		t.Fatal(err)
	}
	st, loc, body := s.post(f)
	if st != http.StatusFound || loc != "/site/"+testSite {
		t.Fatalf("ACS: %d %s\n%s", st, loc, body)
	}
	st, _, page := s.Get(loc)
	if st != 200 || !strings.Contains(page, "ada@example.com") || !strings.Contains(page, "<td>Jira Software</td><td>Yes</td>") {
		t.Fatalf("site page: %d\n%s", st, page)
	}
	if n := len(s.accounts()); n != 1 {
		t.Fatalf("%d accounts after the managed account signed in, want 1", n)
	}

	// The trap: an IdP-initiated assertion whose NameID is not the email
	// SCIM provisioned makes a second account, which has no access.
	st, loc, _ = s.post(s.unsolicited(idp, "ada.old@example.com", "/site/"+testSite))
	if st != http.StatusFound {
		t.Fatalf("IdP-initiated: %d", st)
	}
	st, _, page = s.Get(loc)
	if st != http.StatusForbidden || !strings.Contains(page, `id="no-access"`) || !strings.Contains(page, "not provisioned by SCIM") {
		t.Fatalf("duplicate's site page: %d\n%s", st, page)
	}
	dup := s.account("ada.old@example.com")
	if dup.Origin != "sso" || len(dup.SCIMLinks) != 0 || dup.DisplayName != "Ada Lovelace" || len(s.accounts()) != 2 {
		t.Fatalf("duplicate %+v", dup)
	}
	logged := s.call("GET", "/admin/v1/orgs/"+testOrg+"/events", "Bearer "+testOrgKey, nil)
	if !strings.Contains(string(logged.Raw), "at a SAML single sign-on (NameID ada.old@example.com)") {
		t.Fatalf("the audit log does not say why the account exists: %s", logged.Raw)
	}
}

// A valid assertion for an account that SCIM deactivated, or whose access
// the organization suspended, signs nobody in and creates nothing.
func TestSAMLSignInRefusesDisabledAccounts(t *testing.T) {
	s := newSSOEnv(t)
	gone := s.createUser("gone@example.com")
	s.createUser("held@example.com")
	s.scim("PATCH", "/Users/"+gone, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": false}}}}).wantStatus(t, http.StatusOK)
	s.orgAPI("POST", v1+"/directory/users/"+s.accountID("held@example.com")+"/suspend-access", nil).wantStatus(t, http.StatusOK)
	for email, reason := range map[string]string{"gone@example.com": "account is deactivated",
		"held@example.com": "access to the organization is suspended"} {
		st, _, page := s.post(s.unsolicited(s.idp(), email, "/site/"+testSite))
		if st != http.StatusForbidden || !strings.Contains(page, reason) {
			t.Errorf("%s: %d, want 403 saying %q\n%s", email, st, reason, page)
		}
		if st, loc, _ := s.Get("/site/" + testSite); st != http.StatusFound || !strings.HasPrefix(loc, "/login") {
			t.Errorf("%s has a session after a refused sign-in: %d %s", email, st, loc)
		}
	}
	if n := len(s.accounts()); n != 2 {
		t.Fatalf("%d accounts after refused sign-ins, want 2", n)
	}
}

func TestSAMLResponsesRefused(t *testing.T) {
	s := newSSOEnv(t)
	s.createUser("ada@example.com")
	_, rogue := idpKeys(t)
	good := s.idp()
	cases := []struct {
		name   string
		form   func() saml.Form
		reason string
	}{
		{"signed by another key", func() saml.Form { p := good; p.Keys = rogue; return s.unsolicited(p, "ada@example.com", "") }, "signature"},
		{"another issuer", func() saml.Form {
			p := good
			p.EntityID = "http://www.okta.com/exkOTHER"
			return s.unsolicited(p, "ada@example.com", "")
		}, "issuer"},
		{"another audience", func() saml.Form {
			p := good
			p.SP.EntityID = s.Base + "/saml/other"
			return s.unsolicited(p, "ada@example.com", "")
		}, "audience"},
		{"expired", func() saml.Form {
			p := good
			p.Now = p.Now.Add(-time.Hour)
			return s.unsolicited(p, "ada@example.com", "")
		}, "expired"},
		{"unsigned", func() saml.Form {
			f := s.unsolicited(good, "eve@example.com", "")
			raw, _ := base64.StdEncoding.DecodeString(f.SAMLResponse)
			x := string(raw)
			for i := strings.Index(x, "<ds:Signature"); i >= 0; i = strings.Index(x, "<ds:Signature") {
				j := strings.Index(x[i:], "</ds:Signature>") + len("</ds:Signature>")
				x = x[:i] + x[i+j:]
			}
			f.SAMLResponse = base64.StdEncoding.EncodeToString([]byte(x))
			return f
		}, "signature"},
		{"answers a request never sent", func() saml.Form {
			// An SP-initiated response to an AuthnRequest id mockatlassian
			// did not make.
			sp := saml.ServiceProvider{EntityID: s.view.SPEntityID, ACSURL: s.view.ACSURL, IdPEntityID: testIdPIssuer, IdPSSOURL: testIdPSSO, Now: s.clock.Now()}
			redirect, _, err := sp.AuthnRequest("")
			if err != nil {
				t.Fatal(err)
			}
			req, err := good.ParseRequest(httptest.NewRequest("GET", redirect, nil))
			if err != nil {
				t.Fatal(err)
			}
			f, err := good.Respond(httptest.NewRequest("GET", "/", nil), req, saml.Subject{NameID: "eve@example.com"}, "")
			if err != nil {
				t.Fatal(err)
			}
			return f
		}, "InResponseTo"},
	}
	before := len(s.accounts())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, _, page := s.post(c.form())
			if st != http.StatusForbidden || !strings.Contains(page, c.reason) {
				t.Fatalf("%d, want 403 mentioning %q:\n%s", st, c.reason, page)
			}
		})
	}
	// Replay: the same good response twice.
	f := s.unsolicited(good, "ada@example.com", "")
	if st, _, page := s.post(f); st != http.StatusFound {
		t.Fatalf("first use: %d %s", st, page)
	}
	if st, _, page := s.post(f); st != http.StatusForbidden || !strings.Contains(page, "replayed") {
		t.Fatalf("replay: %d %s", st, page)
	}
	if after := len(s.accounts()); after != before {
		t.Fatalf("refused responses changed the accounts: %d → %d", before, after)
	}
	// An email on no SSO domain is told so at the email step.
	if st, _, page := s.PostForm(s.Base+"/login", url.Values{"email": {"bob@elsewhere.test"}}); st != 200 || !strings.Contains(page, "No organization signs in") {
		t.Fatalf("unknown domain: %d %s", st, page)
	}
}

func TestSAMLConfigSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	key, _ := idpKeys(t)
	cfg := Config{Options: Options{Logger: slog.New(slog.DiscardHandler)}, Logger: slog.New(slog.DiscardHandler), DataDir: dir,
		Boot: &Boot{OrgID: testOrg, VerifiedDomains: []string{testDomain}}}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Model.SetSAML(testOrg, SAMLInput{IdPEntityID: testIdPIssuer, IdPSSOURL: testIdPSSO, Certificate: saml.CertificatePEM(key.Cert)})
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
	got, ok, err := s.Model.SAML(testOrg)
	if err != nil || !ok || got != c {
		t.Fatalf("after restart: %+v %v %v, want %+v", got, ok, err, c)
	}
}
