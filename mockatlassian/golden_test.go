package mockatlassian

// Golden request flows: the exact requests Okta and Microsoft Entra send,
// kept as reviewable data under testdata/golden/<vendor>/<flow>.json (the
// pattern of elimity-com/scim's internal/idp_test) and replayed against a
// fresh server per file.
//
// A flow file is a JSON object:
//
//	{
//	  "description": "what the vendor is doing",
//	  "source":      "docs/fidelity.md ids the requests and answers come from",
//	  "steps": [{
//	    "name":    "human-readable step name",
//	    "method":  "PATCH",
//	    "path":    "/Users/{{userId}}",        // relative to the directory base
//	    "headers": {"User-Agent": "...", ...}, // the vendor's headers
//	    "body":    {...},                      // the exact JSON the vendor sends
//	    "expect": {
//	      "status":    200,
//	      "headers":   {"Content-Type": "..."}, // response headers, exact values
//	      "body":      {...},    // JSON subset of the response (see below)
//	      "absent":    ["password"],           // dotted paths that must not exist
//	      "present":   ["id"],                 // dotted paths that must exist, not null
//	      "unordered": ["members"],            // arrays compared as multisets
//	      "emptyBody": true                    // the response has no body at all
//	    },
//	    "save": {"userId": "id"}               // variables from the response
//	  }]
//	}
//
// Subset matching: every key of an expected object must be present in the
// actual object with a matching value; arrays must have the same length and
// match element by element (or as a multiset for the paths listed in
// "unordered": Atlassian does not keep member order, SCIM-GROUP-4); scalars must
// be equal in value and JSON type (1 is not "1").
//
// Dotted paths ("meta.location", "Resources.0.id") also work through keys
// that contain dots, such as extension URNs:
// "urn:scim:schemas:extension:atlassian-external:1.0.atlassianAccountId".
//
// "{{name}}" in path, headers, body and expect is replaced by a variable:
// one saved by an earlier step, or a predefined one (directoryId, scimBase).
// In JSON the value is inserted JSON-escaped; in the path it is inserted
// verbatim. An undefined variable fails the step.
//
// Authorization is "Bearer <directory key>" unless the step sets its own
// (an empty value sends no Authorization header).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

type goldenFlow struct {
	Description string       `json:"description"`
	Source      string       `json:"source"`
	Steps       []goldenStep `json:"steps"`
}

type goldenStep struct {
	Name    string            `json:"name"`
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
	Expect  goldenExpect      `json:"expect"`
	Save    map[string]string `json:"save,omitempty"`
}

type goldenExpect struct {
	Status    int               `json:"status"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      json.RawMessage   `json:"body,omitempty"`
	Absent    []string          `json:"absent,omitempty"`
	Present   []string          `json:"present,omitempty"`
	Unordered []string          `json:"unordered,omitempty"`
	EmptyBody bool              `json:"emptyBody,omitempty"`
}

const goldenDir = "testdata/golden"

func TestGoldenRequests(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no golden flows under %s", goldenDir)
	}
	sort.Strings(files)
	for _, file := range files {
		vendor := filepath.Base(filepath.Dir(file))
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(vendor+"/"+name, func(t *testing.T) {
			flow := loadGoldenFlow(t, file)
			g := newGoldenRun(newEnv(t), file)
			for i, s := range flow.Steps {
				rep := g.do(i, s)
				if rep.failed() {
					t.Error(rep.String())
				}
				if rep.stop {
					t.FailNow()
				}
			}
		})
	}
}

// loadGoldenFlow reads a flow strictly: unknown fields are typos, and a step
// without method, path or status is a broken file.
func loadGoldenFlow(t *testing.T, file string) goldenFlow {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var flow goldenFlow
	if err := dec.Decode(&flow); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if flow.Description == "" || len(flow.Steps) == 0 {
		t.Fatalf("%s: a flow needs a description and at least one step", file)
	}
	for i, s := range flow.Steps {
		if s.Name == "" || s.Method == "" || !strings.HasPrefix(s.Path, "/") || s.Expect.Status == 0 {
			t.Fatalf("%s: step %d (%q) needs name, method, a path starting with / and expect.status", file, i+1, s.Name)
		}
	}
	return flow
}

// goldenRun replays the steps of one flow against one server.
type goldenRun struct {
	e    *testEnv
	file string
	vars map[string]string
}

func newGoldenRun(e *testEnv, file string) *goldenRun {
	return &goldenRun{e: e, file: file, vars: map[string]string{
		"directoryId": testDir,
		"scimBase":    e.srv.Model.Options().LocationBase + "/scim/directory/" + testDir,
	}}
}

// stepReport is the outcome of one step: what was sent and received, and
// every mismatch found.
type stepReport struct {
	file     string
	index    int
	step     goldenStep
	method   string
	path     string
	expected []byte
	actual   resp
	problems []string
	stop     bool // the flow cannot go on (status mismatch, missing variable)
}

func (r *stepReport) failed() bool { return len(r.problems) > 0 }

func (r *stepReport) add(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

func (r *stepReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: step %d %q: %s %s\n", r.file, r.index+1, r.step.Name, r.method, r.path)
	for _, p := range r.problems {
		fmt.Fprintf(&b, "  - %s\n", p)
	}
	fmt.Fprintf(&b, "expected: status %d", r.step.Expect.Status)
	if len(r.expected) > 0 {
		fmt.Fprintf(&b, ", body (subset):\n%s", goldenIndent(r.expected))
	}
	fmt.Fprintf(&b, "\nactual: status %d", r.actual.Status)
	if len(r.actual.Raw) > 0 {
		fmt.Fprintf(&b, ", body:\n%s", goldenIndent(r.actual.Raw))
	}
	return b.String()
}

func goldenIndent(raw []byte) string {
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "  ", "  "); err != nil {
		return "  " + string(raw)
	}
	return "  " + out.String()
}

var goldenVar = regexp.MustCompile(`\{\{([A-Za-z0-9_]+)\}\}`)

// subst replaces {{name}} in s; in JSON text the value is JSON-escaped.
func (g *goldenRun) subst(s string, inJSON bool) (string, error) {
	var missing []string
	out := goldenVar.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-2]
		v, ok := g.vars[name]
		if !ok {
			missing = append(missing, name)
			return m
		}
		if inJSON {
			q, _ := json.Marshal(v)
			return string(q[1 : len(q)-1])
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("undefined variable(s) %s", strings.Join(missing, ", "))
	}
	return out, nil
}

// do runs step i of the flow.
func (g *goldenRun) do(i int, s goldenStep) *stepReport {
	g.e.t.Helper()
	rep := &stepReport{file: g.file, index: i, step: s, method: s.Method, path: s.Path}
	stop := func(format string, args ...any) *stepReport {
		rep.add(format, args...)
		rep.stop = true
		return rep
	}

	path, err := g.subst(s.Path, false)
	if err != nil {
		return stop("path: %v", err)
	}
	rep.path = path
	headers := map[string]string{}
	for k, v := range s.Headers {
		if v, err = g.subst(v, false); err != nil {
			return stop("header %s: %v", k, err)
		}
		headers[k] = v
	}
	var body []byte
	if len(s.Body) > 0 {
		b, err := g.subst(string(s.Body), true)
		if err != nil {
			return stop("body: %v", err)
		}
		// The vendor sends compact JSON; compacting keeps key order and values.
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(b)); err != nil {
			return stop("body is not valid JSON after substitution: %v", err)
		}
		body = buf.Bytes()
	}
	var want any
	if len(s.Expect.Body) > 0 {
		b, err := g.subst(string(s.Expect.Body), true)
		if err != nil {
			return stop("expect.body: %v", err)
		}
		rep.expected = []byte(b)
		if err := json.Unmarshal([]byte(b), &want); err != nil {
			return stop("expect.body is not valid JSON after substitution: %v", err)
		}
	}

	r := g.e.vendorCall(s.Method, "/scim/directory/"+testDir+path, headers, body)
	rep.actual = r

	if r.Status != s.Expect.Status {
		return stop("status %d, want %d", r.Status, s.Expect.Status)
	}
	for k, v := range s.Expect.Headers {
		v, err := g.subst(v, false)
		if err != nil {
			return stop("expect.headers %s: %v", k, err)
		}
		if got := r.Header.Get(k); got != v {
			rep.add("response header %s = %q, want %q", k, got, v)
		}
	}
	if s.Expect.EmptyBody && len(r.Raw) > 0 {
		rep.add("response has a body, want none")
	}
	var got any
	if len(r.Raw) > 0 {
		if err := json.Unmarshal(r.Raw, &got); err != nil && (want != nil || len(s.Expect.Absent)+len(s.Expect.Present)+len(s.Save) > 0) {
			return stop("response body is not JSON: %v", err)
		}
	}
	if want != nil {
		unordered := map[string]bool{}
		for _, p := range s.Expect.Unordered {
			unordered[p] = true
		}
		for _, p := range goldenMatch("", want, got, unordered) {
			rep.add("body %s", p)
		}
	}
	for _, p := range s.Expect.Absent {
		if v, ok := goldenLookup(got, p); ok {
			rep.add("body %s is present (%s), want absent", p, goldenCompact(v))
		}
	}
	for _, p := range s.Expect.Present {
		if v, ok := goldenLookup(got, p); !ok || v == nil {
			rep.add("body %s is missing, want present", p)
		}
	}
	for name, p := range s.Save {
		v, ok := goldenLookup(got, p)
		if !ok || v == nil {
			return stop("save %s: body %s is missing", name, p)
		}
		if str, isStr := v.(string); isStr {
			g.vars[name] = str
		} else {
			g.vars[name] = goldenCompact(v)
		}
	}
	return rep
}

// goldenMatch compares want (a subset) with got and returns every mismatch,
// each prefixed with its dotted path.
func goldenMatch(path string, want, got any, unordered map[string]bool) []string {
	label := path
	if label == "" {
		label = "(root)"
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s = %s, want an object", label, goldenCompact(got))}
		}
		var out []string
		for _, k := range sortedKeys(w) {
			gv, ok := g[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s is missing, want %s", goldenJoin(path, k), goldenCompact(w[k])))
				continue
			}
			out = append(out, goldenMatch(goldenJoin(path, k), w[k], gv, unordered)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s = %s, want an array", label, goldenCompact(got))}
		}
		if len(g) != len(w) {
			return []string{fmt.Sprintf("%s has %d elements, want %d: got %s, want %s", label, len(g), len(w), goldenCompact(g), goldenCompact(w))}
		}
		if unordered[path] {
			used := make([]bool, len(g))
		next:
			for i, we := range w {
				for j, ge := range g {
					if !used[j] && len(goldenMatch(path, we, ge, unordered)) == 0 {
						used[j] = true
						continue next
					}
				}
				return []string{fmt.Sprintf("%s: no element matches want[%d] %s; got %s", label, i, goldenCompact(we), goldenCompact(g))}
			}
			return nil
		}
		var out []string
		for i := range w {
			out = append(out, goldenMatch(goldenJoin(path, strconv.Itoa(i)), w[i], g[i], unordered)...)
		}
		return out
	default:
		if !reflect.DeepEqual(want, got) {
			return []string{fmt.Sprintf("%s = %s, want %s", label, goldenCompact(got), goldenCompact(want))}
		}
		return nil
	}
}

func goldenJoin(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func goldenCompact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// goldenLookup reads a dotted path. At each object the longest run of path
// parts that is a key wins, so keys containing dots (extension URNs) work;
// at each array the part is an index. ok is false when the path is absent;
// a present JSON null gives (nil, true).
func goldenLookup(v any, path string) (any, bool) {
	if path == "" {
		return v, v != nil
	}
	return goldenLookupParts(v, strings.Split(path, "."))
}

func goldenLookupParts(v any, parts []string) (any, bool) {
	if len(parts) == 0 {
		return v, true
	}
	switch x := v.(type) {
	case map[string]any:
		for j := len(parts); j >= 1; j-- {
			if c, ok := x[strings.Join(parts[:j], ".")]; ok {
				return goldenLookupParts(c, parts[j:])
			}
		}
	case []any:
		i, err := strconv.Atoi(parts[0])
		if err == nil && i >= 0 && i < len(x) {
			return goldenLookupParts(x[i], parts[1:])
		}
	}
	return nil, false
}

// vendorCall is e.call with a vendor's headers: exactly the given headers are
// sent, plus Authorization "Bearer <key>" unless headers sets its own (an
// empty value sends none).
func (e *testEnv) vendorCall(method, path string, headers map[string]string, body []byte) resp {
	e.t.Helper()
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rdr)
	auth, authSet := "", false
	for k, v := range headers {
		if http.CanonicalHeaderKey(k) == "Authorization" {
			auth, authSet = v, true
			continue
		}
		req.Header.Set(k, v)
	}
	if !authSet {
		auth = "Bearer " + e.key
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	out := resp{Status: rec.Code, Header: rec.Header(), Raw: rec.Body.Bytes()}
	if len(out.Raw) > 0 {
		var m map[string]any
		if err := json.Unmarshal(out.Raw, &m); err == nil {
			out.Body = m
		}
	}
	return out
}

// TestGoldenHarnessFails proves the replay harness can fail: each case is a
// step whose expectation is wrong on purpose and must be reported.
func TestGoldenHarnessFails(t *testing.T) {
	e := newEnv(t)
	g := newGoldenRun(e, "self-test")
	create := goldenStep{Name: "create", Method: "POST", Path: "/Users",
		Headers: map[string]string{"Content-Type": "application/scim+json; charset=utf-8"},
		Body:    json.RawMessage(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"harness@example.com","emails":[{"primary":true,"value":"harness@example.com","type":"work"}],"password":"x"}`),
		Expect:  goldenExpect{Status: 201, Body: json.RawMessage(`{"userName":"harness@example.com","groups":[]}`), Absent: []string{"password"}},
		Save:    map[string]string{"userId": "id"}}
	if rep := g.do(0, create); rep.failed() {
		t.Fatalf("a correct step failed:\n%s", rep)
	}
	list := func(exp goldenExpect) goldenStep {
		return goldenStep{Name: "list", Method: "GET", Path: "/Users?startIndex=1&count=2", Expect: exp}
	}
	cases := []struct {
		name string
		step goldenStep
		want string // in the report
	}{
		{"wrong status", list(goldenExpect{Status: 201}), "status 200, want 201"},
		{"wrong value", list(goldenExpect{Status: 200, Body: json.RawMessage(`{"totalResults":2}`)}), "totalResults = 1, want 2"},
		{"number as string", list(goldenExpect{Status: 200, Body: json.RawMessage(`{"startIndex":"1"}`)}), `startIndex = 1, want "1"`},
		{"missing key", list(goldenExpect{Status: 200, Body: json.RawMessage(`{"Resources":[{"nickName":"x"}]}`)}), "Resources.0.nickName is missing"},
		{"array length", list(goldenExpect{Status: 200, Body: json.RawMessage(`{"Resources":[]}`)}), "has 1 elements, want 0"},
		{"unordered no match", list(goldenExpect{Status: 200, Unordered: []string{"Resources"}, Body: json.RawMessage(`{"Resources":[{"id":"nope"}]}`)}), "no element matches"},
		{"absent path present", list(goldenExpect{Status: 200, Absent: []string{"Resources.0.urn:scim:schemas:extension:atlassian-external:1.0.atlassianAccountId"}}), "want absent"},
		{"present path missing", list(goldenExpect{Status: 200, Present: []string{"Resources.0.password"}}), "want present"},
		{"wrong header", list(goldenExpect{Status: 200, Headers: map[string]string{"Content-Type": "text/plain"}}), "response header Content-Type"},
		{"undefined variable", goldenStep{Name: "get", Method: "GET", Path: "/Users/{{nope}}", Expect: goldenExpect{Status: 200}}, "undefined variable(s) nope"},
		{"variable mismatch", goldenStep{Name: "get", Method: "GET", Path: "/Users/{{userId}}", Expect: goldenExpect{Status: 200, Body: json.RawMessage(`{"id":"{{userId}}x"}`)}}, "id = "},
	}
	for i, c := range cases {
		rep := g.do(i+1, c.step)
		if !rep.failed() {
			t.Errorf("%s: the harness passed a wrong expectation", c.name)
			continue
		}
		if s := rep.String(); !strings.Contains(s, c.want) || !strings.Contains(s, "self-test: step") {
			t.Errorf("%s: report does not say %q:\n%s", c.name, c.want, s)
		}
	}
	// Sanity: the multiset matcher accepts a reordered array.
	if p := goldenMatch("m", []any{map[string]any{"v": "b"}, map[string]any{"v": "a"}},
		[]any{map[string]any{"v": "a", "x": 1.0}, map[string]any{"v": "b"}}, map[string]bool{"m": true}); len(p) != 0 {
		t.Errorf("unordered match failed: %v", p)
	}
	if v, ok := goldenLookup(map[string]any{"urn:x:2.0:User": map[string]any{"department": "R"}}, "urn:x:2.0:User.department"); !ok || v != "R" {
		t.Errorf("goldenLookup through a URN key = %v, %v", v, ok)
	}
}
