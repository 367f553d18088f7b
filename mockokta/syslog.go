package mockokta

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scim2/filter-parser/v2"
)

// LogEvent is a System Log event (OAPI-LOG-1), with the
// fields clients filter on.
type LogEvent struct {
	UUID            string        `json:"uuid"`
	Published       time.Time     `json:"published"`
	EventType       string        `json:"eventType"`
	Version         string        `json:"version"`
	Severity        string        `json:"severity"`
	LegacyEventType string        `json:"legacyEventType,omitempty"`
	DisplayMessage  string        `json:"displayMessage"`
	Actor           LogActor      `json:"actor"`
	Outcome         LogOutcome    `json:"outcome"`
	Target          []LogTarget   `json:"target"`
	Transaction     LogTransacton `json:"transaction"`
	DebugContext    LogDebug      `json:"debugContext"`
}

// LogActor is who acted: the API token's admin, or the provisioning engine.
type LogActor struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	AlternateID string `json:"alternateId"`
	DisplayName string `json:"displayName"`
}

// LogOutcome is SUCCESS or FAILURE with a reason.
type LogOutcome struct {
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`
}

// LogTarget is an object the event is about.
type LogTarget struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	AlternateID string `json:"alternateId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// LogTransacton identifies the request or job behind an event.
type LogTransacton struct {
	Type string `json:"type"` // WEB for API calls, JOB for provisioning
	ID   string `json:"id"`
}

// LogDebug carries free-form details.
type LogDebug struct {
	DebugData map[string]string `json:"debugData"`
}

// Outcomes.
const (
	Success = "SUCCESS"
	Failure = "FAILURE"
)

// apiActor is who API changes are logged as in an org without an
// administrator (one restored from before orgs had one).
var apiActor = LogActor{ID: "00usimadmin0000000001", Type: "User", AlternateID: "admin@provsim.local", DisplayName: "provsim admin"}

var engineActor = LogActor{ID: "0oaprovisioning000001", Type: "PublicClientApp", AlternateID: "Okta Provisioning", DisplayName: "Okta Provisioning"}

// userTarget and the like build targets.
func userTarget(u *User) LogTarget {
	return LogTarget{ID: u.ID, Type: "User", AlternateID: u.Login(), DisplayName: displayName(u)}
}

func groupTarget(g *Group) LogTarget {
	return LogTarget{ID: g.ID, Type: "UserGroup", AlternateID: g.Name, DisplayName: g.Name}
}

func displayName(u *User) string {
	n := u.Attr("firstName")
	if l := u.Attr("lastName"); l != "" {
		if n != "" {
			n += " "
		}
		n += l
	}
	return n
}

// logAPI records an admin action made through the Management API. Caller
// holds o.mu.
func (m *Model) logAPI(o *Org, eventType, message string, targets ...LogTarget) {
	m.appendLog(o, LogEvent{EventType: eventType, DisplayMessage: message, Actor: o.actor(),
		Outcome: LogOutcome{Result: Success}, Target: targets, Transaction: LogTransacton{Type: "WEB", ID: m.ids.Token(20)}})
}

// appendLog stamps and stores an event, dropping the oldest past the bound.
// Caller holds o.mu.
func (m *Model) appendLog(o *Org, e LogEvent) {
	e.UUID = m.ids.UUID()
	e.Published = m.now()
	e.Version = "0"
	if e.Severity == "" {
		e.Severity = "INFO"
		if e.Outcome.Result == Failure {
			e.Severity = "WARN"
		}
	}
	if e.Target == nil {
		e.Target = []LogTarget{}
	}
	if e.DebugContext.DebugData == nil {
		e.DebugContext.DebugData = map[string]string{}
	}
	o.logs = append(o.logs, e)
	o.logSeq++
	o.changes.New(kindLog, seqKey(o.logSeq))
	// Past the bound, drop the oldest tenth at once: copying the log on
	// every event would make each event cost the whole log.
	if len(o.logs) > m.opts.MaxLogEvents {
		keep := m.opts.MaxLogEvents - m.opts.MaxLogEvents/10
		first := o.logSeq - uint64(len(o.logs)) + 1
		for seq := first; seq < first+uint64(len(o.logs)-keep); seq++ {
			o.changes.Put(kindLog, seqKey(seq))
		}
		o.logs = append(o.logs[:0:0], o.logs[len(o.logs)-keep:]...)
	}
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

// LogQuery selects System Log events for GET /api/v1/logs.
type LogQuery struct {
	Since, Until time.Time         // zero: seven days ago, an hour from now
	Filter       filter.Expression // SCIM's grammar: eventType eq "…" and target.id eq "…"; nil: all
	Text         string            // q: words anywhere in the event, any case
	Descending   bool
}

// Logs returns the org's events that match q, oldest first unless
// Descending.
func (m *Model) Logs(o *Org, q LogQuery) []LogEvent {
	match := m.logMatcher(q)
	o.mu.Lock()
	var matched []LogEvent
	for _, e := range o.logs {
		if match(&e) {
			matched = append(matched, e)
		}
	}
	o.mu.Unlock()
	if q.Descending {
		slices.Reverse(matched)
	}
	return matched
}

// LogPage is one page of Logs: the matches from offset on, at most limit
// of them, and how many match in all. Only the page's events are copied,
// so a console page of the newest events does not copy the whole log.
func (m *Model) LogPage(o *Org, q LogQuery, offset, limit int) (page []LogEvent, total int) {
	match := m.logMatcher(q)
	o.mu.Lock()
	defer o.mu.Unlock()
	n := len(o.logs)
	for i := range n {
		e := &o.logs[i]
		if q.Descending {
			e = &o.logs[n-1-i]
		}
		if !match(e) {
			continue
		}
		if total >= offset && len(page) < limit {
			page = append(page, *e)
		}
		total++
	}
	return page, total
}

// logMatcher is q as a test of one event.
func (m *Model) logMatcher(q LogQuery) func(e *LogEvent) bool {
	now := m.clock.Now()
	if q.Since.IsZero() {
		q.Since = now.Add(-7 * 24 * time.Hour)
	}
	if q.Until.IsZero() {
		q.Until = now.Add(time.Hour)
	}
	text := lower(q.Text)
	return func(e *LogEvent) bool {
		if e.Published.Before(q.Since) || !e.Published.Before(q.Until) {
			return false
		}
		// The JSON form is built only for a filter or a search: it costs
		// a marshal and an unmarshal per event, under the org's lock.
		if q.Filter != nil || text != "" {
			doc := eventDoc(*e)
			if q.Filter != nil && !evalLog(q.Filter, doc) {
				return false
			}
			if text != "" && !strings.Contains(lower(fmt.Sprint(doc)), text) {
				return false
			}
		}
		return true
	}
}
