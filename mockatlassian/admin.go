package mockatlassian

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/scim"
)

// adminRoutes are the "Admin APIs" of the user-provisioning reference
// (ATL-LINK-1), authenticated with the organization API key.
func (s *Server) adminRoutes(r *mux.Router) {
	r.HandleFunc("/user/{accountId}/get-scim-links", s.scimLinksForAccount).Methods(http.MethodGet)
	r.HandleFunc("/get-scim-links-for-email", s.scimLinksForEmail).Methods(http.MethodPost)
	r.HandleFunc("/scimDirectoryId/{scimDirectoryId}/scimUserId/{scimUserId}/unlink", s.unlinkSCIMUser).Methods(http.MethodPatch)
	r.HandleFunc("/user/{accountId}/onlyDeleteUserInDB", s.onlyDeleteUserInDB).Methods(http.MethodDelete)
}

// orgAuth enforces the organization API key and files the request under
// its organization, even when refused.
func (s *Server) orgAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		org := pathVar(r, "orgId", "/admin/user-provisioning/v1/org/")
		httpx.SetTenant(r, org)
		key, ok := httpx.BearerToken(r.Header.Get("Authorization"))
		if !ok {
			writeJSON(w, r, http.StatusUnauthorized, failure{Error: "Missing authorization header", TraceID: s.Model.ids.Hex(8)})
			return
		}
		switch s.Model.AuthenticateOrg(org, key) {
		case AuthOK:
			next.ServeHTTP(w, r)
		case AuthUnknownDirectory:
			s.adminError(w, r, errNotFound("Organization does not exist"))
		default:
			writeJSON(w, r, http.StatusForbidden, failure{Error: "You are not authorized to call the API", TraceID: s.Model.ids.Hex(8)})
		}
	})
}

// adminError answers admin API errors with Atlassian's Failure body.
func (s *Server) adminError(w http.ResponseWriter, r *http.Request, err error) {
	se := scim.AsError(err)
	writeJSON(w, r, se.Status(), failure{Error: se.Detail, TraceID: s.Model.ids.Hex(8)})
}

type scimLinks struct {
	SCIMLinks []SCIMLink `json:"scimLinks"`
}

func (s *Server) scimLinksForAccount(w http.ResponseWriter, r *http.Request) {
	links, err := s.Model.SCIMLinksForAccount(mux.Vars(r)["orgId"], mux.Vars(r)["accountId"])
	if err != nil {
		s.adminError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, scimLinks{links})
}

func (s *Server) scimLinksForEmail(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.adminError(w, r, err)
		return
	}
	if in.Email == "" {
		s.adminError(w, r, errInvalid("email is required"))
		return
	}
	links, err := s.Model.SCIMLinksForEmail(mux.Vars(r)["orgId"], in.Email)
	if err != nil {
		s.adminError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, scimLinks{links})
}

func (s *Server) unlinkSCIMUser(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	if err := s.Model.UnlinkSCIMUser(v["orgId"], v["scimDirectoryId"], v["scimUserId"]); err != nil {
		s.adminError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) onlyDeleteUserInDB(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	if err := s.Model.DeleteSCIMRecordsOfAccount(v["orgId"], v["accountId"]); err != nil {
		s.adminError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
