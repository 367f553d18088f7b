package console

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockatlassian"
)

// Directory > User provisioning: the organization's SCIM directories,
// Create a token (a new directory, whose base URL and API key are shown
// once), Regenerate API key, a directory's synced users and groups, and
// Add a site (guide Step 1). The same model methods as POST
// /_sim/orgs/{org}/directories, /_sim/directories/{dir}/key and
// /_sim/orgs/{org}/sites.

func (c *Console) provisioningRoutes(r *mux.Router) {
	r.HandleFunc("/directory/user-provisioning", c.provisioning).Methods(http.MethodGet)
	r.HandleFunc("/directory/user-provisioning", c.createDirectory).Methods(http.MethodPost)
	r.HandleFunc("/directory/user-provisioning/create", c.newDirectory).Methods(http.MethodGet)
	r.HandleFunc("/directory/user-provisioning/{dir}", c.directory).Methods(http.MethodGet)
	r.HandleFunc("/directory/user-provisioning/{dir}/regenerate", c.regenerateKey).Methods(http.MethodPost)
	r.HandleFunc("/sites/add", c.newSite).Methods(http.MethodGet)
	r.HandleFunc("/sites", c.addSite).Methods(http.MethodPost)
}

type provisioningData struct {
	Org mockatlassian.OrgView
}

func (c *Console) provisioning(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	c.ui.Render(w, r, http.StatusOK, "provisioning.html", ui.Page{Title: "User provisioning", Section: "User provisioning",
		Tabs: directoryTabs, Tab: "User provisioning", Data: provisioningData{Org: o}})
}

type directoryForm struct {
	Name    string
	Problem *ui.Problem
}

func (c *Console) newDirectory(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.org(w, r); ok {
		c.ui.Render(w, r, http.StatusOK, "directory-new.html", ui.Page{Title: "Create a token", Section: "User provisioning",
			Data: directoryForm{}})
	}
}

// keyShown is the page that shows a directory's base URL and API key,
// once: after Create and after Regenerate API key.
type keyShown struct {
	Directory mockatlassian.DirectoryView
	BaseURL   string
	APIKey    string
	New       bool // created now (else regenerated)
}

// createDirectory is Create: a directory named as entered; the page that
// answers is the only one that ever shows its key. It is rendered, not
// redirected to, so the key never sits in a cookie or a URL.
func (c *Console) createDirectory(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	f := directoryForm{Name: trim(r.PostFormValue("name"))}
	if f.Name == "" {
		f.Problem = &ui.Problem{Title: "Directory not created", Summary: "Enter a name to identify the user directory, for example Okta users."}
		c.ui.Render(w, r, http.StatusBadRequest, "directory-new.html", ui.Page{Title: "Create a token", Section: "User provisioning", Data: f})
		return
	}
	d, err := c.m.CreateDirectory(o.ID, mockatlassian.CreateDirectoryInput{Name: f.Name})
	if err != nil {
		p := problemOf("Directory not created", err)
		f.Problem = &p
		c.ui.Render(w, r, statusOf(err), "directory-new.html", ui.Page{Title: "Create a token", Section: "User provisioning", Data: f})
		return
	}
	c.showKey(w, r, http.StatusCreated, keyShown{Directory: mockatlassian.DirectoryView{ID: d.ID, Name: d.Name},
		BaseURL: c.scimBaseURL(r, d.ID), APIKey: d.APIKey, New: true})
}

func (c *Console) showKey(w http.ResponseWriter, r *http.Request, status int, k keyShown) {
	title := "Your API key"
	if !k.New {
		title = "Your new API key"
	}
	c.ui.Render(w, r, status, "directory-key.html", ui.Page{Title: title, Section: "User provisioning", Data: k})
}

// regenerateKey is Regenerate API key: a new key, shown once; the old one
// stops working at once (ATL-KEY-1).
func (c *Console) regenerateKey(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	d, err := c.orgDirectory(o, mux.Vars(r)["dir"])
	if err != nil {
		c.fail(w, r, "Directory not found", "/directory/user-provisioning", err)
		return
	}
	key, err := c.m.RegenerateKey(d.ID, "")
	if err != nil {
		c.flagFailure(w, r, "/directory/user-provisioning/"+esc(d.ID), "API key not regenerated", err)
		return
	}
	c.showKey(w, r, http.StatusOK, keyShown{Directory: d, BaseURL: c.scimBaseURL(r, d.ID), APIKey: key})
}

// orgDirectory finds a directory of the organization.
func (c *Console) orgDirectory(o mockatlassian.OrgView, id string) (mockatlassian.DirectoryView, error) {
	for _, d := range o.Directories {
		if d.ID == id {
			return d, nil
		}
	}
	return mockatlassian.DirectoryView{}, missing("Directory not found", "There is no user provisioning directory "+id+" in "+o.Name+".")
}

type directoryData struct {
	Directory mockatlassian.DirectoryView
	BaseURL   string
	Show      string // "users" or "groups"
	Q         string
	Users     []mockatlassian.SyncedUser
	Groups    []mockatlassian.SyncedGroup
	Pager     ui.Pager
}

// directory is a directory's page: its base URL, Regenerate API key, and
// its synced users or groups a page at a time.
func (c *Console) directory(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	const back = "/directory/user-provisioning"
	dv, err := c.orgDirectory(o, mux.Vars(r)["dir"])
	if err != nil {
		c.fail(w, r, "Directory not found", back, err)
		return
	}
	d := directoryData{Directory: dv, BaseURL: c.scimBaseURL(r, dv.ID), Show: r.URL.Query().Get("show"), Q: ui.Search(r)}
	var ids []string
	switch d.Show {
	case "", "users":
		d.Show = "users"
		ids, err = c.m.DirectoryUserIDs(o.ID, dv.ID, d.Q)
	case "groups":
		ids, err = c.m.DirectoryGroupIDs(o.ID, dv.ID, d.Q)
	default:
		c.ui.Fail(w, r, http.StatusBadRequest, ui.Problem{Title: "No such list", Summary: "A directory lists its users or its groups.", Back: back})
		return
	}
	if err != nil {
		c.fail(w, r, dv.Name, back, err)
		return
	}
	if d.Pager, err = ui.Paging(r, len(ids), 0); err != nil {
		c.fail(w, r, dv.Name, back, err)
		return
	}
	page := ui.Slice(d.Pager, ids)
	if d.Show == "users" {
		d.Users, err = c.m.DirectoryUsersByID(o.ID, dv.ID, page)
	} else {
		d.Groups, err = c.m.DirectoryGroupsByID(o.ID, dv.ID, page)
	}
	if err != nil {
		c.fail(w, r, dv.Name, back, err)
		return
	}
	c.ui.Render(w, r, http.StatusOK, "directory.html", ui.Page{Title: dv.Name, Section: "User provisioning", Data: d})
}

// productChoices are the products a site can have, in the order
// Atlassian lists them.
var productChoices = []ui.Option{
	{Value: "jira-software", Label: "Jira Software"},
	{Value: "jira-servicedesk", Label: "Jira Service Management"},
	{Value: "confluence", Label: "Confluence"},
	{Value: "bitbucket", Label: "Bitbucket"},
}

type siteForm struct {
	Name     string
	Products map[string]bool
	Choices  []ui.Option
	Problem  *ui.Problem
}

func (c *Console) newSite(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.org(w, r); ok {
		c.ui.Render(w, r, http.StatusOK, "site-new.html", ui.Page{Title: "Add a site", Section: "Products",
			Data: siteForm{Products: map[string]bool{"jira-software": true}, Choices: productChoices}})
	}
}

// addSite is Add a site: a cloud site with the products chosen, each with
// its default access group.
func (c *Console) addSite(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	f := siteForm{Name: trim(r.PostFormValue("name")), Products: map[string]bool{}, Choices: productChoices}
	in := mockatlassian.AddSiteInput{Name: f.Name}
	for _, p := range productChoices {
		if r.PostFormValue("product-"+p.Value) == "true" {
			f.Products[p.Value] = true
			in.Products = append(in.Products, p.Value)
		}
	}
	s, err := c.m.AddSite(o.ID, in)
	if err != nil {
		p := problemOf("Site not added", err)
		f.Problem = &p
		c.ui.Render(w, r, statusOf(err), "site-new.html", ui.Page{Title: "Add a site", Section: "Products", Data: f})
		return
	}
	c.ui.Redirect(w, r, "/products/"+esc(s.Name)+"/product-access", ui.Success("Added "+s.Name+" to "+o.Name+"."))
}
