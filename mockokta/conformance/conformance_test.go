package conformance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/junit"
	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta"
)

const (
	testDir = "dir-conformance"
	// testKey is distinctive so that a test can prove no report shows it.
	testKey = "ck-5ecret-7c1e-conformance"
)

// atlassianTarget serves mockatlassian (its switches changed by mutate)
// behind the breakages, and returns options for a run against it.
func atlassianTarget(t *testing.T, mutate func(*mockatlassian.Config), breaks ...breakage) Options {
	t.Helper()
	return Options{Target: Target{BaseURL: serveAtlassian(t, mutate, func(h http.Handler) http.Handler {
		return broken(h, "/scim/directory/"+testDir, breaks...)
	}), Token: testKey}, Seed: 5, NoTimeLimits: true}
}

func serveAtlassian(t *testing.T, mutate func(*mockatlassian.Config), wrap func(http.Handler) http.Handler) string {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	cfg := mockatlassian.Config{Options: mockatlassian.Options{Seed: 11, Logger: quiet}, Logger: quiet,
		Boot: &mockatlassian.Boot{DirectoryID: testDir, APIKey: testKey, VerifiedDomains: []string{"example.com"}}}
	if mutate != nil {
		mutate(&cfg)
	}
	atl, err := mockatlassian.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(wrap(atl))
	t.Cleanup(ts.Close)
	return ts.URL + "/scim/directory/" + testDir
}

func mustRun(t *testing.T, opts Options) *Report {
	t.Helper()
	rep, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// failing lists the ids of checks that did not pass.
func failing(rep *Report) []string {
	var out []string
	for _, p := range rep.Profiles {
		for _, c := range p.Checks {
			if c.Status != Passed {
				out = append(out, c.ID)
			}
		}
	}
	return out
}

func reportText(rep *Report) string {
	var b bytes.Buffer
	WriteText(&b, rep)
	return b.String()
}

func scimErrorBody(c *mockatlassian.Config) { c.AuthErrorBody = mockatlassian.AuthErrorSCIM }

// Against mockatlassian every check passes but SPEC step 11, which real
// Atlassian fails too (OKTA-SUITE-1, SCIM-AUTH-2); with
// --auth-error-body scim that step passes and the Atlassian profile's
// auth-body check is the one to fail. Either way the run cleans up.
func TestMockAtlassian(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*mockatlassian.Config)
		app    OktaApp
		want   []string
	}{
		{"atlassian-failure-body", nil, AppOIN, []string{"okta-spec/11"}},
		{"auth-error-body-scim", scimErrorBody, AppOIN, []string{"atlassian/auth-error-body"}},
		{"wizard-app", scimErrorBody, AppWizard, []string{"atlassian/auth-error-body"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := atlassianTarget(t, tc.mutate)
			opts.App = tc.app
			rep := mustRun(t, opts)
			if got := failing(rep); !slices.Equal(got, tc.want) {
				t.Fatalf("failing checks %v, want %v\n%s", got, tc.want, reportText(rep))
			}
			if n := len(rep.Profiles[0].Checks) + len(rep.Profiles[1].Checks) + len(rep.Profiles[2].Checks); n < 40 {
				t.Errorf("%d checks ran", n)
			}
			if len(rep.Cleanup) != 1 || !strings.HasPrefix(rep.Cleanup[0], "removed the ") {
				t.Errorf("cleanup: %q", rep.Cleanup)
			}
			// Cleaned up: the directory is empty again.
			list := (&run{ctx: context.Background(), opts: opts, rec: newRecorder()}).client("test").send(http.MethodGet, "/Users", nil, nil)
			if total := asMap(list.Body)["totalResults"]; total != 0.0 {
				t.Errorf("users left after cleanup: %v", total)
			}
		})
	}
}

// Step 11 against real Atlassian's body fails on exactly the suite's
// SCIM-error assertions, and the report shows the request and answer.
func TestSpecStep11AgainstAtlassianBody(t *testing.T) {
	opts := atlassianTarget(t, nil)
	opts.Profiles = []Profile{ProfileOktaSpec}
	rep := mustRun(t, opts)
	c := rep.Check("okta-spec/11")
	var asserted []string
	for _, f := range c.Failures {
		asserted = append(asserted, f.Assertion)
	}
	if want := []string{"detail not_empty", "status equal", "schemas has_value"}; !slices.Equal(asserted, want) {
		t.Fatalf("step 11 failed %v, want %v", asserted, want)
	}
	if len(c.Exchanges) != 1 || c.Exchanges[0].Status != 401 || !strings.Contains(c.Exchanges[0].ResponseBody, `"traceId"`) ||
		c.Exchanges[0].RequestHeader.Get("Authorization") != "non-token" {
		t.Fatalf("step 11 exchange: %+v", c.Exchanges)
	}
}

// The CRUD profile's checks carry what Okta's engine sent: the exact
// requests of an OIN app (OKTA-CREATE-2, OKTA-DEACT-2, OKTA-REACT-1).
func TestCRUDShowsEngineTraffic(t *testing.T) {
	opts := atlassianTarget(t, scimErrorBody)
	opts.Profiles, opts.Keep = []Profile{ProfileOktaCRUD}, true
	rep := mustRun(t, opts)
	if got := failing(rep); len(got) > 0 {
		t.Fatalf("failing: %v\n%s", got, reportText(rep))
	}
	engine := func(id string) []string {
		var out []string
		for _, e := range rep.Check(id).Exchanges {
			if e.From == partEngine {
				out = append(out, e.Method+" "+strings.TrimPrefix(e.URL, opts.Target.BaseURL))
			}
		}
		return out
	}
	created := engine("okta-crud/03-04")
	if len(created) != 2 || !strings.HasPrefix(created[0], "GET /Users?filter=userName%20eq%20") || created[1] != "POST /Users" {
		t.Errorf("engine on assignment: %v", created)
	}
	deact := rep.Check("okta-crud/07-08").Exchanges
	var patch *Exchange
	for i := range deact {
		if deact[i].From == partEngine && deact[i].Method == http.MethodPatch {
			patch = &deact[i]
		}
	}
	if patch == nil || !sameJSON(patch.RequestBody, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`) ||
		patch.RequestHeader.Get("User-Agent") != "Okta SCIM Client 1.0.0" || patch.RequestHeader.Get("Content-Type") != "application/scim+json; charset=utf-8" {
		t.Errorf("deactivation: %+v", patch)
	}
	if len(rep.Cleanup) == 0 || !strings.HasPrefix(rep.Cleanup[0], "kept user ") {
		t.Errorf("--keep: cleanup %q", rep.Cleanup)
	}
}

// basicToBearer stands for a server with Basic auth in front of
// mockatlassian.
func basicToBearer(userPass string) func(http.Handler) http.Handler {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == want {
				r.Header.Set("Authorization", "Bearer "+testKey)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Each auth mode reaches the server the same way from the suites and from
// the engine (OKTA-WIRE-2).
func TestAuthModes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		target func(t *testing.T) Target
	}{
		{"header", func(t *testing.T) Target {
			return Target{BaseURL: serveAtlassian(t, scimErrorBody, func(h http.Handler) http.Handler { return h }), Auth: mockokta.AuthHeader, Token: "Bearer " + testKey}
		}},
		{"basic", func(t *testing.T) Target {
			return Target{BaseURL: serveAtlassian(t, scimErrorBody, basicToBearer("scim-user:"+testKey)), Auth: mockokta.AuthBasic, Token: "scim-user:" + testKey}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := mustRun(t, Options{Target: tc.target(t), Profiles: []Profile{ProfileOktaSpec, ProfileOktaCRUD}, Seed: 9, NoTimeLimits: true})
			if got := failing(rep); len(got) > 0 {
				t.Fatalf("failing: %v\n%s", got, reportText(rep))
			}
		})
	}
}

// No output shows the credential, though it travels in headers and in the
// body that saves the app's API integration.
func TestReportsRedactTheCredential(t *testing.T) {
	opts := atlassianTarget(t, nil, breakNoName)
	rep := mustRun(t, opts)
	var all bytes.Buffer
	WriteText(&all, rep)
	if err := WriteJSON(&all, rep); err != nil {
		t.Fatal(err)
	}
	if err := WriteJUnit(&all, rep); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(all.String(), testKey) {
		t.Fatal("a report shows the credential")
	}
	if !strings.Contains(all.String(), "Bearer ‹redacted›") || !strings.Contains(all.String(), `\"token\":\"‹redacted›\"`) {
		t.Fatal("expected the redacted header and connection body in the reports")
	}
}

// The text report explains a failure: the Okta step, the assertion, what
// Okta expects with its fidelity id, and the exchange.
func TestTextReportExplainsFailures(t *testing.T) {
	opts := atlassianTarget(t, nil, breakNoConflict)
	opts.Profiles = []Profile{ProfileOktaSpec}
	out := reportText(mustRun(t, opts))
	for _, want := range []string{
		"✗ okta-spec/08 Required Test: Expect failure when recreating user with same values",
		"from: Okta SCIM 2.0 SPEC Test (Okta-SCIM-20-SPEC-Test.json), step 8",
		"response status\n        expected: 409\n        found:    201",
		"> POST /scim/directory/dir-conformance/Users HTTP/1.1",
		"< HTTP/1.1 201 Created",
		"FAILED: 10 passed, 2 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	// The why, with its fidelity ids (folded over lines).
	if flat := strings.Join(strings.Fields(out), " "); !strings.Contains(flat, "instead of provisioning a duplicate account. (docs/fidelity.md: OKTA-SUITE-1, OKTA-CREATE-3)") {
		t.Errorf("text report lacks the why of step 8:\n%s", out)
	}
}

func TestJUnit(t *testing.T) {
	opts := atlassianTarget(t, nil, breakPatchIgnored)
	rep := mustRun(t, opts)
	var b bytes.Buffer
	if err := WriteJUnit(&b, rep); err != nil {
		t.Fatal(err)
	}
	var got junit.Suites
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if len(got.Suites) != 3 {
		t.Fatalf("%d suites", len(got.Suites))
	}
	n := rep.Counts()
	fails, tests := 0, 0
	for _, s := range got.Suites {
		fails += s.Failures
		tests += s.Tests
	}
	if fails != n[Failed] || tests != n[Passed]+n[Failed]+n[Skipped]+n[Warned] {
		t.Errorf("junit: %d failures of %d, report %v", fails, tests, n)
	}
	crud := got.Suites[1]
	var deact junit.Case
	for _, c := range crud.Cases {
		if strings.HasPrefix(c.Name, "okta-crud/07-08 ") {
			deact = c
		}
	}
	if deact.Failure == nil || !strings.Contains(deact.Failure.Message, `active equal: expected "false", found true`) ||
		!strings.Contains(deact.Failure.Text, `"Operations":[{"op":"replace","value":{"active":false}}]`) {
		t.Errorf("okta-crud/07-08 in JUnit: %+v", deact)
	}
}

func TestOptionsAreChecked(t *testing.T) {
	for _, o := range []Options{
		{Target: Target{BaseURL: "ftp://x", Token: "t"}},
		{Target: Target{BaseURL: "http://x"}},
		{Target: Target{BaseURL: "http://x", Token: "t", Auth: "digest"}},
		{Target: Target{BaseURL: "http://x", Token: "no-colon", Auth: mockokta.AuthBasic}},
		{Target: Target{BaseURL: "http://x", Token: "t"}, App: "custom"},
	} {
		if _, err := Run(context.Background(), o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if _, err := ParseProfiles("okta-spec,nope"); err == nil {
		t.Error("unknown profile accepted")
	}
	if p, err := ParseProfiles("atlassian, okta-spec"); err != nil || !slices.Equal(p, []Profile{ProfileOktaSpec, ProfileAtlassian}) {
		t.Errorf("ParseProfiles: %v %v", p, err)
	}
}

func sameJSON(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

// A server that keeps Okta's engine waiting (a 429 with Retry-After: 30,
// honoured in real time as Okta does, OKTA-RETRY-1) fails the step with the
// wait, not the run: the check says the engine was still busy.
func TestEngineStillBusy(t *testing.T) {
	opts := atlassianTarget(t, scimErrorBody, breakThrottlesCreates)
	opts.Profiles, opts.Timeout = []Profile{ProfileOktaCRUD}, 300*time.Millisecond
	rep := mustRun(t, opts)
	c := rep.Check("okta-crud/03-04")
	if c.Status != Failed || len(c.Failures) == 0 || c.Failures[0].Assertion != "Okta's engine finished" ||
		!strings.Contains(c.Failures[0].Found, "the engine was still busy after 300ms") {
		t.Fatalf("okta-crud/03-04: %+v", c)
	}
	var throttled bool
	for _, e := range c.Exchanges {
		throttled = throttled || (e.From == partEngine && e.Status == 429)
	}
	if !throttled {
		t.Error("the check does not show the 429")
	}
}
