package mockokta

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/mockatlassian"
)

func TestParsePace(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Pace
		str  string
	}{
		{"", InstantPace, "instant"},
		{"instant", InstantPace, "instant"},
		{"okta", OktaPace, "okta"},
		{"fixed:500ms", FixedPace(500 * time.Millisecond), "fixed:500ms"},
		{"fixed:0s", FixedPace(0), "fixed:0s"},
		{"uniform:0s-2s", Pace{Kind: PaceUniform, Max: 2 * time.Second}, "uniform:0s-2s"},
		{"uniform:1s-1s", Pace{Kind: PaceUniform, Min: time.Second, Max: time.Second}, "uniform:1s-1s"},
	} {
		got, err := ParsePace(c.in)
		if err != nil || got != c.want || got.String() != c.str {
			t.Errorf("ParsePace(%q) = %+v (%q), %v; want %+v (%q)", c.in, got, got.String(), err, c.want, c.str)
		}
		if again, err := ParsePace(got.String()); err != nil || again != got {
			t.Errorf("%q does not read back: %+v, %v", got.String(), again, err)
		}
	}
	for _, c := range []struct{ in, msg string }{
		{"fast", "want instant, okta, fixed:DURATION"},
		{"okta:2s", "want instant, okta"},
		{"instant:0s", "want instant, okta"},
		{"fixed:", "is not a duration"},
		{"fixed:soon", "is not a duration"},
		{"fixed:-1s", "cannot be negative"},
		{"fixed:2h", "at most 1h0m0s"},
		{"uniform:2s", "uniform takes MIN-MAX"},
		{"uniform:3s-1s", "MIN 3s is greater than MAX 1s"},
		{"uniform:0s-x", "is not a duration"},
	} {
		if _, err := ParsePace(c.in); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ParsePace(%q): %v, want an error with %q", c.in, err, c.msg)
		}
	}
}

// The draws stay inside the distribution; okta is 0–3 s (OKTA-PACE-3).
func TestPaceDraws(t *testing.T) {
	pc := newPacer(1)
	for _, c := range []struct {
		p      Pace
		lo, hi time.Duration
	}{
		{InstantPace, 0, 0},
		{OktaPace, 0, 3 * time.Second},
		{FixedPace(time.Second), time.Second, time.Second},
		{Pace{Kind: PaceUniform, Min: time.Second, Max: 2 * time.Second}, time.Second, 2 * time.Second},
	} {
		spread := map[time.Duration]bool{}
		for range 200 {
			d := pc.draw(c.p)
			if d < c.lo || d > c.hi {
				t.Fatalf("%s drew %s, outside %s–%s", c.p, d, c.lo, c.hi)
			}
			spread[d] = true
		}
		if c.lo != c.hi && len(spread) < 100 {
			t.Errorf("%s drew only %d different delays in 200", c.p, len(spread))
		}
	}
}

// pacedPair is mockokta, on clk, wired to an in-process mockatlassian.
func pacedPair(t *testing.T, clk clock.Sleeper, pace Pace) *pipeline {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Options: mockatlassian.Options{Seed: 7, Logger: quiet}, Logger: quiet,
		Boot: &mockatlassian.Boot{OrgID: pipeAtlOrg, DirectoryID: pipeDir, APIKey: pipeKey, VerifiedDomains: []string{pipeDomain}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(atl)
	t.Cleanup(ts.Close)
	scimURL := ts.URL + "/scim/directory/" + pipeDir
	okta, err := NewServer(Config{Options: Options{Clock: clk, Seed: 3, SCIMClient: ts.Client(), Logger: quiet, Pace: pace,
		Journal: journal.New(journal.Options{}, clk)}, Logger: quiet,
		Boot: &Boot{OrgID: "00opaced", APIToken: pipeToken, AtlassianSCIMURL: scimURL, AtlassianSCIMToken: pipeKey}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = okta.Close() })
	p := &pipeline{t: t, okta: okta, atl: atl, atlURL: ts.URL, token: pipeToken,
		orgID: okta.Booted.Org.ID, appID: okta.Booted.AppID, scimURL: scimURL}
	p.idle() // the boot's To App save reads the directory
	return p
}

// firstRequest is the time of the first outbound SCIM request after seq
// whose path has the suffix.
func firstRequest(t *testing.T, p *pipeline, after uint64, method, pathSuffix string) journal.Entry {
	t.Helper()
	for _, e := range p.okta.Model.Journal().Entries(journal.Query{AfterSeq: after}) {
		if e.Method == method && strings.HasSuffix(e.Path, pathSuffix) {
			return e
		}
	}
	t.Fatalf("no %s …%s after #%d", method, pathSuffix, after)
	return journal.Entry{}
}

func lastSeq(p *pipeline) uint64 {
	es := p.okta.Model.Journal().Entries(journal.Query{})
	if len(es) == 0 {
		return 0
	}
	return es[len(es)-1].Seq
}

// On the real clock a fixed pace holds the SCIM requests back: the first
// request of an assignment goes out no earlier than the pace after the
// API call began. Only the order of clock readings is asserted.
func TestPaceRealClock(t *testing.T) {
	const pace = 150 * time.Millisecond
	p := pacedPair(t, clock.System{}, FixedPace(pace))
	uid := p.createUser("Ada", "Lovelace", "ada@example.com")
	seq := lastSeq(p)
	before := time.Now()
	p.must(http.StatusOK, "POST", "/api/v1/apps/"+p.appID+"/users", map[string]any{"id": uid, "scope": "USER"})
	p.idle()
	sent := firstRequest(t, p, seq, "GET", "/Users")
	if !sent.Time.After(before.Add(pace)) {
		t.Errorf("first SCIM request at %s, %s after the assignment began; want at least %s",
			sent.Time.Format(time.RFC3339Nano), sent.Time.Sub(before), pace)
	}
	if p.scimUserByName("ada@example.com") == nil {
		t.Fatal("not provisioned")
	}
}

// heldClock is a fake clock whose waits, while held, start only when
// released: the test decides what is queued before the engine's first
// wait moves the clock.
type heldClock struct {
	*clock.Fake
	mu   sync.Mutex
	held chan struct{}
}

func (c *heldClock) hold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held = make(chan struct{})
}

func (c *heldClock) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.held)
	c.held = nil
}

func (c *heldClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	h := c.held
	c.mu.Unlock()
	if h != nil {
		select {
		case <-h:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return c.Fake.Sleep(ctx, d)
}

// A job is due a pace after its own change, not after the job before it:
// two assignments made together both start a pace later, and their
// requests keep the order of the changes. On a fake clock the waits are
// exact.
func TestPaceDueFromTheChange(t *testing.T) {
	clk := &heldClock{Fake: clock.NewFake(time.Date(2026, 3, 18, 10, 0, 0, 0, time.UTC))}
	p := pacedPair(t, clk, FixedPace(2*time.Second))
	a := p.createUser("Ada", "Lovelace", "ada@example.com")
	b := p.createUser("Grace", "Hopper", "grace@example.com")
	seq := lastSeq(p)
	t0 := clk.Now()
	clk.hold()
	p.must(http.StatusOK, "POST", "/api/v1/apps/"+p.appID+"/users", map[string]any{"id": a, "scope": "USER"})
	p.must(http.StatusOK, "POST", "/api/v1/apps/"+p.appID+"/users", map[string]any{"id": b, "scope": "USER"})
	clk.release()
	p.idle()
	posts := 0
	var names []string
	for _, e := range p.okta.Model.Journal().Entries(journal.Query{AfterSeq: seq}) {
		if e.Time.Before(t0.Add(2 * time.Second)) {
			t.Errorf("%s %s at %s, before the pace", e.Method, e.Path, e.Time)
		}
		if e.Time.After(t0.Add(2 * time.Second)) {
			t.Errorf("%s %s at %s: waited after the first job too", e.Method, e.Path, e.Time)
		}
		if e.Method == "POST" {
			posts++
			names = append(names, string(e.RequestBody))
		}
	}
	if posts != 2 || !strings.Contains(names[0], "ada@") || !strings.Contains(names[1], "grace@") {
		t.Fatalf("creates out of order or missing: %q", names)
	}
}

// An org's own pace beats the server's; a reset does not wait out a long
// pace of a job it dropped.
func TestOrgPaceAndReset(t *testing.T) {
	p := pacedPair(t, clock.System{}, InstantPace)
	m := p.okta.Model
	long := FixedPace(time.Hour)
	if err := m.SetOrgPace(p.orgID, &long); err != nil {
		t.Fatal(err)
	}
	if got, own, _ := m.OrgPace(p.orgID); got != long || !own {
		t.Fatalf("OrgPace = %s, own %v", got, own)
	}
	uid := p.createUser("Ada", "Lovelace", "ada@example.com")
	p.must(http.StatusOK, "POST", "/api/v1/apps/"+p.appID+"/users", map[string]any{"id": uid, "scope": "USER"})
	if m.PendingJobs(p.orgID) == 0 {
		t.Fatal("the assignment went out at once under a one-hour pace")
	}
	if err := m.ResetOrg(p.orgID); err != nil {
		t.Fatal(err)
	}
	p.idle() // fails after pipeTimeout if the engine still waits out the hour
	if err := m.SetOrgPace(p.orgID, nil); err != nil {
		t.Fatal(err)
	}
	if got, own, _ := m.OrgPace(p.orgID); got != InstantPace || own {
		t.Fatalf("after clearing: %s, own %v", got, own)
	}
}

// The control API sets and shows an org's pace and refuses bad values in
// Okta's error envelope, changing nothing.
func TestPaceControlAPI(t *testing.T) {
	e := newOktaEnv(t)
	path := "/_sim/orgs/" + e.org.ID + "/pace"
	if got := e.do("GET", path, nil).must(t, 200).obj(); got["pace"] != "instant" || got["source"] != "server" {
		t.Fatalf("GET pace = %v", got)
	}
	if got := e.do("PUT", path, map[string]any{"pace": "uniform:0s-2s"}).must(t, 200).obj(); got["pace"] != "uniform:0s-2s" || got["source"] != "org" {
		t.Fatalf("PUT pace = %v", got)
	}
	r := e.do("PUT", path, map[string]any{"pace": "fixed:-1s"}).wantError(t, 400, "E0000001")
	if c := r.causes(); len(c) != 1 || !strings.Contains(c[0], "pace: ") || !strings.Contains(c[0], "cannot be negative") {
		t.Errorf("causes = %q", c)
	}
	if got := e.do("GET", path, nil).obj(); got["pace"] != "uniform:0s-2s" {
		t.Errorf("a refused value changed the pace: %v", got)
	}
	if got := e.do("PUT", path, map[string]any{"pace": nil}).must(t, 200).obj(); got["pace"] != "instant" || got["source"] != "server" {
		t.Errorf("null pace = %v", got)
	}
	e.do("GET", "/_sim/orgs/nobody/pace", nil).wantError(t, 404, "E0000007")

	// Made with its org; a bad pace makes no org.
	orgs := len(e.srv.Model.OrgSummaries())
	r = e.doAuth("POST", "/_sim/orgs", map[string]any{"pace": "sometimes"}, "").wantError(t, 400, "E0000001")
	if c := r.causes(); len(c) != 1 || !strings.Contains(c[0], "want instant, okta, fixed:DURATION") {
		t.Errorf("causes = %q", c)
	}
	if n := len(e.srv.Model.OrgSummaries()); n != orgs {
		t.Errorf("a refused org was made: %d orgs, want %d", n, orgs)
	}
	created := e.doAuth("POST", "/_sim/orgs", map[string]any{"pace": "fixed:250ms"}, "").must(t, 201).obj()
	if got := e.do("GET", "/_sim/orgs/"+created["id"].(string)+"/pace", nil).obj(); got["pace"] != "fixed:250ms" || got["source"] != "org" {
		t.Errorf("org made with a pace: %v", got)
	}
}

// --pace and MOCKOKTA_PACE set the server's pace; bad values are usage
// errors that say what is accepted.
func TestPaceFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want Pace
	}{
		{nil, nil, InstantPace},
		{[]string{"--pace", "okta"}, nil, OktaPace},
		{nil, map[string]string{"MOCKOKTA_PACE": "fixed:500ms"}, FixedPace(500 * time.Millisecond)},
	} {
		cli, err := ParseFlags(c.args, func(k string) string { return c.env[k] }, io.Discard)
		if err != nil || cli.Config.Options.Pace != c.want {
			t.Errorf("%v %v: pace %s, %v; want %s", c.args, c.env, cli.Config.Options.Pace, err, c.want)
		}
	}
	_, err := ParseFlags([]string{"--pace", "uniform:5s-1s"}, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `pace "uniform:5s-1s": MIN 5s is greater than MAX 1s`) {
		t.Errorf("bad --pace: %v", err)
	}
}

// A seed gives an org its pace before anything of it is queued; a bad one
// is refused when the seed is read.
func TestSeedPace(t *testing.T) {
	s, err := ParseSeed([]byte("orgs:\n  - id: paced\n    pace: okta\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Seed: 1})
	defer m.Close()
	if err := m.ApplySeed(s); err != nil {
		t.Fatal(err)
	}
	if got, own, err := m.OrgPace("paced"); err != nil || got != OktaPace || !own {
		t.Errorf("seeded pace = %s, own %v, %v", got, own, err)
	}
	if _, err := ParseSeed([]byte("orgs:\n  - id: paced\n    pace: slow\n")); err == nil ||
		!strings.Contains(err.Error(), `orgs[0] (paced): pace "slow"`) {
		t.Errorf("bad seed pace: %v", err)
	}
}
