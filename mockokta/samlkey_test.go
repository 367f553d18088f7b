package mockokta

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/saml"
)

// writeKeyPair writes a generated key pair as PEM files: cert.pem, key.pem.
func writeKeyPair(t *testing.T, dir, org string) (certFile, keyFile string, kp *saml.KeyPair) {
	t.Helper()
	kp, err := saml.NewKeyPair("given", org, time.Now(), 2)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM := kp.PEM()
	certFile, keyFile = filepath.Join(dir, org+"-cert.pem"), filepath.Join(dir, org+"-key.pem")
	if err := os.WriteFile(certFile, []byte(certPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(keyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, kp
}

// --saml-signing-cert and --saml-signing-key (or their variables) give the
// key SAML apps sign with: the boot app's metadata and its key credentials
// show the given certificate, and nothing is generated.
func TestGivenSAMLSigningKey(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, kp := writeKeyPair(t, dir, "given")
	env := map[string]string{"MOCKOKTA_SAML_SIGNING_CERT": certFile, "MOCKOKTA_SAML_SIGNING_KEY": keyFile}
	c, err := ParseFlags([]string{"--scim-base-url", "http://127.0.0.1:1/scim", "--scim-api-key", "k"},
		func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Config.Options.SAMLKey == nil || !c.Config.Options.SAMLKey.Cert.Equal(kp.Cert) {
		t.Fatalf("SAMLKey: %+v", c.Config.Options.SAMLKey)
	}
	srv, err := NewServer(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Close() }()
	o, err := srv.Model.Org(srv.Booted.Org.ID)
	if err != nil {
		t.Fatal(err)
	}
	setup, err := srv.Model.SAMLSetupOf(o, srv.Booted.AppID)
	if err != nil {
		t.Fatal(err)
	}
	if !setup.Keys.Cert.Equal(kp.Cert) || !setup.Keys.Key.Equal(kp.Key) {
		t.Fatalf("the boot app signs with %s, not the given certificate", setup.Keys.Cert.Subject)
	}
	keys, err := srv.Model.AppKeys(o, srv.Booted.AppID)
	if err != nil || len(keys) != 1 || keys[0].Kid != setup.App.ActiveKID() {
		t.Fatalf("key credentials: %+v %v", keys, err)
	}
	// Without the flags, each app gets a key of its own.
	plain, err := ParseFlags([]string{"--scim-base-url", "http://127.0.0.1:1/scim", "--scim-api-key", "k"},
		func(string) string { return "" }, io.Discard)
	if err != nil || plain.Config.Options.SAMLKey != nil {
		t.Fatalf("no flags: %+v %v", plain.Config.Options.SAMLKey, err)
	}
}

// A given key that cannot work stops the start with an error naming the
// flag and the file.
func TestGivenSAMLSigningKeyErrors(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := writeKeyPair(t, dir, "one")
	_, otherKey, _ := writeKeyPair(t, dir, "two")
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecKey := filepath.Join(dir, "ec.pem")
	if err := os.WriteFile(ecKey, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--saml-signing-cert", certFile}, "--saml-signing-cert and --saml-signing-key go together"},
		{[]string{"--saml-signing-key", keyFile}, "--saml-signing-cert and --saml-signing-key go together"},
		{[]string{"--saml-signing-cert", missing, "--saml-signing-key", keyFile}, "--saml-signing-cert: open " + missing},
		{[]string{"--saml-signing-cert", certFile, "--saml-signing-key", missing}, "--saml-signing-key: open " + missing},
		{[]string{"--saml-signing-cert", notPEM, "--saml-signing-key", keyFile}, "--saml-signing-cert " + notPEM + ": certificate"},
		{[]string{"--saml-signing-cert", keyFile, "--saml-signing-key", keyFile}, "--saml-signing-cert " + keyFile + ": certificate"},
		{[]string{"--saml-signing-cert", certFile, "--saml-signing-key", notPEM}, "--saml-signing-key " + notPEM + ": signing key: no PEM block"},
		{[]string{"--saml-signing-cert", certFile, "--saml-signing-key", otherKey}, "does not match the certificate"},
		{[]string{"--saml-signing-cert", certFile, "--saml-signing-key", ecKey}, "not an RSA key"},
	} {
		_, err := ParseFlags(c.args, func(string) string { return "" }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

// Apps that have keys already (kept with --data-dir) keep them when the
// flags come later: the SP side configured with them goes on working.
func TestGivenSAMLSigningKeyLeavesStoredKeys(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--data-dir", dir, "--org-id", "o", "--api-token", "t", "--scim-base-url", "http://127.0.0.1:1/scim", "--scim-api-key", "k"}
	first := func(extra ...string) *saml.KeyPair {
		t.Helper()
		c, err := ParseFlags(append(args, extra...), func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := NewServer(c.Config)
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := srv.Close(); err != nil {
				t.Fatal(err)
			}
		}()
		o, _ := srv.Model.Org("o")
		setup, err := srv.Model.SAMLSetupOf(o, srv.Booted.AppID)
		if err != nil {
			t.Fatal(err)
		}
		return setup.Keys
	}
	generated := first()
	certFile, keyFile, given := writeKeyPair(t, t.TempDir(), "given")
	if kept := first("--saml-signing-cert", certFile, "--saml-signing-key", keyFile); !kept.Cert.Equal(generated.Cert) || kept.Cert.Equal(given.Cert) {
		t.Fatal("the stored key was replaced")
	}
}
