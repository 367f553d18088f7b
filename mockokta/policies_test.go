package mockokta

import (
	"encoding/json"
	"path"
	"strings"
	"testing"
)

// OAPI-POLICY-1: the org's app sign-in policies, as Terraform's provider
// reads them when it creates an app: exactly one system policy, the app's
// _links.accessPolicy pointing at it, and PUT /apps/{id}/policies/{id}.
func TestAccessPolicies(t *testing.T) {
	p := newPipeline(t)
	r := p.oktaAPI("GET", "/api/v1/policies?type=ACCESS_POLICY", nil)
	if r.Status != 200 {
		t.Fatalf("list: %d %s", r.Status, r.Raw)
	}
	var list []map[string]any
	if err := json.Unmarshal(r.Raw, &list); err != nil {
		t.Fatal(err)
	}
	var system []map[string]any
	for _, pol := range list {
		if pol["type"] != "ACCESS_POLICY" || pol["status"] != "ACTIVE" || !strings.HasPrefix(pol["id"].(string), "rst") {
			t.Errorf("policy shape: %v", pol)
		}
		if _, ok := pol["conditions"]; !ok || pol["conditions"] != nil {
			t.Errorf("conditions must be null for ACCESS_POLICY: %v", pol["conditions"])
		}
		if dig(pol, "_links.rules.href") != "http://example.com/api/v1/policies/"+pol["id"].(string)+"/rules" {
			t.Errorf("rules link: %v", dig(pol, "_links.rules.href"))
		}
		if pol["system"] == true {
			system = append(system, pol)
		}
	}
	if len(system) != 1 || system[0]["name"] != "Default Policy" {
		t.Fatalf("want exactly one system policy named Default Policy, got %v", system)
	}
	def := system[0]["id"].(string)

	// The app is on the default policy.
	app := p.must(200, "GET", "/api/v1/apps/"+p.appID, nil)
	if got := path.Base(dig(app, "_links.accessPolicy.href").(string)); got != def {
		t.Errorf("app accessPolicy = %s, want %s", got, def)
	}
	var apps []map[string]any
	_ = json.Unmarshal(p.oktaAPI("GET", "/api/v1/apps", nil).Raw, &apps)
	if len(apps) == 0 || dig(apps[0], "_links.accessPolicy.href") != dig(app, "_links.accessPolicy.href") {
		t.Errorf("listed app has no accessPolicy link: %v", apps)
	}
	if r := p.oktaAPI("PUT", "/api/v1/apps/"+p.appID+"/policies/"+def, nil); r.Status != 204 || len(r.Raw) != 0 {
		t.Errorf("assign default: %d %s", r.Status, r.Raw)
	}

	// Get one, its rules: the catch-all at priority 99.
	got := p.must(200, "GET", "/api/v1/policies/"+def, nil)
	if got["id"] != def || got["priority"] != float64(1) {
		t.Errorf("get: %v", got)
	}
	r = p.oktaAPI("GET", "/api/v1/policies/"+def+"/rules", nil)
	var rules []map[string]any
	_ = json.Unmarshal(r.Raw, &rules)
	if r.Status != 200 || len(rules) != 1 || rules[0]["name"] != "Catch-all Rule" || rules[0]["priority"] != float64(99) || rules[0]["system"] != true {
		t.Errorf("rules: %d %s", r.Status, r.Raw)
	}

	// Other types list empty; type is required and checked.
	if r := p.oktaAPI("GET", "/api/v1/policies?type=PASSWORD", nil); r.Status != 200 || strings.TrimSpace(string(r.Raw)) != "[]" {
		t.Errorf("PASSWORD: %d %s", r.Status, r.Raw)
	}
	for _, q := range []string{"", "?type=NOPE"} {
		r := p.oktaAPI("GET", "/api/v1/policies"+q, nil)
		if r.Status != 400 || !strings.Contains(string(r.Raw), `"errorCode":"E0000001"`) {
			t.Errorf("policies%s: %d %s, want 400 E0000001", q, r.Status, r.Raw)
		}
	}
	// Unknown ids are Okta's 404; the account management policy is not for apps.
	for _, u := range []string{"/api/v1/policies/rstnope", "/api/v1/policies/rstnope/rules"} {
		if r := p.oktaAPI("GET", u, nil); r.Status != 404 || !strings.Contains(string(r.Raw), "E0000007") {
			t.Errorf("%s: %d %s", u, r.Status, r.Raw)
		}
	}
	if r := p.oktaAPI("PUT", "/api/v1/apps/0oanope/policies/"+def, nil); r.Status != 404 {
		t.Errorf("unknown app: %d %s", r.Status, r.Raw)
	}
	for _, pol := range list {
		if pol["system"] != true {
			if r := p.oktaAPI("PUT", "/api/v1/apps/"+p.appID+"/policies/"+pol["id"].(string), nil); r.Status != 400 {
				t.Errorf("assigning %v to an app: %d %s", pol["name"], r.Status, r.Raw)
			}
		}
	}
	// Without a token: 401 like every /api/v1 route.
	p.token = "wrong"
	if r := p.oktaAPI("GET", "/api/v1/policies?type=ACCESS_POLICY", nil); r.Status != 401 {
		t.Errorf("bad token: %d", r.Status)
	}
}

// Policies page as Okta's lists do (OAPI-PAGE-1): limit and after, with a
// next link until the last page; without a limit, one page (OAPI-PAGE-2).
func TestAccessPoliciesPage(t *testing.T) {
	e := newOktaEnv(t)
	all := e.do("GET", "/api/v1/policies?type=ACCESS_POLICY", nil).must(t, 200)
	if n := len(all.list()); n != 2 {
		t.Fatalf("%d policies, want 2", n)
	}
	if strings.Contains(strings.Join(all.Header.Values("Link"), " "), `rel="next"`) {
		t.Errorf("one page has a next link: %v", all.Header.Values("Link"))
	}
	first := e.do("GET", "/api/v1/policies?type=ACCESS_POLICY&limit=1", nil).must(t, 200)
	page := first.list()
	if len(page) != 1 || page[0]["id"] != all.list()[0]["id"] {
		t.Fatalf("first page %v", page)
	}
	var next string
	for _, l := range first.Header.Values("Link") {
		if strings.HasSuffix(l, `rel="next"`) {
			next = strings.TrimSuffix(strings.TrimPrefix(l, "<"), `>; rel="next"`)
		}
	}
	if !strings.Contains(next, "after="+page[0]["id"].(string)) || !strings.Contains(next, "limit=1") || !strings.Contains(next, "type=ACCESS_POLICY") {
		t.Fatalf("next link %q", next)
	}
	second := e.do("GET", strings.TrimPrefix(next, "http://okta.test"), nil).must(t, 200)
	if p := second.list(); len(p) != 1 || p[0]["id"] != all.list()[1]["id"] {
		t.Fatalf("second page %v", p)
	}
	if strings.Contains(strings.Join(second.Header.Values("Link"), " "), `rel="next"`) {
		t.Errorf("the last page has a next link")
	}
	e.do("GET", "/api/v1/policies?type=ACCESS_POLICY&limit=0", nil).must(t, 400)
}
