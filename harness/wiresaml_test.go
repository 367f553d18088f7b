package harness

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta"
)

// bootedPair starts the two servers as their binaries do with the
// development tenants, behind public URLs this test cannot reach (as in
// compose, where the wiring runs in a container).
func bootedPair(t *testing.T) (okta, atl *httptest.Server, atlSrv *mockatlassian.Server) {
	t.Helper()
	atlSrv, err := mockatlassian.NewServer(mockatlassian.Config{PublicURL: "http://127.0.0.1:1", Boot: &mockatlassian.Boot{
		OrgID: "dev-org", DirectoryID: "dev-directory", APIKey: "dev-scim-key", VerifiedDomains: []string{"example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = atlSrv.Close() })
	atl = httptest.NewServer(atlSrv)
	t.Cleanup(atl.Close)
	oktaSrv, err := mockokta.NewServer(mockokta.Config{PublicURL: "http://127.0.0.1:2", Boot: &mockokta.Boot{
		OrgID: "dev-okta", APIToken: "dev-okta-token",
		AtlassianSCIMURL: atl.URL + "/scim/directory/dev-directory", AtlassianSCIMToken: "dev-scim-key"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = oktaSrv.Close() })
	okta = httptest.NewServer(oktaSrv)
	t.Cleanup(okta.Close)
	return okta, atl, atlSrv
}

func TestWireSAML(t *testing.T) {
	okta, atl, atlSrv := bootedPair(t)
	ctx := context.Background()
	w := SAMLWiring{OktaURL: okta.URL, OktaToken: "dev-okta-token", AtlassianURL: atl.URL}
	if err := WaitHealthy(ctx, nil, okta.URL, atl.URL); err != nil {
		t.Fatal(err)
	}
	got, err := WireSAML(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	// The URLs are the public ones, which browsers follow.
	if got.Org != "dev-org" || got.Already || !strings.HasPrefix(got.SSOURL, "http://127.0.0.1:2/app/atlassian/exk") ||
		!strings.HasPrefix(got.ACSURL, "http://127.0.0.1:1/login/callback?connection=saml-") ||
		!strings.HasPrefix(got.SPEntityID, "http://127.0.0.1:1/saml/") || !strings.HasPrefix(got.Issuer, "http://www.okta.com/exk") {
		t.Fatalf("wired: %+v", got)
	}
	cfg, ok, err := atlSrv.Model.SAML("dev-org")
	if err != nil || !ok || cfg.IdPEntityID != got.Issuer || cfg.IdPSSOURL != got.SSOURL {
		t.Fatalf("the organization's SAML configuration: %+v %v %v", cfg, ok, err)
	}
	oc := &client{base: okta.URL, auth: "SSWS dev-okta-token", http: http.DefaultClient, ctx: ctx}
	app, err := findSAMLApp(oc, got.AppID)
	if err != nil || app.Settings.SignOn.SSOACSURL != got.ACSURL || app.Settings.SignOn.Audience != got.SPEntityID {
		t.Fatalf("the app's Sign On settings: %+v %v", app.Settings.SignOn, err)
	}
	if line := got.String(); !strings.Contains(line, " signs in to "+got.SPEntityID) || !strings.HasSuffix(line, "sign in at http://127.0.0.1:2/app/UserHome") {
		t.Fatalf("line: %s", line)
	}

	// Again (compose restarts the wiring with the volumes): nothing changes.
	again, err := WireSAML(ctx, w)
	if err != nil || !again.Already || again.ACSURL != got.ACSURL || again.SSOURL != got.SSOURL || again.Issuer != got.Issuer {
		t.Fatalf("second wiring: %+v %v", again, err)
	}
	if after, _, _ := atlSrv.Model.SAML("dev-org"); after.ID != cfg.ID {
		t.Fatalf("the configuration changed: %s -> %s", cfg.ID, after.ID)
	}

	// A person signs in, IdP- and SP-initiated, with the wiring alone.
	var user struct{ ID string }
	if err := oc.do("POST", "/api/v1/users?activate=true", map[string]any{
		"profile":     map[string]any{"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "login": "ada@example.com"},
		"credentials": map[string]any{"password": map[string]any{"value": "Wiring-1-Works"}}}, &user); err != nil {
		t.Fatal(err)
	}
	if err := oc.do("POST", "/api/v1/apps/"+got.AppID+"/users", map[string]any{"id": user.ID}, nil); err != nil {
		t.Fatal(err)
	}
	reach := map[string]string{"http://127.0.0.1:2": okta.URL, "http://127.0.0.1:1": atl.URL}
	for _, flow := range []string{"idp", "sp"} {
		res, err := SignIn{OktaURL: okta.URL, AtlassianURL: atl.URL, Reach: reach, Flow: flow, AppName: "atlassian", AppID: got.AppID,
			Email: "ada@example.com", Login: "ada@example.com", Password: "Wiring-1-Works"}.Do(ctx)
		if err != nil || res.Refused != "" || res.NameID != "ada@example.com" || res.Landed == "" {
			t.Fatalf("%s-initiated sign-in: %+v %v", flow, res, err)
		}
	}

	// Set up otherwise: left alone, unless forced.
	if err := oc.do("PUT", "/api/v1/apps/"+got.AppID, map[string]any{"settings": map[string]any{"signOn": map[string]any{
		"ssoAcsUrl": "https://elsewhere.example/acs", "audience": "https://elsewhere.example"}}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := WireSAML(ctx, w); err == nil || !strings.Contains(err.Error(), "set up otherwise") {
		t.Fatalf("rewired settings someone chose: %v", err)
	}
	w.Force = true
	forced, err := WireSAML(ctx, w)
	if err != nil || forced.Already || forced.ACSURL != got.ACSURL {
		t.Fatalf("forced: %+v %v", forced, err)
	}
}

func TestWireSAMLNeedsOneAppAndOneOrg(t *testing.T) {
	okta, atl, _ := bootedPair(t)
	ctx := context.Background()
	ac := &client{base: atl.URL, http: http.DefaultClient, ctx: ctx}
	if err := ac.do("POST", "/_sim/orgs", map[string]any{"name": "second"}, nil); err != nil {
		t.Fatal(err)
	}
	w := SAMLWiring{OktaURL: okta.URL, OktaToken: "dev-okta-token", AtlassianURL: atl.URL}
	if _, err := WireSAML(ctx, w); err == nil || !strings.Contains(err.Error(), "2 organizations") {
		t.Fatalf("two organizations: %v", err)
	}
	w.Org = "dev-org"
	oc := &client{base: okta.URL, auth: "SSWS dev-okta-token", http: http.DefaultClient, ctx: ctx}
	if err := oc.do("POST", "/api/v1/apps", map[string]any{"name": "atlassian", "signOnMode": "SAML_2_0"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := WireSAML(ctx, w); err == nil || !strings.Contains(err.Error(), "2 Atlassian Cloud apps") {
		t.Fatalf("two apps: %v", err)
	}
	w.OktaToken = "wrong"
	if _, err := WireSAML(ctx, w); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("a wrong token: %v", err)
	}
}

func TestWaitHealthyGivesUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := WaitHealthy(ctx, nil, "http://127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("WaitHealthy: %v", err)
	}
}
