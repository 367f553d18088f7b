package mockatlassian

import (
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/saml"
	"github.com/provsim/provsim/internal/ui"
)

// Atlassian's end-user side (SAML-SP-1, SAML-SP-2): the log-in page that
// asks for an email, the service provider's metadata and assertion
// consumer service, and the site page that says who is signed in and
// whether that account may use the site's products. Browser pages at the
// server's root, as the console is under /console/.

//go:embed signin/*.html
var signinFiles embed.FS

var signinPages = template.Must(template.ParseFS(signinFiles, "signin/*.html"))

// sessionCookie is Atlassian's session cookie name.
const sessionCookie = "cloud.session.token"

// sessionLifetime: a day is enough for a simulator.
const sessionLifetime = 24 * time.Hour

// requestLifetime bounds how long an AuthnRequest may wait for its answer.
const requestLifetime = 15 * time.Minute

// signinState is what the sign-in pages keep in memory: sessions and the
// AuthnRequests sent and not yet answered (their ids are the InResponseTo
// a response may carry). A restart forgets both: people sign in again.
type signinState struct {
	sessions ui.Sessions[signinSession]

	mu       sync.Mutex
	requests map[string]sentRequest // AuthnRequest id → when and for whom
	replay   map[string]*saml.ReplayCache
}

type signinSession struct{ OrgID, AccountID, NameID string }

type sentRequest struct {
	OrgID string
	At    time.Time
}

func (st *signinState) init() {
	if st.requests == nil {
		st.requests, st.replay = map[string]sentRequest{}, map[string]*saml.ReplayCache{}
	}
}

// signinRoutes are the browser routes at the root.
func (s *Server) signinRoutes(r *mux.Router) {
	r.HandleFunc("/", s.home).Methods(http.MethodGet)
	r.HandleFunc("/login", s.loginPage).Methods(http.MethodGet)
	r.HandleFunc("/login", s.loginSubmit).Methods(http.MethodPost)
	r.HandleFunc("/login/callback", s.acs).Methods(http.MethodPost)
	r.HandleFunc("/logout", s.logout).Methods(http.MethodGet, http.MethodPost)
	r.HandleFunc("/saml/{id}", s.spMetadata).Methods(http.MethodGet)
	r.HandleFunc("/site/{site}", s.sitePage).Methods(http.MethodGet)
}

func (s *Server) page(w http.ResponseWriter, status int, name string, data map[string]any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := signinPages.ExecuteTemplate(w, name, data); err != nil {
		s.log.Error("sign-in page", "page", name, "err", err)
	}
}

func (s *Server) errorPage(w http.ResponseWriter, status int, title, detail string) {
	s.page(w, status, "error.html", map[string]any{"Title": title, "Detail": detail})
}

// publicBase is the base of the URLs people and identity providers use:
// --public-url, else the host the request came to.
func (s *Server) publicBase(r *http.Request) string {
	return ui.RequestBase(s.cfg.PublicURL, r)
}

func (s *Server) session(r *http.Request) (signinSession, bool) {
	return s.signin.sessions.Get(r, s.Model.now())
}

// continueTo keeps a continue URL on this server (no open redirect).
func continueTo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(raw, "//") {
		return "/"
	}
	return u.RequestURI()
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ss, ok := s.session(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusFound)
		return
	}
	acct, err := s.Model.Account(ss.OrgID, ss.AccountID)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusFound)
		return
	}
	org, _ := s.Model.Org(ss.OrgID)
	s.page(w, http.StatusOK, "home.html", map[string]any{"Account": acct, "Sites": org.Sites, "NameID": ss.NameID})
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.page(w, http.StatusOK, "login.html", map[string]any{"Continue": continueTo(r.URL.Query().Get("continue")), "Org": r.URL.Query().Get("org")})
}

// loginSubmit is the email step: an email on a verified domain of an
// organization with SAML goes to its identity provider (SP-initiated
// sign-in, SAML-SP-2); mockatlassian has no passwords, so any other email
// is told so.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "Bad request", "The log-in form could not be read.")
		return
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	next := continueTo(r.PostForm.Get("continue"))
	org := r.PostForm.Get("org")
	orgID, cfg, ok := s.Model.SSOFor(email, org)
	if !ok {
		s.page(w, http.StatusOK, "login.html", map[string]any{"Continue": next, "Email": email, "Org": org,
			"Error": "No organization signs in " + email + " with single sign-on. mockatlassian signs people in only through SAML: verify the email's domain and configure SAML single sign-on in Atlassian Administration."})
		return
	}
	redirect, err := s.sendAuthnRequest(r, orgID, cfg, next)
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Single sign-on failed", err.Error())
		return
	}
	http.Redirect(w, r, redirect, http.StatusFound)
}

// sendAuthnRequest makes an AuthnRequest and remembers its id.
func (s *Server) sendAuthnRequest(r *http.Request, orgID string, cfg SAMLConfig, relay string) (string, error) {
	sp, err := s.serviceProvider(r, cfg)
	if err != nil {
		return "", err
	}
	redirect, id, err := sp.AuthnRequest(relay)
	if err != nil {
		return "", err
	}
	s.signin.mu.Lock()
	defer s.signin.mu.Unlock()
	s.signin.init()
	now := s.Model.now()
	for k, v := range s.signin.requests {
		if now.Sub(v.At) > requestLifetime {
			delete(s.signin.requests, k)
		}
	}
	s.signin.requests[id] = sentRequest{OrgID: orgID, At: now}
	return redirect, nil
}

// serviceProvider is the organization's SP at this instant.
func (s *Server) serviceProvider(r *http.Request, cfg SAMLConfig) (saml.ServiceProvider, error) {
	cert, err := saml.ParseCertificate(cfg.Certificate)
	if err != nil {
		return saml.ServiceProvider{}, err
	}
	base := s.publicBase(r)
	s.signin.mu.Lock()
	s.signin.init()
	replay := s.signin.replay[cfg.ID]
	if replay == nil {
		replay = saml.NewReplayCache(s.Model.now)
		s.signin.replay[cfg.ID] = replay
	}
	s.signin.mu.Unlock()
	return saml.ServiceProvider{EntityID: cfg.SPEntityID(base), ACSURL: cfg.ACSURL(base), IdPEntityID: cfg.IdPEntityID,
		IdPSSOURL: cfg.IdPSSOURL, IdPCert: cert, Now: s.Model.now(), Replay: replay}, nil
}

// acs is the assertion consumer service (SAML-SP-2): it validates the
// response (signature, issuer, audience, recipient, destination, time
// window, InResponseTo, one-time use), then signs in the account the
// NameID names, or creates one. Anything invalid gets an error page, a
// journal entry (the request is journaled with its 4xx answer) and a log
// line, and creates nothing.
func (s *Server) acs(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, http.StatusBadRequest, "Bad request", "The SAML response could not be read.")
		return
	}
	id, ok := strings.CutPrefix(r.URL.Query().Get("connection"), "saml-")
	orgID, cfg, found := s.Model.SAMLByID(id)
	if !ok || !found {
		s.errorPage(w, http.StatusNotFound, "Single sign-on failed", "No organization has the SAML connection "+r.URL.Query().Get("connection")+".")
		return
	}
	sp, err := s.serviceProvider(r, cfg)
	if err != nil {
		s.errorPage(w, http.StatusBadRequest, "Single sign-on failed", "The organization's SAML certificate does not parse: "+err.Error())
		return
	}
	s.signin.mu.Lock()
	s.signin.init()
	var ids []string
	for rid, sent := range s.signin.requests {
		if sent.OrgID == orgID {
			ids = append(ids, rid)
		}
	}
	s.signin.mu.Unlock()
	a, err := sp.ParseResponse(r, ids)
	if err != nil {
		reason := err.Error()
		var re *saml.ResponseError
		if errors.As(err, &re) {
			reason = re.Reason
		}
		s.log.Warn("SAML response refused", slog.String("org", orgID), slog.String("reason", reason), slog.Any("err", err))
		s.errorPage(w, http.StatusForbidden, "We couldn't sign you in", "The SAML response was refused: "+reason+".")
		return
	}
	if a.InResponseTo != "" {
		s.signin.mu.Lock()
		delete(s.signin.requests, a.InResponseTo)
		s.signin.mu.Unlock()
	}
	res, err := s.Model.SAMLSignIn(orgID, a)
	if err != nil {
		s.errorPage(w, http.StatusForbidden, "We couldn't sign you in", "The NameID "+a.NameID+" is not an email address Atlassian accepts: "+err.Error())
		return
	}
	if res.Denied {
		s.errorPage(w, http.StatusForbidden, "We couldn't sign you in", "The account "+res.Account.Email+" cannot sign in: "+res.Reason+".")
		return
	}
	s.signin.sessions.Start(w, r, saml.NewID(""), signinSession{OrgID: orgID, AccountID: res.Account.ID, NameID: a.NameID}, s.Model.now())
	http.Redirect(w, r, continueTo(r.PostForm.Get("RelayState")), http.StatusFound)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	s.signin.sessions.End(w, r)
	http.Redirect(w, r, "/login", http.StatusFound)
}

// spMetadata is the service provider's metadata document at its entity
// ID, for identity providers that read it.
func (s *Server) spMetadata(w http.ResponseWriter, r *http.Request) {
	_, cfg, ok := s.Model.SAMLByID(vars(r)["id"])
	if !ok {
		s.errorPage(w, http.StatusNotFound, "Not found", "No SAML configuration "+vars(r)["id"]+".")
		return
	}
	sp, err := s.serviceProvider(r, cfg)
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Error", err.Error())
		return
	}
	md, err := sp.Metadata()
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Error", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(md)
}

// sitePage is a site (acme.atlassian.net) as the signed-in person sees
// it: who they are and which of the site's products their account may use;
// without access, Atlassian's no-access page.
func (s *Server) sitePage(w http.ResponseWriter, r *http.Request) {
	site := vars(r)["site"]
	ss, ok := s.session(r)
	if !ok {
		http.Redirect(w, r, "/login?"+url.Values{"continue": {"/site/" + site}}.Encode(), http.StatusFound)
		return
	}
	acct, err := s.Model.Account(ss.OrgID, ss.AccountID)
	if err != nil {
		http.Redirect(w, r, "/login?"+url.Values{"continue": {"/site/" + site}}.Encode(), http.StatusFound)
		return
	}
	org, _ := s.Model.Org(ss.OrgID)
	var view *SiteView
	for i := range org.Sites {
		if strings.EqualFold(org.Sites[i].Name, site) {
			view = &org.Sites[i]
		}
	}
	if view == nil {
		s.errorPage(w, http.StatusNotFound, "Site not found", site+" is not a site of your organization.")
		return
	}
	var products []map[string]any
	anyAccess := false
	for _, p := range view.Products {
		has := false
		for _, pa := range acct.ProductAccess {
			if strings.EqualFold(pa.Site, view.Name) && pa.Product == p.Key {
				has = true
			}
		}
		anyAccess = anyAccess || has
		products = append(products, map[string]any{"Name": p.Name, "Access": has})
	}
	data := map[string]any{"Site": view.Name, "Account": acct, "Products": products, "NameID": ss.NameID}
	if !anyAccess {
		s.page(w, http.StatusForbidden, "noaccess.html", data)
		return
	}
	s.page(w, http.StatusOK, "site.html", data)
}
