package console

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockokta"
)

// The Assignments tab: who has the app, directly or through a group
// (OKTA-ASSIGN-1); Assign > Assign to People / Assign to Groups, each
// with the dialog of default values and Save and Go Back; Unassign.

func (c *Console) assignmentRoutes(r *mux.Router) {
	r.HandleFunc("/apps/{appId}/assignments", c.assignments).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/assign/people", c.assignPeople).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/assign/people/{userId}", c.assignPersonForm).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/assign/people/{userId}", c.assignPerson).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/assign/groups", c.assignGroups).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/assign/groups/{groupId}", c.assignGroupForm).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/assign/groups/{groupId}", c.assignGroup).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/assignments/people/{userId}/unassign", c.unassignPerson).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/assignments/groups/{groupId}/unassign", c.unassignGroup).Methods(http.MethodPost)
}

type assignedPerson struct {
	personRow
	UserName, Type, Status, Sync, ExternalID string
}

type assignedGroup struct {
	ID, Name string
	Priority int
	Profile  []profileAttr
}

type assignmentsData struct {
	People []assignedPerson
	Pager  ui.Pager
	Groups []assignedGroup
}

// assignments lists one page of app users and the assigned groups.
func (c *Console) assignments(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	ids, err := c.m.AppUserIDs(o, a.ID)
	if err != nil {
		c.fail(w, r, "Assignments", "/apps", err)
		return
	}
	var d assignmentsData
	if d.Pager, err = ui.Paging(r, len(ids), 0); err != nil {
		c.fail(w, r, "Assignments", appPath(a, "/assignments"), err)
		return
	}
	page := ui.Slice(d.Pager, ids)
	users := map[string]*mockokta.User{}
	for _, u := range c.m.UsersByID(o, page) {
		users[u.ID] = u
	}
	for _, au := range c.m.AppUsersByID(o, a.ID, page) {
		row := assignedPerson{UserName: au.UserName, Type: "Individual", Status: au.Status, Sync: au.SyncState, ExternalID: au.ExternalID}
		if au.Scope() == "GROUP" {
			row.Type = "Group"
		}
		if u := users[au.UserID]; u != nil {
			row.personRow = personRowOf(u)
		} else {
			row.personRow = personRow{ID: au.UserID, Name: au.UserID}
		}
		d.People = append(d.People, row)
	}
	gids, err := c.m.AppGroupIDs(o, a.ID)
	if err != nil {
		c.fail(w, r, "Assignments", "/apps", err)
		return
	}
	names := map[string]string{}
	for _, g := range c.m.GroupsByID(o, gids) {
		names[g.ID] = g.Name
	}
	for _, ag := range c.m.AppGroupsByID(o, a.ID, gids) {
		g := assignedGroup{ID: ag.GroupID, Name: names[ag.GroupID], Priority: ag.Priority}
		for k, v := range ag.Profile {
			g.Profile = append(g.Profile, profileAttr{k, ui.ShowValue(v)})
		}
		d.Groups = append(d.Groups, g)
	}
	c.appPage(w, r, http.StatusOK, a, "Assignments", "app-assignments.html", d)
}

type pickData struct {
	Q      string
	People []personRow
	Groups []groupRow
	Pager  ui.Pager
}

// assignPeople is Assign to People: the people to choose from, searched
// and paged.
func (c *Console) assignPeople(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	d := pickData{Q: ui.Search(r)}
	ids, err := c.m.ListUserIDs(o, mockokta.UserQuery{Q: d.Q})
	if err == nil {
		d.Pager, err = ui.Paging(r, len(ids), 20)
	}
	if err != nil {
		c.fail(w, r, "Assign to People", appPath(a, "/assignments"), err)
		return
	}
	for _, u := range c.m.UsersByID(o, ui.Slice(d.Pager, ids)) {
		d.People = append(d.People, personRowOf(u))
	}
	c.appPage(w, r, http.StatusOK, a, "Assignments", "assign-people.html", d)
}

type assignPersonData struct {
	Person   personRow
	UserName string
	Problem  *ui.Problem
}

func (c *Console) assignPersonForm(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	u, err := c.m.GetUser(o, mux.Vars(r)["userId"])
	if err != nil {
		c.fail(w, r, "Person not found", appPath(a, "/assign/people"), err)
		return
	}
	c.appPage(w, r, http.StatusOK, a, "Assignments", "assign-person.html", assignPersonData{Person: personRowOf(u)})
}

// assignPerson is Save and Go Back: POST /api/v1/apps/{id}/users.
func (c *Console) assignPerson(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	u, err := c.m.GetUser(o, mux.Vars(r)["userId"])
	if err != nil {
		c.fail(w, r, "Person not found", appPath(a, "/assign/people"), err)
		return
	}
	d := assignPersonData{Person: personRowOf(u), UserName: trim(r.PostFormValue("userName"))}
	in := mockokta.AssignUserInput{ID: u.ID, Scope: "USER"}
	if d.UserName != "" {
		in.Credentials = &struct {
			UserName string `json:"userName"`
		}{d.UserName}
	}
	if _, _, err := c.m.AssignUser(o, a.ID, in); err != nil {
		p := problemOf("Not assigned", err)
		d.Problem = &p
		c.appPage(w, r, statusOf(err), a, "Assignments", "assign-person.html", d)
		return
	}
	c.ui.Redirect(w, r, appPath(a, "/assign/people"), ui.Success("Assigned "+a.Label+" to "+fullName(u)+"."))
}

// assignGroups is Assign to Groups: the groups to choose from.
func (c *Console) assignGroups(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	d := pickData{Q: ui.Search(r)}
	ids, err := c.m.ListGroupIDs(o, mockokta.GroupQuery{Q: d.Q})
	if err == nil {
		d.Pager, err = ui.Paging(r, len(ids), 20)
	}
	if err != nil {
		c.fail(w, r, "Assign to Groups", appPath(a, "/assignments"), err)
		return
	}
	for _, g := range c.m.GroupsByID(o, ui.Slice(d.Pager, ids)) {
		d.Groups = append(d.Groups, groupRow{ID: g.ID, Name: g.Name, Description: g.Description})
	}
	c.appPage(w, r, http.StatusOK, a, "Assignments", "assign-groups.html", d)
}

// groupDefaults are the optional attributes of the default-values dialog:
// the app profile attributes Okta maps from the user's profile.
var groupDefaults = []struct{ Name, Label string }{{"title", "Title"}, {"department", "Department"}}

type assignGroupData struct {
	Group   groupRow
	Values  []ui.Field
	Problem *ui.Problem
}

func defaultFields(values map[string]string) []ui.Field {
	var out []ui.Field
	for _, d := range groupDefaults {
		out = append(out, ui.Field{Label: d.Label, Name: d.Name, ID: "f-" + d.Name, Type: "text", Value: values[d.Name]})
	}
	return out
}

func (c *Console) assignGroupForm(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	g, err := c.m.GetGroup(o, mux.Vars(r)["groupId"])
	if err != nil {
		c.fail(w, r, "Group not found", appPath(a, "/assign/groups"), err)
		return
	}
	c.appPage(w, r, http.StatusOK, a, "Assignments", "assign-group.html",
		assignGroupData{Group: groupRow{ID: g.ID, Name: g.Name}, Values: defaultFields(nil)})
}

// assignGroup is Save and Go Back: PUT /api/v1/apps/{id}/groups/{groupId}
// with the default values given (blank ones are left out).
func (c *Console) assignGroup(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	g, err := c.m.GetGroup(o, mux.Vars(r)["groupId"])
	if err != nil {
		c.fail(w, r, "Group not found", appPath(a, "/assign/groups"), err)
		return
	}
	typed := map[string]string{}
	profile := map[string]any{}
	for _, d := range groupDefaults {
		if v := trim(r.PostFormValue(d.Name)); v != "" {
			typed[d.Name], profile[d.Name] = v, v
		}
	}
	if _, err := c.m.AssignGroup(o, a.ID, g.ID, nil, profile); err != nil {
		p := problemOf("Not assigned", err)
		c.appPage(w, r, statusOf(err), a, "Assignments", "assign-group.html",
			assignGroupData{Group: groupRow{ID: g.ID, Name: g.Name}, Values: defaultFields(typed), Problem: &p})
		return
	}
	c.ui.Redirect(w, r, appPath(a, "/assign/groups"), ui.Success("Assigned "+a.Label+" to the group "+g.Name+"."))
}

// unassignPerson is DELETE /api/v1/apps/{id}/users/{userId}: Okta refuses
// while a group grants the app (OAPI-APP-4).
func (c *Console) unassignPerson(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	u, err := c.m.GetUser(o, mux.Vars(r)["userId"])
	if err == nil {
		err = c.m.UnassignUser(o, a.ID, u.ID)
	}
	if err != nil {
		c.fail(w, r, "Not unassigned", appPath(a, "/assignments"), err)
		return
	}
	c.ui.Redirect(w, r, appPath(a, "/assignments"), ui.Success("Unassigned "+fullName(u)+"."))
}

// unassignGroup is DELETE /api/v1/apps/{id}/groups/{groupId}.
func (c *Console) unassignGroup(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	gid := mux.Vars(r)["groupId"]
	name := gid
	if g, err := c.m.GetGroup(o, gid); err == nil {
		name = g.Name
	}
	if err := c.m.UnassignGroup(o, a.ID, gid); err != nil {
		c.fail(w, r, "Not unassigned", appPath(a, "/assignments"), err)
		return
	}
	c.ui.Redirect(w, r, appPath(a, "/assignments"), ui.Success("Unassigned the group "+name+"."))
}
