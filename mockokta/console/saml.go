package console

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/saml"
	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockokta"
)

// The Sign On tab's SAML 2.0 part (SAML-IDP-1): "View SAML setup
// instructions" (the IdP's SSO URL, issuer and certificate to paste into
// Atlassian) and Advanced Sign-on Settings (Atlassian's ACS URL and SP
// Entity ID, NameID format, Default RelayState).

func (c *Console) samlRoutes(r *mux.Router) {
	r.HandleFunc("/apps/{appId}/signon/saml-setup", c.samlSetup).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/signon/saml", c.saveSAML).Methods(http.MethodPost)
}

type samlSetupData struct {
	SSOURL, Issuer, Certificate, MetadataURL, EmbedURL string
}

func (c *Console) samlSetup(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	setup, err := c.m.SAMLSetupOf(o, a.ID)
	if err != nil {
		c.fail(w, r, "No SAML setup", appPath(a, "/signon"), err)
		return
	}
	base := c.ui.BaseURL(r)
	c.appPage(w, r, http.StatusOK, a, "Sign On", "app-saml-setup.html", samlSetupData{SSOURL: base + a.SSOPath(),
		Issuer: a.Issuer(), Certificate: saml.CertificatePEM(setup.Keys.Cert), MetadataURL: base + a.MetadataPath(),
		EmbedURL: base + a.EmbedPath()})
}

// saveSAML is Advanced Sign-on Settings' Save: settings.signOn of
// PUT /api/v1/apps/{id}.
func (c *Console) saveSAML(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	acs, aud, relay, format := trim(r.PostFormValue("ssoAcsUrl")), trim(r.PostFormValue("audience")),
		r.PostFormValue("defaultRelayState"), r.PostFormValue("nameIdFormat")
	if _, err := c.m.UpdateSAML(o, a.ID, mockokta.SAMLInput{ACSURL: &acs, Audience: &aud, DefaultRelayState: &relay, NameIDFormat: &format}); err != nil {
		d := signOnOf(a)
		p := problemOf("SAML settings not saved", err)
		d.SAMLProblem = &p
		d.SAMLEditing = true
		d.ACSURL, d.Audience, d.RelayState, d.NameIDFormat = acs, aud, relay, format
		c.appPage(w, r, statusOf(err), a, "Sign On", "app-signon.html", d)
		return
	}
	c.ui.Redirect(w, r, appPath(a, "/signon"), ui.Success("Saved the SAML settings."))
}

// nameIDFormats are Okta's Name ID format choices.
var nameIDFormats = []ui.Option{
	{Value: saml.NameIDUnspecified, Label: "Unspecified"},
	{Value: saml.NameIDEmail, Label: "EmailAddress"},
	{Value: saml.NameIDX509, Label: "x509SubjectName"},
	{Value: saml.NameIDPersistent, Label: "Persistent"},
	{Value: saml.NameIDTransient, Label: "Transient"},
}
