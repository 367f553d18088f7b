package harness

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/journal"
)

// runInline parses and runs a scenario on an embedded pair the test keeps,
// so it can read the servers' journals and clock afterwards.
func runInline(t *testing.T, src string) (*Result, *Env) {
	t.Helper()
	s, err := Parse("inline.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	env, err := StartEmbedded(EmbeddedOptions{Seed: s.Seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	res, err := RunScenario(context.Background(), s, "inline.yaml", []byte(src), RunOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed {
		t.Fatalf("scenario failed: %s %+v", res.Error, res.Steps)
	}
	return res, env
}

const pacedScenario = `name: paced
okta:
  pace: fixed:1m
people:
  - login: alice@example.com
  - login: bob@example.com
steps:
  - assign: {user: alice@example.com}
    expect:
      okta: {appUsers: [{user: alice@example.com, status: PROVISIONED, externalId: present}]}
  - assign: {user: bob@example.com}
    expect:
      atlassian: {users: [{user: bob@example.com, exists: true, active: true}]}
`

// Under a pace a scenario still converges (the runner waits for the
// engine), and on the harness's virtual clock the pace shows in the
// timestamps, not in wall time: each assignment's first SCIM request is
// at least the pace after the Management API call on the simulator's
// clock, and the clock has skipped every wait.
func TestScenarioPaceVirtualClock(t *testing.T) {
	_, env := runInline(t, pacedScenario)
	if _, ok := env.Clock.(*clock.Virtual); !ok {
		t.Fatalf("embedded clock is %T, want *clock.Virtual", env.Clock)
	}
	in := env.Okta.Journal.Entries(journal.Query{})
	out := env.Okta.Model.Journal().Entries(journal.Query{})
	assigns := 0
	for _, call := range in {
		if call.Method != "POST" || !strings.HasSuffix(call.Path, "/users") || !strings.HasPrefix(call.Path, "/api/v1/apps/") {
			continue
		}
		assigns++
		var first *journal.Entry
		for i := range out {
			if out[i].Time.After(call.Time) {
				first = &out[i]
				break
			}
		}
		if first == nil {
			t.Fatalf("no SCIM request after the assignment at %s", call.Time)
		}
		if gap := first.Time.Sub(call.Time); gap < time.Minute {
			t.Errorf("assignment at %s: first SCIM request %s later, want at least the 1m pace", call.Time.Format(time.RFC3339Nano), gap)
		}
	}
	if assigns != 2 {
		t.Fatalf("%d assignments in the inbound journal, want 2", assigns)
	}
	// Virtual time is wall time plus the waits skipped: at least the two
	// assignments' and the To App save's paces.
	if skipped := time.Until(env.Clock.Now()); skipped < 3*time.Minute-time.Second {
		t.Errorf("the virtual clock skipped %s, want at least 3m", skipped)
	}
}

// okta pace on a whole guide scenario: everything converges.
func TestScenarioOktaPace(t *testing.T) {
	s, err := ParseFile("../scenarios/guide-end-to-end.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunScenario(context.Background(), s, "guide-end-to-end.yaml", nil, RunOptions{Pace: "okta"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed {
		t.Fatalf("guide under okta pace failed: %s %+v", res.Error, res.Steps)
	}
}

const limitedScenario = `name: rate limited
okta:
  rateLimits: okta*0.05
people:
  - {login: p1@example.com}
  - {login: p2@example.com}
  - {login: p3@example.com}
  - {login: p4@example.com}
steps:
  - assign: {user: p1@example.com}
  - assign: {user: p2@example.com}
  - assign: {user: p3@example.com}
  - assign: {user: p4@example.com}
    expect:
      okta:
        appUsers:
          - {user: p1@example.com, status: PROVISIONED}
          - {user: p4@example.com, status: PROVISIONED}
        log:
          - {eventType: system.org.rate_limit.violation}
      atlassian: {userCount: 4}
`

// A scenario that asks for Okta's rate limits gets them, on the virtual
// clock: its calls to the 100/min apps bucket (5 a minute at okta*0.05,
// 2 for its token) are refused with 429 E0000047, and the runner, like
// okta-sdk-golang with retries, waits until the window resets and
// succeeds. No one waits: the window passes in virtual time.
func TestScenarioRateLimits(t *testing.T) {
	_, env := runInline(t, limitedScenario)
	in := env.Okta.Journal.Entries(journal.Query{})
	refused := 0
	for i, e := range in {
		if e.Status != 429 {
			continue
		}
		refused++
		if !strings.Contains(string(e.ResponseBody), `"errorCode":"E0000047"`) {
			t.Errorf("429 body: %s", e.ResponseBody)
		}
		// The same call goes through in a later window.
		ok := false
		for _, later := range in[i+1:] {
			if later.Method == e.Method && later.Path == e.Path && later.Status < 300 {
				ok = later.Time.Truncate(time.Minute).After(e.Time.Truncate(time.Minute))
				break
			}
		}
		if !ok {
			t.Errorf("%s %s refused at %s and not retried after the window", e.Method, e.Path, e.Time)
		}
	}
	if refused == 0 {
		t.Fatal("no call was rate limited")
	}
}

// Without okta.rateLimits a scenario runs unthrottled, as before.
func TestScenarioRateLimitsOffByDefault(t *testing.T) {
	_, env := runInline(t, strings.Replace(strings.Replace(limitedScenario, "  rateLimits: okta*0.05\n", "  pace: instant\n", 1),
		"        log:\n          - {eventType: system.org.rate_limit.violation}\n", "", 1))
	for _, e := range env.Okta.Journal.Entries(journal.Query{}) {
		if e.Status == 429 {
			t.Fatalf("%s %s was rate limited", e.Method, e.Path)
		}
	}
}

// harness.Start takes the same settings: the org's pace and rate limits,
// on the environment's virtual clock; TestEnv.Okta waits out the 429s.
func TestStartPaceAndRateLimits(t *testing.T) {
	e := Start(t, StartOptions{Pace: "fixed:30s", RateLimits: "okta*0.02"}) // apps: 2 a minute, 1 per token
	if p, own, err := e.Env.Okta.Model.OrgPace(e.OktaOrgID); err != nil || p.String() != "fixed:30s" || !own {
		t.Fatalf("org pace %s (own %v), %v", p, own, err)
	}
	for range 3 {
		if err := e.Okta("GET", "/api/v1/apps/"+e.AppID+"/users", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	refused := 0
	for _, j := range e.Env.Okta.Journal.Entries(journal.Query{}) {
		if j.Status == 429 {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("no call was refused at 1 a minute")
	}
}
