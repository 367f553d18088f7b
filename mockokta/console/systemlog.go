package console

import (
	"math"
	"net/http"
	"strings"

	"github.com/gorilla/mux"
	filter "github.com/scim2/filter-parser/v2"

	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockokta"
)

// Reports > System Log: the org's events, newest first, searched by words
// (q) or by an expression in the System Log API's filter grammar
// (OAPI-LOG-1); the same query the API runs.

func (c *Console) systemLogRoutes(r *mux.Router) {
	r.HandleFunc("/reports/system-log", c.systemLog).Methods(http.MethodGet)
}

type logRow struct {
	mockokta.LogEvent
	Targets string
}

type systemLogData struct {
	Q, Filter string
	Events    []logRow
	Pager     ui.Pager
}

func (c *Console) systemLog(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	d := systemLogData{Q: ui.Search(r), Filter: strings.TrimSpace(r.URL.Query().Get("filter"))}
	q := mockokta.LogQuery{Text: d.Q, Descending: true}
	if d.Filter != "" {
		var expr filter.Expression
		expr, err := scim.ParseFilterExpression(d.Filter)
		if err != nil {
			c.ui.Fail(w, r, http.StatusBadRequest, ui.Problem{Title: "Invalid search", Summary: "Invalid search criteria.",
				Code: "E0000031", Causes: []string{err.Error()}, Back: "/reports/system-log"})
			return
		}
		q.Filter = expr
	}
	// One pass reads the page asked for and counts the matches; a page
	// past the end takes a second pass for the last page.
	asked, err := ui.Paging(r, math.MaxInt32, 0)
	if err != nil {
		c.fail(w, r, "System Log", "/reports/system-log", err)
		return
	}
	events, total := c.m.LogPage(o, q, asked.Start, asked.Size)
	d.Pager, _ = ui.Paging(r, total, 0)
	if d.Pager.Start != asked.Start {
		events, _ = c.m.LogPage(o, q, d.Pager.Start, d.Pager.Size)
	}
	for _, e := range events {
		var ts []string
		for _, t := range e.Target {
			name := t.DisplayName
			if name == "" {
				name = t.AlternateID
			}
			ts = append(ts, name+" ("+t.Type+")")
		}
		d.Events = append(d.Events, logRow{LogEvent: e, Targets: strings.Join(ts, ", ")})
	}
	c.ui.Render(w, r, http.StatusOK, "systemlog.html", ui.Page{Title: "System Log", Section: "System Log", Data: d})
}
