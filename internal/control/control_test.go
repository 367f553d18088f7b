package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/faults"
)

// plainAPI answers errors as "<status> <message>".
type plainAPI struct{}

func (plainAPI) ReadBody(_ http.ResponseWriter, r *http.Request) ([]byte, error) {
	return io.ReadAll(r.Body)
}
func (plainAPI) WriteJSON(w http.ResponseWriter, _ *http.Request, status int, v any) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
func (plainAPI) WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	var ce *Error
	if !errors.As(err, &ce) {
		ce = &Error{Status: 500, Message: err.Error()}
	}
	w.WriteHeader(ce.Status)
	fmt.Fprintf(w, "%d %s %s %s", ce.Status, ce.Kind, ce.ID, ce.Message)
}

func controlRouter(token string, reg *faults.Registry) *mux.Router {
	root := mux.NewRouter()
	r := root.PathPrefix("/_sim").Subrouter()
	RequireToken(r, token, plainAPI{})
	HealthRoute(r, "testsim", plainAPI{})
	FaultRoutes(r, reg, "org", plainAPI{})
	r.HandleFunc("/special", func(w http.ResponseWriter, r *http.Request) {}).Methods(http.MethodPost)
	return root
}

func call(h http.Handler, method, path, auth, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestRequireToken(t *testing.T) {
	h := controlRouter("s3cret-token", faults.NewRegistry(1))
	for _, tc := range []struct {
		method, path, auth string
		status             int
	}{
		{"GET", "/_sim/health", "", 200},
		{"POST", "/_sim/health", "", 401}, // only GET health is open
		{"GET", "/_sim/faults", "", 401},
		{"GET", "/_sim/faults", "Bearer wrong", 401},
		{"GET", "/_sim/faults", "SSWS s3cret-token", 401},
		{"GET", "/_sim/faults", "Bearer s3cret-token", 200},
		{"GET", "/_sim/no-such-route", "", 401}, // nothing disclosed without the token
		{"POST", "/_sim/special", "Bearer s3cret-token", 200},
		{"POST", "/_sim/special", "Bearer special-key", 401},
	} {
		rec := call(h, tc.method, tc.path, tc.auth, "")
		if rec.Code != tc.status {
			t.Errorf("%s %s with %q: %d %s, want %d", tc.method, tc.path, tc.auth, rec.Code, rec.Body, tc.status)
		}
		if rec.Code == 401 && rec.Header().Get("WWW-Authenticate") != `Bearer realm="_sim"` {
			t.Errorf("%s %s: 401 without WWW-Authenticate", tc.method, tc.path)
		}
	}
	if rec := call(h, "GET", "/_sim/faults", "", ""); !strings.Contains(rec.Body.String(), "Missing control token") {
		t.Errorf("no token: %s", rec.Body)
	}
	if rec := call(h, "GET", "/_sim/faults", "Bearer x", ""); !strings.Contains(rec.Body.String(), "Invalid control token") {
		t.Errorf("wrong token: %s", rec.Body)
	}
	open := controlRouter("", faults.NewRegistry(1))
	if rec := call(open, "GET", "/_sim/faults", "", ""); rec.Code != 200 {
		t.Errorf("without a control token the routes are open: %d", rec.Code)
	}
}

func TestHealthRoute(t *testing.T) {
	rec := call(controlRouter("", faults.NewRegistry(1)), "GET", "/_sim/health", "", "")
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"service":"testsim","status":"ok"}` {
		t.Fatalf("health: %d %s", rec.Code, rec.Body)
	}
}

func TestFaultRoutes(t *testing.T) {
	reg := faults.NewRegistry(1)
	h := controlRouter("", reg)
	rec := call(h, "POST", "/_sim/faults", "", `{"id":"one","status":503,"tenant":"a"}`)
	if rec.Code != 201 || !strings.HasPrefix(rec.Body.String(), `{"id":"one"`) {
		t.Fatalf("add one: %d %s", rec.Code, rec.Body)
	}
	rec = call(h, "POST", "/_sim/faults", "", ` [{"status":429,"tenant":"b"},{"drop":true,"tenant":"a"}]`)
	if rec.Code != 201 || !strings.HasPrefix(rec.Body.String(), `[{"id":"f1"`) {
		t.Fatalf("add a list: %d %s", rec.Code, rec.Body)
	}
	// One bad rule, or a taken id, adds nothing of its list.
	for _, body := range []string{
		`[{"id":"new","status":500},{"status":200}]`,
		`[{"id":"new","status":500},{"id":"one","status":500}]`,
		`[{"id":"new","status":500},{"id":"new","status":502}]`,
		`{"status":500,"bogus":1}`,
		``,
	} {
		if rec := call(h, "POST", "/_sim/faults", "", body); rec.Code != 400 {
			t.Errorf("add %s: %d %s, want 400", body, rec.Code, rec.Body)
		}
	}
	if n := len(reg.List()); n != 3 {
		t.Fatalf("%d rules after refused adds, want 3: %+v", n, reg.List())
	}
	if rec := call(h, "DELETE", "/_sim/faults?org=a", "", ""); rec.Code != 204 || len(reg.List()) != 1 {
		t.Fatalf("clear tenant a: %d, %d rules left", rec.Code, len(reg.List()))
	}
	if rec := call(h, "DELETE", "/_sim/faults/nope", "", ""); rec.Code != 404 || rec.Body.String() != `404 FaultRule nope no fault rule "nope"` {
		t.Fatalf("remove unknown: %d %s", rec.Code, rec.Body)
	}
	if rec := call(h, "DELETE", "/_sim/faults/f1", "", ""); rec.Code != 204 || len(reg.List()) != 0 {
		t.Fatalf("remove f1: %d, %d rules left", rec.Code, len(reg.List()))
	}
	call(h, "POST", "/_sim/faults", "", `{"status":503}`)
	if rec := call(h, "DELETE", "/_sim/faults", "", ""); rec.Code != 204 || len(reg.List()) != 0 {
		t.Fatalf("clear all: %d, %d rules left", rec.Code, len(reg.List()))
	}
}
