package mockokta

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/journal"
)

// The engine's SCIM client: the headers Okta sends (OKTA-WIRE-1), the configured
// Authorization, the outbound journal, and Okta's 429 rule (OKTA-RETRY-1): only
// 429 is retried, after an integer Retry-After or else 5 minutes, the wait
// doubling on each further 429, at most 10 attempts.

const (
	oktaUserAgent   = "Okta SCIM Client 1.0.0"
	maxAttempts     = 10
	defaultBackoff  = 5 * time.Minute
	scimContentType = "application/scim+json; charset=utf-8"
)

// scimResponse is what came back; err is a transport failure (timeout,
// refused, dropped connection).
type scimResponse struct {
	status int
	body   []byte
	err    error
}

func (r scimResponse) ok() bool { return r.err == nil && r.status >= 200 && r.status < 300 }

// decode reads a JSON body into v.
func (r scimResponse) decode(v any) error { return json.Unmarshal(r.body, v) }

// remoteDetail is what the server said, for task messages: a SCIM error's
// detail, Atlassian's Failure "error", or the body itself.
func (r scimResponse) remoteDetail() string {
	if r.err != nil {
		return r.err.Error()
	}
	var e struct {
		Detail       string `json:"detail"`
		Error        string `json:"error"`
		ErrorSummary string `json:"errorSummary"`
	}
	if json.Unmarshal(r.body, &e) == nil {
		for _, s := range []string{e.Detail, e.Error, e.ErrorSummary} {
			if s != "" {
				return s
			}
		}
	}
	if s := strings.TrimSpace(string(r.body)); s != "" && len(s) < 300 {
		return s
	}
	return http.StatusText(r.status)
}

// failure formats Okta's "<what>: <status text>. Errors reported by remote
// server: <detail>" message (OKTA-TASK-1). A request that got no answer
// (refused, reset, timed out) reads "<what>: null", Okta's wording, never
// the transport's error text (OKTA-TASK-3).
func (r scimResponse) failure(what string) string {
	if r.err != nil {
		return what + ": null"
	}
	return fmt.Sprintf("%s: %s. Errors reported by remote server: %s", what, http.StatusText(r.status), r.remoteDetail())
}

// scimCall sends one SCIM request, retrying 429s by Okta's rule. body is
// a value to marshal (a struct, whose field order is the order on the
// wire) or, for a representation echoed back (OKTA-UPDATE-1), the bytes
// as they are.
func (m *Model) scimCall(ctx context.Context, orgID string, c Connection, method, path string, body any) scimResponse {
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return scimResponse{err: err}
		}
	}
	var wait time.Duration
	for attempt := 1; ; attempt++ {
		r, retryAfter := m.scimOnce(ctx, orgID, c, method, path, raw)
		if r.status != http.StatusTooManyRequests || attempt == maxAttempts {
			if attempt > 1 && r.status != http.StatusTooManyRequests {
				m.rateLimitOver(ctx)
			}
			return r
		}
		if wait == 0 {
			wait = defaultBackoff
			if s, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && s >= 0 {
				wait = time.Duration(s) * time.Second
			}
		} else {
			wait *= 2
		}
		// The task shows the wait meanwhile (OKTA-RETRY-3).
		m.rateLimited(ctx, attempt, wait)
		if err := m.clock.Sleep(ctx, wait); err != nil {
			return scimResponse{err: err}
		}
	}
}

// scimOnce sends one request and journals it.
func (m *Model) scimOnce(ctx context.Context, orgID string, c Connection, method, path string, raw []byte) (scimResponse, string) {
	target := c.BaseURL + path
	var rdr io.Reader
	if raw != nil {
		rdr = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rdr)
	if err != nil {
		return scimResponse{err: err}, ""
	}
	req.Header.Set("Accept", "application/scim+json")
	req.Header.Set("Accept-Charset", "utf-8")
	req.Header.Set("User-Agent", oktaUserAgent)
	// Okta's own values (OKTA-WIRE-1), not Go's "gzip": asking for
	// encodings ourselves means decoding them ourselves (decodeBody).
	req.Header.Set("Connection", "Keep-Alive")
	req.Header.Set("Accept-Encoding", "gzip,deflate")
	if raw != nil || method == http.MethodDelete {
		// Okta's 2019 captures show the content type on DELETE too.
		req.Header.Set("Content-Type", scimContentType)
	}
	if auth := c.authorization(); auth != "" {
		req.Header.Set("Authorization", auth)
	}
	start := m.clock.Now()
	resp, err := m.engine.client.Do(req)
	r := scimResponse{err: err}
	retryAfter := ""
	if err == nil {
		r.status = resp.StatusCode
		r.body, r.err = decodeBody(resp)
		resp.Body.Close()
		retryAfter = resp.Header.Get("Retry-After")
	}
	u, _ := url.Parse(target)
	e := journal.Entry{Time: start.UTC(), Tenant: orgID, Direction: "outbound", Method: method,
		Auth: journal.RedactAuth(req.Header.Get("Authorization")), Status: r.status,
		DurationMS: float64(m.clock.Now().Sub(start).Microseconds()) / 1000, RequestBody: raw, ResponseBody: r.body}
	if u != nil {
		e.Path, e.Query = u.Scheme+"://"+u.Host+u.Path, u.RawQuery
	}
	m.opts.Journal.Append(e)
	return r, retryAfter
}

// decodeBody reads a response body (at most 16 MiB), undoing the
// Content-Encoding the engine's Accept-Encoding allowed: gzip, or deflate
// (zlib-wrapped as HTTP defines it, or raw as some servers send it).
func decodeBody(resp *http.Response) ([]byte, error) {
	const max = 16 << 20
	raw, err := io.ReadAll(io.LimitReader(resp.Body, max))
	if err != nil {
		return raw, err
	}
	var rd io.Reader
	switch strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))) {
	case "", "identity":
		return raw, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		rd = zr
	case "deflate":
		if zr, err := zlib.NewReader(bytes.NewReader(raw)); err == nil {
			rd = zr
		} else {
			rd = flate.NewReader(bytes.NewReader(raw))
		}
	default:
		return raw, nil
	}
	out, err := io.ReadAll(io.LimitReader(rd, max))
	if err != nil {
		return nil, fmt.Errorf("%s body: %w", resp.Header.Get("Content-Encoding"), err)
	}
	return out, nil
}

// guardClient returns a copy of the engine's SCIM client whose transport
// never re-sends a request by itself. Go's Transport silently sends an
// idempotent request (GET, HEAD) again when a reused keep-alive connection
// fails after the request was written: the server may have seen it twice
// while the engine saw one attempt. Okta documents only its 429 rule
// (OKTA-RETRY-1, OKTA-RETRY-4), so every attempt must be the engine's own
// and in the journal. Keep-alive stays on (OKTA-WIRE-1).
func guardClient(c *http.Client) *http.Client {
	g := *c
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	g.Transport = noResend{next: next}
	return &g
}

// noResend is a RoundTripper that makes bodiless requests look
// unreplayable to the Transport: it re-sends only requests without a body,
// or whose body it can rewind, and only for the idempotent methods, so a
// body it cannot rewind turns that off. The body is empty; the Transport
// sends no Content-Length or chunked encoding for it. Requests with a body
// (POST, PUT, PATCH) are never re-sent once written, and are left alone:
// the Transport still retries them, safely, when nothing was written.
type noResend struct{ next http.RoundTripper }

func (t noResend) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context()) // a RoundTripper must not change req
	r.Body, r.GetBody, r.ContentLength = emptyBody{}, nil, 0
	return t.next.RoundTrip(r)
}

// emptyBody is an empty request body that cannot be rewound.
type emptyBody struct{}

func (emptyBody) Read([]byte) (int, error) { return 0, io.EOF }
func (emptyBody) Close() error             { return nil }

// authorization builds the Authorization header for the connection's mode.
func (c Connection) authorization() string {
	switch c.Auth {
	case AuthHeader:
		return c.Token
	case AuthBasic:
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Username+":"+c.Password))
	default:
		if c.Token == "" {
			return ""
		}
		return "Bearer " + c.Token
	}
}

// filterPath is the userName lookup Okta makes before creating (OKTA-CREATE-1),
// with %20 for spaces as current docs show.
func filterPath(resource, attr, value string) string {
	expr := fmt.Sprintf(`%s eq "%s"`, attr, strings.ReplaceAll(value, `"`, `\"`))
	return "/" + resource + "?filter=" + strings.ReplaceAll(url.QueryEscape(expr), "+", "%20") + "&startIndex=1&count=100"
}

// listResponse is the part of a SCIM ListResponse the engine reads. The
// paging fields must be JSON numbers: Okta fails on strings (OKTA-IMPORT-1).
type listResponse struct {
	TotalResults int               `json:"totalResults"`
	StartIndex   int               `json:"startIndex"`
	ItemsPerPage int               `json:"itemsPerPage"`
	Resources    []json.RawMessage `json:"Resources"`
}

// resourceID reads "id" and "active" from a resource.
func resourceInfo(raw []byte) (id string, active bool, name string) {
	var r struct {
		ID          string `json:"id"`
		Active      *bool  `json:"active"`
		DisplayName string `json:"displayName"`
	}
	_ = json.Unmarshal(raw, &r)
	return r.ID, r.Active == nil || *r.Active, r.DisplayName
}
