package harness

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"github.com/provsim/provsim/internal/saml"
)

// SAML single sign-on in scenarios (docs/saml.md): the run wires the Okta
// app and the Atlassian organization together as an admin would, and the
// sso step signs a person in through both servers over HTTP with a cookie
// jar, exactly as a browser does: no control-API shortcut.

// wireSAML copies the app's IdP settings (from its metadata) into the
// organization's SAML configuration, and the organization's SP URLs into
// the app's Sign On settings (SAML-SP-1, SAML-IDP-1).
func (r *run) wireSAML() error {
	md, err := r.oktaRaw(r.ctx, "/api/v1/apps/"+r.appID+"/sso/saml/metadata")
	if err != nil {
		return fmt.Errorf("the app's SAML metadata: %w", err)
	}
	idp, err := saml.ParseIdPMetadata(md)
	if err != nil {
		return fmt.Errorf("the app's SAML metadata: %w", err)
	}
	var sp struct {
		SPEntityID string `json:"spEntityId"`
		ACSURL     string `json:"acsUrl"`
	}
	if err := r.atlCtl.do("PUT", "/_sim/orgs/"+r.atlOrg+"/saml", map[string]any{"idpEntityId": idp.EntityID,
		"idpSsoUrl": idp.SSOURL, "certificate": idp.Certificate}, &sp); err != nil {
		return fmt.Errorf("the Atlassian SAML configuration: %w", err)
	}
	r.reach = map[string]string{}
	for public, reached := range map[string]string{idp.SSOURL: r.env.OktaURL, sp.ACSURL: r.env.AtlassianURL} {
		if from, to := origin(public), origin(reached); from != "" && to != "" && from != to {
			r.reach[from] = to
		}
	}
	return r.okta.do("PUT", "/api/v1/apps/"+r.appID, map[string]any{"settings": map[string]any{
		"signOn": map[string]any{"ssoAcsUrl": sp.ACSURL, "audience": sp.SPEntityID}}}, nil)
}

// origin is scheme://host[:port] of an absolute URL, "" otherwise.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// oktaRaw GETs a non-JSON document from the Management API.
func (r *run) oktaRaw(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.okta.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", r.okta.auth)
	res, err := r.env.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, &apiError{Method: "GET", URL: req.URL.String(), Status: res.StatusCode, Body: string(body)}
	}
	return body, nil
}

// signInResult is what a sign-in did.
type signInResult struct {
	NameID     string
	Attributes map[string][]string
	Created    bool   // the ACS created a new Atlassian account
	Refused    string // why Okta or Atlassian refused; "" when signed in
}

// browser is a cookie-keeping client that stops at each redirect.
type browser struct {
	c     http.Client
	ctx   context.Context
	reach map[string]string // public origin → the origin this run reaches (run.reach)
}

func (r *run) newBrowser() *browser {
	jar, _ := cookiejar.New(nil) // cookiejar.New never fails without options
	c := *r.env.HTTP
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{c: c, ctx: r.ctx, reach: r.reach}
}

// page is one answer: its status, where it redirects (absolute) and its body.
type page struct {
	Status   int
	Location string
	Body     string
}

func (b *browser) send(method, u string, form url.Values) (page, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	// A browser follows the servers' public URLs; the harness goes where
	// it reaches the same server.
	if to, ok := b.reach[origin(u)]; ok {
		u = to + strings.TrimPrefix(u, origin(u))
	}
	req, err := http.NewRequestWithContext(b.ctx, method, u, body)
	if err != nil {
		return page{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.c.Do(req)
	if err != nil {
		return page{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return page{}, err
	}
	p := page{Status: res.StatusCode, Body: string(raw)}
	if loc := res.Header.Get("Location"); loc != "" {
		if to, err := req.URL.Parse(loc); err == nil {
			p.Location = to.String()
		}
	}
	return p, nil
}

var (
	formRE   = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="(SAMLResponse|RelayState)" value="([^"]*)"`)
	alertRE  = regexp.MustCompile(`(?s)role="alert">(.*?)</p>`)
)

// alert is the message of an error page.
func alert(body string) string {
	if m := alertRE.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(strings.TrimSpace(m[1]))
	}
	return strings.TrimSpace(body)
}

// signIn signs a person in: from Okta's dashboard tile (flow "idp", the
// default) or from Atlassian's log-in page with the person's email (flow
// "sp"), through Okta's sign-in page, to Atlassian's ACS.
func (r *run) signIn(p *personState, flow string) (signInResult, error) {
	b := r.newBrowser()
	var at page
	var err error
	switch flow {
	case "sp":
		// org names the scenario's organization: on a shared server other
		// runs' organizations verified the same domain.
		at, err = b.send("POST", r.env.AtlassianURL+"/login", url.Values{"email": {p.Email}, "continue": {"/"}, "org": {r.atlOrg}})
		if err != nil {
			return signInResult{}, err
		}
		if at.Status != http.StatusFound {
			return signInResult{Refused: alert(at.Body)}, nil
		}
		at, err = b.send("GET", at.Location, nil) // the IdP's SSO URL, with the AuthnRequest
	default:
		at, err = b.send("GET", r.env.OktaURL+"/home/"+url.PathEscape(r.appName)+"/"+url.PathEscape(r.appID), nil)
	}
	if err != nil {
		return signInResult{}, err
	}
	if at.Status != http.StatusFound || !strings.Contains(at.Location, "/login/login.htm") {
		return signInResult{}, fmt.Errorf("okta did not ask for a sign-in (HTTP %d %s): %s", at.Status, at.Location, alert(at.Body))
	}
	signinURL, _ := url.Parse(at.Location)
	at, err = b.send("POST", r.env.OktaURL+"/login/login.htm", url.Values{"username": {p.Login}, "password": {personPassword(p)},
		"fromURI": {signinURL.Query().Get("fromURI")}})
	if err != nil {
		return signInResult{}, err
	}
	if at.Status != http.StatusFound {
		return signInResult{Refused: "Okta: " + alert(at.Body)}, nil
	}
	if at, err = b.send("GET", at.Location, nil); err != nil {
		return signInResult{}, err
	}
	if at.Status != http.StatusOK {
		return signInResult{Refused: "Okta: " + alert(at.Body)}, nil
	}
	action := formRE.FindStringSubmatch(at.Body)
	if action == nil {
		return signInResult{}, errors.New("okta's answer has no SAML form: " + alert(at.Body))
	}
	form := url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(at.Body, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	res := signInResult{}
	if res.NameID, res.Attributes, err = saml.Peek(form.Get("SAMLResponse")); err != nil {
		return signInResult{}, fmt.Errorf("the SAML response: %w", err)
	}
	existed := r.accountExists(res.NameID)
	if at, err = b.send("POST", html.UnescapeString(action[1]), form); err != nil {
		return signInResult{}, err
	}
	if at.Status != http.StatusFound {
		res.Refused = "Atlassian: " + alert(at.Body)
		return res, nil
	}
	res.Created = !existed && r.accountExists(res.NameID)
	return res, nil
}

// accountExists asks mockatlassian whether an account has the email.
func (r *run) accountExists(email string) bool {
	return r.atlCtl.do("GET", "/_sim/orgs/"+r.atlOrg+"/accounts/"+url.PathEscape(email), nil, nil) == nil
}
