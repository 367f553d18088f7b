package mockokta

import (
	"net/http"

	"github.com/gorilla/mux"
)

// The Principal Rate Limits API, /api/v1/principal-rate-limits
// (OAPI-RATE-8): list (by principal type), create, get and replace; Okta
// has no delete.
func (s *Server) principalRateLimitRoutes(r *mux.Router) {
	r.HandleFunc("/principal-rate-limits", s.listPrincipalRateLimits).Methods(http.MethodGet)
	r.HandleFunc("/principal-rate-limits", s.createPrincipalRateLimit).Methods(http.MethodPost)
	r.HandleFunc("/principal-rate-limits/{id}", s.getPrincipalRateLimit).Methods(http.MethodGet)
	r.HandleFunc("/principal-rate-limits/{id}", s.replacePrincipalRateLimit).Methods(http.MethodPut)
}

// principalRateLimitView is a PrincipalRateLimitEntity.
type principalRateLimitView struct {
	ID                           string `json:"id"`
	OrgID                        string `json:"orgId"`
	PrincipalID                  string `json:"principalId"`
	PrincipalType                string `json:"principalType"`
	DefaultPercentage            int    `json:"defaultPercentage"`
	DefaultConcurrencyPercentage int    `json:"defaultConcurrencyPercentage"`
	CreatedBy                    string `json:"createdBy"`
	CreatedDate                  string `json:"createdDate"`
	LastUpdatedBy                string `json:"lastUpdatedBy"`
	LastUpdate                   string `json:"lastUpdate"`
}

func principalRateLimitJSON(orgID string, p PrincipalRateLimit) principalRateLimitView {
	return principalRateLimitView{ID: p.ID, OrgID: orgID, PrincipalID: p.PrincipalID, PrincipalType: p.PrincipalType,
		DefaultPercentage: p.Percentage, DefaultConcurrencyPercentage: p.ConcurrencyPercentage,
		CreatedBy: p.CreatedBy, CreatedDate: oktaTimestamp(p.Created), LastUpdatedBy: p.LastUpdatedBy, LastUpdate: oktaTimestamp(p.LastUpdated)}
}

// principalRateLimitBody is what create and replace read; the read-only
// fields of the entity (id, orgId, dates) are ignored, as SDKs send them
// back.
type principalRateLimitBody struct {
	PrincipalID                  string `json:"principalId"`
	PrincipalType                string `json:"principalType"`
	DefaultPercentage            *int   `json:"defaultPercentage"`
	DefaultConcurrencyPercentage *int   `json:"defaultConcurrencyPercentage"`
}

func (b principalRateLimitBody) input() PrincipalRateLimitInput {
	return PrincipalRateLimitInput{PrincipalID: b.PrincipalID, PrincipalType: b.PrincipalType,
		Percentage: b.DefaultPercentage, ConcurrencyPercentage: b.DefaultConcurrencyPercentage}
}

// actorID is who makes a change, as createdBy/lastUpdatedBy name them: the
// administrator who owns the API token, or the service app.
func (s *Server) actorID(r *http.Request) string {
	if p := principalOf(r); p.Type == PrincipalOAuthClient {
		return p.ID
	}
	o := orgOf(r)
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.adminID
}

func (s *Server) listPrincipalRateLimits(w http.ResponseWriter, r *http.Request) {
	typ, err := ParsePrincipalFilter(r.URL.Query().Get("filter"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := pageParams(r, 20, 50)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o := orgOf(r)
	all := s.Model.ListPrincipalRateLimits(o, typ)
	byID := map[string]PrincipalRateLimit{}
	ids := make([]string, 0, len(all))
	for _, e := range all {
		byID[e.ID] = e
		ids = append(ids, e.ID)
	}
	out := []principalRateLimitView{}
	for _, id := range paginate(w, r, ids, p) {
		out = append(out, principalRateLimitJSON(o.ID, byID[id]))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createPrincipalRateLimit(w http.ResponseWriter, r *http.Request) {
	var in principalRateLimitBody
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	o := orgOf(r)
	p, err := s.Model.CreatePrincipalRateLimit(o, in.input(), s.actorID(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, principalRateLimitJSON(o.ID, p))
}

func (s *Server) getPrincipalRateLimit(w http.ResponseWriter, r *http.Request) {
	o := orgOf(r)
	p, err := s.Model.GetPrincipalRateLimit(o, vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, principalRateLimitJSON(o.ID, p))
}

func (s *Server) replacePrincipalRateLimit(w http.ResponseWriter, r *http.Request) {
	var in principalRateLimitBody
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	o := orgOf(r)
	p, err := s.Model.ReplacePrincipalRateLimit(o, vars(r)["id"], in.input(), s.actorID(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, principalRateLimitJSON(o.ID, p))
}
