package mockatlassian

import (
	"net/http"
	"time"
)

// The /_sim/ routes behind the organization admin APIs: what Atlassian
// offers only in its UI (API keys on Settings → API keys) or what happens
// outside the organization (a person using a product, making a personal API
// token). Registered in control.go, documented in README.md.

// createAPIKey is POST /_sim/orgs/{orgId}/api-keys: the key is shown once.
func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request) {
	var in CreateAPIKeyInput
	if err := s.decode(w, r, &in); err != nil {
		s.controlError(w, r, err)
		return
	}
	out, err := s.Model.CreateAPIKey(vars(r)["orgId"], in)
	s.reply(w, r, http.StatusCreated, out, err)
}

func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request) {
	out, err := s.Model.APIKeys(vars(r)["orgId"])
	s.reply(w, r, http.StatusOK, out, err)
}

func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request) {
	if err := s.Model.RevokeAPIKey(vars(r)["orgId"], vars(r)["keyId"]); err != nil {
		s.controlError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// recordActivity is POST /_sim/orgs/{orgId}/accounts/{account}/activity
// {"site","product","at"}: the account used a product (at defaults to now).
func (s *Server) recordActivity(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Site    string    `json:"site"`
		Product string    `json:"product"`
		At      time.Time `json:"at"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.controlError(w, r, err)
		return
	}
	v, err := s.Model.RecordActivity(vars(r)["orgId"], vars(r)["account"], in.Site, in.Product, in.At)
	if err != nil {
		s.controlError(w, r, err)
		return
	}
	products := []map[string]any{}
	for _, p := range v.Products {
		products = append(products, map[string]any{"site": p.SiteName, "product": p.Key, "lastActive": p.LastActive})
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"accountId": v.ID, "lastActive": v.LastActive, "products": products})
}

// createAccountToken is POST /_sim/orgs/{orgId}/accounts/{account}/api-tokens
// {"label"}: the person made a personal API token, which the user
// management API then lists.
func (s *Server) createAccountToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Label string `json:"label"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.controlError(w, r, err)
		return
	}
	t, secret, err := s.Model.CreateAccountAPIToken(vars(r)["orgId"], vars(r)["account"], in.Label)
	s.reply(w, r, http.StatusCreated, map[string]any{"id": t.ID, "label": t.Label, "createdAt": t.Created, "token": secret}, err)
}
