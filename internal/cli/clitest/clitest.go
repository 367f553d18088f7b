// Package clitest runs provsim's commands in tests the way a shell would:
// arguments, environment, output and exit code.
package clitest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/provsim/provsim/internal/cli"
)

// Result is a finished command.
type Result struct {
	Code           int
	Stdout, Stderr string
}

// Run runs cmd with args and the environment env (nothing else of the
// process's environment).
func Run(cmd *cobra.Command, env map[string]string, args ...string) Result {
	var out, errb bytes.Buffer
	code := cli.Execute(context.Background(), cmd, args, &out, &errb, func(k string) string { return env[k] })
	return Result{code, out.String(), errb.String()}
}

// syncBuffer is a buffer a running server writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Server is a server command running in the background.
type Server struct {
	out, errb *syncBuffer
	cancel    context.CancelFunc
	done      chan int
}

// Start runs a server command until the test ends (or Stop), and waits
// until its standard output has printed until (the end of a boot banner).
func Start(t *testing.T, cmd *cobra.Command, env map[string]string, until string, args ...string) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{out: &syncBuffer{}, errb: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() {
		s.done <- cli.Execute(ctx, cmd, args, s.out, s.errb, func(k string) string { return env[k] })
	}()
	t.Cleanup(func() { s.Stop() })
	deadline := time.After(10 * time.Second)
	for !strings.Contains(s.out.String(), until) {
		select {
		case code := <-s.done:
			s.done <- code
			t.Fatalf("%v exited %d before it was up:\n%s\n%s", args, code, s.out.String(), s.errb.String())
		case <-deadline:
			t.Fatalf("%v: not up after 10s:\n%s\n%s", args, s.out.String(), s.errb.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return s
}

// Stdout is what the server has printed so far.
func (s *Server) Stdout() string { return s.out.String() }

var listening = regexp.MustCompile(`(\S+) listening on http://(\S+)`)

// Addr is where the named server said it listens.
func (s *Server) Addr(name string) string {
	for _, m := range listening.FindAllStringSubmatch(s.out.String(), -1) {
		if m[1] == name {
			return m[2]
		}
	}
	return ""
}

var httpsLine = regexp.MustCompile(`HTTPS:\s+(https://\S+)(?:\s+\(clients trust the CA in (\S+)\))?`)

// HTTPS is the HTTPS URL and the CA file the server's start-up lines name
// ("" when they name none).
func (s *Server) HTTPS() (url, caFile string) {
	if m := httpsLine.FindStringSubmatch(s.out.String()); m != nil {
		return m[1], m[2]
	}
	return "", ""
}

// Trusting is an HTTP client that trusts only the CA certificate in caFile,
// as a client told to trust that file does.
func Trusting(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("%s holds no certificate", caFile)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// Stop ends the server as SIGTERM would and returns its exit code.
func (s *Server) Stop() int {
	s.cancel()
	code := <-s.done
	s.done <- code
	return code
}
