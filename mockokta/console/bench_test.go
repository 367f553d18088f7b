package console_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/mockokta"
	"github.com/provsim/provsim/mockokta/console"
)

// The console's pages at 10,000 users (issue 12: under 50 ms each). The
// figures are ns/op of one whole page render through the server's
// handler; run them with
//
//	go test -run '^$' -bench . -benchtime 20x ./mockokta/console/

const benchUsers = 10000

type benchOrg struct {
	srv    *mockokta.Server
	org    *mockokta.Org
	users  []*mockokta.User
	group  *mockokta.Group
	appID  string
	lastID string
}

var (
	benchOnce  sync.Once
	benchState *benchOrg
)

// tenThousand builds, once per run, an org of 10,000 people, all in one
// group assigned to an app (without a connection, so nothing is sent),
// and a full outbound journal of 10,000 SCIM exchanges.
func tenThousand(b *testing.B) *benchOrg {
	benchOnce.Do(func() {
		quiet := slog.New(slog.DiscardHandler)
		jr := journal.New(journal.Options{MaxEntries: benchUsers}, nil)
		srv, err := mockokta.NewServer(mockokta.Config{Logger: quiet, Console: console.Mount,
			Options: mockokta.Options{Seed: 9, Logger: quiet, Journal: jr, MaxLogEvents: 20000},
			Boot:    &mockokta.Boot{OrgName: "Bench", APIToken: "00bench"}})
		if err != nil {
			panic(err)
		}
		o, _ := srv.Model.Org(srv.Booted.Org.ID)
		s := &benchOrg{srv: srv, org: o}
		name := "everyone-bench"
		g, err := srv.Model.CreateGroup(o, mockokta.GroupProfileInput{Name: &name})
		if err != nil {
			panic(err)
		}
		s.group = g
		a, err := srv.Model.CreateApp(o, mockokta.CreateAppInput{Name: "atlassian", Activate: true})
		if err != nil {
			panic(err)
		}
		s.appID = a.ID
		for i := range benchUsers {
			login := fmt.Sprintf("person%05d@example.com", i)
			u, err := srv.Model.CreateUser(o, mockokta.CreateUserInput{Activate: true,
				Profile: map[string]any{"firstName": fmt.Sprintf("First%05d", i), "lastName": "Person", "login": login, "email": login}})
			if err != nil {
				panic(err)
			}
			if err := srv.Model.AddGroupMember(o, g.ID, u.ID); err != nil {
				panic(err)
			}
			s.users = append(s.users, u)
			body, _ := json.Marshal(map[string]any{"userName": login, "active": true, "emails": []any{map[string]any{"value": login, "primary": true}}})
			jr.Append(journal.Entry{Time: time.Now(), Tenant: o.ID, Direction: "outbound", Method: "POST",
				Path: "http://127.0.0.1:8081/scim/directory/d1/Users", Status: 201, DurationMS: 1.5, RequestBody: body, ResponseBody: body})
		}
		if _, err := srv.Model.AssignGroup(o, a.ID, g.ID, nil, nil); err != nil {
			panic(err)
		}
		s.lastID = s.users[len(s.users)-1].ID
		benchState = s
	})
	return benchState
}

// benchPage renders path b.N times. Besides ns/op (wall time, which a
// busy machine inflates) it reports cpu-ms/op, the process's CPU time per
// page (garbage collection included), which other load does not change.
func benchPage(b *testing.B, path string) {
	s := tenThousand(b)
	b.ReportAllocs()
	start := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkPeoplePage(b *testing.B)     { benchPage(b, "/admin/users") }
func BenchmarkPeopleLastPage(b *testing.B) { benchPage(b, "/admin/users?page=200") }
func BenchmarkPeopleSearch(b *testing.B)   { benchPage(b, "/admin/users?q=first0999") }
func BenchmarkPeopleByStatus(b *testing.B) { benchPage(b, "/admin/users?status=PROVISIONED") }
func BenchmarkPersonPage(b *testing.B)     { benchPage(b, "/admin/users/"+tenThousand(b).lastID) }
func BenchmarkGroupOf10kPage(b *testing.B) { benchPage(b, "/admin/groups/"+tenThousand(b).group.ID) }
func BenchmarkGroupOf10kSearch(b *testing.B) {
	benchPage(b, "/admin/groups/"+tenThousand(b).group.ID+"?q=first0999")
}
func BenchmarkAssignments10k(b *testing.B) {
	benchPage(b, "/admin/apps/"+tenThousand(b).appID+"/assignments")
}
func BenchmarkAssignPeople(b *testing.B) {
	benchPage(b, "/admin/apps/"+tenThousand(b).appID+"/assign/people?q=first")
}
func BenchmarkSystemLog(b *testing.B)  { benchPage(b, "/admin/reports/system-log") }
func BenchmarkTraffic10k(b *testing.B) { benchPage(b, "/admin/traffic") }
func BenchmarkTrafficFiltered(b *testing.B) {
	benchPage(b, "/admin/traffic?user=person09999@example.com")
}
