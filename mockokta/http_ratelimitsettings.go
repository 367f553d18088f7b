package mockokta

import (
	"net/http"

	"github.com/gorilla/mux"
)

// The Rate Limit Settings API, /api/v1/rate-limit-settings (OAPI-RATE-9):
// each setting is read with GET and replaced with PUT.
func (s *Server) rateLimitSettingsRoutes(r *mux.Router) {
	r.HandleFunc("/rate-limit-settings/admin-notifications", s.getRateLimitNotifications).Methods(http.MethodGet)
	r.HandleFunc("/rate-limit-settings/admin-notifications", s.putRateLimitNotifications).Methods(http.MethodPut)
	r.HandleFunc("/rate-limit-settings/per-client", s.getPerClientRateLimits).Methods(http.MethodGet)
	r.HandleFunc("/rate-limit-settings/per-client", s.putPerClientRateLimits).Methods(http.MethodPut)
	r.HandleFunc("/rate-limit-settings/warning-threshold", s.getRateLimitWarningThreshold).Methods(http.MethodGet)
	r.HandleFunc("/rate-limit-settings/warning-threshold", s.putRateLimitWarningThreshold).Methods(http.MethodPut)
}

// RateLimitAdminNotifications.
type notificationsView struct {
	NotificationsEnabled bool `json:"notificationsEnabled"`
}

// PerClientRateLimitSettings: the overrides object is left out while
// there are none.
type perClientView struct {
	DefaultMode          string            `json:"defaultMode"`
	UseCaseModeOverrides map[string]string `json:"useCaseModeOverrides,omitempty"`
}

// RateLimitWarningThresholdResponse.
type warningThresholdView struct {
	WarningThreshold int `json:"warningThreshold"`
}

func perClientJSON(rs RateLimitSettings) perClientView {
	return perClientView{DefaultMode: rs.PerClientDefaultMode, UseCaseModeOverrides: rs.PerClientOverrides}
}

func (s *Server) getRateLimitNotifications(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, notificationsView{orgOf(r).RateLimitSettingsOf().NotificationsEnabled})
}

func (s *Server) putRateLimitNotifications(w http.ResponseWriter, r *http.Request) {
	var in struct {
		NotificationsEnabled *bool `json:"notificationsEnabled"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.NotificationsEnabled == nil {
		s.writeError(w, r, errValidation("notificationsEnabled: The field cannot be left blank"))
		return
	}
	rs := s.Model.SetRateLimitNotifications(orgOf(r), *in.NotificationsEnabled)
	writeJSON(w, http.StatusOK, notificationsView{rs.NotificationsEnabled})
}

func (s *Server) getPerClientRateLimits(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, perClientJSON(orgOf(r).RateLimitSettingsOf()))
}

func (s *Server) putPerClientRateLimits(w http.ResponseWriter, r *http.Request) {
	var in perClientView
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	rs, err := s.Model.SetPerClientRateLimits(orgOf(r), in.DefaultMode, in.UseCaseModeOverrides)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, perClientJSON(rs))
}

func (s *Server) getRateLimitWarningThreshold(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, warningThresholdView{orgOf(r).RateLimitSettingsOf().WarningThreshold})
}

func (s *Server) putRateLimitWarningThreshold(w http.ResponseWriter, r *http.Request) {
	var in struct {
		WarningThreshold *int `json:"warningThreshold"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.WarningThreshold == nil {
		s.writeError(w, r, errValidation("warningThreshold: The field cannot be left blank"))
		return
	}
	rs, err := s.Model.SetRateLimitWarningThreshold(orgOf(r), *in.WarningThreshold)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, warningThresholdView{rs.WarningThreshold})
}
