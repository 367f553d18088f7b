package mockatlassian

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

const testSeed = `
orgs:
  - id: dev-org
    name: Acme
    apiKey: dev-org-key
    verifiedDomains: [example.com]
    unverifiedDomains: [example.net]
    directories:
      - id: dev-directory
        name: Okta users
        apiKey: dev-scim-key
    sites:
      - name: acme.atlassian.net
        products: [jira-software, confluence]
    accounts:
      - email: linus@example.com
        displayName: Linus Torvalds
    groups:
      - name: site-admins
        members: [linus@example.com]
        access: [acme.atlassian.net/jira-software, acme.atlassian.net/confluence]
  - id: second-org
    directories:
      - id: second-directory
        apiKey: second-key
`

func TestSeedBuildsTheOrganization(t *testing.T) {
	seed, err := ParseSeed([]byte(testSeed))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) { c.Boot, c.Seed = nil, &seed })
	m := e.srv.Model
	if got := m.Orgs(); strings.Join(got, ",") != "dev-org,second-org" {
		t.Fatalf("orgs = %v", got)
	}
	if m.Authenticate("dev-directory", "dev-scim-key") != AuthOK || m.Authenticate("second-directory", "second-key") != AuthOK ||
		m.AuthenticateOrg("dev-org", "dev-org-key") != AuthOK {
		t.Fatal("seeded keys do not authenticate")
	}
	org, _ := m.Org("dev-org")
	if len(org.Domains) != 2 || !org.Domains[0].Verified || org.Domains[1].Verified || len(org.Sites) != 1 {
		t.Fatalf("org = %+v", org)
	}
	a, err := m.Account("dev-org", "linus@example.com")
	if err != nil || a.Origin != "existing" || len(a.ProductAccess) != 2 || a.Groups[0] != "site-admins" {
		t.Fatalf("linus = %+v, %v", a, err)
	}
	// Provisioning links to the seeded account, as for any existing one.
	r := e.call("POST", "/scim/directory/dev-directory/Users", "Bearer dev-scim-key", userBody("linus@example.com")).wantStatus(t, http.StatusCreated)
	if r.str("urn:scim:schemas:extension:atlassian-external:1.0.atlassianAccountId") != a.ID {
		t.Fatalf("provisioned user not linked to the seeded account: %s", r.Raw)
	}
}

func TestSeedErrors(t *testing.T) {
	cases := map[string]struct{ seed, want string }{
		"unknown field":     {"orgs:\n  - id: o\n    colour: red\n", "colour"},
		"missing id":        {"orgs:\n  - name: x\n", "id is required"},
		"directory key":     {"orgs:\n  - id: o\n    directories:\n      - id: d\n", "apiKey"},
		"unknown product":   {"orgs:\n  - id: o\n    sites:\n      - name: a.atlassian.net\n        products: [trello]\n", "unknown product"},
		"member not there":  {"orgs:\n  - id: o\n    groups:\n      - name: g\n        members: [nobody@example.com]\n", "does not exist"},
		"access bad format": {"orgs:\n  - id: o\n    groups:\n      - name: g\n        access: [jira]\n", "SITE/PRODUCT"},
		"duplicate org":     {"orgs:\n  - id: o\n  - id: o\n", "already exists"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			seed, err := ParseSeed([]byte(tc.seed))
			if err == nil {
				m, _ := New(Options{Logger: slog.New(slog.DiscardHandler)})
				err = m.ApplySeed(seed)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestSeedFileFlag: --seed-file without boot flags boots the seed's first
// organization and directory instead of a random one.
func TestSeedFileFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, []byte(testSeed), 0o600); err != nil {
		t.Fatal(err)
	}
	cli, err := ParseFlags([]string{"--seed-file", path}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cli.Config.Logger = slog.New(slog.DiscardHandler)
	srv, err := NewServer(cli.Config)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Booted.Org.ID != "dev-org" || srv.Booted.Directory.ID != "dev-directory" || srv.Booted.Directory.APIKey != "dev-scim-key" {
		t.Fatalf("booted = %+v", srv.Booted)
	}
	if n := len(srv.Model.Orgs()); n != 2 {
		t.Fatalf("%d organizations, want the seed's 2", n)
	}
	// With a boot flag, the boot organization is made besides the seed.
	cli, err = ParseFlags([]string{"--seed-file", path, "--org-id", "boot"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cli.Config.Logger = slog.New(slog.DiscardHandler)
	if srv, err = NewServer(cli.Config); err != nil || len(srv.Model.Orgs()) != 3 {
		t.Fatalf("NewServer = %v, orgs %v", err, srv.Model.Orgs())
	}
	if _, err := ParseFlags([]string{"--seed-file", path + ".missing"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("a missing seed file was accepted")
	}
}

// TestREADMESeedExample keeps the example seed of docs/state.md valid.
func TestREADMESeedExample(t *testing.T) {
	raw, err := os.ReadFile("../docs/state.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)# mockatlassian --seed-file\n(.*?)```").FindSubmatch(raw)
	if m == nil {
		t.Fatal("docs/state.md has no mockatlassian seed example")
	}
	seed, err := ParseSeed(m[1])
	if err != nil {
		t.Fatalf("docs/state.md example: %v", err)
	}
	model, _ := New(Options{Logger: slog.New(slog.DiscardHandler)})
	if err := model.ApplySeed(seed); err != nil {
		t.Fatalf("docs/state.md example: %v", err)
	}
}

// TestSeedFromSnapshot: a snapshot document is a seed, in JSON as exported
// or in YAML, and so is one the first release wrote (version 1).
func TestSeedFromSnapshot(t *testing.T) {
	src := populated(t)
	raw := src.call("GET", "/_sim/snapshot", "", nil).wantStatus(t, http.StatusOK).Raw
	asYAML, err := yaml.JSONToYAML(raw)
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string][]byte{"json": raw, "yaml": asYAML} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "seed."+name)
			if err := os.WriteFile(path, doc, 0o600); err != nil {
				t.Fatal(err)
			}
			cli, err := ParseFlags([]string{"--seed-file", path}, func(string) string { return "" }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			boot := cli.Config.Boot
			if boot == nil || boot.OrgID != testOrg || boot.DirectoryID != testDir {
				t.Fatalf("boot from a snapshot seed = %+v", boot)
			}
			dst := newEnv(t, func(c *Config) { c.Boot, c.Seed = boot, cli.Config.Seed })
			sameView(t, "seeded from a snapshot", src.apiView(testCredentials), dst.apiView(testCredentials))
		})
	}
	old, err := LoadSeedFile(filepath.Join(release1, "snapshot.json"))
	if err != nil || old.Snapshot == nil || len(old.Snapshot.Orgs) != 2 {
		t.Fatalf("a release-1 snapshot as a seed: %+v, %v", old, err)
	}
}
