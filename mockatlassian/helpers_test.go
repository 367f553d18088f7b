package mockatlassian

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
)

// Test fixtures: one organization with example.com verified, one directory
// with a known key, and a site with Jira Software and Confluence.
const (
	testDir    = "dir-test"
	testKey    = "test-directory-key"
	testOrg    = "org-test"
	testOrgKey = "test-org-key"
	testDomain = "example.com"
	testSite   = "acme.atlassian.net"
)

// testEnv is a server under test with helpers to call it.
type testEnv struct {
	t     *testing.T
	srv   *Server
	clock *clock.Fake
	key   string
}

// newEnv starts a server with the standard fixtures; mutate adjusts the
// config first (switches, limits).
func newEnv(t *testing.T, mutate ...func(*Config)) *testEnv {
	t.Helper()
	clock := clock.NewFake(time.Date(2026, 5, 2, 9, 14, 3, 120553000, time.UTC))
	cfg := Config{
		Options: Options{Clock: clock, Seed: 42, Logger: slog.New(slog.DiscardHandler)},
		Boot: &Boot{OrgID: testOrg, OrgAPIKey: testOrgKey, DirectoryID: testDir, APIKey: testKey,
			VerifiedDomains: []string{testDomain},
			Sites:           []AddSiteInput{{Name: testSite, Products: []string{"jira-software", "confluence"}}}},
	}
	for _, f := range mutate {
		f(&cfg)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	return &testEnv{t: t, srv: srv, clock: clock, key: testKey}
}

// resp is a response with its decoded JSON body.
type resp struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

// str reads a string at a dotted path ("meta.location", "Resources.0.id").
func (r resp) str(path string) string {
	v := dig(r.Body, path)
	s, _ := v.(string)
	return s
}

func (r resp) num(path string) float64 {
	f, _ := dig(r.Body, path).(float64)
	return f
}

// dig follows a dotted path; map keys may themselves hold dots (schema URNs
// such as "urn:...:atlassian-external:1.0"), so the longest matching key wins.
func dig(v any, path string) any {
	if path == "" {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		best := ""
		for k := range x {
			if (path == k || strings.HasPrefix(path, k+".")) && len(k) > len(best) {
				best = k
			}
		}
		if best == "" {
			return nil
		}
		return dig(x[best], strings.TrimPrefix(strings.TrimPrefix(path, best), "."))
	case []any:
		head, rest, _ := strings.Cut(path, ".")
		i, err := strconv.Atoi(head)
		if err != nil || i < 0 || i >= len(x) {
			return nil
		}
		return dig(x[i], rest)
	default:
		return nil
	}
}

// call sends a request with the given Authorization header value ("" for
// none). body may be a string, []byte, or a value to marshal.
func (e *testEnv) call(method, path, auth string, body any) resp {
	e.t.Helper()
	var rdr io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rdr = strings.NewReader(b)
	case []byte:
		rdr = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("marshal: %v", err)
		}
		rdr = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rdr)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if rdr != nil {
		req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
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

// scim calls a SCIM route of the test directory with its key.
func (e *testEnv) scim(method, path string, body any) resp {
	e.t.Helper()
	return e.call(method, "/scim/directory/"+testDir+path, "Bearer "+e.key, body)
}

// control calls a /_sim/ route and decodes any JSON body into out.
func (e *testEnv) control(method, path string, body any, out any) int {
	e.t.Helper()
	r := e.call(method, "/_sim"+path, "", body)
	if out != nil && len(r.Raw) > 0 {
		if err := json.Unmarshal(r.Raw, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, r.Raw, err)
		}
	}
	return r.Status
}

// wantStatus fails the test when r's status is not want.
func (r resp) wantStatus(t *testing.T, want int) resp {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d; body %s", r.Status, want, r.Raw)
	}
	return r
}

// wantSCIMError checks a SCIM error envelope: status as a string, the
// scimType when given, and a non-empty detail.
func (r resp) wantSCIMError(t *testing.T, status int, scimType string) resp {
	t.Helper()
	r.wantStatus(t, status)
	schemas, _ := r.Body["schemas"].([]any)
	if len(schemas) != 1 || schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Fatalf("schemas = %v, want the Error URN; body %s", r.Body["schemas"], r.Raw)
	}
	if got := r.str("status"); got != itoa(status) {
		t.Fatalf("status field %q, want %q", got, itoa(status))
	}
	if scimType != "" && r.str("scimType") != scimType {
		t.Fatalf("scimType %q, want %q; body %s", r.str("scimType"), scimType, r.Raw)
	}
	if r.str("detail") == "" {
		t.Fatalf("empty detail; body %s", r.Raw)
	}
	return r
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// userBody is a minimal valid user as Okta would POST it.
func userBody(email string) map[string]any {
	local := email[:strings.Index(email, "@")]
	return map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName":    email,
		"name":        map[string]any{"givenName": strings.ToUpper(local[:1]) + local[1:], "familyName": "Test"},
		"emails":      []any{map[string]any{"primary": true, "value": email, "type": "work"}},
		"displayName": strings.ToUpper(local[:1]) + local[1:] + " Test",
		"active":      true,
	}
}

// createUser provisions a user and returns its SCIM id.
func (e *testEnv) createUser(email string) string {
	e.t.Helper()
	r := e.scim("POST", "/Users", userBody(email)).wantStatus(e.t, http.StatusCreated)
	return r.str("id")
}

// createGroup creates a SCIM group and returns its id.
func (e *testEnv) createGroup(name string, members ...string) string {
	e.t.Helper()
	body := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": name}
	if len(members) > 0 {
		var ms []any
		for _, m := range members {
			ms = append(ms, map[string]any{"value": m})
		}
		body["members"] = ms
	}
	r := e.scim("POST", "/Groups", body).wantStatus(e.t, http.StatusCreated)
	return r.str("id")
}

// account reads an account (by id or email) through the control API.
func (e *testEnv) account(ref string) AccountView {
	e.t.Helper()
	var a AccountView
	if st := e.control("GET", "/orgs/"+testOrg+"/accounts/"+ref, nil, &a); st != http.StatusOK {
		e.t.Fatalf("account %s: status %d", ref, st)
	}
	return a
}

// accounts lists all accounts of the test organization.
func (e *testEnv) accounts() []AccountView {
	e.t.Helper()
	var out []AccountView
	if st := e.control("GET", "/orgs/"+testOrg+"/accounts", nil, &out); st != http.StatusOK {
		e.t.Fatalf("accounts: status %d", st)
	}
	return out
}

// grant gives a group access to a product on the test site.
func (e *testEnv) grant(product, group string) {
	e.t.Helper()
	if st := e.control("PUT", "/orgs/"+testOrg+"/sites/"+testSite+"/products/"+product+"/groups/"+group, nil, nil); st != http.StatusOK {
		e.t.Fatalf("grant %s to %s: status %d", product, group, st)
	}
}

// snapshot is the directory's whole visible state, to prove a rejected
// request changed nothing.
func (e *testEnv) snapshot() string {
	e.t.Helper()
	users := e.scim("GET", "/Users?count=100", nil)
	groups := e.scim("GET", "/Groups?count=100", nil)
	accts, _ := json.Marshal(e.accounts())
	return string(users.Raw) + "\n" + string(groups.Raw) + "\n" + string(accts)
}
