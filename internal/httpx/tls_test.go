package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/certs"
)

// One handler answers on both listeners; the HTTPS one offers HTTP/2 and
// proves its certificate through the CA file; ending ctx stops both.
func TestHTTPSBesideHTTP(t *testing.T) {
	https, err := SetupHTTPS(certs.Options{Addr: "127.0.0.1:0"}, "test", "", "https://okta.test:9443", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer https.Close()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		_, _ = io.WriteString(w, scheme+" "+r.Proto)
	})
	ctx, cancel := context.WithCancel(context.Background())
	up := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- https.Serve(ctx, "127.0.0.1:0", h, func(a net.Addr) { up <- a }) }()
	plain := <-up
	secure := https.URL()
	if !strings.HasPrefix(secure, "https://127.0.0.1:") {
		t.Fatalf("HTTPS URL %q", secure)
	}
	if d := https.Describe(); !strings.Contains(d, secure) || !strings.Contains(d, https.CAFile()) {
		t.Errorf("start-up line %q names neither the URL nor the CA file", d)
	}
	get := func(c *http.Client, u string) string {
		t.Helper()
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := get(http.DefaultClient, "http://"+plain.String()+"/"); got != "http HTTP/1.1" {
		t.Errorf("plain listener answered %q", got)
	}
	trusting := &http.Client{Transport: &http.Transport{ForceAttemptHTTP2: true,
		TLSClientConfig: &tls.Config{RootCAs: mustPool(t, https.CAPEM())}}}
	if got := get(trusting, secure+"/"); got != "https HTTP/2.0" {
		t.Errorf("HTTPS listener answered %q", got)
	}
	// The certificate also covers the public URL's host.
	dialer := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: mustPool(t, https.CAPEM())},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, strings.TrimPrefix(secure, "https://"))
		}}
	if got := get(&http.Client{Transport: dialer}, "https://okta.test:9443/"); got != "https HTTP/1.1" {
		t.Errorf("by the public name: %q", got)
	}
	if _, err := http.Get(secure + "/"); err == nil {
		t.Error("a client that does not trust the CA got through")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after ctx ended")
	}
}

// A listener that cannot bind fails Serve before anything listens.
func TestServeListenersBindFailure(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	err = ServeListeners(context.Background(), http.NotFoundHandler(), func([]net.Addr) { t.Error("ready called") },
		Listen{Addr: "127.0.0.1:0"}, Listen{Addr: busy.Addr().String(), TLS: &tls.Config{}})
	if err == nil {
		t.Fatal("no error for a busy address")
	}
}

func mustPool(t *testing.T, pemBytes []byte) *x509.CertPool {
	t.Helper()
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pemBytes) {
		t.Fatal("no CA certificate")
	}
	return p
}
