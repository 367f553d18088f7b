package mockokta

import (
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/saml"
	"github.com/provsim/provsim/internal/ui"
)

// Okta's end-user side (SAML-IDP-1, SAML-IDP-3): the sign-in page and its
// session cookie, the End-User Dashboard, each SAML app's metadata, SSO
// URL (SP-initiated sign-in) and embed link (IdP-initiated sign-in). These
// are browser pages at the root of the org URL, as on Okta.

//go:embed signin/*.html
var signinFiles embed.FS

var signinPages = template.Must(template.ParseFS(signinFiles, "signin/*.html"))

// sessionCookie is Okta's session cookie name.
const sessionCookie = "sid"

// Sessions last two hours, Okta's default global session lifetime.
const sessionLifetime = 2 * time.Hour

// signinState is what the sign-in pages keep in memory: sessions, and SAML
// requests waiting for a person to sign in. Neither survives a restart;
// people sign in again, as after an Okta session expires.
type signinState struct {
	sessions ui.Sessions[signinSession]

	mu      sync.Mutex
	pending map[string]pendingRequest
}

type signinSession struct {
	ID      string
	OrgID   string
	UserID  string
	Created time.Time
}

// pendingRequest is an AuthnRequest that arrived before the person signed
// in: the URL it came with (in the Redirect binding) and when, so that it
// is checked against the time it was sent, not the time the person
// finished typing.
type pendingRequest struct {
	URL string
	At  time.Time
}

func (st *signinState) init() {
	if st.pending == nil {
		st.pending = map[string]pendingRequest{}
	}
}

// loginRoutes are the sign-in page's, under /login/.
func (s *Server) loginRoutes(r *mux.Router) {
	r.HandleFunc("/login.htm", s.signinPage).Methods(http.MethodGet)
	r.HandleFunc("/login.htm", s.signinSubmit).Methods(http.MethodPost)
	r.HandleFunc("/signout", s.signout).Methods(http.MethodGet, http.MethodPost)
}

// signinRoutes are the other browser routes (SAML-IDP-1, SAML-IDP-3).
func (s *Server) signinRoutes(r *mux.Router) {
	r.HandleFunc("/", s.home).Methods(http.MethodGet)
	r.HandleFunc("/app/UserHome", s.dashboard).Methods(http.MethodGet)
	r.HandleFunc("/app/{issuerId}/sso/saml/metadata", s.samlMetadata).Methods(http.MethodGet)
	r.HandleFunc("/app/{appName}/{issuerId}/sso/saml", s.samlSSO).Methods(http.MethodGet, http.MethodPost)
	r.HandleFunc("/home/{appName}/{appId}", s.embedLink).Methods(http.MethodGet)
	r.HandleFunc("/home/{appName}/{appId}/{instance}", s.embedLink).Methods(http.MethodGet)
	r.HandleFunc(resetPagePath+"{token}", s.resetPage).Methods(http.MethodGet)
	r.HandleFunc(resetPagePath+"{token}", s.resetSubmit).Methods(http.MethodPost)
}

// resetPagePath is where a reset_password link leads (OAPI-USER-4).
const resetPagePath = "/reset_password/"

// resetPage shows the form of a live reset link; a dead one (unknown,
// used, expired) is an error page and changes nothing.
func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) {
	token := vars(r)["token"]
	o, u, err := s.Model.ResetLink(token)
	if err != nil {
		s.resetLinkDead(w)
		return
	}
	s.page(w, http.StatusOK, "reset.html", resetPageData(o, u, token, ""))
}

func resetPageData(o *Org, u *User, token, problem string) map[string]any {
	return map[string]any{"Org": o.Name, "Login": u.Login(), "Action": resetPagePath + token,
		"Policy": passwordPolicy, "Error": problem}
}

func (s *Server) resetLinkDead(w http.ResponseWriter) {
	s.errorPage(w, http.StatusNotFound, "This link has expired",
		"The password reset link is invalid, has already been used or has expired. Ask your administrator for a new one.")
}

// resetSubmit sets the new password: the two fields must agree and the
// password policy must accept it (the form comes back with the reason and
// the link still works); then the person is ACTIVE and may sign in.
func (s *Server) resetSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "Bad request", "The password reset form could not be read.")
		return
	}
	token := vars(r)["token"]
	o, u, err := s.Model.ResetLink(token)
	if err != nil {
		s.resetLinkDead(w)
		return
	}
	pw := r.PostForm.Get("newPassword")
	if pw != r.PostForm.Get("confirmPassword") {
		s.page(w, http.StatusBadRequest, "reset.html", resetPageData(o, u, token, "The passwords do not match."))
		return
	}
	done, err := s.Model.CompleteReset(o, token, pw)
	var refused *SignInRefused
	switch {
	case errors.As(err, &refused):
		s.page(w, http.StatusBadRequest, "reset.html", resetPageData(o, u, token, refused.Reason))
		return
	case err != nil:
		s.resetLinkDead(w)
		return
	}
	s.page(w, http.StatusOK, "reset.html", map[string]any{"Org": o.Name, "Login": done.Login(), "Done": true})
}

func (s *Server) page(w http.ResponseWriter, status int, name string, data map[string]any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := signinPages.ExecuteTemplate(w, name, data); err != nil {
		s.log.Error("sign-in page", "page", name, "err", err)
	}
}

// errorPage is Okta's plain error page.
func (s *Server) errorPage(w http.ResponseWriter, status int, title, detail string) {
	s.page(w, status, "error.html", map[string]any{"Title": title, "Detail": detail, "Status": status})
}

// session is the request's live session, if any.
func (s *Server) session(r *http.Request) (signinSession, bool) {
	return s.signin.sessions.Get(r, s.Model.now())
}

// signinOrg is the org a sign-in page belongs to: the org of the app the
// person is on their way to, else the org the server booted with, else the
// only one.
func (s *Server) signinOrg(fromURI string) (*Org, bool) {
	if u, err := url.Parse(fromURI); err == nil {
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		for _, p := range parts {
			if strings.HasPrefix(p, "0oa") || strings.HasPrefix(p, "exk") {
				if o, _, ok := s.Model.FindApp(p); ok {
					return o, true
				}
			}
		}
	}
	if s.Booted != nil {
		if o, err := s.Model.Org(s.Booted.Org.ID); err == nil {
			return o, true
		}
	}
	if ids := s.Model.Orgs(); len(ids) > 0 {
		if o, err := s.Model.Org(ids[0]); err == nil {
			return o, true
		}
	}
	return nil, false
}

// localPath keeps a fromURI on this server: an absolute URL elsewhere
// would make the sign-in page an open redirect.
func localPath(fromURI string) string {
	u, err := url.Parse(fromURI)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(fromURI, "//") {
		return "/app/UserHome"
	}
	return u.RequestURI()
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.session(r); ok {
		http.Redirect(w, r, "/app/UserHome", http.StatusFound)
		return
	}
	http.Redirect(w, r, "/login/login.htm", http.StatusFound)
}

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	from := localPath(r.URL.Query().Get("fromURI"))
	if _, ok := s.session(r); ok {
		http.Redirect(w, r, from, http.StatusFound)
		return
	}
	o, _ := s.signinOrg(from)
	s.page(w, http.StatusOK, "signin.html", map[string]any{"FromURI": from, "Org": orgName(o)})
}

func orgName(o *Org) string {
	if o == nil {
		return "Okta"
	}
	return o.Name
}

func (s *Server) signinSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "Bad request", "The sign-in form could not be read.")
		return
	}
	from := localPath(r.PostForm.Get("fromURI"))
	login := r.PostForm.Get("username")
	o, ok := s.signinOrg(from)
	if !ok {
		s.errorPage(w, http.StatusNotFound, "No org", "This server has no Okta org yet.")
		return
	}
	u, err := s.Model.SignIn(o, login, r.PostForm.Get("password"))
	if err != nil {
		s.page(w, http.StatusUnauthorized, "signin.html", map[string]any{"FromURI": from, "Org": o.Name,
			"Username": login, "Error": err.Error()})
		return
	}
	// Signing in is one of the moments Okta syncs the password (OKTA-PASSWORD-2).
	s.Model.PasswordSignedIn(o, u.ID, r.PostForm.Get("password"))
	ss := signinSession{ID: saml.NewID("102"), OrgID: o.ID, UserID: u.ID, Created: s.Model.now()}
	s.signin.sessions.Start(w, r, ss.ID, ss, ss.Created)
	http.Redirect(w, r, from, http.StatusFound)
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	s.signin.sessions.End(w, r)
	http.Redirect(w, r, "/login/login.htm", http.StatusFound)
}

// toSignIn sends the browser to the sign-in page, to come back to from.
func toSignIn(w http.ResponseWriter, r *http.Request, from string) {
	http.Redirect(w, r, "/login/login.htm?"+url.Values{"fromURI": {from}}.Encode(), http.StatusFound)
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	ss, ok := s.session(r)
	if !ok {
		toSignIn(w, r, "/app/UserHome")
		return
	}
	o, err := s.Model.Org(ss.OrgID)
	if err != nil {
		toSignIn(w, r, "/app/UserHome")
		return
	}
	u, err := s.Model.GetUser(o, ss.UserID)
	if err != nil {
		toSignIn(w, r, "/app/UserHome")
		return
	}
	var tiles []map[string]string
	for _, a := range s.Model.UserApps(o, u.ID) {
		if a.isSAML() {
			tiles = append(tiles, map[string]string{"Label": a.Label, "Href": a.EmbedPath()})
		}
	}
	s.page(w, http.StatusOK, "dashboard.html", map[string]any{"Org": o.Name, "Name": displayName(u), "Login": u.Login(), "Tiles": tiles})
}

// samlApp finds the app of a browser route, by its id or issuer id.
func (s *Server) samlApp(w http.ResponseWriter, id string) (*Org, *App, bool) {
	o, a, ok := s.Model.FindApp(id)
	if !ok || !a.isSAML() {
		s.errorPage(w, http.StatusNotFound, "404 Not Found", "There is no SAML app "+id+" in this org.")
		return nil, nil, false
	}
	return o, a, true
}

// samlMetadata serves the app's IdP metadata (SAML-IDP-1).
func (s *Server) samlMetadata(w http.ResponseWriter, r *http.Request) {
	o, a, ok := s.samlApp(w, vars(r)["issuerId"])
	if !ok {
		return
	}
	s.writeMetadata(w, r, o, a.ID)
}

// apiSAMLMetadata is the same document through the API (_links.metadata).
func (s *Server) apiSAMLMetadata(w http.ResponseWriter, r *http.Request) {
	s.writeMetadata(w, r, orgOf(r), vars(r)["appId"])
}

func (s *Server) writeMetadata(w http.ResponseWriter, r *http.Request, o *Org, appID string) {
	setup, err := s.Model.SAMLSetupOf(o, appID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	md, err := setup.IdP(s.orgURL(r), s.Model.now()).Metadata()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, _ = w.Write(md)
}

// orgURL is the org URL for links people follow: --public-url when set,
// else the host the request came to.
func (s *Server) orgURL(r *http.Request) string {
	return ui.RequestBase(s.cfg.PublicURL, r)
}

// samlSSO is the app's Identity Provider Single Sign-On URL: an
// AuthnRequest from the service provider (SP-initiated sign-in), in the
// Redirect or POST binding.
func (s *Server) samlSSO(w http.ResponseWriter, r *http.Request) {
	o, a, ok := s.samlApp(w, vars(r)["issuerId"])
	if !ok {
		return
	}
	if a.Name != vars(r)["appName"] {
		s.errorPage(w, http.StatusNotFound, "404 Not Found", "There is no such SAML app in this org.")
		return
	}
	setup, err := s.Model.SAMLSetupOf(o, a.ID)
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Error", err.Error())
		return
	}
	// The SSO URL as the metadata publishes it (the org URL: --public-url
	// when set): the request's Destination must be that, even when this
	// request came through another name (compose's service name).
	ssoURL := s.orgURL(r) + a.SSOPath()
	idp := setup.IdP(s.orgURL(r), s.Model.now())
	req := r
	if p := r.URL.Query().Get("pending"); p != "" && r.Method == http.MethodGet {
		s.signin.mu.Lock()
		s.signin.init()
		pr, found := s.signin.pending[p]
		s.signin.mu.Unlock()
		if !found {
			s.errorPage(w, http.StatusBadRequest, "Sign-in expired", "The sign-in request is no longer known. Start again from the application.")
			return
		}
		if req, err = http.NewRequestWithContext(r.Context(), http.MethodGet, pr.URL, nil); err != nil {
			s.errorPage(w, http.StatusBadRequest, "Bad request", err.Error())
			return
		}
		req.RemoteAddr = r.RemoteAddr
		idp.Now = pr.At
	}
	ar, err := idp.ParseRequest(req)
	if err != nil {
		s.errorPage(w, http.StatusBadRequest, "400 Bad Request", samlRequestProblem(a, err))
		return
	}
	ss, ok := s.session(r)
	if !ok || ss.OrgID != o.ID {
		again, err := ar.Redirect(ssoURL)
		if err != nil {
			s.errorPage(w, http.StatusBadRequest, "400 Bad Request", err.Error())
			return
		}
		id := saml.NewID("")
		s.signin.mu.Lock()
		s.signin.init()
		now := s.Model.now()
		for k, v := range s.signin.pending {
			if now.Sub(v.At) > 15*time.Minute {
				delete(s.signin.pending, k)
			}
		}
		s.signin.pending[id] = pendingRequest{URL: again, At: idp.Now}
		s.signin.mu.Unlock()
		toSignIn(w, r, a.SSOPath()+"?pending="+id)
		return
	}
	idp.Now = s.Model.now()
	s.sendAssertion(w, r, o, setup, idp, ar, ss, ar.RelayState)
}

func samlRequestProblem(a *App, err error) string {
	if errors.Is(err, saml.ErrNotConfigured) {
		return "The app " + a.Label + " has no Single sign-on URL or Audience URI: set them on its Sign On tab."
	}
	return "The SAML request could not be processed: " + err.Error()
}

// embedLink is the app's embed link (its dashboard tile): IdP-initiated
// sign-in with the app's Default RelayState.
func (s *Server) embedLink(w http.ResponseWriter, r *http.Request) {
	o, a, ok := s.samlApp(w, vars(r)["appId"])
	if !ok {
		return
	}
	ss, signedIn := s.session(r)
	if !signedIn || ss.OrgID != o.ID {
		toSignIn(w, r, r.URL.RequestURI())
		return
	}
	setup, err := s.Model.SAMLSetupOf(o, a.ID)
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Error", err.Error())
		return
	}
	if setup.App.SAML.ACSURL == "" || setup.App.SAML.Audience == "" {
		s.errorPage(w, http.StatusBadRequest, "400 Bad Request", samlRequestProblem(a, saml.ErrNotConfigured))
		return
	}
	relay := setup.App.SAML.DefaultRelayState
	if rs := r.URL.Query().Get("RelayState"); rs != "" {
		relay = rs
	}
	s.sendAssertion(w, r, o, setup, setup.IdP(s.orgURL(r), s.Model.now()), nil, ss, relay)
}

// sendAssertion answers with the signed response, posted by the browser
// to the service provider, or with Okta's refusal page (no assertion).
func (s *Server) sendAssertion(w http.ResponseWriter, r *http.Request, o *Org, setup SAMLSetup, idp saml.IdP, ar *saml.Request, ss signinSession, relay string) {
	subj, err := s.Model.SAMLSubject(o, setup.App.ID, ss.UserID)
	var refused *SignInRefused
	if errors.As(err, &refused) {
		s.page(w, http.StatusForbidden, "refused.html", map[string]any{"App": setup.App.Label, "Reason": refused.Reason})
		return
	}
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Error", err.Error())
		return
	}
	subj.SessionIndex, subj.AuthnInstant = ss.ID, ss.Created
	form, err := idp.Respond(r, ar, subj, relay)
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Error", "The SAML response could not be made: "+err.Error())
		return
	}
	s.page(w, http.StatusOK, "post.html", map[string]any{"Form": form, "App": setup.App.Label})
}

// atoiDefault parses a query number, def when absent or bad.
func atoiDefault(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// The app key credentials API (OAPI-KEYS-1): the keys that sign the app's
// assertions.

func (s *Server) listAppKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := s.Model.AppKeys(orgOf(r), vars(r)["appId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keys)
}

func (s *Server) getAppKey(w http.ResponseWriter, r *http.Request) {
	k, err := s.Model.AppKey(orgOf(r), vars(r)["appId"], vars(r)["keyId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, k)
}

func (s *Server) generateAppKey(w http.ResponseWriter, r *http.Request) {
	years := atoiDefault(r.URL.Query().Get("validityYears"), 0)
	k, err := s.Model.GenerateAppKey(orgOf(r), vars(r)["appId"], years)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, k)
}
