package console_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/provsim/provsim/internal/faults"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/saml"
	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta"
)

const (
	atlDir = "dir-console"
	atlKey = "atl-console-key"
)

// atlassian starts an in-process mockatlassian whose directory the Okta
// app provisions to; it returns the server and the directory's SCIM base
// URL.
func atlassian(t *testing.T) (*mockatlassian.Server, string) {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Logger: quiet, Options: mockatlassian.Options{Seed: 5, Logger: quiet},
		Boot: &mockatlassian.Boot{OrgID: "atl-org", DirectoryID: atlDir, APIKey: atlKey, VerifiedDomains: []string{"example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(atl)
	t.Cleanup(ts.Close)
	t.Cleanup(func() { _ = atl.Close() })
	return atl, ts.URL + "/scim/directory/" + atlDir
}

// connected is a console over an org whose Atlassian Cloud app is
// connected to a mockatlassian directory with Create, Update and
// Deactivate on (mockokta's boot app).
func connected(t *testing.T) (*env, *mockatlassian.Server, string) {
	t.Helper()
	atl, scimURL := atlassian(t)
	e := newEnv(t, mockokta.Config{Boot: &mockokta.Boot{OrgName: "Acme", APIToken: "00tok", AtlassianSCIMURL: scimURL, AtlassianSCIMToken: atlKey}})
	return e, atl, e.srv.Booted.AppID
}

func (e *env) idle() {
	e.t.Helper()
	if err := e.srv.Model.WaitIdleTimeout(e.org.ID, 10*time.Second); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) app(id string) *mockokta.App {
	e.t.Helper()
	a, err := e.srv.Model.GetApp(e.org, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) group(name string, members ...*mockokta.User) *mockokta.Group {
	e.t.Helper()
	g, err := e.srv.Model.CreateGroup(e.org, mockokta.GroupProfileInput{Name: &name})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, u := range members {
		if err := e.srv.Model.AddGroupMember(e.org, g.ID, u.ID); err != nil {
			e.t.Fatal(err)
		}
	}
	return g
}

// logged reports whether the System Log has an event of that type.
func (e *env) logged(eventType string) bool {
	for _, ev := range e.srv.Model.Logs(e.org, mockokta.LogQuery{}) {
		if ev.EventType == eventType {
			return true
		}
	}
	return false
}

func TestAddAtlassianCloudFromTheCatalog(t *testing.T) {
	e := newEnv(t, mockokta.Config{})
	if p := e.page("/admin/apps"); !p.HasControl("Browse App Catalog") {
		t.Fatalf("Applications: %v", p.Controls())
	}
	cat := e.page("/admin/apps/catalog?q=atlas")
	if !cat.HasControl("Atlassian Cloud") || cat.HasControl("SCIM 2.0 Test App (OAuth Bearer Token)") {
		t.Fatalf("catalog search: %v", cat.Controls())
	}
	form := e.page("/admin/apps/catalog/atlassian")
	if !form.HasControl("Add Integration") || !strings.Contains(form.Body, `value="Atlassian Cloud"`) {
		t.Fatalf("add form: %v", form.Controls())
	}
	if p := e.b.Get("/admin/apps/catalog/nosuch"); p.Status != http.StatusNotFound {
		t.Errorf("unknown integration: %d", p.Status)
	}
	if p := e.b.Post("/admin/apps", url.Values{"name": {"atlassian"}, "label": {"  "}}); p.Status != http.StatusBadRequest {
		// A blank label falls back to the template's: Okta's catalog
		// label.
		if !p.Contains("Added Atlassian Cloud.") {
			t.Errorf("blank label: %d %q", p.Status, p.Text())
		}
	}
	added := e.b.Post("/admin/apps", url.Values{"name": {"atlassian"}, "label": {"Atlassian Cloud (test)"}})
	if !added.Contains("Added Atlassian Cloud (test).") || !strings.HasSuffix(added.URL, "/general") {
		t.Fatalf("add: %d %s %q", added.Status, added.URL, added.Text())
	}
	for _, tab := range []string{"General", "Sign On", "Provisioning", "Assignments", "Push Groups"} {
		if !added.HasControl(tab) {
			t.Errorf("app page lacks the %s tab", tab)
		}
	}
	apps := e.srv.Model.ListApps(e.org, "Atlassian Cloud (test)")
	if len(apps) != 1 || apps[0].Name != "atlassian" || apps[0].Status != mockokta.AppActive || apps[0].Flavour != mockokta.FlavourPatch {
		t.Fatalf("app = %+v", apps)
	}
	a := apps[0]
	if !e.logged("application.lifecycle.create") {
		t.Error("no System Log event for the new app")
	}
	// General: label, deactivate, activate.
	if p := e.b.Post("/admin/apps/"+a.ID+"/general", url.Values{"label": {""}}); p.Status != http.StatusBadRequest || !p.Contains("label: The field cannot be left blank") {
		t.Errorf("blank label: %d %q", p.Status, p.Text())
	}
	if p := e.b.Post("/admin/apps/"+a.ID+"/general", url.Values{"label": {"Jira and Confluence"}}); !p.Contains("Saved the settings of Jira and Confluence.") || e.app(a.ID).Label != "Jira and Confluence" {
		t.Errorf("rename: %q", p.Text())
	}
	e.b.Post("/admin/apps/"+a.ID+"/lifecycle/deactivate", nil)
	if e.app(a.ID).Status != mockokta.AppInactive {
		t.Error("not deactivated")
	}
	if p := e.b.Post("/admin/apps/"+a.ID+"/lifecycle/activate", nil); !p.Contains("Activated") || e.app(a.ID).Status != mockokta.AppActive {
		t.Errorf("activate: %q", p.Text())
	}
	if p := e.b.Get("/admin/apps/0oanosuchapp/general"); p.Status != http.StatusNotFound || !p.Contains("E0000007") {
		t.Errorf("unknown app: %d %q", p.Status, p.Text())
	}
}

// TestProvisioningTab follows the guide's Step 2 on a new app.
func TestProvisioningTab(t *testing.T) {
	atl, scimURL := atlassian(t)
	_ = atl
	e := newEnv(t, mockokta.Config{})
	a, err := e.srv.Model.CreateApp(e.org, mockokta.CreateAppInput{Name: "atlassian", Activate: true})
	if err != nil {
		t.Fatal(err)
	}
	base := "/admin/apps/" + a.ID
	p := e.page(base + "/provisioning")
	if !p.HasControl("Configure API integration") || !p.HasControl("To App") {
		t.Fatalf("provisioning: %v", p.Controls())
	}
	// To App before the integration: Okta's answer.
	early := e.b.Post(base+"/provisioning/to-app", url.Values{"createUsers": {"true"}})
	if early.Status < 400 || !early.Contains("Provisioning is not enabled") {
		t.Errorf("To App first: %d %q", early.Status, early.Text())
	}
	form := e.page(base + "/provisioning?edit")
	for _, want := range []string{"Test API Credentials", "Save"} {
		if !form.HasControl(want) {
			t.Errorf("form lacks %q", want)
		}
	}
	for _, label := range []string{"Enable API integration", "Base URL", "API Token", "Import Groups"} {
		if !strings.Contains(form.Body, ">"+label+"</label>") {
			t.Errorf("form lacks the field %q", label)
		}
	}
	// "Import Groups" is checked by default, as in Okta (OKTA-PUSH-12).
	if !strings.Contains(form.Body, `name="importGroups" value="true" checked`) {
		t.Error("Import Groups is not checked by default")
	}
	// A wrong key: Okta's message, nothing saved.
	bad := e.b.Post(base+"/provisioning", url.Values{"action": {"test"}, "enabled": {"true"}, "baseUrl": {scimURL}, "token": {"wrong"}})
	if bad.Status != http.StatusOK || !bad.Contains("Error authenticating") || !strings.Contains(bad.Body, `value="wrong"`) {
		t.Fatalf("test with a wrong key: %d %q", bad.Status, bad.Text())
	}
	if e.app(a.ID).Connection.Enabled {
		t.Fatal("Test API Credentials saved the connection")
	}
	ok := e.b.Post(base+"/provisioning", url.Values{"action": {"test"}, "enabled": {"true"}, "baseUrl": {scimURL}, "token": {atlKey}})
	if !ok.Contains("Atlassian Cloud was verified successfully!") {
		t.Fatalf("test: %q", ok.Text())
	}
	// Save with a wrong key is refused with Okta's message.
	// Import Groups unchecked (not posted) goes nowhere either: nothing half-saved.
	refused := e.b.Post(base+"/provisioning", url.Values{"action": {"save"}, "enabled": {"true"}, "baseUrl": {scimURL}, "token": {"wrong"}})
	if refused.Status != http.StatusBadRequest || !refused.Contains("Error authenticating") || e.app(a.ID).Connection.Enabled || e.app(a.ID).SkipGroupImport {
		t.Fatalf("save with a wrong key: %d %q", refused.Status, refused.Text())
	}
	if p := e.b.Post(base+"/provisioning", url.Values{"action": {"save"}, "enabled": {"true"}, "baseUrl": {"ftp://nope"}, "token": {atlKey}}); p.Status != http.StatusBadRequest || !p.Contains("baseUrl: must be an http or https URL") {
		t.Errorf("bad URL: %d %q", p.Status, p.Text())
	}
	// Saved with Import Groups unchecked: the app keeps no group ids
	// (OKTA-PUSH-12), the page and the form show it off.
	saved := e.b.Post(base+"/provisioning", url.Values{"action": {"save"}, "enabled": {"true"}, "baseUrl": {scimURL}, "token": {atlKey}})
	if !saved.Contains("Saved the API integration.") || !saved.HasControl("Edit") || strings.Contains(saved.Body, atlKey) {
		t.Fatalf("save: %q", saved.Text())
	}
	if c := e.app(a.ID).Connection; !c.Enabled || c.BaseURL != scimURL {
		t.Fatalf("connection = %+v", c)
	}
	if !e.app(a.ID).SkipGroupImport || !saved.Contains("Import Groups Disabled") {
		t.Fatalf("Import Groups unchecked: skip = %v, page %q", e.app(a.ID).SkipGroupImport, saved.Text())
	}
	if f := e.page(base + "/provisioning?edit"); !strings.Contains(f.Body, `name="importGroups" value="true">`) {
		t.Error("the form shows Import Groups checked after saving it off")
	}
	// Checked again and saved: on, with the key kept.
	again := e.b.Post(base+"/provisioning", url.Values{"action": {"save"}, "enabled": {"true"}, "baseUrl": {scimURL}, "importGroups": {"true"}})
	if !again.Contains("Import Groups Enabled") || e.app(a.ID).SkipGroupImport || e.app(a.ID).Connection.Token != atlKey {
		t.Fatalf("Import Groups checked: skip = %v, page %q", e.app(a.ID).SkipGroupImport, again.Text())
	}
	// To App: Edit, Enable the three, Save.
	view := e.page(base + "/provisioning/to-app")
	if !view.HasControl("Edit") || !view.Contains("Primary email") {
		t.Fatalf("To App: %q", view.Text())
	}
	edit := e.page(base + "/provisioning/to-app?edit")
	for _, label := range []string{"Create Users", "Update User Attributes", "Deactivate Users"} {
		if !strings.Contains(edit.Body, ">"+label+"</label>") {
			t.Errorf("To App lacks %q", label)
		}
	}
	e.b.Post(base+"/provisioning/to-app", url.Values{"createUsers": {"true"}, "updateUsers": {"true"}, "deactivateUsers": {"true"}})
	if ta := e.app(a.ID).ToApp; !ta.CreateUsers || !ta.UpdateUsers || !ta.DeactivateUsers {
		t.Fatalf("To App = %+v", ta)
	}
	e.b.Post(base+"/provisioning/to-app", url.Values{"createUsers": {"true"}})
	if ta := e.app(a.ID).ToApp; !ta.CreateUsers || ta.UpdateUsers || ta.DeactivateUsers {
		t.Fatalf("To App after unticking = %+v", ta)
	}
	// The attribute that maps to Primary email.
	if p := e.page(base + "/provisioning/to-app"); !strings.Contains(p.Body, "user.email") {
		t.Errorf("mapping not shown")
	}
	if p := e.b.Post(base+"/provisioning/mappings", url.Values{"primaryEmail": {"login"}}); !p.Contains("Primary email now maps from user.login.") || e.app(a.ID).PrimaryEmailAttr != "login" {
		t.Errorf("mapping: %q", p.Text())
	}
	if p := e.b.Post(base+"/provisioning/mappings", url.Values{"primaryEmail": {"not valid!"}}); p.Status != http.StatusBadRequest {
		t.Errorf("bad mapping: %d", p.Status)
	}
	// A mapping changed through the API shows as it is.
	if _, err := e.srv.Model.UpdateMapping(e.org, a.ID, map[string]*mockokta.MappingProperty{
		"title": {Expression: `String.toUpperCase(user.title)`, PushStatus: "PUSH"}, "locale": nil}); err != nil {
		t.Fatal(err)
	}
	if p := e.page(base + "/provisioning/to-app"); !strings.Contains(p.Body, "<td>String.toUpperCase(user.title)</td>") ||
		!strings.Contains(p.Body, "(locale)</small></td><td>(not mapped)</td>") {
		t.Errorf("the API's mapping is not shown: %q", p.Text())
	}
	if !e.logged("application.provision.integration.test") || !e.logged("application.provision.integration.update") || !e.logged("application.provision.features.update") {
		t.Error("provisioning changes are not in the System Log")
	}
}

func TestSignOnTab(t *testing.T) {
	e, _, appID := connected(t)
	base := "/admin/apps/" + appID + "/signon"
	view := e.page(base)
	for _, want := range []string{"Edit", "Update Now"} {
		if !view.HasControl(want) {
			t.Errorf("Sign On lacks %q", want)
		}
	}
	if !view.Contains("Okta username") || !view.Contains("Create and update") {
		t.Errorf("Sign On: %q", view.Text())
	}
	p := e.page(base + "?edit")
	if !p.HasControl("Save") {
		t.Errorf("Sign On's form lacks Save")
	}
	for _, label := range []string{"Application username format", "Update application username on"} {
		if !strings.Contains(p.Body, ">"+label+"</label>") {
			t.Errorf("Sign On lacks %q", label)
		}
	}
	ada := e.person("Ada", "Lovelace", true)
	if _, _, err := e.srv.Model.AssignUser(e.org, appID, mockokta.AssignUserInput{ID: ada.ID}); err != nil {
		t.Fatal(err)
	}
	e.idle()
	saved := e.b.Post(base, url.Values{"format": {"${source.email}"}, "updateOn": {"PUSH"}})
	if !saved.Contains("Saved the sign-on settings.") {
		t.Fatalf("save: %q", saved.Text())
	}
	if u := e.app(appID).UserName; u.Template != "${source.email}" || u.PushStatus != "PUSH" {
		t.Fatalf("username format = %+v", u)
	}
	if p := e.b.Post(base, url.Values{"format": {"custom"}, "custom": {"secondEmail"}, "updateOn": {"PUSH"}}); p.Status != http.StatusBadRequest || !p.Contains("must be ${source.<attribute>}") {
		t.Errorf("bad custom: %d %q", p.Status, p.Text())
	}
	if p := e.b.Post(base, url.Values{"format": {"${source.login}"}, "updateOn": {"SOMETIMES"}}); p.Status != http.StatusBadRequest {
		t.Errorf("bad update-on: %d", p.Status)
	}
	custom := e.b.Post(base, url.Values{"format": {"custom"}, "custom": {"${source.secondEmail}"}, "updateOn": {"DONT_PUSH"}})
	if !custom.Contains("Saved") || e.app(appID).UserName.Type != "CUSTOM" {
		t.Errorf("custom: %q", custom.Text())
	}
	if p := e.page(base); !p.Contains("Custom: ${source.secondEmail}") || !p.Contains("Create only") {
		t.Errorf("the saved settings are not shown: %q", p.Text())
	}
	if p := e.page(base + "?edit"); !strings.Contains(p.Body, `<option value="custom" selected>`) || !strings.Contains(p.Body, `<option value="DONT_PUSH" selected>`) {
		t.Error("the saved settings are not shown")
	}
	now := e.b.Post(base+"/update-now", nil)
	if now.Status != http.StatusOK || !(now.Contains("Application usernames are up to date.") || now.Contains("Updated the application username")) {
		t.Errorf("Update Now: %d %q", now.Status, now.Text())
	}
}

func TestAssignmentsTab(t *testing.T) {
	e, atl, appID := connected(t)
	_ = atl
	base := "/admin/apps/" + appID
	ada := e.person("Ada", "Lovelace", true)
	alan := e.person("Alan", "Turing", true)
	jira := e.group("atlassian-test-jira-users", alan)
	p := e.page(base + "/assignments")
	if !p.HasControl("Assign to People") || !p.HasControl("Assign to Groups") {
		t.Fatalf("Assignments: %v", p.Controls())
	}
	pick := e.page(base + "/assign/people?q=ada")
	if !pick.HasControl("Assign") || !pick.Contains("Ada Lovelace") || pick.Contains("Alan Turing") || !pick.HasControl("Done") {
		t.Fatalf("Assign to People: %q", pick.Text())
	}
	dialog := e.page(base + "/assign/people/" + ada.ID)
	if !dialog.HasControl("Save and Go Back") {
		t.Fatalf("dialog: %v", dialog.Controls())
	}
	back := e.b.Post(base+"/assign/people/"+ada.ID, url.Values{"userName": {""}})
	if !back.Contains("Assigned Atlassian Cloud to Ada Lovelace.") || !strings.Contains(back.URL, "/assign/people") {
		t.Fatalf("Save and Go Back: %s %q", back.URL, back.Text())
	}
	e.idle()
	au, err := e.srv.Model.GetAppUser(e.org, appID, ada.ID)
	if err != nil || au.ExternalID == "" || au.Status != mockokta.AppUserProvisioned {
		t.Fatalf("Ada not provisioned: %+v %v", au, err)
	}
	// Groups, with a default value.
	groups := e.page(base + "/assign/groups?q=atlassian")
	if !groups.Contains("atlassian-test-jira-users") {
		t.Fatalf("Assign to Groups: %q", groups.Text())
	}
	gd := e.page(base + "/assign/groups/" + jira.ID)
	if !gd.Contains("These default values will be used only if the user profile does not have them set.") || !gd.HasControl("Save and Go Back") {
		t.Fatalf("group dialog: %q", gd.Text())
	}
	e.b.Post(base+"/assign/groups/"+jira.ID, url.Values{"department": {"Engineering"}})
	ag, err := e.srv.Model.GetAppGroup(e.org, appID, jira.ID)
	if err != nil || ag.Profile["department"] != "Engineering" || ag.Profile["title"] != nil {
		t.Fatalf("group assignment: %+v %v", ag, err)
	}
	e.idle()
	list := e.page(base + "/assignments")
	if !list.Contains("Ada Lovelace") || !list.Contains("Alan Turing") || !list.Contains("Individual") || !list.Contains("Group") || !list.Contains("department: Engineering") {
		t.Fatalf("assignments: %q", list.Text())
	}
	// Alan has the app through a group: Okta refuses a direct unassign.
	if _, _, err := e.srv.Model.AssignUser(e.org, appID, mockokta.AssignUserInput{ID: alan.ID}); err != nil {
		t.Fatal(err)
	}
	refused := e.b.Post(base+"/assignments/people/"+alan.ID+"/unassign", nil)
	if refused.Status != http.StatusForbidden || !refused.Contains("E0000046") {
		t.Errorf("unassign through a group: %d %q", refused.Status, refused.Text())
	}
	if p := e.b.Post(base+"/assignments/people/"+ada.ID+"/unassign", nil); !p.Contains("Unassigned Ada Lovelace.") {
		t.Errorf("unassign: %q", p.Text())
	}
	if p := e.b.Post(base+"/assignments/groups/"+jira.ID+"/unassign", nil); !p.Contains("Unassigned the group atlassian-test-jira-users.") {
		t.Errorf("unassign group: %q", p.Text())
	}
	e.idle()
	if _, err := e.srv.Model.GetAppUser(e.org, appID, ada.ID); err == nil {
		t.Error("Ada still assigned")
	}
	if p := e.b.Post(base+"/assign/people/"+ada.ID, url.Values{}); p.Status != http.StatusOK {
		t.Errorf("re-assign: %d", p.Status)
	}
	e.b.Post("/admin/users/"+ada.ID+"/lifecycle/deactivate", nil)
	e.idle()
	// Assigning a deactivated person: Okta's error, on the dialog.
	if p := e.b.Post(base+"/assign/people/"+ada.ID, url.Values{}); p.Status < 400 || !p.HasControl("Save and Go Back") {
		t.Errorf("assign a deactivated person: %d %q", p.Status, p.Text())
	}
}

func TestPushGroupsTab(t *testing.T) {
	e, atl, appID := connected(t)
	base := "/admin/apps/" + appID
	ada := e.person("Ada", "Lovelace", true)
	jira := e.group("atlassian-test-jira-users", ada)
	e.group("atlassian-test-confluence-users")
	if _, err := e.srv.Model.AssignGroup(e.org, appID, jira.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	e.idle()
	p := e.page(base + "/push-groups")
	if !p.HasControl("By name") || !p.HasControl("Refresh App Groups") {
		t.Fatalf("Push Groups: %v", p.Controls())
	}
	find := e.page(base + "/push-groups/by-name?q=atlassian-test-jira")
	if !find.Contains("atlassian-test-jira-users") || find.Contains("confluence") || !find.HasControl("Save") {
		t.Fatalf("by name: %q", find.Text())
	}
	if none := e.b.Post(base+"/push-groups", url.Values{"q": {"atlassian"}, "immediately": {"true"}}); none.Status != http.StatusBadRequest || !none.Contains("select it") {
		t.Errorf("no group chosen: %d %q", none.Status, none.Text())
	}
	saved := e.b.Post(base+"/push-groups", url.Values{"q": {"atlassian-test-jira"}, "group": {jira.ID}, "immediately": {"true"}})
	if !saved.Contains("Pushing the group to Atlassian Cloud.") {
		t.Fatalf("save: %q", saved.Text())
	}
	e.idle()
	ids, _ := e.srv.Model.PushMappingIDs(e.org, appID, jira.ID, "")
	if len(ids) != 1 {
		t.Fatalf("mappings: %v", ids)
	}
	mid := ids[0]
	list := e.page(base + "/push-groups")
	if !list.Contains("atlassian-test-jira-users") || !list.Contains("Active") || !list.HasControl("Push Now") || !list.HasControl("Unlink pushed group") {
		t.Fatalf("list: %q", list.Text())
	}
	dup := e.b.Post(base+"/push-groups", url.Values{"q": {"atlassian-test-jira"}, "group": {jira.ID}, "immediately": {"true"}})
	if dup.Status != http.StatusBadRequest || !dup.Contains("A push mapping for this group already exists") {
		t.Errorf("second push: %d %q", dup.Status, dup.Text())
	}
	if p := e.b.Post(base+"/push-groups/"+mid+"/push-now", nil); !p.Contains("Pushing the group's members now.") {
		t.Errorf("Push Now: %q", p.Text())
	}
	e.idle()
	// Link Group on a push that is not in error: Okta's refusal.
	if p := e.b.Post(base+"/push-groups/"+mid+"/link", url.Values{"targetName": {"atlassian-test-jira-users"}}); p.Status != http.StatusBadRequest || !p.Contains("only a mapping in error can be linked again") {
		t.Errorf("link a healthy push: %d %q", p.Status, p.Text())
	}
	refreshed := e.b.Post(base+"/push-groups/refresh", nil)
	if refreshed.Status != http.StatusOK || !refreshed.Contains("Groups in Atlassian Cloud") || !refreshed.Contains("atlassian-test-jira-users") {
		t.Errorf("refresh: %d %q", refreshed.Status, refreshed.Text())
	}
	if p := e.b.Post(base+"/push-groups/"+mid+"/status", url.Values{"status": {"INACTIVE"}}); !p.Contains("Deactivated the push.") || !p.HasControl("Activate push") {
		t.Errorf("deactivate: %q", p.Text())
	}
	if p := e.b.Post(base+"/push-groups/"+mid+"/push-now", nil); p.Status != http.StatusBadRequest || !p.Contains("INACTIVE") {
		t.Errorf("Push Now on an inactive push: %d %q", p.Status, p.Text())
	}
	if p := e.b.Post(base+"/push-groups/"+mid+"/status", url.Values{"status": {"SOMETIMES"}}); p.Status != http.StatusBadRequest {
		t.Errorf("bad status: %d", p.Status)
	}
	e.b.Post(base+"/push-groups/"+mid+"/status", url.Values{"status": {"ACTIVE"}})
	e.idle()
	// Unlink, deleting the group in Atlassian.
	unlink := e.page(base + "/push-groups/" + mid + "/unlink")
	if !unlink.Contains("Leave the group in the target app") || !unlink.Contains("Delete the group in the target app") || !unlink.HasControl("Unlink") {
		t.Fatalf("unlink: %q", unlink.Text())
	}
	if p := e.b.Post(base+"/push-groups/"+mid+"/unlink", url.Values{"target": {"maybe"}}); p.Status != http.StatusBadRequest {
		t.Errorf("no choice: %d", p.Status)
	}
	gone := e.b.Post(base+"/push-groups/"+mid+"/unlink", url.Values{"target": {"delete"}})
	if !gone.Contains("Unlinked the pushed group atlassian-test-jira-users; it is being deleted in Atlassian Cloud.") {
		t.Fatalf("unlinked: %q", gone.Text())
	}
	e.idle()
	if ids, _ := e.srv.Model.PushMappingIDs(e.org, appID, "", ""); len(ids) != 0 {
		t.Errorf("mapping left: %v", ids)
	}
	if j := atl.Journal.Entries(journalQuery()); !hasRequest(j, http.MethodDelete, "/Groups/") {
		t.Error("no DELETE /Groups sent")
	}
}

// TestPushConflictWayOut: a push whose group already exists in Atlassian
// stays in error until the admin refreshes the app groups, links the
// group and pushes (OKTA-PUSH-14), all from the console.
func TestPushConflictWayOut(t *testing.T) {
	e, atl, appID := connected(t)
	base := "/admin/apps/" + appID
	ada := e.person("Ada", "Lovelace", true)
	jira := e.group("atlassian-test-jira-users", ada)
	if _, err := e.srv.Model.AssignGroup(e.org, appID, jira.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	e.idle()
	// The group exists in Atlassian before the push, unknown to Okta.
	if _, err := atl.Faults().Add(faults.Rule{Method: "POST", Path: "/scim/directory/*/Groups", Status: http.StatusConflict, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if p := e.b.Post(base+"/push-groups", url.Values{"q": {"atlassian"}, "group": {jira.ID}, "immediately": {"true"}}); !p.Contains("Pushing the group") {
		t.Fatalf("push: %d %q", p.Status, p.Text())
	}
	e.idle()
	ids, _ := e.srv.Model.PushMappingIDs(e.org, appID, jira.ID, "")
	pm, _ := e.srv.Model.GetPushMapping(e.org, appID, ids[0])
	if pm.Status != mockokta.PushError {
		t.Fatalf("push status %s, want ERROR", pm.Status)
	}
	list := e.page(base + "/push-groups")
	if !list.Contains("Error") || !list.HasControl("Link Group") {
		t.Fatalf("error row: %q", list.Text())
	}
	unknown := e.b.Post(base+"/push-groups/"+pm.ID+"/link", url.Values{"targetName": {"atlassian-test-jira-users"}})
	if unknown.Status != http.StatusBadRequest || !unknown.Contains("refresh the app groups first") {
		t.Fatalf("link before refresh: %d %q", unknown.Status, unknown.Text())
	}
	// The group in Atlassian (created behind the push's back).
	scimGroup(t, atl, "atlassian-test-jira-users")
	e.b.Post(base+"/push-groups/refresh", nil)
	linked := e.b.Post(base+"/push-groups/"+pm.ID+"/link", url.Values{"targetName": {"atlassian-test-jira-users"}})
	if !linked.Contains("Linked the push to the app group atlassian-test-jira-users.") {
		t.Fatalf("link: %d %q", linked.Status, linked.Text())
	}
	e.b.Post(base+"/push-groups/"+pm.ID+"/push-now", nil)
	e.idle()
	if pm, _ := e.srv.Model.GetPushMapping(e.org, appID, pm.ID); pm.Status != mockokta.PushActive || pm.TargetGroupID == "" {
		t.Fatalf("after the way out: %+v", pm)
	}
}

func TestTasksRetryAndMarkComplete(t *testing.T) {
	e, atl, appID := connected(t)
	ada := e.person("Ada", "Lovelace", true)
	// Creating Ada fails once: a task Okta offers to retry.
	if _, err := atl.Faults().Add(faults.Rule{Method: "POST", Path: "/scim/directory/*/Users", Status: http.StatusInternalServerError, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.srv.Model.AssignUser(e.org, appID, mockokta.AssignUserInput{ID: ada.ID}); err != nil {
		t.Fatal(err)
	}
	e.idle()
	p := e.page("/admin/tasks")
	if !p.Contains("Automatic provisioning of user ada.lovelace@example.com to app Atlassian Cloud failed") || !p.HasControl("Retry") || p.HasControl("Mark complete") {
		t.Fatalf("tasks: %q %v", p.Text(), p.Controls())
	}
	tasks := e.srv.Model.Tasks(e.org, false)
	retried := e.b.Post("/admin/tasks/"+tasks[0].ID+"/retry", nil)
	if !retried.Contains("Retrying.") {
		t.Fatalf("retry: %q", retried.Text())
	}
	e.idle()
	if open := e.srv.Model.Tasks(e.org, false); len(open) != 0 {
		t.Fatalf("still open after a good retry: %+v", open)
	}
	if p := e.page("/admin/tasks?all"); !p.Contains("Resolved") {
		t.Errorf("resolved task not listed: %q", p.Text())
	}
	// Deactivating Ada fails: Okta offers only Mark complete.
	if _, err := atl.Faults().Add(faults.Rule{Method: "PATCH,PUT", Path: "/scim/directory/*/Users/*", Status: http.StatusInternalServerError, Times: 1}); err != nil {
		t.Fatal(err)
	}
	e.b.Post("/admin/apps/"+appID+"/assignments/people/"+ada.ID+"/unassign", nil)
	e.idle()
	p = e.page("/admin/tasks")
	if !p.HasControl("Mark complete") || p.HasControl("Retry") {
		t.Fatalf("deprovisioning task: %q %v", p.Text(), p.Controls())
	}
	open := e.srv.Model.Tasks(e.org, false)
	if r := e.b.Post("/admin/tasks/"+open[0].ID+"/retry", nil); r.Status != http.StatusBadRequest || !r.Contains("Okta offers no retry") {
		t.Errorf("retry a deprovisioning task: %d %q", r.Status, r.Text())
	}
	if r := e.b.Post("/admin/tasks/"+open[0].ID+"/resolve", nil); !r.Contains("Marked the task complete.") {
		t.Errorf("mark complete: %q", r.Text())
	}
	if open := e.srv.Model.Tasks(e.org, false); len(open) != 0 {
		t.Errorf("open after Mark complete: %+v", open)
	}
	if r := e.b.Post("/admin/tasks/nosuch/resolve", nil); r.Status != http.StatusNotFound {
		t.Errorf("unknown task: %d", r.Status)
	}
}

func TestSystemLog(t *testing.T) {
	e := newEnv(t, mockokta.Config{})
	ada := e.person("Ada", "Lovelace", true)
	e.b.Post("/admin/users/"+ada.ID+"/lifecycle/suspend", nil)
	p := e.page("/admin/reports/system-log")
	text := p.Text()
	suspend, create := strings.Index(text, "Suspend Okta user"), strings.Index(text, "Create Okta user")
	if suspend < 0 || create < 0 || suspend > create {
		t.Fatalf("not newest first: %q", text)
	}
	if q := e.page("/admin/reports/system-log?q=suspend"); q.Contains("Create Okta user") || !q.Contains("Suspend Okta user") {
		t.Errorf("search: %q", q.Text())
	}
	if f := e.page("/admin/reports/system-log?filter=" + url.QueryEscape(`eventType eq "user.lifecycle.create"`)); !f.Contains("Create Okta user") || f.Contains("Suspend Okta user") {
		t.Errorf("filter: %q", f.Text())
	}
	if bad := e.b.Get("/admin/reports/system-log?filter=" + url.QueryEscape(`eventType eq`)); bad.Status != http.StatusBadRequest || !bad.Contains("E0000031") {
		t.Errorf("bad filter: %d %q", bad.Status, bad.Text())
	}
}

func TestTrafficShowsTheOrgsSCIMRequests(t *testing.T) {
	e, _, appID := connected(t)
	ada := e.person("Ada", "Lovelace", true)
	if _, _, err := e.srv.Model.AssignUser(e.org, appID, mockokta.AssignUserInput{ID: ada.ID}); err != nil {
		t.Fatal(err)
	}
	e.idle()
	p := e.page("/admin/traffic")
	if !p.Contains("POST") || !p.Contains("/scim/directory/"+atlDir+"/Users") || !p.Contains("201") {
		t.Fatalf("traffic: %q", p.Text())
	}
	if !strings.Contains(p.Body, "Atlassian Cloud — ") {
		t.Error("the directory filter does not offer the app's base URL")
	}
	if f := e.page("/admin/traffic?user=nobody@example.com"); strings.Contains(f.Body, "<tr data-seq") {
		t.Error("user filter matched nothing-to-do rows")
	}
	// Another org's traffic is not shown.
	other, err := e.srv.Model.CreateOrg(mockokta.CreateOrgInput{Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	e.b.Post("/admin/tenant", url.Values{"tenant": {other.ID}})
	if p := e.page("/admin/traffic"); strings.Contains(p.Body, "<tr data-seq") || !p.Contains("Other") {
		t.Errorf("other org sees traffic: %q", p.Text())
	}
}

// scimGroup creates a group in mockatlassian's directory directly, as a
// script against its SCIM API would.
func scimGroup(t *testing.T, atl *mockatlassian.Server, name string) {
	t.Helper()
	ts := httptest.NewServer(atl)
	defer ts.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, ts.URL+"/scim/directory/"+atlDir+"/Groups",
		strings.NewReader(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"`+name+`"}`))
	req.Header.Set("Authorization", "Bearer "+atlKey)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create group in Atlassian: %d", resp.StatusCode)
	}
}

func journalQuery() journal.Query { return journal.Query{} }

func hasRequest(es []journal.Entry, method, pathPart string) bool {
	for _, e := range es {
		if e.Method == method && strings.Contains(e.Path, pathPart) {
			return true
		}
	}
	return false
}

// TestServiceAppsListed: Applications shows the OAuth 2.0 service apps
// with their client id, public keys and granted scopes.
func TestServiceAppsListed(t *testing.T) {
	e := newEnv(t, mockokta.Config{})
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "ci-key"}}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.srv.Model.CreateServiceApp(e.org, mockokta.CreateServiceAppInput{Label: "CI pipeline", JWKS: jwks, Activate: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Model.GrantScope(e.org, a.ID, "okta.groups.manage", "http://okta.test"); err != nil {
		t.Fatal(err)
	}
	p := e.page("/admin/apps")
	for _, want := range []string{"API Services", "CI pipeline", a.ID, "ci-key (RSA)", "okta.groups.manage"} {
		if !p.Contains(want) {
			t.Errorf("Applications lacks %q: %q", want, p.Text())
		}
	}
}

// TestCreateServiceApp: Create API Services app takes a label, a public
// JWKS and the scopes to grant; a private key or a blank label is refused
// with the form sent back.
func TestCreateServiceApp(t *testing.T) {
	e := newEnv(t, mockokta.Config{})
	if p := e.page("/admin/apps"); !p.HasControl("Create API Services app") {
		t.Fatalf("Applications: %v", p.Controls())
	}
	form := e.page("/admin/apps/services/new")
	if !form.HasControl("Save") || !form.Contains("okta.users.manage") {
		t.Fatalf("form: %v", form.Controls())
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwk := func(k any) string {
		raw, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k, KeyID: "tf"}}})
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	if p := e.b.Post("/admin/apps/services", url.Values{"label": {"Terraform"}, "jwks": {jwk(key)}, "scope": {"okta.users.read"}}); p.Status != http.StatusBadRequest || !p.Contains("a private key") || !strings.Contains(p.Body, `value="Terraform"`) || strings.Contains(p.Body, `&#34;d&#34;`) || strings.Contains(p.Body, `"d":`) {
		t.Errorf("private key: %d %q", p.Status, p.Text())
	}
	if p := e.b.Post("/admin/apps/services", url.Values{"label": {" "}, "jwks": {jwk(&key.PublicKey)}}); p.Status != http.StatusBadRequest {
		t.Errorf("blank label: %d %q", p.Status, p.Text())
	}
	p := e.b.Post("/admin/apps/services", url.Values{"label": {"Terraform"}, "jwks": {jwk(&key.PublicKey)}, "scope": {"okta.users.manage", "okta.groups.manage"}})
	apps := e.srv.Model.ServiceApps(e.org)
	if len(apps) != 1 || !p.Contains("client id "+apps[0].ID) {
		t.Fatalf("add: %d %q, apps %v", p.Status, p.Text(), apps)
	}
	if got := apps[0].Scopes(); strings.Join(got, " ") != "okta.users.manage okta.groups.manage" {
		t.Errorf("granted = %v", got)
	}
}

// The Sign On tab's SAML part: the setup instructions show the IdP's
// settings, and Advanced Sign-on Settings save the SP's, all or nothing.
func TestSignOnSAML(t *testing.T) {
	e, _, appID := connected(t)
	base := "/admin/apps/" + appID + "/signon"
	view := e.page(base)
	if !view.HasControl("View SAML setup instructions") || !view.HasControl("Edit SAML settings") {
		t.Fatalf("Sign On lacks the SAML controls: %q", view.Text())
	}
	setup := e.page(base + "/saml-setup")
	a := e.app(appID)
	for _, want := range []string{a.Issuer(), a.SSOPath(), a.MetadataPath(), "BEGIN CERTIFICATE"} {
		if !setup.Contains(want) {
			t.Errorf("setup instructions lack %q: %q", want, setup.Text())
		}
	}
	bad := e.b.Post(base+"/saml", url.Values{"ssoAcsUrl": {"not a url"}, "audience": {"http://sp.test/saml/1"}, "nameIdFormat": {saml.NameIDEmail}})
	if bad.Status != http.StatusBadRequest || !bad.Contains("ssoAcsUrl") {
		t.Fatalf("bad ACS URL: %d %q", bad.Status, bad.Text())
	}
	if e.app(appID).SAML.Audience != "" {
		t.Fatal("a refused save changed the audience")
	}
	saved := e.b.Post(base+"/saml", url.Values{"ssoAcsUrl": {"http://sp.test/login/callback?connection=saml-1"},
		"audience": {"http://sp.test/saml/1"}, "nameIdFormat": {saml.NameIDEmail}})
	if !saved.Contains("Saved the SAML settings.") || !saved.Contains("http://sp.test/saml/1") {
		t.Fatalf("save: %q", saved.Text())
	}
	if s := e.app(appID).SAML; s.ACSURL != "http://sp.test/login/callback?connection=saml-1" || s.Audience != "http://sp.test/saml/1" {
		t.Fatalf("saved %+v", s)
	}
}
