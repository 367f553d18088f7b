package mockokta

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
)

// testToken is the API token of the org every oktaEnv starts with.
const testToken = "test-token"

// oktaEnv is an in-process mockokta with one org, driven through
// ServeHTTP as an SDK would drive it.
type oktaEnv struct {
	t     *testing.T
	srv   *Server
	clock *clock.Fake
	org   *Org
	token string
}

// newOktaEnv starts a server on a fake clock with a fixed seed and one org
// whose API token is testToken. It is closed when the test ends.
// mutate, when given, changes the server's configuration first.
func newOktaEnv(t *testing.T, mutate ...func(*Config)) *oktaEnv {
	t.Helper()
	clock := clock.NewFake(time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC))
	logger := slog.New(slog.DiscardHandler)
	cfg := Config{Options: Options{Clock: clock, Seed: 1, Logger: logger}, Logger: logger}
	for _, f := range mutate {
		f(&cfg)
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	created, err := s.Model.CreateOrg(CreateOrgInput{Token: testToken})
	if err != nil {
		t.Fatalf("CreateOrg: %v", err)
	}
	o, err := s.Model.Org(created.ID)
	if err != nil {
		t.Fatalf("Org: %v", err)
	}
	return &oktaEnv{t: t, srv: s, clock: clock, org: o, token: testToken}
}

// adminID and everyoneID are the org's built-in person and group
// (builtins.go), which lists show first.
func (e *oktaEnv) adminID() string    { return builtinID("00u", e.org.ID, "admin") }
func (e *oktaEnv) everyoneID() string { return builtinID("00g", e.org.ID, "everyone") }

// withAdmin and withEveryone prepend the built-in to a list of ids.
func (e *oktaEnv) withAdmin(ids ...string) []string {
	return append([]string{e.adminID()}, ids...)
}
func (e *oktaEnv) withEveryone(ids ...string) []string {
	return append([]string{e.everyoneID()}, ids...)
}

// resp is a response with its body decoded when it is JSON.
type resp struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   any // map[string]any, []any or nil
}

// do sends a request with `Authorization: SSWS <token>`. body may be nil,
// a string (sent as is) or anything json.Marshal takes.
func (e *oktaEnv) do(method, path string, body any) resp {
	e.t.Helper()
	return e.doAuth(method, path, body, "SSWS "+e.token)
}

// doAuth is do with the Authorization header given ("" sends none).
func (e *oktaEnv) doAuth(method, path string, body any, auth string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, "http://okta.test"+path, rd)
	req.Header.Set("Accept", "application/json")
	if rd == nil && (method == http.MethodPost || method == http.MethodPut) {
		// As every HTTP client sends it (Okta answers 411 without it).
		req.Header.Set("Content-Length", "0")
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	r := resp{Status: rec.Code, Header: rec.Header(), Raw: rec.Body.Bytes()}
	if len(bytes.TrimSpace(r.Raw)) > 0 && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(r.Raw, &r.Body); err != nil {
			e.t.Fatalf("%s %s: response is not JSON: %v\n%s", method, path, err, r.Raw)
		}
	}
	return r
}

// must fails the test unless the response has the status.
func (r resp) must(t *testing.T, status int) resp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Raw)
	}
	return r
}

// obj is the body as an object.
func (r resp) obj() map[string]any {
	m, _ := r.Body.(map[string]any)
	return m
}

// list is the body as an array of objects.
func (r resp) list() []map[string]any {
	arr, _ := r.Body.([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, v := range arr {
		m, _ := v.(map[string]any)
		out = append(out, m)
	}
	return out
}

// str reads a string at a dotted path ("profile.login", "errorCauses.0.errorSummary").
func (r resp) str(path string) string {
	s, _ := digPath(r.Body, path).(string)
	return s
}

// has reports whether the dotted path exists (its value may be null).
func (r resp) has(path string) bool {
	parts := strings.Split(path, ".")
	m, ok := digPath(r.Body, strings.Join(parts[:len(parts)-1], ".")).(map[string]any)
	if len(parts) == 1 {
		m, ok = r.Body.(map[string]any)
	}
	if !ok {
		return false
	}
	_, present := m[parts[len(parts)-1]]
	return present
}

func digPath(v any, path string) any {
	if path == "" {
		return v
	}
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// ids lists the "id" of each element of an array body.
func (r resp) ids() []string {
	var out []string
	for _, m := range r.list() {
		id, _ := m["id"].(string)
		out = append(out, id)
	}
	return out
}

// links returns the Link header values by relation.
func (r resp) links() map[string]string {
	out := map[string]string{}
	for _, v := range r.Header.Values("Link") {
		target, rel, ok := strings.Cut(v, ">; rel=")
		if !ok {
			continue
		}
		out[strings.Trim(rel, `"`)] = strings.TrimPrefix(target, "<")
	}
	return out
}

// wantError checks Okta's error envelope.
func (r resp) wantError(t *testing.T, status int, code string) resp {
	t.Helper()
	r.must(t, status)
	body := r.obj()
	if body == nil {
		t.Fatalf("error body is not an object: %s", r.Raw)
	}
	if got := r.str("errorCode"); got != code {
		t.Fatalf("errorCode %q, want %q; body: %s", got, code, r.Raw)
	}
	if r.str("errorLink") != code {
		t.Errorf("errorLink %q, want %q", r.str("errorLink"), code)
	}
	if r.str("errorSummary") == "" {
		t.Errorf("errorSummary empty: %s", r.Raw)
	}
	if !strings.HasPrefix(r.str("errorId"), "oae") {
		t.Errorf("errorId %q does not start with oae", r.str("errorId"))
	}
	if _, ok := body["errorCauses"].([]any); !ok {
		t.Errorf("errorCauses missing or not an array: %s", r.Raw)
	}
	return r
}

// causes lists errorCauses[].errorSummary.
func (r resp) causes() []string {
	arr, _ := r.obj()["errorCauses"].([]any)
	var out []string
	for _, c := range arr {
		m, _ := c.(map[string]any)
		s, _ := m["errorSummary"].(string)
		out = append(out, s)
	}
	return out
}

// userBody is a create-user request body.
func userBody(login, first, last string) map[string]any {
	return map[string]any{"profile": map[string]any{
		"firstName": first, "lastName": last, "email": login, "login": login}}
}

// withPassword adds credentials.password.value to a body.
func withPassword(body map[string]any, pw string) map[string]any {
	body["credentials"] = map[string]any{"password": map[string]any{"value": pw}}
	return body
}

const goodPassword = "Tr0ub4dor&3x"

// createUser creates a user through the API; query is e.g. "?activate=false".
func (e *oktaEnv) createUser(login, query string, withPW bool) map[string]any {
	e.t.Helper()
	body := userBody(login, "First", "Last")
	if withPW {
		withPassword(body, goodPassword)
	}
	return e.do("POST", "/api/v1/users"+query, body).must(e.t, 200).obj()
}

// createGroup creates a group through the API.
func (e *oktaEnv) createGroup(name string) map[string]any {
	e.t.Helper()
	return e.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": name}}).must(e.t, 200).obj()
}

// events lists the System Log event types written so far, in order.
func (e *oktaEnv) events() []string {
	e.org.mu.Lock()
	defer e.org.mu.Unlock()
	var out []string
	for _, ev := range e.org.logs {
		out = append(out, ev.EventType)
	}
	return out
}

// eventsSince lists event types written after the first n.
func (e *oktaEnv) eventsSince(n int) []string {
	all := e.events()
	if n > len(all) {
		return nil
	}
	return all[n:]
}

// snapshot captures the org's users and groups as the API shows them,
// for "nothing changed" checks.
func (e *oktaEnv) snapshot() string {
	e.t.Helper()
	o := e.org
	o.mu.Lock()
	defer o.mu.Unlock()
	var views []any
	for _, id := range o.userOrder {
		views = append(views, userJSON("", o.users[id]))
	}
	for _, id := range o.groupOrder {
		g := o.groups[id]
		views = append(views, groupJSON("", g), g.Members())
	}
	logins := map[string]string{}
	for k, v := range o.byLogin {
		logins[k] = v
	}
	views = append(views, logins, len(o.logs))
	raw, err := json.Marshal(views)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(raw)
}

// serveForSDK serves h over loopback for an Okta SDK client, with the host
// and port that the SDKs' proxy settings need: both SDK generations drop
// the port of the org URL (OAPI-SDK-1).
func serveForSDK(t *testing.T, h http.Handler) (ts *httptest.Server, host string, port int) {
	t.Helper()
	ts = httptest.NewServer(h)
	t.Cleanup(ts.Close)
	u, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	host, portStr, err := net.SplitHostPort(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	if port, err = strconv.Atoi(portStr); err != nil {
		t.Fatal(err)
	}
	return ts, host, port
}
