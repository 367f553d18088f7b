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

// wireSAML wires the run's app and organization (wiresaml.go) and notes
// where the run reaches the public URLs the two hand out.
func (r *run) wireSAML() error {
	idp, sp, err := wireSAMLPair(r.okta, r.atlCtl, r.appID, r.atlOrg)
	if err != nil {
		return err
	}
	r.reach = map[string]string{}
	for public, reached := range map[string]string{idp.SSOURL: r.env.OktaURL, sp.ACSURL: r.env.AtlassianURL} {
		if from, to := origin(public), origin(reached); from != "" && to != "" && from != to {
			r.reach[from] = to
		}
	}
	return nil
}

// origin is scheme://host[:port] of an absolute URL, "" otherwise.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// SignIn is one person's sign-in through both servers over HTTP, as a
// browser does it (the sso step's): from Okta's dashboard tile (Flow
// "idp", the default) or from Atlassian's log-in page with the person's
// email (Flow "sp"), through Okta's sign-in page, to Atlassian's ACS.
type SignIn struct {
	// OktaURL and AtlassianURL are where this client reaches the servers.
	OktaURL, AtlassianURL string
	// Reach maps a public origin the servers hand to browsers (their
	// --public-url) to the origin this client reaches the same server at;
	// nil when the two are the same.
	Reach map[string]string
	Flow  string
	// AppName and AppID are the Okta app (its embed link is
	// /home/<name>/<id>); Org is the Atlassian organization, named on the
	// log-in page because a shared server has several that verified the
	// same domain.
	AppName, AppID, Org string
	// Email is what the person types on Atlassian's log-in page; Login and
	// Password on Okta's sign-in page.
	Email, Login, Password string
	// HTTP is the client (nil: http.DefaultClient); Jar keeps the
	// sessions (nil: a new jar), so a caller can go on as the person.
	HTTP *http.Client
	Jar  http.CookieJar
}

// SignInResult is what a sign-in did.
type SignInResult struct {
	NameID     string
	Attributes map[string][]string
	// Refused says why Okta or Atlassian refused; "" when signed in.
	Refused string
	// Landed is where Atlassian's ACS sent the signed-in browser.
	Landed string
}

// signInResult is what the sso step found.
type signInResult struct {
	SignInResult
	Created bool // the ACS created a new Atlassian account
}

// browser is a cookie-keeping client that stops at each redirect.
type browser struct {
	c     http.Client
	ctx   context.Context
	reach map[string]string // public origin → the origin this client reaches
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

// signIn signs a scenario's person in and tells whether the ACS created
// an account.
func (r *run) signIn(p *personState, flow string) (signInResult, error) {
	res, err := SignIn{OktaURL: r.env.OktaURL, AtlassianURL: r.env.AtlassianURL, Reach: r.reach, Flow: flow,
		AppName: r.appName, AppID: r.appID, Org: r.atlOrg, Email: p.Email, Login: p.Login, Password: p.password,
		HTTP: r.env.HTTP}.do(r.ctx, func(nameID string) bool { return r.accountExists(nameID) })
	return res, err
}

// Do signs the person in.
func (s SignIn) Do(ctx context.Context) (SignInResult, error) {
	res, err := s.do(ctx, nil)
	return res.SignInResult, err
}

// do signs the person in; exists, when not nil, is asked whether an
// account has the NameID before the ACS gets the response, and after.
func (s SignIn) do(ctx context.Context, exists func(nameID string) bool) (signInResult, error) {
	c := http.Client{}
	if s.HTTP != nil {
		c = *s.HTTP
	}
	c.Jar = s.Jar
	if c.Jar == nil {
		c.Jar, _ = cookiejar.New(nil) // cookiejar.New never fails without options
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	b := &browser{c: c, ctx: ctx, reach: s.Reach}
	oktaURL, atlURL := trimSlash(s.OktaURL), trimSlash(s.AtlassianURL)
	var at page
	var err error
	switch s.Flow {
	case "sp":
		form := url.Values{"email": {s.Email}, "continue": {"/"}}
		if s.Org != "" {
			form.Set("org", s.Org)
		}
		at, err = b.send("POST", atlURL+"/login", form)
		if err != nil {
			return signInResult{}, err
		}
		if at.Status != http.StatusFound {
			return signInResult{SignInResult: SignInResult{Refused: alert(at.Body)}}, nil
		}
		at, err = b.send("GET", at.Location, nil) // the IdP's SSO URL, with the AuthnRequest
	default:
		at, err = b.send("GET", oktaURL+"/home/"+url.PathEscape(s.AppName)+"/"+url.PathEscape(s.AppID), nil)
	}
	if err != nil {
		return signInResult{}, err
	}
	if at.Status != http.StatusFound || !strings.Contains(at.Location, "/login/login.htm") {
		return signInResult{}, fmt.Errorf("okta did not ask for a sign-in (HTTP %d %s): %s", at.Status, at.Location, alert(at.Body))
	}
	signinURL, _ := url.Parse(at.Location)
	at, err = b.send("POST", oktaURL+"/login/login.htm", url.Values{"username": {s.Login}, "password": {s.Password},
		"fromURI": {signinURL.Query().Get("fromURI")}})
	if err != nil {
		return signInResult{}, err
	}
	if at.Status != http.StatusFound {
		return signInResult{SignInResult: SignInResult{Refused: "Okta: " + alert(at.Body)}}, nil
	}
	if at, err = b.send("GET", at.Location, nil); err != nil {
		return signInResult{}, err
	}
	if at.Status != http.StatusOK {
		return signInResult{SignInResult: SignInResult{Refused: "Okta: " + alert(at.Body)}}, nil
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
	existed := exists != nil && exists(res.NameID)
	if at, err = b.send("POST", html.UnescapeString(action[1]), form); err != nil {
		return signInResult{}, err
	}
	if at.Status != http.StatusFound {
		res.Refused = "Atlassian: " + alert(at.Body)
		return res, nil
	}
	res.Landed = at.Location
	res.Created = exists != nil && !existed && exists(res.NameID)
	return res, nil
}

// accountExists asks mockatlassian whether an account has the email.
func (r *run) accountExists(email string) bool {
	return r.atlCtl.do("GET", "/_sim/orgs/"+r.atlOrg+"/accounts/"+url.PathEscape(email), nil, nil) == nil
}
