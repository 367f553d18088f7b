package mockokta

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/secret"
)

// controlAuth guards the /_sim/ subrouter when Config.ControlToken is set:
// every request but GET /_sim/health must carry `Authorization: Bearer
// <token>`, else 401 E0000011 in Okta's envelope, the control API's error
// format. The guard is the subrouter's first route, matching exactly the
// requests it refuses, so it runs before the org in the path is looked up
// (an unknown org is a 401, not a 404) and also covers unknown paths and
// wrong methods: without the token nothing about /_sim/ is disclosed. Only
// the token's hash is kept; it is compared in constant time and never
// logged.
func (s *Server) controlAuth(r *mux.Router) *mux.Router {
	if s.cfg.ControlToken == "" {
		return r
	}
	want := secret.HashOf(s.cfg.ControlToken)
	r.MatcherFunc(func(req *http.Request, _ *mux.RouteMatch) bool {
		return !controlAllowed(req, want)
	}).HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="_sim"`)
		s.writeError(w, req, errInvalidToken())
	})
	return r
}

func controlAllowed(r *http.Request, want secret.Hash) bool {
	if r.Method == http.MethodGet && r.URL.Path == "/_sim/health" {
		return true
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	return strings.EqualFold(scheme, "Bearer") && token != "" && want.Matches(token)
}
