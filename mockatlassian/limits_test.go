package mockatlassian

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/scim"
)

// Every bound mockatlassian enforces, each with the error it answers
// (docs/state.md, "Access and limits").

func memberRefs(ids ...string) []any {
	out := []any{}
	for _, id := range ids {
		out = append(out, map[string]any{"value": id})
	}
	return out
}

func patchBody(ops ...map[string]any) map[string]any {
	return map[string]any{"schemas": []string{scim.PatchOpSchema}, "Operations": ops}
}

func TestLimits(t *testing.T) {
	t.Run("request body: 1 MiB by default, 413", func(t *testing.T) {
		e := newEnv(t)
		big := userBody("big@example.com")
		big["displayName"] = strings.Repeat("x", DefaultMaxBodyBytes)
		e.scim("POST", "/Users", big).wantSCIMError(t, http.StatusRequestEntityTooLarge, "")
		e.scim("POST", "/Users", userBody("small@example.com")).wantStatus(t, http.StatusCreated)
		r := e.call("POST", "/_sim/orgs", "", map[string]any{"name": strings.Repeat("n", DefaultMaxBodyBytes)}).wantStatus(t, http.StatusRequestEntityTooLarge)
		if r.str("error") == "" {
			t.Fatalf("control 413 body %s", r.Raw)
		}
		r = e.call("POST", "/admin/user-provisioning/v1/org/"+testOrg+"/get-scim-links-for-email", "Bearer "+testOrgKey,
			map[string]any{"email": strings.Repeat("a", DefaultMaxBodyBytes)}).wantStatus(t, http.StatusRequestEntityTooLarge)
		if r.str("error") == "" || r.str("traceId") == "" {
			t.Fatalf("admin 413 body %s", r.Raw)
		}
	})
	t.Run("request body: --max-body-bytes", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.MaxBodyBytes = 300 })
		body := userBody("ada@example.com")
		body["title"] = strings.Repeat("t", 300)
		r := e.scim("POST", "/Users", body).wantSCIMError(t, http.StatusRequestEntityTooLarge, "")
		if !strings.Contains(r.str("detail"), "300 bytes") {
			t.Fatalf("detail %q does not name the limit", r.str("detail"))
		}
	})
	t.Run("page size: count is capped at 100", func(t *testing.T) {
		e := newEnv(t)
		for i := range 101 {
			e.createUser(fmt.Sprintf("u%03d@example.com", i))
		}
		for _, q := range []string{"", "?count=1000", "?count=101&startIndex=1"} {
			r := e.scim("GET", "/Users"+q, nil).wantStatus(t, http.StatusOK)
			if r.num("totalResults") != 101 || r.num("itemsPerPage") != 100 || len(dig(r.Body, "Resources").([]any)) != 100 {
				t.Fatalf("GET /Users%s: total %v, itemsPerPage %v", q, r.num("totalResults"), r.num("itemsPerPage"))
			}
		}
		r := e.scim("GET", "/Users?startIndex=101&count=1000", nil).wantStatus(t, http.StatusOK)
		if len(dig(r.Body, "Resources").([]any)) != 1 {
			t.Fatalf("last page: %s", r.Raw)
		}
	})
	t.Run("page size: Options.PageSize", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Options.PageSize = 2 })
		for _, name := range []string{"g1", "g2", "g3"} {
			e.createGroup(name)
		}
		if r := e.scim("GET", "/Groups?count=50", nil).wantStatus(t, http.StatusOK); r.num("itemsPerPage") != 2 || r.num("totalResults") != 3 {
			t.Fatalf("groups page: %s", r.Raw)
		}
	})
	t.Run("users per directory: error mode, 400", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Options.MaxUsersPerDirectory = 2; c.Options.LimitMode = LimitError })
		e.createUser("a@example.com")
		e.createUser("b@example.com")
		r := e.scim("POST", "/Users", userBody("c@example.com")).wantSCIMError(t, http.StatusBadRequest, scim.TypeInvalidValue)
		if !strings.Contains(r.str("detail"), "limit of 2 users") {
			t.Fatalf("detail %q", r.str("detail"))
		}
	})
	t.Run("users per directory: stop-syncing mode keeps the record unlinked", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Options.MaxUsersPerDirectory = 1 })
		e.createUser("a@example.com")
		r := e.scim("POST", "/Users", userBody("c@example.com")).wantStatus(t, http.StatusCreated)
		if bytes.Contains(r.Raw, []byte("atlassianAccountId")) {
			t.Fatalf("a user past the limit was linked: %s", r.Raw)
		}
		if st := e.control("GET", "/orgs/"+testOrg+"/accounts/c@example.com", nil, nil); st != http.StatusNotFound {
			t.Fatalf("account for the unsynced user: %d", st)
		}
	})
	t.Run("users per group: 400", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Options.MaxUsersPerGroup = 2 })
		a, b, c := e.createUser("a@example.com"), e.createUser("b@example.com"), e.createUser("c@example.com")
		e.scim("POST", "/Groups", map[string]any{"displayName": "g", "members": memberRefs(a, b, c)}).wantSCIMError(t, http.StatusBadRequest, scim.TypeInvalidValue)
		g := e.createGroup("g", a, b)
		e.scim("PATCH", "/Groups/"+g, patchBody(map[string]any{"op": "add", "path": "members", "value": memberRefs(c)})).
			wantSCIMError(t, http.StatusBadRequest, scim.TypeInvalidValue)
		e.scim("PUT", "/Groups/"+g, map[string]any{"displayName": "g", "members": memberRefs(a, b, c)}).wantSCIMError(t, http.StatusBadRequest, scim.TypeInvalidValue)
	})
	t.Run("members per PATCH: 1,000 by default, 400 invalidValue", func(t *testing.T) {
		e := newEnv(t)
		if got := e.srv.Model.Options().MaxMembersPerPatch; got != 1000 {
			t.Fatalf("default %d", got)
		}
		u := e.createUser("a@example.com")
		g := e.createGroup("g")
		ids := make([]string, 1001)
		for i := range ids {
			ids[i] = u // the bound counts what is named, before any lookup
		}
		before := e.snapshot()
		r := e.scim("PATCH", "/Groups/"+g, patchBody(map[string]any{"op": "add", "path": "members", "value": memberRefs(ids...)})).
			wantSCIMError(t, http.StatusBadRequest, scim.TypeInvalidValue)
		if !strings.Contains(r.str("detail"), "at most 1000") || !strings.Contains(r.str("detail"), "names 1001") {
			t.Fatalf("detail %q", r.str("detail"))
		}
		if e.snapshot() != before {
			t.Fatal("a refused PATCH changed the directory")
		}
		e.scim("PATCH", "/Groups/"+g, patchBody(map[string]any{"op": "add", "path": "members", "value": memberRefs(ids[:1000]...)})).wantStatus(t, http.StatusOK)
	})
	t.Run("members per PATCH: every way of naming members counts", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Options.MaxMembersPerPatch = 2 })
		a, b, c := e.createUser("a@example.com"), e.createUser("b@example.com"), e.createUser("c@example.com")
		g := e.createGroup("g", a)
		remove := func(id string) map[string]any {
			return map[string]any{"op": "remove", "path": `members[value eq "` + id + `"]`}
		}
		for name, body := range map[string]map[string]any{
			"add path members":      patchBody(map[string]any{"op": "add", "path": "members", "value": memberRefs(a, b, c)}),
			"add with the URN":      patchBody(map[string]any{"op": "Add", "path": scim.GroupSchema + ":members", "value": memberRefs(a, b, c)}),
			"add without a path":    patchBody(map[string]any{"op": "add", "value": map[string]any{"members": memberRefs(a, b, c)}}),
			"filtered removes":      patchBody(remove(a), remove(b), remove(c)),
			"remove with a value":   patchBody(map[string]any{"op": "remove", "path": "members", "value": memberRefs(a, b, c)}),
			"two adds of two":       patchBody(map[string]any{"op": "add", "path": "members", "value": memberRefs(a, b)}, map[string]any{"op": "add", "path": "members", "value": memberRefs(c)}),
			"Operations lower-case": {"operations": []any{map[string]any{"op": "add", "path": "members", "value": memberRefs(a, b, c)}}},
		} {
			r := e.scim("PATCH", "/Groups/"+g, body)
			if r.Status != http.StatusBadRequest || r.str("scimType") != scim.TypeInvalidValue || !strings.Contains(r.str("detail"), "at most 2") {
				t.Errorf("%s: %d %s, want 400 invalidValue naming the bound", name, r.Status, r.Raw)
			}
		}
		// Within the bound, and a replace of the whole list (Push Now), pass.
		e.scim("PATCH", "/Groups/"+g, patchBody(map[string]any{"op": "add", "path": "members", "value": memberRefs(b, c)})).wantStatus(t, http.StatusOK)
		e.scim("PATCH", "/Groups/"+g, patchBody(map[string]any{"op": "replace", "path": "members", "value": memberRefs(a, b, c)})).wantStatus(t, http.StatusOK)
		e.scim("PATCH", "/Groups/"+g, patchBody(remove(a), remove(b))).wantStatus(t, http.StatusOK)
	})
	t.Run("members per PATCH: --max-members-per-patch", func(t *testing.T) {
		cli, err := ParseFlags([]string{"--max-members-per-patch", "50"}, func(string) string { return "" }, &bytes.Buffer{})
		if err != nil || cli.Config.Options.MaxMembersPerPatch != 50 {
			t.Fatalf("%v %d", err, cli.Config.Options.MaxMembersPerPatch)
		}
		cli, _ = ParseFlags(nil, func(k string) string {
			return map[string]string{"MOCKATLASSIAN_MAX_MEMBERS_PER_PATCH": "7"}[k]
		}, &bytes.Buffer{})
		if cli.Config.Options.MaxMembersPerPatch != 7 {
			t.Fatalf("env: %d", cli.Config.Options.MaxMembersPerPatch)
		}
	})
	t.Run("journal: --journal-size entries", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Journal.MaxEntries = 3 })
		for range 5 {
			e.scim("GET", "/Users", nil)
		}
		var j struct{ Entries []any }
		e.control("GET", "/journal", nil, &j)
		if len(j.Entries) != 3 {
			t.Fatalf("%d journal entries kept, want 3", len(j.Entries))
		}
	})
}
