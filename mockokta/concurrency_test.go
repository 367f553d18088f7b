package mockokta

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Concurrent admins drive one org's Management API with a seeded mix of
// user lifecycle, group membership and app assignment changes while the
// engine provisions into an in-process mockatlassian. Afterwards, once the
// engine is idle: no 5xx, group memberships agree both ways, and app users
// are exactly what the assignments say.

// profileUpdates adds Okta profile changes to the mix. Off until app user
// JSON stops sharing the live profile map: appUserJSON (http_apps.go) puts
// au.Profile into the response, which is marshalled after o.mu is released,
// while a profile change rewrites that map under the lock (mapProfile) — a
// data race the race detector reports within a few runs.
const profileUpdates = true

const (
	oktaConcSeed    = 20260314
	oktaConcClients = 16
	oktaConcOps     = 40
)

type oktaConcClient struct {
	p      *pipeline
	rng    *rand.Rand
	mu     *sync.Mutex
	users  *[]string
	groups []string
}

func (c *oktaConcClient) pickUser() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(*c.users) == 0 {
		return "00uNOSUCHUSER0000001"
	}
	return (*c.users)[c.rng.IntN(len(*c.users))]
}

func (c *oktaConcClient) login() string { return fmt.Sprintf("person%02d@example.com", c.rng.IntN(20)) }

func (c *oktaConcClient) step() (string, apiResp) {
	u, g := c.pickUser(), c.groups[c.rng.IntN(len(c.groups))]
	app := "/api/v1/apps/" + c.p.appID
	var method, path, body string
	n := c.rng.IntN(100)
	if !profileUpdates && n >= 18 && n < 24 {
		n = 0
	}
	switch {
	case n < 18:
		l := c.login()
		method, path = "POST", "/api/v1/users?activate=true"
		body = `{"profile":{"firstName":"F","lastName":"L","email":"` + l + `","login":"` + l + `"},"credentials":{"password":{"value":"Kv7J2LEa!x"}}}`
	case n < 24:
		method, path, body = "POST", "/api/v1/users/"+u, `{"profile":{"email":"`+c.login()+`","title":"T`+fmt.Sprint(c.rng.IntN(9))+`"}}`
	case n < 30:
		method, path = "POST", "/api/v1/users/"+u+"/lifecycle/deactivate"
	case n < 35:
		method, path = "POST", "/api/v1/users/"+u+"/lifecycle/activate?sendEmail=false"
	case n < 38:
		method, path = "POST", "/api/v1/users/"+u+"/lifecycle/suspend"
	case n < 40:
		method, path = "POST", "/api/v1/users/"+u+"/lifecycle/unsuspend"
	case n < 43:
		method, path = "DELETE", "/api/v1/users/"+u
	case n < 55:
		method, path = "PUT", "/api/v1/groups/"+g+"/users/"+u
	case n < 63:
		method, path = "DELETE", "/api/v1/groups/"+g+"/users/"+u
	case n < 73:
		method, path, body = "POST", app+"/users", `{"id":"`+u+`","scope":"USER"}`
	case n < 79:
		method, path = "DELETE", app+"/users/"+u
	case n < 85:
		method, path, body = "PUT", app+"/groups/"+g, `{}`
	case n < 89:
		method, path = "DELETE", app+"/groups/"+g
	case n < 92:
		method, path, body = "POST", app+"/group-push/mappings", `{"sourceGroupId":"`+g+`","status":"ACTIVE"}`
	case n < 96:
		method, path = "GET", app+"/users"
	default:
		method, path = "GET", "/api/v1/groups/"+g+"/users"
	}
	r := c.p.callWith(c.p.token, method, path, body)
	if r.Status == 200 && strings.HasPrefix(path, "/api/v1/users?") {
		var out struct{ ID string }
		_ = json.Unmarshal(r.Raw, &out)
		c.mu.Lock()
		*c.users = append(*c.users, out.ID)
		c.mu.Unlock()
	}
	return method + " " + path, r
}

func TestConcurrentAdminsKeepTheOrgConsistent(t *testing.T) {
	p := newPipeline(t)
	var groups []string
	for _, name := range []string{"eng", "sales", "ops", "support"} {
		groups = append(groups, p.must(200, "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": name}})["id"].(string))
	}
	var users []string
	var mu, resMu sync.Mutex
	statuses := map[int]int{}
	var bad []string
	var wg sync.WaitGroup
	for i := range oktaConcClients {
		c := &oktaConcClient{p: p, rng: rand.New(rand.NewPCG(oktaConcSeed, uint64(i))), mu: &mu, users: &users, groups: groups}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range oktaConcOps {
				what, r := c.step()
				resMu.Lock()
				statuses[r.Status]++
				if r.Status >= 500 || r.Status < 200 {
					bad = append(bad, fmt.Sprintf("%s -> %d %s", what, r.Status, r.Raw))
				} else if r.Status >= 400 && !isOktaError(r.Raw) {
					bad = append(bad, fmt.Sprintf("%s -> %d without Okta's error envelope: %s", what, r.Status, r.Raw))
				}
				resMu.Unlock()
			}
		}()
	}
	wg.Wait()
	p.idle()
	t.Logf("seed %d, %d clients × %d calls: statuses %v", oktaConcSeed, oktaConcClients, oktaConcOps, statuses)
	for _, b := range bad {
		t.Error(b)
	}
	if statuses[200] == 0 || statuses[204] == 0 || statuses[404] == 0 {
		t.Fatalf("the mix did not exercise the API: %v", statuses)
	}
	checkOrgConsistent(t, p)
}

func isOktaError(raw []byte) bool {
	var env struct {
		ErrorCode    string
		ErrorSummary string
		ErrorLink    string
		ErrorID      string
		ErrorCauses  []any
	}
	return json.Unmarshal(raw, &env) == nil && strings.HasPrefix(env.ErrorCode, "E0") && env.ErrorSummary != "" &&
		env.ErrorLink == env.ErrorCode && strings.HasPrefix(env.ErrorID, "oae") && env.ErrorCauses != nil
}

// checkOrgConsistent checks the org's memberships and app users, inside the
// model and through the API, and the app users against the SCIM directory.
func checkOrgConsistent(t *testing.T, p *pipeline) {
	t.Helper()
	o, err := p.okta.Model.Org(p.orgID)
	if err != nil {
		t.Fatal(err)
	}
	checkOrgModel(t, o)
	o.mu.Lock()
	members := map[string][]string{}
	for gid, g := range o.groups {
		members[gid] = g.Members()
	}
	a := o.apps[p.appID]
	var appUsers []string
	provisioned := map[string]string{} // user → SCIM id
	for _, au := range a.appUsers() {
		appUsers = append(appUsers, au.UserID)
		if au.Status == AppUserProvisioned && au.ExternalID != "" {
			provisioned[au.UserID] = au.ExternalID
		}
	}
	nUsers := len(o.users)
	o.mu.Unlock()

	// The API shows the same.
	for gid, want := range members {
		var got []string
		for _, m := range listAll(t, p, "/api/v1/groups/"+gid+"/users?limit=200") {
			got = append(got, m["id"].(string))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("GET /groups/%s/users = %v, model %v", gid, got, want)
		}
	}
	var got []string
	for _, m := range listAll(t, p, "/api/v1/apps/"+p.appID+"/users?limit=500") {
		got = append(got, m["id"].(string))
	}
	sort.Strings(got)
	sort.Strings(appUsers)
	if !slices.Equal(got, appUsers) {
		t.Errorf("GET /apps/{id}/users = %v, model %v", got, appUsers)
	}
	// Every provisioned app user has its account downstream.
	for uid, ext := range provisioned {
		if st, _ := p.scim("GET", "/Users/"+ext); st != http.StatusOK {
			t.Errorf("app user %s is PROVISIONED as %s, which the directory answers %d", uid, ext, st)
		}
	}
	t.Logf("%d users, %d app users (%d provisioned), %d open tasks", nUsers, len(appUsers), len(provisioned), len(p.okta.Model.Tasks(o, false)))
}

// checkOrgModel checks an org's own records: logins, group memberships
// both ways, and app users against the assignments.
func checkOrgModel(t *testing.T, o *Org) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for id, u := range o.users {
		if o.byLogin[lower(u.Login())] != id {
			t.Errorf("byLogin does not find user %s by %s", id, u.Login())
		}
		for gid := range u.groups {
			if g := o.groups[gid]; g == nil || !g.HasMember(id) {
				t.Errorf("user %s records group %s, which does not list it", id, gid)
			}
		}
	}
	if len(o.byLogin) != len(o.users) || len(o.userOrder) != len(o.users) {
		t.Errorf("%d users, byLogin %d, order %d", len(o.users), len(o.byLogin), len(o.userOrder))
	}
	for gid, g := range o.groups {
		if len(g.members) != len(g.memberSet) {
			t.Errorf("group %s: members %v, set %v", gid, g.members, g.memberSet)
		}
		for _, uid := range g.members {
			u := o.users[uid]
			if u == nil || !g.memberSet[uid] || !u.groups[gid] {
				t.Errorf("group %s lists %s, which is gone or does not record it", gid, uid)
			}
		}
	}
	for _, aid := range o.appOrder {
		a := o.apps[aid]
		for _, au := range a.appUsers() {
			uid := au.UserID
			u := o.users[uid]
			switch {
			case u == nil:
				t.Errorf("app %s has user %s, who does not exist", aid, uid)
				continue
			case !au.direct && len(au.viaGroups) == 0:
				t.Errorf("app %s keeps user %s with no assignment", aid, uid)
			case au.direct && u.Status == StatusDeprovisioned:
				t.Errorf("app %s keeps a direct assignment of deactivated user %s", aid, uid)
			}
			for gid := range au.viaGroups {
				if _, assigned := a.groups[gid]; !assigned || o.groups[gid] == nil || !o.groups[gid].HasMember(uid) {
					t.Errorf("app %s has user %s through group %s, which is not assigned or does not hold it", aid, uid, gid)
				}
			}
		}
		for gid := range a.groups {
			g := o.groups[gid]
			if g == nil {
				t.Errorf("app %s is assigned group %s, which does not exist", aid, gid)
				continue
			}
			for _, uid := range g.members {
				if o.users[uid].Status == StatusDeprovisioned {
					continue
				}
				if au, ok := a.appUser(uid); !ok || !au.viaGroups[gid] {
					t.Errorf("user %s is in group %s assigned to app %s but has no app user through it", uid, gid, aid)
				}
			}
		}
	}
}

// listAll follows the Link rel="next" headers of an API list.
func listAll(t *testing.T, p *pipeline, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for path != "" {
		r := p.callWith(p.token, "GET", path, "")
		if r.Status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Raw)
		}
		var page []map[string]any
		if err := json.Unmarshal(r.Raw, &page); err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		path = ""
		for _, l := range r.Header.Values("Link") {
			if target, ok := strings.CutSuffix(l, `>; rel="next"`); ok {
				path = strings.TrimPrefix(target, "<")
				path = path[strings.Index(path, "/api/"):]
			}
		}
	}
	return out
}
