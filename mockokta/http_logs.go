package mockokta

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/scim"
)

// logRoutes serve the System Log (OAPI-LOG-1).
func (s *Server) logRoutes(r *mux.Router) {
	r.HandleFunc("/logs", s.listLogs).Methods(http.MethodGet)
}

// listLogs is GET /api/v1/logs with since, until, filter, q, limit, after
// and sortOrder. The filter grammar is SCIM's (`eventType eq "…" and
// target.id eq "…"`). A polling query (no until, ascending) always carries
// a next link, as Okta's does (OAPI-LOG-1).
func (s *Server) listLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, err := pageParams(r, 100, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	parseTime := func(name string) (time.Time, error) {
		v := q.Get(name)
		if v == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return t, errValidation(name + ": must be an ISO 8601 timestamp")
		}
		return t, nil
	}
	var lq LogQuery
	if lq.Since, err = parseTime("since"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if lq.Until, err = parseTime("until"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if f := strings.TrimSpace(q.Get("filter")); f != "" {
		if lq.Filter, err = scim.ParseFilterExpression(f); err != nil {
			s.writeError(w, r, &Error{Status: http.StatusBadRequest, Code: "E0000031", Summary: "Invalid search criteria.", Causes: []string{err.Error()}})
			return
		}
	}
	lq.Descending = strings.EqualFold(q.Get("sortOrder"), "DESCENDING")
	lq.Text = q.Get("q")
	matched := s.Model.Logs(orgOf(r), lq)
	ids := make([]string, len(matched))
	byID := map[string]LogEvent{}
	for i, e := range matched {
		ids[i] = e.UUID
		byID[e.UUID] = e
	}
	page := paginate(w, r, ids, p)
	if q.Get("until") == "" && !lq.Descending && len(w.Header().Values("Link")) == 1 {
		next := *r.URL
		nq := next.Query()
		if len(page) > 0 {
			nq.Set("after", page[len(page)-1])
		}
		nq.Set("limit", strconv.Itoa(p.Limit))
		next.RawQuery = nq.Encode()
		w.Header().Add("Link", fmt.Sprintf(`<%s%s>; rel="next"`, baseURL(r), next.RequestURI()))
	}
	out := make([]LogEvent, 0, len(page))
	for _, id := range page {
		out = append(out, byID[id])
	}
	writeJSON(w, http.StatusOK, out)
}
