package mockokta

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAppPresentationRoundTrips (OAPI-APP-7): what Terraform's app
// resources write about how an app shows (visibility, accessibility,
// notes, implicit assignment, settings.app) is shown back as written,
// replaced object by object on a PUT, refused whole when invalid, and kept
// across a restart.
func TestAppPresentationRoundTrips(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	cfg := Config{Options: Options{Logger: logger}, Logger: logger, DataDir: t.TempDir(), Boot: &Boot{APIToken: "tok"}}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	call := func(s *Server, method, path string, body any) (int, map[string]any) {
		t.Helper()
		raw, _ := json.Marshal(body)
		req := httptest.NewRequest(method, path, strings.NewReader(string(raw)))
		if body == nil {
			req = httptest.NewRequest(method, path, nil)
		}
		req.Header.Set("Authorization", "SSWS tok")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		var out map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		return rec.Code, out
	}
	signOn := map[string]any{"ssoAcsUrl": "https://sp.example.com/acs", "audience": "https://sp.example.com"}
	st, app := call(srv, "POST", "/api/v1/apps", map[string]any{"label": "Shown", "signOnMode": "SAML_2_0",
		"visibility":    map[string]any{"autoSubmitToolbar": true, "hide": map[string]any{"iOS": true, "web": false}, "appLinks": map[string]any{"shown_link": true}},
		"accessibility": map[string]any{"selfService": true, "errorRedirectUrl": "https://help.example.com/error", "loginRedirectUrl": ""},
		"settings": map[string]any{"signOn": signOn, "implicitAssignment": true, "notes": map[string]any{"admin": "owned by IT", "enduser": "ask IT"},
			"app": map[string]any{"region": "eu"}}})
	if st != 200 {
		t.Fatalf("create: %d %v", st, app)
	}
	id := app["id"].(string)
	want := map[string]any{
		"visibility.autoSubmitToolbar": true, "visibility.hide.iOS": true, "visibility.hide.web": false,
		"visibility.appLinks.shown_link": true, "accessibility.selfService": true,
		"accessibility.errorRedirectUrl": "https://help.example.com/error", "accessibility.loginRedirectUrl": nil,
		"settings.implicitAssignment": true, "settings.notes.admin": "owned by IT", "settings.notes.enduser": "ask IT",
		"settings.app.region": "eu", "settings.signOn.ssoAcsUrl": "https://sp.example.com/acs",
	}
	check := func(what string, got map[string]any) {
		t.Helper()
		for path, v := range want {
			if g := dig(got, path); g != v {
				t.Errorf("%s: %s = %v, want %v", what, path, g, v)
			}
		}
	}
	check("created", app)
	_, got := call(srv, "GET", "/api/v1/apps/"+id, nil)
	check("read", got)

	// A PUT replaces the objects it carries and keeps the others.
	got["visibility"] = map[string]any{"autoSubmitToolbar": false, "hide": map[string]any{"iOS": false, "web": true}}
	delete(got, "accessibility")
	st, put := call(srv, "PUT", "/api/v1/apps/"+id, got)
	if st != 200 {
		t.Fatalf("put: %d %v", st, put)
	}
	want["visibility.autoSubmitToolbar"], want["visibility.hide.iOS"], want["visibility.hide.web"] = false, false, true
	want["visibility.appLinks.shown_link"] = nil
	check("after a PUT", put)

	// Invalid values are refused and change nothing.
	for name, body := range map[string]map[string]any{
		"relative redirect": {"label": "Shown", "accessibility": map[string]any{"errorRedirectUrl": "/error"}},
		"settings.app list": {"label": "Shown", "settings": map[string]any{"app": []any{1}}},
		"hide not a bool":   {"label": "Shown", "visibility": map[string]any{"hide": map[string]any{"web": "yes"}}},
	} {
		if st, out := call(srv, "PUT", "/api/v1/apps/"+id, body); st != 400 || out["errorCode"] != "E0000001" {
			t.Errorf("%s: %d %v, want 400 E0000001", name, st, out)
		}
	}
	_, got = call(srv, "GET", "/api/v1/apps/"+id, nil)
	check("after refused PUTs", got)

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	srv = restart(t, cfg)
	_, got = call(srv, "GET", "/api/v1/apps/"+id, nil)
	check("after a restart", got)
	if st, _ := call(srv, "GET", "/api/v1/apps/"+id, nil); st != http.StatusOK {
		t.Fatal(st)
	}
}
