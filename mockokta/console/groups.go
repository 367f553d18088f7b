package console

import (
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockokta"
)

// Directory > Groups: the list (search, paging), Add group, and a group's
// members (paged), with Assign people and Remove. Each action is the
// Groups API's model method.

func (c *Console) groupRoutes(r *mux.Router) {
	r.HandleFunc("/groups", c.groups).Methods(http.MethodGet)
	r.HandleFunc("/groups", c.addGroup).Methods(http.MethodPost)
	r.HandleFunc("/groups/new", c.newGroup).Methods(http.MethodGet)
	r.HandleFunc("/groups/{groupId}", c.group).Methods(http.MethodGet)
	r.HandleFunc("/groups/{groupId}/members", c.addMember).Methods(http.MethodPost)
	r.HandleFunc("/groups/{groupId}/members/{userId}/remove", c.removeMember).Methods(http.MethodPost)
}

type groupRow struct {
	ID, Name, Description string
	People                int
}

type groupsData struct {
	Q     string
	Rows  []groupRow
	Pager ui.Pager
}

func (c *Console) groups(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	d := groupsData{Q: ui.Search(r)}
	ids, err := c.m.ListGroupIDs(o, mockokta.GroupQuery{Q: d.Q})
	if err != nil {
		c.fail(w, r, "Groups", "/groups", err)
		return
	}
	if d.Pager, err = ui.Paging(r, len(ids), 0); err != nil {
		c.fail(w, r, "Groups", "/groups", err)
		return
	}
	for _, g := range c.m.GroupsByID(o, ui.Slice(d.Pager, ids)) {
		members, _ := c.m.GroupMemberIDs(o, g.ID)
		d.Rows = append(d.Rows, groupRow{ID: g.ID, Name: g.Name, Description: g.Description, People: len(members)})
	}
	c.ui.Render(w, r, http.StatusOK, "groups.html", ui.Page{Title: "Groups", Section: "Groups", Data: d})
}

type groupForm struct {
	Name, Description string
	Problem           *ui.Problem
}

func (c *Console) newGroup(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.org(w, r); ok {
		c.ui.Render(w, r, http.StatusOK, "group-new.html", ui.Page{Title: "Add group", Section: "Groups", Data: groupForm{}})
	}
}

// addGroup is POST /api/v1/groups.
func (c *Console) addGroup(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	f := groupForm{Name: trim(r.PostFormValue("name")), Description: trim(r.PostFormValue("description"))}
	g, err := c.m.CreateGroup(o, mockokta.GroupProfileInput{Name: &f.Name, Description: &f.Description})
	if err != nil {
		p := problemOf("Group not added", err)
		f.Problem = &p
		c.ui.Render(w, r, statusOf(err), "group-new.html", ui.Page{Title: "Add group", Section: "Groups", Data: f})
		return
	}
	c.ui.Redirect(w, r, "/groups/"+url.PathEscape(g.ID), ui.Success("Added the group "+g.Name+"."))
}

type groupData struct {
	Group   *mockokta.Group
	Q       string
	Members []personRow
	Pager   ui.Pager
	Total   int
	Person  string
	Problem *ui.Problem
}

func (c *Console) group(w http.ResponseWriter, r *http.Request) {
	c.renderGroup(w, r, http.StatusOK, "", nil)
}

// renderGroup shows a group and one page of its members; the search
// narrows the members to those whose name, email or username starts with
// it (Okta's q).
func (c *Console) renderGroup(w http.ResponseWriter, r *http.Request, status int, person string, problem *ui.Problem) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	g, err := c.m.GetGroup(o, mux.Vars(r)["groupId"])
	if err != nil {
		c.fail(w, r, "Group not found", "/groups", err)
		return
	}
	ids, err := c.m.GroupMemberIDs(o, g.ID)
	if err != nil {
		c.fail(w, r, "Group not found", "/groups", err)
		return
	}
	d := groupData{Group: g, Q: ui.Search(r), Total: len(ids), Person: person, Problem: problem}
	if d.Q != "" {
		hits, err := c.m.ListUserIDs(o, mockokta.UserQuery{Q: d.Q})
		if err != nil {
			c.fail(w, r, "Group", "/groups", err)
			return
		}
		in := make(map[string]bool, len(ids))
		for _, id := range ids {
			in[id] = true
		}
		ids = ids[:0:0]
		for _, id := range hits {
			if in[id] {
				ids = append(ids, id)
			}
		}
	}
	if d.Pager, err = ui.Paging(r, len(ids), 0); err != nil {
		c.fail(w, r, "Group", "/groups/"+g.ID, err)
		return
	}
	for _, u := range c.m.UsersByID(o, ui.Slice(d.Pager, ids)) {
		d.Members = append(d.Members, personRowOf(u))
	}
	c.ui.Render(w, r, status, "group.html", ui.Page{Title: g.Name, Section: "Groups", Data: d})
}

// addMember is Assign people: PUT /api/v1/groups/{id}/users/{userId}, the
// person named by username, email prefix or id as the Users API finds
// them.
func (c *Console) addMember(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	gid := mux.Vars(r)["groupId"]
	person := trim(r.PostFormValue("person"))
	if person == "" {
		c.renderGroup(w, r, http.StatusBadRequest, person, &ui.Problem{Title: "Person not added", Summary: "Enter the person's username."})
		return
	}
	u, err := c.m.GetUser(o, person)
	if err == nil {
		err = c.m.AddGroupMember(o, gid, u.ID)
	}
	if err != nil {
		if _, gone := c.m.GetGroup(o, gid); gone != nil {
			c.fail(w, r, "Group not found", "/groups", gone)
			return
		}
		p := problemOf("Person not added", err)
		c.renderGroup(w, r, statusOf(err), person, &p)
		return
	}
	c.ui.Redirect(w, r, "/groups/"+url.PathEscape(gid), ui.Success("Added "+fullName(u)+" to the group."))
}

// removeMember is DELETE /api/v1/groups/{id}/users/{userId}.
func (c *Console) removeMember(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	gid, uid := mux.Vars(r)["groupId"], mux.Vars(r)["userId"]
	back := "/groups/" + url.PathEscape(gid)
	u, err := c.m.GetUser(o, uid)
	if err == nil {
		err = c.m.RemoveGroupMember(o, gid, u.ID)
	}
	if err != nil {
		c.fail(w, r, "Person not removed", back, err)
		return
	}
	c.ui.Redirect(w, r, back, ui.Success("Removed "+fullName(u)+" from the group."))
}
