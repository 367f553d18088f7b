package harness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/saml"
)

// Wiring SAML between running servers (`harness wire-saml`, the compose
// file's saml-wiring service, harness/containers): what `harness serve`
// does in-process, done over HTTP as an admin does it by hand
// (docs/saml.md): Okta's IdP settings into the Atlassian organization,
// the organization's SP URLs into the Okta app's Sign On settings.

// SAMLWiring names the Okta app and the Atlassian organization to connect
// and how to reach them.
type SAMLWiring struct {
	// OktaURL and OktaToken reach the Okta org's Management API
	// (`Authorization: SSWS <token>`).
	OktaURL, OktaToken string
	// AppID is the Okta app; "" picks the org's only active Atlassian
	// Cloud SAML app.
	AppID string
	// AtlassianURL is mockatlassian; Org the organization ("" : the only
	// one); ControlToken its control API's token ("" : open).
	AtlassianURL, Org, ControlToken string
	// Force rewires both sides even when they are configured already.
	Force bool
	// HTTP is the client (nil: a default one with a timeout).
	HTTP *http.Client
}

// WiredSAML is what WireSAML found or set.
type WiredSAML struct {
	AppID, AppLabel string
	Issuer, SSOURL  string // the IdP's, as browsers reach it
	Org             string
	SPEntityID      string // the Audience URI the app sends
	ACSURL          string // where the app posts its responses
	// Already is true when both sides were wired to each other before:
	// nothing was changed.
	Already bool
}

// String is the line the harness prints, as `harness serve` does: what
// signs in where, and where people sign in.
func (w WiredSAML) String() string {
	verb := "signs in to"
	if w.Already {
		verb = "already signs in to"
	}
	return fmt.Sprintf("SAML single sign-on: %s (%s) %s %s (organization %s); sign in at %s/app/UserHome",
		w.AppLabel, w.Issuer, verb, w.SPEntityID, w.Org, origin(w.SSOURL))
}

// samlApp is the part of an Okta app the wiring reads.
type samlApp struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Label      string `json:"label"`
	Status     string `json:"status"`
	SignOnMode string `json:"signOnMode"`
	Settings   struct {
		SignOn struct {
			SSOACSURL string `json:"ssoAcsUrl"`
			Audience  string `json:"audience"`
		} `json:"signOn"`
	} `json:"settings"`
}

// spURLs are the SP side's answer to a SAML configuration.
type spURLs struct {
	IdPEntityID string `json:"idpEntityId"`
	SPEntityID  string `json:"spEntityId"`
	ACSURL      string `json:"acsUrl"`
}

// WireSAML connects the app and the organization (SAML-SP-1, SAML-IDP-1).
// Sides already wired to each other are left as they are (a data
// directory keeps them across restarts); a side configured otherwise is an
// error unless Force, so settings someone chose are not overwritten.
func WireSAML(ctx context.Context, w SAMLWiring) (WiredSAML, error) {
	hc := w.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	okta := &client{base: trimSlash(w.OktaURL), auth: "SSWS " + w.OktaToken, http: hc, ctx: ctx}
	atl := &client{base: trimSlash(w.AtlassianURL), control: w.ControlToken, http: hc, ctx: ctx}
	app, err := findSAMLApp(okta, w.AppID)
	if err != nil {
		return WiredSAML{}, err
	}
	org := w.Org
	if org == "" {
		if org, err = onlyOrg(atl); err != nil {
			return WiredSAML{}, err
		}
	}
	out := WiredSAML{AppID: app.ID, AppLabel: app.Label, Org: org,
		SPEntityID: app.Settings.SignOn.Audience, ACSURL: app.Settings.SignOn.SSOACSURL}
	var have spURLs
	err = atl.do("GET", "/_sim/orgs/"+url.PathEscape(org)+"/saml", nil, &have)
	switch {
	case status(err) == http.StatusNotFound:
		err = nil
	case err != nil:
		return WiredSAML{}, fmt.Errorf("the Atlassian SAML configuration: %w", err)
	}
	oktaSet, atlSet := app.Settings.SignOn.SSOACSURL != "", have.SPEntityID != ""
	if (oktaSet || atlSet) && !w.Force {
		// The issuer is the metadata's entityID: settings.signOn.idpIssuer
		// may be Okta's ${org.externalKey} template (SAML-IDP-5).
		idp, err := metadataOf(okta, app.ID)
		if err != nil {
			return WiredSAML{}, err
		}
		if oktaSet && atlSet && have.IdPEntityID == idp.EntityID &&
			have.SPEntityID == app.Settings.SignOn.Audience && have.ACSURL == app.Settings.SignOn.SSOACSURL {
			out.Already = true
			out.Issuer, out.SSOURL = idp.EntityID, idp.SSOURL
			return out, nil
		}
		return WiredSAML{}, fmt.Errorf("app %s (Single sign-on URL %q) and organization %s (SAML configured: %v) are "+
			"set up otherwise already; leaving them (force to rewire both)", app.ID, app.Settings.SignOn.SSOACSURL, org, atlSet)
	}
	idp, sp, err := wireSAMLPair(okta, atl, app.ID, org)
	if err != nil {
		return WiredSAML{}, err
	}
	out.Issuer, out.SSOURL, out.SPEntityID, out.ACSURL = idp.EntityID, idp.SSOURL, sp.SPEntityID, sp.ACSURL
	return out, nil
}

// metadataOf reads the app's IdP metadata through the Management API.
func metadataOf(okta *client, appID string) (saml.IdPMetadata, error) {
	md, err := okta.raw("/api/v1/apps/" + url.PathEscape(appID) + "/sso/saml/metadata")
	if err != nil {
		return saml.IdPMetadata{}, fmt.Errorf("the app's SAML metadata: %w", err)
	}
	idp, err := saml.ParseIdPMetadata(md)
	if err != nil {
		return saml.IdPMetadata{}, fmt.Errorf("the app's SAML metadata: %w", err)
	}
	return idp, nil
}

// wireSAMLPair copies the app's IdP settings (from its metadata) into the
// organization's SAML configuration, and the organization's SP URLs into
// the app's Sign On settings.
func wireSAMLPair(okta, atlCtl *client, appID, org string) (saml.IdPMetadata, spURLs, error) {
	idp, err := metadataOf(okta, appID)
	if err != nil {
		return saml.IdPMetadata{}, spURLs{}, err
	}
	var sp spURLs
	if err := atlCtl.do("PUT", "/_sim/orgs/"+url.PathEscape(org)+"/saml", map[string]any{"idpEntityId": idp.EntityID,
		"idpSsoUrl": idp.SSOURL, "certificate": idp.Certificate}, &sp); err != nil {
		return saml.IdPMetadata{}, spURLs{}, fmt.Errorf("the Atlassian SAML configuration: %w", err)
	}
	if err := okta.do("PUT", "/api/v1/apps/"+url.PathEscape(appID), map[string]any{"settings": map[string]any{
		"signOn": map[string]any{"ssoAcsUrl": sp.ACSURL, "audience": sp.SPEntityID}}}, nil); err != nil {
		return saml.IdPMetadata{}, spURLs{}, fmt.Errorf("the app's Sign On settings: %w", err)
	}
	return idp, sp, nil
}

// findSAMLApp reads the app id names, or finds the org's only active SAML
// app made from the Atlassian Cloud template.
func findSAMLApp(okta *client, id string) (samlApp, error) {
	if id != "" {
		var app samlApp
		if err := okta.do("GET", "/api/v1/apps/"+url.PathEscape(id), nil, &app); err != nil {
			return samlApp{}, fmt.Errorf("the Okta app: %w", err)
		}
		if app.SignOnMode != "SAML_2_0" {
			return samlApp{}, fmt.Errorf("the Okta app %s signs on with %s, not SAML_2_0", id, app.SignOnMode)
		}
		return app, nil
	}
	var apps []samlApp
	if err := okta.do("GET", "/api/v1/apps?limit=200", nil, &apps); err != nil {
		return samlApp{}, fmt.Errorf("the Okta apps: %w", err)
	}
	var found []samlApp
	for _, a := range apps {
		if a.Name == "atlassian" && a.SignOnMode == "SAML_2_0" && a.Status == "ACTIVE" {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return samlApp{}, errors.New("the Okta org has no active Atlassian Cloud SAML app: name one (app id)")
	}
	ids := make([]string, len(found))
	for i, a := range found {
		ids[i] = a.ID
	}
	return samlApp{}, fmt.Errorf("the Okta org has %d Atlassian Cloud apps (%s): name one (app id)", len(found), strings.Join(ids, ", "))
}

// onlyOrg is mockatlassian's only organization.
func onlyOrg(atl *client) (string, error) {
	var orgs []struct {
		ID string `json:"id"`
	}
	if err := atl.do("GET", "/_sim/orgs", nil, &orgs); err != nil {
		return "", fmt.Errorf("the Atlassian organizations: %w", err)
	}
	if len(orgs) != 1 {
		return "", fmt.Errorf("mockatlassian has %d organizations: name one (organization id)", len(orgs))
	}
	return orgs[0].ID, nil
}

// WaitHealthy polls each server's GET /_sim/health until it answers 200,
// or ctx ends: a wiring started beside the servers (a compose service,
// a script) waits for them instead of failing at once.
func WaitHealthy(ctx context.Context, hc *http.Client, bases ...string) error {
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	for _, base := range bases {
		var last error
		for {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, trimSlash(base)+"/_sim/health", nil)
			if err != nil {
				return err
			}
			res, err := hc.Do(req)
			if err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					break
				}
				err = fmt.Errorf("HTTP %d", res.StatusCode)
			}
			last = err
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s did not answer: %w", base, last)
			case <-time.After(250 * time.Millisecond):
			}
		}
	}
	return nil
}
