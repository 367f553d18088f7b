// Package ui is the admin-console kit both simulators share: server-rendered
// pages (html/template + embed) in one layout with a header, navigation and
// flash messages; error pages; form fields that always carry a <label>;
// CSRF protection; paging; sign-in with the control token; and the Traffic
// view, the live stream of SCIM exchanges read from a journal.
//
// A server's console (mockokta/console, mockatlassian's) brings its own
// page templates and handlers, which call the server's model; the kit knows
// nothing of either model.
package ui

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"runtime/debug"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/secret"
)

//go:embed templates/*.html static/*
var kitFiles embed.FS

// Config describes one console.
type Config struct {
	// Product is the console's name, shown in the header and titles
	// ("Okta Admin Console", "Atlassian Administration").
	Product string
	// Prefix is where the console lives ("/admin", "/console"), without a
	// trailing slash.
	Prefix string
	// CookiePrefix names the console's cookies (CookiePrefix + "_session",
	// "_csrf", "_flash", "_tenant"). Each server needs its own: browsers
	// share cookies across the ports of one host.
	CookiePrefix string
	// ControlToken, when set, must be given on the sign-in page (or as
	// `Authorization: Bearer <token>`) before any page opens. Only its
	// hash is kept.
	ControlToken string
	// PublicURL is the browser-facing base URL of the server
	// ("http://127.0.0.1:8081" in compose) when it differs from the
	// listen address; "" means the request's own host.
	PublicURL string
	// Pages holds the console's page templates (*.html at its root). Each
	// defines "content", and may define "head" (extra tags in <head>).
	Pages fs.FS
	// Funcs are extra template functions for the console's pages.
	Funcs template.FuncMap
	// Nav is the navigation, in order.
	Nav []NavItem
	// Tenants lists the tenants (Okta orgs, Atlassian organizations) the
	// console can show; the header offers a switch when there are several.
	// Nil: the console has no tenants.
	Tenants func() []Tenant
	// Traffic, when set, adds the Traffic view (traffic.go) at
	// Prefix + TrafficPath.
	Traffic *Traffic
	Logger  *slog.Logger
}

// NavItem is one entry of the navigation. An item with Children is a
// heading ("Directory") over its links ("People", "Groups").
type NavItem struct {
	Label    string
	Path     string // under the prefix: "/users"
	Children []NavItem
}

// Tenant is one tenant a console can show.
type Tenant struct {
	ID   string
	Name string
}

// Console serves one admin console. Build it with New; mount it with
// Surface.
type Console struct {
	cfg       Config
	log       *slog.Logger
	pages     map[string]*template.Template
	token     *secret.Hash // nil: the console is open
	publicURL *url.URL
}

// New parses the kit's templates and the console's pages.
func New(cfg Config) (*Console, error) {
	cfg.Prefix = strings.TrimRight(cfg.Prefix, "/")
	if cfg.Prefix == "" || !strings.HasPrefix(cfg.Prefix, "/") {
		return nil, fmt.Errorf("ui: console prefix %q must start with / and not be /", cfg.Prefix)
	}
	if cfg.CookiePrefix == "" {
		return nil, fmt.Errorf("ui: console %s needs a cookie prefix", cfg.Prefix)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Console{cfg: cfg, log: cfg.Logger}
	if cfg.ControlToken != "" {
		h := secret.HashOf(cfg.ControlToken)
		c.token = &h
		c.cfg.ControlToken = "" // only the hash is kept
	}
	if cfg.PublicURL != "" {
		u, err := ParsePublicURL(cfg.PublicURL)
		if err != nil {
			return nil, err
		}
		c.publicURL = u
	}
	if err := c.parse(); err != nil {
		return nil, err
	}
	return c, nil
}

// PublicBase is the base URL people reach a server listening on addr at:
// its --public-url when set (trailing slash dropped), else the listen
// address. The servers' start-up lines print it.
func PublicBase(publicURL string, addr net.Addr) string {
	if publicURL != "" {
		return strings.TrimRight(publicURL, "/")
	}
	return "http://" + addr.String()
}

// RequestBase is the base URL of links a browser follows from a page it
// asked for: the --public-url when set, else the scheme and host the
// request came to (so links work through whatever name the browser used).
func RequestBase(publicURL string, r *http.Request) string {
	if publicURL != "" {
		return strings.TrimRight(publicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// ParsePublicURL checks a --public-url value: an absolute http(s) URL
// with no query; a trailing slash is dropped.
func ParsePublicURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("public URL %q: want http(s)://host[:port][/path]", s)
	}
	return u, nil
}

// parse builds one template set per page: the kit's layout and partials,
// then the page, so every page can define its own "content".
func (c *Console) parse() error {
	base := template.New("").Funcs(c.funcs())
	if _, err := base.ParseFS(kitFiles, "templates/_*.html"); err != nil {
		return fmt.Errorf("ui: kit templates: %w", err)
	}
	c.pages = map[string]*template.Template{}
	add := func(fsys fs.FS, pattern string) error {
		names, err := fs.Glob(fsys, pattern)
		if err != nil {
			return err
		}
		for _, name := range names {
			page := path.Base(name)
			if strings.HasPrefix(page, "_") {
				continue
			}
			t, err := base.Clone()
			if err != nil {
				return err
			}
			if _, err := t.ParseFS(fsys, name); err != nil {
				return fmt.Errorf("ui: page %s: %w", name, err)
			}
			c.pages[page] = t
		}
		return nil
	}
	if err := add(kitFiles, "templates/*.html"); err != nil {
		return err
	}
	if c.cfg.Pages != nil {
		// A console's partials (_*.html) join every page of that console.
		partials, _ := fs.Glob(c.cfg.Pages, "_*.html")
		if len(partials) > 0 {
			if _, err := base.ParseFS(c.cfg.Pages, partials...); err != nil {
				return fmt.Errorf("ui: console partials: %w", err)
			}
		}
		if err := add(c.cfg.Pages, "*.html"); err != nil {
			return err
		}
	}
	return nil
}

// Prefix is where the console lives, e.g. "/admin".
func (c *Console) Prefix() string { return c.cfg.Prefix }

// Path is a console path: Path("/users") is "/admin/users".
func (c *Console) Path(p string) string {
	if p == "" || p == "/" {
		return c.cfg.Prefix + "/"
	}
	return c.cfg.Prefix + p
}

// BaseURL is the browser-facing base URL of the server: PublicURL when
// set, else the scheme and host the request came in on.
func (c *Console) BaseURL(r *http.Request) string {
	if c.publicURL != nil {
		return c.publicURL.String()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// Surface is the console as an HTTP surface (internal/httpx): routes under
// the prefix, sign-in when a control token is set, CSRF checks on every
// POST, and an error page for unknown paths. routes registers the
// console's own pages on the surface's router, with paths relative to the
// prefix ("/users").
func (c *Console) Surface(name string, routes func(r *mux.Router)) httpx.Surface {
	return httpx.Surface{
		Name:    name,
		Prefix:  c.cfg.Prefix + "/",
		Headers: c.headers,
		Auth:    c.guard,
		Routes: func(r *mux.Router) {
			c.kitRoutes(r)
			if routes != nil {
				routes(r)
			}
		},
		Unrouted: func(w http.ResponseWriter, r *http.Request, status int, _ string) {
			p := Problem{Title: "Page not found", Summary: "There is no page at " + r.URL.Path + "."}
			if status == http.StatusMethodNotAllowed {
				p = Problem{Title: "Not allowed", Summary: r.Method + " is not allowed on " + r.URL.Path + "."}
			}
			c.Fail(w, r, status, p)
		},
		// Console requests are not API traffic: the journals keep the
		// SCIM and API exchanges the Traffic view shows. What a console
		// action changes is recorded by the model (Okta's System Log).
		Unjournaled: true,
		Unfaulted:   true,
	}
}

// kitRoutes are the pages every console has.
func (c *Console) kitRoutes(r *mux.Router) {
	r.PathPrefix("/static/").Handler(http.StripPrefix(c.cfg.Prefix, staticHandler())).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/signin", c.signInPage).Methods(http.MethodGet)
	r.HandleFunc("/signin", c.signIn).Methods(http.MethodPost)
	r.HandleFunc("/signout", c.signOut).Methods(http.MethodPost)
	r.HandleFunc("/tenant", c.switchTenant).Methods(http.MethodPost)
	if c.cfg.Traffic != nil {
		r.HandleFunc(TrafficPath, c.trafficPage).Methods(http.MethodGet)
		r.HandleFunc(TrafficPath+"/events", c.trafficEvents).Methods(http.MethodGet)
	}
}

func staticHandler() http.Handler {
	files := http.FileServerFS(kitFiles)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	})
}

// headers sets the console's security headers and turns a panic into an
// error page: a console never shows a stack trace or a blank page.
func (c *Console) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				c.log.Error("console: panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				c.Fail(w, r, http.StatusInternalServerError, Problem{Title: "Something went wrong",
					Summary: "The console could not show this page. The server log has the details."})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Page is what a handler hands to Render.
type Page struct {
	Title string // the page's <h1> and <title>
	// Section is the label of the navigation item to highlight.
	Section string
	// Tabs, when set, are shown under the title (an app's General, Sign
	// On, Provisioning, ...); the one whose Path is the request's path, or
	// whose Label is Tab, is current.
	Tabs []NavItem
	Tab  string
	Data any
}

// View is what templates see: the page, plus what the layout needs.
type View struct {
	Page
	Product  string
	Prefix   string
	Path     string // the request's path
	CSRF     string // the form token; templates write it with {{template "csrf" $}}
	Flashes  []Flash
	Nav      []NavItem
	Tenant   Tenant
	Tenants  []Tenant
	SignedIn bool // a control token is set and this browser gave it
	Locked   bool // a control token is set and this browser has not given it
	Problem  *Problem
}

// Render writes page name (a file of Config.Pages, or a kit page) with
// status. The page is rendered into a buffer first: a template error
// becomes an error page, not half a page.
func (c *Console) Render(w http.ResponseWriter, r *http.Request, status int, name string, p Page) {
	c.render(w, r, status, name, c.view(w, r, p))
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, v View) {
	t, ok := c.pages[name]
	var buf bytes.Buffer
	err := fmt.Errorf("no page template %q", name)
	if ok {
		err = t.ExecuteTemplate(&buf, "layout", v)
	}
	if err != nil {
		c.log.Error("console: render", "page", name, "err", err)
		if name != "error.html" {
			v.Problem = &Problem{Title: "Something went wrong", Summary: "The console could not show this page. The server log has the details."}
			v.Page = Page{Title: v.Problem.Title}
			c.render(w, r, http.StatusInternalServerError, "error.html", v)
			return
		}
		http.Error(w, "The console could not show this page.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// view fills what the layout needs for this request.
func (c *Console) view(w http.ResponseWriter, r *http.Request, p Page) View {
	v := View{Page: p, Product: c.cfg.Product, Prefix: c.cfg.Prefix, Path: r.URL.Path,
		CSRF: c.csrfToken(w, r), Flashes: c.takeFlashes(w, r), Nav: c.cfg.Nav,
		SignedIn: c.token != nil && c.signedIn(r)}
	v.Locked = c.token != nil && !v.SignedIn
	if c.cfg.Tenants != nil && !v.Locked {
		v.Tenants = c.cfg.Tenants()
		v.Tenant = c.currentTenant(r, v.Tenants)
	}
	return v
}

// Problem is an error as a console shows it: a title, the real system's
// message, and its details (Okta's error summary and causes).
type Problem struct {
	Title   string
	Summary string
	Code    string   // the system's error code, e.g. "E0000001"
	Causes  []string // one line each
	Back    string   // a console path to go back to; "" for the browser's back
}

// Error makes err a Problem (its message as the summary).
func (p Problem) Error() string { return p.Title + ": " + p.Summary }

// Fail renders the error page with status.
func (c *Console) Fail(w http.ResponseWriter, r *http.Request, status int, p Problem) {
	if p.Title == "" {
		p.Title = http.StatusText(status)
	}
	v := c.view(w, r, Page{Title: p.Title})
	v.Problem = &p
	c.render(w, r, status, "error.html", v)
}

// FailErr renders err on the error page: a Problem as it is, any other
// error's message as the summary.
func (c *Console) FailErr(w http.ResponseWriter, r *http.Request, status int, err error) {
	var p Problem
	if !errors.As(err, &p) {
		p = Problem{Title: "Something went wrong", Summary: err.Error()}
	}
	c.Fail(w, r, status, p)
}

// Redirect sends the browser to a console path (Post/Redirect/Get) with
// flash messages shown on the page it lands on.
func (c *Console) Redirect(w http.ResponseWriter, r *http.Request, consolePath string, flashes ...Flash) {
	if len(flashes) > 0 {
		c.addFlashes(w, r, flashes)
	}
	http.Redirect(w, r, c.Path(consolePath), http.StatusSeeOther)
}
