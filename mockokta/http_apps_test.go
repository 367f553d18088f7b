package mockokta

import (
	"encoding/json"
	"strings"
	"testing"
)

// PATCH /apps/{id}/groups/{gid} is JSON Patch (the OpenAPI's
// updateGroupAssignmentToApplication); PUT takes an optional body, which
// okta-sdk-golang sends as `null` when unset.
func TestAppGroupAssignmentBodies(t *testing.T) {
	p := newPipeline(t)
	app := "/api/v1/apps/" + p.appID
	gid := p.must(200, "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "Patchers"}})["id"].(string)
	path := app + "/groups/" + gid

	if r := p.oktaAPI("PATCH", path, []any{}); r.Status != 404 {
		t.Fatalf("PATCH before assignment: %d %s", r.Status, r.Raw)
	}
	p.must(200, "PUT", path, json.RawMessage("null"))
	ag := p.must(200, "PATCH", path, []map[string]any{
		{"op": "replace", "path": "/priority", "value": 4},
		{"op": "replace", "path": "/profile", "value": map[string]any{"department": "Accounting", "division": "top"}},
		{"op": "replace", "path": "/profile/manager", "value": "Carlo Ancelotti"},
		{"op": "remove", "path": "/profile/division"},
	})
	prof, _ := ag["profile"].(map[string]any)
	if ag["priority"] != 4.0 || prof["department"] != "Accounting" || prof["manager"] != "Carlo Ancelotti" || len(prof) != 2 {
		t.Fatalf("patched assignment = %v", ag)
	}
	if self := dig(ag, "_links.self.href"); !strings.HasSuffix(self.(string), path) {
		t.Fatalf("_links.self = %v", self)
	}
	for _, bad := range []any{
		map[string]any{"op": "replace"},
		[]map[string]any{{"op": "add", "path": "/priority", "value": 1}},
		[]map[string]any{{"op": "replace", "path": "/id", "value": "x"}},
		[]map[string]any{{"op": "replace", "path": "/priority", "value": "high"}},
		[]map[string]any{{"op": "replace", "path": "/profile/manager", "value": "X"}, {"op": "remove", "path": "/priority"}},
	} {
		r := p.oktaAPI("PATCH", path, bad)
		if r.Status != 400 {
			t.Fatalf("PATCH %v: %d %s", bad, r.Status, r.Raw)
		}
	}
	// A rejected patch changes nothing, not even its valid operations.
	if ag := p.must(200, "GET", path, nil); dig(ag, "profile.manager") != "Carlo Ancelotti" || ag["priority"] != 4.0 {
		t.Fatalf("after rejected patches: %v", ag)
	}
}

// A custom SAML app created without a name, as Terraform's okta_app_saml
// creates it, gets Okta's generated name and the sign-on settings it was
// created with; bad settings create nothing (OAPI-APP-6).
func TestCustomSAMLAppCreatedWithoutName(t *testing.T) {
	p := newPipeline(t)
	body := func(acs string) map[string]any {
		return map[string]any{"label": "Custom Saml 2.0 App", "signOnMode": "SAML_2_0",
			"settings": map[string]any{"signOn": map[string]any{"ssoAcsUrl": acs, "audience": "https://example.com/audience"}}}
	}
	countApps := func() int {
		var apps []any
		if err := json.Unmarshal(p.oktaAPI("GET", "/api/v1/apps", nil).Raw, &apps); err != nil {
			t.Fatal(err)
		}
		return len(apps)
	}
	before := countApps()
	if r := p.oktaAPI("POST", "/api/v1/apps", body("not a url")); r.Status != 400 {
		t.Fatalf("bad ssoAcsUrl: %d %s", r.Status, r.Raw)
	}
	if r := p.oktaAPI("POST", "/api/v1/apps", map[string]any{"label": "No mode"}); r.Status != 400 {
		t.Fatalf("no name, no SAML: %d %s", r.Status, r.Raw)
	}
	if r := p.oktaAPI("POST", "/api/v1/apps", map[string]any{"name": "bookmark", "label": "Link", "signOnMode": "BOOKMARK",
		"settings": map[string]any{"signOn": map[string]any{"ssoAcsUrl": "https://example.com/sso"}}}); r.Status != 400 {
		t.Fatalf("SAML settings on a bookmark app: %d %s", r.Status, r.Raw)
	}
	if n := countApps(); n != before {
		t.Fatalf("refused creates left %d apps, want %d", n, before)
	}
	first := p.must(200, "POST", "/api/v1/apps", body("https://example.com/sso"))
	name, _ := first["name"].(string)
	if !strings.HasSuffix(name, "_customsaml20app_1") || strings.ContainsAny(name, " .") {
		t.Fatalf("generated name = %q, want <org>_customsaml20app_1", name)
	}
	got := p.must(200, "GET", "/api/v1/apps/"+first["id"].(string), nil)
	if acs := dig(got, "settings.signOn.ssoAcsUrl"); acs != "https://example.com/sso" {
		t.Fatalf("settings.signOn.ssoAcsUrl = %v", acs)
	}
	second := p.must(200, "POST", "/api/v1/apps", body("https://example.com/sso"))
	if want := strings.TrimSuffix(name, "1") + "2"; second["name"] != want {
		t.Fatalf("second app's name = %v, want %s", second["name"], want)
	}
}
