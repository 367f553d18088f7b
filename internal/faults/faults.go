// Package faults injects throttling, errors, latency and dropped or hung
// connections into a simulator's requests, from rules added at run time or
// read from a --faults-file.
package faults

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"
)

// Fault injection: rules that make a simulator misbehave the way a real
// service does under load or in an incident — throttling, server errors,
// slow answers, dropped connections, requests that never return — so a
// client's retry logic can be tested (SCIM-ERR-4, SCIM-RATE-1,
// OKTA-RETRY-1). Both servers share the registry
// and the middleware; each writes the error bodies of its own API.

// FaultRule is one fault: which requests it matches, what it does to them,
// and how often. JSON (and the --faults-file YAML) use the json names.
type Rule struct {
	ID string `json:"id,omitempty"`

	// Matching; an empty field matches everything.
	Method    string `json:"method,omitempty"`    // GET, POST, … or a comma-separated list; "*" any
	Path      string `json:"path,omitempty"`      // a glob with * (any characters, / included) or a path prefix
	Tenant    string `json:"tenant,omitempty"`    // directory id (mockatlassian) or org id (mockokta)
	BodyField string `json:"bodyField,omitempty"` // dotted path in the JSON body, also looked up in SCIM PATCH operations
	BodyValue any    `json:"bodyValue,omitempty"` // the value bodyField must have; absent: bodyField must be present

	// Action: status, drop or hang, optionally after latency; or latency alone.
	Status     int      `json:"status,omitempty"`     // 400–599, answered with the API's error body
	RetryAfter *int     `json:"retryAfter,omitempty"` // 429: Retry-After seconds; default 1, negative: no header
	Latency    Duration `json:"latency,omitempty"`    // wait this long first; alone, the request then proceeds
	Drop       bool     `json:"drop,omitempty"`       // close the connection without an answer
	Hang       Duration `json:"hang,omitempty"`       // hold the request this long at most (less if the client gives up), then drop it
	After      bool     `json:"after,omitempty"`      // status or drop only after the request was served: the change is made, the answer lost

	// When.
	Probability float64 `json:"probability,omitempty"` // 0 < p < 1: that share of matches, seeded; absent or 1: every match
	Times       int     `json:"times,omitempty"`       // only the next N matches, then the rule expires; 0: no limit
	Seed        uint64  `json:"seed,omitempty"`        // the rule's random sequence; default the server's seed

	// State, read only.
	Hits      int  `json:"hits"`                // faults injected so far
	Remaining *int `json:"remaining,omitempty"` // matches left, when times is set
}

// FaultDuration is a time.Duration written as a Go duration string:
// "250ms", "2s", "1m30s".
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration such as \"250ms\" or \"2s\", not %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as \"250ms\" or \"2s\", not %q", s)
	}
	*d = Duration(v)
	return nil
}

// MaxFaultHang bounds hang and latency, so a forgotten rule cannot hold
// connections for ever.
const MaxHang = time.Hour

var (
	faultIDRE     = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	faultMethodRE = regexp.MustCompile(`^[A-Za-z]+$`)
)

// Validate checks a rule as given by a user.
func (r *Rule) Validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if r.ID != "" && !faultIDRE.MatchString(r.ID) {
		bad("id %q: letters, digits, '.', '_' and '-' only", r.ID)
	}
	if r.Method != "" && r.Method != "*" {
		for _, m := range strings.Split(r.Method, ",") {
			if !faultMethodRE.MatchString(strings.TrimSpace(m)) {
				bad("method %q is not an HTTP method", m)
			}
		}
	}
	if r.Path != "" && !strings.HasPrefix(r.Path, "/") && !strings.HasPrefix(r.Path, "*") {
		bad("path %q must start with / (or *)", r.Path)
	}
	if r.BodyValue != nil && r.BodyField == "" {
		bad("bodyValue needs bodyField")
	}
	actions := 0
	for _, on := range []bool{r.Status != 0, r.Drop, r.Hang != 0} {
		if on {
			actions++
		}
	}
	switch {
	case actions > 1:
		bad("give one of status, drop and hang")
	case actions == 0 && r.Latency == 0:
		bad("the rule does nothing: give status, drop, hang or latency")
	}
	if r.Status != 0 && (r.Status < 400 || r.Status > 599) {
		bad("status %d: want 400–599", r.Status)
	}
	if r.RetryAfter != nil && r.Status != http.StatusTooManyRequests {
		bad("retryAfter goes with status 429")
	}
	if r.After && r.Status == 0 && !r.Drop {
		bad("after goes with status or drop")
	}
	for _, d := range []struct {
		name string
		d    Duration
	}{{"latency", r.Latency}, {"hang", r.Hang}} {
		if d.d < 0 || time.Duration(d.d) > MaxHang {
			bad("%s %s: want 0 to %s", d.name, time.Duration(d.d), MaxHang)
		}
	}
	if r.Probability < 0 || r.Probability > 1 {
		bad("probability %v: want a share between 0 and 1 (absent or 1: always)", r.Probability)
	}
	if r.Times < 0 {
		bad("times must not be negative")
	}
	if len(errs) > 0 {
		return errors.New("fault rule: " + strings.Join(errs, "; "))
	}
	return nil
}

// label names the fault in the journal: "f1 429 Retry-After 7".
func (r *Rule) label() string {
	var parts []string
	if r.Latency > 0 {
		parts = append(parts, "latency "+time.Duration(r.Latency).String())
	}
	switch {
	case r.Status != 0:
		s := strconv.Itoa(r.Status)
		if r.Status == http.StatusTooManyRequests && r.retryAfter() >= 0 {
			s += " Retry-After " + strconv.Itoa(r.retryAfter())
		}
		parts = append(parts, s)
	case r.Drop:
		parts = append(parts, "drop")
	case r.Hang > 0:
		parts = append(parts, "hang "+time.Duration(r.Hang).String())
	}
	if r.After {
		parts = append(parts, "after handler")
	}
	return r.ID + " " + strings.Join(parts, ", ")
}

func (r *Rule) retryAfter() int {
	if r.RetryAfter == nil {
		return 1
	}
	if *r.RetryAfter < 0 {
		return -1
	}
	return *r.RetryAfter
}

// DecodeFaultRules reads one rule (a JSON object) or a list of them,
// strictly: unknown fields are errors. Rules are not validated.
func DecodeRules(data []byte) ([]Rule, error) {
	data = bytes.TrimSpace(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var rules []Rule
	switch {
	case len(data) > 0 && data[0] == '[':
		if err := dec.Decode(&rules); err != nil {
			return nil, err
		}
	case len(data) > 0 && data[0] == '{':
		var r Rule
		if err := dec.Decode(&r); err != nil {
			return nil, err
		}
		rules = []Rule{r}
	default:
		return nil, errors.New("want a fault rule (a JSON object) or a list of them")
	}
	if dec.More() {
		return nil, errors.New("unexpected data after the fault rules")
	}
	return rules, nil
}

// ParseFaultFile reads a --faults-file: a YAML or JSON list of rules, each
// validated.
func ParseFile(data []byte) ([]Rule, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, err
	}
	rules, err := DecodeRules(js)
	if err != nil {
		return nil, err
	}
	for i := range rules {
		if err := rules[i].Validate(); err != nil {
			return nil, fmt.Errorf("rule %d: %w", i+1, err)
		}
	}
	return rules, nil
}

// Faults is a registry of fault rules, safe for concurrent use. Rules are
// tried in the order they were added; the first that matches and fires
// decides the request.
type Registry struct {
	mu    sync.Mutex
	seed  uint64
	next  int
	rules []*faultRule
}

type faultRule struct {
	Rule                   // counters guarded by Registry.mu
	methods  []string      // upper case; nil: any
	want     any           // BodyValue as JSON decodes it
	rng      *mrand.Rand   // guarded by Registry.mu
	left     int           // matches left when Times > 0
	released chan struct{} // closed when the rule is removed: hung requests end
	gone     bool
}

// NewFaults returns an empty registry. seed (0 counts as 1) seeds rules
// that have no seed of their own, so probabilities repeat run after run.
func NewRegistry(seed uint64) *Registry {
	if seed == 0 {
		seed = 1
	}
	return &Registry{seed: seed}
}

// Add validates a rule and appends it; it returns the rule as stored, with
// its id.
func (f *Registry) Add(r Rule) (Rule, error) {
	out, err := f.AddAll([]Rule{r})
	if err != nil {
		return Rule{}, err
	}
	return out[0], nil
}

// AddAll adds rules all at once or, when any is invalid or its id is
// taken, none of them; it returns the rules as stored, with their ids.
func (f *Registry) AddAll(rules []Rule) ([]Rule, error) {
	prepared := make([]*faultRule, 0, len(rules))
	for _, r := range rules {
		fr, err := prepare(r)
		if err != nil {
			return nil, err
		}
		prepared = append(prepared, fr)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	taken := map[string]bool{}
	for _, fr := range prepared {
		if fr.ID == "" {
			continue
		}
		if taken[fr.ID] || f.find(fr.ID) >= 0 {
			return nil, fmt.Errorf("fault rule: id %q is taken", fr.ID)
		}
		taken[fr.ID] = true
	}
	out := make([]Rule, 0, len(prepared))
	for _, fr := range prepared {
		for fr.ID == "" {
			f.next++
			if id := "f" + strconv.Itoa(f.next); !taken[id] && f.find(id) < 0 {
				fr.ID = id
			}
		}
		seed := fr.Seed
		if seed == 0 {
			seed = f.seed
		}
		fr.rng = mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		f.rules = append(f.rules, fr)
		out = append(out, fr.view())
	}
	return out, nil
}

// prepare validates a rule and builds its matcher.
func prepare(r Rule) (*faultRule, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	r.Hits, r.Remaining = 0, nil
	fr := &faultRule{Rule: r, released: make(chan struct{}), left: r.Times}
	if r.Method != "" && r.Method != "*" {
		for _, m := range strings.Split(r.Method, ",") {
			fr.methods = append(fr.methods, strings.ToUpper(strings.TrimSpace(m)))
		}
	}
	if r.BodyValue != nil {
		// Compare as JSON values: 1 and 1.0, YAML's and JSON's, are equal.
		raw, err := json.Marshal(r.BodyValue)
		if err != nil {
			return nil, fmt.Errorf("fault rule: bodyValue: %w", err)
		}
		_ = json.Unmarshal(raw, &fr.want)
	}
	return fr, nil
}

// find returns the index of a rule. Caller holds f.mu.
func (f *Registry) find(id string) int {
	for i, fr := range f.rules {
		if fr.ID == id {
			return i
		}
	}
	return -1
}

// view is the rule as listed. Caller holds f.mu (or owns fr).
func (fr *faultRule) view() Rule {
	r := fr.Rule
	if r.Times > 0 {
		left := fr.left
		r.Remaining = &left
	}
	return r
}

// List returns the rules in order, with their counters.
func (f *Registry) List() []Rule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Rule, 0, len(f.rules))
	for _, fr := range f.rules {
		out = append(out, fr.view())
	}
	return out
}

// Remove deletes a rule and releases the requests it holds; it reports
// whether the rule existed.
func (f *Registry) Remove(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.find(id)
	if i < 0 {
		return false
	}
	f.drop(i, true)
	return true
}

// Clear deletes every rule, or only those of one tenant.
func (f *Registry) Clear(tenant string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.rules) - 1; i >= 0; i-- {
		if tenant == "" || f.rules[i].Tenant == tenant {
			f.drop(i, true)
		}
	}
}

// drop removes rule i; release ends its hung requests. Caller holds f.mu.
func (f *Registry) drop(i int, release bool) {
	fr := f.rules[i]
	fr.gone = true
	if release {
		close(fr.released)
	}
	f.rules = append(f.rules[:i:i], f.rules[i+1:]...)
}

// FaultAnswer is a status fault for the server to write in its API's
// dialect (a SCIM error, Atlassian's Failure, Okta's error envelope) with
// its rate-limit headers. The middleware has set Retry-After already.
type Answer struct {
	Status     int
	RetryAfter int // seconds; -1 when no Retry-After was sent
	RuleID     string
}

// FaultWriter writes a status fault.
type Writer func(w http.ResponseWriter, r *http.Request, a Answer)

// maxFaultBody bounds how much of a body is read to match bodyField.
const maxFaultBody = 4 << 20

// Middleware injects the registry's faults into the requests next serves.
// tenantOf names a request's tenant (it runs after routing); write answers
// status faults (nil: a plain {"error": "..."}). /_sim/ routes are never
// faulted, so rules can always be removed. Put it inside the journal's
// middleware: the journal then records each faulted request with its
// fault (journal.Entry.Fault), and status 0 for a dropped or hung one.
func (f *Registry) Middleware(tenantOf func(*http.Request) string, write Writer) func(http.Handler) http.Handler {
	if write == nil {
		write = writePlainFault
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/_sim/") {
				next.ServeHTTP(w, r)
				return
			}
			rule, released, ok := f.pick(r, tenantOf)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			apply(w, r, next, rule, released, write)
		})
	}
}

// pick finds the rule that fires for r, counting the hit.
func (f *Registry) pick(r *http.Request, tenantOf func(*http.Request) string) (Rule, <-chan struct{}, bool) {
	f.mu.Lock()
	if len(f.rules) == 0 {
		f.mu.Unlock()
		return Rule{}, nil, false
	}
	rules := append([]*faultRule(nil), f.rules...)
	f.mu.Unlock()

	tenant, tenantKnown := "", false
	var body []byte
	bodyRead := false
	for _, fr := range rules {
		if !fr.matchMethod(r.Method) || !matchFaultPath(fr.Path, r.URL.Path) {
			continue
		}
		if fr.Tenant != "" {
			if !tenantKnown && tenantOf != nil {
				tenant, tenantKnown = tenantOf(r), true
			}
			if tenant != fr.Tenant {
				continue
			}
		}
		if fr.BodyField != "" {
			if !bodyRead {
				body, bodyRead = peekBody(r), true
			}
			if !bodyHas(body, fr.BodyField, fr.want, fr.BodyValue != nil) {
				continue
			}
		}
		if view, ok := f.fire(fr); ok {
			return view, fr.released, true
		}
	}
	return Rule{}, nil, false
}

// fire decides whether a matching rule applies this time and counts it.
func (f *Registry) fire(fr *faultRule) (Rule, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fr.gone {
		return Rule{}, false
	}
	if p := fr.Probability; p > 0 && p < 1 && fr.rng.Float64() >= p {
		return Rule{}, false
	}
	fr.Hits++
	if fr.Times > 0 {
		fr.left--
		if fr.left <= 0 {
			// Expired: gone from the list, but a request it holds keeps
			// its hang.
			if i := f.find(fr.ID); i >= 0 {
				f.drop(i, false)
			}
		}
	}
	return fr.view(), true
}

func (fr *faultRule) matchMethod(m string) bool {
	if fr.methods == nil {
		return true
	}
	for _, x := range fr.methods {
		if x == m {
			return true
		}
	}
	return false
}

// matchFaultPath matches a glob (* is any run of characters, / included)
// against the whole path, or else a prefix that ends at a segment boundary:
// /Users matches /Users and /Users/42, not /UsersX.
func matchFaultPath(pattern, path string) bool {
	if pattern == "" {
		return true
	}
	if !strings.Contains(pattern, "*") {
		p := strings.TrimRight(pattern, "/")
		return path == p || strings.HasPrefix(path, p+"/") || p == ""
	}
	return globMatch(pattern, path)
}

// globMatch is a linear-time * matcher.
func globMatch(pattern, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && pattern[px] == '*':
			star, mark = px, sx
			px++
		case px < len(pattern) && pattern[px] == s[sx]:
			px++
			sx++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

// peekBody reads the request body for matching and puts it back.
func peekBody(r *http.Request) []byte {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, maxFaultBody+1))
	r.Body = readCloser{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
	if len(b) > maxFaultBody {
		return nil
	}
	return b
}

// bodyHas reports whether a JSON body holds field (dotted; arrays on the
// way are searched element by element), with the value want when hasWant.
// In a SCIM PatchOp the field is also looked for in each operation: inside
// a path-less operation's value ({"op":"replace","value":{"active":false}}),
// or as the operation's own path ({"path":"active","value":false}).
func bodyHas(body []byte, field string, want any, hasWant bool) bool {
	if len(body) == 0 {
		return false
	}
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return false
	}
	parts := strings.Split(field, ".")
	if lookupField(doc, parts, want, hasWant) {
		return true
	}
	top, _ := doc.(map[string]any)
	ops, _ := fieldFold(top, "Operations").([]any)
	for _, op := range ops {
		om, _ := op.(map[string]any)
		path, _ := fieldFold(om, "path").(string)
		value := fieldFold(om, "value")
		switch {
		case path == "":
			if lookupField(value, parts, want, hasWant) {
				return true
			}
		case strings.EqualFold(path, field):
			if !hasWant || reflect.DeepEqual(value, want) {
				return true
			}
		case len(field) > len(path) && strings.EqualFold(field[:len(path)+1], path+"."):
			if lookupField(value, strings.Split(field[len(path)+1:], "."), want, hasWant) {
				return true
			}
		}
	}
	return false
}

func lookupField(v any, parts []string, want any, hasWant bool) bool {
	if len(parts) == 0 {
		if arr, ok := v.([]any); ok && hasWant {
			if _, wantArr := want.([]any); !wantArr {
				for _, e := range arr {
					if reflect.DeepEqual(e, want) {
						return true
					}
				}
				return false
			}
		}
		return !hasWant || reflect.DeepEqual(v, want)
	}
	switch x := v.(type) {
	case map[string]any:
		c, ok := x[parts[0]]
		if !ok {
			// SCIM attribute names are case-insensitive.
			for k, vv := range x {
				if strings.EqualFold(k, parts[0]) {
					c, ok = vv, true
					break
				}
			}
		}
		return ok && lookupField(c, parts[1:], want, hasWant)
	case []any:
		for _, e := range x {
			if lookupField(e, parts, want, hasWant) {
				return true
			}
		}
	}
	return false
}

// fieldFold is m[key], the key matched without case.
func fieldFold(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// apply carries out a fault that fired.
func apply(w http.ResponseWriter, r *http.Request, next http.Handler, rule Rule, released <-chan struct{}, write Writer) {
	label := rule.label()
	if rule.Latency > 0 && pause(r, released, time.Duration(rule.Latency)) == pauseClientGone {
		markFault(w, label, true) // nobody is left to answer
		return
	}
	switch {
	case rule.Status != 0:
		markFault(w, label, false)
		if rule.After {
			next.ServeHTTP(newDiscard(), r)
		}
		ra := -1
		if rule.Status == http.StatusTooManyRequests {
			if ra = rule.retryAfter(); ra >= 0 {
				w.Header().Set("Retry-After", strconv.Itoa(ra))
			}
		}
		write(w, r, Answer{Status: rule.Status, RetryAfter: ra, RuleID: rule.ID})
	case rule.Drop:
		markFault(w, label, true)
		if rule.After {
			next.ServeHTTP(newDiscard(), r)
		}
		dropConnection(w)
	case rule.Hang > 0:
		markFault(w, label, true)
		// Read the body out, so the server notices when the client gives
		// up and ends the request's context.
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxFaultBody))
		}
		pause(r, released, time.Duration(rule.Hang))
		dropConnection(w)
	default:
		markFault(w, label, false)
		next.ServeHTTP(w, r)
	}
}

type pauseEnd int

const (
	pauseElapsed    pauseEnd = iota
	pauseClientGone          // the request's context ended
	pauseReleased            // the rule was removed
)

// pause waits d, or less when the client gives up or the rule is removed.
func pause(r *http.Request, released <-chan struct{}, d time.Duration) pauseEnd {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return pauseElapsed
	case <-r.Context().Done():
		return pauseClientGone
	case <-released:
		return pauseReleased
	}
}

// dropConnection closes the connection without an answer. Where the
// connection cannot be taken over (HTTP/2, a test recorder), the response
// is aborted instead.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// faultMarker is what a journal's response recorder implements
// (internal/journal) to record the fault a request met.
type faultMarker interface {
	MarkFault(label string, noResponse bool)
}

// markFault tells the journal's recorder, if w leads to one, which fault
// the request met; noResponse records status 0.
func markFault(w http.ResponseWriter, label string, noResponse bool) {
	for w != nil {
		if rec, ok := w.(faultMarker); ok {
			rec.MarkFault(label, noResponse)
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// readCloser puts a peeked body back in front of the rest of it, keeping
// the original Close.
type readCloser struct {
	io.Reader
	io.Closer
}

// discard is where a request served before its answer is lost writes.
type discard struct{ h http.Header }

func newDiscard() *discard                     { return &discard{h: http.Header{}} }
func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func writePlainFault(w http.ResponseWriter, _ *http.Request, a Answer) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.Status)
	_, _ = fmt.Fprintf(w, `{"error":%q}`, http.StatusText(a.Status))
}

// NewFaultsFrom is NewFaults with boot rules (a --faults-file) added.
func NewRegistryFrom(seed uint64, rules []Rule) (*Registry, error) {
	f := NewRegistry(seed)
	for i, r := range rules {
		if _, err := f.Add(r); err != nil {
			return nil, fmt.Errorf("rule %d: %w", i+1, err)
		}
	}
	return f, nil
}

// ReadFaultFile reads and parses a --faults-file; an empty path is no file.
func ReadFile(path string) ([]Rule, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("faults file: %w", err)
	}
	rules, err := ParseFile(data)
	if err != nil {
		return nil, fmt.Errorf("faults file %s: %w", path, err)
	}
	return rules, nil
}
