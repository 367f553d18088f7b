package mockatlassian

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/scim"
)

// Bad input never panics, never answers a bare 500, always answers in the
// real system's error format, and never leaves a change half applied
// (SCIM-AUTH-2, SCIM-ERR-1). Every case below snapshots the whole
// visible state, sends one bad request, checks the answer and checks that
// the state is byte for byte what it was.

// badFixture is the state every case starts from: two provisioned users
// (both linked to managed accounts), a group with alice and an empty group.
type badFixture struct {
	alice, bob string // SCIM user ids
	eng, ops   string // SCIM group ids: eng has alice, ops is empty
}

func seedBad(e *testEnv) badFixture {
	e.t.Helper()
	f := badFixture{alice: e.createUser("alice@example.com"), bob: e.createUser("bob@example.com")}
	f.eng = e.createGroup("eng", f.alice)
	f.ops = e.createGroup("ops")
	return f
}

// badCase is one bad request. setup runs before the snapshot (for state the
// case needs, e.g. a second directory); do sends the bad request; want
// checks the answer.
type badCase struct {
	name  string
	opts  []func(*Config)
	setup func(e *testEnv, f *badFixture)
	do    func(e *testEnv, f badFixture) resp
	want  func(t *testing.T, r resp)
}

func badRun(t *testing.T, cases []badCase) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.opts...)
			f := seedBad(e)
			if c.setup != nil {
				c.setup(e, &f)
			}
			before := e.badState()
			r := c.do(e, f)
			// The state is checked first: want stops at the first mismatch.
			if after := e.badState(); after != before {
				t.Errorf("rejected request changed the state:\n%s", badStateDiff(before, after))
			}
			c.want(t, r)
		})
	}
}

// badState is snapshot() plus what the control API shows beyond it: the
// organizations (domains, directories, sites and grants) and org groups.
func (e *testEnv) badState() string {
	e.t.Helper()
	orgs := e.call("GET", "/_sim/orgs", "", nil)
	groups := e.call("GET", "/_sim/orgs/"+testOrg+"/groups", "", nil)
	if orgs.Status != http.StatusOK || groups.Status != http.StatusOK {
		e.t.Fatalf("state: orgs %d, groups %d", orgs.Status, groups.Status)
	}
	return e.snapshot() + "\n" + string(orgs.Raw) + "\n" + string(groups.Raw)
}

// badStateDiff names the parts of two badState strings that differ.
func badStateDiff(before, after string) string {
	names := []string{"/Users", "/Groups", "accounts", "orgs", "org groups"}
	b, a := strings.Split(before, "\n"), strings.Split(after, "\n")
	var out []string
	for i := 0; i < len(b) || i < len(a); i++ {
		var bi, ai string
		if i < len(b) {
			bi = b[i]
		}
		if i < len(a) {
			ai = a[i]
		}
		if bi != ai {
			name := fmt.Sprint(i)
			if i < len(names) {
				name = names[i]
			}
			out = append(out, fmt.Sprintf("%s before: %s\n%s after:  %s", name, badClip(bi, 2000), name, badClip(ai, 2000)))
		}
	}
	return strings.Join(out, "\n")
}

func badClip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("…(%d bytes)", len(s))
}

// ---- expectations ----

// scimErr expects a SCIM error envelope with the status and, when not
// empty, the scimType; contains are substrings the detail must have.
func badSCIMErr(status int, scimType string, contains ...string) func(*testing.T, resp) {
	return func(t *testing.T, r resp) {
		t.Helper()
		r.wantSCIMError(t, status, scimType)
		if scimType == "" {
			// Statuses without a scimType (404, 405, 413) must not carry one.
			if st, ok := r.Body["scimType"]; ok && status != http.StatusBadRequest {
				t.Errorf("unexpected scimType %v; body %s", st, r.Raw)
			}
		}
		for _, k := range badKeys(r.Body) {
			if !slices.Contains([]string{"schemas", "status", "scimType", "detail"}, k) {
				t.Errorf("unexpected member %q in SCIM error; body %s", k, r.Raw)
			}
		}
		for _, s := range contains {
			if !strings.Contains(r.str("detail"), s) {
				t.Errorf("detail %q does not mention %q", r.str("detail"), s)
			}
		}
		badWantJSONType(t, r)
	}
}

var badTraceIDRe = regexp.MustCompile(`^[0-9a-f]{16}$`)

// failureBody expects Atlassian's Failure body {"error","traceId"}: not a
// SCIM envelope, a non-empty error and a 16-hex traceId (SCIM-AUTH-2).
func badFailure(status int, contains ...string) func(*testing.T, resp) {
	return func(t *testing.T, r resp) {
		t.Helper()
		r.wantStatus(t, status)
		if r.Body == nil {
			t.Fatalf("body is not a JSON object: %s", r.Raw)
		}
		if got := badKeys(r.Body); !slices.Equal(got, []string{"error", "traceId"}) {
			t.Errorf("members %v, want exactly [error traceId]; body %s", got, r.Raw)
		}
		if msg, _ := r.Body["error"].(string); msg == "" {
			t.Errorf("empty error; body %s", r.Raw)
		}
		if id, _ := r.Body["traceId"].(string); !badTraceIDRe.MatchString(id) {
			t.Errorf("traceId %q is not 16 lower-case hex digits", id)
		}
		for _, s := range contains {
			if !strings.Contains(r.str("error"), s) {
				t.Errorf("error %q does not mention %q", r.str("error"), s)
			}
		}
		badWantJSONType(t, r)
	}
}

// controlErrBody expects the control API's {"error": "..."} body.
func badControlErr(status int, contains ...string) func(*testing.T, resp) {
	return func(t *testing.T, r resp) {
		t.Helper()
		r.wantStatus(t, status)
		if r.Body == nil {
			t.Fatalf("body is not a JSON object: %s", r.Raw)
		}
		if got := badKeys(r.Body); !slices.Equal(got, []string{"error"}) {
			t.Errorf("members %v, want exactly [error]; body %s", got, r.Raw)
		}
		if msg, _ := r.Body["error"].(string); msg == "" {
			t.Errorf("empty error; body %s", r.Raw)
		}
		for _, s := range contains {
			if !strings.Contains(r.str("error"), s) {
				t.Errorf("error %q does not mention %q", r.str("error"), s)
			}
		}
		badWantJSONType(t, r)
	}
}

func badWantJSONType(t *testing.T, r resp) {
	t.Helper()
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, scim.ContentTypeSCIM) && !strings.HasPrefix(ct, scim.ContentTypeJSON) {
		t.Errorf("Content-Type %q, want a JSON type", ct)
	}
}

func badKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ---- request builders ----

// sc sends a SCIM request to the test directory with its current key.
func badSCIM(method, path string, body any) func(*testEnv, badFixture) resp {
	return func(e *testEnv, _ badFixture) resp { return e.scim(method, path, body) }
}

// with returns a copy of m with key set to v; without deletes keys.
func badWith(m map[string]any, key string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, x := range m {
		out[k] = x
	}
	out[key] = v
	return out
}

func badWithout(m map[string]any, keys ...string) map[string]any {
	out := make(map[string]any, len(m))
	for k, x := range m {
		if !slices.Contains(keys, k) {
			out[k] = x
		}
	}
	return out
}

func badPatch(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = op
	}
	return map[string]any{"schemas": []string{scim.PatchOpSchema}, "Operations": list}
}

func badOp(name, path string, value any) map[string]any {
	m := map[string]any{"op": name}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}

func badMembers(ids ...string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"value": id}
	}
	return out
}

func badGroupBody(name string, memberIDs ...string) map[string]any {
	return map[string]any{"schemas": []string{scim.GroupSchema}, "displayName": name, "members": badMembers(memberIDs...)}
}

// bigUserBody is a valid user whose displayName pads it past n bytes.
func badBigUser(email string, n int) map[string]any {
	return badWith(userBody(email), "displayName", strings.Repeat("x", n))
}

// malformedBodies are bodies that are not a JSON object at all, with the
// scimType each must get.
var badMalformedBodies = []struct {
	name, body, scimType string
}{
	{"truncated", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new@example.com","emails":[{"value":"new@example.com","primary":true}`, scim.TypeInvalidSyntax},
	{"trailing garbage", `{"userName":"new@example.com","emails":[{"value":"new@example.com","primary":true}]} xyz`, scim.TypeInvalidSyntax},
	{"two objects", `{"userName":"new@example.com","emails":[{"value":"new@example.com","primary":true}]}{}`, scim.TypeInvalidSyntax},
	{"bare word", `userName=new@example.com`, scim.TypeInvalidSyntax},
	{"single quotes", `{'userName':'new@example.com'}`, scim.TypeInvalidSyntax},
	{"trailing comma", `{"userName":"new@example.com",}`, scim.TypeInvalidSyntax},
	{"empty", ``, scim.TypeInvalidSyntax},
	{"whitespace", " \n\t ", scim.TypeInvalidSyntax},
	{"array", `[]`, scim.TypeInvalidSyntax},
	{"string", `"x"`, scim.TypeInvalidSyntax},
	{"number", `42`, scim.TypeInvalidSyntax},
	{"true", `true`, scim.TypeInvalidSyntax},
	{"null", `null`, scim.TypeInvalidSyntax},
}

// ---- SCIM Users ----

func TestBadInputUsers(t *testing.T) {
	// invalid are user bodies with the scimType each must get; each is sent
	// as a POST and as a PUT on alice.
	invalid := []struct {
		name     string
		body     any
		scimType string
	}{
		{"userName number", badWith(userBody("new@example.com"), "userName", 5), scim.TypeInvalidValue},
		{"userName object", badWith(userBody("new@example.com"), "userName", map[string]any{"a": 1}), scim.TypeInvalidValue},
		{"active maybe", badWith(userBody("new@example.com"), "active", "maybe"), scim.TypeInvalidValue},
		{"active number", badWith(userBody("new@example.com"), "active", 1), scim.TypeInvalidValue},
		{"emails string", badWith(userBody("new@example.com"), "emails", "new@example.com"), scim.TypeInvalidValue},
		{"emails numbers", badWith(userBody("new@example.com"), "emails", []any{5}), scim.TypeInvalidValue},
		{"email primary string", badWith(userBody("new@example.com"), "emails", []any{map[string]any{"value": "new@example.com", "primary": "yes"}}), scim.TypeInvalidValue},
		{"email value number", badWith(userBody("new@example.com"), "emails", []any{map[string]any{"value": 7, "primary": true}}), scim.TypeInvalidValue},
		{"name string", badWith(userBody("new@example.com"), "name", "x"), scim.TypeInvalidValue},
		{"displayName number", badWith(userBody("new@example.com"), "displayName", 7), scim.TypeInvalidValue},
		{"schemas string", badWith(userBody("new@example.com"), "schemas", scim.UserSchema), scim.TypeInvalidValue},
		{"enterprise string", badWith(userBody("new@example.com"), scim.EnterpriseUserSchema, "x"), scim.TypeInvalidValue},
		{"phoneNumbers object", badWith(userBody("new@example.com"), "phoneNumbers", map[string]any{"value": "1"}), scim.TypeInvalidValue},
		{"empty object", map[string]any{}, scim.TypeInvalidValue},
		{"missing userName", badWithout(userBody("new@example.com"), "userName"), scim.TypeInvalidValue},
		{"null userName", badWith(userBody("new@example.com"), "userName", nil), scim.TypeInvalidValue},
		{"blank userName", badWith(userBody("new@example.com"), "userName", "   "), scim.TypeInvalidValue},
		{"missing emails", badWithout(userBody("new@example.com"), "emails"), scim.TypeInvalidValue},
		{"empty emails", badWith(userBody("new@example.com"), "emails", []any{}), scim.TypeInvalidValue},
		{"no primary", badWith(userBody("new@example.com"), "emails", []any{map[string]any{"value": "new@example.com", "type": "work"}}), scim.TypeInvalidValue},
		{"two primaries", badWith(userBody("new@example.com"), "emails", []any{
			map[string]any{"value": "new@example.com", "primary": true},
			map[string]any{"value": "new2@example.com", "primary": true}}), scim.TypeInvalidValue},
		{"invalid email", badWith(userBody("new@example.com"), "emails", []any{map[string]any{"value": "not-an-email", "primary": true}}), scim.TypeInvalidValue},
		{"email with display name", badWith(userBody("new@example.com"), "emails", []any{map[string]any{"value": "New <new@example.com>", "primary": true}}), scim.TypeInvalidValue},
		{"email without tld", badWith(userBody("new@example.com"), "emails", []any{map[string]any{"value": "new@localhost", "primary": true}}), scim.TypeInvalidValue},
		{"empty email value", badWith(userBody("new@example.com"), "emails", []any{map[string]any{"value": "", "primary": true}}), scim.TypeInvalidValue},
		{"blank phone", badWith(userBody("new@example.com"), "phoneNumbers", []any{map[string]any{"value": " "}}), scim.TypeInvalidValue},
		{"schemas without core urn", badWith(userBody("new@example.com"), "schemas", []string{scim.GroupSchema}), scim.TypeInvalidSyntax},
		{"schemas only enterprise", badWith(userBody("new@example.com"), "schemas", []string{scim.EnterpriseUserSchema}), scim.TypeInvalidSyntax},
	}

	var cases []badCase
	userTargets := []struct {
		method string
		path   func(f badFixture) string
	}{
		{"POST", func(badFixture) string { return "/Users" }},
		{"PUT", func(f badFixture) string { return "/Users/" + f.alice }},
	}
	for _, tg := range userTargets {
		for _, m := range badMalformedBodies {
			cases = append(cases, badCase{
				name: tg.method + " malformed " + m.name,
				do:   func(e *testEnv, f badFixture) resp { return e.scim(tg.method, tg.path(f), m.body) },
				want: badSCIMErr(http.StatusBadRequest, m.scimType),
			})
		}
		for _, b := range invalid {
			cases = append(cases, badCase{
				name: tg.method + " " + b.name,
				do:   func(e *testEnv, f badFixture) resp { return e.scim(tg.method, tg.path(f), b.body) },
				want: badSCIMErr(http.StatusBadRequest, b.scimType),
			})
		}
		cases = append(cases,
			badCase{
				name: tg.method + " over 1 MiB",
				do: func(e *testEnv, f badFixture) resp {
					return e.scim(tg.method, tg.path(f), badBigUser("new@example.com", DefaultMaxBodyBytes+10))
				},
				want: badSCIMErr(http.StatusRequestEntityTooLarge, "", fmt.Sprint(DefaultMaxBodyBytes)),
			},
			badCase{
				name: tg.method + " over 1 MiB of whitespace",
				do: func(e *testEnv, f badFixture) resp {
					raw, _ := json.Marshal(userBody("new@example.com"))
					return e.scim(tg.method, tg.path(f), string(raw)+strings.Repeat(" ", DefaultMaxBodyBytes))
				},
				want: badSCIMErr(http.StatusRequestEntityTooLarge, ""),
			},
			badCase{
				name: tg.method + " over a 512-byte MaxBodyBytes",
				opts: []func(*Config){func(c *Config) { c.MaxBodyBytes = 512 }},
				do: func(e *testEnv, f badFixture) resp {
					return e.scim(tg.method, tg.path(f), badBigUser("new@example.com", 600))
				},
				want: badSCIMErr(http.StatusRequestEntityTooLarge, "", "512"),
			},
		)
	}

	cases = append(cases,
		badCase{name: "POST duplicate email", do: badSCIM("POST", "/Users", userBody("alice@example.com")),
			want: badSCIMErr(http.StatusConflict, scim.TypeUniqueness, "alice@example.com")},
		badCase{name: "POST duplicate email other case", do: badSCIM("POST", "/Users", badWith(userBody("alice@example.com"), "emails",
			[]any{map[string]any{"value": "ALICE@example.com", "primary": true}})),
			want: badSCIMErr(http.StatusConflict, scim.TypeUniqueness)},
		badCase{name: "POST duplicate userName", do: badSCIM("POST", "/Users", badWith(userBody("new@example.com"), "userName", "bob@example.com")),
			want: badSCIMErr(http.StatusConflict, scim.TypeUniqueness)},
		badCase{name: "PUT collides on email with bob", do: func(e *testEnv, f badFixture) resp {
			return e.scim("PUT", "/Users/"+f.alice, badWith(userBody("bob@example.com"), "userName", "alice@example.com"))
		}, want: badSCIMErr(http.StatusConflict, scim.TypeUniqueness, "bob@example.com")},
		badCase{name: "PUT collides on userName with bob", do: func(e *testEnv, f badFixture) resp {
			return e.scim("PUT", "/Users/"+f.alice, badWith(userBody("alice@example.com"), "userName", "BOB@example.com"))
		}, want: badSCIMErr(http.StatusConflict, scim.TypeUniqueness)},
		badCase{name: "PUT moves to another account's email",
			setup: func(e *testEnv, _ *badFixture) {
				if st := e.control("POST", "/orgs/"+testOrg+"/accounts", map[string]any{"email": "carol@example.com"}, nil); st != http.StatusCreated {
					e.t.Fatalf("create account: %d", st)
				}
			},
			do: func(e *testEnv, f badFixture) resp {
				return e.scim("PUT", "/Users/"+f.alice, badWith(userBody("carol@example.com"), "userName", "alice@example.com"))
			}, want: badSCIMErr(http.StatusConflict, scim.TypeUniqueness, "carol@example.com")},
		badCase{name: "GET unknown id", do: badSCIM("GET", "/Users/no-such-user", nil), want: badSCIMErr(http.StatusNotFound, "", "no-such-user")},
		badCase{name: "PUT unknown id", do: badSCIM("PUT", "/Users/no-such-user", userBody("new@example.com")), want: badSCIMErr(http.StatusNotFound, "", "no-such-user")},
		badCase{name: "PATCH unknown id", do: badSCIM("PATCH", "/Users/no-such-user", badPatch(badOp("replace", "active", false))),
			want: badSCIMErr(http.StatusNotFound, "", "no-such-user")},
		badCase{name: "DELETE unknown id", do: badSCIM("DELETE", "/Users/no-such-user", nil), want: badSCIMErr(http.StatusNotFound, "", "no-such-user")},
		badCase{name: "GET group id as user", do: func(e *testEnv, f badFixture) resp { return e.scim("GET", "/Users/"+f.eng, nil) },
			want: badSCIMErr(http.StatusNotFound, "")},
		badCase{name: "DELETE twice", setup: func(e *testEnv, f *badFixture) {
			e.scim("DELETE", "/Users/"+f.bob, nil).wantStatus(e.t, http.StatusNoContent)
		}, do: func(e *testEnv, f badFixture) resp { return e.scim("DELETE", "/Users/"+f.bob, nil) },
			want: badSCIMErr(http.StatusNotFound, "")},
		// A projection error must be found before the write, not after it:
		// answering 400 for a user that was nevertheless created (or
		// replaced) is a half-applied change.
		badCase{name: "POST with attributes and excludedAttributes",
			do:   badSCIM("POST", "/Users?attributes=userName&excludedAttributes=emails", userBody("new@example.com")),
			want: badSCIMErr(http.StatusBadRequest, scim.TypeInvalidValue)},
		badCase{name: "PUT with attributes and excludedAttributes", do: func(e *testEnv, f badFixture) resp {
			return e.scim("PUT", "/Users/"+f.alice+"?attributes=userName&excludedAttributes=emails",
				badWith(userBody("alice@example.com"), "displayName", "Changed"))
		}, want: badSCIMErr(http.StatusBadRequest, scim.TypeInvalidValue)},
		badCase{name: "PATCH with attributes and excludedAttributes", do: func(e *testEnv, f badFixture) resp {
			return e.scim("PATCH", "/Users/"+f.alice+"?attributes=userName&excludedAttributes=emails",
				badPatch(badOp("replace", "displayName", "Changed")))
		}, want: badSCIMErr(http.StatusBadRequest, scim.TypeInvalidValue)},
		badCase{name: "GET one with attributes and excludedAttributes", do: func(e *testEnv, f badFixture) resp {
			return e.scim("GET", "/Users/"+f.alice+"?attributes=userName&excludedAttributes=emails", nil)
		}, want: badSCIMErr(http.StatusBadRequest, scim.TypeInvalidValue)},
	)
	badRun(t, cases)
}

// ---- SCIM PATCH ----

func TestBadInputPatch(t *testing.T) {
	user := func(body any) func(*testEnv, badFixture) resp {
		return func(e *testEnv, f badFixture) resp { return e.scim("PATCH", "/Users/"+f.alice, body) }
	}
	group := func(body func(f badFixture) any) func(*testEnv, badFixture) resp {
		return func(e *testEnv, f badFixture) resp { return e.scim("PATCH", "/Groups/"+f.eng, body(f)) }
	}
	static := func(body any) func(badFixture) any { return func(badFixture) any { return body } }
	bad400 := func(scimType string) func(*testing.T, resp) { return badSCIMErr(http.StatusBadRequest, scimType) }

	cases := []badCase{
		{name: "user malformed JSON", do: user(`{"Operations":[{"op":"replace"`), want: bad400(scim.TypeInvalidSyntax)},
		{name: "user trailing garbage", do: user(`{"Operations":[{"op":"replace","path":"active","value":false}]} }`), want: bad400(scim.TypeInvalidSyntax)},
		{name: "user empty body", do: user(""), want: bad400(scim.TypeInvalidSyntax)},
		{name: "user array body", do: user(`[]`), want: bad400(scim.TypeInvalidSyntax)},
		{name: "user null body", do: user(`null`), want: bad400(scim.TypeInvalidSyntax)},
		{name: "user no Operations", do: user(map[string]any{"schemas": []string{scim.PatchOpSchema}}), want: bad400(scim.TypeInvalidValue)},
		{name: "user null Operations", do: user(`{"schemas":["` + scim.PatchOpSchema + `"],"Operations":null}`), want: bad400(scim.TypeInvalidValue)},
		{name: "user empty Operations", do: user(badPatch()), want: bad400(scim.TypeInvalidValue)},
		{name: "user Operations object", do: user(map[string]any{"Operations": map[string]any{"op": "replace"}}), want: bad400(scim.TypeInvalidSyntax)},
		{name: "user Operations twice", do: user(`{"Operations":[{"op":"replace","path":"active","value":false}],"operations":[{"op":"replace","path":"active","value":false}]}`),
			want: bad400(scim.TypeInvalidSyntax)},
		{name: "user operation not object", do: user(map[string]any{"Operations": []any{5}}), want: bad400(scim.TypeInvalidSyntax)},
		{name: "user wrong schemas", do: user(badWith(badPatch(badOp("replace", "active", false)), "schemas", []string{scim.UserSchema})), want: bad400(scim.TypeInvalidValue)},
		{name: "user op move", do: user(badPatch(badOp("move", "displayName", "x"))), want: bad400(scim.TypeInvalidValue)},
		{name: "user op missing", do: user(badPatch(map[string]any{"path": "displayName", "value": "x"})), want: bad400(scim.TypeInvalidValue)},
		{name: "user op number", do: user(badPatch(map[string]any{"op": 5, "path": "displayName", "value": "x"})), want: bad400(scim.TypeInvalidValue)},
		{name: "user path number", do: user(badPatch(map[string]any{"op": "replace", "path": 5, "value": "x"})), want: bad400(scim.TypeInvalidPath)},
		{name: "user unknown attribute", do: user(badPatch(badOp("replace", "favouriteColour", "blue"))), want: bad400(scim.TypeInvalidPath)},
		{name: "user unknown sub-attribute", do: user(badPatch(badOp("replace", "name.nick", "x"))), want: bad400(scim.TypeInvalidPath)},
		{name: "user unknown extension", do: user(badPatch(badOp("replace", "urn:example:ext:1.0:thing", "x"))), want: bad400(scim.TypeInvalidPath)},
		{name: "user unparsable path", do: user(badPatch(badOp("replace", `emails[type eq "work"`, "x"))), want: bad400(scim.TypeInvalidPath)},
		{name: "user filter on single-valued", do: user(badPatch(badOp("replace", `displayName[value eq "x"]`, "x"))), want: bad400(scim.TypeInvalidPath)},
		{name: "user path id", do: user(badPatch(badOp("replace", "id", "new-id"))), want: bad400(scim.TypeMutability)},
		{name: "user path meta", do: user(badPatch(badOp("replace", "meta", map[string]any{"resourceType": "Group"}))), want: bad400(scim.TypeMutability)},
		{name: "user path schemas", do: user(badPatch(badOp("replace", "schemas", []string{scim.UserSchema}))), want: bad400(scim.TypeMutability)},
		{name: "user path groups", do: func(e *testEnv, f badFixture) resp {
			return e.scim("PATCH", "/Users/"+f.alice, badPatch(badOp("add", "groups", badMembers(f.ops))))
		}, want: bad400(scim.TypeMutability)},
		{name: "user path atlassianAccountId", do: user(badPatch(badOp("replace", scim.AtlassianExternalSchema+":atlassianAccountId", "x"))), want: bad400(scim.TypeMutability)},
		{name: "user active maybe", do: user(badPatch(badOp("replace", "active", "maybe"))), want: bad400(scim.TypeInvalidValue)},
		{name: "user active number", do: user(badPatch(badOp("replace", "active", 0))), want: bad400(scim.TypeInvalidValue)},
		{name: "user pathless active maybe", do: user(badPatch(badOp("replace", "", map[string]any{"active": "maybe"}))), want: bad400(scim.TypeInvalidValue)},
		{name: "user name string", do: user(badPatch(badOp("replace", "name", "x"))), want: bad400(scim.TypeInvalidValue)},
		{name: "user displayName array", do: user(badPatch(badOp("replace", "displayName", []any{"a"}))), want: bad400(scim.TypeInvalidValue)},
		{name: "user replace without value", do: user(badPatch(badOp("replace", "displayName", nil))), want: bad400(scim.TypeInvalidValue)},
		{name: "user pathless string value", do: user(badPatch(badOp("replace", "", "x"))), want: bad400(scim.TypeInvalidValue)},
		{name: "user remove without path", do: user(badPatch(badOp("remove", "", nil))), want: bad400(scim.TypeNoTarget)},
		{name: "user replace unmatched filter", do: user(badPatch(badOp("replace", `emails[type eq "home"]`, map[string]any{"value": "h@example.com"}))),
			want: bad400(scim.TypeNoTarget)},
		{name: "user remove emails", do: user(badPatch(badOp("remove", "emails", nil))), want: bad400(scim.TypeInvalidValue)},
		{name: "user remove userName", do: user(badPatch(badOp("remove", "userName", nil))), want: bad400(scim.TypeInvalidValue)},
		{name: "user blank userName", do: user(badPatch(badOp("replace", "userName", " "))), want: bad400(scim.TypeInvalidValue)},
		{name: "user invalid email", do: user(badPatch(badOp("replace", `emails[type eq "work"].value`, "not-an-email"))), want: bad400(scim.TypeInvalidValue)},
		{name: "user second primary", do: user(badPatch(badOp("add", "emails", []any{map[string]any{"value": "a2@example.com", "primary": true}}))),
			want: bad400(scim.TypeInvalidValue)},
		{name: "user email of bob", do: user(badPatch(badOp("replace", `emails[type eq "work"].value`, "bob@example.com"))),
			want: badSCIMErr(http.StatusConflict, scim.TypeUniqueness, "bob@example.com")},
		{name: "user over 1 MiB", do: user(badPatch(badOp("replace", "displayName", strings.Repeat("x", DefaultMaxBodyBytes)))),
			want: badSCIMErr(http.StatusRequestEntityTooLarge, "")},

		// Atomicity: the first operation is valid, a later one is not; the
		// first one's effect must not be visible.
		{name: "atomic second op unknown path", do: user(badPatch(
			badOp("replace", "displayName", "Changed"),
			badOp("replace", "bogus", "x"))), want: bad400(scim.TypeInvalidPath)},
		{name: "atomic second op bad active", do: user(badPatch(
			badOp("replace", "displayName", "Changed"),
			badOp("replace", "active", "maybe"))), want: bad400(scim.TypeInvalidValue)},
		{name: "atomic second op read-only", do: user(badPatch(
			badOp("replace", "title", "Boss"),
			badOp("replace", "id", "x"))), want: bad400(scim.TypeMutability)},
		{name: "atomic deactivate then remove emails", do: user(badPatch(
			badOp("replace", "active", false),
			badOp("remove", "emails", nil))), want: bad400(scim.TypeInvalidValue)},
		{name: "atomic rename then take bob's email", do: user(badPatch(
			badOp("replace", "displayName", "Changed"),
			badOp("replace", `emails[type eq "work"].value`, "bob@example.com"))),
			want: badSCIMErr(http.StatusConflict, scim.TypeUniqueness)},
		{name: "atomic third op fails", do: user(badPatch(
			badOp("replace", "", map[string]any{"active": false, "title": "Gone"}),
			badOp("add", "phoneNumbers", []any{map[string]any{"value": "+1 555 0100"}}),
			badOp("move", "title", "x"))), want: bad400(scim.TypeInvalidValue)},

		// Groups.
		{name: "group malformed JSON", do: group(static(`{"Operations":[`)), want: bad400(scim.TypeInvalidSyntax)},
		{name: "group no Operations", do: group(static(`{}`)), want: bad400(scim.TypeInvalidValue)},
		{name: "group op move", do: group(func(f badFixture) any { return badPatch(badOp("move", "members", badMembers(f.bob))) }),
			want: bad400(scim.TypeInvalidValue)},
		{name: "group add unknown user", do: group(static(badPatch(badOp("add", "members", badMembers("no-such-user"))))),
			want: badSCIMErr(http.StatusNotFound, "", "no-such-user")},
		{name: "group add group as member", do: group(func(f badFixture) any { return badPatch(badOp("add", "members", badMembers(f.ops))) }),
			want: badSCIMErr(http.StatusNotFound, "")},
		{name: "group add valid plus unknown user", do: group(func(f badFixture) any {
			return badPatch(badOp("add", "members", badMembers(f.bob)), badOp("add", "members", badMembers("no-such-user")))
		}), want: badSCIMErr(http.StatusNotFound, "")},
		{name: "group add valid plus invalid op", do: group(func(f badFixture) any {
			return badPatch(badOp("add", "members", badMembers(f.bob)), badOp("replace", "bogus", "x"))
		}), want: bad400(scim.TypeInvalidPath)},
		{name: "group remove alice plus bad op", do: group(func(f badFixture) any {
			return badPatch(badOp("remove", fmt.Sprintf("members[value eq %q]", f.alice), nil), badOp("explode", "members", nil))
		}), want: bad400(scim.TypeInvalidValue)},
		{name: "group replace members plus read-only id", do: group(func(f badFixture) any {
			return badPatch(badOp("replace", "members", badMembers(f.bob)), badOp("replace", "id", "x"))
		}), want: bad400(scim.TypeMutability)},
		{name: "group members string", do: group(static(badPatch(badOp("add", "members", "x")))), want: bad400(scim.TypeInvalidValue)},
		{name: "group remove without path", do: group(static(badPatch(badOp("remove", "", nil)))), want: bad400(scim.TypeNoTarget)},
		{name: "group blank displayName", do: group(static(badPatch(badOp("replace", "displayName", "")))), want: bad400(scim.TypeInvalidValue)},
		{name: "group remove displayName", do: group(static(badPatch(badOp("remove", "displayName", nil)))), want: bad400(scim.TypeInvalidValue)},
		{name: "group member value immutable", do: group(func(f badFixture) any {
			return badPatch(badOp("replace", fmt.Sprintf("members[value eq %q].value", f.alice), f.bob))
		}), want: bad400(scim.TypeMutability)},
		{name: "group rename rejected with add", opts: []func(*Config){func(c *Config) { c.Options.GroupRename = RenameReject }},
			do: group(func(f badFixture) any {
				return badPatch(badOp("add", "members", badMembers(f.bob)), badOp("replace", "displayName", "engineering"))
			}), want: bad400(scim.TypeMutability)},
		{name: "group unknown id", do: badSCIM("PATCH", "/Groups/no-such-group", badPatch(badOp("add", "members", []any{}))),
			want: badSCIMErr(http.StatusNotFound, "", "no-such-group")},
		{name: "group over 1 MiB", do: group(static(badPatch(badOp("add", "members", []any{map[string]any{"value": strings.Repeat("x", DefaultMaxBodyBytes)}})))),
			want: badSCIMErr(http.StatusRequestEntityTooLarge, "")},
	}
	badRun(t, cases)
}

// ---- SCIM Groups ----

func TestBadInputGroups(t *testing.T) {
	bad400 := func(scimType string) func(*testing.T, resp) { return badSCIMErr(http.StatusBadRequest, scimType) }
	var cases []badCase
	for _, m := range badMalformedBodies {
		cases = append(cases,
			badCase{name: "POST malformed " + m.name, do: badSCIM("POST", "/Groups", m.body), want: bad400(m.scimType)},
			badCase{name: "PUT malformed " + m.name, do: func(e *testEnv, f badFixture) resp { return e.scim("PUT", "/Groups/"+f.eng, m.body) },
				want: bad400(m.scimType)},
		)
	}
	cases = append(cases,
		badCase{name: "POST without displayName", do: badSCIM("POST", "/Groups", badWithout(badGroupBody("x"), "displayName")), want: bad400(scim.TypeInvalidValue)},
		badCase{name: "POST blank displayName", do: badSCIM("POST", "/Groups", badGroupBody("   ")), want: bad400(scim.TypeInvalidValue)},
		badCase{name: "POST displayName number", do: badSCIM("POST", "/Groups", badWith(badGroupBody("x"), "displayName", 5)), want: bad400(scim.TypeInvalidValue)},
		badCase{name: "POST members string", do: badSCIM("POST", "/Groups", badWith(badGroupBody("x"), "members", "x")), want: bad400(scim.TypeInvalidValue)},
		badCase{name: "POST members numbers", do: badSCIM("POST", "/Groups", badWith(badGroupBody("x"), "members", []any{1, 2})), want: bad400(scim.TypeInvalidValue)},
		badCase{name: "POST wrong schemas", do: badSCIM("POST", "/Groups", badWith(badGroupBody("x"), "schemas", []string{scim.UserSchema})), want: bad400(scim.TypeInvalidSyntax)},
		badCase{name: "POST duplicate displayName", do: badSCIM("POST", "/Groups", badGroupBody("eng")),
			want: badSCIMErr(http.StatusConflict, scim.TypeUniqueness)},
		badCase{name: "POST duplicate displayName other case", do: badSCIM("POST", "/Groups", badGroupBody(" ENG ")),
			want: badSCIMErr(http.StatusConflict, scim.TypeUniqueness)},
		badCase{name: "POST name of a local default group", do: badSCIM("POST", "/Groups", badGroupBody("jira-software-users")),
			want: badSCIMErr(http.StatusConflict, scim.TypeUniqueness)},
		badCase{name: "POST name of a group in another directory",
			setup: func(e *testEnv, _ *badFixture) {
				e.control("POST", "/orgs/"+testOrg+"/directories", map[string]any{"id": "dir-two", "apiKey": "second-key"}, nil)
				e.call("POST", "/scim/directory/dir-two/Groups", "Bearer second-key", badGroupBody("shared")).wantStatus(e.t, http.StatusCreated)
			},
			do: badSCIM("POST", "/Groups", badGroupBody("shared")), want: badSCIMErr(http.StatusConflict, scim.TypeUniqueness)},
		badCase{name: "POST unknown member", do: badSCIM("POST", "/Groups", badGroupBody("new", "no-such-user")), want: bad400(scim.TypeInvalidValue)},
		badCase{name: "POST valid and unknown member", do: func(e *testEnv, f badFixture) resp {
			return e.scim("POST", "/Groups", badGroupBody("new", f.bob, "no-such-user"))
		}, want: bad400(scim.TypeInvalidValue)},
		badCase{name: "POST over 1 MiB", do: badSCIM("POST", "/Groups", badGroupBody(strings.Repeat("g", DefaultMaxBodyBytes))),
			want: badSCIMErr(http.StatusRequestEntityTooLarge, "")},
		badCase{name: "PUT unknown member", do: func(e *testEnv, f badFixture) resp {
			return e.scim("PUT", "/Groups/"+f.eng, badGroupBody("eng", f.bob, "no-such-user"))
		}, want: bad400(scim.TypeInvalidValue)},
		badCase{name: "PUT without displayName", do: func(e *testEnv, f badFixture) resp {
			return e.scim("PUT", "/Groups/"+f.eng, badWithout(badGroupBody("eng", f.bob), "displayName"))
		}, want: bad400(scim.TypeInvalidValue)},
		badCase{name: "PUT members string", do: func(e *testEnv, f badFixture) resp {
			return e.scim("PUT", "/Groups/"+f.eng, badWith(badGroupBody("eng"), "members", "x"))
		}, want: bad400(scim.TypeInvalidValue)},
		badCase{name: "PUT rename rejected", opts: []func(*Config){func(c *Config) { c.Options.GroupRename = RenameReject }},
			do: func(e *testEnv, f badFixture) resp {
				return e.scim("PUT", "/Groups/"+f.eng, badGroupBody("engineering", f.bob))
			},
			want: bad400(scim.TypeMutability)},
		badCase{name: "PUT over 1 MiB", do: func(e *testEnv, f badFixture) resp {
			return e.scim("PUT", "/Groups/"+f.eng, badWith(badGroupBody("eng"), "externalId", strings.Repeat("e", DefaultMaxBodyBytes)))
		}, want: badSCIMErr(http.StatusRequestEntityTooLarge, "")},
		badCase{name: "GET unknown id", do: badSCIM("GET", "/Groups/no-such-group", nil), want: badSCIMErr(http.StatusNotFound, "", "no-such-group")},
		badCase{name: "PUT unknown id", do: badSCIM("PUT", "/Groups/no-such-group", badGroupBody("x")), want: badSCIMErr(http.StatusNotFound, "", "no-such-group")},
		badCase{name: "DELETE unknown id", do: badSCIM("DELETE", "/Groups/no-such-group", nil), want: badSCIMErr(http.StatusNotFound, "", "no-such-group")},
		badCase{name: "GET user id as group", do: func(e *testEnv, f badFixture) resp { return e.scim("GET", "/Groups/"+f.alice, nil) },
			want: badSCIMErr(http.StatusNotFound, "")},
	)
	badRun(t, cases)
}

// ---- filters, paging, projection ----

func TestBadInputQuery(t *testing.T) {
	q := func(resource, params string) func(*testEnv, badFixture) resp {
		return badSCIM("GET", "/"+resource+"?"+params, nil)
	}
	filter := func(resource, expr string) func(*testEnv, badFixture) resp {
		return q(resource, "filter="+url.QueryEscape(expr))
	}
	invalidFilter := badSCIMErr(http.StatusBadRequest, scim.TypeInvalidFilter)
	invalidValue := badSCIMErr(http.StatusBadRequest, scim.TypeInvalidValue)
	cases := []badCase{
		{name: "users co", do: filter("Users", `userName co "a"`), want: invalidFilter},
		{name: "users sw", do: filter("Users", `userName sw "a"`), want: invalidFilter},
		{name: "users pr", do: filter("Users", `userName pr`), want: invalidFilter},
		{name: "users ne", do: filter("Users", `userName ne "a"`), want: invalidFilter},
		{name: "users and", do: filter("Users", `userName eq "a" and externalId eq "b"`), want: invalidFilter},
		{name: "users or", do: filter("Users", `userName eq "a" or userName eq "b"`), want: invalidFilter},
		{name: "users not", do: filter("Users", `not (userName eq "a")`), want: invalidFilter},
		{name: "users emails.value", do: filter("Users", `emails.value eq "a@b.c"`), want: invalidFilter},
		{name: "users emails value path", do: filter("Users", `emails[value eq "a@b.c"]`), want: invalidFilter},
		{name: "users active", do: filter("Users", `active eq true`), want: invalidFilter},
		{name: "users id", do: filter("Users", `id eq "x"`), want: invalidFilter},
		{name: "users displayName", do: filter("Users", `displayName eq "x"`), want: invalidFilter},
		{name: "users number value", do: filter("Users", `userName eq 5`), want: invalidFilter},
		{name: "users group schema prefix", do: filter("Users", scim.GroupSchema+`:userName eq "a"`), want: invalidFilter},
		{name: "users garbage", do: filter("Users", `((`), want: invalidFilter},
		{name: "users unterminated quote", do: filter("Users", `userName eq "abc`), want: invalidFilter},
		{name: "users missing value", do: filter("Users", `userName eq`), want: invalidFilter},
		{name: "users unknown operator", do: filter("Users", `userName like "a"`), want: invalidFilter},
		{name: "users single quotes", do: filter("Users", `userName eq 'a'`), want: invalidFilter},
		{name: "users control chars", do: filter("Users", "userName eq \"a\x00\""), want: invalidFilter},
		{name: "groups userName", do: filter("Groups", `userName eq "x"`), want: invalidFilter},
		{name: "groups co", do: filter("Groups", `displayName co "e"`), want: invalidFilter},
		{name: "groups members", do: filter("Groups", `members.value eq "x"`), want: invalidFilter},
		{name: "groups garbage", do: filter("Groups", `((`), want: invalidFilter},
		{name: "groups unterminated quote", do: filter("Groups", `displayName eq "eng`), want: invalidFilter},
		{name: "users startIndex abc", do: q("Users", "startIndex=abc"), want: invalidValue},
		{name: "users count 1.5", do: q("Users", "count=1.5"), want: invalidValue},
		{name: "users count abc", do: q("Users", "count=abc"), want: invalidValue},
		{name: "users startIndex overflow", do: q("Users", "startIndex=99999999999999999999999"), want: invalidValue},
		{name: "groups startIndex abc", do: q("Groups", "startIndex=abc"), want: invalidValue},
		{name: "groups count 1.5", do: q("Groups", "count=1.5"), want: invalidValue},
		{name: "users filter and bad count", do: q("Users", "filter="+url.QueryEscape(`userName eq "alice@example.com"`)+"&count=x"), want: invalidValue},
		{name: "users attributes and excludedAttributes", do: q("Users", "attributes=userName&excludedAttributes=emails"), want: invalidValue},
	}
	badRun(t, cases)
}

// ---- authentication ----

func TestBadInputAuth(t *testing.T) {
	call := func(method, path, auth string, body any) func(*testEnv, badFixture) resp {
		return func(e *testEnv, _ badFixture) resp { return e.call(method, path, auth, body) }
	}
	users := "/scim/directory/" + testDir + "/Users"
	newUser := userBody("new@example.com")
	var secondKey string
	cases := []badCase{
		{name: "no header GET", do: call("GET", users, "", nil), want: badFailure(http.StatusUnauthorized)},
		{name: "no header POST", do: call("POST", users, "", newUser), want: badFailure(http.StatusUnauthorized)},
		{name: "no header DELETE", do: func(e *testEnv, f badFixture) resp { return e.call("DELETE", users+"/"+f.alice, "", nil) },
			want: badFailure(http.StatusUnauthorized)},
		{name: "basic", do: call("POST", users, "Basic eHh4Onl5eQ==", newUser), want: badFailure(http.StatusUnauthorized)},
		{name: "basic with the key", do: call("GET", users, "Basic "+testKey, nil), want: badFailure(http.StatusUnauthorized)},
		{name: "bearer without token", do: call("GET", users, "Bearer", nil), want: badFailure(http.StatusUnauthorized)},
		{name: "bearer blank token", do: call("GET", users, "Bearer    ", nil), want: badFailure(http.StatusUnauthorized)},
		{name: "bare key", do: call("GET", users, testKey, nil), want: badFailure(http.StatusUnauthorized)},
		{name: "wrong key", do: call("POST", users, "Bearer wrong-key", newUser), want: badFailure(http.StatusForbidden)},
		{name: "key with suffix", do: call("GET", users, "Bearer "+testKey+"x", nil), want: badFailure(http.StatusForbidden)},
		{name: "org key on directory", do: call("GET", users, "Bearer "+testOrgKey, nil), want: badFailure(http.StatusForbidden)},
		{name: "wrong key on unknown group", do: call("GET", "/scim/directory/"+testDir+"/Groups/no-such-group", "Bearer wrong-key", nil),
			want: badFailure(http.StatusForbidden)},
		{name: "other directory's key",
			setup: func(e *testEnv, _ *badFixture) {
				var out DirectoryCreated
				if st := e.control("POST", "/orgs/"+testOrg+"/directories", map[string]any{"id": "dir-two", "apiKey": "second-key"}, &out); st != http.StatusCreated {
					e.t.Fatalf("create directory: %d", st)
				}
			},
			do: call("POST", users, "Bearer second-key", newUser), want: badFailure(http.StatusForbidden)},
		{name: "other directory's generated key on patch",
			setup: func(e *testEnv, _ *badFixture) {
				var out DirectoryCreated
				if st := e.control("POST", "/orgs/"+testOrg+"/directories", map[string]any{"name": "second"}, &out); st != http.StatusCreated {
					e.t.Fatalf("create directory: %d", st)
				}
				secondKey = out.APIKey
			},
			do: func(e *testEnv, f badFixture) resp {
				return e.call("PATCH", users+"/"+f.alice, "Bearer "+secondKey, badPatch(badOp("replace", "active", false)))
			}, want: badFailure(http.StatusForbidden)},
		{name: "valid key unknown directory", do: call("GET", "/scim/directory/no-such-dir/Users", "Bearer "+testKey, nil),
			want: badSCIMErr(http.StatusNotFound, "")},
		{name: "valid key unknown directory POST", do: call("POST", "/scim/directory/no-such-dir/Users", "Bearer "+testKey, newUser),
			want: badSCIMErr(http.StatusNotFound, "")},
		{name: "wrong key unknown directory", do: call("GET", "/scim/directory/no-such-dir/Users", "Bearer wrong-key", nil),
			want: badFailure(http.StatusForbidden)},
		{name: "no header unknown directory", do: call("GET", "/scim/directory/no-such-dir/Users", "", nil),
			want: badFailure(http.StatusUnauthorized)},
		{name: "regenerated key", do: func(e *testEnv, f badFixture) resp {
			var out struct {
				APIKey string `json:"apiKey"`
			}
			if st := e.control("POST", "/directories/"+testDir+"/key", nil, &out); st != http.StatusOK || out.APIKey == "" || out.APIKey == testKey {
				e.t.Fatalf("regenerate: %d %+v", st, out)
			}
			old := e.key
			e.key = out.APIKey // the snapshot after needs the new key
			return e.call("PATCH", users+"/"+f.alice, "Bearer "+old, badPatch(badOp("replace", "active", false)))
		}, want: badFailure(http.StatusForbidden)},
		{name: "regenerated to a chosen key", do: func(e *testEnv, f badFixture) resp {
			if st := e.control("POST", "/directories/"+testDir+"/key", map[string]any{"apiKey": "chosen-key"}, nil); st != http.StatusOK {
				e.t.Fatalf("regenerate: %d", st)
			}
			e.key = "chosen-key"
			return e.call("DELETE", users+"/"+f.alice, "Bearer "+testKey, nil)
		}, want: badFailure(http.StatusForbidden)},
		// Authentication comes before routing: an unauthenticated client
		// learns nothing about which paths exist.
		{name: "no header unknown path", do: call("GET", "/scim/directory/"+testDir+"/Bulk", "", nil), want: badFailure(http.StatusUnauthorized)},
		{name: "no header wrong method", do: func(e *testEnv, f badFixture) resp {
			return e.call("POST", users+"/"+f.alice, "", newUser)
		}, want: badFailure(http.StatusUnauthorized)},
	}
	badRun(t, cases)

	t.Run("SCIM-format auth errors", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.AuthErrorBody = AuthErrorSCIM })
		badSCIMErr(http.StatusUnauthorized, "")(t, e.call("GET", users, "", nil))
		badSCIMErr(http.StatusForbidden, "")(t, e.call("GET", users, "Bearer wrong-key", nil))
	})
}

// ---- admin APIs ----

func TestBadInputAdmin(t *testing.T) {
	base := "/admin/user-provisioning/v1/org/" + testOrg
	orgKey := "Bearer " + testOrgKey
	call := func(method, path, auth string, body any) func(*testEnv, badFixture) resp {
		return func(e *testEnv, _ badFixture) resp { return e.call(method, path, auth, body) }
	}
	cases := []badCase{
		{name: "no auth", do: call("POST", base+"/get-scim-links-for-email", "", map[string]any{"email": "alice@example.com"}),
			want: badFailure(http.StatusUnauthorized)},
		{name: "no auth delete", do: func(e *testEnv, _ badFixture) resp {
			return e.call("DELETE", base+"/user/"+e.account("alice@example.com").ID+"/onlyDeleteUserInDB", "", nil)
		}, want: badFailure(http.StatusUnauthorized)},
		{name: "basic auth", do: call("GET", base+"/user/x/get-scim-links", "Basic "+testOrgKey, nil), want: badFailure(http.StatusUnauthorized)},
		{name: "wrong key", do: call("POST", base+"/get-scim-links-for-email", "Bearer wrong-key", map[string]any{"email": "alice@example.com"}),
			want: badFailure(http.StatusForbidden)},
		{name: "directory key", do: func(e *testEnv, _ badFixture) resp {
			return e.call("DELETE", base+"/user/"+e.account("alice@example.com").ID+"/onlyDeleteUserInDB", "Bearer "+testKey, nil)
		}, want: badFailure(http.StatusForbidden)},
		{name: "other org's key",
			setup: func(e *testEnv, _ *badFixture) {
				if st := e.control("POST", "/orgs", map[string]any{"id": "org-two", "apiKey": "org-two-key"}, nil); st != http.StatusCreated {
					e.t.Fatalf("create org: %d", st)
				}
			},
			do: func(e *testEnv, f badFixture) resp {
				return e.call("PATCH", base+"/scimDirectoryId/"+testDir+"/scimUserId/"+f.alice+"/unlink", "Bearer org-two-key", nil)
			}, want: badFailure(http.StatusForbidden)},
		{name: "valid key unknown org", do: call("GET", "/admin/user-provisioning/v1/org/no-such-org/user/x/get-scim-links", orgKey, nil),
			want: badFailure(http.StatusNotFound)},
		{name: "unknown account", do: call("GET", base+"/user/no-such-account/get-scim-links", orgKey, nil),
			want: badFailure(http.StatusNotFound, "no-such-account")},
		{name: "unknown account delete", do: call("DELETE", base+"/user/no-such-account/onlyDeleteUserInDB", orgKey, nil),
			want: badFailure(http.StatusNotFound)},
		{name: "unlink unknown user", do: call("PATCH", base+"/scimDirectoryId/"+testDir+"/scimUserId/no-such-user/unlink", orgKey, nil),
			want: badFailure(http.StatusNotFound)},
		{name: "unlink unknown directory", do: func(e *testEnv, f badFixture) resp {
			return e.call("PATCH", base+"/scimDirectoryId/no-such-dir/scimUserId/"+f.alice+"/unlink", orgKey, nil)
		}, want: badFailure(http.StatusNotFound)},
		{name: "delete unmanaged account",
			setup: func(e *testEnv, _ *badFixture) {
				e.control("POST", "/orgs/"+testOrg+"/accounts", map[string]any{"email": "ext@elsewhere.org"}, nil)
			},
			do: func(e *testEnv, _ badFixture) resp {
				return e.call("DELETE", base+"/user/"+e.account("ext@elsewhere.org").ID+"/onlyDeleteUserInDB", orgKey, nil)
			}, want: badFailure(http.StatusBadRequest)},
		{name: "links for email malformed", do: call("POST", base+"/get-scim-links-for-email", orgKey, `{"email":`), want: badFailure(http.StatusBadRequest)},
		{name: "links for email array", do: call("POST", base+"/get-scim-links-for-email", orgKey, `[]`), want: badFailure(http.StatusBadRequest)},
		{name: "links for email empty body", do: call("POST", base+"/get-scim-links-for-email", orgKey, ""), want: badFailure(http.StatusBadRequest)},
		{name: "links for email missing email", do: call("POST", base+"/get-scim-links-for-email", orgKey, `{}`), want: badFailure(http.StatusBadRequest)},
		{name: "links for email number", do: call("POST", base+"/get-scim-links-for-email", orgKey, `{"email":5}`), want: badFailure(http.StatusBadRequest)},
		{name: "links for email over 1 MiB", do: call("POST", base+"/get-scim-links-for-email", orgKey,
			map[string]any{"email": strings.Repeat("a", DefaultMaxBodyBytes)}), want: badFailure(http.StatusRequestEntityTooLarge)},
		{name: "unknown admin route", do: call("GET", base+"/users", orgKey, nil), want: badFailure(http.StatusNotFound)},
		{name: "wrong method", do: call("GET", base+"/get-scim-links-for-email", orgKey, nil), want: badFailure(http.StatusMethodNotAllowed)},
	}
	badRun(t, cases)
}

// ---- control API ----

func TestBadInputControl(t *testing.T) {
	ctl := func(method, path string, body any) func(*testEnv, badFixture) resp {
		return func(e *testEnv, _ badFixture) resp { return e.call(method, "/_sim"+path, "", body) }
	}
	org := "/orgs/" + testOrg
	addBitbucket := func(e *testEnv, _ *badFixture) {
		if st := e.control("POST", org+"/sites", map[string]any{"name": "bb.atlassian.net", "products": []string{"bitbucket"}}, nil); st != http.StatusCreated {
			e.t.Fatalf("add site: %d", st)
		}
	}
	cases := []badCase{
		{name: "create org malformed", do: ctl("POST", "/orgs", `{"id":`), want: badControlErr(http.StatusBadRequest)},
		{name: "create org array", do: ctl("POST", "/orgs", `[]`), want: badControlErr(http.StatusBadRequest)},
		{name: "create org wrong type", do: ctl("POST", "/orgs", `{"verifiedDomains":"example.com"}`), want: badControlErr(http.StatusBadRequest)},
		{name: "create org bad domain", do: ctl("POST", "/orgs", map[string]any{"id": "org-x", "verifiedDomains": []string{"not a domain"}}),
			want: badControlErr(http.StatusBadRequest)},
		{name: "create org duplicate id", do: ctl("POST", "/orgs", map[string]any{"id": testOrg}), want: badControlErr(http.StatusConflict)},
		{name: "create org duplicate key", do: ctl("POST", "/orgs", map[string]any{"id": "org-x", "apiKey": testOrgKey}),
			want: badControlErr(http.StatusConflict)},
		{name: "create org over 1 MiB", do: ctl("POST", "/orgs", map[string]any{"name": strings.Repeat("n", DefaultMaxBodyBytes)}),
			want: badControlErr(http.StatusRequestEntityTooLarge)},
		{name: "unknown org", do: ctl("GET", "/orgs/no-such-org", nil), want: badControlErr(http.StatusNotFound, "no-such-org")},
		{name: "unknown org accounts", do: ctl("GET", "/orgs/no-such-org/accounts", nil), want: badControlErr(http.StatusNotFound)},
		{name: "unknown org add site", do: ctl("POST", "/orgs/no-such-org/sites", map[string]any{"name": "x.atlassian.net"}),
			want: badControlErr(http.StatusNotFound)},
		{name: "unknown org directory", do: ctl("POST", "/orgs/no-such-org/directories", map[string]any{"name": "d"}),
			want: badControlErr(http.StatusNotFound)},
		{name: "directory id with slash", do: ctl("POST", org+"/directories", map[string]any{"id": "a/b"}), want: badControlErr(http.StatusBadRequest)},
		{name: "directory duplicate id", do: ctl("POST", org+"/directories", map[string]any{"id": testDir}), want: badControlErr(http.StatusConflict)},
		{name: "directory duplicate key", do: ctl("POST", org+"/directories", map[string]any{"id": "dir-x", "apiKey": testKey}),
			want: badControlErr(http.StatusConflict)},
		{name: "regenerate key unknown directory", do: ctl("POST", "/directories/no-such-dir/key", nil), want: badControlErr(http.StatusNotFound)},
		{name: "regenerate key malformed", do: ctl("POST", "/directories/"+testDir+"/key", `{"apiKey":`), want: badControlErr(http.StatusBadRequest)},
		{name: "add site unknown product", do: ctl("POST", org+"/sites", map[string]any{"name": "new.atlassian.net", "products": []string{"jira-software", "jira-nope"}}),
			want: badControlErr(http.StatusBadRequest, "jira-nope")},
		{name: "add site without name", do: ctl("POST", org+"/sites", map[string]any{"products": []string{"confluence"}}), want: badControlErr(http.StatusBadRequest)},
		{name: "add site duplicate", do: ctl("POST", org+"/sites", map[string]any{"name": testSite}), want: badControlErr(http.StatusConflict)},
		{name: "add site malformed", do: ctl("POST", org+"/sites", `{"name":"x.atlassian.net"`), want: badControlErr(http.StatusBadRequest)},
		{name: "add site empty body", do: ctl("POST", org+"/sites", ""), want: badControlErr(http.StatusBadRequest)},
		{name: "add product unknown", do: ctl("POST", org+"/sites/"+testSite+"/products", map[string]any{"product": "nope"}), want: badControlErr(http.StatusBadRequest)},
		{name: "add product unknown site", do: ctl("POST", org+"/sites/no-such-site/products", map[string]any{"product": "bitbucket"}),
			want: badControlErr(http.StatusNotFound)},
		{name: "add product duplicate", do: ctl("POST", org+"/sites/"+testSite+"/products", map[string]any{"product": "confluence"}),
			want: badControlErr(http.StatusConflict)},
		{name: "grant SCIM group bitbucket", setup: addBitbucket,
			do: ctl("PUT", org+"/sites/bb.atlassian.net/products/bitbucket/groups/eng", nil), want: badControlErr(http.StatusBadRequest)},
		{name: "grant SCIM group bitbucket by id", setup: addBitbucket,
			do: func(e *testEnv, f badFixture) resp {
				var groups []GroupView
				e.control("GET", org+"/groups", nil, &groups)
				id := ""
				for _, g := range groups {
					if g.Name == "eng" {
						id = g.ID
					}
				}
				return e.call("PUT", "/_sim"+org+"/sites/bb.atlassian.net/products/bitbucket/groups/"+id, "", nil)
			}, want: badControlErr(http.StatusBadRequest)},
		{name: "grant product not on site", do: ctl("PUT", org+"/sites/"+testSite+"/products/bitbucket/groups/eng", nil), want: badControlErr(http.StatusNotFound)},
		{name: "grant unknown group", do: ctl("PUT", org+"/sites/"+testSite+"/products/confluence/groups/no-such-group", nil), want: badControlErr(http.StatusNotFound)},
		{name: "grant unknown site", do: ctl("PUT", org+"/sites/no-such-site/products/confluence/groups/eng", nil), want: badControlErr(http.StatusNotFound)},
		{name: "SCIM group as default", do: ctl("PUT", org+"/groups/eng/default", nil), want: badControlErr(http.StatusBadRequest, "eng")},
		{name: "unknown group as default", do: ctl("PUT", org+"/groups/no-such-group/default", nil), want: badControlErr(http.StatusNotFound)},
		{name: "local group without name", do: ctl("POST", org+"/groups", map[string]any{"name": " "}), want: badControlErr(http.StatusBadRequest)},
		{name: "local group duplicate name", do: ctl("POST", org+"/groups", map[string]any{"name": "eng"}), want: badControlErr(http.StatusConflict)},
		{name: "local group unknown member", do: ctl("POST", org+"/groups", map[string]any{"name": "local", "members": []string{"alice@example.com", "nobody@example.com"}}),
			want: badControlErr(http.StatusNotFound)},
		{name: "local group members wrong type", do: ctl("POST", org+"/groups", `{"name":"local","members":"alice@example.com"}`),
			want: badControlErr(http.StatusBadRequest)},
		{name: "account invalid email", do: ctl("POST", org+"/accounts", map[string]any{"email": "not-an-email"}), want: badControlErr(http.StatusBadRequest)},
		{name: "account duplicate email", do: ctl("POST", org+"/accounts", map[string]any{"email": "alice@example.com"}), want: badControlErr(http.StatusConflict)},
		{name: "account unknown", do: ctl("GET", org+"/accounts/no-such-account", nil), want: badControlErr(http.StatusNotFound)},
		{name: "domain invalid", do: ctl("POST", org+"/domains", map[string]any{"name": "a@b"}), want: badControlErr(http.StatusBadRequest)},
		{name: "domain verified string", do: ctl("POST", org+"/domains", `{"name":"new.example","verified":"yes"}`), want: badControlErr(http.StatusBadRequest)},
		{name: "the old sso shortcut is gone", do: ctl("POST", org+"/sso", map[string]any{"subject": "ada@example.com"}), want: badControlErr(http.StatusNotFound)},
		{name: "journal negative limit", do: ctl("GET", "/journal?limit=-1", nil), want: badControlErr(http.StatusBadRequest)},
		{name: "journal bad after", do: ctl("GET", "/journal?after=x", nil), want: badControlErr(http.StatusBadRequest)},
		{name: "reset unknown org", do: ctl("POST", "/orgs/no-such-org/reset", nil), want: badControlErr(http.StatusNotFound)},
		{name: "unknown route", do: ctl("GET", "/no-such-route", nil), want: badControlErr(http.StatusNotFound)},
		{name: "unknown nested route", do: ctl("POST", org+"/users", map[string]any{}), want: badControlErr(http.StatusNotFound)},
		{name: "wrong method", do: ctl("DELETE", "/orgs", nil), want: badControlErr(http.StatusMethodNotAllowed)},
	}
	badRun(t, cases)
}

// ---- routing ----

func TestBadInputRouting(t *testing.T) {
	cases := []badCase{
		{name: "POST user id", do: func(e *testEnv, f badFixture) resp {
			return e.scim("POST", "/Users/"+f.alice, userBody("new@example.com"))
		},
			want: badSCIMErr(http.StatusMethodNotAllowed, "")},
		{name: "DELETE Users", do: badSCIM("DELETE", "/Users", nil), want: badSCIMErr(http.StatusMethodNotAllowed, "")},
		{name: "PUT Users", do: badSCIM("PUT", "/Users", userBody("new@example.com")), want: badSCIMErr(http.StatusMethodNotAllowed, "")},
		{name: "PATCH Groups", do: badSCIM("PATCH", "/Groups", badPatch(badOp("add", "members", []any{}))), want: badSCIMErr(http.StatusMethodNotAllowed, "")},
		{name: "POST group id", do: func(e *testEnv, f badFixture) resp { return e.scim("POST", "/Groups/"+f.eng, badGroupBody("x")) },
			want: badSCIMErr(http.StatusMethodNotAllowed, "")},
		{name: "POST Schemas", do: badSCIM("POST", "/Schemas", `{}`), want: badSCIMErr(http.StatusMethodNotAllowed, "")},
		{name: "DELETE ServiceProviderConfig", do: badSCIM("DELETE", "/ServiceProviderConfig", nil), want: badSCIMErr(http.StatusMethodNotAllowed, "")},
		{name: "Bulk", do: badSCIM("POST", "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[]}`),
			want: badSCIMErr(http.StatusNotFound, "")},
		{name: "Me", do: badSCIM("GET", "/Me", nil), want: badSCIMErr(http.StatusNotFound, "")},
		{name: "search", do: badSCIM("POST", "/.search", `{}`), want: badSCIMErr(http.StatusNotFound, "")},
		{name: "nested user path", do: func(e *testEnv, f badFixture) resp { return e.scim("GET", "/Users/"+f.alice+"/groups", nil) },
			want: badSCIMErr(http.StatusNotFound, "")},
		{name: "unknown schema", do: badSCIM("GET", "/Schemas/urn:example:nope", nil), want: badSCIMErr(http.StatusNotFound, "")},
		{name: "unknown resource type", do: badSCIM("GET", "/ResourceTypes/Device", nil), want: badSCIMErr(http.StatusNotFound, "")},
		{name: "unknown top-level path", do: func(e *testEnv, _ badFixture) resp { return e.call("GET", "/no-such-path", "", nil) },
			want: badSCIMErr(http.StatusNotFound, "")},
	}
	badRun(t, cases)
}

// ---- configuration-dependent rejections ----

func TestBadInputModes(t *testing.T) {
	cases := []badCase{
		{name: "directory user limit error",
			opts: []func(*Config){func(c *Config) { c.Options.MaxUsersPerDirectory = 2; c.Options.LimitMode = LimitError }},
			do:   badSCIM("POST", "/Users", userBody("new@example.com")), want: badSCIMErr(http.StatusBadRequest, scim.TypeInvalidValue)},
		{name: "unverified domain refused",
			opts: []func(*Config){func(c *Config) { c.Options.RequireVerifiedDomain = true }},
			do:   badSCIM("POST", "/Users", userBody("new@elsewhere.org")), want: badSCIMErr(http.StatusBadRequest, scim.TypeInvalidValue)},
		{name: "group member limit",
			opts: []func(*Config){func(c *Config) { c.Options.MaxUsersPerGroup = 1 }},
			do: func(e *testEnv, f badFixture) resp {
				return e.scim("PATCH", "/Groups/"+f.eng, badPatch(badOp("add", "members", badMembers(f.bob))))
			}, want: badSCIMErr(http.StatusBadRequest, scim.TypeInvalidValue)},
		{name: "group collision with local group conflict", setup: func(e *testEnv, _ *badFixture) {
			if st := e.control("POST", "/orgs/"+testOrg+"/groups", map[string]any{"name": "local-team"}, nil); st != http.StatusCreated {
				e.t.Fatalf("local group: %d", st)
			}
		}, do: badSCIM("POST", "/Groups", badGroupBody("local-team")), want: badSCIMErr(http.StatusConflict, scim.TypeUniqueness)},
		// Legacy DELETE: a deleted user comes back when provisioned again;
		// if that write fails the user must stay deleted.
		{name: "legacy revive that conflicts",
			opts: []func(*Config){func(c *Config) { c.Options.DeleteMode = DeleteDeactivates }},
			setup: func(e *testEnv, f *badFixture) {
				e.scim("DELETE", "/Users/"+f.alice, nil).wantStatus(e.t, http.StatusNoContent)
			},
			do:   badSCIM("POST", "/Users", badWith(userBody("alice@example.com"), "userName", "bob@example.com")),
			want: badSCIMErr(http.StatusConflict, scim.TypeUniqueness)},
	}
	badRun(t, cases)
}

// ---- garbage ----

// TestNoPanicOnGarbage sends a deterministic set of random and mutated
// bodies to every write route: no 5xx, and every 4xx is a SCIM envelope.
func TestNoPanicOnGarbage(t *testing.T) {
	e := newEnv(t)
	f := seedBad(e)
	rng := rand.New(rand.NewSource(20260502))

	type target struct {
		method, path string
		bases        []any
	}
	userPatchBases := []any{
		badPatch(badOp("replace", "active", false)),
		badPatch(badOp("replace", "", map[string]any{"active": true, "displayName": "A", "name": map[string]any{"givenName": "A"}})),
		badPatch(badOp("replace", `emails[type eq "work"].value`, "alice@example.com"), badOp("add", "title", "Dev")),
		badPatch(badOp("add", scim.EnterpriseUserSchema+":department", "R&D"), badOp("remove", "nickName", nil)),
		badPatch(badOp("replace", scim.EnterpriseUserSchema, map[string]any{"organization": "Acme"})),
	}
	groupPatchBases := []any{
		badPatch(badOp("add", "members", badMembers(f.bob))),
		badPatch(badOp("remove", fmt.Sprintf("members[value eq %q]", f.bob), nil)),
		badPatch(badOp("replace", "members", badMembers(f.alice, f.bob))),
		map[string]any{"schemas": []string{scim.PatchOpSchema}, "Operations": []any{map[string]any{"op": "Remove", "path": "members", "value": badMembers(f.bob)}}},
		badPatch(badOp("replace", "", map[string]any{"id": f.eng, "displayName": "eng"})),
	}
	targets := []target{
		{"POST", "/Users", []any{userBody("g1@example.com"), badWith(userBody("g2@example.com"), scim.EnterpriseUserSchema, map[string]any{"department": "x"})}},
		{"PUT", "/Users/" + f.alice, []any{userBody("alice@example.com"), badWith(userBody("alice@example.com"), "phoneNumbers", []any{map[string]any{"value": "1"}})}},
		{"PATCH", "/Users/" + f.alice, userPatchBases},
		{"POST", "/Groups", []any{badGroupBody("g-new", f.alice), badGroupBody("g-other")}},
		{"PUT", "/Groups/" + f.eng, []any{badGroupBody("eng", f.alice, f.bob), badGroupBody("eng")}},
		{"PATCH", "/Groups/" + f.eng, groupPatchBases},
		{"PATCH", "/Groups/" + f.ops, groupPatchBases},
	}

	const n = 210
	statuses := map[int]int{}
	for i := 0; i < n; i++ {
		tg := targets[i%len(targets)]
		base := tg.bases[rng.Intn(len(tg.bases))]
		body := badMutate(rng, base)
		r, panicked := badSafeCall(e, tg.method, tg.path, body)
		label := fmt.Sprintf("#%d %s %s %s", i, tg.method, tg.path, badClip(string(body), 300))
		if panicked != nil {
			t.Errorf("%s: handler panicked: %v", label, panicked)
			continue
		}
		statuses[r.Status]++
		badCheckGarbage(t, label, r)
	}
	// Every pathological document on every route.
	for i, doc := range badPathological {
		for _, tg := range targets {
			r, panicked := badSafeCall(e, tg.method, tg.path, []byte(doc))
			label := fmt.Sprintf("pathological #%d %s %s %s", i, tg.method, tg.path, badClip(doc, 300))
			if panicked != nil {
				t.Errorf("%s: handler panicked: %v", label, panicked)
				continue
			}
			statuses[r.Status]++
			badCheckGarbage(t, label, r)
		}
	}
	t.Logf("%d mutated and %d pathological requests, statuses %v", n, len(badPathological)*len(targets), statuses)
	// The server still answers afterwards.
	e.snapshot()
}

func badSafeCall(e *testEnv, method, path string, body []byte) (r resp, panicked any) {
	defer func() { panicked = recover() }()
	return e.scim(method, path, body), nil
}

var badSCIMTypes = []string{"invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax",
	"invalidPath", "noTarget", "invalidValue", "invalidVers", "sensitive"}

func badCheckGarbage(t *testing.T, label string, r resp) {
	t.Helper()
	switch {
	case r.Status >= 500:
		t.Errorf("%s: status %d; body %s", label, r.Status, r.Raw)
	case r.Status >= 400:
		schemas, _ := r.Body["schemas"].([]any)
		if len(schemas) != 1 || schemas[0] != scim.ErrorSchema {
			t.Errorf("%s: %d without a SCIM error envelope: %s", label, r.Status, r.Raw)
			return
		}
		if r.str("status") != itoa(r.Status) {
			t.Errorf("%s: status member %q for HTTP %d", label, r.str("status"), r.Status)
		}
		if r.str("detail") == "" {
			t.Errorf("%s: empty detail: %s", label, r.Raw)
		}
		if st, ok := r.Body["scimType"]; ok {
			if s, _ := st.(string); !slices.Contains(badSCIMTypes, s) {
				t.Errorf("%s: scimType %v is not an RFC 7644 value", label, st)
			}
		}
	case r.Status == http.StatusOK || r.Status == http.StatusCreated:
		if r.Body == nil {
			t.Errorf("%s: %d with a body that is not a JSON object: %s", label, r.Status, badClip(string(r.Raw), 300))
		}
	default:
		t.Errorf("%s: unexpected status %d", label, r.Status)
	}
}

// mutate returns a garbage variant of base: structural replacement of
// values with random JSON, or byte-level damage.
func badMutate(rng *rand.Rand, base any) []byte {
	raw, err := json.Marshal(base)
	if err != nil {
		panic(err)
	}
	switch rng.Intn(9) {
	case 0, 1, 2, 3, 4: // structural: replace, delete or add members anywhere
		var doc any
		_ = json.Unmarshal(raw, &doc)
		for k := 1 + rng.Intn(3); k > 0; k-- {
			doc = badMutateValue(rng, doc, 0)
		}
		out, _ := json.Marshal(doc)
		return out
	case 5: // truncate
		return raw[:rng.Intn(len(raw))]
	case 6: // flip bytes
		out := append([]byte(nil), raw...)
		for k := 1 + rng.Intn(4); k > 0; k-- {
			out[rng.Intn(len(out))] = byte(rng.Intn(256))
		}
		return out
	case 7: // insert JSON punctuation
		out := append([]byte(nil), raw...)
		const punct = `{}[]":,\ 0-eE.tfn` + "\x00\xff"
		for k := 1 + rng.Intn(4); k > 0; k-- {
			at := rng.Intn(len(out) + 1)
			out = append(out[:at], append([]byte{punct[rng.Intn(len(punct))]}, out[at:]...)...)
		}
		return out
	case 8: // delete a span
		a := rng.Intn(len(raw))
		b := a + rng.Intn(len(raw)-a)
		return append(append([]byte(nil), raw[:a]...), raw[b:]...)
	default: // duplicate a span
		a := rng.Intn(len(raw))
		b := a + rng.Intn(len(raw)-a)
		return append(append(append([]byte(nil), raw[:b]...), raw[a:b]...), raw[b:]...)
	}
}

var badPathological = []string{
	strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
	`{"a":` + strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat("}", 5001),
	`{"userName":"` + strings.Repeat(`\u0000`, 1000) + `","emails":[{"value":"a@example.com","primary":true}]}`,
	`{"userName":"\ud800","emails":[{"value":"\udfff@example.com","primary":true}]}`,
	"\xef\xbb\xbf" + `{"userName":"bom@example.com","emails":[{"value":"bom@example.com","primary":true}]}`,
	`{"userName":"big@example.com","active":1e999,"emails":[{"value":"big@example.com","primary":true}]}`,
	`{"Operations":[{"op":"add","path":"members","value":[` + strings.Repeat(`{"value":null},`, 500) + `{}]}]}`,
	`{"Operations":[{"op":"replace","path":"` + strings.Repeat("a.", 2000) + `a","value":1}]}`,
	`{"Operations":[{"op":"replace","path":"emails[` + strings.Repeat("(", 2000) + `","value":1}]}`,
	`{"Operations":[{"op":"add","path":"members[value eq \"x\" and (type eq \"User\" or not (value pr))]","value":{"value":"x"}}]}`,
	`{"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":{"nested":["x"]}}]}`,
	`{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":[1,2]}]}`,
	`{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value","value":"x"}]}`,
	`{"Operations":[{"op":"add","path":"emails[type eq \"home\" and primary eq true]","value":{"value":"h@example.com"}}]}`,
	`{"Operations":[{"op":"add","path":"emails[value ew \"x\"].primary","value":"True"}]}`,
	`{"schemas":null,"Operations":[{"op":null,"path":null,"value":null}]}`,
	`{"displayName":"` + strings.Repeat("é", 3000) + `","members":[{"value":"` + strings.Repeat("x", 3000) + `"}]}`,
	`{"members":[{"value":{"value":"x"}}],"displayName":["a"]}`,
	`{"userName":"x@example.com","emails":[{"value":"x@example.com","primary":true}],"name":{"givenName":{"x":1}}}`,
	`{"userName":"x@example.com","emails":[{"value":"x@example.com","primary":true}],"meta":{"created":"yesterday","lastModified":5}}`,
	`{"userName":"x@example.com","emails":[{"value":"x@example.com","primary":true}],"groups":[{"value":"no-such-group"}],"id":"chosen"}`,
	`{"userName":"x@example.com","emails":[{"value":"x@example.com","primary":true}],"urn:scim:schemas:extension:atlassian-external:1.0":{"atlassianAccountId":"forged"}}`,
	`1e99999999`,
	`-`,
	`{"":""}`,
}

// mutateValue replaces a random node of v with random JSON, deletes a member
// or adds one, descending at random.
func badMutateValue(rng *rand.Rand, v any, depth int) any {
	if depth > 6 || rng.Intn(4) == 0 {
		return badRandomJSON(rng, 2)
	}
	switch x := v.(type) {
	case map[string]any:
		keys := badKeys(x)
		switch {
		case len(keys) > 0 && rng.Intn(5) == 0:
			delete(x, keys[rng.Intn(len(keys))])
		case len(keys) == 0 || rng.Intn(5) == 0:
			names := []string{"userName", "USERNAME", "emails", "active", "members", "Operations", "operations", "op", "path", "value", "schemas", "displayName", "id", "primary", "x"}
			x[names[rng.Intn(len(names))]] = badRandomJSON(rng, 2)
		default:
			k := keys[rng.Intn(len(keys))]
			x[k] = badMutateValue(rng, x[k], depth+1)
		}
		return x
	case []any:
		if len(x) == 0 || rng.Intn(5) == 0 {
			return append(x, badRandomJSON(rng, 2))
		}
		i := rng.Intn(len(x))
		x[i] = badMutateValue(rng, x[i], depth+1)
		return x
	default:
		return badRandomJSON(rng, 2)
	}
}

func badRandomJSON(rng *rand.Rand, depth int) any {
	n := 7
	if depth <= 0 {
		n = 5
	}
	switch rng.Intn(n) {
	case 0:
		return nil
	case 1:
		return rng.Intn(2) == 0
	case 2:
		return []float64{0, -1, 1.5, 1e300, 9007199254740993}[rng.Intn(5)]
	case 3:
		return []string{"", " ", "maybe", "True", "a@b.c", "alice@example.com", "x@y", "add", "replace", "remove",
			"members", `members[value eq "x"]`, "emails[", "urn:ietf:params:scim:schemas:core:2.0:User", "\u0000", "ü"}[rng.Intn(16)]
	case 4:
		return strings.Repeat("z", rng.Intn(300))
	case 5:
		arr := make([]any, rng.Intn(3))
		for i := range arr {
			arr[i] = badRandomJSON(rng, depth-1)
		}
		return arr
	default:
		m := map[string]any{}
		for i := rng.Intn(3); i > 0; i-- {
			m[[]string{"value", "op", "path", "primary", "type", "givenName", "x"}[rng.Intn(7)]] = badRandomJSON(rng, depth-1)
		}
		return m
	}
}
