package mockokta

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/sim"
)

// crash stops a server the way kill -9 would, as far as the store can
// tell: no final save, the file just closed.
func crash(s *Server) {
	p := s.cfg.durable
	s.Model.Close()
	p.wmu.Lock()
	p.closed = true
	p.wmu.Unlock()
	p.cancel()
	p.wg.Wait()
	_ = p.store.Close()
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
		raw, err := w.srv.cfg.durable.store.Get(kindOrgs, w.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		missing := ""
		for _, id := range ext {
			if !strings.Contains(string(raw), `"externalId":"`+id+`"`) {
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
	before, _ := w.srv.Model.Snapshot()
	crash(w.srv)

	logger := slog.New(slog.DiscardHandler)
	cfg := w.srv.cfg
	cfg.durable, cfg.Logger, cfg.Options.Logger = nil, logger, logger
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer srv.Close()
	after, _ := srv.Model.Snapshot()
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after)
	if string(b1) != string(b2) {
		t.Fatalf("state changed across a crash:\n%s\n%s", b1, b2)
	}
	if srv.Booted.Org.ID != "okta-org" || srv.Booted.AppID != w.appID || len(srv.Model.Orgs()) != 1 {
		t.Fatalf("booted %+v, orgs %v", srv.Booted, srv.Model.Orgs())
	}
}

// TestAPIWriteIsStoredBeforeTheAnswer reads the store as soon as a write
// is answered.
func TestAPIWriteIsStoredBeforeTheAnswer(t *testing.T) {
	w := newWired(t, t.TempDir())
	stored := func() string {
		raw, err := w.srv.cfg.durable.store.Get(kindOrgs, w.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	u := w.createUser("ada@example.com", "", true)
	if !strings.Contains(stored(), u["id"].(string)) {
		t.Fatal("an acknowledged user creation is not in the store")
	}
	w.do("POST", "/api/v1/users/"+u["id"].(string), map[string]any{"profile": map[string]any{"title": "Countess"}}).must(t, 200)
	if !strings.Contains(stored(), "Countess") {
		t.Fatal("an acknowledged profile update is not in the store")
	}
	g := w.createGroup("engineers")
	if !strings.Contains(stored(), g["id"].(string)) {
		t.Fatal("an acknowledged group creation is not in the store")
	}
	before := stored()
	w.do("POST", "/api/v1/users", userBody("ada@example.com", "A", "L")).must(t, http.StatusBadRequest)
	w.doAuth("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "x"}}, "SSWS wrong").must(t, http.StatusUnauthorized)
	if stored() != before {
		t.Fatal("a rejected write changed the store")
	}
	_ = w.srv.cfg.durable.store.Close()
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
// sizes whose System Log is full (10,000 events).
func BenchmarkAPIWrite(b *testing.B) {
	for _, users := range []int{1, 100, 1000} {
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
				if p := srv.cfg.durable; p != nil {
					if err := p.commit.Commit(true); err != nil {
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

// TestSystemLogIsStoredIncrementally: the log is appended event by event,
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
	stored := func(s *Server) int {
		n := 0
		_ = s.cfg.durable.store.View(func(tx *sim.StoreTx) error {
			return tx.ForEach(logKind("o"), func(string, []byte) error { n++; return nil })
		})
		return n
	}
	for i := range 4 {
		e.createUser(fmt.Sprintf("u%d@example.com", i), "", true) // 2 events each: create, activate
	}
	if n := stored(srv); n != 5 {
		t.Fatalf("%d events stored, want the 5 the org keeps", n)
	}
	logs := func(s *Server) string {
		snap, _ := s.Model.Snapshot("o")
		raw, _ := json.Marshal(snap.Orgs[0].Logs)
		return string(raw)
	}
	before := logs(srv)
	crash(srv)
	cfg.durable = nil
	srv, err = NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if logs(srv) != before {
		t.Fatalf("log after restart:\n%s\nwant\n%s", logs(srv), before)
	}
	o, _ = srv.Model.Org("o")
	e = &oktaEnv{t: t, srv: srv, org: o, token: testToken}
	e.do("POST", "/_sim/orgs/o/reset", nil).must(t, http.StatusNoContent)
	e.createGroup("after-reset")
	if n := stored(srv); n != 1 {
		t.Fatalf("%d events stored after a reset and one write, want 1", n)
	}
	srv.Close()
}
