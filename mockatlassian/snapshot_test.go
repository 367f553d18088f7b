package mockatlassian

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// populated builds an organization with something of everything: linked
// and unlinked users, an external account, a pre-existing account, local
// and synced groups with product access, a second directory.
func populated(t *testing.T, mutate ...func(*Config)) *testEnv {
	t.Helper()
	e := newEnv(t, mutate...)
	ada := e.createUser("ada@example.com")
	grace := e.createUser("grace@example.com")
	e.createUser("ext@elsewhere.org")
	g := e.createGroup("atlassian-test-jira-users", ada, grace)
	e.grant("jira-software", "atlassian-test-jira-users")
	e.scim("PATCH", "/Users/"+grace, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": false}}}}).wantStatus(t, http.StatusOK)
	if st := e.control("POST", "/orgs/"+testOrg+"/accounts", map[string]any{"email": "linus@example.com", "displayName": "Linus"}, nil); st != http.StatusCreated {
		t.Fatalf("create account: %d", st)
	}
	if st := e.control("POST", "/orgs/"+testOrg+"/groups", map[string]any{"name": "admins", "members": []string{"linus@example.com"}}, nil); st != http.StatusCreated {
		t.Fatalf("local group: %d", st)
	}
	e.grant("confluence", "admins")
	if st := e.control("POST", "/orgs/"+testOrg+"/directories", map[string]any{"id": "dir-two", "apiKey": "second-key"}, nil); st != http.StatusCreated {
		t.Fatalf("second directory: %d", st)
	}
	if st := e.control("POST", "/orgs/"+testOrg+"/domains", map[string]any{"name": "example.net", "verified": false}, nil); st != http.StatusCreated {
		t.Fatalf("domain: %d", st)
	}
	_ = g
	return e
}

func TestSnapshotRoundTrip(t *testing.T) {
	src := populated(t)
	snap, err := src.srv.Model.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(snap)
	for _, secret := range []string{testKey, testOrgKey, "second-key"} {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("snapshot holds the plain key %q", secret)
		}
	}

	// Into an empty server: the same state, and the old keys still work.
	dst := newEnv(t, func(c *Config) { c.Boot = nil })
	if err := dst.srv.Model.Restore(snap, RestoreOptions{ReplaceAll: true}); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	again, _ := dst.srv.Model.Snapshot()
	raw2, _ := json.Marshal(again)
	if string(raw) != string(raw2) {
		t.Fatalf("snapshot changed across a restore:\n%s\n%s", raw, raw2)
	}
	if src.snapshot() != dst.snapshot() {
		t.Fatalf("visible state differs:\n%s\n%s", src.snapshot(), dst.snapshot())
	}
	if dst.srv.Model.Authenticate("dir-two", "second-key") != AuthOK || dst.srv.Model.AuthenticateOrg(testOrg, testOrgKey) != AuthOK {
		t.Fatal("imported keys do not authenticate")
	}
	// The restored model keeps working: indexes, links and limits hold.
	dst.scim("POST", "/Users", userBody("ada@example.com")).wantSCIMError(t, http.StatusConflict, "uniqueness")
	if a := dst.account("ada@example.com"); len(a.ProductAccess) != 1 || a.ProductAccess[0].Product != "jira-software" {
		t.Fatalf("ada's access after restore = %+v", a.ProductAccess)
	}
	if a := dst.account("grace@example.com"); a.Status != "deactivated" {
		t.Fatalf("grace = %+v", a)
	}
	if a := dst.account("linus@example.com"); len(a.ProductAccess) != 1 || a.ProductAccess[0].Product != "confluence" {
		t.Fatalf("linus's access after restore = %+v", a.ProductAccess)
	}
	id := dst.createUser("new@example.com")
	dst.scim("GET", "/Users/"+id, nil).wantStatus(t, http.StatusOK)
}

func TestRestoreRejectsBrokenSnapshots(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(s *Snapshot)
		want   string
	}{
		{"format", func(s *Snapshot) { s.Format = "other" }, "format"},
		{"version", func(s *Snapshot) { s.Version = 2 }, "version"},
		{"dangling member", func(s *Snapshot) {
			s.Orgs[0].Directories[0].Groups[0].Members = append(s.Orgs[0].Directories[0].Groups[0].Members, "no-such-user")
		}, "is not a user"},
		{"dangling link", func(s *Snapshot) { s.Orgs[0].Directories[0].Users[0].AccountID = "no-such-account" }, "is not an account"},
		{"duplicate email", func(s *Snapshot) { s.Orgs[0].Accounts[1].Email = s.Orgs[0].Accounts[0].Email }, "same email"},
		{"duplicate userName", func(s *Snapshot) {
			u := &s.Orgs[0].Directories[0].Users
			(*u)[1].Resource.UserName = strings.ToUpper((*u)[0].Resource.UserName)
		}, "same userName"},
		{"duplicate group name", func(s *Snapshot) { s.Orgs[0].Groups[1].Name = s.Orgs[0].Groups[0].Name }, "same name"},
		{"two links to one account", func(s *Snapshot) {
			u := &s.Orgs[0].Directories[0].Users
			(*u)[1].AccountID = (*u)[0].AccountID
		}, "link the same account"},
		{"bad key hash", func(s *Snapshot) { s.Orgs[0].Directories[0].KeyHash = "secret" }, "hex SHA-256"},
		{"synced group without its SCIM group", func(s *Snapshot) { s.Orgs[0].Directories[0].Groups = nil }, "does not sync"},
		{"access for an unknown group", func(s *Snapshot) {
			s.Orgs[0].Sites[0].Products[0].AccessGroups = []string{"nope"}
		}, "not a group"},
		{"unknown product", func(s *Snapshot) { s.Orgs[0].Sites[0].Products[0].Key = "trello" }, "unknown product"},
		{"user without primary email", func(s *Snapshot) {
			s.Orgs[0].Directories[0].Users[0].Resource.Emails[0].Primary = false
		}, "primary"},
		{"org twice", func(s *Snapshot) { s.Orgs = append(s.Orgs, s.Orgs[0]) }, "appears twice"},
		{"key used by two directories", func(s *Snapshot) {
			s.Orgs[0].Directories[1].KeyHash = s.Orgs[0].Directories[0].KeyHash
		}, "already used"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := populated(t)
			snap, _ := e.srv.Model.Snapshot()
			before := e.snapshot()
			var broken Snapshot
			raw, _ := json.Marshal(snap)
			_ = json.Unmarshal(raw, &broken)
			tc.break_(&broken)
			err := e.srv.Model.Restore(broken, RestoreOptions{ReplaceAll: true})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Restore = %v, want an error containing %q", err, tc.want)
			}
			if e.snapshot() != before {
				t.Fatal("a rejected import changed the state")
			}
		})
	}
}

// TestOrgImportChecksOtherOrgs: an organization import is checked against
// the organizations that stay (directory ids and keys are global).
func TestOrgImportChecksOtherOrgs(t *testing.T) {
	e := populated(t)
	snap, _ := e.srv.Model.Snapshot(testOrg)
	snap.Orgs[0].ID = "copy"
	err := e.srv.Model.Restore(snap, RestoreOptions{})
	if err == nil || !strings.Contains(err.Error(), "already") {
		t.Fatalf("importing a copy that reuses directory ids and keys = %v", err)
	}
	if got := e.srv.Model.Orgs(); len(got) != 1 {
		t.Fatalf("orgs = %v", got)
	}
}

func TestSnapshotRoutes(t *testing.T) {
	src := populated(t)
	r := src.call("GET", "/_sim/orgs/"+testOrg+"/snapshot", "", nil).wantStatus(t, http.StatusOK)
	if r.str("format") != SnapshotFormat || r.num("version") != SnapshotVersion {
		t.Fatalf("document header = %s", r.Raw[:80])
	}
	whole := src.call("GET", "/_sim/snapshot", "", nil).wantStatus(t, http.StatusOK)

	// Into another server that already has an organization: the imported
	// one is added, the other stays.
	dst := newEnv(t, func(c *Config) {
		c.Boot = &Boot{OrgID: "other", DirectoryID: "other-dir", APIKey: "other-key"}
	})
	dst.call("PUT", "/_sim/orgs/"+testOrg+"/snapshot", "", r.Raw).wantStatus(t, http.StatusOK)
	if got := dst.srv.Model.Orgs(); strings.Join(got, ",") != "other,"+testOrg {
		t.Fatalf("orgs after an org import = %v", got)
	}
	if dst.snapshot() != src.snapshot() {
		t.Fatal("imported organization differs")
	}
	// The path names the organization the document must hold.
	dst.call("PUT", "/_sim/orgs/someone-else/snapshot", "", r.Raw).wantStatus(t, http.StatusBadRequest)
	dst.call("PUT", "/_sim/orgs/"+testOrg+"/snapshot", "", "{not json").wantStatus(t, http.StatusBadRequest)
	dst.call("GET", "/_sim/orgs/nope/snapshot", "", nil).wantStatus(t, http.StatusNotFound)

	// A whole import replaces everything.
	dst.call("PUT", "/_sim/snapshot", "", whole.Raw).wantStatus(t, http.StatusOK)
	if got := dst.srv.Model.Orgs(); strings.Join(got, ",") != testOrg {
		t.Fatalf("orgs after a whole import = %v", got)
	}
	if dst.srv.Model.Authenticate("other-dir", "other-key") == AuthOK {
		t.Fatal("a replaced organization's directory key still works")
	}
}
