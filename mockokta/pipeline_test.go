package mockokta

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/mockatlassian"
)

// pipeline is mockokta wired to an in-process mockatlassian over real HTTP,
// with a fake clock so 429 back-offs take no time.
type pipeline struct {
	t       *testing.T
	okta    *Server
	atl     *mockatlassian.Server
	atlURL  string
	clock   *clock.Fake
	token   string
	orgID   string
	appID   string
	scimURL string
}

const (
	pipeToken   = "okta-test-token"
	pipeDir     = "dir-pipe"
	pipeKey     = "atl-key"
	pipeAtlOrg  = "atl-org"
	pipeDomain  = "example.com"
	pipeTimeout = 10 * time.Second
)

func newPipeline(t *testing.T, mutate ...func(*mockatlassian.Config)) *pipeline {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	acfg := mockatlassian.Config{
		Options: mockatlassian.Options{Seed: 7, Logger: quiet},
		Logger:  quiet,
		Boot: &mockatlassian.Boot{OrgID: pipeAtlOrg, DirectoryID: pipeDir, APIKey: pipeKey, VerifiedDomains: []string{pipeDomain},
			Sites: []mockatlassian.AddSiteInput{{Name: "acme.atlassian.net", Products: []string{"jira-software", "confluence"}}}},
	}
	for _, f := range mutate {
		f(&acfg)
	}
	atl, err := mockatlassian.NewServer(acfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(atl)
	t.Cleanup(ts.Close)
	clock := clock.NewFake(time.Date(2026, 3, 18, 10, 0, 0, 0, time.UTC))
	scimURL := ts.URL + "/scim/directory/" + pipeDir
	okta, err := NewServer(Config{Options: Options{Clock: clock, Seed: 3, SCIMClient: ts.Client(), Logger: quiet}, Logger: quiet,
		Boot: &Boot{OrgID: "00opipe", APIToken: pipeToken, AtlassianSCIMURL: scimURL, AtlassianSCIMToken: pipeKey}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := okta.Close(); err != nil {
			t.Error(err)
		}
	})
	return &pipeline{t: t, okta: okta, atl: atl, atlURL: ts.URL, clock: clock, token: pipeToken,
		orgID: okta.Booted.Org.ID, appID: okta.Booted.AppID, scimURL: scimURL}
}

type apiResp struct {
	Status int
	Header http.Header
	Raw    []byte
}

// okta calls mockokta's Management API with the org's token.
func (p *pipeline) oktaAPI(method, path string, body any) apiResp {
	p.t.Helper()
	return p.oktaAPIAuth(method, path, body, "SSWS "+p.token)
}

// oktaAPIAuth calls mockokta's Management API with an Authorization.
func (p *pipeline) oktaAPIAuth(method, path string, body any, auth string) apiResp {
	p.t.Helper()
	var rdr io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rdr = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, rdr)
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	p.okta.ServeHTTP(rec, req)
	return apiResp{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// must calls the API and fails unless the status is want.
func (p *pipeline) must(want int, method, path string, body any) map[string]any {
	p.t.Helper()
	r := p.oktaAPI(method, path, body)
	if r.Status != want {
		p.t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, want, r.Raw)
	}
	if len(r.Raw) == 0 {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(r.Raw, &m)
	return m
}

// idle waits for the provisioning engine.
func (p *pipeline) idle() {
	p.t.Helper()
	if err := p.okta.Model.WaitIdleTimeout(p.orgID, pipeTimeout); err != nil {
		p.t.Fatalf("engine not idle: %v", err)
	}
}

// scim calls mockatlassian's SCIM API directly, as a tester checks the far side.
func (p *pipeline) scim(method, path string) (int, map[string]any) {
	p.t.Helper()
	req, _ := http.NewRequest(method, p.scimURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+pipeKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func (p *pipeline) scimUserByName(userName string) map[string]any {
	p.t.Helper()
	q := url.QueryEscape(`userName eq "` + userName + `"`)
	_, list := p.scim("GET", "/Users?filter="+q)
	res, _ := list["Resources"].([]any)
	if len(res) != 1 {
		p.t.Fatalf("SCIM filter for %s found %d: %v", userName, len(res), list)
	}
	return res[0].(map[string]any)
}

func (p *pipeline) createUser(first, last, email string) string {
	p.t.Helper()
	u := p.must(200, "POST", "/api/v1/users?activate=true", map[string]any{
		"profile":     map[string]any{"firstName": first, "lastName": last, "email": email, "login": email},
		"credentials": map[string]any{"password": map[string]any{"value": "Kv7J2LEa!x"}},
	})
	return u["id"].(string)
}

func dig(v any, path string) any {
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			if part != "0" || len(x) == 0 {
				return nil
			}
			v = x[0]
		default:
			return nil
		}
	}
	return v
}
