package mockokta

import (
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/control"
)

// controlAuth guards the /_sim/ routes with Config.ControlToken
// (control.RequireToken); refused requests get 401 E0000011 in Okta's
// envelope, the control API's error format here.
func (s *Server) controlAuth(r *mux.Router) {
	control.RequireToken(r, s.cfg.ControlToken, controlAPI{s})
}

// controlAPI is how the control routes shared with mockatlassian
// (internal/control) read and answer here: Okta's envelope.
type controlAPI struct{ s *Server }

func (c controlAPI) ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return c.s.readBody(w, r)
}

func (c controlAPI) WriteJSON(w http.ResponseWriter, _ *http.Request, status int, v any) {
	writeJSON(w, status, v)
}

func (c controlAPI) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var ce *control.Error
	if errors.As(err, &ce) {
		switch ce.Status {
		case http.StatusUnauthorized:
			err = errInvalidToken()
		case http.StatusNotFound:
			err = errNotFound(ce.Kind, ce.ID)
		default:
			err = errValidation(ce.Message)
		}
	}
	c.s.writeError(w, r, err)
}
