package mockokta

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// crash stops a server the way kill -9 would, as far as the store can
// tell: the engine stops, nothing more is written, the file is closed.
func crash(s *Server) {
	s.Model.Close()
	s.store.Abandon()
}

// restart starts a server again on cfg's data directory.
func restart(t *testing.T, cfg Config) *Server {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	cfg.Logger, cfg.Options.Logger = logger, logger
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// storedRecords is what the store holds of one kind, as the next start
// would load it.
func storedRecords(t *testing.T, s *Server, kind string) []string {
	t.Helper()
	tenants, err := s.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tr := range tenants {
		for _, raw := range tr.Records[kind] {
			out = append(out, string(raw))
		}
	}
	return out
}

// TestEngineOutcomesAreSaved: the externalIds the engine writes after an
// API call was answered reach the store without any further request, and
// survive a crash.
func TestEngineOutcomesAreSaved(t *testing.T) {
	dir := t.TempDir()
	w := newWired(t, dir)
	w.provisionSome()
	ext := w.externalIDs()
	deadline := time.Now().Add(10 * time.Second)
	for {
		stored := strings.Join(storedRecords(t, w.srv, kindAppUser), "\n")
		missing := ""
		for _, id := range ext {
			if !strings.Contains(stored, `"externalId":"`+id+`"`) {
				missing = id
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("externalId %s never reached the store", missing)
		}
		time.Sleep(20 * time.Millisecond)
	}
	before := apiView(t, w.srv, testToken)
	crash(w.srv)

	srv := restart(t, w.srv.cfg)
	sameView(t, "crash and restart", before, apiView(t, srv, testToken))
	if srv.Booted.Org.ID != "okta-org" || srv.Booted.AppID != w.appID || len(srv.Model.Orgs()) != 1 {
		t.Fatalf("booted %+v, orgs %v", srv.Booted, srv.Model.Orgs())
	}
}

// TestQueuedJobsSurviveACrash: jobs queued when the server dies run after
// the restart. The Atlassian side holds the engine's first request (a hang
// fault), so every job is still queued or running at the crash.
func TestQueuedJobsSurviveACrash(t *testing.T) {
	dir := t.TempDir()
	w := newWired(t, dir)
	atl := func(method, path string, body string) {
		rec := httptest.NewRecorder()
		w.atl.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		if rec.Code >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
	}
	atl("POST", "/_sim/faults", `{"method":"GET","path":"/scim/directory/`+atlDir+`/Users*","hang":"1m"}`)
	var ids []string
	for _, login := range []string{"ada@example.com", "grace@example.com", "linus@example.com"} {
		u := w.createUser(login, "", true)["id"].(string)
		w.do("POST", "/api/v1/apps/"+w.appID+"/users", map[string]any{"id": u, "scope": "USER"}).must(t, http.StatusOK)
		ids = append(ids, u)
	}
	if n := len(storedRecords(t, w.srv, kindJob)); n != 3 {
		t.Fatalf("%d jobs stored while the engine is held, want 3", n)
	}
	crash(w.srv)
	atl("DELETE", "/_sim/faults", "")

	srv := restart(t, w.srv.cfg)
	if err := srv.Model.WaitIdleTimeout("okta-org", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	o, _ := srv.Model.Org("okta-org")
	e := &oktaEnv{t: t, srv: srv, org: o, token: testToken}
	for _, id := range ids {
		au := e.do("GET", "/api/v1/apps/"+w.appID+"/users/"+id, nil).must(t, http.StatusOK).obj()
		if au["status"] != AppUserProvisioned || au["externalId"] == nil {
			t.Errorf("app user %s after the restart: %v", id, au)
		}
	}
	if total, _, _, err := w.atl.Model.ListUsers(atlDir, nil, 1, 100); err != nil || total != 3 {
		t.Fatalf("%d users in the Atlassian directory (%v), want the 3 assigned", total, err)
	}
	// Done jobs are forgotten.
	deadline := time.Now().Add(10 * time.Second)
	for len(storedRecords(t, srv, kindJob)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("jobs still stored after they ran: %v", storedRecords(t, srv, kindJob))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAPIWriteIsStoredBeforeTheAnswer reads the store as soon as a write
// is answered.
func TestAPIWriteIsStoredBeforeTheAnswer(t *testing.T) {
	w := newWired(t, t.TempDir())
	has := func(kind, s string) bool {
		return strings.Contains(strings.Join(storedRecords(t, w.srv, kind), "\n"), s)
	}
	u := w.createUser("ada@example.com", "", true)
	if !has(kindUser, u["id"].(string)) {
		t.Fatal("an acknowledged user creation is not in the store")
	}
	w.do("POST", "/api/v1/users/"+u["id"].(string), map[string]any{"profile": map[string]any{"title": "Countess"}}).must(t, 200)
	if !has(kindUser, "Countess") {
		t.Fatal("an acknowledged profile update is not in the store")
	}
	g := w.createGroup("engineers")
	if !has(kindGroup, g["id"].(string)) {
		t.Fatal("an acknowledged group creation is not in the store")
	}
	if err := w.srv.Model.WaitIdleTimeout(w.org.ID, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	before, _ := w.srv.store.Load()
	w.do("POST", "/api/v1/users", userBody("ada@example.com", "A", "L")).must(t, http.StatusBadRequest)
	w.doAuth("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "x"}}, "SSWS wrong").must(t, http.StatusUnauthorized)
	if after, _ := w.srv.store.Load(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatal("a rejected write changed the store")
	}
	_ = w.srv.store.Close()
	if r := w.createUserRaw("lost@example.com"); r.Status != http.StatusInternalServerError {
		t.Fatalf("write with a failed store: %d %s", r.Status, r.Raw)
	}
}

func (e *oktaEnv) createUserRaw(login string) resp {
	return e.do("POST", "/api/v1/users", withPassword(userBody(login, "F", "L"), goodPassword))
}

func TestDataDirRandomBootIsFoundAgain(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	cfg := Config{Options: Options{Logger: logger}, Logger: logger, DataDir: t.TempDir(), Boot: &Boot{}}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	first := *srv.Booted
	srv.Close()
	srv, err = NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if srv.Booted.Org.ID != first.Org.ID || len(srv.Model.Orgs()) != 1 || srv.Booted.Org.Token != keptKey {
		t.Fatalf("restart booted %+v (orgs %v), first %+v", srv.Booted, srv.Model.Orgs(), first)
	}
	if o, ok := srv.Model.OrgByToken(first.Org.Token); !ok || o.ID != first.Org.ID {
		t.Fatal("the token generated at the first start no longer works")
	}
}

// BenchmarkAPIWrite measures one acknowledged Management API write (a
// profile update) in memory and with --data-dir, with an org of several
// sizes whose System Log is full (10,000 events): with --data-dir the
// user's record and the new event are written, whatever the org holds.
func BenchmarkAPIWrite(b *testing.B) {
	for _, users := range []int{1, 1000, 20000} {
		for _, durable := range []bool{false, true} {
			name := fmt.Sprintf("users=%d/memory", users)
			if durable {
				name = fmt.Sprintf("users=%d/data-dir", users)
			}
			b.Run(name, func(b *testing.B) {
				logger := slog.New(slog.DiscardHandler)
				cfg := Config{Options: Options{Logger: logger}, Logger: logger, Boot: &Boot{OrgID: "o", APIToken: testToken}}
				if durable {
					cfg.DataDir = b.TempDir()
				}
				srv, err := NewServer(cfg)
				if err != nil {
					b.Fatal(err)
				}
				defer srv.Close()
				o, _ := srv.Model.Org("o")
				var id string
				for i := range users {
					u, err := srv.Model.CreateUser(o, CreateUserInput{Profile: map[string]any{"login": fmt.Sprintf("u%d@example.com", i),
						"email": fmt.Sprintf("u%d@example.com", i), "firstName": "F", "lastName": "L"}, Activate: true, Provider: true})
					if err != nil {
						b.Fatal(err)
					}
					id = u.ID
				}
				for i := range 10000 {
					if _, err := srv.Model.UpdateUser(o, id, UpdateUserInput{Profile: map[string]any{"title": fmt.Sprint("t", i)}}); err != nil {
						b.Fatal(err)
					}
				}
				if srv.store != nil {
					if err := srv.store.Commit(); err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				for i := range b.N {
					req := httptest.NewRequest("POST", "/api/v1/users/"+id, strings.NewReader(fmt.Sprintf(`{"profile":{"title":"n%d"}}`, i)))
					req.Header.Set("Authorization", "SSWS "+testToken)
					rec := httptest.NewRecorder()
					srv.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("update: %d %s", rec.Code, rec.Body)
					}
				}
			})
		}
	}
}

// TestSystemLogIsStoredIncrementally: the log is stored event by event,
// trimmed like the org's (MaxLogEvents), and stored anew after a reset.
func TestSystemLogIsStoredIncrementally(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	cfg := Config{Options: Options{Logger: logger, MaxLogEvents: 5}, Logger: logger, DataDir: t.TempDir(),
		Boot: &Boot{OrgID: "o", APIToken: testToken}}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := srv.Model.Org("o")
	e := &oktaEnv{t: t, srv: srv, org: o, token: testToken}
	for i := range 4 {
		e.createUser(fmt.Sprintf("u%d@example.com", i), "", true) // 2 events each: create, activate
	}
	if n := len(storedRecords(t, srv, kindLog)); n != 5 {
		t.Fatalf("%d events stored, want the 5 the org keeps", n)
	}
	before := apiView(t, srv, testToken)
	crash(srv)
	srv = restart(t, cfg)
	sameView(t, "restart", before, apiView(t, srv, testToken))
	o, _ = srv.Model.Org("o")
	e = &oktaEnv{t: t, srv: srv, org: o, token: testToken}
	e.createGroup("after-restart")
	e.do("POST", "/_sim/orgs/o/reset", nil).must(t, http.StatusNoContent)
	e.createGroup("after-reset")
	if n := len(storedRecords(t, srv, kindLog)); n != 1 {
		t.Fatalf("%d events stored after a reset and one write, want 1", n)
	}
}
