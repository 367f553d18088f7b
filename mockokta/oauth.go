package mockokta

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/provsim/provsim/internal/store"
)

// OAuth 2.0 for the Management API (OAPI-OAUTH-1..5): service apps ("API
// Services" apps) hold public keys and granted okta.* scopes; the org
// authorization server's token endpoint trades a private_key_jwt client
// assertion for a scoped Bearer access token; apiAuth (scopes.go) checks
// the token and the endpoint's scope.

// ServiceApp is an OAuth 2.0 service app: an OIDC client whose only grant
// is client_credentials and that authenticates with private_key_jwt. Its id
// is its client id, as in Okta.
type ServiceApp struct {
	ID          string
	Label       string
	Status      string // ACTIVE or INACTIVE
	Created     time.Time
	LastUpdated time.Time
	// Keys are the registered public keys (settings.oauthClient.jwks);
	// a private key is refused when registered.
	Keys   []jose.JSONWebKey
	Grants []ScopeGrant
}

// ScopeGrant is an okta.* scope granted to a service app
// (OAuth2ScopeConsentGrant).
type ScopeGrant struct {
	ID      string    `json:"id"`
	ScopeID string    `json:"scopeId"`
	Issuer  string    `json:"issuer"`
	Created time.Time `json:"created"`
}

// OktaScopes are the okta.* scopes mockokta grants and checks: the
// resources it serves, read and manage (OAPI-OAUTH-4).
var OktaScopes = []string{
	"okta.users.read", "okta.users.manage", "okta.users.read.self",
	"okta.groups.read", "okta.groups.manage",
	"okta.apps.read", "okta.apps.manage",
	"okta.logs.read",
	"okta.schemas.read", "okta.schemas.manage",
	"okta.profileMappings.read", "okta.profileMappings.manage",
	"okta.policies.read", "okta.policies.manage",
	"okta.principalRateLimits.read", "okta.principalRateLimits.manage",
	"okta.rateLimits.read", "okta.rateLimits.manage",
	"okta.apiTokens.read", "okta.apiTokens.manage",
}

// accessTokenTTL is the org authorization server's access token lifetime:
// one hour, which an admin cannot change (OAPI-OAUTH-2).
const accessTokenTTL = time.Hour

// CreateServiceAppInput is what a service app is made from.
type CreateServiceAppInput struct {
	ID       string // client id; "" makes one (a seed names its own)
	Label    string
	JWKS     json.RawMessage // {"keys":[...]}: public keys
	Activate bool
}

// parseJWKS reads a JSON Web Key Set of public signing keys.
func parseJWKS(raw json.RawMessage) ([]jose.JSONWebKey, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, errValidation("settings.oauthClient.jwks: " + err.Error())
	}
	for i, k := range set.Keys {
		if !k.Valid() {
			return nil, errValidation(fmt.Sprintf("settings.oauthClient.jwks.keys[%d]: not a valid key", i))
		}
		if !k.IsPublic() {
			// The private half stays with the client; Okta stores public keys only.
			return nil, errValidation(fmt.Sprintf("settings.oauthClient.jwks.keys[%d]: a private key; register the public key only", i))
		}
	}
	return set.Keys, nil
}

var clientIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)

// CreateServiceApp adds a service app.
func (m *Model) CreateServiceApp(o *Org, in CreateServiceAppInput) (*ServiceApp, error) {
	if strings.TrimSpace(in.Label) == "" {
		return nil, errValidation("label: The field cannot be left blank")
	}
	keys, err := parseJWKS(in.JWKS)
	if err != nil {
		return nil, err
	}
	id := in.ID
	if id == "" {
		id = m.oktaID("0oa")
	} else if !clientIDRE.MatchString(id) {
		return nil, errValidation("client_id: letters, digits, '_' and '-' only, up to 100")
	} else if _, _, taken := m.serviceAppByClientID(id); taken {
		return nil, errValidation("client_id: " + id + " is already in use")
	}
	now := m.now()
	a := &ServiceApp{ID: id, Label: in.Label, Status: AppInactive, Created: now, LastUpdated: now, Keys: keys}
	if in.Activate {
		a.Status = AppActive
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.clients[a.ID] = a
	o.clientOrder = append(o.clientOrder, a.ID)
	o.changes.New(kindServiceApp, a.ID)
	m.logAPI(o, "application.lifecycle.create", "Create application", serviceAppTarget(a))
	return copyServiceApp(a), nil
}

func serviceAppTarget(a *ServiceApp) LogTarget {
	return LogTarget{ID: a.ID, Type: "AppInstance", AlternateID: a.Label, DisplayName: a.Label}
}

func copyServiceApp(a *ServiceApp) *ServiceApp {
	c := *a
	c.Keys = slices.Clone(a.Keys)
	c.Grants = slices.Clone(a.Grants)
	return &c
}

// ServiceApp returns a service app by client id.
func (m *Model) ServiceApp(o *Org, id string) (*ServiceApp, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.clients[id]
	if !ok {
		return nil, false
	}
	return copyServiceApp(a), true
}

// ServiceApps lists the org's service apps in creation order.
func (m *Model) ServiceApps(o *Org) []*ServiceApp {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]*ServiceApp, 0, len(o.clientOrder))
	for _, id := range o.clientOrder {
		out = append(out, copyServiceApp(o.clients[id]))
	}
	return out
}

// UpdateServiceApp changes a service app's label and, when jwks is not
// nil, replaces its keys.
func (m *Model) UpdateServiceApp(o *Org, id string, label *string, jwks json.RawMessage) (*ServiceApp, error) {
	var keys []jose.JSONWebKey
	if jwks != nil {
		var err error
		if keys, err = parseJWKS(jwks); err != nil {
			return nil, err
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.clients[id]
	if !ok {
		return nil, errNotFound("App", id)
	}
	if label != nil {
		if strings.TrimSpace(*label) == "" {
			return nil, errValidation("label: The field cannot be left blank")
		}
		a.Label = *label
	}
	if jwks != nil {
		a.Keys = keys
	}
	a.LastUpdated = m.now()
	o.changes.Put(kindServiceApp, a.ID)
	m.logAPI(o, "application.lifecycle.update", "Update application", serviceAppTarget(a))
	return copyServiceApp(a), nil
}

// SetServiceAppStatus activates or deactivates a service app; an inactive
// one gets no tokens.
func (m *Model) SetServiceAppStatus(o *Org, id string, active bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.clients[id]
	if !ok {
		return errNotFound("App", id)
	}
	status, event, what := AppInactive, "application.lifecycle.deactivate", "Deactivate application"
	if active {
		status, event, what = AppActive, "application.lifecycle.activate", "Activate application"
	}
	if a.Status == status {
		return nil
	}
	a.Status, a.LastUpdated = status, m.now()
	o.changes.Put(kindServiceApp, a.ID)
	m.logAPI(o, event, what, serviceAppTarget(a))
	if !active {
		m.revokeClientTokens(o, a.ID)
	}
	return nil
}

// DeleteServiceApp deletes an inactive service app (an active app must be
// deactivated first, as every app, OAPI-APP-1) and its tokens.
func (m *Model) DeleteServiceApp(o *Org, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.clients[id]
	if !ok {
		return errNotFound("App", id)
	}
	if a.Status == AppActive {
		return errAppActive()
	}
	delete(o.clients, id)
	o.clientOrder = slices.DeleteFunc(o.clientOrder, func(s string) bool { return s == id })
	o.changes.Put(kindServiceApp, id)
	m.logAPI(o, "application.lifecycle.delete", "Delete application", serviceAppTarget(a))
	m.revokeClientTokens(o, id)
	return nil
}

// GrantScope grants an okta.* scope to a service app (POST
// /api/v1/apps/{appId}/grants). Granting a scope twice is an error, as in
// Okta (E0000001 "already granted" is a guess at the wording).
func (m *Model) GrantScope(o *Org, appID, scopeID, issuer string) (ScopeGrant, error) {
	if !slices.Contains(OktaScopes, scopeID) {
		return ScopeGrant{}, errValidation("scopeId: '" + scopeID + "' is not an Okta API scope mockokta knows (" + strings.Join(OktaScopes, ", ") + ")")
	}
	if issuer == "" {
		return ScopeGrant{}, errValidation("issuer: The field cannot be left blank")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.clients[appID]
	if !ok {
		return ScopeGrant{}, errNotFound("App", appID)
	}
	for _, g := range a.Grants {
		if g.ScopeID == scopeID {
			return ScopeGrant{}, errValidation("scopeId: the scope " + scopeID + " is already granted to this app")
		}
	}
	g := ScopeGrant{ID: m.oktaID("oag"), ScopeID: scopeID, Issuer: issuer, Created: m.now()}
	a.Grants = append(a.Grants, g)
	a.LastUpdated = g.Created
	o.changes.Put(kindServiceApp, a.ID)
	m.logAPI(o, "app.oauth2.as.consent.grant", "Grant scope "+scopeID, serviceAppTarget(a))
	return g, nil
}

// RevokeGrant takes a granted scope back; tokens already issued keep it
// until they expire, as Okta's self-contained access tokens do.
func (m *Model) RevokeGrant(o *Org, appID, grantID string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.clients[appID]
	if !ok {
		return errNotFound("App", appID)
	}
	i := slices.IndexFunc(a.Grants, func(g ScopeGrant) bool { return g.ID == grantID })
	if i < 0 {
		return errNotFound("OAuth2ScopeConsentGrant", grantID)
	}
	scope := a.Grants[i].ScopeID
	a.Grants = slices.Delete(a.Grants, i, i+1)
	a.LastUpdated = m.now()
	o.changes.Put(kindServiceApp, a.ID)
	m.logAPI(o, "app.oauth2.as.consent.revoke", "Revoke scope "+scope, serviceAppTarget(a))
	return nil
}

// serviceAppByClientID finds the org and app of a client id.
func (m *Model) serviceAppByClientID(clientID string) (*Org, *ServiceApp, bool) {
	m.mu.RLock()
	orgs := make([]*Org, 0, len(m.orgOrder))
	for _, id := range m.orgOrder {
		orgs = append(orgs, m.orgs[id])
	}
	m.mu.RUnlock()
	for _, o := range orgs {
		if a, ok := m.ServiceApp(o, clientID); ok {
			return o, a, true
		}
	}
	return nil, nil, false
}

// OAuthError is an error of the token endpoint, in OAuth's own shape
// ({"error","error_description"}), not Okta's envelope.
type OAuthError struct {
	Status      int
	Code        string // invalid_client, invalid_scope, ...
	Description string
}

func (e *OAuthError) Error() string { return e.Code + ": " + e.Description }

func invalidClient(desc string) *OAuthError {
	return &OAuthError{Status: 401, Code: "invalid_client", Description: desc}
}

// TokenRequest is a client-credentials token request.
type TokenRequest struct {
	GrantType           string
	Scope               string
	ClientAssertionType string
	ClientAssertion     string
	ClientID            string // optional form field; must match the assertion
	// Audiences are the token endpoint URLs the assertion's aud may name:
	// the URL the client called (and the public URL, when set).
	Audiences []string
}

// TokenResponse is the token endpoint's answer.
type TokenResponse struct {
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	AccessToken string `json:"access_token"`
	Scope       string `json:"scope"`
}

const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionAlgs are the client assertion signatures Okta accepts for
// private_key_jwt (OAPI-OAUTH-2).
var assertionAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512}

// TokenOrg is the org and client id of the service app a token request
// names (the client assertion's unverified iss, or client_id), for
// counting the request before it is checked; ok is false when it names
// none.
func (m *Model) TokenOrg(clientID, assertion string) (*Org, string, bool) {
	if tok, err := jwt.ParseSigned(assertion, assertionAlgs); err == nil {
		var c jwt.Claims
		if err := tok.UnsafeClaimsWithoutVerification(&c); err == nil && c.Issuer != "" {
			clientID = c.Issuer
		}
	}
	if clientID == "" {
		return nil, "", false
	}
	o, _, ok := m.serviceAppByClientID(clientID)
	return o, clientID, ok
}

// IssueToken runs the client-credentials grant with private_key_jwt
// client authentication (OAPI-OAUTH-2). The returned org is the client's.
func (m *Model) IssueToken(in TokenRequest) (*Org, TokenResponse, error) {
	if in.GrantType != "client_credentials" {
		if in.GrantType == "" {
			return nil, TokenResponse{}, &OAuthError{400, "invalid_request", "The 'grant_type' parameter is missing."}
		}
		return nil, TokenResponse{}, &OAuthError{400, "unsupported_grant_type", "The authorization server does not support the requested grant type."}
	}
	if in.ClientAssertion == "" {
		return nil, TokenResponse{}, invalidClient("Client authentication failed. Either the client or the client credentials are invalid.")
	}
	if in.ClientAssertionType != assertionType {
		return nil, TokenResponse{}, &OAuthError{400, "invalid_request", "The client_assertion_type is invalid."}
	}
	tok, err := jwt.ParseSigned(in.ClientAssertion, assertionAlgs)
	if err != nil {
		return nil, TokenResponse{}, &OAuthError{400, "invalid_request", "The client_assertion is not a well-formed JWT."}
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil || unverified.Issuer == "" {
		return nil, TokenResponse{}, invalidClient("The client_assertion token is missing the 'iss' claim.")
	}
	clientID := unverified.Issuer
	if in.ClientID != "" && in.ClientID != clientID {
		return nil, TokenResponse{}, invalidClient("The 'client_id' parameter does not match the client_assertion.")
	}
	o, app, ok := m.serviceAppByClientID(clientID)
	if !ok {
		return nil, TokenResponse{}, invalidClient("The client_assertion 'iss' claim is not a known client.")
	}
	if app.Status != AppActive {
		return nil, TokenResponse{}, invalidClient("The client is not active.")
	}
	if len(app.Keys) == 0 {
		// Okta's words (TF#1035).
		return nil, TokenResponse{}, invalidClient("The client does not have a JWKSet configured, but the client_assertion requires one.")
	}
	var claims jwt.Claims
	verified := false
	for _, k := range app.Keys {
		if kid := tok.Headers[0].KeyID; kid != "" && k.KeyID != "" && kid != k.KeyID {
			continue
		}
		if err := tok.Claims(k.Key, &claims); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, TokenResponse{}, invalidClient("The client_assertion signature is invalid.")
	}
	now := m.clock.Now()
	switch {
	case claims.Subject != clientID:
		return nil, TokenResponse{}, invalidClient("The client_assertion 'sub' claim must match the 'iss' claim.")
	case !slices.ContainsFunc(claims.Audience, func(a string) bool { return slices.Contains(in.Audiences, a) }):
		return nil, TokenResponse{}, invalidClient("The audience [aud] claim for client_assertion must be the endpoint invoked for the request.")
	case claims.Expiry == nil:
		return nil, TokenResponse{}, invalidClient("The client_assertion token is missing the 'exp' claim.")
	case now.After(claims.Expiry.Time()):
		return nil, TokenResponse{}, invalidClient("The client_assertion token is expired.")
	case claims.Expiry.Time().After(now.Add(time.Hour + time.Minute)):
		// Okta: exp at most one hour ahead (a minute of clock skew allowed).
		return nil, TokenResponse{}, invalidClient("The client_assertion token has an expiration too far into the future.")
	}
	if claims.ID != "" && !m.oauth.useJTI(clientID+"\x00"+claims.ID, claims.Expiry.Time(), now) {
		return nil, TokenResponse{}, invalidClient("The client_assertion token has already been used.")
	}
	scopes, err := grantedScopes(app, in.Scope)
	if err != nil {
		return nil, TokenResponse{}, err
	}
	token, err := m.issueAccessToken(o, app.ID, scopes, now.Add(accessTokenTTL), now)
	if err != nil {
		return nil, TokenResponse{}, err
	}
	return o, TokenResponse{TokenType: "Bearer", ExpiresIn: int(accessTokenTTL / time.Second), AccessToken: token,
		Scope: strings.Join(scopes, " ")}, nil
}

// grantedScopes checks the requested scopes against the app's grants. The
// org authorization server has no default scope, so scope is required; a
// scope that is not granted is left out of the token, and a request left
// with none is refused (OAPI-OAUTH-3).
func grantedScopes(app *ServiceApp, requested string) ([]string, error) {
	want := strings.Fields(requested)
	if len(want) == 0 {
		return nil, &OAuthError{400, "invalid_scope", "The authorization server resource does not have any configured default scopes, 'scope' must be provided."}
	}
	var out []string
	for _, s := range want {
		if slices.ContainsFunc(app.Grants, func(g ScopeGrant) bool { return g.ScopeID == s }) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, &OAuthError{400, "invalid_scope", "The following scopes were requested, but not granted: " + strings.Join(want, " ") + "."}
	}
	return out, nil
}

// ServiceAppRecord is a service app as the store and snapshots keep it:
// public keys only, so a record holds no secret.
type ServiceAppRecord struct {
	ID          string             `json:"id"`
	Label       string             `json:"label"`
	Status      string             `json:"status"`
	Created     time.Time          `json:"created"`
	LastUpdated time.Time          `json:"lastUpdated"`
	JWKS        jose.JSONWebKeySet `json:"jwks"`
	Grants      []ScopeGrant       `json:"grants,omitempty"`
}

func serviceAppRecord(a *ServiceApp) ServiceAppRecord {
	return ServiceAppRecord{ID: a.ID, Label: a.Label, Status: a.Status, Created: a.Created, LastUpdated: a.LastUpdated,
		JWKS: jose.JSONWebKeySet{Keys: slices.Clone(a.Keys)}, Grants: slices.Clone(a.Grants)}
}

// buildServiceApps restores the org's service apps.
func buildServiceApps(o *Org, tr store.TenantRecords) error {
	recs, err := store.Decode[ServiceAppRecord](tr, kindServiceApp)
	if err != nil {
		return err
	}
	for i, rec := range recs {
		if err := validID(fmt.Sprintf("serviceApps[%d]", i), rec.ID); err != nil {
			return err
		}
		if _, dup := o.clients[rec.ID]; dup {
			return fmt.Errorf("service app %s appears twice", rec.ID)
		}
		if rec.Status != AppActive && rec.Status != AppInactive {
			return fmt.Errorf("service app %s: status %q: want ACTIVE or INACTIVE", rec.ID, rec.Status)
		}
		for j, k := range rec.JWKS.Keys {
			if !k.Valid() || !k.IsPublic() {
				return fmt.Errorf("service app %s: jwks.keys[%d]: want a valid public key", rec.ID, j)
			}
		}
		for _, g := range rec.Grants {
			if !slices.Contains(OktaScopes, g.ScopeID) {
				return fmt.Errorf("service app %s: grant %s: unknown scope %q", rec.ID, g.ID, g.ScopeID)
			}
		}
		o.clients[rec.ID] = &ServiceApp{ID: rec.ID, Label: rec.Label, Status: rec.Status, Created: rec.Created,
			LastUpdated: rec.LastUpdated, Keys: rec.JWKS.Keys, Grants: rec.Grants}
		o.clientOrder = append(o.clientOrder, rec.ID)
	}
	return nil
}

// KeySummaries names each registered public key for display ("k1 (RSA)").
func (a *ServiceApp) KeySummaries() []string {
	out := make([]string, 0, len(a.Keys))
	for _, k := range a.Keys {
		kind := "key"
		switch k.Key.(type) {
		case *rsa.PublicKey:
			kind = "RSA"
		case *ecdsa.PublicKey:
			kind = "EC"
		case ed25519.PublicKey:
			kind = "OKP"
		}
		id := k.KeyID
		if id == "" {
			id = "(no kid)"
		}
		out = append(out, id+" ("+kind+")")
	}
	return out
}

// Scopes are the granted scope ids, in grant order.
func (a *ServiceApp) Scopes() []string {
	out := make([]string, 0, len(a.Grants))
	for _, g := range a.Grants {
		out = append(out, g.ScopeID)
	}
	return out
}

// seedServiceApp makes a seed's service app and grants its scopes.
func (m *Model) seedServiceApp(o *Org, ss SeedServiceApp) error {
	var jwks []byte
	switch {
	case ss.PublicKey != "" && ss.JWKS != nil:
		return errValidation("publicKey and jwks: give one")
	case ss.PublicKey != "":
		key, err := publicKeyFromPEM(ss.PublicKey)
		if err != nil {
			return err
		}
		if jwks, err = json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: ss.KeyID, Use: "sig"}}}); err != nil {
			return errValidation("publicKey: " + err.Error())
		}
	case ss.JWKS != nil:
		var err error
		if jwks, err = json.Marshal(ss.JWKS); err != nil {
			return errValidation("jwks: " + err.Error())
		}
	default:
		return errValidation("publicKey: a service app needs its public key (publicKey or jwks)")
	}
	a, err := m.CreateServiceApp(o, CreateServiceAppInput{ID: ss.ClientID, Label: ss.Label, JWKS: jwks, Activate: true})
	if err != nil {
		return err
	}
	for _, s := range ss.Scopes {
		// The org authorization server's issuer is the org URL, which a
		// seed does not know; grants do not depend on it here.
		if _, err := m.GrantScope(o, a.ID, s, "org"); err != nil {
			return fmt.Errorf("scopes: %w", err)
		}
	}
	return nil
}

// publicKeyFromPEM reads a PEM public key (PKIX "PUBLIC KEY", PKCS#1 "RSA
// PUBLIC KEY") or a certificate's key. A private key is refused.
func publicKeyFromPEM(s string) (any, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errValidation("publicKey: not a PEM block")
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, errValidation("publicKey: " + err.Error())
		}
		return k, nil
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, errValidation("publicKey: " + err.Error())
		}
		return k, nil
	case "CERTIFICATE":
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, errValidation("publicKey: " + err.Error())
		}
		return c.PublicKey, nil
	}
	return nil, errValidation("publicKey: a " + block.Type + "; give the PUBLIC KEY (the private key stays with the client)")
}
