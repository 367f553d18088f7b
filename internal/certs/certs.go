// Package certs gives both simulators their HTTPS certificates: a
// certificate someone gave (PEM files), or one issued at each start by a
// local certificate authority that is generated once and kept with the
// server's state, so the CA file people trust stays valid across restarts.
// Clients that insist on https (okta-sdk-golang's org URL, Secure cookies
// on sign-in pages, an org URL without a port) then work against a
// simulator as they do against the real services.
package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options are the HTTPS settings of one server (its --tls-* flags).
type Options struct {
	// Addr is where the HTTPS listener listens ("" : no HTTPS).
	Addr string
	// CertFile and KeyFile are a given certificate (chain) and its key, in
	// PEM; both or neither. Without them a certificate is issued by the
	// local authority.
	CertFile, KeyFile string
	// Hosts are more names and addresses the issued certificate covers,
	// besides localhost, 127.0.0.1, ::1 and the host of the public URL.
	Hosts []string
	// CAFile is where to write the authority's certificate for clients to
	// trust; default DIR/tls/ca.pem with a data directory, else a file in a
	// temporary directory.
	CAFile string
}

// Enabled reports whether the server listens for HTTPS.
func (o Options) Enabled() bool { return o.Addr != "" }

// Check reports settings that cannot work, before anything starts.
func (o Options) Check() error {
	if (o.CertFile == "") != (o.KeyFile == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if !o.Enabled() && (o.CertFile != "" || len(o.Hosts) > 0 || o.CAFile != "") {
		return errors.New("--tls-cert, --tls-key, --tls-host and --tls-ca-file need --tls-addr")
	}
	if o.Addr != "" {
		if _, _, err := net.SplitHostPort(o.Addr); err != nil {
			return fmt.Errorf("--tls-addr %q: want HOST:PORT", o.Addr)
		}
	}
	for _, h := range o.Hosts {
		if h == "" || strings.ContainsAny(h, " /:") && net.ParseIP(h) == nil {
			return fmt.Errorf("--tls-host %q: want a DNS name or an IP address", h)
		}
	}
	return nil
}

// Listener is a server's HTTPS listener once set up.
type Listener struct {
	Addr   string
	Config *tls.Config
	// CAPEM is the certificate clients should trust (the authority's), and
	// CAFile where it was written; both empty for a given certificate,
	// which clients are expected to trust already.
	CAPEM  []byte
	CAFile string
	// cleanup removes a CA file written to a temporary directory.
	cleanup func()
}

// Close removes what Setup wrote outside the data directory.
func (l *Listener) Close() {
	if l != nil && l.cleanup != nil {
		l.cleanup()
	}
}

// Setup prepares the HTTPS listener of the server called name ("mockokta"):
// the given certificate, or one issued by ca, or else by the authority kept
// in dataDir/tls ("" : a new one in memory). hosts are names the issued
// certificate covers besides the options' own (the public URL's host).
func (o Options) Setup(name, dataDir string, ca *Authority, hosts ...string) (*Listener, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	if !o.Enabled() {
		return nil, nil
	}
	l := &Listener{Addr: o.Addr}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		l.Config = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		return l, nil
	}
	if ca == nil {
		var err error
		if ca, err = OpenAuthority(dataDir); err != nil {
			return nil, err
		}
	}
	cert, err := ca.Issue(name, append(slices.Clone(o.Hosts), hosts...))
	if err != nil {
		return nil, err
	}
	l.Config = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	l.CAPEM = ca.PEM()
	switch {
	case o.CAFile != "":
		l.CAFile = o.CAFile
	case ca.file != "":
		l.CAFile = ca.file
	default:
		dir, err := os.MkdirTemp("", name+"-tls-")
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		l.CAFile = filepath.Join(dir, "ca.pem")
		l.cleanup = func() { _ = os.RemoveAll(dir) }
	}
	if l.CAFile != ca.file {
		if err := writeFileAtomic(l.CAFile, l.CAPEM, 0o644); err != nil {
			l.Close()
			return nil, fmt.Errorf("tls: CA file: %w", err)
		}
	}
	return l, nil
}

// Authority is a local certificate authority: a self-signed CA whose key
// signs the servers' certificates.
type Authority struct {
	cert *x509.Certificate
	key  crypto.Signer
	pem  []byte
	file string // DIR/tls/ca.pem when kept with a data directory

	mu     sync.Mutex
	serial int64
}

// caValidity is how long a generated authority lasts: long enough that a
// data directory kept for years still works.
const caValidity = 10 * 365 * 24 * time.Hour

// leafValidity is how long an issued certificate lasts. A fresh one is
// issued at every start, so it never needs renewing in place; browsers
// refuse server certificates that last more than 398 days.
const leafValidity = 397 * 24 * time.Hour

// OpenAuthority loads the authority kept in dataDir/tls (ca.pem and
// ca-key.pem), making and saving one the first time; with dataDir "" it
// makes one in memory.
func OpenAuthority(dataDir string) (*Authority, error) {
	if dataDir == "" {
		return NewAuthority()
	}
	dir := filepath.Join(dataDir, "tls")
	certFile, keyFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	certPEM, err := os.ReadFile(certFile)
	if errors.Is(err, fs.ErrNotExist) {
		a, err := NewAuthority()
		if err != nil {
			return nil, err
		}
		if err := a.save(dir, certFile, keyFile); err != nil {
			return nil, err
		}
		return a, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("tls: %s: %w", dir, err)
	}
	signer, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("tls: %s: the CA key cannot sign", keyFile)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("tls: %s: %w", certFile, err)
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("tls: %s is not a CA certificate", certFile)
	}
	return &Authority{cert: cert, key: signer, pem: certPEM, file: certFile, serial: time.Now().UnixNano()}, nil
}

// NewAuthority makes a new authority in memory.
func NewAuthority() (*Authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{Organization: []string{"provsim"}, CommonName: "provsim local CA " + now.UTC().Format("2006-01-02 15:04:05")},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &Authority{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		serial: now.UnixNano() + 1}, nil
}

// PEM is the authority's certificate, the file clients trust.
func (a *Authority) PEM() []byte { return bytes.Clone(a.pem) }

// File is where the authority's certificate is kept ("" in memory).
func (a *Authority) File() string { return a.file }

// Pool is a certificate pool holding the authority, for Go clients.
func (a *Authority) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(a.cert)
	return p
}

// Issue makes a server certificate for localhost, 127.0.0.1, ::1 and hosts
// (DNS names or IP addresses; a name may be a wildcard, *.okta.test).
func (a *Authority) Issue(name string, hosts []string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: %w", err)
	}
	a.mu.Lock()
	a.serial++
	serial := a.serial
	a.mu.Unlock()
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{Organization: []string{"provsim"}, CommonName: name},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(leafValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range append([]string{"localhost", "127.0.0.1", "::1"}, hosts...) {
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(tmpl.IPAddresses, ip.Equal) {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else if h != "" && !slices.Contains(tmpl.DNSNames, h) {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der, a.cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// save writes the authority to dir: the key readable by its owner only.
// The certificate goes last, so a crash in between leaves no CA file
// without its key (the next start makes a new pair).
func (a *Authority) save(dir, certFile, keyFile string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(a.key)
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	if err := writeFileAtomic(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	if err := writeFileAtomic(certFile, a.pem, 0o644); err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	a.file = certFile
	return nil
}

// writeFileAtomic writes data to a temporary file beside path, then
// renames it over path, so readers never see half a file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(f.Name()) }() // gone after the rename; otherwise a leftover temporary file
	if _, err := f.Write(data); err != nil {
		_ = f.Close() // the earlier error is the one to report
		return err
	}
	if err := f.Chmod(perm); err != nil {
		_ = f.Close() // the earlier error is the one to report
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close() // the earlier error is the one to report
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
