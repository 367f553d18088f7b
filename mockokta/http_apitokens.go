package mockokta

import (
	"net/http"

	"github.com/gorilla/mux"
)

// HTTP adapters for the API Tokens API (apitokens.go has the behaviour,
// OAPI-TOKEN-1).

func (s *Server) apiTokenRoutes(r *mux.Router) {
	r.HandleFunc("/api-tokens", s.apiListAPITokens).Methods(http.MethodGet)
	r.HandleFunc("/api-tokens/current", s.apiRevokeCurrentAPIToken).Methods(http.MethodDelete)
	r.HandleFunc("/api-tokens/{apiTokenId}", s.apiGetAPIToken).Methods(http.MethodGet)
	r.HandleFunc("/api-tokens/{apiTokenId}", s.apiRevokeAPIToken).Methods(http.MethodDelete)
}

func apiTokenJSON(base string, t APIToken) APIToken {
	t.Links = map[string]any{"self": map[string]any{"href": base + "/api/v1/api-tokens/" + t.ID,
		"hints": map[string]any{"allow": []string{"GET", "DELETE"}}}}
	return t
}

func (s *Server) apiListAPITokens(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	out := []APIToken{}
	for _, t := range s.Model.APITokens(orgOf(r)) {
		out = append(out, apiTokenJSON(base, t))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiGetAPIToken(w http.ResponseWriter, r *http.Request) {
	t, err := s.Model.APIToken(orgOf(r), vars(r)["apiTokenId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiTokenJSON(baseURL(r), t))
}

func (s *Server) apiRevokeAPIToken(w http.ResponseWriter, r *http.Request) {
	if err := s.Model.RevokeAPIToken(orgOf(r), vars(r)["apiTokenId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiRevokeCurrentAPIToken revokes the token the request came with; an
// OAuth caller has none and is refused before this (scopes.go).
func (s *Server) apiRevokeCurrentAPIToken(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	if p.Type != PrincipalAPIToken {
		s.writeError(w, r, errInvalidSession())
		return
	}
	if err := s.Model.RevokeAPIToken(orgOf(r), p.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
