package mockokta

import (
	"net/http"
	"strconv"
	"time"

	"github.com/provsim/provsim/internal/faults"
)

// Fault injection on the Management API (docs/mockatlassian.md, "Fault
// injection"): the rules live in a faults.Registry, managed under
// /_sim/faults (control.FaultRoutes) and seeded from --faults-file; this file writes the
// answers in Okta's error envelope with Okta's rate-limit headers
// (OAPI-ERR-1, OAPI-SDK-2). Faults here test what calls Okta (an SDK,
// Terraform, the harness), not Okta's own SCIM client: for that, inject
// faults on the SCIM server.

// Faults is the server's fault registry, for Go tests that embed the
// server.
func (s *Server) Faults() *faults.Registry { return s.faults }

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
		return errRateLimited()
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
