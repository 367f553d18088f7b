// Package saml is SAML 2.0 single sign-on for both simulators: mockokta's
// identity provider (signed responses, metadata) and mockatlassian's
// service provider (response validation). The XML, its signatures and the
// protocol checks are github.com/crewjam/saml's (with goxmldsig and etree
// underneath); this package only adapts it to what each server keeps:
// plain strings and PEM, so models store and copy settings without XML.
package saml

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is the SHA-1 thumbprint by definition (RFC 7517 §4.8), not a security check
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// KeyPair is one signing key and its self-signed certificate, as Okta
// generates for each SAML app (OAPI-KEYS-1).
type KeyPair struct {
	KID  string
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
}

// NewKeyPair generates a 2048-bit RSA key and a certificate valid for
// years from now, whose subject names the org (Okta's certificates say
// CN=<org subdomain>, O=Okta, OU=SSOProvider).
func NewKeyPair(kid, org string, now time.Time, years int) (*KeyPair, error) {
	if years <= 0 {
		years = 10
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{CommonName: org, Organization: []string{"Okta"}, OrganizationalUnit: []string{"SSOProvider"},
			Locality: []string{"San Francisco"}, Province: []string{"California"}, Country: []string{"US"}},
		// An hour back, so a service provider whose clock is a little
		// behind still trusts it.
		NotBefore: now.Add(-time.Hour).UTC().Truncate(time.Second),
		NotAfter:  now.AddDate(years, 0, 0).UTC().Truncate(time.Second),
		KeyUsage:  x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &KeyPair{KID: kid, Key: key, Cert: cert}, nil
}

// PEM returns the certificate and the private key (PKCS #8) in PEM, the
// form a server stores them in.
func (k *KeyPair) PEM() (certPEM, keyPEM string) {
	der, err := x509.MarshalPKCS8PrivateKey(k.Key)
	if err != nil { // an *rsa.PrivateKey always marshals
		panic(err)
	}
	return CertificatePEM(k.Cert), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// ParseKeyPair reads what PEM wrote.
func ParseKeyPair(kid, certPEM, keyPEM string) (*KeyPair, error) {
	cert, err := ParseCertificate(certPEM)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode([]byte(keyPEM))
	if block == nil {
		return nil, errors.New("signing key: no PEM block")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		if parsed, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return nil, fmt.Errorf("signing key: %w", err)
		}
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("signing key: not an RSA key")
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, errors.New("signing key: does not match the certificate")
	}
	return &KeyPair{KID: kid, Key: key, Cert: cert}, nil
}

// CertificatePEM is c in PEM.
func CertificatePEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// ParseCertificate reads a certificate as admins paste it: PEM, or the
// bare base64 of its DER (what a metadata document's X509Certificate
// holds), whitespace anywhere.
func ParseCertificate(s string) (*x509.Certificate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("certificate: empty")
	}
	var der []byte
	if block, _ := pem.Decode([]byte(s)); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("certificate: a PEM %q block, not CERTIFICATE", block.Type)
		}
		der = block.Bytes
	} else {
		var err error
		if der, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), "")); err != nil {
			return nil, errors.New("certificate: neither PEM nor base64 DER")
		}
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	return c, nil
}

// JWK is a signing key as Okta's app key credentials API shows it
// (OAPI-KEYS-1): public parts only.
type JWK struct {
	Created     time.Time `json:"created"`
	LastUpdated time.Time `json:"lastUpdated"`
	ExpiresAt   time.Time `json:"expiresAt"`
	X5c         []string  `json:"x5c"`
	E           string    `json:"e"`
	Kid         string    `json:"kid"`
	Kty         string    `json:"kty"`
	N           string    `json:"n"`
	Use         string    `json:"use"`
	X5t         string    `json:"x5t"`
	X5tS256     string    `json:"x5t#S256"`
}

// JWK renders the key's public half; created is when it was generated.
func (k *KeyPair) JWK(created time.Time) JWK {
	pub := k.Key.PublicKey
	s1 := sha1.Sum(k.Cert.Raw) //nolint:gosec // see the import
	s256 := sha256.Sum256(k.Cert.Raw)
	return JWK{Created: created.UTC(), LastUpdated: created.UTC(), ExpiresAt: k.Cert.NotAfter.UTC(),
		X5c: []string{base64.StdEncoding.EncodeToString(k.Cert.Raw)},
		E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()), Kid: k.KID, Kty: "RSA",
		N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()), Use: "sig",
		X5t: base64.RawURLEncoding.EncodeToString(s1[:]), X5tS256: base64.RawURLEncoding.EncodeToString(s256[:])}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
