package mockatlassian

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/journal"
)

// TestUnroutedAnswersInTheFamilyOfItsSurface: a path no route matches, or
// a wrong method, is answered in the error format of the API whose prefix
// it falls under, not in a SCIM envelope everywhere.
func TestUnroutedAnswersInTheFamilyOfItsSurface(t *testing.T) {
	e := newEnv(t)
	scimAuth := "Bearer " + testKey
	orgAuth := "Bearer " + testOrgKey
	const (
		scimFamily           = "SCIM error"
		provisioningFamily   = "user provisioning admin API error"
		orgsFamily           = "Organizations API ApplicationErrors"
		userManagementFamily = "user management API error"
		controlFamily        = "control API error"
	)
	for _, tc := range []struct {
		method, path, auth string
		status             int
		family             string
	}{
		{"GET", "/scim/directory/" + testDir + "/Bulk", scimAuth, 404, scimFamily},
		{"DELETE", "/scim/directory/" + testDir + "/Users", scimAuth, 405, scimFamily},
		{"GET", "/admin/user-provisioning/v1/org/" + testOrg + "/nothing-here", orgAuth, 404, provisioningFamily},
		{"GET", "/admin/user-provisioning/v1/org/" + testOrg + "/get-scim-links-for-email", orgAuth, 405, provisioningFamily},
		// Atlassian's other admin APIs (ATL-ORGAPI-3).
		{"GET", "/admin/v1/orgs/" + testOrg + "/no-such-api", orgAuth, 404, orgsFamily},
		{"GET", "/admin/v2/orgs/" + testOrg + "/no-such-api", orgAuth, 404, orgsFamily},
		{"GET", "/users/557058:f5d1b7a4/manage/no-such-api", orgAuth, 404, userManagementFamily},
		{"GET", "/admin/api-access/v1/no-such-api", orgAuth, 404, orgsFamily},
		{"POST", "/admin/v3/orgs", orgAuth, 404, orgsFamily},
		{"GET", "/_sim/no-such-route", "", 404, controlFamily},
		{"DELETE", "/_sim/orgs", "", 405, controlFamily},
		// Anywhere else a SCIM client mistyped its base URL.
		{"GET", "/scim/v2/Users", scimAuth, 404, scimFamily},
		{"GET", "/no-such-path", "", 404, scimFamily},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := e.call(tc.method, tc.path, tc.auth, nil).wantStatus(t, tc.status)
			var family string
			switch {
			case r.Body["schemas"] != nil && r.Body["status"] != nil && r.Body["detail"] != nil:
				family = scimFamily
			case r.Body["error"] != nil && r.Body["traceId"] != nil && len(r.Body) == 2:
				family = provisioningFamily
			case r.str("errors.0.status") == strconv.Itoa(tc.status) && strings.HasPrefix(r.str("errors.0.code"), "ADMIN-"+strconv.Itoa(tc.status)+"-"):
				family = orgsFamily
			case r.Body["key"] != nil && len(r.Body) == 1:
				family = userManagementFamily
			case r.Body["error"] != nil && len(r.Body) == 1:
				family = controlFamily
			}
			if family != tc.family {
				t.Fatalf("answered %s, want a %s", r.Raw, tc.family)
			}
		})
	}
}

// TestUnroutedRequestsAreJournaled: requests that hit no route or a wrong
// method are in the journal with the answer they got, filed under their
// directory; control calls are not journaled.
func TestUnroutedRequestsAreJournaled(t *testing.T) {
	e := newEnv(t)
	e.scim("GET", "/Bulk", nil).wantStatus(t, http.StatusNotFound)
	e.scim("DELETE", "/Users", nil).wantStatus(t, http.StatusMethodNotAllowed)
	e.call("GET", "/admin/no-such-api", "Bearer "+testOrgKey, nil).wantStatus(t, http.StatusNotFound)
	e.call("GET", "/_sim/no-such-route", "", nil).wantStatus(t, http.StatusNotFound)
	got := e.srv.Journal.Entries(journal.Query{})
	want := []struct {
		method, path, tenant string
		status               int
	}{
		{"GET", "/scim/directory/" + testDir + "/Bulk", testDir, 404},
		{"DELETE", "/scim/directory/" + testDir + "/Users", testDir, 405},
		{"GET", "/admin/no-such-api", testOrg, 404},
	}
	if len(got) != len(want) {
		t.Fatalf("journal has %d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Method != w.method || g.Path != w.path || g.Tenant != w.tenant || g.Status != w.status || len(g.ResponseBody) == 0 {
			t.Errorf("entry %d = %s %s tenant %q status %d body %s; want %s %s tenant %q status %d",
				i, g.Method, g.Path, g.Tenant, g.Status, g.ResponseBody, w.method, w.path, w.tenant, w.status)
		}
	}
}
