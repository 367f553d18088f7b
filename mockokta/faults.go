package mockokta

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/faults"
)

// Fault injection on the Management API (docs/mockatlassian.md, "Fault injection"): the
// rules live in a faults.Registry registry, managed under /_sim/faults and seeded
// from --faults-file; this file writes the answers in Okta's error envelope
// with Okta's rate-limit headers (OAPI-ERR-1, OAPI-SDK-2). Faults
// here test what calls Okta (an SDK, Terraform, the harness), not Okta's
// own SCIM client: for that, inject faults on the SCIM server.

// Faults is the server's fault registry, for Go tests that embed the
// server.
func (s *Server) Faults() *faults.Registry { return s.cfg.faults }

// readFaultsFile loads --faults-file into the config.
func readFaultsFile(path string, cfg *Config) error {
	rules, err := faults.ReadFile(path)
	cfg.Faults = rules
	return err
}

// faultRoutes registers the fault control routes under /_sim.
func (s *Server) faultRoutes(r *mux.Router) {
	r.HandleFunc("/faults", s.ctlListFaults).Methods(http.MethodGet)
	r.HandleFunc("/faults", s.ctlAddFaults).Methods(http.MethodPost)
	r.HandleFunc("/faults", s.ctlClearFaults).Methods(http.MethodDelete)
	r.HandleFunc("/faults/{faultId}", s.ctlRemoveFault).Methods(http.MethodDelete)
}

// faultMiddleware injects faults into /api/v1 calls. routes() puts it after
// ssws, so a rule's tenant is the org the token selected, and inside the
// journal, which then records each fault.
func (s *Server) faultMiddleware(next http.Handler) http.Handler {
	return s.cfg.faults.Middleware(func(r *http.Request) string {
		if o, ok := r.Context().Value(orgKey).(*Org); ok {
			return o.ID
		}
		return ""
	}, s.writeFault)(next)
}

func (s *Server) ctlListFaults(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.cfg.faults.List())
}

// ctlAddFaults adds one rule (a JSON object; answers the rule) or several
// (a list; answers the list). Nothing is added unless every rule is valid.
func (s *Server) ctlAddFaults(w http.ResponseWriter, r *http.Request) {
	body, err := s.readBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rules, err := faults.DecodeRules(body)
	if err == nil {
		for i := range rules {
			if err = rules[i].Validate(); err != nil {
				break
			}
		}
	}
	if err != nil {
		s.writeError(w, r, errValidation("fault: "+err.Error()))
		return
	}
	added := make([]faults.Rule, 0, len(rules))
	for _, rule := range rules {
		out, err := s.cfg.faults.Add(rule)
		if err != nil {
			s.writeError(w, r, errValidation("fault: "+err.Error()))
			return
		}
		added = append(added, out)
	}
	if bytes.HasPrefix(body, []byte("{")) {
		writeJSON(w, http.StatusCreated, added[0])
		return
	}
	writeJSON(w, http.StatusCreated, added)
}

// ctlClearFaults removes every rule, or with ?tenant= (or ?org=) only the
// rules of that org.
func (s *Server) ctlClearFaults(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	if tenant == "" {
		tenant = r.URL.Query().Get("org")
	}
	s.cfg.faults.Clear(tenant)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlRemoveFault(w http.ResponseWriter, r *http.Request) {
	id := vars(r)["faultId"]
	if !s.cfg.faults.Remove(id) {
		s.writeError(w, r, errNotFound("FaultRule", id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// writeFault answers a status fault in Okta's envelope. A 429 is E0000047
// with X-Rate-Limit-Remaining 0 and X-Rate-Limit-Reset at the end of the
// wait, which is what okta-sdk-golang's back-off reads (OAPI-SDK-2).
func (s *Server) writeFault(w http.ResponseWriter, r *http.Request, a faults.Answer) {
	e := faultError(a.Status)
	if a.Status == http.StatusTooManyRequests {
		wait := a.RetryAfter
		if wait < 0 {
			wait = 60
		}
		h := w.Header()
		h.Set("X-Rate-Limit-Remaining", "0")
		h.Set("X-Rate-Limit-Reset", strconv.FormatInt(s.Model.clock.Now().Add(time.Duration(wait)*time.Second).Unix(), 10))
	}
	// Written directly: writeError logs 5xx answers as internal errors.
	writeJSON(w, a.Status, errorEnvelope{ErrorCode: e.Code, ErrorSummary: e.Summary, ErrorLink: e.Code,
		ErrorID: "oae" + s.Model.ids.Token(22), ErrorCauses: []errorCause{}})
}

// faultError is the Okta error for an injected status (OAPI-ERR-1).
func faultError(status int) *Error {
	switch {
	case status == http.StatusTooManyRequests:
		return &Error{status, "E0000047", "API call exceeded rate limit due to too many requests.", nil}
	case status >= 500:
		return &Error{status, "E0000009", "Internal Server Error", nil}
	case status == http.StatusUnauthorized:
		return &Error{status, "E0000011", "Invalid token provided", nil}
	case status == http.StatusForbidden:
		return &Error{status, "E0000006", "You do not have permission to perform the requested action", nil}
	case status == http.StatusNotFound:
		return &Error{status, "E0000007", "Not found: Resource not found", nil}
	default:
		return &Error{status, "E0000001", "Api validation failed", nil}
	}
}
