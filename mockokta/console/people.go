package console

import (
	"net/http"
	"net/url"
	"sort"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockokta"
)

// Directory > People: the list (search, status filter, paging), a
// person's page (status, profile, groups, lifecycle actions), Add person
// and Edit profile. Every action is the Users API's model method.

func (c *Console) peopleRoutes(r *mux.Router) {
	r.HandleFunc("/users", c.people).Methods(http.MethodGet)
	r.HandleFunc("/users", c.addPerson).Methods(http.MethodPost)
	r.HandleFunc("/users/new", c.newPerson).Methods(http.MethodGet)
	r.HandleFunc("/users/{userId}", c.person).Methods(http.MethodGet)
	r.HandleFunc("/users/{userId}/profile", c.editProfile).Methods(http.MethodPost)
	r.HandleFunc("/users/{userId}/lifecycle/{action}", c.lifecycle).Methods(http.MethodPost)
}

// statusLabels are the words Okta's console uses for user statuses.
var statusLabels = map[string]string{
	mockokta.StatusStaged:          "Staged",
	mockokta.StatusProvisioned:     "Pending user action",
	mockokta.StatusActive:          "Active",
	mockokta.StatusRecovery:        "Password reset",
	mockokta.StatusLockedOut:       "Locked out",
	mockokta.StatusPasswordExpired: "Password expired",
	mockokta.StatusSuspended:       "Suspended",
	mockokta.StatusDeprovisioned:   "Deactivated",
}

var statusFilter = []ui.Option{
	{Value: "", Label: "All (deactivated hidden)"},
	{Value: mockokta.StatusActive, Label: "Active"},
	{Value: mockokta.StatusStaged, Label: "Staged"},
	{Value: mockokta.StatusProvisioned, Label: "Pending user action"},
	{Value: mockokta.StatusSuspended, Label: "Suspended"},
	{Value: mockokta.StatusLockedOut, Label: "Locked out"},
	{Value: mockokta.StatusPasswordExpired, Label: "Password expired"},
	{Value: mockokta.StatusDeprovisioned, Label: "Deactivated"},
}

type personRow struct {
	ID, Name, Login, Email, Status, StatusLabel string
}

func personRowOf(u *mockokta.User) personRow {
	return personRow{ID: u.ID, Name: fullName(u), Login: u.Login(), Email: u.Attr("email"),
		Status: u.Status, StatusLabel: statusLabels[u.Status]}
}

func fullName(u *mockokta.User) string {
	n := trim(u.Attr("firstName") + " " + u.Attr("lastName"))
	if n == "" {
		return u.Login()
	}
	return n
}

type peopleData struct {
	Q, Status string
	Statuses  []ui.Option
	Rows      []personRow
	Pager     ui.Pager
}

type addPersonForm struct {
	FirstName, LastName, Login, Email string
	Activate                          bool
	Problem                           *ui.Problem
}

// people lists users a page at a time: the search (a prefix of first
// name, last name, email or username, as Okta's q) and the status filter
// select ids; only the page's users are read.
func (c *Console) people(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	d := peopleData{Q: ui.Search(r), Status: r.URL.Query().Get("status"), Statuses: statusFilter}
	q := mockokta.UserQuery{Q: d.Q}
	if d.Status != "" {
		if _, known := statusLabels[d.Status]; !known {
			c.ui.Fail(w, r, http.StatusBadRequest, ui.Problem{Title: "Unknown status", Summary: "There is no user status " + d.Status + ".", Back: "/users"})
			return
		}
		q.Status = d.Status
	}
	ids, err := c.m.ListUserIDs(o, q)
	if err != nil {
		c.fail(w, r, "People", "/users", err)
		return
	}
	p, err := ui.Paging(r, len(ids), 0)
	if err != nil {
		c.fail(w, r, "People", "/users", err)
		return
	}
	d.Pager = p
	for _, u := range c.m.UsersByID(o, ui.Slice(p, ids)) {
		d.Rows = append(d.Rows, personRowOf(u))
	}
	c.ui.Render(w, r, http.StatusOK, "people.html", ui.Page{Title: "People", Section: "People", Data: d})
}

func (c *Console) newPerson(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.org(w, r); ok {
		c.ui.Render(w, r, http.StatusOK, "person-new.html", ui.Page{Title: "Add person", Section: "People", Data: addPersonForm{Activate: true}})
	}
}

// addPerson is Add person: POST /api/v1/users?activate=….
func (c *Console) addPerson(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	f := addPersonForm{FirstName: trim(r.PostFormValue("firstName")), LastName: trim(r.PostFormValue("lastName")),
		Login: trim(r.PostFormValue("login")), Email: trim(r.PostFormValue("email")), Activate: r.PostFormValue("activate") == "true"}
	profile := map[string]any{"firstName": f.FirstName, "lastName": f.LastName, "login": f.Login, "email": f.Email}
	u, err := c.m.CreateUser(o, mockokta.CreateUserInput{Profile: profile, Activate: f.Activate})
	if err != nil {
		p := problemOf("Person not added", err)
		f.Problem = &p
		c.ui.Render(w, r, statusOf(err), "person-new.html", ui.Page{Title: "Add person", Section: "People", Data: f})
		return
	}
	c.ui.Redirect(w, r, "/users/"+url.PathEscape(u.ID), ui.Success("Added "+fullName(u)+"."))
}

type personData struct {
	User        *mockokta.User
	Name        string
	StatusLabel string
	Profile     []profileAttr
	Groups      []*mockokta.Group
	Actions     []string
	Edit        profileForm
}

type profileAttr struct{ Name, Value string }

type profileForm struct {
	FirstName, LastName, Login, Email string
	Problem                           *ui.Problem
}

func (c *Console) person(w http.ResponseWriter, r *http.Request) {
	c.renderPerson(w, r, http.StatusOK, nil)
}

func (c *Console) renderPerson(w http.ResponseWriter, r *http.Request, status int, edit *profileForm) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	u, err := c.m.GetUser(o, mux.Vars(r)["userId"])
	if err != nil {
		c.fail(w, r, "Person not found", "/users", err)
		return
	}
	groups, err := c.m.UserGroups(o, u.ID)
	if err != nil {
		c.fail(w, r, "Person not found", "/users", err)
		return
	}
	d := personData{User: u, Name: fullName(u), StatusLabel: statusLabels[u.Status], Groups: groups, Actions: lifecycleActions(u.Status),
		Edit: profileForm{FirstName: u.Attr("firstName"), LastName: u.Attr("lastName"), Login: u.Login(), Email: u.Attr("email")}}
	if edit != nil {
		d.Edit = *edit
	}
	for k, v := range u.Profile {
		d.Profile = append(d.Profile, profileAttr{k, ui.ShowValue(v)})
	}
	sort.Slice(d.Profile, func(i, j int) bool { return d.Profile[i].Name < d.Profile[j].Name })
	c.ui.Render(w, r, status, "person.html", ui.Page{Title: d.Name, Section: "People", Data: d})
}

// lifecycleActions are the buttons Okta offers for a status: the
// lifecycle operations the user's _links allow (OAPI-USER-1).
func lifecycleActions(status string) []string {
	switch status {
	case mockokta.StatusStaged:
		return []string{"Activate", "Deactivate"}
	case mockokta.StatusProvisioned, mockokta.StatusRecovery:
		return []string{"Deactivate"}
	case mockokta.StatusActive, mockokta.StatusPasswordExpired:
		return []string{"Suspend", "Deactivate"}
	case mockokta.StatusSuspended:
		return []string{"Unsuspend", "Deactivate"}
	case mockokta.StatusLockedOut:
		return []string{"Unlock", "Deactivate"}
	case mockokta.StatusDeprovisioned:
		return []string{"Activate", "Delete"}
	}
	return nil
}

// lifecycle runs one lifecycle action, the same model method as
// POST /api/v1/users/{id}/lifecycle/{action} (and DELETE for Delete).
func (c *Console) lifecycle(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["userId"]
	u, err := c.m.GetUser(o, id)
	if err != nil {
		c.fail(w, r, "Person not found", "/users", err)
		return
	}
	back := "/users/" + url.PathEscape(u.ID)
	name := fullName(u)
	var done string
	switch action := mux.Vars(r)["action"]; action {
	case "activate":
		_, err = c.m.ActivateUser(o, u.ID)
		done = "Activated " + name + "."
	case "deactivate":
		err = c.m.DeactivateUser(o, u.ID)
		done = "Deactivated " + name + "."
	case "suspend":
		err = c.m.SuspendUser(o, u.ID)
		done = "Suspended " + name + "."
	case "unsuspend":
		err = c.m.UnsuspendUser(o, u.ID)
		done = "Unsuspended " + name + "."
	case "unlock":
		err = c.m.UnlockUser(o, u.ID)
		done = "Unlocked " + name + "."
	case "delete":
		// The console deletes only deactivated people; the API's DELETE
		// on an active user deactivates instead, which a Delete button
		// must not do silently.
		if u.Status != mockokta.StatusDeprovisioned {
			c.ui.Fail(w, r, http.StatusForbidden, ui.Problem{Title: "Person not deleted",
				Summary: "Deactivate " + name + " before deleting them.", Back: back})
			return
		}
		_, err = c.m.DeleteUser(o, u.ID)
		if err == nil {
			c.ui.Redirect(w, r, "/users", ui.Success("Deleted "+name+"."))
			return
		}
	default:
		c.ui.Fail(w, r, http.StatusNotFound, ui.Problem{Title: "Unknown action", Summary: "There is no lifecycle action " + action + ".", Back: back})
		return
	}
	if err != nil {
		c.fail(w, r, "Action failed", back, err)
		return
	}
	c.ui.Redirect(w, r, back, ui.Success(done))
}

// editProfile saves the base profile: POST /api/v1/users/{id} (a partial
// update) with the four attributes the form shows.
func (c *Console) editProfile(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["userId"]
	f := profileForm{FirstName: trim(r.PostFormValue("firstName")), LastName: trim(r.PostFormValue("lastName")),
		Login: trim(r.PostFormValue("login")), Email: trim(r.PostFormValue("email"))}
	profile := map[string]any{"firstName": f.FirstName, "lastName": f.LastName, "login": f.Login, "email": f.Email}
	u, err := c.m.UpdateUser(o, id, mockokta.UpdateUserInput{Profile: profile})
	if err != nil {
		if _, gone := c.m.GetUser(o, id); gone != nil {
			c.fail(w, r, "Person not found", "/users", err)
			return
		}
		p := problemOf("Profile not saved", err)
		f.Problem = &p
		c.renderPerson(w, r, statusOf(err), &f)
		return
	}
	c.ui.Redirect(w, r, "/users/"+url.PathEscape(u.ID), ui.Success("Saved the profile of "+fullName(u)+"."))
}
