// Package console is mockatlassian's admin console under /console/: the
// pages of Atlassian Administration that Atlassian's guide "Configure user
// provisioning with Okta" walks through (Directory > User provisioning,
// Users and Groups; Products and a site's Product access; Security >
// Domains and the audit log), and the Traffic view of the SCIM requests its
// directories served. Every action calls the same model method as the
// control and admin APIs, so the console and the APIs can never differ,
// and what an action changes shows in the organization's audit log.
package console

import (
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockatlassian"
)

//go:embed pages/*.html
var pageFiles embed.FS

// Prefix is where the console lives: not under /admin/, where the
// Organizations REST API's /admin/v1 and /admin/v2 are.
const Prefix = "/console"

// CookiePrefix names the console's cookies; mockokta's console uses its
// own, since browsers share cookies across the ports of one host.
const CookiePrefix = "mockatlassian_console"

// Console is mockatlassian's admin console over one model.
type Console struct {
	m  *mockatlassian.Model
	ui *ui.Console
	// urlFromOkta is where Okta reaches the server (--url-from-okta);
	// "": where this browser does.
	urlFromOkta string
}

// Mount builds the console of a server (mockatlassian.Config.Console).
func Mount(s *mockatlassian.Server, base ui.Config) (httpx.Surface, error) {
	c, err := New(s.Model, s.Journal, base)
	if err != nil {
		return httpx.Surface{}, err
	}
	c.urlFromOkta = s.URLFromOkta()
	return c.Surface(), nil
}

// New builds the console over a model and the server's inbound journal
// (the Traffic view); base carries the server's settings (control token,
// public URL, logger).
func New(m *mockatlassian.Model, j *journal.Journal, base ui.Config) (*Console, error) {
	pages, err := fs.Sub(pageFiles, "pages")
	if err != nil {
		return nil, err
	}
	c := &Console{m: m}
	cfg := base
	cfg.Product = "Atlassian Administration"
	cfg.Prefix = Prefix
	cfg.CookiePrefix = CookiePrefix
	cfg.Pages = pages
	cfg.Funcs = funcs
	cfg.Nav = nav
	cfg.Tenants = c.tenants
	cfg.Traffic = &ui.Traffic{Journal: j, Section: "Traffic", Scope: c.trafficScope, Directories: c.directoryOptions}
	if c.ui, err = ui.New(cfg); err != nil {
		return nil, err
	}
	return c, nil
}

// nav is Atlassian Administration's navigation, as far as the guide needs it.
var nav = []ui.NavItem{
	{Label: "Overview", Path: "/"},
	{Label: "Directory", Children: []ui.NavItem{
		{Label: "Users", Path: "/directory/users"},
		{Label: "Groups", Path: "/directory/groups"},
		{Label: "User provisioning", Path: "/directory/user-provisioning"}}},
	{Label: "Products", Path: "/products"},
	{Label: "Security", Children: []ui.NavItem{
		{Label: "Domains", Path: "/security/domains"},
		{Label: "SAML single sign-on", Path: "/security/saml"},
		{Label: "Audit log", Path: "/security/audit-log"}}},
	{Label: "Traffic", Path: ui.TrafficPath},
}

// directoryTabs are the tabs of the Directory pages: the guide's "click
// Directory and then User provisioning".
var directoryTabs = []ui.NavItem{
	{Label: "Users", Path: "/directory/users"},
	{Label: "Groups", Path: "/directory/groups"},
	{Label: "User provisioning", Path: "/directory/user-provisioning"},
}

// Surface is the console as an HTTP surface of the server.
func (c *Console) Surface() httpx.Surface {
	return c.ui.Surface("admin console", c.routes)
}

func (c *Console) routes(r *mux.Router) {
	r.HandleFunc("/", c.overview).Methods(http.MethodGet)
	c.provisioningRoutes(r)
	c.accountRoutes(r)
	c.groupRoutes(r)
	c.productRoutes(r)
	c.securityRoutes(r)
}

// tenants are the model's organizations.
func (c *Console) tenants() []ui.Tenant {
	var out []ui.Tenant
	for _, id := range c.m.Orgs() {
		if o, err := c.m.Org(id); err == nil {
			out = append(out, ui.Tenant{ID: o.ID, Name: o.Name})
		}
	}
	return out
}

// org is the organization this browser is looking at; with none, the
// page says so.
func (c *Console) org(w http.ResponseWriter, r *http.Request) (mockatlassian.OrgView, bool) {
	if t, ok := c.ui.Tenant(r); ok {
		if o, err := c.m.Org(t.ID); err == nil {
			return o, true
		}
	}
	c.ui.Fail(w, r, http.StatusNotFound, ui.Problem{Title: "No organization",
		Summary: "This mockatlassian has no organization yet. Create one with POST /_sim/orgs, or start it with a boot organization."})
	return mockatlassian.OrgView{}, false
}

func (c *Console) overview(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	c.ui.Render(w, r, http.StatusOK, "overview.html", ui.Page{Title: o.Name, Section: "Overview", Data: o})
}

// trafficScope: SCIM requests to the current organization's directories.
func (c *Console) trafficScope(r *http.Request) func(journal.Entry) bool {
	dirs := map[string]bool{}
	if t, ok := c.ui.Tenant(r); ok {
		if o, err := c.m.Org(t.ID); err == nil {
			for _, d := range o.Directories {
				dirs[d.ID] = true
			}
		}
	}
	return func(e journal.Entry) bool {
		rest, ok := strings.CutPrefix(e.Path, "/scim/directory/")
		if !ok {
			return false
		}
		id, _, _ := strings.Cut(rest, "/")
		if u, err := url.PathUnescape(id); err == nil {
			id = u
		}
		return dirs[id]
	}
}

// directoryOptions are the choices of the Traffic view's directory filter.
func (c *Console) directoryOptions(r *http.Request) []ui.Option {
	t, ok := c.ui.Tenant(r)
	if !ok {
		return nil
	}
	o, err := c.m.Org(t.ID)
	if err != nil {
		return nil
	}
	var out []ui.Option
	for _, d := range o.Directories {
		out = append(out, ui.Option{Value: "/scim/directory/" + d.ID + "/", Label: d.Name})
	}
	return out
}

// problemOf is a model error as Atlassian Administration shows one: an
// error flag with the product's message.
func problemOf(title string, err error) ui.Problem {
	var ae *mockatlassian.AdminError
	if errors.As(err, &ae) {
		return ui.Problem{Title: title, Summary: ae.Detail}
	}
	var p ui.Problem
	if errors.As(err, &p) {
		return p
	}
	se := scim.AsError(err)
	return ui.Problem{Title: title, Summary: se.Detail}
}

// statusOf is the HTTP status of a model error, as the APIs would answer.
func statusOf(err error) int {
	var ae *mockatlassian.AdminError
	if errors.As(err, &ae) {
		switch ae.Kind {
		case mockatlassian.AdminNotFound:
			return http.StatusNotFound
		case mockatlassian.AdminForbidden:
			return http.StatusForbidden
		case mockatlassian.AdminConflict:
			return http.StatusConflict
		}
		return http.StatusBadRequest
	}
	if errors.As(err, new(notFound)) {
		return http.StatusNotFound
	}
	var p ui.Problem
	if errors.As(err, &p) {
		return http.StatusBadRequest
	}
	return scim.AsError(err).Status()
}

// notFound is something the organization does not have (a site, a
// directory), said as a Problem, answered 404.
type notFound struct{ ui.Problem }

func (e notFound) Unwrap() error { return e.Problem }

func missing(title, summary string) error {
	return notFound{ui.Problem{Title: title, Summary: summary}}
}

// fail shows a model error on the error page, with a way back.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, title, back string, err error) {
	p := problemOf(title, err)
	if p.Back == "" {
		p.Back = back
	}
	c.ui.Fail(w, r, statusOf(err), p)
}

// flagFailure sends the browser back to a page with an error flag: how
// Atlassian Administration reports an action it refused.
func (c *Console) flagFailure(w http.ResponseWriter, r *http.Request, back, title string, err error) {
	p := problemOf(title, err)
	c.ui.Redirect(w, r, back, ui.Failure(p.Title+". "+p.Summary))
}

// scimBaseURL is the Directory base URL the console shows for people to
// copy into Okta: the server as Okta reaches it (--url-from-okta, e.g.
// http://mockatlassian:8081 in compose), else as this browser does (the
// public URL). Atlassian's own https://api.atlassian.com would lead a
// simulator's Okta nowhere.
func (c *Console) scimBaseURL(r *http.Request, dirID string) string {
	base := c.urlFromOkta
	if base == "" {
		base = c.ui.BaseURL(r)
	}
	return base + "/scim/directory/" + url.PathEscape(dirID)
}

func trim(s string) string { return strings.TrimSpace(s) }

// esc is a path segment of a console link.
func esc(s string) string { return url.PathEscape(s) }

// funcs are the console's template functions.
var funcs = map[string]any{
	"esc": esc,
	// statusBadge is the badge colour of an account status.
	"statusBadge": func(status string) string {
		switch status {
		case "active":
			return "ok"
		case "deactivated":
			return "bad"
		case "suspended":
			return "warn"
		}
		return ""
	},
}
