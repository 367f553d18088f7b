package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/cli/clitest"
)

func TestHelpVersionAndUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"healthcheck", "--help"}, {"help", "healthcheck"}, {"completion", "bash"}, {"--version"}} {
		if r := clitest.Run(command(), nil, args...); r.Code != 0 || r.Stdout == "" {
			t.Errorf("%v: exit %d\n%s", args, r.Code, r.Stderr)
		}
	}
	help := clitest.Run(command(), nil, "--help").Stdout
	for _, want := range []string{"healthcheck", "completion", "--scim-api-key string", "[env MOCKATLASSIAN_SCIM_API_KEY]", "[env MOCKATLASSIAN_ADDR]"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if v := clitest.Run(command(), nil, "--version").Stdout; !strings.HasPrefix(v, "mockatlassian 0.") || !strings.Contains(v, "\ncommit: ") || !strings.Contains(v, "\ngo:     go1.") {
		t.Errorf("--version: %q", v)
	}
	for _, args := range [][]string{{"stray"}, {"--nope"}, {"--delete-mode", "nuke"}, {"--site"}} {
		if r := clitest.Run(command(), nil, args...); r.Code != 2 || !strings.Contains(r.Stderr, "Run 'mockatlassian --help' for usage.") {
			t.Errorf("%v: exit %d\n%s", args, r.Code, r.Stderr)
		}
	}
}

// The server starts from its environment, old variable names included
// (MOCKATLASSIAN_API_KEY: compose files and harness/containers set it),
// answers its health check, and stops cleanly on a signal.
func TestServeAndHealthcheck(t *testing.T) {
	srv := clitest.Start(t, command(), map[string]string{"MOCKATLASSIAN_API_KEY": "old-name-key", "MOCKATLASSIAN_DIRECTORY_ID": "d1"},
		"control API:", "--addr", "127.0.0.1:0")
	addr := srv.Addr("mockatlassian")
	if !strings.Contains(srv.Stdout(), "SCIM base URL:      http://"+addr+"/scim/directory/d1") || strings.Contains(srv.Stdout(), "old-name-key") {
		t.Fatalf("boot banner:\n%s", srv.Stdout())
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/scim/directory/d1/Users", nil)
	req.Header.Set("Authorization", "Bearer old-name-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("SCIM with the key: %v %v", resp, err)
	}
	resp.Body.Close()
	if r := clitest.Run(command(), map[string]string{"MOCKATLASSIAN_ADDR": addr}, "healthcheck"); r.Code != 0 {
		t.Fatalf("healthcheck: %d %s", r.Code, r.Stderr)
	}
	if code := srv.Stop(); code != 0 {
		t.Fatalf("stop: exit %d", code)
	}
	if r := clitest.Run(command(), nil, "healthcheck", addr); r.Code != 1 {
		t.Fatalf("healthcheck of a stopped server: exit %d", r.Code)
	}
}

// In a container the server listens on 0.0.0.0 and is reached at a
// published port: --public-url (MOCKATLASSIAN_PUBLIC_URL, which
// compose.yaml sets) is what the start-up lines name, the listen address
// staying first; a bad one is a usage error.
func TestPublicURL(t *testing.T) {
	srv := clitest.Start(t, command(), map[string]string{"MOCKATLASSIAN_PUBLIC_URL": "http://127.0.0.1:18081/", "MOCKATLASSIAN_DIRECTORY_ID": "d1"},
		"control API:", "--addr", "127.0.0.1:0")
	out := srv.Stdout()
	for _, want := range []string{"listening on http://" + srv.Addr("mockatlassian") + " (http://127.0.0.1:18081)\n",
		"SCIM base URL:      http://127.0.0.1:18081/scim/directory/d1\n", "control API:        http://127.0.0.1:18081/_sim/\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("boot banner lacks %q:\n%s", want, out)
		}
	}
	srv.Stop()
	for _, bad := range []string{"127.0.0.1:8081", "ftp://x", "http://x/?a=b"} {
		if r := clitest.Run(command(), nil, "--public-url", bad); r.Code != 2 {
			t.Errorf("--public-url %s: exit %d\n%s", bad, r.Code, r.Stderr)
		}
	}
}

// --tls-addr serves the SCIM API over HTTPS with a certificate from a
// local CA, which GET /_sim/tls/ca.pem hands out.
func TestHTTPS(t *testing.T) {
	srv := clitest.Start(t, command(), map[string]string{"MOCKATLASSIAN_TLS_ADDR": "127.0.0.1:0"}, "control API:",
		"--addr", "127.0.0.1:0", "--directory-id", "d", "--scim-api-key", "k")
	base, caFile := srv.HTTPS()
	if base == "" || caFile == "" {
		t.Fatalf("boot banner names no HTTPS URL or CA file:\n%s", srv.Stdout())
	}
	c := clitest.Trusting(t, caFile)
	req, _ := http.NewRequest("GET", base+"/scim/directory/d/Users", nil)
	req.Header.Set("Authorization", "Bearer k")
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("SCIM over HTTPS: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = c.Get(base + "/_sim/tls/ca.pem")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/_sim/tls/ca.pem: %v %v", resp, err)
	}
	resp.Body.Close()
}
