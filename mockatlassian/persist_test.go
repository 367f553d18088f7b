package mockatlassian

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/scim"
)

// withDataDir keeps the test server's state in dir.
func withDataDir(dir string) func(*Config) {
	return func(c *Config) { c.DataDir, c.Logger = dir, slog.New(slog.DiscardHandler) }
}

// reopen closes e's server and starts a new one with the same config.
func reopen(t *testing.T, e *testEnv, mutate ...func(*Config)) *testEnv {
	t.Helper()
	if err := e.srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	cfg := e.srv.cfg
	for _, f := range mutate {
		f(&cfg)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer after restart: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &testEnv{t: t, srv: srv, clock: e.clock, key: e.key}
}

func TestDataDirSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := populated(t, withDataDir(dir))
	before := e.apiView(testCredentials)

	e2 := reopen(t, e)
	sameView(t, "restart", before, e2.apiView(testCredentials))
	if e2.srv.Booted.Org.ID != testOrg || e2.srv.Booted.Directory.ID != testDir {
		t.Fatalf("booted = %+v", e2.srv.Booted)
	}
	if n := len(e2.srv.Model.Orgs()); n != 1 {
		t.Fatalf("%d organizations after restart: the boot made another", n)
	}
	e2.createUser("after@example.com")
}

// stored reads one record of the test organization from the store, as
// the next start would load it; "" when absent.
func stored(t *testing.T, e *testEnv, kind, field, value string) string {
	t.Helper()
	tenants, err := e.srv.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range tenants {
		for _, raw := range tr.Records[kind] {
			if strings.Contains(string(raw), `"`+field+`":"`+value+`"`) {
				return string(raw)
			}
		}
	}
	return ""
}

// TestWriteIsStoredBeforeTheAnswer reads the store as soon as a write is
// answered: the change must already be committed.
func TestWriteIsStoredBeforeTheAnswer(t *testing.T) {
	e := newEnv(t, withDataDir(t.TempDir()))
	t.Cleanup(func() { _ = e.srv.Close() })
	id := e.createUser("ada@example.com")
	if stored(t, e, kindUser, "id", id) == "" {
		t.Fatal("an acknowledged POST /Users is not in the store")
	}
	e.scim("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": "Countess"}}}).
		wantStatus(t, http.StatusOK)
	if !strings.Contains(stored(t, e, kindUser, "id", id), "Countess") {
		t.Fatal("an acknowledged PATCH is not in the store")
	}
	// A rejected write stores nothing new.
	before, _ := e.srv.store.Load()
	e.scim("POST", "/Users", userBody("ada@example.com")).wantStatus(t, http.StatusConflict)
	if after, _ := e.srv.store.Load(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatal("a rejected write changed the store")
	}
	// When the store fails, the client is told: 500, not 2xx.
	_ = e.srv.store.Close()
	r := e.scim("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": "Lost"}}})
	if r.Status != http.StatusInternalServerError || !strings.Contains(string(r.Raw), "could not be saved") {
		t.Fatalf("write with a failed store: %d %s", r.Status, r.Raw)
	}
}

func TestDataDirRandomBootIsFoundAgain(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir, Boot: &Boot{}, Logger: slog.New(slog.DiscardHandler)}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	first := *srv.Booted
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	srv, err = NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if srv.Booted.Org.ID != first.Org.ID || srv.Booted.Directory.ID != first.Directory.ID || len(srv.Model.Orgs()) != 1 {
		t.Fatalf("restart booted %+v (orgs %v), first start %+v", srv.Booted, srv.Model.Orgs(), first)
	}
	if srv.Booted.Directory.APIKey != keptKey {
		t.Fatalf("a generated key was shown again: %q", srv.Booted.Directory.APIKey)
	}
	if srv.Model.Authenticate(first.Directory.ID, first.Directory.APIKey) != AuthOK {
		t.Fatal("the key generated at the first start no longer works")
	}
}

func TestDataDirSeedAppliesOnce(t *testing.T) {
	seed, err := ParseSeed([]byte(testSeed))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, withDataDir(t.TempDir()), func(c *Config) { c.Boot, c.Seed = nil, &seed })
	e.call("POST", "/scim/directory/dev-directory/Users", "Bearer dev-scim-key", userBody("ada@example.com")).wantStatus(t, http.StatusCreated)
	// A second start with the same seed keeps the stored state and does
	// not apply the seed again (which would conflict).
	e2 := reopen(t, e)
	r := e2.call("GET", "/scim/directory/dev-directory/Users", "Bearer dev-scim-key", nil).wantStatus(t, http.StatusOK)
	if r.num("totalResults") != 1 {
		t.Fatalf("users after restart: %s", r.Raw)
	}
}

func TestDataDirForgetsRemovedOrgs(t *testing.T) {
	e := newEnv(t, withDataDir(t.TempDir()))
	if st := e.control("POST", "/orgs", map[string]any{"id": "temp", "name": "Temporary"}, nil); st != http.StatusCreated {
		t.Fatalf("create org: %d", st)
	}
	e2 := reopen(t, e)
	if got := strings.Join(e2.srv.Model.Orgs(), ","); got != testOrg+",temp" {
		t.Fatalf("orgs after restart = %s", got)
	}
	if st := e2.control("POST", "/reset", nil, nil); st != http.StatusNoContent {
		t.Fatalf("reset: %d", st)
	}
	e3 := reopen(t, e2)
	if got := strings.Join(e3.srv.Model.Orgs(), ","); got != testOrg {
		t.Fatalf("orgs after reset and restart = %s", got)
	}
	// An import is durable too.
	snap, _ := e3.srv.Model.Snapshot()
	editRecords(t, &snap, kindOrg, func(r []map[string]any) []map[string]any {
		r[0]["name"] = "Imported"
		return r
	})
	raw, _ := json.Marshal(snap)
	e3.call("PUT", "/_sim/snapshot", "", raw).wantStatus(t, http.StatusOK)
	e4 := reopen(t, e3)
	if v, _ := e4.srv.Model.Org(testOrg); v.Name != "Imported" {
		t.Fatalf("org after import and restart = %+v", v)
	}
}

// BenchmarkWrite measures one acknowledged SCIM write (PATCH of a user's
// displayName) in memory and with --data-dir, for organizations of
// several sizes: with --data-dir the user's record is written and
// committed (fsync) before the answer, whatever the organization holds.
func BenchmarkWrite(b *testing.B) {
	for _, users := range []int{1, 1000, 20000} {
		for _, durable := range []bool{false, true} {
			name := fmt.Sprintf("users=%d/memory", users)
			if durable {
				name = fmt.Sprintf("users=%d/data-dir", users)
			}
			b.Run(name, func(b *testing.B) {
				cfg := Config{Options: Options{Logger: slog.New(slog.DiscardHandler)}, Logger: slog.New(slog.DiscardHandler),
					Boot: &Boot{OrgID: testOrg, DirectoryID: testDir, APIKey: testKey, VerifiedDomains: []string{testDomain}}}
				if durable {
					cfg.DataDir = b.TempDir()
				}
				srv, err := NewServer(cfg)
				if err != nil {
					b.Fatal(err)
				}
				defer srv.Close()
				var id string
				for i := range users {
					u, err := srv.Model.CreateUser(testDir, benchUser(i))
					if err != nil {
						b.Fatal(err)
					}
					id = u.ID
				}
				if srv.store != nil {
					if err := srv.store.Commit(); err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				for i := range b.N {
					body := fmt.Sprintf(`{"Operations":[{"op":"replace","path":"displayName","value":"n%d"}]}`, i)
					req := httptest.NewRequest("PATCH", "/scim/directory/"+testDir+"/Users/"+id, strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+testKey)
					rec := httptest.NewRecorder()
					srv.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("PATCH: %d %s", rec.Code, rec.Body)
					}
				}
			})
		}
	}
}

// BenchmarkParallelWrites is BenchmarkWrite with concurrent clients on
// one organization: group commit lets them share fsyncs.
func BenchmarkParallelWrites(b *testing.B) {
	cfg := Config{Options: Options{Logger: slog.New(slog.DiscardHandler)}, Logger: slog.New(slog.DiscardHandler), DataDir: b.TempDir(),
		Boot: &Boot{OrgID: testOrg, DirectoryID: testDir, APIKey: testKey, VerifiedDomains: []string{testDomain}}}
	srv, err := NewServer(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	u, err := srv.Model.CreateUser(testDir, benchUser(0))
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			body := fmt.Sprintf(`{"Operations":[{"op":"replace","path":"displayName","value":"n%d"}]}`, i)
			req := httptest.NewRequest("PATCH", "/scim/directory/"+testDir+"/Users/"+u.ID, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+testKey)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("PATCH: %d", rec.Code)
				return
			}
		}
	})
}

func benchUser(i int) scim.User {
	email := fmt.Sprintf("user%05d@example.com", i)
	var u scim.User
	raw, _ := json.Marshal(userBody(email))
	_ = json.Unmarshal(raw, &u)
	return u
}
