package mockokta

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v5/okta"
)

// TestSDKPrivateKeyOAuth: okta-sdk-golang v5 configured as automation
// signs in (AuthorizationMode "PrivateKey": client id, PEM private key,
// key id, scopes) manages mockokta unchanged, and is refused where its
// token lacks the scope (OAPI-OAUTH-1..4).
func TestSDKPrivateKeyOAuth(t *testing.T) {
	e := newOktaEnv(t)
	// The SDK signs its client assertion with the wall clock.
	e.clock.Advance(time.Since(e.clock.Now()))
	c := e.newServiceClient("okta.users.manage", "okta.groups.read")
	ts, host, port := serveForSDK(t, e.srv)
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(c.key.(*rsa.PrivateKey))}))
	client := func(scopes ...string) *okta.APIClient {
		cfg, err := okta.NewConfiguration(
			okta.WithOrgUrl(ts.URL), // v5 keeps scheme and host: the client assertion's aud is http://127.0.0.1/oauth2/v1/token
			okta.WithAuthorizationMode("PrivateKey"),
			okta.WithClientId(c.id),
			okta.WithPrivateKey(keyPEM),
			okta.WithPrivateKeyId(c.kid),
			okta.WithScopes(scopes),
			okta.WithCache(false),
			okta.WithTestingDisableHttpsCheck(true),
			okta.WithProxyHost(host),
			okta.WithProxyPort(int32(port)),
			okta.WithRateLimitMaxRetries(0),
		)
		if err != nil {
			t.Fatal(err)
		}
		return okta.NewAPIClient(cfg)
	}
	ctx := context.Background()
	sdkc := client("okta.users.manage", "okta.groups.read")

	prof := okta.NewUserProfile()
	prof.SetFirstName("Ada")
	prof.SetLastName("Lovelace")
	prof.SetEmail("ada@example.com")
	prof.SetLogin("ada@example.com")
	created, _, err := sdkc.UserAPI.CreateUser(ctx).Body(*okta.NewCreateUserRequest(*prof)).Activate(false).Execute()
	if err != nil {
		t.Fatalf("CreateUser over OAuth: %v", err)
	}
	users, _, err := sdkc.UserAPI.ListUsers(ctx).Execute()
	if err != nil || len(users) != 2 {
		t.Fatalf("ListUsers over OAuth: %d users, %v", len(users), err)
	}
	if _, _, err := sdkc.GroupAPI.ListGroups(ctx).Execute(); err != nil {
		t.Fatalf("ListGroups over OAuth: %v", err)
	}
	// okta.groups.read does not make a group.
	gp := okta.NewGroupProfile()
	gp.SetName("engineering")
	_, resp, err := sdkc.GroupAPI.CreateGroup(ctx).Group(okta.Group{Profile: gp}).Execute()
	if err == nil || resp == nil || resp.StatusCode != 403 ||
		!strings.Contains(resp.Header.Get("WWW-Authenticate"), `scope="okta.groups.manage"`) {
		t.Fatalf("CreateGroup without okta.groups.manage: %v %+v", err, resp)
	}
	// Apps were not granted: the token endpoint leaves the scope out, the
	// endpoint refuses.
	if _, resp, err := client("okta.users.manage", "okta.apps.read").ApplicationAPI.ListApplications(ctx).Execute(); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("ListApplications without okta.apps.read: %v", err)
	}
	// Nothing granted at all: the SDK gets no token.
	if _, _, err := client("okta.apps.read").UserAPI.GetUser(ctx, created.GetId()).Execute(); err == nil {
		t.Fatal("a client with no granted scope read a user")
	}
}
