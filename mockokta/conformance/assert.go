package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// apiClient sends recorded requests: to the server under test, or to the
// in-process mockokta.
type apiClient struct {
	ctx  context.Context
	base string
	auth string
	http *http.Client
}

// response is what came back. Body is the decoded JSON (nil when the body
// is empty or not JSON).
type response struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   any
	Err    error
}

// Headers a request sends unless the caller says otherwise: what Okta's
// engine sends (OKTA-WIRE-1), the suites send their own.
func defaultHeaders(auth string, hasBody bool) map[string]string {
	h := map[string]string{"Accept": "application/scim+json", "Authorization": auth}
	if hasBody {
		h["Content-Type"] = "application/scim+json; charset=utf-8"
	}
	return h
}

// send makes one request. header replaces the default headers; a value
// of "" leaves that header out.
func (c *apiClient) send(method, path string, header map[string]string, body []byte) response {
	if header == nil {
		header = defaultHeaders(c.auth, body != nil)
	}
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, c.base+path, rdr)
	if err != nil {
		return response{Err: err}
	}
	for k, v := range header {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return response{Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	out := response{Status: resp.StatusCode, Header: resp.Header, Raw: raw, Err: err}
	if len(bytes.TrimSpace(raw)) > 0 {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			out.Body = v
		}
	}
	return out
}

// sendJSON marshals body and sends it with the default headers.
func (c *apiClient) sendJSON(method, path string, body any) response {
	raw, err := json.Marshal(body)
	if err != nil {
		return response{Err: err}
	}
	return c.send(method, path, nil, raw)
}

// lookup reads a property path as Runscope writes them
// ("Resources[0].emails[0].value"). Keys may hold dots (schema URNs):
// the longest key that matches wins.
func lookup(v any, path string) (any, bool) {
	if path == "" {
		return v, v != nil
	}
	path = strings.ReplaceAll(strings.ReplaceAll(path, "[", "."), "]", "")
	return lookupParts(v, strings.Split(path, "."))
}

func lookupParts(v any, parts []string) (any, bool) {
	if len(parts) == 0 {
		return v, true
	}
	switch x := v.(type) {
	case map[string]any:
		for j := len(parts); j >= 1; j-- {
			if c, ok := x[strings.Join(parts[:j], ".")]; ok {
				return lookupParts(c, parts[j:])
			}
		}
	case []any:
		i, err := strconv.Atoi(parts[0])
		if err == nil && i >= 0 && i < len(x) {
			return lookupParts(x[i], parts[1:])
		}
	}
	return nil, false
}

// show renders a JSON value for a failure message.
func show(v any, ok bool) string {
	if !ok {
		return "(missing)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// asserter checks one response. Its methods mirror the comparisons of
// Okta's Runscope suites (equal_number on the status, not_empty,
// has_value, is_a_number, equal, equal_number), so each assertion reads as
// the suite's.
type asserter struct {
	k *checker
	r response
}

func (k *checker) on(r response) *asserter { return &asserter{k: k, r: r} }

// status is equal_number on response_status; want lists accepted codes.
func (a *asserter) status(want ...int) bool {
	for _, w := range want {
		if a.r.Status == w {
			return true
		}
	}
	var ws []string
	for _, w := range want {
		ws = append(ws, strconv.Itoa(w))
	}
	found := strconv.Itoa(a.r.Status)
	if a.r.Status == 0 {
		found = fmt.Sprintf("no response (%v)", a.r.Err)
	}
	a.k.fail("response status", strings.Join(ws, " or "), found)
	return false
}

func (a *asserter) prop(path string) (any, bool) {
	if a.r.Body == nil {
		return nil, false
	}
	return lookup(a.r.Body, path)
}

// found describes a missing property, or a body that is not JSON.
func (a *asserter) found(v any, ok bool) string {
	if a.r.Body == nil && len(a.r.Raw) > 0 {
		return "(the response body is not JSON)"
	}
	if a.r.Body == nil {
		return "(empty response body)"
	}
	return show(v, ok)
}

// notEmpty: present, not null, not "", [] or {}.
func (a *asserter) notEmpty(path string) bool {
	v, ok := a.prop(path)
	empty := !ok || v == nil
	switch x := v.(type) {
	case string:
		empty = x == ""
	case []any:
		empty = len(x) == 0
	case map[string]any:
		empty = len(x) == 0
	}
	if empty {
		a.k.fail(path+" not_empty", "a value", a.found(v, ok))
	}
	return !empty
}

// hasValue: the array at path holds want.
func (a *asserter) hasValue(path, want string) bool {
	v, ok := a.prop(path)
	for _, e := range asList(v) {
		if e == want {
			return true
		}
	}
	a.k.fail(path+" has_value", strconv.Quote(want), a.found(v, ok))
	return false
}

// isANumber: a JSON number, not a numeric string.
func (a *asserter) isANumber(path string) bool {
	v, ok := a.prop(path)
	if _, num := v.(float64); num {
		return true
	}
	a.k.fail(path+" is_a_number", "a JSON number", a.found(v, ok))
	return false
}

// equal compares the property's text with want, as Runscope does: the
// boolean true equals "true", the number 401 equals "401".
func (a *asserter) equal(path, want string) bool {
	v, ok := a.prop(path)
	if got, isText := text(v); ok && isText && got == want {
		return true
	}
	a.k.fail(path+" equal", strconv.Quote(want), a.found(v, ok))
	return false
}

// equalNumber: the property is the number want.
func (a *asserter) equalNumber(path string, want float64) bool {
	v, ok := a.prop(path)
	if f, num := v.(float64); num && f == want {
		return true
	}
	a.k.fail(path+" equal_number", strconv.FormatFloat(want, 'f', -1, 64), a.found(v, ok))
	return false
}

// variable saves a property as the suites' variables do ("" when absent).
func (a *asserter) variable(path string) string {
	v, _ := a.prop(path)
	s, _ := text(v)
	return s
}

// text is a scalar as Runscope compares it.
func text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only for values built in this package
	}
	return b
}
