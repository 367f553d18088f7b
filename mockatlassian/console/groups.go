package console

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockatlassian"
)

// Directory > Groups: the organization's groups, synced from an identity
// provider or made here (local), with their members and the product
// access they give, a page at a time.

func (c *Console) groupRoutes(r *mux.Router) {
	r.HandleFunc("/directory/groups", c.groups).Methods(http.MethodGet)
	r.HandleFunc("/directory/groups/{id}", c.group).Methods(http.MethodGet)
}

var groupSources = []ui.Option{
	{Value: "", Label: "All groups"},
	{Value: mockatlassian.SourceSCIM, Label: "Synced"},
	{Value: mockatlassian.SourceLocal, Label: "Local"},
}

type groupsData struct {
	Q, Source string
	Sources   []ui.Option
	Rows      []mockatlassian.GroupRow
	Pager     ui.Pager
}

func (c *Console) groups(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	d := groupsData{Q: ui.Search(r), Source: r.URL.Query().Get("source"), Sources: groupSources}
	if !known(groupSources, d.Source) {
		c.ui.Fail(w, r, http.StatusBadRequest, ui.Problem{Title: "Unknown group type", Summary: "Groups are synced or local, not " + d.Source + ".", Back: "/directory/groups"})
		return
	}
	ids, err := c.m.GroupIDs(o.ID, mockatlassian.GroupQuery{Text: d.Q, Source: d.Source})
	if err == nil {
		d.Pager, err = ui.Paging(r, len(ids), 0)
	}
	if err == nil {
		d.Rows, err = c.m.GroupsByID(o.ID, ui.Slice(d.Pager, ids))
	}
	if err != nil {
		c.fail(w, r, "Groups", "/directory/groups", err)
		return
	}
	c.ui.Render(w, r, http.StatusOK, "groups.html", ui.Page{Title: "Groups", Section: "Groups", Tabs: directoryTabs, Tab: "Groups", Data: d})
}

type groupData struct {
	Group   mockatlassian.GroupRow
	Members []mockatlassian.AccountAdminView
	Pager   ui.Pager
}

func (c *Console) group(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	const back = "/directory/groups"
	g, err := c.m.GroupByID(o.ID, mux.Vars(r)["id"])
	if err != nil {
		c.fail(w, r, "Group not found", back, err)
		return
	}
	d := groupData{Group: g}
	ids, err := c.m.GroupMemberIDs(o.ID, g.ID)
	if err == nil {
		d.Pager, err = ui.Paging(r, len(ids), 0)
	}
	if err == nil {
		d.Members, err = c.m.AccountsByID(o.ID, ui.Slice(d.Pager, ids))
	}
	if err != nil {
		c.fail(w, r, g.Name, back, err)
		return
	}
	c.ui.Render(w, r, http.StatusOK, "group.html", ui.Page{Title: g.Name, Section: "Groups", Data: d})
}
