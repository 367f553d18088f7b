package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// verify checks that cert is valid for host under the authority whose
// certificate is caPEM, as a client trusting that file would.
func verify(t *testing.T, caPEM []byte, l *Listener, host string) error {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("CA PEM holds no certificate")
	}
	leaf, err := x509.ParseCertificate(l.Config.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: host})
	return err
}

func TestIssuedCertificateCoversItsHosts(t *testing.T) {
	o := Options{Addr: "127.0.0.1:0", Hosts: []string{"*.okta.test", "10.1.2.3"}}
	l, err := o.Setup("mockokta", "", nil, "mockokta.example")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, host := range []string{"localhost", "127.0.0.1", "::1", "acme.okta.test", "10.1.2.3", "mockokta.example"} {
		if err := verify(t, l.CAPEM, l, host); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	if err := verify(t, l.CAPEM, l, "elsewhere.example"); err == nil {
		t.Error("the certificate is valid for a host it was not issued for")
	}
	// Without a data directory the CA goes to a temporary file, removed at
	// close.
	got, err := os.ReadFile(l.CAFile)
	if err != nil || !bytes.Equal(got, l.CAPEM) {
		t.Fatalf("CA file %s: %v (same: %v)", l.CAFile, err, bytes.Equal(got, l.CAPEM))
	}
	l.Close()
	if _, err := os.Stat(l.CAFile); !os.IsNotExist(err) {
		t.Errorf("temporary CA file left after Close: %v", err)
	}
}

// A data directory keeps the authority: the file people trusted goes on
// working after a restart, and its key is readable by its owner only.
func TestAuthorityIsKeptWithTheDataDirectory(t *testing.T) {
	dir := t.TempDir()
	o := Options{Addr: "127.0.0.1:0"}
	first, err := o.Setup("mockokta", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "tls", "ca.pem"); first.CAFile != want {
		t.Fatalf("CA file %q, want %q", first.CAFile, want)
	}
	info, err := os.Stat(filepath.Join(dir, "tls", "ca-key.pem"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("CA key: %v %v", info, err)
	}
	second, err := o.Setup("mockokta", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.CAPEM, second.CAPEM) {
		t.Fatal("a restart made a new CA")
	}
	if err := verify(t, first.CAPEM, second, "localhost"); err != nil {
		t.Fatalf("the new certificate is not trusted through the old CA file: %v", err)
	}
	second.Close() // kept with the data, not removed
	if _, err := os.Stat(second.CAFile); err != nil {
		t.Fatalf("Close removed the kept CA file: %v", err)
	}
	// --tls-ca-file writes a copy where asked.
	copyTo := filepath.Join(t.TempDir(), "trust", "ca.pem")
	third, err := Options{Addr: "127.0.0.1:0", CAFile: copyTo}.Setup("mockatlassian", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(copyTo); !bytes.Equal(got, first.CAPEM) {
		t.Fatal("--tls-ca-file did not get the kept CA")
	}
	third.Close()
}

func TestGivenCertificate(t *testing.T) {
	ca, err := NewAuthority()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue("given", []string{"okta.test"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	var chain bytes.Buffer
	for _, der := range cert.Certificate {
		_ = pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, chain.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Options{Addr: ":0", CertFile: certFile, KeyFile: keyFile}.Setup("mockokta", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.CAPEM != nil || l.CAFile != "" {
		t.Errorf("a given certificate has no local CA to hand out: %q %q", l.CAPEM, l.CAFile)
	}
	if err := verify(t, ca.PEM(), l, "okta.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := (Options{Addr: ":0", CertFile: keyFile, KeyFile: certFile}).Setup("mockokta", "", nil); err == nil {
		t.Error("swapped certificate and key were accepted")
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Addr: ":8443", CertFile: "c.pem"}, "go together"},
		{Options{CertFile: "c.pem", KeyFile: "k.pem"}, "need --tls-addr"},
		{Options{Hosts: []string{"a.test"}}, "need --tls-addr"},
		{Options{Addr: "8443"}, "HOST:PORT"},
		{Options{Addr: ":8443", Hosts: []string{"http://a.test"}}, "--tls-host"},
	} {
		err := tc.o.Check()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
	for _, ok := range []Options{{}, {Addr: ":8443", Hosts: []string{"a.test", "::1", "*.okta.test"}}} {
		if err := ok.Check(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
	if l, err := (Options{}).Setup("x", "", nil); l != nil || err != nil {
		t.Errorf("no --tls-addr: %v %v", l, err)
	}
}
