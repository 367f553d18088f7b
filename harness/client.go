package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
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
}

// apiError is a non-2xx answer.
type apiError struct {
	Method, URL string
	Status      int
	Body        string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.URL, e.Status, strings.TrimSpace(e.Body))
}

// do sends a request and decodes a JSON answer into out (when not nil).
// Statuses outside 2xx are returned as *apiError.
func (c *client) do(method, path string, body, out any) error {
	var rdr io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rdr = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, c.base+path, rdr)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
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
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &apiError{Method: method, URL: c.base + path, Status: resp.StatusCode, Body: string(raw)}
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// raw GETs a document that is not JSON (a SAML metadata document).
func (c *client) raw(path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, &apiError{Method: "GET", URL: req.URL.String(), Status: res.StatusCode, Body: string(body)}
	}
	return body, nil
}

// status returns the HTTP status of an error from do (0 when not an API error).
func status(err error) int {
	if e, ok := err.(*apiError); ok {
		return e.Status
	}
	return 0
}
