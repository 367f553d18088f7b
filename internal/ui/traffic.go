package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/journal"
)

// The Traffic view: the SCIM requests between Okta and Atlassian, as one
// side's journal recorded them (mockokta's outbound journal, what its
// engine sent; mockatlassian's inbound journal, what its directories
// served), newest first, filterable, and updated live with server-sent
// events as the journal grows.

// TrafficPath is where the Traffic view lives under a console's prefix.
const TrafficPath = "/traffic"

// trafficRows is how many rows the page shows at once, and how many the
// browser keeps while new ones arrive.
const trafficRows = 50

// streamLifetime ends an event stream after a while; the browser
// reconnects at once with Last-Event-ID, so nothing is lost, and a server
// closed with httptest (which waits for open requests) is not held long.
const streamLifetime = 30 * time.Second

// Traffic configures the Traffic view of a console.
type Traffic struct {
	Journal *journal.Journal
	// Scope returns which entries the request may see: the current
	// tenant's SCIM exchanges. Nil: every entry.
	Scope func(r *http.Request) func(journal.Entry) bool
	// Directories are the choices of the directory filter: Value is a part
	// of the request path that names the directory (its SCIM base URL, or
	// "/scim/directory/<id>/"), Label what the console calls it.
	Directories func(r *http.Request) []Option
	// Section is the navigation label to highlight ("Traffic").
	Section string
}

// TrafficFilter is what the Traffic view's filters select; the zero value
// selects everything.
type TrafficFilter struct {
	Directory string // a path fragment, from Traffic.Directories
	User      string // a user's id, userName or email, as sent
	Group     string // a group's id or displayName, as sent
	Status    string // "2xx", "4xx", "5xx", "failed" (no answer or 4xx/5xx), or a code
	Before    uint64 // older than this sequence number (paging back)
}

// ParseTrafficFilter reads the filters of a Traffic URL.
func ParseTrafficFilter(r *http.Request) (TrafficFilter, error) {
	q := r.URL.Query()
	f := TrafficFilter{Directory: q.Get("directory"), User: strings.TrimSpace(q.Get("user")),
		Group: strings.TrimSpace(q.Get("group")), Status: strings.ToLower(strings.TrimSpace(q.Get("status")))}
	switch f.Status {
	case "", "2xx", "3xx", "4xx", "5xx", "failed":
	default:
		if n, err := strconv.Atoi(f.Status); err != nil || n < 0 || n > 599 {
			return f, Problem{Title: "Unknown status filter", Summary: fmt.Sprintf("Status %q: use 2xx, 4xx, 5xx, failed or a code such as 409.", f.Status), Back: TrafficPath}
		}
	}
	if s := q.Get("before"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return f, Problem{Title: "No such page", Summary: fmt.Sprintf("before=%q is not a sequence number.", s), Back: TrafficPath}
		}
		f.Before = n
	}
	return f, nil
}

// Match reports whether the filter selects e.
func (f TrafficFilter) Match(e *journal.Entry) bool {
	if f.Before > 0 && e.Seq >= f.Before {
		return false
	}
	if f.Directory != "" && !strings.Contains(e.Path, f.Directory) {
		return false
	}
	if !f.statusMatches(e.Status) {
		return false
	}
	if f.User != "" && !mentions(e, f.User) {
		return false
	}
	if f.Group != "" && (!strings.Contains(e.Path, "/Groups") || !mentions(e, f.Group)) {
		return false
	}
	return true
}

func (f TrafficFilter) statusMatches(status int) bool {
	switch f.Status {
	case "":
		return true
	case "failed":
		return status == 0 || status >= 400
	case "2xx", "3xx", "4xx", "5xx":
		return status/100 == int(f.Status[0]-'0')
	default:
		n, _ := strconv.Atoi(f.Status)
		return status == n
	}
}

// mentions: the text appears, in any case, in the path, query or either
// body (a user's id in a path, its userName in a body, a member's value in
// a group PATCH).
func mentions(e *journal.Entry, text string) bool {
	t := []byte(text)
	for _, b := range [][]byte{[]byte(e.Path), []byte(e.Query), e.RequestBody, e.ResponseBody} {
		if containsFold(b, t) {
			return true
		}
	}
	return false
}

// containsFold is bytes.Contains ignoring ASCII case, without lowering a
// copy of b: the Traffic filter runs it over every body in the journal.
func containsFold(b, t []byte) bool {
	if len(t) == 0 {
		return true
	}
	first := []byte{lowerASCII(t[0]), upperASCII(t[0])}
	for i := 0; i+len(t) <= len(b); {
		j := bytes.IndexAny(b[i:len(b)-len(t)+1], string(first))
		if j < 0 {
			return false
		}
		i += j
		if bytes.EqualFold(b[i:i+len(t)], t) {
			return true
		}
		i++
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// values are the filter's query parameters, for links and the stream URL.
func (f TrafficFilter) values() []any {
	return []any{"directory", f.Directory, "user", f.User, "group", f.Group, "status", f.Status}
}

// trafficData is what traffic.html shows.
type trafficData struct {
	Filter      TrafficFilter
	Directories []Option
	Statuses    []Option
	Rows        []TrafficRow
	Newest      uint64 // the stream starts after it
	Older       uint64 // "Older" pages back from it; 0: no older rows
	StreamURL   string
	Live        bool // showing the newest rows, so new ones stream in
}

// TrafficRow is one exchange as the view shows it; bodies are redacted.
type TrafficRow struct {
	Seq          uint64
	Time         string
	Direction    string
	Method       string
	Path         string
	Status       int
	Latency      string
	Fault        string
	RequestBody  string
	ResponseBody string
}

func trafficRow(e journal.Entry) TrafficRow {
	p := e.Path
	if e.Query != "" {
		p += "?" + e.Query
	}
	return TrafficRow{Seq: e.Seq, Time: e.Time.UTC().Format("15:04:05.000"), Direction: e.Direction,
		Method: e.Method, Path: p, Status: e.Status, Latency: fmt.Sprintf("%.1f ms", e.DurationMS),
		Fault: e.Fault, RequestBody: ShowJSON(e.RequestBody), ResponseBody: ShowJSON(e.ResponseBody)}
}

// selected are the entries after seq after that the request's scope and
// the filter select, newest first, at most limit of them (0: all); last is
// the newest entry read, selected or not. Only the selected entries are
// copied out of the journal.
func (c *Console) selected(r *http.Request, f TrafficFilter, after uint64, limit int) (out []journal.Entry, last uint64) {
	t := c.cfg.Traffic
	in := func(*journal.Entry) bool { return true }
	if t.Scope != nil {
		scope := t.Scope(r)
		in = func(e *journal.Entry) bool { return scope(*e) }
	}
	last = after
	t.Journal.Newest(after, func(e *journal.Entry) bool {
		last = max(last, e.Seq)
		if in(e) && f.Match(e) {
			out = append(out, *e)
		}
		return limit <= 0 || len(out) < limit
	})
	return out, last
}

func (c *Console) trafficPage(w http.ResponseWriter, r *http.Request) {
	t := c.cfg.Traffic
	f, err := ParseTrafficFilter(r)
	if err != nil {
		c.FailErr(w, r, http.StatusBadRequest, err)
		return
	}
	d := trafficData{Filter: f, Live: f.Before == 0,
		Statuses: []Option{{"", "Any status"}, {"2xx", "2xx success"}, {"4xx", "4xx client error"},
			{"5xx", "5xx server error"}, {"failed", "Failed (4xx, 5xx, no answer)"}}}
	if t.Directories != nil {
		d.Directories = append([]Option{{"", "All directories"}}, t.Directories(r)...)
	}
	entries, newest := c.selected(r, f, 0, trafficRows+1)
	if len(entries) > trafficRows {
		entries = entries[:trafficRows]
		d.Older = entries[len(entries)-1].Seq
	}
	for _, e := range entries {
		d.Rows = append(d.Rows, trafficRow(e))
	}
	// The stream picks up after the newest entry read, matching or not:
	// everything after it is new to this page.
	if f.Before == 0 {
		d.Newest = newest
	}
	d.StreamURL = c.query(TrafficPath+"/events", append(f.values(), "after", d.Newest)...)
	c.Render(w, r, http.StatusOK, "traffic.html", Page{Title: "Traffic", Section: t.Section, Data: d})
}

// trafficEvents streams new matching exchanges as server-sent events, one
// "exchange" event per entry whose data is the row's HTML (rendered by
// the same template as the page), with the entry's sequence number as the
// event id.
func (c *Console) trafficEvents(w http.ResponseWriter, r *http.Request) {
	t := c.cfg.Traffic
	f, err := ParseTrafficFilter(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
	if id, err := strconv.ParseUint(r.Header.Get("Last-Event-ID"), 10, 64); err == nil && id > after {
		after = id
	}
	row := c.pages["traffic.html"]
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 1000\n\n")
	if rc.Flush() != nil {
		return
	}
	ctx := r.Context()
	stopping := httpx.Stopping(ctx)
	end := time.NewTimer(streamLifetime)
	defer end.Stop()
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	var buf bytes.Buffer
	for {
		changed := t.Journal.Changed()
		news, last := c.selected(r, f, after, 0)
		moved := last != after
		after = last
		slices.Reverse(news) // oldest first: the browser puts each on top
		for _, e := range news {
			buf.Reset()
			if err := row.ExecuteTemplate(&buf, "traffic-row", trafficRow(e)); err != nil {
				c.log.Error("console: traffic row", "err", err)
				return
			}
			fmt.Fprintf(w, "id: %d\nevent: exchange\n", e.Seq)
			for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
				fmt.Fprintf(w, "data: %s\n", line)
			}
			fmt.Fprint(w, "\n")
		}
		if moved {
			// The id of the last entry read, so a reconnect resumes there
			// even when it did not match.
			fmt.Fprintf(w, "id: %d\n\n", after)
		}
		if rc.Flush() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-stopping:
			return
		case <-end.C:
			return
		case <-ping.C:
			fmt.Fprint(w, ": still here\n\n")
		case <-changed:
		}
	}
}

// secretKey matches JSON member names whose values are secrets: a SCIM
// user's password, a token or key echoed in a body.
var secretKey = regexp.MustCompile(`(?i)password|secret|token|api[-_]?key|authorization|credential`)

// ShowJSON indents a JSON body for a <pre>, with the value of every
// member whose name says it is a secret replaced by "[redacted]". A body
// that is not JSON is shown as it is (a JSON string: its text).
func ShowJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return string(raw)
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.MarshalIndent(redact(v), "", "  ")
	if err != nil {
		return string(raw)
	}
	return string(b)
}

func redact(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if secretKey.MatchString(k) {
				if _, isBool := val.(bool); !isBool && val != nil {
					t[k] = "[redacted]"
					continue
				}
			}
			t[k] = redact(val)
		}
	case []any:
		for i := range t {
			t[i] = redact(t[i])
		}
	}
	return v
}
