package mockatlassian

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/scim"
)

// The member PATCH fast path (groupfast.go) must answer, change and record
// exactly what the general path does. Each case runs on two servers built
// the same way, one with the fast path off, and compares the answers byte
// for byte, the group and its members' users afterwards, and the audit log.
func TestGroupMemberFastPathMatchesGeneral(t *testing.T) {
	const patch = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[%s]}`
	type setup struct {
		users []string // u0..: created users' ids, in order
		group string
	}
	cases := []struct {
		name   string
		mutate func(*Config)
		ops    func(s setup) string
	}{
		{"add one", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"add","path":"members","value":[{"value":%q,"display":"x"}]}`, s.users[3])
		}},
		{"add several with type", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"Add","path":"members","value":[{"value":%q,"type":"user"},{"value":%q,"$ref":"x","type":"User"}]}`, s.users[3], s.users[4])
		}},
		{"add a lone object", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"add","path":"members","value":{"value":%q}}`, s.users[4])
		}},
		{"add a member again", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"add","path":"members","value":[{"value":%q}]}`, s.users[0])
		}},
		{"add an unknown user", nil, func(s setup) string {
			return `{"op":"add","path":"members","value":[{"value":"no-such-user"}]}`
		}},
		{"add a group as member", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"add","path":"members","value":[{"value":%q,"type":"Group"}]}`, s.users[3])
		}},
		{"add with a null element", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"add","path":"members","value":[null,{"value":%q}]}`, s.users[3])
		}},
		{"add with an empty value", nil, func(s setup) string { return `{"op":"add","path":"members","value":[{"value":""}]}` }},
		{"add with a non-string value", nil, func(s setup) string { return `{"op":"add","path":"members","value":[{"value":7}]}` }},
		{"add with an unknown sub-attribute", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"add","path":"members","value":[{"value":%q,"primary":true}]}`, s.users[3])
		}},
		{"add past the group limit", func(c *Config) { c.Options.MaxUsersPerGroup = 3 }, func(s setup) string {
			return fmt.Sprintf(`{"op":"add","path":"members","value":[{"value":%q},{"value":%q}]}`, s.users[3], s.users[4])
		}},
		{"remove by filter", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"remove","path":"members[value eq \"%s\"]"}`, s.users[1])
		}},
		{"remove by filter, URN and case", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"remove","path":"urn:ietf:params:scim:schemas:core:2.0:Group:MEMBERS[Value EQ \"%s\"]"}`, s.users[1])
		}},
		{"remove by filter, id in another case", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"remove","path":"members[value eq \"%s\"]"}`, strings.ToUpper(s.users[1]))
		}},
		{"remove a non-member", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"remove","path":"members[value eq \"%s\"]"}`, s.users[4])
		}},
		{"remove an unknown id", nil, func(s setup) string { return `{"op":"remove","path":"members[value eq \"nobody\"]"}` }},
		{"remove by value list", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"remove","path":"members","value":[{"value":%q},{"value":%q}]}`, s.users[0], s.users[2])
		}},
		{"remove by value list with display", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"remove","path":"members","value":[{"value":%q,"display":"nope"}]}`, s.users[0])
		}},
		{"remove all", nil, func(s setup) string { return `{"op":"remove","path":"members"}` }},
		{"add then remove the same", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"add","path":"members","value":[{"value":%q}]},{"op":"remove","path":"members[value eq \"%s\"]"}`, s.users[3], s.users[3])
		}},
		{"remove then add back, and more", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"remove","path":"members[value eq \"%s\"]"},{"op":"add","path":"members","value":[{"value":%q},{"value":%q}]}`, s.users[0], s.users[0], s.users[4])
		}},
		{"members with a rename", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"replace","value":{"displayName":"other"}},{"op":"add","path":"members","value":[{"value":%q}]}`, s.users[3])
		}},
		{"replace members", nil, func(s setup) string {
			return fmt.Sprintf(`{"op":"replace","path":"members","value":[{"value":%q}]}`, s.users[3])
		}},
		{"a deleted member", func(c *Config) { c.Options.DeleteMode = DeleteDeactivates }, func(s setup) string {
			return fmt.Sprintf(`{"op":"add","path":"members","value":[{"value":%q}]}`, s.users[3])
		}},
	}
	build := func(t *testing.T, mutate func(*Config), general bool) (*testEnv, setup) {
		var muts []func(*Config)
		if mutate != nil {
			muts = append(muts, mutate)
		}
		e := newEnv(t, muts...)
		e.srv.Model.generalMemberPatch = general
		var s setup
		for i := range 5 {
			s.users = append(s.users, e.createUser(fmt.Sprintf("u%d@example.com", i)))
		}
		s.group = e.createGroup("team", s.users[0], s.users[1], s.users[2])
		e.grant("jira-software", "team")
		// Render once, so the fast path works from a kept view.
		e.scim("GET", "/Groups/"+s.group, nil).wantStatus(t, http.StatusOK)
		if e.srv.Model.opts.DeleteMode == DeleteDeactivates {
			e.scim("DELETE", "/Users/"+s.users[2], nil).wantStatus(t, http.StatusNoContent)
		}
		return e, s
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fast, s := build(t, c.mutate, false)
			general, s2 := build(t, c.mutate, true)
			if fmt.Sprint(s) != fmt.Sprint(s2) {
				t.Fatalf("the two servers differ: %v vs %v", s, s2)
			}
			body := fmt.Sprintf(patch, c.ops(s))
			for round := range 2 { // twice: the second works from the view the first left
				a := fast.scim("PATCH", "/Groups/"+s.group, body)
				b := general.scim("PATCH", "/Groups/"+s.group, body)
				if a.Status != b.Status || !bytes.Equal(a.Raw, b.Raw) {
					t.Fatalf("round %d:\nfast    %d %s\ngeneral %d %s", round, a.Status, a.Raw, b.Status, b.Raw)
				}
				fast.clock.Advance(1e9)
				general.clock.Advance(1e9)
			}
			for _, path := range append([]string{"/Groups/" + s.group}, userPaths(s.users)...) {
				a, b := fast.scim("GET", path, nil), general.scim("GET", path, nil)
				if a.Status != b.Status || !bytes.Equal(a.Raw, b.Raw) {
					t.Fatalf("GET %s:\nfast    %s\ngeneral %s", path, a.Raw, b.Raw)
				}
			}
			ea, _, _ := fast.srv.Model.Events(testOrg, EventQuery{}, 0, 1000)
			eb, _, _ := general.srv.Model.Events(testOrg, EventQuery{}, 0, 1000)
			ja, _ := json.Marshal(ea)
			jb, _ := json.Marshal(eb)
			if !bytes.Equal(ja, jb) {
				t.Fatalf("audit logs differ:\nfast    %s\ngeneral %s", ja, jb)
			}
			if sa, sb := fast.snapshot(), general.snapshot(); sa != sb {
				t.Fatalf("state differs:\nfast    %s\ngeneral %s", sa, sb)
			}
		})
	}
}

func userPaths(ids []string) []string {
	var out []string
	for _, id := range ids {
		out = append(out, "/Users/"+id)
	}
	return out
}

// The kept view renders what renderGroup and json.Marshal do, also after
// members' userNames change and members leave through other paths.
func TestGroupJSONMatchesMarshal(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := range 4 {
		ids = append(ids, e.createUser(fmt.Sprintf("m%d@example.com", i)))
	}
	gid := e.createGroup(`<b>&"ünïcode" \ team`, ids[0], ids[1], ids[2])
	check := func(step string) {
		t.Helper()
		m := e.srv.Model
		a, err := m.getGroupJSON(testDir, gid)
		if err != nil {
			t.Fatal(err)
		}
		got := a.Bytes()
		g, err := m.GetGroup(testDir, gid)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(g)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s:\nview    %s\nmarshal %s", step, got, want)
		}
	}
	check("fresh")
	e.scim("PATCH", "/Groups/"+gid, `{"Operations":[{"op":"add","path":"members","value":[{"value":"`+ids[3]+`"}]}]}`).wantStatus(t, http.StatusOK)
	check("after an add")
	e.scim("PATCH", "/Users/"+ids[1], `{"Operations":[{"op":"replace","path":"userName","value":"renamed<&>@example.com"}]}`).wantStatus(t, http.StatusOK)
	check("after a member's rename")
	e.scim("DELETE", "/Users/"+ids[0], nil).wantStatus(t, http.StatusNoContent)
	check("after a member's deletion")
	e.scim("PUT", "/Groups/"+gid, map[string]any{"displayName": `<b>&"ünïcode" \ team`, "externalId": "ext-1", "members": []any{map[string]any{"value": ids[2]}}}).wantStatus(t, http.StatusOK)
	check("after a PUT")
	e.scim("PATCH", "/Groups/"+gid, `{"Operations":[{"op":"remove","path":"members[value eq \"`+ids[2]+`\"]"}]}`).wantStatus(t, http.StatusOK)
	check("empty")
}

// A member PATCH through the fast path is on disk: the group after a
// restart is the group before it.
func TestGroupMemberFastPathIsDurable(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, withDataDir(dir))
	var ids []string
	for i := range 4 {
		ids = append(ids, e.createUser(fmt.Sprintf("d%d@example.com", i)))
	}
	gid := e.createGroup("durable", ids[0], ids[1])
	e.scim("PATCH", "/Groups/"+gid, `{"Operations":[{"op":"add","path":"members","value":[{"value":"`+ids[2]+`"},{"value":"`+ids[3]+`"}]},{"op":"remove","path":"members[value eq \"`+ids[0]+`\"]"}]}`).wantStatus(t, http.StatusOK)
	before := e.scim("GET", "/Groups/"+gid, nil).wantStatus(t, http.StatusOK)
	e2 := reopen(t, e)
	after := e2.scim("GET", "/Groups/"+gid, nil).wantStatus(t, http.StatusOK)
	if !bytes.Equal(before.Raw, after.Raw) {
		t.Fatalf("after restart:\n%s\nbefore:\n%s", after.Raw, before.Raw)
	}
	if got := len(after.Body["members"].([]any)); got != 3 {
		t.Fatalf("%d members after restart, want 3", got)
	}
}

// Past one chunk: members join and leave all over the id range (chunks
// grow, split and empty) and a member deep in the list is renamed; the
// answer stays what json.Marshal renders.
func TestGroupJSONChunksFollowChanges(t *testing.T) {
	e := newEnv(t)
	m := e.srv.Model
	var ids []string
	for i := range 700 {
		email := fmt.Sprintf("c%04d@example.com", i)
		u, err := m.CreateUser(testDir, scim.User{UserName: email, Emails: []scim.Email{{Value: email, Primary: true}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	var refs []scim.Ref
	for _, id := range ids[:300] {
		refs = append(refs, scim.Ref{Value: id})
	}
	g, err := m.CreateGroup(testDir, scim.Group{DisplayName: "chunks", Members: refs})
	if err != nil {
		t.Fatal(err)
	}
	check := func(step string) {
		t.Helper()
		a, err := m.getGroupJSON(testDir, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := m.GetGroup(testDir, g.ID)
		wantJSON, _ := json.Marshal(want)
		if got := a.Bytes(); !bytes.Equal(got, wantJSON) {
			t.Fatalf("%s: the kept answer differs from json.Marshal (%d vs %d bytes)", step, len(got), len(wantJSON))
		}
	}
	check("fresh")
	rng := rand.New(rand.NewPCG(1, 2))
	for step := range 60 {
		var ops []scim.PatchOperation
		for range 1 + rng.IntN(20) {
			id := ids[rng.IntN(len(ids))]
			if rng.IntN(3) == 0 {
				ops = append(ops, scim.PatchOperation{Op: scim.OpRemove, Path: `members[value eq "` + id + `"]`})
			} else {
				ops = append(ops, scim.PatchOperation{Op: scim.OpAdd, Path: "members", Value: json.RawMessage(`[{"value":"` + id + `"}]`)})
			}
		}
		if _, err := m.patchGroupJSON(testDir, g.ID, ops); err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("step %d", step))
		if step == 30 {
			cur, _ := m.GetGroup(testDir, g.ID)
			mid := cur.Members[len(cur.Members)/2].Value
			e.scim("PATCH", "/Users/"+mid, `{"Operations":[{"op":"replace","path":"userName","value":"renamed-mid@example.com"}]}`).wantStatus(t, http.StatusOK)
			check("after a rename")
		}
	}
	// Remove everyone, one request per 100.
	cur, _ := m.GetGroup(testDir, g.ID)
	for len(cur.Members) > 0 {
		var ops []scim.PatchOperation
		for _, r := range cur.Members[:min(100, len(cur.Members))] {
			ops = append(ops, scim.PatchOperation{Op: scim.OpRemove, Path: `members[value eq "` + r.Value + `"]`})
		}
		if _, err := m.patchGroupJSON(testDir, g.ID, ops); err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("%d left", len(cur.Members)))
		cur, _ = m.GetGroup(testDir, g.ID)
	}
	check("empty")
}
