package mockatlassian

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/faults"
)

// Fault injection on the SCIM and admin APIs (docs/mockatlassian.md, "Fault injection"):
// the rules live in a faults.Registry registry, managed under /_sim/faults and
// seeded from --faults-file; this file writes the answers in Atlassian's
// formats.

// Faults is the server's fault registry, for Go tests that embed the
// server.
func (s *Server) Faults() *faults.Registry { return s.faults }

// readFaultsFile loads --faults-file into the config.
func readFaultsFile(path string, cfg *Config) error {
	rules, err := faults.ReadFile(path)
	cfg.Faults = rules
	return err
}

// faultRoutes registers the fault control routes under /_sim.
func (s *Server) faultRoutes(r *mux.Router) {
	r.HandleFunc("/faults", s.listFaults).Methods(http.MethodGet)
	r.HandleFunc("/faults", s.addFaults).Methods(http.MethodPost)
	r.HandleFunc("/faults", s.clearFaults).Methods(http.MethodDelete)
	r.HandleFunc("/faults/{faultId}", s.removeFault).Methods(http.MethodDelete)
}

// faultMiddleware injects faults; routes() puts it inside the journal's
// middleware, so the journal records each fault.
func (s *Server) faultMiddleware(next http.Handler) http.Handler {
	return s.faults.Middleware(journalTenant, s.writeFault)(next)
}

func (s *Server) listFaults(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, http.StatusOK, s.faults.List())
}

// addFaults adds one rule (a JSON object; answers the rule) or several (a
// list; answers the list). Nothing is added unless every rule is valid.
func (s *Server) addFaults(w http.ResponseWriter, r *http.Request) {
	body, err := s.readBody(w, r)
	if err != nil {
		s.controlError(w, r, err)
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
		writeJSON(w, r, http.StatusBadRequest, controlErr{err.Error()})
		return
	}
	added := make([]faults.Rule, 0, len(rules))
	for _, rule := range rules {
		out, err := s.faults.Add(rule)
		if err != nil {
			writeJSON(w, r, http.StatusBadRequest, controlErr{err.Error()})
			return
		}
		added = append(added, out)
	}
	if bytes.TrimSpace(body)[0] == '{' {
		writeJSON(w, r, http.StatusCreated, added[0])
		return
	}
	writeJSON(w, r, http.StatusCreated, added)
}

// clearFaults removes every rule, or with ?tenant= (or ?directory=) only
// the rules of that directory or organization.
func (s *Server) clearFaults(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	if tenant == "" {
		tenant = r.URL.Query().Get("directory")
	}
	s.faults.Clear(tenant)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) removeFault(w http.ResponseWriter, r *http.Request) {
	id := vars(r)["faultId"]
	if !s.faults.Remove(id) {
		writeJSON(w, r, http.StatusNotFound, controlErr{"no fault rule " + strconv.Quote(id)})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// writeFault answers a status fault: a SCIM error on SCIM routes,
// Atlassian's Failure body on the admin APIs. 500 and 503 carry the text
// the reference lists for every operation ("You can retry calls.",
// SCIM-ERR-4); a 429 carries the X-RateLimit-* headers of
// Atlassian's other admin APIs, the reset in ISO-8601 UTC (SCIM-RATE-1).
func (s *Server) writeFault(w http.ResponseWriter, r *http.Request, a faults.Answer) {
	msg := http.StatusText(a.Status)
	switch a.Status {
	case http.StatusTooManyRequests:
		wait := a.RetryAfter
		if wait < 0 {
			wait = 60
		}
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(faultRateLimit))
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", s.Model.clock.Now().UTC().Add(time.Duration(wait)*time.Second).Format(time.RFC3339))
		msg = "Too many requests. You can retry calls after the time given in Retry-After."
	case http.StatusInternalServerError:
		msg = "Internal error. You can retry calls."
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		msg = "Service unavailable. You can retry calls."
	}
	if vars(r)["directoryId"] != "" {
		writeJSON(w, r, a.Status, &scimStatusError{status: a.Status, detail: msg})
		return
	}
	writeJSON(w, r, a.Status, failure{Error: msg, TraceID: s.Model.ids.Hex(8)})
}

// faultRateLimit is the X-RateLimit-Limit a throttled answer shows.
// Atlassian publishes no SCIM rate limit (SCIM-RATE-1).
const faultRateLimit = 100
