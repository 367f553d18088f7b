package console_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockatlassian/console"
)

// benchUsers is the organization size the console's pages are measured
// at (issue 12: a page renders in under 50 ms at 10,000 users).
const benchUsers = 10000

// benchServer is a server whose directory has benchUsers synced users,
// all in one synced group with Jira Software, plus 20 local groups.
func benchServer(b *testing.B) (*mockatlassian.Server, string) {
	b.Helper()
	srv, err := mockatlassian.NewServer(mockatlassian.Config{Logger: slog.New(slog.DiscardHandler), Console: console.Mount,
		Boot: &mockatlassian.Boot{OrgID: "acme", OrgName: "Acme", DirectoryID: "dir", APIKey: "key", VerifiedDomains: []string{"example.com"},
			Sites: []mockatlassian.AddSiteInput{{Name: "acme.atlassian.net", Products: []string{"jira-software", "confluence"}}}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close() })
	m := srv.Model
	members := make([]scim.Ref, 0, benchUsers)
	for i := range benchUsers {
		email := fmt.Sprintf("user%05d@example.com", i)
		u, err := m.CreateUser("dir", scim.User{UserName: email, DisplayName: fmt.Sprintf("User %d", i), Active: ptr(true),
			Emails: []scim.Email{{Value: email, Primary: true}}})
		if err != nil {
			b.Fatal(err)
		}
		members = append(members, scim.Ref{Value: u.ID})
	}
	if _, err := m.CreateGroup("dir", scim.Group{DisplayName: "everyone", Members: members}); err != nil {
		b.Fatal(err)
	}
	for i := range 20 {
		if _, err := m.CreateLocalGroup("acme", fmt.Sprintf("local-%02d", i), false, nil); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := m.GrantAccess("acme", "acme.atlassian.net", "jira-software", "everyone", true); err != nil {
		b.Fatal(err)
	}
	a, err := m.Account("acme", "user09999@example.com")
	if err != nil {
		b.Fatal(err)
	}
	return srv, a.ID
}

// cpuTime is the CPU time this process has used (user and system, GC
// included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ptr[T any](v T) *T { return &v }

// BenchmarkConsolePages renders each list and detail page of the console
// at 10,000 users (ns/op is one page; the target is under 50 ms).
func BenchmarkConsolePages(b *testing.B) {
	srv, account := benchServer(b)
	g, err := srv.Model.GroupByID("acme", "everyone")
	if err != nil {
		b.Fatal(err)
	}
	for _, page := range []struct{ name, path string }{
		{"users", "/directory/users"},
		{"users-last-page", "/directory/users?page=200"},
		{"users-search", "/directory/users?q=user0999"},
		{"user", "/directory/users/" + account},
		{"groups", "/directory/groups"},
		{"group-10k-members", "/directory/groups/" + g.ID},
		{"directory-users", "/directory/user-provisioning/dir"},
		{"directory-groups", "/directory/user-provisioning/dir?show=groups"},
		{"user-provisioning", "/directory/user-provisioning"},
		{"product-access", "/products/acme.atlassian.net/product-access"},
		{"add-group", "/products/acme.atlassian.net/product-access/jira-software/add-group"},
		{"audit-log", "/security/audit-log"},
		{"traffic", "/traffic"},
	} {
		b.Run(page.name, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, console.Prefix+page.path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", page.path, rec.Code, rec.Body)
				}
			}
			// CPU time per page, which a shared, loaded machine does not
			// inflate the way it inflates ns/op.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
