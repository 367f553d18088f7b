package console

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockatlassian"
)

// Products and a site's Product access (guide Step 6): per product, the
// groups that give access to it, Add group / Add groups with a success
// flag, removing a group, making a group a default group (refused for a
// synced group, as the guide warns: ATL-PRODUCT-3), and adding a product
// to the site. The same model methods as PUT/DELETE
// /_sim/orgs/{org}/sites/{site}/products/{product}/groups/{group} and
// /_sim/orgs/{org}/groups/{group}/default.

func (c *Console) productRoutes(r *mux.Router) {
	r.HandleFunc("/products", c.products).Methods(http.MethodGet)
	r.HandleFunc("/products/{site}/product-access", c.productAccess).Methods(http.MethodGet)
	r.HandleFunc("/products/{site}/products", c.addProduct).Methods(http.MethodPost)
	r.HandleFunc("/products/{site}/product-access/{product}/add-group", c.addGroupForm).Methods(http.MethodGet)
	r.HandleFunc("/products/{site}/product-access/{product}/groups", c.addGroups).Methods(http.MethodPost)
	r.HandleFunc("/products/{site}/product-access/{product}/groups/{group}/remove", c.removeGroup).Methods(http.MethodPost)
	r.HandleFunc("/products/{site}/product-access/{product}/groups/{group}/default", c.defaultGroup).Methods(http.MethodPost)
}

func (c *Console) products(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	c.ui.Render(w, r, http.StatusOK, "products.html", ui.Page{Title: "Products", Section: "Products", Data: o})
}

// accessProduct is one product's section of a site's Product access.
type accessProduct struct {
	mockatlassian.ProductView
	Groups []mockatlassian.GroupRow
}

type productAccessData struct {
	Site     mockatlassian.SiteView
	Products []accessProduct
	Missing  []ui.Option // products the site does not have yet
}

// site finds a site of the organization by name or id.
func site(o mockatlassian.OrgView, idOrName string) (mockatlassian.SiteView, error) {
	for _, s := range o.Sites {
		if s.ID == idOrName || strings.EqualFold(s.Name, idOrName) {
			return s, nil
		}
	}
	return mockatlassian.SiteView{}, missing("Site not found", "There is no site "+idOrName+" in "+o.Name+".")
}

func (c *Console) productAccess(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	s, err := site(o, mux.Vars(r)["site"])
	if err != nil {
		c.fail(w, r, "Site not found", "/products", err)
		return
	}
	d := productAccessData{Site: s}
	has := map[string]bool{}
	for _, p := range s.Products {
		has[p.Key] = true
		ap := accessProduct{ProductView: p}
		for _, name := range p.AccessGroups {
			if g, err := c.m.GroupByID(o.ID, name); err == nil {
				ap.Groups = append(ap.Groups, g)
			}
		}
		d.Products = append(d.Products, ap)
	}
	for _, p := range productChoices {
		if !has[p.Value] {
			d.Missing = append(d.Missing, p)
		}
	}
	c.ui.Render(w, r, http.StatusOK, "product-access.html", ui.Page{Title: "Product access", Section: "Products", Data: d})
}

// accessPath is a site's Product access page.
func accessPath(siteName string) string { return "/products/" + esc(siteName) + "/product-access" }

// addProduct adds a product to the site, with its default access group.
func (c *Console) addProduct(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	name := mux.Vars(r)["site"]
	key := r.PostFormValue("product")
	s, err := c.m.AddProduct(o.ID, name, key)
	if err != nil {
		c.flagFailure(w, r, accessPath(name), "Product not added", err)
		return
	}
	c.ui.Redirect(w, r, accessPath(s.Name), ui.Success("Added "+productName(s, key)+" to "+s.Name+"."))
}

func productName(s mockatlassian.SiteView, key string) string {
	for _, p := range s.Products {
		if p.Key == key {
			return p.Name
		}
	}
	return key
}

type addGroupData struct {
	Site    mockatlassian.SiteView
	Product mockatlassian.ProductView
	Group   string
	Synced  []mockatlassian.GroupRow // suggestions: the synchronized groups
	Problem *ui.Problem
}

// addGroupForm is Add group: "select or enter the name of the
// synchronized group", then Add groups.
func (c *Console) addGroupForm(w http.ResponseWriter, r *http.Request) {
	c.renderAddGroup(w, r, http.StatusOK, "", nil)
}

// maxSuggestions bounds the synchronized groups the Add group page lists.
const maxSuggestions = 50

func (c *Console) renderAddGroup(w http.ResponseWriter, r *http.Request, status int, group string, problem *ui.Problem) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	s, err := site(o, mux.Vars(r)["site"])
	if err != nil {
		c.fail(w, r, "Site not found", "/products", err)
		return
	}
	d := addGroupData{Site: s, Group: group, Problem: problem}
	key := mux.Vars(r)["product"]
	found := false
	for _, p := range s.Products {
		if p.Key == key {
			d.Product, found = p, true
		}
	}
	if !found {
		c.ui.Fail(w, r, http.StatusNotFound, ui.Problem{Title: "Product not found", Summary: key + " is not on " + s.Name + ".", Back: accessPath(s.Name)})
		return
	}
	ids, err := c.m.GroupIDs(o.ID, mockatlassian.GroupQuery{Source: mockatlassian.SourceSCIM})
	if err == nil {
		d.Synced, err = c.m.GroupsByID(o.ID, ids[:min(len(ids), maxSuggestions)])
	}
	if err != nil {
		c.fail(w, r, "Add group", accessPath(s.Name), err)
		return
	}
	c.ui.Render(w, r, status, "add-group.html", ui.Page{Title: "Add group to " + d.Product.Name, Section: "Products", Data: d})
}

// addGroups is Add groups: the group gets the product; the success flag
// confirms it (guide Step 6).
func (c *Console) addGroups(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	v := mux.Vars(r)
	group := trim(r.PostFormValue("group"))
	if group == "" {
		c.renderAddGroup(w, r, http.StatusBadRequest, group, &ui.Problem{Title: "No group", Summary: "Select or enter the name of a group."})
		return
	}
	s, err := c.m.GrantAccess(o.ID, v["site"], v["product"], group, true)
	if err != nil {
		p := problemOf("Group not added", err)
		c.renderAddGroup(w, r, statusOf(err), group, &p)
		return
	}
	c.ui.Redirect(w, r, accessPath(s.Name), ui.Success("Added "+group+" to "+productName(s, v["product"])+
		". Members of the group now have access to "+productName(s, v["product"])+" on "+s.Name+"."))
}

// removeGroup takes a product away from a group.
func (c *Console) removeGroup(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	v := mux.Vars(r)
	s, err := c.m.GrantAccess(o.ID, v["site"], v["product"], v["group"], false)
	if err != nil {
		c.flagFailure(w, r, accessPath(v["site"]), "Group not removed", err)
		return
	}
	c.ui.Redirect(w, r, accessPath(s.Name), ui.Success("Removed "+v["group"]+" from "+productName(s, v["product"])+"."))
}

// defaultGroup makes a group a default group (one every new user of the
// product joins), or not. A synced group is refused: "Do not make a synced
// group from your identity provider a default group."
func (c *Console) defaultGroup(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	v := mux.Vars(r)
	on := r.PostFormValue("default") == "true"
	g, err := c.m.SetDefaultGroup(o.ID, v["group"], on)
	if err != nil {
		c.flagFailure(w, r, accessPath(v["site"]), "Default group not changed", err)
		return
	}
	done := g.Name + " is no longer a default group."
	if on {
		done = g.Name + " is now a default group."
	}
	c.ui.Redirect(w, r, accessPath(v["site"]), ui.Success(done))
}
