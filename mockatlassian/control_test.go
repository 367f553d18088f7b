package mockatlassian

import (
	"net/http"
	"strings"
	"testing"
)

// SCIM-DISC-1: ServiceProviderConfig, Schemas, ResourceTypes.
func TestDiscoveryEndpoints(t *testing.T) {
	e := newEnv(t)
	spc := e.scim("GET", "/ServiceProviderConfig", nil).wantStatus(t, http.StatusOK)
	for path, want := range map[string]any{
		"patch.supported": true, "bulk.supported": false, "filter.supported": true, "filter.maxResults": 100.0,
		"changePassword.supported": false, "sort.supported": false, "etag.supported": false,
		"authenticationSchemes.0.type": "oauthbearertoken", "meta.resourceType": "ServiceProviderConfig",
	} {
		if got := dig(spc.Body, path); got != want {
			t.Errorf("ServiceProviderConfig %s = %v, want %v", path, got, want)
		}
	}
	schemas := e.scim("GET", "/Schemas", nil).wantStatus(t, http.StatusOK)
	if schemas.num("totalResults") != 3 {
		t.Fatalf("/Schemas: %s", schemas.Raw)
	}
	for _, urn := range []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"} {
		r := e.scim("GET", "/Schemas/"+urn, nil).wantStatus(t, http.StatusOK)
		if r.str("id") != urn || len(r.Body["attributes"].([]any)) == 0 || r.str("meta.location") == "" {
			t.Errorf("schema %s: %s", urn, r.Raw)
		}
	}
	e.scim("GET", "/Schemas/urn:scim:schemas:extension:atlassian-external:1.0", nil).wantSCIMError(t, http.StatusNotFound, "")
	rts := e.scim("GET", "/ResourceTypes", nil).wantStatus(t, http.StatusOK)
	if rts.num("totalResults") != 2 || rts.str("Resources.0.endpoint") != "/Users" || rts.str("Resources.1.endpoint") != "/Groups" {
		t.Fatalf("/ResourceTypes: %s", rts.Raw)
	}
	for _, name := range []string{"User", "Group"} {
		if r := e.scim("GET", "/ResourceTypes/"+name, nil).wantStatus(t, http.StatusOK); r.str("name") != name {
			t.Errorf("ResourceType %s: %s", name, r.Raw)
		}
	}
	// No empty-string URIs or values anywhere (Entra's schema discovery).
	for _, r := range []resp{spc, schemas, rts} {
		if strings.Contains(string(r.Raw), `""`) {
			t.Errorf("empty string in %s", r.Raw)
		}
	}
	// Discovery needs the key too.
	e.call("GET", "/scim/directory/"+testDir+"/ServiceProviderConfig", "", nil).wantStatus(t, http.StatusUnauthorized)
}

// ATL-LINK-1: links, unlink, onlyDeleteUserInDB.
func TestAdminAPIs(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("ada@example.com")
	aaid := e.account("ada@example.com").ID
	base := "/admin/user-provisioning/v1/org/" + testOrg
	auth := "Bearer " + testOrgKey

	r := e.call("GET", base+"/user/"+aaid+"/get-scim-links", auth, nil).wantStatus(t, http.StatusOK)
	if r.str("scimLinks.0.scimUserId") != id || r.str("scimLinks.0.atlassianAccountId") != aaid ||
		r.str("scimLinks.0.orgId") != testOrg || r.str("scimLinks.0.directoryId") != testDir {
		t.Fatalf("get-scim-links: %s", r.Raw)
	}
	r = e.call("POST", base+"/get-scim-links-for-email", auth, map[string]any{"email": "ADA@example.com"}).wantStatus(t, http.StatusOK)
	if r.str("scimLinks.0.scimUserId") != id {
		t.Fatalf("get-scim-links-for-email: %s", r.Raw)
	}
	// The directory key is not an org key.
	e.call("GET", base+"/user/"+aaid+"/get-scim-links", "Bearer "+testKey, nil).wantStatus(t, http.StatusForbidden)

	e.call("PATCH", base+"/scimDirectoryId/"+testDir+"/scimUserId/"+id+"/unlink", auth, nil).wantStatus(t, http.StatusNoContent)
	r = e.call("POST", base+"/get-scim-links-for-email", auth, map[string]any{"email": "ada@example.com"}).wantStatus(t, http.StatusOK)
	if !strings.Contains(string(r.Raw), `"atlassianAccountId":null`) {
		t.Fatalf("unlinked record should show a null account: %s", r.Raw)
	}
	if u := e.scim("GET", "/Users/"+id, nil); u.str("urn:scim:schemas:extension:atlassian-external:1.0.atlassianAccountId") != "" {
		t.Fatalf("still linked: %s", u.Raw)
	}
	// The next sync relinks by email, to the same account.
	u := e.scim("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "x"}}}).wantStatus(t, http.StatusOK)
	if got := u.str("urn:scim:schemas:extension:atlassian-external:1.0.atlassianAccountId"); got != aaid {
		t.Fatalf("relinked to %q, want %q", got, aaid)
	}

	e.call("DELETE", base+"/user/"+aaid+"/onlyDeleteUserInDB", auth, nil).wantStatus(t, http.StatusNoContent)
	e.scim("GET", "/Users/"+id, nil).wantSCIMError(t, http.StatusNotFound, "")
	if a := e.account(aaid); a.Status != "active" || len(a.SCIMLinks) != 0 {
		t.Fatalf("account after onlyDeleteUserInDB = %+v, want active and unlinked", a)
	}
}

func TestKeyRegeneration(t *testing.T) {
	e := newEnv(t)
	e.scim("GET", "/Users", nil).wantStatus(t, http.StatusOK)
	var out map[string]string
	if st := e.control("POST", "/directories/"+testDir+"/key", nil, &out); st != http.StatusOK || len(out["apiKey"]) < 32 {
		t.Fatalf("regenerate: %d %v", st, out)
	}
	e.scim("GET", "/Users", nil).wantStatus(t, http.StatusForbidden)
	e.key = out["apiKey"]
	e.scim("GET", "/Users", nil).wantStatus(t, http.StatusOK)
}

func TestJournal(t *testing.T) {
	e := newEnv(t)
	e.createUser("j@example.com")
	e.call("GET", "/scim/directory/"+testDir+"/Users", "Bearer wrong-secret", nil)
	var j struct {
		Entries []struct {
			Method, Path, Auth, Tenant string
			Status                     int
			RequestBody                map[string]any
		}
	}
	e.control("GET", "/journal?directory="+testDir, nil, &j)
	if len(j.Entries) != 2 {
		t.Fatalf("%d entries, want 2: %+v", len(j.Entries), j.Entries)
	}
	if j.Entries[0].Method != "POST" || j.Entries[0].Status != 201 || j.Entries[0].RequestBody["userName"] != "j@example.com" || j.Entries[0].Tenant != testDir {
		t.Fatalf("entry 0 = %+v", j.Entries[0])
	}
	if j.Entries[0].Auth != "Bearer [redacted]" || j.Entries[1].Status != 403 {
		t.Fatalf("entries = %+v", j.Entries)
	}
	raw := e.call("GET", "/_sim/journal", "", nil).Raw
	for _, secret := range []string{testKey, "wrong-secret"} {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("journal leaks a key: %s", raw)
		}
	}
	e.control("DELETE", "/journal", nil, nil)
	e.control("GET", "/journal", nil, &j)
	if len(j.Entries) != 0 {
		t.Fatalf("journal not cleared: %+v", j.Entries)
	}
}

func TestResetOrg(t *testing.T) {
	e := newEnv(t)
	e.createUser("r@example.com")
	e.createGroup("g")
	if st := e.control("POST", "/orgs/"+testOrg+"/reset", nil, nil); st != http.StatusNoContent {
		t.Fatalf("reset: %d", st)
	}
	if r := e.scim("GET", "/Users", nil).wantStatus(t, http.StatusOK); r.num("totalResults") != 0 {
		t.Fatalf("users after reset: %s", r.Raw)
	}
	if n := len(e.accounts()); n != 0 {
		t.Fatalf("%d accounts after reset", n)
	}
	// The key survives, and so does the org after a whole-server reset.
	e.control("POST", "/orgs", map[string]any{"id": "temp"}, nil)
	e.control("POST", "/reset", nil, nil)
	var orgs []OrgView
	e.control("GET", "/orgs", nil, &orgs)
	if len(orgs) != 1 || orgs[0].ID != testOrg {
		t.Fatalf("orgs after reset = %+v", orgs)
	}
	e.createUser("again@example.com")
}

func TestHealth(t *testing.T) {
	e := newEnv(t)
	if st := e.control("GET", "/health", nil, nil); st != http.StatusOK {
		t.Fatalf("health: %d", st)
	}
}
