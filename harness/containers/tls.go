package containers

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/okta/okta-sdk-golang/v5/okta"
	"github.com/testcontainers/testcontainers-go"
)

// HTTPS (WithTLS): each server's local authority issues its certificate
// (docs/state.md, "HTTPS"); the Environment fetches both authorities'
// certificates from GET /_sim/tls/ca.pem on the plain ports, then hands out
// the https URLs and clients that trust them.

// useTLS switches the Environment's URLs and client to HTTPS.
func (e *Environment) useTLS(ctx context.Context) error {
	var bundle []byte
	for _, s := range []struct {
		ctr       *testcontainers.DockerContainer
		tlsPort   string
		url       *string
		mappedTLS *int
	}{{e.Atlassian, AtlassianTLSPort, &e.atlURL, nil}, {e.Okta, OktaTLSPort, &e.oktaURL, &e.oktaTLSPort}} {
		pem, err := e.get(ctx, *s.url+"/_sim/tls/ca.pem")
		if err != nil {
			return fmt.Errorf("TLS: the CA certificate: %w", err)
		}
		bundle = append(bundle, pem...)
		u, _, port, err := endpoint(ctx, s.ctr, s.tlsPort)
		if err != nil {
			return err
		}
		*s.url = "https" + strings.TrimPrefix(u, "http")
		if s.mappedTLS != nil {
			*s.mappedTLS = port
		}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(bundle) {
		return errors.New("TLS: the servers' CA certificates are not PEM")
	}
	e.ca, e.pool = bundle, pool
	e.http = &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{TLSClientConfig: e.tlsConfig()}}
	return nil
}

// tlsConfig trusts the servers' authorities. Their certificates cover
// localhost, 127.0.0.1 and ::1 (and the network aliases); where this host
// reaches the published ports at another address (a Docker host elsewhere),
// the client checks the certificate against localhost instead.
func (e *Environment) tlsConfig() *tls.Config {
	c := &tls.Config{RootCAs: e.pool, MinVersion: tls.VersionTLS12}
	switch e.oktaHost {
	case "127.0.0.1", "localhost", "::1":
	default:
		c.ServerName = "localhost"
	}
	return c
}

// get reads a document over plain HTTP.
func (e *Environment) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := e.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return body, err
}

// CA is the certificates (PEM, one per server) that signed the servers'
// HTTPS certificates, for clients to trust (curl --cacert, SSL_CERT_FILE);
// nil without WithTLS.
func (e *Environment) CA() []byte { return e.ca }

// CertPool holds CA's certificates; nil without WithTLS.
func (e *Environment) CertPool() *x509.CertPool { return e.pool }

// HTTPClient is a client for the Environment's URLs: with WithTLS it
// trusts CA (and nothing else).
func (e *Environment) HTTPClient() *http.Client { return e.http }

// oktaSDKConfigTLS: okta-sdk-golang keeps only the org URL's hostname
// (OAPI-SDK-1), so https://127.0.0.1 means port 443; its client dials the
// published HTTPS port instead, and trusts CA.
func (e *Environment) oktaSDKConfigTLS(extra []okta.ConfigSetter) (*okta.Configuration, error) {
	target := net.JoinHostPort(e.oktaHost, strconv.Itoa(e.oktaTLSPort))
	dialer := &net.Dialer{Timeout: 30 * time.Second}
	hc := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		TLSClientConfig: e.tlsConfig(),
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, target)
		},
	}}
	host := e.oktaHost
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	setters := append([]okta.ConfigSetter{
		okta.WithOrgUrl("https://" + host),
		okta.WithToken(e.cfg.oktaToken),
		okta.WithCache(false),
		okta.WithHttpClientPtr(hc),
	}, extra...)
	return okta.NewConfiguration(setters...)
}
