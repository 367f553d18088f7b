package mockokta

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/httpx"
)

// tokenRoutes are the org authorization server's endpoints under /oauth2
// (OAPI-OAUTH-2).
func (s *Server) tokenRoutes(r *mux.Router) {
	r.HandleFunc("/v1/token", s.token).Methods(http.MethodPost)
}

// token is POST /oauth2/v1/token. Its parameters may come in the form
// body or, as okta-sdk-golang sends them, in the query string of an
// empty-bodied POST; net/http's ParseForm reads both.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, &OAuthError{http.StatusBadRequest, "invalid_request", "The request could not be parsed."})
		return
	}
	base := baseURL(r)
	auds := []string{base + "/oauth2/v1/token"}
	if s.cfg.PublicURL != "" {
		auds = append(auds, trimSlash(s.cfg.PublicURL)+"/oauth2/v1/token")
	}
	// A client may ask for 4 tokens a second (OAPI-RATE-10), and the token
	// endpoint has its own per-minute bucket (OAPI-RATE-7), both counted
	// before the request is checked; their 429 is Okta's E0000047 envelope
	// (a guess: Okta documents the status, not this endpoint's body).
	if o, clientID, ok := s.Model.TokenOrg(r.Form.Get("client_id"), r.Form.Get("client_assertion")); ok &&
		(!s.limits.allowClientToken(w, o, clientID) || !s.limits.allowToken(w, o)) {
		s.writeError(w, r, errRateLimited())
		return
	}
	in := TokenRequest{GrantType: r.Form.Get("grant_type"), Scope: r.Form.Get("scope"),
		ClientAssertionType: r.Form.Get("client_assertion_type"), ClientAssertion: r.Form.Get("client_assertion"),
		ClientID: r.Form.Get("client_id"), Audiences: auds}
	o, resp, err := s.Model.IssueToken(in)
	if err != nil {
		// The reason is logged, never the assertion or a token.
		s.log.Info("oauth token refused", "err", err)
		writeOAuthError(w, err)
		return
	}
	httpx.SetTenant(r, o.ID)
	s.log.Info("oauth token issued", "org", o.ID, "scope", resp.Scope)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

// writeOAuthError answers in OAuth's error shape (RFC 6749 §5.2), which
// the token endpoint uses instead of Okta's envelope.
func writeOAuthError(w http.ResponseWriter, err error) {
	var e *OAuthError
	if !errors.As(err, &e) {
		e = &OAuthError{http.StatusInternalServerError, "server_error", "The server encountered an internal error."}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, e.Status, struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{e.Code, e.Description})
}

// createServiceAppBody is the part of an OIDC app's POST /api/v1/apps body
// that makes a service app.
type createServiceAppBody struct {
	Credentials *struct {
		OAuthClient *struct {
			TokenEndpointAuthMethod string `json:"token_endpoint_auth_method"`
		} `json:"oauthClient"`
	} `json:"credentials"`
	Settings *struct {
		OAuthClient *struct {
			ApplicationType string          `json:"application_type"`
			GrantTypes      []string        `json:"grant_types"`
			JWKS            json.RawMessage `json:"jwks"`
		} `json:"oauthClient"`
	} `json:"settings"`
}

// createServiceApp makes the service app a POST /api/v1/apps body with
// signOnMode OPENID_CONNECT describes. mockokta serves only service apps
// among OIDC apps: application_type "service", grant client_credentials,
// token_endpoint_auth_method private_key_jwt, the one method Okta accepts
// for okta.* scopes (OAPI-OAUTH-1).
func (s *Server) createServiceApp(w http.ResponseWriter, r *http.Request, label string, raw []byte) {
	var in createServiceAppBody
	if err := decodeObject(raw, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Settings == nil || in.Settings.OAuthClient == nil || in.Settings.OAuthClient.ApplicationType != "service" {
		s.writeError(w, r, errValidation("settings.oauthClient.application_type: mockokta serves OIDC apps of type 'service' only"))
		return
	}
	if gt := in.Settings.OAuthClient.GrantTypes; len(gt) > 0 && !slices.Equal(gt, []string{"client_credentials"}) {
		s.writeError(w, r, errValidation("settings.oauthClient.grant_types: a service app has the client_credentials grant only"))
		return
	}
	method := ""
	if in.Credentials != nil && in.Credentials.OAuthClient != nil {
		method = in.Credentials.OAuthClient.TokenEndpointAuthMethod
	}
	if method != "private_key_jwt" {
		s.writeError(w, r, errValidation("credentials.oauthClient.token_endpoint_auth_method: private_key_jwt is the one method for okta.* scopes"))
		return
	}
	a, err := s.Model.CreateServiceApp(orgOf(r), CreateServiceAppInput{Label: label, JWKS: in.Settings.OAuthClient.JWKS,
		Activate: r.URL.Query().Get("activate") != "false"})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, serviceAppJSON(baseURL(r), a))
}

// serviceAppView is an OpenIdConnectApplication of type service.
type serviceAppView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Label       string `json:"label"`
	Status      string `json:"status"`
	SignOnMode  string `json:"signOnMode"`
	Created     string `json:"created"`
	LastUpdated string `json:"lastUpdated"`
	Credentials struct {
		OAuthClient struct {
			AutoKeyRotation         bool   `json:"autoKeyRotation"`
			ClientID                string `json:"client_id"`
			TokenEndpointAuthMethod string `json:"token_endpoint_auth_method"`
		} `json:"oauthClient"`
	} `json:"credentials"`
	Settings struct {
		OAuthClient struct {
			ApplicationType string             `json:"application_type"`
			GrantTypes      []string           `json:"grant_types"`
			ResponseTypes   []string           `json:"response_types"`
			JWKS            jose.JSONWebKeySet `json:"jwks"`
		} `json:"oauthClient"`
	} `json:"settings"`
	Links struct {
		Self       link `json:"self"`
		Deactivate link `json:"deactivate"`
	} `json:"_links"`
}

func serviceAppJSON(base string, a *ServiceApp) serviceAppView {
	v := serviceAppView{ID: a.ID, Name: "oidc_client", Label: a.Label, Status: a.Status, SignOnMode: "OPENID_CONNECT",
		Created: oktaTimestamp(a.Created), LastUpdated: oktaTimestamp(a.LastUpdated)}
	v.Credentials.OAuthClient.ClientID = a.ID
	v.Credentials.OAuthClient.TokenEndpointAuthMethod = "private_key_jwt"
	v.Settings.OAuthClient.ApplicationType = "service"
	v.Settings.OAuthClient.GrantTypes = []string{"client_credentials"}
	v.Settings.OAuthClient.ResponseTypes = []string{"token"}
	v.Settings.OAuthClient.JWKS = jose.JSONWebKeySet{Keys: a.Keys}
	if v.Settings.OAuthClient.JWKS.Keys == nil {
		v.Settings.OAuthClient.JWKS.Keys = []jose.JSONWebKey{}
	}
	v.Links.Self = href(base, "apps", a.ID)
	v.Links.Deactivate = postLink(href(base, "apps", a.ID, "lifecycle", "deactivate"))
	return v
}

// serviceAppRequest answers a /api/v1/apps/{appId} request when appId is a
// service app; false when it is not one (then the SCIM app handlers run).
func (s *Server) serviceAppRequest(w http.ResponseWriter, r *http.Request) bool {
	o, id := orgOf(r), vars(r)["appId"]
	if _, ok := s.Model.ServiceApp(o, id); !ok {
		return false
	}
	switch r.Method {
	case http.MethodGet:
		a, _ := s.Model.ServiceApp(o, id)
		writeJSON(w, http.StatusOK, serviceAppJSON(baseURL(r), a))
	case http.MethodPut:
		var in struct {
			Label    *string `json:"label"`
			Settings *struct {
				OAuthClient *struct {
					JWKS json.RawMessage `json:"jwks"`
				} `json:"oauthClient"`
			} `json:"settings"`
		}
		if err := s.decode(w, r, &in); err != nil {
			s.writeError(w, r, err)
			return true
		}
		var jwks json.RawMessage
		if in.Settings != nil && in.Settings.OAuthClient != nil {
			jwks = in.Settings.OAuthClient.JWKS
		}
		a, err := s.Model.UpdateServiceApp(o, id, in.Label, jwks)
		if err != nil {
			s.writeError(w, r, err)
			return true
		}
		writeJSON(w, http.StatusOK, serviceAppJSON(baseURL(r), a))
	case http.MethodDelete:
		if err := s.Model.DeleteServiceApp(o, id); err != nil {
			s.writeError(w, r, err)
			return true
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPost: // lifecycle/activate, lifecycle/deactivate
		if err := s.Model.SetServiceAppStatus(o, id, strings.HasSuffix(r.URL.Path, "/activate")); err != nil {
			s.writeError(w, r, err)
			return true
		}
		writeJSON(w, http.StatusOK, struct{}{})
	default:
		return false
	}
	return true
}

// grantRoutes are a service app's granted scopes (OAuth2ScopeConsentGrant).
func (s *Server) grantRoutes(r *mux.Router) {
	r.HandleFunc("/apps/{appId}/grants", s.listGrants).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/grants", s.grantScope).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/grants/{grantId}", s.getGrant).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/grants/{grantId}", s.revokeGrant).Methods(http.MethodDelete)
}

// grantView is an OAuth2ScopeConsentGrant.
type grantView struct {
	ID          string `json:"id"`
	Issuer      string `json:"issuer"`
	ScopeID     string `json:"scopeId"`
	ClientID    string `json:"clientId"`
	Source      string `json:"source"`
	Status      string `json:"status"`
	Created     string `json:"created"`
	LastUpdated string `json:"lastUpdated"`
	Links       struct {
		App  link `json:"app"`
		Self link `json:"self"`
	} `json:"_links"`
}

func grantJSON(base, appID string, g ScopeGrant) grantView {
	v := grantView{ID: g.ID, Issuer: g.Issuer, ScopeID: g.ScopeID, ClientID: appID, Source: "ADMIN", Status: "ACTIVE",
		Created: oktaTimestamp(g.Created), LastUpdated: oktaTimestamp(g.Created)}
	v.Links.App = href(base, "apps", appID)
	v.Links.Self = href(base, "apps", appID, "grants", g.ID)
	return v
}

func (s *Server) serviceAppOf(w http.ResponseWriter, r *http.Request) (*ServiceApp, bool) {
	a, ok := s.Model.ServiceApp(orgOf(r), vars(r)["appId"])
	if !ok {
		s.writeError(w, r, errNotFound("App", vars(r)["appId"]))
	}
	return a, ok
}

func (s *Server) listGrants(w http.ResponseWriter, r *http.Request) {
	a, ok := s.serviceAppOf(w, r)
	if !ok {
		return
	}
	out := []grantView{}
	for _, g := range a.Grants {
		out = append(out, grantJSON(baseURL(r), a.ID, g))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getGrant(w http.ResponseWriter, r *http.Request) {
	a, ok := s.serviceAppOf(w, r)
	if !ok {
		return
	}
	for _, g := range a.Grants {
		if g.ID == vars(r)["grantId"] {
			writeJSON(w, http.StatusOK, grantJSON(baseURL(r), a.ID, g))
			return
		}
	}
	s.writeError(w, r, errNotFound("OAuth2ScopeConsentGrant", vars(r)["grantId"]))
}

func (s *Server) grantScope(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Issuer  string `json:"issuer"`
		ScopeID string `json:"scopeId"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	g, err := s.Model.GrantScope(orgOf(r), vars(r)["appId"], in.ScopeID, in.Issuer)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, grantJSON(baseURL(r), vars(r)["appId"], g))
}

func (s *Server) revokeGrant(w http.ResponseWriter, r *http.Request) {
	if err := s.Model.RevokeGrant(orgOf(r), vars(r)["appId"], vars(r)["grantId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
