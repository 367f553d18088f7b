package httpx

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/provsim/provsim/internal/certs"
)

// HTTPS is a server's optional HTTPS side, written once for both servers:
// its listener settings (--tls-*) and, once serving, the address it is
// bound to. The zero value (or nil Listener) serves plain HTTP only.
type HTTPS struct {
	Listener *certs.Listener

	mu    sync.Mutex
	bound net.Addr
}

// SetupHTTPS prepares the HTTPS listener of the server called name, its
// certificate covering the host of publicURL too; ca, when not nil, is a
// local authority to issue it from (harness serve shares one between both
// servers), else the one kept in dataDir.
func SetupHTTPS(o certs.Options, name, dataDir, publicURL string, ca *certs.Authority) (*HTTPS, error) {
	var hosts []string
	if u, err := url.Parse(publicURL); err == nil && u.Hostname() != "" {
		hosts = append(hosts, u.Hostname())
	}
	l, err := o.Setup(name, dataDir, ca, hosts...)
	if err != nil {
		return nil, err
	}
	return &HTTPS{Listener: l}, nil
}

// Serve serves h on addr and, when HTTPS is set up, on its address too,
// until ctx ends; ready receives the plain address once both listen.
func (s *HTTPS) Serve(ctx context.Context, addr string, h http.Handler, ready func(net.Addr)) error {
	ls := []Listen{{Addr: addr}}
	if s != nil && s.Listener != nil {
		ls = append(ls, Listen{Addr: s.Listener.Addr, TLS: s.Listener.Config})
	}
	return ServeListeners(ctx, h, func(addrs []net.Addr) {
		if len(addrs) > 1 {
			s.mu.Lock()
			s.bound = addrs[1]
			s.mu.Unlock()
		}
		if ready != nil {
			ready(addrs[0])
		}
	}, ls...)
}

// URL is the HTTPS base URL a client on this machine can use ("" when
// HTTPS is off or not yet listening): a wildcard host becomes localhost,
// which the issued certificate covers.
func (s *HTTPS) URL() string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	a := s.bound
	s.mu.Unlock()
	if a == nil {
		return ""
	}
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	if port == "443" {
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		return "https://" + host
	}
	return "https://" + net.JoinHostPort(host, port)
}

// Describe is the start-up line's text: the HTTPS URL and the file
// clients must trust ("" when HTTPS is off).
func (s *HTTPS) Describe() string {
	u := s.URL()
	if u == "" {
		return ""
	}
	if f := s.CAFile(); f != "" {
		return u + "   (clients trust the CA in " + f + ")"
	}
	return u
}

// CAPEM is the certificate clients trust, nil when HTTPS is off or its
// certificate was given (clients trust its issuer already).
func (s *HTTPS) CAPEM() []byte {
	if s == nil || s.Listener == nil {
		return nil
	}
	return s.Listener.CAPEM
}

// CAFile is where CAPEM was written ("" when there is none).
func (s *HTTPS) CAFile() string {
	if s == nil || s.Listener == nil {
		return ""
	}
	return s.Listener.CAFile
}

// Close removes a CA file written to a temporary directory.
func (s *HTTPS) Close() {
	if s != nil {
		s.Listener.Close()
	}
}
