package mockokta

// Engine bugs that real clients (Terraform's Okta provider, the SDKs)
// found (issue #14), each pinned by a test that failed before its fix.

import (
	"strings"
	"testing"
)

// Terraform's apply → destroy → apply: the push mapping is deleted with
// deleteTargetGroup=true, then a mapping for the same name is created
// again. The second push must create the group afresh, not write to the
// deleted one (OKTA-PUSH-9).
func TestPushRecreateAfterDeleteTarget(t *testing.T) {
	for _, c := range []struct {
		fl   string
		wait bool
	}{{"oin", true}, {"oin", false}, {"aiw", true}, {"aiw", false}} {
		wait := c.wait
		name := c.fl + "/idle-between"
		if !wait {
			name = c.fl + "/no-wait"
		}
		t.Run(name, func(t *testing.T) {
			e := newPushEnv(t, c.fl)
			uid, ext := e.provisioned("Terra", "Form")
			g := goldGroup(e.pipeline, "tf-pushed")
			goldJoin(e.pipeline, g, uid)
			m := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupName": "tf-pushed", "status": "ACTIVE"})["id"].(string)
			e.idle()
			old := goldTarget(e.pipeline, e.app, m)

			// terraform destroy: deactivate, delete with the target, delete the group.
			e.must(200, "PATCH", e.mappingPath(m), map[string]any{"status": "INACTIVE"})
			e.must(204, "DELETE", e.mappingPath(m)+"?deleteTargetGroup=true", nil)
			e.must(204, "DELETE", "/api/v1/groups/"+g, nil)
			if wait {
				e.idle()
			}
			// terraform apply again: a new Okta group of the same name, pushed.
			g2 := goldGroup(e.pipeline, "tf-pushed")
			goldJoin(e.pipeline, g2, uid)
			m2 := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g2, "targetGroupName": "tf-pushed", "status": "ACTIVE"})["id"].(string)
			e.idle()
			got := goldMapping(e.pipeline, e.app, m2)
			if got["status"] != "ACTIVE" {
				t.Fatalf("OKTA-PUSH-9: re-created mapping is %v: %v", got["status"], got["errorSummary"])
			}
			target, _ := got["targetGroupId"].(string)
			target = e.downstreamOf(e.app, target)
			if target == "" || target == old {
				t.Fatalf("OKTA-PUSH-9: re-created mapping pushes to %q (the deleted group was %s)", target, old)
			}
			if members := pushSorted(e.members(target)...); members != ext {
				t.Errorf("members of the new group = %s, want %s", members, ext)
			}
			if st, _ := goldSCIM(e.pipeline, "GET", "/Groups/"+old, nil); st != 404 {
				t.Errorf("the old group is still there: %d", st)
			}
		})
	}
}

// People created without a password are PROVISIONED in Okta (not ACTIVE);
// they are assigned and provisioned to the app like active people, and
// group push sends them as members too (OKTA-PUSH-1).
func TestPushIncludesProvisionedStatusPeople(t *testing.T) {
	e := newPushEnv(t, "oin")
	u := e.must(200, "POST", "/api/v1/users?activate=true", map[string]any{
		"profile": map[string]any{"firstName": "Pat", "lastName": "Nopass", "email": "pat.nopass@example.com", "login": "pat.nopass@example.com"},
	})
	uid := u["id"].(string)
	if u["status"] != "PROVISIONED" {
		t.Fatalf("a user created without a password is %v, want PROVISIONED", u["status"])
	}
	goldAssign(e.pipeline, e.app, uid)
	e.idle()
	au := goldAppUser(e.pipeline, e.app, uid)
	ext, _ := au["externalId"].(string)
	if ext == "" {
		t.Fatalf("PROVISIONED person not provisioned to the app: %v", au)
	}
	g := goldGroup(e.pipeline, "no-password-people")
	goldJoin(e.pipeline, g, uid)
	m := goldMap(e.pipeline, e.app, map[string]any{"sourceGroupId": g, "targetGroupName": "no-password-people", "status": "ACTIVE"})["id"].(string)
	e.idle()
	target := goldTarget(e.pipeline, e.app, m)
	if got := pushSorted(e.members(target)...); got != ext {
		t.Errorf("OKTA-PUSH-1: pushed members = %q, want the PROVISIONED person %s", got, ext)
	}
	// And a later join goes out as a delta.
	u2 := e.must(200, "POST", "/api/v1/users?activate=true", map[string]any{
		"profile": map[string]any{"firstName": "Pia", "lastName": "Nopass", "email": "pia.nopass@example.com", "login": "pia.nopass@example.com"},
	})
	goldAssign(e.pipeline, e.app, u2["id"].(string))
	e.idle()
	ext2, _ := goldAppUser(e.pipeline, e.app, u2["id"].(string))["externalId"].(string)
	goldJoin(e.pipeline, g, u2["id"].(string))
	e.idle()
	if got := pushSorted(e.members(target)...); got != pushSorted(ext, ext2) {
		t.Errorf("OKTA-PUSH-1: after a join, pushed members = %q, want %s", got, pushSorted(ext, ext2))
	}
}

// A person deleted in Okta and created again is linked to the Atlassian
// user of the same userName; the PUT that links them carries the new
// person's externalId, not the old one (OKTA-LINK-2). The switch keeps
// the old one.
func TestRelinkSendsNewExternalID(t *testing.T) {
	for _, keep := range []bool{false, true} {
		name := "default"
		if keep {
			name = "link-keeps-external-id"
		}
		t.Run(name, func(t *testing.T) { testRelink(t, keep) })
	}
}

func testRelink(t *testing.T, keep bool) {
	p, wire := goldPipeline(t, goldSetup{options: func(o *Options) { o.LinkKeepsExternalID = keep }})
	e := &pushEnv{pipeline: p, wire: wire, app: p.appID, fl: "oin"}
	uid, ext := e.provisioned("Re", "Link")
	// The Atlassian user's externalId is Okta's first user id.
	e.must(200, "POST", "/api/v1/users/"+uid+"/lifecycle/deactivate", nil)
	e.idle()
	e.must(204, "DELETE", "/api/v1/users/"+uid, nil)
	e.idle()
	uid2 := e.createUser("Re", "Link", "re.link@example.com")
	if uid2 == uid {
		t.Fatal("same id")
	}
	seq := goldSeq(e.pipeline)
	goldAssign(e.pipeline, e.app, uid2)
	e.idle()
	au := goldAppUser(e.pipeline, e.app, uid2)
	if au["externalId"] != ext {
		t.Fatalf("re-created person linked to %v, want the existing Atlassian user %s (lines %v)", au["externalId"], ext, e.since(seq))
	}
	puts := e.bodies(seq, "PUT", "/Users/")
	if len(puts) == 0 {
		t.Fatalf("no PUT /Users on re-link: %s", strings.Join(e.since(seq), "\n"))
	}
	want := uid2
	if keep {
		want = uid
	}
	for _, b := range puts {
		if b["externalId"] != want {
			t.Errorf("OKTA-LINK-2: re-link PUT externalId = %v, want %s", b["externalId"], want)
		}
	}
	_, u := goldSCIM(e.pipeline, "GET", "/Users/"+ext, nil)
	if u["externalId"] != want {
		t.Errorf("OKTA-LINK-2: Atlassian user externalId = %v, want %s", u["externalId"], want)
	}
}
