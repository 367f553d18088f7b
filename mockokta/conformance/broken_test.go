package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/scim"
)

// A deliberately broken SCIM server: mockatlassian behind a handler that
// gets specific things wrong, one breakage at a time, the way SCIM servers
// in the wild do (okta-provisioning research §D: no 409 on duplicates,
// PATCH ignored, numbers as strings, application/scim+json refused, …).
// Each breakage must make specific checks fail (broken_suite_test.go).

type breakage string

const (
	breakNoConflict            breakage = "no-409"                  // a 409 on create becomes a 201: duplicates "allowed"
	breakPatchIgnored          breakage = "patch-ignored"           // PATCH answers 200 and changes nothing
	breakPatchStrict           breakage = "patch-strict"            // only "Operations" and lower-case ops
	breakFilteredRemoveIgnored breakage = "filtered-remove-ignored" // remove ops with members[value eq …] dropped
	breakPutIgnored            breakage = "put-ignored"             // PUT answers 200 and changes nothing
	breakPutMerges             breakage = "put-merges"              // PUT keeps attributes it was not sent
	breakPagingStrings         breakage = "paging-strings"          // totalResults etc. as strings
	breakPagingIgnored         breakage = "paging-ignored"          // startIndex and count ignored
	breakFilterIgnored         breakage = "filter-ignored"          // filter ignored: every list is everything
	breakFilterCase            breakage = "filter-case-sensitive"   // userName filters match case-exactly
	breakFilterUpperRefused    breakage = "filter-upper-case-400"   // userName filter values with capitals refused
	breakExternalIDCase        breakage = "externalid-any-case"     // externalId filters ignore case
	breakContentType           breakage = "content-type-text"       // answers say text/plain
	breakSCIMJSONRefused       breakage = "scim-json-415"           // bodies in application/scim+json refused
	breakPlainErrors           breakage = "plain-errors"            // errors as {"message"}, not SCIM errors
	breakStatusNumber          breakage = "status-number"           // SCIM errors with a numeric status
	breakNoAuth                breakage = "no-auth"                 // any credential is accepted
	breakNoName                breakage = "no-name"                 // users answered without name
	breakSloppyUser            breakage = "sloppy-user"             // users without groups and meta, with nulls
	breakMembersOmitted        breakage = "members-omitted"         // groups answered without members
	breakNoGroups              breakage = "no-groups"               // no /Groups endpoint
	breakSlowGroups            breakage = "slow-groups"             // /Groups answers after 650 ms
	breakDeactivateDeletes     breakage = "deactivate-deletes"      // active:false deletes the user
	breakReactivationIgnored   breakage = "reactivation-ignored"    // active:true on an inactive user ignored
	breakDeleteUnsupported     breakage = "delete-unsupported"      // DELETE /Users/{id} is 405
	breakRequiredNotEnforced   breakage = "required-not-enforced"   // users without userName or emails accepted
	breakRenamesGroups         breakage = "renames-groups"          // displayName changes rename groups
	breakNoDiscovery           breakage = "no-discovery"            // no /ServiceProviderConfig, /ResourceTypes, /Schemas
	breakAttributesIgnored     breakage = "attributes-ignored"      // attributes and excludedAttributes ignored
	breakThrottlesCreates      breakage = "throttles-creates"       // POST /Users is 429, Retry-After 30 s
)

type brokenServer struct {
	next   http.Handler
	prefix string // the SCIM base path
	key    string
	on     map[breakage]bool

	mu      sync.Mutex
	renamed map[string]string // group id → the name it was "renamed" to
	seq     int
}

func broken(next http.Handler, prefix string, breaks ...breakage) http.Handler {
	b := &brokenServer{next: next, prefix: prefix, key: testKey, on: map[breakage]bool{}, renamed: map[string]string{}}
	for _, x := range breaks {
		b.on[x] = true
	}
	return b
}

// answer is a response to send or rewrite.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(a.body, &m)
	return m
}

func (b *brokenServer) call(method, path string, q url.Values, h http.Header, body []byte) answer {
	u := b.prefix + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req := httptest.NewRequest(method, u, bytes.NewReader(body))
	req.Header = h.Clone()
	rec := httptest.NewRecorder()
	b.next.ServeHTTP(rec, req)
	return answer{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func (b *brokenServer) current(path string, h http.Header) answer {
	return b.call(http.MethodGet, path, nil, h, nil)
}

func plain(status int, msg string) answer {
	return answer{status: status, header: http.Header{"Content-Type": {"text/plain"}}, body: []byte(msg)}
}

func scimErr(status int, detail string) answer {
	body, _ := json.Marshal(map[string]any{"schemas": []string{scim.ErrorSchema}, "status": strconv.Itoa(status), "detail": detail})
	return answer{status: status, header: http.Header{"Content-Type": {"application/scim+json"}}, body: body}
}

func jsonAnswer(status int, v any) answer {
	body, _ := json.Marshal(v)
	return answer{status: status, header: http.Header{"Content-Type": {"application/scim+json"}}, body: body}
}

// activeIn is the active value a PATCH or PUT body sets, if any.
func activeIn(method string, body map[string]any) (bool, bool) {
	if method == http.MethodPut {
		v, ok := body["active"].(bool)
		return v, ok
	}
	for _, o := range asList(firstOf(body, "Operations", "operations")) {
		om := asMap(o)
		if strings.EqualFold(fmt.Sprint(om["path"]), "active") {
			v, ok := om["value"].(bool)
			return v, ok
		}
		if v, ok := asMap(om["value"])["active"].(bool); ok {
			return v, true
		}
	}
	return false, false
}

func firstOf(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return nil
}

func (b *brokenServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	a := b.serve(req)
	for k, vs := range a.header {
		if k != "Content-Length" {
			w.Header()[k] = vs
		}
	}
	if b.on[breakContentType] {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

func (b *brokenServer) serve(req *http.Request) answer {
	path := strings.TrimPrefix(req.URL.Path, b.prefix)
	raw, _ := io.ReadAll(req.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	q := req.URL.Query()
	h := req.Header.Clone()
	on := b.on
	user := strings.HasPrefix(path, "/Users/")
	group := strings.HasPrefix(path, "/Groups/")

	switch {
	case on[breakNoAuth]:
		h.Set("Authorization", "Bearer "+b.key)
	}
	switch {
	case on[breakNoGroups] && strings.HasPrefix(path, "/Groups"):
		return plain(404, "404 page not found")
	case on[breakNoDiscovery] && (path == "/ServiceProviderConfig" || strings.HasPrefix(path, "/ResourceTypes") || strings.HasPrefix(path, "/Schemas")):
		return plain(404, "404 page not found")
	case on[breakSCIMJSONRefused] && len(raw) > 0 && strings.HasPrefix(h.Get("Content-Type"), "application/scim+json"):
		return plain(http.StatusUnsupportedMediaType, "unsupported media type")
	case on[breakDeleteUnsupported] && req.Method == http.MethodDelete && user:
		return scimErr(405, "DELETE is not supported")
	case on[breakThrottlesCreates] && req.Method == http.MethodPost && path == "/Users":
		a := scimErr(429, "Too many requests")
		a.header.Set("Retry-After", "30")
		return a
	case on[breakSlowGroups] && req.Method == http.MethodGet && strings.HasPrefix(path, "/Groups"):
		time.Sleep(650 * time.Millisecond)
	}
	if on[breakPagingIgnored] {
		q.Del("startIndex")
		q.Del("count")
	}
	if on[breakFilterIgnored] {
		q.Del("filter")
	}
	if on[breakAttributesIgnored] {
		q.Del("attributes")
		q.Del("excludedAttributes")
	}
	if on[breakFilterUpperRefused] && strings.HasPrefix(q.Get("filter"), "userName eq ") && q.Get("filter") != strings.ToLower(q.Get("filter")) {
		return scimErr(400, "userName must be a lower-case email address")
	}
	if on[breakExternalIDCase] && req.Method == http.MethodGet && path == "/Users" && strings.HasPrefix(q.Get("filter"), "externalId eq ") {
		return b.externalIDAnyCase(q.Get("filter"), h)
	}

	if req.Method == http.MethodPatch && (user || group) {
		if _, lower := body["operations"]; on[breakPatchStrict] && lower {
			return scimErr(400, `unknown attribute "operations"`)
		}
		if on[breakPatchStrict] {
			for _, o := range asList(body["Operations"]) {
				if s := fmt.Sprint(asMap(o)["op"]); s != strings.ToLower(s) {
					return scimErr(400, "invalid op "+s)
				}
			}
		}
		if on[breakPatchIgnored] {
			return b.current(path, h)
		}
		if _, upper := body["Operations"]; on[breakFilteredRemoveIgnored] && upper {
			var kept []any
			for _, o := range asList(body["Operations"]) {
				if om := asMap(o); !(om["op"] == "remove" && strings.Contains(fmt.Sprint(om["path"]), "[")) {
					kept = append(kept, o)
				}
			}
			body["Operations"] = kept
			raw = mustJSON(body)
		}
		if on[breakRenamesGroups] && group {
			for _, o := range asList(body["Operations"]) {
				if name, ok := asMap(asMap(o)["value"])["displayName"].(string); ok {
					b.mu.Lock()
					b.renamed[strings.TrimPrefix(path, "/Groups/")] = name
					b.mu.Unlock()
				}
			}
		}
	}
	if req.Method == http.MethodPut && user {
		if on[breakPutIgnored] {
			return b.current(path, h)
		}
		if on[breakPutMerges] {
			for k, v := range b.current(path, h).json() {
				if _, sent := body[k]; !sent {
					body[k] = v
				}
			}
			raw = mustJSON(body)
		}
	}
	if (req.Method == http.MethodPatch || req.Method == http.MethodPut) && user {
		active, sets := activeIn(req.Method, body)
		if on[breakDeactivateDeletes] && sets && !active {
			b.call(http.MethodDelete, path, nil, h, nil)
			return answer{status: http.StatusNoContent, header: http.Header{}}
		}
		if on[breakReactivationIgnored] && sets && active && b.current(path, h).json()["active"] == false {
			return b.current(path, h)
		}
	}
	if on[breakRequiredNotEnforced] && req.Method == http.MethodPost && path == "/Users" && body != nil {
		emails := asList(body["emails"])
		if name, ok := body["userName"].(string); ok && len(emails) == 0 {
			body["emails"] = []any{map[string]any{"primary": true, "value": name, "type": "work"}}
		}
		if _, ok := body["userName"]; !ok && len(emails) > 0 {
			body["userName"] = asMap(emails[0])["value"]
		}
		for i, e := range emails {
			asMap(e)["primary"] = i == 0
		}
		raw = mustJSON(body)
	}

	a := b.call(req.Method, path, q, h, raw)
	return b.rewrite(req, path, q, body, a)
}

// rewrite breaks the answer.
func (b *brokenServer) rewrite(req *http.Request, path string, q url.Values, sent map[string]any, a answer) answer {
	on := b.on
	out := a.json()
	if out == nil {
		return a
	}
	isError := asList(out["schemas"]) != nil && fmt.Sprint(asList(out["schemas"])[0]) == scim.ErrorSchema
	switch {
	case on[breakNoConflict] && req.Method == http.MethodPost && a.status == http.StatusConflict:
		b.mu.Lock()
		b.seq++
		sent["id"] = fmt.Sprintf("00000000-0000-4000-8000-%012d", b.seq)
		b.mu.Unlock()
		return jsonAnswer(http.StatusCreated, sent)
	case on[breakPlainErrors] && isError:
		return answer{status: a.status, header: http.Header{"Content-Type": {"application/json"}}, body: mustJSON(map[string]any{"message": out["detail"]})}
	case on[breakStatusNumber] && isError:
		out["status"], _ = strconv.Atoi(fmt.Sprint(out["status"]))
	}
	if on[breakPagingStrings] {
		for _, k := range []string{"totalResults", "startIndex", "itemsPerPage"} {
			if v, ok := out[k].(float64); ok {
				out[k] = strconv.Itoa(int(v))
			}
		}
	}
	if on[breakFilterCase] && path == "/Users" && strings.HasPrefix(q.Get("filter"), "userName eq ") {
		want := strings.Trim(strings.TrimPrefix(q.Get("filter"), "userName eq "), `"`)
		var kept []any
		for _, u := range asList(out["Resources"]) {
			if asMap(u)["userName"] == want {
				kept = append(kept, u)
			}
		}
		out["Resources"], out["totalResults"], out["itemsPerPage"] = kept, len(kept), len(kept)
	}
	eachResource(out, func(res map[string]any) {
		switch {
		case strings.HasPrefix(path, "/Users"):
			if on[breakNoName] {
				delete(res, "name")
			}
			if on[breakSloppyUser] {
				delete(res, "groups")
				delete(res, "meta")
				res["nickName"] = nil
			}
		case strings.HasPrefix(path, "/Groups"):
			if on[breakMembersOmitted] {
				delete(res, "members")
			}
			b.mu.Lock()
			if name, ok := b.renamed[fmt.Sprint(res["id"])]; ok {
				res["displayName"] = name
			}
			b.mu.Unlock()
		}
	})
	a.body = mustJSON(out)
	return a
}

func eachResource(body map[string]any, fn func(map[string]any)) {
	if res, ok := body["Resources"].([]any); ok {
		for _, r := range res {
			if m := asMap(r); m != nil {
				fn(m)
			}
		}
		return
	}
	if _, ok := body["id"]; ok {
		fn(body)
	}
}

// externalIDAnyCase answers an externalId filter matching without case.
func (b *brokenServer) externalIDAnyCase(filter string, h http.Header) answer {
	want := strings.Trim(strings.TrimPrefix(filter, "externalId eq "), `"`)
	all := b.call(http.MethodGet, "/Users", url.Values{"count": {"100"}}, h, nil).json()
	var found []any
	for _, u := range asList(all["Resources"]) {
		if strings.EqualFold(fmt.Sprint(asMap(u)["externalId"]), want) {
			found = append(found, u)
		}
	}
	return jsonAnswer(200, map[string]any{"schemas": []string{scim.ListResponseSchema}, "totalResults": len(found),
		"startIndex": 1, "itemsPerPage": len(found), "Resources": found})
}

// Each breakage makes the checks that test that behaviour fail (and the
// others in its profiles may fail too, when a breakage takes what they
// need). Together the breakages make every check fail once: none of them
// passes whatever the server does.
func TestChecksFailOnABrokenServer(t *testing.T) {
	cases := []struct {
		b        breakage
		mustFail []string
	}{
		{breakNoConflict, []string{"okta-spec/08", "atlassian/email-unique", "atlassian/group-name-unique"}},
		{breakPatchIgnored, []string{"okta-crud/07-08", "okta-crud/12-13", "atlassian/user-patch", "atlassian/user-deactivation", "atlassian/group-members", "atlassian/group-unknown-member"}},
		{breakPatchStrict, []string{"atlassian/patch-spellings"}},
		{breakFilteredRemoveIgnored, []string{"atlassian/group-members"}},
		{breakPutIgnored, []string{"okta-crud/05-06", "atlassian/user-put"}},
		{breakPutMerges, []string{"atlassian/user-put"}},
		{breakPagingStrings, []string{"okta-spec/01", "okta-spec/05", "okta-crud/setup", "atlassian/paging"}},
		{breakPagingIgnored, []string{"atlassian/paging"}},
		{breakFilterIgnored, []string{"okta-spec/03", "okta-spec/05", "okta-crud/03-04", "atlassian/filters"}},
		{breakFilterCase, []string{"atlassian/filter-username-case"}},
		{breakFilterUpperRefused, []string{"okta-spec/09"}},
		{breakExternalIDCase, []string{"atlassian/filter-externalid-exact"}},
		{breakContentType, []string{"atlassian/content-types"}},
		{breakSCIMJSONRefused, []string{"okta-crud/03-04", "atlassian/content-types"}},
		{breakPlainErrors, []string{"okta-spec/04", "okta-spec/12", "atlassian/error-envelope", "atlassian/user-required", "atlassian/wire-errors"}},
		{breakStatusNumber, []string{"atlassian/error-envelope"}},
		{breakNoAuth, []string{"okta-spec/11", "atlassian/auth-statuses", "atlassian/auth-error-body"}},
		{breakNoName, []string{"okta-spec/01", "okta-spec/02", "okta-spec/06", "okta-spec/07", "okta-crud/03-04"}},
		{breakSloppyUser, []string{"atlassian/user-representation", "atlassian/group-shape"}},
		{breakMembersOmitted, []string{"atlassian/group-members", "atlassian/group-shape"}},
		{breakNoGroups, []string{"okta-spec/10"}},
		{breakSlowGroups, []string{"okta-spec/10"}},
		{breakDeactivateDeletes, []string{"okta-crud/07-08", "atlassian/user-deactivation"}},
		{breakReactivationIgnored, []string{"okta-crud/09-11", "atlassian/user-deactivation"}},
		{breakDeleteUnsupported, []string{"atlassian/user-delete"}},
		{breakRequiredNotEnforced, []string{"atlassian/user-required"}},
		{breakRenamesGroups, []string{"atlassian/group-rename"}},
		{breakNoDiscovery, []string{"atlassian/discovery"}},
		{breakAttributesIgnored, []string{"atlassian/attributes"}},
	}
	// Step 11 also fails on mockatlassian's default, Atlassian's own body
	// (TestMockAtlassian).
	proven := map[string]bool{}
	for _, tc := range cases {
		t.Run(string(tc.b), func(t *testing.T) {
			// SCIM error bodies on auth failures, so step 11 passes unless broken.
			opts := atlassianTarget(t, scimErrorBody, tc.b)
			opts.NoTimeLimits = tc.b != breakSlowGroups
			opts.Profiles = profilesOf(tc.mustFail)
			rep := mustRun(t, opts)
			got := failing(rep)
			for _, id := range tc.mustFail {
				if !slices.Contains(got, id) {
					t.Errorf("%s did not fail; failing: %v\n%s", id, got, reportText(rep))
					continue
				}
				proven[id] = true
				if c := rep.Check(id); c.Status != Skipped && len(c.Failures) == 0 {
					t.Errorf("%s failed without saying which assertion", id)
				}
			}
		})
	}
	all := mustRun(t, atlassianTarget(t, nil))
	for _, p := range all.Profiles {
		for _, c := range p.Checks {
			if !proven[c.ID] && c.ID != "okta-spec/11" {
				t.Errorf("no breakage makes %s fail", c.ID)
			}
		}
	}
}

func profilesOf(ids []string) []Profile {
	var out []Profile
	for _, p := range Profiles {
		for _, id := range ids {
			if strings.HasPrefix(id, string(p)+"/") && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}
