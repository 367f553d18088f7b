package mockatlassian

// TestOktaSCIMSpecSuite replays Okta's "Okta SCIM 2.0 SPEC Test" (the
// Runscope/BlazeMeter suite Okta asks OIN submitters to pass; file
// Okta-SCIM-20-SPEC-Test.json, OKTA-SUITE-1): its 12 request
// steps in order, with the suite's variables, request headers and exactly
// the assertions of each step. Runscope's comparisons are mirrored by the
// small helpers at the bottom (equal_number, not_empty, has_value,
// is_a_number, equal, contains).
//
// The suite's 5–10 s pauses between steps are left out: the simulator is
// synchronous.

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

const (
	oktaSpecListURN  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	oktaSpecErrorURN = "urn:ietf:params:scim:api:messages:2.0:Error"
	oktaSpecUserURN  = "urn:ietf:params:scim:schemas:core:2.0:User"
)

func TestOktaSCIMSpecSuite(t *testing.T) {
	// Step 11 sends "Authorization: non-token" and asserts a SCIM error
	// (detail, status "401", the Error URN). Atlassian does not answer auth
	// failures with a SCIM error: its documented 401 body is the Failure
	// object {"error", "traceId"} (SCIM-AUTH-2), so a
	// faithful simulator fails step 11 exactly like the real Atlassian
	// directory would. By default we assert the real behaviour (401 with the
	// Failure shape); the documented switch Config.AuthErrorBody =
	// AuthErrorSCIM (flag -auth-error-body=scim) trades that fidelity for a
	// SCIM error envelope, under which the suite's full step-11 assertions
	// pass. Both runs play all 12 steps.
	t.Run("atlassian-failure-auth-body", func(t *testing.T) {
		runOktaSpecSuite(t, AuthErrorFailure)
	})
	t.Run("auth-error-body-scim", func(t *testing.T) {
		runOktaSpecSuite(t, AuthErrorSCIM)
	})
}

// oktaSpecVars are the variables of the suite's initial script
// (Initial_Script_Spec.txt): randomGivenName is "Runscope" + 3 digits,
// randomFamilyName an upper-case letter + 8 lower-case letters + 3 digits,
// randomEmail = randomUsername = given + family + "@atko.com".
type oktaSpecVars struct {
	GivenName, FamilyName, Email, Username, UsernameCaps string
	InvalidUserEmail, UserIDThatDoesNotExist             string
}

func newOktaSpecVars(rng *rand.Rand) oktaSpecVars {
	const lower, upper, digits = "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
	pick := func(set string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = set[rng.IntN(len(set))]
		}
		return string(b)
	}
	v := oktaSpecVars{
		GivenName:              "Runscope" + pick(digits, 3),
		FamilyName:             pick(upper, 1) + pick(lower, 8) + pick(digits, 3),
		InvalidUserEmail:       "abcdefgh@atko.com",
		UserIDThatDoesNotExist: "010101001010101011001010101011",
	}
	// atko.com is not a verified domain of the test organization (example.com
	// is). That is fine: Atlassian syncs users outside verified domains as
	// external accounts (ATL-ACCOUNT-3).
	v.Email = v.GivenName + v.FamilyName + "@atko.com"
	v.Username = v.Email
	v.UsernameCaps = strings.ToUpper(v.Email)
	return v
}

// oktaSpecFilter is the suite's `/Users?filter=userName eq "<v>"` URL, encoded
// as the HTTP client sends it.
func oktaSpecFilter(v string) string {
	return "/Users?filter=" + url.PathEscape(`userName eq "`+v+`"`)
}

func runOktaSpecSuite(t *testing.T, authBody AuthErrorBody) {
	e := newEnv(t, func(c *Config) { c.AuthErrorBody = authBody })
	// Step 1 needs at least one user in the directory: the suite is run
	// against an integration that already holds users. Seed one via SCIM,
	// and one group so that step 10's script sees a non-empty Resources.
	seed := e.createUser("seed.user@example.com")
	e.createGroup("Okta Spec Seed Group", seed)

	v := newOktaSpecVars(rand.New(rand.NewPCG(20240523, 728721)))
	auth := "Bearer " + testKey
	base := "/scim/directory/" + testDir

	// Request headers of the suite's GET steps ...
	getHeaders := func(auth string) map[string]string {
		return map[string]string{
			"Accept-Charset": "utf-8",
			"Content-Type":   "application/scim+json; charset=utf-8",
			"Accept":         "application/scim+json",
			"Authorization":  auth,
			"User-Agent":     "OKTA SCIM Integration",
		}
	}
	// ... and of its two POST steps.
	postHeaders := map[string]string{
		"Content-Type":  "application/json",
		"Authorization": auth,
		"Accept":        "application/scim+json; charset=utf-8",
	}
	get := func(path string) resp { return e.vendorCall(http.MethodGet, base+path, getHeaders(auth), nil) }

	var isvUserID, idUserOne string

	step := func(n int, note string, fn func(a *oktaSpecAssert)) {
		// "/" would nest the subtest name ("Get Users/{{id}}").
		t.Run(fmt.Sprintf("%02d %s", n, strings.ReplaceAll(note, "/", " ")), func(t *testing.T) {
			fn(&oktaSpecAssert{t: t})
		})
	}

	step(1, "Required Test: Test Users endpoint", func(a *oktaSpecAssert) {
		r := get("/Users?count=1&startIndex=1")
		a.r = r
		a.equalNumberStatus(200)
		a.notEmpty("Resources")
		a.hasValue("schemas", oktaSpecListURN)
		a.isANumber("itemsPerPage")
		a.isANumber("startIndex")
		a.isANumber("totalResults")
		a.notEmpty("Resources[0].id")
		a.notEmpty("Resources[0].name.familyName")
		a.notEmpty("Resources[0].name.givenName")
		a.notEmpty("Resources[0].userName")
		a.notEmpty("Resources[0].active")
		a.notEmpty("Resources[0].emails[0].value")
		isvUserID = a.variable("Resources[0].id")
	})

	step(2, "Required Test: Get Users/{{id}}", func(a *oktaSpecAssert) {
		a.r = get("/Users/" + isvUserID)
		a.equalNumberStatus(200)
		a.notEmpty("id")
		a.notEmpty("name.familyName")
		a.notEmpty("name.givenName")
		a.notEmpty("userName")
		a.notEmpty("active")
		a.notEmpty("emails[0].value")
		a.equal("id", isvUserID)
	})

	step(3, "Required Test: Test invalid User by username", func(a *oktaSpecAssert) {
		a.r = get(oktaSpecFilter(v.InvalidUserEmail))
		a.equalNumberStatus(200)
		a.hasValue("schemas", oktaSpecListURN)
		a.equal("totalResults", "0")
	})

	step(4, "Required Test: Test invalid User by ID", func(a *oktaSpecAssert) {
		a.r = get("/Users/" + v.UserIDThatDoesNotExist)
		a.equalNumberStatus(404)
		a.notEmpty("detail")
		a.hasValue("schemas", oktaSpecErrorURN)
	})

	step(5, "Required Test: Make sure random user doesn't exist", func(a *oktaSpecAssert) {
		a.r = get(oktaSpecFilter(v.Email))
		a.equalNumberStatus(200)
		a.equalNumber("totalResults", 0)
		a.hasValue("schemas", oktaSpecListURN)
	})

	createBody := func(email string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + v.Username +
			`","name":{"givenName":"` + v.GivenName + `","familyName":"` + v.FamilyName +
			`"},"emails":[{"primary":true,"value":"` + email + `","type":"work"}],"displayName":"` +
			v.GivenName + " " + v.FamilyName + `","active":true}`
	}

	step(6, "Required Test: Create Okta user with realistic values", func(a *oktaSpecAssert) {
		a.r = e.vendorCall(http.MethodPost, base+"/Users", postHeaders, []byte(createBody(v.Email)))
		a.equalNumberStatus(201)
		a.equal("active", "true")
		a.notEmpty("id")
		a.equal("name.familyName", v.FamilyName)
		a.equal("name.givenName", v.GivenName)
		a.contains("schemas", oktaSpecUserURN)
		a.equal("userName", v.Username)
		idUserOne = a.variable("id")
		_ = a.variable("emails[0].value") // randomUserEmail, unused by later steps
	})

	step(7, "Required Test: Verify that user was created", func(a *oktaSpecAssert) {
		a.r = get("/Users/" + idUserOne)
		a.equalNumberStatus(200)
		a.equal("userName", v.Username)
		a.equal("name.familyName", v.FamilyName)
		a.equal("name.givenName", v.GivenName)
	})

	step(8, "Required Test: Expect failure when recreating user with same values", func(a *oktaSpecAssert) {
		// The suite's body uses randomUsername as the email value here.
		a.r = e.vendorCall(http.MethodPost, base+"/Users", postHeaders, []byte(createBody(v.Username)))
		a.equalNumberStatus(409)
	})

	step(9, "Required Test: Username Case Sensitivity Check", func(a *oktaSpecAssert) {
		a.r = get(oktaSpecFilter(v.UsernameCaps))
		a.equalNumberStatus(200)
	})

	step(10, "Optional Test: Verify Groups endpoint", func(a *oktaSpecAssert) {
		a.r = get("/Groups")
		a.equalNumberStatus(200)
		// The real step also asserts a response time under 600 ms. Not
		// asserted here: the project rule is no timed assertions (they are
		// flaky under -race and on loaded CI machines, and prove nothing about
		// a synchronous in-memory simulator).
		//
		// The step's script: if totalResults > 0, Resources must be an array.
		total, ok := a.r.Body["totalResults"].(float64)
		if !ok {
			a.t.Errorf("script: totalResults = %v, not a number; body %s", a.r.Body["totalResults"], a.r.Raw)
		} else if total >= 1 {
			if _, isArray := a.r.Body["Resources"].([]any); !isArray {
				a.t.Errorf("script: Resources is not an Array; body %s", a.r.Raw)
			}
		}
	})

	step(11, "Required Test: Check status 401", func(a *oktaSpecAssert) {
		a.r = e.vendorCall(http.MethodGet, base+oktaSpecFilter(v.UsernameCaps), getHeaders("non-token"), nil)
		a.equalNumberStatus(401)
		if authBody == AuthErrorSCIM {
			// The suite's assertions, verbatim.
			a.notEmpty("detail")
			a.equal("status", "401")
			a.hasValue("schemas", oktaSpecErrorURN)
			return
		}
		// Atlassian's Failure body (see TestOktaSCIMSpecSuite): the real
		// suite's detail/status/schemas assertions would fail here, as they
		// do against the real Atlassian directory.
		for _, k := range []string{"error", "traceId"} {
			if s, _ := a.r.Body[k].(string); s == "" {
				a.t.Errorf("Failure body: %q is missing or empty; body %s", k, a.r.Raw)
			}
		}
		for _, k := range []string{"schemas", "detail", "status"} {
			if _, ok := a.r.Body[k]; ok {
				a.t.Errorf("Failure body has SCIM member %q; body %s", k, a.r.Raw)
			}
		}
	})

	step(12, "Required Test: Check status 404", func(a *oktaSpecAssert) {
		a.r = get("/Users/00919288221112222")
		a.equalNumberStatus(404)
		a.notEmpty("detail")
		a.equal("status", "404")
		a.hasValue("schemas", oktaSpecErrorURN)
	})
}

// oktaSpecAssert mirrors the Runscope assertion comparisons the suite uses on one
// response. Failures are reported with t.Errorf so a step shows all of them.
type oktaSpecAssert struct {
	t *testing.T
	r resp
}

// prop reads a Runscope property path ("Resources[0].emails[0].value").
func (a *oktaSpecAssert) prop(p string) (any, bool) {
	p = strings.ReplaceAll(strings.ReplaceAll(p, "[", "."), "]", "")
	return goldenLookup(a.r.Body, p)
}

func (a *oktaSpecAssert) fail(format string, args ...any) {
	a.t.Helper()
	a.t.Errorf("%s; response %d %s", fmt.Sprintf(format, args...), a.r.Status, a.r.Raw)
}

// equalNumberStatus is `equal_number` on response_status.
func (a *oktaSpecAssert) equalNumberStatus(want int) {
	a.t.Helper()
	if a.r.Status != want {
		a.fail("status %d, want %d", a.r.Status, want)
	}
}

// notEmpty is `not_empty`: present, not null, not "", [] or {}.
func (a *oktaSpecAssert) notEmpty(p string) {
	a.t.Helper()
	v, ok := a.prop(p)
	empty := !ok || v == nil
	switch x := v.(type) {
	case string:
		empty = x == ""
	case []any:
		empty = len(x) == 0
	case map[string]any:
		empty = len(x) == 0
	}
	if empty {
		a.fail("%s is empty (%v)", p, v)
	}
}

// hasValue is `has_value`: the array at p holds want.
func (a *oktaSpecAssert) hasValue(p, want string) {
	a.t.Helper()
	v, _ := a.prop(p)
	arr, _ := v.([]any)
	for _, e := range arr {
		if e == want {
			return
		}
	}
	a.fail("%s = %v does not have value %q", p, v, want)
}

// contains is `contains`; on the suite's only use (schemas) it is has_value.
func (a *oktaSpecAssert) contains(p, want string) {
	a.t.Helper()
	a.hasValue(p, want)
}

// isANumber is `is_a_number`: a JSON number, not a numeric string.
func (a *oktaSpecAssert) isANumber(p string) {
	a.t.Helper()
	if v, ok := a.prop(p); !ok {
		a.fail("%s is missing, want a number", p)
	} else if _, isNum := v.(float64); !isNum {
		a.fail("%s = %#v is not a number", p, v)
	}
}

// equalNumber is `equal_number` on a JSON property.
func (a *oktaSpecAssert) equalNumber(p string, want float64) {
	a.t.Helper()
	v, _ := a.prop(p)
	if f, ok := v.(float64); !ok || f != want {
		a.fail("%s = %#v, want the number %v", p, v, want)
	}
}

// equal is Runscope's `equal`: the property's text equals want, so the
// boolean true equals "true" and the string "401" equals "401".
func (a *oktaSpecAssert) equal(p, want string) {
	a.t.Helper()
	v, ok := a.prop(p)
	var got string
	switch x := v.(type) {
	case string:
		got = x
	case float64:
		got = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		got = strconv.FormatBool(x)
	default:
		ok = false
	}
	if !ok || got != want {
		a.fail("%s = %#v, want %q", p, v, want)
	}
}

// variable saves a property as the suite's `variables` do.
func (a *oktaSpecAssert) variable(p string) string {
	a.t.Helper()
	v, ok := a.prop(p)
	s, isStr := v.(string)
	if !ok || !isStr || s == "" {
		a.fail("variable from %s: missing (%v)", p, v)
	}
	return s
}
