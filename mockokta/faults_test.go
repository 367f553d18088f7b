package mockokta

// Faults between Okta's engine and the SCIM server (OKTA-RETRY-1,
// OKTA-RETRY-2): only 429 is retried — after an integer Retry-After,
// else 5 minutes, doubling each time, at most 10 attempts; anything else
// (4xx/5xx, timeouts, dropped connections) opens a task and waits for a
// manual retry; a failed deactivation is tried once and cannot be retried.
// After every fault the far side must hold each account once and the
// right group members: nothing pushed twice, nothing lost.

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// faultInjector sits in front of mockatlassian. While rule is set, it is
// asked first about each engine request and may answer it itself. A rule
// that is replaced, cleared or left at the end of the test without having
// fired fails the test: a fault test whose fault never fired proves
// nothing.
type faultInjector struct {
	t    *testing.T
	mu   sync.Mutex
	rule faultRule
	hits int
}

// faultRule decides whether a fault fires on a request: it returns how to
// answer it, or nil to let the request through. The injector counts the hit
// before the answer runs, so a test that waits for the answer (a hang that
// signals when it ends) never looks at the count before it is made.
type faultRule func(r *http.Request) func(w http.ResponseWriter, r *http.Request, next http.Handler)

// checkFired fails the test when the current rule never fired. Caller
// holds f.mu.
func (f *faultInjector) checkFired() {
	if f.rule != nil && f.hits == 0 {
		f.t.Helper()
		f.t.Error("the injected fault never fired")
	}
}

func (f *faultInjector) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !goldIsProbe(r) {
			f.mu.Lock()
			rule := f.rule
			f.mu.Unlock()
			if respond := rule.fire(r); respond != nil {
				f.mu.Lock()
				f.hits++
				f.mu.Unlock()
				respond(w, r, next)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// fire is the rule's answer to r; nil when no rule is set.
func (rule faultRule) fire(r *http.Request) func(http.ResponseWriter, *http.Request, http.Handler) {
	if rule == nil {
		return nil
	}
	return rule(r)
}

func (f *faultInjector) set(rule faultRule) {
	f.t.Helper()
	f.mu.Lock()
	f.checkFired()
	f.rule, f.hits = rule, 0
	f.mu.Unlock()
}

func (f *faultInjector) clear() { f.set(nil) }

func (f *faultInjector) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits
}

// faultMatch reports whether r is method on a path ending in suffix (or,
// for suffix "/Users/", any user resource).
func faultMatch(r *http.Request, method, suffix string) bool {
	if r.Method != method {
		return false
	}
	if strings.HasSuffix(suffix, "/") {
		i := strings.LastIndex(r.URL.Path, suffix)
		return i >= 0 && !strings.Contains(r.URL.Path[i+len(suffix):], "/") && len(r.URL.Path) > i+len(suffix)
	}
	return strings.HasSuffix(r.URL.Path, suffix)
}

// faultFirst answers the first n matching requests with respond (n < 0:
// all of them).
func faultFirst(n int, method, suffix string, respond func(w http.ResponseWriter, r *http.Request, next http.Handler)) faultRule {
	var mu sync.Mutex
	left := n
	return func(r *http.Request) func(http.ResponseWriter, *http.Request, http.Handler) {
		if !faultMatch(r, method, suffix) {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if left == 0 {
			return nil
		}
		if left > 0 {
			left--
		}
		return respond
	}
}

func fault429(retryAfter string) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"429","detail":"Rate limit exceeded"}`))
	}
}

func faultStatus(code int, detail string) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"` + http.StatusText(code) + `","detail":"` + detail + `"}`))
	}
}

// faultAfterCommit lets the server act, then loses its answer: the client
// sees a 500 although the change was made.
func faultAfterCommit(w http.ResponseWriter, r *http.Request, next http.Handler) {
	next.ServeHTTP(faultDiscard{}, r)
	faultStatus(500, "gateway lost the response")(w, r, next)
}

// faultDiscard is a ResponseWriter that drops everything.
type faultDiscard struct{}

func (faultDiscard) Header() http.Header         { return http.Header{} }
func (faultDiscard) Write(b []byte) (int, error) { return len(b), nil }
func (faultDiscard) WriteHeader(int)             {}

// faultHijack drops the connection without an answer.
func faultHijack(w http.ResponseWriter, r *http.Request, _ http.Handler) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

// faultHang holds the request until the client gives up, then (when
// forward) lets the server act on it anyway, and signals done.
func faultHang(forward bool, done chan<- struct{}) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		if forward {
			next.ServeHTTP(faultDiscard{}, r.WithContext(context.Background()))
		}
		close(done)
	}
}

// faultEnv is a pipeline with a fault injector and the app under test.
type faultEnv struct {
	*pushEnv
	f *faultInjector
}

func newFaultEnv(t *testing.T, flavour string, timeout time.Duration) *faultEnv {
	t.Helper()
	f := &faultInjector{t: t}
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.checkFired()
	})
	p, wire := goldPipeline(t, goldSetup{wrap: f.wrap, timeout: timeout})
	e := &pushEnv{pipeline: p, wire: wire, app: p.appID, fl: flavour}
	if flavour == "aiw" {
		e.app = goldAIW(p, nil)
		goldToApp(p, e.app)
	}
	p.idle()
	return &faultEnv{pushEnv: e, f: f}
}

// waitFired waits for a fault to signal done, failing the test when it
// does not within ten seconds (the fault did not fire, or hangs).
func waitFired(t *testing.T, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the injected fault did not finish within 10s")
	}
}

// times returns the journal times of the matching entries after seq.
func (e *faultEnv) times(seq uint64, method, suffix string) []time.Time {
	var out []time.Time
	for _, en := range goldEntries(e.pipeline, seq) {
		if en.Method == method && strings.HasSuffix(strings.TrimPrefix(en.Path, e.scimURL), suffix) {
			out = append(out, en.Time)
		}
	}
	return out
}

func faultGaps(ts []time.Time) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(ts); i++ {
		out = append(out, ts[i].Sub(ts[i-1]))
	}
	return out
}

func faultDurations(ds ...time.Duration) string {
	var s []string
	for _, d := range ds {
		s = append(s, d.String())
	}
	return strings.Join(s, " ")
}

// openTask returns the only open task, failing otherwise.
func (e *faultEnv) openTask() map[string]any {
	e.t.Helper()
	ts := goldTasks(e.pipeline, false)
	if len(ts) != 1 {
		e.t.Fatalf("open tasks = %v, want exactly one", ts)
	}
	return ts[0]
}

func (e *faultEnv) retry(taskID string) apiResp {
	e.t.Helper()
	r := e.oktaAPI("POST", "/_sim/orgs/"+e.orgID+"/tasks/"+taskID+"/retry", nil)
	e.idle()
	return r
}

func (e *faultEnv) task(id string) map[string]any {
	e.t.Helper()
	for _, t := range goldTasks(e.pipeline, true) {
		if t["id"] == id {
			return t
		}
	}
	e.t.Fatalf("no task %s", id)
	return nil
}

// converged checks the far side holds exactly one account per email, and
// the app user's externalId is that account.
func (e *faultEnv) converged(uid, email string) string {
	e.t.Helper()
	us := goldSCIMUsersNamed(e.pipeline, email)
	if len(us) != 1 {
		e.t.Fatalf("%d accounts named %s downstream, want exactly 1: %v", len(us), email, us)
	}
	au := goldAppUser(e.pipeline, e.app, uid)
	if au["externalId"] != us[0]["id"] || au["status"] != "PROVISIONED" || au["syncState"] != "SYNCHRONIZED" {
		e.t.Errorf("app user = externalId %v status %v syncState %v, want %v PROVISIONED SYNCHRONIZED",
			au["externalId"], au["status"], au["syncState"], us[0]["id"])
	}
	if us[0]["active"] != true {
		e.t.Errorf("account %s is not active: %v", email, us[0])
	}
	return us[0]["id"].(string)
}

func (e *faultEnv) countLines(seq uint64, prefix string) int {
	n := 0
	for _, l := range e.since(seq) {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// OKTA-RETRY-1: 429 with an integer Retry-After waits that long, then doubles.
func TestFault429RetryAfterDoubles(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newFaultEnv(t, fl, 0)
			uid := e.createUser("Rita", "Later", "rita.later@example.com")
			e.f.set(faultFirst(2, "POST", "/Users", fault429("7")))
			seq, before := goldSeq(e.pipeline), e.clock.Now()
			goldAssign(e.pipeline, e.app, uid)
			e.idle()
			after := e.clock.Now()
			posts := e.times(seq, "POST", "/Users")
			if len(posts) != 3 {
				t.Fatalf("OKTA-RETRY-1: %d POST /Users, want 3 (two 429s, then success): %v", len(posts), e.since(seq))
			}
			if got := faultDurations(faultGaps(posts)...); got != "7s 14s" {
				t.Errorf("OKTA-RETRY-1: waits between attempts = %s, want 7s 14s", got)
			}
			if d := after.Sub(before); d != 21*time.Second {
				t.Errorf("OKTA-RETRY-1: the clock moved %s, want 21s", d)
			}
			e.converged(uid, "rita.later@example.com")
			// The wait showed as a rate-limit task, closed by the good retry (OKTA-RETRY-3).
			if ts := goldTasks(e.pipeline, true); len(ts) != 1 || ts[0]["status"] != "RESOLVED" {
				t.Errorf("a retried 429 left tasks: %v, want its rate-limit task resolved", ts)
			}
			if e.countLines(seq, "GET /Users?filter") != 1 {
				t.Errorf("the filter was repeated: %v", e.since(seq))
			}
		})
	}
}

// OKTA-RETRY-1: without an integer Retry-After (missing, HTTP-date, fraction)
// Okta waits 5 minutes, then 10.
func TestFault429DefaultBackoff(t *testing.T) {
	for _, ra := range []string{"", "Wed, 21 Oct 2026 07:28:00 GMT", "1.5"} {
		t.Run("retry-after="+ra, func(t *testing.T) {
			e := newFaultEnv(t, "oin", 0)
			uid := e.createUser("Bea", "Patient", "bea.patient@example.com")
			e.f.set(faultFirst(2, "GET", "/Users", fault429(ra)))
			seq, before := goldSeq(e.pipeline), e.clock.Now()
			goldAssign(e.pipeline, e.app, uid)
			e.idle()
			gets := e.times(seq, "GET", "/Users")
			if got := faultDurations(faultGaps(gets)...); got != "5m0s 10m0s" {
				t.Errorf("OKTA-RETRY-1: waits = %s, want 5m0s 10m0s", got)
			}
			if d := e.clock.Now().Sub(before); d != 15*time.Minute {
				t.Errorf("OKTA-RETRY-1: the clock moved %s, want 15m", d)
			}
			e.converged(uid, "bea.patient@example.com")
		})
	}
}

// OKTA-RETRY-1: a 429 that never ends: 10 attempts, then a task; the app user is
// in ERROR; a manual retry after the limit lifts converges.
func TestFault429GivesUpAfterTenAttempts(t *testing.T) {
	e := newFaultEnv(t, "oin", 0)
	uid := e.createUser("Ned", "Ever", "ned.ever@example.com")
	e.f.set(faultFirst(-1, "POST", "/Users", fault429("1")))
	seq, before := goldSeq(e.pipeline), e.clock.Now()
	goldAssign(e.pipeline, e.app, uid)
	e.idle()
	posts := e.times(seq, "POST", "/Users")
	if len(posts) != 10 || e.f.count() != 10 {
		t.Fatalf("OKTA-RETRY-1: %d POST /Users (%d answered 429), want exactly 10", len(posts), e.f.count())
	}
	want := faultDurations(1*time.Second, 2*time.Second, 4*time.Second, 8*time.Second, 16*time.Second,
		32*time.Second, 64*time.Second, 128*time.Second, 256*time.Second)
	if got := faultDurations(faultGaps(posts)...); got != want {
		t.Errorf("OKTA-RETRY-1: waits = %s, want %s", got, want)
	}
	if d := e.clock.Now().Sub(before); d != 511*time.Second {
		t.Errorf("the clock moved %s, want 511s", d)
	}
	task := e.openTask()
	if task["userId"] != uid || task["kind"] != "provision" || task["status"] != "OPEN" {
		t.Errorf("task = %v", task)
	}
	au := goldAppUser(e.pipeline, e.app, uid)
	if au["syncState"] != "ERROR" || au["externalId"] != nil {
		t.Errorf("OKTA-RETRY-1: app user after giving up = syncState %v externalId %v, want ERROR and none", au["syncState"], au["externalId"])
	}
	if us := goldSCIMUsersNamed(e.pipeline, "ned.ever@example.com"); len(us) != 0 {
		t.Errorf("created despite 429s: %v", us)
	}

	e.f.clear()
	seq = goldSeq(e.pipeline)
	if r := e.retry(task["id"].(string)); r.Status != 202 {
		t.Fatalf("retry: %d %s", r.Status, r.Raw)
	}
	if got := strings.Join(e.since(seq), "\n"); got != "GET /Users?filter=userName%20eq%20%22ned.ever%40example.com%22&startIndex=1&count=100\nPOST /Users" {
		t.Errorf("retry sent %q, want filter then POST", got)
	}
	if tk := e.task(task["id"].(string)); tk["status"] != "RESOLVED" {
		t.Errorf("task after a successful retry = %v", tk)
	}
	e.converged(uid, "ned.ever@example.com")
}

// OKTA-RETRY-1: 429 applies to deactivation too.
func TestFault429OnDeactivate(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newFaultEnv(t, fl, 0)
			uid, ext := e.provisioned("Dee", "Layed")
			method := map[string]string{"oin": "PATCH", "aiw": "PUT"}[fl]
			e.f.set(faultFirst(1, method, "/Users/", fault429("3")))
			seq := goldSeq(e.pipeline)
			goldUnassign(e.pipeline, e.app, uid)
			e.idle()
			if n := len(e.times(seq, method, "/Users/"+ext)); n != 2 {
				t.Errorf("%d %s attempts, want 2: %v", n, method, e.since(seq))
			}
			if _, u := goldSCIM(e.pipeline, "GET", "/Users/"+ext, nil); u["active"] != false {
				t.Errorf("not deactivated after a retried 429: %v", u["active"])
			}
			if ts := goldTasks(e.pipeline, true); len(ts) != 1 || ts[0]["status"] != "RESOLVED" {
				t.Errorf("tasks: %v, want the rate-limit task resolved (OKTA-RETRY-3)", ts)
			}
		})
	}
}

// OKTA-RETRY-2: a 500 on create is not retried: one POST, a task with the remote
// error; a manual retry after the fault is gone converges with one account.
func TestFault500OnCreateThenManualRetry(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newFaultEnv(t, fl, 0)
			uid := e.createUser("Fay", "Lure", "fay.lure@example.com")
			e.f.set(faultFirst(-1, "POST", "/Users", faultStatus(500, "database on fire")))
			seq, before := goldSeq(e.pipeline), e.clock.Now()
			goldAssign(e.pipeline, e.app, uid)
			e.idle()
			if n := e.countLines(seq, "POST /Users"); n != 1 {
				t.Errorf("OKTA-RETRY-2: %d POST /Users after a 500, want exactly 1 (no automatic retry)", n)
			}
			if !e.clock.Now().Equal(before) {
				t.Errorf("the engine waited %s after a 500", e.clock.Now().Sub(before))
			}
			task := e.openTask()
			msg, _ := task["message"].(string)
			if !strings.Contains(msg, "Errors reported by remote server") || !strings.Contains(msg, "database on fire") {
				t.Errorf("OKTA-RETRY-2: task message %q lacks the remote error", msg)
			}
			if task["retryable"] != true {
				t.Errorf("a failed create must be retryable: %v", task)
			}
			if au := goldAppUser(e.pipeline, e.app, uid); au["syncState"] != "ERROR" || au["externalId"] != nil {
				t.Errorf("app user after a failed create: %v", au)
			}

			e.f.clear()
			seq = goldSeq(e.pipeline)
			if r := e.retry(task["id"].(string)); r.Status != 202 {
				t.Fatalf("retry: %d %s", r.Status, r.Raw)
			}
			if tk := e.task(task["id"].(string)); tk["status"] != "RESOLVED" {
				t.Errorf("task after a successful retry = %v", tk)
			}
			if n := e.countLines(seq, "POST /Users"); n != 1 {
				t.Errorf("retry sent %d POSTs: %v", n, e.since(seq))
			}
			e.converged(uid, "fay.lure@example.com")
			// Retrying a resolved task is refused.
			if r := e.oktaAPI("POST", "/_sim/orgs/"+e.orgID+"/tasks/"+task["id"].(string)+"/retry", nil); r.Status < 400 {
				t.Errorf("retrying a resolved task: %d", r.Status)
			}
		})
	}
}

// The server made the account but its answer was lost: the retry finds it
// by the filter and links it — it must not create a second account.
func TestFaultLostCreateResponseLinksOnRetry(t *testing.T) {
	e := newFaultEnv(t, "oin", 0)
	uid := e.createUser("Lou", "Stanswer", "lou.stanswer@example.com")
	e.f.set(faultFirst(1, "POST", "/Users", faultAfterCommit))
	goldAssign(e.pipeline, e.app, uid)
	e.idle()
	task := e.openTask()
	if len(goldSCIMUsersNamed(e.pipeline, "lou.stanswer@example.com")) != 1 {
		t.Fatal("the fault should have let the account be created")
	}
	seq := goldSeq(e.pipeline)
	e.retry(task["id"].(string))
	if n := e.countLines(seq, "POST /Users"); n != 0 {
		t.Errorf("OKTA-LINK-1: retry created again (%d POSTs) instead of linking: %v", n, e.since(seq))
	}
	if e.task(task["id"].(string))["status"] != "RESOLVED" {
		t.Errorf("task not resolved")
	}
	e.converged(uid, "lou.stanswer@example.com")
}

// OKTA-WIRE-3/OKTA-RETRY-2: a timeout is a failure like any other: a task, no
// automatic retry; the manual retry converges without a duplicate even
// when the timed-out request reached the server after all.
func TestFaultTimeouts(t *testing.T) {
	// The engine's client timeout applies to every request of the test,
	// not only to the one the fault holds: every other request must beat
	// it by far on a loaded machine under the race detector, or it fails
	// instead (the test used 250 ms and flaked). The held request waits
	// for the client to give up, so this is also what each subtest waits.
	const timeout = 2 * time.Second
	t.Run("filter", func(t *testing.T) {
		e := newFaultEnv(t, "oin", timeout)
		uid := e.createUser("Tim", "Eout", "tim.eout@example.com")
		done := make(chan struct{})
		e.f.set(faultFirst(1, "GET", "/Users", faultHang(false, done)))
		seq := goldSeq(e.pipeline)
		goldAssign(e.pipeline, e.app, uid)
		e.idle()
		waitFired(t, done)
		task := e.openTask()
		if msg := task["message"].(string); !strings.Contains(msg, "Error while verifying if user tim.eout@example.com exists") {
			t.Errorf("task message %q", msg)
		}
		if n := len(e.since(seq)); n != 1 {
			t.Errorf("after a timed-out filter the engine sent %v, want nothing more", e.since(seq))
		}
		e.retry(task["id"].(string))
		e.converged(uid, "tim.eout@example.com")
		if e.task(task["id"].(string))["status"] != "RESOLVED" {
			t.Error("task not resolved")
		}
	})
	t.Run("create-reaches-server-late", func(t *testing.T) {
		e := newFaultEnv(t, "aiw", timeout)
		uid := e.createUser("Lena", "Late", "lena.late@example.com")
		done := make(chan struct{})
		e.f.set(faultFirst(1, "POST", "/Users", faultHang(true, done)))
		seq := goldSeq(e.pipeline)
		goldAssign(e.pipeline, e.app, uid)
		e.idle()
		waitFired(t, done) // the server has now made the account
		task := e.openTask()
		if msg := task["message"].(string); !strings.Contains(msg, "Error while creating user lena.late@example.com") {
			t.Errorf("task message %q", msg)
		}
		if n := e.countLines(seq, "POST /Users"); n != 1 {
			t.Errorf("%d POSTs, want 1", n)
		}
		seq = goldSeq(e.pipeline)
		e.retry(task["id"].(string))
		if n := e.countLines(seq, "POST /Users"); n != 0 {
			t.Errorf("retry created again: %v", e.since(seq))
		}
		e.converged(uid, "lena.late@example.com")
	})
}

// OKTA-RETRY-2: a failed deactivation is attempted once; its task offers no Retry
// ("Application accounts need deprovisioning": only Mark complete).
func TestFaultDeactivationFailure(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newFaultEnv(t, fl, 0)
			uid, ext := e.provisioned("Dana", "Stuck")
			method := map[string]string{"oin": "PATCH", "aiw": "PUT"}[fl]
			e.f.set(faultFirst(-1, method, "/Users/", faultStatus(500, "deprovisioning backend down")))
			seq := goldSeq(e.pipeline)
			goldUnassign(e.pipeline, e.app, uid)
			e.idle()
			if n := len(e.times(seq, method, "/Users/"+ext)); n != 1 {
				t.Errorf("OKTA-RETRY-2: %d %s attempts, want exactly 1", n, method)
			}
			task := e.openTask()
			if task["kind"] != "deactivate" || task["retryable"] != false || task["userId"] != uid {
				t.Errorf("OKTA-RETRY-2: task = %v, want kind deactivate, retryable false", task)
			}
			if msg := task["message"].(string); !strings.Contains(msg, "Errors reported by remote server: deprovisioning backend down") {
				t.Errorf("task message %q", msg)
			}
			e.f.clear()
			seq = goldSeq(e.pipeline)
			if r := e.retry(task["id"].(string)); r.Status < 400 {
				t.Errorf("OKTA-RETRY-2: retrying a failed deactivation was accepted (%d); Okta offers only Mark complete", r.Status)
			}
			if lines := e.since(seq); len(lines) != 0 {
				t.Errorf("OKTA-RETRY-2: a failed deactivation was sent again: %v", lines)
			}
			e.must(204, "POST", "/_sim/orgs/"+e.orgID+"/tasks/"+task["id"].(string)+"/resolve", nil)
			if tk := e.task(task["id"].(string)); tk["status"] != "RESOLVED" {
				t.Errorf("Mark complete: %v", tk)
			}
			// Nothing was deleted downstream.
			if st, _ := goldSCIM(e.pipeline, "GET", "/Users/"+ext, nil); st != 200 {
				t.Errorf("account gone: %d", st)
			}
		})
	}
}

// A dropped connection (no answer at all) opens a task; the retry replays
// filter → POST and converges.
func TestFaultDroppedConnection(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newFaultEnv(t, fl, 0)
			uid := e.createUser("Drew", "Pped", "drew.pped@example.com")
			e.f.set(faultFirst(1, "POST", "/Users", faultHijack))
			seq := goldSeq(e.pipeline)
			goldAssign(e.pipeline, e.app, uid)
			e.idle()
			es := goldEntries(e.pipeline, seq)
			if len(es) != 2 || es[1].Method != "POST" || es[1].Status != 0 {
				t.Errorf("journal = %v, want filter then a POST with no status", goldLines(e.pipeline, es))
			}
			task := e.openTask()
			if msg := task["message"].(string); !strings.Contains(msg, "Error while creating user drew.pped@example.com") {
				t.Errorf("task message %q", msg)
			}
			if au := goldAppUser(e.pipeline, e.app, uid); au["syncState"] != "ERROR" {
				t.Errorf("app user: %v", au)
			}
			seq = goldSeq(e.pipeline)
			e.retry(task["id"].(string))
			if got := strings.Join(e.since(seq), "\n"); got != "GET /Users?filter=userName%20eq%20%22drew.pped%40example.com%22&startIndex=1&count=100\nPOST /Users" {
				t.Errorf("retry sent %q", got)
			}
			e.converged(uid, "drew.pped@example.com")
		})
	}
}

// Group push under faults: a 429 on a membership push is retried; a 500
// opens a task whose retry pushes the change; at the end the member set is
// exactly Okta's and every account exists once.
func TestFaultGroupPush(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newFaultEnv(t, fl, 0)
			a, aExt := e.provisioned("Gail", "Group")
			b, bExt := e.provisioned("Gus", "Group")
			c, cExt := e.provisioned("Gia", "Group")
			g := goldGroup(e.pipeline, "Faulty")
			goldJoin(e.pipeline, g, a)
			pm := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupName": "Faulty", "status": "ACTIVE"})
			e.idle()
			mid := pm["id"].(string)
			tg := goldTarget(e.pipeline, e.app, mid)
			write := map[string]string{"oin": "PATCH", "aiw": "PUT"}[fl]

			// 429 once on the membership write: retried after 3s.
			e.f.set(faultFirst(1, write, "/Groups/"+tg, fault429("3")))
			seq, before := goldSeq(e.pipeline), e.clock.Now()
			goldJoin(e.pipeline, g, b)
			e.idle()
			if n := len(e.times(seq, write, "/Groups/"+tg)); n != 2 {
				t.Errorf("%d %s /Groups attempts, want 2", n, write)
			}
			if d := e.clock.Now().Sub(before); d != 3*time.Second {
				t.Errorf("waited %s, want 3s", d)
			}
			if got := pushSorted(e.members(tg)...); got != pushSorted(aExt, bExt) {
				t.Errorf("after 429 + retry: %s", got)
			}

			// 500 on the next membership write: a task; the retry pushes it.
			e.f.set(faultFirst(-1, write, "/Groups/"+tg, faultStatus(500, "group store down")))
			seq = goldSeq(e.pipeline)
			goldJoin(e.pipeline, g, c)
			e.idle()
			if n := len(e.times(seq, write, "/Groups/"+tg)); n != 1 {
				t.Errorf("%d attempts after a 500, want 1", n)
			}
			task := e.openTask()
			if task["mappingId"] != mid || !strings.Contains(task["message"].(string), "group store down") {
				t.Errorf("task = %v", task)
			}
			if m := goldMapping(e.pipeline, e.app, mid); m["status"] != "ERROR" {
				t.Errorf("mapping after a failed push = %v", m["status"])
			}
			e.f.clear()
			e.retry(task["id"].(string))
			if got := pushSorted(e.members(tg)...); got != pushSorted(aExt, bExt, cExt) {
				t.Errorf("after the retried push members = %s, want %s", got, pushSorted(aExt, bExt, cExt))
			}
			if tk := e.task(task["id"].(string)); tk["status"] != "RESOLVED" {
				t.Errorf("task after retry = %v", tk["status"])
			}
			if m := goldMapping(e.pipeline, e.app, mid); m["status"] != "ACTIVE" || m["errorSummary"] != nil {
				t.Errorf("mapping after a successful retry = %v / %v, want ACTIVE without error", m["status"], m["errorSummary"])
			}
			// Later changes flow again.
			goldLeave(e.pipeline, g, a)
			e.idle()
			if got := pushSorted(e.members(tg)...); got != pushSorted(bExt, cExt) {
				t.Errorf("after a later removal: %s", got)
			}
			// Nothing pushed twice: one group downstream, each account once.
			_, list := goldSCIM(e.pipeline, "GET", "/Groups?filter="+strings.ReplaceAll(`displayName eq "Faulty"`, " ", "%20"), nil)
			if list["totalResults"] != 1.0 {
				t.Errorf("groups named Faulty downstream: %v", list["totalResults"])
			}
			for _, em := range []string{"gail.group@example.com", "gus.group@example.com", "gia.group@example.com"} {
				if n := len(goldSCIMUsersNamed(e.pipeline, em)); n != 1 {
					t.Errorf("%d accounts %s", n, em)
				}
			}
			if e.countLines(0, "POST /Groups") != 1 {
				t.Errorf("POST /Groups sent %d times", e.countLines(0, "POST /Groups"))
			}
		})
	}
}

// faultRespond answers with a fixed status and body.
func faultRespond(code int, body string) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		if body != "" {
			w.Header().Set("Content-Type", "application/scim+json")
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// OKTA-CREATE-1, OKTA-CREATE-3, OKTA-CREATE-4, OKTA-IMPORT-1: what Okta makes of odd answers to the create flow.
func TestFaultCreateFlowAnswers(t *testing.T) {
	const email = "odd.answer@example.com"
	filterLine := "GET /Users?filter=userName%20eq%20%22odd.answer%40example.com%22&startIndex=1&count=100"
	cases := []struct {
		name     string
		rule     faultRule
		lines    string // outbound, joined by |
		taskPart string // "" = no task, the account must be provisioned
	}{
		// A 404 SCIM error on the filter means "no such user" (OKTA-CREATE-1).
		{"filter-404-then-create", faultFirst(1, "GET", "/Users", faultStatus(404, "no such user")),
			filterLine + "|POST /Users", ""},
		// Paging fields must be integers (OKTA-IMPORT-1).
		{"filter-string-paging", faultFirst(1, "GET", "/Users", faultRespond(200,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":"0","startIndex":"1","itemsPerPage":"0","Resources":[]}`)),
			filterLine, "Error while verifying if user " + email + " exists"},
		// More than one match is an error, never a guess (OKTA-CREATE-4).
		{"filter-two-matches", faultFirst(1, "GET", "/Users", faultRespond(200,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"startIndex":1,"itemsPerPage":2,"Resources":[`+
				`{"id":"a1","userName":"`+email+`","active":true},{"id":"a2","userName":"`+email+`","active":true}]}`)),
			filterLine, "Error while verifying if user " + email + " exists"},
		// An empty create answer fails with Okta's message (OKTA-CREATE-3).
		{"create-empty-body", faultFirst(1, "POST", "/Users", faultRespond(201, "")),
			filterLine + "|POST /Users", "Create new user returned empty user."},
		// A duplicate (409) stops the job with the remote detail (OKTA-CREATE-3).
		{"create-409", faultFirst(1, "POST", "/Users", faultStatus(409, "Resource [USER]: with userName already exists.")),
			filterLine + "|POST /Users", "Errors reported by remote server: Resource [USER]: with userName already exists."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newFaultEnv(t, "oin", 0)
			uid := e.createUser("Odd", "Answer", email)
			e.f.set(c.rule)
			seq := goldSeq(e.pipeline)
			goldAssign(e.pipeline, e.app, uid)
			e.idle()
			if got := strings.Join(e.since(seq), "|"); got != c.lines {
				t.Errorf("sent %q, want %q", got, c.lines)
			}
			if c.taskPart == "" {
				if ts := goldTasks(e.pipeline, true); len(ts) != 0 {
					t.Errorf("tasks: %v", ts)
				}
				e.converged(uid, email)
				return
			}
			task := e.openTask()
			if msg := task["message"].(string); !strings.Contains(msg, c.taskPart) {
				t.Errorf("task message %q lacks %q", msg, c.taskPart)
			}
			if au := goldAppUser(e.pipeline, e.app, uid); au["externalId"] != nil || au["syncState"] != "ERROR" {
				t.Errorf("OKTA-CREATE-3: a failed create leaves no externalId: %v", au)
			}
			// OKTA-DEACT-5: with no externalId, an unassign sends nothing.
			seq = goldSeq(e.pipeline)
			goldUnassign(e.pipeline, e.app, uid)
			e.idle()
			if lines := e.since(seq); len(lines) != 0 {
				t.Errorf("OKTA-DEACT-5: unassigning a never-provisioned user sent %v", lines)
			}
		})
	}
}

// OKTA-DEACT-2: a deactivation answered 204 with no body is a success.
func TestFaultDeactivate204(t *testing.T) {
	e := newFaultEnv(t, "oin", 0)
	uid, _ := e.provisioned("Nobo", "Dy")
	e.f.set(faultFirst(1, "PATCH", "/Users/", faultRespond(204, "")))
	goldUnassign(e.pipeline, e.app, uid)
	e.idle()
	if ts := goldTasks(e.pipeline, true); len(ts) != 0 {
		t.Errorf("OKTA-DEACT-2: a 204 to the deactivation PATCH opened tasks: %v", ts)
	}
}

// OKTA-UPDATE-2: the account was deleted on the far side. A profile push GETs 404
// and stops: no PUT, no re-search, no POST; the task's retry repeats the
// 404. Recovery is unassign (a 404, nothing else) then re-assign, which
// searches and creates a new account.
func TestFaultAccountDeletedDownstream(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newFaultEnv(t, fl, 0)
			const email = "gone.girl@example.com"
			uid := e.createUser("Gone", "Girl", email)
			goldAssign(e.pipeline, e.app, uid)
			e.idle()
			old := e.converged(uid, email)
			if st, _ := goldSCIM(e.pipeline, "DELETE", "/Users/"+old, nil); st != 204 {
				t.Fatalf("delete downstream: %d", st)
			}

			seq := goldSeq(e.pipeline)
			e.must(200, "POST", "/api/v1/users/"+uid, map[string]any{"profile": map[string]any{"title": "Ghost"}})
			e.idle()
			if got := strings.Join(e.since(seq), "|"); got != "GET /Users/"+old {
				t.Errorf("OKTA-UPDATE-2: profile push to a deleted account sent %q, want only the GET", got)
			}
			task := e.openTask()
			if task["kind"] != "update" || !strings.Contains(task["message"].(string), "Not Found") {
				t.Errorf("task = %v", task)
			}
			seq = goldSeq(e.pipeline)
			e.retry(task["id"].(string))
			if got := strings.Join(e.since(seq), "|"); got != "GET /Users/"+old {
				t.Errorf("OKTA-UPDATE-2: retry sent %q, want the same GET", got)
			}
			if e.task(task["id"].(string))["status"] != "OPEN" {
				t.Errorf("a retry that failed again resolved the task")
			}
			e.must(204, "POST", "/_sim/orgs/"+e.orgID+"/tasks/"+task["id"].(string)+"/resolve", nil)

			// Unassign: the deactivation meets the 404; no PUT.
			seq = goldSeq(e.pipeline)
			goldUnassign(e.pipeline, e.app, uid)
			e.idle()
			want := map[string]string{"oin": "PATCH /Users/" + old, "aiw": "GET /Users/" + old}[fl]
			if got := strings.Join(e.since(seq), "|"); got != want {
				t.Errorf("OKTA-UPDATE-2: unassign sent %q, want %q", got, want)
			}
			// Re-assign: filter → POST → a new id.
			seq = goldSeq(e.pipeline)
			goldAssign(e.pipeline, e.app, uid)
			e.idle()
			wantLines := "GET /Users?filter=userName%20eq%20%22gone.girl%40example.com%22&startIndex=1&count=100|POST /Users"
			if got := strings.Join(e.since(seq), "|"); got != wantLines {
				t.Errorf("OKTA-UPDATE-2: re-assign after the account was lost sent %q, want %q", got, wantLines)
			}
			if now := e.converged(uid, email); now == old {
				t.Errorf("re-assign reused the deleted id %s", old)
			}
		})
	}
}

// faultGate holds the first matching request until release is closed,
// after telling arrived; then the server handles it normally.
func faultGate(arrived chan<- struct{}, release <-chan struct{}) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		close(arrived)
		<-release
		next.ServeHTTP(w, r)
	}
}

// OKTA-PUSH-4: membership changes queued while a push is in flight go out
// together: OIN sends one PATCH with a filtered remove per user and one add
// carrying all new members; AIW one GET + PUT with the full list.
func TestPushBatchedDeltas(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newFaultEnv(t, fl, 0)
			a, aExt := e.provisioned("Bat", "Cha")
			b, bExt := e.provisioned("Bat", "Chb")
			c, cExt := e.provisioned("Bat", "Chc")
			d, dExt := e.provisioned("Bat", "Chd")
			x, xExt := e.provisioned("Bat", "Chx")
			g := goldGroup(e.pipeline, "Batch")
			goldJoin(e.pipeline, g, a)
			goldJoin(e.pipeline, g, x)
			pm := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupName": "Batch", "status": "ACTIVE"})
			e.idle()
			tg := goldTarget(e.pipeline, e.app, pm["id"].(string))
			if got := pushSorted(e.members(tg)...); got != pushSorted(aExt, xExt) {
				t.Fatalf("initial members %s", got)
			}
			write := map[string]string{"oin": "PATCH", "aiw": "PUT"}[fl]
			first := map[string]string{"oin": "PATCH", "aiw": "GET"}[fl]
			arrived, release := make(chan struct{}), make(chan struct{})
			e.f.set(faultFirst(1, first, "/Groups/"+tg, faultGate(arrived, release)))
			seq := goldSeq(e.pipeline)
			goldJoin(e.pipeline, g, b)
			select {
			case <-arrived:
			case <-time.After(5 * time.Second):
				t.Fatal("the first push never arrived")
			}
			goldJoin(e.pipeline, g, c)
			goldJoin(e.pipeline, g, d)
			goldLeave(e.pipeline, g, x)
			close(release)
			e.idle()
			e.f.clear()
			if got, want := pushSorted(e.members(tg)...), pushSorted(aExt, bExt, cExt, dExt); got != want {
				t.Errorf("members = %s, want %s", got, want)
			}
			writes := e.bodies(seq, write, "/Groups/"+tg)
			// b went alone; c, d and x's removal waited and may go out in
			// one or two requests (Okta's batching is not documented), but
			// c and d, both adds, go together, and nothing is sent twice.
			if len(writes) < 2 || len(writes) > 3 {
				t.Fatalf("%d %s requests, want b alone then c+d (and x) batched: %v", len(writes), write, e.since(seq))
			}
			switch fl {
			case "oin":
				seen := map[string]int{}
				for i, w := range writes {
					ops, _ := w["Operations"].([]any)
					adds := 0
					for _, o := range ops {
						op := o.(map[string]any)
						switch op["op"] {
						case "remove":
							// OKTA-PUSH-4: filtered path, no value.
							path, _ := op["path"].(string)
							if _, hasValue := op["value"]; hasValue || !strings.HasPrefix(path, `members[value eq "`) {
								t.Errorf("OKTA-PUSH-4: remove op %v", op)
							}
							seen[strings.TrimSuffix(strings.TrimPrefix(path, `members[value eq "`), `"]`)]++
						case "add":
							adds++
							if op["path"] != "members" {
								t.Errorf("OKTA-PUSH-4: add op %v", op)
							}
							var ids []string
							for _, v := range op["value"].([]any) {
								id := v.(map[string]any)["value"].(string)
								seen[id]++
								ids = append(ids, id)
							}
							if i > 0 && len(ids) > 0 && (ids[0] == cExt || ids[0] == dExt) && pushSorted(ids...) != pushSorted(cExt, dExt) {
								t.Errorf("OKTA-PUSH-4: c and d, queued together, went in separate adds: %v", ids)
							}
						default:
							t.Errorf("unexpected op %v", op)
						}
					}
					if adds > 1 {
						t.Errorf("OKTA-PUSH-4: %d add ops in one PATCH, want one carrying every new member", adds)
					}
				}
				for _, id := range []string{bExt, cExt, dExt, xExt} {
					if seen[id] != 1 {
						t.Errorf("member %s pushed %d times, want once", id, seen[id])
					}
				}
			case "aiw":
				if ms, _ := writes[len(writes)-1]["members"].([]any); len(ms) != 4 {
					t.Errorf("OKTA-PUSH-4: the last PUT must carry the full list of 4: %v", writes[len(writes)-1])
				}
				for i, w := range writes[1:] {
					ms, _ := w["members"].([]any)
					ids := []string{}
					for _, m := range ms {
						ids = append(ids, m.(map[string]any)["value"].(string))
					}
					if strings.Contains(pushSorted(ids...), cExt) != strings.Contains(pushSorted(ids...), dExt) {
						t.Errorf("PUT %d has only one of c and d: %v", i+1, ids)
					}
				}
			}
		})
	}
}
