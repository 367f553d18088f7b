package mockokta

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/mockatlassian"
)

// wired is a mockokta whose org has an Atlassian Cloud app connected to an
// in-process mockatlassian directory.
type wired struct {
	*oktaEnv
	atl   *mockatlassian.Server
	appID string
}

const (
	atlDir = "dir-snap"
	atlKey = "atl-key"
)

func newWired(t *testing.T, dataDir string) *wired {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Logger: logger, Options: mockatlassian.Options{Logger: logger},
		Boot: &mockatlassian.Boot{OrgID: "atl-org", DirectoryID: atlDir, APIKey: atlKey, VerifiedDomains: []string{"example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(atl)
	t.Cleanup(ts.Close)
	clock := clock.NewFake(time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC))
	s, err := NewServer(Config{Options: Options{Clock: clock, Seed: 1, Logger: logger}, Logger: logger, DataDir: dataDir,
		Boot: &Boot{OrgID: "okta-org", APIToken: testToken, AtlassianSCIMURL: ts.URL + "/scim/directory/" + atlDir, AtlassianSCIMToken: atlKey}})
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Log(err) // some tests break the store on purpose
		}
	})
	o, _ := s.Model.Org("okta-org")
	return &wired{oktaEnv: &oktaEnv{t: t, srv: s, clock: clock, org: o, token: testToken}, atl: atl, appID: s.Booted.AppID}
}

// provisionSome creates users and a group, assigns and pushes it, and
// waits for the engine.
func (w *wired) provisionSome() {
	t := w.t
	ada := w.createUser("ada@example.com", "", true)["id"].(string)
	grace := w.createUser("grace@example.com", "", true)["id"].(string)
	g := w.createGroup("atlassian-test-jira-users")["id"].(string)
	w.do("PUT", "/api/v1/groups/"+g+"/users/"+ada, nil).must(t, 204)
	w.do("PUT", "/api/v1/groups/"+g+"/users/"+grace, nil).must(t, 204)
	w.do("PUT", "/api/v1/apps/"+w.appID+"/groups/"+g, map[string]any{}).must(t, 200)
	w.do("POST", "/api/v1/apps/"+w.appID+"/group-push/mappings", map[string]any{"sourceGroupId": g, "status": "ACTIVE"}).must(t, 201)
	if err := w.srv.Model.WaitIdleTimeout(w.org.ID, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func (w *wired) externalIDs() map[string]string {
	w.org.mu.Lock()
	defer w.org.mu.Unlock()
	out := map[string]string{}
	for _, au := range w.org.apps[w.appID].users {
		out[au.UserID] = au.ExternalID
	}
	return out
}

func TestSnapshotRoundTrip(t *testing.T) {
	src := newWired(t, "")
	src.provisionSome()
	ext := src.externalIDs()
	if len(ext) != 2 || ext[src.org.userOrder[0]] == "" {
		t.Fatalf("externalIds after provisioning = %v", ext)
	}
	snap, err := src.srv.Model.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(snap)
	if strings.Contains(string(raw), testToken) {
		t.Fatal("the snapshot holds the plain API token")
	}
	if len(snap.Orgs[0].Logs) == 0 || len(snap.Orgs[0].Apps[0].PushMappings) != 1 {
		t.Fatalf("snapshot misses logs or push mappings: %s", raw)
	}

	logger := slog.New(slog.DiscardHandler)
	dst, err := NewServer(Config{Options: Options{Logger: logger}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if err := dst.Model.Restore(snap, RestoreOptions{ReplaceAll: true}); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	again, _ := dst.Model.Snapshot()
	raw2, _ := json.Marshal(again)
	if string(raw) != string(raw2) {
		t.Fatalf("snapshot changed across a restore:\n%s\n%s", raw, raw2)
	}
	// The old token still selects the org, and its API works.
	o, ok := dst.Model.OrgByToken(testToken)
	if !ok || o.ID != "okta-org" {
		t.Fatal("the imported token does not authenticate")
	}
	e := &oktaEnv{t: t, srv: dst, org: o, token: testToken}
	e.do("GET", "/api/v1/users/ada@example.com", nil).must(t, 200)
	// The login index was rebuilt: the login is taken.
	e.do("POST", "/api/v1/users", withPassword(userBody("ADA@example.com", "A", "L"), goodPassword)).must(t, http.StatusBadRequest)
}

func TestRestoreRejectsBrokenSnapshots(t *testing.T) {
	src := newWired(t, "")
	src.provisionSome()
	cases := []struct {
		name   string
		break_ func(s *Snapshot)
		want   string
	}{
		{"version", func(s *Snapshot) { s.Version = 9 }, "version"},
		{"dangling member", func(s *Snapshot) { s.Orgs[0].Groups[0].Members = append(s.Orgs[0].Groups[0].Members, "00unobody") }, "not a user"},
		{"duplicate login", func(s *Snapshot) { s.Orgs[0].Users[1].Profile["login"] = "ADA@example.com" }, "same login"},
		{"assignment of a missing user", func(s *Snapshot) { s.Orgs[0].Apps[0].Users[0].UserID = "00unobody" }, "not a user"},
		{"push of a missing group", func(s *Snapshot) { s.Orgs[0].Apps[0].PushMappings[0].SourceGroupID = "00gnothing" }, "not a group"},
		{"bad token hash", func(s *Snapshot) { s.Orgs[0].TokenHashes = []string{testToken} }, "hex SHA-256"},
		{"unknown status", func(s *Snapshot) { s.Orgs[0].Users[0].Status = "HAPPY" }, "status"},
		{"org twice", func(s *Snapshot) { s.Orgs = append(s.Orgs, s.Orgs[0]) }, "appears twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap, _ := src.srv.Model.Snapshot()
			raw, _ := json.Marshal(snap)
			var broken Snapshot
			_ = json.Unmarshal(raw, &broken)
			tc.break_(&broken)
			before := src.snapshot()
			err := src.srv.Model.Restore(broken, RestoreOptions{ReplaceAll: true})
			if err == nil || !strings.Contains(err.Error()+strings.Join(asError(err).Causes, " "), tc.want) {
				t.Fatalf("Restore = %v, want an error about %q", err, tc.want)
			}
			if src.snapshot() != before {
				t.Fatal("a rejected import changed the org")
			}
		})
	}
}

func TestSnapshotRoutes(t *testing.T) {
	src := newWired(t, "")
	src.provisionSome()
	doc := src.do("GET", "/_sim/orgs/okta-org/snapshot", nil).must(t, 200)
	whole := src.do("GET", "/_sim/snapshot", nil).must(t, 200)

	logger := slog.New(slog.DiscardHandler)
	srv, err := NewServer(Config{Options: Options{Logger: logger}, Logger: logger, Boot: &Boot{OrgID: "mine", APIToken: "my-token"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	mine, _ := srv.Model.Org("mine")
	dst := &oktaEnv{t: t, srv: srv, org: mine, token: "my-token"}
	dst.do("PUT", "/_sim/orgs/okta-org/snapshot", doc.Raw).must(t, http.StatusOK)
	if got := dst.srv.Model.Orgs(); strings.Join(got, ",") != "mine,okta-org" {
		t.Fatalf("orgs after an org import = %v", got)
	}
	if o, ok := dst.srv.Model.OrgByToken(testToken); !ok || o.ID != "okta-org" {
		t.Fatal("the imported org's token does not select it")
	}
	dst.do("PUT", "/_sim/orgs/other/snapshot", doc.Raw).must(t, http.StatusBadRequest)
	dst.do("PUT", "/_sim/orgs/okta-org/snapshot", "{").must(t, http.StatusBadRequest)
	dst.do("GET", "/_sim/orgs/nope/snapshot", nil).must(t, http.StatusNotFound)
	// Importing the org again replaces it; a whole import replaces all.
	dst.do("PUT", "/_sim/orgs/okta-org/snapshot", doc.Raw).must(t, http.StatusOK)
	dst.do("PUT", "/_sim/snapshot", whole.Raw).must(t, http.StatusOK)
	if got := dst.srv.Model.Orgs(); strings.Join(got, ",") != "okta-org" {
		t.Fatalf("orgs after a whole import = %v", got)
	}
	if _, ok := dst.srv.Model.OrgByToken("my-token"); ok {
		t.Fatal("a replaced org's token still works")
	}
}
