package console

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockatlassian"
)

// Directory > Users: the organization's Atlassian accounts, managed or
// not, with their status and product access, a page at a time; an
// account's page with its groups, SCIM links and Suspend access / Restore
// access (the Organizations REST API's suspend-access and restore-access).

func (c *Console) accountRoutes(r *mux.Router) {
	r.HandleFunc("/directory/users", c.accounts).Methods(http.MethodGet)
	r.HandleFunc("/directory/users/{id}", c.account).Methods(http.MethodGet)
	r.HandleFunc("/directory/users/{id}/suspend", c.suspend(true)).Methods(http.MethodPost)
	r.HandleFunc("/directory/users/{id}/restore", c.suspend(false)).Methods(http.MethodPost)
}

var accountStatuses = []ui.Option{
	{Value: "", Label: "Any status"},
	{Value: "active", Label: "Active"},
	{Value: "suspended", Label: "Suspended"},
	{Value: "deactivated", Label: "Deactivated"},
}

type accountsData struct {
	Q, Status string
	Statuses  []ui.Option
	Rows      []mockatlassian.AccountAdminView
	Pager     ui.Pager
}

// accounts lists accounts a page at a time: the search (a part of the
// email or name) and the status filter select ids; only the page's
// accounts are read.
func (c *Console) accounts(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	d := accountsData{Q: ui.Search(r), Status: r.URL.Query().Get("status"), Statuses: accountStatuses}
	if !known(accountStatuses, d.Status) {
		c.ui.Fail(w, r, http.StatusBadRequest, ui.Problem{Title: "Unknown status", Summary: "There is no account status " + d.Status + ".", Back: "/directory/users"})
		return
	}
	ids, err := c.m.AccountIDs(o.ID, mockatlassian.AccountQuery{Text: d.Q, Status: d.Status})
	if err == nil {
		d.Pager, err = ui.Paging(r, len(ids), 0)
	}
	if err == nil {
		d.Rows, err = c.m.AccountsByID(o.ID, ui.Slice(d.Pager, ids))
	}
	if err != nil {
		c.fail(w, r, "Users", "/directory/users", err)
		return
	}
	c.ui.Render(w, r, http.StatusOK, "users.html", ui.Page{Title: "Users", Section: "Users", Tabs: directoryTabs, Tab: "Users", Data: d})
}

func known(opts []ui.Option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

func (c *Console) account(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	a, err := c.m.AdminAccount(o.ID, mux.Vars(r)["id"])
	if err != nil {
		c.fail(w, r, "User not found", "/directory/users", err)
		return
	}
	c.ui.Render(w, r, http.StatusOK, "user.html", ui.Page{Title: a.Name, Section: "Users", Data: a})
}

// suspend is Suspend access (or Restore access): the account keeps its
// groups, but no product grants it anything meanwhile.
func (c *Console) suspend(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, ok := c.org(w, r)
		if !ok {
			return
		}
		id := mux.Vars(r)["id"]
		back := "/directory/users/" + esc(id)
		a, err := c.m.AdminAccount(o.ID, id)
		if err != nil {
			c.fail(w, r, "User not found", "/directory/users", err)
			return
		}
		if err := c.m.SuspendAccess(o.ID, a.ID, on, mockatlassian.AdminActor()); err != nil {
			c.flagFailure(w, r, back, "Access not changed", err)
			return
		}
		done := "Restored access for " + a.Email + "."
		if on {
			done = "Suspended access for " + a.Email + ". They keep their groups, but can use no product until access is restored."
		}
		c.ui.Redirect(w, r, back, ui.Success(done))
	}
}
