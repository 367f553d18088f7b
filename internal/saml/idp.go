package saml

import (
	"bytes"
	"compress/flate"
	"crypto/tls"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// NameID formats Okta offers on a SAML app (SAML-IDP-2).
const (
	NameIDUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	NameIDEmail       = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	NameIDPersistent  = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	NameIDTransient   = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
	NameIDX509        = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"
)

// NameIDFormats are the formats an app may choose.
var NameIDFormats = []string{NameIDUnspecified, NameIDEmail, NameIDPersistent, NameIDTransient, NameIDX509}

// IdP is one SAML app's identity provider, at one instant.
type IdP struct {
	// EntityID is the Identity Provider Issuer (Okta: http://www.okta.com/<id>).
	EntityID string
	// SSOURL is the Identity Provider Single Sign-On URL, where AuthnRequests
	// arrive (their Destination must be it).
	SSOURL string
	Keys   *KeyPair
	Now    time.Time
	// SP is what the app knows of its service provider.
	SP SP
	// Signing is what is signed, and how; the zero value signs the
	// response and the assertion with RSA-SHA256.
	Signing Signing
	// AuthnContextClassRef is what the assertion's AuthnStatement says;
	// "" is PasswordProtectedTransport.
	AuthnContextClassRef string
}

// Signing says what an IdP signs (SAML-IDP-5): the Response, the
// Assertion, or both (the default). Signing neither is allowed, as Okta
// allows it; a service provider then refuses the response.
type Signing struct {
	// SHA1: RSA-SHA1 (and SHA-1 digests) instead of RSA-SHA256.
	SHA1              bool
	AssertionUnsigned bool
	ResponseUnsigned  bool
}

// SP is the service provider as the identity provider's app sees it: the
// Audience URI (SP Entity ID) and the Single sign-on URL (its ACS, where
// the response is posted; also its Recipient and Destination unless they
// are given).
type SP struct {
	EntityID string
	ACSURL   string
	// Recipient is the assertion's SubjectConfirmationData Recipient and
	// Destination the response's Destination; "" : ACSURL.
	Recipient, Destination string
}

// Subject is who the assertion is about and what it says of them.
type Subject struct {
	NameID       string
	NameIDFormat string // default unspecified
	Attributes   []Attribute
	// SessionIndex and AuthnInstant describe the sign-in the assertion
	// vouches for.
	SessionIndex string
	AuthnInstant time.Time
}

// Attribute is one attribute statement.
type Attribute struct {
	Name       string
	NameFormat string // default unspecified
	Values     []string
}

// Form is a response ready for the HTTP-POST binding: the page the
// browser posts to URL.
type Form struct {
	URL          string
	SAMLResponse string // base64
	RelayState   string
}

func (p IdP) provider() (*saml.IdentityProvider, error) {
	if p.Keys == nil {
		return nil, errors.New("the app has no signing key")
	}
	entity, err := url.Parse(p.EntityID)
	if err != nil {
		return nil, fmt.Errorf("issuer: %w", err)
	}
	sso, err := url.Parse(p.SSOURL)
	if err != nil {
		return nil, fmt.Errorf("SSO URL: %w", err)
	}
	// crewjam/saml names the IdP by its MetadataURL; Okta's issuer is not
	// where its metadata lives, so the issuer goes there.
	return &saml.IdentityProvider{Key: p.Keys.Key, Certificate: p.Keys.Cert, MetadataURL: *entity, SSOURL: *sso,
		ServiceProviderProvider: spProvider(p.SP), Clock: dsig.NewFakeClockAt(p.Now),
		SignatureMethod: p.signatureMethod(),
		NameIDFormats:   []saml.NameIDFormat{saml.UnspecifiedNameIDFormat, saml.EmailAddressNameIDFormat}}, nil
}

func (p IdP) signatureMethod() string {
	if p.Signing.SHA1 {
		return dsig.RSASHA1SignatureMethod
	}
	return dsig.RSASHA256SignatureMethod
}

// spProvider answers for the app's one service provider.
type spProvider SP

func (s spProvider) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	if s.EntityID == "" || s.ACSURL == "" {
		return nil, ErrNotConfigured
	}
	if id != s.EntityID {
		return nil, os.ErrNotExist
	}
	return &saml.EntityDescriptor{EntityID: s.EntityID, SPSSODescriptors: []saml.SPSSODescriptor{{
		SSODescriptor:             saml.SSODescriptor{RoleDescriptor: saml.RoleDescriptor{ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol"}},
		AssertionConsumerServices: []saml.IndexedEndpoint{{Binding: saml.HTTPPostBinding, Location: s.ACSURL, Index: 0}},
	}}}, nil
}

// ErrNotConfigured: the app's Single sign-on URL or Audience URI is empty.
var ErrNotConfigured = errors.New("the app's Single sign-on URL and Audience URI are not set")

// Metadata is the identity provider's metadata document.
func (p IdP) Metadata() ([]byte, error) {
	idp, err := p.provider()
	if err != nil {
		return nil, err
	}
	md := idp.Metadata()
	for i := range md.IDPSSODescriptors {
		// Signing only: Okta does not decrypt anything SPs send.
		keys := md.IDPSSODescriptors[i].KeyDescriptors[:0]
		for _, k := range md.IDPSSODescriptors[i].KeyDescriptors {
			if k.Use == "signing" {
				keys = append(keys, k)
			}
		}
		md.IDPSSODescriptors[i].KeyDescriptors = keys
	}
	out, err := xml.MarshalIndent(md, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), out...), nil
}

// Request is an AuthnRequest the identity provider accepted.
type Request struct {
	ID, Issuer string
	RelayState string
	req        *saml.IdpAuthnRequest
}

// RequestError is an AuthnRequest refused, with the reason in words.
type RequestError struct{ Err error }

func (e *RequestError) Error() string { return "invalid SAML request: " + e.Err.Error() }
func (e *RequestError) Unwrap() error { return e.Err }

// ParseRequest reads and checks an AuthnRequest (HTTP-Redirect binding on
// GET, HTTP-POST on POST): its Destination (when it has one) is the SSO
// URL, it is recent, its issuer is the app's Audience URI and the ACS it
// asks for is the app's Single sign-on URL.
func (p IdP) ParseRequest(r *http.Request) (*Request, error) {
	idp, err := p.provider()
	if err != nil {
		return nil, err
	}
	req, err := saml.NewIdpAuthnRequest(idp, r)
	if err != nil {
		return nil, &RequestError{err}
	}
	if err := req.Validate(); err != nil {
		return nil, &RequestError{err}
	}
	out := &Request{ID: req.Request.ID, RelayState: req.RelayState, req: req}
	if req.Request.Issuer != nil {
		out.Issuer = req.Request.Issuer.Value
	}
	return out, nil
}

// Redirect is the request again in the HTTP-Redirect binding, as a URL on
// ssoURL: what a sign-in page sends the browser back to once the person
// has signed in, whatever binding the request came with.
func (q *Request) Redirect(ssoURL string) (string, error) {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.DefaultCompression)
	if err != nil {
		return "", err
	}
	if _, err := w.Write(q.req.RequestBuffer); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	v := url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString(buf.Bytes())}}
	if q.RelayState != "" {
		v.Set("RelayState", q.RelayState)
	}
	return ssoURL + "?" + v.Encode(), nil
}

// Respond signs a response to req (nil: an IdP-initiated, unsolicited
// response, with relayState) about subj, from the browser request r. What
// is signed, and with which algorithm, is p.Signing (SAML-IDP-5): by
// default the assertion and the response, with RSA-SHA256. Each has a
// fresh one-time ID.
func (p IdP) Respond(r *http.Request, req *Request, subj Subject, relayState string) (Form, error) {
	idp, err := p.provider()
	if err != nil {
		return Form{}, err
	}
	var ar *saml.IdpAuthnRequest
	if req != nil {
		ar = req.req
		ar.IDP, ar.Now = idp, p.Now
	} else {
		if ar, err = idp.NewIdpInitiatedRequest(r, p.SP.EntityID, relayState); err != nil {
			return Form{}, err
		}
	}
	format := subj.NameIDFormat
	if format == "" {
		format = NameIDUnspecified
	}
	authn := subj.AuthnInstant
	if authn.IsZero() {
		authn = p.Now
	}
	session := &saml.Session{ID: subj.SessionIndex, Index: subj.SessionIndex, CreateTime: authn,
		NameID: subj.NameID, NameIDFormat: format, AuthnContextClassRef: p.AuthnContextClassRef}
	for _, a := range subj.Attributes {
		nf := a.NameFormat
		if nf == "" {
			nf = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"
		}
		attr := saml.Attribute{Name: a.Name, NameFormat: nf}
		for _, v := range a.Values {
			attr.Values = append(attr.Values, saml.AttributeValue{Type: "xs:string", Value: v})
		}
		session.CustomAttributes = append(session.CustomAttributes, attr)
	}
	if err := (saml.DefaultAssertionMaker{}).MakeAssertion(ar, session); err != nil {
		return Form{}, err
	}
	if ar.ACSEndpoint == nil {
		return Form{}, errors.New("the service provider has no assertion consumer service")
	}
	if p.SP.Recipient != "" {
		for _, sc := range ar.Assertion.Subject.SubjectConfirmations {
			if sc.SubjectConfirmationData != nil {
				sc.SubjectConfirmationData.Recipient = p.SP.Recipient
			}
		}
	}
	if p.Signing.AssertionUnsigned {
		ar.AssertionEl = ar.Assertion.Element()
	} else if err := ar.MakeAssertionEl(); err != nil {
		return Form{}, err
	}
	resp, err := p.response(ar)
	if err != nil {
		return Form{}, err
	}
	doc := etree.NewDocument()
	doc.SetRoot(resp)
	buf, err := doc.WriteToBytes()
	if err != nil {
		return Form{}, err
	}
	return Form{URL: ar.ACSEndpoint.Location, SAMLResponse: base64.StdEncoding.EncodeToString(buf), RelayState: ar.RelayState}, nil
}

// response wraps the assertion in a Response, signed unless
// p.Signing.ResponseUnsigned: crewjam/saml's MakeResponse always signs.
func (p IdP) response(ar *saml.IdpAuthnRequest) (*etree.Element, error) {
	dest := p.SP.Destination
	if dest == "" {
		dest = ar.ACSEndpoint.Location
	}
	response := &saml.Response{Destination: dest, ID: NewID("id"), InResponseTo: ar.Request.ID,
		IssueInstant: ar.Now, Version: "2.0",
		Issuer: &saml.Issuer{Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity", Value: ar.IDP.MetadataURL.String()},
		Status: saml.Status{StatusCode: saml.StatusCode{Value: saml.StatusSuccess}}}
	el := response.Element()
	el.AddChild(ar.AssertionEl)
	if p.Signing.ResponseUnsigned {
		return el, nil
	}
	ctx, err := p.signingContext()
	if err != nil {
		return nil, err
	}
	signed, err := ctx.SignEnveloped(el)
	if err != nil {
		return nil, err
	}
	// The signature goes after the Issuer, as saml-core's schema orders a
	// Response; SignEnveloped appended it last.
	children := signed.ChildElements()
	response.Signature = children[len(children)-1]
	el = response.Element()
	el.AddChild(ar.AssertionEl)
	return el, nil
}

// signingContext signs as crewjam/saml's IdP does (exclusive C14N, the
// IdP's certificate in KeyInfo), with p's algorithm.
func (p IdP) signingContext() (*dsig.SigningContext, error) {
	ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(tls.Certificate{
		Certificate: [][]byte{p.Keys.Cert.Raw}, PrivateKey: p.Keys.Key, Leaf: p.Keys.Cert}))
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(p.signatureMethod()); err != nil {
		return nil, err
	}
	return ctx, nil
}
