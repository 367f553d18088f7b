package mockokta

import (
	"strings"
	"testing"
)

// TestOutboundGoldenGroupImportOff (OKTA-PUSH-12): with the integration's
// "Import Groups" unchecked Okta keeps no app group ids. Saving To App reads
// no groups; creating a pushed group is a plain POST with no name lookup
// before it (OKTA-PUSH-2); every later update of the group (a membership
// change, Push Now) first looks it up with `GET /Groups?filter=displayName
// eq "<name>"&startIndex=1&count=100` and writes to the id found. Refresh
// App Groups is refused.
func TestOutboundGoldenGroupImportOff(t *testing.T) {
	for _, fl := range goldFlavours {
		t.Run(fl.prefix, func(t *testing.T) {
			p, wire := goldPipeline(t, goldSetup{})
			app := fl.setup(p)
			p.idle()
			n := pipelineNorm(t, p)
			step := func(name string, action func(), after ...func()) []goldReq {
				return goldStep(t, p, wire, n, fl.prefix+"_import_groups_off_"+name, action, after...)
			}
			settings := p.must(200, "PUT", "/_sim/orgs/"+p.orgID+"/apps/"+app+"/settings", map[string]any{"importGroups": false})
			if settings["importGroups"] != false {
				t.Fatalf("settings: %v", settings)
			}

			step("to_app_save", func() { goldToApp(p, app) })
			alice := p.createUser("Alice", "Archer", "alice.archer@example.com")
			bob := p.createUser("Bob", "Baker", "bob.baker@example.com")
			for _, u := range []string{alice, bob} {
				goldAssign(p, app, u)
			}
			p.idle()
			n.name(p.scimUserByName("alice.archer@example.com")["id"].(string), "scimUser:alice")
			n.name(p.scimUserByName("bob.baker@example.com")["id"].(string), "scimUser:bob")

			eng := goldGroup(p, "Engineering")
			goldJoin(p, eng, alice)
			var pm map[string]any
			create := step("push_create", func() {
				pm = goldMap(p, app, map[string]any{"sourceGroupId": eng, "targetGroupName": "Engineering", "status": "ACTIVE"})
			}, func() {
				g := goldSCIMGroupByName(p, "Engineering")
				if g == nil {
					t.Fatal("Engineering was not created downstream")
				}
				n.name(g["id"].(string), "scimGroup:Engineering")
			})
			for _, r := range create {
				if strings.Contains(r.Query, "filter=") {
					t.Errorf("OKTA-PUSH-2: a name lookup went out before the create: %s?%s", r.Path, r.Query)
				}
			}

			lookup := "filter=displayName%20eq%20%22Engineering%22&startIndex=1&count=100"
			for _, s := range []struct {
				name   string
				action func()
			}{
				{"push_add", func() { goldJoin(p, eng, bob) }},
				{"push_now", func() {
					p.must(202, "POST", "/_sim/orgs/"+p.orgID+"/apps/"+app+"/group-push/mappings/"+pm["id"].(string)+"/push-now", nil)
				}},
			} {
				reqs := step(s.name, s.action)
				if len(reqs) < 2 || reqs[0].Method != "GET" || reqs[0].Path != "/Groups" || reqs[0].Query != lookup {
					t.Errorf("OKTA-PUSH-12: %s did not start with the displayName lookup: %v", s.name, reqs)
				}
			}
			if got := goldMemberIDs(goldSCIMGroupByName(p, "Engineering")); len(got) != 2 {
				t.Errorf("members downstream = %v, want alice and bob", got)
			}
			if r := p.oktaAPI("POST", "/_sim/orgs/"+p.orgID+"/apps/"+app+"/group-push/refresh", nil); r.Status != 400 ||
				!strings.Contains(string(r.Raw), "Import Groups is off") {
				t.Errorf("Refresh App Groups with Import Groups off: %d %s", r.Status, r.Raw)
			}
			if ts := goldTasks(p, true); len(ts) != 0 {
				t.Errorf("tasks: %v", ts)
			}
		})
	}
}

// OKTA-PUSH-12: a group Okta must update but cannot find by name (gone
// downstream, or renamed there) puts the push in ERROR with a task; nothing
// is written to any group.
func TestGroupImportOffLookupMissFailsThePush(t *testing.T) {
	p, wire := goldPipeline(t, goldSetup{})
	p.must(200, "PUT", "/_sim/orgs/"+p.orgID+"/apps/"+p.appID+"/settings", map[string]any{"importGroups": false})
	alice := p.createUser("Alice", "Archer", "alice.archer@example.com")
	bob := p.createUser("Bob", "Baker", "bob.baker@example.com")
	goldAssign(p, p.appID, alice)
	goldAssign(p, p.appID, bob)
	p.idle()
	eng := goldGroup(p, "Engineering")
	goldJoin(p, eng, alice)
	pm := goldMap(p, p.appID, map[string]any{"sourceGroupId": eng, "targetGroupName": "Engineering", "status": "ACTIVE"})
	p.idle()
	g := goldSCIMGroupByName(p, "Engineering")
	if st, _ := goldSCIM(p, "DELETE", "/Groups/"+g["id"].(string), nil); st != 204 {
		t.Fatalf("delete downstream: %d", st)
	}
	mark := wire.mark()
	goldJoin(p, eng, bob)
	p.idle()
	var sent []string
	for _, r := range wire.since(mark) {
		sent = append(sent, r.Method+" "+r.Path[strings.LastIndex(r.Path, "/"):]+"?"+r.RawQuery)
	}
	if len(sent) != 1 || !strings.HasPrefix(sent[0], "GET /Groups?filter=displayName") {
		t.Errorf("sent %v, want only the lookup", sent)
	}
	m := goldMapping(p, p.appID, pm["id"].(string))
	if m["status"] != "ERROR" {
		t.Errorf("mapping after a lookup miss: %v", m)
	}
	ts := goldTasks(p, false)
	if len(ts) != 1 || !strings.Contains(ts[0]["message"].(string), "Error while looking up group Engineering: 0 groups of that name in the app") {
		t.Errorf("tasks: %v", ts)
	}
}
