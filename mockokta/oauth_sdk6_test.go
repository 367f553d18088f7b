package mockokta

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	okta6 "github.com/okta/okta-sdk-golang/v6/okta"
)

// TestSDKv6PrivateKeyOAuth: okta-sdk-golang v6 in AuthorizationMode
// "PrivateKey" signs in to mockokta unchanged, manages users, reads groups,
// and is refused (403 insufficient_scope) where its token lacks the scope
// (OAPI-OAUTH-1..4; the v5 test is TestSDKPrivateKeyOAuth).
func TestSDKv6PrivateKeyOAuth(t *testing.T) {
	e := newOktaEnv(t)
	e.clock.Advance(time.Since(e.clock.Now())) // the SDK signs its assertion with the wall clock
	c := e.newServiceClient("okta.users.manage", "okta.groups.read")
	ts, host, port := serveForSDK(t, e.srv)
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(c.key.(*rsa.PrivateKey))}))
	cfg, err := okta6.NewConfiguration(
		okta6.WithOrgUrl(ts.URL),
		okta6.WithAuthorizationMode("PrivateKey"),
		okta6.WithClientId(c.id),
		okta6.WithPrivateKey(keyPEM),
		okta6.WithPrivateKeyId(c.kid),
		okta6.WithScopes([]string{"okta.users.manage", "okta.groups.read", "okta.apps.read"}),
		okta6.WithCache(false),
		okta6.WithTestingDisableHttpsCheck(true),
		okta6.WithProxyHost(host),
		okta6.WithProxyPort(int32(port)),
		okta6.WithRateLimitMaxRetries(0),
	)
	if err != nil {
		t.Fatal(err)
	}
	client := okta6.NewAPIClient(cfg)
	ctx := context.Background()

	prof := okta6.NewUserProfile()
	prof.SetFirstName("Grace")
	prof.SetLastName("Hopper")
	prof.SetEmail("grace@example.com")
	prof.SetLogin("grace@example.com")
	if _, _, err := client.UserAPI.CreateUser(ctx).Body(*okta6.NewCreateUserRequest(*prof)).Activate(false).Execute(); err != nil {
		t.Fatalf("CreateUser over OAuth: %v", err)
	}
	users, _, err := client.UserAPI.ListUsers(ctx).Execute()
	if err != nil || len(users) != 2 {
		t.Fatalf("ListUsers over OAuth: %d users, %v", len(users), err)
	}
	if _, _, err := client.GroupAPI.ListGroups(ctx).Execute(); err != nil {
		t.Fatalf("ListGroups over OAuth: %v", err)
	}
	// okta.apps.read was asked for but not granted: left out of the token.
	_, resp, err := client.ApplicationAPI.ListApplications(ctx).Execute()
	if err == nil || resp == nil || resp.StatusCode != 403 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `scope="okta.apps.read"`) {
		t.Fatalf("ListApplications without okta.apps.read: %v %+v", err, resp)
	}
}
