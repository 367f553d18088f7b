package mockokta

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
	filter "github.com/scim2/filter-parser/v2"

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
	parseTime := func(name string, def time.Time) (time.Time, error) {
		v := q.Get(name)
		if v == "" {
			return def, nil
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return t, errValidation(name + ": must be an ISO 8601 timestamp")
		}
		return t, nil
	}
	now := s.Model.clock.Now()
	since, err := parseTime("since", now.Add(-7*24*time.Hour))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	until, err := parseTime("until", now.Add(time.Hour))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var expr filter.Expression
	if f := strings.TrimSpace(q.Get("filter")); f != "" {
		if expr, err = scim.ParseFilterExpression(f); err != nil {
			s.writeError(w, r, &Error{Status: http.StatusBadRequest, Code: "E0000031", Summary: "Invalid search criteria.", Causes: []string{err.Error()}})
			return
		}
	}
	desc := strings.EqualFold(q.Get("sortOrder"), "DESCENDING")
	text := lower(q.Get("q"))

	o := orgOf(r)
	o.mu.Lock()
	var matched []LogEvent
	for _, e := range o.logs {
		if e.Published.Before(since) || !e.Published.Before(until) {
			continue
		}
		doc := eventDoc(e)
		if expr != nil && !evalLog(expr, doc) {
			continue
		}
		if text != "" && !strings.Contains(lower(fmt.Sprint(doc)), text) {
			continue
		}
		matched = append(matched, e)
	}
	o.mu.Unlock()
	if desc {
		for i, j := 0, len(matched)-1; i < j; i, j = i+1, j-1 {
			matched[i], matched[j] = matched[j], matched[i]
		}
	}
	ids := make([]string, len(matched))
	byID := map[string]LogEvent{}
	for i, e := range matched {
		ids[i] = e.UUID
		byID[e.UUID] = e
	}
	page := paginate(w, r, ids, p)
	if q.Get("until") == "" && !desc && len(w.Header().Values("Link")) == 1 {
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

func eventDoc(e LogEvent) map[string]any {
	b, _ := json.Marshal(e)
	var doc map[string]any
	_ = json.Unmarshal(b, &doc)
	return doc
}

// evalLog evaluates a filter against an event. Paths are dotted
// (outcome.result, target.id); a path through an array matches when any
// element does.
func evalLog(expr filter.Expression, doc map[string]any) bool {
	switch e := expr.(type) {
	case *filter.LogicalExpression:
		if strings.EqualFold(string(e.Operator), "and") {
			return evalLog(e.Left, doc) && evalLog(e.Right, doc)
		}
		return evalLog(e.Left, doc) || evalLog(e.Right, doc)
	case *filter.NotExpression:
		return !evalLog(e.Expression, doc)
	case *filter.AttributeExpression:
		path := e.AttributePath.AttributeName
		if sub := e.AttributePath.SubAttributeName(); sub != "" {
			path += "." + sub
		}
		for _, v := range collect(doc, strings.Split(path, ".")) {
			if compare(v, string(e.Operator), e.CompareValue) {
				return true
			}
		}
	}
	return false
}

func collect(v any, parts []string) []any {
	if len(parts) == 0 {
		return []any{v}
	}
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if strings.EqualFold(k, parts[0]) {
				return collect(val, parts[1:])
			}
		}
	case []any:
		var out []any
		for _, el := range x {
			out = append(out, collect(el, parts)...)
		}
		return out
	}
	return nil
}

func compare(v any, op string, want any) bool {
	s, _ := v.(string)
	w := fmt.Sprint(want)
	switch strings.ToLower(op) {
	case "eq":
		return fmt.Sprint(v) == w
	case "ne":
		return fmt.Sprint(v) != w
	case "co":
		return strings.Contains(lower(s), lower(w))
	case "sw":
		return strings.HasPrefix(lower(s), lower(w))
	case "ew":
		return strings.HasSuffix(lower(s), lower(w))
	case "pr":
		return v != nil && v != ""
	case "gt":
		return s > w
	case "ge":
		return s >= w
	case "lt":
		return s < w
	case "le":
		return s <= w
	}
	return false
}
