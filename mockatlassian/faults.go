package mockatlassian

import (
	"net/http"
	"strconv"
	"time"

	"github.com/provsim/provsim/internal/faults"
)

// Fault injection on the SCIM and admin APIs (docs/mockatlassian.md,
// "Fault injection"): the rules live in a faults.Registry, managed under /_sim/faults
// (control.FaultRoutes) and seeded from --faults-file; this file writes the
// answers in Atlassian's formats.

// Faults is the server's fault registry, for Go tests that embed the
// server.
func (s *Server) Faults() *faults.Registry { return s.faults }

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
