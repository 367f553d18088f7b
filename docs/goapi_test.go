package docs_test

// The Go examples of docs/go-api.md. Every ```go block of that file is a
// verbatim excerpt of this file (or of an Example in harness/containers),
// which TestGoAPIDocExamplesAreTested checks, so the document cannot drift
// from code that compiles and passes.

import (
	"context"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v5/okta"

	"github.com/provsim/provsim/harness"
)

// The guide end to end in one Go test: push a group, assign it to the
// Atlassian Cloud app, give it Jira, and look at both sides.
func TestGuideWithHarnessStart(t *testing.T) {
	env := harness.Start(t) // both simulators, wired; stopped when the test ends

	// Okta side: a person and the group that will carry Jira access.
	var ada struct{ ID string }
	err := env.Okta("POST", "/api/v1/users?activate=true", map[string]any{
		"profile": map[string]any{"firstName": "Ada", "lastName": "Lovelace",
			"email": "ada@example.com", "login": "ada@example.com"},
		"credentials": map[string]any{"password": map[string]any{"value": "Tr0ub4dor&3x"}},
	}, &ada)
	if err != nil {
		t.Fatal(err)
	}
	var group struct{ ID string }
	if err := env.Okta("POST", "/api/v1/groups", map[string]any{
		"profile": map[string]any{"name": "atlassian-test-jira-users"}}, &group); err != nil {
		t.Fatal(err)
	}
	if err := env.Okta("PUT", "/api/v1/groups/"+group.ID+"/users/"+ada.ID, nil, nil); err != nil {
		t.Fatal(err)
	}

	// Guide Steps 4 and 5: push the group, assign it to the app.
	if err := env.Okta("POST", "/api/v1/apps/"+env.AppID+"/group-push/mappings", map[string]any{
		"sourceGroupId": group.ID, "targetGroupName": "atlassian-test-jira-users", "status": "ACTIVE"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := env.Okta("PUT", "/api/v1/apps/"+env.AppID+"/groups/"+group.ID, map[string]any{}, nil); err != nil {
		t.Fatal(err)
	}
	// Provisioning is asynchronous, as in Okta: wait for the engine, never sleep.
	if err := env.WaitIdle(10 * time.Second); err != nil {
		t.Fatal(err)
	}

	// Guide Step 6: give the synced group Jira on the site.
	if err := env.AtlassianControl("PUT",
		"/sites/acme.atlassian.net/products/jira-software/groups/atlassian-test-jira-users", nil, nil); err != nil {
		t.Fatal(err)
	}

	// Atlassian side: the SCIM record, and the account with its access.
	var users struct {
		TotalResults int
		Resources    []struct {
			ID         string
			ExternalID string
			Active     bool
		}
	}
	if err := env.SCIM("GET", `/Users?filter=userName%20eq%20%22ada@example.com%22`, nil, &users); err != nil {
		t.Fatal(err)
	}
	if users.TotalResults != 1 || users.Resources[0].ExternalID != ada.ID || !users.Resources[0].Active {
		t.Fatalf("SCIM directory holds %+v, want Ada, active, externalId %s", users, ada.ID)
	}
	var accounts []struct {
		Status        string
		Managed       bool
		ProductAccess []struct{ Site, Product string }
	}
	if err := env.AtlassianControl("GET", "/accounts?email=ada@example.com", nil, &accounts); err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 1 || accounts[0].Status != "active" || len(accounts[0].ProductAccess) != 1 ||
		accounts[0].ProductAccess[0].Product != "jira-software" {
		t.Fatalf("Atlassian account = %+v, want active with Jira Software", accounts)
	}

	// Removing the group assignment deactivates the account (never deletes it).
	if err := env.Okta("DELETE", "/api/v1/apps/"+env.AppID+"/groups/"+group.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := env.WaitIdle(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := env.AtlassianControl("GET", "/accounts?email=ada@example.com", nil, &accounts); err != nil {
		t.Fatal(err)
	}
	if accounts[0].Status != "deactivated" || len(accounts[0].ProductAccess) != 0 {
		t.Fatalf("after unassigning, the account is %+v, want deactivated without access", accounts[0])
	}
}

// oktaSDK returns an okta-sdk-golang v5 client for env's mockokta. The SDK
// keeps only the hostname of OrgUrl and drops its port, so it reaches
// mockokta through the SDK's proxy settings instead.
func oktaSDK(t *testing.T, env *harness.TestEnv) *okta.APIClient {
	t.Helper()
	u, err := url.Parse(env.OktaURL) // http://127.0.0.1:<port>
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := okta.NewConfiguration(
		okta.WithOrgUrl(env.OktaURL),
		okta.WithToken(env.OktaToken), // sent as "Authorization: SSWS <token>"
		okta.WithCache(false),         // see the engine's changes at once
		okta.WithProxyHost(u.Hostname()),
		okta.WithProxyPort(int32(port)),
	)
	if err != nil {
		t.Fatal(err)
	}
	return okta.NewAPIClient(cfg)
}

// Users, groups and app assignments with the official Okta SDK.
func TestOktaSDKAgainstHarness(t *testing.T) {
	env := harness.Start(t)
	sdk := oktaSDK(t, env)
	ctx := context.Background()

	// Users: create (active, with a password), read by login.
	profile := okta.NewUserProfile()
	profile.SetFirstName("Grace")
	profile.SetLastName("Hopper")
	profile.SetEmail("grace@example.com")
	profile.SetLogin("grace@example.com")
	body := okta.NewCreateUserRequest(*profile)
	body.SetCredentials(okta.UserCredentials{Password: &okta.PasswordCredential{Value: okta.PtrString("Cobol1959!")}})
	grace, _, err := sdk.UserAPI.CreateUser(ctx).Body(*body).Activate(true).Execute()
	if err != nil {
		t.Fatal(err)
	}
	byLogin, _, err := sdk.UserAPI.GetUser(ctx, "grace@example.com").Execute()
	if err != nil || byLogin.GetId() != grace.GetId() || grace.GetStatus() != "ACTIVE" {
		t.Fatalf("GetUser by login = %v, %v; created %s %s", byLogin.GetId(), err, grace.GetId(), grace.GetStatus())
	}

	// Groups: create one, add the user, list its members.
	group, _, err := sdk.GroupAPI.CreateGroup(ctx).Group(okta.Group{
		Profile: &okta.GroupProfile{Name: okta.PtrString("atlassian-test-confluence-users")}}).Execute()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdk.GroupAPI.AssignUserToGroup(ctx, group.GetId(), grace.GetId()).Execute(); err != nil {
		t.Fatal(err)
	}
	members, _, err := sdk.GroupAPI.ListGroupUsers(ctx, group.GetId()).Execute()
	if err != nil || len(members) != 1 || members[0].GetId() != grace.GetId() {
		t.Fatalf("group members = %v, %v", members, err)
	}

	// App assignments: assign the group to the Atlassian Cloud app; the engine
	// provisions its members, and the app user shows the outcome.
	if _, _, err := sdk.ApplicationGroupsAPI.AssignGroupToApplication(ctx, env.AppID, group.GetId()).
		ApplicationGroupAssignment(okta.ApplicationGroupAssignment{}).Execute(); err != nil {
		t.Fatal(err)
	}
	if err := env.WaitIdle(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	appUser, _, err := sdk.ApplicationUsersAPI.GetApplicationUser(ctx, env.AppID, grace.GetId()).Execute()
	if err != nil {
		t.Fatal(err)
	}
	if appUser.GetStatus() != "PROVISIONED" || appUser.GetSyncState() != "SYNCHRONIZED" ||
		appUser.GetScope() != "GROUP" || appUser.GetExternalId() == "" {
		t.Fatalf("app user = %s %s %s externalId %q, want PROVISIONED SYNCHRONIZED GROUP with the SCIM id",
			appUser.GetStatus(), appUser.GetSyncState(), appUser.GetScope(), appUser.GetExternalId())
	}
	// externalId is the SCIM id mockatlassian gave the user.
	var scimUser struct{ UserName string }
	if err := env.SCIM("GET", "/Users/"+appUser.GetExternalId(), nil, &scimUser); err != nil || scimUser.UserName != "grace@example.com" {
		t.Fatalf("SCIM user %s = %+v, %v", appUser.GetExternalId(), scimUser, err)
	}

	// A direct assignment works the same way: AssignUserToApplication with
	// the user's id (and, optionally, scope and credentials.userName).
	users, _, err := sdk.ApplicationUsersAPI.ListApplicationUsers(ctx, env.AppID).Execute()
	if err != nil || len(users) != 1 {
		t.Fatalf("app users = %d, %v", len(users), err)
	}
}

// Addresses of everything harness.Start runs, for clients of your own.
func TestHarnessStartAddresses(t *testing.T) {
	env := harness.Start(t)
	for name, raw := range map[string]string{
		"mockokta":      env.OktaURL,      // Management API under /api/v1, control API under /_sim/
		"mockatlassian": env.AtlassianURL, // SCIM under /scim/directory/{id}, control API under /_sim/
		"SCIM base":     env.SCIMBaseURL,  // env.AtlassianURL + "/scim/directory/" + env.DirectoryID
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if c, err := net.Dial("tcp", u.Host); err != nil {
			t.Errorf("%s at %s: %v", name, raw, err)
		} else {
			c.Close()
		}
	}
	if env.SCIMBaseURL != env.AtlassianURL+"/scim/directory/"+env.DirectoryID {
		t.Errorf("SCIMBaseURL = %s", env.SCIMBaseURL)
	}
}

// The README's tour of Go tests.
func TestProvisioning(t *testing.T) {
	env := harness.Start(t) // both simulators in-process, wired, with their own tenants
	var ada struct{ ID string }
	if err := env.Okta("POST", "/api/v1/users?activate=true", map[string]any{"profile": map[string]any{
		"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "login": "ada@example.com"}}, &ada); err != nil {
		t.Fatal(err)
	}
	if err := env.Okta("POST", "/api/v1/apps/"+env.AppID+"/users", map[string]any{"id": ada.ID}, nil); err != nil {
		t.Fatal(err)
	}
	if err := env.WaitIdle(10 * time.Second); err != nil { // wait for Okta's engine, never sleep
		t.Fatal(err)
	}
	var found struct{ TotalResults int }
	err := env.SCIM("GET", `/Users?filter=userName%20eq%20%22ada@example.com%22`, nil, &found)
	if err != nil || found.TotalResults != 1 {
		t.Fatalf("Ada in the SCIM directory: %d, %v", found.TotalResults, err)
	}
}

// TestGoAPIDocExamplesAreTested fails when a ```go block of go-api.md or of
// the README is not a verbatim excerpt of a file whose tests run it.
func TestGoAPIDocExamplesAreTested(t *testing.T) {
	var doc []byte
	for _, f := range []string{"go-api.md", "../README.md"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc = append(doc, b...)
	}
	var sources []string
	for _, f := range []string{"goapi_test.go", "../harness/containers/example_test.go", "../harness/example_test.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, string(b))
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) == 0 {
		t.Fatal("go-api.md has no ```go blocks")
	}
	for _, b := range blocks {
		found := false
		for _, s := range sources {
			if strings.Contains(s, b[1]) {
				found = true
				break
			}
		}
		if !found {
			first, _, _ := strings.Cut(b[1], "\n")
			t.Errorf("go-api.md or README.md: the block starting %q is not in docs/goapi_test.go or the harness examples: copy the tested code, do not edit it in the doc", first)
		}
	}
}
