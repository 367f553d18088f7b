package mockokta

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/saml"
	"github.com/provsim/provsim/internal/secret"
)

// AppSAML is a SAML app's sign-on settings (SAML-IDP-1): what the admin
// types on the Sign On tab (the service provider's Single sign-on URL and
// Audience URI, the NameID format, attribute statements) and the signing
// keys Okta generated for the app.
type AppSAML struct {
	ACSURL            string
	Audience          string
	DefaultRelayState string
	NameIDFormat      string // "" : the template's default (SAML-IDP-2)
	// Attributes nil: the template's statements; empty: none.
	Attributes []SAMLAttribute
	// Opts is the rest of settings.signOn (samlopts.go).
	Opts SAMLOptions
	// Keys are the app's signing keys, the active one first; empty until
	// first needed (generating an RSA key takes a while, and most apps in
	// tests never sign anything).
	Keys []AppKey
}

// SAMLAttribute is one attribute statement: Values are Okta expressions,
// of which mockokta evaluates "user.<attribute>" and quoted literals.
type SAMLAttribute struct {
	Type      string   `json:"type"` // EXPRESSION, or GROUP (the groups a filter picks)
	Name      string   `json:"name"`
	Namespace string   `json:"namespace"`
	Values    []string `json:"values,omitempty"`
	// FilterType and FilterValue pick a GROUP statement's groups by name.
	FilterType  string `json:"filterType,omitempty"`
	FilterValue string `json:"filterValue,omitempty"`
}

// AppKey is one signing key of an app (OAPI-KEYS-1).
type AppKey struct {
	KID     string    `json:"kid"`
	Created time.Time `json:"created"`
	CertPEM string    `json:"certificate"`
	KeyPEM  string    `json:"privateKey"`
}

func (s AppSAML) clone() AppSAML {
	c := s
	c.Attributes = slices.Clone(s.Attributes)
	c.Opts = s.Opts.clone()
	c.Keys = slices.Clone(s.Keys)
	return c
}

// templateSAML is what a catalogue app sends by default. The Atlassian
// Cloud app's NameID format (email address) and its statements (first
// name, last name, email) are a guess: Okta's setup instructions for the
// app ask Atlassian for nothing else (SAML-IDP-2).
var templateSAML = map[string]struct {
	nameIDFormat string
	attributes   []SAMLAttribute
}{
	"atlassian": {saml.NameIDEmail, []SAMLAttribute{
		{Type: "EXPRESSION", Name: "firstName", Namespace: attrUnspecified, Values: []string{"user.firstName"}},
		{Type: "EXPRESSION", Name: "lastName", Namespace: attrUnspecified, Values: []string{"user.lastName"}},
		{Type: "EXPRESSION", Name: "email", Namespace: attrUnspecified, Values: []string{"user.email"}},
	}},
}

const attrUnspecified = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"

// IssuerID is the id in the app's Identity Provider Issuer
// (http://www.okta.com/<IssuerID>) and its SAML URLs: Okta's "exk" ids,
// derived from the app id so that they cost the seeded id stream nothing.
func (a *App) IssuerID() string { return "exk" + strings.TrimPrefix(a.ID, "0oa") }

// Issuer is the Identity Provider Issuer the app's assertions and metadata
// name: its idpIssuer with ${org.externalKey} replaced by the issuer id
// (SAML-IDP-5); by default http://www.okta.com/<IssuerID>.
func (a *App) Issuer() string {
	return strings.ReplaceAll(stringOr(a.SAML.Opts.IdPIssuer, defaultIdPIssuer), "${org.externalKey}", a.IssuerID())
}

// SAMLNameIDFormat is the NameID format the app sends.
func (a *App) SAMLNameIDFormat() string {
	if a.SAML.NameIDFormat != "" {
		return a.SAML.NameIDFormat
	}
	if t, ok := templateSAML[a.Name]; ok {
		return t.nameIDFormat
	}
	return saml.NameIDUnspecified
}

// SAMLAttributes are the attribute statements the app sends.
func (a *App) SAMLAttributes() []SAMLAttribute {
	if a.SAML.Attributes != nil {
		return a.SAML.Attributes
	}
	return templateSAML[a.Name].attributes
}

// ActiveKID is the kid of the key that signs (credentials.signing.kid),
// known before the key itself is generated.
func (a *App) ActiveKID() string {
	if len(a.SAML.Keys) > 0 {
		return a.SAML.Keys[0].KID
	}
	return firstKID(a.ID)
}

// firstKID is an app's first key id: Okta's kids are 43 base64url
// characters; this one is derived from the app id for the reason IssuerID
// is.
func firstKID(appID string) string {
	sum := sha256.Sum256([]byte("kid:" + appID))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// SSOPath is the app's Identity Provider Single Sign-On URL path, where
// AuthnRequests arrive (Okta: /app/<org>_<app>_1/<exk id>/sso/saml).
func (a *App) SSOPath() string { return "/app/" + a.Name + "/" + a.IssuerID() + "/sso/saml" }

// MetadataPath is where the app's IdP metadata document is.
func (a *App) MetadataPath() string { return "/app/" + a.IssuerID() + "/sso/saml/metadata" }

// EmbedPath is the app's embed link: IdP-initiated sign-in, the
// dashboard tile's target.
func (a *App) EmbedPath() string { return "/home/" + a.Name + "/" + a.ID }

// isSAML reports whether the app signs people in with SAML.
func (a *App) isSAML() bool { return a.SignOnMode == "SAML_2_0" }

// SAMLInput changes an app's SAML settings; nil fields stay.
type SAMLInput struct {
	ACSURL            *string          `json:"ssoAcsUrl"`
	Audience          *string          `json:"audience"`
	DefaultRelayState *string          `json:"defaultRelayState"`
	NameIDFormat      *string          `json:"subjectNameIdFormat"`
	Attributes        *[]SAMLAttribute `json:"attributeStatements"`
	samlOptionsInput
}

func (in SAMLInput) empty() bool {
	return in.ACSURL == nil && in.Audience == nil && in.DefaultRelayState == nil && in.NameIDFormat == nil &&
		in.Attributes == nil && in.samlOptionsInput.empty()
}

// check validates the input before anything changes.
func (in SAMLInput) check() error {
	var causes []string
	for _, f := range []struct {
		name string
		v    *string
	}{{"settings.signOn.ssoAcsUrl", in.ACSURL}, {"settings.signOn.audience", in.Audience}} {
		if f.v == nil || *f.v == "" {
			continue
		}
		if u, err := url.Parse(*f.v); err != nil || u.Scheme == "" || u.Host == "" && u.Opaque == "" {
			causes = append(causes, f.name+": must be an absolute URL or URN")
		}
	}
	if in.NameIDFormat != nil && *in.NameIDFormat != "" && !slices.Contains(saml.NameIDFormats, *in.NameIDFormat) {
		causes = append(causes, "settings.signOn.subjectNameIdFormat: must be one of "+strings.Join(saml.NameIDFormats, ", "))
	}
	if in.Attributes != nil {
		for i, at := range *in.Attributes {
			if at.Name == "" {
				causes = append(causes, fmt.Sprintf("settings.signOn.attributeStatements[%d].name: must not be blank", i))
			}
			switch at.Type {
			case "", "EXPRESSION":
				if at.FilterType != "" || at.FilterValue != "" {
					causes = append(causes, fmt.Sprintf("settings.signOn.attributeStatements[%d]: filterType and filterValue belong to a GROUP statement", i))
				}
			case "GROUP":
				if len(at.Values) > 0 {
					causes = append(causes, fmt.Sprintf("settings.signOn.attributeStatements[%d]: a GROUP statement has a filter, not values", i))
				}
				if !slices.Contains(groupFilterTypes, at.FilterType) {
					causes = append(causes, fmt.Sprintf("settings.signOn.attributeStatements[%d].filterType: must be one of %s", i, strings.Join(groupFilterTypes, ", ")))
				} else if at.FilterType == "REGEX" {
					if _, err := regexp.Compile(at.FilterValue); err != nil {
						causes = append(causes, fmt.Sprintf("settings.signOn.attributeStatements[%d].filterValue: not a regular expression", i))
					}
				}
			default:
				causes = append(causes, fmt.Sprintf("settings.signOn.attributeStatements[%d].type: must be EXPRESSION or GROUP", i))
			}
			for _, v := range at.Values {
				if _, err := parseAttrValue(v); err != nil {
					causes = append(causes, fmt.Sprintf("settings.signOn.attributeStatements[%d].values: %v", i, err))
				}
			}
		}
	}
	causes = append(causes, in.samlOptionsInput.causes()...)
	if len(causes) > 0 {
		return errValidation(causes...)
	}
	return nil
}

// apply applies a checked input to s.
func (in SAMLInput) apply(s *AppSAML) {
	if in.ACSURL != nil {
		s.ACSURL = strings.TrimSpace(*in.ACSURL)
	}
	if in.Audience != nil {
		s.Audience = strings.TrimSpace(*in.Audience)
	}
	if in.DefaultRelayState != nil {
		s.DefaultRelayState = *in.DefaultRelayState
	}
	if in.NameIDFormat != nil {
		s.NameIDFormat = *in.NameIDFormat
	}
	if in.Attributes != nil {
		s.Attributes = []SAMLAttribute{}
		for _, at := range *in.Attributes {
			if at.Type == "" {
				at.Type = "EXPRESSION"
			}
			if at.Namespace == "" {
				at.Namespace = attrUnspecified
			}
			s.Attributes = append(s.Attributes, at)
		}
	}
	in.samlOptionsInput.apply(&s.Opts)
}

// parseAttrValue reads an attribute value expression: user.<attribute>
// (a profile attribute) or a quoted literal.
func parseAttrValue(v string) (func(*User) string, error) {
	v = strings.TrimSpace(v)
	if attr, ok := strings.CutPrefix(v, "user."); ok && templateRE.MatchString("${source."+attr+"}") {
		return func(u *User) string { return u.Attr(attr) }, nil
	}
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		lit := v[1 : len(v)-1]
		return func(*User) string { return lit }, nil
	}
	return nil, fmt.Errorf("%q: mockokta evaluates user.<attribute> and quoted literals", v)
}

// UpdateSAML changes an app's SAML settings (the Sign On tab, or
// settings.signOn of PUT /api/v1/apps/{id}).
func (m *Model) UpdateSAML(o *Org, appID string, in SAMLInput) (*App, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	if !a.isSAML() {
		return nil, errValidation("settings.signOn: the app does not sign on with SAML 2.0")
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	in.apply(&a.SAML)
	a.LastUpdated = m.now()
	o.changes.Put(kindApp, a.ID)
	m.logAPI(o, "application.lifecycle.update", "Update application", appTarget(a))
	return copyApp(a), nil
}

// signingKey returns the app's active key, making the first one when
// there is none yet: the given key (Options.SAMLKey), else a generated
// one. Caller holds o.mu.
func (m *Model) signingKey(o *Org, a *App) (*saml.KeyPair, error) {
	if len(a.SAML.Keys) == 0 && m.opts.SAMLKey != nil {
		certPEM, keyPEM := m.opts.SAMLKey.PEM()
		a.SAML.Keys = append(a.SAML.Keys, AppKey{KID: firstKID(a.ID), Created: m.now(), CertPEM: certPEM, KeyPEM: keyPEM})
		o.changes.Put(kindApp, a.ID)
	}
	if len(a.SAML.Keys) == 0 {
		if _, err := m.addKey(o, a, firstKID(a.ID), 10); err != nil {
			return nil, err
		}
	}
	k := a.SAML.Keys[0]
	return saml.ParseKeyPair(k.KID, k.CertPEM, k.KeyPEM)
}

// addKey generates a key; it becomes the active one only when the app has
// none. Caller holds o.mu.
func (m *Model) addKey(o *Org, a *App, kid string, years int) (AppKey, error) {
	kp, err := saml.NewKeyPair(kid, o.Name, m.now(), years)
	if err != nil {
		return AppKey{}, err
	}
	certPEM, keyPEM := kp.PEM()
	k := AppKey{KID: kid, Created: m.now(), CertPEM: certPEM, KeyPEM: keyPEM}
	a.SAML.Keys = append(a.SAML.Keys, k)
	o.changes.Put(kindApp, a.ID)
	return k, nil
}

// AppKeys lists an app's signing keys (GET /api/v1/apps/{id}/credentials/keys).
func (m *Model) AppKeys(o *Org, appID string) ([]saml.JWK, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	if _, err := m.signingKey(o, a); err != nil {
		return nil, err
	}
	out := []saml.JWK{}
	for _, k := range a.SAML.Keys {
		kp, err := saml.ParseKeyPair(k.KID, k.CertPEM, k.KeyPEM)
		if err != nil {
			return nil, err
		}
		out = append(out, kp.JWK(k.Created))
	}
	return out, nil
}

// AppKey is one key of an app.
func (m *Model) AppKey(o *Org, appID, kid string) (saml.JWK, error) {
	keys, err := m.AppKeys(o, appID)
	if err != nil {
		return saml.JWK{}, err
	}
	for _, k := range keys {
		if k.Kid == kid {
			return k, nil
		}
	}
	return saml.JWK{}, errNotFound("Key", kid)
}

// GenerateAppKey adds a key valid for years (2 to 10, Okta's range); the
// active key stays until an admin switches (POST …/keys/generate).
func (m *Model) GenerateAppKey(o *Org, appID string, years int) (saml.JWK, error) {
	if years < 2 || years > 10 {
		return saml.JWK{}, errValidation("validityYears: must be between 2 and 10")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return saml.JWK{}, err
	}
	if _, err := m.signingKey(o, a); err != nil {
		return saml.JWK{}, err
	}
	k, err := m.addKey(o, a, m.ids.Token(43), years)
	if err != nil {
		return saml.JWK{}, err
	}
	kp, err := saml.ParseKeyPair(k.KID, k.CertPEM, k.KeyPEM)
	if err != nil {
		return saml.JWK{}, err
	}
	return kp.JWK(k.Created), nil
}

// FindApp finds an app in any org by its id or its issuer id ("exk…"): the
// browser routes (metadata, SSO, embed link) carry no API token.
func (m *Model) FindApp(id string) (*Org, *App, bool) {
	m.mu.RLock()
	orgs := make([]*Org, 0, len(m.orgOrder))
	for _, oid := range m.orgOrder {
		orgs = append(orgs, m.orgs[oid])
	}
	m.mu.RUnlock()
	appID := id
	if rest, ok := strings.CutPrefix(id, "exk"); ok {
		appID = "0oa" + rest
	}
	for _, o := range orgs {
		o.mu.Lock()
		a, ok := o.apps[appID]
		var c *App
		if ok {
			c = copyApp(a)
		}
		o.mu.Unlock()
		if ok {
			return o, c, true
		}
	}
	return nil, nil, false
}

// SAMLSetup is everything an identity provider needs to answer for an app.
type SAMLSetup struct {
	App  *App
	Keys *saml.KeyPair
}

// IdP is the app's identity provider at now, its SSO URL on base (the
// org URL the browser used).
func (s SAMLSetup) IdP(base string, now time.Time) saml.IdP {
	sa := s.App.SAML
	return saml.IdP{EntityID: s.App.Issuer(), SSOURL: base + s.App.SSOPath(), Keys: s.Keys, Now: now,
		SP:      saml.SP{EntityID: sa.Audience, ACSURL: sa.ACSURL, Recipient: sa.RecipientURL(), Destination: sa.DestinationURL()},
		Signing: sa.signing(), AuthnContextClassRef: stringOr(sa.Opts.AuthnContextClassRef, defaultAuthnContext)}
}

// SAMLSetupOf returns an app's settings and signing key, generating the
// key on first use.
func (m *Model) SAMLSetupOf(o *Org, appID string) (SAMLSetup, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return SAMLSetup{}, err
	}
	if !a.isSAML() {
		return SAMLSetup{}, errValidation("the app does not sign on with SAML 2.0")
	}
	kp, err := m.signingKey(o, a)
	if err != nil {
		return SAMLSetup{}, err
	}
	return SAMLSetup{App: copyApp(a), Keys: kp}, nil
}

// SignInRefused is why Okta sends no assertion (SAML-IDP-3).
type SignInRefused struct{ Reason string }

func (e *SignInRefused) Error() string { return e.Reason }

// SAMLSubject is who an assertion for the user names and what it says:
// the NameID is the application username, the one the Sign On tab shows
// and provisioning sent (SAML-IDP-2, SAML-TRAP-1). A user who is not
// ACTIVE, or not assigned to the app, or an inactive app, is refused; every
// outcome is in the System Log (user.authentication.sso). A person the
// app's sign-in policy denies gets no assertion (OAPI-POLICY-4).
func (m *Model) SAMLSubject(o *Org, appID, userID string) (saml.Subject, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return saml.Subject{}, err
	}
	u, err := o.user(userID)
	if err != nil {
		return saml.Subject{}, err
	}
	refuse := func(reason string) (saml.Subject, error) {
		m.logSSO(o, a, u, Failure, reason)
		return saml.Subject{}, &SignInRefused{Reason: reason}
	}
	switch {
	case a.Status != AppActive:
		return refuse("The app " + a.Label + " is not active")
	case u.Status != StatusActive:
		return refuse("The user is not active")
	}
	au, ok := a.appUser(u.ID)
	if !ok {
		return refuse("User is not assigned to this application")
	}
	// The app's sign-in policy decides last (OAPI-POLICY-4); its outcome
	// is logged as policy.evaluate_sign_on.
	if allowed, _ := m.evaluateSignOn(o, a, u); !allowed {
		return saml.Subject{}, &SignInRefused{Reason: policyDenyReason}
	}
	subj := saml.Subject{NameID: au.UserName, NameIDFormat: a.SAMLNameIDFormat()}
	for _, at := range a.SAMLAttributes() {
		out := saml.Attribute{Name: at.Name, NameFormat: at.Namespace}
		if at.Type == "GROUP" {
			out.Values = o.groupNamesMatching(u.ID, at.FilterType, at.FilterValue)
		}
		for _, v := range at.Values {
			if f, err := parseAttrValue(v); err == nil {
				if s := f(u); s != "" {
					out.Values = append(out.Values, s)
				}
			}
		}
		if len(out.Values) > 0 {
			subj.Attributes = append(subj.Attributes, out)
		}
	}
	m.logSSO(o, a, u, Success, "")
	return subj, nil
}

// groupNamesMatching are the names of u's groups that a GROUP attribute
// statement's filter picks (SAML-IDP-5), in the org's group order; a REGEX
// filter must match the whole name (SAML-IDP-4). Caller holds o.mu.
func (o *Org) groupNamesMatching(userID, filterType, filterValue string) []string {
	var re *regexp.Regexp
	if filterType == "REGEX" {
		var err error
		if re, err = regexp.Compile("^(?:" + filterValue + ")$"); err != nil {
			return nil // checked when set
		}
	}
	var out []string
	for _, gid := range o.groupOrder {
		g := o.groups[gid]
		if g == nil || !g.HasMember(userID) {
			continue
		}
		var ok bool
		switch filterType {
		case "STARTS_WITH":
			ok = strings.HasPrefix(g.Name, filterValue)
		case "EQUALS":
			ok = g.Name == filterValue
		case "CONTAINS":
			ok = strings.Contains(g.Name, filterValue)
		case "REGEX":
			ok = re.MatchString(g.Name)
		}
		if ok {
			out = append(out, g.Name)
		}
	}
	return out
}

// logSSO records a sign-in to an app as Okta does.
func (m *Model) logSSO(o *Org, a *App, u *User, result, reason string) {
	m.appendLog(o, LogEvent{EventType: "user.authentication.sso", DisplayMessage: "User single sign on to app",
		Actor:   LogActor{ID: u.ID, Type: "User", AlternateID: u.Login(), DisplayName: displayName(u)},
		Outcome: LogOutcome{Result: result, Reason: reason}, Target: []LogTarget{appTarget(a)},
		Transaction: LogTransacton{Type: "WEB", ID: m.ids.Token(20)}})
}

// SignIn checks a person's username (or id) and password on Okta's sign-in
// page (SAML-IDP-3). Any failure is the same "Unable to sign in", as on
// Okta's page, so the page does not tell who exists; the System Log says
// why (user.session.start).
func (m *Model) SignIn(o *Org, login, password string) (*User, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, err := o.user(strings.TrimSpace(login))
	if err != nil {
		return nil, &SignInRefused{Reason: "Unable to sign in"}
	}
	fail := func(reason string) (*User, error) {
		m.appendLog(o, LogEvent{EventType: "user.session.start", DisplayMessage: "User login to Okta",
			Actor:   LogActor{ID: u.ID, Type: "User", AlternateID: u.Login(), DisplayName: displayName(u)},
			Outcome: LogOutcome{Result: Failure, Reason: reason}, Target: []LogTarget{},
			Transaction: LogTransacton{Type: "WEB", ID: m.ids.Token(20)}})
		return nil, &SignInRefused{Reason: "Unable to sign in"}
	}
	switch {
	case u.PasswordHash == "" || !secret.PasswordMatches(u.PasswordHash, password):
		return fail("INVALID_CREDENTIALS")
	case u.Status != StatusActive:
		return fail("User is not active (" + u.Status + ")")
	}
	now := m.now()
	u.LastLogin = &now
	o.changes.Put(kindUser, u.ID)
	m.appendLog(o, LogEvent{EventType: "user.session.start", DisplayMessage: "User login to Okta",
		Actor:   LogActor{ID: u.ID, Type: "User", AlternateID: u.Login(), DisplayName: displayName(u)},
		Outcome: LogOutcome{Result: Success}, Target: []LogTarget{},
		Transaction: LogTransacton{Type: "WEB", ID: m.ids.Token(20)}})
	return snapshotUser(u), nil
}

// UserApps are the active apps a person is assigned to, directly or through
// a group: the tiles of their End-User Dashboard.
func (m *Model) UserApps(o *Org, userID string) []*App {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*App
	for _, id := range o.appOrder {
		a := o.apps[id]
		if _, ok := a.appUser(userID); ok && a.Status == AppActive {
			out = append(out, copyApp(a))
		}
	}
	return out
}
