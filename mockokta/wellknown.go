package mockokta

import (
	"context"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/httpx"
)

// GET /.well-known/okta-organization (OAPI-ORG-1): who the org is, without
// authentication. A real org is known by its host name; here the org is
// the one whose API token the request carries, else the first org (the
// one a started server boots with).

// Pipeline is what the org answers as its engine: "idx" is Identity
// Engine, which Terraform's provider needs for access policies.
const Pipeline = "idx"

func (s *Server) wellKnownRoutes(r *mux.Router) {
	r.HandleFunc("/okta-organization", s.apiOrgMetadata).Methods(http.MethodGet)
}

// optionalSSWS selects the org by its token when one is given, else the
// first org; a wrong token is still refused.
func (s *Server) optionalSSWS(next http.Handler) http.Handler {
	sws := s.apiAuth(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.TrimSpace(r.Header.Get("Authorization")) != "" {
			sws.ServeHTTP(w, r)
			return
		}
		o, err := s.Model.FirstOrg()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		httpx.SetTenant(r, o.ID)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), orgKey, o)))
	})
}

// FirstOrg is the org made first (the booted one).
func (m *Model) FirstOrg() (*Org, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if len(m.orgOrder) == 0 {
		return nil, errNotFound("Org", "")
	}
	return m.orgs[m.orgOrder[0]], nil
}

// orgMetadataView is WellKnownOrgMetadata.
type orgMetadataView struct {
	ID       string `json:"id"`
	Pipeline string `json:"pipeline"`
	Links    struct {
		Organization link `json:"organization"`
	} `json:"_links"`
}

func (s *Server) apiOrgMetadata(w http.ResponseWriter, r *http.Request) {
	v := orgMetadataView{ID: orgOf(r).ID, Pipeline: Pipeline}
	v.Links.Organization = link{Href: baseURL(r)}
	writeJSON(w, http.StatusOK, v)
}
