package conformance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/scim"
)

// The okta-spec profile: Okta's "SCIM 2.0 SPEC Test"
// (Okta-SCIM-20-SPEC-Test.json, OKTA-SUITE-1): its 12 requests in order,
// with the suite's variables, headers and exactly its assertions. The
// suite's pauses between steps are left out.

const specSource = "Okta SCIM 2.0 SPEC Test (Okta-SCIM-20-SPEC-Test.json)"

// specVars are the variables of the suite's initial script: randomGivenName
// is "Runscope" and 3 digits, randomFamilyName an upper-case letter, 8
// lower-case letters and 3 digits, randomEmail = randomUsername = given +
// family + "@atko.com".
type specVars struct {
	GivenName, FamilyName, Email, Username, UsernameCaps string
	InvalidUserEmail, UserIDThatDoesNotExist             string
}

func (r *run) pick(set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[r.rng.IntN(len(set))]
	}
	return string(b)
}

const (
	lowerLetters = "abcdefghijklmnopqrstuvwxyz"
	upperLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits       = "0123456789"
)

// randomPerson is a given and family name as the suites make them.
func (r *run) randomPerson() (given, family, email string) {
	given = "Runscope" + r.pick(digits, 3)
	family = r.pick(upperLetters, 1) + r.pick(lowerLetters, 8) + r.pick(digits, 3)
	return given, family, given + family + "@" + r.opts.EmailDomain
}

func (r *run) newSpecVars() specVars {
	v := specVars{InvalidUserEmail: "abcdefgh@atko.com", UserIDThatDoesNotExist: "010101001010101011001010101011"}
	v.GivenName, v.FamilyName, v.Email = r.randomPerson()
	v.Username = v.Email
	v.UsernameCaps = strings.ToUpper(v.Email)
	return v
}

// filterPath is the suite's `/Users?filter=userName eq "<v>"`, encoded as
// an HTTP client sends it.
func filterPath(attr, v string) string {
	return "/Users?filter=" + url.PathEscape(attr+` eq "`+v+`"`)
}

func (r *run) oktaSpec() *ProfileResult {
	res := &ProfileResult{Profile: ProfileOktaSpec, Title: "Okta SCIM 2.0 SPEC Test",
		Source: specSource + ", the suite Okta asks OIN submitters to pass"}
	v := r.newSpecVars()
	auth := r.opts.Target.Authorization()
	c := r.client(partSpecTest)
	// The headers of the suite's GET steps ...
	getHeaders := func(auth string) map[string]string {
		return map[string]string{"Accept-Charset": "utf-8", "Content-Type": "application/scim+json; charset=utf-8",
			"Accept": "application/scim+json", "Authorization": auth, "User-Agent": "OKTA SCIM Integration"}
	}
	// ... and of its two POST steps (which name no User-Agent).
	postHeaders := map[string]string{"Content-Type": "application/json", "Authorization": auth,
		"Accept": "application/scim+json; charset=utf-8"}
	get := func(path string) response { return c.send(http.MethodGet, path, getHeaders(auth), nil) }
	createBody := func(email string) []byte {
		b, _ := json.Marshal(map[string]any{"schemas": []string{scim.UserSchema}, "userName": v.Username,
			"name":   map[string]string{"givenName": v.GivenName, "familyName": v.FamilyName},
			"emails": []map[string]any{{"primary": true, "value": email, "type": "work"}}, "displayName": v.GivenName + " " + v.FamilyName,
			"active": true})
		return b
	}
	if note := r.ensureOneUser(); note != "" {
		res.Notes = append(res.Notes, note)
	}

	var isvUserID, idUserOne string
	step := func(n int, name string, optional bool, expect string, fidelity []string, fn func(k *checker)) {
		res.Checks = append(res.Checks, r.check(&Check{ID: fmt.Sprintf("okta-spec/%02d", n), Name: name,
			Source: fmt.Sprintf("%s, step %d", specSource, n), Optional: optional, Expect: expect, Fidelity: fidelity}, fn))
	}

	step(1, "Required Test: Test Users endpoint", false,
		"Okta lists users with GET /Users?startIndex=…&count=… when it tests the API credentials and when it "+
			"imports users. It needs a SCIM ListResponse whose totalResults, startIndex and itemsPerPage are JSON "+
			"numbers (a server answering \"1\" makes provisioning fail), and users with id, userName, name, emails "+
			"and active. The suite needs at least one user on the server.",
		[]string{"OKTA-SUITE-1", "OKTA-TEST-1", "OKTA-IMPORT-1"}, func(k *checker) {
			a := k.on(get("/Users?count=1&startIndex=1"))
			a.status(200)
			a.notEmpty("Resources")
			a.hasValue("schemas", scim.ListResponseSchema)
			a.isANumber("itemsPerPage")
			a.isANumber("startIndex")
			a.isANumber("totalResults")
			for _, p := range []string{"id", "name.familyName", "name.givenName", "userName", "active", "emails[0].value"} {
				a.notEmpty("Resources[0]." + p)
			}
			isvUserID = a.variable("Resources[0].id")
		})

	step(2, "Required Test: Get Users/{{id}}", false,
		"Okta reads a user by the id the server gave it (GET /Users/{id}) before each profile update and "+
			"copies that representation into its PUT; the answer must be that user with its core attributes.",
		[]string{"OKTA-SUITE-1", "OKTA-UPDATE-1"}, func(k *checker) {
			if !k.need(isvUserID, "the user id saved by step 1") {
				return
			}
			a := k.on(get("/Users/" + isvUserID))
			a.status(200)
			for _, p := range []string{"id", "name.familyName", "name.givenName", "userName", "active", "emails[0].value"} {
				a.notEmpty(p)
			}
			a.equal("id", isvUserID)
		})

	step(3, "Required Test: Test invalid User by username", false,
		"Before creating a user Okta filters by userName. A filter that matches nobody must answer 200 with a "+
			"ListResponse and totalResults 0, which Okta reads as \"create\".",
		[]string{"OKTA-SUITE-1", "OKTA-CREATE-1"}, func(k *checker) {
			a := k.on(get(filterPath("userName", v.InvalidUserEmail)))
			a.status(200)
			a.hasValue("schemas", scim.ListResponseSchema)
			a.equal("totalResults", "0")
		})

	step(4, "Required Test: Test invalid User by ID", false,
		"An id the server does not hold must answer 404 with a SCIM error (the Error URN and a detail): Okta "+
			"shows the detail in its task and stops the job.",
		[]string{"OKTA-SUITE-1", "OKTA-UPDATE-2", "OKTA-TASK-1"}, func(k *checker) {
			a := k.on(get("/Users/" + v.UserIDThatDoesNotExist))
			a.status(404)
			a.notEmpty("detail")
			a.hasValue("schemas", scim.ErrorSchema)
		})

	step(5, "Required Test: Make sure random user doesn't exist", false,
		"The same pre-flight filter Okta sends before a create, for the user step 6 creates: 200, "+
			"totalResults the number 0.",
		[]string{"OKTA-SUITE-1", "OKTA-CREATE-1"}, func(k *checker) {
			a := k.on(get(filterPath("userName", v.Email)))
			a.status(200)
			a.equalNumber("totalResults", 0)
			a.hasValue("schemas", scim.ListResponseSchema)
		})

	step(6, "Required Test: Create Okta user with realistic values", false,
		"A create must answer 201 with the user and its id: Okta stores that id as the app user's externalId "+
			"and uses /Users/{id} from then on. The answer echoes userName and name exactly as sent and is active.",
		[]string{"OKTA-SUITE-1", "OKTA-CREATE-3"}, func(k *checker) {
			a := k.on(c.send(http.MethodPost, "/Users", postHeaders, createBody(v.Email)))
			a.status(201)
			a.equal("active", "true")
			a.notEmpty("id")
			a.equal("name.familyName", v.FamilyName)
			a.equal("name.givenName", v.GivenName)
			a.hasValue("schemas", scim.UserSchema)
			a.equal("userName", v.Username)
			idUserOne = a.variable("id")
		})

	step(7, "Required Test: Verify that user was created", false,
		"The user created in step 6 must be readable by its id with what was sent.",
		[]string{"OKTA-SUITE-1", "OKTA-CREATE-3"}, func(k *checker) {
			if !k.need(idUserOne, "the id of the user created in step 6") {
				return
			}
			a := k.on(get("/Users/" + idUserOne))
			a.status(200)
			a.equal("userName", v.Username)
			a.equal("name.familyName", v.FamilyName)
			a.equal("name.givenName", v.GivenName)
		})

	step(8, "Required Test: Expect failure when recreating user with same values", false,
		"Creating a user whose userName the server already holds must answer 409 Conflict: Okta then fails the "+
			"job with a task instead of provisioning a duplicate account.",
		[]string{"OKTA-SUITE-1", "OKTA-CREATE-3"}, func(k *checker) {
			// The suite's body uses randomUsername as the email value here.
			k.on(c.send(http.MethodPost, "/Users", postHeaders, createBody(v.Username))).status(409)
		})

	step(9, "Required Test: Username Case Sensitivity Check", false,
		"userName is case-insensitive in SCIM; the suite only checks that a filter with the userName upper-cased "+
			"answers 200 (a server that matches it finds the same user).",
		[]string{"OKTA-SUITE-1", "OKTA-CREATE-1"}, func(k *checker) {
			k.on(get(filterPath("userName", v.UsernameCaps))).status(200)
		})

	step(10, "Optional Test: Verify Groups endpoint", true,
		"Okta reads GET /Groups when the To App settings are saved and caches the groups for Push Groups. The "+
			"suite wants 200 with a JSON body within 600 ms. Optional: servers without groups may fail it.",
		[]string{"OKTA-SUITE-1", "OKTA-TEST-1", "OKTA-PUSH-2"}, func(k *checker) {
			start := time.Now()
			resp := get("/Groups")
			took := time.Since(start)
			a := k.on(resp)
			a.status(200)
			if !r.opts.NoTimeLimits && took >= 600*time.Millisecond {
				k.fail("response_time is_less_than", "600 ms", took.Round(time.Millisecond))
			}
			// The step's script parses the body and asserts only what always
			// holds ("No Groups found", or Resources an array when it is one):
			// it fails only on a body that is not JSON.
			if resp.Status == 200 && resp.Body == nil {
				k.fail("script: JSON.parse(response.body)", "a JSON body", a.found(nil, false))
			}
		})

	step(11, "Required Test: Check status 401", false,
		"A request with a bad credential must answer 401 with a SCIM error body (a detail, status \"401\", the "+
			"Error URN); Okta shows the detail as \"Errors reported by remote server\". Real Atlassian answers 401 "+
			"with its own error body, not a SCIM error, and fails this step too.",
		[]string{"OKTA-SUITE-1", "SCIM-AUTH-2", "OKTA-TASK-1"}, func(k *checker) {
			a := k.on(c.send(http.MethodGet, filterPath("userName", v.UsernameCaps), getHeaders("non-token"), nil))
			a.status(401)
			a.notEmpty("detail")
			a.equal("status", "401")
			// The suite's has_value here names no property; read as schemas,
			// as in step 12 and the suite's note "Error URN".
			a.hasValue("schemas", scim.ErrorSchema)
		})

	step(12, "Required Test: Check status 404", false,
		"An unknown id answers 404 with a SCIM error: a detail, status \"404\" and the Error URN.",
		[]string{"OKTA-SUITE-1"}, func(k *checker) {
			a := k.on(get("/Users/00919288221112222"))
			a.status(404)
			a.notEmpty("detail")
			a.equal("status", "404")
			a.hasValue("schemas", scim.ErrorSchema)
		})
	return res
}

// ensureOneUser prepares step 1, which needs a user on the server (the
// suite is run against an integration that already holds users): when the
// first page is empty it creates one, removed at cleanup. It returns a note
// for the report, or "".
func (r *run) ensureOneUser() string {
	c := r.client(partSpecTest)
	list := c.send(http.MethodGet, "/Users?count=1&startIndex=1", nil, nil)
	if list.Status != http.StatusOK || len(asList(asMap(list.Body)["Resources"])) > 0 {
		return ""
	}
	given, family, email := r.randomPerson()
	resp := c.sendJSON(http.MethodPost, "/Users", newUser(email, given, family))
	if resp.Status != http.StatusCreated {
		return fmt.Sprintf("the server holds no user and creating one for step 1 failed (%s)", statusText(resp))
	}
	return "the server held no user; step 1 needs one, so the run created " + email + " first (not an Okta step)"
}

// newUser is a user body with the attributes Okta's create sends.
func newUser(email, given, family string) map[string]any {
	return map[string]any{"schemas": []string{scim.UserSchema}, "userName": email,
		"name":   map[string]string{"givenName": given, "familyName": family},
		"emails": []map[string]any{{"primary": true, "value": email, "type": "work"}}, "displayName": given + " " + family,
		"active": true}
}

func statusText(r response) string {
	if r.Status == 0 {
		return fmt.Sprintf("no response: %v", r.Err)
	}
	return fmt.Sprintf("HTTP %d %s", r.Status, strings.TrimSpace(clipLine(string(r.Raw))))
}
