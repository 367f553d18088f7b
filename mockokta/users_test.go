package mockokta

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var oktaTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func TestSSWSAuthFailures(t *testing.T) {
	e := newOktaEnv(t)
	// No credentials Okta takes is 403 E0000005 "Invalid session"; a token
	// it does not know is 401 E0000011 (OAPI-AUTH-2).
	cases := []struct {
		name, auth string
		status     int
		code, text string
	}{
		{"missing", "", 403, "E0000005", "Invalid session"},
		{"basic", "Basic dGVzdDp0ZXN0", 403, "E0000005", "Invalid session"},
		{"token without scheme", testToken, 403, "E0000005", "Invalid session"},
		{"bearer with an API token", "Bearer " + testToken, 401, "E0000011", "Invalid token provided"},
		{"empty token", "SSWS ", 401, "E0000011", "Invalid token provided"},
		{"wrong token", "SSWS not-the-token", 401, "E0000011", "Invalid token provided"},
		{"token prefix", "SSWS test-toke", 401, "E0000011", "Invalid token provided"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/users", "/api/v1/groups", "/api/v1/users/00uNOPE"} {
				r := e.doAuth("GET", path, nil, tc.auth).wantError(t, tc.status, tc.code)
				if r.str("errorSummary") != tc.text {
					t.Errorf("summary %q", r.str("errorSummary"))
				}
				checkOktaHeaders(t, r)
			}
		})
	}
	// The scheme is case-insensitive.
	e.doAuth("GET", "/api/v1/users", nil, "ssws "+testToken).must(t, 200)
}

// checkOktaHeaders checks the headers every Okta response carries (OAPI-SDK-1, OAPI-SDK-2).
func checkOktaHeaders(t *testing.T, r resp) {
	t.Helper()
	date := r.Header.Get("Date")
	if _, err := time.Parse(http.TimeFormat, date); err != nil || !strings.HasSuffix(date, " GMT") {
		t.Errorf("Date %q is not RFC 1123 GMT: %v", date, err)
	}
	if id := r.Header.Get("X-Okta-Request-Id"); id == "" {
		t.Errorf("X-Okta-Request-Id missing")
	}
	for _, h := range []string{"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"} {
		if _, err := strconv.ParseInt(r.Header.Get(h), 10, 64); err != nil {
			t.Errorf("%s = %q, want an integer", h, r.Header.Get(h))
		}
	}
	if len(r.Raw) > 0 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Errorf("Content-Type %q with a body", r.Header.Get("Content-Type"))
	}
}

func TestHeadersOnEveryResponse(t *testing.T) {
	e := newOktaEnv(t)
	u := e.createUser("hdr@example.com", "", true)
	g := e.createGroup("Headers")
	id, gid := u["id"].(string), g["id"].(string)
	cases := []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/api/v1/users", nil, 200},
		{"GET", "/api/v1/users/" + id, nil, 200},
		{"POST", "/api/v1/users/" + id, map[string]any{"profile": map[string]any{"title": "x"}}, 200},
		{"POST", "/api/v1/users", `{"profile":`, 400},
		{"GET", "/api/v1/users/00uMISSING", nil, 404},
		{"POST", "/api/v1/users/" + id + "/lifecycle/suspend", nil, 200},
		{"POST", "/api/v1/users/" + id + "/lifecycle/suspend", nil, 400},
		{"PUT", "/api/v1/groups/" + gid + "/users/" + id, nil, 204},
		{"DELETE", "/api/v1/groups/" + gid + "/users/" + id, nil, 204},
		{"GET", "/api/v1/groups", nil, 200},
		{"GET", "/api/v1/groups/" + gid + "/users", nil, 200},
		{"DELETE", "/api/v1/groups/" + gid, nil, 204},
		{"GET", "/api/v1/users/" + id + "/lifecycle/bogus", nil, 404},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.body).must(t, tc.status)
			checkOktaHeaders(t, r)
		})
	}
}

func TestCreateUserStatuses(t *testing.T) {
	cases := []struct {
		name     string
		query    string
		password bool
		status   string
		events   []string
	}{
		{"default activate with password", "", true, StatusActive,
			[]string{"user.lifecycle.create", "user.lifecycle.activate"}},
		{"activate=true with password", "?activate=true", true, StatusActive,
			[]string{"user.lifecycle.create", "user.lifecycle.activate"}},
		{"activate without password", "?activate=true", false, StatusProvisioned,
			[]string{"user.lifecycle.create", "user.lifecycle.activate"}},
		{"default activate without password", "", false, StatusProvisioned,
			[]string{"user.lifecycle.create", "user.lifecycle.activate"}},
		{"staged", "?activate=false", false, StatusStaged, []string{"user.lifecycle.create"}},
		{"staged with password", "?activate=FALSE", true, StatusStaged, []string{"user.lifecycle.create"}},
		{"expired password", "?activate=true&nextLogin=changePassword", true, StatusPasswordExpired,
			[]string{"user.lifecycle.create", "user.lifecycle.activate"}},
		{"provider", "?activate=true&provider=true", false, StatusActive,
			[]string{"user.lifecycle.create", "user.lifecycle.activate"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newOktaEnv(t)
			u := e.createUser("Alice.Smith@Example.com", tc.query, tc.password)
			r := resp{Body: u}
			id := r.str("id")
			if !strings.HasPrefix(id, "00u") || len(id) != 20 {
				t.Errorf("id %q: want 00u + 17 characters", id)
			}
			if r.str("status") != tc.status {
				t.Errorf("status %q, want %q", r.str("status"), tc.status)
			}
			for _, f := range []string{"created", "lastUpdated"} {
				if !oktaTimeRE.MatchString(r.str(f)) {
					t.Errorf("%s %q not in Okta's format", f, r.str(f))
				}
			}
			activated := tc.status != StatusStaged
			for _, f := range []string{"activated", "statusChanged"} {
				if !r.has(f) {
					t.Errorf("%s missing", f)
				}
				if got := r.str(f); activated != (got != "") || (activated && !oktaTimeRE.MatchString(got)) {
					t.Errorf("%s = %q (activated: %v)", f, got, activated)
				}
			}
			if !r.has("lastLogin") || digPath(u, "lastLogin") != nil {
				t.Errorf("lastLogin should be null: %v", digPath(u, "lastLogin"))
			}
			if r.has("transitioningToStatus") {
				t.Errorf("transitioningToStatus should be absent")
			}
			if got := r.str("passwordChanged"); tc.password != (got != "") {
				t.Errorf("passwordChanged %q (password set: %v)", got, tc.password)
			}
			if !strings.HasPrefix(r.str("type.id"), "oty") {
				t.Errorf("type.id %q", r.str("type.id"))
			}
			if r.has("credentials.password") != tc.password {
				t.Errorf("credentials.password present=%v, want %v", r.has("credentials.password"), tc.password)
			}
			if r.has("credentials.password.value") {
				t.Errorf("password value echoed")
			}
			if r.str("credentials.provider.type") != "OKTA" || r.str("credentials.provider.name") != "OKTA" {
				t.Errorf("credentials.provider %v", digPath(u, "credentials.provider"))
			}
			if r.str("profile.login") != "Alice.Smith@Example.com" || r.str("profile.firstName") != "First" {
				t.Errorf("profile %v", u["profile"])
			}
			if want := "http://okta.test/api/v1/users/" + id; r.str("_links.self.href") != want {
				t.Errorf("_links.self.href %q, want %q", r.str("_links.self.href"), want)
			}
			if got := e.events(); !slices.Equal(got, tc.events) {
				t.Errorf("events %v, want %v", got, tc.events)
			}
			// The stored user reads back the same.
			if got := e.do("GET", "/api/v1/users/"+id, nil).must(t, 200); got.str("status") != tc.status ||
				got.str("created") != r.str("created") {
				t.Errorf("GET differs: %s", got.Raw)
			}
		})
	}
}

func TestCreateUserValidation(t *testing.T) {
	profile := func(drop string, set map[string]any) map[string]any {
		p := map[string]any{"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com", "login": "ann@example.com"}
		delete(p, drop)
		for k, v := range set {
			p[k] = v
		}
		return map[string]any{"profile": p}
	}
	cases := []struct {
		name   string
		query  string
		body   any
		status int
		code   string
		cause  string // a cause that must be present ("" skips)
	}{
		{"missing login", "", profile("login", nil), 400, "E0000001", "login: The field cannot be left blank"},
		{"blank login", "", profile("", map[string]any{"login": "  "}), 400, "E0000001", "login: The field cannot be left blank"},
		{"missing email", "", profile("email", nil), 400, "E0000001", "email: The field cannot be left blank"},
		{"bad email", "", profile("", map[string]any{"email": "not-an-email"}), 400, "E0000001", "email: Does not match required pattern"},
		{"missing firstName", "", profile("firstName", nil), 400, "E0000001", "firstName: The field cannot be left blank"},
		{"null lastName", "", profile("", map[string]any{"lastName": nil}), 400, "E0000001", "lastName: The field cannot be left blank"},
		{"login not a string", "", profile("", map[string]any{"login": 42}), 400, "E0000001", "login: Property type mismatch"},
		{"nested custom attribute", "", profile("", map[string]any{"costs": map[string]any{"a": 1}}), 400, "E0000001", "costs: Property type mismatch"},
		{"array of objects", "", profile("", map[string]any{"tags": []any{map[string]any{"a": 1}}}), 400, "E0000001", "tags: Property type mismatch"},
		{"array of arrays", "", profile("", map[string]any{"tags": []any{[]any{"a"}}}), 400, "E0000001", "tags: Property type mismatch"},
		{"no profile", "", map[string]any{}, 400, "E0000001", "login: The field cannot be left blank"},
		{"weak password", "", withPassword(profile("", nil), "password"), 400, "E0000001", "password: " + passwordPolicy},
		{"short recovery answer", "", map[string]any{"profile": profile("", nil)["profile"],
			"credentials": map[string]any{"recovery_question": map[string]any{"question": "Colour?", "answer": "red"}}},
			400, "E0000001", ""},
		{"unknown group", "", map[string]any{"profile": profile("", nil)["profile"], "groupIds": []string{"00gNOPE"}},
			400, "E0000001", ""},
		{"unknown user type", "", map[string]any{"profile": profile("", nil)["profile"], "type": map[string]any{"id": "otyNOPE"}},
			400, "E0000001", ""},
		{"groupIds not an array", "", map[string]any{"profile": profile("", nil)["profile"], "groupIds": "00g1"},
			400, "E0000001", ""},
		{"expire without password", "?nextLogin=changePassword", profile("", nil), 400, "E0000124", ""},
		{"expire without activation", "?activate=false&nextLogin=changePassword", withPassword(profile("", nil), goodPassword), 400, "E0000125", ""},
		{"bad nextLogin", "?nextLogin=later", withPassword(profile("", nil), goodPassword), 400, "E0000001", ""},
		{"bad activate", "?activate=maybe", profile("", nil), 400, "E0000001", ""},
		{"malformed JSON", "", `{"profile": {`, 400, "E0000003", ""},
		{"array body", "", `[]`, 400, "E0000003", ""},
		{"empty body", "", nil, 400, "E0000003", ""},
		{"trailing data", "", `{"profile":{}} {}`, 400, "E0000003", ""},
		{"profile not an object", "", `{"profile": "x"}`, 400, "E0000001", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newOktaEnv(t)
			e.createUser("existing@example.com", "", true)
			e.createGroup("G")
			before := e.snapshot()
			r := e.do("POST", "/api/v1/users"+tc.query, tc.body).wantError(t, tc.status, tc.code)
			if tc.cause != "" && !slices.Contains(r.causes(), tc.cause) {
				t.Errorf("causes %q lack %q", r.causes(), tc.cause)
			}
			if after := e.snapshot(); after != before {
				t.Errorf("a rejected create changed state:\n%s\n%s", before, after)
			}
		})
	}
}

func TestLoginUniqueness(t *testing.T) {
	e := newOktaEnv(t)
	first := e.createUser("dup@example.com", "", true)
	before := e.snapshot()
	for _, login := range []string{"dup@example.com", "DUP@Example.COM"} {
		r := e.do("POST", "/api/v1/users", userBody(login, "A", "B")).wantError(t, 400, "E0000001")
		if r.str("errorSummary") != "Api validation failed: login" {
			t.Errorf("summary %q", r.str("errorSummary"))
		}
		want := []string{"login: An object with this field already exists in the current organization"}
		if !slices.Equal(r.causes(), want) {
			t.Errorf("causes %q, want %q", r.causes(), want)
		}
	}
	if e.snapshot() != before {
		t.Errorf("duplicate create changed state")
	}
	// Renaming another user onto the login fails too; the first keeps it.
	other := e.createUser("other@example.com", "", true)
	r := e.do("POST", "/api/v1/users/"+other["id"].(string),
		map[string]any{"profile": map[string]any{"login": "Dup@example.com"}})
	r.wantError(t, 400, "E0000001")
	if got := e.do("GET", "/api/v1/users/dup@example.com", nil).must(t, 200).str("id"); got != first["id"] {
		t.Errorf("login now resolves to %q", got)
	}
	// After a full delete the login is free again.
	id := first["id"].(string)
	e.do("DELETE", "/api/v1/users/"+id, nil).must(t, 204)
	e.do("POST", "/api/v1/users", userBody("dup@example.com", "A", "B")).wantError(t, 400, "E0000001")
	e.do("DELETE", "/api/v1/users/"+id, nil).must(t, 204)
	e.do("POST", "/api/v1/users", userBody("dup@example.com", "A", "B")).must(t, 200)
}

func TestCreateUserWithGroups(t *testing.T) {
	e := newOktaEnv(t)
	g1, g2 := e.createGroup("One"), e.createGroup("Two")
	body := withPassword(userBody("grp@example.com", "G", "R"), goodPassword)
	body["groupIds"] = []string{g2["id"].(string), g1["id"].(string), g2["id"].(string)}
	n := len(e.events())
	u := e.do("POST", "/api/v1/users", body).must(t, 200).obj()
	want := []string{"user.lifecycle.create", "group.user_membership.add", "group.user_membership.add", "user.lifecycle.activate"}
	if got := e.eventsSince(n); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	r := e.do("GET", "/api/v1/users/"+u["id"].(string)+"/groups", nil).must(t, 200)
	if got, want := r.ids(), e.withEveryone(g1["id"].(string), g2["id"].(string)); !slices.Equal(got, want) {
		t.Errorf("user groups %v, want %v (group creation order)", got, want)
	}
	if r.list()[0]["type"] != GroupBuiltIn || r.list()[1]["type"] != GroupOkta {
		t.Errorf("group JSON %v", r.list()[:2])
	}
	members := e.do("GET", "/api/v1/groups/"+g1["id"].(string)+"/users", nil).must(t, 200)
	if got := members.ids(); !slices.Equal(got, []string{u["id"].(string)}) {
		t.Errorf("members %v", got)
	}
}

func TestGetUserLookup(t *testing.T) {
	e := newOktaEnv(t)
	u := e.createUser("Jane.Doe@example.com", "", true)
	id := u["id"].(string)
	e.createUser("sam@example.com", "", true)
	e.createUser("sam@example.org", "", true)
	for _, ref := range []string{id, "Jane.Doe@example.com", "jane.doe@EXAMPLE.com", "jane.doe%40example.com",
		"jane.doe@example.com", "jane.doe", "JANE.DOE"} {
		t.Run(ref, func(t *testing.T) {
			if got := e.do("GET", "/api/v1/users/"+ref, nil).must(t, 200).str("id"); got != id {
				t.Errorf("got %q, want %q", got, id)
			}
		})
	}
	// me is the token's owner, the org's administrator (OAPI-ME-1).
	if got := e.do("GET", "/api/v1/users/me", nil).must(t, 200).str("id"); got != e.adminID() {
		t.Errorf("me = %q, want the administrator %q", got, e.adminID())
	}
	for _, ref := range []string{"00uMISSING", "nobody@example.com", "sam", strings.ToLower(id)} {
		t.Run("missing "+ref, func(t *testing.T) {
			r := e.do("GET", "/api/v1/users/"+ref, nil).wantError(t, 404, "E0000007")
			if want := "Not found: Resource not found: " + ref + " (User)"; r.str("errorSummary") != want {
				t.Errorf("summary %q, want %q", r.str("errorSummary"), want)
			}
			if len(r.causes()) != 0 {
				t.Errorf("causes %v", r.causes())
			}
		})
	}
}

func TestListUsers(t *testing.T) {
	e := newOktaEnv(t)
	mk := func(login, first, last, query string, pw bool) string {
		body := userBody(login, first, last)
		if pw {
			withPassword(body, goodPassword)
		}
		e.clock.Advance(time.Minute)
		return e.do("POST", "/api/v1/users"+query, body).must(t, 200).str("id")
	}
	alice := mk("alice@example.com", "Alice", "Smith", "", true)
	bob := mk("bob@example.com", "Bob", "Jones", "?activate=false", false)
	carol := mk("carol@example.org", "Carol", "Adams", "", false)
	dave := mk("dave@example.com", "Dave", "Smithers", "", true)
	e.do("POST", "/api/v1/users/"+dave+"/lifecycle/deactivate", nil).must(t, 200)
	cutoff := e.do("GET", "/api/v1/users/"+carol, nil).str("lastUpdated")

	cases := []struct {
		name  string
		query string
		want  []string
	}{
		{"default omits deprovisioned", "", e.withAdmin(alice, bob, carol)},
		{"filter status", `filter=status eq "ACTIVE"`, e.withAdmin(alice)},
		{"filter deprovisioned", `filter=status eq "DEPROVISIONED"`, []string{dave}},
		{"filter login", `filter=profile.login eq "BOB@example.com"`, []string{bob}},
		{"filter email", `filter=profile.email eq "carol@example.org"`, []string{carol}},
		{"filter or", `filter=status eq "STAGED" or status eq "PROVISIONED"`, []string{bob, carol}},
		{"filter and", `filter=status eq "ACTIVE" and profile.lastName eq "Smith"`, []string{alice}},
		{"filter lastUpdated", `filter=lastUpdated gt "` + cutoff + `"`, []string{dave}},
		{"filter id", `filter=id eq "` + bob + `"`, []string{bob}},
		{"search sw", `search=profile.lastName sw "smith"`, []string{alice, dave}},
		{"search co", `search=profile.email co "example.org"`, []string{carol}},
		{"search type", `search=type.id eq "` + defaultUserTypeID + `"`, e.withAdmin(alice, bob, carol, dave)},
		{"search sorted", `search=status pr&sortBy=profile.firstName&sortOrder=desc`, e.withAdmin(dave, carol, bob, alice)}, // "Provsim" sorts last
		{"q first name", "q=ali", []string{alice}},
		{"q last name", "q=smith", []string{alice}},
		{"q email", "q=carol@", []string{carol}},
		{"q no match", "q=zed", []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", "/api/v1/users?"+encodeQuery(tc.query), nil).must(t, 200)
			got := r.ids()
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("ids %v, want %v", got, tc.want)
			}
			if r.str("0.id") != "" && r.str("0.profile.login") == "" {
				t.Errorf("list items are not users: %s", r.Raw)
			}
		})
	}
	for _, q := range []string{`filter=status eq`, `search=(((`, `filter=status equals "ACTIVE"`} {
		t.Run("bad "+q, func(t *testing.T) {
			e.do("GET", "/api/v1/users?"+encodeQuery(q), nil).wantError(t, 400, "E0000031")
		})
	}
	e.do("GET", "/api/v1/users?limit=ten", nil).wantError(t, 400, "E0000001")
}

// encodeQuery escapes the values of "k=v&k=v" written by hand.
func encodeQuery(q string) string {
	if q == "" {
		return ""
	}
	vals := url.Values{}
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		vals.Add(k, v)
	}
	return vals.Encode()
}

func TestListUsersPagination(t *testing.T) {
	e := newOktaEnv(t)
	want := e.withAdmin() // the administrator is the org's first person
	for i := range 4 {
		want = append(want, e.createUser("page"+strconv.Itoa(i)+"@example.com", "", true)["id"].(string))
	}
	var got []string
	path := "/api/v1/users?limit=2"
	for page := 1; ; page++ {
		if page > 3 {
			t.Fatalf("more than 3 pages")
		}
		r := e.do("GET", path, nil).must(t, 200)
		values := r.Header.Values("Link")
		links := r.links()
		if links["self"] != "http://okta.test"+path {
			t.Errorf("page %d self %q", page, links["self"])
		}
		got = append(got, r.ids()...)
		if page < 3 {
			if len(values) != 2 || links["next"] == "" {
				t.Fatalf("page %d: want separate self and next Link headers, got %q", page, values)
			}
			u, err := url.Parse(links["next"])
			if err != nil {
				t.Fatal(err)
			}
			if u.Query().Get("after") != got[len(got)-1] || u.Query().Get("limit") != "2" {
				t.Errorf("next %q", links["next"])
			}
			path = u.RequestURI()
			continue
		}
		if len(values) != 1 || links["next"] != "" {
			t.Errorf("last page Link headers %q: want self only", values)
		}
		if len(r.ids()) != 1 {
			t.Errorf("last page has %d users", len(r.ids()))
		}
		break
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged ids %v, want %v", got, want)
	}
	// limit is capped at 200 and q lowers the default to 10.
	if next := e.do("GET", "/api/v1/users?limit=1000", nil).links()["next"]; next != "" {
		t.Errorf("unexpected next %q", next)
	}
	for i := range 10 {
		e.createUser("qq"+strconv.Itoa(i)+"@example.com", "", false)
	}
	r := e.do("GET", "/api/v1/users?q=qq", nil).must(t, 200)
	if len(r.ids()) != 10 || r.links()["next"] != "" {
		t.Errorf("q page: %d users, next %q", len(r.ids()), r.links()["next"])
	}
	e.createUser("qq10@example.com", "", false)
	if r := e.do("GET", "/api/v1/users?q=qq", nil); len(r.ids()) != 10 || !strings.Contains(r.links()["next"], "limit=10") {
		t.Errorf("q default limit: %d users, next %q", len(r.ids()), r.links()["next"])
	}
}

func TestUpdateUserPartial(t *testing.T) {
	e := newOktaEnv(t)
	u := e.createUser("pat@example.com", "", true)
	id := u["id"].(string)
	e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"title": "Eng", "nickName": "P"}}).must(t, 200)

	e.clock.Advance(time.Hour)
	n := len(e.events())
	r := e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{
		"firstName": "Patricia", "nickName": nil, "costCenter": "42", "level": 3.0, "skills": []any{"go", "scim"}}}).must(t, 200)
	if r.str("profile.firstName") != "Patricia" || r.str("profile.lastName") != "Last" || r.str("profile.title") != "Eng" {
		t.Errorf("merge lost attributes: %v", r.obj()["profile"])
	}
	if r.has("profile.nickName") {
		t.Errorf("null should remove nickName")
	}
	if digPath(r.Body, "profile.level") != 3.0 || r.str("profile.costCenter") != "42" || r.str("profile.skills.1") != "scim" {
		t.Errorf("custom attributes: %v", r.obj()["profile"])
	}
	if r.str("lastUpdated") == u["lastUpdated"] {
		t.Errorf("lastUpdated did not move")
	}
	if got := e.eventsSince(n); !slices.Equal(got, []string{"user.account.update_profile"}) {
		t.Errorf("events %v", got)
	}

	// The same values again: no change, no event, no new lastUpdated.
	e.clock.Advance(time.Hour)
	n = len(e.events())
	again := e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"firstName": "Patricia"}}).must(t, 200)
	if again.str("lastUpdated") != r.str("lastUpdated") || len(e.eventsSince(n)) != 0 {
		t.Errorf("no-op update changed lastUpdated or logged %v", e.eventsSince(n))
	}

	// A password change through the update.
	pw := e.do("POST", "/api/v1/users/"+id, map[string]any{"credentials": map[string]any{
		"password": map[string]any{"value": "N3w-Passw0rd"}, "recovery_question": map[string]any{"question": "Pet?", "answer": "Rex the dog"}}}).must(t, 200)
	if pw.str("passwordChanged") == u["passwordChanged"] || pw.str("credentials.recovery_question.question") != "Pet?" {
		t.Errorf("credentials not updated: %s", pw.Raw)
	}
	if pw.has("credentials.recovery_question.answer") {
		t.Errorf("recovery answer echoed")
	}

	// Invalid merges change nothing.
	before := e.snapshot()
	for _, body := range []any{
		map[string]any{"profile": map[string]any{"email": nil}},
		map[string]any{"profile": map[string]any{"email": "bad"}},
		map[string]any{"profile": map[string]any{"firstName": ""}},
		map[string]any{"profile": map[string]any{"firstName": "Ok", "lastName": nil}},
		map[string]any{"credentials": map[string]any{"password": map[string]any{"value": "short"}}},
		`{"profile": [1]}`,
		`not json`,
	} {
		r := e.do("POST", "/api/v1/users/"+id, body)
		if r.Status != 400 {
			t.Errorf("%v: status %d", body, r.Status)
		}
	}
	if e.snapshot() != before {
		t.Errorf("rejected updates changed state")
	}
	e.do("POST", "/api/v1/users/00uMISSING", map[string]any{"profile": map[string]any{}}).wantError(t, 404, "E0000007")
}

func TestReplaceUser(t *testing.T) {
	e := newOktaEnv(t)
	u := e.createUser("rep@example.com", "", true)
	id := u["id"].(string)
	e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"title": "Boss", "mobilePhone": "555"},
		"credentials": map[string]any{"recovery_question": map[string]any{"question": "Pet?", "answer": "Rex the dog"}}}).must(t, 200)

	// What an SDK sends: the fetched user with the profile edited. Its
	// credentials echo "password":{} and the question without an answer.
	full := e.do("GET", "/api/v1/users/"+id, nil).must(t, 200).obj()
	full["profile"] = map[string]any{"firstName": "Re", "lastName": "Placed", "email": "rep@example.com",
		"login": "rep@example.com", "mobilePhone": nil}
	n := len(e.events())
	r := e.do("PUT", "/api/v1/users/"+id, full).must(t, 200)
	p := r.obj()["profile"].(map[string]any)
	if len(p) != 4 || p["firstName"] != "Re" || p["lastName"] != "Placed" {
		t.Errorf("profile not replaced: %v", p)
	}
	if r.str("status") != StatusActive || !r.has("credentials.password") || r.str("credentials.recovery_question.question") != "Pet?" {
		t.Errorf("PUT changed status or credentials: %s", r.Raw)
	}
	if got := e.eventsSince(n); !slices.Equal(got, []string{"user.account.update_profile"}) {
		t.Errorf("events %v", got)
	}

	// A new question needs its answer.
	e.do("PUT", "/api/v1/users/"+id, map[string]any{"credentials": map[string]any{
		"recovery_question": map[string]any{"question": "Town?"}}}).wantError(t, 400, "E0000001")

	// A replace missing a required attribute is rejected whole.
	before := e.snapshot()
	r = e.do("PUT", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"login": "rep@example.com", "email": "rep@example.com"}})
	r.wantError(t, 400, "E0000001")
	if !slices.Contains(r.causes(), "firstName: The field cannot be left blank") {
		t.Errorf("causes %q", r.causes())
	}
	if e.snapshot() != before {
		t.Errorf("rejected PUT changed state")
	}
	// Without a profile only credentials change.
	e.do("PUT", "/api/v1/users/"+id, map[string]any{"credentials": map[string]any{"password": map[string]any{"value": "An0ther-pass"}}}).must(t, 200)
	if got := e.do("GET", "/api/v1/users/"+id, nil).str("profile.firstName"); got != "Re" {
		t.Errorf("profile changed by a credentials-only PUT: %q", got)
	}
}

func TestLoginChange(t *testing.T) {
	e := newOktaEnv(t)
	id := e.createUser("old@example.com", "", true)["id"].(string)
	e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"login": "new@example.com"}}).must(t, 200)
	e.do("GET", "/api/v1/users/old@example.com", nil).wantError(t, 404, "E0000007")
	if got := e.do("GET", "/api/v1/users/NEW@example.com", nil).must(t, 200).str("id"); got != id {
		t.Errorf("new login resolves to %q", got)
	}
	// Only the case changes: allowed, still one index entry.
	e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"login": "New@Example.com"}}).must(t, 200)
	e.org.mu.Lock()
	entries := len(e.org.byLogin)
	e.org.mu.Unlock()
	if entries != 2 { // the user's and the administrator's
		t.Errorf("byLogin has %d entries", entries)
	}
	// The old login is free again.
	e.do("POST", "/api/v1/users", userBody("old@example.com", "O", "L")).must(t, 200)
}

// userInStatus creates a user and drives it to status through the API
// (LOCKED_OUT, which the API cannot reach, is set directly).
func (e *oktaEnv) userInStatus(status string) string {
	e.t.Helper()
	login := strings.ToLower(status) + "@example.com"
	var id string
	switch status {
	case StatusStaged:
		id = e.createUser(login, "?activate=false", true)["id"].(string)
	case StatusProvisioned:
		id = e.createUser(login, "", false)["id"].(string)
	case StatusPasswordExpired:
		id = e.createUser(login, "?nextLogin=changePassword", true)["id"].(string)
	default:
		id = e.createUser(login, "", true)["id"].(string)
	}
	switch status {
	case StatusSuspended:
		e.do("POST", "/api/v1/users/"+id+"/lifecycle/suspend", nil).must(e.t, 200)
	case StatusDeprovisioned:
		e.do("POST", "/api/v1/users/"+id+"/lifecycle/deactivate", nil).must(e.t, 200)
	case StatusLockedOut:
		e.org.mu.Lock()
		e.org.users[id].Status = StatusLockedOut
		e.org.mu.Unlock()
	}
	if got := e.do("GET", "/api/v1/users/"+id, nil).str("status"); got != status {
		e.t.Fatalf("set-up: status %q, want %q", got, status)
	}
	return id
}

func TestLifecycleTransitions(t *testing.T) {
	statuses := []string{StatusStaged, StatusProvisioned, StatusActive, StatusPasswordExpired,
		StatusLockedOut, StatusSuspended, StatusDeprovisioned}
	type outcome struct {
		status int
		code   string // error code, or "" on success
		to     string // resulting status on success
		event  string // System Log event on success ("" none)
	}
	ok := func(to, event string) outcome { return outcome{200, "", to, event} }
	fail := func(status int, code string) outcome { return outcome{status, code, "", ""} }
	// expect gives Okta's answer for op on a user in status from.
	expect := func(op, from string) outcome {
		switch op {
		case "activate":
			switch from {
			case StatusStaged, StatusDeprovisioned: // these set-up users have passwords
				return ok(StatusActive, "user.lifecycle.activate")
			}
			return fail(403, "E0000016")
		case "deactivate":
			if from == StatusDeprovisioned {
				return fail(404, "E0000007")
			}
			return ok(StatusDeprovisioned, "user.lifecycle.deactivate")
		case "reactivate":
			if from == StatusProvisioned {
				return ok(StatusProvisioned, "user.lifecycle.reactivate")
			}
			return fail(403, "E0000038")
		case "suspend":
			if from == StatusActive {
				return ok(StatusSuspended, "user.lifecycle.suspend")
			}
			return fail(400, "E0000001")
		case "unsuspend":
			if from == StatusSuspended {
				return ok(StatusActive, "user.lifecycle.unsuspend")
			}
			return fail(400, "E0000001")
		case "unlock":
			switch from {
			case StatusLockedOut:
				return ok(StatusActive, "user.account.unlock")
			case StatusActive:
				return ok(StatusActive, "")
			}
			return fail(403, "E0000038")
		case "expire_password":
			switch from {
			case StatusActive, StatusPasswordExpired:
				return ok(StatusPasswordExpired, "")
			}
			return fail(403, "E0000038")
		}
		panic(op)
	}
	for _, op := range []string{"activate", "deactivate", "reactivate", "suspend", "unsuspend", "unlock", "expire_password"} {
		for _, from := range statuses {
			want := expect(op, from)
			t.Run(op+" "+from, func(t *testing.T) {
				e := newOktaEnv(t)
				id := e.userInStatus(from)
				e.clock.Advance(time.Minute)
				before := e.snapshot()
				n := len(e.events())
				r := e.do("POST", "/api/v1/users/"+id+"/lifecycle/"+op, nil)
				if want.code != "" {
					r.wantError(t, want.status, want.code)
					if e.snapshot() != before {
						t.Errorf("a refused %s changed state", op)
					}
					return
				}
				r.must(t, 200)
				if op == "expire_password" {
					if r.str("id") != id {
						t.Errorf("expire_password should answer the user: %s", r.Raw)
					}
				} else if len(r.obj()) != 0 && op != "activate" && op != "reactivate" {
					t.Errorf("body %s, want {}", r.Raw)
				}
				got := e.do("GET", "/api/v1/users/"+id, nil).must(t, 200)
				if got.str("status") != want.to {
					t.Errorf("status %q, want %q", got.str("status"), want.to)
				}
				events := e.eventsSince(n)
				if want.event == "" && len(events) != 0 || want.event != "" && !slices.Equal(events, []string{want.event}) {
					t.Errorf("events %v, want [%s]", events, want.event)
				}
				if from != want.to && got.str("statusChanged") == "" {
					t.Errorf("statusChanged not set")
				}
			})
		}
	}
}

func TestActivateSendEmail(t *testing.T) {
	e := newOktaEnv(t)
	staged := e.createUser("act@example.com", "?activate=false", false)["id"].(string)
	r := e.do("POST", "/api/v1/users/"+staged+"/lifecycle/activate?sendEmail=false", nil).must(t, 200)
	token := r.str("activationToken")
	if token == "" || r.str("activationUrl") != "http://okta.test/welcome/"+token {
		t.Errorf("activation body %s", r.Raw)
	}
	// Without a password the user waits for the user's action.
	got := e.do("GET", "/api/v1/users/"+staged, nil)
	if got.str("status") != StatusProvisioned || got.str("activated") == "" {
		t.Errorf("after activation: %s", got.Raw)
	}
	if got.str("_links.reactivate.href") == "" || got.has("_links.activate") {
		t.Errorf("links for PROVISIONED: %v", got.obj()["_links"])
	}
	r = e.do("POST", "/api/v1/users/"+staged+"/lifecycle/reactivate?sendEmail=false", nil).must(t, 200)
	if r.str("activationToken") == "" || r.str("activationToken") == token {
		t.Errorf("reactivate token %s", r.Raw)
	}
	// sendEmail=true (activate's default) answers {}.
	other := e.createUser("act2@example.com", "?activate=false", true)["id"].(string)
	if r := e.do("POST", "/api/v1/users/"+other+"/lifecycle/activate?sendEmail=true", nil).must(t, 200); len(r.obj()) != 0 {
		t.Errorf("body %s, want {}", r.Raw)
	}
	e.do("POST", "/api/v1/users/"+other+"/lifecycle/activate?sendEmail=perhaps", nil).wantError(t, 400, "E0000001")
	e.do("POST", "/api/v1/users/00uMISSING/lifecycle/activate", nil).wantError(t, 404, "E0000007")
	e.do("POST", "/api/v1/users/"+other+"/lifecycle/explode", nil).wantError(t, 404, "E0000008")
	e.do("GET", "/api/v1/users/"+other+"/lifecycle/activate", nil).wantError(t, 405, "E0000022")
	// Lifecycle calls accept the login too.
	e.do("POST", "/api/v1/users/act2@example.com/lifecycle/suspend", nil).must(t, 200)
}

func TestDeactivatedUserIsReadOnly(t *testing.T) {
	e := newOktaEnv(t)
	id := e.userInStatus(StatusDeprovisioned)
	before := e.snapshot()
	e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"title": "x"}}).wantError(t, 404, "E0000007")
	e.do("PUT", "/api/v1/users/"+id, userBody("deprovisioned@example.com", "A", "B")).wantError(t, 404, "E0000007")
	if e.snapshot() != before {
		t.Errorf("state changed")
	}
	// Still listed by a filter, still in its groups, and can be reactivated.
	g := e.createGroup("Keep")
	e.do("PUT", "/api/v1/groups/"+g["id"].(string)+"/users/"+id, nil).must(t, 204)
	if ids := e.do("GET", "/api/v1/groups/"+g["id"].(string)+"/users", nil).ids(); !slices.Equal(ids, []string{id}) {
		t.Errorf("members %v", ids)
	}
	e.do("POST", "/api/v1/users/"+id+"/lifecycle/activate", nil).must(t, 200)
	if got := e.do("GET", "/api/v1/users/"+id, nil).str("status"); got != StatusActive {
		t.Errorf("status %q after reactivation", got)
	}
}

func TestDeleteUserTwoStep(t *testing.T) {
	e := newOktaEnv(t)
	u := e.createUser("del@example.com", "", true)
	id := u["id"].(string)
	g := e.createGroup("Members")
	gid := g["id"].(string)
	e.do("PUT", "/api/v1/groups/"+gid+"/users/"+id, nil).must(t, 204)

	n := len(e.events())
	r := e.do("DELETE", "/api/v1/users/"+id, nil).must(t, 204)
	if len(r.Raw) != 0 {
		t.Errorf("204 with a body: %s", r.Raw)
	}
	got := e.do("GET", "/api/v1/users/"+id, nil).must(t, 200)
	if got.str("status") != StatusDeprovisioned {
		t.Fatalf("first DELETE: status %q", got.str("status"))
	}
	if ev := e.eventsSince(n); !slices.Equal(ev, []string{"user.lifecycle.deactivate"}) {
		t.Errorf("first DELETE events %v", ev)
	}
	if ids := e.do("GET", "/api/v1/groups/"+gid+"/users", nil).ids(); !slices.Equal(ids, []string{id}) {
		t.Errorf("a deactivated user stays in its groups: %v", ids)
	}

	n = len(e.events())
	e.do("DELETE", "/api/v1/users/"+id, nil).must(t, 204)
	e.do("GET", "/api/v1/users/"+id, nil).wantError(t, 404, "E0000007")
	e.do("GET", "/api/v1/users/del@example.com", nil).wantError(t, 404, "E0000007")
	if ev := e.eventsSince(n); !slices.Equal(ev, []string{"user.lifecycle.delete.initiated"}) {
		t.Errorf("second DELETE events %v", ev)
	}
	if ids := e.do("GET", "/api/v1/groups/"+gid+"/users", nil).ids(); len(ids) != 0 {
		t.Errorf("deleted user still a member: %v", ids)
	}
	if ids := e.do("GET", "/api/v1/users?"+encodeQuery(`filter=status eq "DEPROVISIONED"`), nil).ids(); len(ids) != 0 {
		t.Errorf("deleted user still listed: %v", ids)
	}
	e.do("DELETE", "/api/v1/users/"+id, nil).wantError(t, 404, "E0000007")
	e.org.mu.Lock()
	defer e.org.mu.Unlock()
	if len(e.org.users) != 1 || len(e.org.userOrder) != 1 || len(e.org.byLogin) != 1 { // the administrator
		t.Errorf("model not cleaned: %d users, %d order, %d logins", len(e.org.users), len(e.org.userOrder), len(e.org.byLogin))
	}
}

func TestUserGroupsPagination(t *testing.T) {
	e := newOktaEnv(t)
	id := e.createUser("many@example.com", "", true)["id"].(string)
	want := e.withEveryone()
	for i := range 4 {
		gid := e.createGroup("G" + strconv.Itoa(i))["id"].(string)
		e.do("PUT", "/api/v1/groups/"+gid+"/users/"+id, nil).must(t, 204)
		want = append(want, gid)
	}
	var got []string
	path := "/api/v1/users/" + id + "/groups?limit=2"
	for pages := 0; path != ""; pages++ {
		if pages == 3 {
			t.Fatalf("more than 3 pages")
		}
		r := e.do("GET", path, nil).must(t, 200)
		got = append(got, r.ids()...)
		path = ""
		if next := r.links()["next"]; next != "" {
			u, _ := url.Parse(next)
			path = u.RequestURI()
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("groups %v, want %v", got, want)
	}
	e.do("GET", "/api/v1/users/00uMISSING/groups", nil).wantError(t, 404, "E0000007")
}

func TestUserJSONLinks(t *testing.T) {
	e := newOktaEnv(t)
	want := map[string][]string{
		StatusStaged:        {"self", "type", "activate", "deactivate"},
		StatusProvisioned:   {"self", "type", "reactivate", "deactivate"},
		StatusSuspended:     {"self", "type", "unsuspend", "deactivate"},
		StatusDeprovisioned: {"self", "type", "activate"},
	}
	for status, rels := range want {
		id := e.userInStatus(status)
		links := e.do("GET", "/api/v1/users/"+id, nil).obj()["_links"].(map[string]any)
		var got []string
		for k := range links {
			got = append(got, k)
		}
		slices.Sort(got)
		slices.Sort(rels)
		if !slices.Equal(got, rels) {
			t.Errorf("%s links %v, want %v", status, got, rels)
		}
		if m, _ := links[rels[0]].(map[string]any); m["href"] == "" {
			t.Errorf("%s: link without href", status)
		}
	}
	active := e.userInStatus(StatusActive)
	r := e.do("GET", "/api/v1/users/"+active, nil)
	if r.str("_links.suspend.method") != "POST" || !strings.HasSuffix(r.str("_links.suspend.href"), "/lifecycle/suspend") {
		t.Errorf("suspend link %v", digPath(r.Body, "_links.suspend"))
	}
}
