package mockatlassian

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/spf13/pflag"

	"github.com/provsim/provsim/internal/cli"
	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/ratelimit"
)

// The Organizations REST API (/admin/v1/orgs…, /admin/v2/orgs…) and the
// User management REST API (/users/{accountId}/manage…), authenticated
// with an organization API key as bearer (apikeys.go). This file holds
// what all their routes share: routing, authentication, rate limits, error
// bodies, cursors and links. orgapi_v1.go, orgapi_v2.go and usermanage.go
// hold the handlers; the model behind them is accountadmin.go,
// groupadmin.go and events.go. ATL-ORGAPI-1 to -6 say what is
// Atlassian's and what is a guess.

// V2WriteStatus selects how the v2 write calls (suspend, restore, remove,
// role assign/revoke) answer: their status is not documented
// (ATL-DIRECTORY-2).
type V2WriteStatus string

const (
	V2WriteNoContent V2WriteStatus = "no-content" // 204, no body (default)
	V2WriteMessage   V2WriteStatus = "message"    // 200 {"message": …}, as the v1 calls answer
)

// OrgAPIConfig configures the organization admin APIs. The zero value is
// the documented behaviour.
type OrgAPIConfig struct {
	// PageSize is the page of the v1 lists that take no limit (orgs,
	// users, domains) and the default of those that do; default 100.
	PageSize int
	// EventsPerMinute bounds GET …/events per API key, Atlassian's
	// documented 10 a minute by default; negative: no limit.
	EventsPerMinute int
	// RequestsPerMinute bounds every other call per API key and path;
	// 0: no limit (Atlassian publishes none).
	RequestsPerMinute int
	// RateLimitHeaders adds X-RateLimit-Limit/-Remaining/-Reset (and
	// Retry-After on a 429), which Atlassian documents for a sibling API
	// but not for these (ATL-ORGAPI-4).
	RateLimitHeaders bool
	V2WriteStatus    V2WriteStatus
}

// DocumentedEventsPerMinute is Atlassian's limit on the events query.
const DocumentedEventsPerMinute = 10

func (c OrgAPIConfig) withDefaults() (OrgAPIConfig, error) {
	if c.PageSize <= 0 {
		c.PageSize = 100
	}
	if c.EventsPerMinute == 0 {
		c.EventsPerMinute = DocumentedEventsPerMinute
	}
	if c.RequestsPerMinute < 0 {
		c.RequestsPerMinute = 0
	}
	switch c.V2WriteStatus {
	case "":
		c.V2WriteStatus = V2WriteNoContent
	case V2WriteNoContent, V2WriteMessage:
	default:
		return c, fmt.Errorf("org API v2 write status %q: want %q or %q", c.V2WriteStatus, V2WriteNoContent, V2WriteMessage)
	}
	return c, nil
}

// errorStyle is the error body family of an API (ATL-ORGAPI-3).
type errorStyle int

const (
	styleOrgs      errorStyle = iota // {"errors":[{id,status,code,title,detail}]}
	styleUAM                         // the same, with ADMIN-UAM-… codes (v2 role assignments)
	styleWorkspace                   // one ApplicationError object, not a list
	styleUserMgmt                    // {"key": …, "context": …}
)

// orgAPISurface is one of the three API families as a server surface
// (server.go): its routes behind the org API key and the rate limits, and
// unknown paths or methods answered, after authentication, in the API's own
// error body.
func (s *Server) orgAPISurface(name, prefix string, style errorStyle, routes func(*mux.Router)) httpx.Surface {
	return httpx.Surface{Name: name, Prefix: prefix, Auth: s.orgAPIAuth(style), Limit: s.orgAPIRateLimit, Routes: routes,
		Unrouted: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
			kind, res := AdminNotFound, AdminResource("")
			if status == http.StatusMethodNotAllowed {
				kind, res = AdminInvalid, "method"
			}
			s.orgAPIError(w, r, style, &AdminError{Kind: kind, Resource: res, Detail: msg})
		}}
}

type callerKey struct{}

// callerOf is the organization API key a request was authenticated with.
func callerOf(r *http.Request) Caller {
	c, _ := r.Context().Value(callerKey{}).(Caller)
	return c
}

// actorOf is the audit-log actor of a request: its API key and address.
func actorOf(r *http.Request) Actor {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return APIKeyActor(callerOf(r), ip)
}

// orgAPIAuth checks the bearer key: 401 without a valid key (Atlassian's
// gateway body, or the user management API's key body); a key of another
// organization gets 403, or 404 when the organization in the path does
// not exist (ATL-ORGAPI-5).
func (s *Server) orgAPIAuth(style errorStyle) mux.MiddlewareFunc {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key, ok := httpx.BearerToken(r.Header.Get("Authorization"))
			var c Caller
			if ok {
				c, ok = s.Model.AuthenticateAPIKey(key)
			}
			if ok {
				// The journal and fault rules file the call under the
				// key's organization, also where the path names none.
				httpx.SetTenant(r, c.OrgID)
			}
			if !ok {
				if style == styleUserMgmt {
					writeJSON(w, r, http.StatusUnauthorized, map[string]string{"key": "unauthorized"})
					return
				}
				writeJSON(w, r, http.StatusUnauthorized, proxyError{Code: http.StatusUnauthorized, Message: "Unauthorized"})
				return
			}
			if org := pathVar(r, "orgId", orgPathPrefix(r)); org != "" && org != c.OrgID {
				if _, err := s.Model.Org(org); err != nil {
					s.orgAPIError(w, r, style, notFoundOf(resOrg, "Organization %s not found", org))
					return
				}
				s.orgAPIError(w, r, style, adminErr(AdminForbidden, resOrg, "This API key may not manage organization %s", org))
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
		})
	}
}

// orgPathPrefix is where the organization id starts in a path that no
// route matched ("" when the path holds none).
func orgPathPrefix(r *http.Request) string {
	for _, p := range []string{"/admin/v1/orgs/", "/admin/v2/orgs/"} {
		if strings.HasPrefix(r.URL.Path, p) {
			return p
		}
	}
	return "/-no-org-/"
}

// proxyError is the body Atlassian's API gateway answers 401 and 429 with.
type proxyError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// orgAPIRateLimit applies the configured limits per API key: the events
// query its own documented one, every other path the general one.
func (s *Server) orgAPIRateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := callerOf(r)
		route := mux.CurrentRoute(r)
		if route == nil {
			next.ServeHTTP(w, r)
			return
		}
		tmpl, _ := route.GetPathTemplate()
		limit := s.orgAPI.RequestsPerMinute
		if strings.HasSuffix(tmpl, "/{orgId}/events") {
			limit = s.orgAPI.EventsPerMinute
		}
		if limit <= 0 {
			next.ServeHTTP(w, r)
			return
		}
		d := s.rateLimit.Take(c.OrgID+"\x00"+c.KeyID+"\x00"+r.Method+" "+tmpl, limit)
		if s.orgAPI.RateLimitHeaders {
			h := w.Header()
			h.Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
			h.Set("X-RateLimit-Remaining", strconv.Itoa(d.Remaining))
			h.Set("X-RateLimit-Reset", d.Reset.Format(time.RFC3339))
		}
		if !d.Allowed {
			if s.orgAPI.RateLimitHeaders {
				wait := int(d.Reset.Sub(s.Model.clock.Now()).Seconds() + 0.999)
				w.Header().Set("Retry-After", strconv.Itoa(max(wait, 1)))
			}
			writeJSON(w, r, http.StatusTooManyRequests, proxyError{Code: http.StatusTooManyRequests, Message: "Too Many Requests"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// applicationError is one entry of Atlassian's ApplicationErrors body.
type applicationError struct {
	ID     string `json:"id"`
	Status string `json:"status"` // a string, as Atlassian sends it
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

// adminCode is the one table that turns model refusals into Atlassian's
// admin error codes and titles (ATL-ORGAPI-3).
func adminCode(e *AdminError, uam bool) (status int, code, title string) {
	switch e.Kind {
	case AdminInvalid:
		if e.Resource == "method" {
			return http.StatusMethodNotAllowed, "ADMIN-405-1", "Method not allowed"
		}
		if uam {
			if e.Resource == resRole {
				return http.StatusBadRequest, "ADMIN-UAM-400-3", "Invalid role for resource"
			}
			return http.StatusBadRequest, "ADMIN-UAM-400-1", "Bad request"
		}
		switch e.Resource {
		case resCursor:
			return http.StatusBadRequest, "ADMIN-400-1", "Invalid cursor"
		case resDomain:
			return http.StatusBadRequest, "ADMIN-400-2", "Invalid domain id"
		case resTime:
			return http.StatusBadRequest, "ADMIN-400-3", "Invalid time or date"
		case resResource:
			return http.StatusBadRequest, "ADMIN-400-4", "Invalid resource"
		}
		return http.StatusBadRequest, "ADMIN-400-24", "Invalid request"
	case AdminForbidden:
		if uam {
			return http.StatusForbidden, "ADMIN-UAM-403-1", "Forbidden"
		}
		return http.StatusForbidden, "ADMIN-403-3", "Forbidden"
	case AdminNotFound:
		if uam {
			switch e.Resource {
			case resOrg:
				return http.StatusNotFound, "ADMIN-UAM-404-2", "Organization not found"
			case resGroup:
				return http.StatusNotFound, "ADMIN-UAM-404-3", "Group not found"
			}
			return http.StatusNotFound, "ADMIN-UAM-404-1", "Resource not found"
		}
		switch e.Resource {
		case resOrg:
			return http.StatusNotFound, "ADMIN-404-2", "Organization not found"
		case resDomain:
			return http.StatusNotFound, "ADMIN-404-3", "Domain not found"
		case resEvent:
			return http.StatusNotFound, "ADMIN-404-4", "Event not found"
		case resUser:
			return http.StatusNotFound, "ADMIN-404-8", "User not found"
		case resGroup:
			return http.StatusNotFound, "ADMIN-404-10", "Group not found"
		}
		return http.StatusNotFound, "ADMIN-404-1", "Resource not found"
	case AdminConflict:
		if uam {
			return http.StatusConflict, "ADMIN-UAM-409-2", "Conflict"
		}
		return http.StatusConflict, "ADMIN-409-28", "Conflict"
	}
	return http.StatusInternalServerError, "ADMIN-500-1", "Internal server error"
}

// orgAPIError answers a model error in the API's error family.
func (s *Server) orgAPIError(w http.ResponseWriter, r *http.Request, style errorStyle, err error) {
	e := asAdminError(err)
	if e == nil {
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &AdminError{Kind: -1, Detail: "Internal error. You can retry calls."}
	}
	if style == styleUserMgmt {
		s.userMgmtError(w, r, e)
		return
	}
	status, code, title := adminCode(e, style == styleUAM)
	ae := applicationError{ID: s.Model.ids.UUID(), Status: strconv.Itoa(status), Code: code, Title: title, Detail: e.Detail}
	if style == styleWorkspace {
		writeJSON(w, r, status, ae)
		return
	}
	writeJSON(w, r, status, map[string][]applicationError{"errors": {ae}})
}

// decodeAdmin reads a JSON body into v; a body that cannot be read is a
// 400 in the API's own format (through orgAPIError).
func (s *Server) decodeAdmin(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	if optional && r.ContentLength == 0 {
		return nil
	}
	if err := s.decode(w, r, v); err != nil {
		ae := asAdminError(err)
		ae.Resource = resBody
		if ae.Kind == 0 || ae.Kind == AdminNotFound {
			ae.Kind = AdminInvalid
		}
		return ae
	}
	return nil
}

// cursor is the state behind an opaque paging token: where the next page
// starts, and for the v2 searches the filter it continues (Atlassian
// discards other filter parameters when a cursor is given).
type cursor struct {
	Kind   string          `json:"k"`
	Offset int             `json:"o,omitempty"`
	Seq    uint64          `json:"s,omitempty"`
	Desc   bool            `json:"d,omitempty"`
	Limit  int             `json:"l,omitempty"`
	Filter json.RawMessage `json:"f,omitempty"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a token made by encodeCursor for the same kind of
// list; anything else is Atlassian's invalid-cursor 400.
func decodeCursor(token, kind string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Kind != kind || c.Offset < 0 {
		return cursor{}, invalidOf(resCursor, "Invalid cursor %q: pass the cursor of a previous page of this list", token)
	}
	return c, nil
}

// pageBounds cuts [offset, offset+limit) out of total items.
func pageBounds(total, offset, limit int) (start, end int) {
	start = min(offset, total)
	end = min(start+limit, total)
	return start, end
}

// apiURL is an absolute link to an API path, on the configured base.
func (s *Server) apiURL(path string, q url.Values) string {
	u := s.Model.opts.LocationBase + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// pageLinks are the self/prev/next links of a list page: URLs in v1,
// bare cursor tokens in v2.
type pageLinks struct {
	Self string `json:"self"`
	Prev string `json:"prev,omitempty"`
	Next string `json:"next,omitempty"`
}

// v1Links builds URL links for an offset-paged v1 list.
func (s *Server) v1Links(r *http.Request, kind string, total, offset, limit int) pageLinks {
	link := func(off int) string {
		q := url.Values{}
		if off > 0 {
			q.Set("cursor", encodeCursor(cursor{Kind: kind, Offset: off}))
		}
		return s.apiURL(r.URL.Path, q)
	}
	l := pageLinks{Self: link(offset)}
	if offset > 0 {
		l.Prev = link(max(offset-limit, 0))
	}
	if offset+limit < total {
		l.Next = link(offset + limit)
	}
	return l
}

// v1Offset reads a v1 list's cursor parameter.
func v1Offset(r *http.Request, kind string) (int, error) {
	token := r.URL.Query().Get("cursor")
	if token == "" {
		return 0, nil
	}
	c, err := decodeCursor(token, kind)
	return c.Offset, err
}

// queryList reads a repeatable query parameter, in the forms clients send:
// name=a&name=b, name[]=a, or name=a,b.
func queryList(q url.Values, name string) []string {
	var out []string
	for _, v := range append(q[name], q[name+"[]"]...) {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// queryLimit reads a limit parameter: def when absent, at most maxN, a 400
// when not a positive integer.
func queryLimit(q url.Values, def, maxN int) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, invalidOf(resBody, "limit must be a positive integer, got %q", v)
	}
	return min(n, maxN), nil
}

// atlassianTime is the timestamp form of the admin APIs: UTC, milliseconds.
func atlassianTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// newOrgAPIRateLimiter is the limiter of the org admin APIs, on the model clock.
func newOrgAPIRateLimiter(c clock.Clock) *ratelimit.Limiter {
	return ratelimit.New(c, time.Minute)
}

// orgAPIFlags are the flags of the organization admin APIs while they are
// parsed (flags.go registers them with the others).
type orgAPIFlags struct {
	cfg            OrgAPIConfig
	writeStatus    string
	actions        []string
	maxEvents      int
	syncedWritable bool
}

func (f *orgAPIFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&f.cfg.PageSize, "org-api-page-size", 100, "items per page of the v1 org API lists, and the v2 default limit")
	fs.IntVar(&f.cfg.EventsPerMinute, "org-api-events-per-minute", DocumentedEventsPerMinute, "GET …/events calls a minute per API key (-1: no limit)")
	fs.IntVar(&f.cfg.RequestsPerMinute, "org-api-requests-per-minute", 0, "other org API calls a minute per API key and path (0: no limit)")
	fs.BoolVar(&f.cfg.RateLimitHeaders, "org-api-ratelimit-headers", false, "send X-RateLimit-* headers (and Retry-After on 429) on the org APIs")
	fs.StringVar(&f.writeStatus, "org-api-v2-write-status", string(V2WriteNoContent), "v2 suspend/restore/remove/role answers: no-content (204) or message (200 {message})")
	fs.IntVar(&f.maxEvents, "max-events", DefaultMaxEventsPerOrg, "audit-log events kept per organization")
	fs.Var(cli.NewList(&f.actions), "event-action", "rename an audit-log action key, `KEY=NAME` (e.g. user_deactivated=user_deactivated_by_scim); repeatable")
	fs.BoolVar(&f.syncedWritable, "synced-profile-writable", false, "let the user management API change profiles and lifecycle of IdP-managed accounts")
}

// apply puts the parsed values into the server's configuration.
func (f *orgAPIFlags) apply(cfg *OrgAPIConfig, opts *Options) error {
	*cfg = f.cfg
	cfg.V2WriteStatus = V2WriteStatus(f.writeStatus)
	opts.MaxEventsPerOrg, opts.SyncedProfileWritable = f.maxEvents, f.syncedWritable
	for _, a := range f.actions {
		key, name, ok := strings.Cut(a, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return fmt.Errorf("--event-action %q: want KEY=NAME", a)
		}
		if opts.EventActionKeys == nil {
			opts.EventActionKeys = map[string]string{}
		}
		opts.EventActionKeys[strings.TrimSpace(key)] = strings.TrimSpace(name)
	}
	_, err := cfg.withDefaults()
	return err
}
