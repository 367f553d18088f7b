package mockatlassian

import (
	"net/url"
	"strings"

	"github.com/provsim/provsim/internal/saml"
)

// SAMLConfig is an organization's SAML single sign-on configuration
// (Security → SAML single sign-on; SAML-SP-1): what the admin copies from
// the identity provider. ID names the configuration in the service
// provider's URLs (Atlassian: https://auth.atlassian.com/saml/<id>).
type SAMLConfig struct {
	ID          string
	IdPEntityID string
	IdPSSOURL   string
	Certificate string // PEM
}

// SAMLInput is the form: Identity provider Entity ID, Identity provider
// SSO URL, Public x509 certificate (PEM or bare base64).
type SAMLInput struct {
	IdPEntityID string `json:"idpEntityId"`
	IdPSSOURL   string `json:"idpSsoUrl"`
	Certificate string `json:"certificate"`
}

// SAMLView is the configuration with the service provider's URLs, which
// the admin pastes into the identity provider.
type SAMLView struct {
	ID          string `json:"id"`
	IdPEntityID string `json:"idpEntityId"`
	IdPSSOURL   string `json:"idpSsoUrl"`
	Certificate string `json:"certificate"`
	// From the certificate, for the console.
	CertSubject  string `json:"certificateSubject"`
	CertNotAfter string `json:"certificateExpires"`
	SPEntityID   string `json:"spEntityId"`
	ACSURL       string `json:"acsUrl"`
}

// SPEntityID and ACSURL are the service provider's URLs on base (the
// server's public URL): Atlassian's are https://auth.atlassian.com/saml/<id>
// and https://auth.atlassian.com/login/callback?connection=saml-<id>.
func (c *SAMLConfig) SPEntityID(base string) string { return base + "/saml/" + c.ID }

// ACSURL is the assertion consumer service URL.
func (c *SAMLConfig) ACSURL(base string) string {
	return base + "/login/callback?connection=saml-" + c.ID
}

// View renders the configuration on base.
func (c *SAMLConfig) View(base string) SAMLView {
	v := SAMLView{ID: c.ID, IdPEntityID: c.IdPEntityID, IdPSSOURL: c.IdPSSOURL, Certificate: c.Certificate,
		SPEntityID: c.SPEntityID(base), ACSURL: c.ACSURL(base)}
	if cert, err := saml.ParseCertificate(c.Certificate); err == nil {
		v.CertSubject = cert.Subject.String()
		v.CertNotAfter = cert.NotAfter.UTC().Format("2006-01-02")
	}
	return v
}

// check validates the input and returns it in stored form.
func (in SAMLInput) check() (SAMLInput, error) {
	var problems []string
	in.IdPEntityID = strings.TrimSpace(in.IdPEntityID)
	in.IdPSSOURL = strings.TrimSpace(in.IdPSSOURL)
	if in.IdPEntityID == "" {
		problems = append(problems, "Identity provider Entity ID is required")
	}
	if u, err := url.Parse(in.IdPSSOURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		problems = append(problems, "Identity provider SSO URL must be an http or https URL")
	}
	cert, err := saml.ParseCertificate(in.Certificate)
	if err != nil {
		problems = append(problems, "Public x509 certificate: "+err.Error())
	} else {
		in.Certificate = saml.CertificatePEM(cert)
	}
	if len(problems) > 0 {
		return in, errInvalid("%s", strings.Join(problems, "; "))
	}
	return in, nil
}

// SetSAML saves an organization's SAML configuration (SAML-SP-1); the
// configuration keeps its id, so the URLs pasted into the IdP stay valid.
func (m *Model) SetSAML(orgID string, in SAMLInput) (SAMLConfig, error) {
	in, err := in.check()
	if err != nil {
		return SAMLConfig{}, err
	}
	o, err := m.org(orgID)
	if err != nil {
		return SAMLConfig{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.saml == nil {
		o.saml = &SAMLConfig{ID: m.ids.UUID()}
	}
	o.saml.IdPEntityID, o.saml.IdPSSOURL, o.saml.Certificate = in.IdPEntityID, in.IdPSSOURL, in.Certificate
	o.changes.Put(kindOrg, o.ID)
	m.audit(o, ActionSAMLConfigured, adminActor, "Updated SAML single sign-on configuration", nil)
	return *o.saml, nil
}

// DeleteSAML removes the configuration; sign-in by SAML stops.
func (m *Model) DeleteSAML(orgID string) error {
	o, err := m.org(orgID)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.saml == nil {
		return errNotFound("organization %s has no SAML configuration", orgID)
	}
	o.saml = nil
	o.changes.Put(kindOrg, o.ID)
	m.audit(o, ActionSAMLConfigured, adminActor, "Removed SAML single sign-on configuration", nil)
	return nil
}

// SAML is an organization's configuration; false when it has none.
func (m *Model) SAML(orgID string) (SAMLConfig, bool, error) {
	o, err := m.org(orgID)
	if err != nil {
		return SAMLConfig{}, false, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.saml == nil {
		return SAMLConfig{}, false, nil
	}
	return *o.saml, true, nil
}

// SAMLByID finds the organization whose configuration has the id (the
// ACS's connection parameter).
func (m *Model) SAMLByID(id string) (string, SAMLConfig, bool) {
	for _, oid := range m.Orgs() {
		if c, ok, _ := m.SAML(oid); ok && c.ID == id {
			return oid, c, true
		}
	}
	return "", SAMLConfig{}, false
}

// SSOFor is the organization that signs an email in with SAML: the one
// that verified its domain and configured SAML (SAML-SP-2). In Atlassian a
// domain is verified by one organization only; a simulator shared by many
// tests has several that verified example.com, so prefer, when not "",
// names the one meant (the log-in page's org parameter).
func (m *Model) SSOFor(email, prefer string) (string, SAMLConfig, bool) {
	orgs := m.Orgs()
	if prefer != "" {
		orgs = []string{prefer}
	}
	for _, oid := range orgs {
		o, err := m.org(oid)
		if err != nil {
			continue
		}
		o.mu.Lock()
		ok := o.saml != nil && o.managed(email)
		var c SAMLConfig
		if ok {
			c = *o.saml
		}
		o.mu.Unlock()
		if ok {
			return oid, c, true
		}
	}
	return "", SAMLConfig{}, false
}

// SAMLSignIn signs in the person a validated assertion names: the account
// is found by the NameID as email; a managed account signs in, and an
// email no account has gets a new account (SAML-SP-2). That new account is
// the guide's Step 3 duplicate when the NameID is not the email SCIM
// provisioned (SAML-TRAP-1); the audit log says it came from a SAML
// sign-in, with the NameID.
func (m *Model) SAMLSignIn(orgID string, a *saml.Assertion) (SSOResult, error) {
	if err := validEmail(a.NameID); err != nil {
		return SSOResult{}, err
	}
	o, err := m.org(orgID)
	if err != nil {
		return SSOResult{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	acct, res := m.signIn(o, a.NameID)
	actor := Actor{ID: acct.ID, Name: a.NameID}
	if res.Created {
		// The attributes give the new account its name, as Atlassian's
		// just-in-time creation does.
		first, last := firstAttr(a, "firstName"), firstAttr(a, "lastName")
		if name := strings.TrimSpace(first + " " + last); name != "" && acct.DisplayName == "" {
			acct.DisplayName = name
			o.changes.Put(kindAccount, acct.ID)
		}
		m.audit(o, ActionUserCreated, actor, "Created account "+acct.Email+" at a SAML single sign-on (NameID "+a.NameID+")",
			[]EventObject{userObject(acct)})
	}
	res.Account = o.accountView(acct)
	if !res.Denied {
		m.audit(o, ActionUserLoggedIn, actor, "Logged in with SAML single sign-on as "+a.NameID, []EventObject{userObject(acct)})
	}
	return res, nil
}

func firstAttr(a *saml.Assertion, name string) string {
	if v := a.Attributes[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}
