package mockokta

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/provsim/provsim/mockatlassian"
)

// oktaSeed is a seed whose app points at BASE (replaced by the test).
const oktaSeed = `
orgs:
  - id: dev-okta
    name: Acme Okta
    tokens: [dev-okta-token, second-token]
    users:
      - login: ada@example.com
        firstName: Ada
        lastName: Lovelace
        profile: {title: Countess}
      - login: grace@example.com
        firstName: Grace
        lastName: Hopper
        password: Tr0ub4dor&3x
      - login: staged@example.com
        firstName: Stan
        lastName: Ged
        status: STAGED
      - login: gone@example.com
        firstName: Gone
        lastName: Away
        status: DEPROVISIONED
    groups:
      - name: atlassian-test-jira-users
        members: [ada@example.com, grace@example.com]
    apps:
      - name: atlassian
        connection:
          baseUrl: BASE
          token: dev-scim-key
        toApp: {createUsers: true, updateUserAttributes: true, deactivateUsers: true}
        userNameTemplate: ${source.email}
        assign:
          groups: [atlassian-test-jira-users]
        push:
          - group: atlassian-test-jira-users
`

// seededPair starts a mockatlassian directory and a mockokta seeded to
// provision into it.
func seededPair(t *testing.T) (*Server, *mockatlassian.Server) {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Logger: logger, Options: mockatlassian.Options{Logger: logger},
		Boot: &mockatlassian.Boot{OrgID: "dev-org", DirectoryID: "dev-directory", APIKey: "dev-scim-key", VerifiedDomains: []string{"example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(atl)
	t.Cleanup(ts.Close)
	seed, err := ParseSeed([]byte(strings.Replace(oktaSeed, "BASE", ts.URL+"/scim/directory/dev-directory", 1)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(Config{Options: Options{Logger: logger}, Logger: logger, Seed: &seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv, atl
}

func TestSeedProvisionsLikeTheAPI(t *testing.T) {
	srv, atl := seededPair(t)
	o, ok := srv.Model.OrgByToken("second-token")
	if !ok || o.ID != "dev-okta" {
		t.Fatal("the seed's second token does not select the org")
	}
	if err := srv.Model.WaitIdleTimeout(o.ID, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	e := &oktaEnv{t: t, srv: srv, org: o, token: "dev-okta-token"}
	for login, status := range map[string]string{"ada@example.com": StatusActive, "grace@example.com": StatusActive,
		"staged@example.com": StatusStaged, "gone@example.com": StatusDeprovisioned} {
		if got := e.do("GET", "/api/v1/users/"+login, nil).must(t, 200).str("status"); got != status {
			t.Errorf("%s is %s, want %s", login, got, status)
		}
	}
	if got := e.do("GET", "/api/v1/users/ada@example.com", nil).str("profile.title"); got != "Countess" {
		t.Errorf("ada's title = %q", got)
	}
	// Downstream: both members provisioned and pushed.
	accts, err := atl.Model.Accounts("dev-org", "")
	if err != nil || len(accts) != 2 {
		t.Fatalf("accounts downstream = %+v, %v", accts, err)
	}
	for _, a := range accts {
		if len(a.Groups) != 1 || a.Groups[0] != "atlassian-test-jira-users" {
			t.Errorf("%s groups downstream = %v", a.Email, a.Groups)
		}
	}
	if tasks := srv.Model.Tasks(o, false); len(tasks) != 0 {
		t.Errorf("open tasks: %+v", tasks)
	}
}

func TestSeedErrors(t *testing.T) {
	cases := map[string]struct{ seed, want string }{
		"unknown field":  {"orgs:\n  - id: o\n    colour: red\n", "colour"},
		"missing id":     {"orgs:\n  - name: x\n", "id is required"},
		"unknown member": {"orgs:\n  - id: o\n    groups:\n      - name: g\n        members: [nobody@example.com]\n", "not a user of the seed"},
		"bad status":     {"orgs:\n  - id: o\n    users:\n      - login: a@example.com\n        firstName: A\n        lastName: B\n        status: HAPPY\n", "HAPPY"},
		"weak password":  {"orgs:\n  - id: o\n    users:\n      - login: a@example.com\n        firstName: A\n        lastName: B\n        password: x\n", "Password requirements"},
		"unknown group":  {"orgs:\n  - id: o\n    apps:\n      - name: atlassian\n        assign: {groups: [nope]}\n", "not a group of the seed"},
		"token reused":   {"orgs:\n  - id: o\n    tokens: [t1]\n  - id: p\n    tokens: [t1]\n", "in use"},
		"push needs connection": {"orgs:\n  - id: o\n    groups: [{name: g}]\n    apps:\n      - name: atlassian\n        push: [{group: g}]\n",
			"not enabled"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			seed, err := ParseSeed([]byte(tc.seed))
			if err == nil {
				m := New(Options{Logger: slog.New(slog.DiscardHandler)})
				defer m.Close()
				err = m.ApplySeed(seed)
			}
			msg := ""
			if err != nil {
				msg = err.Error() + " " + strings.Join(asError(unwrapAll(err)).Causes, " ")
			}
			if err == nil || !strings.Contains(msg, tc.want) {
				t.Fatalf("error = %v (%s), want one containing %q", err, msg, tc.want)
			}
		})
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

// TestSeedFileFlag: --seed-file without boot flags boots the seed's first
// org instead of a random one.
func TestSeedFileFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, []byte("orgs:\n  - id: seeded\n    tokens: [tok]\n  - id: other\n"), 0o600); err != nil {
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
	defer srv.Close()
	if srv.Booted.Org.ID != "seeded" || srv.Booted.Org.Token != "tok" || len(srv.Model.Orgs()) != 2 {
		t.Fatalf("booted %+v, orgs %v", srv.Booted, srv.Model.Orgs())
	}
}

// TestREADMESeedExample keeps the example seed of docs/state.md valid.
func TestREADMESeedExample(t *testing.T) {
	raw, err := os.ReadFile("../docs/state.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)# mockokta --seed-file\n(.*?)```").FindSubmatch(raw)
	if m == nil {
		t.Fatal("docs/state.md has no mockokta seed example")
	}
	// Its app would provision at once: point it at a closed local port.
	example := strings.ReplaceAll(string(m[1]), "http://mockatlassian:8081", "http://127.0.0.1:9")
	seed, err := ParseSeed([]byte(example))
	if err != nil {
		t.Fatalf("docs/state.md example: %v", err)
	}
	model := New(Options{Logger: slog.New(slog.DiscardHandler)})
	defer model.Close()
	if err := model.ApplySeed(seed); err != nil {
		t.Fatalf("docs/state.md example: %v", err)
	}
}

// TestSeedFromSnapshot: a snapshot document is a seed, in JSON as exported
// or in YAML, and so is one the first release wrote (version 1).
func TestSeedFromSnapshot(t *testing.T) {
	src := newWired(t, "")
	src.provisionSome()
	raw := src.do("GET", "/_sim/snapshot", nil).must(t, http.StatusOK).Raw
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
			logger := slog.New(slog.DiscardHandler)
			cfg := Config{Options: Options{Logger: logger, Clock: src.clock}, Logger: logger}
			var boot Boot
			if err := seedFromFlags(false, path, &cfg, &boot); err != nil {
				t.Fatal(err)
			}
			if boot.OrgID != "okta-org" {
				t.Fatalf("boot from a snapshot seed = %+v", boot)
			}
			cfg.Boot = &boot
			dst, err := NewServer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			if dst.Booted.Org.Token != keptKey || len(dst.Model.Orgs()) != 1 {
				t.Fatalf("booted %+v, orgs %v", dst.Booted, dst.Model.Orgs())
			}
			sameView(t, "seeded from a snapshot", apiView(t, src.srv, testToken), apiView(t, dst, testToken))
		})
	}
	old, err := LoadSeedFile(filepath.Join(release1, "snapshot.json"))
	if err != nil || old.Snapshot == nil || len(old.Snapshot.Orgs) != 2 {
		t.Fatalf("a release-1 snapshot as a seed: %+v, %v", old, err)
	}
}
