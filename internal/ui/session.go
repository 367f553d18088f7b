package ui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/provsim/provsim/internal/httpx"
)

// Cookies. Each console names its own (Config.CookiePrefix): browsers
// send a host's cookies to every port of it, so two consoles on one host
// must not read each other's.
const (
	sessionCookie = "_session"
	csrfCookie    = "_csrf"
	flashCookie   = "_flash"
	tenantCookie  = "_tenant"
	// CSRFField is the form field that carries the CSRF token.
	CSRFField = "csrf"
)

func (c *Console) cookie(suffix string) string { return c.cfg.CookiePrefix + suffix }

func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, suffix, value string, maxAge int, httpOnly bool) {
	http.SetCookie(w, &http.Cookie{Name: c.cookie(suffix), Value: value, Path: c.cfg.Prefix + "/",
		MaxAge: maxAge, HttpOnly: httpOnly, SameSite: http.SameSiteLaxMode, Secure: c.secure(r)})
}

// secure marks cookies Secure when the browser reaches the console over
// https.
func (c *Console) secure(r *http.Request) bool {
	if c.publicURL != nil {
		return c.publicURL.Scheme == "https"
	}
	return r.TLS != nil
}

// The session. With a control token the console is closed until the
// browser gives it once; the session cookie is then a MAC of the cookie
// name keyed by the token's hash: it proves the token was given, outlives
// a restart, stops working when the token changes, and holds nothing
// from which the token can be read back.

func (c *Console) sessionValue() string {
	mac := hmac.New(sha256.New, c.token[:])
	mac.Write([]byte("provsim console session " + c.cfg.CookiePrefix))
	return hex.EncodeToString(mac.Sum(nil))
}

// signedIn reports whether the request carries the session cookie or the
// control token as a bearer token (scripts, tests).
func (c *Console) signedIn(r *http.Request) bool {
	if c.token == nil {
		return true
	}
	if tok, ok := httpx.BearerToken(r.Header.Get("Authorization")); ok {
		return c.token.Matches(tok)
	}
	ck, err := r.Cookie(c.cookie(sessionCookie))
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(ck.Value), []byte(c.sessionValue())) == 1
}

// openPaths need no session: the sign-in page and the stylesheet it uses.
func (c *Console) open(r *http.Request) bool {
	rest := strings.TrimPrefix(r.URL.Path, c.cfg.Prefix)
	return rest == "/signin" || strings.HasPrefix(rest, "/static/")
}

// guard is the surface's Auth: sign-in when a control token is set, then
// CSRF checks on every state-changing request.
func (c *Console) guard(next http.Handler) http.Handler {
	crossOrigin := http.NewCrossOriginProtection()
	if c.publicURL != nil {
		_ = crossOrigin.AddTrustedOrigin(c.publicURL.Scheme + "://" + c.publicURL.Host)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.open(r) && !c.signedIn(r) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, c.Path("/signin")+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			c.Fail(w, r, http.StatusUnauthorized, Problem{Title: "Sign in required",
				Summary: "This console needs the control token. Sign in, then try again.", Back: "/signin"})
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := crossOrigin.Check(r); err != nil {
				c.Fail(w, r, http.StatusForbidden, Problem{Title: "Request refused",
					Summary: "This form was sent from another site. Open the console and try again."})
				return
			}
			if !c.csrfValid(r) {
				c.Fail(w, r, http.StatusForbidden, Problem{Title: "Request refused",
					Summary: "The form's security token is missing or out of date. Reload the page and try again."})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	if c.token == nil || c.signedIn(r) {
		http.Redirect(w, r, c.safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	c.Render(w, r, http.StatusOK, "signin.html", Page{Title: "Sign in", Data: signInData{Next: r.URL.Query().Get("next")}})
}

type signInData struct {
	Next  string
	Error string
}

func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	next := r.PostFormValue("next")
	if c.token == nil {
		http.Redirect(w, r, c.safeNext(next), http.StatusSeeOther)
		return
	}
	if !c.token.Matches(r.PostFormValue("token")) {
		c.log.Info("console: sign-in refused", "console", c.cfg.Prefix, "remote", r.RemoteAddr)
		c.Render(w, r, http.StatusUnauthorized, "signin.html", Page{Title: "Sign in",
			Data: signInData{Next: next, Error: "That is not the control token. Check --control-token and try again."}})
		return
	}
	c.setCookie(w, r, sessionCookie, c.sessionValue(), 0, true)
	http.Redirect(w, r, c.safeNext(next), http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	c.setCookie(w, r, sessionCookie, "", -1, true)
	http.Redirect(w, r, c.Path("/signin"), http.StatusSeeOther)
}

// safeNext keeps a post-sign-in redirect inside the console: never another
// host ("//evil", "https://…").
func (c *Console) safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || strings.HasPrefix(next, "//") ||
		strings.Contains(next, "\\") || !strings.HasPrefix(u.Path, c.cfg.Prefix+"/") {
		return c.Path("/")
	}
	return next
}

// CSRF: a random token in a cookie of this console, echoed in a hidden
// field of every form (double submit). A page on another site can make the
// browser post a form, but cannot read the cookie to fill the field; the
// browser's Sec-Fetch-Site and Origin headers are checked too
// (http.CrossOriginProtection).

func (c *Console) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(c.cookie(csrfCookie)); err == nil && len(ck.Value) >= 32 {
		return ck.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	c.setCookie(w, r, csrfCookie, tok, 0, true)
	// A request that renders twice (an error page after a failed action)
	// must show the same token it set.
	r.AddCookie(&http.Cookie{Name: c.cookie(csrfCookie), Value: tok})
	return tok
}

func (c *Console) csrfValid(r *http.Request) bool {
	ck, err := r.Cookie(c.cookie(csrfCookie))
	if err != nil || len(ck.Value) < 32 {
		return false
	}
	sent := r.PostFormValue(CSRFField)
	if sent == "" {
		sent = r.Header.Get("X-CSRF-Token")
	}
	return subtle.ConstantTimeCompare([]byte(sent), []byte(ck.Value)) == 1
}

// Flash is a message shown once, on the next page (Okta's and Atlassian's
// green and red banners).
type Flash struct {
	Kind string `json:"k"` // "success", "error", "info"
	Text string `json:"t"`
}

// Success, Failure and Info make flashes.
func Success(text string) Flash { return Flash{"success", text} }
func Failure(text string) Flash { return Flash{"error", text} }
func Info(text string) Flash    { return Flash{"info", text} }

func (c *Console) addFlashes(w http.ResponseWriter, r *http.Request, fs []Flash) {
	b, _ := json.Marshal(fs)
	c.setCookie(w, r, flashCookie, base64.RawURLEncoding.EncodeToString(b), 60, true)
}

// takeFlashes reads and clears the flashes set by the previous response.
func (c *Console) takeFlashes(w http.ResponseWriter, r *http.Request) []Flash {
	ck, err := r.Cookie(c.cookie(flashCookie))
	if err != nil || ck.Value == "" {
		return nil
	}
	c.setCookie(w, r, flashCookie, "", -1, true)
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	var fs []Flash
	if err != nil || json.Unmarshal(b, &fs) != nil {
		return nil
	}
	if len(fs) > 5 {
		fs = fs[:5]
	}
	return fs
}

// Tenant returns the tenant this browser is looking at: the one it chose
// (a cookie), else the first. ok is false when there is none.
func (c *Console) Tenant(r *http.Request) (Tenant, bool) {
	if c.cfg.Tenants == nil {
		return Tenant{}, false
	}
	ts := c.cfg.Tenants()
	t := c.currentTenant(r, ts)
	return t, t.ID != ""
}

func (c *Console) currentTenant(r *http.Request, ts []Tenant) Tenant {
	if len(ts) == 0 {
		return Tenant{}
	}
	if ck, err := r.Cookie(c.cookie(tenantCookie)); err == nil {
		if i := slices.IndexFunc(ts, func(t Tenant) bool { return t.ID == ck.Value }); i >= 0 {
			return ts[i]
		}
	}
	return ts[0]
}

func (c *Console) switchTenant(w http.ResponseWriter, r *http.Request) {
	id := r.PostFormValue("tenant")
	var ts []Tenant
	if c.cfg.Tenants != nil {
		ts = c.cfg.Tenants()
	}
	i := slices.IndexFunc(ts, func(t Tenant) bool { return t.ID == id })
	if i < 0 {
		c.Fail(w, r, http.StatusBadRequest, Problem{Title: "No such tenant", Summary: "There is no tenant with id " + id + ".", Back: "/"})
		return
	}
	c.setCookie(w, r, tenantCookie, id, 0, false)
	c.Redirect(w, r, "/", Info("Now showing "+ts[i].Name+"."))
}
