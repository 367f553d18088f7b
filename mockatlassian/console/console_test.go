package console_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/saml"
	"github.com/provsim/provsim/internal/ui/uitest"
	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockatlassian/console"
)

// env is a mockatlassian server with its console, its boot organization
// (one site with Jira Software and Confluence, example.com verified) and
// a browser.
type env struct {
	t   *testing.T
	srv *mockatlassian.Server
	org string
	b   *uitest.Browser
}

func newEnv(t *testing.T, cfg mockatlassian.Config) *env {
	t.Helper()
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Console = console.Mount
	if cfg.Boot == nil {
		cfg.Boot = &mockatlassian.Boot{OrgID: "acme", OrgName: "Acme", DirectoryID: "boot-dir", APIKey: "boot-key",
			VerifiedDomains: []string{"example.com"},
			Sites:           []mockatlassian.AddSiteInput{{Name: "acme.atlassian.net", Products: []string{"jira-software", "confluence"}}}}
	}
	srv, err := mockatlassian.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	e := &env{t: t, srv: srv, org: srv.Booted.Org.ID, b: uitest.New(t, srv, console.Prefix, console.CookiePrefix)}
	e.page("/") // the browser gets its CSRF cookie, as a person opens the console first
	return e
}

// page opens a console page and checks what every page must be: 200, in
// the layout, every field labelled.
func (e *env) page(path string) *uitest.Page {
	e.t.Helper()
	p := e.b.Get(console.Prefix + path)
	e.ok(p, path)
	return p
}

func (e *env) ok(p *uitest.Page, what string) {
	e.t.Helper()
	if p.Status != http.StatusOK {
		e.t.Fatalf("%s: status %d: %s", what, p.Status, p.Text())
	}
	if !p.Contains("Atlassian Administration") {
		e.t.Fatalf("%s: not in the console's layout: %s", what, p.Text())
	}
	if u := p.Unlabelled(); len(u) > 0 {
		e.t.Errorf("%s: fields without a label: %v", what, u)
	}
}

// post submits a console form and returns the page it lands on.
func (e *env) post(path string, form url.Values) *uitest.Page {
	e.t.Helper()
	return e.b.Post(console.Prefix+path, form)
}

// scim sends one SCIM request with a directory key, as Okta would.
func (e *env) scim(method, base, key, path string, body any) map[string]any {
	e.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := e.b.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode >= 300 {
		e.t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, out)
	}
	return out
}

var inputValue = regexp.MustCompile(`id="(directory-base-url|api-key)" value="([^"]*)"`)

// shown reads the Directory base URL and API key off the page that shows them.
func shown(t *testing.T, p *uitest.Page) (base, key string) {
	t.Helper()
	for _, m := range inputValue.FindAllStringSubmatch(p.Body, -1) {
		if m[1] == "directory-base-url" {
			base = m[2]
		} else {
			key = m[2]
		}
	}
	if base == "" || key == "" {
		t.Fatalf("no Directory base URL and API key on the page: %s", p.Text())
	}
	return base, key
}

// Guide Steps 1 and 6 in the console, with a SCIM client playing Okta in
// between: Directory > User provisioning > Create a token shows the base
// URL and key once; they work; the synced users and group show on the
// directory's page and under Users and Groups; Product access > Add group
// > Add groups gives the synced group Jira Software with a success flag;
// the users then have Jira access. Every console action is in the audit log.
func TestGuideInTheConsole(t *testing.T) {
	e := newEnv(t, mockatlassian.Config{})
	if p := e.b.Get("/console"); p.URL != "/console/" {
		t.Errorf("/console led to %s", p.URL)
	}
	home := e.page("/")
	if !home.HasControl("Directory") || !home.HasControl("User provisioning") {
		t.Fatalf("the overview links Directory and User provisioning: %v", home.Controls())
	}
	p := e.page("/directory/user-provisioning")
	for _, label := range []string{"Create a token", "Add a site", "Users", "Groups", "User provisioning"} {
		if !p.HasControl(label) {
			t.Errorf("User provisioning has no %q: %v", label, p.Controls())
		}
	}
	e.page("/directory/user-provisioning/create")
	created := e.post("/directory/user-provisioning", url.Values{"name": {"Okta users"}})
	if created.Status != http.StatusCreated {
		t.Fatalf("Create: %d %s", created.Status, created.Text())
	}
	if !created.Contains("we won't show them to you again") {
		t.Errorf("no once-only note: %s", created.Text())
	}
	base, key := shown(t, created)
	if !strings.HasPrefix(base, e.b.URL()+"/scim/directory/") {
		t.Fatalf("Directory base URL %q is not this server's", base)
	}
	dirID := strings.TrimPrefix(base, e.b.URL()+"/scim/directory/")
	// The key is shown once: the directory's page does not show it.
	if dp := e.page("/directory/user-provisioning/" + dirID); strings.Contains(dp.Body, key) || !dp.Contains(base) {
		t.Errorf("the directory page shows the key, or not the base URL")
	}

	// Okta's side, by hand: two users and the pushed group.
	var uids []any
	for _, n := range []string{"ann", "bob"} {
		u := e.scim("POST", base, key, "/Users", map[string]any{"userName": n + "@example.com",
			"emails": []any{map[string]any{"value": n + "@example.com", "primary": true}}, "active": true, "displayName": n})
		uids = append(uids, map[string]any{"value": u["id"]})
	}
	e.scim("POST", base, key, "/Groups", map[string]any{"displayName": "atlassian-test-jira-users", "members": uids})

	// Traffic: the directory's SCIM requests, filterable by directory.
	tr := e.page("/traffic?directory=" + url.QueryEscape("/scim/directory/"+dirID+"/"))
	if !tr.Contains("/scim/directory/"+dirID+"/Users") || !tr.Contains("/scim/directory/"+dirID+"/Groups") {
		t.Errorf("Traffic lacks the directory's requests: %s", tr.Text())
	}
	if strings.Contains(tr.Body, key) {
		t.Error("Traffic shows the directory's key")
	}
	if tr := e.page("/traffic?directory=" + url.QueryEscape("/scim/directory/boot-dir/")); strings.Contains(tr.Text(), dirID) {
		t.Errorf("the boot directory's filter shows the new directory's requests: %s", tr.Text())
	}

	// Another organization's traffic is not this one's.
	if _, err := e.srv.Model.CreateOrg(mockatlassian.CreateOrgInput{ID: "other", Name: "Other"}); err != nil {
		t.Fatal(err)
	}
	other, err := e.srv.Model.CreateDirectory("other", mockatlassian.CreateDirectoryInput{ID: "other-dir", APIKey: "other-key"})
	if err != nil {
		t.Fatal(err)
	}
	e.scim("GET", e.b.URL()+"/scim/directory/"+other.ID, "other-key", "/Users", nil)
	if tr := e.page("/traffic"); strings.Contains(tr.Text(), "other-dir") || !tr.Contains(dirID) {
		t.Errorf("Acme's Traffic shows another organization's requests, or not its own: %s", tr.Text())
	}

	dp := e.page("/directory/user-provisioning/" + dirID)
	if !dp.Contains("ann@example.com") || !dp.Contains("bob@example.com") {
		t.Errorf("the directory's synced users are not listed: %s", dp.Text())
	}
	if gp := e.page("/directory/user-provisioning/" + dirID + "?show=groups"); !gp.Contains("atlassian-test-jira-users") {
		t.Errorf("the directory's synced groups are not listed: %s", gp.Text())
	}
	if gp := e.page("/directory/groups?source=scim"); !gp.Contains("atlassian-test-jira-users") || !gp.Contains("Synced from Okta users") {
		t.Errorf("Groups does not show the synced group as synced: %s", gp.Text())
	}

	// Step 6: Product access > Add group > Add groups.
	pa := e.page("/products/acme.atlassian.net/product-access")
	if !pa.HasControl("Add group") {
		t.Fatalf("Product access has no Add group: %v", pa.Controls())
	}
	ag := e.page("/products/acme.atlassian.net/product-access/jira-software/add-group")
	if !ag.HasControl("Add groups") || !ag.Contains("atlassian-test-jira-users") {
		t.Fatalf("Add group: %v %s", ag.Controls(), ag.Text())
	}
	done := e.post("/products/acme.atlassian.net/product-access/jira-software/groups", url.Values{"group": {"atlassian-test-jira-users"}})
	e.ok(done, "Add groups")
	if !done.Contains("Added atlassian-test-jira-users to Jira Software") {
		t.Errorf("no success flag: %s", done.Text())
	}
	users := e.page("/directory/users?q=ann")
	if !users.Contains("ann@example.com") || !users.Contains("Jira Software") || !users.Contains("Managed account") {
		t.Errorf("ann has no Jira access, or is not managed: %s", users.Text())
	}
	a, err := e.srv.Model.Account(e.org, "bob@example.com")
	if err != nil || len(a.ProductAccess) != 1 || a.ProductAccess[0].Product != "jira-software" {
		t.Errorf("bob's access: %+v %v", a.ProductAccess, err)
	}

	// The console's grant is in the audit log, by the organization admin.
	log := e.page("/security/audit-log?q=granted")
	if !log.Contains("Granted Jira Software access on acme.atlassian.net to group atlassian-test-jira-users") || !log.Contains("Organization admin") {
		t.Errorf("the audit log lacks the console's grant: %s", log.Text())
	}
	if log := e.page("/security/audit-log?q=Okta+users"); !log.Contains("Created identity provider directory Okta users") {
		t.Errorf("the audit log lacks the console's Create: %s", log.Text())
	}
}

// Regenerate API key shows the new key once; the old one fails at once.
// The Directory base URL is the server as Okta reaches it, when told.
func TestRegenerateAPIKey(t *testing.T) {
	e := newEnv(t, mockatlassian.Config{URLFromOkta: "http://mockatlassian:8081"})
	p := e.post("/directory/user-provisioning/boot-dir/regenerate", nil)
	e.ok(p, "Regenerate API key")
	base, key := shown(t, p)
	if base != "http://mockatlassian:8081/scim/directory/boot-dir" {
		t.Errorf("Directory base URL %q, want the server as Okta reaches it", base)
	}
	if key == "boot-key" {
		t.Fatal("the key did not change")
	}
	if e.srv.Model.Authenticate("boot-dir", "boot-key") == mockatlassian.AuthOK || e.srv.Model.Authenticate("boot-dir", key) != mockatlassian.AuthOK {
		t.Error("the old key still works, or the new one does not")
	}
}

// Errors are shown as Atlassian shows them, never as a blank page: a
// synced group cannot be a default group (the guide's warning), a
// synced group cannot get Bitbucket, an unknown site or group answers a
// page that says so.
func TestRefusalsAreShown(t *testing.T) {
	e := newEnv(t, mockatlassian.Config{})
	if _, err := e.srv.Model.AddProduct(e.org, "acme.atlassian.net", "bitbucket"); err != nil {
		t.Fatal(err)
	}
	e.scim("POST", e.b.URL()+"/scim/directory/boot-dir", "boot-key", "/Groups", map[string]any{"displayName": "okta-group"})
	if _, err := e.srv.Model.GrantAccess(e.org, "acme.atlassian.net", "jira-software", "okta-group", true); err != nil {
		t.Fatal(err)
	}
	p := e.post("/products/acme.atlassian.net/product-access/jira-software/groups/okta-group/default", url.Values{"default": {"true"}})
	e.ok(p, "Make default group")
	if !p.Contains("Default group not changed") || !p.Contains("cannot be a default group") {
		t.Errorf("making a synced group a default group was not refused on the page: %s", p.Text())
	}
	if g, _ := e.srv.Model.GroupByID(e.org, "okta-group"); g.Default {
		t.Error("the synced group became a default group")
	}
	p = e.post("/products/acme.atlassian.net/product-access/bitbucket/groups", url.Values{"group": {"okta-group"}})
	if p.Status != http.StatusBadRequest || !p.Contains("only available for Jira products and Confluence") || len(p.Unlabelled()) > 0 {
		t.Errorf("Bitbucket for a synced group: %d %s", p.Status, p.Text())
	}
	for path, status := range map[string]int{
		"/products/nowhere.atlassian.net/product-access":          http.StatusNotFound,
		"/directory/groups/no-such-group":                         http.StatusNotFound,
		"/directory/users/no-such-account":                        http.StatusNotFound,
		"/directory/user-provisioning/no-such-directory":          http.StatusNotFound,
		"/directory/users?page=zero":                              http.StatusBadRequest,
		"/no/such/page":                                           http.StatusNotFound,
		"/products/acme.atlassian.net/product-access/x/add-group": http.StatusNotFound,
	} {
		p := e.b.Get(console.Prefix + path)
		if p.Status != status || !p.Contains("Atlassian Administration") || p.Contains("goroutine") {
			t.Errorf("%s: want %d in the console's layout, got %d: %s", path, status, p.Status, p.Text())
		}
	}
	// A form posted without the console's CSRF token changes nothing.
	raw := e.b.PostRaw(console.Prefix+"/directory/user-provisioning", url.Values{"name": {"forged"}}, nil)
	if raw.Status != http.StatusForbidden {
		t.Errorf("a forged Create: %d", raw.Status)
	}
	if o, _ := e.srv.Model.Org(e.org); len(o.Directories) != 1 {
		t.Errorf("a forged Create made a directory: %+v", o.Directories)
	}
}

// Add a site, add a domain and verify it; Suspend access and Restore
// access; each is the model's change and lands in the audit log.
func TestSitesDomainsAndAccess(t *testing.T) {
	e := newEnv(t, mockatlassian.Config{})
	e.page("/sites/add")
	p := e.post("/sites", url.Values{"name": {"beta.atlassian.net"}, "product-confluence": {"true"}})
	e.ok(p, "Add a site")
	if !strings.Contains(p.URL, "/products/beta.atlassian.net/product-access") || !p.Contains("Confluence") {
		t.Errorf("Add a site landed on %s: %s", p.URL, p.Text())
	}
	if p := e.post("/sites", url.Values{"name": {""}}); p.Status != http.StatusBadRequest || !p.Contains("site name is required") {
		t.Errorf("a site without a name: %d %s", p.Status, p.Text())
	}
	p = e.post("/security/domains", url.Values{"domain": {"acme.org"}})
	e.ok(p, "Add domain")
	if !p.HasControl("Verify domain") {
		t.Fatalf("no Verify domain: %v", p.Controls())
	}
	p = e.post("/security/domains/acme.org/verify", nil)
	if !p.Contains("Verified acme.org") {
		t.Errorf("Verify domain: %s", p.Text())
	}
	if o, _ := e.srv.Model.Org(e.org); !containsDomain(o, "acme.org") {
		t.Errorf("acme.org is not verified: %+v", o.Domains)
	}
	if p := e.post("/security/domains", url.Values{"domain": {"not a domain"}}); p.Status != http.StatusBadRequest || !p.Contains("is not a domain name") {
		t.Errorf("a bad domain: %d %s", p.Status, p.Text())
	}

	acct, err := e.srv.Model.CreateAccount(e.org, mockatlassian.CreateAccountInput{Email: "cy@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	p = e.post("/directory/users/"+acct.ID+"/suspend", nil)
	if !p.Contains("Suspended access for cy@example.com") || !p.HasControl("Restore access") {
		t.Errorf("Suspend access: %s", p.Text())
	}
	p = e.post("/directory/users/"+acct.ID+"/restore", nil)
	if !p.Contains("Restored access") || !p.HasControl("Suspend access") {
		t.Errorf("Restore access: %s", p.Text())
	}
	if log := e.page("/security/audit-log?q=acme.org"); !log.Contains("Added domain acme.org") || !log.Contains("Verified domain acme.org") {
		t.Errorf("the audit log lacks the domain: %s", log.Text())
	}
	if log := e.page("/security/audit-log?q=beta"); !log.Contains("Added site beta.atlassian.net with Confluence") {
		t.Errorf("the audit log lacks the site: %s", log.Text())
	}
	if log := e.page("/security/audit-log?q=cy@example.com"); !log.Contains("user_access_suspended") || !log.Contains("user_access_restored") {
		t.Errorf("the audit log lacks the console's suspension: %s", log.Text())
	}
}

func containsDomain(o mockatlassian.OrgView, name string) bool {
	for _, d := range o.Domains {
		if d.Name == name && d.Verified {
			return true
		}
	}
	return false
}

// Lists page: 120 accounts are three pages of 50; the search narrows them.
func TestUsersArePaged(t *testing.T) {
	e := newEnv(t, mockatlassian.Config{})
	for i := range 120 {
		if _, err := e.srv.Model.CreateAccount(e.org, mockatlassian.CreateAccountInput{Email: fmt.Sprintf("user%03d@example.com", i)}); err != nil {
			t.Fatal(err)
		}
	}
	p := e.page("/directory/users")
	if !p.Contains("Showing 1–50 of 120") || !p.HasControl("Next") || p.Contains("user050@") {
		t.Errorf("page 1: %s", p.Text())
	}
	if p := e.page("/directory/users?page=3"); !p.Contains("Showing 101–120 of 120") || !p.Contains("user119@") {
		t.Errorf("page 3: %s", p.Text())
	}
	if p := e.page("/directory/users?q=user07"); !p.Contains("Showing 1–10 of 10") {
		t.Errorf("search: %s", p.Text())
	}
}

// A console action is the same model call as an API call, so with
// --data-dir it survives a restart: the directory made with Create (its
// key still works), the site, the grant, and their audit events.
func TestConsoleChangesAreStored(t *testing.T) {
	cfg := mockatlassian.Config{DataDir: t.TempDir(), Boot: &mockatlassian.Boot{OrgID: "stored", OrgName: "Stored",
		DirectoryID: "boot-dir", APIKey: "boot-key", VerifiedDomains: []string{"example.com"}}}
	e := newEnv(t, cfg)
	p := e.post("/directory/user-provisioning", url.Values{"name": {"Okta users"}})
	base, key := shown(t, p)
	dirID := strings.TrimPrefix(base, e.b.URL()+"/scim/directory/")
	e.ok(e.post("/sites", url.Values{"name": {"acme.atlassian.net"}, "product-jira-software": {"true"}}), "Add a site")
	e.scim("POST", base, key, "/Groups", map[string]any{"displayName": "atlassian-test-jira-users"})
	e.ok(e.post("/products/acme.atlassian.net/product-access/jira-software/groups", url.Values{"group": {"atlassian-test-jira-users"}}), "Add groups")
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}

	cfg.Logger = slog.New(slog.DiscardHandler)
	again, err := mockatlassian.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.Model.Authenticate(dirID, key) != mockatlassian.AuthOK {
		t.Error("after a restart the directory made in the console, or its key, is gone")
	}
	g, err := again.Model.GroupByID("stored", "atlassian-test-jira-users")
	if err != nil || len(g.Access) != 1 {
		t.Errorf("after a restart the console's grant is gone: %+v %v", g, err)
	}
	events, _, err := again.Model.Events("stored", mockatlassian.EventQuery{}, 0, 100)
	var actions []string
	for _, ev := range events {
		actions = append(actions, ev.Action)
	}
	for _, want := range []string{"scim_directory_created", "site_added", "group_granted_role"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("after a restart the audit log lacks %s: %v (%v)", want, actions, err)
		}
	}
}

// With --control-token the console asks for it once, and refuses a wrong one.
func TestConsoleAsksForTheControlToken(t *testing.T) {
	srv, err := mockatlassian.NewServer(mockatlassian.Config{Logger: slog.New(slog.DiscardHandler), Console: console.Mount,
		ControlToken: "ctl-atl", Boot: &mockatlassian.Boot{OrgID: "acme", OrgName: "Acme", DirectoryID: "d", APIKey: "k"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	b := uitest.New(t, srv, console.Prefix, console.CookiePrefix)
	p := b.Get("/console/directory/user-provisioning")
	if !strings.HasPrefix(p.URL, "/console/signin") || p.Contains("Create a token") {
		t.Fatalf("without the token: at %s: %s", p.URL, p.Text())
	}
	if raw := b.PostRaw("/console/directory/user-provisioning", url.Values{"name": {"x"}}, nil); raw.Status != http.StatusUnauthorized && raw.Status != http.StatusForbidden {
		t.Errorf("a POST without the token: %d", raw.Status)
	}
	p = b.Post("/console/signin", url.Values{"token": {"wrong"}, "next": {"/console/directory/user-provisioning"}})
	if p.Contains("Create a token") {
		t.Fatal("a wrong token signed in")
	}
	p = b.Post("/console/signin", url.Values{"token": {"ctl-atl"}, "next": {"/console/directory/user-provisioning"}})
	if !p.HasControl("Create a token") {
		t.Fatalf("after signing in: at %s: %s", p.URL, p.Text())
	}
}

// Security > SAML single sign-on saves the identity provider's settings
// and shows the service provider's URLs; bad settings are refused whole.
func TestSAMLSettings(t *testing.T) {
	e := newEnv(t, mockatlassian.Config{})
	p := e.page("/security/saml")
	if p.Contains("Service provider entity URL") {
		t.Fatal("SP URLs before any configuration")
	}
	key, err := saml.NewKeyPair("k", "okta", time.Now(), 10)
	if err != nil {
		t.Fatal(err)
	}
	bad := e.post("/security/saml", url.Values{"idpEntityId": {"http://www.okta.com/exk1"}, "idpSsoUrl": {"not a url"}, "certificate": {"junk"}})
	if bad.Status != http.StatusBadRequest || !bad.Contains("SSO URL must be") || !bad.Contains("certificate") {
		t.Fatalf("bad settings: %d %s", bad.Status, bad.Text())
	}
	if _, found, _ := e.srv.Model.SAML(e.org); found {
		t.Fatal("refused settings were saved")
	}
	p = e.post("/security/saml", url.Values{"idpEntityId": {"http://www.okta.com/exk1"}, "idpSsoUrl": {"http://okta.test/app/atlassian/exk1/sso/saml"},
		"certificate": {saml.CertificatePEM(key.Cert)}})
	e.ok(p, "Save configuration")
	cfg, found, _ := e.srv.Model.SAML(e.org)
	if !found || !p.Contains("/login/callback?connection=saml-"+cfg.ID) || !p.Contains("/saml/"+cfg.ID) {
		t.Fatalf("after save: %s", p.Text())
	}
	p = e.post("/security/saml/delete", nil)
	if _, found, _ := e.srv.Model.SAML(e.org); found || !p.Contains("Removed the SAML configuration") {
		t.Fatalf("remove: %s", p.Text())
	}
}
