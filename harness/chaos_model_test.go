package harness

// A seeded, model-based test of the provisioning engine under faults
// (docs/provisioning.md, "How this is checked"). Each seed makes a small
// org and plays a random sequence of admin actions — assign and unassign
// people and groups, group membership, deactivate and reactivate, email
// changes, push, unlink, Push Now — interleaved with random faults of
// every kind on the SCIM side and with task retries. After every step (a
// quiet point: the engine is idle) Atlassian is compared with a reference
// model of what Okta's rules imply; a difference is allowed only while an
// open task tells the admin about it. Every few steps the faults stop and
// the admin works the tasks (retry, forced retry, Mark complete, the way
// out of a push conflict): within a few rounds no task may be left, and
// both sides must then agree exactly.
//
// A failing seed prints its steps as a scenario: `harness run` replays it
// (the engine is deterministic: one worker per app, seeded ids, virtual
// back-offs). `make chaos SEEDS=N` runs more seeds than CI.

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/mockokta"
)

var (
	modelSeeds = flag.Int("chaos.seeds", 40, "seeds TestChaosModel runs")
	modelFirst = flag.Uint64("chaos.first", 1, "first seed of TestChaosModel")
	modelSteps = flag.Int("chaos.steps", 60, "admin actions and faults per seed of TestChaosModel")
	modelOut   = flag.String("chaos.out", "", "directory to write a failing seed's scenario to")
)

// modelRounds bounds the rounds of task work after the faults stop: one
// round retries everything; a second follows the work the first queued
// (members pushed once their account exists).
const modelRounds = 3

func TestChaosModel(t *testing.T) {
	if testing.Short() {
		t.Skip("model-based chaos runs whole scenarios")
	}
	for i := range *modelSeeds {
		seed := *modelFirst + uint64(i)
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			c := newChaos(t, seed)
			c.play(*modelSteps)
		})
	}
}

// TestChaosModelReplays checks that a seed's printed scenario replays: run
// through RunScenario it makes the same SCIM requests, so a failure found
// by a seed can be studied with `harness run`.
func TestChaosModelReplays(t *testing.T) {
	if testing.Short() {
		t.Skip("model-based chaos runs whole scenarios")
	}
	c := newChaos(t, 4242)
	c.play(30)
	live := c.wire()
	data, err := yaml.Marshal(c.scenario())
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("replay.yaml", data)
	if err != nil {
		t.Fatalf("the printed scenario does not parse: %v\n%s", err, data)
	}
	env, err := StartEmbedded(EmbeddedOptions{Seed: s.Seed})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	res, err := RunScenario(context.Background(), s, "replay.yaml", data, RunOptions{Env: env})
	if err != nil || !res.Passed {
		var b strings.Builder
		WriteText(&b, []*Result{res})
		t.Fatalf("replay: %v\n%s", err, b.String())
	}
	replayed := wireOf(env)
	if strings.Join(replayed, "\n") != strings.Join(live, "\n") {
		t.Errorf("the replay sent %d SCIM requests, the live run %d; first difference:\n%s", len(replayed), len(live), firstDiff(live, replayed))
	}
}

// chaosPerson is the model's view of one person.
type chaosPerson struct {
	ref, login, email string
	active            bool // ACTIVE in Okta (else DEPROVISIONED)
	direct            bool // assigned to the app directly
	// orphan: the person left the app's scope while a create was failing.
	// If the create's request went through, Okta has no id for the account
	// and sends no deactivation (OKTA-DEACT-5): it may stay active until
	// the person is assigned again.
	orphan bool
	// confirmed: seen provisioned when both sides agreed; the account
	// exists for good (Okta never deletes users).
	confirmed bool
	emails    int // email changes so far
}

// chaosGroup is the model's view of one Okta group.
type chaosGroup struct {
	name     string
	members  map[string]bool // person refs
	assigned bool            // assigned to the app
	pushed   bool            // a push mapping exists
}

// chaosModel is what Okta's rules say Atlassian should hold.
type chaosModel struct {
	people []*chaosPerson
	groups []*chaosGroup
}

// inScope: the person is assigned to the app and active (OKTA-ASSIGN-1).
func (m *chaosModel) inScope(p *chaosPerson) bool {
	return p.active && (p.direct || m.viaGroup(p))
}

// viaGroup: an assigned group holds the person.
func (m *chaosModel) viaGroup(p *chaosPerson) bool {
	for _, g := range m.groups {
		if g.assigned && g.members[p.ref] {
			return true
		}
	}
	return false
}

// eligible: pushed to g (OKTA-PUSH-1); provisioned is the engine's to
// reach, and a task says when it has not.
func (m *chaosModel) eligible(p *chaosPerson, g *chaosGroup) bool {
	return g.members[p.ref] && m.inScope(p)
}

// chaos is one seed's run.
type chaos struct {
	t     *testing.T
	seed  uint64
	rng   *rand.Rand
	m     *chaosModel
	s     *Scenario
	env   *Env
	r     *run
	steps []Step
	own   *countingTransport // the test's own SCIM requests (Mark complete's manual deactivations)
	// freshPush: pushed groups fully pushed since any member changed
	// scope, so no ineligible member may be left in the Atlassian group
	// (they stay until the next full push, OKTA-PUSH-4).
	freshPush map[string]bool
	heals     int
}

func newChaos(t *testing.T, seed uint64) *chaos {
	t.Helper()
	c := &chaos{t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, seed*0x9e3779b97f4a7c15+1)), m: &chaosModel{},
		freshPush: map[string]bool{}}
	app := AppSpec{Template: "atlassian"}
	if c.rng.IntN(3) == 0 {
		// A wizard-built custom SCIM app: PUT for everything (OKTA-FLAVOUR-1).
		app = AppSpec{Template: "acme_scim", Label: "Acme SCIM"}
	}
	if c.rng.IntN(4) == 0 {
		app.GroupPushConflict = "link" // the switch: the engine links by itself (OKTA-PUSH-14)
	}
	s := &Scenario{Name: fmt.Sprintf("chaos seed %d", seed), Seed: seed,
		Atlassian: AtlassianSpec{Domains: []string{"example.com"}, Sites: []SiteSpec{{Name: "acme.atlassian.net", Products: []string{"jira-software"}}}},
		Okta:      OktaSpec{App: app}}
	n := 3 + c.rng.IntN(3)
	for i := 1; i <= n; i++ {
		p := &chaosPerson{ref: fmt.Sprintf("p%d", i), login: fmt.Sprintf("p%d@example.com", i), active: true}
		p.email = p.login
		c.m.people = append(c.m.people, p)
		s.People = append(s.People, PersonSpec{Ref: p.ref, Login: p.login, FirstName: "P", LastName: fmt.Sprintf("Number%d", i)})
	}
	for _, name := range []string{"staff", "jira-users", "confluence-users"} {
		g := &chaosGroup{name: name, members: map[string]bool{}}
		var refs []string
		for _, p := range c.m.people {
			if c.rng.IntN(2) == 0 {
				g.members[p.ref] = true
				refs = append(refs, p.ref)
			}
		}
		c.m.groups = append(c.m.groups, g)
		s.Groups = append(s.Groups, GroupSpec{Name: name, Members: refs})
	}
	c.s = s
	env, err := StartEmbedded(EmbeddedOptions{Seed: s.Seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	c.env = env
	if c.r, err = newRun(context.Background(), s, env, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.r.setup(); err != nil {
		t.Fatalf("setup: %v", err)
	}
	c.own = &countingTransport{next: env.HTTP.Transport}
	c.r.scim.http = &http.Client{Transport: c.own, Timeout: env.HTTP.Timeout}
	return c
}

// countingTransport notes the requests sent through it.
type countingTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []*http.Request
}

func (t *countingTransport) sent() []*http.Request {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*http.Request(nil), t.reqs...)
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.reqs = append(t.reqs, r)
	t.mu.Unlock()
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(r)
}

// checkWire: every SCIM request that reached Atlassian is an attempt the
// engine journaled, or one of the test's own; nothing was re-sent behind
// the engine's back (OKTA-RETRY-4). (An attempt may be journaled and never
// reach Atlassian: a connection that broke on the way.)
func (c *chaos) checkWire() {
	c.t.Helper()
	key := func(method, path, query string) string {
		if i := strings.Index(path, "/scim/directory/"); i >= 0 {
			path = path[i:]
		}
		return method + " " + path + "?" + query
	}
	count := map[string]int{}
	for _, e := range c.env.Atlassian.Journal.Entries(journal.Query{Tenant: c.r.dirID}) {
		count[key(e.Method, e.Path, e.Query)]++
	}
	for _, e := range c.env.Okta.Model.Journal().Entries(journal.Query{Tenant: c.r.oktaOrg}) {
		count[key(e.Method, e.Path, e.Query)]--
	}
	for _, r := range c.own.sent() {
		count[key(r.Method, r.URL.Path, r.URL.RawQuery)]--
	}
	var extra []string
	for k, n := range count {
		if n > 0 {
			extra = append(extra, fmt.Sprintf("%d× %s", n, k))
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		c.fail("Atlassian received SCIM requests that are in no journal: re-sent behind the engine's back: %s", strings.Join(extra, "; "))
	}
}

// play runs n random steps, healing every few steps and at the end.
func (c *chaos) play(n int) {
	nextHeal := 8 + c.rng.IntN(12)
	for i := 0; i < n; i++ {
		c.do(c.next())
		c.check(false)
		if i+1 == nextHeal {
			c.heal()
			nextHeal += 8 + c.rng.IntN(12)
		}
	}
	c.heal()
	c.checkWire()
	o, err := c.env.Okta.Model.Org(c.r.oktaOrg)
	if err != nil {
		c.t.Fatal(err)
	}
	failed := 0
	for _, e := range c.env.Okta.Model.Journal().Entries(journal.Query{Tenant: c.r.oktaOrg}) {
		if e.Status == 0 || e.Status >= 400 {
			failed++
		}
	}
	c.t.Logf("seed %d: %d steps, %d tasks opened and closed, %d SCIM requests failed, %d heals", c.seed, len(c.steps),
		len(c.env.Okta.Model.Tasks(o, true)), failed, c.heals)
}

// do runs one step as a scenario runs it and records it.
func (c *chaos) do(st Step) {
	c.t.Helper()
	c.steps = append(c.steps, st)
	if fails, exchange := c.r.step(len(c.steps)-1, st); len(fails) > 0 {
		c.fail("step %d (%s) failed: %v\nSCIM traffic:\n  %s", len(c.steps), stepName(st), fails, strings.Join(exchange, "\n  "))
	}
}

// choice is a candidate step: its weight, the step, and its effect on the
// model (applied when chosen).
type choice struct {
	weight int
	step   Step
	apply  func()
}

// next picks a random step that is valid in the model's state and applies
// its effect to the model.
func (c *chaos) next() Step {
	var cs []choice
	add := func(w int, st Step, apply func()) { cs = append(cs, choice{w, st, apply}) }
	m := c.m
	for _, p := range m.people {
		p := p
		if p.active && !p.direct {
			add(3, Step{Assign: &AssignStep{User: p.ref}}, func() { c.scope(func() { p.direct = true }) })
		}
		if p.direct && !m.viaGroup(p) {
			// Okta refuses to unassign while a group grants the app
			// (OAPI-APP-4).
			add(3, Step{Unassign: &AssignStep{User: p.ref}}, func() { c.scope(func() { p.direct = false }) })
		}
		if p.active {
			add(2, Step{Deactivate: p.ref}, func() { c.scope(func() { p.active, p.direct = false, false }) })
			n := p.emails + 1
			email := fmt.Sprintf("%s.v%d@example.com", strings.TrimSuffix(p.login, "@example.com"), n)
			add(3, Step{ChangeEmail: &EmailStep{User: p.ref, Email: email}}, func() { p.email, p.emails = email, n })
		} else {
			add(3, Step{Activate: p.ref}, func() { c.scope(func() { p.active = true }) })
		}
		for _, g := range m.groups {
			g := g
			w := 2
			if g.pushed {
				w = 4 // membership churn on pushed groups meets membership faults
			}
			if g.members[p.ref] {
				add(w, Step{RemoveFromGroup: &MembershipStep{User: p.ref, Group: g.name}}, func() { c.scope(func() { delete(g.members, p.ref) }, g) })
			} else {
				add(w, Step{AddToGroup: &MembershipStep{User: p.ref, Group: g.name}}, func() { c.scope(func() { g.members[p.ref] = true }, g) })
			}
		}
	}
	for _, g := range m.groups {
		g := g
		if g.assigned {
			add(2, Step{Unassign: &AssignStep{Group: g.name}}, func() { c.scope(func() { g.assigned = false }) })
		} else {
			add(4, Step{Assign: &AssignStep{Group: g.name}}, func() { c.scope(func() { g.assigned = true }) })
		}
		if g.pushed {
			add(3, Step{PushNow: g.name}, func() { c.freshPush[g.name] = !c.faulty() })
			del := c.rng.IntN(2) == 0
			add(1, Step{UnlinkPushedGroup: &UnlinkStep{Group: g.name, DeleteTarget: del}}, func() { g.pushed = false })
		} else {
			add(3, Step{PushGroup: &PushStep{Group: g.name}}, func() { g.pushed, c.freshPush[g.name] = true, false })
		}
	}
	// Second thoughts: an admin who undoes a change whose push just failed
	// makes a task's intent stale, where retries used to do harm.
	for _, t := range c.tasks() {
		if st, apply, ok := c.undo(t); ok {
			add(6, st, apply)
		}
	}
	add(24, Step{Fault: c.randomFault()}, nil)
	add(6, Step{RetryTask: &RetryTaskStep{}}, nil)
	add(3, Step{RetryTask: &RetryTaskStep{Force: true}}, nil)
	add(1, Step{ClearFaults: &struct{}{}}, nil)

	total := 0
	for _, ch := range cs {
		total += ch.weight
	}
	pick := c.rng.IntN(total)
	for _, ch := range cs {
		if pick < ch.weight {
			if ch.apply != nil {
				ch.apply()
			}
			return ch.step
		}
		pick -= ch.weight
	}
	panic("unreachable")
}

// undo offers the step that reverses what an open task was about: the
// membership change of a failed push, the unassignment or deactivation of
// a failed deprovisioning.
func (c *chaos) undo(t mockokta.Task) (Step, func(), bool) {
	switch t.Kind {
	case "push-delta":
		g := c.pushedGroupOf(t.MappingID)
		if g == nil {
			return Step{}, nil, false
		}
		for i := len(c.steps) - 1; i >= 0; i-- {
			st := c.steps[i]
			switch {
			case st.RemoveFromGroup != nil && st.RemoveFromGroup.Group == g.name && !g.members[st.RemoveFromGroup.User]:
				ref := st.RemoveFromGroup.User
				return Step{AddToGroup: &MembershipStep{User: ref, Group: g.name}}, func() { c.scope(func() { g.members[ref] = true }, g) }, true
			case st.AddToGroup != nil && st.AddToGroup.Group == g.name && g.members[st.AddToGroup.User]:
				ref := st.AddToGroup.User
				return Step{RemoveFromGroup: &MembershipStep{User: ref, Group: g.name}}, func() { c.scope(func() { delete(g.members, ref) }, g) }, true
			}
		}
	case "deactivate":
		for _, p := range c.m.people {
			if c.r.persons[p.ref].oktaID != t.UserID {
				continue
			}
			p := p
			switch {
			case !p.active:
				return Step{Activate: p.ref}, func() { c.scope(func() { p.active = true }) }, true
			case !c.m.inScope(p):
				return Step{Assign: &AssignStep{User: p.ref}}, func() { c.scope(func() { p.direct = true }) }, true
			}
		}
	}
	return Step{}, nil, false
}

// scope applies a change to who is assigned or to the members of groups,
// noting the people it takes out of scope while a create was failing (they
// may keep an account Okta does not know about). A pushed group whose
// members changed holds no promise about its ineligible members until the
// next full push.
func (c *chaos) scope(change func(), groups ...*chaosGroup) {
	for _, g := range groups {
		c.freshPush[g.name] = false
	}
	before := map[string]bool{}
	for _, p := range c.m.people {
		before[p.ref] = c.m.inScope(p)
	}
	change()
	creating := map[string]bool{}
	for _, t := range c.tasks() {
		if t.Kind == "provision" {
			creating[t.UserID] = true
		}
	}
	for _, p := range c.m.people {
		now := c.m.inScope(p)
		switch {
		case before[p.ref] && !now && creating[c.r.persons[p.ref].oktaID]:
			p.orphan = true
		case now:
			p.orphan = false
		}
		if before[p.ref] != now {
			// Scope changes make stale or fresh members: only a full push
			// that follows settles the group.
			for _, g := range c.m.groups {
				if g.members[p.ref] {
					c.freshPush[g.name] = false
				}
			}
		}
	}
}

// faulty reports whether fault rules may be active.
func (c *chaos) faulty() bool {
	for i := len(c.steps) - 1; i >= 0; i-- {
		switch {
		case c.steps[i].ClearFaults != nil:
			return false
		case c.steps[i].Fault != nil:
			return true
		}
	}
	return false
}

// randomFault is one fault of any kind on some SCIM requests: throttling
// (retried by Okta), an error status, a dropped connection, or an answer
// lost after Atlassian made the change.
func (c *chaos) randomFault() *FaultSpec {
	f := &FaultSpec{Times: 1 + c.rng.IntN(5)}
	f.Method = []string{"", "", "", "GET", "POST", "PUT", "PATCH", "PATCH", "DELETE"}[c.rng.IntN(9)]
	f.Path = []string{"", "", "/Users", "/Groups"}[c.rng.IntN(4)]
	switch c.rng.IntN(9) {
	case 0, 1:
		ra := c.rng.IntN(6)
		f.Status, f.RetryAfter = 429, &ra
		if c.rng.IntN(5) == 0 {
			f.Times = 10 // Okta gives up after 10 attempts (OKTA-RETRY-1)
		}
	case 2, 3:
		f.Status = []int{500, 502, 503, 503, 400, 401, 403, 404, 409}[c.rng.IntN(9)]
	case 4:
		f.Drop = true
	case 5, 6, 7:
		f.Drop, f.After = true, true
	case 8:
		f.Status, f.After = []int{500, 502, 504}[c.rng.IntN(3)], true
	}
	return f
}

// heal stops the faults and works the tasks as an admin would, until none
// is left; then both sides must agree exactly.
func (c *chaos) heal() {
	c.t.Helper()
	c.heals++
	c.do(Step{ClearFaults: &struct{}{}})
	for round := 0; ; round++ {
		open := c.tasks()
		if len(open) == 0 {
			break
		}
		if round == modelRounds {
			var msgs []string
			for _, t := range open {
				msgs = append(msgs, fmt.Sprintf("%s (%s): %s", t.Kind, t.ID, t.Message))
			}
			c.fail("%d tasks still open after %d rounds of retries with no faults:\n  %s", len(open), round, strings.Join(msgs, "\n  "))
		}
		c.wayOut(open)
		if c.rng.IntN(2) == 0 {
			c.do(Step{RetryTask: &RetryTaskStep{Force: true}})
		} else {
			c.do(Step{MarkTasksComplete: &MarkTasksStep{DeactivateFirst: true}})
			c.do(Step{RetryTask: &RetryTaskStep{}})
		}
	}
	c.check(true)
	if c.rng.IntN(2) == 0 {
		// Push Now makes the Atlassian groups Okta's exactly, stale
		// members included (OKTA-PUSH-7).
		for _, g := range c.m.groups {
			if g.pushed {
				c.do(Step{PushNow: g.name})
				c.freshPush[g.name] = true
			}
		}
		c.check(true)
	}
}

// wayOut does what Okta leaves to the admin for push tasks: a group that
// already exists is linked after a refresh (OKTA-PUSH-14); a group gone
// from Atlassian is unlinked, the groups refreshed and the group pushed
// again (OKTA-PUSH-13).
func (c *chaos) wayOut(open []mockokta.Task) {
	refreshed := false
	refresh := func() {
		if !refreshed {
			c.do(Step{RefreshAppGroups: &struct{}{}})
			refreshed = true
		}
	}
	done := map[string]bool{}
	for _, t := range open {
		g := c.pushedGroupOf(t.MappingID)
		if g == nil || done[g.name] {
			continue
		}
		switch {
		case strings.Contains(t.Message, "already exists"):
			refresh()
			c.do(Step{LinkPushedGroup: &LinkStep{Group: g.name}})
		case strings.Contains(t.Message, "Not Found"):
			c.do(Step{UnlinkPushedGroup: &UnlinkStep{Group: g.name}})
			refresh()
			c.do(Step{PushGroup: &PushStep{Group: g.name}})
		default:
			continue
		}
		done[g.name] = true
	}
}

// pushedGroupOf finds the group whose current push mapping has this id.
func (c *chaos) pushedGroupOf(mappingID string) *chaosGroup {
	if mappingID == "" {
		return nil
	}
	for _, g := range c.m.groups {
		if gs := c.r.groups[g.name]; gs != nil && gs.mappingID == mappingID && g.pushed {
			return g
		}
	}
	return nil
}

func (c *chaos) tasks() []mockokta.Task {
	c.t.Helper()
	o, err := c.env.Okta.Model.Org(c.r.oktaOrg)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.env.Okta.Model.Tasks(o, false)
}

// downstream is what Atlassian holds, read from its model (not through
// the SCIM API, whose faults would fire).
type downstream struct {
	users  map[string][]scim.User // by lower-case userName
	byID   map[string]string      // SCIM id → lower-case userName
	groups map[string][]scim.Group
}

func (c *chaos) downstream() downstream {
	c.t.Helper()
	d := downstream{users: map[string][]scim.User{}, byID: map[string]string{}, groups: map[string][]scim.Group{}}
	atl := c.env.Atlassian.Model
	for start := 1; ; start += 100 {
		total, _, us, err := atl.ListUsers(c.r.dirID, nil, start, 100)
		if err != nil {
			c.t.Fatal(err)
		}
		for _, u := range us {
			k := strings.ToLower(u.UserName)
			d.users[k] = append(d.users[k], u)
			d.byID[u.ID] = k
		}
		if start+100 > total {
			break
		}
	}
	for start := 1; ; start += 100 {
		total, _, gs, err := atl.ListGroups(c.r.dirID, nil, start, 100)
		if err != nil {
			c.t.Fatal(err)
		}
		for _, g := range gs {
			k := strings.ToLower(g.DisplayName)
			d.groups[k] = append(d.groups[k], g)
		}
		if start+100 > total {
			break
		}
	}
	return d
}

// check compares Atlassian with the model. At a quiet point a difference
// needs an open task that tells the admin (about the person, or the push);
// strict (after healing) there are no tasks, and no difference is allowed.
func (c *chaos) check(strict bool) {
	c.t.Helper()
	open := c.tasks()
	if strict && len(open) > 0 {
		c.fail("%d tasks open after healing", len(open))
	}
	taskFor := map[string]bool{} // Okta user id or mapping id → an open task
	for _, t := range open {
		for _, id := range []string{t.UserID, t.MappingID} {
			if id != "" {
				taskFor[id] = true
			}
		}
	}
	d := c.downstream()
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	scimID := map[string]string{} // person ref → SCIM id
	for _, p := range c.m.people {
		us := d.users[strings.ToLower(p.login)]
		oktaID := c.r.persons[p.ref].oktaID
		covered := taskFor[oktaID]
		switch {
		case len(us) > 1:
			bad("%s has %d SCIM users: Okta never creates twice", p.ref, len(us))
			continue
		case len(us) == 0:
			if p.confirmed {
				bad("%s's account is gone: Okta never deletes users", p.ref)
			}
			if c.m.inScope(p) && !covered {
				bad("%s is assigned and active in Okta but has no account in Atlassian, and no task says so", p.ref)
			}
			continue
		}
		u := us[0]
		scimID[p.ref] = u.ID
		inScope := c.m.inScope(p)
		if strict && inScope {
			p.confirmed = true
		}
		switch {
		case inScope && !u.IsActive() && !covered:
			bad("%s is assigned and active in Okta but inactive in Atlassian, and no task says so", p.ref)
		case inScope && !strings.EqualFold(u.PrimaryEmail(), p.email) && !covered:
			bad("%s's email is %s in Okta but %s in Atlassian, and no task says so", p.ref, p.email, u.PrimaryEmail())
		case !inScope && u.IsActive() && !covered && !p.orphan:
			bad("%s is not assigned (or deactivated) in Okta but active in Atlassian, and no task says so", p.ref)
		}
	}
	for _, g := range c.m.groups {
		if !g.pushed {
			continue
		}
		mapping := c.r.groups[g.name].mappingID
		covered := taskFor[mapping]
		ds := d.groups[strings.ToLower(g.name)]
		switch {
		case len(ds) > 1:
			bad("%d Atlassian groups named %s", len(ds), g.name)
			continue
		case len(ds) == 0:
			if !covered {
				bad("group %s is pushed but not in Atlassian, and no task says so", g.name)
			}
			continue
		}
		in := map[string]bool{}
		for _, mb := range ds[0].Members {
			in[d.byID[mb.Value]] = true
		}
		for _, p := range c.m.people {
			has := in[strings.ToLower(p.login)]
			pc := covered || taskFor[c.r.persons[p.ref].oktaID]
			switch {
			case c.m.eligible(p, g) && !has && !pc:
				bad("%s is an eligible member of pushed group %s but not in the Atlassian group, and no task says so", p.ref, g.name)
			case !g.members[p.ref] && has && !covered:
				bad("%s left pushed group %s in Okta but is still in the Atlassian group, and no task says so", p.ref, g.name)
			case strict && g.members[p.ref] && !c.m.eligible(p, g) && has && c.freshPush[g.name]:
				bad("%s is not eligible for pushed group %s (unassigned or deactivated) but stayed in the Atlassian group after Push Now", p.ref, g.name)
			}
		}
	}
	if strict {
		problems = append(problems, c.checkOkta()...)
	}
	if len(problems) > 0 {
		kind := "at a quiet point"
		if strict {
			kind = "after healing"
		}
		c.fail("Atlassian and the model disagree %s (step %d):\n  %s", kind, len(c.steps), strings.Join(problems, "\n  "))
	}
}

// checkOkta checks Okta's own view after healing: assigned people are
// provisioned and in sync, nobody else is assigned, pushes are active.
func (c *chaos) checkOkta() []string {
	var problems []string
	type appUser struct {
		ID, Status, SyncState, ExternalID string
	}
	var aus []appUser
	if err := c.r.okta.do("GET", "/api/v1/apps/"+c.r.appID+"/users?limit=200", nil, &aus); err != nil {
		c.t.Fatal(err)
	}
	byID := map[string]appUser{}
	for _, au := range aus {
		byID[au.ID] = au
	}
	for _, p := range c.m.people {
		au, ok := byID[c.r.persons[p.ref].oktaID]
		switch {
		case c.m.inScope(p) && (!ok || au.Status != "PROVISIONED" || au.SyncState != "SYNCHRONIZED" || au.ExternalID == ""):
			problems = append(problems, fmt.Sprintf("okta: %s is assigned but its app user is %+v (present %t)", p.ref, au, ok))
		case !c.m.inScope(p) && ok && au.Status != "DEPROVISIONED" && (au.Status != "STAGED" || au.ExternalID != ""):
			// Group-based app users of a deactivated user stay listed
			// DEPROVISIONED (OKTA-ASSIGN-2), or STAGED when their account
			// was never made.
			problems = append(problems, fmt.Sprintf("okta: %s is not in scope but its app user is %+v", p.ref, au))
		}
	}
	for _, g := range c.m.groups {
		if !g.pushed {
			continue
		}
		var pm struct{ Status, TargetGroupID string }
		if err := c.r.okta.do("GET", "/api/v1/apps/"+c.r.appID+"/group-push/mappings/"+url.PathEscape(c.r.groups[g.name].mappingID), nil, &pm); err != nil {
			c.t.Fatal(err)
		}
		if pm.Status != "ACTIVE" || pm.TargetGroupID == "" {
			problems = append(problems, fmt.Sprintf("okta: the push of %s is %s (target %q)", g.name, pm.Status, pm.TargetGroupID))
		}
	}
	return problems
}

// scenario is the seed's setup and steps so far, as a scenario file.
func (c *chaos) scenario() *Scenario {
	s := *c.s
	s.Steps = append([]Step(nil), c.steps...)
	return &s
}

// fail reports a failing seed with its steps as a replayable scenario.
func (c *chaos) fail(format string, args ...any) {
	c.t.Helper()
	msg := fmt.Sprintf(format, args...)
	s := c.scenario()
	s.Description = "TestChaosModel seed " + fmt.Sprint(c.seed) + ": " + msg
	data, err := yaml.Marshal(s)
	if err != nil {
		c.t.Fatalf("%s\n(and the scenario did not marshal: %v)", msg, err)
	}
	where := ""
	if *modelOut != "" {
		path := filepath.Join(*modelOut, fmt.Sprintf("chaos-seed-%d.yaml", c.seed))
		if err := os.WriteFile(path, data, 0o644); err == nil {
			where = " (written to " + path + ")"
		}
	}
	c.t.Fatalf("seed %d: %s\n\nReplay with `go run ./cmd/harness run FILE`%s:\n\n%s", c.seed, msg, where, data)
}

// wire is the engine's SCIM traffic so far, as comparable lines.
func (c *chaos) wire() []string { return wireOf(c.env) }

func wireOf(env *Env) []string {
	var out []string
	for _, e := range env.Okta.Model.Journal().Entries(journal.Query{}) {
		path := e.Path
		if i := strings.Index(path, "/scim/directory/"); i >= 0 {
			path = path[i:]
		}
		// Atlassian stamps resources with its wall clock; the placeholder
		// password comes from mockokta's id sequence, which the live run's
		// checks (API calls with request ids) advance.
		body := timestampRE.ReplaceAllString(string(e.RequestBody), `"<time>"`)
		body = passwordRE.ReplaceAllString(body, `"password":"<random>"`)
		out = append(out, fmt.Sprintf("%s %s?%s %d %s", e.Method, path, e.Query, e.Status, body))
	}
	return out
}

var passwordRE = regexp.MustCompile(`"password":"[^"]*"`)

var timestampRE = regexp.MustCompile(`"\d{4}-\d{2}-\d{2}T[0-9:.]+Z"`)

func firstDiff(a, b []string) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return fmt.Sprintf("#%d\n  live:   %s\n  replay: %s", i, a[i], b[i])
		}
	}
	return fmt.Sprintf("one is a prefix of the other (%d vs %d)", len(a), len(b))
}
