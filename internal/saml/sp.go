package saml

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// ServiceProvider is an SP's single sign-on configuration at one instant:
// its own entity ID and ACS, and the identity provider it trusts
// (SAML-SP-1).
type ServiceProvider struct {
	EntityID string
	ACSURL   string

	IdPEntityID string
	IdPSSOURL   string
	IdPCert     *x509.Certificate

	Now time.Time
	// Replay remembers the assertions already used; nil: no replay check.
	Replay *ReplayCache
}

func (c ServiceProvider) provider() (*saml.ServiceProvider, error) {
	acs, err := url.Parse(c.ACSURL)
	if err != nil {
		return nil, err
	}
	md := &saml.EntityDescriptor{EntityID: c.IdPEntityID, IDPSSODescriptors: []saml.IDPSSODescriptor{{
		SSODescriptor: saml.SSODescriptor{RoleDescriptor: saml.RoleDescriptor{
			ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol",
			KeyDescriptors: []saml.KeyDescriptor{{Use: "signing", KeyInfo: saml.KeyInfo{
				X509Data: saml.X509Data{X509Certificates: []saml.X509Certificate{{Data: certBase64(c.IdPCert)}}}}}},
		}},
		SingleSignOnServices: []saml.Endpoint{
			{Binding: saml.HTTPRedirectBinding, Location: c.IdPSSOURL},
			{Binding: saml.HTTPPostBinding, Location: c.IdPSSOURL},
		},
	}}}
	sp := &saml.ServiceProvider{EntityID: c.EntityID, AcsURL: *acs, IDPMetadata: md,
		AllowIDPInitiated: true, Clock: dsig.NewFakeClockAt(c.Now),
		AuthnNameIDFormat: saml.EmailAddressNameIDFormat}
	if c.Replay != nil {
		sp.ReplayCache = c.Replay
	}
	return sp, nil
}

func certBase64(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	return b64(c.Raw)
}

// AuthnRequest makes an AuthnRequest for the HTTP-Redirect binding: the URL
// to send the browser to, and the request's ID, which the response must
// answer (InResponseTo).
func (c ServiceProvider) AuthnRequest(relayState string) (redirect, id string, err error) {
	sp, err := c.provider()
	if err != nil {
		return "", "", err
	}
	req, err := sp.MakeAuthenticationRequest(c.IdPSSOURL, saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return "", "", err
	}
	u, err := req.Redirect(relayState, sp)
	if err != nil {
		return "", "", err
	}
	return u.String(), req.ID, nil
}

// Assertion is what a valid response asserted.
type Assertion struct {
	ID           string
	Issuer       string
	NameID       string
	NameIDFormat string
	InResponseTo string // "" for an IdP-initiated response
	Attributes   map[string][]string
}

// ResponseError is a response refused: Reason says why in a sentence fit
// for an error page; Err is the library's finding.
type ResponseError struct {
	Reason string
	Err    error
}

func (e *ResponseError) Error() string { return e.Reason + ": " + e.Err.Error() }
func (e *ResponseError) Unwrap() error { return e.Err }

// reasons name the checks in the order they are tried; the first match
// explains the refusal.
var reasons = []struct {
	err    error
	reason string
}{
	{saml.ErrAssertionReplayed, "the assertion was already used (replayed)"},
	{saml.ErrInvalidSignature, "the signature is missing or does not verify with the identity provider's certificate"},
	{saml.ErrUntrustedCertificate, "the response is signed with a certificate this organization does not trust"},
	{saml.ErrCertificateNotValidNow, "the identity provider's certificate is expired or not yet valid"},
	{saml.ErrIssuerMismatch, "the issuer is not the identity provider entity ID configured for this organization"},
	{saml.ErrAudienceMismatch, "the audience is not this service provider's entity ID"},
	{saml.ErrDestinationMismatch, "the destination or recipient is not this assertion consumer service URL"},
	{saml.ErrRequestIDMismatch, "the response answers no sign-in this service provider started (InResponseTo)"},
	{saml.ErrExpired, "the assertion has expired"},
	{saml.ErrNotYetValid, "the assertion is not valid yet"},
	{saml.ErrMissingElement, "the response lacks a required element"},
	{saml.ErrMalformedMessage, "the response is not a well-formed SAML response"},
	{saml.ErrUnsupported, "the response uses something this service provider does not support"},
}

// ParseResponse validates the response posted to the ACS (r's form must
// be parsed) against the configuration: signature with the IdP's
// certificate, issuer, audience, recipient and destination, time window,
// InResponseTo (one of requestIDs, or none for IdP-initiated sign-in) and
// replay (SAML-SP-2).
func (c ServiceProvider) ParseResponse(r *http.Request, requestIDs []string) (*Assertion, error) {
	if c.IdPCert == nil {
		return nil, &ResponseError{Reason: "single sign-on is not configured", Err: errors.New("no identity provider certificate")}
	}
	sp, err := c.provider()
	if err != nil {
		return nil, &ResponseError{Reason: "the ACS URL is invalid", Err: err}
	}
	if r.PostForm.Get("SAMLResponse") == "" {
		return nil, &ResponseError{Reason: "the request carries no SAMLResponse", Err: saml.ErrMissingElement}
	}
	a, err := sp.ParseResponse(r, requestIDs)
	if err != nil {
		var inv *saml.InvalidResponseError
		if errors.As(err, &inv) && inv.PrivateErr != nil {
			err = inv.PrivateErr
		}
		var bad saml.ErrBadStatus
		if errors.As(err, &bad) {
			return nil, &ResponseError{Reason: "the identity provider answered with status " + bad.Status, Err: err}
		}
		for _, x := range reasons {
			if errors.Is(err, x.err) {
				return nil, &ResponseError{Reason: x.reason, Err: err}
			}
		}
		if strings.Contains(err.Error(), "signature") { // "signature element not present" has no kind
			return nil, &ResponseError{Reason: reasons[1].reason, Err: err}
		}
		return nil, &ResponseError{Reason: "the response is not valid", Err: err}
	}
	out := &Assertion{ID: a.ID, Issuer: a.Issuer.Value, Attributes: map[string][]string{}}
	if a.Subject != nil {
		if a.Subject.NameID != nil {
			out.NameID, out.NameIDFormat = a.Subject.NameID.Value, a.Subject.NameID.Format
		}
		for _, sc := range a.Subject.SubjectConfirmations {
			if sc.SubjectConfirmationData != nil && sc.SubjectConfirmationData.InResponseTo != "" {
				out.InResponseTo = sc.SubjectConfirmationData.InResponseTo
			}
		}
	}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			for _, v := range at.Values {
				out.Attributes[at.Name] = append(out.Attributes[at.Name], v.Value)
			}
		}
	}
	return out, nil
}

// ReplayCache is the one-time use of assertion IDs: an ID is remembered
// until its assertion would have expired anyway. Safe for concurrent use.
type ReplayCache struct {
	mu   sync.Mutex
	seen map[string]time.Time
	now  func() time.Time
}

// NewReplayCache makes an empty cache that tells time with now.
func NewReplayCache(now func() time.Time) *ReplayCache {
	return &ReplayCache{seen: map[string]time.Time{}, now: now}
}

// Consume implements crewjam/saml's AssertionReplayCache.
func (c *ReplayCache) Consume(id string, expires time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for k, exp := range c.seen {
		if !now.Before(exp) {
			delete(c.seen, k)
		}
	}
	if _, dup := c.seen[id]; dup {
		return saml.ErrAssertionReplayed
	}
	c.seen[id] = expires
	return nil
}

// NewID is a random identifier for a sign-in record or session.
func NewID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + hex.EncodeToString(b)
}

// Metadata is the service provider's metadata document: its entity ID and
// ACS (HTTP-POST), for identity providers that import it.
func (c ServiceProvider) Metadata() ([]byte, error) {
	sp, err := c.provider()
	if err != nil {
		return nil, err
	}
	out, err := xml.MarshalIndent(sp.Metadata(), "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), out...), nil
}
