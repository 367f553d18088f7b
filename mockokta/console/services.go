package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockokta"
)

// OAuth 2.0 service apps ("API Services", docs/oauth.md): made here as in
// Okta's Create App Integration → API Services, with the public key set
// and the okta.* scopes granted in one form. The private key never comes
// here: the form takes a public JWKS only, as the model does.

func (c *Console) serviceRoutes(r *mux.Router) {
	r.HandleFunc("/apps/services/new", c.newService).Methods(http.MethodGet)
	r.HandleFunc("/apps/services", c.addService).Methods(http.MethodPost)
}

// serviceForm is the form's state, sent back with a problem.
type serviceForm struct {
	Label   string
	JWKS    string
	Scopes  []string // all mockokta knows
	Granted []string // ticked
	Problem *ui.Problem
}

func (f serviceForm) Ticked(s string) bool { return slices.Contains(f.Granted, s) }

func (c *Console) newService(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.org(w, r); !ok {
		return
	}
	c.renderService(w, r, http.StatusOK, serviceForm{Scopes: mockokta.OktaScopes})
}

func (c *Console) renderService(w http.ResponseWriter, r *http.Request, status int, f serviceForm) {
	c.ui.Render(w, r, status, "service-new.html", ui.Page{Title: "New API Services app", Section: "Applications", Data: f})
}

func (c *Console) addService(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, "API Services app not added", "/apps/services/new", err)
		return
	}
	f := serviceForm{Label: trim(r.PostFormValue("label")), JWKS: strings.TrimSpace(r.PostFormValue("jwks")),
		Scopes: mockokta.OktaScopes, Granted: r.PostForm["scope"]}
	back := func(err error) {
		if strings.Contains(err.Error(), "private key") || strings.Contains(f.JWKS, `"d"`) {
			f.JWKS = "" // a private key pasted by mistake is not shown again
		}
		p := problemOf("API Services app not added", err)
		f.Problem = &p
		c.renderService(w, r, statusOf(err), f)
	}
	for _, s := range f.Granted {
		if !slices.Contains(mockokta.OktaScopes, s) {
			back(&mockokta.Error{Status: http.StatusBadRequest, Code: "E0000001", Summary: "Api validation failed: scope", Causes: []string{"unknown scope " + s}})
			return
		}
	}
	a, err := c.m.CreateServiceApp(o, mockokta.CreateServiceAppInput{Label: f.Label, JWKS: []byte(f.JWKS), Activate: true})
	if err != nil {
		back(err)
		return
	}
	issuer := "http://" + r.Host
	if r.TLS != nil {
		issuer = "https://" + r.Host
	}
	for _, s := range f.Granted {
		if _, err := c.m.GrantScope(o, a.ID, s, issuer); err != nil {
			c.fail(w, r, "Scope not granted", "/apps", err)
			return
		}
	}
	c.ui.Redirect(w, r, "/apps", ui.Success("Added "+a.Label+": client id "+a.ID+"."))
}
