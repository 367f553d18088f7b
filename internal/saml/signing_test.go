package saml

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// signedParts reads which of the response and its assertion carry a
// signature, and their signature method.
func signedParts(t *testing.T, samlResponse string) (response, assertion bool, methods []string) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(samlResponse)
	if err != nil {
		t.Fatal(err)
	}
	type sig struct {
		Method struct {
			Algorithm string `xml:"Algorithm,attr"`
		} `xml:"SignedInfo>SignatureMethod"`
	}
	var doc struct {
		Signature *sig `xml:"Signature"`
		Assertion struct {
			Signature *sig `xml:"Signature"`
		} `xml:"Assertion"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*sig{doc.Signature, doc.Assertion.Signature} {
		if s != nil {
			methods = append(methods, s.Method.Algorithm)
		}
	}
	return doc.Signature != nil, doc.Assertion.Signature != nil, methods
}

// What the IdP signs follows the app's Response and Assertion Signature
// settings (SAML-IDP-5), and mockatlassian's SP checks accept a response
// with either signed, and refuse one with neither (SAML-SP-2).
func TestSigningOptions(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		signing                   Signing
		wantResponse, wantAsserts bool
		method                    string
		refused                   bool
	}{
		{"default: both", Signing{}, true, true, "rsa-sha256", false},
		{"assertion unsigned", Signing{AssertionUnsigned: true}, true, false, "rsa-sha256", false},
		{"response unsigned", Signing{ResponseUnsigned: true}, false, true, "rsa-sha256", false},
		{"sha1", Signing{SHA1: true}, true, true, "rsa-sha1", false},
		{"neither", Signing{AssertionUnsigned: true, ResponseUnsigned: true}, false, false, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Now()
			idp, sp := pair(t, now)
			idp.Signing = tc.signing
			f, err := idp.Respond(httptest.NewRequest("GET", "/home/x", nil), nil, subject, "")
			if err != nil {
				t.Fatal(err)
			}
			resp, asrt, methods := signedParts(t, f.SAMLResponse)
			if resp != tc.wantResponse || asrt != tc.wantAsserts {
				t.Fatalf("response signed %v, assertion signed %v; want %v, %v", resp, asrt, tc.wantResponse, tc.wantAsserts)
			}
			for _, m := range methods {
				if !strings.HasSuffix(m, tc.method) {
					t.Errorf("signature method %s, want …%s", m, tc.method)
				}
			}
			a, err := sp.ParseResponse(post(t, f), nil)
			if tc.refused {
				var re *ResponseError
				if !errors.As(err, &re) || !strings.Contains(re.Reason, "signature") {
					t.Fatalf("an unsigned response: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("the SP refused: %v", err)
			}
			if a.NameID != subject.NameID {
				t.Fatalf("assertion %+v", a)
			}
		})
	}
}

// Recipient and Destination other than the ACS URL go into the assertion
// and the response as set, and an SP whose ACS they are not refuses them.
func TestRecipientAndDestination(t *testing.T) {
	now := time.Now()
	idp, sp := pair(t, now)
	idp.SP.Recipient, idp.SP.Destination = "http://elsewhere.test/acs", "http://elsewhere.test/dest"
	idp.AuthnContextClassRef = "urn:oasis:names:tc:SAML:2.0:ac:classes:X509"
	f, err := idp.Respond(httptest.NewRequest("GET", "/home/x", nil), nil, subject, "")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(f.SAMLResponse)
	for _, want := range []string{`Recipient="http://elsewhere.test/acs"`, `Destination="http://elsewhere.test/dest"`,
		"classes:X509</saml:AuthnContextClassRef>"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("response lacks %q", want)
		}
	}
	if f.URL != acsURL {
		t.Errorf("posted to %s, want the ACS", f.URL)
	}
	var re *ResponseError
	if _, err := sp.ParseResponse(post(t, f), nil); !errors.As(err, &re) || !strings.Contains(re.Reason, "destination or recipient") {
		t.Fatalf("SP: %v", err)
	}
}
