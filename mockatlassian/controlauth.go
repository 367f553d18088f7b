package mockatlassian

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/control"
)

// controlAuth guards the /_sim/ routes with Config.ControlToken
// (control.RequireToken); refused requests get 401 in the control API's
// {"error"} format.
func (s *Server) controlAuth(r *mux.Router) {
	control.RequireToken(r, s.cfg.ControlToken, controlAPI{s})
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
