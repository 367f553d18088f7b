package mockatlassian

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/store"
)

// populated builds an organization with something of everything: linked
// and unlinked users, an external account, a pre-existing account, local
// and synced groups with product access, a second directory with users, a
// legacy-deleted user and an unverified domain.
func populated(t *testing.T, mutate ...func(*Config)) *testEnv {
	t.Helper()
	e := newEnv(t, mutate...)
	ada := e.createUser("ada@example.com")
	grace := e.createUser("grace@example.com")
	e.createUser("ext@elsewhere.org")
	e.createGroup("atlassian-test-jira-users", ada, grace)
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
	e.call("POST", "/scim/directory/dir-two/Users", "Bearer second-key", userBody("linus@example.com")).wantStatus(t, http.StatusCreated)
	if st := e.control("POST", "/orgs/"+testOrg+"/domains", map[string]any{"name": "example.net", "verified": false}, nil); st != http.StatusCreated {
		t.Fatalf("domain: %d", st)
	}
	gone := e.createUser("gone@example.com")
	e.scim("DELETE", "/Users/"+gone, nil).wantStatus(t, http.StatusNoContent)
	return e
}

// credentials are the keys apiView calls with: directory id → key, and
// organization id → org API key.
type credentials struct {
	dirs map[string]string
	orgs map[string]string
}

var testCredentials = credentials{
	dirs: map[string]string{testDir: testKey, "dir-two": "second-key"},
	orgs: map[string]string{testOrg: testOrgKey},
}

// apiView is everything the API shows of a server: every organization's
// control views, the SCIM users (all pages) and groups of every directory
// it has a key for, and each account's SCIM links through the admin API.
// Comparing it before and after a restart, an export and import or a
// migration proves the state came through as its users see it.
func (e *testEnv) apiView(creds credentials) string {
	e.t.Helper()
	var b strings.Builder
	get := func(path, auth string) resp {
		r := e.call("GET", path, auth, nil)
		fmt.Fprintf(&b, "GET %s → %d %s\n", path, r.Status, r.Raw)
		return r
	}
	var orgs []struct {
		ID string `json:"id"`
	}
	r := get("/_sim/orgs", "")
	if err := json.Unmarshal(r.Raw, &orgs); err != nil {
		e.t.Fatalf("GET /_sim/orgs: %s", r.Raw)
	}
	for _, o := range orgs {
		var org struct {
			Directories []struct {
				ID string `json:"id"`
			} `json:"directories"`
		}
		_ = json.Unmarshal(get("/_sim/orgs/"+o.ID, "").Raw, &org)
		get("/_sim/orgs/"+o.ID+"/groups", "")
		var accts []AccountView
		_ = json.Unmarshal(get("/_sim/orgs/"+o.ID+"/accounts", "").Raw, &accts)
		if key, ok := creds.orgs[o.ID]; ok {
			for _, a := range accts {
				get("/admin/user-provisioning/v1/org/"+o.ID+"/user/"+a.ID+"/get-scim-links", "Bearer "+key)
			}
		}
		for _, d := range org.Directories {
			key, ok := creds.dirs[d.ID]
			if !ok {
				continue
			}
			for start := 1; ; start += 100 {
				page := get(fmt.Sprintf("/scim/directory/%s/Users?count=100&startIndex=%d", d.ID, start), "Bearer "+key)
				if float64(start+99) >= page.num("totalResults") {
					break
				}
			}
			get("/scim/directory/"+d.ID+"/Groups?count=100", "Bearer "+key)
		}
	}
	return b.String()
}

// sameView fails with the first line that differs.
func sameView(t *testing.T, what, before, after string) {
	t.Helper()
	if before == after {
		return
	}
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
	src := populated(t)
	before := src.apiView(testCredentials)
	doc, err := src.srv.Model.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(doc)
	for _, secret := range []string{testKey, testOrgKey, "second-key"} {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("snapshot holds the plain key %q", secret)
		}
	}

	// Into an empty server, through the API: the API shows the same, and
	// the old keys still work (apiView calls with them).
	dst := newEnv(t, func(c *Config) { c.Boot = nil })
	dst.call("PUT", "/_sim/snapshot", "", raw).wantStatus(t, http.StatusOK)
	sameView(t, "export then import", before, dst.apiView(testCredentials))

	// The restored model keeps working: indexes, links and limits hold.
	dst.scim("POST", "/Users", userBody("ada@example.com")).wantSCIMError(t, http.StatusConflict, "uniqueness")
	id := dst.createUser("new@example.com")
	dst.scim("GET", "/Users/"+id, nil).wantStatus(t, http.StatusOK)
}

// editRecords changes the records of one kind of a document's first
// organization, as generic JSON.
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

// set sets a dotted path in a generic JSON object.
func set(m map[string]any, path string, v any) {
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		switch next := m[k].(type) {
		case map[string]any:
			m = next
		case []any:
			m = next[0].(map[string]any)
		}
	}
	m[keys[len(keys)-1]] = v
}

func TestRestoreRejectsBrokenSnapshots(t *testing.T) {
	edit := func(kind string, fn func(recs []map[string]any) []map[string]any) func(*testing.T, *store.Document) {
		return func(t *testing.T, d *store.Document) { editRecords(t, d, kind, fn) }
	}
	cases := []struct {
		name   string
		break_ func(*testing.T, *store.Document)
		want   string
	}{
		{"dangling member", edit(kindSCIMMember, func(r []map[string]any) []map[string]any {
			return append(r, map[string]any{"directoryId": testDir, "groupId": r[0]["groupId"], "userId": "no-such-user"})
		}), "is not a user"},
		{"dangling link", edit(kindUser, func(r []map[string]any) []map[string]any {
			r[0]["accountId"] = "no-such-account"
			return r
		}), "is not an account"},
		{"duplicate email", edit(kindAccount, func(r []map[string]any) []map[string]any {
			r[1]["email"] = r[0]["email"]
			return r
		}), "same email"},
		{"duplicate userName", edit(kindUser, func(r []map[string]any) []map[string]any {
			set(r[1], "resource.userName", strings.ToUpper(r[0]["resource"].(map[string]any)["userName"].(string)))
			return r
		}), "same userName"},
		{"duplicate group name", edit(kindGroup, func(r []map[string]any) []map[string]any {
			r[1]["name"] = r[0]["name"]
			return r
		}), "same name"},
		{"two links to one account", edit(kindUser, func(r []map[string]any) []map[string]any {
			r[1]["accountId"] = r[0]["accountId"]
			return r
		}), "link the same account"},
		{"bad key hash", edit(kindDirectory, func(r []map[string]any) []map[string]any {
			r[0]["keyHash"] = "secret"
			return r
		}), "hex SHA-256"},
		{"synced group without its SCIM group", func(t *testing.T, d *store.Document) {
			delete(d.Orgs[0].Records, kindSCIMGroup)
			delete(d.Orgs[0].Records, kindSCIMMember)
		}, "does not sync"},
		{"access for an unknown group", edit(kindSite, func(r []map[string]any) []map[string]any {
			set(r[0], "products.accessGroups", []string{"nope"})
			return r
		}), "not a group"},
		{"unknown product", edit(kindSite, func(r []map[string]any) []map[string]any {
			set(r[0], "products.key", "trello")
			return r
		}), "unknown product"},
		{"user without primary email", edit(kindUser, func(r []map[string]any) []map[string]any {
			set(r[0], "resource.emails.primary", false)
			return r
		}), "primary"},
		{"org twice", func(t *testing.T, d *store.Document) { d.Orgs = append(d.Orgs, d.Orgs[0]) }, "appears twice"},
		{"key used by two directories", edit(kindDirectory, func(r []map[string]any) []map[string]any {
			r[1]["keyHash"] = r[0]["keyHash"]
			return r
		}), "already used"},
		{"a field this server does not know", edit(kindAccount, func(r []map[string]any) []map[string]any {
			r[0]["favouriteColour"] = "teal"
			return r
		}), "unknown field"},
		{"an id that cannot be a key", edit(kindGroup, func(r []map[string]any) []map[string]any {
			r[0]["id"] = "a/b"
			return r
		}), "without '/'"},
		{"no org record", func(t *testing.T, d *store.Document) { delete(d.Orgs[0].Records, kindOrg) }, "want one org record"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := populated(t)
			doc, _ := e.srv.Model.Snapshot()
			before := e.apiView(testCredentials)
			tc.break_(t, &doc)
			raw, _ := json.Marshal(doc)
			r := e.call("PUT", "/_sim/snapshot", "", raw)
			if r.Status != http.StatusBadRequest && r.Status != http.StatusConflict {
				t.Fatalf("import answered %d %s, want 400 or 409", r.Status, r.Raw)
			}
			if !strings.Contains(string(r.Raw), tc.want) {
				t.Fatalf("import answered %s, want an error containing %q", r.Raw, tc.want)
			}
			sameView(t, "a rejected import", before, e.apiView(testCredentials))
		})
	}
}

// TestOrgImportChecksOtherOrgs: an organization import is checked against
// the organizations that stay (directory ids and keys are global).
func TestOrgImportChecksOtherOrgs(t *testing.T) {
	e := populated(t)
	doc, _ := e.srv.Model.Snapshot(testOrg)
	doc.Orgs[0].ID = "copy"
	editRecords(t, &doc, kindOrg, func(r []map[string]any) []map[string]any {
		r[0]["id"] = "copy"
		return r
	})
	err := e.srv.Model.Restore(doc, RestoreOptions{})
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
	if r.str("format") != "provsim.mockatlassian.snapshot" || r.num("version") != store.Version {
		t.Fatalf("document header = %s", r.Raw[:80])
	}
	whole := src.call("GET", "/_sim/snapshot", "", nil).wantStatus(t, http.StatusOK)

	// Into another server that already has an organization: the imported
	// one is added, the other stays.
	dst := newEnv(t, func(c *Config) {
		c.Boot = &Boot{OrgID: "other", DirectoryID: "other-dir", APIKey: "other-key"}
	})
	otherBefore := dst.apiView(credentials{dirs: map[string]string{"other-dir": "other-key"}})
	dst.call("PUT", "/_sim/orgs/"+testOrg+"/snapshot", "", r.Raw).wantStatus(t, http.StatusOK)
	if got := dst.srv.Model.Orgs(); strings.Join(got, ",") != "other,"+testOrg {
		t.Fatalf("orgs after an org import = %v", got)
	}
	creds := credentials{dirs: map[string]string{"other-dir": "other-key", testDir: testKey, "dir-two": "second-key"}, orgs: testCredentials.orgs}
	view := dst.apiView(creds)
	if !strings.Contains(view, strings.Split(otherBefore, "\n")[1]) {
		t.Fatal("the organization that was there changed")
	}
	srcView := src.apiView(testCredentials)
	if !strings.Contains(view, srcView[strings.Index(srcView, "\n")+1:]) {
		t.Fatal("the imported organization shows differently than where it came from")
	}
	// The path names the organization the document must hold.
	dst.call("PUT", "/_sim/orgs/someone-else/snapshot", "", r.Raw).wantStatus(t, http.StatusBadRequest)
	dst.call("PUT", "/_sim/orgs/"+testOrg+"/snapshot", "", "{not json").wantStatus(t, http.StatusBadRequest)
	dst.call("GET", "/_sim/orgs/nope/snapshot", "", nil).wantStatus(t, http.StatusNotFound)

	// A whole import replaces everything.
	dst.call("PUT", "/_sim/snapshot", "", whole.Raw).wantStatus(t, http.StatusOK)
	if got := dst.srv.Model.Orgs(); !slices.Equal(got, []string{testOrg}) {
		t.Fatalf("orgs after a whole import = %v", got)
	}
	if dst.srv.Model.Authenticate("other-dir", "other-key") == AuthOK {
		t.Fatal("a replaced organization's directory key still works")
	}
}
