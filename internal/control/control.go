// Package control holds the parts of the /_sim/ control API that both
// simulators share: the control-token guard, the health route and the
// fault-rule routes. Each server keeps its own error format; it speaks
// through the API interface.
package control

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/faults"
	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/secret"
)

// API is how a server reads and answers control requests: its body limit,
// its JSON and its error format (mockatlassian's {"error"}, Okta's
// envelope on mockokta). WriteError receives *Error values from this
// package besides the server's own errors.
type API interface {
	ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error)
	WriteJSON(w http.ResponseWriter, r *http.Request, status int, v any)
	WriteError(w http.ResponseWriter, r *http.Request, err error)
}

// Error is a control request that failed: a status and a sentence, and for
// a 404 the kind and id of what was not found.
type Error struct {
	Status  int
	Message string
	Kind    string // what was not found ("FaultRule"), for 404
	ID      string // its id, for 404
}

func (e *Error) Error() string { return e.Message }

// Invalid is a 400.
func Invalid(msg string) *Error { return &Error{Status: http.StatusBadRequest, Message: msg} }

// NotFound is a 404 for the kind and id given.
func NotFound(kind, id, msg string) *Error {
	return &Error{Status: http.StatusNotFound, Message: msg, Kind: kind, ID: id}
}

// Unauthorized is a 401.
func Unauthorized(msg string) *Error { return &Error{Status: http.StatusUnauthorized, Message: msg} }

// RequireToken guards the /_sim/ subrouter r when token is set: every
// request but GET /_sim/health and GET /_sim/tls/ca.pem must carry
// `Authorization: Bearer <token>`, else 401 through api. It must be called before any route is added: the
// guard is the subrouter's first route, matching exactly the requests it
// refuses, so it runs before route variables are looked at (an unknown org
// is a 401, not a 404) and also covers unknown paths and wrong methods:
// without the token nothing about /_sim/ is disclosed. Only the token's hash
// is kept; it is compared in constant time and never logged.
func RequireToken(r *mux.Router, token string, api API) {
	if token == "" {
		return
	}
	want := secret.HashOf(token)
	allowed := func(req *http.Request) bool {
		// Health, and the CA certificate clients trust, which is public.
		if req.Method == http.MethodGet && (req.URL.Path == "/_sim/health" || req.URL.Path == CAPath) {
			return true
		}
		got, ok := httpx.BearerToken(req.Header.Get("Authorization"))
		if !ok {
			return false
		}
		return want.Matches(got)
	}
	r.MatcherFunc(func(req *http.Request, _ *mux.RouteMatch) bool {
		return !allowed(req)
	}).HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		msg := "Missing control token: send Authorization: Bearer <control token>"
		if req.Header.Get("Authorization") != "" {
			msg = "Invalid control token"
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="_sim"`)
		api.WriteError(w, req, Unauthorized(msg))
	})
}

// health is the body of GET /_sim/health.
type health struct {
	Service string `json:"service"`
	Status  string `json:"status"`
}

// HealthRoute registers GET /health: 200 once the server is ready, which
// it is as soon as it serves.
func HealthRoute(r *mux.Router, service string, api API) {
	r.HandleFunc("/health", func(w http.ResponseWriter, req *http.Request) {
		api.WriteJSON(w, req, http.StatusOK, health{Service: service, Status: "ok"})
	}).Methods(http.MethodGet)
}

// CAPath is where a server with HTTPS serves the certificate of its local
// authority (docs/state.md, "HTTPS"): the file clients trust, for those
// that cannot read the server's disk (a container's clients).
const CAPath = "/_sim/tls/ca.pem"

// CARoute registers GET /_sim/tls/ca.pem when there is a CA to hand out
// (caPEM not empty); it needs no control token.
func CARoute(r *mux.Router, caPEM []byte) {
	if len(caPEM) == 0 {
		return
	}
	r.HandleFunc("/tls/ca.pem", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Header().Set("Content-Disposition", `attachment; filename="ca.pem"`)
		_, _ = w.Write(caPEM)
	}).Methods(http.MethodGet)
}

// FaultRoutes registers the fault-rule routes under /_sim: list, add (one
// rule or a list; nothing is added unless every rule is valid), clear
// (all, or with ?tenant= or ?<tenantParam>= one tenant's) and remove one.
func FaultRoutes(r *mux.Router, reg *faults.Registry, tenantParam string, api API) {
	r.HandleFunc("/faults", func(w http.ResponseWriter, req *http.Request) {
		api.WriteJSON(w, req, http.StatusOK, reg.List())
	}).Methods(http.MethodGet)
	r.HandleFunc("/faults", func(w http.ResponseWriter, req *http.Request) {
		addFaults(w, req, reg, api)
	}).Methods(http.MethodPost)
	r.HandleFunc("/faults", func(w http.ResponseWriter, req *http.Request) {
		tenant := req.URL.Query().Get("tenant")
		if tenant == "" {
			tenant = req.URL.Query().Get(tenantParam)
		}
		reg.Clear(tenant)
		w.WriteHeader(http.StatusNoContent)
	}).Methods(http.MethodDelete)
	r.HandleFunc("/faults/{faultId}", func(w http.ResponseWriter, req *http.Request) {
		id := mux.Vars(req)["faultId"]
		if !reg.Remove(id) {
			api.WriteError(w, req, NotFound("FaultRule", id, "no fault rule "+strconv.Quote(id)))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}).Methods(http.MethodDelete)
}

// addFaults answers the rule added for one rule (a JSON object) and the
// list for a list.
func addFaults(w http.ResponseWriter, r *http.Request, reg *faults.Registry, api API) {
	body, err := api.ReadBody(w, r)
	if err != nil {
		api.WriteError(w, r, err)
		return
	}
	rules, err := faults.DecodeRules(body)
	var added []faults.Rule
	if err == nil {
		added, err = reg.AddAll(rules)
	}
	if err != nil {
		api.WriteError(w, r, Invalid(err.Error()))
		return
	}
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		api.WriteJSON(w, r, http.StatusCreated, added[0])
		return
	}
	api.WriteJSON(w, r, http.StatusCreated, added)
}
