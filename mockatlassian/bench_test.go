package mockatlassian

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/scim"
)

// Hot paths through the full HTTP handler (routing, auth, journal, JSON).

func benchEnv(b *testing.B, users int) (*testEnv, []string) {
	t := &testing.T{}
	e := newEnv(t)
	e.t = t
	ids := make([]string, users)
	for i := range users {
		r := e.scim("POST", "/Users", userBody(fmt.Sprintf("u%06d@example.com", i)))
		if r.Status != http.StatusCreated {
			b.Fatalf("seed: %d %s", r.Status, r.Raw)
		}
		ids[i] = r.str("id")
	}
	return e, ids
}

func serve(b *testing.B, e *testEnv, method, path, body string) {
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, "/scim/directory/"+testDir+path, strings.NewReader(body))
	} else {
		req = httptest.NewRequest(method, "/scim/directory/"+testDir+path, nil)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
}

func BenchmarkSCIMGetUser(b *testing.B) {
	e, ids := benchEnv(b, 1000)
	b.ResetTimer()
	for i := range b.N {
		serve(b, e, "GET", "/Users/"+ids[i%len(ids)], "")
	}
}

func BenchmarkSCIMFilterUserName(b *testing.B) {
	e, _ := benchEnv(b, 1000)
	b.ResetTimer()
	for i := range b.N {
		serve(b, e, "GET", fmt.Sprintf("/Users?filter=userName%%20eq%%20%%22u%06d%%40example.com%%22", i%1000), "")
	}
}

func BenchmarkSCIMCreateUser(b *testing.B) {
	e, _ := benchEnv(b, 0)
	b.ResetTimer()
	for i := range b.N {
		serve(b, e, "POST", "/Users", fmt.Sprintf(`{"userName":"n%d@example.com","emails":[{"value":"n%d@example.com","primary":true}]}`, i, i))
	}
}

func BenchmarkSCIMPatchDeactivate(b *testing.B) {
	e, ids := benchEnv(b, 1000)
	b.ResetTimer()
	for i := range b.N {
		serve(b, e, "PATCH", "/Users/"+ids[i%len(ids)], `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`)
	}
}

// BenchmarkSCIMPatchGroupMembers is a group member PATCH (add one user,
// then remove one by filter, alternately) at three group sizes: Okta's
// group push in its steady state. Each answer is the full group.
func BenchmarkSCIMPatchGroupMembers(b *testing.B) {
	for _, size := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			e := newEnv(&testing.T{})
			ids := make([]string, size+1000)
			for i := range ids {
				email := fmt.Sprintf("u%06d@example.com", i)
				u, err := e.srv.Model.CreateUser(testDir, scim.User{UserName: email, Emails: []scim.Email{{Value: email, Primary: true}}})
				if err != nil {
					b.Fatal(err)
				}
				ids[i] = u.ID
			}
			members := make([]scim.Ref, size)
			for i := range members {
				members[i] = scim.Ref{Value: ids[i]}
			}
			g, err := e.srv.Model.CreateGroup(testDir, scim.Group{DisplayName: "bench", Members: members})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				u := ids[size+(i/2)%1000]
				op := `{"op":"add","path":"members","value":[{"value":"` + u + `","display":"x"}]}`
				if i%2 == 1 {
					op = `{"op":"remove","path":"members[value eq \"` + u + `\"]"}`
				}
				serve(b, e, "PATCH", "/Groups/"+g.ID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+op+`]}`)
			}
		})
	}
}

// BenchmarkModelPatchGroupMembers is the model's share of a member PATCH
// (no HTTP): what the organization lock is held for.
func BenchmarkModelPatchGroupMembers(b *testing.B) {
	for _, size := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			e := newEnv(&testing.T{})
			m := e.srv.Model
			ids := make([]string, size+1000)
			for i := range ids {
				email := fmt.Sprintf("u%06d@example.com", i)
				u, err := m.CreateUser(testDir, scim.User{UserName: email, Emails: []scim.Email{{Value: email, Primary: true}}})
				if err != nil {
					b.Fatal(err)
				}
				ids[i] = u.ID
			}
			refs := make([]scim.Ref, size)
			for i := range refs {
				refs[i] = scim.Ref{Value: ids[i]}
			}
			g, err := m.CreateGroup(testDir, scim.Group{DisplayName: "bench", Members: refs})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				u := ids[size+(i/2)%1000]
				op := scim.PatchOperation{Op: scim.OpAdd, Path: "members", Value: []byte(`[{"value":"` + u + `"}]`)}
				if i%2 == 1 {
					op = scim.PatchOperation{Op: scim.OpRemove, Path: `members[value eq "` + u + `"]`}
				}
				if _, err := m.patchGroupJSON(testDir, g.ID, []scim.PatchOperation{op}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
