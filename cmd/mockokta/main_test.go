package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/cli/clitest"
)

func TestHelpVersionAndUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"healthcheck", "--help"}, {"help", "healthcheck"}, {"completion", "zsh"}, {"--version"}} {
		if r := clitest.Run(command(), nil, args...); r.Code != 0 || r.Stdout == "" {
			t.Errorf("%v: exit %d\n%s", args, r.Code, r.Stderr)
		}
	}
	help := clitest.Run(command(), nil, "--help").Stdout
	for _, want := range []string{"healthcheck", "--scim-base-url URL", "--scim-api-key string", "[env MOCKOKTA_SCIM_API_KEY]", "[env MOCKOKTA_API_TOKEN]"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if strings.Contains(help, "atlassian-scim") {
		t.Error("help shows the old names")
	}
	if v := clitest.Run(command(), nil, "--version").Stdout; !strings.HasPrefix(v, "mockokta 0.") || !strings.Contains(v, "\ncommit: ") {
		t.Errorf("--version: %q", v)
	}
	for _, args := range [][]string{{"stray"}, {"--backoff", "never"}, {"--scim-base-url", "http://x"}} {
		if r := clitest.Run(command(), nil, args...); r.Code != 2 || !strings.Contains(r.Stderr, "Run 'mockokta --help' for usage.") {
			t.Errorf("%v: exit %d\n%s", args, r.Code, r.Stderr)
		}
	}
}

// The server starts from its environment, old variable names included
// (MOCKOKTA_ATLASSIAN_SCIM_URL and _TOKEN: compose files and
// harness/containers set them), answers its health check, and stops
// cleanly on a signal.
func TestServeAndHealthcheck(t *testing.T) {
	srv := clitest.Start(t, command(), map[string]string{"MOCKOKTA_API_TOKEN": "s3cret-t0ken",
		"MOCKOKTA_ATLASSIAN_SCIM_URL": "http://127.0.0.1:1/scim/directory/d", "MOCKOKTA_ATLASSIAN_SCIM_TOKEN": "key"},
		"control API:", "--addr", "127.0.0.1:0")
	addr := srv.Addr("mockokta")
	if !strings.Contains(srv.Stdout(), "Atlassian app:") || strings.Contains(srv.Stdout(), "s3cret-t0ken") {
		t.Fatalf("boot banner:\n%s", srv.Stdout())
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/apps", nil)
	req.Header.Set("Authorization", "SSWS s3cret-t0ken")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Management API with the token: %v %v", resp, err)
	}
	resp.Body.Close()
	if r := clitest.Run(command(), nil, "healthcheck", "--addr", addr); r.Code != 0 {
		t.Fatalf("healthcheck: %d %s", r.Code, r.Stderr)
	}
	if code := srv.Stop(); code != 0 {
		t.Fatalf("stop: exit %d", code)
	}
}

// --public-url (MOCKOKTA_PUBLIC_URL, which compose.yaml sets) is the base
// of the start-up lines' URLs; the listen address stays first.
func TestPublicURL(t *testing.T) {
	srv := clitest.Start(t, command(), map[string]string{"MOCKOKTA_PUBLIC_URL": "http://127.0.0.1:18080", "MOCKOKTA_API_TOKEN": "t"},
		"control API:", "--addr", "127.0.0.1:0")
	out := srv.Stdout()
	for _, want := range []string{"listening on http://" + srv.Addr("mockokta") + " (http://127.0.0.1:18080)\n",
		"control API:    http://127.0.0.1:18080/_sim/\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("boot banner lacks %q:\n%s", want, out)
		}
	}
	srv.Stop()
}

// --tls-addr serves HTTPS beside HTTP with a certificate from a local CA
// kept with --data-dir: the CA file named at start is what clients trust,
// GET /_sim/tls/ca.pem hands it out without the control token, and after a
// restart the same file still works.
func TestHTTPS(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"MOCKOKTA_API_TOKEN": "t", "MOCKOKTA_CONTROL_TOKEN": "ctl", "MOCKOKTA_TLS_ADDR": "127.0.0.1:0"}
	start := func() (string, string, *clitest.Server) {
		srv := clitest.Start(t, command(), env, "control API:", "--addr", "127.0.0.1:0", "--data-dir", dir)
		base, caFile := srv.HTTPS()
		if base == "" || caFile == "" {
			t.Fatalf("boot banner names no HTTPS URL or CA file:\n%s", srv.Stdout())
		}
		return base, caFile, srv
	}
	base, caFile, srv := start()
	c := clitest.Trusting(t, caFile)
	get := func(path, auth string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	if resp, _ := get("/api/v1/apps", "SSWS t"); resp.StatusCode != 200 {
		t.Fatalf("Management API over HTTPS: %s", resp.Status)
	}
	ca, _ := os.ReadFile(caFile)
	if resp, body := get("/_sim/tls/ca.pem", ""); resp.StatusCode != 200 || !bytes.Equal(body, ca) {
		t.Fatalf("/_sim/tls/ca.pem without the control token: %s, same file %v", resp.Status, bytes.Equal(body, ca))
	}
	if resp, _ := get("/_sim/orgs", ""); resp.StatusCode != 401 {
		t.Fatalf("other control routes still need the token: %s", resp.Status)
	}
	srv.Stop()
	base, again, _ := start()
	if again != caFile {
		t.Fatalf("CA file moved: %s, then %s", caFile, again)
	}
	if resp, _ := get("/api/v1/apps", "SSWS t"); resp.StatusCode != 200 {
		t.Fatalf("after a restart, through the CA file people already trust: %s", resp.Status)
	}
	if r := clitest.Run(command(), nil, "--tls-cert", "c.pem"); r.Code != 2 || !strings.Contains(r.Stderr, "go together") {
		t.Errorf("--tls-cert alone: exit %d %s", r.Code, r.Stderr)
	}
}

// A SAML signing key file that cannot be read stops the start, saying
// which flag and file.
func TestBadSAMLSigningKeyFile(t *testing.T) {
	missing := t.TempDir() + "/cert.pem"
	r := clitest.Run(command(), map[string]string{"MOCKOKTA_SAML_SIGNING_KEY": missing}, "--saml-signing-cert", missing)
	if r.Code != 2 || !strings.Contains(r.Stderr, "--saml-signing-cert: open "+missing+": no such file or directory") {
		t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
	}
}
