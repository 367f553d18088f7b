package mockatlassian

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/control"
)

// controlAuth guards the /_sim/ routes with Config.ControlToken
// (control.RequireToken); refused requests get 401 in the control API's
// {"error"} format.
//
// One exception: POST /_sim/directories/{dir}/sso also accepts that
// directory's own SCIM key, so that an Okta simulator can sign users in
// through the directory it provisions without knowing the control token.
// That key can already create users and accounts through SCIM.
func (s *Server) controlAuth(r *mux.Router) {
	control.RequireToken(r, s.cfg.ControlToken, func(r *http.Request, token string) bool {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/_sim/directories/"); ok && r.Method == http.MethodPost {
			if dir, tail, _ := strings.Cut(rest, "/"); tail == "sso" {
				return s.Model.Authenticate(dir, token) == AuthOK
			}
		}
		return false
	}, controlAPI{s})
}

// controlAPI is how the control routes shared with mockokta
// (internal/control) read and answer here.
type controlAPI struct{ s *Server }

func (c controlAPI) ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return c.s.readBody(w, r)
}

func (c controlAPI) WriteJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	writeJSON(w, r, status, v)
}

func (c controlAPI) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	c.s.controlError(w, r, err)
}
