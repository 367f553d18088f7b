package mockokta

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
)

// Random bodies to the Management API routes that take one: never a 5xx or
// a panic, every error in Okta's envelope, and the org's records stay
// consistent.
//
//	go test -run '^$' -fuzz FuzzOktaAPIBody -fuzztime 60s ./mockokta/

// noNetwork fails every outbound SCIM request at once: the engine's jobs
// end as tasks without leaving the process.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("fuzz: no network")
}

func FuzzOktaAPIBody(f *testing.F) {
	for _, s := range []string{
		`{"profile":{"firstName":"Ada","lastName":"Lovelace","email":"ada@example.com","login":"ada@example.com"},"credentials":{"password":{"value":"Tr0ub4dor&3x"}}}`,
		`{"profile":{"firstName":"A","lastName":"B","email":"x@example.com","login":"x@example.com","title":"T","nested":{"a":1}},"groupIds":["GROUP"],"type":{"id":"oty1simdefaultuser01"}}`,
		`{"profile":{"email":"new@example.com"}}`,
		`{"profile":{"login":"USER"},"credentials":{"password":{"value":"short"},"recovery_question":{"question":"q","answer":"a"}}}`,
		`{"profile":{"name":"atlassian-test-jira-users","description":"d"}}`,
		`{"profile":{"name":"` + strings.Repeat("n", 256) + `"}}`,
		`{"id":"USER","scope":"USER","credentials":{"userName":"ada@example.com"},"profile":{"givenName":"A","email":"a@example.com"}}`,
		`{"id":"USER","scope":"GROUP"}`,
		`{"sourceGroupId":"GROUP","targetGroupName":"pushed","status":"ACTIVE"}`,
		`{"sourceGroupId":"GROUP","targetGroupId":"t","targetGroupName":"x"}`,
		`{"status":"INACTIVE"}`, `{"status":"DELETED"}`,
		`{}`, `null`, `[]`, `"x"`, `{"profile":null}`, `{"profile":[]}`, `{"profile":{"login":1}}`, `{"credentials":{"password":"x"}}`,
		`{"profile":{"login":"a@b.c"}}{"x":1}`, `{"profile":{"firstName":"\u0000","login":"\ud800"}}`, `{"id":1e400}`,
	} {
		f.Add([]byte(s))
	}
	logger := slog.New(slog.DiscardHandler)
	s, err := NewServer(Config{Logger: logger, Options: Options{Seed: 9, Logger: logger,
		Clock:      clock.NewFake(time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)),
		SCIMClient: &http.Client{Transport: noNetwork{}}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		if err := s.Close(); err != nil {
			f.Error(err)
		}
	})
	created, err := s.Model.CreateOrg(CreateOrgInput{Token: testToken})
	if err != nil {
		f.Fatal(err)
	}
	o, _ := s.Model.Org(created.ID)
	f.Fuzz(func(t *testing.T, body []byte) {
		if err := s.Model.ResetOrg(o.ID); err != nil {
			t.Fatal(err)
		}
		e := &oktaEnv{t: t, srv: s, org: o, token: testToken}
		uid := e.createUser("ada@example.com", "", true)["id"].(string)
		gid := e.createGroup("eng")["id"].(string)
		pushed := e.createGroup("pushed")["id"].(string)
		e.do("PUT", "/api/v1/groups/"+gid+"/users/"+uid, nil).must(t, http.StatusNoContent)
		a, err := s.Model.CreateApp(o, CreateAppInput{Name: "atlassian", Activate: true})
		if err != nil {
			t.Fatal(err)
		}
		on, base, token := true, "http://scim.invalid/scim/directory/d", "k"
		if _, err := s.Model.SetConnection(o, a.ID, ConnectionInput{BaseURL: &base, Token: &token}, &on); err != nil {
			t.Fatal(err)
		}
		mapping := e.do("POST", "/api/v1/apps/"+a.ID+"/group-push/mappings", map[string]any{"sourceGroupId": pushed}).must(t, http.StatusCreated).str("id")
		// Seeds name the fixtures as USER and GROUP so the fuzzer reaches them.
		in := strings.NewReplacer("USER", uid, "GROUP", gid).Replace(string(body))
		for _, c := range []struct{ method, path string }{
			{"POST", "/api/v1/users?activate=true"},
			{"POST", "/api/v1/users/" + uid},
			{"PUT", "/api/v1/users/" + uid},
			{"POST", "/api/v1/groups"},
			{"PUT", "/api/v1/groups/" + gid},
			{"POST", "/api/v1/apps/" + a.ID + "/users"},
			{"POST", "/api/v1/apps/" + a.ID + "/group-push/mappings"},
			{"PATCH", "/api/v1/apps/" + a.ID + "/group-push/mappings/" + mapping},
		} {
			r := e.do(c.method, c.path, in)
			if r.Status >= 500 {
				t.Fatalf("%s %s: %d %s\nbody: %q", c.method, c.path, r.Status, r.Raw, body)
			}
			if r.Status >= 400 {
				if !isOktaError(r.Raw) {
					t.Fatalf("%s %s: %d without Okta's error envelope: %s\nbody: %q", c.method, c.path, r.Status, r.Raw, body)
				}
				continue
			}
			var out map[string]any
			if err := json.Unmarshal(r.Raw, &out); err != nil || out["id"] == nil {
				t.Fatalf("%s %s: %d with %s\nbody: %q", c.method, c.path, r.Status, r.Raw, body)
			}
		}
		checkOrgModel(t, o)
		e.do("GET", "/api/v1/users", nil).must(t, http.StatusOK)
		e.do("GET", "/api/v1/apps/"+a.ID+"/users", nil).must(t, http.StatusOK)
	})
}
