package mockokta

import (
	"net/http"
	"testing"
)

// TestUsernameFormatWaitsForUpdateNow (OKTA-USERNAME-2): saving a new
// application username format rewrites no app user and sends nothing. A
// user whose profile changes afterwards gets the new username (pushed with
// that profile update); everyone else keeps theirs until "Update Now",
// which recalculates and pushes the rest.
func TestUsernameFormatWaitsForUpdateNow(t *testing.T) {
	p := newPipeline(t)
	newUser := func(login, email string) string {
		return p.must(http.StatusOK, "POST", "/api/v1/users?activate=true", map[string]any{
			"profile":     map[string]any{"firstName": "F", "lastName": "L", "login": login, "email": email},
			"credentials": map[string]any{"password": map[string]any{"value": "Kv7J2LEa!x"}}})["id"].(string)
	}
	jane := newUser("jdoe@"+pipeDomain, "jane.doe@"+pipeDomain)
	john := newUser("jsmith@"+pipeDomain, "john.smith@"+pipeDomain)
	for _, uid := range []string{jane, john} {
		p.must(http.StatusOK, "POST", "/api/v1/apps/"+p.appID+"/users", map[string]any{"id": uid, "scope": "USER"})
	}
	p.idle()
	appUserName := func(uid string) any {
		return dig(p.must(http.StatusOK, "GET", "/api/v1/apps/"+p.appID+"/users/"+uid, nil), "credentials.userName")
	}

	p.must(http.StatusOK, "PUT", "/api/v1/apps/"+p.appID, map[string]any{"credentials": map[string]any{
		"userNameTemplate": map[string]any{"template": "${source.email}", "type": "BUILT_IN"}}})
	p.idle()
	for uid, want := range map[string]string{jane: "jdoe@" + pipeDomain, john: "jsmith@" + pipeDomain} {
		if got := appUserName(uid); got != want {
			t.Errorf("after Save, app username %v, want %s unchanged until Update Now", got, want)
		}
		p.scimUserByName(want) // still the old userName downstream
	}

	// John's profile changes: his username follows the new format.
	p.must(http.StatusOK, "POST", "/api/v1/users/"+john, map[string]any{"profile": map[string]any{"title": "Manager"}})
	p.idle()
	if got := appUserName(john); got != "john.smith@"+pipeDomain {
		t.Errorf("after a profile change, John's app username %v", got)
	}
	if su := p.scimUserByName("john.smith@" + pipeDomain); su["title"] != "Manager" {
		t.Errorf("John downstream: %v", su)
	}
	if got := appUserName(jane); got != "jdoe@"+pipeDomain {
		t.Errorf("Jane's app username %v changed without Update Now", got)
	}

	// Update Now: Jane, the one left, is recalculated and pushed.
	if r := p.must(http.StatusOK, "POST", "/_sim/orgs/"+p.orgID+"/apps/"+p.appID+"/update-usernames", nil); r["updated"] != float64(1) {
		t.Errorf("Update Now: %v, want 1 updated", r)
	}
	p.idle()
	if got := appUserName(jane); got != "jane.doe@"+pipeDomain {
		t.Errorf("after Update Now, Jane's app username %v", got)
	}
	p.scimUserByName("jane.doe@" + pipeDomain)
	if r := p.oktaAPI("POST", "/_sim/orgs/"+p.orgID+"/apps/0oanosuchapp/update-usernames", nil); r.Status != http.StatusNotFound {
		t.Errorf("unknown app: %d %s", r.Status, r.Raw)
	}
}
