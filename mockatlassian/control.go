package mockatlassian

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/control"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/scim"
)

// controlRoutes are the /_sim/ routes: what the real product only offers in
// its admin UI (organizations, domains, directories and keys, sites and
// products, product access) and what only a simulator needs (health, reset,
// journal). Documented in docs/mockatlassian.md.
func (s *Server) controlRoutes(r *mux.Router) {
	s.controlAuth(r) // first: it guards every route below
	control.HealthRoute(r, "mockatlassian", controlAPI{s})
	control.CARoute(r, s.https.CAPEM())
	r.HandleFunc("/reset", s.resetAll).Methods(http.MethodPost)
	r.HandleFunc("/journal", s.journal).Methods(http.MethodGet)
	r.HandleFunc("/journal", s.clearJournal).Methods(http.MethodDelete)
	r.HandleFunc("/orgs", s.listOrgs).Methods(http.MethodGet)
	r.HandleFunc("/orgs", s.createOrg).Methods(http.MethodPost)
	r.HandleFunc("/orgs/{orgId}", s.getOrg).Methods(http.MethodGet)
	r.HandleFunc("/orgs/{orgId}/reset", s.resetOrg).Methods(http.MethodPost)
	r.HandleFunc("/orgs/{orgId}/domains", s.addDomain).Methods(http.MethodPost)
	r.HandleFunc("/orgs/{orgId}/directories", s.createDirectory).Methods(http.MethodPost)
	r.HandleFunc("/directories/{directoryId}/key", s.regenerateKey).Methods(http.MethodPost)
	r.HandleFunc("/orgs/{orgId}/sites", s.addSite).Methods(http.MethodPost)
	r.HandleFunc("/orgs/{orgId}/sites/{site}/products", s.addProduct).Methods(http.MethodPost)
	r.HandleFunc("/orgs/{orgId}/sites/{site}/products/{product}/groups/{group}", s.grantAccess).Methods(http.MethodPut, http.MethodDelete)
	r.HandleFunc("/orgs/{orgId}/groups", s.listOrgGroups).Methods(http.MethodGet)
	r.HandleFunc("/orgs/{orgId}/groups", s.createLocalGroup).Methods(http.MethodPost)
	r.HandleFunc("/orgs/{orgId}/groups/{group}/default", s.setDefaultGroup).Methods(http.MethodPut, http.MethodDelete)
	r.HandleFunc("/orgs/{orgId}/accounts", s.listAccounts).Methods(http.MethodGet)
	r.HandleFunc("/orgs/{orgId}/accounts", s.createAccount).Methods(http.MethodPost)
	r.HandleFunc("/orgs/{orgId}/accounts/{account}", s.getAccount).Methods(http.MethodGet)
	r.HandleFunc("/orgs/{orgId}/saml", s.getSAML).Methods(http.MethodGet) // saml.go
	r.HandleFunc("/orgs/{orgId}/saml", s.putSAML).Methods(http.MethodPut)
	r.HandleFunc("/orgs/{orgId}/saml", s.deleteSAML).Methods(http.MethodDelete)
	r.HandleFunc("/orgs/{orgId}/api-keys", s.listAPIKeys).Methods(http.MethodGet) // apikeys.go
	r.HandleFunc("/orgs/{orgId}/api-keys", s.createAPIKey).Methods(http.MethodPost)
	r.HandleFunc("/orgs/{orgId}/api-keys/{keyId}", s.revokeAPIKey).Methods(http.MethodDelete)
	r.HandleFunc("/orgs/{orgId}/accounts/{account}/activity", s.recordActivity).Methods(http.MethodPost) // accountadmin.go
	r.HandleFunc("/orgs/{orgId}/accounts/{account}/api-tokens", s.createAccountToken).Methods(http.MethodPost)
	control.FaultRoutes(r, s.faults, "directory", controlAPI{s})
	r.HandleFunc("/snapshot", s.getSnapshot).Methods(http.MethodGet)
	r.HandleFunc("/snapshot", s.putSnapshot).Methods(http.MethodPut)
	r.HandleFunc("/orgs/{orgId}/snapshot", s.getSnapshot).Methods(http.MethodGet)
	r.HandleFunc("/orgs/{orgId}/snapshot", s.putSnapshot).Methods(http.MethodPut)
}

type controlErr struct {
	Error string `json:"error"`
}

// controlError answers with {"error": "..."} and the status of the kind.
func (s *Server) controlError(w http.ResponseWriter, r *http.Request, err error) {
	var ce *control.Error
	if errors.As(err, &ce) {
		writeJSON(w, r, ce.Status, controlErr{ce.Message})
		return
	}
	se := scim.AsError(err)
	writeJSON(w, r, se.Status(), controlErr{se.Detail})
}

func (s *Server) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		s.controlError(w, r, err)
		return
	}
	writeJSON(w, r, status, v)
}

// decodeOptional is decode for bodies that may be empty.
func (s *Server) decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return s.decode(w, r, v)
}

func vars(r *http.Request) map[string]string { return mux.Vars(r) }

func (s *Server) bootOrgs() []string {
	if s.Booted == nil {
		return nil
	}
	return []string{s.Booted.Org.ID}
}

func (s *Server) resetAll(w http.ResponseWriter, r *http.Request) {
	s.Model.Reset(s.bootOrgs()...)
	s.Journal.Clear("")
	s.faults.Clear("")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) journal(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	jq := journal.Query{Tenant: q.Get("directory")}
	if jq.Tenant == "" {
		jq.Tenant = q.Get("tenant")
	}
	for name, dst := range map[string]*int{"limit": &jq.Limit} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				s.controlError(w, r, errInvalid("%s must be a non-negative integer", name))
				return
			}
			*dst = n
		}
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			s.controlError(w, r, errInvalid("after must be a sequence number"))
			return
		}
		jq.AfterSeq = n
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"entries": s.Journal.Entries(jq)})
}

func (s *Server) clearJournal(w http.ResponseWriter, r *http.Request) {
	s.Journal.Clear(r.URL.Query().Get("directory"))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request) {
	out := []OrgView{}
	for _, id := range s.Model.Orgs() {
		if v, err := s.Model.Org(id); err == nil {
			out = append(out, v)
		}
	}
	writeJSON(w, r, http.StatusOK, out)
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request) {
	var in CreateOrgInput
	if err := s.decodeOptional(w, r, &in); err != nil {
		s.controlError(w, r, err)
		return
	}
	out, err := s.Model.CreateOrg(in)
	s.reply(w, r, http.StatusCreated, out, err)
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request) {
	out, err := s.Model.Org(vars(r)["orgId"])
	s.reply(w, r, http.StatusOK, out, err)
}

func (s *Server) resetOrg(w http.ResponseWriter, r *http.Request) {
	org := vars(r)["orgId"]
	if err := s.Model.ResetOrg(org); err != nil {
		s.controlError(w, r, err)
		return
	}
	if v, err := s.Model.Org(org); err == nil {
		for _, d := range v.Directories {
			s.Journal.Clear(d.ID)
		}
	}
	s.Journal.Clear(org)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) addDomain(w http.ResponseWriter, r *http.Request) {
	in := struct {
		Name     string `json:"name"`
		Verified *bool  `json:"verified"`
	}{}
	if err := s.decode(w, r, &in); err != nil {
		s.controlError(w, r, err)
		return
	}
	verified := in.Verified == nil || *in.Verified
	if err := s.Model.AddDomain(vars(r)["orgId"], in.Name, verified); err != nil {
		s.controlError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusCreated, DomainView{Name: strings.ToLower(in.Name), Verified: verified})
}

func (s *Server) createDirectory(w http.ResponseWriter, r *http.Request) {
	var in CreateDirectoryInput
	if err := s.decodeOptional(w, r, &in); err != nil {
		s.controlError(w, r, err)
		return
	}
	out, err := s.Model.CreateDirectory(vars(r)["orgId"], in)
	s.reply(w, r, http.StatusCreated, out, err)
}

func (s *Server) regenerateKey(w http.ResponseWriter, r *http.Request) {
	var in struct {
		APIKey string `json:"apiKey"`
	}
	if err := s.decodeOptional(w, r, &in); err != nil {
		s.controlError(w, r, err)
		return
	}
	key, err := s.Model.RegenerateKey(vars(r)["directoryId"], in.APIKey)
	s.reply(w, r, http.StatusOK, map[string]string{"directoryId": vars(r)["directoryId"], "apiKey": key}, err)
}

func (s *Server) addSite(w http.ResponseWriter, r *http.Request) {
	var in AddSiteInput
	if err := s.decode(w, r, &in); err != nil {
		s.controlError(w, r, err)
		return
	}
	out, err := s.Model.AddSite(vars(r)["orgId"], in)
	s.reply(w, r, http.StatusCreated, out, err)
}

func (s *Server) addProduct(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Product string `json:"product"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.controlError(w, r, err)
		return
	}
	out, err := s.Model.AddProduct(vars(r)["orgId"], vars(r)["site"], in.Product)
	s.reply(w, r, http.StatusCreated, out, err)
}

func (s *Server) grantAccess(w http.ResponseWriter, r *http.Request) {
	v := vars(r)
	out, err := s.Model.GrantAccess(v["orgId"], v["site"], v["product"], v["group"], r.Method == http.MethodPut)
	s.reply(w, r, http.StatusOK, out, err)
}

func (s *Server) listOrgGroups(w http.ResponseWriter, r *http.Request) {
	out, err := s.Model.Groups(vars(r)["orgId"])
	s.reply(w, r, http.StatusOK, out, err)
}

func (s *Server) createLocalGroup(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name    string   `json:"name"`
		Default bool     `json:"default"`
		Members []string `json:"members"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.controlError(w, r, err)
		return
	}
	out, err := s.Model.CreateLocalGroup(vars(r)["orgId"], in.Name, in.Default, in.Members)
	s.reply(w, r, http.StatusCreated, out, err)
}

func (s *Server) setDefaultGroup(w http.ResponseWriter, r *http.Request) {
	out, err := s.Model.SetDefaultGroup(vars(r)["orgId"], vars(r)["group"], r.Method == http.MethodPut)
	s.reply(w, r, http.StatusOK, out, err)
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) {
	out, err := s.Model.Accounts(vars(r)["orgId"], r.URL.Query().Get("email"))
	s.reply(w, r, http.StatusOK, out, err)
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) {
	var in CreateAccountInput
	if err := s.decode(w, r, &in); err != nil {
		s.controlError(w, r, err)
		return
	}
	out, err := s.Model.CreateAccount(vars(r)["orgId"], in)
	s.reply(w, r, http.StatusCreated, out, err)
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	out, err := s.Model.Account(vars(r)["orgId"], vars(r)["account"])
	s.reply(w, r, http.StatusOK, out, err)
}

// The organization's SAML single sign-on configuration (SAML-SP-1), which
// Atlassian offers only in Atlassian Administration.

func (s *Server) getSAML(w http.ResponseWriter, r *http.Request) {
	c, ok, err := s.Model.SAML(vars(r)["orgId"])
	if err == nil && !ok {
		err = errNotFound("organization %s has no SAML configuration", vars(r)["orgId"])
	}
	if err != nil {
		s.controlError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, c.View(s.publicBase(r)))
}

func (s *Server) putSAML(w http.ResponseWriter, r *http.Request) {
	var in SAMLInput
	if err := s.decode(w, r, &in); err != nil {
		s.controlError(w, r, err)
		return
	}
	c, err := s.Model.SetSAML(vars(r)["orgId"], in)
	if err != nil {
		s.controlError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, c.View(s.publicBase(r)))
}

func (s *Server) deleteSAML(w http.ResponseWriter, r *http.Request) {
	if err := s.Model.DeleteSAML(vars(r)["orgId"]); err != nil {
		s.controlError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
