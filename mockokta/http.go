package mockokta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/secret"
)

// The Management API's HTTP plumbing: SSWS auth selecting the org, the
// headers every Okta response carries, the error envelope, body decoding
// and Link-header pagination (OAPI-SDK-2, OAPI-ERR-1, OAPI-PAGE-1).

type ctxKey int

const orgKey ctxKey = 1

// orgOf returns the org the request authenticated as.
func orgOf(r *http.Request) *Org { return r.Context().Value(orgKey).(*Org) }

// Rate-limit figures shown on every response when the rate limits are off
// (Config.RateLimits; ratelimit.go replaces them when on): the headers are
// there because SDKs read them.
const fixedRateLimit = 600

// oktaHeaders sets Date, X-Okta-Request-Id and X-Rate-Limit-* on every
// response, as Okta does and okta-sdk-golang expects (OAPI-SDK-2: the Date header
// must be RFC 1123 GMT for its 429 back-off).
func (s *Server) oktaHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := s.Model.clock.Now().UTC()
		h := w.Header()
		h.Set("Date", now.Format(http.TimeFormat))
		h.Set("X-Okta-Request-Id", "req"+s.Model.ids.Token(22))
		h.Set("X-Rate-Limit-Limit", strconv.Itoa(fixedRateLimit))
		h.Set("X-Rate-Limit-Remaining", strconv.Itoa(fixedRateLimit-1))
		h.Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Add(time.Minute).Unix(), 10))
		next.ServeHTTP(w, r)
	})
}

// ssws authenticates `Authorization: SSWS <token>` and selects the org,
// which is also the request's tenant in the journal and fault rules.
func (s *Server) ssws(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		if !strings.EqualFold(scheme, "SSWS") && !strings.EqualFold(scheme, "Bearer") {
			// No Authorization header, or a scheme Okta does not take:
			// no session (OAPI-AUTH-2).
			s.writeError(w, r, errInvalidSession())
			return
		}
		if !strings.EqualFold(scheme, "SSWS") || strings.TrimSpace(token) == "" {
			// A Bearer token this org did not issue, or SSWS with
			// nothing after it (OAPI-AUTH-2, OAPI-AUTH-3).
			s.writeError(w, r, errInvalidToken())
			return
		}
		o, ok := s.Model.OrgByToken(strings.TrimSpace(token))
		if !ok {
			s.writeError(w, r, errInvalidToken())
			return
		}
		httpx.SetTenant(r, o.ID)
		// The token's share of each rate-limit bucket is counted under its
		// id, derived from its hash (OAPI-RATE-2, OAPI-RATE-8).
		h := secret.HashOf(strings.TrimSpace(token))
		ctx := withPrincipal(context.WithValue(r.Context(), orgKey, o), principal{PrincipalAPIToken, apiTokenID(h)})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requireJSON checks the framing and media type of a Management API
// request's body before any handler reads it: a POST or PUT with neither a
// body nor a Content-Length is 411 (OAPI-MEDIA-2), and a body that is not
// application/json (form data, none named) is 400 E0000021, not 415
// (OAPI-MEDIA-1).
func (s *Server) requireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.LengthRequired && (r.Method == http.MethodPost || r.Method == http.MethodPut) && r.ContentLength == 0 &&
			len(r.TransferEncoding) == 0 && r.Header.Get("Content-Length") == "" {
			writeLengthRequired(w)
			return
		}
		if r.ContentLength != 0 && !isJSON(r.Header.Get("Content-Type")) {
			s.writeError(w, r, errMediaType())
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isJSON says whether a Content-Type is application/json, parameters
// (charset) aside.
func isJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/json")
}

// writeLengthRequired answers 411 as Okta's front end does: its own page,
// not Okta's JSON envelope (OAPI-MEDIA-2; the page is a guess modelled on
// the nginx that answers for Okta).
func writeLengthRequired(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusLengthRequired)
	_, _ = io.WriteString(w, "<html>\r\n<head><title>411 Length Required</title></head>\r\n<body>\r\n<center><h1>411 Length Required</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
}

// writeJSON writes v with status; Okta answers application/json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"errorCode":"E0000009","errorSummary":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

type errorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

type errorEnvelope struct {
	ErrorCode    string       `json:"errorCode"`
	ErrorSummary string       `json:"errorSummary"`
	ErrorLink    string       `json:"errorLink"`
	ErrorID      string       `json:"errorId"`
	ErrorCauses  []errorCause `json:"errorCauses"`
}

// writeError writes Okta's error envelope (OAPI-ERR-1).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := asError(err)
	if e.Status >= 500 {
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	env := errorEnvelope{ErrorCode: e.Code, ErrorSummary: e.Summary, ErrorLink: e.Code,
		ErrorID: "oae" + s.Model.ids.Token(22), ErrorCauses: []errorCause{}}
	for _, c := range e.Causes {
		env.ErrorCauses = append(env.ErrorCauses, errorCause{c})
	}
	writeJSON(w, e.Status, env)
}

// decode reads a JSON object body within the size limit into v.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	return decodeObject(body, v)
}

// readBody reads the request body within the size limit, trimmed.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, errTooLarge(s.cfg.MaxBodyBytes)
	}
	if err != nil {
		return nil, errMalformed("could not read the request body")
	}
	return bytes.TrimSpace(body), nil
}

// decodeObject decodes a trimmed JSON object body into v.
func decodeObject(trimmed []byte, v any) error {
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errMalformed("the request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return errValidation(fmt.Sprintf("%s: expected a JSON %s", typeErr.Field, typeErr.Type.Kind()))
		}
		return errMalformed(err.Error())
	}
	if dec.More() {
		return errMalformed("unexpected data after the JSON object")
	}
	return nil
}

// decodeOptional is decode for bodies that may be absent. An empty body
// and a JSON null both count as absent: okta-sdk-golang v5 sends `null`
// for an optional body the caller did not set (e.g. AssignGroupToApplication
// without an ApplicationGroupAssignment).
func (s *Server) decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	if len(body) == 0 || string(body) == "null" {
		return nil
	}
	return decodeObject(body, v)
}

// baseURL is the org URL clients used, for _links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// Page is one page of a cursor-paged list.
type Page struct {
	After string // cursor: id of the last item of the previous page
	Limit int
}

// pageParams reads `after` and `limit` (default def, capped at max).
func pageParams(r *http.Request, def, max int) (Page, error) {
	p := Page{After: r.URL.Query().Get("after"), Limit: def}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return p, errValidation("limit: must be a positive integer")
		}
		if n < 1 {
			// A guess at Okta's answer (OAPI-PAGE-2).
			return p, errValidation("limit: must be a positive integer")
		}
		p.Limit = n
	}
	if max > 0 && p.Limit > max {
		p.Limit = max
	}
	return p, nil
}

// paginate cuts ids (in list order) to one page and writes Okta's Link
// headers: one header per relation, as the SDKs parse them separately
// (OAPI-PAGE-1); no "next" on the last page.
func paginate(w http.ResponseWriter, r *http.Request, ids []string, p Page) []string {
	start := 0
	if p.After != "" {
		start = len(ids)
		for i, id := range ids {
			if id == p.After {
				start = i + 1
				break
			}
		}
	}
	end := min(start+p.Limit, len(ids))
	page := ids[start:end]
	self := *r.URL
	w.Header().Add("Link", fmt.Sprintf(`<%s%s>; rel="self"`, baseURL(r), self.RequestURI()))
	if end < len(ids) && len(page) > 0 {
		next := *r.URL
		q := next.Query()
		q.Set("after", page[len(page)-1])
		q.Set("limit", strconv.Itoa(p.Limit))
		next.RawQuery = q.Encode()
		w.Header().Add("Link", fmt.Sprintf(`<%s%s>; rel="next"`, baseURL(r), next.RequestURI()))
	}
	return page
}

// link is a HAL link in _links.
type link struct {
	Href   string            `json:"href"`
	Method string            `json:"method,omitempty"`
	Hints  map[string]any    `json:"hints,omitempty"`
	Extra  map[string]string `json:"-"`
}

func href(base string, parts ...string) link {
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return link{Href: base + "/api/v1/" + strings.Join(parts, "/")}
}

// postLink marks a link to an operation, as Okta's HAL links do with
// hints.allow: a client that follows it knows to POST (OAPI-LINKS-1).
func postLink(l link) link {
	l.Hints = map[string]any{"allow": []string{http.MethodPost}}
	return l
}

func vars(r *http.Request) map[string]string { return mux.Vars(r) }
