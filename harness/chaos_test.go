package harness

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/faults"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta"
)

// Chaos convergence: thousands of people go through Okta → Atlassian
// provisioning (assigned by group, updated, unassigned) while
// mockatlassian fails a third of the SCIM requests — 429 with Retry-After,
// 503, and dropped connections, some of them after Atlassian made the
// change. Okta retries the 429s by itself and leaves a task for every
// other failure. After each bulk change the engine settles and the admin
// retries the open tasks until none is left, under the same faults; in
// the end both sides must hold exactly what a fault-free run would.
//
// Tasks are worked after each change, not only at the end, as an admin
// would: a person unassigned while their create was failing never gets a
// downstream account (or, when only the create's answer was lost, keeps an
// active one Okta does not know about, as in Okta), and retrying their
// task then does nothing.

var (
	chaosPeople = flag.Int("chaos.people", 2000, "people in TestChaosConvergence")
	chaosSeed   = flag.Uint64("chaos.seed", 6, "seed of TestChaosConvergence's faults and people")
	chaosRounds = flag.Int("chaos.rounds", 40, "most rounds of task retries in TestChaosConvergence")
)

func TestChaosConvergence(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos convergence is long")
	}
	n, seed := *chaosPeople, *chaosSeed
	start := time.Now()
	// Everyone is in chaos-all, the group assigned to the app; every fifth
	// person is also in chaos-pushed, the pushed group. (Pushing the big
	// group would make every membership update a PATCH of thousands of
	// members, and its removals, interleaved with deactivations in Okta's
	// queue, one PATCH each.)
	var pushed []string
	for i := 5; i <= n; i += 5 {
		pushed = append(pushed, fmt.Sprintf("p%d", i))
	}
	env, r := startChaos(t, &Scenario{Name: "chaos", Seed: seed,
		Atlassian: AtlassianSpec{Domains: []string{"example.com"}, Sites: []SiteSpec{{Name: "acme.atlassian.net", Products: []string{"jira-software"}}}},
		Okta:      OktaSpec{App: AppSpec{Template: "atlassian"}},
		People:    []PersonSpec{{Generate: &GenerateSpec{Count: n, Domain: "example.com", Prefix: "p"}}},
		Groups:    []GroupSpec{{Name: "chaos-all", Members: []string{GeneratedMembers}}, {Name: "chaos-pushed", Members: pushed}},
	})
	setup := time.Since(start)
	act := func(st Step) {
		t.Helper()
		var fails []Failure
		if err := r.act(st, &fails); err != nil || len(fails) > 0 {
			t.Fatalf("%s: %v %v", stepName(st), err, fails)
		}
		if err := r.waitIdle(); err != nil {
			t.Fatalf("%s: %v", stepName(st), err)
		}
	}
	okta := func(method, path string, body any) {
		t.Helper()
		if err := r.okta.do(method, path, body, nil); err != nil {
			t.Fatal(err)
		}
	}
	// settle retries every open task ("Retry Selected"; failed
	// deactivations too: Okta only offers Mark complete there, which would
	// leave the account active) until none is left or the rounds run out.
	rounds := 0
	var phases []string
	phaseStart := time.Now()
	settle := func(phase string) {
		t.Helper()
		defer func() {
			phases = append(phases, fmt.Sprintf("%s %s", phase, time.Since(phaseStart).Round(time.Millisecond)))
			phaseStart = time.Now()
		}()
		if err := r.waitIdle(); err != nil {
			t.Fatalf("%s: %v", phase, err)
		}
		for i := 0; ; i++ {
			open := tasks(t, r, false)
			if len(open) == 0 {
				return
			}
			if i == *chaosRounds {
				for j, tk := range open {
					if j == 5 {
						t.Errorf("… and %d more", len(open)-5)
						break
					}
					t.Errorf("%s: task still open after %d rounds of retries: %s", phase, i, tk.Message)
				}
				t.FailNow()
			}
			rounds++
			if err := r.retryTasks(true); err != nil {
				t.Fatal(err)
			}
			if err := r.waitIdle(); err != nil {
				t.Fatal(err)
			}
		}
	}

	// The group is pushed before the faults: a create whose answer is lost
	// makes Okta create the group again and meet a 409, which Okta leaves
	// to the admin (push.go, OKTA-PUSH-3).
	act(Step{PushGroup: &PushStep{Group: "chaos-pushed"}})

	// A third of the directory's SCIM requests fail: one in nine each a 429
	// and a 503, one in eighteen each a dropped connection before and after
	// Atlassian applied the request. Rules are tried in order, each with
	// its own seeded sequence, hence the conditional probabilities.
	dirPath := "/scim/directory/" + r.dirID
	var rules []faults.Rule
	if err := r.atlCtl.do("POST", "/_sim/faults", []map[string]any{
		{"id": "throttle", "path": dirPath, "tenant": r.dirID, "status": 429, "retryAfter": 1, "probability": 1.0 / 9, "seed": seed},
		{"id": "unavailable", "path": dirPath, "tenant": r.dirID, "status": 503, "probability": 1.0 / 8, "seed": seed + 1},
		{"id": "drop", "path": dirPath, "tenant": r.dirID, "drop": true, "probability": 1.0 / 14, "seed": seed + 2},
		{"id": "lost-answer", "path": dirPath, "tenant": r.dirID, "drop": true, "after": true, "probability": 1.0 / 13, "seed": seed + 3},
	}, &rules); err != nil || len(rules) != 4 {
		t.Fatalf("add faults: %v %+v", err, rules)
	}

	// Assign by group; update every second person (every fourteenth twice:
	// the last value wins); remove every third pushed member from the
	// pushed group, then every fourth person from the assigned group.
	phaseStart = time.Now()
	act(Step{Assign: &AssignStep{Group: "chaos-all"}})
	settle("assign")
	title := map[string]string{}
	for i, p := range r.people {
		title[p.Ref] = p.Title
		if i%2 != 0 {
			continue
		}
		for v := 2; v <= 2+boolInt(i%14 == 0); v++ {
			title[p.Ref] = fmt.Sprintf("Title %d of %s", v, p.Ref)
			okta("POST", "/api/v1/users/"+r.persons[p.Ref].oktaID, map[string]any{"profile": map[string]any{"title": title[p.Ref]}})
		}
	}
	settle("update")
	inPushed := map[string]bool{}
	for i, ref := range pushed {
		inPushed[ref] = i%3 != 2
		if !inPushed[ref] {
			okta("DELETE", "/api/v1/groups/"+r.groups["chaos-pushed"].oktaID+"/users/"+r.persons[ref].oktaID, nil)
		}
	}
	assigned := map[string]bool{}
	for i, p := range r.people {
		assigned[p.Ref] = i%4 != 3
		if !assigned[p.Ref] {
			okta("DELETE", "/api/v1/groups/"+r.groups["chaos-all"].oktaID+"/users/"+r.persons[p.Ref].oktaID, nil)
		}
	}
	settle("unassign")
	lifecycle := time.Since(start) - setup

	// Only failures Okta does not retry made tasks: no task for a 429
	// that a later attempt got through (the 10-attempt rule).
	opened := tasks(t, r, true)
	sent := env.Okta.Model.Journal().Entries(journal.Query{Tenant: r.oktaOrg})
	throttled, recovered, exhausted := throttleRuns(sent)
	tasks429, tasks503, tasksNoAnswer := 0, 0, 0
	for _, tk := range opened {
		switch {
		case tk.Status == "RESOLVED" && strings.Contains(tk.Message, "(API rate limit)"):
			// A 429 wait a later attempt got through (OKTA-RETRY-3).
		case strings.Contains(tk.Message, "Too Many Requests"):
			tasks429++
		case strings.Contains(tk.Message, "Service Unavailable. Errors reported by remote server: Service unavailable. You can retry calls."):
			tasks503++
		case strings.HasSuffix(tk.Message, ": null"):
			// A request with no answer, whatever Go's transport said
			// (EOF, connection reset, use of closed network connection),
			// reads "…: null", Okta's wording (OKTA-TASK-3). Counted
			// against the dropped connections below: one the faults do
			// not explain is a failure of the simulators.
			tasksNoAnswer++
		default:
			t.Errorf("task for a failure no fault explains: %s", tk.Message)
		}
	}
	if throttled == 0 || recovered == 0 {
		t.Fatalf("no 429 was retried (%d throttled answers): the faults did not bite", throttled)
	}
	if tasks429 > exhausted {
		t.Errorf("%d tasks for 429s, but only %d requests met 10 429s in a row", tasks429, exhausted)
	}

	if err := r.atlCtl.do("GET", "/_sim/faults", nil, &rules); err != nil {
		t.Fatal(err)
	}
	var hits []string
	faulted := 0
	hitsOf := map[string]int{}
	for _, rule := range rules {
		hits = append(hits, fmt.Sprintf("%s %d", rule.ID, rule.Hits))
		faulted += rule.Hits
		hitsOf[rule.ID] = rule.Hits
	}
	// A failed request opens at most one task: no more tasks of a kind
	// than faults of that kind fired.
	if dropped := hitsOf["drop"] + hitsOf["lost-answer"]; tasksNoAnswer > dropped {
		t.Errorf("%d tasks for requests with no answer, but only %d connections were dropped", tasksNoAnswer, dropped)
	}
	if tasks503 > hitsOf["unavailable"] {
		t.Errorf("%d tasks for 503s, but only %d 503s were answered", tasks503, hitsOf["unavailable"])
	}
	if err := r.atlCtl.do("DELETE", "/_sim/faults", nil, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("chaos: %d people; %d SCIM requests sent by Okta, %d faulted at Atlassian (%s); "+
		"%d 429s, %d retried through, %d exhausted; %d tasks opened (%d no answer, %d 503), %d retry rounds, %d tasks left; "+
		"setup %s, lifecycle %s (%s), total %s",
		n, len(sent), faulted, strings.Join(hits, ", "), throttled, recovered, exhausted, len(opened), tasksNoAnswer, tasks503, rounds, len(tasks(t, r, false)),
		setup.Round(time.Millisecond), lifecycle.Round(time.Millisecond), strings.Join(phases, ", "), time.Since(start).Round(time.Millisecond))

	checkChaosState(t, r, assigned, title, inPushed)
}

// startChaos is StartEmbedded and Start's setup with room for a big run:
// journals without bodies, and a System Log that never drops events
// (mockokta copies the whole log on each event once it is full).
func startChaos(t *testing.T, s *Scenario) (*Env, *run) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Options: mockatlassian.Options{Seed: s.Seed, Logger: log}, Logger: log,
		Journal: journal.Options{NoBodies: true}})
	if err != nil {
		t.Fatal(err)
	}
	ats := httptest.NewServer(atl)
	t.Cleanup(ats.Close)
	clock := &clock.Virtual{}
	okta, err := mockokta.NewServer(mockokta.Config{Logger: log, Options: mockokta.Options{Seed: s.Seed, Clock: clock, Logger: log,
		SCIMClient: &http.Client{Timeout: 60 * time.Second}, MaxLogEvents: 1 << 22,
		Journal: journal.New(journal.Options{MaxEntries: 1 << 22, NoBodies: true}, clock)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := okta.Close(); err != nil {
			t.Error(err)
		}
	})
	ots := httptest.NewServer(okta)
	t.Cleanup(ots.Close)
	env := &Env{OktaURL: ots.URL, AtlassianURL: ats.URL, HTTP: &http.Client{Timeout: 10 * time.Minute}, Okta: okta, Atlassian: atl}
	r, err := newRun(context.Background(), s, env, RunOptions{Timeout: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.setup(); err != nil {
		t.Fatalf("setup: %v", err)
	}
	return env, r
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

type chaosTask struct {
	ID        string `json:"id"`
	UserID    string `json:"userId"`
	Message   string `json:"message"`
	Status    string `json:"status"`
	Retryable bool   `json:"retryable"`
}

func tasks(t *testing.T, r *run, all bool) []chaosTask {
	t.Helper()
	var out []chaosTask
	if err := r.oktaCtl.do("GET", fmt.Sprintf("/_sim/orgs/%s/tasks?all=%t", r.oktaOrg, all), nil, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// throttleRuns reads Okta's outbound journal for runs of 429s. Okta's
// engine works one app's queue with one worker, so the attempts of one
// request follow each other: a run of 429s ends in an answer that got
// through (recovered) or after 10 attempts (exhausted).
func throttleRuns(es []journal.Entry) (throttled, recovered, exhausted int) {
	key := func(e journal.Entry) string {
		return e.Method + " " + e.Path + "?" + e.Query + " " + string(e.RequestBody)
	}
	for i := 0; i < len(es); {
		if es[i].Status != 429 {
			i++
			continue
		}
		j := i
		for j < len(es) && es[j].Status == 429 && key(es[j]) == key(es[i]) {
			j++
		}
		throttled += j - i
		switch {
		case j-i >= 10:
			exhausted++
		case j < len(es) && key(es[j]) == key(es[i]):
			recovered++
		}
		i = j
	}
	return throttled, recovered, exhausted
}

// checkChaosState compares both sides with the expected end state.
func checkChaosState(t *testing.T, r *run, assigned map[string]bool, title map[string]string, inPushed map[string]bool) {
	t.Helper()
	if err := r.refreshIDs(); err != nil {
		t.Fatal(err)
	}
	// Okta: every assigned person provisioned and in sync, nobody else
	// assigned.
	type appUser struct {
		ID         string `json:"id"`
		Status     string `json:"status"`
		SyncState  string `json:"syncState"`
		ExternalID string `json:"externalId"`
	}
	byOkta := map[string]appUser{}
	after := ""
	for {
		var page []appUser
		path := "/api/v1/apps/" + r.appID + "/users?limit=500"
		if after != "" {
			path += "&after=" + url.QueryEscape(after)
		}
		if err := r.okta.do("GET", path, nil, &page); err != nil {
			t.Fatal(err)
		}
		for _, au := range page {
			byOkta[au.ID] = au
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].ID
	}
	bad := 0
	report := func(format string, args ...any) {
		t.Helper()
		if bad++; bad <= 10 {
			t.Errorf(format, args...)
		}
	}
	for _, p := range r.people {
		au, ok := byOkta[r.persons[p.Ref].oktaID]
		switch {
		case assigned[p.Ref] && (!ok || au.Status != "PROVISIONED" || au.SyncState != "SYNCHRONIZED" || au.ExternalID == ""):
			report("okta: %s is assigned but its app user is %+v (present %t)", p.Ref, au, ok)
		case !assigned[p.Ref] && ok:
			report("okta: %s was unassigned but still has an app user %+v", p.Ref, au)
		}
	}

	// Atlassian: one SCIM user per person, active with the latest profile
	// when assigned, inactive when not.
	type scimUser struct {
		ID       string `json:"id"`
		UserName string `json:"userName"`
		Active   bool   `json:"active"`
		Title    string `json:"title"`
		Name     struct {
			GivenName  string `json:"givenName"`
			FamilyName string `json:"familyName"`
		} `json:"name"`
		Emails []struct {
			Value   string `json:"value"`
			Primary bool   `json:"primary"`
		} `json:"emails"`
	}
	users := map[string][]scimUser{} // by lower-case userName
	byID := map[string]string{}      // SCIM id → userName
	for startIndex := 1; ; startIndex += 100 {
		var page struct {
			TotalResults int        `json:"totalResults"`
			Resources    []scimUser `json:"Resources"`
		}
		if err := r.scim.do("GET", fmt.Sprintf("/Users?startIndex=%d&count=100", startIndex), nil, &page); err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Resources {
			users[strings.ToLower(u.UserName)] = append(users[strings.ToLower(u.UserName)], u)
			byID[u.ID] = strings.ToLower(u.UserName)
		}
		if startIndex+100 > page.TotalResults {
			break
		}
	}
	if len(byID) != len(r.people) {
		report("atlassian: %d SCIM users for %d people", len(byID), len(r.people))
	}
	for _, p := range r.people {
		us := users[strings.ToLower(p.Login)]
		if len(us) != 1 {
			report("atlassian: %d SCIM users for %s (%s)", len(us), p.Ref, p.Login)
			continue
		}
		u := us[0]
		primary := ""
		for _, e := range u.Emails {
			if e.Primary {
				primary = e.Value
			}
		}
		switch {
		case u.Active != assigned[p.Ref]:
			report("atlassian: %s active=%t, want %t", p.Ref, u.Active, assigned[p.Ref])
		case u.ID != r.persons[p.Ref].scimID && assigned[p.Ref] && r.persons[p.Ref].scimID != "":
			report("atlassian: %s is %s downstream but Okta links %s", p.Ref, u.ID, r.persons[p.Ref].scimID)
		case assigned[p.Ref] && (u.Title != title[p.Ref] || u.Name.GivenName != p.FirstName || u.Name.FamilyName != p.LastName ||
			!strings.EqualFold(primary, p.Email)):
			report("atlassian: %s holds %q %s %s <%s>, want %q %s %s <%s>", p.Ref, u.Title, u.Name.GivenName, u.Name.FamilyName, primary,
				title[p.Ref], p.FirstName, p.LastName, p.Email)
		}
	}
	var accounts []struct{ Email string }
	if err := r.atlCtl.do("GET", "/_sim/orgs/"+r.atlOrg+"/accounts", nil, &accounts); err != nil {
		t.Fatal(err)
	}
	if len(accounts) != len(r.people) {
		report("atlassian: %d accounts for %d people", len(accounts), len(r.people))
	}

	// The pushed group holds exactly the members pushed and not removed:
	// an unassigned member is deactivated but stays in the group (Okta
	// pushes removals from the source group, not unassignments).
	for _, g := range []struct {
		name string
		in   func(ref string) bool
	}{{"chaos-pushed", func(ref string) bool { return inPushed[ref] }}} {
		var list struct {
			Resources []struct {
				Members []struct {
					Value string `json:"value"`
				} `json:"members"`
			} `json:"Resources"`
		}
		q := url.QueryEscape(`displayName eq "` + g.name + `"`)
		if err := r.scim.do("GET", "/Groups?filter="+q, nil, &list); err != nil || len(list.Resources) != 1 {
			t.Fatalf("group %s: %v %+v", g.name, err, list)
		}
		got := map[string]bool{}
		for _, m := range list.Resources[0].Members {
			if got[byID[m.Value]] {
				report("atlassian: %s lists %s twice", g.name, byID[m.Value])
			}
			got[byID[m.Value]] = true
		}
		var missing, extra []string
		for _, p := range r.people {
			l := strings.ToLower(p.Login)
			switch {
			case g.in(p.Ref) && !got[l]:
				missing = append(missing, p.Ref)
			case !g.in(p.Ref) && got[l]:
				extra = append(extra, p.Ref)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		if len(missing)+len(extra) > 0 {
			report("atlassian: group %s misses %d members %v and has %d extra %v", g.name, len(missing), head(missing), len(extra), head(extra))
		}
	}
	if bad > 10 {
		t.Errorf("… %d differences in all", bad)
	}
}

func head(xs []string) []string {
	if len(xs) > 8 {
		return append(xs[:8:8], "…")
	}
	return xs
}
