package mockokta

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/ui/uitest"
)

// terraformRuleBody is what okta_app_signon_policy_rule sends
// (buildAppSignOnPolicyRule in terraform-provider-okta): actions with a
// verification method, network ANYWHERE, empty platforms, people.
func terraformRuleBody(name string, priority int, access string, people map[string]any) map[string]any {
	conds := map[string]any{"network": map[string]any{"connection": "ANYWHERE"}, "platform": map[string]any{}}
	if people != nil {
		conds["people"] = people
	}
	return map[string]any{
		"name": name, "priority": priority, "type": "ACCESS_POLICY", "conditions": conds,
		"actions": map[string]any{"appSignOn": map[string]any{"access": access, "verificationMethod": map[string]any{
			"factorMode": "2FA", "reauthenticateIn": "PT2H", "type": "ASSURANCE"}}},
	}
}

func (e *oktaEnv) createPolicy(name string) map[string]any {
	e.t.Helper()
	return e.do("POST", "/api/v1/policies", map[string]any{"type": "ACCESS_POLICY", "name": name,
		"description": name + " description", "priority": 1}).must(e.t, 200).obj()
}

func (e *oktaEnv) rules(policyID string) []map[string]any {
	e.t.Helper()
	return e.do("GET", "/api/v1/policies/"+policyID+"/rules", nil).must(e.t, 200).list()
}

// OAPI-POLICY-2: create, read, replace, lifecycle and delete of an app
// sign-in policy as okta_app_signon_policy drives them, and the errors.
func TestAccessPolicyWrites(t *testing.T) {
	e := newOktaEnv(t)
	n := len(e.events())
	p := e.createPolicy("Jira only")
	id := p["id"].(string)
	if !strings.HasPrefix(id, "rst") || p["status"] != "ACTIVE" || p["system"] != false || p["type"] != "ACCESS_POLICY" ||
		p["priority"] != float64(1) || p["description"] != "Jira only description" || p["conditions"] != nil {
		t.Fatalf("created %v", p)
	}
	if dig(p, "_links.deactivate.href") != "http://okta.test/api/v1/policies/"+id+"/lifecycle/deactivate" {
		t.Errorf("links %v", p["_links"])
	}
	// It comes with its catch-all rule, which Terraform reads as default_rule_id.
	rules := e.rules(id)
	if len(rules) != 1 || rules[0]["system"] != true || rules[0]["priority"] != float64(99) ||
		rules[0]["name"] != "Catch-all Rule" || dig(rules[0], "actions.appSignOn.access") != "ALLOW" {
		t.Fatalf("rules of a new policy: %v", rules)
	}
	// Read back as written, listed, and found by name prefix.
	if got := e.do("GET", "/api/v1/policies/"+id, nil).must(t, 200).obj(); got["name"] != "Jira only" || got["priority"] != float64(1) {
		t.Errorf("get %v", got)
	}
	if l := e.do("GET", "/api/v1/policies?type=ACCESS_POLICY", nil).must(t, 200).ids(); len(l) != 3 || l[2] != id {
		t.Errorf("list %v", l)
	}
	if l := e.do("GET", "/api/v1/policies?type=ACCESS_POLICY&q=jira", nil).must(t, 200).ids(); !reflect.DeepEqual(l, []string{id}) {
		t.Errorf("q=jira %v", l)
	}
	// Replace: name, description, priority.
	got := e.do("PUT", "/api/v1/policies/"+id, map[string]any{"type": "ACCESS_POLICY", "name": "Jira", "description": "d2",
		"priority": 3}).must(t, 200).obj()
	if got["name"] != "Jira" || got["description"] != "d2" || got["priority"] != float64(3) {
		t.Errorf("replaced %v", got)
	}
	// Lifecycle: 204; the list filters by status.
	e.do("POST", "/api/v1/policies/"+id+"/lifecycle/deactivate", nil).must(t, 204)
	e.do("POST", "/api/v1/policies/"+id+"/lifecycle/deactivate", nil).must(t, 204)
	if l := e.do("GET", "/api/v1/policies?type=ACCESS_POLICY&status=INACTIVE", nil).must(t, 200).ids(); !reflect.DeepEqual(l, []string{id}) {
		t.Errorf("INACTIVE %v", l)
	}
	e.do("POST", "/api/v1/policies/"+id+"/lifecycle/activate", nil).must(t, 204)
	if inactive := e.do("POST", "/api/v1/policies?activate=false", map[string]any{"type": "ACCESS_POLICY", "name": "later"}).must(t, 200).obj(); inactive["status"] != "INACTIVE" {
		t.Errorf("activate=false: %v", inactive["status"])
	}
	e.do("DELETE", "/api/v1/policies/"+id, nil).must(t, 204)
	e.do("GET", "/api/v1/policies/"+id, nil).wantError(t, 404, "E0000007")
	want := []string{"policy.lifecycle.create", "policy.lifecycle.update", "policy.lifecycle.deactivate",
		"policy.lifecycle.activate", "policy.lifecycle.create", "policy.lifecycle.delete"}
	if evs := e.eventsSince(n); !reflect.DeepEqual(evs, want) {
		t.Errorf("events %v, want %v", evs, want)
	}

	// Bad input: E0000001 with a cause per problem, nothing made.
	before := len(e.do("GET", "/api/v1/policies?type=ACCESS_POLICY", nil).list())
	for _, c := range []struct {
		body  any
		cause string
	}{
		{map[string]any{"name": "x"}, "type: The field cannot be left blank"},
		{map[string]any{"type": "PASSWORD", "name": "x"}, "type: provsim models ACCESS_POLICY policies only, not PASSWORD"},
		{map[string]any{"type": "NOPE", "name": "x"}, "type: Invalid policy type NOPE"},
		{map[string]any{"type": "ACCESS_POLICY", "name": "  "}, "name: The field cannot be left blank"},
		{map[string]any{"type": "ACCESS_POLICY", "name": strings.Repeat("n", 256)}, "name: The field cannot exceed 255 characters"},
		{map[string]any{"type": "ACCESS_POLICY", "name": "x", "priority": -1}, "priority: must be a positive number"},
		{map[string]any{"type": "ACCESS_POLICY", "name": "x", "conditions": map[string]any{"people": map[string]any{}}},
			"conditions: ACCESS_POLICY policies take no conditions; set them on the rules"},
	} {
		r := e.do("POST", "/api/v1/policies", c.body).wantError(t, 400, "E0000001")
		if !slices.Contains(r.causes(), c.cause) {
			t.Errorf("%v: causes %v, want %q", c.body, r.causes(), c.cause)
		}
	}
	e.do("POST", "/api/v1/policies", map[string]any{"type": "ACCESS_POLICY", "name": 7}).wantError(t, 400, "E0000001")
	e.do("POST", "/api/v1/policies", "[]").wantError(t, 400, "E0000003")
	e.do("POST", "/api/v1/policies?activate=maybe", map[string]any{"type": "ACCESS_POLICY", "name": "x"}).wantError(t, 400, "E0000001")
	if after := len(e.do("GET", "/api/v1/policies?type=ACCESS_POLICY", nil).list()); after != before {
		t.Errorf("refused creates made policies: %d → %d", before, after)
	}
	// Unknown ids: 404 E0000007 on every route.
	for _, c := range [][2]string{{"GET", "/api/v1/policies/rstnope"}, {"PUT", "/api/v1/policies/rstnope"},
		{"DELETE", "/api/v1/policies/rstnope"}, {"POST", "/api/v1/policies/rstnope/lifecycle/activate"},
		{"POST", "/api/v1/policies/rstnope/rules"}, {"GET", "/api/v1/policies/rstnope/rules/rulnope"}} {
		e.do(c[0], c[1], map[string]any{"type": "ACCESS_POLICY", "name": "x"}).wantError(t, 404, "E0000007")
	}
	// The built-ins stay: the default can be renamed, not deactivated or deleted.
	def := builtinID("rst", e.org.ID, "access-policy-default")
	e.do("DELETE", "/api/v1/policies/"+def, nil).wantError(t, 400, "E0000001")
	e.do("POST", "/api/v1/policies/"+def+"/lifecycle/deactivate", nil).wantError(t, 400, "E0000001")
	e.do("DELETE", "/api/v1/policies/"+builtinID("rst", e.org.ID, "access-policy-account-management"), nil).wantError(t, 400, "E0000001")
	if r := e.do("PUT", "/api/v1/policies/"+def, map[string]any{"type": "ACCESS_POLICY", "name": "Default Policy",
		"description": "ours", "priority": 1}).must(t, 200).obj(); r["system"] != true || r["description"] != "ours" {
		t.Errorf("default after PUT: %v", r)
	}
}

// OAPI-POLICY-2: an app on a policy names it in _links.accessPolicy; a
// policy apps are on cannot be deactivated or deleted until they move.
func TestAccessPolicyAssignment(t *testing.T) {
	e := newOktaEnv(t)
	appID, _ := e.samlApp()
	id := e.createPolicy("Jira only")["id"].(string)
	e.do("PUT", "/api/v1/apps/"+appID+"/policies/"+id, nil).must(t, 204)
	app := e.do("GET", "/api/v1/apps/"+appID, nil).must(t, 200).obj()
	if got := path.Base(dig(app, "_links.accessPolicy.href").(string)); got != id {
		t.Fatalf("accessPolicy %s, want %s", got, id)
	}
	r := e.do("DELETE", "/api/v1/policies/"+id, nil).wantError(t, 400, "E0000001")
	if c := r.causes(); len(c) != 1 || !strings.Contains(c[0], appID) {
		t.Errorf("in use: %v", c)
	}
	e.do("POST", "/api/v1/policies/"+id+"/lifecycle/deactivate", nil).wantError(t, 400, "E0000001")
	// Terraform's destroy: the app back on the default policy, then delete.
	def := builtinID("rst", e.org.ID, "access-policy-default")
	e.do("PUT", "/api/v1/apps/"+appID+"/policies/"+def, nil).must(t, 204)
	e.do("DELETE", "/api/v1/policies/"+id, nil).must(t, 204)
	app = e.do("GET", "/api/v1/apps/"+appID, nil).must(t, 200).obj()
	if got := path.Base(dig(app, "_links.accessPolicy.href").(string)); got != def {
		t.Fatalf("accessPolicy %s, want the default %s", got, def)
	}
	// An INACTIVE policy is not assignable.
	off := e.do("POST", "/api/v1/policies?activate=false", map[string]any{"type": "ACCESS_POLICY", "name": "off"}).must(t, 200).obj()
	e.do("PUT", "/api/v1/apps/"+appID+"/policies/"+off["id"].(string), nil).wantError(t, 400, "E0000001")
	// A deleted app frees its policy.
	id2 := e.createPolicy("second")["id"].(string)
	e.do("PUT", "/api/v1/apps/"+appID+"/policies/"+id2, nil).must(t, 204)
	e.do("POST", "/api/v1/apps/"+appID+"/lifecycle/deactivate", nil).must(t, 200)
	e.do("DELETE", "/api/v1/apps/"+appID, nil).must(t, 204)
	e.do("DELETE", "/api/v1/policies/"+id2, nil).must(t, 204)
}

// OAPI-POLICY-3: rules as okta_app_signon_policy_rule writes them read
// back as written; priorities shift as Okta documents; the catch-all
// rule is edited, never deleted; bad rules are E0000001.
func TestAccessPolicyRules(t *testing.T) {
	e := newOktaEnv(t)
	g := e.createGroup("Jira users")["id"].(string)
	u := e.createUser("ada@acme.test", "", true)["id"].(string)
	pid := e.createPolicy("Jira only")["id"].(string)
	base := "/api/v1/policies/" + pid + "/rules"

	body := terraformRuleBody("Engineers", 1, "ALLOW", map[string]any{
		"groups": map[string]any{"include": []any{g}}, "users": map[string]any{"exclude": []any{u}}})
	a := e.do("POST", base, body).must(t, 200).obj()
	if a["status"] != "ACTIVE" || a["system"] != false || a["priority"] != float64(1) || a["type"] != "ACCESS_POLICY" ||
		!strings.HasPrefix(a["id"].(string), "rul") {
		t.Fatalf("created %v", a)
	}
	// What Terraform reads back is what it sent.
	for _, k := range []string{"conditions", "actions"} {
		if !reflect.DeepEqual(a[k], jsonRoundTrip(body[k])) {
			t.Errorf("%s read back as %v, sent %v", k, a[k], body[k])
		}
	}
	got := e.do("GET", base+"/"+a["id"].(string), nil).must(t, 200).obj()
	if !reflect.DeepEqual(got["conditions"], a["conditions"]) || got["name"] != "Engineers" {
		t.Errorf("get %v", got)
	}
	// No conditions: Okta's network ANYWHERE is filled in.
	bare := e.do("POST", base, map[string]any{"name": "bare", "actions": map[string]any{"appSignOn": map[string]any{"access": "DENY"}}}).must(t, 200).obj()
	if dig(bare, "conditions.network.connection") != "ANYWHERE" || bare["priority"] != float64(2) {
		t.Errorf("bare rule %v", bare)
	}
	// Priority 1 again: the rules at 1 and below move down one.
	b := e.do("POST", base, terraformRuleBody("First", 1, "DENY", nil)).must(t, 200).obj()
	// Past the end: placed right after the last rule.
	c := e.do("POST", base, terraformRuleBody("Far", 40, "ALLOW", nil)).must(t, 200).obj()
	prio := func() map[string]float64 {
		out := map[string]float64{}
		for _, r := range e.rules(pid) {
			out[r["name"].(string)] = r["priority"].(float64)
		}
		return out
	}
	if p := prio(); !reflect.DeepEqual(p, map[string]float64{"First": 1, "Engineers": 2, "bare": 3, "Far": 4, "Catch-all Rule": 99}) {
		t.Fatalf("priorities %v", p)
	}
	// Deleting leaves a gap; the list stays in priority order.
	e.do("DELETE", base+"/"+b["id"].(string), nil).must(t, 204)
	rules := e.rules(pid)
	var names []string
	for _, r := range rules {
		names = append(names, r["name"].(string))
	}
	if p := prio(); !reflect.DeepEqual(p, map[string]float64{"Engineers": 2, "bare": 3, "Far": 4, "Catch-all Rule": 99}) ||
		!reflect.DeepEqual(names, []string{"Engineers", "bare", "Far", "Catch-all Rule"}) {
		t.Fatalf("after delete %v %v", p, names)
	}
	// PUT replaces, and moves the rule.
	upd := terraformRuleBody("Far", 2, "DENY", nil)
	if r := e.do("PUT", base+"/"+c["id"].(string), upd).must(t, 200).obj(); r["priority"] != float64(2) || dig(r, "actions.appSignOn.access") != "DENY" {
		t.Errorf("replaced %v", r)
	}
	if p := prio(); !reflect.DeepEqual(p, map[string]float64{"Far": 2, "Engineers": 3, "bare": 4, "Catch-all Rule": 99}) {
		t.Fatalf("after move %v", p)
	}
	// Lifecycle, as Terraform does for status = "INACTIVE".
	e.do("POST", base+"/"+c["id"].(string)+"/lifecycle/deactivate", nil).must(t, 204)
	if r := e.do("GET", base+"/"+c["id"].(string), nil).must(t, 200).obj(); r["status"] != "INACTIVE" || dig(r, "_links.activate.href") == nil {
		t.Errorf("deactivated %v", r)
	}
	e.do("POST", base+"?activate=false", terraformRuleBody("off", 0, "ALLOW", nil)).must(t, 200)

	// The catch-all rule: DENY is allowed (catch_all = false), its
	// priority stays 99, its conditions and existence stay.
	var catchAll map[string]any
	for _, r := range e.rules(pid) {
		if r["system"] == true {
			catchAll = r
		}
	}
	ca := base + "/" + catchAll["id"].(string)
	edited := e.do("PUT", ca, map[string]any{"name": "Catch-all Rule", "priority": 1, "type": "ACCESS_POLICY",
		"actions": map[string]any{"appSignOn": map[string]any{"access": "DENY"}}}).must(t, 200).obj()
	if edited["priority"] != float64(99) || dig(edited, "actions.appSignOn.access") != "DENY" || edited["conditions"] != nil {
		t.Errorf("catch-all after PUT %v", edited)
	}
	e.do("PUT", ca, terraformRuleBody("Catch-all Rule", 99, "DENY", map[string]any{"users": map[string]any{"include": []any{u}}})).wantError(t, 400, "E0000001")
	e.do("DELETE", ca, nil).wantError(t, 400, "E0000001")
	e.do("POST", ca+"/lifecycle/deactivate", nil).wantError(t, 400, "E0000001")

	// Bad rules.
	for _, c := range []struct {
		body  map[string]any
		cause string
	}{
		{map[string]any{"actions": map[string]any{"appSignOn": map[string]any{"access": "ALLOW"}}}, "name: The field cannot be left blank"},
		{map[string]any{"name": "x"}, "actions.appSignOn.access: The field cannot be left blank"},
		{map[string]any{"name": "x", "actions": map[string]any{"appSignOn": map[string]any{"access": "MAYBE"}}}, "actions.appSignOn.access: must be ALLOW or DENY"},
		{terraformRuleBody("x", 1, "ALLOW", map[string]any{"groups": map[string]any{"include": []any{"00gnope"}}}),
			"conditions.people.groups.include: 00gnope is not one of the org's groups"},
		{terraformRuleBody("x", 1, "ALLOW", map[string]any{"users": map[string]any{"include": "00u"}}),
			"conditions.people.users.include: must be a list of ids"},
		{map[string]any{"name": "x", "type": "OKTA_SIGN_ON", "actions": map[string]any{"appSignOn": map[string]any{"access": "ALLOW"}}},
			"type: must be ACCESS_POLICY, the type of the policy"},
		{map[string]any{"name": "x", "conditions": map[string]any{"network": map[string]any{"connection": "MOON"}},
			"actions": map[string]any{"appSignOn": map[string]any{"access": "ALLOW"}}},
			"conditions.network.connection: must be ANYWHERE, ZONE, ON_NETWORK or OFF_NETWORK"},
	} {
		r := e.do("POST", base, c.body).wantError(t, 400, "E0000001")
		if !slices.Contains(r.causes(), c.cause) {
			t.Errorf("%v: causes %v, want %q", c.body, r.causes(), c.cause)
		}
	}
	e.do("GET", base+"/rulnope", nil).wantError(t, 404, "E0000007")
	e.do("DELETE", base+"/rulnope", nil).wantError(t, 404, "E0000007")

	// At most 100 rules, the catch-all included.
	for i := len(e.rules(pid)); i < 100; i++ {
		e.do("POST", base, terraformRuleBody(fmt.Sprint("r", i), 0, "ALLOW", nil)).must(t, 200)
	}
	r := e.do("POST", base, terraformRuleBody("one too many", 0, "ALLOW", nil)).wantError(t, 400, "E0000001")
	if !slices.Contains(r.causes(), "rules: A policy has at most 100 rules") {
		t.Errorf("limit causes %v", r.causes())
	}
	evs := strings.Join(e.events(), " ")
	for _, ev := range []string{"policy.rule.add", "policy.rule.update", "policy.rule.delete", "policy.rule.deactivate"} {
		if !strings.Contains(evs, ev) {
			t.Errorf("no %s in the System Log", ev)
		}
	}
}

func jsonRoundTrip(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// OAPI-POLICY-4: a SAML sign-in obeys the app's policy: the first ACTIVE
// rule (by priority) whose people condition the person meets decides; a
// DENY is Okta's refusal page with no assertion, and the evaluation is in
// the System Log as policy.evaluate_sign_on.
func TestSignInObeysAccessPolicy(t *testing.T) {
	e := newOktaEnv(t)
	appID, uid := e.samlApp()
	g := e.createGroup("Contractors")["id"].(string)
	pid := e.createPolicy("Jira only")["id"].(string)
	base := "/api/v1/policies/" + pid + "/rules"
	deny := e.do("POST", base, terraformRuleBody("No contractors", 1, "DENY",
		map[string]any{"groups": map[string]any{"include": []any{g}}})).must(t, 200).obj()
	e.do("PUT", "/api/v1/apps/"+appID+"/policies/"+pid, nil).must(t, 204)

	b := uitest.NewHops(t, e.srv)
	if status, _, _ := b.PostForm("/login/login.htm", map[string][]string{"username": {"ada.old@acme.test"}, "password": {goodPassword}}); status != http.StatusFound {
		t.Fatalf("sign-in: %d", status)
	}
	signIn := func() (int, string) {
		status, _, page := b.Get("/home/atlassian/" + appID)
		return status, page
	}
	lastEval := func() LogEvent {
		e.org.mu.Lock()
		defer e.org.mu.Unlock()
		for i := len(e.org.logs) - 1; i >= 0; i-- {
			if e.org.logs[i].EventType == "policy.evaluate_sign_on" {
				return e.org.logs[i]
			}
		}
		t.Fatal("no policy.evaluate_sign_on event")
		return LogEvent{}
	}
	// Not a contractor: the catch-all allows.
	if status, page := signIn(); status != 200 || !strings.Contains(page, "SAMLResponse") {
		t.Fatalf("allowed sign-in: %d\n%s", status, page)
	}
	if ev := lastEval(); ev.Outcome.Result != "ALLOW" || ev.DebugContext.DebugData["policyId"] != pid {
		t.Errorf("ALLOW event %+v", ev)
	}
	// A contractor: denied, no assertion.
	e.do("PUT", "/api/v1/groups/"+g+"/users/"+uid, nil).must(t, 204)
	status, page := signIn()
	if status != http.StatusForbidden || strings.Contains(page, "SAMLResponse") || !strings.Contains(page, "sign-in policy") {
		t.Fatalf("denied sign-in: %d\n%s", status, page)
	}
	ev := lastEval()
	if ev.Outcome.Result != "DENY" || ev.DebugContext.DebugData["ruleId"] != deny["id"] || ev.Actor.ID != uid {
		t.Errorf("DENY event %+v", ev)
	}
	// An excluded person, an INACTIVE rule, or a rule above that allows: in.
	e.do("PUT", base+"/"+deny["id"].(string), terraformRuleBody("No contractors", 1, "DENY",
		map[string]any{"groups": map[string]any{"include": []any{g}}, "users": map[string]any{"exclude": []any{uid}}})).must(t, 200)
	if status, _ := signIn(); status != 200 {
		t.Errorf("excluded person: %d", status)
	}
	e.do("PUT", base+"/"+deny["id"].(string), terraformRuleBody("No contractors", 1, "DENY",
		map[string]any{"groups": map[string]any{"include": []any{g}}})).must(t, 200)
	e.do("POST", base+"/"+deny["id"].(string)+"/lifecycle/deactivate", nil).must(t, 204)
	if status, _ := signIn(); status != 200 {
		t.Errorf("inactive rule: %d", status)
	}
	e.do("POST", base+"/"+deny["id"].(string)+"/lifecycle/activate", nil).must(t, 204)
	e.do("POST", base, terraformRuleBody("Ada may", 1, "ALLOW", map[string]any{"users": map[string]any{"include": []any{uid}}})).must(t, 200)
	if status, _ := signIn(); status != 200 {
		t.Errorf("allowed above the deny: %d", status)
	}
	// A catch-all set to DENY refuses whoever no rule lets in.
	other := e.createPolicy("closed")["id"].(string)
	ca := e.rules(other)[0]
	e.do("PUT", "/api/v1/policies/"+other+"/rules/"+ca["id"].(string), map[string]any{"name": "Catch-all Rule",
		"actions": map[string]any{"appSignOn": map[string]any{"access": "DENY"}}}).must(t, 200)
	e.do("PUT", "/api/v1/apps/"+appID+"/policies/"+other, nil).must(t, 204)
	if status, _ := signIn(); status != http.StatusForbidden {
		t.Errorf("catch-all DENY: %d", status)
	}
}

// Policies, rules and assignments are kept with --data-dir.
func TestAccessPoliciesSurviveRestart(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), Boot: &Boot{APIToken: "tok"}}
	s := restart(t, cfg)
	o, _ := s.Model.Org(s.Booted.Org.ID)
	a, err := s.Model.CreateApp(o, CreateAppInput{Name: "atlassian", Activate: true})
	if err != nil {
		t.Fatal(err)
	}
	name := "Jira only"
	p, err := s.Model.CreateAccessPolicy(o, AccessPolicyInput{Type: "ACCESS_POLICY", Name: &name}, true)
	if err != nil {
		t.Fatal(err)
	}
	var in PolicyRuleInput
	b, _ := json.Marshal(terraformRuleBody("Engineers", 1, "DENY", map[string]any{"users": map[string]any{"include": []any{o.adminID}}}))
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	r, err := s.Model.CreateAccessPolicyRule(o, p.ID, in, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Model.AssignAppPolicy(o, a.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	defName := "Renamed default"
	if _, err := s.Model.ReplaceAccessPolicy(o, defaultPolicyID(o), AccessPolicyInput{Type: "ACCESS_POLICY", Name: &defName}); err != nil {
		t.Fatal(err)
	}
	before := s.Model.AccessPolicies(o)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = restart(t, cfg)
	o, _ = s.Model.Org(s.Booted.Org.ID)
	after := s.Model.AccessPolicies(o)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("policies after restart:\n%+v\nwant\n%+v", after, before)
	}
	if got := s.Model.AppAccessPolicyID(o, a.ID); got != p.ID {
		t.Errorf("the app's policy after restart: %s, want %s", got, p.ID)
	}
	got, err := s.Model.AccessPolicyRule(o, p.ID, r.ID)
	if err != nil || !reflect.DeepEqual(got.Conditions, r.Conditions) {
		t.Errorf("rule after restart: %+v %v", got, err)
	}
	// Once the org changed a policy, all its policies are records.
	if n := len(storedRecords(t, s, kindPolicy)); n != 3 {
		t.Errorf("stored %d policy records, want 3", n)
	}
}

// Over OAuth the policy routes need okta.policies.read to read and
// okta.policies.manage to change (OAPI-OAUTH-4); putting an app on a policy
// is an app change (okta.apps.manage).
func TestAccessPolicyScopes(t *testing.T) {
	e := newOktaEnv(t)
	c := e.newServiceClient("okta.policies.read", "okta.apps.manage")
	bearer := "Bearer " + e.tokenFor(c, "okta.policies.read okta.apps.manage").must(t, 200).str("access_token")
	e.doAuth("GET", "/api/v1/policies?type=ACCESS_POLICY", nil, bearer).must(t, 200)
	body := map[string]any{"type": "ACCESS_POLICY", "name": "x"}
	if r := e.doAuth("POST", "/api/v1/policies", body, bearer); r.Status != 403 ||
		!strings.Contains(r.Header.Get("WWW-Authenticate"), `scope="okta.policies.manage"`) {
		t.Fatalf("create with okta.policies.read: %d %v", r.Status, r.Header.Get("WWW-Authenticate"))
	}
	id := e.createPolicy("over OAuth")["id"].(string) // with the API token
	appID, _ := e.samlApp()
	e.doAuth("PUT", "/api/v1/apps/"+appID+"/policies/"+id, nil, bearer).must(t, 204)

	manage := e.newServiceClient("okta.policies.manage")
	mb := "Bearer " + e.tokenFor(manage, "okta.policies.manage").must(t, 200).str("access_token")
	e.doAuth("POST", "/api/v1/policies", body, mb).must(t, 200)
}

// Resetting the org brings back its two built-in policies only.
func TestAccessPoliciesReset(t *testing.T) {
	e := newOktaEnv(t)
	def := builtinID("rst", e.org.ID, "access-policy-default")
	e.createPolicy("gone after reset")
	e.do("PUT", "/api/v1/policies/"+def, map[string]any{"type": "ACCESS_POLICY", "name": "Renamed"}).must(t, 200)
	e.do("POST", "/_sim/orgs/"+e.org.ID+"/reset", nil).must(t, 204)
	ps := e.do("GET", "/api/v1/policies?type=ACCESS_POLICY", nil).must(t, 200).list()
	if len(ps) != 2 || ps[0]["id"] != def || ps[0]["name"] != "Default Policy" {
		t.Fatalf("after reset: %v", ps)
	}
}

// A snapshot carries the policies, their rules and the apps on them; a
// snapshot whose policy breaks the model's rules is refused whole.
func TestAccessPoliciesSnapshot(t *testing.T) {
	e := newOktaEnv(t)
	appID, _ := e.samlApp()
	id := e.createPolicy("Jira only")["id"].(string)
	e.do("POST", "/api/v1/policies/"+id+"/rules", terraformRuleBody("deny", 1, "DENY", nil)).must(t, 200)
	e.do("PUT", "/api/v1/apps/"+appID+"/policies/"+id, nil).must(t, 204)
	before := e.do("GET", "/api/v1/policies/"+id+"/rules", nil).must(t, 200).Raw
	snap := e.do("GET", "/_sim/orgs/"+e.org.ID+"/snapshot", nil).must(t, 200).Raw

	// Broken: a rule whose access is neither ALLOW nor DENY.
	broken := strings.Replace(string(snap), `"access":"DENY"`, `"access":"MAYBE"`, 1)
	e.do("PUT", "/_sim/orgs/"+e.org.ID+"/snapshot", json.RawMessage(broken)).wantError(t, 400, "E0000001")

	e.do("DELETE", "/api/v1/policies/"+id+"/rules/"+e.rules(id)[0]["id"].(string), nil).must(t, 204)
	e.do("PUT", "/_sim/orgs/"+e.org.ID+"/snapshot", json.RawMessage(snap)).must(t, 200)
	if after := e.do("GET", "/api/v1/policies/"+id+"/rules", nil).must(t, 200).Raw; string(after) != string(before) {
		t.Errorf("rules after restore:\n%s\nwant\n%s", after, before)
	}
	app := e.do("GET", "/api/v1/apps/"+appID, nil).must(t, 200).obj()
	if got := path.Base(dig(app, "_links.accessPolicy.href").(string)); got != id {
		t.Errorf("the app's policy after restore: %s, want %s", got, id)
	}
}
