package mockokta

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/ui/uitest"
)

// OAPI-USER-4: the admin-initiated password reset.

// resetLink asks for a reset link (sendEmail=false) and returns its path.
func resetLink(p *pipeline, uid string) string {
	p.t.Helper()
	r := p.oktaAPI("POST", "/api/v1/users/"+uid+"/lifecycle/reset_password?sendEmail=false", nil)
	var body map[string]any
	if err := json.Unmarshal(r.Raw, &body); err != nil || r.Status != 200 || len(body) != 1 {
		p.t.Fatalf("reset_password?sendEmail=false: %d %s, want only resetPasswordUrl", r.Status, r.Raw)
	}
	u, err := url.Parse(body["resetPasswordUrl"].(string))
	if err != nil || !u.IsAbs() || !strings.HasPrefix(u.Path, "/reset_password/") || len(u.Path) != len("/reset_password/")+resetTokenLength {
		p.t.Fatalf("resetPasswordUrl %q, want an absolute /reset_password/{token} link", body["resetPasswordUrl"])
	}
	return u.Path
}

func userStatus(p *pipeline, uid string) string {
	p.t.Helper()
	return p.must(200, "GET", "/api/v1/users/"+uid, nil)["status"].(string)
}

func logEvents(p *pipeline, eventType string) []map[string]any {
	p.t.Helper()
	r := p.oktaAPI("GET", "/api/v1/logs?filter="+url.QueryEscape(`eventType eq "`+eventType+`"`), nil)
	var out []map[string]any
	if err := json.Unmarshal(r.Raw, &out); err != nil || r.Status != 200 {
		p.t.Fatalf("logs: %d %s", r.Status, r.Raw)
	}
	return out
}

func TestResetPasswordAPI(t *testing.T) {
	p, _ := goldPipeline(t, goldSetup{})
	uid := createUserWithPassword(p, "Rey", "rey.reset@example.com", syncPw1)
	// sendEmail defaults to true: {} and no link.
	if r := p.oktaAPI("POST", "/api/v1/users/"+uid+"/lifecycle/reset_password", nil); r.Status != 200 || string(r.Raw) != `{}` {
		t.Fatalf("reset_password (sendEmail default): %d %s, want 200 {}", r.Status, r.Raw)
	}
	if s := userStatus(p, uid); s != StatusRecovery {
		t.Fatalf("status after reset_password: %s, want RECOVERY", s)
	}
	// A RECOVERY user may be reset again; a link by login works too.
	resetLink(p, "rey.reset@example.com")
	if evs := logEvents(p, "user.account.reset_password"); len(evs) != 2 || dig(evs[0], "target.0.id") != uid {
		t.Errorf("user.account.reset_password events: %v", evs)
	}
	o, _ := p.okta.Model.Org(p.orgID)
	if _, err := p.okta.Model.SignIn(o, "rey.reset@example.com", syncPw1); err == nil {
		t.Error("a RECOVERY user signed in with the old password")
	}

	staged := p.must(200, "POST", "/api/v1/users?activate=false", map[string]any{
		"profile": map[string]any{"firstName": "Sta", "lastName": "Ged", "email": "sta@example.com", "login": "sta@example.com"}})["id"].(string)
	deact := createUserWithPassword(p, "Dee", "dee@example.com", syncPw1)
	p.must(200, "POST", "/api/v1/users/"+deact+"/lifecycle/deactivate", nil)
	susp := createUserWithPassword(p, "Sue", "sue@example.com", syncPw1)
	p.must(200, "POST", "/api/v1/users/"+susp+"/lifecycle/suspend", nil)
	for _, c := range []struct {
		name, path string
		status     int
		code       string
	}{
		{"STAGED", staged + "/lifecycle/reset_password", 403, "E0000038"},
		{"DEPROVISIONED", deact + "/lifecycle/reset_password", 403, "E0000038"},
		{"SUSPENDED", susp + "/lifecycle/reset_password", 403, "E0000038"},
		{"unknown user", "00unosuchuser0000000/lifecycle/reset_password", 404, "E0000007"},
		{"bad sendEmail", uid + "/lifecycle/reset_password?sendEmail=maybe", 400, "E0000001"},
		{"bad revokeSessions", uid + "/lifecycle/reset_password?revokeSessions=maybe", 400, "E0000001"},
	} {
		r := p.oktaAPI("POST", "/api/v1/users/"+c.path, nil)
		var e struct{ ErrorCode string }
		_ = json.Unmarshal(r.Raw, &e)
		if r.Status != c.status || e.ErrorCode != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Raw, c.status, c.code)
		}
	}
	for id, want := range map[string]string{staged: StatusStaged, deact: StatusDeprovisioned, susp: StatusSuspended} {
		if s := userStatus(p, id); s != want {
			t.Errorf("a refused reset changed the status to %s, want %s", s, want)
		}
	}
}

// The link's page: a mismatch or a password the policy refuses leaves the
// link usable; the new password makes the person ACTIVE, is synced like a
// change (OKTA-PASSWORD-2), and the link is spent.
func TestResetPasswordPage(t *testing.T) {
	p, wire := goldPipeline(t, goldSetup{})
	syncPasswordOn(p, p.appID, "OKTA", "")
	p.idle()
	uid := createUserWithPassword(p, "Pia", "pia.page@example.com", syncPw1)
	goldAssign(p, p.appID, uid)
	p.idle()
	first := resetLink(p, uid)
	link := resetLink(p, uid) // a new link replaces the first
	b := uitest.NewHops(t, p.okta)
	if status, _, page := b.Get(first); status != http.StatusNotFound || !strings.Contains(page, "expired") {
		t.Errorf("a replaced link: %d\n%s", status, page)
	}
	status, _, page := b.Get(link)
	if status != 200 || !strings.Contains(page, `name="newPassword"`) || !strings.Contains(page, "pia.page@example.com") {
		t.Fatalf("reset page: %d\n%s", status, page)
	}
	mark := wire.mark()
	for _, c := range []struct{ name, pw, confirm, want string }{
		{"mismatch", syncPw2, syncPw2 + "x", "do not match"},
		{"weak", "short", "short", "at least 8 characters"},
	} {
		status, _, page := b.PostForm(link, url.Values{"newPassword": {c.pw}, "confirmPassword": {c.confirm}})
		if status != http.StatusBadRequest || !strings.Contains(page, c.want) {
			t.Errorf("%s: %d\n%s", c.name, status, page)
		}
	}
	if s := userStatus(p, uid); s != StatusRecovery {
		t.Fatalf("a refused reset left status %s", s)
	}
	status, _, page = b.PostForm(link, url.Values{"newPassword": {syncPw2}, "confirmPassword": {syncPw2}})
	if status != 200 || !strings.Contains(page, "has been reset") {
		t.Fatalf("reset: %d\n%s", status, page)
	}
	if s := userStatus(p, uid); s != StatusActive {
		t.Errorf("status after the reset: %s, want ACTIVE", s)
	}
	p.idle()
	if pws := wirePasswords(wire, mark); len(pws) != 1 || pws[0] != syncPw2 {
		t.Errorf("OKTA-PASSWORD-2: the reset pushed %d passwords, want the new one once", len(pws))
	}
	if evs := logEvents(p, "user.account.update_password"); len(evs) != 1 || dig(evs[0], "actor.id") != uid || dig(evs[0], "target.0.id") != uid {
		t.Errorf("user.account.update_password events: %v", evs)
	}
	o, _ := p.okta.Model.Org(p.orgID)
	if _, err := p.okta.Model.SignIn(o, "pia.page@example.com", syncPw2); err != nil {
		t.Errorf("sign-in with the new password: %v", err)
	}
	// One use: the spent link is dead, for GET and POST.
	if status, _, _ := b.Get(link); status != http.StatusNotFound {
		t.Errorf("a spent link: %d", status)
	}
	if status, _, _ := b.PostForm(link, url.Values{"newPassword": {"Third-Pass-3"}, "confirmPassword": {"Third-Pass-3"}}); status != http.StatusNotFound {
		t.Errorf("a spent link took a password: %d", status)
	}
	if status, _, page := b.Get("/reset_password/notarealtoken0000000"); status != http.StatusNotFound || !strings.Contains(page, "expired") {
		t.Errorf("unknown token: %d\n%s", status, page)
	}
	assertNoPasswordKept(t, p, p.appID, uid, syncPw1, syncPw2, "Third-Pass-3")
}

// A link expires an hour after it is issued; a deactivation kills it.
func TestResetPasswordLinkExpires(t *testing.T) {
	p, _ := goldPipeline(t, goldSetup{})
	uid := createUserWithPassword(p, "Eve", "eve.expiry@example.com", syncPw1)
	link := resetLink(p, uid)
	b := uitest.NewHops(t, p.okta)
	p.clock.Advance(resetTokenLifetime - time.Second)
	if status, _, _ := b.Get(link); status != 200 {
		t.Fatalf("a live link: %d", status)
	}
	p.clock.Advance(time.Second)
	if status, _, _ := b.PostForm(link, url.Values{"newPassword": {syncPw2}, "confirmPassword": {syncPw2}}); status != http.StatusNotFound {
		t.Errorf("an expired link: %d", status)
	}
	if s := userStatus(p, uid); s != StatusRecovery {
		t.Errorf("an expired link changed the status to %s", s)
	}
	link = resetLink(p, uid)
	p.must(200, "POST", "/api/v1/users/"+uid+"/lifecycle/deactivate", nil)
	if status, _, _ := b.Get(link); status != http.StatusNotFound {
		t.Errorf("the link of a deactivated person: %d", status)
	}
}

// revokeSessions=true ends the person's sign-in sessions, and only theirs.
func TestResetPasswordRevokesSessions(t *testing.T) {
	e := newOktaEnv(t)
	_, uid := e.samlApp()
	b := uitest.NewHops(t, e.srv)
	if status, loc, _ := b.PostForm("/login/login.htm", url.Values{"username": {"ada.old@acme.test"}, "password": {goodPassword}, "fromURI": {"/app/UserHome"}}); status != http.StatusFound || loc != "/app/UserHome" {
		t.Fatalf("sign-in: %d %s", status, loc)
	}
	if status, _, _ := b.Get("/app/UserHome"); status != 200 {
		t.Fatalf("dashboard with a session: %d", status)
	}
	e.do("POST", "/api/v1/users/"+uid+"/lifecycle/reset_password?revokeSessions=false", nil).must(t, 200)
	if status, _, _ := b.Get("/app/UserHome"); status != 200 {
		t.Fatalf("revokeSessions=false ended the session: %d", status)
	}
	e.do("POST", "/api/v1/users/"+uid+"/lifecycle/reset_password?revokeSessions=true", nil).must(t, 200)
	if status, loc, _ := b.Get("/app/UserHome"); status != http.StatusFound || !strings.HasPrefix(loc, "/login/login.htm") {
		t.Errorf("after revokeSessions=true: %d %s, want the sign-in page", status, loc)
	}
}
