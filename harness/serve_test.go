package harness

import (
	"io"
	"slices"
	"testing"

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
