package mockokta

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCreateGroup(t *testing.T) {
	e := newOktaEnv(t)
	r := e.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "Engineering", "description": "Builds"},
		"type": "BUILT_IN", "objectClass": []string{"x"}}).must(t, 200)
	id := r.str("id")
	if !strings.HasPrefix(id, "00g") || len(id) != 20 {
		t.Errorf("id %q", id)
	}
	if r.str("type") != GroupOkta || r.str("objectClass.0") != "okta:user_group" {
		t.Errorf("type/objectClass: %s", r.Raw)
	}
	if r.str("profile.name") != "Engineering" || r.str("profile.description") != "Builds" {
		t.Errorf("profile: %v", r.obj()["profile"])
	}
	for _, f := range []string{"created", "lastUpdated", "lastMembershipUpdated"} {
		if !oktaTimeRE.MatchString(r.str(f)) {
			t.Errorf("%s = %q", f, r.str(f))
		}
	}
	base := "http://okta.test/api/v1/groups/" + id
	if r.str("_links.users.href") != base+"/users" || r.str("_links.apps.href") != base+"/apps" || r.str("_links.logo.0.name") != "medium" {
		t.Errorf("_links: %v", r.obj()["_links"])
	}
	if got := e.events(); !slices.Equal(got, []string{"group.lifecycle.create"}) {
		t.Errorf("events %v", got)
	}
	// No description: null, as Okta shows it.
	r = e.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "Plain"}}).must(t, 200)
	if !r.has("profile.description") || digPath(r.Body, "profile.description") != nil {
		t.Errorf("description should be null: %s", r.Raw)
	}
	if got := e.do("GET", "/api/v1/groups/"+id, nil).must(t, 200); got.str("profile.name") != "Engineering" {
		t.Errorf("GET: %s", got.Raw)
	}
}

func TestCreateGroupValidation(t *testing.T) {
	cases := []struct {
		name  string
		body  any
		code  string
		cause string
	}{
		{"missing name", map[string]any{"profile": map[string]any{"description": "d"}}, "E0000001", "name: The field cannot be left blank"},
		{"blank name", map[string]any{"profile": map[string]any{"name": "   "}}, "E0000001", "name: The field cannot be left blank"},
		{"no profile", map[string]any{}, "E0000001", "name: The field cannot be left blank"},
		{"duplicate", map[string]any{"profile": map[string]any{"name": "Taken"}}, "E0000001",
			"name: An object with this field already exists in the current organization"},
		{"duplicate other case", map[string]any{"profile": map[string]any{"name": "tAKEN"}}, "E0000001",
			"name: An object with this field already exists in the current organization"},
		{"too long", map[string]any{"profile": map[string]any{"name": strings.Repeat("x", 256)}}, "E0000001", ""},
		{"name not a string", `{"profile":{"name":7}}`, "E0000001", ""},
		{"malformed", `{"profile":`, "E0000003", ""},
		{"not an object", `"Eng"`, "E0000003", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newOktaEnv(t)
			e.createGroup("Taken")
			before := e.snapshot()
			r := e.do("POST", "/api/v1/groups", tc.body).wantError(t, 400, tc.code)
			if tc.cause != "" && !slices.Equal(r.causes(), []string{tc.cause}) {
				t.Errorf("causes %q, want [%q]", r.causes(), tc.cause)
			}
			if tc.cause != "" && r.str("errorSummary") != "Api validation failed: name" {
				t.Errorf("summary %q", r.str("errorSummary"))
			}
			if e.snapshot() != before {
				t.Errorf("rejected create changed state")
			}
		})
	}
}

func TestGetGroupNotFound(t *testing.T) {
	e := newOktaEnv(t)
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		var body any
		if m == "PUT" {
			body = map[string]any{"profile": map[string]any{"name": "x"}}
		}
		r := e.do(m, "/api/v1/groups/00gMISSING", body).wantError(t, 404, "E0000007")
		if r.str("errorSummary") != "Not found: Resource not found: 00gMISSING (UserGroup)" {
			t.Errorf("%s summary %q", m, r.str("errorSummary"))
		}
	}
	e.do("GET", "/api/v1/groups/00gMISSING/users", nil).wantError(t, 404, "E0000007")
}

func TestListGroups(t *testing.T) {
	e := newOktaEnv(t)
	var ids []string
	for _, n := range []string{"Eng", "Engineering Leads", "Sales", "eng-oncall", "Marketing"} {
		e.clock.Advance(time.Minute)
		ids = append(ids, e.createGroup(n)["id"].(string))
	}
	cutoff := e.do("GET", "/api/v1/groups/"+ids[2], nil).str("lastUpdated")
	cases := []struct {
		name, query string
		want        []string
	}{
		{"all", "", e.withEveryone(ids...)},
		{"filter built-in", `filter=type eq "BUILT_IN"`, e.withEveryone()},
		{"q Everyone", "q=every", e.withEveryone()},
		{"q prefix any case", "q=eng", []string{ids[0], ids[1], ids[3]}},
		{"q no match", "q=zzz", []string{}},
		{"filter type", `filter=type eq "OKTA_GROUP"`, ids},
		{"filter other type", `filter=type eq "APP_GROUP"`, []string{}},
		{"filter name", `filter=profile.name eq "Sales"`, []string{ids[2]}},
		{"filter id", `filter=id eq "` + ids[4] + `"`, []string{ids[4]}},
		{"filter lastUpdated", `filter=lastUpdated gt "` + cutoff + `"`, []string{ids[3], ids[4]}},
		{"search sw", `search=profile.name sw "Eng"`, []string{ids[0], ids[1], ids[3]}},
		{"search and", `search=profile.name sw "Eng" and type eq "OKTA_GROUP"`, []string{ids[0], ids[1], ids[3]}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := e.do("GET", "/api/v1/groups?"+encodeQuery(tc.query), nil).must(t, 200).ids()
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("ids %v, want %v", got, tc.want)
			}
		})
	}
	e.do("GET", "/api/v1/groups?"+encodeQuery(`filter=profile.name eq`), nil).wantError(t, 400, "E0000031")

	// Three pages of two: self and next as separate headers, no next at the end.
	var got []string
	path := "/api/v1/groups?limit=2"
	for page := 1; page <= 3; page++ {
		r := e.do("GET", path, nil).must(t, 200)
		got = append(got, r.ids()...)
		links := r.links()
		if links["self"] != "http://okta.test"+path {
			t.Errorf("page %d self %q", page, links["self"])
		}
		if page == 3 {
			if len(r.Header.Values("Link")) != 1 || links["next"] != "" {
				t.Errorf("last page links %q", r.Header.Values("Link"))
			}
			break
		}
		if len(r.Header.Values("Link")) != 2 {
			t.Fatalf("page %d links %q", page, r.Header.Values("Link"))
		}
		u, _ := url.Parse(links["next"])
		path = u.RequestURI()
	}
	if !slices.Equal(got, e.withEveryone(ids...)) {
		t.Errorf("paged %v, want %v", got, ids)
	}
}

func TestReplaceGroup(t *testing.T) {
	e := newOktaEnv(t)
	g := e.createGroup("Old")
	id := g["id"].(string)
	e.createGroup("Other")

	e.clock.Advance(time.Minute)
	n := len(e.events())
	r := e.do("PUT", "/api/v1/groups/"+id, map[string]any{"profile": map[string]any{"name": "New", "description": "Renamed"}}).must(t, 200)
	if r.str("profile.name") != "New" || r.str("profile.description") != "Renamed" || r.str("lastUpdated") == g["lastUpdated"] {
		t.Errorf("PUT: %s", r.Raw)
	}
	if r.str("lastMembershipUpdated") != g["lastMembershipUpdated"] {
		t.Errorf("a rename moved lastMembershipUpdated")
	}
	if got := e.eventsSince(n); !slices.Equal(got, []string{"group.profile.update"}) {
		t.Errorf("events %v", got)
	}
	// Missing description clears it; same name in another case is a rename of itself.
	r = e.do("PUT", "/api/v1/groups/"+id, map[string]any{"profile": map[string]any{"name": "NEW"}}).must(t, 200)
	if digPath(r.Body, "profile.description") != nil || r.str("profile.name") != "NEW" {
		t.Errorf("PUT: %s", r.Raw)
	}
	// No change: no event.
	n = len(e.events())
	e.do("PUT", "/api/v1/groups/"+id, map[string]any{"profile": map[string]any{"name": "NEW"}}).must(t, 200)
	if got := e.eventsSince(n); len(got) != 0 {
		t.Errorf("no-op PUT logged %v", got)
	}
	// Taking another group's name, or no name, fails and changes nothing.
	before := e.snapshot()
	e.do("PUT", "/api/v1/groups/"+id, map[string]any{"profile": map[string]any{"name": "other"}}).wantError(t, 400, "E0000001")
	e.do("PUT", "/api/v1/groups/"+id, map[string]any{"profile": map[string]any{"description": "x"}}).wantError(t, 400, "E0000001")
	e.do("PUT", "/api/v1/groups/"+id, `{`).wantError(t, 400, "E0000003")
	if e.snapshot() != before {
		t.Errorf("rejected PUT changed state")
	}
}

func TestDeleteGroup(t *testing.T) {
	e := newOktaEnv(t)
	g := e.createGroup("Doomed")
	id := g["id"].(string)
	uid := e.createUser("member@example.com", "", true)["id"].(string)
	e.do("PUT", "/api/v1/groups/"+id+"/users/"+uid, nil).must(t, 204)
	n := len(e.events())
	r := e.do("DELETE", "/api/v1/groups/"+id, nil).must(t, 204)
	if len(r.Raw) != 0 {
		t.Errorf("204 with body %s", r.Raw)
	}
	if got := e.eventsSince(n); !slices.Equal(got, []string{"group.lifecycle.delete"}) {
		t.Errorf("events %v", got)
	}
	e.do("GET", "/api/v1/groups/"+id, nil).wantError(t, 404, "E0000007")
	e.do("DELETE", "/api/v1/groups/"+id, nil).wantError(t, 404, "E0000007")
	if got := e.do("GET", "/api/v1/users/"+uid+"/groups", nil).must(t, 200).ids(); !slices.Equal(got, e.withEveryone()) {
		t.Errorf("user still in %v", got)
	}
	// The name is free again.
	e.createGroup("Doomed")
}

func TestGroupMembership(t *testing.T) {
	e := newOktaEnv(t)
	g := e.createGroup("Team")
	gid := g["id"].(string)
	uid := e.createUser("m1@example.com", "", true)["id"].(string)
	path := "/api/v1/groups/" + gid + "/users/" + uid

	e.clock.Advance(time.Minute)
	n := len(e.events())
	for range 2 { // idempotent
		if r := e.do("PUT", path, nil).must(t, 204); len(r.Raw) != 0 {
			t.Errorf("204 with body %s", r.Raw)
		}
	}
	if got := e.eventsSince(n); !slices.Equal(got, []string{"group.user_membership.add"}) {
		t.Errorf("add events %v", got)
	}
	after := e.do("GET", "/api/v1/groups/"+gid, nil).must(t, 200)
	if after.str("lastMembershipUpdated") == g["lastMembershipUpdated"] || after.str("lastUpdated") != g["lastUpdated"] {
		t.Errorf("membership timestamps: %s", after.Raw)
	}
	if got := e.do("GET", "/api/v1/users/"+uid+"/groups", nil).ids(); !slices.Equal(got, e.withEveryone(gid)) {
		t.Errorf("user groups %v", got)
	}

	n = len(e.events())
	for range 2 {
		e.do("DELETE", path, nil).must(t, 204)
	}
	if got := e.eventsSince(n); !slices.Equal(got, []string{"group.user_membership.remove"}) {
		t.Errorf("remove events %v", got)
	}
	if got := e.do("GET", "/api/v1/groups/"+gid+"/users", nil).must(t, 200).ids(); len(got) != 0 {
		t.Errorf("members %v", got)
	}

	// Unknown group or user: 404, nothing changes. Members are named by id only.
	before := e.snapshot()
	for _, p := range []string{
		"/api/v1/groups/00gMISSING/users/" + uid,
		"/api/v1/groups/" + gid + "/users/00uMISSING",
		"/api/v1/groups/" + gid + "/users/m1@example.com",
	} {
		e.do("PUT", p, nil).wantError(t, 404, "E0000007")
		e.do("DELETE", p, nil).wantError(t, 404, "E0000007")
	}
	if e.snapshot() != before {
		t.Errorf("failed membership calls changed state")
	}
	e.do("POST", path, nil).wantError(t, 405, "E0000022")
}

func TestGroupMembersPagination(t *testing.T) {
	e := newOktaEnv(t)
	gid := e.createGroup("Big")["id"].(string)
	var want []string
	for i := range 5 {
		uid := e.createUser("gm"+strconv.Itoa(i)+"@example.com", "", i%2 == 0)["id"].(string)
		want = append([]string{uid}, want...) // join in reverse creation order
	}
	for _, uid := range want {
		e.do("PUT", "/api/v1/groups/"+gid+"/users/"+uid, nil).must(t, 204)
	}
	// Deactivated members are still listed.
	e.do("POST", "/api/v1/users/"+want[0]+"/lifecycle/deactivate", nil).must(t, 200)
	var got []string
	path := "/api/v1/groups/" + gid + "/users?limit=2"
	for page := 1; ; page++ {
		r := e.do("GET", path, nil).must(t, 200)
		for _, m := range r.list() {
			if m["status"] == nil || digPath(m, "profile.login") == nil || digPath(m, "_links.self.href") == nil {
				t.Errorf("not a GroupMember: %v", m)
			}
		}
		got = append(got, r.ids()...)
		next := r.links()["next"]
		if page == 3 {
			if next != "" || len(r.Header.Values("Link")) != 1 {
				t.Errorf("last page links %q", r.Header.Values("Link"))
			}
			break
		}
		if next == "" || len(r.Header.Values("Link")) != 2 {
			t.Fatalf("page %d links %q", page, r.Header.Values("Link"))
		}
		u, _ := url.Parse(next)
		path = u.RequestURI()
	}
	if !slices.Equal(got, want) {
		t.Errorf("members %v, want %v (join order)", got, want)
	}
}

// TestHookOrderInSystemLog checks, through the System Log, that each
// change reports exactly what the hooks are told, in order.
func TestHookOrderInSystemLog(t *testing.T) {
	e := newOktaEnv(t)
	g := e.createGroup("Ops")["id"].(string)
	body := withPassword(userBody("flow@example.com", "F", "L"), goodPassword)
	body["groupIds"] = []string{g}
	u := e.do("POST", "/api/v1/users", body).must(t, 200).str("id")
	e.do("POST", "/api/v1/users/"+u, map[string]any{"profile": map[string]any{"title": "SRE"}}).must(t, 200)
	e.do("POST", "/api/v1/users/"+u+"/lifecycle/suspend", nil).must(t, 200)
	e.do("POST", "/api/v1/users/"+u+"/lifecycle/unsuspend", nil).must(t, 200)
	e.do("PUT", "/api/v1/groups/"+g, map[string]any{"profile": map[string]any{"name": "Operations"}}).must(t, 200)
	e.do("DELETE", "/api/v1/groups/"+g+"/users/"+u, nil).must(t, 204)
	e.do("DELETE", "/api/v1/users/"+u, nil).must(t, 204)
	e.do("DELETE", "/api/v1/users/"+u, nil).must(t, 204)
	e.do("DELETE", "/api/v1/groups/"+g, nil).must(t, 204)
	want := []string{
		"group.lifecycle.create",
		"user.lifecycle.create", "group.user_membership.add", "user.lifecycle.activate",
		"user.account.update_profile",
		"user.lifecycle.suspend", "user.lifecycle.unsuspend",
		"group.profile.update",
		"group.user_membership.remove",
		"user.lifecycle.deactivate", "user.lifecycle.delete.initiated",
		"group.lifecycle.delete",
	}
	if got := e.events(); !slices.Equal(got, want) {
		t.Errorf("events\n got %v\nwant %v", got, want)
	}
	// Targets name the user and group.
	e.org.mu.Lock()
	defer e.org.mu.Unlock()
	for _, ev := range e.org.logs {
		if ev.EventType == "group.user_membership.add" {
			if len(ev.Target) != 2 || ev.Target[0].ID != u || ev.Target[1].ID != g || ev.Target[1].Type != "UserGroup" {
				t.Errorf("membership targets %+v", ev.Target)
			}
		}
		if ev.Actor.Type == "" || ev.Outcome.Result != Success {
			t.Errorf("event %s actor/outcome %+v %+v", ev.EventType, ev.Actor, ev.Outcome)
		}
	}
}

// TestConcurrentCalls runs users and groups calls from many goroutines;
// with -race it checks the locking, and the model stays consistent.
func TestConcurrentCalls(t *testing.T) {
	e := newOktaEnv(t)
	gid := e.createGroup("Shared")["id"].(string)
	const workers = 8
	done := make(chan []string, workers)
	for w := range workers {
		go func() {
			var kept []string
			for i := range 10 {
				login := "c" + strconv.Itoa(w) + "-" + strconv.Itoa(i) + "@example.com"
				r := e.do("POST", "/api/v1/users", withPassword(userBody(login, "C", "W"), goodPassword))
				id := r.str("id")
				e.do("PUT", "/api/v1/groups/"+gid+"/users/"+id, nil)
				e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"title": strconv.Itoa(i)}})
				e.do("GET", "/api/v1/users?limit=5", nil)
				e.do("GET", "/api/v1/groups/"+gid+"/users?limit=3", nil)
				if i%2 == 0 {
					e.do("DELETE", "/api/v1/users/"+id, nil)
					e.do("DELETE", "/api/v1/users/"+id, nil)
				} else {
					kept = append(kept, id)
				}
			}
			done <- kept
		}()
	}
	var want []string
	for range workers {
		want = append(want, <-done...)
	}
	got := e.do("GET", "/api/v1/groups/"+gid+"/users", nil).must(t, 200).ids()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("members %d, want %d", len(got), len(want))
	}
	e.org.mu.Lock()
	defer e.org.mu.Unlock()
	want = append(want, e.adminID())
	if len(e.org.users) != len(want) || len(e.org.userOrder) != len(want) || len(e.org.byLogin) != len(want) {
		t.Errorf("index sizes %d/%d/%d, want %d", len(e.org.users), len(e.org.userOrder), len(e.org.byLogin), len(want))
	}
}

// TestNonOktaGroupsAreReadOnly: groups of another type (APP_GROUP,
// BUILT_IN; the API cannot create them) cannot be changed through it.
func TestNonOktaGroupsAreReadOnly(t *testing.T) {
	e := newOktaEnv(t)
	gid := e.createGroup("Imported")["id"].(string)
	uid := e.createUser("imp@example.com", "", true)["id"].(string)
	e.org.mu.Lock()
	e.org.groups[gid].Type = "APP_GROUP"
	e.org.mu.Unlock()
	if got := e.do("GET", "/api/v1/groups/"+gid, nil).must(t, 200).str("type"); got != "APP_GROUP" {
		t.Errorf("type %q", got)
	}
	before := e.snapshot()
	e.do("PUT", "/api/v1/groups/"+gid, map[string]any{"profile": map[string]any{"name": "X"}}).wantError(t, 403, "E0000006")
	e.do("DELETE", "/api/v1/groups/"+gid, nil).wantError(t, 403, "E0000006")
	e.do("PUT", "/api/v1/groups/"+gid+"/users/"+uid, nil).wantError(t, 403, "E0000006")
	e.do("DELETE", "/api/v1/groups/"+gid+"/users/"+uid, nil).wantError(t, 403, "E0000006")
	body := userBody("imp2@example.com", "I", "P")
	body["groupIds"] = []string{gid}
	e.do("POST", "/api/v1/users", body).wantError(t, 400, "E0000001")
	if e.snapshot() != before {
		t.Errorf("state changed")
	}
	if ids := e.do("GET", "/api/v1/groups?"+encodeQuery(`filter=type eq "APP_GROUP"`), nil).ids(); !slices.Equal(ids, []string{gid}) {
		t.Errorf("type filter %v", ids)
	}
}
