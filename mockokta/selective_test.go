package mockokta

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestOutboundUnmappedAttributeSendsNothing (OKTA-USERNAME-2): Okta's
// profile push is selective. An edit to Okta attributes that neither the
// app's profile mapping nor its username format reads sends nothing to the
// SCIM server (recorded in front of it) and leaves the app user as it was;
// once a mapping reads the attribute, the same kind of edit is pushed.
func TestOutboundUnmappedAttributeSendsNothing(t *testing.T) {
	p, wire := goldPipeline(t, goldSetup{})
	uid := p.createUser("Una", "Mapped", "una.mapped@example.com")
	goldAssign(p, p.appID, uid)
	p.idle()
	before := goldAppUser(p, p.appID, uid)
	requests := func(mark int) string {
		var out []string
		for _, r := range wire.since(mark) {
			out = append(out, r.Method+" "+r.Path)
		}
		return strings.Join(out, ", ")
	}

	mark := wire.mark()
	p.must(http.StatusOK, "POST", "/api/v1/users/"+uid, map[string]any{"profile": map[string]any{
		"nickName": "Unie", "mobilePhone": "+1 555 0100", "secondEmail": "una@home.example", "costCenter": "CC-7"}})
	p.idle()
	if got := requests(mark); got != "" {
		t.Errorf("an edit to unmapped attributes sent %s, want nothing", got)
	}
	after := goldAppUser(p, p.appID, uid)
	for _, k := range []string{"lastUpdated", "syncState", "lastSync"} {
		if after[k] != before[k] {
			t.Errorf("app user %s changed from %v to %v on an unmapped edit", k, before[k], after[k])
		}
	}

	// A mapped attribute is pushed: GET then PUT of the user.
	mark = wire.mark()
	p.must(http.StatusOK, "POST", "/api/v1/users/"+uid, map[string]any{"profile": map[string]any{"title": "Engineer"}})
	p.idle()
	if got := requests(mark); !strings.HasPrefix(got, "GET /scim/") || !strings.Contains(got, ", PUT /scim/") {
		t.Errorf("an edit to a mapped attribute sent %q, want GET then PUT", got)
	}

	// Map title from nickName: now a nickName edit is a mapped one.
	var maps []map[string]any
	r := p.oktaAPI("GET", "/api/v1/mappings?sourceId="+defaultUserTypeID+"&targetId="+p.appID, nil)
	if r.Status != http.StatusOK || json.Unmarshal(r.Raw, &maps) != nil || len(maps) != 1 {
		t.Fatalf("mappings: %d %s", r.Status, r.Raw)
	}
	p.must(http.StatusOK, "POST", "/api/v1/mappings/"+maps[0]["id"].(string), map[string]any{"properties": map[string]any{
		"title": map[string]any{"expression": "user.nickName", "pushStatus": "PUSH"}}})
	p.idle()
	mark = wire.mark()
	p.must(http.StatusOK, "POST", "/api/v1/users/"+uid, map[string]any{"profile": map[string]any{"nickName": "Una M."}})
	p.idle()
	if got := requests(mark); !strings.Contains(got, "PUT /scim/") {
		t.Errorf("an edit to an attribute the mapping now reads sent %q, want a PUT", got)
	}
	if su := p.scimUserByName("una.mapped@example.com"); su["title"] != "Una M." {
		t.Errorf("title downstream = %v, want the mapped nickName", su["title"])
	}
}
