package mockokta

// Group Push end to end (OKTA-PUSH-1 to OKTA-PUSH-10, OAPI-PUSH-1): the
// Group Push Mappings API drives the engine, mockatlassian is
// checked on the far side, and the engine's outbound journal is counted so
// nothing is pushed twice.

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/provsim/provsim/mockatlassian"
)

// pushEnv is a pipeline and the app under test.
type pushEnv struct {
	*pipeline
	wire *goldWire
	app  string
	fl   string
}

func newPushEnv(t *testing.T, flavour string, mutate ...func(*mockatlassian.Config)) *pushEnv {
	t.Helper()
	p, wire := goldPipeline(t, goldSetup{mutate: mutate})
	e := &pushEnv{pipeline: p, wire: wire, app: p.appID, fl: flavour}
	if flavour == "aiw" {
		e.app = goldAIW(p, nil)
		goldToApp(p, e.app)
	}
	p.idle()
	return e
}

// provisioned creates an active user, assigns it and returns the Okta and
// SCIM ids.
func (e *pushEnv) provisioned(first, last string) (string, string) {
	e.t.Helper()
	email := strings.ToLower(first+"."+last) + "@example.com"
	uid := e.createUser(first, last, email)
	goldAssign(e.pipeline, e.app, uid)
	e.idle()
	au := goldAppUser(e.pipeline, e.app, uid)
	ext, _ := au["externalId"].(string)
	if ext == "" || au["status"] != "PROVISIONED" {
		e.t.Fatalf("%s not provisioned: %v", email, au)
	}
	return uid, ext
}

// since returns the outbound lines after seq.
func (e *pushEnv) since(seq uint64) []string {
	return goldLines(e.pipeline, goldEntries(e.pipeline, seq))
}

// groupLines keeps the /Groups requests.
func pushGroupLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, " /Groups") {
			out = append(out, l)
		}
	}
	return out
}

func (e *pushEnv) members(scimGroupID string) []string {
	e.t.Helper()
	st, g := goldSCIM(e.pipeline, "GET", "/Groups/"+scimGroupID, nil)
	if st != 200 {
		e.t.Fatalf("GET /Groups/%s: %d %v", scimGroupID, st, g)
	}
	return goldMemberIDs(g)
}

func pushSorted(ids ...string) string {
	s := append([]string(nil), ids...)
	sort.Strings(s)
	return strings.Join(s, ",")
}

func (e *pushEnv) mappingPath(id string) string {
	return "/api/v1/apps/" + e.app + "/group-push/mappings/" + id
}

func (e *pushEnv) pushNow(id string) {
	e.t.Helper()
	e.must(202, "POST", "/_sim/orgs/"+e.orgID+"/apps/"+e.app+"/group-push/mappings/"+id+"/push-now", nil)
	e.idle()
}

// lastBody returns the request body of the last outbound entry after seq
// matching method and path prefix.
func (e *pushEnv) bodies(seq uint64, method, pathPrefix string) []map[string]any {
	var out []map[string]any
	for _, en := range goldEntries(e.pipeline, seq) {
		if en.Method == method && strings.HasPrefix(strings.TrimPrefix(en.Path, e.scimURL), pathPrefix) {
			var m map[string]any
			_ = json.Unmarshal(en.RequestBody, &m)
			out = append(out, m)
		}
	}
	return out
}

var pushFlavours = []string{"oin", "aiw"}

func (e *pushEnv) countPosts(seq uint64) int {
	n := 0
	for _, l := range e.since(seq) {
		if strings.HasPrefix(l, "POST ") {
			n++
		}
	}
	return n
}

// OKTA-PUSH-1 prerequisites: only members that are assigned, provisioned and
// active are pushed; a user who becomes eligible later joins by itself.
func TestPushEligibleMembersOnly(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newPushEnv(t, fl)
			good, goodExt := e.provisioned("Grace", "Hopper")
			// Not assigned to the app.
			unassigned := e.createUser("Ulla", "Nassigned", "ulla.nassigned@example.com")
			// Assigned and provisioned, then suspended in Okta.
			susp, suspExt := e.provisioned("Sue", "Spended")
			e.must(200, "POST", "/api/v1/users/"+susp+"/lifecycle/suspend", nil)
			// Created STAGED (not activated), assigned: never provisioned.
			staged := e.must(200, "POST", "/api/v1/users?activate=false", map[string]any{
				"profile":     map[string]any{"firstName": "Stan", "lastName": "Staged", "email": "stan.staged@example.com", "login": "stan.staged@example.com"},
				"credentials": map[string]any{"password": map[string]any{"value": "Kv7J2LEa!x"}}})["id"].(string)
			goldAssign(e.pipeline, e.app, staged)
			e.idle()
			if au := goldAppUser(e.pipeline, e.app, staged); au["externalId"] != nil {
				t.Fatalf("a STAGED user was provisioned: %v", au)
			}
			g := goldGroup(e.pipeline, "Eligibility")
			for _, u := range []string{good, unassigned, susp, staged} {
				goldJoin(e.pipeline, g, u)
			}
			e.idle()
			seq := goldSeq(e.pipeline)
			pm := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupName": "Eligibility", "status": "ACTIVE"})
			if pm["status"] != "ACTIVE" || pm["sourceGroupId"] != g {
				t.Fatalf("mapping = %v", pm)
			}
			e.idle()
			posts := e.bodies(seq, "POST", "/Groups")
			if len(posts) != 1 {
				t.Fatalf("OKTA-PUSH-2: %d POST /Groups, want 1: %v", len(posts), e.since(seq))
			}
			want := []any{map[string]any{"value": goodExt, "display": "grace.hopper@example.com"}}
			if got, _ := json.Marshal(posts[0]["members"]); string(got) != mustJSON(want) {
				t.Errorf("OKTA-PUSH-1: POST /Groups members = %s, want only the eligible user %s", got, mustJSON(want))
			}
			m := goldMapping(e.pipeline, e.app, pm["id"].(string))
			tg, _ := m["targetGroupId"].(string)
			tg = e.downstreamOf(e.app, tg)
			if tg == "" || m["status"] != "ACTIVE" || m["lastPush"] == nil {
				t.Fatalf("mapping after push = %v", m)
			}
			if got := pushSorted(e.members(tg)...); got != goodExt {
				t.Errorf("OKTA-PUSH-1: members downstream = %v, want only %s (suspended %s excluded)", got, goodExt, suspExt)
			}
			wantGroups := map[string]int{"oin": 1, "aiw": 3}[fl] // AIW: POST then GET + PUT
			if n := len(pushGroupLines(e.since(seq))); n != wantGroups {
				t.Errorf("%d /Groups requests for the initial push, want %d: %v", n, wantGroups, e.since(seq))
			}

			// The STAGED user is activated → provisioned → joins the pushed
			// group; the unassigned user is assigned → same.
			seq = goldSeq(e.pipeline)
			e.must(200, "POST", "/api/v1/users/"+staged+"/lifecycle/activate?sendEmail=false", nil)
			e.idle()
			goldAssign(e.pipeline, e.app, unassigned)
			e.idle()
			stagedExt, _ := goldAppUser(e.pipeline, e.app, staged)["externalId"].(string)
			unassignedExt, _ := goldAppUser(e.pipeline, e.app, unassigned)["externalId"].(string)
			if stagedExt == "" || unassignedExt == "" {
				t.Fatalf("not provisioned after activation/assignment: %q %q", stagedExt, unassignedExt)
			}
			if got, want := pushSorted(e.members(tg)...), pushSorted(goodExt, stagedExt, unassignedExt); got != want {
				t.Errorf("OKTA-PUSH-4: members downstream = %s, want %s", got, want)
			}
			gl := pushGroupLines(e.since(seq))
			wantDelta := map[string]int{"oin": 2, "aiw": 4}[fl] // one PATCH, or GET + PUT, per newly eligible user
			if len(gl) != wantDelta {
				t.Errorf("%d /Groups requests for two newly eligible users, want %d: %v", len(gl), wantDelta, gl)
			}
			if fl == "oin" {
				for _, b := range e.bodies(seq, "PATCH", "/Groups/") {
					ops, _ := b["Operations"].([]any)
					if len(ops) != 1 || ops[0].(map[string]any)["op"] != "add" || ops[0].(map[string]any)["path"] != "members" {
						t.Errorf("OKTA-PUSH-4: newly eligible member pushed with %v, want one add op on members", b)
					}
				}
			}
			// The suspended user never reached any group request.
			for _, en := range goldEntries(e.pipeline, 0) {
				if strings.Contains(en.Path, "/Groups") && strings.Contains(string(en.RequestBody), suspExt) {
					t.Errorf("OKTA-PUSH-1: the suspended user was pushed: %s %s %s", en.Method, en.Path, en.RequestBody)
				}
			}
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// OKTA-PUSH-10 / OAPI-PUSH-1: targetGroupId links an existing target group: no POST,
// the members are overwritten with Okta's.
func TestPushLinkByTargetGroupID(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newPushEnv(t, fl)
			a, aExt := e.provisioned("Ada", "Lovelace")
			_, bExt := e.provisioned("Babbage", "Charles")
			// Downstream group already holding b, who is not in the Okta group.
			st, tg := goldSCIM(e.pipeline, "POST", "/Groups", map[string]any{
				"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Analytical Engine",
				"members": []any{map[string]any{"value": bExt}}})
			if st != 201 {
				t.Fatalf("pre-create group: %d %v", st, tg)
			}
			tgID := tg["id"].(string)
			g := goldGroup(e.pipeline, "Engine Team")
			goldJoin(e.pipeline, g, a)
			e.idle()
			// Okta links only an app group it knows (OKTA-PUSH-15): Refresh App Groups first.
			e.must(200, "POST", "/_sim/orgs/"+e.orgID+"/apps/"+e.app+"/group-push/refresh", nil)
			seq := goldSeq(e.pipeline)
			pm := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupId": AppGroupID(e.app, tgID), "status": "ACTIVE"})
			e.idle()
			lines := e.since(seq)
			for _, l := range lines {
				if strings.HasPrefix(l, "POST /Groups") {
					t.Errorf("OKTA-PUSH-10: linking sent %s", l)
				}
			}
			if got := pushSorted(e.members(tgID)...); got != aExt {
				t.Errorf("OKTA-PUSH-10: members after link = %s, want Okta's (%s) only", got, aExt)
			}
			switch fl {
			case "oin":
				if strings.Join(lines, "\n") != "PATCH /Groups/"+tgID {
					t.Errorf("OIN link sent %v, want one PATCH", lines)
				}
				b := e.bodies(seq, "PATCH", "/Groups/")[0]
				want := mustJSON(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
					"Operations": []any{map[string]any{"op": "replace", "path": "members",
						"value": []any{map[string]any{"value": aExt, "display": "ada.lovelace@example.com"}}}}})
				if mustJSON(b) != want {
					t.Errorf("OKTA-PUSH-4 full push: %s, want %s", mustJSON(b), want)
				}
			case "aiw":
				if strings.Join(lines, "\n") != "GET /Groups/"+tgID+"\nPUT /Groups/"+tgID {
					t.Errorf("AIW link sent %v, want GET + PUT", lines)
				}
				// The PUT replaces the whole group: it must keep the
				// target's name (rename is off), taken from the GET.
				if puts := e.bodies(seq, "PUT", "/Groups/"); len(puts) == 1 && puts[0]["displayName"] != "Analytical Engine" {
					t.Errorf("OKTA-PUSH-10: AIW link PUT displayName = %q, want the target's own name %q", puts[0]["displayName"], "Analytical Engine")
				}
			}
			m := goldMapping(e.pipeline, e.app, pm["id"].(string))
			if m["targetGroupId"] != AppGroupID(e.app, tgID) || m["status"] != "ACTIVE" {
				t.Errorf("mapping = %v", m)
			}
			// With rename off, the target keeps its name (OKTA-PUSH-10, C9330).
			if _, dg := goldSCIM(e.pipeline, "GET", "/Groups/"+tgID, nil); dg["displayName"] != "Analytical Engine" {
				t.Errorf("target renamed: %v", dg["displayName"])
			}
			// Later deltas go to the linked group and keep its name.
			b := goldAppUserID(e, bExt)
			seq = goldSeq(e.pipeline)
			goldJoin(e.pipeline, g, b)
			e.idle()
			if got := pushSorted(e.members(tgID)...); got != pushSorted(aExt, bExt) {
				t.Errorf("OKTA-PUSH-4: after a delta on a linked group members = %s", got)
			}
			for _, put := range e.bodies(seq, "PUT", "/Groups/") {
				if put["displayName"] != "Analytical Engine" {
					t.Errorf("OKTA-PUSH-10: delta PUT displayName = %q, want the target's name", put["displayName"])
				}
			}
			if m := goldMapping(e.pipeline, e.app, pm["id"].(string)); m["status"] != "ACTIVE" {
				t.Errorf("mapping after a delta: %v", m)
			}
		})
	}
}

// OKTA-PUSH-2/OKTA-PUSH-10: with targetGroupName Okta links a group of that name it
// saw on To App save or import, and otherwise creates one without looking
// it up first (so an unseen downstream group of that name collides).
func TestPushLinkByNameSeenOnToAppSaveOrImport(t *testing.T) {
	e := newPushEnv(t, "oin")
	u, uExt := e.provisioned("Linus", "Torvalds")
	g1, g2, g3 := goldGroup(e.pipeline, "Kernel"), goldGroup(e.pipeline, "Git"), goldGroup(e.pipeline, "Subsurface")
	for _, g := range []string{g1, g2, g3} {
		goldJoin(e.pipeline, g, u)
	}
	mk := func(name string) string {
		st, dg := goldSCIM(e.pipeline, "POST", "/Groups", map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": name})
		if st != 201 {
			t.Fatalf("pre-create %s: %d %v", name, st, dg)
		}
		return dg["id"].(string)
	}
	// "Kernel" exists downstream before To App is saved: Okta sees it.
	kernel := mk("Kernel")
	goldToApp(e.pipeline, e.app)
	e.idle()
	// "Git" appears downstream after that save but before an import.
	gitID := mk("Git")
	r := e.must(200, "POST", "/_sim/orgs/"+e.orgID+"/apps/"+e.app+"/import", nil)
	if r["groupsScanned"] == nil {
		t.Fatalf("import = %v", r)
	}
	// "Subsurface" appears downstream after the last read: Okta does not know it.
	mk("Subsurface")
	e.idle()

	seq := goldSeq(e.pipeline)
	pk := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g1, "targetGroupName": "Kernel", "status": "ACTIVE"})
	pg := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g2, "targetGroupName": "Git", "status": "ACTIVE"})
	e.idle()
	lines := e.since(seq)
	if strings.Join(lines, "\n") != "PATCH /Groups/"+kernel+"\nPATCH /Groups/"+gitID {
		t.Errorf("OKTA-PUSH-10: linking known groups sent %v, want one PATCH each and no POST", lines)
	}
	for id, pm := range map[string]map[string]any{kernel: pk, gitID: pg} {
		if m := goldMapping(e.pipeline, e.app, pm["id"].(string)); m["targetGroupId"] != AppGroupID(e.app, id) || m["status"] != "ACTIVE" {
			t.Errorf("mapping %v, want linked to %s", m, id)
		}
		if got := pushSorted(e.members(id)...); got != uExt {
			t.Errorf("members of %s = %s, want %s", id, got, uExt)
		}
	}

	seq = goldSeq(e.pipeline)
	ps := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g3, "targetGroupName": "Subsurface", "status": "ACTIVE"})
	e.idle()
	if lines := e.since(seq); strings.Join(lines, "\n") != "POST /Groups" {
		t.Errorf("OKTA-PUSH-2: unseen name sent %v, want one POST (no displayName lookup)", lines)
	}
	m := goldMapping(e.pipeline, e.app, ps["id"].(string))
	if m["status"] != "ERROR" || !strings.Contains(m["errorSummary"].(string), "Resource [GROUP]: with displayName already exists.") {
		t.Errorf("OKTA-PUSH-3: mapping after a colliding create = %v", m)
	}
}

// OKTA-PUSH-4: Okta group membership changes are pushed, one request each.
func TestPushMembershipFollows(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newPushEnv(t, fl)
			a, aExt := e.provisioned("Anna", "Add")
			b, bExt := e.provisioned("Bert", "Both")
			c, cExt := e.provisioned("Cleo", "Cut")
			g := goldGroup(e.pipeline, "Follow")
			goldJoin(e.pipeline, g, b)
			goldJoin(e.pipeline, g, c)
			pm := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupName": "Follow", "status": "ACTIVE"})
			e.idle()
			tg := goldTarget(e.pipeline, e.app, pm["id"].(string))
			if got := pushSorted(e.members(tg)...); got != pushSorted(bExt, cExt) {
				t.Fatalf("initial members %s", got)
			}
			perChange := map[string]int{"oin": 1, "aiw": 2}[fl]

			seq := goldSeq(e.pipeline)
			goldJoin(e.pipeline, g, a)
			e.idle()
			if got := pushSorted(e.members(tg)...); got != pushSorted(aExt, bExt, cExt) {
				t.Errorf("after add: %s", got)
			}
			if n := len(e.since(seq)); n != perChange {
				t.Errorf("add sent %d requests, want %d: %v", n, perChange, e.since(seq))
			}

			seq = goldSeq(e.pipeline)
			goldLeave(e.pipeline, g, c)
			e.idle()
			if got := pushSorted(e.members(tg)...); got != pushSorted(aExt, bExt) {
				t.Errorf("after remove: %s", got)
			}
			if n := len(e.since(seq)); n != perChange {
				t.Errorf("remove sent %d requests, want %d: %v", n, perChange, e.since(seq))
			}
			if fl == "oin" {
				want := mustJSON(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
					"Operations": []any{map[string]any{"op": "remove", "path": `members[value eq "` + cExt + `"]`}}})
				if got := mustJSON(e.bodies(seq, "PATCH", "/Groups/")[0]); got != want {
					t.Errorf("OKTA-PUSH-4 remove: %s, want %s", got, want)
				}
			} else {
				puts := e.bodies(seq, "PUT", "/Groups/")
				ms, _ := puts[0]["members"].([]any)
				if len(ms) != 2 {
					t.Errorf("OKTA-PUSH-4 AIW: PUT must carry the full list (2 members): %v", puts[0])
				}
			}

			// Leaving and rejoining at once: no duplicate pushes.
			seq = goldSeq(e.pipeline)
			goldLeave(e.pipeline, g, a)
			goldJoin(e.pipeline, g, a)
			e.idle()
			if got := pushSorted(e.members(tg)...); got != pushSorted(aExt, bExt) {
				t.Errorf("after leave+join: %s", got)
			}
			// The engine may merge queued deltas of one mapping, so the
			// count is at most one push per change.
			if n := len(e.since(seq)); n > 2*perChange {
				t.Errorf("leave+join sent %d requests, want at most %d: %v", n, 2*perChange, e.since(seq))
			}
		})
	}
}

// OKTA-PUSH-4 / OKTA-PUSH-7: unassigning a user only deactivates it; it stays in
// the pushed group until Push Now overwrites the members.
func TestPushUnassignKeepsMembershipUntilPushNow(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newPushEnv(t, fl)
			a, aExt := e.provisioned("Keep", "Er")
			b, bExt := e.provisioned("Leav", "Er")
			g := goldGroup(e.pipeline, "Pushed")
			goldJoin(e.pipeline, g, a)
			goldJoin(e.pipeline, g, b)
			pm := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupName": "Pushed", "status": "ACTIVE"})
			e.idle()
			mid := pm["id"].(string)
			tg := goldTarget(e.pipeline, e.app, mid)

			seq := goldSeq(e.pipeline)
			goldUnassign(e.pipeline, e.app, b)
			e.idle()
			lines := e.since(seq)
			if g := pushGroupLines(lines); len(g) != 0 {
				t.Errorf("OKTA-PUSH-4: unassign touched the group: %v", g)
			}
			wantUser := map[string]string{"oin": "PATCH /Users/" + bExt, "aiw": "GET /Users/" + bExt + "\nPUT /Users/" + bExt}[fl]
			if strings.Join(lines, "\n") != wantUser {
				t.Errorf("OKTA-DEACT-2: unassign sent %v, want %q", lines, wantUser)
			}
			if got := pushSorted(e.members(tg)...); got != pushSorted(aExt, bExt) {
				t.Errorf("OKTA-PUSH-4: the inactive account must stay in the group until the next push: %s", got)
			}

			seq = goldSeq(e.pipeline)
			e.pushNow(mid)
			if got := pushSorted(e.members(tg)...); got != aExt {
				t.Errorf("OKTA-PUSH-7: after Push Now members = %s, want %s", got, aExt)
			}
			switch fl {
			case "oin":
				bs := e.bodies(seq, "PATCH", "/Groups/")
				want := mustJSON(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
					"Operations": []any{map[string]any{"op": "replace", "path": "members",
						"value": []any{map[string]any{"value": aExt, "display": "keep.er@example.com"}}}}})
				if len(bs) != 1 || mustJSON(bs[0]) != want {
					t.Errorf("OKTA-PUSH-7 Push Now: %v, want one %s", bs, want)
				}
			case "aiw":
				puts := e.bodies(seq, "PUT", "/Groups/")
				if len(puts) == 0 {
					t.Fatalf("OKTA-PUSH-7: Push Now sent no PUT: %v", e.since(seq))
				}
				if ms, _ := puts[len(puts)-1]["members"].([]any); len(ms) != 1 {
					t.Errorf("OKTA-PUSH-7: Push Now PUT members %v, want only the assigned user", ms)
				}
			}
			for _, l := range e.since(seq) {
				if !strings.Contains(l, "/Groups/"+tg) {
					t.Errorf("Push Now sent %s", l)
				}
			}
			// Re-assignment reactivates the account and restores its
			// pushed-group membership (OKTA-REACT-1).
			seq = goldSeq(e.pipeline)
			goldAssign(e.pipeline, e.app, b)
			e.idle()
			if got := pushSorted(e.members(tg)...); got != pushSorted(aExt, bExt) {
				t.Errorf("OKTA-REACT-1: after re-assignment members = %s, want %s", got, pushSorted(aExt, bExt))
			}
			if n := len(pushGroupLines(e.since(seq))); n != map[string]int{"oin": 1, "aiw": 2}[fl] {
				t.Errorf("OKTA-REACT-1: re-adding the member sent %v", pushGroupLines(e.since(seq)))
			}
			if e.countPosts(seq) != 0 {
				t.Errorf("OKTA-REACT-1: re-assignment created: %v", e.since(seq))
			}
			// Push Now on an INACTIVE mapping is refused.
			e.must(200, "PATCH", e.mappingPath(mid), map[string]any{"status": "INACTIVE"})
			if r := e.oktaAPI("POST", "/_sim/orgs/"+e.orgID+"/apps/"+e.app+"/group-push/mappings/"+mid+"/push-now", nil); r.Status < 400 {
				t.Errorf("Push Now on an INACTIVE mapping: %d", r.Status)
			}
		})
	}
}

// OKTA-PUSH-6: renaming the Okta group renames the target only with "Rename
// app groups to match group name in Okta" on. mockatlassian ignores
// renames by default, so the request itself is checked.
func TestPushRename(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newPushEnv(t, fl)
			a, aExt := e.provisioned("Rena", "Mer")
			g := goldGroup(e.pipeline, "Old Name")
			goldJoin(e.pipeline, g, a)
			pm := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupName": "Old Name", "status": "ACTIVE"})
			e.idle()
			mid := pm["id"].(string)
			tg := goldTarget(e.pipeline, e.app, mid)

			// Setting off (the default): nothing is sent.
			seq := goldSeq(e.pipeline)
			e.must(200, "PUT", "/api/v1/groups/"+g, map[string]any{"profile": map[string]any{"name": "Middle Name"}})
			e.idle()
			if lines := e.since(seq); len(lines) != 0 {
				t.Errorf("OKTA-PUSH-6: rename with the setting off sent %v", lines)
			}

			// Setting on.
			app := e.must(200, "PUT", "/_sim/orgs/"+e.orgID+"/apps/"+e.app+"/settings", map[string]any{"renameGroups": true})
			if app == nil {
				t.Fatal("settings")
			}
			e.idle()
			seq = goldSeq(e.pipeline)
			e.must(200, "PUT", "/api/v1/groups/"+g, map[string]any{"profile": map[string]any{"name": "New Name"}})
			e.idle()
			lines := e.since(seq)
			switch fl {
			case "oin":
				want := mustJSON(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
					"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"id": tg, "displayName": "New Name"}}}})
				bs := e.bodies(seq, "PATCH", "/Groups/"+tg)
				if strings.Join(lines, "\n") != "PATCH /Groups/"+tg || len(bs) != 1 || mustJSON(bs[0]) != want {
					t.Errorf("OKTA-PUSH-6 OIN rename: %v %v, want one PATCH %s", lines, bs, want)
				}
			case "aiw":
				puts := e.bodies(seq, "PUT", "/Groups/"+tg)
				if strings.Join(lines, "\n") != "GET /Groups/"+tg+"\nPUT /Groups/"+tg || len(puts) != 1 || puts[0]["displayName"] != "New Name" {
					t.Errorf("OKTA-PUSH-6 AIW rename: %v %v, want GET + PUT with the new displayName", lines, puts)
				} else if ms, _ := puts[0]["members"].([]any); len(ms) != 1 {
					t.Errorf("OKTA-PUSH-6 AIW rename PUT must keep the members: %v", puts[0])
				}
			}
			// mockatlassian ignores the new name (200, unchanged); the
			// mapping stays healthy and membership is untouched.
			if _, dg := goldSCIM(e.pipeline, "GET", "/Groups/"+tg, nil); dg["displayName"] != "Old Name" {
				t.Errorf("mockatlassian default is to ignore renames; got %v", dg["displayName"])
			}
			if m := goldMapping(e.pipeline, e.app, mid); m["status"] != "ACTIVE" {
				t.Errorf("mapping after an ignored rename: %v", m)
			}
			if got := pushSorted(e.members(tg)...); got != aExt {
				t.Errorf("members after rename: %s", got)
			}
			if ts := goldTasks(e.pipeline, true); len(ts) != 0 {
				t.Errorf("tasks: %v", ts)
			}
		})
	}
}

// With mockatlassian rejecting renames (400 mutability) the rename fails:
// the mapping goes to ERROR and a task is opened.
func TestPushRenameRejected(t *testing.T) {
	e := newPushEnv(t, "oin", func(c *mockatlassian.Config) { c.Options.GroupRename = mockatlassian.RenameReject })
	u, _ := e.provisioned("Rex", "Ject")
	g := goldGroup(e.pipeline, "Immutable")
	goldJoin(e.pipeline, g, u)
	pm := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupName": "Immutable", "status": "ACTIVE"})
	e.idle()
	mid := pm["id"].(string)
	e.must(200, "PUT", "/_sim/orgs/"+e.orgID+"/apps/"+e.app+"/settings", map[string]any{"renameGroups": true})
	seq := goldSeq(e.pipeline)
	e.must(200, "PUT", "/api/v1/groups/"+g, map[string]any{"profile": map[string]any{"name": "Mutable"}})
	e.idle()
	es := goldEntries(e.pipeline, seq)
	if len(es) != 1 || es[0].Method != "PATCH" || es[0].Status != 400 {
		t.Fatalf("rename sent %v, want one PATCH answered 400", goldLines(e.pipeline, es))
	}
	m := goldMapping(e.pipeline, e.app, mid)
	if m["status"] != "ERROR" || !strings.Contains(m["errorSummary"].(string), "Errors reported by remote server") {
		t.Errorf("mapping after a rejected rename = %v", m)
	}
	ts := goldTasks(e.pipeline, false)
	if len(ts) != 1 || ts[0]["mappingId"] != mid {
		t.Errorf("tasks = %v, want one for the mapping", ts)
	}
	if _, dg := goldSCIM(e.pipeline, "GET", "/Groups/"+e.downstreamOf(e.app, m["targetGroupId"].(string)), nil); dg["displayName"] != "Immutable" {
		t.Errorf("target renamed: %v", dg)
	}
}

// OKTA-PUSH-8 / OKTA-PUSH-9 / OAPI-PUSH-1: INACTIVE pauses, ACTIVE again does a full push;
// delete needs INACTIVE and deleteTargetGroup decides DELETE /Groups/{id}.
func TestPushDeactivateAndDeleteMapping(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newPushEnv(t, fl)
			a, aExt := e.provisioned("Del", "Ete")
			b, bExt := e.provisioned("Kee", "Pit")
			g1, g2 := goldGroup(e.pipeline, "Doomed"), goldGroup(e.pipeline, "Kept")
			goldJoin(e.pipeline, g1, a)
			goldJoin(e.pipeline, g2, b)
			p1 := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g1, "targetGroupName": "Doomed", "status": "ACTIVE"})
			p2 := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g2, "targetGroupName": "Kept", "status": "ACTIVE"})
			e.idle()
			m1, m2 := p1["id"].(string), p2["id"].(string)
			t1 := goldTarget(e.pipeline, e.app, m1)
			t2 := goldTarget(e.pipeline, e.app, m2)

			seq := goldSeq(e.pipeline)
			// An ACTIVE mapping cannot be deleted.
			if r := e.oktaAPI("DELETE", e.mappingPath(m1)+"?deleteTargetGroup=true", nil); r.Status != 400 {
				t.Errorf("OAPI-PUSH-1: deleting an ACTIVE mapping: %d %s, want 400", r.Status, r.Raw)
			}
			// deleteTargetGroup is required.
			e.must(200, "PATCH", e.mappingPath(m1), map[string]any{"status": "INACTIVE"})
			if r := e.oktaAPI("DELETE", e.mappingPath(m1), nil); r.Status != 400 {
				t.Errorf("OAPI-PUSH-1: delete without deleteTargetGroup: %d, want 400", r.Status)
			}
			// INACTIVE pauses: a membership change sends nothing.
			goldJoin(e.pipeline, g1, b)
			e.idle()
			if lines := e.since(seq); len(lines) != 0 {
				t.Errorf("OKTA-PUSH-8: an INACTIVE mapping pushed %v", lines)
			}
			if got := pushSorted(e.members(t1)...); got != aExt {
				t.Errorf("paused group members = %s", got)
			}
			// ACTIVE again: a full push with the current members.
			e.must(200, "PATCH", e.mappingPath(m1), map[string]any{"status": "ACTIVE"})
			e.idle()
			if got := pushSorted(e.members(t1)...); got != pushSorted(aExt, bExt) {
				t.Errorf("OKTA-PUSH-8: after re-activation members = %s, want %s", got, pushSorted(aExt, bExt))
			}
			for _, l := range e.since(seq) {
				if strings.HasPrefix(l, "POST") {
					t.Errorf("OKTA-PUSH-8: re-activation re-created the group: %s", l)
				}
			}

			// Delete with the target: exactly DELETE /Groups/{id}; the group
			// is gone downstream; users are not touched.
			e.must(200, "PATCH", e.mappingPath(m1), map[string]any{"status": "INACTIVE"})
			seq = goldSeq(e.pipeline)
			e.must(204, "DELETE", e.mappingPath(m1)+"?deleteTargetGroup=true", nil)
			e.idle()
			es := goldEntries(e.pipeline, seq)
			if lines := goldLines(e.pipeline, es); strings.Join(lines, "\n") != "DELETE /Groups/"+t1 {
				t.Errorf("OKTA-PUSH-9: delete sent %v, want DELETE /Groups/%s", lines, t1)
			} else if es[0].Status != 204 || len(es[0].RequestBody) != 0 {
				t.Errorf("OKTA-PUSH-9: DELETE answered %d with body %s", es[0].Status, es[0].RequestBody)
			}
			if st, _ := goldSCIM(e.pipeline, "GET", "/Groups/"+t1, nil); st != 404 {
				t.Errorf("OKTA-PUSH-9: target group still there: %d", st)
			}
			if r := e.oktaAPI("GET", e.mappingPath(m1), nil); r.Status != 404 {
				t.Errorf("deleted mapping: %d", r.Status)
			}
			for _, id := range []string{aExt, bExt} {
				if st, u := goldSCIM(e.pipeline, "GET", "/Users/"+id, nil); st != 200 || u["active"] != true {
					t.Errorf("OKTA-PUSH-9: users are never deleted: %s → %d %v", id, st, u["active"])
				}
			}

			// Delete leaving the target: nothing is sent.
			e.must(200, "PATCH", e.mappingPath(m2), map[string]any{"status": "INACTIVE"})
			seq = goldSeq(e.pipeline)
			e.must(204, "DELETE", e.mappingPath(m2)+"?deleteTargetGroup=false", nil)
			e.idle()
			if lines := e.since(seq); len(lines) != 0 {
				t.Errorf("OKTA-PUSH-9: leave-in-app delete sent %v", lines)
			}
			if got := pushSorted(e.members(t2)...); got != bExt {
				t.Errorf("left group members = %s, want %s", got, bExt)
			}
			// Later Okta changes no longer reach it.
			goldLeave(e.pipeline, g2, b)
			e.idle()
			if lines := e.since(seq); len(lines) != 0 {
				t.Errorf("unlinked group still pushed: %v", lines)
			}
		})
	}
}

// OKTA-PUSH-3: pushing a name that collides with an Atlassian default group
// ("confluence-users", made by the site's Confluence product) fails with
// Atlassian's message; the mapping goes to ERROR and a task is opened. The
// create is tried once.
func TestPushCollisionWithDefaultGroup(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newPushEnv(t, fl)
			u, _ := e.provisioned("Col", "Lision")
			g := goldGroup(e.pipeline, "confluence-users")
			goldJoin(e.pipeline, g, u)
			e.idle()
			seq := goldSeq(e.pipeline)
			pm := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupName": "confluence-users", "status": "ACTIVE"})
			e.idle()
			es := goldEntries(e.pipeline, seq)
			if lines := goldLines(e.pipeline, es); strings.Join(lines, "\n") != "POST /Groups" || es[0].Status != 409 {
				t.Fatalf("OKTA-PUSH-3: collision sent %v (status %d), want one POST /Groups answered 409", lines, es[0].Status)
			}
			m := goldMapping(e.pipeline, e.app, pm["id"].(string))
			const msg = "Resource [GROUP]: with displayName already exists."
			sum, _ := m["errorSummary"].(string)
			if m["status"] != "ERROR" || !strings.Contains(sum, msg) || !strings.Contains(sum, "Errors reported by remote server") {
				t.Errorf("OKTA-PUSH-3: mapping = %v, want ERROR with %q", m, msg)
			}
			if m["targetGroupId"] != nil {
				t.Errorf("mapping linked to %v after a failed create", m["targetGroupId"])
			}
			ts := goldTasks(e.pipeline, false)
			if len(ts) != 1 || ts[0]["mappingId"] != pm["id"] || !strings.Contains(ts[0]["message"].(string), msg) {
				t.Errorf("tasks = %v, want one for the mapping with %q", ts, msg)
			}
			// Nothing was created downstream under that name by SCIM.
			if dg := goldSCIMGroupByName(e.pipeline, "confluence-users"); dg != nil {
				t.Errorf("a SCIM group confluence-users exists: %v", dg)
			}
		})
	}
}

// goldAppUserID finds the Okta user id of the app user with externalId ext.
func goldAppUserID(e *pushEnv, ext string) string {
	e.t.Helper()
	r := e.oktaAPI("GET", "/api/v1/apps/"+e.app+"/users", nil)
	var aus []map[string]any
	_ = json.Unmarshal(r.Raw, &aus)
	for _, au := range aus {
		if au["externalId"] == ext {
			return au["id"].(string)
		}
	}
	e.t.Fatalf("no app user with externalId %s", ext)
	return ""
}

// OAPI-PUSH-1/OKTA-PUSH-8: a mapping created INACTIVE pushes nothing until it is made
// ACTIVE, which creates the group with the members of that moment.
func TestPushCreateInactiveThenActivate(t *testing.T) {
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newPushEnv(t, fl)
			a, aExt := e.provisioned("Ina", "Ctive")
			b, bExt := e.provisioned("Act", "Ive")
			g := goldGroup(e.pipeline, "Later")
			goldJoin(e.pipeline, g, a)
			seq := goldSeq(e.pipeline)
			pm := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupName": "Later", "status": "INACTIVE"})
			if pm["status"] != "INACTIVE" {
				t.Errorf("mapping = %v", pm)
			}
			goldJoin(e.pipeline, g, b)
			e.idle()
			if lines := e.since(seq); len(lines) != 0 {
				t.Errorf("an INACTIVE mapping sent %v", lines)
			}
			e.must(200, "PATCH", e.mappingPath(pm["id"].(string)), map[string]any{"status": "ACTIVE"})
			e.idle()
			if n := e.countPosts(seq); n != 1 {
				t.Errorf("%d POSTs on activation, want 1: %v", n, e.since(seq))
			}
			m := goldMapping(e.pipeline, e.app, pm["id"].(string))
			tg, _ := m["targetGroupId"].(string)
			tg = e.downstreamOf(e.app, tg)
			if tg == "" || m["status"] != "ACTIVE" {
				t.Fatalf("mapping after activation = %v", m)
			}
			if got := pushSorted(e.members(tg)...); got != pushSorted(aExt, bExt) {
				t.Errorf("members = %s, want %s", got, pushSorted(aExt, bExt))
			}
		})
	}
}

// OKTA-PUSH-6: with "Rename app groups" on, the name goes out with every
// membership push, so also on Push Now and when a paused mapping is set
// back to ACTIVE, even when Okta believes the target already has it.
func TestPushRenameOnPushNowAndReactivation(t *testing.T) {
	e := newPushEnv(t, "oin")
	u, _ := e.provisioned("Ren", "Ame")
	g := goldGroup(e.pipeline, "Renamers")
	goldJoin(e.pipeline, g, u)
	mid := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupName": "Renamers", "status": "ACTIVE"})["id"].(string)
	e.idle()
	e.must(200, "PUT", "/_sim/orgs/"+e.orgID+"/apps/"+e.app+"/settings", map[string]any{"renameGroups": true})
	renames := func(seq uint64) int {
		n := 0
		for _, en := range goldEntries(e.pipeline, seq) {
			if en.Method == "PATCH" && strings.Contains(string(en.RequestBody), `"displayName":"Renamers"`) {
				n++
			}
		}
		return n
	}
	seq := goldSeq(e.pipeline)
	e.pushNow(mid)
	e.idle()
	if n := renames(seq); n != 1 {
		t.Errorf("Push Now sent %d renames, want 1: %v", n, e.since(seq))
	}
	seq = goldSeq(e.pipeline)
	e.must(200, "PATCH", e.mappingPath(mid), map[string]any{"status": "INACTIVE"})
	e.must(200, "PATCH", e.mappingPath(mid), map[string]any{"status": "ACTIVE"})
	e.idle()
	if n := renames(seq); n != 1 {
		t.Errorf("ACTIVE again sent %d renames, want 1: %v", n, e.since(seq))
	}
	// With the setting off, neither sends a name.
	e.must(200, "PUT", "/_sim/orgs/"+e.orgID+"/apps/"+e.app+"/settings", map[string]any{"renameGroups": false})
	seq = goldSeq(e.pipeline)
	e.pushNow(mid)
	e.idle()
	if n := renames(seq); n != 0 {
		t.Errorf("Push Now with renaming off sent %d renames", n)
	}
}

// TestPushMappingTargetIsAppGroupID (OKTA-PUSH-15): a push mapping's
// targetGroupId is Okta's APP_GROUP id (00g…), not the id the SCIM server
// gave the group; the downstream id is not accepted as a targetGroupId.
func TestPushMappingTargetIsAppGroupID(t *testing.T) {
	e := newPushEnv(t, "oin")
	g := goldGroup(e.pipeline, "Id Team")
	pm := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupName": "Id Team", "status": "ACTIVE"})
	e.idle()
	m := goldMapping(e.pipeline, e.app, pm["id"].(string))
	tg, _ := m["targetGroupId"].(string)
	dg := goldSCIMGroupByName(e.pipeline, "Id Team")
	if dg == nil {
		t.Fatal("no downstream group")
	}
	downstream := dg["id"].(string)
	if !strings.HasPrefix(tg, "00g") || len(tg) != 20 || tg == downstream {
		t.Fatalf("targetGroupId %q, want a 20-character 00g… APP_GROUP id (downstream id %s)", tg, downstream)
	}
	if got := e.downstreamOf(e.app, tg); got != downstream {
		t.Errorf("app group %s is %s downstream, want %s", tg, got, downstream)
	}
	g2 := goldGroup(e.pipeline, "Other Team")
	if r := e.oktaAPI("POST", "/api/v1/apps/"+e.app+"/group-push/mappings", map[string]any{"sourceGroupId": g2, "targetGroupId": downstream}); r.Status != 400 {
		t.Errorf("targetGroupId = downstream id: %d %s, want 400", r.Status, r.Raw)
	}
	if r := e.oktaAPI("POST", "/api/v1/apps/"+e.app+"/group-push/mappings", map[string]any{"sourceGroupId": g2, "targetGroupId": tg, "status": "INACTIVE"}); r.Status != 201 {
		t.Errorf("targetGroupId = APP_GROUP id: %d %s, want 201", r.Status, r.Raw)
	}
}
