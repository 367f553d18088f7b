package mockokta

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/mux"
)

// An API token reaches its own org only. Another org's ids under my token
// are answered exactly like ids that exist nowhere (404 E0000007 for a
// user), in every route family of /api/v1, and lists never show another
// org's objects.

const isoToken = "iso-token-a"

// tenantB is what the pipeline's org holds: the ids another org's token
// will try.
type tenantB struct {
	user, login, user2, group, app, mapping string
}

func seedTenantB(p *pipeline) tenantB {
	p.t.Helper()
	var b tenantB
	b.login = "bob.other@example.com"
	b.user = p.createUser("Bob", "Other", b.login)
	b.user2 = p.createUser("Carol", "Other", "carol.other@example.com")
	b.group = p.must(200, "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "other-engineering"}})["id"].(string)
	p.must(204, "PUT", "/api/v1/groups/"+b.group+"/users/"+b.user, nil)
	b.app = p.appID
	p.must(200, "POST", "/api/v1/apps/"+b.app+"/users", map[string]any{"id": b.user2, "scope": "USER"})
	p.must(200, "PUT", "/api/v1/apps/"+b.app+"/groups/"+b.group, map[string]any{})
	b.mapping = p.must(201, "POST", "/api/v1/apps/"+b.app+"/group-push/mappings",
		map[string]any{"sourceGroupId": b.group, "targetGroupName": "other-engineering", "status": "ACTIVE"})["id"].(string)
	p.idle()
	return b
}

// stateOf is org B as its own token sees it through the API.
func (p *pipeline) stateOf(b tenantB) string {
	p.t.Helper()
	var parts []string
	for _, path := range []string{"/api/v1/users", "/api/v1/groups", "/api/v1/groups/" + b.group + "/users",
		"/api/v1/apps", "/api/v1/apps/" + b.app + "/users", "/api/v1/apps/" + b.app + "/groups",
		"/api/v1/apps/" + b.app + "/group-push/mappings", "/api/v1/apps/" + b.app + "/features/USER_PROVISIONING",
		"/api/v1/apps/" + b.app + "/connections/default", "/api/v1/users/" + b.user, "/api/v1/users/" + b.user2} {
		r := p.oktaAPI("GET", path, nil)
		if r.Status != 200 {
			p.t.Fatalf("GET %s: %d %s", path, r.Status, r.Raw)
		}
		parts = append(parts, string(r.Raw))
	}
	return strings.Join(parts, "\n")
}

// callWith sends a request with `Authorization: SSWS <token>` ("" sends none).
func (p *pipeline) callWith(token, method, path, body string) apiResp {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "SSWS "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	p.okta.ServeHTTP(rec, req)
	return apiResp{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// shape is an answer with the ids it names masked, so that an answer about
// another org's object can be compared with one about a made-up id.
func shape(r apiResp, ids ...string) string {
	var env map[string]any
	_ = json.Unmarshal(r.Raw, &env)
	delete(env, "errorId")
	raw, _ := json.Marshal(env)
	s := string(raw)
	for _, id := range ids {
		s = strings.ReplaceAll(s, id, "ID")
	}
	return http.StatusText(r.Status) + " " + s
}

func TestTokenReachesItsOwnOrgOnly(t *testing.T) {
	p := newPipeline(t)
	b := seedTenantB(p)
	if _, err := p.okta.Model.CreateOrg(CreateOrgInput{ID: "00oiso", Token: isoToken}); err != nil {
		t.Fatal(err)
	}
	// Org A's own objects, to cross with B's ids.
	p.token = isoToken
	aUser := p.createUser("Ann", "Mine", "ann.mine@example.com")
	aGroup := p.must(200, "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "mine"}})["id"].(string)
	aApp := p.must(200, "POST", "/api/v1/apps", map[string]any{"name": "custom-scim", "label": "Custom", "signOnMode": "SAML_2_0"})["id"].(string)
	p.token = pipeToken
	before := p.stateOf(b)

	// Every route family with B's ids. fake is the same route with ids that
	// exist nowhere; B's ids must get the same answer.
	const fakeUser, fakeGroup, fakeApp, fakeMapping = "00uNOSUCHUSER0000001", "00gNOSUCHGROUP000001", "0oaNOSUCHAPP00000001", "gPmNOSUCHMAPPING0001"
	type call struct{ method, path, body string }
	routes := func(user, login, group, app, mapping string) []call {
		u, g, a := "/api/v1/users/"+user, "/api/v1/groups/"+group, "/api/v1/apps/"+app
		profile := `{"profile":{"firstName":"X","lastName":"Y","email":"` + login + `","login":"` + login + `"}}`
		return []call{
			{"GET", u, ""}, {"GET", "/api/v1/users/" + url.PathEscape(login), ""}, {"POST", u, profile}, {"PUT", u, profile},
			{"DELETE", u, ""}, {"GET", u + "/groups", ""},
			{"POST", u + "/lifecycle/activate?sendEmail=false", ""}, {"POST", u + "/lifecycle/reactivate?sendEmail=false", ""},
			{"POST", u + "/lifecycle/deactivate", ""}, {"POST", u + "/lifecycle/suspend", ""}, {"POST", u + "/lifecycle/unsuspend", ""},
			{"POST", u + "/lifecycle/unlock", ""}, {"POST", u + "/lifecycle/expire_password", ""},
			{"POST", u + "/credentials/change_password", `{"oldPassword":{"value":"Kv7J2LEa!x"},"newPassword":{"value":"Kv7J2LEa!y"}}`},
			{"GET", g, ""}, {"PUT", g, `{"profile":{"name":"renamed"}}`}, {"DELETE", g, ""}, {"GET", g + "/users", ""},
			{"PUT", g + "/users/" + user, ""}, {"DELETE", g + "/users/" + user, ""},
			// Crossed: my group with their user, and their group with my user.
			{"PUT", "/api/v1/groups/" + aGroup + "/users/" + user, ""}, {"PUT", g + "/users/" + aUser, ""},
			{"GET", a, ""}, {"PUT", a, `{"name":"atlassian","label":"Renamed"}`}, {"DELETE", a, ""},
			{"POST", a + "/lifecycle/activate", ""}, {"POST", a + "/lifecycle/deactivate", ""},
			{"GET", a + "/users", ""}, {"POST", a + "/users", `{"id":"` + aUser + `","scope":"USER"}`},
			{"GET", a + "/users/" + user, ""}, {"POST", a + "/users/" + user, `{"profile":{}}`}, {"DELETE", a + "/users/" + user, ""},
			{"POST", "/api/v1/apps/" + aApp + "/users", `{"id":"` + user + `","scope":"USER"}`},
			{"GET", a + "/groups", ""}, {"GET", a + "/groups/" + group, ""}, {"PUT", a + "/groups/" + group, "{}"},
			{"PATCH", a + "/groups/" + group, "[]"}, {"DELETE", a + "/groups/" + group, ""},
			{"PUT", "/api/v1/apps/" + aApp + "/groups/" + group, "{}"},
			{"GET", a + "/features", ""}, {"GET", a + "/features/USER_PROVISIONING", ""},
			{"PUT", a + "/features/USER_PROVISIONING", `{"create":{"lifecycleCreate":{"status":"DISABLED"}}}`},
			{"GET", a + "/connections/default", ""}, {"POST", a + "/connections/default", `{"profile":{"authScheme":"TOKEN","token":"x"}}`},
			{"POST", a + "/connections/default/lifecycle/activate", ""}, {"POST", a + "/connections/default/lifecycle/deactivate", ""},
			{"GET", a + "/group-push/mappings", ""}, {"POST", a + "/group-push/mappings", `{"sourceGroupId":"` + aGroup + `"}`},
			{"POST", "/api/v1/apps/" + aApp + "/group-push/mappings", `{"sourceGroupId":"` + group + `"}`},
			{"GET", a + "/group-push/mappings/" + mapping, ""}, {"PATCH", a + "/group-push/mappings/" + mapping, `{"status":"INACTIVE"}`},
			{"DELETE", a + "/group-push/mappings/" + mapping + "?deleteTargetGroup=false", ""},
		}
	}
	theirs := routes(b.user, b.login, b.group, b.app, b.mapping)
	nowhere := routes(fakeUser, "nobody@example.com", fakeGroup, fakeApp, fakeMapping)
	masks := []string{b.user, b.login, b.group, b.app, b.mapping, fakeUser, "nobody@example.com", fakeGroup, fakeApp, fakeMapping}
	for i, c := range theirs {
		got := p.callWith(isoToken, c.method, c.path, c.body)
		want := p.callWith(isoToken, nowhere[i].method, nowhere[i].path, nowhere[i].body)
		if got.Status >= 500 {
			t.Errorf("%s %s: %d %s", c.method, c.path, got.Status, got.Raw)
		}
		if got.Status < 400 {
			t.Errorf("%s %s with another org's ids: %d %s, want an error", c.method, c.path, got.Status, got.Raw)
			continue
		}
		if shape(got, masks...) != shape(want, masks...) {
			t.Errorf("%s %s: another org's ids answer\n  %s\nbut ids that exist nowhere answer\n  %s", c.method, c.path,
				shape(got, masks...), shape(want, masks...))
		}
	}
	// The canonical case, spelled out: another org's user under my token.
	r := p.callWith(isoToken, "GET", "/api/v1/users/"+b.user, "")
	var env map[string]any
	_ = json.Unmarshal(r.Raw, &env)
	if r.Status != 404 || env["errorCode"] != "E0000007" {
		t.Fatalf("GET another org's user: %d %s, want 404 E0000007", r.Status, r.Raw)
	}

	// Lists and searches show nothing of org B.
	for _, path := range []string{"/api/v1/users", "/api/v1/users?q=bob", "/api/v1/users?filter=" + url.QueryEscape(`profile.login eq "`+b.login+`"`),
		"/api/v1/users?search=" + url.QueryEscape(`profile.login eq "`+b.login+`"`), "/api/v1/groups", "/api/v1/groups?q=other",
		"/api/v1/apps", "/api/v1/logs", "/api/v1/logs?q=bob", "/api/v1/logs?filter=" + url.QueryEscape(`target.id eq "`+b.user+`"`)} {
		r := p.callWith(isoToken, "GET", path, "")
		if r.Status != 200 {
			t.Errorf("GET %s: %d %s", path, r.Status, r.Raw)
			continue
		}
		for _, secret := range []string{b.user, b.user2, b.login, b.group, b.app, "other-engineering", "carol.other"} {
			if bytes.Contains(r.Raw, []byte(secret)) {
				t.Errorf("GET %s with org A's token shows org B's %s: %s", path, secret, r.Raw)
			}
		}
	}

	// Tokens that are no org's are 401 E0000011 everywhere, and no
	// credentials 403 E0000005 (OAPI-AUTH-2).
	for _, auth := range []string{"", "SSWS nobody's-token", "Bearer " + pipeToken, "SSWS " + pipeToken + "x", pipeToken} {
		status, code := 401, "E0000011"
		if auth == "" || auth == pipeToken {
			status, code = 403, "E0000005"
		}
		for _, c := range theirs[:3] {
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			rec := httptest.NewRecorder()
			p.okta.ServeHTTP(rec, req)
			var env map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &env)
			if rec.Code != status || env["errorCode"] != code {
				t.Errorf("%s %s with %q: %d %s, want %d %s", c.method, c.path, auth, rec.Code, rec.Body.Bytes(), status, code)
			}
		}
	}

	p.idle()
	if after := p.stateOf(b); after != before {
		t.Fatalf("org B changed under org A's token:\nbefore %s\nafter  %s", before, after)
	}
}

const oktaControlToken = "okta-control-token"

func TestControlTokenGuardsEveryControlRoute(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := NewServer(Config{ControlToken: oktaControlToken, Logger: logger, Options: Options{Seed: 5, Logger: logger},
		Boot: &Boot{OrgID: "00octl", APIToken: "api-token"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	call := func(method, path, auth string) (int, map[string]any, http.Header) {
		req := httptest.NewRequest(method, path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		var body map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Code, body, rec.Header()
	}
	varRE := regexp.MustCompile(`\{([^}:]+)(:[^}]*)?\}`)
	values := map[string]string{"orgId": "00octl"}
	var routes [][2]string
	_ = s.handler.Router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil || !strings.HasPrefix(tpl, "/_sim/") {
			return nil
		}
		methods, err := route.GetMethods()
		if err != nil {
			return nil
		}
		path := varRE.ReplaceAllStringFunc(tpl, func(v string) string {
			if val, ok := values[varRE.FindStringSubmatch(v)[1]]; ok {
				return val
			}
			return "x"
		})
		for _, m := range methods {
			routes = append(routes, [2]string{m, path})
		}
		return nil
	})
	if len(routes) < 18 {
		t.Fatalf("found %d control routes: %v", len(routes), routes)
	}
	routes = append(routes, [2]string{"GET", "/_sim/nothing-here"}, [2]string{"GET", "/_sim/orgs/00octl/nothing-here"},
		[2]string{"GET", "/_sim/orgs/no-such-org/tasks"}, [2]string{"DELETE", "/_sim/orgs"})
	for _, rt := range routes {
		if rt == [2]string{"GET", "/_sim/health"} {
			continue
		}
		for _, auth := range []string{"", "Bearer wrong", "SSWS api-token", "SSWS " + oktaControlToken, oktaControlToken, "Bearer " + oktaControlToken + "x"} {
			st, body, h := call(rt[0], rt[1], auth)
			if st != 401 || body["errorCode"] != "E0000011" || h.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with %q: %d %v, want 401 E0000011 with WWW-Authenticate", rt[0], rt[1], auth, st, body)
			}
		}
	}
	if st, _, _ := call("GET", "/_sim/health", ""); st != 200 {
		t.Fatalf("health without token: %d", st)
	}
	if st, _, _ := call("GET", "/api/v1/users", "SSWS api-token"); st != 200 {
		t.Fatalf("the Management API needs no control token: %d", st)
	}
	for _, rt := range routes {
		if strings.HasSuffix(rt[1], "/reset") {
			continue
		}
		if st, body, _ := call(rt[0], rt[1], "Bearer "+oktaControlToken); st == 401 {
			t.Errorf("%s %s with the token: 401 %v", rt[0], rt[1], body)
		}
	}
	if st, _, _ := call("GET", "/_sim/nothing-here", "Bearer "+oktaControlToken); st != 404 {
		t.Errorf("unknown path with the token: %d", st)
	}
	if st, _, _ := call("POST", "/_sim/reset", "bearer "+oktaControlToken); st != 204 {
		t.Errorf("reset with the token: %d", st)
	}
	if strings.Contains(logs.String(), oktaControlToken) {
		t.Fatalf("the control token was logged:\n%s", logs.String())
	}
}

func TestControlTokenFlag(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cli, err := ParseFlags([]string{"--control-token", "tok"}, env(nil), &bytes.Buffer{})
	if err != nil || cli.Config.ControlToken != "tok" {
		t.Fatalf("flag: %v %q", err, cli.Config.ControlToken)
	}
	cli, err = ParseFlags(nil, env(map[string]string{"MOCKOKTA_CONTROL_TOKEN": "from-env"}), &bytes.Buffer{})
	if err != nil || cli.Config.ControlToken != "from-env" {
		t.Fatalf("env: %v %q", err, cli.Config.ControlToken)
	}
	if _, err := ParseFlags([]string{"--control-token", "a\tb"}, env(nil), &bytes.Buffer{}); err == nil {
		t.Fatal("a token with a tab was accepted")
	}
}
