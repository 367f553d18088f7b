package mockatlassian

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/scim"
)

// Tenants are isolated by their keys: a directory key works on its own
// directory only and an organization key on its own organization only,
// whatever route, method or resource id is tried.

const (
	otherOrg    = "org-other"
	otherOrgKey = "other-org-key"
	otherDir    = "dir-other"
	otherKey    = "other-directory-key"
	siblingDir  = "dir-sibling" // a second directory of the test organization
	siblingKey  = "sibling-directory-key"
)

// withTenants adds another organization with a directory holding a user and
// a group, and a second directory to the test organization; it returns the
// other directory's user and group ids.
func (e *testEnv) withTenants() (userID, groupID string) {
	e.t.Helper()
	if st := e.control("POST", "/orgs", map[string]any{"id": otherOrg, "name": "Other", "apiKey": otherOrgKey,
		"verifiedDomains": []string{"example.org"}}, nil); st != http.StatusCreated {
		e.t.Fatalf("create org: %d", st)
	}
	for _, d := range []struct{ org, id, key string }{{otherOrg, otherDir, otherKey}, {testOrg, siblingDir, siblingKey}} {
		if st := e.control("POST", "/orgs/"+d.org+"/directories", map[string]any{"id": d.id, "apiKey": d.key}, nil); st != http.StatusCreated {
			e.t.Fatalf("create directory %s: %d", d.id, st)
		}
	}
	other := "/scim/directory/" + otherDir
	userID = e.call("POST", other+"/Users", "Bearer "+otherKey, userBody("bob@example.org")).wantStatus(e.t, http.StatusCreated).str("id")
	groupID = e.call("POST", other+"/Groups", "Bearer "+otherKey, map[string]any{"displayName": "other-group",
		"members": []any{map[string]any{"value": userID}}}).wantStatus(e.t, http.StatusCreated).str("id")
	return userID, groupID
}

// scimOperations are the 20 operations (SCIM-WIRE-1) for a
// directory, with bodies that would succeed given the right key.
func scimOperations(dir, userID, groupID string) []struct{ method, path, body string } {
	base := "/scim/directory/" + dir
	user := `{"userName":"eve@example.org","emails":[{"value":"eve@example.org","primary":true}]}`
	group := `{"displayName":"taken-over","members":[]}`
	patch := `{"schemas":["` + scim.PatchOpSchema + `"],"Operations":[{"op":"replace","value":{"active":false}}]}`
	members := `{"schemas":["` + scim.PatchOpSchema + `"],"Operations":[{"op":"remove","path":"members"}]}`
	return []struct{ method, path, body string }{
		{"GET", base + "/Users", ""},
		{"POST", base + "/Users", user},
		{"GET", base + "/Users/" + userID, ""},
		{"PUT", base + "/Users/" + userID, user},
		{"PATCH", base + "/Users/" + userID, patch},
		{"DELETE", base + "/Users/" + userID, ""},
		{"GET", base + "/Groups", ""},
		{"POST", base + "/Groups", group},
		{"GET", base + "/Groups/" + groupID, ""},
		{"PUT", base + "/Groups/" + groupID, group},
		{"PATCH", base + "/Groups/" + groupID, members},
		{"DELETE", base + "/Groups/" + groupID, ""},
		{"GET", base + "/Schemas", ""},
		{"GET", base + "/Schemas/" + scim.UserSchema, ""},
		{"GET", base + "/Schemas/" + scim.GroupSchema, ""},
		{"GET", base + "/Schemas/" + scim.EnterpriseUserSchema, ""},
		{"GET", base + "/ServiceProviderConfig", ""},
		{"GET", base + "/ResourceTypes", ""},
		{"GET", base + "/ResourceTypes/User", ""},
		{"GET", base + "/ResourceTypes/Group", ""},
	}
}

// directoryState is everything the other directory holds, read with its key.
func (e *testEnv) directoryState(dir, key string) string {
	e.t.Helper()
	users := e.call("GET", "/scim/directory/"+dir+"/Users", "Bearer "+key, nil).wantStatus(e.t, http.StatusOK)
	groups := e.call("GET", "/scim/directory/"+dir+"/Groups", "Bearer "+key, nil).wantStatus(e.t, http.StatusOK)
	var accts []AccountView
	e.control("GET", "/orgs/"+otherOrg+"/accounts", nil, &accts)
	return string(users.Raw) + string(groups.Raw) + string(mustJSON(accts))
}

func TestDirectoryKeyIsForbiddenOnEveryRouteOfAnotherDirectory(t *testing.T) {
	for _, mode := range []AuthErrorBody{AuthErrorFailure, AuthErrorSCIM} {
		t.Run(string(mode), func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.AuthErrorBody = mode })
			userID, groupID := e.withTenants()
			before := e.directoryState(otherDir, otherKey)
			ops := scimOperations(otherDir, userID, groupID)
			if len(ops) != 20 {
				t.Fatalf("%d operations, want the 20 of SCIM-WIRE-1", len(ops))
			}
			// Paths no route serves and wrong methods are refused the same way,
			// so a foreign key learns nothing about what exists.
			ops = append(ops, struct{ method, path, body string }{"GET", "/scim/directory/" + otherDir + "/Bulk", ""},
				struct{ method, path, body string }{"POST", "/scim/directory/" + otherDir + "/Users/" + userID, "{}"})
			keys := map[string]string{
				"a key of another organization's directory": testKey,
				"a key of a directory of the same org":      siblingKey,
				"the organization's own admin API key":      otherOrgKey,
				"another organization's admin API key":      testOrgKey,
			}
			for what, key := range keys {
				for _, op := range ops {
					r := e.call(op.method, op.path, "Bearer "+key, op.body)
					if r.Status != http.StatusForbidden {
						t.Errorf("%s %s with %s: %d, want 403; body %s", op.method, op.path, what, r.Status, r.Raw)
						continue
					}
					if mode == AuthErrorSCIM {
						r.wantSCIMError(t, http.StatusForbidden, "")
					} else if r.str("error") == "" || r.str("traceId") == "" {
						t.Errorf("%s %s: 403 body %s, want {error,traceId}", op.method, op.path, r.Raw)
					}
					// The message echoes the path the caller sent (Atlassian's
					// format, SCIM-AUTH-2) and nothing the caller did not know.
					if bytes.Contains(r.Raw, []byte("bob@example.org")) || bytes.Contains(r.Raw, []byte("other-group")) {
						t.Errorf("%s %s: 403 body discloses the other directory: %s", op.method, op.path, r.Raw)
					}
				}
			}
			if after := e.directoryState(otherDir, otherKey); after != before {
				t.Fatalf("the other directory changed:\nbefore %s\nafter  %s", before, after)
			}
			// The same operations with the right key work (the table is not
			// simply full of bad requests).
			for _, op := range scimOperations(otherDir, userID, groupID)[:3] {
				e.call(op.method, op.path, "Bearer "+otherKey, op.body).wantStatus(t, map[string]int{"GET": 200, "POST": 201}[op.method])
			}
		})
	}
}

func TestOrgKeyIsForbiddenOnEveryAdminRouteOfAnotherOrg(t *testing.T) {
	e := newEnv(t)
	userID, _ := e.withTenants()
	var acct AccountView
	if st := e.control("GET", "/orgs/"+otherOrg+"/accounts/bob@example.org", nil, &acct); st != http.StatusOK {
		t.Fatalf("account: %d", st)
	}
	// bob@example.org is a managed account of the other organization, so
	// each route below would succeed with that organization's key.
	base := "/admin/user-provisioning/v1/org/" + otherOrg
	routes := []struct{ method, path, body string }{
		{"GET", base + "/user/" + acct.ID + "/get-scim-links", ""},
		{"POST", base + "/get-scim-links-for-email", `{"email":"bob@example.org"}`},
		{"PATCH", base + "/scimDirectoryId/" + otherDir + "/scimUserId/" + userID + "/unlink", ""},
		{"DELETE", base + "/user/" + acct.ID + "/onlyDeleteUserInDB", ""},
		{"GET", base + "/no-such-route", ""},
		{"PUT", base + "/get-scim-links-for-email", "{}"},
	}
	before := e.directoryState(otherDir, otherKey)
	for what, key := range map[string]string{
		"another organization's API key":     testOrgKey,
		"a SCIM key of that organization":    otherKey,
		"a SCIM key of another organization": testKey,
	} {
		for _, rt := range routes {
			r := e.call(rt.method, rt.path, "Bearer "+key, rt.body)
			if r.Status != http.StatusForbidden || r.str("error") == "" || r.str("traceId") == "" {
				t.Errorf("%s %s with %s: %d %s, want 403 {error,traceId}", rt.method, rt.path, what, r.Status, r.Raw)
			}
		}
	}
	if after := e.directoryState(otherDir, otherKey); after != before {
		t.Fatalf("the other organization changed:\nbefore %s\nafter  %s", before, after)
	}
	r := e.call("GET", routes[0].path, "Bearer "+otherOrgKey, nil).wantStatus(t, http.StatusOK)
	if !bytes.Contains(r.Raw, []byte(userID)) {
		t.Fatalf("own key: %s", r.Raw)
	}
}

const controlToken = "s3cret-control-token"

// controlRoutesOf lists every /_sim/ route of the server as method and a
// concrete path, variables filled with ids that exist.
func controlRoutesOf(t *testing.T, router *mux.Router, values map[string]string) [][2]string {
	t.Helper()
	varRE := regexp.MustCompile(`\{([^}:]+)(:[^}]*)?\}`)
	var out [][2]string
	err := router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil || !strings.HasPrefix(tpl, "/_sim/") {
			return nil
		}
		methods, err := route.GetMethods()
		if err != nil {
			return nil // a subrouter or the guard itself
		}
		path := varRE.ReplaceAllStringFunc(tpl, func(v string) string {
			name := varRE.FindStringSubmatch(v)[1]
			if val, ok := values[name]; ok {
				return url.PathEscape(val)
			}
			return "x"
		})
		for _, m := range methods {
			out = append(out, [2]string{m, path})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 20 {
		t.Fatalf("found only %d control routes: %v", len(out), out)
	}
	return out
}

func TestControlTokenGuardsEveryControlRoute(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, func(c *Config) {
		c.ControlToken = controlToken
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.Options.Logger = c.Logger
	})
	routes := controlRoutesOf(t, e.srv.handler.Router, map[string]string{"orgId": testOrg, "directoryId": testDir,
		"site": testSite, "product": "jira-software", "group": "jira-software-users", "account": "x"})
	routes = append(routes, [2]string{"GET", "/_sim/no-such-route"}, [2]string{"DELETE", "/_sim/orgs"},
		[2]string{"GET", "/_sim/orgs/no-such-org"}, [2]string{"POST", "/_sim/health"})
	refused := map[string]string{
		"no Authorization":        "",
		"a wrong token":           "Bearer wrong-" + controlToken,
		"the token, not Bearer":   controlToken,
		"the token as SSWS":       "SSWS " + controlToken,
		"a SCIM directory key":    "Bearer " + testKey,
		"an organization API key": "Bearer " + testOrgKey,
		"a prefix of the token":   "Bearer " + controlToken[:len(controlToken)-1],
	}
	for _, rt := range routes {
		if rt == [2]string{"GET", "/_sim/health"} {
			continue
		}
		for what, auth := range refused {
			r := e.call(rt[0], rt[1], auth, "{}")
			if r.Status != http.StatusUnauthorized || r.str("error") == "" || len(r.Body) != 1 {
				t.Errorf("%s %s with %s: %d %s, want 401 {\"error\"}", rt[0], rt[1], what, r.Status, r.Raw)
			}
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: 401 without WWW-Authenticate", rt[0], rt[1])
			}
		}
	}
	// Health stays open for container checks; the SCIM API is unaffected.
	e.call("GET", "/_sim/health", "", nil).wantStatus(t, http.StatusOK)
	e.scim("GET", "/Users", nil).wantStatus(t, http.StatusOK)
	// With the token every route is reached (reset last: it empties the org).
	for _, rt := range routes {
		if rt[1] == "/_sim/reset" || strings.HasSuffix(rt[1], "/reset") {
			continue
		}
		if r := e.call(rt[0], rt[1], "Bearer "+controlToken, "{}"); r.Status == http.StatusUnauthorized {
			t.Errorf("%s %s with the token: 401 %s", rt[0], rt[1], r.Raw)
		}
	}
	e.call("GET", "/_sim/no-such-route", "bearer "+controlToken, nil).wantStatus(t, http.StatusNotFound)
	e.call("DELETE", "/_sim/orgs", "Bearer "+controlToken, nil).wantStatus(t, http.StatusMethodNotAllowed)
	e.call("POST", "/_sim/reset", "Bearer "+controlToken, nil).wantStatus(t, http.StatusNoContent)
	if strings.Contains(logs.String(), controlToken) {
		t.Fatalf("the control token was logged:\n%s", logs.String())
	}
}

func TestControlTokenFlag(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cli, err := ParseFlags([]string{"--control-token", "tok"}, env(nil), &bytes.Buffer{})
	if err != nil || cli.Config.ControlToken != "tok" {
		t.Fatalf("flag: %v %q", err, cli.Config.ControlToken)
	}
	cli, err = ParseFlags(nil, env(map[string]string{"MOCKATLASSIAN_CONTROL_TOKEN": "from-env"}), &bytes.Buffer{})
	if err != nil || cli.Config.ControlToken != "from-env" {
		t.Fatalf("env: %v %q", err, cli.Config.ControlToken)
	}
	if _, err := ParseFlags([]string{"--control-token", "two words"}, env(nil), &bytes.Buffer{}); err == nil {
		t.Fatal("a token with a space was accepted")
	}
	cli, _ = ParseFlags(nil, env(nil), &bytes.Buffer{})
	if cli.Config.ControlToken != "" {
		t.Fatalf("default %q", cli.Config.ControlToken)
	}
}
