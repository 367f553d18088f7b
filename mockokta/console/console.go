// Package console is mockokta's admin console under /admin/: the pages of
// Okta's Admin Console that Atlassian's guide walks through (Directory,
// Applications, Reports, Dashboard), and the Traffic view of the SCIM
// requests the provisioning engine sends. Every action calls the same
// model method as the Management API, so the console and the API can
// never differ, and each shows up in the System Log as an API call does.
package console

import (
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockokta"
)

//go:embed pages/*.html
var pageFiles embed.FS

// Prefix is where the console lives.
const Prefix = "/admin"

// CookiePrefix names the console's cookies; mockatlassian's console uses
// its own, since browsers share cookies across the ports of one host.
const CookiePrefix = "mockokta_console"

// Console is mockokta's admin console over one model.
type Console struct {
	m  *mockokta.Model
	ui *ui.Console
}

// Mount builds the console of a server (mockokta.Config.Console).
func Mount(s *mockokta.Server, base ui.Config) (httpx.Surface, error) {
	c, err := New(s.Model, base)
	if err != nil {
		return httpx.Surface{}, err
	}
	return c.Surface(), nil
}

// New builds the console over a model; base carries the server's
// settings (control token, public URL, logger).
func New(m *mockokta.Model, base ui.Config) (*Console, error) {
	pages, err := fs.Sub(pageFiles, "pages")
	if err != nil {
		return nil, err
	}
	c := &Console{m: m}
	cfg := base
	cfg.Product = "Okta Admin Console"
	cfg.Prefix = Prefix
	cfg.CookiePrefix = CookiePrefix
	cfg.Pages = pages
	cfg.Funcs = funcs
	cfg.Nav = nav
	cfg.Tenants = c.tenants
	cfg.Traffic = &ui.Traffic{Journal: m.Journal(), Section: "Traffic", Scope: c.trafficScope, Directories: c.directories}
	if c.ui, err = ui.New(cfg); err != nil {
		return nil, err
	}
	return c, nil
}

// nav is Okta's Admin Console navigation, as far as the guide needs it.
var nav = []ui.NavItem{
	{Label: "Dashboard", Children: []ui.NavItem{{Label: "Tasks", Path: "/tasks"}}},
	{Label: "Directory", Children: []ui.NavItem{{Label: "People", Path: "/users"}, {Label: "Groups", Path: "/groups"}}},
	{Label: "Applications", Children: []ui.NavItem{{Label: "Applications", Path: "/apps"}}},
	{Label: "Reports", Children: []ui.NavItem{{Label: "System Log", Path: "/reports/system-log"}}},
	{Label: "Traffic", Path: ui.TrafficPath},
}

// Surface is the console as an HTTP surface of the server.
func (c *Console) Surface() httpx.Surface {
	return c.ui.Surface("admin console", c.routes)
}

func (c *Console) routes(r *mux.Router) {
	r.HandleFunc("/", c.home).Methods(http.MethodGet)
	c.peopleRoutes(r)
	c.groupRoutes(r)
	c.appRoutes(r)
	c.taskRoutes(r)
	c.systemLogRoutes(r)
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, c.ui.Path("/users"), http.StatusSeeOther)
}

// tenants are the model's orgs.
func (c *Console) tenants() []ui.Tenant {
	var out []ui.Tenant
	for _, id := range c.m.Orgs() {
		if o, err := c.m.Org(id); err == nil {
			out = append(out, ui.Tenant{ID: o.ID, Name: o.Name})
		}
	}
	return out
}

// org is the org this browser is looking at; with none, the page says so.
func (c *Console) org(w http.ResponseWriter, r *http.Request) (*mockokta.Org, bool) {
	t, ok := c.ui.Tenant(r)
	if ok {
		if o, err := c.m.Org(t.ID); err == nil {
			return o, true
		}
	}
	c.ui.Fail(w, r, http.StatusNotFound, ui.Problem{Title: "No org",
		Summary: "This mockokta has no org yet. Create one with POST /_sim/orgs or start it with a boot org."})
	return nil, false
}

// trafficScope: the current org's outbound SCIM requests.
func (c *Console) trafficScope(r *http.Request) func(journal.Entry) bool {
	t, _ := c.ui.Tenant(r)
	return func(e journal.Entry) bool { return e.Tenant == t.ID }
}

// directories are the SCIM base URLs the current org's apps send to.
func (c *Console) directories(r *http.Request) []ui.Option {
	t, ok := c.ui.Tenant(r)
	if !ok {
		return nil
	}
	o, err := c.m.Org(t.ID)
	if err != nil {
		return nil
	}
	var out []ui.Option
	seen := map[string]bool{}
	for _, a := range c.m.Apps(o) {
		if base := a.Connection.BaseURL; base != "" && !seen[base] {
			seen[base] = true
			out = append(out, ui.Option{Value: base + "/", Label: a.Label + " — " + base})
		}
	}
	return out
}

// fail shows a model error as Okta's console does: its error summary and
// causes, with the E-code.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, title, back string, err error) {
	var oe *mockokta.Error
	if errors.As(err, &oe) {
		c.ui.Fail(w, r, oe.Status, ui.Problem{Title: title, Summary: oe.Summary, Code: oe.Code, Causes: oe.Causes, Back: back})
		return
	}
	var p ui.Problem
	if errors.As(err, &p) {
		if p.Back == "" {
			p.Back = back
		}
		c.ui.Fail(w, r, http.StatusBadRequest, p)
		return
	}
	c.ui.Fail(w, r, http.StatusInternalServerError, ui.Problem{Title: title, Summary: err.Error(), Back: back})
}

// problemOf is a model error as a Problem for an inline message.
func problemOf(title string, err error) ui.Problem {
	var oe *mockokta.Error
	if errors.As(err, &oe) {
		return ui.Problem{Title: title, Summary: oe.Summary, Code: oe.Code, Causes: oe.Causes}
	}
	return ui.Problem{Title: title, Summary: err.Error()}
}

func trim(s string) string { return strings.TrimSpace(s) }

// statusOf is the HTTP status of a model error, as the API would answer.
func statusOf(err error) int {
	var oe *mockokta.Error
	if errors.As(err, &oe) && oe.Status >= 400 {
		return oe.Status
	}
	return http.StatusBadRequest
}

// funcs are the console's template functions: the badge colour of a
// user's status, and of an app's, an assignment's or a push's state.
var funcs = map[string]any{
	"formatLabel": formatLabel,
	"pushStatusLabel": func(status string) string {
		switch status {
		case mockokta.PushActive:
			return "Active"
		case mockokta.PushInactive:
			return "Inactive"
		case mockokta.PushError:
			return "Error"
		}
		return status
	},
	"tokenHint": func(saved bool) string {
		if saved {
			return "Leave blank to keep the saved token."
		}
		return "The API key from Atlassian Administration (sent as Authorization: Bearer <key>)."
	},
	"statusBadge": func(status string) string {
		switch status {
		case mockokta.StatusActive:
			return "ok"
		case mockokta.StatusDeprovisioned, mockokta.StatusSuspended, mockokta.StatusLockedOut:
			return "bad"
		case mockokta.StatusStaged, mockokta.StatusProvisioned, mockokta.StatusPasswordExpired, mockokta.StatusRecovery:
			return "warn"
		}
		return ""
	},
	"stateBadge": func(state string) string {
		switch state {
		case mockokta.AppActive, mockokta.SyncSynchronized, mockokta.AppUserProvisioned:
			return "ok"
		case mockokta.PushError, mockokta.AppUserDeprovisioned, mockokta.AppInactive:
			return "bad"
		case mockokta.SyncSyncing, mockokta.SyncOutOfSync, mockokta.AppUserStaged:
			return "warn"
		}
		return ""
	},
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
