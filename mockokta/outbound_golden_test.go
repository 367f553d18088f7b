package mockokta

// Golden outbound traffic of Okta's provisioning engine, per flow and per
// app flavour (OKTA-FLAVOUR-1 and the other OKTA-* entries of
// docs/fidelity.md). Each step records what the engine sent — order,
// method, path, query, status, the OKTA-WIRE-1 headers and the body —
// normalises volatile values (ids, passwords, timestamps, the server's
// port) into placeholders and compares with
// testdata/outbound/<flavour>_<step>.json.
//
// `go test ./mockokta -run Golden -update` rewrites the files from the
// engine's current output (a test flag, never an environment variable, so
// no CI setting can turn comparing into writing). Every
// file has been checked by hand against docs/fidelity.md; do not regenerate them to
// make a failing test pass without reading the entry again.

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/mockatlassian"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/outbound/*.json from the engine's output instead of comparing")

// ---------------------------------------------------------------------------
// Harness shared by outbound_golden_test.go, push_test.go, faults_test.go and
// flavour_test.go.

// goldProbeUA marks the tests' own SCIM reads so recorders and fault
// injectors leave them alone.
const goldProbeUA = "provsim-test-probe"

// goldWireReq is one request as it reached the SCIM server.
type goldWireReq struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
	At                     time.Time // fake-clock time on arrival
}

// goldWire records the engine's requests in front of the SCIM server.
// forwardAuth, when set, replaces Authorization before the request goes on,
// so header and basic modes can be tested against mockatlassian, which
// only knows bearer keys.
type goldWire struct {
	mu          sync.Mutex
	reqs        []goldWireReq
	forwardAuth string
	clock       *clock.Fake
}

func (w *goldWire) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if goldIsProbe(r) {
			next.ServeHTTP(rw, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		w.mu.Lock()
		rec := goldWireReq{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
		if w.clock != nil {
			rec.At = w.clock.Now()
		}
		w.reqs = append(w.reqs, rec)
		fa := w.forwardAuth
		w.mu.Unlock()
		if fa != "" {
			r.Header.Set("Authorization", fa)
		}
		next.ServeHTTP(rw, r)
	})
}

func (w *goldWire) all() []goldWireReq {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]goldWireReq(nil), w.reqs...)
}

func (w *goldWire) mark() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.reqs)
}

func (w *goldWire) since(n int) []goldWireReq { return w.all()[n:] }

func (w *goldWire) setForwardAuth(a string) {
	w.mu.Lock()
	w.forwardAuth = a
	w.mu.Unlock()
}

func goldIsProbe(r *http.Request) bool {
	ua := r.Header.Get("User-Agent")
	return ua == goldProbeUA || strings.HasPrefix(ua, "Go-http-client")
}

// goldSetup configures goldPipeline.
type goldSetup struct {
	// wrap sits between the recorder and mockatlassian (fault injection).
	wrap func(http.Handler) http.Handler
	// timeout is the engine's SCIM client timeout (default: none).
	timeout time.Duration
	mutate  []func(*mockatlassian.Config)
	// options changes mockokta's engine options (switches).
	options func(*Options)
}

// goldPipeline is newPipeline with a request recorder, an optional handler
// in front of mockatlassian and an optional SCIM client timeout.
func goldPipeline(t *testing.T, s goldSetup) (*pipeline, *goldWire) {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	acfg := mockatlassian.Config{
		Options: mockatlassian.Options{Seed: 7, Logger: quiet},
		Logger:  quiet,
		Boot: &mockatlassian.Boot{OrgID: pipeAtlOrg, DirectoryID: pipeDir, APIKey: pipeKey, VerifiedDomains: []string{pipeDomain},
			Sites: []mockatlassian.AddSiteInput{{Name: "acme.atlassian.net", Products: []string{"jira-software", "confluence"}}}},
	}
	for _, f := range s.mutate {
		f(&acfg)
	}
	atl, err := mockatlassian.NewServer(acfg)
	if err != nil {
		t.Fatal(err)
	}
	clock := clock.NewFake(time.Date(2026, 3, 18, 10, 0, 0, 0, time.UTC))
	wire := &goldWire{clock: clock}
	var h http.Handler = atl
	if s.wrap != nil {
		h = s.wrap(h)
	}
	ts := httptest.NewServer(wire.wrap(h))
	t.Cleanup(ts.Close)
	client := ts.Client()
	if s.timeout > 0 {
		client = &http.Client{Transport: client.Transport, Timeout: s.timeout}
	}
	scimURL := ts.URL + "/scim/directory/" + pipeDir
	opts := Options{Clock: clock, Seed: 3, SCIMClient: client, Logger: quiet}
	if s.options != nil {
		s.options(&opts)
	}
	okta, err := NewServer(Config{Options: opts, Logger: quiet,
		Boot: &Boot{OrgID: "00opipe", APIToken: pipeToken, AtlassianSCIMURL: scimURL, AtlassianSCIMToken: pipeKey}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := okta.Close(); err != nil {
			t.Error(err)
		}
	})
	p := &pipeline{t: t, okta: okta, atl: atl, atlURL: ts.URL, clock: clock, token: pipeToken,
		orgID: okta.Booted.Org.ID, appID: okta.Booted.AppID, scimURL: scimURL}
	t.Cleanup(func() { goldNoUserDeletes(t, p) })
	return p, wire
}

// goldNoUserDeletes is OKTA-DEACT-3: Okta never sends DELETE /Users, in any flow.
func goldNoUserDeletes(t *testing.T, p *pipeline) {
	for _, e := range p.okta.Model.Journal().Entries(journal.Query{}) {
		if e.Method == http.MethodDelete && strings.Contains(e.Path, "/Users") {
			t.Errorf("OKTA-DEACT-3: Okta never sends DELETE /Users, but the engine sent DELETE %s", e.Path)
		}
	}
}

// goldSCIM calls the SCIM server directly, as a tester looking at the far
// side, bypassing recorders and faults.
func goldSCIM(p *pipeline, method, path string, body any) (int, map[string]any) {
	p.t.Helper()
	var rdr io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rdr = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.scimURL+path, rdr)
	req.Header.Set("Authorization", "Bearer "+pipeKey)
	req.Header.Set("User-Agent", goldProbeUA)
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// goldSCIMUsers lists every user downstream.
func goldSCIMUsers(p *pipeline) []map[string]any {
	p.t.Helper()
	_, list := goldSCIM(p, "GET", "/Users?startIndex=1&count=100", nil)
	var out []map[string]any
	for _, r := range list["Resources"].([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

// goldSCIMUsersNamed lists the downstream users with this userName.
func goldSCIMUsersNamed(p *pipeline, userName string) []map[string]any {
	var out []map[string]any
	for _, u := range goldSCIMUsers(p) {
		if strings.EqualFold(fmt.Sprint(u["userName"]), userName) {
			out = append(out, u)
		}
	}
	return out
}

// goldSCIMGroupByName finds a downstream group by displayName.
func goldSCIMGroupByName(p *pipeline, name string) map[string]any {
	p.t.Helper()
	_, list := goldSCIM(p, "GET", "/Groups?startIndex=1&count=100", nil)
	for _, r := range list["Resources"].([]any) {
		if g := r.(map[string]any); g["displayName"] == name {
			return g
		}
	}
	return nil
}

// goldMemberIDs returns a SCIM group's member ids, sorted.
func goldMemberIDs(g map[string]any) []string {
	out := []string{}
	ms, _ := g["members"].([]any)
	for _, m := range ms {
		out = append(out, m.(map[string]any)["value"].(string))
	}
	sort.Strings(out)
	return out
}

// goldAIW creates the wizard-built custom SCIM app of the brief, connects it
// to the pipeline's directory (conn overrides the connection fields) and
// returns its id. To App is not saved yet.
func goldAIW(p *pipeline, conn map[string]any) string {
	p.t.Helper()
	app := p.must(200, "POST", "/api/v1/apps", map[string]any{"name": "acme_scim", "label": "Acme SCIM", "signOnMode": "SAML_2_0"})
	id := app["id"].(string)
	body := map[string]any{"baseUrl": p.scimURL, "authMode": "bearer", "token": pipeKey, "enabled": true}
	for k, v := range conn {
		body[k] = v
	}
	p.must(200, "PUT", "/_sim/orgs/"+p.orgID+"/apps/"+id+"/connection", body)
	return id
}

// goldToApp saves To App with Create, Update and Deactivate on.
func goldToApp(p *pipeline, appID string) {
	p.t.Helper()
	on := map[string]any{"status": "ENABLED"}
	p.must(200, "PUT", "/api/v1/apps/"+appID+"/features/USER_PROVISIONING", map[string]any{
		"create": map[string]any{"lifecycleCreate": on},
		"update": map[string]any{"profile": on, "lifecycleDeactivate": on}})
}

func goldAssign(p *pipeline, appID, uid string) {
	p.t.Helper()
	p.must(200, "POST", "/api/v1/apps/"+appID+"/users", map[string]any{"id": uid, "scope": "USER"})
}

func goldUnassign(p *pipeline, appID, uid string) {
	p.t.Helper()
	p.must(204, "DELETE", "/api/v1/apps/"+appID+"/users/"+uid, nil)
}

func goldAppUser(p *pipeline, appID, uid string) map[string]any {
	p.t.Helper()
	return p.must(200, "GET", "/api/v1/apps/"+appID+"/users/"+uid, nil)
}

func goldGroup(p *pipeline, name string) string {
	p.t.Helper()
	return p.must(200, "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": name}})["id"].(string)
}

func goldJoin(p *pipeline, gid, uid string) {
	p.t.Helper()
	p.must(204, "PUT", "/api/v1/groups/"+gid+"/users/"+uid, nil)
}

func goldLeave(p *pipeline, gid, uid string) {
	p.t.Helper()
	p.must(204, "DELETE", "/api/v1/groups/"+gid+"/users/"+uid, nil)
}

func goldMap(p *pipeline, appID string, body map[string]any) map[string]any {
	p.t.Helper()
	return p.must(201, "POST", "/api/v1/apps/"+appID+"/group-push/mappings", body)
}

func goldMapping(p *pipeline, appID, id string) map[string]any {
	p.t.Helper()
	return p.must(200, "GET", "/api/v1/apps/"+appID+"/group-push/mappings/"+id, nil)
}

// goldTarget is the id downstream of the group a mapping pushes to ("" if
// none): targetGroupId is Okta's APP_GROUP id (OKTA-PUSH-15).
func goldTarget(p *pipeline, appID, id string) string {
	p.t.Helper()
	tg, _ := goldMapping(p, appID, id)["targetGroupId"].(string)
	return p.downstreamOf(appID, tg)
}

// downstreamOf maps an APP_GROUP id to the group's id downstream.
func (p *pipeline) downstreamOf(appID, appGroupID string) string {
	p.t.Helper()
	if appGroupID == "" {
		return ""
	}
	var ags struct {
		Groups []AppGroupRef `json:"groups"`
	}
	r := p.oktaAPI("GET", "/_sim/orgs/"+p.orgID+"/apps/"+appID+"/group-push/app-groups", nil)
	if r.Status != 200 || json.Unmarshal(r.Raw, &ags) != nil {
		p.t.Fatalf("app groups: %d %s", r.Status, r.Raw)
	}
	for _, g := range ags.Groups {
		if g.ID == appGroupID {
			return g.ExternalID
		}
	}
	p.t.Fatalf("no app group %s in %s", appGroupID, r.Raw)
	return ""
}

// goldTasks lists the org's tasks (all when all is set).
func goldTasks(p *pipeline, all bool) []map[string]any {
	p.t.Helper()
	r := p.oktaAPI("GET", fmt.Sprintf("/_sim/orgs/%s/tasks?all=%v", p.orgID, all), nil)
	if r.Status != 200 {
		p.t.Fatalf("tasks: %d %s", r.Status, r.Raw)
	}
	var out []map[string]any
	if err := json.Unmarshal(r.Raw, &out); err != nil {
		p.t.Fatalf("tasks: %v: %s", err, r.Raw)
	}
	return out
}

// goldEntries returns the outbound journal after seq.
func goldEntries(p *pipeline, after uint64) []journal.Entry {
	return p.okta.Model.Journal().Entries(journal.Query{Tenant: p.orgID, AfterSeq: after})
}

// goldSeq is the journal's current last sequence number.
func goldSeq(p *pipeline) uint64 {
	es := p.okta.Model.Journal().Entries(journal.Query{})
	if len(es) == 0 {
		return 0
	}
	return es[len(es)-1].Seq
}

// goldLines renders entries as "METHOD /path?query".
func goldLines(p *pipeline, es []journal.Entry) []string {
	var out []string
	for _, e := range es {
		line := e.Method + " " + strings.TrimPrefix(e.Path, p.scimURL)
		if e.Query != "" {
			line += "?" + e.Query
		}
		out = append(out, line)
	}
	return out
}

// ---------------------------------------------------------------------------
// Golden files.

// goldReq is one expected request.
type goldReq struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Query   string            `json:"query,omitempty"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	// Body is the body as sent, placeholders put in, keys in wire order.
	Body json.RawMessage `json:"body,omitempty"`
}

// goldHeaderNames are the OKTA-WIRE-1 headers the goldens pin.
var goldHeaderNames = []string{"Accept", "Accept-Charset", "Accept-Encoding", "Authorization", "Connection", "Content-Type", "User-Agent"}

// body decodes the request body, for checks that read it.
func (r goldReq) body() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

// goldNorm turns volatile values into placeholders.
type goldNorm struct {
	named []struct{ value, ph string }
	uuids map[string]string
	t     *testing.T
	// randomPasswords accepts Sync Password's 16-character passwords.
	randomPasswords bool
}

var (
	goldUUIDRE = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	goldPassRE = regexp.MustCompile(`^[A-Za-z0-9]{8}$`)
	// goldRandomPassRE: Okta's generated passwords to sync (OKTA-PASSWORD-3).
	goldRandomPassRE = regexp.MustCompile(`^[A-Za-z0-9]{16}$`)
	goldTimeRE       = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$`)
)

func newGoldNorm(t *testing.T) *goldNorm { return &goldNorm{uuids: map[string]string{}, t: t} }

// pipelineNorm is a normalizer that names the pipeline's org, key and URLs.
func pipelineNorm(t *testing.T, p *pipeline) *goldNorm {
	n := newGoldNorm(t)
	n.name(p.orgID, "oktaOrg")
	n.name(pipeKey, "token")
	n.name(p.scimURL, "base")
	n.name(p.atlURL, "server")
	return n
}

// name maps a value to {{ph}}.
func (n *goldNorm) name(value, ph string) {
	if value == "" {
		n.t.Fatalf("goldNorm: empty value for %s", ph)
	}
	n.named = append(n.named, struct{ value, ph string }{value, "{{" + ph + "}}"})
	sort.SliceStable(n.named, func(i, j int) bool { return len(n.named[i].value) > len(n.named[j].value) })
}

func (n *goldNorm) str(s string) string {
	for _, r := range n.named {
		s = strings.ReplaceAll(s, r.value, r.ph)
	}
	return goldUUIDRE.ReplaceAllStringFunc(s, func(u string) string {
		if ph, ok := n.uuids[u]; ok {
			return ph
		}
		ph := fmt.Sprintf("{{uuid%d}}", len(n.uuids)+1)
		n.uuids[u] = ph
		return ph
	})
}

func (n *goldNorm) value(key string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, vv := range x {
			out[k] = n.value(k, vv)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			out[i] = n.value(key, vv)
		}
		return out
	case string:
		switch {
		case key == "atlassianAccountId":
			// mockatlassian's account id, echoed back by Okta's PUT.
			return "{{atlassianAccountId}}"
		case key == "password":
			if named := n.str(x); named != x {
				return named // a password the test set, e.g. {{oktaPassword:alice}}
			}
			if n.randomPasswords && goldRandomPassRE.MatchString(x) {
				return "{{randomPassword}}" // Sync Password's seed RANDOM (OKTA-PASSWORD-3)
			}
			if !goldPassRE.MatchString(x) {
				n.t.Errorf("OKTA-CREATE-2: password %q is not a random 8-character placeholder", x)
			}
			return "{{password}}"
		case goldTimeRE.MatchString(x):
			return "{{time}}"
		}
		return n.str(x)
	}
	return v
}

// raw normalises a JSON text without decoding it into maps, so the keys
// keep the order they had on the wire.
func (n *goldNorm) raw(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out bytes.Buffer
	if err := n.rawValue(dec, "", &out); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return out.Bytes(), nil
}

func (n *goldNorm) rawValue(dec *json.Decoder, key string, out *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		out.WriteString(t.String())
		closing := map[json.Delim]string{'{': "}", '[': "]"}[t]
		for i := 0; dec.More(); i++ {
			if i > 0 {
				out.WriteByte(',')
			}
			k := key
			if t == '{' {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k = kt.(string)
				kb, _ := json.Marshal(k)
				out.Write(kb)
				out.WriteByte(':')
			}
			if err := n.rawValue(dec, k, out); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
		out.WriteString(closing)
	default:
		b, _ := json.Marshal(n.value(key, tok))
		out.Write(b)
	}
	return nil
}

func (n *goldNorm) header(h http.Header, name string) (string, bool) {
	vs, ok := h[http.CanonicalHeaderKey(name)]
	if !ok {
		return "", false
	}
	return n.str(strings.Join(vs, ", ")), true
}

// goldRecord builds the normalised requests of a step from the journal
// (order, status, bodies) and the wire (headers), checking they agree.
func goldRecord(t *testing.T, p *pipeline, n *goldNorm, es []journal.Entry, wire []goldWireReq) []goldReq {
	t.Helper()
	if len(es) != len(wire) {
		t.Fatalf("journal has %d requests, the wire saw %d:\njournal %q", len(es), len(wire), goldLines(p, es))
	}
	base := strings.TrimPrefix(p.scimURL, p.atlURL)
	var out []goldReq
	for i, e := range es {
		w := wire[i]
		if w.Method != e.Method || base+strings.TrimPrefix(e.Path, p.scimURL) != w.Path || e.Query != w.RawQuery {
			t.Fatalf("request %d: journal %s %s?%s, wire %s %s?%s", i, e.Method, e.Path, e.Query, w.Method, w.Path, w.RawQuery)
		}
		// The journal keeps the body as sent, passwords masked.
		if !bytes.Equal(bytes.TrimSpace(journal.MaskSecrets(w.Body)), bytes.TrimSpace(e.RequestBody)) && !(len(w.Body) == 0 && len(e.RequestBody) == 0) {
			t.Fatalf("request %d: journal body %s, wire body %s", i, e.RequestBody, w.Body)
		}
		r := goldReq{Method: e.Method, Path: n.str(strings.TrimPrefix(e.Path, p.scimURL)), Query: n.str(e.Query), Status: e.Status,
			Headers: map[string]string{}}
		for _, h := range goldHeaderNames {
			if v, ok := n.header(w.Header, h); ok {
				r.Headers[h] = v
			}
		}
		if len(w.Body) > 0 {
			// Compact on the wire: with the key order kept here, the golden
			// body compacted is the wire's bytes.
			var compact bytes.Buffer
			if err := json.Compact(&compact, w.Body); err != nil || !bytes.Equal(compact.Bytes(), w.Body) {
				t.Fatalf("request %d: body is not compact JSON: %s", i, w.Body)
			}
			norm, err := n.raw(w.Body)
			if err != nil {
				t.Fatalf("request %d: body: %v: %s", i, err, w.Body)
			}
			r.Body = norm
		}
		out = append(out, r)
	}
	return out
}

// goldCompare compares a step with testdata/outbound/<name>.json.
func goldCompare(t *testing.T, name string, got []goldReq) {
	t.Helper()
	if got == nil {
		got = []goldReq{}
	}
	file := filepath.Join("testdata", "outbound", name+".json")
	gotJSON, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	gotJSON = append(gotJSON, '\n')
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, gotJSON, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%s: %v (-update writes it)", file, err)
	}
	// Compare bytes: key order inside bodies is part of what Okta sends.
	if !bytes.Equal(want, gotJSON) {
		var wv, gv any
		if err := json.Unmarshal(want, &wv); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		_ = json.Unmarshal(gotJSON, &gv)
		t.Errorf("outbound traffic differs from %s\n--- want\n%s--- got\n%s%s", file, goldSummary(wv), goldSummary(gv), goldByteHint(want, gotJSON))
	}
}

// goldSummary lists requests one a line.
func goldSummary(v any) string {
	var b strings.Builder
	l, _ := v.([]any)
	for _, r := range l {
		m, _ := r.(map[string]any)
		fmt.Fprintf(&b, "  %v %v", m["method"], m["path"])
		if q, ok := m["query"]; ok {
			fmt.Fprintf(&b, "?%v", q)
		}
		fmt.Fprintf(&b, " → %v\n", m["status"])
	}
	return b.String()
}

// goldByteHint shows the first line that differs.
func goldByteHint(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("first difference at line %d:\n want %s\n  got %s", i+1, w, g)
		}
	}
	return ""
}

// goldStep runs action, waits for the engine and compares the traffic.
// after, when given, runs before the traffic is normalised, to name values
// the step itself produced (the id of a created user or group).
func goldStep(t *testing.T, p *pipeline, wire *goldWire, n *goldNorm, name string, action func(), after ...func()) []goldReq {
	t.Helper()
	seq, mark := goldSeq(p), wire.mark()
	action()
	p.idle()
	for _, f := range after {
		f()
	}
	got := goldRecord(t, p, n, goldEntries(p, seq), wire.since(mark))
	goldCompare(t, name, got)
	return got
}

// ---------------------------------------------------------------------------
// The golden scenario, run for both flavours.

type goldFlavour struct {
	prefix string
	setup  func(p *pipeline) string // returns the app id
}

var goldFlavours = []goldFlavour{
	// The booted "Atlassian Cloud" app: an OIN app, PATCH flavour.
	{"oin", func(p *pipeline) string { return p.appID }},
	// A custom SCIM app built with the App Integration Wizard: PUT flavour.
	{"aiw", func(p *pipeline) string { return goldAIW(p, nil) }},
}

func TestOutboundGolden(t *testing.T) {
	for _, fl := range goldFlavours {
		t.Run(fl.prefix, func(t *testing.T) {
			p, wire := goldPipeline(t, goldSetup{})
			app := fl.setup(p)
			p.idle()
			n := pipelineNorm(t, p)
			step := func(name string, action func(), after ...func()) []goldReq {
				return goldStep(t, p, wire, n, fl.prefix+"_"+name, action, after...)
			}

			// OKTA-TEST-1: Test API Credentials sends only GET /Users?startIndex=1&count=2.
			step("test_credentials", func() {
				r := p.oktaAPI("POST", "/_sim/orgs/"+p.orgID+"/apps/"+app+"/test-credentials", nil)
				if r.Status != 200 || !bytes.Contains(r.Raw, []byte(`"success":true`)) {
					t.Fatalf("test credentials: %d %s", r.Status, r.Raw)
				}
			})
			// OKTA-TEST-1: saving To App reads users (count=2) and groups (count=100).
			step("to_app_save", func() { goldToApp(p, app) })

			// OKTA-CREATE-1: assignment → filter (%20) → POST with the exact body.
			alice := p.createUser("Alice", "Archer", "alice.archer@example.com")
			n.name(alice, "oktaUser:alice")
			var aliceSCIM string
			create := step("create", func() { goldAssign(p, app, alice) }, func() {
				aliceSCIM = p.scimUserByName("alice.archer@example.com")["id"].(string)
				n.name(aliceSCIM, "scimUser:alice")
			})
			if au := goldAppUser(p, app, alice); au["externalId"] != aliceSCIM || au["status"] != "PROVISIONED" {
				t.Errorf("OKTA-CREATE-1: app user after create = %v, want externalId %s, PROVISIONED", au, aliceSCIM)
			}
			goldCheckCreate(t, create, "alice.archer@example.com")

			// OKTA-UPDATE-1: a profile change → GET /Users/{id} → PUT of the server's
			// own representation (id, meta echoed) with the change.
			update := step("update", func() {
				p.must(200, "POST", "/api/v1/users/"+alice, map[string]any{"profile": map[string]any{"firstName": "Alicia"}})
			})
			goldCheckEcho(t, update)

			// OKTA-LINK-1: the filter finds an account → adopt its id, no POST,
			// then the profile is pushed (GET → PUT).
			st, pre := goldSCIM(p, "POST", "/Users", map[string]any{
				"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "bob.baker@example.com",
				"name":   map[string]any{"givenName": "Robert", "familyName": "Baker"},
				"emails": []any{map[string]any{"value": "bob.baker@example.com", "primary": true, "type": "work"}}, "active": true})
			if st != 201 {
				t.Fatalf("pre-create bob downstream: %d %v", st, pre)
			}
			n.name(pre["id"].(string), "scimUser:bob")
			bob := p.createUser("Bob", "Baker", "bob.baker@example.com")
			n.name(bob, "oktaUser:bob")
			link := step("link", func() { goldAssign(p, app, bob) })
			goldCheckEcho(t, link)
			if au := goldAppUser(p, app, bob); au["externalId"] != pre["id"] {
				t.Errorf("OKTA-LINK-1: linked app user externalId = %v, want %v", au["externalId"], pre["id"])
			}

			// OKTA-DEACT-2: unassign → deactivate (PATCH active:false, or GET → PUT).
			step("deactivate", func() { goldUnassign(p, app, alice) })
			if _, su := goldSCIM(p, "GET", "/Users/"+aliceSCIM, nil); su["active"] != false {
				t.Errorf("OKTA-DEACT-2: after unassign the account is %v, want active:false and still readable", su)
			}

			// OKTA-LINK-1/OKTA-REACT-1: reassign → the filter finds the deactivated account
			// → reactivate, never a new POST.
			step("reactivate", func() { goldAssign(p, app, alice) })
			if _, su := goldSCIM(p, "GET", "/Users/"+aliceSCIM, nil); su["active"] != true {
				t.Errorf("OKTA-REACT-1: after reassign the account is %v, want active:true", su)
			}
			if us := goldSCIMUsers(p); len(us) != 2 {
				t.Errorf("OKTA-REACT-1: %d users downstream, want 2 (reassignment must not create)", len(us))
			}

			// OKTA-PUSH-2: push a group holding alice → POST /Groups with the
			// eligible members (AIW: then GET + PUT of the same content).
			eng := goldGroup(p, "Engineering")
			goldJoin(p, eng, alice)
			var pm, g map[string]any
			step("push_create", func() {
				pm = goldMap(p, app, map[string]any{"sourceGroupId": eng, "targetGroupName": "Engineering", "status": "ACTIVE"})
			}, func() {
				if g = goldSCIMGroupByName(p, "Engineering"); g == nil {
					t.Fatal("OKTA-PUSH-2: Engineering was not created downstream")
				}
				n.name(g["id"].(string), "scimGroup:Engineering")
			})
			if m := goldMapping(p, app, pm["id"].(string)); m["targetGroupId"] != AppGroupID(app, fmt.Sprint(g["id"])) || m["status"] != "ACTIVE" {
				t.Errorf("mapping after push = %v", m)
			}
			if got := goldMemberIDs(g); strings.Join(got, ",") != aliceSCIM {
				t.Errorf("OKTA-PUSH-2: members after create = %v, want alice", got)
			}

			// OKTA-PUSH-4: membership deltas.
			step("push_add", func() { goldJoin(p, eng, bob) })
			step("push_remove", func() { goldLeave(p, eng, alice) })
			if got := goldMemberIDs(goldSCIMGroupByName(p, "Engineering")); strings.Join(got, ",") != pre["id"] {
				t.Errorf("OKTA-PUSH-4: members downstream = %v, want only bob %v", got, pre["id"])
			}
		})
	}
}

// goldCheckCreate pins OKTA-CREATE-1's create: the filter with %20 and the body.
func goldCheckCreate(t *testing.T, reqs []goldReq, userName string) {
	t.Helper()
	if len(reqs) != 2 || reqs[0].Method != "GET" || reqs[1].Method != "POST" {
		t.Fatalf("OKTA-CREATE-1: create sent %v, want GET filter then POST", reqs)
	}
	want := `filter=userName%20eq%20%22` + strings.ReplaceAll(userName, "@", "%40") + `%22&startIndex=1&count=100`
	if reqs[0].Query != want {
		t.Errorf("OKTA-CREATE-1: filter query %q, want %q", reqs[0].Query, want)
	}
}

// goldCheckEcho checks OKTA-UPDATE-1: the PUT echoes id and meta from the GET.
func goldCheckEcho(t *testing.T, reqs []goldReq) {
	t.Helper()
	for i, r := range reqs {
		if r.Method != "PUT" || !strings.HasPrefix(r.Path, "/Users/") {
			continue
		}
		b := r.body()
		if b["id"] == nil || b["meta"] == nil {
			t.Errorf("OKTA-UPDATE-1: PUT %s (request %d) does not echo id and meta: %v", r.Path, i, b)
		}
		if i == 0 || reqs[i-1].Method != "GET" || reqs[i-1].Path != r.Path {
			t.Errorf("OKTA-UPDATE-1: PUT %s is not preceded by GET of the same resource", r.Path)
		}
	}
}

// TestOutboundCreateBodyFieldOrder pins OKTA-CREATE-2's POST /Users body byte for
// byte in field order (the engine promises "field order included").
func TestOutboundCreateBodyFieldOrder(t *testing.T) {
	p, _ := goldPipeline(t, goldSetup{})
	uid := p.createUser("Test", "User", "test.user@example.com")
	seq := goldSeq(p)
	goldAssign(p, p.appID, uid)
	p.idle()
	var post *journal.Entry
	for _, e := range goldEntries(p, seq) {
		if e.Method == "POST" {
			e := e
			post = &e
		}
	}
	if post == nil {
		t.Fatal("no POST /Users")
	}
	keys := goldTopKeys(t, post.RequestBody)
	want := []string{"schemas", "userName", "name", "emails", "displayName", "locale", "externalId", "groups", "password", "active"}
	if strings.Join(keys, ",") != strings.Join(want, ",") {
		t.Errorf("OKTA-CREATE-2: POST /Users keys %v, want %v", keys, want)
	}
	var b map[string]any
	_ = json.Unmarshal(post.RequestBody, &b)
	if b["locale"] != "en-US" || b["externalId"] != uid || b["active"] != true {
		t.Errorf("OKTA-CREATE-2: body %s", post.RequestBody)
	}
	if g, ok := b["groups"].([]any); !ok || len(g) != 0 {
		t.Errorf("OKTA-CREATE-2: groups must be present and empty: %s", post.RequestBody)
	}
}

// goldTopKeys returns an object's top-level keys in wire order.
func goldTopKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// ---------------------------------------------------------------------------
// OKTA-WIRE-1 headers in all three auth modes.

func TestOutboundHeadersPerAuthMode(t *testing.T) {
	cases := []struct {
		name     string
		conn     map[string]any
		wantAuth string
	}{
		{"bearer", map[string]any{"authMode": "bearer", "token": pipeKey}, "Bearer " + pipeKey},
		{"header", map[string]any{"authMode": "header", "token": "Sharp-Key 12345"}, "Sharp-Key 12345"},
		{"basic", map[string]any{"authMode": "basic", "username": "scim-user", "password": "s3cr:et"},
			"Basic " + base64.StdEncoding.EncodeToString([]byte("scim-user:s3cr:et"))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, wire := goldPipeline(t, goldSetup{})
			// mockatlassian only takes its bearer key: the recorder notes
			// what Okta sent, then swaps in the key.
			wire.setForwardAuth("Bearer " + pipeKey)
			app := goldAIW(p, c.conn)
			if r := p.oktaAPI("POST", "/_sim/orgs/"+p.orgID+"/apps/"+app+"/test-credentials", nil); r.Status != 200 {
				t.Fatalf("test credentials: %d %s", r.Status, r.Raw)
			}
			goldToApp(p, app)
			uid := p.createUser("Hedy", "Lamarr", "hedy.lamarr@example.com")
			goldAssign(p, app, uid)
			p.idle()
			p.must(200, "POST", "/api/v1/users/"+uid, map[string]any{"profile": map[string]any{"title": "Inventor"}})
			p.idle()
			g := goldGroup(p, "Inventors")
			goldJoin(p, g, uid)
			pm := goldMap(p, app, map[string]any{"sourceGroupId": g, "targetGroupName": "Inventors", "status": "ACTIVE"})
			p.idle()
			goldUnassign(p, app, uid)
			p.idle()
			p.must(200, "PATCH", "/api/v1/apps/"+app+"/group-push/mappings/"+pm["id"].(string), map[string]any{"status": "INACTIVE"})
			p.must(204, "DELETE", "/api/v1/apps/"+app+"/group-push/mappings/"+pm["id"].(string)+"?deleteTargetGroup=true", nil)
			p.idle()

			reqs := wire.all()
			methods := map[string]bool{}
			for _, r := range reqs {
				methods[r.Method] = true
				where := r.Method + " " + r.Path + "?" + r.RawQuery
				for h, want := range map[string]string{"Accept": "application/scim+json", "Accept-Charset": "utf-8",
					"User-Agent": "Okta SCIM Client 1.0.0", "Authorization": c.wantAuth} {
					if got := r.Header.Values(h); len(got) != 1 || got[0] != want {
						t.Errorf("OKTA-WIRE-1: %s: %s = %q, want %q", where, h, got, want)
					}
				}
				ct := r.Header.Values("Content-Type")
				switch {
				case len(r.Body) > 0 || r.Method == "DELETE":
					if len(ct) != 1 || ct[0] != "application/scim+json; charset=utf-8" {
						t.Errorf("OKTA-WIRE-1: %s: Content-Type %q, want application/scim+json; charset=utf-8", where, ct)
					}
				case len(ct) != 0:
					t.Errorf("OKTA-WIRE-1: %s has no body but Content-Type %q", where, ct)
				}
			}
			for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
				if !methods[m] {
					t.Errorf("scenario sent no %s; seen %v", m, methods)
				}
			}
			if len(goldTasks(p, true)) != 0 {
				t.Errorf("tasks opened: %v", goldTasks(p, true))
			}
		})
	}
}

// ---------------------------------------------------------------------------
// What user and group changes send (OKTA-DEACT-1, OKTA-REACT-1,
// OKTA-ASSIGN-1), as method lists.

func TestOutboundLifecycleTriggers(t *testing.T) {
	p, _ := goldPipeline(t, goldSetup{})
	app := p.appID
	lines := func(seq uint64) string { return strings.Join(goldLines(p, goldEntries(p, seq)), "|") }
	run := func(what string, want string, action func()) {
		t.Helper()
		seq := goldSeq(p)
		action()
		p.idle()
		// Ids differ per user; compare methods and resource kinds.
		var got []string
		for _, l := range strings.Split(lines(seq), "|") {
			if l == "" {
				continue
			}
			method, path, _ := strings.Cut(l, " ")
			kind := "/Users"
			if strings.HasPrefix(path, "/Groups") {
				kind = "/Groups"
			}
			if strings.Contains(path, "?filter=") {
				kind += "?filter"
			} else if strings.Count(path, "/") == 2 {
				kind += "/{id}"
			}
			got = append(got, method+" "+kind)
		}
		if strings.Join(got, "|") != want {
			t.Errorf("%s sent %q, want %q (%s)", what, strings.Join(got, "|"), want, lines(seq))
		}
	}

	// Direct assignment; suspend/unsuspend send nothing (OKTA-DEACT-1, OKTA-ASSIGN-1).
	u := p.createUser("Sam", "Suspend", "sam.suspend@example.com")
	run("assign", "GET /Users?filter|POST /Users", func() { goldAssign(p, app, u) })
	run("suspend", "", func() { p.must(200, "POST", "/api/v1/users/"+u+"/lifecycle/suspend", nil) })
	run("unsuspend", "", func() { p.must(200, "POST", "/api/v1/users/"+u+"/lifecycle/unsuspend", nil) })

	// Okta deactivation deactivates downstream and drops the direct
	// assignment; activation alone does not bring it back (OKTA-DEACT-4).
	run("deactivate user", "PATCH /Users/{id}", func() { p.must(200, "POST", "/api/v1/users/"+u+"/lifecycle/deactivate", nil) })
	if r := p.oktaAPI("GET", "/api/v1/apps/"+app+"/users/"+u, nil); r.Status != 404 {
		t.Errorf("OKTA-DEACT-4: the direct assignment survived deactivation: %d", r.Status)
	}
	run("activate user", "", func() { p.must(200, "POST", "/api/v1/users/"+u+"/lifecycle/activate?sendEmail=false", nil) })
	// Re-assignment reactivates (OKTA-REACT-1): filter, PATCH active:true, profile push.
	run("reassign", "GET /Users?filter|PATCH /Users/{id}|GET /Users/{id}|PUT /Users/{id}", func() { goldAssign(p, app, u) })

	// Group-based assignment (OKTA-ASSIGN-1): members are provisioned; leaving the
	// group deactivates; user deactivation then activation brings a
	// group-based assignment back by itself.
	g := goldGroup(p, "App Access")
	v := p.createUser("Val", "Group", "val.group@example.com")
	w := p.createUser("Wes", "Group", "wes.group@example.com")
	goldJoin(p, g, v)
	goldJoin(p, g, w)
	run("assign group", "GET /Users?filter|POST /Users|GET /Users?filter|POST /Users", func() {
		p.must(200, "PUT", "/api/v1/apps/"+app+"/groups/"+g, map[string]any{})
	})
	run("leave assigned group", "PATCH /Users/{id}", func() { goldLeave(p, g, w) })
	run("deactivate group-assigned user", "PATCH /Users/{id}", func() {
		p.must(200, "POST", "/api/v1/users/"+v+"/lifecycle/deactivate", nil)
	})
	run("activate group-assigned user", "PATCH /Users/{id}|GET /Users/{id}|PUT /Users/{id}", func() {
		p.must(200, "POST", "/api/v1/users/"+v+"/lifecycle/activate?sendEmail=false", nil)
	})
	if au := goldAppUser(p, app, v); au["status"] != "PROVISIONED" || au["scope"] != "GROUP" {
		t.Errorf("OKTA-DEACT-4: group-based app user after re-activation: %v", au)
	}
	run("unassign group", "PATCH /Users/{id}", func() { p.must(204, "DELETE", "/api/v1/apps/"+app+"/groups/"+g, nil) })

	// Deleting an already-deactivated Okta user sends nothing (OKTA-DEACT-1).
	run("deactivate", "", func() { p.must(200, "POST", "/api/v1/users/"+w+"/lifecycle/deactivate", nil) })
	run("delete deactivated", "", func() { p.must(204, "DELETE", "/api/v1/users/"+w, nil) })

	for _, em := range []string{"sam.suspend@example.com", "val.group@example.com", "wes.group@example.com"} {
		if n := len(goldSCIMUsersNamed(p, em)); n != 1 {
			t.Errorf("%d accounts %s downstream, want 1", n, em)
		}
	}
}

// OKTA-TEST-1: Test API Credentials and saving the API integration each send
// exactly GET /Users?startIndex=1&count=2; a bad Atlassian key surfaces as
// "Error authenticating: Forbidden" and nothing else is sent.
func TestOutboundConnectionChecks(t *testing.T) {
	p, _ := goldPipeline(t, goldSetup{})
	app := goldAIW(p, nil)
	want := "GET /Users?startIndex=1&count=2"

	seq := goldSeq(p)
	r := p.oktaAPI("POST", "/_sim/orgs/"+p.orgID+"/apps/"+app+"/test-credentials", map[string]any{"token": "not-the-key"})
	if r.Status != 400 || !bytes.Contains(r.Raw, []byte("Error authenticating")) || !bytes.Contains(r.Raw, []byte("Forbidden")) {
		t.Errorf("OKTA-TEST-1: bad key: %d %s, want a failure reading \"Error authenticating: Forbidden…\"", r.Status, r.Raw)
	}
	if got := strings.Join(goldLines(p, goldEntries(p, seq)), "|"); got != want {
		t.Errorf("OKTA-TEST-1: failed test sent %q, want %q", got, want)
	}
	if es := goldEntries(p, seq); len(es) == 1 && es[0].Status != 403 {
		t.Errorf("atlassian answered %d to a bad key, SCIM-AUTH-2 says 403", es[0].Status)
	}

	seq = goldSeq(p)
	p.must(200, "POST", "/api/v1/apps/"+app+"/connections/default?activate=true", map[string]any{
		"baseUrl": p.scimURL, "profile": map[string]any{"authScheme": "TOKEN", "token": pipeKey}})
	if got := strings.Join(goldLines(p, goldEntries(p, seq)), "|"); got != want {
		t.Errorf("OKTA-TEST-1: saving the integration sent %q, want %q", got, want)
	}
	// A failing save is refused and changes nothing.
	seq = goldSeq(p)
	if r := p.oktaAPI("POST", "/api/v1/apps/"+app+"/connections/default?activate=true", map[string]any{
		"profile": map[string]any{"authScheme": "TOKEN", "token": "not-the-key"}}); r.Status < 400 {
		t.Errorf("OKTA-TEST-1: a save whose check fails was accepted: %d %s", r.Status, r.Raw)
	}
	if got := strings.Join(goldLines(p, goldEntries(p, seq)), "|"); got != want {
		t.Errorf("OKTA-TEST-1: failed save sent %q, want %q", got, want)
	}
	r = p.oktaAPI("POST", "/_sim/orgs/"+p.orgID+"/apps/"+app+"/test-credentials", nil)
	if r.Status != 200 {
		t.Errorf("the saved (good) connection no longer works after a refused save: %d %s", r.Status, r.Raw)
	}
}

// OKTA-WIRE-2: a base URL with an underscore is refused at Test API
// Credentials with Okta's message, and nothing is sent; saving it is a
// validation error.
func TestOutboundBaseURLUnderscoreRefused(t *testing.T) {
	p, wire := goldPipeline(t, goldSetup{})
	app := goldAIW(p, nil)
	mark := wire.mark()
	bad := p.scimURL + "/scim_v2"
	r := p.oktaAPI("POST", "/_sim/orgs/"+p.orgID+"/apps/"+app+"/test-credentials", map[string]any{"baseUrl": bad})
	var res TestResult
	_ = json.Unmarshal(r.Raw, &res)
	if r.Status != 400 || res.Success || res.Message != "Invalid Base URL: the URL cannot contain an underscore (_)" {
		t.Errorf("OKTA-WIRE-2: test credentials with %s: %d %s", bad, r.Status, r.Raw)
	}
	if sent := wire.since(mark); len(sent) != 0 {
		t.Errorf("OKTA-WIRE-2: a refused base URL sent %d requests", len(sent))
	}
	r = p.oktaAPI("PUT", "/_sim/orgs/"+p.orgID+"/apps/"+app+"/connection", map[string]any{"baseUrl": bad})
	if r.Status != 400 || !bytes.Contains(r.Raw, []byte(`"E0000001"`)) || !bytes.Contains(r.Raw, []byte("underscore")) {
		t.Errorf("OKTA-WIRE-2: saving %s: %d %s", bad, r.Status, r.Raw)
	}
}

// OKTA-TASK-3: a SCIM server that cannot be reached shows Okta's wording
// ("…: null"), never the transport's error text.
func TestOutboundConnectionFailureWording(t *testing.T) {
	p, _ := goldPipeline(t, goldSetup{})
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL + "/scim/v2"
	dead.Close()
	app := goldAIW(p, map[string]any{"baseUrl": deadURL})
	r := p.oktaAPI("POST", "/_sim/orgs/"+p.orgID+"/apps/"+app+"/test-credentials", nil)
	if !bytes.Contains(r.Raw, []byte(`"message":"Error authenticating: null"`)) {
		t.Errorf("OKTA-TASK-3: test credentials against a closed port: %d %s", r.Status, r.Raw)
	}
	goldToApp(p, app)
	uid := p.createUser("Nora", "Null", "nora.null@example.com")
	goldAssign(p, app, uid)
	p.idle()
	tasks := goldTasks(p, false)
	want := "Automatic provisioning of user nora.null@example.com to app Acme SCIM failed: Error while verifying if user nora.null@example.com exists: null"
	if len(tasks) != 1 || tasks[0]["message"] != want {
		t.Errorf("OKTA-TASK-3: tasks %v, want one reading %q", tasks, want)
	}
}

// OKTA-WIRE-1: the engine asks for gzip,deflate itself, so it must decode
// what a server compresses: a gzip- or deflate-answering server provisions
// as any other.
func TestOutboundCompressedAnswers(t *testing.T) {
	for _, enc := range []string{"gzip", "deflate"} {
		t.Run(enc, func(t *testing.T) {
			p, _ := goldPipeline(t, goldSetup{wrap: func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Header.Get("Accept-Encoding") != "gzip,deflate" {
						next.ServeHTTP(w, r)
						return
					}
					rec := httptest.NewRecorder()
					next.ServeHTTP(rec, r)
					var buf bytes.Buffer
					var zw io.WriteCloser = gzip.NewWriter(&buf)
					if enc == "deflate" {
						zw = zlib.NewWriter(&buf)
					}
					_, _ = zw.Write(rec.Body.Bytes())
					_ = zw.Close()
					for k, v := range rec.Header() {
						w.Header()[k] = v
					}
					w.Header().Set("Content-Encoding", enc)
					w.Header().Del("Content-Length")
					w.WriteHeader(rec.Code)
					_, _ = w.Write(buf.Bytes())
				})
			}})
			uid := p.createUser("Zip", "Per", "zip.per@example.com")
			goldAssign(p, p.appID, uid)
			p.idle()
			if au := goldAppUser(p, p.appID, uid); au["status"] != "PROVISIONED" || au["externalId"] == nil {
				t.Errorf("%s answers: app user %v, want PROVISIONED with an externalId", enc, au)
			}
		})
	}
}
