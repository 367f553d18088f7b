package mockatlassian

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/saml"
	"github.com/provsim/provsim/internal/store"
)

// TestStoreMatchesModel proves the marks: the store writes only the records
// a mutation marked, so a mutation that forgets one would be lost at the
// next restart. This drives every mutating route and, after each request,
// compares what the store holds (written record by record) with a full
// encode of the model, naming the first record that differs. A new
// mutating route belongs in this workload.
func TestStoreMatchesModel(t *testing.T) {
	for _, mode := range []DeleteMode{DeleteRecord, DeleteDeactivates} {
		t.Run(string(mode), func(t *testing.T) {
			e := newEnv(t, withDataDir(t.TempDir()), func(c *Config) {
				c.Options.DeleteMode = mode
				c.Options.MaxUsersPerDirectory = 8
				c.Options.MaxEventsPerOrg = 20 // the audit log trims, and the store follows
			})
			t.Cleanup(func() { _ = e.srv.Close() })
			step := 0
			do := func(method, path, auth string, body any, want int) resp {
				t.Helper()
				step++
				r := e.call(method, path, auth, body)
				if r.Status != want {
					t.Fatalf("step %d: %s %s: %d %s, want %d", step, method, path, r.Status, r.Raw, want)
				}
				storeMatchesModel(t, fmt.Sprintf("step %d: %s %s", step, method, path), e.srv)
				return r
			}
			dir := "/scim/directory/" + testDir
			auth := "Bearer " + testKey
			patch := func(ops ...map[string]any) map[string]any {
				return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": ops}
			}
			op := func(o, path string, v any) map[string]any {
				m := map[string]any{"op": o, "value": v}
				if path != "" {
					m["path"] = path
				}
				return m
			}
			user := func(email string) string {
				return do("POST", dir+"/Users", auth, userBody(email), http.StatusCreated).str("id")
			}

			ada, grace, ext := user("ada@example.com"), user("grace@example.com"), user("ext@elsewhere.org")
			linus := user("linus@example.com")
			do("PATCH", dir+"/Users/"+ada, auth, patch(op("replace", "displayName", "Countess")), http.StatusOK)
			do("PUT", dir+"/Users/"+grace, auth, userBody("grace@example.com"), http.StatusOK)
			do("PATCH", dir+"/Users/"+grace, auth, patch(op("replace", "", map[string]any{"active": false})), http.StatusOK)
			g := do("POST", dir+"/Groups", auth, map[string]any{"displayName": "jira-users",
				"members": []any{map[string]any{"value": ada}, map[string]any{"value": grace}}}, http.StatusCreated).str("id")
			do("PATCH", dir+"/Groups/"+g, auth, patch(op("add", "members", []any{map[string]any{"value": ext}, map[string]any{"value": linus}})), http.StatusOK)
			do("PATCH", dir+"/Groups/"+g, auth, patch(op("remove", `members[value eq "`+grace+`"]`, nil)), http.StatusOK)
			do("PUT", dir+"/Groups/"+g, auth, map[string]any{"displayName": "jira-users",
				"members": []any{map[string]any{"value": ada}, map[string]any{"value": ext}, map[string]any{"value": linus}}}, http.StatusOK)
			g2 := do("POST", dir+"/Groups", auth, map[string]any{"displayName": "doomed",
				"members": []any{map[string]any{"value": ada}}}, http.StatusCreated).str("id")
			do("PUT", "/_sim/orgs/"+testOrg+"/sites/"+testSite+"/products/jira-software/groups/jira-users", "", nil, http.StatusOK)
			do("PUT", "/_sim/orgs/"+testOrg+"/sites/"+testSite+"/products/confluence/groups/doomed", "", nil, http.StatusOK)
			do("DELETE", dir+"/Groups/"+g2, auth, nil, http.StatusNoContent)
			// Email changes: managed to managed moves the account; to an
			// unverified domain unlinks and strips groups; an external
			// account is unlinked.
			do("PATCH", dir+"/Users/"+ada, auth, patch(op("replace", `emails[primary eq true].value`, "ada2@example.com")), http.StatusOK)
			do("PATCH", dir+"/Users/"+linus, auth, patch(op("replace", `emails[primary eq true].value`, "linus@example.net")), http.StatusOK)
			do("PATCH", dir+"/Users/"+ext, auth, patch(op("replace", `emails[primary eq true].value`, "ext2@elsewhere.org")), http.StatusOK)

			// The control API.
			do("POST", "/_sim/orgs/"+testOrg+"/domains", "", map[string]any{"name": "example.net", "verified": true}, http.StatusCreated)
			do("POST", "/_sim/orgs/"+testOrg+"/sites", "", map[string]any{"name": "beta.atlassian.net", "products": []string{"confluence"}}, http.StatusCreated)
			do("POST", "/_sim/orgs/"+testOrg+"/sites/beta.atlassian.net/products", "", map[string]any{"product": "jira-software"}, http.StatusCreated)
			do("DELETE", "/_sim/orgs/"+testOrg+"/sites/"+testSite+"/products/jira-software/groups/jira-users", "", nil, http.StatusOK)
			do("POST", "/_sim/orgs/"+testOrg+"/accounts", "", map[string]any{"email": "old@example.com", "displayName": "Old"}, http.StatusCreated)
			do("POST", "/_sim/orgs/"+testOrg+"/groups", "", map[string]any{"name": "admins", "members": []string{"old@example.com"}}, http.StatusCreated)
			do("PUT", "/_sim/orgs/"+testOrg+"/groups/admins/default", "", nil, http.StatusOK)
			do("DELETE", "/_sim/orgs/"+testOrg+"/groups/admins/default", "", nil, http.StatusOK)
			// SAML: the configuration, then sign-ins at the ACS: one
			// creates an account just in time, one signs a managed
			// account in (its last-active date).
			idpKey, _ := idpKeys(t)
			cfg := do("PUT", "/_sim/orgs/"+testOrg+"/saml", "", map[string]any{"idpEntityId": testIdPIssuer, "idpSsoUrl": testIdPSSO,
				"certificate": base64.StdEncoding.EncodeToString(idpKey.Cert.Raw)}, http.StatusOK)
			idp := saml.IdP{EntityID: testIdPIssuer, SSOURL: testIdPSSO, Keys: idpKey, Now: e.clock.Now(),
				SP: saml.SP{EntityID: cfg.str("spEntityId"), ACSURL: cfg.str("acsUrl")}}
			for _, email := range []string{"walk-in@example.com", "linus@example.com"} {
				f, err := idp.Respond(httptest.NewRequest("GET", "/", nil), nil, saml.Subject{NameID: email, NameIDFormat: saml.NameIDEmail}, "")
				if err != nil {
					t.Fatal(err)
				}
				step++
				req := httptest.NewRequest("POST", f.URL, strings.NewReader(url.Values{"SAMLResponse": {f.SAMLResponse}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				rec := httptest.NewRecorder()
				e.srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusFound {
					t.Fatalf("step %d: SAML sign-in as %s: %d %s", step, email, rec.Code, rec.Body)
				}
				storeMatchesModel(t, fmt.Sprintf("step %d: SAML sign-in as %s", step, email), e.srv)
			}
			do("POST", "/_sim/orgs/"+testOrg+"/directories", "", map[string]any{"id": "dir-two", "apiKey": "second-key"}, http.StatusCreated)
			do("POST", "/_sim/directories/dir-two/key", "", map[string]any{"apiKey": "third-key"}, http.StatusOK)
			two := do("POST", "/scim/directory/dir-two/Users", "Bearer third-key", userBody("old@example.com"), http.StatusCreated).str("id")
			do("POST", "/_sim/orgs", "", map[string]any{"id": "org-two", "name": "Two", "verifiedDomains": []string{"two.example"}}, http.StatusCreated)
			do("POST", "/_sim/orgs/org-two/directories", "", map[string]any{"id": "dir-of-two", "apiKey": "key-of-two"}, http.StatusCreated)
			do("POST", "/scim/directory/dir-of-two/Users", "Bearer key-of-two", userBody("x@two.example"), http.StatusCreated)

			// The admin API.
			orgAuth := "Bearer " + testOrgKey
			do("PATCH", "/admin/user-provisioning/v1/org/"+testOrg+"/scimDirectoryId/dir-two/scimUserId/"+two+"/unlink", orgAuth, nil, http.StatusNoContent)
			do("PATCH", "/scim/directory/dir-two/Users/"+two, "Bearer third-key", patch(op("replace", "title", "relinked")), http.StatusOK)
			var acct AccountView
			e.control("GET", "/orgs/"+testOrg+"/accounts/old@example.com", nil, &acct)
			do("DELETE", "/admin/user-provisioning/v1/org/"+testOrg+"/user/"+acct.ID+"/onlyDeleteUserInDB", orgAuth, nil, http.StatusNoContent)

			// The Organizations and User management REST APIs (orgapi.go):
			// keys, suspension, removal, profile, lifecycle, tokens,
			// activity, role assignment; each also appends audit events.
			key := do("POST", "/_sim/orgs/"+testOrg+"/api-keys", "", map[string]any{"label": "ci", "apiKey": "ci-key"}, http.StatusCreated).str("id")
			tmp := do("POST", "/_sim/orgs/"+testOrg+"/api-keys", "", map[string]any{"label": "tmp"}, http.StatusCreated).str("id")
			do("DELETE", "/_sim/orgs/"+testOrg+"/api-keys/"+tmp, "", nil, http.StatusNoContent)
			v1, v2 := "/admin/v1/orgs/"+testOrg, "/admin/v2/orgs/"+testOrg
			var countess AccountView
			e.control("GET", "/orgs/"+testOrg+"/accounts/ada2@example.com", nil, &countess)
			do("POST", v1+"/directory/users/"+countess.ID+"/suspend-access", "Bearer ci-key", nil, http.StatusOK)
			do("POST", v2+"/directories/-/users/"+countess.ID+"/restore", "Bearer ci-key", nil, http.StatusNoContent)
			do("POST", "/_sim/orgs/"+testOrg+"/accounts/"+countess.ID+"/activity", "", map[string]any{"site": testSite, "product": "confluence"}, http.StatusOK)
			local := do("POST", "/_sim/orgs/"+testOrg+"/accounts", "", map[string]any{"email": "local@example.com"}, http.StatusCreated).str("accountId")
			do("PATCH", "/users/"+local+"/manage/profile", orgAuth, map[string]any{"nickname": "Lo"}, http.StatusOK)
			do("POST", "/users/"+local+"/manage/lifecycle/disable", orgAuth, nil, http.StatusNoContent)
			do("POST", "/users/"+local+"/manage/lifecycle/enable", orgAuth, nil, http.StatusNoContent)
			tok := do("POST", "/_sim/orgs/"+testOrg+"/accounts/"+local+"/api-tokens", "", map[string]any{"label": "laptop"}, http.StatusCreated).str("id")
			do("DELETE", "/users/"+local+"/manage/api-tokens/"+tok, orgAuth, nil, http.StatusNoContent)
			do("POST", "/_sim/orgs/"+testOrg+"/groups", "", map[string]any{"name": "locals", "members": []string{local}}, http.StatusCreated)
			do("DELETE", v1+"/directory/users/"+local, orgAuth, nil, http.StatusNoContent)
			ws := do("POST", v2+"/workspaces", orgAuth, nil, http.StatusOK).str("data.0.id")
			do("POST", v2+"/directories/"+testDir+"/groups/"+g+"/role-assignments/assign", orgAuth, map[string]string{"resourceId": ws, "roleId": "atlassian/user"}, http.StatusNoContent)
			do("POST", v2+"/directories/"+testDir+"/groups/"+g+"/role-assignments/revoke", orgAuth, map[string]string{"resourceId": ws, "roleId": "atlassian/user"}, http.StatusNoContent)
			do("DELETE", "/_sim/orgs/"+testOrg+"/api-keys/"+key, "", nil, http.StatusNoContent)

			// Deletes (and, in the legacy mode, a revival), then the limit.
			do("DELETE", dir+"/Users/"+grace, auth, nil, http.StatusNoContent)
			if mode == DeleteDeactivates {
				do("POST", dir+"/Users", auth, userBody("grace@example.com"), http.StatusCreated)
			}
			for i := 0; ; i++ {
				r := e.call("GET", dir+"/Users", auth, nil)
				if int(r.num("totalResults")) >= 8 {
					break
				}
				user(fmt.Sprintf("filler%d@example.com", i))
			}
			user("over-the-limit@example.com")

			// Whole-tenant changes: imports, resets.
			doc := do("GET", "/_sim/orgs/org-two/snapshot", "", nil, http.StatusOK)
			do("POST", "/_sim/orgs/org-two/reset", "", nil, http.StatusNoContent)
			do("PUT", "/_sim/orgs/org-two/snapshot", "", doc.Raw, http.StatusOK)
			whole := do("GET", "/_sim/snapshot", "", nil, http.StatusOK)
			do("POST", "/_sim/reset", "", nil, http.StatusNoContent)
			do("PUT", "/_sim/snapshot", "", whole.Raw, http.StatusOK)
			do("POST", "/_sim/orgs/"+testOrg+"/reset", "", nil, http.StatusNoContent)
			user("after-reset@example.com")
		})
	}
}

// storeMatchesModel compares the store with a full encode of the model.
func storeMatchesModel(t *testing.T, when string, srv *Server) {
	t.Helper()
	model, err := srv.Model.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	stored, err := srv.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	describe := func(ts []store.TenantRecords) []string {
		var out []string
		for _, tr := range ts {
			for _, kind := range Schema.Kinds {
				var recs []string
				for _, raw := range tr.Records[kind] {
					recs = append(recs, tr.ID+" "+kind+" "+string(raw))
				}
				// Memberships are sets: the model lists them sorted, the
				// store in the order they were made.
				if kind == kindGroupMember || kind == kindSCIMMember {
					slices.Sort(recs)
				}
				out = append(out, recs...)
			}
		}
		return out
	}
	m, s := describe(model.Orgs), describe(stored)
	if slices.Equal(m, s) {
		return
	}
	for i := range max(len(m), len(s)) {
		var x, y string
		if i < len(m) {
			x = m[i]
		}
		if i < len(s) {
			y = s[i]
		}
		if x != y {
			raw, _ := json.Marshal(map[string]string{"model": x, "store": y})
			t.Fatalf("%s: the store differs from the model at record %d: %s", when, i, raw)
		}
	}
}
