package faults

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/journal"
)

func intp(n int) *int { return &n }

func TestFaultRuleValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		rule Rule
		want string // "" = valid
	}{
		{"status", Rule{Status: 503}, ""},
		{"429 with retryAfter", Rule{Status: 429, RetryAfter: intp(7)}, ""},
		{"latency alone", Rule{Latency: Duration(time.Millisecond)}, ""},
		{"latency then drop after", Rule{Latency: Duration(time.Millisecond), Drop: true, After: true}, ""},
		{"hang", Rule{Hang: Duration(time.Second), Method: "post, PATCH"}, ""},
		{"nothing", Rule{Method: "GET"}, "does nothing"},
		{"two actions", Rule{Status: 500, Drop: true}, "one of status, drop and hang"},
		{"status range", Rule{Status: 200}, "want 400–599"},
		{"retryAfter without 429", Rule{Status: 503, RetryAfter: intp(1)}, "retryAfter goes with status 429"},
		{"after with hang", Rule{Hang: Duration(time.Second), After: true}, "after goes with"},
		{"probability", Rule{Status: 500, Probability: 1.5}, "probability"},
		{"times", Rule{Status: 500, Times: -1}, "times"},
		{"path", Rule{Status: 500, Path: "Users"}, "must start with /"},
		{"method", Rule{Status: 500, Method: "GET /x"}, "not an HTTP method"},
		{"bodyValue alone", Rule{Status: 500, BodyValue: false}, "bodyValue needs bodyField"},
		{"id", Rule{Status: 500, ID: "a b"}, "id"},
		{"hang too long", Rule{Hang: Duration(2 * time.Hour)}, "hang"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.rule.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("valid rule refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestFaultPathMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"", "/anything", true},
		{"/scim/directory/d1/Users", "/scim/directory/d1/Users", true},
		{"/scim/directory/d1/Users", "/scim/directory/d1/Users/42", true},
		{"/scim/directory/d1/Users/", "/scim/directory/d1/Users/42", true},
		{"/scim/directory/d1/Users", "/scim/directory/d1/UsersX", false},
		{"/scim/directory/d1/Users", "/scim/directory/d2/Users", false},
		{"/scim/directory/*/Users*", "/scim/directory/d2/Users", true},
		{"/scim/directory/*/Users*", "/scim/directory/d2/Users/42", true},
		{"/scim/directory/*/Users*", "/scim/directory/d2/Groups/42", false},
		{"/scim/directory/*/Groups/*", "/scim/directory/d2/Groups", false},
		{"*/Groups/*", "/scim/directory/d2/Groups/7", true},
		{"/a*b*c", "/aXbYbZc", true},
		{"/a*b*c", "/aXbYbZ", false},
	} {
		if got := matchFaultPath(c.pattern, c.path); got != c.want {
			t.Errorf("match(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}

func TestFaultBodyMatch(t *testing.T) {
	deactivate := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`
	byPath := `{"Operations":[{"op":"replace","path":"active","value":false}]}`
	create := `{"userName":"ada@example.com","name":{"givenName":"Ada"},"emails":[{"value":"ada@example.com","primary":true}],"active":true}`
	for _, c := range []struct {
		body, field string
		want        any
		has, match  bool
	}{
		{create, "active", true, true, true},
		{create, "active", false, true, false},
		{create, "name.givenName", "Ada", true, true},
		{create, "NAME.GIVENNAME", "Ada", true, true},
		{create, "name.familyName", nil, false, false},
		{create, "name.givenName", nil, false, true},
		{create, "emails.value", "ada@example.com", true, true},
		{create, "emails.primary", true, true, true},
		{deactivate, "active", false, true, true},
		{deactivate, "active", true, true, false},
		{byPath, "active", false, true, true},
		{`{"Operations":[{"op":"replace","path":"name","value":{"givenName":"Bo"}}]}`, "name.givenName", "Bo", true, true},
		{`{"roles":["a","b"]}`, "roles", "b", true, true},
		{`{"n":1}`, "n", float64(1), true, true},
		{`not json`, "n", nil, false, false},
	} {
		if got := bodyHas([]byte(c.body), c.field, c.want, c.has); got != c.match {
			t.Errorf("bodyHas(%s, %q, %v) = %v, want %v", c.body, c.field, c.want, got, c.match)
		}
	}
}

// faultServer is a journaled test server with a fault registry in front
// of a handler that echoes the body it got.
type faultServer struct {
	*httptest.Server
	faults  *Registry
	journal *journal.Journal
	served  atomic.Int64
}

func newFaultServer(t *testing.T) *faultServer {
	t.Helper()
	fs := &faultServer{faults: NewRegistry(42), journal: journal.New(journal.Options{}, nil)}
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.served.Add(1)
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body)
	})
	tenant := func(r *http.Request) string { return r.Header.Get("X-Tenant") }
	h := fs.journal.Middleware(tenant, nil)(fs.faults.Middleware(tenant, func(w http.ResponseWriter, r *http.Request, a Answer) {
		w.Header().Set("X-Written-By", "server")
		w.WriteHeader(a.Status)
		_, _ = io.WriteString(w, `{"detail":"You can retry calls."}`)
	})(echo))
	fs.Server = httptest.NewServer(h)
	t.Cleanup(fs.Close)
	return fs
}

func (fs *faultServer) add(t *testing.T, r Rule) Rule {
	t.Helper()
	out, err := fs.faults.Add(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (fs *faultServer) do(t *testing.T, client *http.Client, method, path, tenant, body string) (*http.Response, string, error) {
	t.Helper()
	req, _ := http.NewRequest(method, fs.URL+path, strings.NewReader(body))
	req.Header.Set("X-Tenant", tenant)
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), nil
}

// last is the newest journal entry; after a dropped connection the
// client may see the error before the server has journaled it.
func (fs *faultServer) last(t *testing.T) journal.Entry {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(fs.journal.Entries(journal.Query{})) == 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	es := fs.journal.Entries(journal.Query{Limit: 1})
	if len(es) != 1 {
		t.Fatal("journal is empty")
	}
	return es[0]
}

func TestFaultStatusTimesAndJournal(t *testing.T) {
	fs := newFaultServer(t)
	rule := fs.add(t, Rule{Method: "POST", Path: "/scim/directory/*/Users", Tenant: "d1", Status: 429, RetryAfter: intp(7), Times: 2})
	if rule.ID != "f1" || rule.Remaining == nil || *rule.Remaining != 2 {
		t.Fatalf("added %+v", rule)
	}
	c := http.DefaultClient
	// Other method, other tenant, other path: untouched.
	for _, x := range [][3]string{{"GET", "/scim/directory/d1/Users", "d1"}, {"POST", "/scim/directory/d2/Users", "d2"},
		{"POST", "/scim/directory/d1/Groups", "d1"}} {
		if resp, _, err := fs.do(t, c, x[0], x[1], x[2], `{}`); err != nil || resp.StatusCode != 201 {
			t.Fatalf("%v: %v %v", x, resp, err)
		}
	}
	for i := range 2 {
		resp, body, err := fs.do(t, c, "POST", "/scim/directory/d1/Users", "d1", `{"userName":"a"}`)
		if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || resp.Header.Get("X-Written-By") != "server" ||
			!strings.Contains(body, "You can retry calls.") {
			t.Fatalf("attempt %d: %+v %q %v", i, resp, body, err)
		}
		e := fs.last(t)
		if e.Status != 429 || e.Fault != "f1 429 Retry-After 7" || string(e.RequestBody) != `{"userName":"a"}` {
			t.Fatalf("journal entry %+v", e)
		}
	}
	if got := fs.faults.List(); len(got) != 0 {
		t.Fatalf("rule did not expire after 2 uses: %+v", got)
	}
	if resp, body, err := fs.do(t, c, "POST", "/scim/directory/d1/Users", "d1", `{"userName":"a"}`); err != nil || resp.StatusCode != 201 || body != `{"userName":"a"}` {
		t.Fatalf("third attempt: %v %q %v", resp, body, err)
	}
	if e := fs.last(t); e.Fault != "" {
		t.Fatalf("unfaulted request journaled with fault %q", e.Fault)
	}
	if n := fs.served.Load(); n != 4 {
		t.Fatalf("handler served %d requests, want 4", n)
	}
}

func TestFaultBodyFieldKeepsBody(t *testing.T) {
	fs := newFaultServer(t)
	fs.add(t, Rule{Method: "PATCH", BodyField: "active", BodyValue: false, Status: 500})
	c := http.DefaultClient
	activate := `{"Operations":[{"op":"replace","value":{"active":true}}]}`
	resp, body, err := fs.do(t, c, "PATCH", "/Users/1", "", activate)
	if err != nil || resp.StatusCode != 201 || body != activate {
		t.Fatalf("activation faulted or body lost: %v %q %v", resp, body, err)
	}
	resp, _, err = fs.do(t, c, "PATCH", "/Users/1", "", `{"Operations":[{"op":"replace","value":{"active":false}}]}`)
	if err != nil || resp.StatusCode != 500 {
		t.Fatalf("deactivation not faulted: %v %v", resp, err)
	}
}

func TestFaultProbabilityIsSeeded(t *testing.T) {
	run := func() []bool {
		f := NewRegistry(7)
		if _, err := f.Add(Rule{Status: 503, Probability: 0.33}); err != nil {
			t.Fatal(err)
		}
		var out []bool
		r := httptest.NewRequest("GET", "/x", nil)
		for range 3000 {
			_, _, ok := f.pick(r, nil)
			out = append(out, ok)
		}
		return out
	}
	a, b := run(), run()
	hits := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different decision at request %d", i)
		}
		if a[i] {
			hits++
		}
	}
	if hits < 850 || hits > 1130 {
		t.Fatalf("%d of 3000 faulted at p=0.33", hits)
	}
	f := NewRegistry(7)
	if _, err := f.Add(Rule{Status: 503, Probability: 0.33, Seed: 99}); err != nil {
		t.Fatal(err)
	}
	same := true
	for i := range 64 {
		_, _, ok := f.pick(httptest.NewRequest("GET", "/x", nil), nil)
		same = same && ok == a[i]
	}
	if same {
		t.Fatal("a rule's own seed does not change its sequence")
	}
	if got := f.List()[0].Hits; got == 0 || got > 64 {
		t.Fatalf("hits = %d", got)
	}
}

func TestFaultDropAndAfter(t *testing.T) {
	fs := newFaultServer(t)
	fs.add(t, Rule{Method: "POST", Drop: true, Times: 1})
	_, _, err := fs.do(t, http.DefaultClient, "POST", "/Users", "", `{"a":1}`)
	if err == nil {
		t.Fatal("dropped request got an answer")
	}
	e := fs.last(t)
	if e.Status != 0 || e.Fault != "f1 drop" {
		t.Fatalf("journal entry %+v", e)
	}
	if n := fs.served.Load(); n != 0 {
		t.Fatalf("dropped request reached the handler")
	}
	// After: the handler serves it, the answer is lost.
	fs.add(t, Rule{Method: "POST", Status: 503, After: true, Times: 1})
	resp, _, err := fs.do(t, http.DefaultClient, "POST", "/Users", "", `{"a":2}`)
	if err != nil || resp.StatusCode != 503 {
		t.Fatalf("after: %v %v", resp, err)
	}
	if n := fs.served.Load(); n != 1 {
		t.Fatalf("handler served %d, want 1 (the change is made, the answer lost)", n)
	}
	if e := fs.last(t); e.Status != 503 || e.Fault != "f2 503, after handler" {
		t.Fatalf("journal entry %+v", e)
	}
}

func TestFaultLatencyThenProceeds(t *testing.T) {
	fs := newFaultServer(t)
	fs.add(t, Rule{Latency: Duration(30 * time.Millisecond)})
	start := time.Now()
	resp, body, err := fs.do(t, http.DefaultClient, "PUT", "/Users/1", "", `{"x":1}`)
	if err != nil || resp.StatusCode != 201 || body != `{"x":1}` {
		t.Fatalf("%v %q %v", resp, body, err)
	}
	if time.Since(start) < 30*time.Millisecond {
		t.Fatal("no latency")
	}
	if e := fs.last(t); e.Fault != "f1 latency 30ms" || e.Status != 201 {
		t.Fatalf("journal entry %+v", e)
	}
}

func TestFaultHang(t *testing.T) {
	fs := newFaultServer(t)
	fs.add(t, Rule{ID: "stuck", Method: "POST", Hang: Duration(time.Minute)})
	// Past the client's timeout.
	client := &http.Client{Timeout: 100 * time.Millisecond}
	_, _, err := fs.do(t, client, "POST", "/Users", "", `{"a":1}`)
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a client timeout", err)
	}
	if e := fs.last(t); e.Status != 0 || e.Fault != "stuck hang 1m0s" {
		t.Fatalf("journal entry %+v", e)
	}
	// Removing the rule releases a request it holds.
	done := make(chan error, 1)
	go func() {
		_, _, err := fs.do(t, http.DefaultClient, "POST", "/Users", "", `{}`)
		done <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); fs.faults.List()[0].Hits < 2; {
		if time.Now().After(deadline) {
			t.Fatal("the second request never reached the hang rule")
		}
		time.Sleep(time.Millisecond)
	}
	if !fs.faults.Remove("stuck") || fs.faults.Remove("stuck") {
		t.Fatal("remove")
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("released request got an answer; want the connection dropped")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("removing the rule did not release the hung request")
	}
}

func TestFaultControlSurface(t *testing.T) {
	f := NewRegistry(0)
	a, _ := f.Add(Rule{Status: 500, Tenant: "t1"})
	if _, err := f.Add(Rule{ID: a.ID, Status: 500}); err == nil {
		t.Fatal("duplicate id accepted")
	}
	b, _ := f.Add(Rule{ID: "mine", Status: 500, Tenant: "t2"})
	c, _ := f.Add(Rule{Status: 502})
	if a.ID != "f1" || b.ID != "mine" || c.ID != "f2" {
		t.Fatalf("ids %s %s %s", a.ID, b.ID, c.ID)
	}
	f.Clear("t1")
	if got := f.List(); len(got) != 2 || got[0].ID != "mine" {
		t.Fatalf("after clear t1: %+v", got)
	}
	f.Clear("")
	if len(f.List()) != 0 {
		t.Fatal("clear")
	}
	// /_sim/ is never faulted.
	f.Add(Rule{Status: 500})
	h := f.Middleware(nil, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), "DELETE", "/_sim/faults", nil))
	if rec.Code != 204 {
		t.Fatalf("/_sim/ faulted: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "Internal Server Error") {
		t.Fatalf("default writer: %d %s", rec.Code, rec.Body)
	}
}

func TestParseFaultFile(t *testing.T) {
	yml := `
- {method: POST, path: "/scim/directory/*/Users", status: 429, retryAfter: 7, times: 2}
- method: PATCH
  bodyField: active
  bodyValue: false
  status: 503
  probability: 0.5
- {latency: 250ms}
`
	rules, err := ParseFile([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 3 || *rules[0].RetryAfter != 7 || rules[1].BodyValue != false || rules[2].Latency != Duration(250*time.Millisecond) {
		t.Fatalf("rules %+v", rules)
	}
	js := `[{"status":500,"hang":"2s"}]`
	if _, err := ParseFile([]byte(js)); err == nil || !strings.Contains(err.Error(), "one of status, drop and hang") {
		t.Fatalf("invalid JSON rule: %v", err)
	}
	if _, err := ParseFile([]byte(`[{"statu": 500}]`)); err == nil || !strings.Contains(err.Error(), "statu") {
		t.Fatalf("unknown field: %v", err)
	}
	if _, err := ParseFile([]byte(`[{"latency": 5}]`)); err == nil || !strings.Contains(err.Error(), "duration") {
		t.Fatalf("numeric latency: %v", err)
	}
	if rules, err := ParseFile(nil); err != nil || rules != nil {
		t.Fatalf("empty file: %v %v", rules, err)
	}
}
