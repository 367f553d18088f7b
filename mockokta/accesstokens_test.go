package mockokta

import (
	"bytes"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/secret"
)

// OAuth access tokens and the /_sim/ settings survive a restart with
// --data-dir (OAPI-OAUTH-2).

// lockedBuffer is a log sink that tests read while the server writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const bootToken = "boot-token-0123456789"

// dataDirEnv starts (or starts again) a server on dir and clk, booting
// one org with bootToken, logging into logs.
func dataDirEnv(t *testing.T, dir string, clk *clock.Fake, logs *lockedBuffer) *oktaEnv {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := NewServer(Config{Options: Options{Logger: logger, Clock: clk, Seed: 1}, Logger: logger, DataDir: dir,
		Boot: &Boot{APIToken: bootToken}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	o, err := s.Model.Org(s.Booted.Org.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &oktaEnv{t: t, srv: s, clock: clk, org: o, token: bootToken}
}

func TestAccessTokensSurviveARestart(t *testing.T) {
	dir, logs := t.TempDir(), &lockedBuffer{}
	clk := clock.NewFake(time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC))
	e := dataDirEnv(t, dir, clk, logs)
	c := e.newServiceClient("okta.users.read")
	other := e.newServiceClient("okta.users.read")
	tok := e.tokenFor(c, "okta.users.read").must(t, 200).str("access_token")
	otherTok := e.tokenFor(other, "okta.users.read").must(t, 200).str("access_token")
	e.doAuth("GET", "/api/v1/users", nil, "Bearer "+tok).must(t, 200)
	// The store holds the token's hash, never the token; no log names it.
	h := secret.HashOf(tok)
	stored := strings.Join(storedRecords(t, e.srv, kindAccessToken), "\n")
	if !strings.Contains(stored, hex.EncodeToString(h[:])) || strings.Contains(stored, tok) {
		t.Fatalf("stored tokens: %s", stored)
	}
	if strings.Contains(logs.String(), tok) {
		t.Fatal("the access token was logged")
	}
	// Deactivating an app ends its tokens, in the store too.
	e.do("POST", "/api/v1/apps/"+other.id+"/lifecycle/deactivate", nil).must(t, 200)
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}

	e = dataDirEnv(t, dir, clk, logs)
	e.doAuth("GET", "/api/v1/users", nil, "Bearer "+tok).must(t, 200)
	e.doAuth("GET", "/api/v1/users", nil, "Bearer "+otherTok).wantError(t, 401, "E0000011")
	e.doAuth("GET", "/api/v1/users", nil, "Bearer "+tok+"x").wantError(t, 401, "E0000011")

	// An hour later it has expired: refused, and dropped from the store
	// when the next token is issued.
	clk.Advance(accessTokenTTL + time.Second)
	e.doAuth("GET", "/api/v1/users", nil, "Bearer "+tok).wantError(t, 401, "E0000011")
	fresh := e.tokenFor(c, "okta.users.read").must(t, 200).str("access_token")
	fh := secret.HashOf(fresh)
	if stored := storedRecords(t, e.srv, kindAccessToken); len(stored) != 1 || !strings.Contains(stored[0], hex.EncodeToString(fh[:])) {
		t.Fatalf("stored after expiry: %v", stored)
	}
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}

	// A token that expired while the server was down is dropped at load.
	clk.Advance(accessTokenTTL + time.Second)
	e = dataDirEnv(t, dir, clk, logs)
	e.doAuth("GET", "/api/v1/users", nil, "Bearer "+fresh).wantError(t, 401, "E0000011")
	if err := e.srv.Flush(); err != nil {
		t.Fatal(err)
	}
	if stored := storedRecords(t, e.srv, kindAccessToken); len(stored) != 0 {
		t.Fatalf("an expired token stayed stored: %v", stored)
	}
}

// TestSimSettingsSurviveARestart: an org's pace and rate limits set
// through /_sim/ are kept with --data-dir; giving the pace back to the
// server is kept too.
func TestSimSettingsSurviveARestart(t *testing.T) {
	dir, logs := t.TempDir(), &lockedBuffer{}
	clk := clock.NewFake(time.Date(2026, 3, 14, 15, 9, 0, 0, time.UTC))
	e := dataDirEnv(t, dir, clk, logs)
	ctl := func(method, path string, body any) resp { return e.doAuth(method, path, body, "") }
	created := ctl("POST", "/_sim/orgs", map[string]any{"id": "limited", "token": "limited-token-0123", "rateLimits": "okta*0.1", "pace": "fixed:2s"}).must(t, 201)
	if created.str("tokenId") != apiTokenID(secret.HashOf("limited-token-0123")) {
		t.Fatalf("created %s", created.Raw)
	}
	ctl("PUT", "/_sim/orgs/"+e.org.ID+"/pace", map[string]any{"pace": "okta"}).must(t, 200)
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}

	e = dataDirEnv(t, dir, clk, logs)
	ctl = func(method, path string, body any) resp { return e.doAuth(method, path, body, "") }
	if p := ctl("GET", "/_sim/orgs/limited/pace", nil).must(t, 200); p.str("pace") != "fixed:2s" || p.str("source") != "org" {
		t.Fatalf("pace after restart %s", p.Raw)
	}
	if p := ctl("GET", "/_sim/orgs/"+e.org.ID+"/pace", nil).must(t, 200); p.str("pace") != "okta" {
		t.Fatalf("boot org's pace after restart %s", p.Raw)
	}
	// okta*0.1: the apps bucket is 10 a minute, 5 for one token.
	limited := &oktaEnv{t: t, srv: e.srv, clock: clk, token: "limited-token-0123"}
	for range 5 {
		limited.do("GET", "/api/v1/apps", nil).must(t, 200)
	}
	limited.do("GET", "/api/v1/apps", nil).wantError(t, 429, "E0000047")
	// The boot org keeps the server's limits: none.
	for range 20 {
		e.do("GET", "/api/v1/apps", nil).must(t, 200)
	}
	ctl("PUT", "/_sim/orgs/"+e.org.ID+"/pace", map[string]any{"pace": nil}).must(t, 200)
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	e = dataDirEnv(t, dir, clk, logs)
	if p := e.doAuth("GET", "/_sim/orgs/"+e.org.ID+"/pace", nil, "").must(t, 200); p.str("source") != "server" {
		t.Fatalf("pace given back to the server came back as %s", p.Raw)
	}
}
