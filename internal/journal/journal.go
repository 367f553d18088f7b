// Package journal is the bounded request journal both simulators keep, and
// the HTTP middleware that fills it.
package journal

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/provsim/provsim/internal/clock"
)

// JournalEntry is one request a simulator served (or, for mockokta, sent).
type Entry struct {
	Seq          uint64          `json:"seq"`
	Time         time.Time       `json:"time"`
	Tenant       string          `json:"tenant,omitempty"`
	Direction    string          `json:"direction,omitempty"`
	Method       string          `json:"method"`
	Path         string          `json:"path"`
	Query        string          `json:"query,omitempty"`
	Auth         string          `json:"auth,omitempty"`
	Status       int             `json:"status"`
	DurationMS   float64         `json:"durationMs"`
	RequestBody  json.RawMessage `json:"requestBody,omitempty"`
	ResponseBody json.RawMessage `json:"responseBody,omitempty"`
	Fault        string          `json:"fault,omitempty"` // the injected fault, e.g. "f1 429 Retry-After 7"

	// settled: the bodies are known to be JSON (settle). Append keeps
	// them as sent and readers settle them, so a request does not pay
	// for validating its own answer.
	settled bool
}

// JournalOptions bound the journal so it never dominates memory or latency.
type Options struct {
	MaxEntries   int  // ring size; default 10,000
	MaxBodyBytes int  // bodies are cut at this size; default 64 KiB
	NoBodies     bool // keep only method, path and status
}

// Journal is a bounded, concurrency-safe ring of entries.
type Journal struct {
	opts    Options
	mu      sync.Mutex
	entries []Entry
	next    int // index of the next write in entries once the ring is full
	seq     uint64
	clock   clock.Clock
	// changed is closed by the next Append, then replaced: live readers
	// (the consoles' Traffic view) wait on it instead of polling.
	changed chan struct{}
}

// NewJournal returns an empty journal.
func New(opts Options, clk clock.Clock) *Journal {
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 10000
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 64 << 10
	}
	if clk == nil {
		clk = clock.System{}
	}
	return &Journal{opts: opts, clock: clk}
}

// Append records an entry, assigning its sequence number.
func (j *Journal) Append(e Entry) {
	if j.opts.NoBodies {
		e.RequestBody, e.ResponseBody = nil, nil
	} else {
		// Masked before the cut, so no part of a password survives.
		e.RequestBody = j.cut(MaskSecrets(e.RequestBody))
		e.ResponseBody = j.cut(MaskSecrets(e.ResponseBody))
	}
	e.settled = false
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	if j.changed != nil {
		close(j.changed)
		j.changed = nil
	}
	if len(j.entries) < j.opts.MaxEntries {
		j.entries = append(j.entries, e)
		return
	}
	j.entries[j.next] = e
	j.next = (j.next + 1) % j.opts.MaxEntries
}

// cut keeps a body whole up to the configured size, so one huge request
// cannot fill the journal; past it, the first part as a JSON string.
func (j *Journal) cut(b []byte) json.RawMessage {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	if len(b) <= j.opts.MaxBodyBytes {
		return json.RawMessage(b)
	}
	b = append(b[:j.opts.MaxBodyBytes:j.opts.MaxBodyBytes], []byte("…(truncated)")...)
	s, _ := json.Marshal(string(b))
	return s
}

// settle makes e's bodies JSON: a body that is JSON stays as it is, any
// other becomes a JSON string. Readers call it on what they read, once.
func settle(e *Entry) {
	if e.settled {
		return
	}
	for _, b := range []*json.RawMessage{&e.RequestBody, &e.ResponseBody} {
		if len(*b) > 0 && !json.Valid(*b) {
			s, _ := json.Marshal(string(*b))
			*b = s
		}
	}
	e.settled = true
}

// JournalQuery selects entries.
type Query struct {
	Tenant   string // only this tenant, when set
	AfterSeq uint64 // only entries after this sequence number
	Limit    int    // at most this many, newest kept; 0 = all
}

// Changed returns a channel closed at the next Append. Take it before
// reading Entries, so an entry appended in between is not missed.
func (j *Journal) Changed() <-chan struct{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.changed == nil {
		j.changed = make(chan struct{})
	}
	return j.changed
}

// Entries returns matching entries, oldest first. Entries are in sequence
// order, so only those after q.AfterSeq are copied: a live reader asking
// for what is new does not copy the whole ring each time.
func (j *Journal) Entries(q Query) []Entry {
	j.mu.Lock()
	n := len(j.entries)
	at := func(i int) *Entry { return &j.entries[(j.next+i)%n] }
	first := sort.Search(n, func(i int) bool { return at(i).Seq > q.AfterSeq })
	ordered := make([]Entry, 0, n-first)
	for i := first; i < n; i++ {
		ordered = append(ordered, *at(i))
	}
	j.mu.Unlock()
	out := ordered[:0:0]
	for _, e := range ordered {
		if (q.Tenant == "" || e.Tenant == q.Tenant) && e.Seq > q.AfterSeq {
			out = append(out, e)
		}
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[len(out)-q.Limit:]
	}
	for i := range out {
		settle(&out[i]) // on the copies, outside the lock: readers pay, not Append
	}
	return out
}

// Newest visits entries newer than afterSeq, newest first, until visit
// returns false. It copies nothing: visit runs under the journal's lock,
// so it must be quick, must not keep e, and must not call the journal. A
// live view reads its page of matches this way without copying the ring.
func (j *Journal) Newest(afterSeq uint64, visit func(e *Entry) bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := len(j.entries)
	for i := n - 1; i >= 0; i-- {
		e := &j.entries[(j.next+i)%n]
		if e.Seq <= afterSeq {
			return
		}
		settle(e)
		if !visit(e) {
			return
		}
	}
}

// Clear empties the journal, or only one tenant's entries.
func (j *Journal) Clear(tenant string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if tenant == "" {
		j.entries, j.next = nil, 0
		return
	}
	kept := make([]Entry, 0, len(j.entries))
	kept = append(kept, j.entries[j.next:]...)
	kept = append(kept, j.entries[:j.next]...)
	n := 0
	for _, e := range kept {
		if e.Tenant != tenant {
			kept[n] = e
			n++
		}
	}
	j.entries, j.next = kept[:n], 0
}

// RedactAuth keeps an Authorization header's scheme and drops the secret, so
// the journal shows how a client authenticated without ever holding a key.
func RedactAuth(h string) string {
	if h == "" {
		return ""
	}
	scheme, _, found := strings.Cut(h, " ")
	if !found {
		return "[redacted]"
	}
	return scheme + " [redacted]"
}

// Middleware journals each request served by next. tenantOf names the tenant
// a request belongs to (it runs after routing, so route variables are set);
// skip excludes requests, such as the journal's own reads.
func (j *Journal) Middleware(tenantOf func(*http.Request) string, skip func(*http.Request) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if skip != nil && skip(r) {
				next.ServeHTTP(w, r)
				return
			}
			start := j.clock.Now()
			var reqBody []byte
			if r.Body != nil && !j.opts.NoBodies {
				// Read at most one byte past the journal's cut; the handler
				// still sees the whole body.
				limited, _ := io.ReadAll(io.LimitReader(r.Body, int64(j.opts.MaxBodyBytes)+1))
				reqBody = limited
				r.Body = readCloser{io.MultiReader(bytes.NewReader(limited), r.Body), r.Body}
			}
			rec := &recorder{ResponseWriter: w, status: http.StatusOK, keep: !j.opts.NoBodies, max: j.opts.MaxBodyBytes + 1}
			next.ServeHTTP(rec, r)
			tenant := ""
			if tenantOf != nil {
				tenant = tenantOf(r)
			}
			j.Append(Entry{
				Time:         start.UTC(),
				Tenant:       tenant,
				Direction:    "inbound",
				Method:       r.Method,
				Path:         r.URL.Path,
				Query:        r.URL.RawQuery,
				Auth:         RedactAuth(r.Header.Get("Authorization")),
				Status:       rec.status,
				DurationMS:   float64(j.clock.Now().Sub(start).Microseconds()) / 1000,
				RequestBody:  reqBody,
				ResponseBody: rec.body.Bytes(),
				Fault:        rec.fault,
			})
		})
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}

type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	keep        bool
	max         int
	body        bytes.Buffer
	fault       string // set through MarkFault by the fault middleware (internal/faults)
}

// MarkFault records which injected fault the request met; noResponse
// records status 0, since no answer reached the client. The fault
// middleware finds it through the writer chain without importing this
// package.
func (r *recorder) MarkFault(label string, noResponse bool) {
	r.fault = label
	if noResponse {
		r.status = 0
	}
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	if r.keep && r.body.Len() < r.max {
		room := r.max - r.body.Len()
		if len(b) < room {
			room = len(b)
		}
		r.body.Write(b[:room])
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
