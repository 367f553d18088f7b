package mockatlassian

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/scim"
)

// Random bodies through the whole handler: whatever arrives, the answer is
// never a 5xx or a panic, every error is a SCIM error envelope, every
// success a resource, and the directory's indexes stay consistent.
//
//	go test -run '^$' -fuzz FuzzSCIMUserBody -fuzztime 60s ./mockatlassian/

// fuzzEnv builds newEnv's server once per fuzz process (building routers is
// most of the cost) and hands each input a reset copy of its fixtures.
func fuzzEnv(f *testing.F) func(t *testing.T) *testEnv {
	clock := clock.NewFake(time.Date(2026, 5, 2, 9, 14, 3, 120553000, time.UTC))
	srv, err := NewServer(Config{
		Options: Options{Clock: clock, Seed: 42, Logger: slog.New(slog.DiscardHandler)},
		Logger:  slog.New(slog.DiscardHandler),
		Boot: &Boot{OrgID: testOrg, OrgAPIKey: testOrgKey, DirectoryID: testDir, APIKey: testKey,
			VerifiedDomains: []string{testDomain}},
	})
	if err != nil {
		f.Fatal(err)
	}
	return func(t *testing.T) *testEnv {
		srv.Model.Reset(testOrg)
		srv.Journal.Clear("")
		if _, err := srv.Model.AddSite(testOrg, AddSiteInput{Name: testSite, Products: []string{"jira-software", "confluence"}}); err != nil {
			t.Fatal(err)
		}
		return &testEnv{t: t, srv: srv, clock: clock, key: testKey}
	}
}

func FuzzSCIMUserBody(f *testing.F) {
	for _, s := range []string{
		// What Okta POSTs (OKTA-CREATE-2) and PUTs.
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob@example.com","externalId":"00u1","name":{"givenName":"Bob","familyName":"B"},"emails":[{"primary":true,"value":"bob@example.com","type":"work"}],"displayName":"Bob B","active":true,"groups":[],"password":"1mz050nq","locale":"en-US"}`,
		`{"userName":"ada@example.com","emails":[{"primary":true,"value":"ada2@example.org"}],"active":false,"title":"T","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D","organization":"O"}}`,
		// PATCH bodies in Okta's and Entra's dialects.
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`,
		`{"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"new@example.com"}]}`,
		`{"operations":[{"op":"add","path":"name.givenName","value":"X"},{"op":"remove","path":"title"}]}`,
		`{"Operations":[{"op":"replace","path":"active","value":"False"}]}`,
		`{"Operations":[{"op":"replace","path":"groups","value":[]}]}`,
		`{"Operations":[{"op":"replace","value":{"emails":[{"value":"x@example.com","primary":true}],"userName":"x@example.com"}}]}`,
		// Shapes that are wrong in every way.
		`{}`, `[]`, `null`, `"x"`, `{"userName":1}`, `{"emails":"a@b.c","userName":"a"}`, `{"emails":[{"primary":"yes"}]}`,
		`{"userName":"a","emails":[{"value":"a@b.c","primary":true},{"value":"a@b.c","primary":true}]}`,
		`{"schemas":"urn","Operations":{}}`, `{"Operations":[{"op":"replace","path":"emails[value eq","value":1}]}`,
		`{"userName":"\u0000","emails":[{"value":"\ud800@x.y","primary":true}]}`, `{"a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`,
		`{"userName":"a","userName":"b"}`, `{"userName":"ada@example.com","emails":[{"value":"ada@example.com","primary":true}],"active":1e400}`,
	} {
		f.Add([]byte(s))
	}
	env := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		e := env(t)
		uid := e.createUser("ada@example.com")
		e.createUser("bob@example.com")
		e.createGroup("eng", uid)
		for _, c := range []struct{ method, path string }{
			{"POST", "/Users"}, {"PUT", "/Users/" + uid}, {"PATCH", "/Users/" + uid},
		} {
			checkSCIMAnswer(t, c.method, c.path, e.scim(c.method, c.path, body), body)
		}
		e.checkIndexes(t, testDir)
		e.scim("GET", "/Users?count=100", nil).wantStatus(t, http.StatusOK)
		e.scim("GET", "/Groups", nil).wantStatus(t, http.StatusOK)
	})
}

func FuzzSCIMGroupBody(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"atlassian-test-jira-users","members":[]}`,
		`{"displayName":"eng","externalId":"00g1","members":[{"value":"USER"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"USER","display":"ada@example.com"}]}]}`,
		`{"Operations":[{"op":"remove","path":"members[value eq \"USER\"]"}]}`,
		`{"Operations":[{"op":"remove","path":"members","value":[{"value":"USER"}]}]}`,
		`{"Operations":[{"op":"replace","path":"members","value":[{"value":"USER"},{"value":"USER"}]}]}`,
		`{"Operations":[{"op":"replace","value":{"id":"x","displayName":"renamed"}}]}`,
		`{"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:core:2.0:Group:members","value":{"value":"USER"}}]}`,
		`{"Operations":[{"op":"add","value":{"members":[{"value":"USER"}]}}]}`,
		`{"Operations":[{"op":"replace","path":"members","value":null}]}`,
		`{}`, `[]`, `{"displayName":""}`, `{"displayName":["x"]}`, `{"members":"all"}`, `{"members":[null]}`,
		`{"displayName":"jira-software-users"}`, `{"Operations":[{"op":"remove","path":"members[value eq \"x\" or value pr]"}]}`,
		`{"Operations":[{"op":"add","path":"members","value":[` + strings.Repeat(`{"value":"USER"},`, 50) + `{"value":"USER"}]}]}`,
	} {
		f.Add([]byte(s))
	}
	env := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		e := env(t)
		uid := e.createUser("ada@example.com")
		other := e.createUser("bob@example.com")
		gid := e.createGroup("eng", uid)
		e.createGroup("sales", other)
		// Seeds name the user as USER so the fuzzer can reach real members.
		body = []byte(strings.ReplaceAll(string(body), "USER", other))
		for _, c := range []struct{ method, path string }{
			{"POST", "/Groups"}, {"PUT", "/Groups/" + gid}, {"PATCH", "/Groups/" + gid},
		} {
			checkSCIMAnswer(t, c.method, c.path, e.scim(c.method, c.path, body), body)
		}
		e.checkIndexes(t, testDir)
		e.scim("GET", "/Users/"+uid, nil).wantStatus(t, http.StatusOK)
		e.scim("GET", "/Groups?count=100", nil).wantStatus(t, http.StatusOK)
	})
}

// checkSCIMAnswer is the contract every SCIM answer keeps.
func checkSCIMAnswer(t *testing.T, method, path string, r resp, body []byte) {
	t.Helper()
	if r.Status >= 500 {
		t.Fatalf("%s %s: %d %s\nbody: %q", method, path, r.Status, r.Raw, body)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), scim.ContentTypeSCIM) {
		t.Fatalf("%s %s: Content-Type %q", method, path, r.Header.Get("Content-Type"))
	}
	if r.Status >= 400 {
		if !isSCIMError(r.Raw, r.Status) {
			t.Fatalf("%s %s: %d without a SCIM error envelope: %s\nbody: %q", method, path, r.Status, r.Raw, body)
		}
		return
	}
	var res struct {
		ID      string   `json:"id"`
		Schemas []string `json:"schemas"`
		Meta    struct {
			ResourceType string `json:"resourceType"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(r.Raw, &res); err != nil || res.ID == "" || len(res.Schemas) == 0 || res.Meta.ResourceType == "" {
		t.Fatalf("%s %s: %d with a body that is not a resource: %s\nbody: %q", method, path, r.Status, r.Raw, body)
	}
}
