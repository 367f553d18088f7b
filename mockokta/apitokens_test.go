package mockokta

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/secret"
)

// OAPI-TOKEN-1: the API Tokens API over the org's SSWS tokens.
func TestAPITokensAPI(t *testing.T) {
	e := newOktaEnv(t)
	const second = "00second-token-of-the-org"
	if err := e.srv.Model.addToken(e.org, second); err != nil {
		t.Fatal(err)
	}
	firstID, secondID := e.tokenID(), apiTokenID(secret.HashOf(second))
	list := e.do("GET", "/api/v1/api-tokens", nil).must(t, 200).list()
	if len(list) != 2 || list[0]["id"] != firstID || list[1]["id"] != secondID {
		t.Fatalf("api-tokens: %v, want both tokens in order", list)
	}
	got := e.do("GET", "/api/v1/api-tokens/"+secondID, nil).must(t, 200)
	admin := e.do("GET", "/api/v1/users/me", nil).must(t, 200).str("id")
	want := map[string]string{"id": secondID, "name": "API token 2", "userId": admin, "clientName": "Okta API",
		"tokenWindow": "P30D", "created": e.org.Created.Format(time.RFC3339Nano),
		"expiresAt":        e.clock.Now().Add(apiTokenWindow).Truncate(time.Millisecond).Format(time.RFC3339Nano),
		"_links.self.href": "http://okta.test/api/v1/api-tokens/" + secondID}
	for path, v := range want {
		if g := got.str(path); g != v {
			t.Errorf("%s = %q, want %q", path, g, v)
		}
	}
	e.do("GET", "/api/v1/api-tokens/00Tnosuchtoken0000000", nil).wantError(t, 404, "E0000007")
	e.do("DELETE", "/api/v1/api-tokens/00Tnosuchtoken0000000", nil).wantError(t, 404, "E0000007")

	// Revoking by id: that token is refused from then on, the other works.
	e.doAuth("GET", "/api/v1/users", nil, "SSWS "+second).must(t, 200)
	e.do("DELETE", "/api/v1/api-tokens/"+secondID, nil).must(t, 204)
	e.doAuth("GET", "/api/v1/users", nil, "SSWS "+second).wantError(t, 401, "E0000011")
	if list := e.do("GET", "/api/v1/api-tokens", nil).must(t, 200).list(); len(list) != 1 || list[0]["id"] != firstID {
		t.Errorf("after the revocation: %v", list)
	}
	if evs := e.do("GET", "/api/v1/logs?filter=eventType+eq+%22system.api_token.revoke%22", nil).must(t, 200).list(); len(evs) != 1 {
		t.Errorf("system.api_token.revoke events: %v", evs)
	}

	// OAuth: listing takes okta.apiTokens.read; revoking "current" needs an
	// API token (OAPI-OAUTH-5's 403).
	c := e.newServiceClient("okta.apiTokens.read", "okta.apiTokens.manage")
	bearer := "Bearer " + e.tokenFor(c, "okta.apiTokens.read okta.apiTokens.manage").must(t, 200).str("access_token")
	e.doAuth("GET", "/api/v1/api-tokens", nil, bearer).must(t, 200)
	e.doAuth("DELETE", "/api/v1/api-tokens/current", nil, bearer).wantError(t, 403, "E0000005")

	// Revoking the current token: the caller's own.
	e.do("DELETE", "/api/v1/api-tokens/current", nil).must(t, 204)
	e.do("GET", "/api/v1/users", nil).wantError(t, 401, "E0000011")
}

// A revocation is kept with --data-dir.
func TestAPITokenRevocationSurvivesRestart(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	cfg := Config{Options: Options{Logger: logger}, Logger: logger, DataDir: t.TempDir(), Boot: &Boot{APIToken: "tok-one"}}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := s.Model.Org(s.Booted.Org.ID)
	if err := s.Model.addToken(o, "tok-two"); err != nil {
		t.Fatal(err)
	}
	call := func(s *Server, method, path, token string) int {
		req := httptest.NewRequest(method, "http://okta.test"+path, nil)
		req.Header.Set("Authorization", "SSWS "+token)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := call(s, "DELETE", "/api/v1/api-tokens/"+apiTokenID(secret.HashOf("tok-two")), "tok-one"); code != http.StatusNoContent {
		t.Fatalf("revoke: %d", code)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if code := call(s, "GET", "/api/v1/users", "tok-two"); code != http.StatusUnauthorized {
		t.Errorf("the revoked token after a restart: %d, want 401", code)
	}
	if code := call(s, "GET", "/api/v1/users", "tok-one"); code != http.StatusOK {
		t.Errorf("the kept token after a restart: %d, want 200", code)
	}
}
