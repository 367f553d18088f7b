package mockokta

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// ruleBody is a group rule as Terraform's provider sends it.
func ruleBody(name, expr string, groupIDs []string, exclude ...string) map[string]any {
	if exclude == nil {
		exclude = []string{}
	}
	return map[string]any{
		"type": "group_rule", "name": name,
		"conditions": map[string]any{
			"expression": map[string]any{"type": ExpressionType, "value": expr},
			"people":     map[string]any{"users": map[string]any{"exclude": exclude}},
		},
		"actions": map[string]any{"assignUserToGroups": map[string]any{"groupIds": groupIDs}},
	}
}

func (e *oktaEnv) members(gid string) []string {
	return e.do("GET", "/api/v1/groups/"+gid+"/users", nil).must(e.t, 200).ids()
}

func (e *oktaEnv) createRule(name, expr string, gids ...string) map[string]any {
	return e.do("POST", "/api/v1/groups/rules", ruleBody(name, expr, gids)).must(e.t, 200).obj()
}

func TestGroupRuleShapeAndLifecycle(t *testing.T) {
	e := newOktaEnv(t)
	eng := e.createGroup("Engineering")["id"].(string)
	r := e.do("POST", "/api/v1/groups/rules", ruleBody("Engineering rule", `user.department == "Engineering"`, []string{eng})).must(t, 200)
	id := r.str("id")
	if !strings.HasPrefix(id, "0pr") || len(id) != 20 {
		t.Errorf("rule id %q", id)
	}
	for path, want := range map[string]string{"type": "group_rule", "status": RuleInactive, "name": "Engineering rule",
		"conditions.expression.value": `user.department == "Engineering"`, "conditions.expression.type": ExpressionType,
		"actions.assignUserToGroups.groupIds.0": eng} {
		if got := r.str(path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if !r.has("conditions.people.users.exclude") || !r.has("created") || !r.has("lastUpdated") {
		t.Errorf("rule %s", r.Raw)
	}
	// Created INACTIVE: nobody is assigned yet.
	ada := e.createUser("ada@example.com", "", true)["id"].(string)
	e.do("POST", "/api/v1/users/"+ada, map[string]any{"profile": map[string]any{"department": "Engineering"}}).must(t, 200)
	if got := e.members(eng); len(got) != 0 {
		t.Fatalf("an inactive rule assigned %v", got)
	}
	// Activation evaluates everybody.
	e.do("POST", "/api/v1/groups/rules/"+id+"/lifecycle/activate", nil).must(t, 204)
	if got := e.members(eng); !slices.Equal(got, []string{ada}) {
		t.Fatalf("members after activation %v, want [ada]", got)
	}
	if s := e.do("GET", "/api/v1/groups/rules/"+id, nil).must(t, 200).str("status"); s != RuleActive {
		t.Errorf("status %q", s)
	}
	e.do("POST", "/api/v1/groups/rules/"+id+"/lifecycle/activate", nil).must(t, 204) // idempotent
	// An active rule cannot be changed.
	e.do("PUT", "/api/v1/groups/rules/"+id, ruleBody("Renamed", `user.department == "Eng"`, []string{eng})).wantError(t, 400, "E0000001")
	e.do("DELETE", "/api/v1/groups/rules/"+id, nil).wantError(t, 400, "E0000001")
	// Deactivated: memberships stay; the rule can be changed, its actions cannot.
	e.do("POST", "/api/v1/groups/rules/"+id+"/lifecycle/deactivate", nil).must(t, 204)
	if got := e.members(eng); !slices.Equal(got, []string{ada}) {
		t.Errorf("deactivation removed members: %v", got)
	}
	other := e.createGroup("Other")["id"].(string)
	e.do("PUT", "/api/v1/groups/rules/"+id, ruleBody("Renamed", `user.department == "Eng"`, []string{other})).wantError(t, 400, "E0000001")
	up := e.do("PUT", "/api/v1/groups/rules/"+id, ruleBody("Renamed", `user.department == "Eng"`, []string{eng})).must(t, 200)
	if up.str("name") != "Renamed" || up.str("conditions.expression.value") != `user.department == "Eng"` || up.str("status") != RuleInactive {
		t.Errorf("PUT answered %s", up.Raw)
	}
	// Re-activated with the new expression: ada no longer matches and leaves
	// the group the rule put her in.
	e.do("POST", "/api/v1/groups/rules/"+id+"/lifecycle/activate", nil).must(t, 204)
	e.do("POST", "/api/v1/users/"+ada, map[string]any{"profile": map[string]any{"title": "x"}}).must(t, 200)
	if got := e.members(eng); len(got) != 0 {
		t.Errorf("ada stays in %v after she stopped matching", got)
	}
	e.do("POST", "/api/v1/groups/rules/"+id+"/lifecycle/deactivate", nil).must(t, 204)
	if r := e.do("DELETE", "/api/v1/groups/rules/"+id, nil).must(t, 202); len(r.Raw) != 0 {
		t.Errorf("202 with body %s", r.Raw)
	}
	e.do("GET", "/api/v1/groups/rules/"+id, nil).wantError(t, 404, "E0000007")
	e.do("POST", "/api/v1/groups/rules/"+id+"/lifecycle/activate", nil).wantError(t, 404, "E0000007")
	events := strings.Join(e.events(), " ")
	for _, ev := range []string{"group.rule.create", "group.rule.activate", "group.rule.update", "group.rule.deactivate", "group.rule.delete"} {
		if !strings.Contains(events, ev) {
			t.Errorf("System Log lacks %s", ev)
		}
	}
}

func TestGroupRuleEvaluation(t *testing.T) {
	e := newOktaEnv(t)
	eng := e.createGroup("Engineering")["id"].(string)
	jira := e.createGroup("atlassian-test-jira-users")["id"].(string)
	manual := e.createUser("manual@example.com", "", true)["id"].(string)
	e.do("PUT", "/api/v1/groups/"+jira+"/users/"+manual, nil).must(t, 204)
	excluded := e.createUser("excluded@example.com", "", true)["id"].(string)
	r := e.do("POST", "/api/v1/groups/rules", ruleBody("Jira users",
		`String.stringContains(user.email, "@example.com") AND (user.department == "Engineering" OR isMemberOfGroupName("Engineering"))`,
		[]string{jira}, excluded)).must(t, 200)
	id := r.str("id")
	e.do("POST", "/api/v1/groups/rules/"+id+"/lifecycle/activate", nil).must(t, 204)

	// Created matching: in the group at once.
	body := withPassword(userBody("new@example.com", "New", "Hire"), goodPassword)
	body["profile"].(map[string]any)["department"] = "Engineering"
	hire := e.do("POST", "/api/v1/users", body).must(t, 200).str("id")
	// Matching through a group: joining Engineering by hand.
	grace := e.createUser("grace@example.com", "", true)["id"].(string)
	e.do("PUT", "/api/v1/groups/"+eng+"/users/"+grace, nil).must(t, 204)
	// Excluded people and other domains never match.
	e.do("PUT", "/api/v1/groups/"+eng+"/users/"+excluded, nil).must(t, 204)
	outsider := e.createUser("out@example.org", "", true)["id"].(string)
	e.do("PUT", "/api/v1/groups/"+eng+"/users/"+outsider, nil).must(t, 204)

	want := []string{manual, hire, grace}
	if got := e.members(jira); !slices.Equal(sortedCopy(got), sortedCopy(want)) {
		t.Fatalf("members %v, want %v", got, want)
	}
	// Leaving Engineering: grace stops matching and leaves the rule's group;
	// the member added by hand stays whatever the rule says.
	e.do("DELETE", "/api/v1/groups/"+eng+"/users/"+grace, nil).must(t, 204)
	e.do("POST", "/api/v1/users/"+manual, map[string]any{"profile": map[string]any{"department": "Sales"}}).must(t, 200)
	want = []string{manual, hire}
	if got := e.members(jira); !slices.Equal(sortedCopy(got), sortedCopy(want)) {
		t.Fatalf("members %v, want %v", got, want)
	}
	// Deleting with removeUsers takes out what the rule put in, only that.
	e.do("POST", "/api/v1/groups/rules/"+id+"/lifecycle/deactivate", nil).must(t, 204)
	e.do("DELETE", "/api/v1/groups/rules/"+id+"?removeUsers=true", nil).must(t, 202)
	if got := e.members(jira); !slices.Equal(got, []string{manual}) {
		t.Fatalf("members after delete with removeUsers %v, want only the manual member", got)
	}
}

func TestGroupRuleInvalidWhenItsGroupGoes(t *testing.T) {
	e := newOktaEnv(t)
	g := e.createGroup("Doomed")["id"].(string)
	id := e.createRule("Doomed rule", `user.login != null`, g)["id"].(string)
	e.do("POST", "/api/v1/groups/rules/"+id+"/lifecycle/activate", nil).must(t, 204)
	e.do("DELETE", "/api/v1/groups/"+g, nil).must(t, 204)
	r := e.do("GET", "/api/v1/groups/rules/"+id, nil).must(t, 200)
	if r.str("status") != RuleInvalid || r.obj()["allGroupsValid"] != false {
		t.Fatalf("rule after its group was deleted: %s", r.Raw)
	}
	bad := e.do("POST", "/api/v1/groups/rules/"+id+"/lifecycle/deactivate", nil).wantError(t, 400, "E0000001")
	// Terraform's provider recognises this text and deletes the rule.
	if !strings.Contains(string(bad.Raw), "Cannot activate or deactivate a Group Rule with the status INVALID") {
		t.Errorf("deactivating an INVALID rule: %s", bad.Raw)
	}
	e.do("DELETE", "/api/v1/groups/rules/"+id, nil).must(t, 202)
}

func TestGroupRuleValidation(t *testing.T) {
	e := newOktaEnv(t)
	g := e.createGroup("Target")["id"].(string)
	long := strings.Repeat("n", 51)
	for _, tc := range []struct {
		name  string
		body  map[string]any
		cause string
	}{
		{"bad expression", ruleBody("r", `user.department ==`, []string{g}), "conditions.expression.value: Invalid expression"},
		{"Convert", ruleBody("r", `Convert.toInt("2018") == user.yearJoined`, []string{g}), "Convert functions are not allowed"},
		{"empty expression", ruleBody("r", ``, []string{g}), "conditions.expression.value"},
		{"no name", ruleBody("", `user.a == "b"`, []string{g}), "name:"},
		{"long name", ruleBody(long, `user.a == "b"`, []string{g}), "cannot exceed 50"},
		{"no groups", ruleBody("r", `user.a == "b"`, []string{}), "actions.assignUserToGroups.groupIds"},
		{"missing group", ruleBody("r", `user.a == "b"`, []string{"00gMISSING"}), "Group 00gMISSING does not exist"},
		{"Everyone", ruleBody("r", `user.a == "b"`, []string{e.everyoneID()}), "is not an OKTA_GROUP"},
		{"missing excluded user", ruleBody("r", `user.a == "b"`, []string{g}, "00uMISSING"), "User 00uMISSING does not exist"},
		{"wrong type", func() map[string]any { b := ruleBody("r", `user.a == "b"`, []string{g}); b["type"] = "other"; return b }(), "type:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/api/v1/groups/rules", tc.body).wantError(t, 400, "E0000001")
			if r.str("errorSummary") != "Api validation failed: validateRule" {
				t.Errorf("summary %q", r.str("errorSummary"))
			}
			if c := strings.Join(r.causes(), " | "); !strings.Contains(c, tc.cause) {
				t.Errorf("causes %q, want %q", c, tc.cause)
			}
		})
	}
	e.do("POST", "/api/v1/groups/rules", `{"name":`).wantError(t, 400, "E0000003")
	e.do("GET", "/api/v1/groups/rules/0prMISSING", nil).wantError(t, 404, "E0000007")
	e.doAuth("GET", "/api/v1/groups/rules", nil, "SSWS wrong").wantError(t, 401, "E0000011")
	if n := len(e.do("GET", "/api/v1/groups/rules", nil).must(t, 200).list()); n != 0 {
		t.Errorf("refused rules were kept: %d", n)
	}
}

func TestGroupRuleListPagingAndExpand(t *testing.T) {
	e := newOktaEnv(t)
	g := e.createGroup("Target")["id"].(string)
	var ids []string
	for i := range 5 {
		ids = append(ids, e.createRule(fmt.Sprintf("Rule %d", i), `user.a == "b"`, g)["id"].(string))
	}
	var got []string
	path := "/api/v1/groups/rules?limit=2"
	for pages := 0; path != ""; pages++ {
		if pages == 3 {
			t.Fatal("more than 3 pages")
		}
		r := e.do("GET", path, nil).must(t, 200)
		got = append(got, r.ids()...)
		path = ""
		if next := r.links()["next"]; next != "" {
			path = strings.TrimPrefix(next, "http://okta.test")
		}
	}
	if !slices.Equal(got, ids) {
		t.Errorf("paged %v, want %v", got, ids)
	}
	if r := e.do("GET", "/api/v1/groups/rules?search=rule%203", nil).must(t, 200); !slices.Equal(r.ids(), ids[3:4]) {
		t.Errorf("search found %v", r.ids())
	}
	r := e.do("GET", "/api/v1/groups/rules?expand=groupIdToGroupNameMap", nil).must(t, 200)
	if r.str("0._embedded.groupIdToGroupNameMap."+g) != "Target" {
		t.Errorf("expand: %s", r.Raw)
	}
	if plain := e.do("GET", "/api/v1/groups/rules/"+ids[0], nil).must(t, 200); plain.has("_embedded") {
		t.Errorf("_embedded without expand: %s", plain.Raw)
	}
}

// TestEveryoneAndAdministrator: every org has its token's owner and the
// built-in group Everyone, which holds every person and cannot be edited.
func TestEveryoneAndAdministrator(t *testing.T) {
	e := newOktaEnv(t)
	me := e.do("GET", "/api/v1/users/me", nil).must(t, 200)
	if me.str("id") != e.adminID() || me.str("status") != StatusActive || me.str("profile.login") != DefaultAdminLogin {
		t.Fatalf("me: %s", me.Raw)
	}
	everyone := e.do("GET", "/api/v1/groups?q=Everyone", nil).must(t, 200)
	if everyone.str("0.id") != e.everyoneID() || everyone.str("0.type") != GroupBuiltIn || everyone.str("0.profile.name") != EveryoneGroup {
		t.Fatalf("Everyone: %s", everyone.Raw)
	}
	u := e.createUser("joe@example.com", "", false)["id"].(string)
	if got := e.members(e.everyoneID()); !slices.Equal(got, []string{e.adminID(), u}) {
		t.Errorf("Everyone holds %v", got)
	}
	ev := "/api/v1/groups/" + e.everyoneID()
	e.do("PUT", ev+"/users/"+u, nil).wantError(t, 403, "E0000006")
	e.do("DELETE", ev+"/users/"+u, nil).wantError(t, 403, "E0000006")
	e.do("DELETE", ev, nil).wantError(t, 403, "E0000006")
	e.do("PUT", ev, map[string]any{"profile": map[string]any{"name": "All"}}).wantError(t, 403, "E0000006")
	e.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "everyone"}}).wantError(t, 400, "E0000001")
	// The token's owner cannot be taken out of service.
	e.do("POST", "/api/v1/users/me/lifecycle/deactivate", nil).wantError(t, 403, "E0000006")
	e.do("POST", "/api/v1/users/"+e.adminID()+"/lifecycle/suspend", nil).wantError(t, 403, "E0000006")
	e.do("DELETE", "/api/v1/users/"+e.adminID(), nil).wantError(t, 403, "E0000006")
	// A deleted person leaves Everyone.
	e.do("DELETE", "/api/v1/users/"+u, nil).must(t, 204)
	e.do("DELETE", "/api/v1/users/"+u, nil).must(t, 204)
	if got := e.members(e.everyoneID()); !slices.Equal(got, []string{e.adminID()}) {
		t.Errorf("Everyone holds %v after the delete", got)
	}
	// A reset org gets them back, with the same ids (the token is theirs).
	if err := e.srv.Model.ResetOrg(e.org.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.do("GET", "/api/v1/users/me", nil).must(t, 200).str("id"); got != e.adminID() {
		t.Errorf("me after reset = %q", got)
	}
	if got := e.members(e.everyoneID()); !slices.Equal(got, []string{e.adminID()}) {
		t.Errorf("Everyone after reset holds %v", got)
	}
}

func TestWellKnownOrganization(t *testing.T) {
	e := newOktaEnv(t)
	for _, auth := range []string{"", "SSWS " + testToken} {
		r := e.doAuth("GET", "/.well-known/okta-organization", nil, auth).must(t, 200)
		if r.str("id") != e.org.ID || r.str("pipeline") != "idx" || r.str("_links.organization.href") != "http://okta.test" {
			t.Errorf("auth %q: %s", auth, r.Raw)
		}
		if r.Header.Get("X-Okta-Request-Id") == "" {
			t.Error("no X-Okta-Request-Id")
		}
	}
	e.doAuth("GET", "/.well-known/okta-organization", nil, "SSWS wrong").wantError(t, 401, "E0000011")
	e.doAuth("POST", "/.well-known/okta-organization", nil, "").wantError(t, 405, "E0000022")
	e.doAuth("GET", "/.well-known/other", nil, "").wantError(t, 404, "E0000008")
}

// TestGroupRuleDrivesProvisioningAndPush: a rule's membership is an
// ordinary one: the group is assigned to the app (the person is
// provisioned) and pushed (the person joins the Atlassian group), as
// the guide's atlassian-test-jira-users group is filled by a rule.
func TestGroupRuleDrivesProvisioningAndPush(t *testing.T) {
	p := newPipeline(t)
	gid := p.must(http.StatusOK, "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "atlassian-test-jira-users"}})["id"].(string)
	p.must(http.StatusOK, "PUT", "/api/v1/apps/"+p.appID+"/groups/"+gid, map[string]any{})
	p.must(http.StatusCreated, "POST", "/api/v1/apps/"+p.appID+"/group-push/mappings", map[string]any{"sourceGroupId": gid, "status": "ACTIVE"})
	rule := p.must(http.StatusOK, "POST", "/api/v1/groups/rules", ruleBody("Jira users", `user.department == "Engineering"`, []string{gid}))
	p.must(http.StatusNoContent, "POST", "/api/v1/groups/rules/"+rule["id"].(string)+"/lifecycle/activate", nil)
	p.idle()

	uid := p.createUser("Ada", "Lovelace", "ada@"+pipeDomain)
	p.must(http.StatusOK, "POST", "/api/v1/users/"+uid, map[string]any{"profile": map[string]any{"department": "Engineering"}})
	p.idle()
	su := p.scimUserByName("ada@" + pipeDomain)
	if su == nil || su["active"] != true {
		t.Fatalf("the rule's member was not provisioned: %v", su)
	}
	if members := p.pushedMembers("atlassian-test-jira-users"); !slices.Contains(members, su["id"].(string)) {
		t.Fatalf("the pushed group lacks the rule's member: %v", members)
	}
	// Leaving the rule: out of the group, so unassigned and deactivated
	// downstream, and out of the pushed group.
	p.must(http.StatusOK, "POST", "/api/v1/users/"+uid, map[string]any{"profile": map[string]any{"department": "Sales"}})
	p.idle()
	if su := p.scimUserByName("ada@" + pipeDomain); su["active"] != false {
		t.Fatalf("still active downstream after leaving the rule: %v", su)
	}
	if members := p.pushedMembers("atlassian-test-jira-users"); slices.Contains(members, su["id"].(string)) {
		t.Fatalf("the pushed group still holds the person: %v", members)
	}
}

// pushedMembers reads the SCIM ids of a group's members at mockatlassian.
func (p *pipeline) pushedMembers(name string) []string {
	p.t.Helper()
	_, list := p.scim("GET", "/Groups?filter="+url.QueryEscape(`displayName eq "`+name+`"`))
	res, _ := list["Resources"].([]any)
	if len(res) != 1 {
		p.t.Fatalf("SCIM filter for group %s found %d: %v", name, len(res), list)
	}
	_, g := p.scim("GET", "/Groups/"+res[0].(map[string]any)["id"].(string))
	var ids []string
	members, _ := g["members"].([]any)
	for _, m := range members {
		ids = append(ids, m.(map[string]any)["value"].(string))
	}
	return ids
}
