package console_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/ui/uitest"
	"github.com/provsim/provsim/mockokta"
	"github.com/provsim/provsim/mockokta/console"
)

// env is a mockokta server with its console, one org, and a browser.
type env struct {
	t   *testing.T
	srv *mockokta.Server
	org *mockokta.Org
	b   *uitest.Browser
}

func newEnv(t *testing.T, cfg mockokta.Config) *env {
	t.Helper()
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Console = console.Mount
	if cfg.Boot == nil {
		cfg.Boot = &mockokta.Boot{OrgName: "Acme", APIToken: "00tok"}
	}
	srv, err := mockokta.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	org, err := srv.Model.Org(srv.Booted.Org.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, srv: srv, org: org, b: uitest.New(t, srv, console.Prefix, console.CookiePrefix)}
}

// person adds a user through the model, as the API would.
func (e *env) person(first, last string, activate bool) *mockokta.User {
	e.t.Helper()
	login := strings.ToLower(first) + "." + strings.ToLower(last) + "@example.com"
	u, err := e.srv.Model.CreateUser(e.org, mockokta.CreateUserInput{Activate: activate,
		Profile:     map[string]any{"firstName": first, "lastName": last, "login": login, "email": login},
		Credentials: &mockokta.UserCredentialsInput{Password: &mockokta.PasswordInput{Value: ptr("Passw0rd!x")}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func ptr[T any](v T) *T { return &v }

// page opens a console page and checks what every page must be: 200,
// in the layout, with every field labelled.
func (e *env) page(path string) *uitest.Page {
	e.t.Helper()
	p := e.b.Get(path)
	if p.Status != http.StatusOK {
		e.t.Fatalf("GET %s: %d %q", path, p.Status, p.Text())
	}
	if missing := p.Unlabelled(); len(missing) > 0 {
		e.t.Errorf("GET %s: fields without a label: %v", path, missing)
	}
	return p
}

func (e *env) user(id string) *mockokta.User {
	e.t.Helper()
	u, err := e.srv.Model.GetUser(e.org, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func TestPeopleListSearchAndPaging(t *testing.T) {
	e := newEnv(t, mockokta.Config{})
	ada := e.person("Ada", "Lovelace", true)
	e.person("Alan", "Turing", true)
	staged := e.person("Grace", "Hopper", false)
	p := e.page("/admin/users")
	for _, want := range []string{"People", "Add person", "Ada Lovelace", "ada.lovelace@example.com", "Alan Turing", "Grace Hopper", "Staged", "Active",
		"Provsim Admin", "Showing 1–4 of 4"} { // the org's administrator is a person too
		if !p.Contains(want) && !p.HasControl(want) {
			t.Errorf("People lacks %q", want)
		}
	}
	if q := e.page("/admin/users?q=ada"); !q.Contains("Ada Lovelace") || q.Contains("Alan Turing") {
		t.Errorf("search: %q", q.Text())
	}
	if s := e.page("/admin/users?status=STAGED"); !s.Contains("Grace Hopper") || s.Contains("Ada Lovelace") {
		t.Errorf("status filter: %q", s.Text())
	}
	if bad := e.b.Get("/admin/users?status=HAPPY"); bad.Status != http.StatusBadRequest || !bad.Contains("There is no user status HAPPY.") {
		t.Errorf("bad status: %d %q", bad.Status, bad.Text())
	}
	_ = ada
	_ = staged
}

func TestPersonLifecycle(t *testing.T) {
	e := newEnv(t, mockokta.Config{})
	ada := e.person("Ada", "Lovelace", true)
	p := e.page("/admin/users/" + ada.ID)
	for _, want := range []string{"Suspend", "Deactivate"} {
		if !p.HasControl(want) {
			t.Errorf("active person lacks %q: %v", want, p.Controls())
		}
	}
	if p.HasControl("Delete") || p.HasControl("Unsuspend") {
		t.Errorf("active person offers %v", p.Controls())
	}
	steps := []struct{ action, status, flash string }{
		{"suspend", mockokta.StatusSuspended, "Suspended Ada Lovelace."},
		{"unsuspend", mockokta.StatusActive, "Unsuspended Ada Lovelace."},
		{"deactivate", mockokta.StatusDeprovisioned, "Deactivated Ada Lovelace."},
		{"activate", mockokta.StatusActive, "Activated Ada Lovelace."},
	}
	for _, s := range steps {
		after := e.b.Post("/admin/users/"+ada.ID+"/lifecycle/"+s.action, nil)
		if after.Status != http.StatusOK || !after.Contains(s.flash) {
			t.Fatalf("%s: %d %q", s.action, after.Status, after.Text())
		}
		if got := e.user(ada.ID).Status; got != s.status {
			t.Fatalf("%s: status %s, want %s", s.action, got, s.status)
		}
	}
	// Okta's own answer when the status does not allow the action.
	bad := e.b.Post("/admin/users/"+ada.ID+"/lifecycle/unsuspend", nil)
	if bad.Status != http.StatusBadRequest || !bad.Contains("E0000001") || !bad.Contains("Action failed") {
		t.Errorf("unsuspend an active user: %d %q", bad.Status, bad.Text())
	}
	if del := e.b.Post("/admin/users/"+ada.ID+"/lifecycle/delete", nil); del.Status != http.StatusForbidden || e.user(ada.ID).Status != mockokta.StatusActive {
		t.Errorf("delete an active person: %d %q", del.Status, del.Text())
	}
	e.b.Post("/admin/users/"+ada.ID+"/lifecycle/deactivate", nil)
	gone := e.b.Post("/admin/users/"+ada.ID+"/lifecycle/delete", nil)
	if !gone.Contains("Deleted Ada Lovelace.") || !strings.HasPrefix(gone.URL, "/admin/users") {
		t.Fatalf("delete: %d %q", gone.Status, gone.Text())
	}
	if _, err := e.srv.Model.GetUser(e.org, ada.ID); err == nil {
		t.Error("still there after Delete")
	}
	if nf := e.b.Get("/admin/users/" + ada.ID); nf.Status != http.StatusNotFound || !nf.Contains("E0000007") {
		t.Errorf("deleted person's page: %d %q", nf.Status, nf.Text())
	}
	if unk := e.b.Post("/admin/users/nobody/lifecycle/explode", nil); unk.Status != http.StatusNotFound {
		t.Errorf("unknown user: %d", unk.Status)
	}
}

func TestAddPersonAndEditProfile(t *testing.T) {
	e := newEnv(t, mockokta.Config{})
	e.page("/admin/users/new")
	bad := e.b.Post("/admin/users", url.Values{"firstName": {"Ada"}, "lastName": {"Lovelace"}, "login": {""}, "email": {"ada@example.com"}})
	if bad.Status != http.StatusBadRequest || !bad.Contains("Api validation failed: login") || !strings.Contains(bad.Body, `value="Lovelace"`) {
		t.Fatalf("bad login: %d %q", bad.Status, bad.Text())
	}
	ok := e.b.Post("/admin/users", url.Values{"firstName": {"Ada"}, "lastName": {"Lovelace"}, "login": {"ada@example.com"}, "email": {"ada@example.com"}, "activate": {"true"}})
	if ok.Status != http.StatusOK || !ok.Contains("Added Ada Lovelace.") {
		t.Fatalf("add: %d %q", ok.Status, ok.Text())
	}
	u, err := e.srv.Model.GetUser(e.org, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	saved := e.b.Post("/admin/users/"+u.ID+"/profile", url.Values{"firstName": {"Augusta"}, "lastName": {"Lovelace"}, "login": {"ada@example.com"}, "email": {"augusta@example.com"}})
	if !saved.Contains("Saved the profile of Augusta Lovelace.") || e.user(u.ID).Attr("email") != "augusta@example.com" {
		t.Fatalf("edit: %d %q", saved.Status, saved.Text())
	}
	blank := e.b.Post("/admin/users/"+u.ID+"/profile", url.Values{"firstName": {"Augusta"}, "lastName": {""}, "login": {"ada@example.com"}, "email": {"augusta@example.com"}})
	if blank.Status != http.StatusBadRequest || !blank.Contains("lastName") || e.user(u.ID).Attr("lastName") != "Lovelace" {
		t.Errorf("blank last name: %d %q", blank.Status, blank.Text())
	}
}

func TestConsoleNeedsTheControlToken(t *testing.T) {
	e := newEnv(t, mockokta.Config{ControlToken: "ctl-secret"})
	p := e.b.Get("/admin/users")
	if !strings.HasPrefix(p.URL, "/admin/signin") || !p.Contains("Control token") {
		t.Fatalf("not asked to sign in: %s %q", p.URL, p.Text())
	}
	in := e.b.Post("/admin/signin", url.Values{"token": {"ctl-secret"}, "next": {"/admin/users"}})
	if in.URL != "/admin/users" || !in.Contains("People") {
		t.Fatalf("after sign-in: %s %q", in.URL, in.Text())
	}
	// The API keeps its own authentication: the console's cookie is no
	// API token.
	resp, err := e.b.Client().Get(e.b.URL() + "/api/v1/users")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden { // no API credentials: E0000005 (OAPI-AUTH-2)
		t.Errorf("API with the console's cookie: %d", resp.StatusCode)
	}
}

func TestUnknownConsolePathIsAPage(t *testing.T) {
	e := newEnv(t, mockokta.Config{})
	p := e.b.Get("/admin/no/such/page")
	if p.Status != http.StatusNotFound || !strings.Contains(p.Header.Get("Content-Type"), "text/html") || !p.Contains("There is no page at /admin/no/such/page.") {
		t.Errorf("unknown path: %d %s %q", p.Status, p.Header.Get("Content-Type"), p.Text())
	}
	if p := e.b.Get("/admin"); p.URL != "/admin/users" {
		t.Errorf("/admin led to %s", p.URL)
	}
	// Outside the console, unknown paths keep Okta's JSON envelope.
	api := e.b.Get("/administrator")
	if !strings.Contains(api.Body, "errorCode") {
		t.Errorf("/administrator: %q", api.Body)
	}
}

func TestGroupsAndMembers(t *testing.T) {
	e := newEnv(t, mockokta.Config{})
	ada := e.person("Ada", "Lovelace", true)
	alan := e.person("Alan", "Turing", true)
	// Every org has Everyone, which holds every person (OAPI-GROUP-2).
	if p := e.page("/admin/groups"); !p.HasControl("Add group") || !p.Contains("Everyone 3 All users in your organization") {
		t.Fatalf("Groups: %q", p.Text())
	}
	e.page("/admin/groups/new")
	if bad := e.b.Post("/admin/groups", url.Values{"name": {" "}}); bad.Status != http.StatusBadRequest || !bad.Contains("name: The field cannot be left blank") {
		t.Fatalf("blank name: %d %q", bad.Status, bad.Text())
	}
	added := e.b.Post("/admin/groups", url.Values{"name": {"atlassian-test-jira-users"}, "description": {"Jira testers"}})
	if !added.Contains("Added the group atlassian-test-jira-users.") || !added.HasControl("Assign") {
		t.Fatalf("add: %q", added.Text())
	}
	if dup := e.b.Post("/admin/groups", url.Values{"name": {"ATLASSIAN-test-jira-users"}}); dup.Status != http.StatusBadRequest || !dup.Contains("already exists") {
		t.Errorf("duplicate: %d %q", dup.Status, dup.Text())
	}
	gid := strings.TrimPrefix(added.URL, "/admin/groups/")
	for _, who := range []string{"ada.lovelace@example.com", alan.ID} {
		if p := e.b.Post("/admin/groups/"+gid+"/members", url.Values{"person": {who}}); !p.Contains("to the group.") {
			t.Fatalf("add %s: %q", who, p.Text())
		}
	}
	if p := e.b.Post("/admin/groups/"+gid+"/members", url.Values{"person": {"nobody@example.com"}}); p.Status != http.StatusNotFound || !p.Contains("E0000007") || !strings.Contains(p.Body, `value="nobody@example.com"`) {
		t.Errorf("unknown person: %d %q", p.Status, p.Text())
	}
	if p := e.b.Post("/admin/groups/"+gid+"/members", url.Values{"person": {""}}); p.Status != http.StatusBadRequest {
		t.Errorf("blank person: %d", p.Status)
	}
	members, _ := e.srv.Model.GroupMemberIDs(e.org, gid)
	if len(members) != 2 {
		t.Fatalf("members = %v", members)
	}
	g := e.page("/admin/groups/" + gid)
	if !g.Contains("2 people") || !g.Contains("Ada Lovelace") || !g.Contains("Alan Turing") {
		t.Fatalf("group page: %q", g.Text())
	}
	if q := e.page("/admin/groups/" + gid + "?q=alan"); q.Contains("Ada Lovelace") || !q.Contains("Alan Turing") {
		t.Errorf("member search: %q", q.Text())
	}
	if list := e.page("/admin/groups?q=atlassian"); !list.Contains("atlassian-test-jira-users") || !list.Contains("Jira testers") {
		t.Errorf("list: %q", list.Text())
	}
	if p := e.b.Post("/admin/groups/"+gid+"/members/"+ada.ID+"/remove", nil); !p.Contains("Removed Ada Lovelace from the group.") {
		t.Errorf("remove: %q", p.Text())
	}
	if members, _ := e.srv.Model.GroupMemberIDs(e.org, gid); len(members) != 1 || members[0] != alan.ID {
		t.Errorf("after remove: %v", members)
	}
	if p := e.b.Get("/admin/groups/00gnosuch"); p.Status != http.StatusNotFound {
		t.Errorf("unknown group: %d", p.Status)
	}
	// The person's page lists the group.
	if p := e.page("/admin/users/" + alan.ID); !p.HasControl("atlassian-test-jira-users") {
		t.Errorf("person's groups: %v", p.Controls())
	}
}

// TestConsoleChangesAreStored: a console action is a model change like an
// API call's, so with --data-dir it survives a restart.
func TestConsoleChangesAreStored(t *testing.T) {
	dir := t.TempDir()
	quiet := slog.New(slog.DiscardHandler)
	cfg := mockokta.Config{Logger: quiet, Console: console.Mount, DataDir: dir,
		Options: mockokta.Options{Seed: 4, Logger: quiet}, Boot: &mockokta.Boot{OrgID: "00ostored", OrgName: "Stored", APIToken: "00tok"}}
	srv, err := mockokta.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := uitest.New(t, srv, console.Prefix, console.CookiePrefix)
	p := b.Post("/admin/groups", url.Values{"name": {"atlassian-test-confluence-users"}})
	if !p.Contains("Added the group atlassian-test-confluence-users.") {
		t.Fatalf("add group: %q", p.Text())
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := mockokta.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	o, err := again.Model.Org("00ostored")
	if err != nil {
		t.Fatal(err)
	}
	if ids, _ := again.Model.ListGroupIDs(o, mockokta.GroupQuery{Q: "atlassian-test-confluence"}); len(ids) != 1 {
		t.Errorf("after restart: groups %v", ids)
	}
}
