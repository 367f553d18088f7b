package mockokta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/journal"
)

// Sync Password (OKTA-PASSWORD-1 … OKTA-PASSWORD-5), for both flavours.

const (
	syncPw1 = "Sync-Pass-One-1"
	syncPw2 = "Sync-Pass-Two-2"
)

// syncPasswordOn saves To App with Create, Update, Deactivate and Sync
// Password on, with the seed and change given ("" leaves Okta's default).
func syncPasswordOn(p *pipeline, appID, seed, change string) {
	p.t.Helper()
	on := map[string]any{"status": "ENABLED"}
	pw := map[string]any{"status": "ENABLED"}
	if seed != "" {
		pw["seed"] = seed
	}
	if change != "" {
		pw["change"] = change
	}
	p.must(200, "PUT", "/api/v1/apps/"+appID+"/features/USER_PROVISIONING", map[string]any{
		"create": map[string]any{"lifecycleCreate": on},
		"update": map[string]any{"profile": on, "lifecycleDeactivate": on, "password": pw}})
}

func createUserWithPassword(p *pipeline, first, email, password string) string {
	p.t.Helper()
	return p.must(200, "POST", "/api/v1/users?activate=true", map[string]any{
		"profile":     map[string]any{"firstName": first, "lastName": "Sync", "email": email, "login": email},
		"credentials": map[string]any{"password": map[string]any{"value": password}},
	})["id"].(string)
}

func setPassword(p *pipeline, uid, password string) {
	p.t.Helper()
	p.must(200, "POST", "/api/v1/users/"+uid, map[string]any{"credentials": map[string]any{"password": map[string]any{"value": password}}})
}

// pushPasswordEvents lists the push_password events of the org's System Log.
func pushPasswordEvents(p *pipeline) []map[string]any {
	p.t.Helper()
	r := p.oktaAPI("GET", "/api/v1/logs?filter="+url.QueryEscape(`eventType eq "application.provision.user.push_password"`), nil)
	if r.Status != 200 {
		p.t.Fatalf("logs: %d %s", r.Status, r.Raw)
	}
	var out []map[string]any
	if err := json.Unmarshal(r.Raw, &out); err != nil {
		p.t.Fatal(err)
	}
	return out
}

// assertNoPasswordKept checks that none of the passwords is in either
// journal, the System Log, the app user or the SCIM user downstream.
func assertNoPasswordKept(t *testing.T, p *pipeline, appID, uid string, passwords ...string) {
	t.Helper()
	var kept []string
	for name, j := range map[string]*journal.Journal{"engine journal": p.okta.Model.Journal(), "mockokta journal": p.okta.Journal, "mockatlassian journal": p.atl.Journal} {
		for _, e := range j.Entries(journal.Query{}) {
			kept = append(kept, name+": "+string(e.RequestBody)+string(e.ResponseBody))
		}
	}
	logs := p.oktaAPI("GET", "/api/v1/logs", nil)
	kept = append(kept, "System Log: "+string(logs.Raw))
	au := p.oktaAPI("GET", "/api/v1/apps/"+appID+"/users/"+uid, nil)
	kept = append(kept, "app user: "+string(au.Raw))
	for _, s := range kept {
		for _, pw := range passwords {
			if strings.Contains(s, pw) {
				t.Errorf("a password is kept in clear: %.300s", s)
			}
		}
	}
	var app map[string]any
	_ = json.Unmarshal(au.Raw, &app)
	if ext, _ := app["externalId"].(string); ext != "" {
		if _, su := goldSCIM(p, "GET", "/Users/"+ext, nil); su["password"] != nil {
			t.Errorf("mockatlassian returns a password: %v", su)
		}
	}
}

// With seed OKTA the create carries the Okta password, and a password
// change is pushed: a path-less PATCH (OIN) or GET then PUT (wizard app).
func TestSyncPasswordOktaSeedGolden(t *testing.T) {
	for _, fl := range goldFlavours {
		t.Run(fl.prefix, func(t *testing.T) {
			p, wire := goldPipeline(t, goldSetup{})
			app := fl.setup(p)
			syncPasswordOn(p, app, "OKTA", "")
			p.idle()
			n := pipelineNorm(t, p)
			n.name(syncPw1, "oktaPassword:1")
			n.name(syncPw2, "oktaPassword:2")
			step := func(name string, action func(), after ...func()) []goldReq {
				return goldStep(t, p, wire, n, fl.prefix+"_"+name, action, after...)
			}
			uid := createUserWithPassword(p, "Sam", "sam.sync@example.com", syncPw1)
			n.name(uid, "oktaUser:sam")
			create := step("password_create", func() { goldAssign(p, app, uid) }, func() {
				n.name(p.scimUserByName("sam.sync@example.com")["id"].(string), "scimUser:sam")
			})
			if len(create) != 2 || create[1].body()["password"] != "{{oktaPassword:1}}" {
				t.Fatalf("OKTA-PASSWORD-3: the create does not carry the Okta password: %v", create)
			}
			change := step("password_change", func() { setPassword(p, uid, syncPw2) })
			last := change[len(change)-1]
			if last.body()["password"] != nil && fl.prefix == "oin" {
				t.Errorf("OKTA-PASSWORD-1: OIN apps send the password inside value, not at the top: %v", last.body())
			}
			wantMethods := map[string]string{"oin": "PATCH", "aiw": "GET,PUT"}[fl.prefix]
			var methods []string
			for _, r := range change {
				methods = append(methods, r.Method)
			}
			if strings.Join(methods, ",") != wantMethods {
				t.Errorf("OKTA-PASSWORD-1: a password change sent %v, want %s", methods, wantMethods)
			}
			if !strings.Contains(string(last.Body), "{{oktaPassword:2}}") {
				t.Errorf("OKTA-PASSWORD-2: the push does not carry the new password: %s", last.Body)
			}
			evs := pushPasswordEvents(p)
			if len(evs) != 1 || dig(evs[0], "outcome.result") != "SUCCESS" {
				t.Errorf("OKTA-PASSWORD-5: push_password events = %v, want one SUCCESS", evs)
			}
			// The account downstream is still whole and active.
			if u := p.scimUserByName("sam.sync@example.com"); u["active"] != true || u["userName"] != "sam.sync@example.com" {
				t.Errorf("after the password push the account is %v", u)
			}
			assertNoPasswordKept(t, p, app, uid, syncPw1, syncPw2)
		})
	}
}

// requestsSince returns the engine's SCIM requests after seq as
// "METHOD /path" and their bodies.
func requestsSince(p *pipeline, seq uint64) ([]string, []map[string]any) {
	es := goldEntries(p, seq)
	var bodies []map[string]any
	for _, e := range es {
		var b map[string]any
		_ = json.Unmarshal(e.RequestBody, &b)
		bodies = append(bodies, b)
	}
	return goldLines(p, es), bodies
}

// wirePasswords are the passwords the SCIM server received after mark.
func wirePasswords(w *goldWire, mark int) []string {
	var out []string
	for _, r := range w.since(mark) {
		var b map[string]any
		if json.Unmarshal(r.Body, &b) != nil {
			continue
		}
		if pw, ok := b["password"].(string); ok {
			out = append(out, pw)
		}
		if pw, ok := dig(b, "Operations.0.value.password").(string); ok {
			out = append(out, pw)
		}
	}
	return out
}

// Seed RANDOM: a generated 16-character password at create, nothing on an
// Okta password change; turning Sync Password on with change CHANGE sets
// a new password on accounts already there, KEEP_EXISTING does not.
func TestSyncPasswordRandomSeed(t *testing.T) {
	for _, fl := range goldFlavours {
		t.Run(fl.prefix, func(t *testing.T) {
			p, wire := goldPipeline(t, goldSetup{})
			app := fl.setup(p)
			syncPasswordOn(p, app, "RANDOM", "KEEP_EXISTING")
			p.idle()
			uid := createUserWithPassword(p, "Rae", "rae.random@example.com", syncPw1)
			mark := wire.mark()
			goldAssign(p, app, uid)
			p.idle()
			pws := wirePasswords(wire, mark)
			if len(pws) != 1 || !goldRandomPassRE.MatchString(pws[0]) || pws[0] == syncPw1 {
				t.Fatalf("OKTA-PASSWORD-3: seed RANDOM create sent passwords %q, want one generated 16-character password", pws)
			}

			seq := goldSeq(p)
			setPassword(p, uid, syncPw2)
			p.idle()
			if lines, _ := requestsSince(p, seq); len(lines) != 0 {
				t.Errorf("OKTA-PASSWORD-2: seed RANDOM pushed an Okta password change: %v", lines)
			}

			// Off, then on again with KEEP_EXISTING: existing accounts keep theirs.
			p.must(200, "PUT", "/api/v1/apps/"+app+"/features/USER_PROVISIONING", map[string]any{
				"update": map[string]any{"password": map[string]any{"status": "DISABLED"}}})
			p.idle()
			seq = goldSeq(p)
			syncPasswordOn(p, app, "RANDOM", "KEEP_EXISTING")
			p.idle()
			if lines, _ := requestsSince(p, seq); strings.Contains(strings.Join(lines, " "), "/Users/") {
				t.Errorf("OKTA-PASSWORD-4: KEEP_EXISTING set passwords: %v", lines)
			}

			// Off, then on with CHANGE: the account gets a new random password.
			p.must(200, "PUT", "/api/v1/apps/"+app+"/features/USER_PROVISIONING", map[string]any{
				"update": map[string]any{"password": map[string]any{"status": "DISABLED"}}})
			p.idle()
			mark = wire.mark()
			syncPasswordOn(p, app, "RANDOM", "CHANGE")
			p.idle()
			again := wirePasswords(wire, mark)
			if len(again) != 1 || !goldRandomPassRE.MatchString(again[0]) || again[0] == pws[0] {
				t.Errorf("OKTA-PASSWORD-4: turning Sync Password on with CHANGE sent %q, want one new generated password", again)
			}
			if evs := pushPasswordEvents(p); len(evs) != 1 || dig(evs[0], "outcome.result") != "SUCCESS" {
				t.Errorf("OKTA-PASSWORD-5: push_password events = %v", evs)
			}
			assertNoPasswordKept(t, p, app, uid, append(again, pws[0], syncPw1, syncPw2)...)
		})
	}
}

// Sync Password off: the create's password is the 8-character placeholder
// (never the Okta password) and password changes send nothing.
func TestSyncPasswordOff(t *testing.T) {
	p, wire := goldPipeline(t, goldSetup{})
	goldToApp(p, p.appID)
	p.idle()
	uid := createUserWithPassword(p, "Ola", "ola.off@example.com", syncPw1)
	mark := wire.mark()
	goldAssign(p, p.appID, uid)
	p.idle()
	if pws := wirePasswords(wire, mark); len(pws) != 1 || !goldPassRE.MatchString(pws[0]) {
		t.Fatalf("OKTA-CREATE-2: create sent passwords %q, want one 8-character placeholder", pws)
	}
	seq := goldSeq(p)
	setPassword(p, uid, syncPw2)
	p.idle()
	if lines, _ := requestsSince(p, seq); len(lines) != 0 {
		t.Errorf("OKTA-PASSWORD-2: Sync Password off, yet a password change sent %v", lines)
	}
	if evs := pushPasswordEvents(p); len(evs) != 0 {
		t.Errorf("push_password events with Sync Password off: %v", evs)
	}
}

// Seed OKTA for a person whose password Okta does not hold in clear (an
// imported hash): the create sends the placeholder; the first sign-in with
// the password pushes it, a second sign-in with the same one sends nothing,
// and a wrong password is never taken.
func TestSyncPasswordSignInPushesUnheldPassword(t *testing.T) {
	p, wire := goldPipeline(t, goldSetup{})
	syncPasswordOn(p, p.appID, "OKTA", "")
	p.idle()
	uid := createUserWithPassword(p, "Ivy", "ivy.import@example.com", syncPw1)
	o, err := p.okta.Model.Org(p.orgID)
	if err != nil {
		t.Fatal(err)
	}
	// What a restart leaves: the hash, not the password.
	o.mu.Lock()
	o.holdPassword(uid, "")
	o.mu.Unlock()
	mark := wire.mark()
	goldAssign(p, p.appID, uid)
	p.idle()
	if pws := wirePasswords(wire, mark); len(pws) != 1 || !goldPassRE.MatchString(pws[0]) {
		t.Fatalf("OKTA-PASSWORD-3: an unheld Okta password: create sent %q, want the 8-character placeholder", pws)
	}
	seq := goldSeq(p)
	p.okta.Model.PasswordSignedIn(o, uid, "Wrong-Password-9")
	p.idle()
	if lines, _ := requestsSince(p, seq); len(lines) != 0 {
		t.Fatalf("a wrong password was pushed: %v", lines)
	}
	mark = wire.mark()
	p.okta.Model.PasswordSignedIn(o, uid, syncPw1)
	p.idle()
	if pws := wirePasswords(wire, mark); len(pws) != 1 || pws[0] != syncPw1 {
		t.Fatalf("OKTA-PASSWORD-2: the sign-in pushed %d passwords, want the Okta password once", len(pws))
	}
	seq = goldSeq(p)
	p.okta.Model.PasswordSignedIn(o, uid, syncPw1)
	p.idle()
	if lines, _ := requestsSince(p, seq); len(lines) != 0 {
		t.Errorf("OKTA-PASSWORD-2: a sign-in with the synced password pushed again: %v", lines)
	}
}

// A failed push is a task and a FAILURE push_password event without the
// password; Retry sends the current password.
func TestSyncPasswordPushFailure(t *testing.T) {
	var fail atomic.Bool
	p, wire := goldPipeline(t, goldSetup{wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if fail.Load() && r.Method == http.MethodPatch && !goldIsProbe(r) {
				w.Header().Set("Content-Type", "application/scim+json")
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprint(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"boom"}`)
				return
			}
			next.ServeHTTP(w, r)
		})
	}})
	syncPasswordOn(p, p.appID, "OKTA", "")
	p.idle()
	uid := createUserWithPassword(p, "Fay", "fay.fail@example.com", syncPw1)
	goldAssign(p, p.appID, uid)
	p.idle()
	fail.Store(true)
	setPassword(p, uid, syncPw2)
	p.idle()
	evs := pushPasswordEvents(p)
	if len(evs) != 1 || dig(evs[0], "outcome.result") != "FAILURE" ||
		!strings.Contains(fmt.Sprint(dig(evs[0], "outcome.reason")), "Error while pushing password of user fay.fail@example.com") {
		t.Fatalf("OKTA-PASSWORD-5: push_password events = %v, want one FAILURE", evs)
	}
	tasks := goldTasks(p, false)
	if len(tasks) != 1 || tasks[0]["kind"] != "push-password" {
		t.Fatalf("OKTA-PASSWORD-5: tasks = %v, want one push-password task", tasks)
	}
	if au := goldAppUser(p, p.appID, uid); au["syncState"] != "ERROR" {
		t.Errorf("app user after a failed push: %v", au)
	}
	fail.Store(false)
	mark := wire.mark()
	p.must(202, "POST", fmt.Sprintf("/_sim/orgs/%s/tasks/%s/retry", p.orgID, tasks[0]["id"]), nil)
	p.idle()
	if pws := wirePasswords(wire, mark); len(pws) != 1 || pws[0] != syncPw2 {
		t.Errorf("OKTA-PASSWORD-5: Retry sent %d passwords, want the current one", len(pws))
	}
	if au := goldAppUser(p, p.appID, uid); au["syncState"] != "SYNCHRONIZED" {
		t.Errorf("app user after the retry: %v", au)
	}
	assertNoPasswordKept(t, p, p.appID, uid, syncPw1, syncPw2)
}

// OAPI-USER-3: change_password checks the old password and the policy,
// answers the credentials object, and its new password is synced
// (OKTA-PASSWORD-2).
func TestChangePassword(t *testing.T) {
	p, wire := goldPipeline(t, goldSetup{})
	syncPasswordOn(p, p.appID, "OKTA", "")
	p.idle()
	uid := createUserWithPassword(p, "Cid", "cid.change@example.com", syncPw1)
	goldAssign(p, p.appID, uid)
	p.idle()
	path := "/api/v1/users/" + uid + "/credentials/change_password"
	change := func(old, new string) apiResp {
		return p.oktaAPI("POST", path, map[string]any{"oldPassword": map[string]any{"value": old}, "newPassword": map[string]any{"value": new}})
	}
	mark := wire.mark()
	for _, c := range []struct{ name, old, new, cause string }{
		{"wrong old password", "Not-The-One-1", syncPw2, "oldPassword: The credentials provided were incorrect."},
		{"weak new password", syncPw1, "short", "password: " + passwordPolicy},
	} {
		r := change(c.old, c.new)
		var e struct {
			ErrorCode   string
			ErrorCauses []struct{ ErrorSummary string }
		}
		_ = json.Unmarshal(r.Raw, &e)
		if r.Status != 403 || e.ErrorCode != "E0000014" || len(e.ErrorCauses) != 1 || e.ErrorCauses[0].ErrorSummary != c.cause {
			t.Errorf("%s: %d %s, want 403 E0000014 %q", c.name, r.Status, r.Raw, c.cause)
		}
	}
	if pws := wirePasswords(wire, mark); len(pws) != 0 {
		t.Fatalf("a refused change pushed %d passwords", len(pws))
	}
	r := change(syncPw1, syncPw2)
	if r.Status != 200 || string(r.Raw) != `{"password":{},"provider":{"type":"OKTA","name":"OKTA"}}` {
		t.Fatalf("change_password: %d %s", r.Status, r.Raw)
	}
	p.idle()
	if pws := wirePasswords(wire, mark); len(pws) != 1 || pws[0] != syncPw2 {
		t.Errorf("OKTA-PASSWORD-2: change_password pushed %d passwords, want the new one", len(pws))
	}
	// The old password no longer works; the new one does.
	if r := change(syncPw1, "Third-Pass-3"); r.Status != 403 {
		t.Errorf("the old password still works: %d %s", r.Status, r.Raw)
	}
	// A deactivated user cannot change it.
	p.must(200, "POST", "/api/v1/users/"+uid+"/lifecycle/deactivate", nil)
	if r := change(syncPw2, "Third-Pass-3"); r.Status != 403 || !strings.Contains(string(r.Raw), "E0000038") {
		t.Errorf("change_password of a DEPROVISIONED user: %d %s", r.Status, r.Raw)
	}
	assertNoPasswordKept(t, p, p.appID, uid, syncPw1, syncPw2, "Not-The-One-1", "Third-Pass-3")
}

// OKTA-PASSWORD-1's switch: --password-patch path sends the password as a
// path "password" replace, which mockatlassian refuses (an unknown
// attribute path), so the push fails with a task; the flag and its
// environment variable parse, a bad value is refused.
func TestSyncPasswordPatchPathSwitch(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want PasswordPatch
	}{
		{nil, nil, PasswordPatchValue},
		{[]string{"--password-patch", "path"}, nil, PasswordPatchPath},
		{nil, map[string]string{"MOCKOKTA_PASSWORD_PATCH": "path"}, PasswordPatchPath},
	} {
		cli, err := ParseFlags(c.args, func(k string) string { return c.env[k] }, io.Discard)
		if err != nil || cli.Config.Options.PasswordPatch != c.want {
			t.Errorf("%v %v: %q, %v; want %q", c.args, c.env, cli.Config.Options.PasswordPatch, err, c.want)
		}
	}
	if _, err := ParseFlags([]string{"--password-patch", "op"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("--password-patch op accepted")
	}

	p, wire := goldPipeline(t, goldSetup{options: func(o *Options) { o.PasswordPatch = PasswordPatchPath }})
	syncPasswordOn(p, p.appID, "OKTA", "")
	p.idle()
	uid := createUserWithPassword(p, "Pat", "pat.path@example.com", syncPw1)
	goldAssign(p, p.appID, uid)
	p.idle()
	mark := wire.mark()
	setPassword(p, uid, syncPw2)
	p.idle()
	reqs := wire.since(mark)
	if len(reqs) != 1 || reqs[0].Method != "PATCH" ||
		string(reqs[0].Body) != `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"password","value":"`+syncPw2+`"}]}` {
		t.Fatalf("--password-patch path sent %+v", reqs)
	}
	if evs := pushPasswordEvents(p); len(evs) != 1 || dig(evs[0], "outcome.result") != "FAILURE" ||
		!strings.Contains(fmt.Sprint(dig(evs[0], "outcome.reason")), "Bad Request") {
		t.Errorf("mockatlassian should refuse the path form: push_password events %v", evs)
	}
	assertNoPasswordKept(t, p, p.appID, uid, syncPw1, syncPw2)
}

// OKTA-PASSWORD-2 with --data-dir: no clear password reaches the store
// (records, the queued push, the file itself). After a restart Okta no
// longer holds it, so the queued push sends nothing; the person's next
// sign-in pushes it.
func TestSyncPasswordNeverStored(t *testing.T) {
	dir := t.TempDir()
	w := newWired(t, dir)
	w.do("PUT", "/api/v1/apps/"+w.appID+"/features/USER_PROVISIONING", map[string]any{
		"create": map[string]any{"lifecycleCreate": map[string]any{"status": "ENABLED"}},
		"update": map[string]any{"password": map[string]any{"status": "ENABLED", "seed": "OKTA"}}}).must(t, http.StatusOK)
	id := w.do("POST", "/api/v1/users", withPassword(userBody("ada@example.com", "Ada", "L"), syncPw1)).must(t, http.StatusOK).obj()["id"].(string)
	w.do("POST", "/api/v1/apps/"+w.appID+"/users", map[string]any{"id": id, "scope": "USER"}).must(t, http.StatusOK)
	if err := w.srv.Model.WaitIdleTimeout(w.org.ID, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	w.atl.ServeHTTP(rec, httptest.NewRequest("POST", "/_sim/faults", strings.NewReader(`{"method":"PATCH","path":"/scim/directory/`+atlDir+`/Users*","hang":"1m"}`)))
	if rec.Code >= 300 {
		t.Fatalf("fault: %d %s", rec.Code, rec.Body)
	}
	w.do("POST", "/api/v1/users/"+id, withPassword(map[string]any{}, syncPw2)).must(t, http.StatusOK)
	jobs := storedRecords(t, w.srv, kindJob)
	if len(jobs) != 1 || !strings.Contains(jobs[0], `"push-password"`) {
		t.Fatalf("stored jobs while the push is held: %v", jobs)
	}
	crash(w.srv)
	files, _ := os.ReadDir(dir)
	sawLogin := false
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sawLogin = sawLogin || bytes.Contains(raw, []byte("ada@example.com"))
		for _, pw := range []string{syncPw1, syncPw2} {
			if bytes.Contains(raw, []byte(pw)) {
				t.Fatalf("%s holds a password in clear", f.Name())
			}
		}
	}
	if !sawLogin {
		t.Fatal("the store's files hold no readable login: this check would prove nothing")
	}
	rec = httptest.NewRecorder()
	w.atl.ServeHTTP(rec, httptest.NewRequest("DELETE", "/_sim/faults", nil))

	srv := restart(t, w.srv.cfg)
	if err := srv.Model.WaitIdleTimeout("okta-org", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	patches := func() int {
		n := 0
		for _, e := range srv.Model.Journal().Entries(journal.Query{}) {
			if e.Method == http.MethodPatch {
				n++
			}
		}
		return n
	}
	if n := patches(); n != 0 {
		t.Fatalf("after the restart the queued push sent %d PATCHes without the password", n)
	}
	o, _ := srv.Model.Org("okta-org")
	srv.Model.PasswordSignedIn(o, id, syncPw2)
	if err := srv.Model.WaitIdleTimeout("okta-org", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := patches(); n != 1 {
		t.Errorf("the sign-in after the restart sent %d PATCHes, want 1", n)
	}
}
