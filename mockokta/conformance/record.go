package conformance

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Participants of the exchanges, as the report names them.
const (
	partSpecTest  = "Okta SPEC test"
	partCRUDTest  = "Okta CRUD test"
	partProfile   = "Atlassian profile"
	partEngine    = "Okta engine"
	partOkta      = "Okta (mockokta)"
	partServer    = "SCIM server"
	partCleanup   = "cleanup"
	maxBodyRecord = 1 << 20 // bytes of a body kept for the report
)

// Exchange is one HTTP request and its answer, byte for byte as they went
// over the wire (bodies up to 1 MiB), with secrets redacted.
type Exchange struct {
	From           string        `json:"from"`
	To             string        `json:"to"`
	Method         string        `json:"method"`
	URL            string        `json:"url"`
	RequestHeader  http.Header   `json:"requestHeader"`
	RequestBody    string        `json:"requestBody,omitempty"`
	Status         int           `json:"status"` // 0: no answer (see Err)
	ResponseHeader http.Header   `json:"responseHeader,omitempty"`
	ResponseBody   string        `json:"responseBody,omitempty"`
	Err            string        `json:"error,omitempty"`
	Duration       time.Duration `json:"durationNs"`
}

// RequestText is the request as an HTTP/1.1 message.
func (e Exchange) RequestText() string {
	var b strings.Builder
	target, host := e.URL, ""
	if i := strings.Index(target, "://"); i >= 0 {
		rest := target[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			host, target = rest[:j], rest[j:]
		} else {
			host, target = rest, "/"
		}
	}
	fmt.Fprintf(&b, "%s %s HTTP/1.1\n", e.Method, target)
	if host != "" {
		fmt.Fprintf(&b, "Host: %s\n", host)
	}
	writeHeader(&b, e.RequestHeader)
	if e.RequestBody != "" {
		b.WriteString("\n" + e.RequestBody)
	}
	return strings.TrimRight(b.String(), "\n")
}

// ResponseText is the answer as an HTTP/1.1 message, or why there was none.
func (e Exchange) ResponseText() string {
	if e.Status == 0 {
		return "(no response: " + e.Err + ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\n", e.Status, http.StatusText(e.Status))
	writeHeader(&b, e.ResponseHeader)
	if e.ResponseBody != "" {
		b.WriteString("\n" + e.ResponseBody)
	}
	return strings.TrimRight(b.String(), "\n")
}

// Summary is "METHOD path -> status".
func (e Exchange) Summary() string {
	target := e.URL
	if i := strings.Index(target, "://"); i >= 0 {
		if j := strings.IndexByte(target[i+3:], '/'); j >= 0 {
			target = target[i+3+j:]
		}
	}
	if e.Status == 0 {
		return fmt.Sprintf("%s %s -> no response", e.Method, target)
	}
	return fmt.Sprintf("%s %s -> %d", e.Method, target, e.Status)
}

func writeHeader(b *strings.Builder, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s: %s\n", k, v)
		}
	}
}

// recorder keeps every exchange of a run in order. Its transports are used
// by the suite's own requests and by mockokta's engine, which sends from its
// own goroutines.
type recorder struct {
	mu      sync.Mutex
	log     []Exchange
	secrets []string // redacted wherever they appear in a header
}

func newRecorder(secrets ...string) *recorder {
	r := &recorder{}
	for _, s := range secrets {
		if s != "" {
			r.secrets = append(r.secrets, s)
		}
	}
	return r
}

// mark is the position a check starts at; since(mark) is its traffic.
func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.log)
}

func (r *recorder) since(mark int) []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.log[mark:]...)
}

func (r *recorder) all() []Exchange { return r.since(0) }

// transport records what passes through base, as sent by from to to.
func (r *recorder) transport(from, to string, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &recordingTransport{rec: r, from: from, to: to, base: base}
}

type recordingTransport struct {
	rec      *recorder
	from, to string
	base     http.RoundTripper
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	e := Exchange{From: t.from, To: t.to, Method: req.Method, URL: req.URL.String(), RequestHeader: t.rec.redact(t.wireHeader(req))}
	if req.Body != nil && req.Body != http.NoBody {
		raw, err := io.ReadAll(req.Body)
		_ = req.Body.Close() // read in full: nothing left to lose
		if err != nil {
			return nil, err
		}
		e.RequestBody = t.rec.redactText(clipBody(raw))
		// The same request again, as replayable as it was: the engine makes
		// its GETs unreplayable so that the Transport never re-sends one.
		rewindable := req.GetBody != nil
		req = req.Clone(req.Context())
		req.Body, req.GetBody = io.NopCloser(bytes.NewReader(raw)), nil
		if rewindable {
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }
		}
		if len(raw) > 0 {
			e.RequestHeader.Set("Content-Length", strconv.Itoa(len(raw)))
		}
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		e.Err, e.Duration = err.Error(), time.Since(start)
		t.rec.add(e)
		return nil, err
	}
	raw, readErr := io.ReadAll(resp.Body)
	_ = resp.Body.Close() // read in full: nothing left to lose
	e.Duration = time.Since(start)
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	e.Status, e.ResponseHeader = resp.StatusCode, t.rec.redact(resp.Header)
	e.ResponseBody = t.rec.redactText(clipBody(decoded(resp.Header, raw)))
	if readErr != nil {
		e.Err = "reading the body: " + readErr.Error()
	}
	t.rec.add(e)
	return resp, readErr
}

// wireHeader is the request's header with what Go's Transport adds as it
// writes the request (the report shows what went over the wire).
func (t *recordingTransport) wireHeader(req *http.Request) http.Header {
	h := req.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if _, set := h["User-Agent"]; !set {
		h.Set("User-Agent", "Go-http-client/1.1")
	}
	if tr, ok := t.base.(*http.Transport); ok && !tr.DisableCompression && h.Get("Accept-Encoding") == "" && h.Get("Range") == "" && req.Method != http.MethodHead {
		h.Set("Accept-Encoding", "gzip")
	}
	return h
}

func (r *recorder) add(e Exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, e)
}

// redact copies h with every secret replaced.
func (r *recorder) redact(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		for _, v := range vs {
			out[k] = append(out[k], r.redactText(v))
		}
	}
	return out
}

// redactText replaces every secret in s: the credential also travels in
// bodies (the app's API integration is saved with it).
func (r *recorder) redactText(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "‹redacted›")
	}
	return s
}

// decoded undoes gzip for display; the caller still gets the bytes as sent.
func decoded(h http.Header, raw []byte) []byte {
	if !strings.EqualFold(h.Get("Content-Encoding"), "gzip") {
		return raw
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return raw
	}
	plain, err := io.ReadAll(io.LimitReader(zr, maxBodyRecord+1))
	if err != nil {
		return raw
	}
	return plain
}

func clipBody(raw []byte) string {
	if len(raw) > maxBodyRecord {
		return string(raw[:maxBodyRecord]) + fmt.Sprintf("\n… (%d more bytes)", len(raw)-maxBodyRecord)
	}
	return string(raw)
}
