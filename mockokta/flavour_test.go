package mockokta

// The same scenario through both flavours of app (OKTA-FLAVOUR-1): the
// far side ends in the same state, while the wire differs —
// OIN apps (de)activate and manage members with PATCH, wizard-built apps
// use GET + PUT for everything.

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFlavoursConverge(t *testing.T) {
	type step struct {
		name    string
		methods map[string]string // flavour → methods, space-separated
	}
	// OKTA-CREATE-1 create, OKTA-UPDATE-1 update, OKTA-DEACT-2 deactivate, OKTA-REACT-1
	// reactivate (OIN: PATCH active:true then the profile push; AIW: GET →
	// PUT active:true), OKTA-PUSH-2 push (AIW: POST then GET + PUT).
	steps := []step{
		{"assign", map[string]string{"oin": "GET POST", "aiw": "GET POST"}},
		{"update", map[string]string{"oin": "GET PUT", "aiw": "GET PUT"}},
		{"unassign", map[string]string{"oin": "PATCH", "aiw": "GET PUT"}},
		{"reassign", map[string]string{"oin": "GET PATCH GET PUT", "aiw": "GET GET PUT"}},
		{"push", map[string]string{"oin": "POST", "aiw": "POST GET PUT"}},
		{"leave", map[string]string{"oin": "PATCH", "aiw": "GET PUT"}},
	}
	final := map[string]string{}
	for _, fl := range pushFlavours {
		t.Run(fl, func(t *testing.T) {
			e := newPushEnv(t, fl)
			const email = "flo.vour@example.com"
			uid := e.createUser("Flo", "Vour", email)
			other, otherExt := e.provisioned("Otto", "Ther")
			g := goldGroup(e.pipeline, "Flavoured")
			goldJoin(e.pipeline, g, uid)
			goldJoin(e.pipeline, g, other)
			e.idle()
			actions := map[string]func(){
				"assign": func() { goldAssign(e.pipeline, e.app, uid) },
				"update": func() {
					e.must(200, "POST", "/api/v1/users/"+uid, map[string]any{"profile": map[string]any{"lastName": "Vourite"}})
				},
				"unassign": func() { goldUnassign(e.pipeline, e.app, uid) },
				"reassign": func() { goldAssign(e.pipeline, e.app, uid) },
				"push": func() {
					goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupName": "Flavoured", "status": "ACTIVE"})
				},
				"leave": func() { goldLeave(e.pipeline, g, other) },
			}
			for _, s := range steps {
				seq := goldSeq(e.pipeline)
				actions[s.name]()
				e.idle()
				var methods []string
				for _, en := range goldEntries(e.pipeline, seq) {
					methods = append(methods, en.Method)
				}
				if got := strings.Join(methods, " "); got != s.methods[fl] {
					t.Errorf("%s: %s sent %q, want %q (%v)", fl, s.name, got, s.methods[fl], e.since(seq))
				}
				if s.name == "unassign" {
					if us := goldSCIMUsersNamed(e.pipeline, email); len(us) != 1 || us[0]["active"] != false {
						t.Errorf("after unassign: %v", us)
					}
				}
			}
			if ts := goldTasks(e.pipeline, true); len(ts) != 0 {
				t.Errorf("tasks: %v", ts)
			}

			// The far side, with volatile values named.
			us := goldSCIMUsersNamed(e.pipeline, email)
			if len(us) != 1 {
				t.Fatalf("%d accounts for %s", len(us), email)
			}
			u := us[0]
			au := goldAppUser(e.pipeline, e.app, uid)
			if au["externalId"] != u["id"] || au["status"] != "PROVISIONED" || au["syncState"] != "SYNCHRONIZED" {
				t.Errorf("app user %v / %v / %v, want %v PROVISIONED SYNCHRONIZED", au["externalId"], au["status"], au["syncState"], u["id"])
			}
			n := newGoldNorm(t)
			n.name(uid, "oktaUser")
			n.name(u["id"].(string), "scimUser")
			n.name(otherExt, "scimUser:other")
			delete(u, "meta")
			dg := goldSCIMGroupByName(e.pipeline, "Flavoured")
			if dg == nil {
				t.Fatal("group not pushed")
			}
			n.name(dg["id"].(string), "scimGroup")
			delete(dg, "meta")
			state := map[string]any{"user": n.value("", u), "group": n.value("", dg),
				"users": len(goldSCIMUsers(e.pipeline))}
			b, _ := json.MarshalIndent(state, "", "  ")
			final[fl] = string(b)
			if u["active"] != true || u["externalId"] != uid || dig(u, "name.familyName") != "Vourite" || u["displayName"] != "Flo Vourite" {
				t.Errorf("final account = %v", u)
			}
			if got := goldMemberIDs(dg); strings.Join(got, ",") != u["id"] {
				t.Errorf("final members = %v, want only %v", got, u["id"])
			}
		})
	}
	if final["oin"] != "" && final["aiw"] != "" && final["oin"] != final["aiw"] {
		t.Errorf("the flavours end in different states:\n--- oin\n%s\n--- aiw\n%s", final["oin"], final["aiw"])
	}
}
