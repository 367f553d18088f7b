package mockokta

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/provsim/provsim/internal/saml"
)

// SAMLOptions is the rest of a SAML app's settings.signOn: what the Sign
// On tab's advanced settings (and Terraform's okta_app_saml) set beyond
// the Single sign-on URL, Audience URI, NameID format and attribute
// statements. Each field keeps what was sent and is shown back as sent
// (SAML-IDP-5); the zero value of each is Okta's default. Pointers are
// never written through: a change replaces them, so copies may share them.
type SAMLOptions struct {
	// Recipient and Destination: "" is the Single sign-on URL (Okta's
	// "Use this for Recipient URL and Destination URL").
	Recipient   string `json:"recipient,omitempty"`
	Destination string `json:"destination,omitempty"`
	// IdPIssuer: "" is Okta's default, defaultIdPIssuer.
	IdPIssuer string `json:"idpIssuer,omitempty"`
	// SPIssuer: nil is none (null).
	SPIssuer              *string `json:"spIssuer,omitempty"`
	SubjectNameIDTemplate string  `json:"subjectNameIdTemplate,omitempty"` // "" : ${user.userName}
	SignatureAlgorithm    string  `json:"signatureAlgorithm,omitempty"`    // "" : RSA_SHA256
	DigestAlgorithm       string  `json:"digestAlgorithm,omitempty"`       // "" : SHA256
	AuthnContextClassRef  string  `json:"authnContextClassRef,omitempty"`  // "" : PasswordProtectedTransport
	// nil: the default (signed, signed, honoured, not compressed, not
	// required, one ACS).
	AssertionSigned   *bool         `json:"assertionSigned,omitempty"`
	ResponseSigned    *bool         `json:"responseSigned,omitempty"`
	HonorForceAuthn   *bool         `json:"honorForceAuthn,omitempty"`
	RequestCompressed *bool         `json:"requestCompressed,omitempty"`
	SignedRequests    *bool         `json:"samlSignedRequestEnabled,omitempty"`
	AllowMultipleACS  *bool         `json:"allowMultipleAcsEndpoints,omitempty"`
	ACSEndpoints      []ACSEndpoint `json:"acsEndpoints,omitempty"`
	SLO               SingleLogout  `json:"slo"`
	SPCertificateX5C  []string      `json:"spCertificate,omitempty"`
}

// ACSEndpoint is one of an app's other assertion consumer services
// (settings.signOn.acsEndpoints).
type ACSEndpoint struct {
	URL   string `json:"url"`
	Index int    `json:"index"`
}

// SingleLogout is settings.signOn.slo.
type SingleLogout struct {
	Enabled   bool   `json:"enabled"`
	Issuer    string `json:"issuer,omitempty"`
	LogoutURL string `json:"logoutUrl,omitempty"`
}

// defaultIdPIssuer is the Identity Provider Issuer Okta shows for an app
// that keeps the default: the template itself, not its value (SAML-IDP-5).
const defaultIdPIssuer = "http://www.okta.com/${org.externalKey}"

const (
	defaultSubjectTemplate = "${user.userName}"
	defaultAuthnContext    = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
)

// Okta's choices for the signature and digest algorithms.
var (
	signatureAlgorithms = []string{"RSA_SHA256", "RSA_SHA1"}
	digestAlgorithms    = []string{"SHA256", "SHA1"}
	groupFilterTypes    = []string{"STARTS_WITH", "EQUALS", "CONTAINS", "REGEX"}
)

func (o SAMLOptions) clone() SAMLOptions {
	c := o
	c.ACSEndpoints = slices.Clone(o.ACSEndpoints)
	c.SPCertificateX5C = slices.Clone(o.SPCertificateX5C)
	return c
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func stringOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// AssertionIsSigned, ResponseIsSigned: what the IdP signs.
func (s AppSAML) AssertionIsSigned() bool { return boolOr(s.Opts.AssertionSigned, true) }
func (s AppSAML) ResponseIsSigned() bool  { return boolOr(s.Opts.ResponseSigned, true) }

// RecipientURL and DestinationURL are what the assertion's
// SubjectConfirmationData Recipient and the response's Destination say.
func (s AppSAML) RecipientURL() string   { return stringOr(s.Opts.Recipient, s.ACSURL) }
func (s AppSAML) DestinationURL() string { return stringOr(s.Opts.Destination, s.ACSURL) }

// samlOptionsInput is the part of SAMLInput that changes SAMLOptions; nil
// fields stay.
type samlOptionsInput struct {
	Recipient             *string        `json:"recipient"`
	Destination           *string        `json:"destination"`
	IdPIssuer             *string        `json:"idpIssuer"`
	SPIssuer              *string        `json:"spIssuer"`
	SubjectNameIDTemplate *string        `json:"subjectNameIdTemplate"`
	SignatureAlgorithm    *string        `json:"signatureAlgorithm"`
	DigestAlgorithm       *string        `json:"digestAlgorithm"`
	AuthnContextClassRef  *string        `json:"authnContextClassRef"`
	AssertionSigned       *bool          `json:"assertionSigned"`
	ResponseSigned        *bool          `json:"responseSigned"`
	HonorForceAuthn       *bool          `json:"honorForceAuthn"`
	RequestCompressed     *bool          `json:"requestCompressed"`
	SignedRequests        *bool          `json:"samlSignedRequestEnabled"`
	AllowMultipleACS      *bool          `json:"allowMultipleAcsEndpoints"`
	ACSEndpoints          *[]ACSEndpoint `json:"acsEndpoints"`
	SLO                   *SingleLogout  `json:"slo"`
	SPCertificate         *struct {
		X5C []string `json:"x5c"`
	} `json:"spCertificate"`
	InlineHooks *[]struct {
		ID string `json:"id"`
	} `json:"inlineHooks"`
	AssertionEncryption *struct {
		Enabled bool `json:"enabled"`
	} `json:"assertionEncryption"`
}

func (in samlOptionsInput) empty() bool {
	return in == samlOptionsInput{}
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}

// causes lists what is wrong with the input, in Okta's errorCauses.
func (in samlOptionsInput) causes() []string {
	var out []string
	for _, f := range []struct {
		name string
		v    *string
	}{{"recipient", in.Recipient}, {"destination", in.Destination}, {"idpIssuer", in.IdPIssuer}} {
		if f.v != nil && *f.v != "" && !absoluteURL(strings.ReplaceAll(*f.v, "${org.externalKey}", "x")) {
			out = append(out, "settings.signOn."+f.name+": must be an absolute URL or URN")
		}
	}
	if in.SignatureAlgorithm != nil && *in.SignatureAlgorithm != "" && !slices.Contains(signatureAlgorithms, *in.SignatureAlgorithm) {
		out = append(out, "settings.signOn.signatureAlgorithm: must be one of "+strings.Join(signatureAlgorithms, ", "))
	}
	if in.DigestAlgorithm != nil && *in.DigestAlgorithm != "" && !slices.Contains(digestAlgorithms, *in.DigestAlgorithm) {
		out = append(out, "settings.signOn.digestAlgorithm: must be one of "+strings.Join(digestAlgorithms, ", "))
	}
	if in.AuthnContextClassRef != nil && *in.AuthnContextClassRef != "" && !absoluteURL(*in.AuthnContextClassRef) {
		out = append(out, "settings.signOn.authnContextClassRef: must be a URN or URL")
	}
	if in.ACSEndpoints != nil {
		seen := map[int]bool{}
		for i, e := range *in.ACSEndpoints {
			if !absoluteURL(e.URL) {
				out = append(out, fmt.Sprintf("settings.signOn.acsEndpoints[%d].url: must be an absolute URL", i))
			}
			if e.Index < 0 || seen[e.Index] {
				out = append(out, fmt.Sprintf("settings.signOn.acsEndpoints[%d].index: must be unique and not negative", i))
			}
			seen[e.Index] = true
		}
	}
	if in.SLO != nil && in.SLO.Enabled && (in.SLO.Issuer == "" || !absoluteURL(in.SLO.LogoutURL)) {
		out = append(out, "settings.signOn.slo: single logout needs an issuer and a logoutUrl")
	}
	if in.SPCertificate != nil {
		for i, c := range in.SPCertificate.X5C {
			if _, err := parseX5C(c); err != nil {
				out = append(out, fmt.Sprintf("settings.signOn.spCertificate.x5c[%d]: not a base64 X.509 certificate", i))
			}
		}
	}
	if in.InlineHooks != nil && len(*in.InlineHooks) > 0 {
		out = append(out, "settings.signOn.inlineHooks: mockokta has no inline hooks")
	}
	if in.AssertionEncryption != nil && in.AssertionEncryption.Enabled {
		out = append(out, "settings.signOn.assertionEncryption: mockokta does not encrypt assertions")
	}
	return out
}

var x5cSpace = regexp.MustCompile(`\s+`)

// parseX5C reads a certificate as Okta takes it: base64 DER, line breaks
// (even \r\n, as Terraform's examples have) allowed.
func parseX5C(s string) (*x509.Certificate, error) {
	der, err := base64.StdEncoding.DecodeString(x5cSpace.ReplaceAllString(s, ""))
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// apply applies a checked input.
func (in samlOptionsInput) apply(o *SAMLOptions) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&o.Recipient, in.Recipient)
	set(&o.Destination, in.Destination)
	set(&o.IdPIssuer, in.IdPIssuer)
	set(&o.SubjectNameIDTemplate, in.SubjectNameIDTemplate)
	set(&o.SignatureAlgorithm, in.SignatureAlgorithm)
	set(&o.DigestAlgorithm, in.DigestAlgorithm)
	set(&o.AuthnContextClassRef, in.AuthnContextClassRef)
	if in.SPIssuer != nil {
		o.SPIssuer = nil
		if v := strings.TrimSpace(*in.SPIssuer); v != "" {
			o.SPIssuer = &v
		}
	}
	for _, b := range []struct {
		dst **bool
		v   *bool
	}{{&o.AssertionSigned, in.AssertionSigned}, {&o.ResponseSigned, in.ResponseSigned},
		{&o.HonorForceAuthn, in.HonorForceAuthn}, {&o.RequestCompressed, in.RequestCompressed},
		{&o.SignedRequests, in.SignedRequests}, {&o.AllowMultipleACS, in.AllowMultipleACS}} {
		if b.v != nil {
			v := *b.v
			*b.dst = &v
		}
	}
	if in.ACSEndpoints != nil {
		o.ACSEndpoints = slices.Clone(*in.ACSEndpoints)
	}
	if in.SLO != nil {
		o.SLO = *in.SLO
		if !o.SLO.Enabled {
			o.SLO = SingleLogout{}
		}
	}
	if in.SPCertificate != nil {
		o.SPCertificateX5C = slices.Clone(in.SPCertificate.X5C)
	}
}

// samlSignOnView is a SAML app's settings.signOn (okta-sdk-golang
// SamlApplicationSettingsSignOn), every field as Okta shows it
// (SAML-IDP-1, SAML-IDP-5); fields in alphabetical order.
type samlSignOnView struct {
	AcsEndpoints              []ACSEndpoint   `json:"acsEndpoints"`
	AllowMultipleAcsEndpoints bool            `json:"allowMultipleAcsEndpoints"`
	AssertionEncryption       enabledView     `json:"assertionEncryption"`
	AssertionSigned           bool            `json:"assertionSigned"`
	AttributeStatements       []SAMLAttribute `json:"attributeStatements"`
	Audience                  string          `json:"audience"`
	AuthnContextClassRef      string          `json:"authnContextClassRef"`
	DefaultRelayState         string          `json:"defaultRelayState"`
	Destination               string          `json:"destination"`
	DigestAlgorithm           string          `json:"digestAlgorithm"`
	HonorForceAuthn           bool            `json:"honorForceAuthn"`
	IdpIssuer                 string          `json:"idpIssuer"`
	InlineHooks               []struct{}      `json:"inlineHooks"`
	Recipient                 string          `json:"recipient"`
	RequestCompressed         bool            `json:"requestCompressed"`
	ResponseSigned            bool            `json:"responseSigned"`
	SamlSignedRequestEnabled  bool            `json:"samlSignedRequestEnabled"`
	SignatureAlgorithm        string          `json:"signatureAlgorithm"`
	Slo                       SingleLogout    `json:"slo"`
	SpCertificate             *x5cView        `json:"spCertificate,omitempty"`
	SpIssuer                  *string         `json:"spIssuer"`
	SsoAcsURL                 string          `json:"ssoAcsUrl"`
	SubjectNameIDFormat       string          `json:"subjectNameIdFormat"`
	SubjectNameIDTemplate     string          `json:"subjectNameIdTemplate"`
}

type enabledView struct {
	Enabled bool `json:"enabled"`
}

type x5cView struct {
	X5C []string `json:"x5c"`
}

// samlSignOnJSON renders a SAML app's settings.signOn; a is a snapshot.
func samlSignOnJSON(a *App) samlSignOnView {
	s, o := a.SAML, a.SAML.Opts
	attrs := a.SAMLAttributes()
	if attrs == nil {
		attrs = []SAMLAttribute{}
	}
	acs := o.ACSEndpoints
	if acs == nil {
		acs = []ACSEndpoint{}
	}
	v := samlSignOnView{AcsEndpoints: acs, AllowMultipleAcsEndpoints: boolOr(o.AllowMultipleACS, false),
		AssertionSigned: s.AssertionIsSigned(), AttributeStatements: attrs, Audience: s.Audience,
		AuthnContextClassRef: stringOr(o.AuthnContextClassRef, defaultAuthnContext),
		DefaultRelayState:    s.DefaultRelayState, Destination: s.DestinationURL(),
		DigestAlgorithm: stringOr(o.DigestAlgorithm, "SHA256"), HonorForceAuthn: boolOr(o.HonorForceAuthn, true),
		IdpIssuer: stringOr(o.IdPIssuer, defaultIdPIssuer), InlineHooks: []struct{}{}, Recipient: s.RecipientURL(),
		RequestCompressed: boolOr(o.RequestCompressed, false), ResponseSigned: s.ResponseIsSigned(),
		SamlSignedRequestEnabled: boolOr(o.SignedRequests, false),
		SignatureAlgorithm:       stringOr(o.SignatureAlgorithm, "RSA_SHA256"), Slo: o.SLO, SpIssuer: o.SPIssuer,
		SsoAcsURL: s.ACSURL, SubjectNameIDFormat: a.SAMLNameIDFormat(),
		SubjectNameIDTemplate: stringOr(o.SubjectNameIDTemplate, defaultSubjectTemplate)}
	if o.SPCertificateX5C != nil {
		v.SpCertificate = &x5cView{X5C: o.SPCertificateX5C}
	}
	return v
}

// signing is what the app's identity provider signs, and with which
// algorithm (SAML-IDP-5).
func (s AppSAML) signing() saml.Signing {
	return saml.Signing{SHA1: s.Opts.SignatureAlgorithm == "RSA_SHA1",
		AssertionUnsigned: !s.AssertionIsSigned(), ResponseUnsigned: !s.ResponseIsSigned()}
}
