package mockokta

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/gorilla/mux"
)

// serviceClient is a service app as its owner holds it: the client id and
// the private key whose public half is registered.
type serviceClient struct {
	id  string
	key any // *rsa.PrivateKey or *ecdsa.PrivateKey
	kid string
}

func publicJWKS(t *testing.T, key any, kid string) map[string]any {
	t.Helper()
	var pub any
	switch k := key.(type) {
	case *rsa.PrivateKey:
		pub = k.Public()
	case *ecdsa.PrivateKey:
		pub = k.Public()
	}
	raw, err := json.Marshal(jose.JSONWebKey{Key: pub, KeyID: kid, Use: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	var jwk map[string]any
	if err := json.Unmarshal(raw, &jwk); err != nil {
		t.Fatal(err)
	}
	return map[string]any{"keys": []any{jwk}}
}

// serviceAppBody is Okta's documented body for a service app.
func serviceAppBody(label string, jwks map[string]any) map[string]any {
	return map[string]any{"name": "oidc_client", "label": label, "signOnMode": "OPENID_CONNECT",
		"credentials": map[string]any{"oauthClient": map[string]any{"token_endpoint_auth_method": "private_key_jwt"}},
		"settings": map[string]any{"oauthClient": map[string]any{"application_type": "service",
			"grant_types": []string{"client_credentials"}, "response_types": []string{"token"}, "jwks": jwks}}}
}

// newServiceClient creates a service app through the Management API (with
// the API token) and grants it scopes.
func (e *oktaEnv) newServiceClient(scopes ...string) serviceClient {
	e.t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		e.t.Fatal(err)
	}
	app := e.do("POST", "/api/v1/apps", serviceAppBody("automation", publicJWKS(e.t, key, "k1"))).must(e.t, 200)
	c := serviceClient{id: app.str("id"), key: key, kid: "k1"}
	if app.str("credentials.oauthClient.client_id") != c.id || app.str("settings.oauthClient.application_type") != "service" {
		e.t.Fatalf("service app: %s", app.Raw)
	}
	for _, s := range scopes {
		e.do("POST", "/api/v1/apps/"+c.id+"/grants", map[string]any{"issuer": "http://okta.test", "scopeId": s}).must(e.t, 201)
	}
	return c
}

// assertion is a private_key_jwt client assertion; edit changes its
// claims before signing.
func (c serviceClient) assertion(t *testing.T, now time.Time, edit func(*jwt.Claims)) string {
	t.Helper()
	claims := jwt.Claims{Issuer: c.id, Subject: c.id, Audience: jwt.Audience{"http://okta.test/oauth2/v1/token"},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute)), ID: randomID(t)}
	if edit != nil {
		edit(&claims)
	}
	alg := jose.RS256
	if _, ok := c.key.(*ecdsa.PrivateKey); ok {
		alg = jose.ES256
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: c.key}, (&jose.SignerOptions{}).WithHeader("kid", c.kid))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomID(t *testing.T) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// tokenRequest posts a form to the token endpoint.
func (e *oktaEnv) tokenRequest(form url.Values) resp {
	e.t.Helper()
	req := httptest.NewRequest("POST", "http://okta.test/oauth2/v1/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	r := resp{Status: rec.Code, Header: rec.Header(), Raw: rec.Body.Bytes()}
	if err := json.Unmarshal(r.Raw, &r.Body); err != nil {
		e.t.Fatalf("token endpoint: not JSON: %v\n%s", err, r.Raw)
	}
	return r
}

func (e *oktaEnv) tokenFor(c serviceClient, scope string) resp {
	e.t.Helper()
	return e.tokenRequest(url.Values{"grant_type": {"client_credentials"}, "scope": {scope},
		"client_assertion_type": {assertionType}, "client_assertion": {c.assertion(e.t, e.clock.Now(), nil)}})
}

// TestOAuthServiceAppScopes: a service app signs in with private_key_jwt,
// gets a token holding only its granted scopes, and each endpoint checks
// its scope (OAPI-OAUTH-1..5).
func TestOAuthServiceAppScopes(t *testing.T) {
	e := newOktaEnv(t)
	c := e.newServiceClient("okta.users.read", "okta.apps.manage")
	e.createUser("ada@example.com", "?activate=true", false)

	tok := e.tokenFor(c, "okta.users.read okta.apps.manage okta.groups.read").must(t, 200)
	if tok.str("token_type") != "Bearer" || tok.str("scope") != "okta.users.read okta.apps.manage" {
		t.Fatalf("token: %s", tok.Raw)
	}
	if got := tok.obj()["expires_in"]; got != float64(3600) {
		t.Errorf("expires_in = %v, want 3600", got)
	}
	if tok.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", tok.Header.Get("Cache-Control"))
	}
	bearer := "Bearer " + tok.str("access_token")

	if got := e.doAuth("GET", "/api/v1/users", nil, bearer).must(t, 200).list(); len(got) != 2 {
		t.Errorf("users over OAuth: %d, want the admin and ada", len(got))
	}
	e.doAuth("GET", "/api/v1/apps", nil, bearer).must(t, 200) // manage includes read
	e.doAuth("GET", "/api/v1/users/me", nil, bearer).must(t, 200)

	for _, tc := range []struct{ method, path, scope string }{
		{"GET", "/api/v1/groups", "okta.groups.read"},
		{"POST", "/api/v1/users?activate=false", "okta.users.manage"},
		{"GET", "/api/v1/logs", "okta.logs.read"},
	} {
		r := e.doAuth(tc.method, tc.path, userBody("bob@example.com", "Bob", "B"), bearer)
		if r.Status != 403 || len(r.Raw) != 0 {
			t.Errorf("%s %s: %d %s, want 403 with no body", tc.method, tc.path, r.Status, r.Raw)
		}
		wa := r.Header.Get("WWW-Authenticate")
		path, _, _ := strings.Cut(tc.path, "?")
		for _, want := range []string{`Bearer authorization_uri="http://okta.test/oauth2/v1/authorize"`, `scope="` + tc.scope + `"`,
			`error="insufficient_scope"`, `error_description="The access token provided does not contain the required scopes."`,
			`resource="` + path + `"`} {
			if !strings.Contains(wa, want) {
				t.Errorf("%s %s: WWW-Authenticate %q lacks %s", tc.method, tc.path, wa, want)
			}
		}
	}
	// The grants of an app take an API token only.
	e.doAuth("GET", "/api/v1/apps/"+c.id+"/grants", nil, bearer).wantError(t, 403, "E0000005")

	// A forged token, and the real one once expired: 401.
	r := e.doAuth("GET", "/api/v1/users", nil, "Bearer not-a-token").wantError(t, 401, "E0000011")
	if !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("WWW-Authenticate = %q", r.Header.Get("WWW-Authenticate"))
	}
	// An access token is not an API token.
	e.doAuth("GET", "/api/v1/users", nil, "SSWS "+tok.str("access_token")).wantError(t, 401, "E0000011")
	e.clock.Advance(time.Hour + time.Second)
	e.doAuth("GET", "/api/v1/users", nil, bearer).wantError(t, 401, "E0000011")

	// Deactivating the app revokes its tokens.
	tok2 := e.tokenFor(c, "okta.users.read").must(t, 200)
	e.doAuth("GET", "/api/v1/users", nil, "Bearer "+tok2.str("access_token")).must(t, 200)
	e.do("POST", "/api/v1/apps/"+c.id+"/lifecycle/deactivate", nil).must(t, 200)
	e.doAuth("GET", "/api/v1/users", nil, "Bearer "+tok2.str("access_token")).wantError(t, 401, "E0000011")
	if r := e.tokenFor(c, "okta.users.read"); r.Status != 401 || r.str("error") != "invalid_client" {
		t.Errorf("inactive client: %d %s", r.Status, r.Raw)
	}
}

// TestOAuthTokenEndpointRefusals: each way a client assertion or request
// is wrong gets OAuth's error, never a token.
func TestOAuthTokenEndpointRefusals(t *testing.T) {
	e := newOktaEnv(t)
	c := e.newServiceClient("okta.users.read")
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	form := func(assertion, scope string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "scope": {scope},
			"client_assertion_type": {assertionType}, "client_assertion": {assertion}}
	}
	reused := c.assertion(t, now, nil)
	e.tokenRequest(form(reused, "okta.users.read")).must(t, 200)
	forged := serviceClient{id: c.id, key: other, kid: c.kid}
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		code   string
		desc   string
	}{
		{"wrong key", form(forged.assertion(t, now, nil), "okta.users.read"), 401, "invalid_client", "signature is invalid"},
		{"wrong audience", form(c.assertion(t, now, func(cl *jwt.Claims) { cl.Audience = jwt.Audience{"http://elsewhere/oauth2/v1/token"} }), "okta.users.read"),
			401, "invalid_client", "audience"},
		{"expired", form(c.assertion(t, now, func(cl *jwt.Claims) { cl.Expiry = jwt.NewNumericDate(now.Add(-time.Second)) }), "okta.users.read"),
			401, "invalid_client", "expired"},
		{"too long", form(c.assertion(t, now, func(cl *jwt.Claims) { cl.Expiry = jwt.NewNumericDate(now.Add(2 * time.Hour)) }), "okta.users.read"),
			401, "invalid_client", "too far"},
		{"sub differs", form(c.assertion(t, now, func(cl *jwt.Claims) { cl.Subject = "someone" }), "okta.users.read"), 401, "invalid_client", "sub"},
		{"unknown client", form(c.assertion(t, now, func(cl *jwt.Claims) { cl.Issuer, cl.Subject = "0oanobody", "0oanobody" }), "okta.users.read"),
			401, "invalid_client", "not a known client"},
		{"jti reused", form(reused, "okta.users.read"), 401, "invalid_client", "already been used"},
		{"not granted", form(c.assertion(t, now, nil), "okta.groups.manage"), 400, "invalid_scope", "not granted"},
		{"no scope", form(c.assertion(t, now, nil), ""), 400, "invalid_scope", "'scope' must be provided"},
		{"not a JWT", form("abc.def", "okta.users.read"), 400, "invalid_request", "well-formed"},
		{"no assertion", url.Values{"grant_type": {"client_credentials"}, "scope": {"okta.users.read"}}, 401, "invalid_client", ""},
		{"password grant", url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type", ""},
	} {
		r := e.tokenRequest(tc.form)
		if r.Status != tc.status || r.str("error") != tc.code || !strings.Contains(r.str("error_description"), tc.desc) || r.has("access_token") {
			t.Errorf("%s: %d %s, want %d %s (%s)", tc.name, r.Status, r.Raw, tc.status, tc.code, tc.desc)
		}
	}
}

// TestOAuthServiceAppAdministration: service apps through /api/v1/apps:
// a private key is refused, keys are replaced, grants listed and revoked,
// and an active app is not deleted.
func TestOAuthServiceAppAdministration(t *testing.T) {
	e := newOktaEnv(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	private := map[string]any{"keys": []any{}}
	raw, _ := json.Marshal(jose.JSONWebKey{Key: ec, KeyID: "p"})
	var jwk map[string]any
	_ = json.Unmarshal(raw, &jwk)
	private["keys"] = []any{jwk}
	e.do("POST", "/api/v1/apps", serviceAppBody("leaky", private)).wantError(t, 400, "E0000001")
	body := serviceAppBody("basic", publicJWKS(t, ec, "e1"))
	body["credentials"] = map[string]any{"oauthClient": map[string]any{"token_endpoint_auth_method": "client_secret_basic"}}
	e.do("POST", "/api/v1/apps", body).wantError(t, 400, "E0000001")

	c := e.newServiceClient("okta.groups.read")
	// Swap the registered key for an EC key: the RSA assertion stops working.
	e.do("PUT", "/api/v1/apps/"+c.id, map[string]any{"label": "automation",
		"settings": map[string]any{"oauthClient": map[string]any{"jwks": publicJWKS(t, ec, "e1")}}}).must(t, 200)
	if r := e.tokenFor(c, "okta.groups.read"); r.Status != 401 {
		t.Errorf("old key after rotation: %d %s", r.Status, r.Raw)
	}
	c2 := serviceClient{id: c.id, key: ec, kid: "e1"}
	e.tokenFor(c2, "okta.groups.read").must(t, 200)

	if ids := e.do("GET", "/api/v1/apps", nil).must(t, 200).ids(); len(ids) != 1 || ids[0] != c.id {
		t.Errorf("apps = %v, want the service app", ids)
	}
	grants := e.do("GET", "/api/v1/apps/"+c.id+"/grants", nil).must(t, 200).list()
	if len(grants) != 1 || grants[0]["scopeId"] != "okta.groups.read" || grants[0]["clientId"] != c.id {
		t.Fatalf("grants = %v", grants)
	}
	gid, _ := grants[0]["id"].(string)
	e.do("POST", "/api/v1/apps/"+c.id+"/grants", map[string]any{"issuer": "http://okta.test", "scopeId": "okta.groups.read"}).wantError(t, 400, "E0000001")
	e.do("POST", "/api/v1/apps/"+c.id+"/grants", map[string]any{"issuer": "http://okta.test", "scopeId": "okta.everything"}).wantError(t, 400, "E0000001")
	e.do("DELETE", "/api/v1/apps/"+c.id+"/grants/"+gid, nil).must(t, 204)
	if r := e.tokenFor(c2, "okta.groups.read"); r.Status != 400 || r.str("error") != "invalid_scope" {
		t.Errorf("revoked scope: %d %s", r.Status, r.Raw)
	}
	e.do("DELETE", "/api/v1/apps/"+c.id, nil).wantError(t, 403, "E0000056")
	e.do("POST", "/api/v1/apps/"+c.id+"/lifecycle/deactivate", nil).must(t, 200)
	e.do("DELETE", "/api/v1/apps/"+c.id, nil).must(t, 204)
	e.do("GET", "/api/v1/apps/"+c.id, nil).wantError(t, 404, "E0000007")
}

// TestOAuthWellKnownTakesBearer: the org's public metadata answers a
// request that carries an access token, as it answers one without.
func TestOAuthWellKnownTakesBearer(t *testing.T) {
	e := newOktaEnv(t)
	c := e.newServiceClient("okta.users.read")
	tok := e.tokenFor(c, "okta.users.read").must(t, 200)
	e.doAuth("GET", "/.well-known/okta-organization", nil, "Bearer "+tok.str("access_token")).must(t, http.StatusOK)
}

// TestEveryAPIRouteHasAScope walks the Management API's routes: each one
// either names the okta.* scope an access token needs or is one of the
// few that take an API token only (OAPI-OAUTH-4, OAPI-OAUTH-5). A new
// route whose resource requiredScope does not know fails here.
func TestEveryAPIRouteHasAScope(t *testing.T) {
	e := newOktaEnv(t)
	n := 0
	err := e.srv.handler.Router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil || !strings.HasPrefix(tpl, "/api/v1/") {
			return nil
		}
		methods, err := route.GetMethods()
		if err != nil {
			return nil
		}
		for _, m := range methods {
			n++
			scope, oauth := requiredScope(m, tpl)
			switch {
			case !oauth && !strings.Contains(tpl, "/grants") && tpl != "/api/v1/api-tokens/current":
				t.Errorf("%s %s: takes no OAuth token", m, tpl)
			case oauth && !slices.Contains(OktaScopes, scope):
				t.Errorf("%s %s: scope %q is not one mockokta grants", m, tpl, scope)
			case m == http.MethodGet && oauth && !strings.HasSuffix(scope, ".read") && !strings.HasSuffix(scope, ".read.self"):
				t.Errorf("%s %s: a read needs %q", m, tpl, scope)
			}
		}
		return nil
	})
	if err != nil || n < 60 {
		t.Fatalf("walked %d /api/v1 routes: %v", n, err)
	}
}

// TestSeedServiceApp: a seed file makes a service app with a fixed client
// id, its PEM public key and granted scopes, so a configuration can name
// the client before the server starts.
func TestSeedServiceApp(t *testing.T) {
	e := newOktaEnv(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	indent := "          " + strings.ReplaceAll(strings.TrimSpace(pub), "\n", "\n          ")
	seed, err := ParseSeed([]byte(`orgs:
  - id: seeded
    tokens: [seeded-token]
    serviceApps:
      - clientId: 0oaterraform
        label: Terraform
        keyId: tf1
        publicKey: |
` + indent + `
        scopes: [okta.users.read, okta.groups.manage]
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Model.ApplySeed(seed); err != nil {
		t.Fatal(err)
	}
	c := serviceClient{id: "0oaterraform", key: key, kid: "tf1"}
	tok := e.tokenFor(c, "okta.users.read okta.groups.manage").must(t, 200)
	if tok.str("scope") != "okta.users.read okta.groups.manage" {
		t.Errorf("scope = %q", tok.str("scope"))
	}
	r := e.doAuth("GET", "/api/v1/users", nil, "Bearer "+tok.str("access_token")).must(t, 200)
	if ids := r.ids(); len(ids) != 1 || !strings.HasPrefix(ids[0], "00u") {
		t.Errorf("the seeded org's users: %v", ids)
	}
	// A private key in the seed, or a taken client id, is refused.
	privPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	bad := []SeedServiceApp{{Label: "leak", PublicKey: privPEM}, {ClientID: "0oaterraform", Label: "again", PublicKey: pub}}
	for _, ss := range bad {
		if err := e.srv.Model.ApplySeed(Seed{Orgs: []SeedOrg{{ID: "bad-" + ss.Label, ServiceApps: []SeedServiceApp{ss}}}}); err == nil {
			t.Errorf("seed %s accepted", ss.Label)
		}
	}
}
