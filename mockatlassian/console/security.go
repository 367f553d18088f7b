package console

import (
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockatlassian"
)

// Security > Domains (add and verify a domain: accounts on a verified
// domain are managed accounts) and Security > Audit log (what
// provisioning, the APIs and this console changed, newest first).

func (c *Console) securityRoutes(r *mux.Router) {
	r.HandleFunc("/security/domains", c.domains).Methods(http.MethodGet)
	r.HandleFunc("/security/domains", c.addDomain).Methods(http.MethodPost)
	r.HandleFunc("/security/domains/{domain}/verify", c.verifyDomain).Methods(http.MethodPost)
	r.HandleFunc("/security/audit-log", c.auditLog).Methods(http.MethodGet)
	r.HandleFunc("/security/saml", c.samlPage).Methods(http.MethodGet)
	r.HandleFunc("/security/saml", c.saveSAML).Methods(http.MethodPost)
	r.HandleFunc("/security/saml/delete", c.deleteSAML).Methods(http.MethodPost)
}

type domainsData struct {
	Org     mockatlassian.OrgView
	Name    string
	Problem *ui.Problem
}

func (c *Console) domains(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	c.ui.Render(w, r, http.StatusOK, "domains.html", ui.Page{Title: "Domains", Section: "Domains", Data: domainsData{Org: o}})
}

// addDomain adds a domain, not yet verified: Atlassian asks for proof
// (a DNS record or an HTML file) before Verify.
func (c *Console) addDomain(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	name := trim(r.PostFormValue("domain"))
	for _, d := range o.Domains {
		if d.Name == name {
			c.ui.Redirect(w, r, "/security/domains", ui.Info(name+" is already a domain of "+o.Name+"."))
			return
		}
	}
	if err := c.m.AddDomain(o.ID, name, false); err != nil {
		p := problemOf("Domain not added", err)
		c.ui.Render(w, r, statusOf(err), "domains.html", ui.Page{Title: "Domains", Section: "Domains", Data: domainsData{Org: o, Name: name, Problem: &p}})
		return
	}
	c.ui.Redirect(w, r, "/security/domains", ui.Success("Added "+name+". Verify it to manage the accounts on it."))
}

// verifyDomain is Verify domain; the simulator takes the proof as given.
func (c *Console) verifyDomain(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	name := mux.Vars(r)["domain"]
	known := false
	for _, d := range o.Domains {
		known = known || d.Name == name
	}
	if !known {
		c.ui.Fail(w, r, http.StatusNotFound, ui.Problem{Title: "Domain not found", Summary: name + " is not a domain of " + o.Name + ".", Back: "/security/domains"})
		return
	}
	if err := c.m.AddDomain(o.ID, name, true); err != nil {
		c.flagFailure(w, r, "/security/domains", "Domain not verified", err)
		return
	}
	c.ui.Redirect(w, r, "/security/domains", ui.Success("Verified "+name+". Accounts with an email on "+name+" are now managed accounts."))
}

// auditPage is how many events the audit log shows at once.
const auditPage = 50

type auditData struct {
	Q      string
	Events []mockatlassian.Event
	Older  uint64 // "Older events" continues before it; 0: no more
	Before uint64
}

// auditLog shows the events newest first, searchable, a page at a time
// (?before= the sequence number to continue from, as the events API's
// cursor does).
func (c *Console) auditLog(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	d := auditData{Q: ui.Search(r)}
	if s := r.URL.Query().Get("before"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			c.ui.Fail(w, r, http.StatusBadRequest, ui.Problem{Title: "No such page", Summary: "before=" + strconv.Quote(s) + " is not an event number.", Back: "/security/audit-log"})
			return
		}
		d.Before = n
	}
	events, next, err := c.m.Events(o.ID, mockatlassian.EventQuery{Q: d.Q}, d.Before, auditPage)
	if err != nil {
		c.fail(w, r, "Audit log", "/", err)
		return
	}
	d.Events, d.Older = events, next
	c.ui.Render(w, r, http.StatusOK, "audit-log.html", ui.Page{Title: "Audit log", Section: "Audit log", Data: d})
}

// Security > SAML single sign-on (SAML-SP-1): the identity provider's
// Entity ID, SSO URL and Public x509 certificate, and the service
// provider's URLs to paste into the identity provider.

type samlData struct {
	Config  *mockatlassian.SAMLView
	In      mockatlassian.SAMLInput
	Problem *ui.Problem
}

func (c *Console) samlPage(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	d := samlData{}
	if cfg, found, err := c.m.SAML(o.ID); err == nil && found {
		v := cfg.View(c.ui.BaseURL(r))
		d.Config = &v
		d.In = mockatlassian.SAMLInput{IdPEntityID: v.IdPEntityID, IdPSSOURL: v.IdPSSOURL, Certificate: v.Certificate}
	}
	c.ui.Render(w, r, http.StatusOK, "saml.html", ui.Page{Title: "SAML single sign-on", Section: "SAML single sign-on", Data: d})
}

func (c *Console) saveSAML(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	in := mockatlassian.SAMLInput{IdPEntityID: r.PostFormValue("idpEntityId"), IdPSSOURL: r.PostFormValue("idpSsoUrl"),
		Certificate: r.PostFormValue("certificate")}
	if _, err := c.m.SetSAML(o.ID, in); err != nil {
		p := problemOf("SAML configuration not saved", err)
		d := samlData{In: in, Problem: &p}
		if cfg, found, err := c.m.SAML(o.ID); err == nil && found {
			v := cfg.View(c.ui.BaseURL(r))
			d.Config = &v
		}
		c.ui.Render(w, r, http.StatusBadRequest, "saml.html", ui.Page{Title: "SAML single sign-on", Section: "SAML single sign-on", Data: d})
		return
	}
	c.ui.Redirect(w, r, "/security/saml", ui.Success("Saved the SAML configuration. Copy the Service provider URLs into your identity provider."))
}

func (c *Console) deleteSAML(w http.ResponseWriter, r *http.Request) {
	o, ok := c.org(w, r)
	if !ok {
		return
	}
	if err := c.m.DeleteSAML(o.ID); err != nil {
		c.flagFailure(w, r, "/security/saml", "SAML configuration not removed", err)
		return
	}
	c.ui.Redirect(w, r, "/security/saml", ui.Success("Removed the SAML configuration."))
}
