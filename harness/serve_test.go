package harness

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta"
)

// harness serve takes every setting of both servers: a flag a server
// gains appears in serve under its serve name (or is wired, for mockokta's
// SCIM connection).
func TestServeTakesEveryServerFlag(t *testing.T) {
	serve := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	ServeFlags(serve)
	for side, register := range map[string]func(*pflag.FlagSet){
		"atlassian": (&mockatlassian.Flags{}).Register,
		"okta":      (&mockokta.Flags{}).Register,
	} {
		fs := pflag.NewFlagSet(side, pflag.ContinueOnError)
		register(fs)
		fs.VisitAll(func(f *pflag.Flag) {
			name := serveName(side, f.Name)
			if name == "" {
				return
			}
			sf := serve.Lookup(name)
			if sf == nil || sf.Value.Type() != f.Value.Type() {
				t.Errorf("%s's --%s is not in harness serve as --%s", side, f.Name, name)
			}
		})
	}
}

func TestServeFlags(t *testing.T) {
	c, err := ParseServeFlags(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ab, ob := c.Atlassian.Config.Boot, c.Okta.Config.Boot
	if ab.OrgID != "dev-org" || ab.DirectoryID != "dev-directory" || ab.APIKey != "dev-scim-key" || ab.OrgAPIKey != "dev-org-key" ||
		!slices.Equal(ab.VerifiedDomains, []string{"example.com"}) || len(ab.Sites) != 1 || ob.OrgID != "dev-okta" || ob.APIToken != "dev-okta-token" ||
		c.Atlassian.Addr != "127.0.0.1:8081" || c.Okta.Addr != "127.0.0.1:8080" || !c.ShowAtlassianKeys || !c.ShowOktaToken {
		t.Fatalf("development defaults: %+v %+v %+v", c, ab, ob)
	}

	env := map[string]string{"HARNESS_API_KEY": "old-env-key", "HARNESS_JOURNAL_SIZE": "7", "HARNESS_BACKOFF": "virtual"}
	c, err = ParseServeFlags([]string{"--seed", "9", "--data-dir", "/tmp/x", "--control-token", "ct", "--okta-token", "old-flag-token",
		"--okta-org-id", "o1", "--atlassian-org-id", "a1", "--verified-domain", "acme.com", "--delete-mode", "deactivate",
		"--okta-addr", ":1", "--atlassian-addr", ":2", "--org-api-key", "ok"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, o := c.Atlassian.Config, c.Okta.Config
	switch {
	case a.Options.Seed != 9 || o.Options.Seed != 9, a.DataDir != "/tmp/x" || o.DataDir != "/tmp/x", a.ControlToken != "ct" || o.ControlToken != "ct",
		a.Journal.MaxEntries != 7 || o.Journal.MaxEntries != 7:
		t.Errorf("a setting both take reaches both: %+v / %+v", a, o)
	case a.Boot.APIKey != "old-env-key" || o.Boot.APIToken != "old-flag-token" || a.Boot.OrgAPIKey != "ok":
		t.Errorf("old names: %+v %+v", a.Boot, o.Boot)
	case a.Boot.OrgID != "a1" || o.Boot.OrgID != "o1" || c.Okta.Addr != ":1" || c.Atlassian.Addr != ":2":
		t.Errorf("side flags: %+v %+v", a.Boot, o.Boot)
	case !slices.Equal(a.Boot.VerifiedDomains, []string{"acme.com"}) || a.Options.DeleteMode != "deactivate":
		t.Errorf("server settings: %+v", a)
	case c.ShowAtlassianKeys || c.ShowOktaToken:
		t.Errorf("keys someone chose are not printed")
	}
	for _, bad := range [][]string{{"--api-token", "x"}, {"--addr", ":1"}, {"--seed-file", "x"}, {"--scim-base-url", "x"}, {"stray"}} {
		if _, err := ParseServeFlags(bad, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("%v: ambiguous or wired flag accepted", bad)
		}
	}
}

// With --okta-tls-addr and --atlassian-tls-addr both servers serve HTTPS
// with certificates from one local CA: one file to trust.
func TestServeHTTPS(t *testing.T) {
	c, err := ParseServeFlags([]string{"--okta-addr", "127.0.0.1:0", "--atlassian-addr", "127.0.0.1:0",
		"--okta-tls-addr", "127.0.0.1:0", "--atlassian-tls-addr", "127.0.0.1:0"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out syncWriter
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, c, &out, io.Discard) }()
	deadline := time.Now().Add(10 * time.Second)
	var lines [][]string
	for len(lines) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		lines = regexp.MustCompile(`HTTPS:\s+(\S+)\s+\(clients trust the CA in (\S+)\)`).FindAllStringSubmatch(out.String(), -1)
	}
	if len(lines) != 2 || lines[0][2] != lines[1][2] {
		t.Fatalf("want two HTTPS lines naming one CA file:\n%s", out.String())
	}
	caFile := lines[0][2]
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, l := range lines {
		resp, err := client.Get(l[1] + "/_sim/health")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", l[1], resp, err)
		}
		resp.Body.Close()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(caFile); !os.IsNotExist(err) {
		t.Errorf("the temporary CA file outlived serve: %v", err)
	}
}

// syncWriter is a buffer one goroutine writes while another reads.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// harness serve wires single sign-on between the pair it starts: the boot
// app signs in to the boot organization.
func TestServeWiresSAML(t *testing.T) {
	c, err := ParseServeFlags([]string{"--okta-addr", "127.0.0.1:0", "--atlassian-addr", "127.0.0.1:0"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out syncWriter
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, c, &out, io.Discard) }()
	re := regexp.MustCompile(`SAML single sign-on: .* signs in to (http://\S+)/saml/\S+; sign in at (\S+)`)
	var m []string
	for deadline := time.Now().Add(20 * time.Second); m == nil && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		m = re.FindStringSubmatch(out.String())
	}
	if m == nil {
		t.Fatalf("no SAML line:\n%s", out.String())
	}
	resp, err := http.Get(m[2])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the dashboard's sign-in: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
