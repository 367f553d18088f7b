package mockokta

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Okta's answers to requests it refuses before looking at them
// (OAPI-MEDIA-1, OAPI-MEDIA-2, OAPI-PAGE-2) and to a repeated assignment
// (OAPI-APP-3).

// raw sends a Management API request exactly as given.
func (e *oktaEnv) raw(method, path, contentType, body string, header map[string]string) *httptest.ResponseRecorder {
	e.t.Helper()
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, "http://okta.test"+path, nil)
	} else {
		req = httptest.NewRequest(method, "http://okta.test"+path, strings.NewReader(body))
	}
	req.Header.Set("Authorization", "SSWS "+e.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

func TestUnsupportedContentTypeIs400E0000021(t *testing.T) {
	e := newOktaEnv(t)
	body := `{"profile":{"name":"g"}}`
	for _, ct := range []string{"application/x-www-form-urlencoded", "", "text/plain", "application/xml"} {
		rec := e.raw("POST", "/api/v1/groups", ct, body, nil)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"errorCode":"E0000021"`) ||
			!strings.Contains(rec.Body.String(), "Bad request.  Accept and/or Content-Type headers likely do not match supported values.") {
			t.Errorf("Content-Type %q: %d %s", ct, rec.Code, rec.Body)
		}
	}
	if n := len(e.do("GET", "/api/v1/groups?q=g", nil).must(t, 200).list()); n != 0 {
		t.Fatalf("a refused body created %d groups", n)
	}
	for i, ct := range []string{"application/json", "application/json; charset=UTF-8", "Application/JSON"} {
		body := `{"profile":{"name":"g` + strings.Repeat("x", i) + `"}}`
		if rec := e.raw("POST", "/api/v1/groups", ct, body, nil); rec.Code != 200 {
			t.Errorf("Content-Type %q: %d %s", ct, rec.Code, rec.Body)
		}
	}
}

func TestLengthRequired(t *testing.T) {
	path := "/api/v1/users/00uNOSUCHUSER0000001/lifecycle/suspend"
	on := newOktaEnv(t, func(c *Config) { c.LengthRequired = true })
	if rec := on.raw("POST", path, "", "", nil); rec.Code != http.StatusLengthRequired {
		t.Fatalf("POST without body or Content-Length: %d %s", rec.Code, rec.Body)
	}
	if rec := on.raw("PUT", "/api/v1/groups/00gnosuchgroup000000/users/00unosuchuser0000000", "", "", nil); rec.Code != http.StatusLengthRequired {
		t.Fatalf("PUT without body or Content-Length: %d", rec.Code)
	}
	// Content-Length: 0, as every HTTP client sends, is fine.
	if rec := on.raw("POST", path, "", "", map[string]string{"Content-Length": "0"}); rec.Code != 404 {
		t.Fatalf("POST with Content-Length: 0: %d %s", rec.Code, rec.Body)
	}
	// A server built in process leaves the check off.
	off := newOktaEnv(t)
	if rec := off.raw("POST", path, "", "", nil); rec.Code != 404 {
		t.Fatalf("without LengthRequired: %d %s", rec.Code, rec.Body)
	}
	cli, err := ParseFlags(nil, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !cli.Config.LengthRequired {
		t.Fatal("the binary answers 411 as Okta does")
	}
}

func TestLimitMustBePositive(t *testing.T) {
	e := newOktaEnv(t)
	for _, path := range []string{"/api/v1/users?limit=-5", "/api/v1/users?limit=0", "/api/v1/groups?limit=abc", "/api/v1/apps?limit=1.5"} {
		r := e.do("GET", path, nil).wantError(t, 400, "E0000001")
		if r.str("errorSummary") != "Api validation failed: limit" {
			t.Errorf("%s: summary %q", path, r.str("errorSummary"))
		}
	}
	e.do("GET", "/api/v1/users?limit=1", nil).must(t, 200)
}

func TestRepeatedAssignment(t *testing.T) {
	e := newOktaEnv(t)
	app := e.do("POST", "/api/v1/apps", map[string]any{"name": "custom-scim", "label": "Custom", "signOnMode": "SAML_2_0"}).must(t, 200).str("id")
	u := e.createUser("rep@example.com", "", true)["id"].(string)
	e.do("POST", "/api/v1/apps/"+app+"/users", map[string]any{"id": u, "scope": "USER"}).must(t, 200)
	r := e.do("POST", "/api/v1/apps/"+app+"/users", map[string]any{"id": u, "scope": "USER"}).wantError(t, 409, "E0000062")
	if r.str("errorSummary") != "The specified user is already assigned to the application." {
		t.Fatalf("summary %q", r.str("errorSummary"))
	}
	// A person assigned through a group can be assigned directly
	// (Terraform's okta_app_user does it).
	g := e.createGroup("assigned")["id"].(string)
	v := e.createUser("via-group@example.com", "", true)["id"].(string)
	e.do("PUT", "/api/v1/groups/"+g+"/users/"+v, nil).must(t, 204)
	e.do("PUT", "/api/v1/apps/"+app+"/groups/"+g, map[string]any{}).must(t, 200)
	if s := e.do("GET", "/api/v1/apps/"+app+"/users/"+v, nil).must(t, 200).str("scope"); s != "GROUP" {
		t.Fatalf("scope %q before the direct assignment", s)
	}
	if s := e.do("POST", "/api/v1/apps/"+app+"/users", map[string]any{"id": v, "scope": "USER"}).must(t, 200).str("scope"); s != "USER" {
		t.Fatalf("scope %q after the direct assignment", s)
	}
	// Unassigned (here: deactivated and reactivated, as Okta's CRUD suite
	// does), the person can be assigned again.
	e.do("POST", "/api/v1/users/"+u+"/lifecycle/deactivate", nil).must(t, 200)
	e.do("POST", "/api/v1/users/"+u+"/lifecycle/activate?sendEmail=false", nil).must(t, 200)
	e.do("POST", "/api/v1/apps/"+app+"/users", map[string]any{"id": u, "scope": "USER"}).must(t, 200)
}

// TestUnknownAfterCursorGivesEmptyPage (OAPI-PAGE-2): an `after` cursor
// that names nothing (issue 15's `after=garbage`) answers an empty page
// with no next link, on every paged list; it is not an error and does not
// restart from the first page.
func TestUnknownAfterCursorGivesEmptyPage(t *testing.T) {
	e := newOktaEnv(t)
	e.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "Eng"}}).must(t, 200)
	for _, path := range []string{"/api/v1/users", "/api/v1/groups"} {
		if all := e.do("GET", path, nil).must(t, 200).list(); len(all) == 0 {
			t.Fatalf("%s: nothing to page through", path)
		}
		r := e.do("GET", path+"?after=garbage", nil).must(t, 200)
		if got := r.list(); len(got) != 0 {
			t.Errorf("%s?after=garbage: %d items, want an empty page", path, len(got))
		}
		if next, ok := r.links()["next"]; ok {
			t.Errorf("%s?after=garbage: next link %s on an empty page", path, next)
		}
	}
}

// Sync Password's options on USER_PROVISIONING (OAPI-APP-2): seed and
// change are Okta's enums, kept and shown back; any other value is a
// validation error that changes nothing of the request.
func TestProvisioningPasswordOptions(t *testing.T) {
	p := newPipeline(t)
	path := "/api/v1/apps/" + p.appID + "/features/USER_PROVISIONING"
	if f := p.must(200, "GET", path, nil); dig(f, "capabilities.update.password.seed") != "RANDOM" ||
		dig(f, "capabilities.update.password.change") != "KEEP_EXISTING" {
		t.Fatalf("defaults: %v", f)
	}
	f := p.must(200, "PUT", path, map[string]any{"update": map[string]any{"password": map[string]any{"status": "ENABLED", "seed": "OKTA", "change": "CHANGE"}}})
	if dig(f, "capabilities.update.password.seed") != "OKTA" || dig(f, "capabilities.update.password.change") != "CHANGE" ||
		dig(f, "capabilities.update.password.status") != "ENABLED" {
		t.Fatalf("after PUT: %v", f)
	}
	for field, body := range map[string]map[string]any{
		"update.password.change": {"create": map[string]any{"lifecycleCreate": map[string]any{"status": "DISABLED"}},
			"update": map[string]any{"password": map[string]any{"change": "SOMETIMES"}}},
		"update.password.seed": {"update": map[string]any{"password": map[string]any{"status": "DISABLED", "seed": "random"}}},
	} {
		r := p.oktaAPI("PUT", path, body)
		if r.Status != 400 || !containsAll(string(r.Raw), `"errorCode":"E0000001"`, field) {
			t.Errorf("%s: %d %s, want 400 E0000001 naming the field", field, r.Status, r.Raw)
		}
	}
	if f := p.must(200, "GET", path, nil); dig(f, "capabilities.update.password.change") != "CHANGE" ||
		dig(f, "capabilities.update.password.status") != "ENABLED" || dig(f, "capabilities.create.lifecycleCreate.status") != "ENABLED" {
		t.Fatalf("a refused PUT changed To App: %v", f)
	}
}
