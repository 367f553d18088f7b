package saml

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"strings"

	"github.com/crewjam/saml"
)

// IdPMetadata is what a service provider's admin copies from an identity
// provider's metadata document: its entity ID, SSO URL and signing
// certificate (PEM).
type IdPMetadata struct {
	EntityID    string
	SSOURL      string
	Certificate string
}

// ParseIdPMetadata reads an identity provider's metadata document.
func ParseIdPMetadata(doc []byte) (IdPMetadata, error) {
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(doc, &ed); err != nil { //nolint:gosec // a metadata document the caller fetched; only read
		return IdPMetadata{}, err
	}
	if len(ed.IDPSSODescriptors) == 0 {
		return IdPMetadata{}, errors.New("metadata: no IDPSSODescriptor")
	}
	d := ed.IDPSSODescriptors[0]
	out := IdPMetadata{EntityID: ed.EntityID}
	for _, s := range d.SingleSignOnServices {
		if s.Binding == saml.HTTPRedirectBinding || out.SSOURL == "" {
			out.SSOURL = s.Location
		}
	}
	for _, k := range d.KeyDescriptors {
		if (k.Use == "signing" || k.Use == "") && len(k.KeyInfo.X509Data.X509Certificates) > 0 {
			c, err := ParseCertificate(k.KeyInfo.X509Data.X509Certificates[0].Data)
			if err != nil {
				return IdPMetadata{}, err
			}
			out.Certificate = CertificatePEM(c)
			break
		}
	}
	if out.SSOURL == "" || out.Certificate == "" {
		return IdPMetadata{}, errors.New("metadata: no SSO URL or signing certificate")
	}
	return out, nil
}

// Peek reads the NameID and attributes of a base64 SAMLResponse without
// checking anything: for reports and expectations about what an identity
// provider sent, never to trust it.
func Peek(samlResponse string) (nameID string, attributes map[string][]string, err error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(samlResponse))
	if err != nil {
		return "", nil, err
	}
	var doc struct {
		Assertion struct {
			Subject struct {
				NameID string `xml:"NameID"`
			} `xml:"Subject"`
			Attributes []struct {
				Name   string   `xml:"Name,attr"`
				Values []string `xml:"AttributeValue"`
			} `xml:"AttributeStatement>Attribute"`
		} `xml:"Assertion"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil { //nolint:gosec // read for a report, never trusted
		return "", nil, err
	}
	attributes = map[string][]string{}
	for _, a := range doc.Assertion.Attributes {
		attributes[a.Name] = append(attributes[a.Name], a.Values...)
	}
	return strings.TrimSpace(doc.Assertion.Subject.NameID), attributes, nil
}
