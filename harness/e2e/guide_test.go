// Package e2e_test follows Atlassian's guide "Configure user provisioning
// with Okta", Steps 1 to 6, in both admin consoles in a real browser
// (headless chromium through chromedp), clicking the guide's own words,
// and opens the HTML report of a scenario run. Screenshots of each step
// are written to an artifacts directory when a test fails; with -update
// the guide test also writes the README's two screenshots.
package e2e_test

import (
	"flag"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/provsim/provsim/internal/ui/browsertest"
	"github.com/provsim/provsim/mockatlassian"
	atlconsole "github.com/provsim/provsim/mockatlassian/console"
	"github.com/provsim/provsim/mockokta"
	oktaconsole "github.com/provsim/provsim/mockokta/console"
)

var update = flag.Bool("update", false, "write the README's screenshots (docs/images/*.png)")

// pair is both simulators with their consoles, each on a port of its own
// as in compose: the browser keeps one cookie jar for both.
type pair struct {
	atl     *mockatlassian.Server
	okta    *mockokta.Server
	atlURL  string
	oktaURL string
	oktaOrg *mockokta.Org
}

// guideTeam are the test accounts of atlassian-test-jira-users, the
// guide's test group.
var guideTeam = []struct{ first, last, email string }{
	{"Ann", "Lee", "ann.lee@example.com"},
	{"Bo", "Chen", "bo.chen@example.com"},
}

// startPair starts the servers with what the guide takes as given: an
// Atlassian organization (with no directory, domain or site yet), an Okta
// org whose people include the test group's members, and no app.
func startPair(t *testing.T) *pair {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Logger: quiet, Console: atlconsole.Mount})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = atl.Close() })
	if _, err := atl.Model.CreateOrg(mockatlassian.CreateOrgInput{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	okta, err := mockokta.NewServer(mockokta.Config{Logger: quiet, Console: oktaconsole.Mount,
		Options: mockokta.Options{Logger: quiet}, Boot: &mockokta.Boot{OrgName: "Acme", APIToken: "00tok"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = okta.Close() })
	p := &pair{atl: atl, okta: okta}
	if p.oktaOrg, err = okta.Model.Org(okta.Booted.Org.ID); err != nil {
		t.Fatal(err)
	}
	name := "atlassian-test-jira-users"
	g, err := okta.Model.CreateGroup(p.oktaOrg, mockokta.GroupProfileInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	for _, person := range guideTeam {
		pw := "Rehearsal-2026!"
		u, err := okta.Model.CreateUser(p.oktaOrg, mockokta.CreateUserInput{Activate: true, Profile: map[string]any{
			"firstName": person.first, "lastName": person.last, "login": person.email, "email": person.email},
			Credentials: &mockokta.UserCredentialsInput{Password: &mockokta.PasswordInput{Value: &pw}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := okta.Model.AddGroupMember(p.oktaOrg, g.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	as, ots := httptest.NewServer(atl), httptest.NewServer(okta)
	t.Cleanup(as.Close)
	t.Cleanup(ots.Close)
	p.atlURL, p.oktaURL = as.URL, ots.URL
	return p
}

// idle waits for Okta's provisioning engine to finish what the console
// started.
func (p *pair) idle(t *testing.T) {
	t.Helper()
	if err := p.okta.Model.WaitIdleTimeout(p.oktaOrg.ID, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestGuideInBothConsoles is the guide, Steps 1 to 6, by its words, then
// the check that matters (the test group's people are synced with Jira
// access) and the warning it starts with (unassigning deactivates them).
func TestGuideInBothConsoles(t *testing.T) {
	p := startPair(t)
	b := browsertest.New(t) // closed before the servers: cleanups run last-in first-out
	atl := func(path string) chromedp.Action[chromedp.Void] {
		return browsertest.Navigate(p.atlURL + atlconsole.Prefix + path)
	}
	okta := func(path string) chromedp.Action[chromedp.Void] {
		return browsertest.Navigate(p.oktaURL + oktaconsole.Prefix + path)
	}
	click, fill, wait := browsertest.Click, browsertest.Fill, browsertest.WaitText

	// Before you begin: "Verify one or more of your domains".
	b.Step("Atlassian: open the organization", atl("/"), wait("Organization id"))
	b.Step("Atlassian: Security > Domains, add example.com",
		click("Domains"), fill("Domain", "example.com"), click("Add domain"), wait("Added example.com."))
	b.Step("Atlassian: verify example.com", click("Verify domain"), wait("Verified example.com."))

	// Step 1. Create a SCIM Directory.
	b.Step("Atlassian: click Directory and then User provisioning",
		atl("/"), click("Directory"), click("User provisioning"), wait("Identity provider directories"))
	b.Step("Atlassian: Create a token", click("Create a token"), chromedp.WaitVisible(browsertest.Field("Directory name")))
	b.Step("Atlassian: name it Okta users, Create",
		fill("Directory name", "Okta users"), click("Create"), wait("we won't show them to you again"))
	baseURL, err := chromedp.Run(b.Ctx, browsertest.Value("Directory base URL"))
	if err != nil {
		t.Fatal(err)
	}
	apiKey, err := chromedp.Run(b.Ctx, browsertest.Value("API key"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(baseURL, p.atlURL+"/scim/directory/") || len(apiKey) < 32 {
		t.Fatalf("copied Directory base URL %q and API key %q", baseURL, apiKey)
	}
	b.Step("Atlassian: Done, then Add a site",
		click("Done"), click("User provisioning"), click("Add a site"),
		fill("Site", "acme.atlassian.net"), click("Add site"), wait("Added acme.atlassian.net to Acme."))

	// Step 2. Enable SCIM API integration in Okta.
	b.Step("Okta: add the Atlassian Cloud application",
		okta("/apps"), click("Browse App Catalog"), click("Atlassian Cloud"), click("Add Integration"), wait("Added Atlassian Cloud."))
	b.Step("Okta: Provisioning tab, Configure API integration",
		click("Provisioning"), click("Configure API integration"), chromedp.WaitVisible(browsertest.Field("Base URL")))
	b.Step("Okta: Enable API integration, enter the Directory base URL and API key",
		browsertest.Tick("Enable API integration"), fill("Base URL", baseURL), fill("API Token", apiKey))
	b.Step("Okta: Test API Credentials", click("Test API Credentials"), chromedp.WaitVisible(chromedp.CSS(".flash-success")))
	if *update {
		readmeShot(t, b, "okta-test-api-credentials.png")
	}
	b.Step("Okta: Save", click("Save"), wait("Saved the API integration."))
	b.Step("Okta: To App, Edit, enable Create Users, Update User Attributes, Deactivate Users, Save",
		click("To App"), click("Edit"),
		browsertest.Tick("Create Users"), browsertest.Tick("Update User Attributes"), browsertest.Tick("Deactivate Users"),
		click("Save"), wait("Saved the provisioning settings."))

	// Step 3. Make sure the email address is correct in Okta.
	b.Step("Okta: Sign On tab, Edit, Application username format Email, Create and update, Save",
		click("Sign On"), click("Edit"),
		browsertest.Choose("Application username format", "${source.email}"),
		browsertest.Choose("Update application username on", "PUSH"),
		click("Save"), wait("Saved the sign-on settings."))
	b.Step("Okta: Update Now", click("Update Now"), wait("Application usernames are up to date."))

	// Step 4. Push groups to the organization.
	b.Step("Okta: Push Groups tab, By name, atlassian-test-jira-users, Save",
		click("Push Groups"), click("By name"), fill("Group", "atlassian-test-jira-users"), click("Find"),
		click("Save"), wait("Pushing the group to Atlassian Cloud."))
	p.idle(t)

	// Step 5. Assign users to the Atlassian application in Okta.
	b.Step("Okta: Assignments tab, Assign, Groups",
		click("Assignments"), click("Assign to Groups"), fill("Search", "atlassian-test-jira-users"), click("Search"),
		click("Assign"), wait("These default values will be used only if the user profile does not have them set"))
	b.Step("Okta: Save and Go Back, Done",
		click("Save and Go Back"), wait("Assigned Atlassian Cloud to the group atlassian-test-jira-users."), click("Done"))
	p.idle(t)
	b.Step("Atlassian: verify that users are synced on the User provisioning page",
		atl("/directory/user-provisioning"), click("Okta users"), wait(guideTeam[0].email), wait(guideTeam[1].email))

	// Step 6. Configure product access for the provisioned groups.
	b.Step("Atlassian: the site's Product access, Add group",
		click("Products"), click("Product access"), click("Add group"), chromedp.WaitVisible(browsertest.Field("Group name")))
	b.Step("Atlassian: enter the synchronized group, Add groups",
		fill("Group name", "atlassian-test-jira-users"), click("Add groups"),
		wait("Added atlassian-test-jira-users to Jira Software."))
	if *update {
		readmeShot(t, b, "atlassian-product-access.png")
	}

	// The users are synced and have Jira access, in the console and in the model.
	b.Step("Atlassian: Directory > Users shows them with Jira Software",
		click("Users"), wait(guideTeam[0].email), wait(guideTeam[1].email))
	for _, person := range guideTeam {
		a, err := p.atl.Model.Account("acme", person.email)
		if err != nil {
			t.Fatalf("%s has no Atlassian account: %v", person.email, err)
		}
		if a.Status != "active" || !a.Managed || len(a.ProductAccess) != 1 || a.ProductAccess[0].Product != "jira-software" {
			t.Errorf("%s: status %s, managed %v, access %+v; want an active managed account with Jira Software", person.email, a.Status, a.Managed, a.ProductAccess)
		}
	}

	// "When you unassign users from the app, you disable their accounts."
	b.Step("Okta: unassign the group",
		okta("/apps"), click("Atlassian Cloud"), click("Assignments"), click("Unassign"),
		wait("Unassigned the group atlassian-test-jira-users."))
	p.idle(t)
	b.Step("Atlassian: the accounts are deactivated, with no access",
		atl("/directory/users?status=deactivated"), wait(guideTeam[0].email), wait(guideTeam[1].email))
	for _, person := range guideTeam {
		a, err := p.atl.Model.Account("acme", person.email)
		if err != nil || a.Status != "deactivated" || len(a.ProductAccess) != 0 {
			t.Errorf("%s after unassigning: %+v %v; want deactivated with no access", person.email, a, err)
		}
	}
}

// readmeShot writes the page as it is now to docs/images/name, one of the
// README's screenshots (only under -update, so CI never writes the tree).
func readmeShot(t *testing.T, b *browsertest.Browser, name string) {
	t.Helper()
	png, err := b.Shot()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "images", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
