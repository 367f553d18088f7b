package mockokta

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/store"
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

func newWired(t *testing.T, dataDir string, mutate ...func(*Config)) *wired {
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
	cfg := Config{Options: Options{Clock: clock, Seed: 1, Logger: logger}, Logger: logger, DataDir: dataDir,
		Boot: &Boot{OrgID: "okta-org", APIToken: testToken, AtlassianSCIMURL: ts.URL + "/scim/directory/" + atlDir, AtlassianSCIMToken: atlKey}}
	for _, f := range mutate {
		f(&cfg)
	}
	s, err := NewServer(cfg)
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

// apiView is everything the Management API and the control API show of a
// server, for the orgs whose tokens are given: users (all pages), groups
// and their members, apps with their users, groups and push mappings, the
// System Log and tasks. Comparing it before and after a restart, an
// export and import or a migration proves the state came through as its
// clients see it.
func apiView(t *testing.T, srv *Server, tokens ...string) string {
	t.Helper()
	var b strings.Builder
	e := &oktaEnv{t: t, srv: srv}
	get := func(path string) resp {
		r := e.do("GET", path, nil)
		fmt.Fprintf(&b, "GET %s → %d %s\n", path, r.Status, r.Raw)
		return r
	}
	ids := func(r resp) []string {
		var out []string
		for _, m := range r.list() {
			out = append(out, m["id"].(string))
		}
		return out
	}
	e.token = ""
	get("/_sim/orgs")
	for _, token := range tokens {
		e.token = token
		o, ok := srv.Model.OrgByToken(token)
		if !ok {
			fmt.Fprintf(&b, "token %s selects no org\n", token)
			continue
		}
		get("/_sim/orgs/" + o.ID + "/tasks?all=true")
		get("/api/v1/users?limit=200")
		for _, g := range ids(get("/api/v1/groups?limit=200")) {
			get("/api/v1/groups/" + g + "/users?limit=200")
		}
		for _, a := range ids(get("/api/v1/apps")) {
			get("/api/v1/apps/" + a + "/users?limit=200")
			get("/api/v1/apps/" + a + "/groups")
			get("/api/v1/apps/" + a + "/group-push/mappings")
		}
		get("/api/v1/logs?limit=1000")
	}
	return b.String()
}

// sameView fails with the first line that differs.
func sameView(t *testing.T, what, before, after string) {
	t.Helper()
	b, a := strings.Split(before, "\n"), strings.Split(after, "\n")
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(b) {
			x = b[i]
		}
		if i < len(a) {
			y = a[i]
		}
		if x != y {
			t.Fatalf("%s: what the API shows changed at line %d:\nbefore: %s\nafter:  %s", what, i+1, x, y)
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	src := newWired(t, "")
	src.provisionSome()
	ext := src.externalIDs()
	if len(ext) != 2 || ext[src.org.userOrder[1]] == "" { // [0] is the administrator
		t.Fatalf("externalIds after provisioning = %v", ext)
	}
	before := apiView(t, src.srv, testToken)
	raw := src.do("GET", "/_sim/snapshot", nil).must(t, http.StatusOK).Raw
	if strings.Contains(string(raw), testToken) {
		t.Fatal("the snapshot holds the plain API token")
	}

	logger := slog.New(slog.DiscardHandler)
	// The same clock: the System Log lists the last week by default.
	dst, err := NewServer(Config{Options: Options{Logger: logger, Clock: src.clock}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	(&oktaEnv{t: t, srv: dst}).do("PUT", "/_sim/snapshot", raw).must(t, http.StatusOK)
	// The old token still selects the org (apiView calls with it), and the
	// API shows the same.
	sameView(t, "export then import", before, apiView(t, dst, testToken))
	o, _ := dst.Model.OrgByToken(testToken)
	e := &oktaEnv{t: t, srv: dst, org: o, token: testToken}
	// The login index was rebuilt: the login is taken.
	e.do("POST", "/api/v1/users", withPassword(userBody("ADA@example.com", "A", "L"), goodPassword)).must(t, http.StatusBadRequest)
}

// editRecords changes the records of one kind of a document's first org,
// as generic JSON.
func editRecords(t *testing.T, doc *store.Document, kind string, fn func(recs []map[string]any) []map[string]any) {
	t.Helper()
	var recs []map[string]any
	for _, raw := range doc.Orgs[0].Records[kind] {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, m)
	}
	recs = fn(recs)
	doc.Orgs[0].Records[kind] = nil
	for _, m := range recs {
		raw, _ := json.Marshal(m)
		doc.Orgs[0].Records[kind] = append(doc.Orgs[0].Records[kind], raw)
	}
}

func TestRestoreRejectsBrokenSnapshots(t *testing.T) {
	src := newWired(t, "")
	src.provisionSome()
	edit := func(kind string, fn func(r []map[string]any)) func(*testing.T, *store.Document) {
		return func(t *testing.T, d *store.Document) {
			editRecords(t, d, kind, func(r []map[string]any) []map[string]any { fn(r); return r })
		}
	}
	cases := []struct {
		name   string
		break_ func(*testing.T, *store.Document)
		want   string
	}{
		{"version", func(t *testing.T, d *store.Document) { d.Version = 9 }, "version"},
		{"dangling member", func(t *testing.T, d *store.Document) {
			editRecords(t, d, kindMember, func(r []map[string]any) []map[string]any {
				return append(r, map[string]any{"groupId": r[0]["groupId"], "userId": "00unobody"})
			})
		}, "not a user"},
		{"duplicate login", edit(kindUser, func(r []map[string]any) { r[2]["profile"].(map[string]any)["login"] = "ADA@example.com" }), "same login"},
		{"assignment of a missing user", edit(kindAppUser, func(r []map[string]any) { r[0]["userId"] = "00unobody" }), "not a user"},
		{"push of a missing group", edit(kindMapping, func(r []map[string]any) { r[0]["sourceGroupId"] = "00gnothing" }), "not a group"},
		{"bad token hash", edit(kindOrg, func(r []map[string]any) { r[0]["tokenHashes"] = []string{testToken} }), "hex SHA-256"},
		{"unknown status", edit(kindUser, func(r []map[string]any) { r[0]["status"] = "HAPPY" }), "status"},
		{"org twice", func(t *testing.T, d *store.Document) { d.Orgs = append(d.Orgs, d.Orgs[0]) }, "appears twice"},
		{"a field this server does not know", edit(kindGroup, func(r []map[string]any) { r[0]["colour"] = "teal" }), "unknown field"},
		{"a job of an unknown kind", func(t *testing.T, d *store.Document) {
			editRecords(t, d, kindJob, func(r []map[string]any) []map[string]any {
				return append(r, map[string]any{"seq": 1, "appId": src.appID, "kind": "teleport"})
			})
		}, "job kind"},
		{"a gap in the System Log", edit(kindLog, func(r []map[string]any) { r[1]["seq"] = 99 }), "follows"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, _ := src.srv.Model.Snapshot()
			before := apiView(t, src.srv, testToken)
			tc.break_(t, &doc)
			raw, _ := json.Marshal(doc)
			r := src.do("PUT", "/_sim/snapshot", raw)
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Raw), tc.want) {
				t.Fatalf("import answered %d %s, want 400 about %q", r.Status, r.Raw, tc.want)
			}
			sameView(t, "a rejected import", before, apiView(t, src.srv, testToken))
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
