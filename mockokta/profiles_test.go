package mockokta

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestProfileMappingDrivesEngine: Step 3 set up the way an admin does it
// in the API: a custom attribute in the user schema, the app's mapping of
// the primary email to it and of the title to another attribute, and the
// username format on the app. The SCIM user the engine creates carries
// exactly what the mapping and the format say (OAPI-SCHEMA-1, OAPI-MAP-1).
func TestProfileMappingDrivesEngine(t *testing.T) {
	p := newPipeline(t)
	// A custom attribute: the work address.
	schema := p.must(http.StatusOK, "POST", "/api/v1/meta/schemas/user/default", map[string]any{"definitions": map[string]any{
		"custom": map[string]any{"id": "#custom", "type": "object", "properties": map[string]any{
			"workEmail": map[string]any{"title": "Work email", "type": "string", "scope": "NONE"}}}}})
	if dig(schema, "definitions.custom.properties.workEmail.title") != "Work email" || dig(schema, "definitions.base.properties.login.required") != true {
		t.Fatalf("user schema: %v", schema)
	}
	// The app's mapping, found the way Terraform finds it.
	r := p.oktaAPI("GET", "/api/v1/mappings?sourceId="+defaultUserTypeID+"&targetId="+p.appID, nil)
	var list []map[string]any
	if r.Status != 200 || json.Unmarshal(r.Raw, &list) != nil || len(list) != 1 || list[0]["properties"] != nil {
		t.Fatalf("mappings: %d %s", r.Status, r.Raw)
	}
	mid := list[0]["id"].(string)
	m := p.must(http.StatusOK, "GET", "/api/v1/mappings/"+mid, nil)
	if dig(m, "properties.email.expression") != "user.email" || dig(m, "target.id") != p.appID || dig(m, "source.type") != "user" {
		t.Fatalf("default mapping: %v", m)
	}
	m = p.must(http.StatusOK, "POST", "/api/v1/mappings/"+mid, map[string]any{"properties": map[string]any{
		"email": map[string]any{"expression": "user.workEmail", "pushStatus": "PUSH"},
		"title": map[string]any{"expression": "user.department", "pushStatus": "PUSH"}}})
	if dig(m, "properties.email.expression") != "user.workEmail" || dig(m, "properties.givenName.expression") != "user.firstName" {
		t.Fatalf("updated mapping: %v", m)
	}
	// The application username format, on the app itself.
	app := p.must(http.StatusOK, "PUT", "/api/v1/apps/"+p.appID, map[string]any{"credentials": map[string]any{
		"userNameTemplate": map[string]any{"template": "${source.workEmail}", "type": "CUSTOM", "pushStatus": "PUSH"}}})
	if dig(app, "credentials.userNameTemplate.template") != "${source.workEmail}" {
		t.Fatalf("app: %v", app)
	}

	uid := p.must(http.StatusOK, "POST", "/api/v1/users?activate=true", map[string]any{
		"profile": map[string]any{"firstName": "Jane", "lastName": "Doe", "login": "jdoe@" + pipeDomain, "email": "old.jane@" + pipeDomain,
			"workEmail": "jane.doe@" + pipeDomain, "department": "Research"},
		"credentials": map[string]any{"password": map[string]any{"value": "Kv7J2LEa!x"}}})["id"].(string)
	p.must(http.StatusOK, "POST", "/api/v1/apps/"+p.appID+"/users", map[string]any{"id": uid, "scope": "USER"})
	p.idle()
	su := p.scimUserByName("jane.doe@" + pipeDomain)
	if got := dig(su, "emails.0.value"); got != "jane.doe@"+pipeDomain {
		t.Errorf("primary email sent = %v, want the mapped workEmail", got)
	}
	if su["title"] != "Research" {
		t.Errorf("title sent = %v, want the mapped department", su["title"])
	}

	// What the API refuses, in Okta's envelope.
	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"unknown attribute", map[string]any{"properties": map[string]any{"email": map[string]any{"expression": "user.nope"}}}},
		{"expression reading an unknown attribute", map[string]any{"properties": map[string]any{"email": map[string]any{"expression": `String.toLowerCase(user.nope)`}}}},
		{"expression mockokta does not evaluate", map[string]any{"properties": map[string]any{"title": map[string]any{"expression": `isMemberOfGroupName("x") ? "a" : "b"`}}}},
		{"expression that does not parse", map[string]any{"properties": map[string]any{"title": map[string]any{"expression": `user.title +`}}}},
		{"create only", map[string]any{"properties": map[string]any{"title": map[string]any{"expression": "user.title", "pushStatus": "DONT_PUSH"}}}},
		{"email unmapped", map[string]any{"properties": map[string]any{"email": nil}}},
		{"userName", map[string]any{"properties": map[string]any{"userName": map[string]any{"expression": "user.login"}}}},
		{"not an app attribute", map[string]any{"properties": map[string]any{"shoeSize": map[string]any{"expression": "user.title"}}}},
	} {
		if r := p.oktaAPI("POST", "/api/v1/mappings/"+mid, tc.body); r.Status != 400 || !containsAll(string(r.Raw), `"errorCode":"E0000001"`) {
			t.Errorf("%s: %d %s, want 400 E0000001", tc.name, r.Status, r.Raw)
		}
	}
	if r := p.oktaAPI("GET", "/api/v1/mappings/prmnosuchmapping0001", nil); r.Status != 404 {
		t.Errorf("unknown mapping: %d", r.Status)
	}
	// A mapped custom attribute cannot be removed from the schema.
	if r := p.oktaAPI("POST", "/api/v1/meta/schemas/user/default", map[string]any{"definitions": map[string]any{
		"custom": map[string]any{"properties": map[string]any{"workEmail": nil}}}}); r.Status != 400 {
		t.Errorf("removing a mapped attribute: %d %s", r.Status, r.Raw)
	}
}

// TestProfileMappingExpressions: mapping properties take Okta Expression
// Language (OAPI-MAP-2), as Terraform's okta_profile_mapping writes them:
// the engine sends the computed values, the API shows the expressions as
// written, an edit is pushed when an attribute an expression reads changes
// and not otherwise, and an attribute an expression reads cannot leave the
// schema.
func TestProfileMappingExpressions(t *testing.T) {
	p, wire := goldPipeline(t, goldSetup{})
	p.must(http.StatusOK, "POST", "/api/v1/meta/schemas/user/default", map[string]any{"definitions": map[string]any{
		"custom": map[string]any{"id": "#custom", "type": "object", "properties": map[string]any{
			"team": map[string]any{"title": "Team", "type": "string", "scope": "NONE"}}}}})
	var list []map[string]any
	r := p.oktaAPI("GET", "/api/v1/mappings?sourceId="+defaultUserTypeID+"&targetId="+p.appID, nil)
	if r.Status != http.StatusOK || json.Unmarshal(r.Raw, &list) != nil || len(list) != 1 {
		t.Fatalf("mappings: %d %s", r.Status, r.Raw)
	}
	mid := list[0]["id"].(string)
	exprs := map[string]string{
		"email":       `String.toLowerCase(user.email)`,
		"displayName": `user.lastName + ", " + user.firstName`,
		"title":       `user.team == null ? "Staff" : user.team + " team"`,
	}
	props := map[string]any{}
	for k, e := range exprs {
		props[k] = map[string]any{"expression": e, "pushStatus": "PUSH"}
	}
	m := p.must(http.StatusOK, "POST", "/api/v1/mappings/"+mid, map[string]any{"properties": props})
	for k, e := range exprs {
		if got := dig(m, "properties."+k+".expression"); got != e {
			t.Errorf("%s shown as %v, want %s", k, got, e)
		}
	}
	if got := dig(p.must(http.StatusOK, "GET", "/api/v1/mappings/"+mid, nil), "properties.givenName.expression"); got != "user.firstName" {
		t.Errorf("an untouched property: %v", got)
	}

	uid := p.createUser("Grace", "Hopper", "Grace.Hopper@"+pipeDomain)
	goldAssign(p, p.appID, uid)
	p.idle()
	su := p.scimUserByName("Grace.Hopper@" + pipeDomain)
	if got := dig(su, "emails.0.value"); got != "grace.hopper@"+pipeDomain {
		t.Errorf("primary email sent = %v, want it lower-cased", got)
	}
	if su["displayName"] != "Hopper, Grace" || su["title"] != "Staff" {
		t.Errorf("displayName, title sent = %v, %v", su["displayName"], su["title"])
	}
	sent := func(mark int) string {
		var out []string
		for _, r := range wire.since(mark) {
			out = append(out, r.Method)
		}
		return strings.Join(out, " ")
	}
	// team is read by the title expression: an edit pushes the new title.
	mark := wire.mark()
	p.must(http.StatusOK, "POST", "/api/v1/users/"+uid, map[string]any{"profile": map[string]any{"team": "Compilers"}})
	p.idle()
	if got := sent(mark); !strings.Contains(got, "PUT") {
		t.Errorf("an edit to an attribute an expression reads sent %q, want a PUT", got)
	}
	if su := p.scimUserByName("Grace.Hopper@" + pipeDomain); su["title"] != "Compilers team" {
		t.Errorf("title after the edit = %v", su["title"])
	}
	// Changing the case of the email changes nothing the app receives.
	mark = wire.mark()
	p.must(http.StatusOK, "POST", "/api/v1/users/"+uid, map[string]any{"profile": map[string]any{"email": "GRACE.HOPPER@" + pipeDomain}})
	p.idle()
	if got := sent(mark); got != "" {
		t.Errorf("an edit that leaves every mapped value as it was sent %q", got)
	}
	if r := p.oktaAPI("POST", "/api/v1/meta/schemas/user/default", map[string]any{"definitions": map[string]any{
		"custom": map[string]any{"properties": map[string]any{"team": nil}}}}); r.Status != 400 {
		t.Errorf("removing an attribute an expression reads: %d %s", r.Status, r.Raw)
	}
}

// TestSchemas: the user schema's base attributes are Okta's and fixed;
// custom ones are added, replaced and removed; an app's user schema takes
// custom attributes too (OAPI-SCHEMA-1, OAPI-SCHEMA-2).
func TestSchemas(t *testing.T) {
	e := newOktaEnv(t)
	s := e.do("GET", "/api/v1/meta/schemas/user/default", nil).must(t, 200)
	if s.str("definitions.base.properties.email.format") != "email" || s.str("$schema") != "http://json-schema.org/draft-04/schema#" ||
		len(s.obj()["definitions"].(map[string]any)["custom"].(map[string]any)["properties"].(map[string]any)) != 0 {
		t.Fatalf("user schema: %s", s.Raw)
	}
	add := func(path string, props map[string]any, want int) resp {
		t.Helper()
		return e.do("POST", path, map[string]any{"definitions": map[string]any{"custom": map[string]any{"properties": props}}}).must(t, want)
	}
	add("/api/v1/meta/schemas/user/default", map[string]any{"costCentre": map[string]any{"title": "Cost centre", "type": "string"}}, 200)
	add("/api/v1/meta/schemas/user/default", map[string]any{"costCentre": map[string]any{"title": "Cost centre", "type": "colour"}}, 400)
	add("/api/v1/meta/schemas/user/default", map[string]any{"email": map[string]any{"title": "Mine", "type": "string"}}, 400)
	add("/api/v1/meta/schemas/user/default", map[string]any{"bad name!": map[string]any{"title": "x", "type": "string"}}, 400)
	e.do("POST", "/api/v1/meta/schemas/user/default", map[string]any{"definitions": map[string]any{
		"base": map[string]any{"properties": map[string]any{"title": map[string]any{"title": "Job"}}}}}).wantError(t, 400, "E0000001")
	if got := e.do("GET", "/api/v1/meta/schemas/user/default", nil).must(t, 200).str("definitions.custom.properties.costCentre.title"); got != "Cost centre" {
		t.Errorf("custom attribute = %q", got)
	}
	s = add("/api/v1/meta/schemas/user/default", map[string]any{"costCentre": nil}, 200)
	if s.has("definitions.custom.properties.costCentre") {
		t.Errorf("removed attribute still there: %s", s.Raw)
	}

	app := e.do("POST", "/api/v1/apps", map[string]any{"name": "atlassian", "label": "Atlassian Cloud"}).must(t, 200).str("id")
	as := add("/api/v1/meta/schemas/apps/"+app+"/default", map[string]any{"jobCode": map[string]any{"title": "Job code", "type": "string"}}, 200)
	if as.str("definitions.custom.properties.jobCode.title") != "Job code" || as.str("definitions.base.properties.userName.title") != "Username" {
		t.Errorf("app schema: %s", as.Raw)
	}
	e.do("GET", "/api/v1/meta/schemas/apps/0oanosuchapp/default", nil).wantError(t, 404, "E0000007")
}
