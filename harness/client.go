package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/clock"
)

// client talks JSON to one server. It only uses public routes: the Okta
// Management API, the SCIM API and the /_sim/ control APIs, so the runner
// works the same in-process and against running servers.
type client struct {
	base    string
	auth    string // Authorization header value
	control string // control token, sent on /_sim/ paths
	http    *http.Client
	ctx     context.Context
	// limited, when set, waits out Okta's 429s (rateLimitWait); nil: a
	// 429 is an error like any other.
	limited *rateLimited
}

// rateLimited is how the runner copes with Okta's rate limits: as
// okta-sdk-golang configured with rate-limit retries, it waits
// X-Rate-Limit-Reset − Date + 1 s and tries again, at most maxRetries times,
// on the simulator's clock (virtual in-process, so no one waits).
type rateLimited struct {
	clock      clock.Sleeper
	maxRetries int
}

// rateLimitRetries is Terraform's Okta provider's default max_retries.
const rateLimitRetries = 5

// apiError is a non-2xx answer.
type apiError struct {
	Method, URL string
	Status      int
	Body        string
	Header      http.Header
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.URL, e.Status, strings.TrimSpace(e.Body))
}

// do sends a request and decodes a JSON answer into out (when not nil).
// Statuses outside 2xx are returned as *apiError.
func (c *client) do(method, path string, body, out any) error {
	var payload []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		payload = b
	}
	raw, err := c.send(method, path, payload, body != nil, "application/json")
	if err != nil {
		return err
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// raw GETs a document that is not JSON (SAML metadata) and returns it.
func (c *client) raw(path string) ([]byte, error) {
	return c.send(http.MethodGet, path, nil, false, "")
}

// send sends a request, waiting out Okta's 429s when the client is told
// to (rateLimited), and returns the answer's body.
func (c *client) send(method, path string, payload []byte, hasBody bool, accept string) ([]byte, error) {
	for retry := 0; ; retry++ {
		raw, err := c.once(method, path, payload, hasBody, accept)
		if c.limited == nil || retry >= c.limited.maxRetries {
			return raw, err
		}
		wait, ok, werr := rateLimitWait(err)
		if werr != nil {
			return nil, fmt.Errorf("%w (no retry: %v)", err, werr)
		}
		if !ok {
			return raw, err
		}
		if err := c.limited.clock.Sleep(c.ctx, wait); err != nil {
			return nil, err
		}
	}
}

// rateLimitWait is okta-sdk-golang's wait after a 429: X-Rate-Limit-Reset
// (epoch seconds) − Date + 1 s. ok is false for any other error.
func rateLimitWait(err error) (wait time.Duration, ok bool, bad error) {
	e, isAPI := err.(*apiError)
	if !isAPI || e.Status != http.StatusTooManyRequests {
		return 0, false, nil
	}
	date, perr := http.ParseTime(e.Header.Get("Date"))
	if perr != nil {
		return 0, false, fmt.Errorf("date header is missing or invalid: %q", e.Header.Get("Date"))
	}
	reset, perr := strconv.ParseInt(e.Header.Get("X-Rate-Limit-Reset"), 10, 64)
	if perr != nil {
		return 0, false, fmt.Errorf("X-Rate-Limit-Reset header is missing or invalid: %q", e.Header.Get("X-Rate-Limit-Reset"))
	}
	wait = time.Unix(reset, 0).Sub(date) + time.Second
	return max(wait, 0), true, nil
}

// once sends one request and reads its answer; a status outside 2xx is
// an *apiError.
func (c *client) once(method, path string, payload []byte, hasBody bool, accept string) ([]byte, error) {
	var rdr io.Reader
	if hasBody {
		rdr = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, c.base+path, rdr)
	if err != nil {
		return nil, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	if c.control != "" && strings.HasPrefix(path, "/_sim/") {
		req.Header.Set("Authorization", "Bearer "+c.control)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &apiError{Method: method, URL: c.base + path, Status: resp.StatusCode, Body: string(raw), Header: resp.Header}
	}
	return raw, nil
}

// status returns the HTTP status of an error from do (0 when not an API error).
func status(err error) int {
	if e, ok := err.(*apiError); ok {
		return e.Status
	}
	return 0
}
