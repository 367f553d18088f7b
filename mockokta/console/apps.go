package console

import (
	"net/http"
	"net/url"
	"sort"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockokta"
)

// Applications: the list, the catalog (add the Atlassian Cloud app), and
// an app's tabs. This file holds the list, the catalog and the General
// tab; signon.go, provisioning.go, assignments.go and pushgroups.go the
// others.

func (c *Console) appRoutes(r *mux.Router) {
	c.serviceRoutes(r) // before /apps/{appId}
	r.HandleFunc("/apps", c.apps).Methods(http.MethodGet)
	r.HandleFunc("/apps", c.addApp).Methods(http.MethodPost)
	r.HandleFunc("/apps/catalog", c.catalog).Methods(http.MethodGet)
	r.HandleFunc("/apps/catalog/{name}", c.catalogApp).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}", c.appHome).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/general", c.general).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/general", c.saveGeneral).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/lifecycle/{action}", c.appLifecycle).Methods(http.MethodPost)
	c.signOnRoutes(r)
	c.provisioningRoutes(r)
	c.assignmentRoutes(r)
	c.pushGroupRoutes(r)
}

// appTabs are an app's tabs, in Okta's order.
func appTabs(appID string) []ui.NavItem {
	base := "/apps/" + url.PathEscape(appID)
	return []ui.NavItem{{Label: "General", Path: base + "/general"}, {Label: "Sign On", Path: base + "/signon"},
		{Label: "Provisioning", Path: base + "/provisioning"}, {Label: "Assignments", Path: base + "/assignments"},
		{Label: "Push Groups", Path: base + "/push-groups"}}
}

// appPage renders one tab of an app.
func (c *Console) appPage(w http.ResponseWriter, r *http.Request, status int, a *mockokta.App, tab, page string, data any) {
	c.ui.Render(w, r, status, page, ui.Page{Title: a.Label, Section: "Applications", Tabs: appTabs(a.ID), Tab: tab,
		Data: appData{App: a, Tab: data}})
}

// appData is what every app tab sees: the app, and the tab's own data.
type appData struct {
	App *mockokta.App
	Tab any
}

// app reads the app of the request's path, or shows why it cannot.
func (c *Console) app(w http.ResponseWriter, r *http.Request) (*mockokta.Org, *mockokta.App, bool) {
	o, ok := c.org(w, r)
	if !ok {
		return nil, nil, false
	}
	a, err := c.m.GetApp(o, mux.Vars(r)["appId"])
	if err != nil {
		c.fail(w, r, "Application not found", "/apps", err)
		return nil, nil, false
	}
	return o, a, true
}

func appPath(a *mockokta.App, rest string) string { return "/apps/" + url.PathEscape(a.ID) + rest }

type appsData struct {
	Q    string
	Apps []*mockokta.App
	// Services are the OAuth 2.0 service apps (API Services): client id,
	// registered keys, granted scopes (docs/oauth.md).
	Services []*mockokta.ServiceApp
}

func (c *Console) apps(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	d := appsData{Q: ui.Search(r), Apps: c.m.ListApps(o, ui.Search(r))}
	for _, a := range c.m.ServiceApps(o) {
		if d.Q == "" || containsFold(a.Label, d.Q) {
			d.Services = append(d.Services, a)
		}
	}
	c.ui.Render(w, r, http.StatusOK, "apps.html", ui.Page{Title: "Applications", Section: "Applications", Data: d})
}

type catalogData struct {
	Q    string
	Apps []mockokta.AppTemplate
}

// catalog is Browse App Catalog: the integrations mockokta knows.
func (c *Console) catalog(w http.ResponseWriter, r *http.Request) {
	d := catalogData{Q: ui.Search(r)}
	for _, t := range mockokta.Templates {
		if d.Q == "" || containsFold(t.Label, d.Q) || containsFold(t.Name, d.Q) {
			d.Apps = append(d.Apps, t)
		}
	}
	sort.Slice(d.Apps, func(i, j int) bool { return d.Apps[i].Label < d.Apps[j].Label })
	c.ui.Render(w, r, http.StatusOK, "catalog.html", ui.Page{Title: "Browse App Integration Catalog", Section: "Applications", Data: d})
}

type addAppForm struct {
	Template mockokta.AppTemplate
	Label    string
	Problem  *ui.Problem
}

// catalogApp is an integration's page in the catalog, with Add
// Integration's General Settings (the application label).
func (c *Console) catalogApp(w http.ResponseWriter, r *http.Request) {
	t, ok := mockokta.Templates[mux.Vars(r)["name"]]
	if !ok {
		c.ui.Fail(w, r, http.StatusNotFound, ui.Problem{Title: "Not in the catalog", Summary: "The catalog has no integration " + mux.Vars(r)["name"] + ".", Back: "/apps/catalog"})
		return
	}
	c.ui.Render(w, r, http.StatusOK, "catalog-app.html", ui.Page{Title: "Add " + t.Label, Section: "Applications", Data: addAppForm{Template: t, Label: t.Label}})
}

// addApp is Add Integration, then Done: POST /api/v1/apps?activate=true.
func (c *Console) addApp(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	name := r.PostFormValue("name")
	t, known := mockokta.Templates[name]
	if !known {
		c.ui.Fail(w, r, http.StatusBadRequest, ui.Problem{Title: "Not in the catalog", Summary: "The catalog has no integration " + name + ".", Back: "/apps/catalog"})
		return
	}
	f := addAppForm{Template: t, Label: trim(r.PostFormValue("label"))}
	a, err := c.m.CreateApp(o, mockokta.CreateAppInput{Name: t.Name, Label: f.Label, Activate: true})
	if err != nil {
		p := problemOf("Application not added", err)
		f.Problem = &p
		c.ui.Render(w, r, statusOf(err), "catalog-app.html", ui.Page{Title: "Add " + t.Label, Section: "Applications", Data: f})
		return
	}
	c.ui.Redirect(w, r, appPath(a, "/general"), ui.Success("Added "+a.Label+"."))
}

func (c *Console) appHome(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, c.ui.Path("/apps/"+url.PathEscape(mux.Vars(r)["appId"])+"/general"), http.StatusSeeOther)
}

type generalData struct {
	Label   string
	Problem *ui.Problem
}

func (c *Console) general(w http.ResponseWriter, r *http.Request) {
	if _, a, ok := c.app(w, r); ok {
		c.appPage(w, r, http.StatusOK, a, "General", "app-general.html", generalData{Label: a.Label})
	}
}

// saveGeneral saves App Settings: the label (POST /api/v1/apps/{id}).
func (c *Console) saveGeneral(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	label := trim(r.PostFormValue("label"))
	updated, err := c.m.UpdateApp(o, a.ID, mockokta.UpdateAppInput{Label: &label})
	if err != nil {
		p := problemOf("Settings not saved", err)
		c.appPage(w, r, statusOf(err), a, "General", "app-general.html", generalData{Label: label, Problem: &p})
		return
	}
	c.ui.Redirect(w, r, appPath(updated, "/general"), ui.Success("Saved the settings of "+updated.Label+"."))
}

// appLifecycle activates or deactivates the app
// (POST /api/v1/apps/{id}/lifecycle/activate|deactivate).
func (c *Console) appLifecycle(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	var err error
	var done string
	switch mux.Vars(r)["action"] {
	case "activate":
		err, done = c.m.SetAppStatus(o, a.ID, true), "Activated "+a.Label+"."
	case "deactivate":
		err, done = c.m.SetAppStatus(o, a.ID, false), "Deactivated "+a.Label+"."
	default:
		c.ui.Fail(w, r, http.StatusNotFound, ui.Problem{Title: "Unknown action", Summary: "Applications can be activated or deactivated.", Back: appPath(a, "/general")})
		return
	}
	if err != nil {
		c.fail(w, r, "Action failed", appPath(a, "/general"), err)
		return
	}
	c.ui.Redirect(w, r, appPath(a, "/general"), ui.Success(done))
}
