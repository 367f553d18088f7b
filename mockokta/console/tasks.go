package console

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockokta"
)

// Dashboard > Tasks: provisioning failures Okta does not retry by itself
// (OKTA-TASK-1). A failed provisioning offers Retry; a failed
// deprovisioning only Mark complete, as in Okta (OKTA-RETRY-2).

func (c *Console) taskRoutes(r *mux.Router) {
	r.HandleFunc("/tasks", c.tasks).Methods(http.MethodGet)
	r.HandleFunc("/tasks/{taskId}/retry", c.retryTask).Methods(http.MethodPost)
	r.HandleFunc("/tasks/{taskId}/resolve", c.resolveTask).Methods(http.MethodPost)
}

type tasksData struct {
	All   bool
	Tasks []mockokta.Task
	Pager ui.Pager
	Open  int
}

// tasks lists open tasks, newest first (?all shows resolved ones too).
func (c *Console) tasks(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	d := tasksData{All: r.URL.Query().Has("all")}
	ts := c.m.Tasks(o, d.All)
	for i, j := 0, len(ts)-1; i < j; i, j = i+1, j-1 {
		ts[i], ts[j] = ts[j], ts[i]
	}
	for _, t := range ts {
		if t.Status == mockokta.TaskOpen {
			d.Open++
		}
	}
	p, err := ui.Paging(r, len(ts), 0)
	if err != nil {
		c.fail(w, r, "Tasks", "/tasks", err)
		return
	}
	d.Pager, d.Tasks = p, ui.Slice(p, ts)
	c.ui.Render(w, r, http.StatusOK, "tasks.html", ui.Page{Title: "Tasks", Section: "Tasks", Data: d})
}

// retryTask is Retry: the task's work runs again on the present state of
// the org; the task closes when it succeeds.
func (c *Console) retryTask(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	if err := c.m.RetryTask(o, mux.Vars(r)["taskId"], false); err != nil {
		c.fail(w, r, "Not retried", "/tasks", err)
		return
	}
	c.ui.Redirect(w, r, "/tasks", ui.Success("Retrying. The task closes once the work succeeds."))
}

// resolveTask is Mark complete: the task closes without retrying.
func (c *Console) resolveTask(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	if err := c.m.ResolveTask(o, mux.Vars(r)["taskId"]); err != nil {
		c.fail(w, r, "Not marked complete", "/tasks", err)
		return
	}
	c.ui.Redirect(w, r, "/tasks", ui.Success("Marked the task complete."))
}
