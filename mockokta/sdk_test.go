package mockokta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/okta/okta-sdk-golang/v5/okta"
)

// The official Okta Go SDK (okta-sdk-golang v5) driving mockokta, wired to
// an in-process mockatlassian (newPipeline). Every Management API call goes
// through the SDK; only the SCIM side is read with plain HTTP, as a tester
// checks the far end. docs/okta-sdk.md mirrors newSDKClient.

// newSDKClient serves p's mockokta on a loopback port and returns an SDK
// client for it. v5 keeps only the hostname of OrgUrl (its port is
// dropped, OAPI-SDK-1), so the client reaches the server
// through the SDK's proxy settings: Go's net/http server answers the
// absolute-form requests a plain-HTTP proxy receives.
func newSDKClient(t *testing.T, p *pipeline) *okta.APIClient {
	t.Helper()
	ts, host, port := serveForSDK(t, p.okta)
	cfg, err := okta.NewConfiguration(
		okta.WithOrgUrl(ts.URL), // scheme and hostname are kept; the port comes from the proxy
		okta.WithToken(p.token),
		okta.WithCache(false),
		okta.WithTestingDisableHttpsCheck(true),
		okta.WithProxyHost(host),
		okta.WithProxyPort(int32(port)),
		okta.WithRateLimitMaxRetries(0),
	)
	if err != nil {
		t.Fatal(err)
	}
	return okta.NewAPIClient(cfg)
}

// envSDKClient serves e's mockokta on a loopback port and returns an SDK
// client for it, signed in with e's API token.
func envSDKClient(t *testing.T, e *oktaEnv) *okta.APIClient {
	t.Helper()
	ts := httptest.NewServer(e.srv)
	t.Cleanup(ts.Close)
	u, _ := url.Parse(ts.URL)
	cfg, err := okta.NewConfiguration(okta.WithOrgUrl("http://okta.test"), okta.WithToken(e.token), okta.WithCache(false),
		okta.WithTestingDisableHttpsCheck(true), okta.WithHttpClientPtr(&http.Client{Transport: hostRewriter{u.Host, http.DefaultTransport}}))
	if err != nil {
		t.Fatal(err)
	}
	return okta.NewAPIClient(cfg)
}

// hostRewriter sends every request to addr, whatever host the SDK put in
// the URL, which also gets round v5 dropping the port of OrgUrl.
type hostRewriter struct {
	addr string
	next http.RoundTripper
}

func (h hostRewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Host = h.addr
	return h.next.RoundTrip(r)
}

// TestSDKInjectedHTTPClient points the SDK at mockokta with
// WithHttpClientPtr instead of the proxy settings.
func TestSDKInjectedHTTPClient(t *testing.T) {
	p := newPipeline(t)
	ts := httptest.NewServer(p.okta)
	t.Cleanup(ts.Close)
	u, _ := url.Parse(ts.URL)
	cfg, err := okta.NewConfiguration(
		okta.WithOrgUrl(ts.URL),
		okta.WithToken(p.token),
		okta.WithCache(false),
		okta.WithHttpClientPtr(&http.Client{Transport: hostRewriter{addr: u.Host, next: http.DefaultTransport}}),
	)
	if err != nil {
		t.Fatal(err)
	}
	c := okta.NewAPIClient(cfg)
	ctx := context.Background()
	app := sdk(c.ApplicationAPI.GetApplication(ctx, p.appID).Execute()).must(t, "GetApplication")
	if app.SamlApplication == nil || app.SamlApplication.GetId() != p.appID {
		t.Fatalf("GetApplication = %+v", app.GetActualInstance())
	}
	for i := range 3 {
		prof := okta.NewUserProfile()
		login := fmt.Sprintf("inject%d@example.com", i)
		prof.SetFirstName("In")
		prof.SetLastName("Ject")
		prof.SetEmail(login)
		prof.SetLogin(login)
		sdk(c.UserAPI.CreateUser(ctx).Body(*okta.NewCreateUserRequest(*prof)).Activate(false).Execute()).must(t, "CreateUser")
	}
	users, resp, err := c.UserAPI.ListUsers(ctx).Limit(1).Execute()
	sdk(users, resp, err).must(t, "ListUsers")
	n := len(users)
	for resp.HasNextPage() {
		users = nil
		resp, err = resp.Next(&users)
		sdk(users, resp, err).must(t, "ListUsers next")
		n += len(users)
	}
	if n != 4 {
		t.Fatalf("ListUsers paged %d users, want 4 (3 and the administrator)", n)
	}
}

// oktaErr returns the Okta error model the SDK decoded for err.
func oktaErr(t *testing.T, err error) okta.Error {
	t.Helper()
	var gerr *okta.GenericOpenAPIError
	if !errors.As(err, &gerr) {
		t.Fatalf("error %T %v is not a *okta.GenericOpenAPIError", err, err)
	}
	m, ok := gerr.Model().(okta.Error)
	if !ok {
		t.Fatalf("error model is %T, want okta.Error; error %q body %s", gerr.Model(), gerr.Error(), gerr.Body())
	}
	return m
}

// sdkResult holds what an SDK call returned, so that a call's three
// results can go straight into sdk(…) and be checked with must.
type sdkResult[T any] struct {
	v    T
	resp *okta.APIResponse
	err  error
}

func sdk[T any](v T, resp *okta.APIResponse, err error) sdkResult[T] {
	return sdkResult[T]{v, resp, err}
}

// sdkNoValue is sdk for calls that return no value.
func sdkNoValue(resp *okta.APIResponse, err error) sdkResult[any] {
	return sdkResult[any]{nil, resp, err}
}

// must fails the test on an error, showing the body the server sent.
func (r sdkResult[T]) must(t *testing.T, what string) T {
	t.Helper()
	if r.err != nil {
		var gerr *okta.GenericOpenAPIError
		if errors.As(r.err, &gerr) {
			t.Fatalf("%s: %v; body %s", what, r.err, gerr.Body())
		}
		t.Fatalf("%s: %v", what, r.err)
	}
	return r.v
}

func TestSDKUsersGroupsAppsLogs(t *testing.T) {
	p := newPipeline(t)
	c := newSDKClient(t, p)
	ctx := context.Background()

	// --- The booted Atlassian app: polymorphic by signOnMode. ---
	apps := sdk(c.ApplicationAPI.ListApplications(ctx).Execute()).must(t, "ListApplications")
	var found bool
	for _, a := range apps {
		if a.SamlApplication != nil && a.SamlApplication.GetId() == p.appID {
			found = true
		}
	}
	if !found {
		t.Fatalf("ListApplications: no SamlApplication with id %s in %d apps", p.appID, len(apps))
	}
	app := sdk(c.ApplicationAPI.GetApplication(ctx, p.appID).Execute()).must(t, "GetApplication")
	saml := app.SamlApplication
	if saml == nil {
		t.Fatalf("GetApplication decoded into %+v, want a SamlApplication", app.GetActualInstance())
	}
	if saml.GetLabel() != "Atlassian Cloud" || saml.GetSignOnMode() != "SAML_2_0" || saml.GetStatus() != "ACTIVE" || saml.GetName() != "atlassian" {
		t.Fatalf("app = label %q signOnMode %q status %q name %q", saml.GetLabel(), saml.GetSignOnMode(), saml.GetStatus(), saml.GetName())
	}

	// --- Provisioning features (To App). ---
	features := sdk(c.ApplicationFeaturesAPI.ListFeaturesForApplication(ctx, p.appID).Execute()).must(t, "ListFeaturesForApplication")
	if len(features) != 1 || features[0].UserProvisioningApplicationFeature == nil {
		t.Fatalf("features = %+v", features)
	}
	feat := sdk(c.ApplicationFeaturesAPI.GetFeatureForApplication(ctx, p.appID, "USER_PROVISIONING").Execute()).must(t, "GetFeatureForApplication")
	up := feat.UserProvisioningApplicationFeature
	if up == nil || up.GetName() != "USER_PROVISIONING" || up.GetStatus() != "ENABLED" {
		t.Fatalf("USER_PROVISIONING = %+v", feat)
	}
	caps := up.GetCapabilities()
	if caps.Create.LifecycleCreate.GetStatus() != "ENABLED" || caps.Update.Profile.GetStatus() != "ENABLED" ||
		caps.Update.LifecycleDeactivate.GetStatus() != "ENABLED" || caps.Update.Password.GetStatus() != "DISABLED" {
		t.Fatalf("capabilities = %+v", caps)
	}

	// --- Create a user: activate=true, password, recovery question. ---
	email := "sdk.user@example.com"
	profile := okta.NewUserProfile()
	profile.SetFirstName("Sdk")
	profile.SetLastName("User")
	profile.SetEmail(email)
	profile.SetLogin(email)
	creds := okta.NewUserCredentials()
	pw := okta.NewPasswordCredential()
	pw.SetValue("Kv7J2LEa!x")
	creds.SetPassword(*pw)
	rq := okta.NewRecoveryQuestionCredential()
	rq.SetQuestion("Who's a major player in the cowboy scene?")
	rq.SetAnswer("Annie Oakley")
	creds.SetRecoveryQuestion(*rq)
	body := okta.NewCreateUserRequest(*profile)
	body.SetCredentials(*creds)
	user := sdk(c.UserAPI.CreateUser(ctx).Body(*body).Activate(true).Execute()).must(t, "CreateUser")
	uid := user.GetId()
	if user.GetStatus() != "ACTIVE" || user.Profile.GetLogin() != email || user.Profile.GetFirstName() != "Sdk" {
		t.Fatalf("created user = id %q status %q profile %+v", uid, user.GetStatus(), user.Profile)
	}
	if user.Credentials == nil || user.Credentials.Provider == nil || user.Credentials.Provider.GetType() != "OKTA" {
		t.Fatalf("created user credentials = %+v", user.Credentials)
	}
	if user.Credentials.RecoveryQuestion == nil || user.Credentials.RecoveryQuestion.GetQuestion() == "" {
		t.Errorf("created user has no recovery question: %+v", user.Credentials)
	}

	// --- Get by id and by login. ---
	byID := sdk(c.UserAPI.GetUser(ctx, uid).Execute()).must(t, "GetUser(id)")
	byLogin := sdk(c.UserAPI.GetUser(ctx, email).Execute()).must(t, "GetUser(login)")
	if byID.GetId() != uid || byLogin.GetId() != uid || byLogin.Profile.GetEmail() != email {
		t.Fatalf("GetUser: by id %q, by login %q", byID.GetId(), byLogin.GetId())
	}
	if !byID.Created.Equal(user.GetCreated()) || byID.LastUpdated == nil {
		t.Fatalf("GetUser timestamps: created %v lastUpdated %v", byID.Created, byID.LastUpdated)
	}

	// --- Assign the user to the app; the engine creates the SCIM user. ---
	assign := okta.NewAppUserAssignRequest(uid)
	assign.SetScope("USER")
	assign.SetCredentials(okta.AppUserCredentials{UserName: okta.PtrString(email)})
	assign.SetProfile(map[string]interface{}{"givenName": "Sdk", "familyName": "User", "email": email, "emailType": "work"})
	assigned := sdk(c.ApplicationUsersAPI.AssignUserToApplication(ctx, p.appID).AppUser(*assign).Execute()).must(t, "AssignUserToApplication")
	if assigned.GetId() != uid || assigned.GetScope() != "USER" {
		t.Fatalf("AssignUserToApplication = %+v", assigned)
	}
	p.idle()
	su := p.scimUserByName(email)
	scimID, _ := su["id"].(string)
	if su["active"] != true || dig(su, "name.givenName") != "Sdk" || dig(su, "emails.0.value") != email {
		t.Fatalf("SCIM user after assign: %v", su)
	}
	au := sdk(c.ApplicationUsersAPI.GetApplicationUser(ctx, p.appID, uid).Execute()).must(t, "GetApplicationUser")
	if au.GetExternalId() != scimID || au.GetStatus() != "PROVISIONED" || au.GetSyncState() != "SYNCHRONIZED" || au.LastSync == nil {
		t.Fatalf("AppUser = externalId %q (SCIM id %q) status %q syncState %q lastSync %v",
			au.GetExternalId(), scimID, au.GetStatus(), au.GetSyncState(), au.LastSync)
	}
	if au.Credentials.GetUserName() != email {
		t.Fatalf("AppUser userName %q", au.Credentials.GetUserName())
	}
	appUsers := sdk(c.ApplicationUsersAPI.ListApplicationUsers(ctx, p.appID).Execute()).must(t, "ListApplicationUsers")
	if len(appUsers) != 1 || appUsers[0].GetId() != uid {
		t.Fatalf("ListApplicationUsers = %d users", len(appUsers))
	}

	// --- Partial update (POST) and full replace (PUT) of the profile. ---
	upd := okta.NewUpdateUserRequest()
	upd.SetProfile(okta.UserProfile{FirstName: *okta.NewNullableString(okta.PtrString("Sdkupdated"))})
	updated := sdk(c.UserAPI.UpdateUser(ctx, uid).User(*upd).Execute()).must(t, "UpdateUser")
	if updated.Profile.GetFirstName() != "Sdkupdated" || updated.Profile.GetLastName() != "User" || updated.Profile.GetLogin() != email {
		t.Fatalf("UpdateUser profile = %+v", updated.Profile)
	}
	p.idle()
	if _, su := p.scim("GET", "/Users/"+scimID); dig(su, "name.givenName") != "Sdkupdated" {
		t.Fatalf("SCIM user after UpdateUser: %v", su)
	}
	full := sdk(c.UserAPI.GetUser(ctx, uid).Execute()).must(t, "GetUser")
	repl := okta.NewUser()
	repl.SetProfile(*full.Profile)
	repl.Profile.SetLastName("Replaced")
	replaced := sdk(c.UserAPI.ReplaceUser(ctx, uid).User(*repl).Execute()).must(t, "ReplaceUser")
	if replaced.Profile.GetLastName() != "Replaced" || replaced.Profile.GetFirstName() != "Sdkupdated" {
		t.Fatalf("ReplaceUser profile = %+v", replaced.Profile)
	}
	p.idle()
	if _, su := p.scim("GET", "/Users/"+scimID); dig(su, "name.familyName") != "Replaced" {
		t.Fatalf("SCIM user after ReplaceUser: %v", su)
	}

	// --- More users, then list them three at a time: the token's owner,
	// the org's administrator (GetUser "me"), is listed too. ---
	me := sdk(c.UserAPI.GetUser(ctx, "me").Execute()).must(t, "GetUser me")
	if me.GetStatus() != "ACTIVE" || me.Profile.GetLogin() != DefaultAdminLogin {
		t.Fatalf("GetUser me = %s %q", me.GetStatus(), me.Profile.GetLogin())
	}
	want := []string{me.GetId(), uid}
	for i := range 7 {
		login := fmt.Sprintf("sdk.page%d@example.com", i)
		prof := okta.NewUserProfile()
		prof.SetFirstName("Page")
		prof.SetLastName(strconv.Itoa(i))
		prof.SetEmail(login)
		prof.SetLogin(login)
		u := sdk(c.UserAPI.CreateUser(ctx).Body(*okta.NewCreateUserRequest(*prof)).Activate(false).Execute()).must(t, "CreateUser "+login)
		if u.GetStatus() != "STAGED" {
			t.Fatalf("CreateUser activate=false: status %q", u.GetStatus())
		}
		want = append(want, u.GetId())
	}
	users, resp, err := c.UserAPI.ListUsers(ctx).Limit(3).Execute()
	sdkNoValue(resp, err).must(t, "ListUsers")
	var got []string
	pages := 0
	for {
		pages++
		if len(users) > 3 {
			t.Fatalf("page %d has %d users, limit 3", pages, len(users))
		}
		for _, u := range users {
			got = append(got, u.GetId())
		}
		if !resp.HasNextPage() {
			break
		}
		if pages > 10 {
			t.Fatal("ListUsers: pagination does not end")
		}
		users = nil
		resp, err = resp.Next(&users)
		sdkNoValue(resp, err).must(t, "ListUsers next page")
	}
	if pages < 3 || !slices.Equal(sortedCopy(got), sortedCopy(want)) {
		t.Fatalf("ListUsers: %d pages, ids %v, want %v", pages, got, want)
	}

	// --- A group: members, app assignment (provisions members), removal. ---
	gp := okta.NewGroupProfile()
	gp.SetName("SDK Engineers")
	gp.SetDescription("made by okta-sdk-golang")
	group := sdk(c.GroupAPI.CreateGroup(ctx).Group(okta.Group{Profile: gp}).Execute()).must(t, "CreateGroup")
	gid := group.GetId()
	if gid == "" || group.Profile.GetName() != "SDK Engineers" || group.GetType() != "OKTA_GROUP" {
		t.Fatalf("CreateGroup = id %q type %q profile %+v", gid, group.GetType(), group.Profile)
	}
	memberEmail := "sdk.member@example.com"
	mp := okta.NewUserProfile()
	mp.SetFirstName("Group")
	mp.SetLastName("Member")
	mp.SetEmail(memberEmail)
	mp.SetLogin(memberEmail)
	mbody := okta.NewCreateUserRequest(*mp)
	mbody.SetCredentials(okta.UserCredentials{Password: &okta.PasswordCredential{Value: okta.PtrString("Kv7J2LEa!y")}})
	member := sdk(c.UserAPI.CreateUser(ctx).Body(*mbody).Execute()).must(t, "CreateUser member")
	mid := member.GetId()
	sdkNoValue(c.GroupAPI.AssignUserToGroup(ctx, gid, mid).Execute()).must(t, "AssignUserToGroup")
	members := sdk(c.GroupAPI.ListGroupUsers(ctx, gid).Execute()).must(t, "ListGroupUsers")
	if len(members) != 1 || members[0].GetId() != mid || members[0].Profile.GetLogin() != memberEmail {
		t.Fatalf("ListGroupUsers = %+v", members)
	}
	groups := sdk(c.UserAPI.ListUserGroups(ctx, mid).Execute()).must(t, "ListUserGroups")
	if !slices.ContainsFunc(groups, func(g okta.Group) bool { return g.GetId() == gid }) {
		t.Fatalf("ListUserGroups(member) lacks %s", gid)
	}
	aga := okta.NewApplicationGroupAssignment()
	aga.SetPriority(0)
	ag := sdk(c.ApplicationGroupsAPI.AssignGroupToApplication(ctx, p.appID, gid).ApplicationGroupAssignment(*aga).Execute()).must(t, "AssignGroupToApplication")
	if ag.GetId() != gid {
		t.Fatalf("AssignGroupToApplication = %+v", ag)
	}
	agList := sdk(c.ApplicationGroupsAPI.ListApplicationGroupAssignments(ctx, p.appID).Execute()).must(t, "ListApplicationGroupAssignments")
	if len(agList) != 1 || agList[0].GetId() != gid {
		t.Fatalf("ListApplicationGroupAssignments = %+v", agList)
	}
	sdk(c.ApplicationGroupsAPI.GetApplicationGroupAssignment(ctx, p.appID, gid).Execute()).must(t, "GetApplicationGroupAssignment")
	p.idle()
	msu := p.scimUserByName(memberEmail)
	if msu["active"] != true {
		t.Fatalf("SCIM group member after group assignment: %v", msu)
	}
	mau := sdk(c.ApplicationUsersAPI.GetApplicationUser(ctx, p.appID, mid).Execute()).must(t, "GetApplicationUser member")
	if mau.GetScope() != "GROUP" || mau.GetStatus() != "PROVISIONED" || mau.GetExternalId() != msu["id"] {
		t.Fatalf("member AppUser = scope %q status %q externalId %q", mau.GetScope(), mau.GetStatus(), mau.GetExternalId())
	}
	sdkNoValue(c.GroupAPI.UnassignUserFromGroup(ctx, gid, mid).Execute()).must(t, "UnassignUserFromGroup")
	if members := sdk(c.GroupAPI.ListGroupUsers(ctx, gid).Execute()).must(t, "ListGroupUsers"); len(members) != 0 {
		t.Fatalf("ListGroupUsers after removal = %d members", len(members))
	}
	p.idle()
	if _, su := p.scim("GET", "/Users/"+msu["id"].(string)); su["active"] != false {
		t.Fatalf("SCIM user after leaving the assigned group: %v", su)
	}

	// --- Lifecycle: suspend/unsuspend (nothing downstream), deactivate/activate. ---
	sdkNoValue(c.UserAPI.SuspendUser(ctx, uid).Execute()).must(t, "SuspendUser")
	if u := sdk(c.UserAPI.GetUser(ctx, uid).Execute()).must(t, "GetUser"); u.GetStatus() != "SUSPENDED" {
		t.Fatalf("after SuspendUser: %q", u.GetStatus())
	}
	p.idle()
	if _, su := p.scim("GET", "/Users/"+scimID); su["active"] != true {
		t.Fatalf("SCIM user after suspend (Okta sends nothing): %v", su)
	}
	sdkNoValue(c.UserAPI.UnsuspendUser(ctx, uid).Execute()).must(t, "UnsuspendUser")
	if u := sdk(c.UserAPI.GetUser(ctx, uid).Execute()).must(t, "GetUser"); u.GetStatus() != "ACTIVE" {
		t.Fatalf("after UnsuspendUser: %q", u.GetStatus())
	}
	sdkNoValue(c.UserAPI.DeactivateUser(ctx, uid).Execute()).must(t, "DeactivateUser")
	if u := sdk(c.UserAPI.GetUser(ctx, uid).Execute()).must(t, "GetUser"); u.GetStatus() != "DEPROVISIONED" {
		t.Fatalf("after DeactivateUser: %q", u.GetStatus())
	}
	p.idle()
	if _, su := p.scim("GET", "/Users/"+scimID); su["active"] != false {
		t.Fatalf("SCIM user after DeactivateUser: %v", su)
	}
	tok := sdk(c.UserAPI.ActivateUser(ctx, uid).SendEmail(false).Execute()).must(t, "ActivateUser")
	if tok.GetActivationToken() == "" || tok.GetActivationUrl() == "" {
		t.Fatalf("ActivateUser(sendEmail=false) = %+v", tok)
	}
	// Deactivation dropped the direct assignment; assign again to reactivate downstream.
	sdk(c.ApplicationUsersAPI.AssignUserToApplication(ctx, p.appID).AppUser(*assign).Execute()).must(t, "AssignUserToApplication again")
	p.idle()
	if _, su := p.scim("GET", "/Users/"+scimID); su["active"] != true {
		t.Fatalf("SCIM user after ActivateUser + reassign: %v", su)
	}

	// --- Two-step delete: deactivate, then delete. ---
	sdkNoValue(c.UserAPI.DeactivateUser(ctx, uid).Execute()).must(t, "DeactivateUser")
	sdkNoValue(c.UserAPI.DeleteUser(ctx, uid).Execute()).must(t, "DeleteUser")
	p.idle()
	_, _, err = c.UserAPI.GetUser(ctx, uid).Execute()
	if e := oktaErr(t, err); e.GetErrorCode() != "E0000007" {
		t.Fatalf("GetUser after delete: %+v", e)
	}
	if _, su := p.scim("GET", "/Users/"+scimID); su["active"] != false {
		t.Fatalf("SCIM user after delete (Okta never DELETEs downstream): %v", su)
	}

	// --- System Log, filtered by eventType. ---
	events := sdk(c.SystemLogAPI.ListLogEvents(ctx).Filter(`eventType eq "user.lifecycle.create"`).Limit(100).Execute()).must(t, "ListLogEvents")
	if len(events) != 9 { // the user, seven paging users, the member
		t.Fatalf("user.lifecycle.create events = %d, want 9", len(events))
	}
	var sawFirst bool
	for _, e := range events {
		if e.GetEventType() != "user.lifecycle.create" || e.Published == nil || e.GetUuid() == "" || e.Outcome.GetResult() != "SUCCESS" {
			t.Fatalf("event = %+v", e)
		}
		for _, tg := range e.Target {
			sawFirst = sawFirst || tg.GetId() == uid
		}
	}
	if !sawFirst {
		t.Fatalf("no user.lifecycle.create event targets %s", uid)
	}
	pushes := sdk(c.SystemLogAPI.ListLogEvents(ctx).Filter(`eventType eq "application.provision.user.push"`).Execute()).must(t, "ListLogEvents push")
	if len(pushes) < 2 {
		t.Fatalf("application.provision.user.push events = %d, want ≥2 (direct and group)", len(pushes))
	}
}

func TestSDKErrors(t *testing.T) {
	p := newPipeline(t)
	c := newSDKClient(t, p)
	ctx := context.Background()

	_, resp, err := c.UserAPI.GetUser(ctx, "00umissing0000000000").Execute()
	if err == nil {
		t.Fatal("GetUser on a missing id succeeded")
	}
	if resp == nil || resp.StatusCode != 404 {
		t.Fatalf("GetUser missing: response %+v", resp)
	}
	e := oktaErr(t, err)
	if e.GetErrorCode() != "E0000007" || e.GetErrorLink() != "E0000007" || e.GetErrorSummary() == "" || e.GetErrorId() == "" {
		t.Fatalf("error model = code %q link %q summary %q id %q", e.GetErrorCode(), e.GetErrorLink(), e.GetErrorSummary(), e.GetErrorId())
	}
	if resp.Header.Get("X-Okta-Request-Id") == "" || resp.Header.Get("Date") == "" {
		t.Errorf("error response headers: %v", resp.Header)
	}

	// A duplicate login is a 400: the SDK keeps the raw body, not a model.
	prof := okta.NewUserProfile()
	prof.SetFirstName("Dup")
	prof.SetLastName("Licate")
	prof.SetEmail("dup@example.com")
	prof.SetLogin("dup@example.com")
	req := c.UserAPI.CreateUser(ctx).Body(*okta.NewCreateUserRequest(*prof)).Activate(false)
	sdk(req.Execute()).must(t, "CreateUser")
	_, resp, err = req.Execute()
	var gerr *okta.GenericOpenAPIError
	if !errors.As(err, &gerr) || resp == nil || resp.StatusCode != 400 {
		t.Fatalf("duplicate CreateUser: %v (%T), response %+v", err, err, resp)
	}
	if body := string(gerr.Body()); !containsAll(body, `"errorCode":"E0000001"`, "already exists") {
		t.Fatalf("duplicate CreateUser body: %s", body)
	}

	// A wrong token: 401 E0000011, raw body.
	bad := newSDKClient(t, &pipeline{t: t, okta: p.okta, token: "wrong"})
	_, resp, err = bad.UserAPI.ListUsers(ctx).Execute()
	if !errors.As(err, &gerr) || resp == nil || resp.StatusCode != 401 || !containsAll(string(gerr.Body()), "E0000011") {
		t.Fatalf("bad token: %v, response %+v", err, resp)
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestSDKAppAdministration covers the app-side calls a provisioning
// script or Terraform makes beyond the CRUD flow: group assignment without
// a body and its JSON Patch, app-user updates and unassignment, features,
// the provisioning connection, app lifecycle and creation, and the
// delete-twice path.
func TestSDKAppAdministration(t *testing.T) {
	p := newPipeline(t)
	c := newSDKClient(t, p)
	ctx := context.Background()

	newUser := func(login string) string {
		prof := okta.NewUserProfile()
		prof.SetFirstName("Admin")
		prof.SetLastName("Case")
		prof.SetEmail(login)
		prof.SetLogin(login)
		b := okta.NewCreateUserRequest(*prof)
		b.SetCredentials(okta.UserCredentials{Password: &okta.PasswordCredential{Value: okta.PtrString("Kv7J2LEa!x")}})
		return sdk(c.UserAPI.CreateUser(ctx).Body(*b).Execute()).must(t, "CreateUser "+login).GetId()
	}
	var uids []string
	for i := range 4 {
		uids = append(uids, newUser(fmt.Sprintf("admin%d@example.com", i)))
	}

	// Search and filter.
	if us := sdk(c.UserAPI.ListUsers(ctx).Search(`profile.login eq "admin1@example.com"`).Execute()).must(t, "ListUsers search"); len(us) != 1 || us[0].GetId() != uids[1] {
		t.Fatalf("ListUsers search = %d users", len(us))
	}
	if us := sdk(c.UserAPI.ListUsers(ctx).Filter(`status eq "ACTIVE"`).Execute()).must(t, "ListUsers filter"); len(us) != 5 { // and the administrator
		t.Fatalf("ListUsers filter = %d users", len(us))
	}

	// Group: rename, assign to the app without a body (the SDK sends
	// `null`), patch the assignment's profile.
	gp := okta.NewGroupProfile()
	gp.SetName("Admins")
	gid := sdk(c.GroupAPI.CreateGroup(ctx).Group(okta.Group{Profile: gp}).Execute()).must(t, "CreateGroup").GetId()
	gp.SetName("Admins renamed")
	gp.SetDescription("renamed by the SDK")
	if g := sdk(c.GroupAPI.ReplaceGroup(ctx, gid).Group(okta.Group{Profile: gp}).Execute()).must(t, "ReplaceGroup"); g.Profile.GetName() != "Admins renamed" {
		t.Fatalf("ReplaceGroup name = %q", g.Profile.GetName())
	}
	if gs := sdk(c.GroupAPI.ListGroups(ctx).Q("Admins").Execute()).must(t, "ListGroups q"); len(gs) != 1 || gs[0].GetId() != gid {
		t.Fatalf("ListGroups q = %d groups", len(gs))
	}
	sdkNoValue(c.GroupAPI.AssignUserToGroup(ctx, gid, uids[3]).Execute()).must(t, "AssignUserToGroup")
	ag := sdk(c.ApplicationGroupsAPI.AssignGroupToApplication(ctx, p.appID, gid).Execute()).must(t, "AssignGroupToApplication (no body)")
	if ag.GetId() != gid || ag.Links == nil || ag.Links.Self == nil || ag.Links.Group == nil {
		t.Fatalf("AssignGroupToApplication = %+v", ag)
	}
	patch := okta.JsonPatchOperation{Op: okta.PtrString("replace"), Path: okta.PtrString("/profile"),
		Value: map[string]interface{}{"department": "Accounting"}}
	ag = sdk(c.ApplicationGroupsAPI.UpdateGroupAssignmentToApplication(ctx, p.appID, gid).
		JsonPatchOperation([]okta.JsonPatchOperation{patch}).Execute()).must(t, "UpdateGroupAssignmentToApplication")
	if ag.Profile["department"] != "Accounting" {
		t.Fatalf("patched group assignment profile = %v", ag.Profile)
	}
	p.idle()
	groupUser := p.scimUserByName("admin3@example.com")
	if groupUser["active"] != true {
		t.Fatalf("SCIM user of the assigned group: %v", groupUser)
	}
	sdkNoValue(c.ApplicationGroupsAPI.UnassignApplicationFromGroup(ctx, p.appID, gid).Execute()).must(t, "UnassignApplicationFromGroup")
	p.idle()
	if _, su := p.scim("GET", "/Users/"+groupUser["id"].(string)); su["active"] != false {
		t.Fatalf("SCIM user after the group assignment went: %v", su)
	}
	sdkNoValue(c.GroupAPI.DeleteGroup(ctx, gid).Execute()).must(t, "DeleteGroup")

	// App users: assign three, page through them two at a time, update
	// the username, unassign one.
	for _, uid := range uids[:3] {
		sdk(c.ApplicationUsersAPI.AssignUserToApplication(ctx, p.appID).AppUser(*okta.NewAppUserAssignRequest(uid)).Execute()).must(t, "AssignUserToApplication")
	}
	p.idle()
	aus, resp, err := c.ApplicationUsersAPI.ListApplicationUsers(ctx, p.appID).Limit(2).Execute()
	sdk(aus, resp, err).must(t, "ListApplicationUsers")
	seen := map[string]bool{}
	for {
		for _, au := range aus {
			seen[au.GetId()] = true
		}
		if !resp.HasNextPage() {
			break
		}
		aus = nil
		resp, err = resp.Next(&aus)
		sdk(aus, resp, err).must(t, "ListApplicationUsers next")
	}
	// The group member's assignment went with the group: three remain.
	if len(seen) != 3 || !seen[uids[0]] || !seen[uids[1]] || !seen[uids[2]] {
		t.Fatalf("ListApplicationUsers = %v, want %v", seen, uids[:3])
	}
	cred := okta.AppUserCredentialsRequestPayloadAsAppUserUpdateRequest(&okta.AppUserCredentialsRequestPayload{
		Credentials: &okta.AppUserCredentials{UserName: okta.PtrString("admin0.renamed@example.com")}})
	if au := sdk(c.ApplicationUsersAPI.UpdateApplicationUser(ctx, p.appID, uids[0]).AppUser(cred).Execute()).must(t, "UpdateApplicationUser"); au.Credentials.GetUserName() != "admin0.renamed@example.com" {
		t.Fatalf("UpdateApplicationUser userName = %q", au.Credentials.GetUserName())
	}
	p.idle()
	renamed := p.scimUserByName("admin0.renamed@example.com")
	sdkNoValue(c.ApplicationUsersAPI.UnassignUserFromApplication(ctx, p.appID, uids[0]).Execute()).must(t, "UnassignUserFromApplication")
	p.idle()
	if _, su := p.scim("GET", "/Users/"+renamed["id"].(string)); su["active"] != false {
		t.Fatalf("SCIM user after unassign: %v", su)
	}

	// Features: turn Sync Password on.
	caps := okta.CapabilitiesObject{Update: &okta.CapabilitiesUpdateObject{Password: &okta.PasswordSettingObject{
		Status: okta.PtrString("ENABLED"), Seed: okta.PtrString("RANDOM"), Change: okta.PtrString("CHANGE")}}}
	f := sdk(c.ApplicationFeaturesAPI.UpdateFeatureForApplication(ctx, p.appID, "USER_PROVISIONING").
		UpdateFeatureForApplicationRequest(okta.CapabilitiesObjectAsUpdateFeatureForApplicationRequest(&caps)).Execute()).must(t, "UpdateFeatureForApplication")
	if f.UserProvisioningApplicationFeature == nil || f.UserProvisioningApplicationFeature.Capabilities.Update.Password.GetStatus() != "ENABLED" ||
		f.UserProvisioningApplicationFeature.Capabilities.Create.LifecycleCreate.GetStatus() != "ENABLED" {
		t.Fatalf("UpdateFeatureForApplication = %+v", f)
	}

	// The provisioning connection.
	conn := sdk(c.ApplicationConnectionsAPI.GetDefaultProvisioningConnectionForApplication(ctx, p.appID).Execute()).must(t, "GetDefaultProvisioningConnectionForApplication")
	if conn.GetStatus() != "ENABLED" || conn.GetAuthScheme() != "TOKEN" || conn.GetBaseUrl() != p.scimURL {
		t.Fatalf("connection = status %q authScheme %q baseUrl %q", conn.GetStatus(), conn.GetAuthScheme(), conn.GetBaseUrl())
	}
	sdkNoValue(c.ApplicationConnectionsAPI.DeactivateDefaultProvisioningConnectionForApplication(ctx, p.appID).Execute()).must(t, "DeactivateDefaultProvisioningConnectionForApplication")
	if conn := sdk(c.ApplicationConnectionsAPI.GetDefaultProvisioningConnectionForApplication(ctx, p.appID).Execute()).must(t, "GetDefaultProvisioningConnectionForApplication"); conn.GetStatus() != "DISABLED" {
		t.Fatalf("connection after deactivate = %q", conn.GetStatus())
	}
	tokReq := okta.ProvisioningConnectionTokenRequestAsUpdateDefaultProvisioningConnectionForApplicationRequest(&okta.ProvisioningConnectionTokenRequest{
		BaseUrl: okta.PtrString(p.scimURL), Profile: okta.ProvisioningConnectionTokenRequestProfile{AuthScheme: "TOKEN", Token: okta.PtrString(pipeKey)}})
	if conn := sdk(c.ApplicationConnectionsAPI.UpdateDefaultProvisioningConnectionForApplication(ctx, p.appID).
		UpdateDefaultProvisioningConnectionForApplicationRequest(tokReq).Activate(true).Execute()).must(t, "UpdateDefaultProvisioningConnectionForApplication"); conn.GetStatus() != "ENABLED" {
		t.Fatalf("connection after update = %q", conn.GetStatus())
	}

	// App lifecycle and a new wizard-built SAML app.
	sdkNoValue(c.ApplicationAPI.DeactivateApplication(ctx, p.appID).Execute()).must(t, "DeactivateApplication")
	sdkNoValue(c.ApplicationAPI.ActivateApplication(ctx, p.appID).Execute()).must(t, "ActivateApplication")
	sa := okta.NewSamlApplication("My SCIM app", "SAML_2_0")
	sa.SetName("my_scim_app")
	created := sdk(c.ApplicationAPI.CreateApplication(ctx).Application(okta.SamlApplicationAsListApplications200ResponseInner(sa)).Execute()).must(t, "CreateApplication")
	if created.SamlApplication == nil || created.SamlApplication.GetLabel() != "My SCIM app" || created.SamlApplication.GetStatus() != "ACTIVE" {
		t.Fatalf("CreateApplication = %+v", created.GetActualInstance())
	}

	// Terraform deletes a user by calling DELETE twice.
	sdkNoValue(c.UserAPI.DeleteUser(ctx, uids[2]).Execute()).must(t, "DeleteUser (deactivates)")
	if u := sdk(c.UserAPI.GetUser(ctx, uids[2]).Execute()).must(t, "GetUser"); u.GetStatus() != "DEPROVISIONED" {
		t.Fatalf("after the first DeleteUser: %q", u.GetStatus())
	}
	sdkNoValue(c.UserAPI.DeleteUser(ctx, uids[2]).Execute()).must(t, "DeleteUser (deletes)")
	_, _, err = c.UserAPI.GetUser(ctx, uids[2]).Execute()
	if e := oktaErr(t, err); e.GetErrorCode() != "E0000007" {
		t.Fatalf("GetUser after the second DeleteUser: %+v", e)
	}
	// Reactivate is for PROVISIONED users only: the SDK surfaces the 403 model.
	sdkNoValue(c.UserAPI.DeactivateUser(ctx, uids[1]).Execute()).must(t, "DeactivateUser")
	_, _, err = c.UserAPI.ReactivateUser(ctx, uids[1]).Execute()
	if e := oktaErr(t, err); e.GetErrorCode() != "E0000038" {
		t.Fatalf("ReactivateUser on DEPROVISIONED: %+v", e)
	}
}
