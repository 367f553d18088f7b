package saml

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	keysOnce sync.Once
	keyA     *KeyPair
	keyB     *KeyPair
)

// testKeys generates two key pairs once: RSA generation is the slow part.
func testKeys(t *testing.T) (*KeyPair, *KeyPair) {
	t.Helper()
	keysOnce.Do(func() {
		now := time.Now()
		var err error
		if keyA, err = NewKeyPair("kidA", "acme", now, 10); err != nil {
			panic(err)
		}
		if keyB, err = NewKeyPair("kidB", "evil", now, 10); err != nil {
			panic(err)
		}
	})
	return keyA, keyB
}

const (
	spEntity = "http://sp.test/saml/cfg1"
	acsURL   = "http://sp.test/login/callback?connection=saml-cfg1"
	issuer   = "http://www.okta.com/exk123"
	ssoURL   = "http://idp.test/app/atlassian/exk123/sso/saml"
)

func pair(t *testing.T, now time.Time) (IdP, ServiceProvider) {
	a, _ := testKeys(t)
	idp := IdP{EntityID: issuer, SSOURL: ssoURL, Keys: a, Now: now, SP: SP{EntityID: spEntity, ACSURL: acsURL}}
	sp := ServiceProvider{EntityID: spEntity, ACSURL: acsURL, IdPEntityID: issuer, IdPSSOURL: ssoURL, IdPCert: a.Cert,
		Now: now, Replay: NewReplayCache(func() time.Time { return now })}
	return idp, sp
}

// post turns a form into the request the browser would post to the ACS.
func post(t *testing.T, f Form) *http.Request {
	t.Helper()
	body := url.Values{"SAMLResponse": {f.SAMLResponse}, "RelayState": {f.RelayState}}.Encode()
	r := httptest.NewRequest(http.MethodPost, f.URL, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	return r
}

var subject = Subject{NameID: "ada@acme.test", NameIDFormat: NameIDEmail,
	Attributes: []Attribute{{Name: "email", Values: []string{"ada@acme.test"}}, {Name: "firstName", Values: []string{"Ada"}}}}

func TestIdPInitiated(t *testing.T) {
	now := time.Now()
	idp, sp := pair(t, now)
	f, err := idp.Respond(httptest.NewRequest("GET", "/home/x", nil), nil, subject, "https://acme.atlassian.net")
	if err != nil {
		t.Fatal(err)
	}
	if f.URL != acsURL || f.RelayState != "https://acme.atlassian.net" {
		t.Fatalf("form %+v", f)
	}
	raw, _ := base64.StdEncoding.DecodeString(f.SAMLResponse)
	for _, want := range []string{`Destination="` + strings.ReplaceAll(acsURL, "&", "&amp;"), "rsa-sha256", `Recipient="`, "<saml:Audience>" + spEntity} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("response lacks %q:\n%s", want, raw)
		}
	}
	if n := strings.Count(string(raw), "</ds:Signature>"); n != 2 {
		t.Errorf("%d signatures, want 2 (response and assertion)", n)
	}
	a, err := sp.ParseResponse(post(t, f), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.NameID != "ada@acme.test" || a.NameIDFormat != NameIDEmail || a.Issuer != issuer || a.InResponseTo != "" ||
		a.Attributes["firstName"][0] != "Ada" {
		t.Fatalf("assertion %+v", a)
	}
	// The same response again is a replay.
	_, err = sp.ParseResponse(post(t, f), nil)
	var re *ResponseError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "replayed") {
		t.Fatalf("replay: %v", err)
	}
}

func TestSPInitiated(t *testing.T) {
	now := time.Now()
	idp, sp := pair(t, now)
	redirect, id, err := sp.AuthnRequest("relay-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(redirect, ssoURL+"?SAMLRequest=") {
		t.Fatalf("redirect %s", redirect)
	}
	req, err := idp.ParseRequest(httptest.NewRequest("GET", redirect, nil))
	if err != nil {
		t.Fatal(err)
	}
	if req.ID != id || req.Issuer != spEntity || req.RelayState != "relay-1" {
		t.Fatalf("request %+v", req)
	}
	// The sign-in page carries the request over in the Redirect binding.
	again, err := req.Redirect(ssoURL)
	if err != nil {
		t.Fatal(err)
	}
	if req, err = idp.ParseRequest(httptest.NewRequest("GET", again, nil)); err != nil {
		t.Fatal(err)
	}
	f, err := idp.Respond(httptest.NewRequest("GET", again, nil), req, subject, "")
	if err != nil {
		t.Fatal(err)
	}
	if f.RelayState != "relay-1" {
		t.Fatalf("relay state %q", f.RelayState)
	}
	if _, err := sp.ParseResponse(post(t, f), []string{"some-other-request"}); err == nil || !strings.Contains(err.Error(), "InResponseTo") {
		t.Fatalf("a response to another request: %v", err)
	}
	a, err := sp.ParseResponse(post(t, f), []string{id})
	if err != nil {
		t.Fatal(err)
	}
	if a.InResponseTo != id {
		t.Fatalf("InResponseTo %q, want %q", a.InResponseTo, id)
	}
}

func TestRequestRefused(t *testing.T) {
	now := time.Now()
	idp, sp := pair(t, now)
	redirect, _, err := sp.AuthnRequest("")
	if err != nil {
		t.Fatal(err)
	}
	other := idp
	other.SP.EntityID = "http://someone-else"
	if _, err := other.ParseRequest(httptest.NewRequest("GET", redirect, nil)); err == nil {
		t.Error("a request from an SP that is not the app's was accepted")
	}
	late := idp
	late.Now = now.Add(time.Hour)
	if _, err := late.ParseRequest(httptest.NewRequest("GET", redirect, nil)); err == nil {
		t.Error("an hour-old request was accepted")
	}
	if _, err := idp.ParseRequest(httptest.NewRequest("GET", ssoURL+"?SAMLRequest=%%%", nil)); err == nil {
		t.Error("garbage accepted")
	}
}

func TestResponseRefused(t *testing.T) {
	now := time.Now()
	_, evil := testKeys(t)
	cases := []struct {
		name   string
		idp    func(*IdP)
		sp     func(*ServiceProvider)
		tamper func(string) string
		reason string
	}{
		{name: "signed with another key", idp: func(p *IdP) { p.Keys = evil }, reason: "signature"},
		{name: "wrong issuer", idp: func(p *IdP) { p.EntityID = "http://www.okta.com/exkOTHER" }, reason: "issuer"},
		{name: "wrong audience", idp: func(p *IdP) { p.SP.EntityID = "http://sp.test/saml/other" }, reason: "audience"},
		{name: "wrong recipient", idp: func(p *IdP) { p.SP.ACSURL = "http://sp.test/login/callback?connection=saml-other" }, reason: "destination or recipient"},
		{name: "expired", sp: func(s *ServiceProvider) { s.Now = now.Add(time.Hour) }, reason: "expired"},
		{name: "not yet valid", sp: func(s *ServiceProvider) { s.Now = now.Add(-10 * time.Minute) }, reason: "not valid yet"},
		{name: "NameID changed after signing", tamper: func(x string) string { return strings.Replace(x, "ada@acme.test", "eve@acme.test", 1) }, reason: "signature"},
		{name: "signatures stripped", tamper: func(x string) string {
			for {
				i := strings.Index(x, "<ds:Signature")
				if i < 0 {
					return x
				}
				j := strings.Index(x[i:], "</ds:Signature>")
				x = x[:i] + x[i+j+len("</ds:Signature>"):]
			}
		}, reason: "signature"},
		{name: "not XML", tamper: func(string) string { return "hello" }, reason: "well-formed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			idp, sp := pair(t, now)
			if c.idp != nil {
				c.idp(&idp)
			}
			if c.sp != nil {
				c.sp(&sp)
			}
			f, err := idp.Respond(httptest.NewRequest("GET", "/", nil), nil, subject, "")
			if err != nil {
				t.Fatal(err)
			}
			if c.tamper != nil {
				raw, _ := base64.StdEncoding.DecodeString(f.SAMLResponse)
				f.SAMLResponse = base64.StdEncoding.EncodeToString([]byte(c.tamper(string(raw))))
			}
			_, err = sp.ParseResponse(post(t, f), nil)
			var re *ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("accepted (%v)", err)
			}
			if !strings.Contains(re.Reason, c.reason) {
				t.Fatalf("reason %q (%v), want it to mention %q", re.Reason, re.Err, c.reason)
			}
		})
	}
}

func TestMetadataAndKeys(t *testing.T) {
	a, _ := testKeys(t)
	idp, _ := pair(t, time.Now())
	md, err := idp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`entityID="` + issuer + `"`, `Location="` + ssoURL + `"`, "HTTP-Redirect", "HTTP-POST",
		"emailAddress", base64.StdEncoding.EncodeToString(a.Cert.Raw)[:40]} {
		if !strings.Contains(string(md), want) {
			t.Errorf("metadata lacks %q:\n%s", want, md)
		}
	}
	certPEM, keyPEM := a.PEM()
	back, err := ParseKeyPair(a.KID, certPEM, keyPEM)
	if err != nil || !back.Key.Equal(a.Key) {
		t.Fatalf("PEM round trip: %v", err)
	}
	if _, err := ParseKeyPair("k", certPEM, mustPEM(t, keyB)); err == nil {
		t.Error("a key that does not match the certificate was accepted")
	}
	for _, in := range []string{certPEM, base64.StdEncoding.EncodeToString(a.Cert.Raw), " \n" + certPEM[28:len(certPEM)-27]} {
		if _, err := ParseCertificate(in); err != nil {
			t.Errorf("ParseCertificate(%.40q): %v", in, err)
		}
	}
	if _, err := ParseCertificate("not a certificate"); err == nil {
		t.Error("garbage certificate accepted")
	}
	j := a.JWK(time.Now())
	if j.Kty != "RSA" || j.Use != "sig" || j.E != "AQAB" || len(j.X5c) != 1 || j.Kid != "kidA" {
		t.Fatalf("JWK %+v", j)
	}
}

func mustPEM(t *testing.T, k *KeyPair) string {
	t.Helper()
	_, keyPEM := k.PEM()
	return keyPEM
}

func TestParseMetadataAndPeek(t *testing.T) {
	idp, _ := pair(t, time.Now())
	md, err := idp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseIdPMetadata(md)
	if err != nil {
		t.Fatal(err)
	}
	if got.EntityID != issuer || got.SSOURL != ssoURL || got.Certificate != CertificatePEM(idp.Keys.Cert) {
		t.Fatalf("metadata %+v", got)
	}
	if _, err := ParseIdPMetadata([]byte("<x/>")); err == nil {
		t.Error("a document without an IDPSSODescriptor was read")
	}
	f, err := idp.Respond(httptest.NewRequest("GET", "/", nil), nil, subject, "")
	if err != nil {
		t.Fatal(err)
	}
	name, attrs, err := Peek(f.SAMLResponse)
	if err != nil || name != "ada@acme.test" || attrs["firstName"][0] != "Ada" {
		t.Fatalf("peek: %q %v %v", name, attrs, err)
	}
}
