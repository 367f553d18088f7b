package conformance

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/provsim/provsim/internal/scim"
)

// The atlassian profile: behaviours of Atlassian's SCIM user-provisioning
// directory that its clients (Okta's Atlassian Cloud app, Entra, admin
// scripts) rely on, as docs/fidelity.md lists them under SCIM-. A server
// that stands in for Atlassian's directory should pass it. Checks that rest
// on a guess (the entry says so) are optional: their failures are
// warnings. Each check makes its own users and groups.

const fidelitySource = "docs/fidelity.md "

type atlassianCheck struct {
	id, name string
	optional bool
	expect   string
	fidelity []string
	fn       func(k *checker, c *apiClient)
}

func (r *run) atlassian() *ProfileResult {
	res := &ProfileResult{Profile: ProfileAtlassian, Title: "Atlassian SCIM directory",
		Source: "the SCIM- entries of docs/fidelity.md: what Atlassian's directory does and its clients rely on"}
	for _, ac := range r.atlassianChecks() {
		c := r.client(partProfile)
		res.Checks = append(res.Checks, r.check(&Check{ID: "atlassian/" + ac.id, Name: ac.name, Optional: ac.optional,
			Source: fidelitySource + strings.Join(ac.fidelity, ", "), Expect: ac.expect, Fidelity: ac.fidelity},
			func(k *checker) { ac.fn(k, c) }))
	}
	return res
}

// person is a new user's body, with a fresh email.
func (r *run) person() map[string]any {
	given, family, email := r.randomPerson()
	return newUser(strings.ToLower(email), given, family)
}

// create POSTs a resource the check needs and returns its id ("" and a
// failure when the server refused).
func (k *checker) create(c *apiClient, kind string, body map[string]any) string {
	resp := c.sendJSON(http.MethodPost, "/"+kind, body)
	id, _ := asMap(resp.Body)["id"].(string)
	if resp.Status != http.StatusCreated || id == "" {
		k.fail("create a "+singular(kind)+" the check needs (POST /"+kind+")", "201 with an id", statusText(resp))
		return ""
	}
	return id
}

// scimError asserts a SCIM error answer (SCIM-ERR-1): the status, the
// Error URN, status as a string, a detail, and scimType when given.
func (a *asserter) scimError(status int, scimType string) {
	if !a.status(status) {
		return
	}
	a.hasValue("schemas", scim.ErrorSchema)
	if v, ok := a.prop("status"); v != strconv.Itoa(status) {
		a.k.fail("status", strconv.Quote(strconv.Itoa(status))+" (a string)", a.found(v, ok))
	}
	a.notEmpty("detail")
	if scimType != "" {
		a.equal("scimType", scimType)
	}
}

// patchOp is a PatchOp body.
func patchOp(ops ...map[string]any) map[string]any {
	return map[string]any{"schemas": []string{scim.PatchOpSchema}, "Operations": ops}
}

func op(kind, path string, value any) map[string]any {
	o := map[string]any{"op": kind}
	if path != "" {
		o["path"] = path
	}
	if value != nil {
		o["value"] = value
	}
	return o
}

var lowerUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// hasNull reports the path of a null anywhere in v.
func hasNull(v any, path string) string {
	switch x := v.(type) {
	case nil:
		return path
	case map[string]any:
		for k, e := range x {
			if p := hasNull(e, path+"."+k); p != "" {
				return p
			}
		}
	case []any:
		for i, e := range x {
			if p := hasNull(e, fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	}
	return ""
}

func mediaType(h http.Header) string {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt
}

// memberIDs are the values of a group's members.
func memberIDs(group any) []string {
	var out []string
	for _, m := range asList(asMap(group)["members"]) {
		if v, ok := asMap(m)["value"].(string); ok {
			out = append(out, v)
		}
	}
	return out
}

func sameIDs(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]bool{}
	for _, g := range got {
		seen[g] = true
	}
	for _, w := range want {
		if !seen[w] {
			return false
		}
	}
	return true
}

func (r *run) atlassianChecks() []atlassianCheck {
	return []atlassianCheck{
		{id: "content-types", name: "Requests in application/scim+json and application/json",
			expect: "Atlassian accepts both media types and answers application/scim+json when the request asks for " +
				"it. Okta sends Content-Type: application/scim+json; charset=utf-8 and Accept: application/scim+json: " +
				"a server that refuses them never sees Okta's requests.",
			fidelity: []string{"SCIM-WIRE-2", "OKTA-WIRE-1"},
			fn: func(k *checker, c *apiClient) {
				for _, ct := range []string{"application/scim+json; charset=utf-8", "application/json"} {
					body := mustJSON(r.person())
					resp := c.send(http.MethodPost, "/Users", map[string]string{"Content-Type": ct, "Accept": "application/scim+json",
						"Authorization": c.auth}, body)
					a := k.on(resp)
					if !a.status(201) {
						continue
					}
					if mt := mediaType(resp.Header); mt != "application/scim+json" {
						k.fail("Content-Type of the answer to a request with Accept: application/scim+json", "application/scim+json", resp.Header.Get("Content-Type"))
					}
				}
			}},

		{id: "user-representation", name: "A user as Atlassian returns it",
			expect: "User answers carry schemas [atlassian-external, core User, enterprise User] in that order, a " +
				"lowercase UUID id, groups (an empty array when the user is in none), meta with resourceType \"User\", " +
				"created, lastModified and a location ending in /Users/{id}; attributes without a value are left out, " +
				"never null.",
			fidelity: []string{"SCIM-USER-1", "SCIM-USER-2", "SCIM-GROUP-6"},
			fn: func(k *checker, c *apiClient) {
				id := k.create(c, "Users", r.person())
				if id == "" {
					return
				}
				resp := c.send(http.MethodGet, "/Users/"+id, nil, nil)
				a := k.on(resp)
				if !a.status(200) {
					return
				}
				want := []any{scim.AtlassianExternalSchema, scim.UserSchema, scim.EnterpriseUserSchema}
				if got, ok := a.prop("schemas"); show(got, ok) != show(want, true) {
					k.fail("schemas", show(want, true), a.found(got, ok))
				}
				if !lowerUUID.MatchString(id) {
					k.fail("id", "a lowercase UUID", id)
				}
				if g, ok := a.prop("groups"); !ok || g == nil || asList(g) == nil && show(g, ok) != "[]" {
					k.fail("groups", "an array ([] for no groups)", a.found(g, ok))
				}
				a.equal("meta.resourceType", "User")
				a.notEmpty("meta.created")
				a.notEmpty("meta.lastModified")
				if loc, _ := a.prop("meta.location"); !strings.HasSuffix(fmt.Sprint(loc), "/Users/"+id) {
					k.fail("meta.location", "a URL ending in /Users/"+id, a.found(a.prop("meta.location")))
				}
				if p := hasNull(resp.Body, ""); p != "" {
					k.fail("no null values", "attributes without a value left out", "null at "+strings.TrimPrefix(p, "."))
				}
			}},

		{id: "user-required", name: "userName and one primary email are required",
			expect:   "A user needs userName and emails, one of them primary: true; a user without is a 400 SCIM error.",
			fidelity: []string{"SCIM-USER-3", "SCIM-ERR-1"},
			fn: func(k *checker, c *apiClient) {
				noEmails := r.person()
				delete(noEmails, "emails")
				k.on(c.sendJSON(http.MethodPost, "/Users", noEmails)).scimError(400, "")
				noUserName := r.person()
				delete(noUserName, "userName")
				k.on(c.sendJSON(http.MethodPost, "/Users", noUserName)).scimError(400, "")
				noPrimary := r.person()
				noPrimary["emails"] = []map[string]any{{"value": noPrimary["userName"], "type": "work"}}
				k.on(c.sendJSON(http.MethodPost, "/Users", noPrimary)).scimError(400, "")
			}},

		{id: "error-envelope", name: "Errors are SCIM errors with a string status",
			expect: "Atlassian's errors are {\"schemas\":[Error URN],\"status\":\"404\",\"scimType\":…,\"detail\":…} with " +
				"status a string; Okta shows the detail to the admin.",
			fidelity: []string{"SCIM-ERR-1", "SCIM-ERR-3"},
			fn: func(k *checker, c *apiClient) {
				k.on(c.send(http.MethodGet, "/Users/"+r.uuid(), nil, nil)).scimError(404, "")
				k.on(c.send(http.MethodGet, "/Groups/"+r.uuid(), nil, nil)).scimError(404, "")
			}},

		{id: "email-unique", name: "An email belongs to one user",
			expect: "A second user with another userName but an email the directory holds is 409 uniqueness " +
				"(\"Resource [USER]: with email[…] already exists.\"): Atlassian links users to accounts by email.",
			fidelity: []string{"SCIM-ERR-2", "ATL-ACCOUNT-1"},
			fn: func(k *checker, c *apiClient) {
				first := r.person()
				if k.create(c, "Users", first) == "" {
					return
				}
				second := r.person()
				second["emails"] = first["emails"]
				a := k.on(c.sendJSON(http.MethodPost, "/Users", second))
				a.scimError(409, "uniqueness")
			}},

		{id: "filters", name: "Only single eq filters on userName, externalId and displayName",
			expect: "GET /Users filters on userName or externalId and GET /Groups on displayName, with eq only; any " +
				"other filter (another attribute, and/or, co, sw, pr) is 400 invalidFilter. Okta filters " +
				"userName eq before every create and displayName eq to find a group.",
			fidelity: []string{"SCIM-FILTER-1", "OKTA-CREATE-1", "OKTA-PUSH-10"},
			fn: func(k *checker, c *apiClient) {
				p := r.person()
				ext := "ext-" + r.pick(lowerLetters+digits, 10)
				p["externalId"] = ext
				id := k.create(c, "Users", p)
				gname := "Conformance " + r.pick(lowerLetters, 10)
				gid := k.create(c, "Groups", map[string]any{"schemas": []string{scim.GroupSchema}, "displayName": gname, "members": []any{}})
				if id == "" || gid == "" {
					return
				}
				for _, f := range []struct{ path, id string }{
					{filterPath("userName", p["userName"].(string)), id},
					{filterPath("externalId", ext), id},
					{"/Groups?filter=" + url.PathEscape(`displayName eq "`+gname+`"`), gid},
				} {
					a := k.on(c.send(http.MethodGet, f.path, nil, nil))
					if a.status(200) && a.equalNumber("totalResults", 1) {
						a.equal("Resources[0].id", f.id)
					}
				}
				for _, bad := range []string{`name.givenName eq "x"`, `userName co "x"`, `userName sw "x"`, `userName pr`,
					`userName eq "a@x" or userName eq "b@x"`} {
					k.on(c.send(http.MethodGet, "/Users?filter="+url.PathEscape(bad), nil, nil)).scimError(400, "invalidFilter")
				}
			}},

		{id: "filter-externalid-exact", name: "externalId filters are case-exact",
			expect:   "externalId is caseExact: a filter with the value in another case finds nobody.",
			fidelity: []string{"SCIM-FILTER-2", "SCIM-USER-5"},
			fn: func(k *checker, c *apiClient) {
				p := r.person()
				ext := "Ext-" + r.pick(upperLetters, 5) + r.pick(lowerLetters, 5)
				p["externalId"] = ext
				if k.create(c, "Users", p) == "" {
					return
				}
				a := k.on(c.send(http.MethodGet, filterPath("externalId", strings.ToLower(ext)), nil, nil))
				if a.status(200) {
					a.equalNumber("totalResults", 0)
				}
			}},

		{id: "filter-username-case", name: "userName filters ignore case", optional: true,
			expect: "userName matches case-insensitively (RFC 7643 makes it caseExact false; Atlassian does not say, so " +
				"this rests on a guess). Okta's SPEC test sends the userName upper-cased.",
			fidelity: []string{"SCIM-FILTER-2", "OKTA-SUITE-1"},
			fn: func(k *checker, c *apiClient) {
				p := r.person()
				id := k.create(c, "Users", p)
				if id == "" {
					return
				}
				a := k.on(c.send(http.MethodGet, filterPath("userName", strings.ToUpper(p["userName"].(string))), nil, nil))
				if a.status(200) && a.equalNumber("totalResults", 1) {
					a.equal("Resources[0].id", id)
				}
			}},

		{id: "paging", name: "Paging with startIndex and count",
			expect: "Lists page with a 1-based startIndex and count (at most 100): the answer says startIndex, " +
				"itemsPerPage (the number of Resources) and totalResults as JSON numbers. Okta imports 100 at a time " +
				"from startIndex 1, 101, … until totalResults and relies on a stable order.",
			fidelity: []string{"SCIM-PAGE-1", "OKTA-IMPORT-1"},
			fn: func(k *checker, c *apiClient) {
				for range 3 {
					if k.create(c, "Users", r.person()) == "" {
						return
					}
				}
				page := func(start, count int) (ids []string, ok bool) {
					a := k.on(c.send(http.MethodGet, fmt.Sprintf("/Users?startIndex=%d&count=%d", start, count), nil, nil))
					if !a.status(200) {
						return nil, false
					}
					ok = a.equalNumber("startIndex", float64(start))
					res := asList(asMap(a.r.Body)["Resources"])
					ok = a.equalNumber("itemsPerPage", float64(len(res))) && ok
					if total, _ := asMap(a.r.Body)["totalResults"].(float64); total < 3 || !a.isANumber("totalResults") {
						k.fail("totalResults", "a number, at least 3 (the users this check made)", a.found(a.prop("totalResults")))
						ok = false
					}
					if len(res) > count {
						k.fail(fmt.Sprintf("Resources with count=%d", count), fmt.Sprintf("at most %d", count), len(res))
						ok = false
					}
					for _, u := range res {
						ids = append(ids, fmt.Sprint(asMap(u)["id"]))
					}
					return ids, ok
				}
				three, ok := page(1, 3)
				if !ok || len(three) != 3 {
					k.fail("Resources with startIndex=1&count=3", "3 users", len(three))
					return
				}
				for i := range 3 {
					one, ok := page(i+1, 1)
					if ok && (len(one) != 1 || one[0] != three[i]) {
						k.fail(fmt.Sprintf("GET /Users?startIndex=%d&count=1", i+1), "user "+three[i]+" (as in startIndex=1&count=3)", one)
					}
				}
				a := k.on(c.send(http.MethodGet, "/Users?startIndex=1&count=1000", nil, nil))
				if a.status(200) {
					if n, _ := asMap(a.r.Body)["itemsPerPage"].(float64); n > 100 || len(asList(asMap(a.r.Body)["Resources"])) > 100 {
						k.fail("itemsPerPage with count=1000", "at most 100", a.found(a.prop("itemsPerPage")))
					}
				}
			}},

		{id: "patch-spellings", name: "PATCH accepts \"operations\", ops in any case and Entra's string booleans",
			expect: "PATCH takes the operations under Operations (Okta, Entra) or operations (Atlassian's OpenAPI model, " +
				"jira.js, go-atlassian), op in any case, and booleans as strings (Entra sends {\"op\":\"Replace\"," +
				"\"path\":\"active\",\"value\":\"False\"}).",
			fidelity: []string{"SCIM-PATCH-1", "SCIM-PATCH-5"},
			fn: func(k *checker, c *apiClient) {
				id := k.create(c, "Users", r.person())
				if id == "" {
					return
				}
				name := "Renamed " + r.pick(lowerLetters, 6)
				a := k.on(c.sendJSON(http.MethodPatch, "/Users/"+id, map[string]any{"schemas": []string{scim.PatchOpSchema},
					"operations": []any{map[string]any{"op": "Replace", "path": "displayName", "value": name}}}))
				if a.status(200, 204) {
					k.on(c.send(http.MethodGet, "/Users/"+id, nil, nil)).equal("displayName", name)
				}
				a = k.on(c.sendJSON(http.MethodPatch, "/Users/"+id, patchOp(op("Replace", "active", "False"))))
				if a.status(200, 204) {
					k.on(c.send(http.MethodGet, "/Users/"+id, nil, nil)).equal("active", "false")
				}
			}},

		{id: "user-patch", name: "User PATCH as Okta and Entra send it",
			expect: "User PATCH takes replace with a path (displayName, name.givenName, title, emails[type eq \"work\"].value, " +
				"the enterprise department) and replace without a path whose value is an object, as Okta sends.",
			fidelity: []string{"SCIM-PATCH-2", "SCIM-PATCH-4"},
			fn: func(k *checker, c *apiClient) {
				p := r.person()
				id := k.create(c, "Users", p)
				if id == "" {
					return
				}
				email := "changed." + p["userName"].(string)
				a := k.on(c.sendJSON(http.MethodPatch, "/Users/"+id, patchOp(
					op("replace", "name.givenName", "Patched"),
					op("replace", "title", "Tester"),
					op("replace", `emails[type eq "work"].value`, email),
					op("replace", scim.EnterpriseUserSchema+":department", "Quality"),
					op("replace", "", map[string]any{"displayName": "Patched Person"}))))
				if !a.status(200, 204) {
					return
				}
				g := k.on(c.send(http.MethodGet, "/Users/"+id, nil, nil))
				if g.status(200) {
					g.equal("name.givenName", "Patched")
					g.equal("title", "Tester")
					g.equal("emails[0].value", email)
					g.equal(scim.EnterpriseUserSchema+".department", "Quality")
					g.equal("displayName", "Patched Person")
				}
			}},

		{id: "user-deactivation", name: "Deactivation three ways; the user stays readable",
			expect: "active:false by PATCH with a path, by Okta's path-less PATCH {\"op\":\"replace\",\"value\":{\"active\":false}} " +
				"and by PUT deactivates; the user stays readable and listed with active false, and active:true " +
				"reactivates. Okta never deletes a user: this is how it deprovisions.",
			fidelity: []string{"SCIM-USER-6", "OKTA-DEACT-2", "OKTA-REACT-1"},
			fn: func(k *checker, c *apiClient) {
				p := r.person()
				id := k.create(c, "Users", p)
				if id == "" {
					return
				}
				expectActive := func(how string, want bool) {
					g := k.on(c.send(http.MethodGet, "/Users/"+id, nil, nil))
					if g.status(200) {
						if v, ok := g.prop("active"); v != want {
							k.fail("active after "+how, strconv.FormatBool(want), g.found(v, ok))
						}
					}
				}
				set := func(how string, body map[string]any, want bool) {
					if k.on(c.sendJSON(http.MethodPatch, "/Users/"+id, body)).status(200, 204) {
						expectActive(how, want)
					}
				}
				set("PATCH path active", patchOp(op("replace", "active", false)), false)
				l := k.on(c.send(http.MethodGet, filterPath("userName", p["userName"].(string)), nil, nil))
				if l.status(200) && l.equalNumber("totalResults", 1) {
					l.equal("Resources[0].active", "false")
				}
				set("Okta's reactivation PATCH", patchOp(op("replace", "", map[string]any{"active": true})), true)
				set("Okta's deactivation PATCH", patchOp(op("replace", "", map[string]any{"active": false})), false)
				set("PATCH path active true", patchOp(op("replace", "active", true)), true)
				// Wizard-built Okta apps: GET, then PUT it back with active false.
				g := c.send(http.MethodGet, "/Users/"+id, nil, nil)
				if u := asMap(g.Body); g.Status == 200 && u != nil {
					u["active"] = false
					if k.on(c.sendJSON(http.MethodPut, "/Users/"+id, u)).status(200) {
						expectActive("PUT with active false", false)
					}
				}
			}},

		{id: "user-put", name: "PUT replaces the user; read-only attributes echoed back are ignored",
			expect: "PUT replaces: attributes left out are cleared; id, meta, groups and schemas sent back are ignored. " +
				"Okta's profile push is exactly that: GET, then PUT of the server's own representation with the mapped " +
				"attributes changed.",
			fidelity: []string{"SCIM-USER-4", "OKTA-UPDATE-1"},
			fn: func(k *checker, c *apiClient) {
				p := r.person()
				p["title"] = "Before"
				id := k.create(c, "Users", p)
				if id == "" {
					return
				}
				g := k.on(c.send(http.MethodGet, "/Users/"+id, nil, nil))
				u := asMap(g.r.Body)
				if !g.status(200) || u == nil {
					return
				}
				delete(u, "title")
				name := asMap(u["name"])
				if name == nil {
					name = map[string]any{}
					u["name"] = name
				}
				name["givenName"] = "Replaced"
				if !k.on(c.sendJSON(http.MethodPut, "/Users/"+id, u)).status(200) {
					return
				}
				after := k.on(c.send(http.MethodGet, "/Users/"+id, nil, nil))
				if after.status(200) {
					after.equal("id", id)
					after.equal("name.givenName", "Replaced")
					if v, ok := after.prop("title"); ok {
						k.fail("title after a PUT without it", "(missing): PUT replaces", show(v, ok))
					}
				}
				noName := map[string]any{"schemas": []string{scim.UserSchema}, "emails": p["emails"]}
				k.on(c.sendJSON(http.MethodPut, "/Users/"+id, noName)).scimError(400, "")
			}},

		{id: "user-delete", name: "DELETE removes the user",
			expect: "DELETE /Users/{id} answers 204, after which the id is 404 (both in the current semantics and the " +
				"2022–2023 one). Okta never sends it, admin scripts do.",
			fidelity: []string{"SCIM-USER-7"},
			fn: func(k *checker, c *apiClient) {
				id := k.create(c, "Users", r.person())
				if id == "" {
					return
				}
				if k.on(c.send(http.MethodDelete, "/Users/"+id, nil, nil)).status(204) {
					k.on(c.send(http.MethodGet, "/Users/"+id, nil, nil)).scimError(404, "")
				}
			}},

		{id: "group-name-unique", name: "Group names are unique",
			expect: "A second group with a displayName the organization holds is 409 uniqueness (\"Resource [GROUP]: " +
				"with displayName already exists.\"); Okta's group push then shows that error.",
			fidelity: []string{"SCIM-GROUP-1", "OKTA-PUSH-3"},
			fn: func(k *checker, c *apiClient) {
				g := map[string]any{"schemas": []string{scim.GroupSchema}, "displayName": "Conformance " + r.pick(lowerLetters, 10), "members": []any{}}
				if k.create(c, "Groups", g) == "" {
					return
				}
				k.on(c.sendJSON(http.MethodPost, "/Groups", g)).scimError(409, "uniqueness")
			}},

		{id: "group-members", name: "Group membership PATCH in Okta's and Entra's forms",
			expect: "Okta adds members with {\"op\":\"add\",\"path\":\"members\",\"value\":[{value,display}]} and removes each " +
				"with {\"op\":\"remove\",\"path\":\"members[value eq \\\"<id>\\\"]\"} and no value; Entra removes with a value " +
				"list; replace sets the whole list. The answer is 200 with the group and its members, each " +
				"{type \"User\", value, display (the userName), $ref}. Servers that ignore the filtered remove keep " +
				"people in groups Okta took them out of.",
			fidelity: []string{"SCIM-PATCH-3", "SCIM-GROUP-4", "OKTA-PUSH-4"},
			fn: func(k *checker, c *apiClient) {
				p1, p2 := r.person(), r.person()
				u1, u2 := k.create(c, "Users", p1), k.create(c, "Users", p2)
				gid := k.create(c, "Groups", map[string]any{"schemas": []string{scim.GroupSchema}, "displayName": "Conformance " + r.pick(lowerLetters, 10), "members": []any{}})
				if u1 == "" || u2 == "" || gid == "" {
					return
				}
				patch := func(what string, body map[string]any, want ...string) {
					a := k.on(c.sendJSON(http.MethodPatch, "/Groups/"+gid, body))
					if !a.status(200) {
						return
					}
					if got := memberIDs(a.r.Body); !sameIDs(got, want...) {
						k.fail("members in the answer to "+what, show(want, true), show(got, true))
					}
					g := k.on(c.send(http.MethodGet, "/Groups/"+gid, nil, nil))
					if got := memberIDs(g.r.Body); g.status(200) && !sameIDs(got, want...) {
						k.fail("members after "+what, show(want, true), show(got, true))
					}
				}
				patch("Okta's add", patchOp(op("add", "members", []any{map[string]any{"value": u1, "display": p1["userName"]},
					map[string]any{"value": u2, "display": p2["userName"]}})), u1, u2)
				g := k.on(c.send(http.MethodGet, "/Groups/"+gid, nil, nil))
				for _, m := range asList(asMap(g.r.Body)["members"]) {
					mm := asMap(m)
					if mm["type"] != "User" || mm["display"] == nil || mm["$ref"] == nil {
						k.fail("member "+fmt.Sprint(mm["value"]), `{"type":"User","value","display","$ref"}`, show(m, true))
					}
				}
				patch("Okta's filtered remove", patchOp(op("remove", `members[value eq "`+u1+`"]`, nil)), u2)
				patch("Entra's remove with a value", patchOp(op("remove", "members", []any{map[string]any{"value": u2}})))
				patch("replace of the whole list", patchOp(op("replace", "members", []any{map[string]any{"value": u1}})), u1)
			}},

		{id: "group-unknown-member", name: "Unknown members are refused",
			expect:   "A PATCH naming a user the directory does not hold is 404; a POST or PUT with one is 400.",
			fidelity: []string{"SCIM-GROUP-5"},
			fn: func(k *checker, c *apiClient) {
				gid := k.create(c, "Groups", map[string]any{"schemas": []string{scim.GroupSchema}, "displayName": "Conformance " + r.pick(lowerLetters, 10), "members": []any{}})
				if gid == "" {
					return
				}
				k.on(c.sendJSON(http.MethodPatch, "/Groups/"+gid, patchOp(op("add", "members", []any{map[string]any{"value": r.uuid()}})))).status(404)
				k.on(c.sendJSON(http.MethodPost, "/Groups", map[string]any{"schemas": []string{scim.GroupSchema},
					"displayName": "Conformance " + r.pick(lowerLetters, 10), "members": []any{map[string]any{"value": r.uuid()}}})).status(400)
			}},

		{id: "group-shape", name: "Groups always show members; user groups list them", optional: true,
			expect: "Group answers always carry members ([] when empty), in lists too; a user's groups entries carry value " +
				"and display (a guess where Atlassian's documentation is silent).",
			fidelity: []string{"SCIM-GROUP-6"},
			fn: func(k *checker, c *apiClient) {
				p := r.person()
				uid := k.create(c, "Users", p)
				name := "Conformance " + r.pick(lowerLetters, 10)
				gid := k.create(c, "Groups", map[string]any{"schemas": []string{scim.GroupSchema}, "displayName": name, "members": []any{}})
				if uid == "" || gid == "" {
					return
				}
				g := k.on(c.send(http.MethodGet, "/Groups/"+gid, nil, nil))
				if m, ok := g.prop("members"); g.status(200) && (!ok || m == nil) {
					k.fail("members of an empty group", "[]", g.found(m, ok))
				}
				l := k.on(c.send(http.MethodGet, "/Groups?filter="+url.PathEscape(`displayName eq "`+name+`"`), nil, nil))
				if m, ok := l.prop("Resources[0].members"); l.status(200) && (!ok || m == nil) {
					k.fail("Resources[0].members in a list", "[]", l.found(m, ok))
				}
				if !k.on(c.sendJSON(http.MethodPatch, "/Groups/"+gid, patchOp(op("add", "members", []any{map[string]any{"value": uid}})))).status(200, 204) {
					return
				}
				u := k.on(c.send(http.MethodGet, "/Users/"+uid, nil, nil))
				if u.status(200) {
					u.equal("groups[0].value", gid)
					u.equal("groups[0].display", name)
				}
			}},

		{id: "group-rename", name: "Groups cannot be renamed",
			expect: "Renaming a group is not supported: a displayName change answers 200 and keeps the name, or 400 " +
				"mutability (which of the two Atlassian answers is not published). Okta renames only with \"Rename app " +
				"groups\" on.",
			fidelity: []string{"SCIM-GROUP-2", "OKTA-PUSH-6"},
			fn: func(k *checker, c *apiClient) {
				name := "Conformance " + r.pick(lowerLetters, 10)
				gid := k.create(c, "Groups", map[string]any{"schemas": []string{scim.GroupSchema}, "displayName": name, "members": []any{}})
				if gid == "" {
					return
				}
				a := k.on(c.sendJSON(http.MethodPatch, "/Groups/"+gid, patchOp(op("replace", "", map[string]any{"id": gid, "displayName": name + " renamed"}))))
				if a.r.Status == 400 {
					a.scimError(400, "mutability")
				} else if !a.status(200, 400) {
					return
				}
				g := k.on(c.send(http.MethodGet, "/Groups/"+gid, nil, nil))
				if g.status(200) {
					g.equal("displayName", name)
				}
			}},

		{id: "discovery", name: "Discovery documents and their capabilities",
			expect: "/ServiceProviderConfig advertises PATCH and filtering (maxResults 100) and no bulk, sort, ETag or " +
				"password change; /ResourceTypes and /Schemas answer. (Their exact bodies are not published.)",
			fidelity: []string{"SCIM-WIRE-1", "SCIM-DISC-1"},
			fn: func(k *checker, c *apiClient) {
				a := k.on(c.send(http.MethodGet, "/ServiceProviderConfig", nil, nil))
				if a.status(200) {
					a.equal("patch.supported", "true")
					a.equal("filter.supported", "true")
					a.equalNumber("filter.maxResults", 100)
					for _, off := range []string{"bulk", "sort", "etag", "changePassword"} {
						a.equal(off+".supported", "false")
					}
				}
				for _, p := range []string{"/ResourceTypes", "/Schemas"} {
					k.on(c.send(http.MethodGet, p, nil, nil)).status(200)
				}
			}},

		{id: "wire-errors", name: "Wrong method 405, unknown path 404, as SCIM errors", optional: true,
			expect: "A wrong method on a known path is 405 and an unknown path under the directory 404, both SCIM errors " +
				"(a guess: Atlassian does not say).",
			fidelity: []string{"SCIM-WIRE-3"},
			fn: func(k *checker, c *apiClient) {
				k.on(c.send(http.MethodDelete, "/Users", nil, nil)).scimError(405, "")
				k.on(c.send(http.MethodGet, "/NoSuchResource", nil, nil)).scimError(404, "")
			}},

		{id: "auth-statuses", name: "No key is 401, a wrong key 403",
			expect: "Every request carries Authorization: Bearer <directory key>. A missing or malformed header is 401, a " +
				"well-formed wrong key 403; Okta shows the 403 as \"Error authenticating: Forbidden\".",
			fidelity: []string{"SCIM-AUTH-1", "SCIM-AUTH-2", "OKTA-TASK-1"},
			fn: func(k *checker, c *apiClient) {
				k.on(c.send(http.MethodGet, "/Users", map[string]string{"Accept": "application/scim+json"}, nil)).status(401)
				k.on(c.send(http.MethodGet, "/Users", map[string]string{"Accept": "application/scim+json",
					"Authorization": "Bearer " + r.pick(lowerLetters+digits, 32)}, nil)).status(403)
			}},

		{id: "auth-error-body", name: "Auth failures answer Atlassian's error body",
			expect: "401 and 403 bodies are Atlassian's {\"error\":…,\"traceId\":…}, not SCIM errors (mockatlassian's " +
				"--auth-error-body scim trades this for passing Okta's SPEC step 11).",
			fidelity: []string{"SCIM-AUTH-2", "OKTA-SUITE-1"},
			fn: func(k *checker, c *apiClient) {
				for _, auth := range []string{"", "Bearer " + r.pick(lowerLetters+digits, 32)} {
					a := k.on(c.send(http.MethodGet, "/Users", map[string]string{"Accept": "application/scim+json", "Authorization": auth}, nil))
					if a.status(401, 403) {
						a.notEmpty("error")
						a.notEmpty("traceId")
					}
				}
			}},

		{id: "attributes", name: "attributes and excludedAttributes",
			expect: "attributes and excludedAttributes project /Users answers (id and schemas always stay); both at once " +
				"is 400 invalidValue.",
			fidelity: []string{"SCIM-ATTR-1"},
			fn: func(k *checker, c *apiClient) {
				id := k.create(c, "Users", r.person())
				if id == "" {
					return
				}
				a := k.on(c.send(http.MethodGet, "/Users/"+id+"?attributes=userName", nil, nil))
				if a.status(200) {
					a.notEmpty("id")
					a.notEmpty("userName")
					if v, ok := a.prop("emails"); ok {
						k.fail("emails with attributes=userName", "(missing)", show(v, ok))
					}
				}
				a = k.on(c.send(http.MethodGet, "/Users/"+id+"?excludedAttributes=emails", nil, nil))
				if a.status(200) {
					a.notEmpty("userName")
					if v, ok := a.prop("emails"); ok {
						k.fail("emails with excludedAttributes=emails", "(missing)", show(v, ok))
					}
				}
				k.on(c.send(http.MethodGet, "/Users/"+id+"?attributes=userName&excludedAttributes=emails", nil, nil)).scimError(400, "invalidValue")
			}},
	}
}

// uuid is a random lowercase UUID the server does not hold.
func (r *run) uuid() string {
	h := r.pick("0123456789abcdef", 32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:]
}
