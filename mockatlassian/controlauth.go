package mockatlassian

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/secret"
)

// controlAuth guards the /_sim/ subrouter when Config.ControlToken is set:
// every request but GET /_sim/health must carry `Authorization: Bearer
// <token>`, else 401 in the control API's {"error"} format. The guard is the
// subrouter's first route, matching exactly the requests it refuses, so it
// runs before route variables are looked at (an unknown org is a 401, not a
// 404) and also covers unknown paths and wrong methods: without the token
// nothing about /_sim/ is disclosed. Only the token's hash is kept; it is
// compared in constant time and never logged.
//
// One exception: POST /_sim/directories/{dir}/sso also accepts that
// directory's own SCIM key, so that an Okta simulator can sign users in
// through the directory it provisions without knowing the control token.
// That key can already create users and accounts through SCIM.
func (s *Server) controlAuth(r *mux.Router) *mux.Router {
	if s.cfg.ControlToken == "" {
		return r
	}
	want := secret.HashOf(s.cfg.ControlToken)
	r.MatcherFunc(func(req *http.Request, _ *mux.RouteMatch) bool {
		return !s.controlAllowed(req, want)
	}).HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		msg := "Missing control token: send Authorization: Bearer <control token>"
		if req.Header.Get("Authorization") != "" {
			msg = "Invalid control token"
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="_sim"`)
		writeJSON(w, req, http.StatusUnauthorized, controlErr{msg})
	})
	return r
}

func (s *Server) controlAllowed(r *http.Request, want secret.Hash) bool {
	if r.Method == http.MethodGet && r.URL.Path == "/_sim/health" {
		return true
	}
	token, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		return false
	}
	if want.Matches(token) {
		return true
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/_sim/directories/"); ok && r.Method == http.MethodPost {
		if dir, tail, _ := strings.Cut(rest, "/"); tail == "sso" {
			return s.Model.Authenticate(dir, token) == AuthOK
		}
	}
	return false
}
