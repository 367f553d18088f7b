package httpx

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/journal"
)

// trace is a middleware that records its name on the way in.
func trace(name string) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("X-Trace", name)
			next.ServeHTTP(w, r)
		})
	}
}

func family(name string) func(w http.ResponseWriter, r *http.Request, status int, msg string) {
	return func(w http.ResponseWriter, r *http.Request, status int, msg string) {
		w.WriteHeader(status)
		fmt.Fprintf(w, "%s %d: %s", name, status, msg)
	}
}

func buildTestHandler(t *testing.T) (*Handler, *journal.Journal) {
	t.Helper()
	j := journal.New(journal.Options{}, nil)
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("X-Trace", "auth")
			SetTenant(r, "tenant-"+mux.Vars(r)["tenant"])
			next.ServeHTTP(w, r)
		})
	}
	h, err := Build(j, Layers{Faults: trace("faults"), Durable: trace("durable")},
		Surface{Name: "api", Prefix: "/api/{tenant}", Headers: trace("headers"), Auth: auth, Limit: trace("limit"), Unrouted: family("api"),
			Routes: func(r *mux.Router) {
				r.HandleFunc("/things", func(w http.ResponseWriter, r *http.Request) {
					fmt.Fprint(w, "things of "+TenantOf(r))
				}).Methods(http.MethodGet)
			}},
		// A console: a prefix that only names its error family answers
		// with a page.
		Surface{Name: "console", Prefix: "/console/", Unrouted: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(status)
			fmt.Fprintf(w, "<!doctype html><title>%d</title><p>%s</p>", status, msg)
		}},
		Surface{Name: "control", Prefix: "/_ctl", Unjournaled: true, Unrouted: family("control"),
			Routes: func(r *mux.Router) {
				r.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
			}},
		Surface{Name: "fallback", Headers: trace("fallback-headers"), Unrouted: family("fallback")},
	)
	if err != nil {
		t.Fatal(err)
	}
	return h, j
}

func serve(h http.Handler, method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

// TestBuildAppliesOneMiddlewareOrder: headers, auth, limit, then faults and
// durable, on every surface.
func TestBuildAppliesOneMiddlewareOrder(t *testing.T) {
	h, _ := buildTestHandler(t)
	rec := serve(h, "GET", "/api/acme/things")
	if got := strings.Join(rec.Header().Values("X-Trace"), ","); got != "headers,auth,limit,faults,durable" {
		t.Fatalf("middleware order %s", got)
	}
	if rec.Body.String() != "things of tenant-acme" {
		t.Fatalf("body %q", rec.Body.String())
	}
}

// TestBuildAnswersUnroutedInItsSurfacesFamily: 404 and 405 come from the
// surface whose prefix the path falls under, after its headers and auth
// (so an unknown path is not disclosed without a key), and the rest from
// the fallback.
func TestBuildAnswersUnroutedInItsSurfacesFamily(t *testing.T) {
	h, _ := buildTestHandler(t)
	for _, tc := range []struct {
		method, path, body, trace string
		status                    int
	}{
		{"GET", "/api/acme/nothing", "api 404: No resource at /api/acme/nothing", "headers,auth", 404},
		{"POST", "/api/acme/things", "api 405: Method POST is not supported on /api/acme/things", "headers,auth", 405},
		{"GET", "/console/users", "<!doctype html><title>404</title><p>No resource at /console/users</p>", "", 404},
		{"GET", "/_ctl/nothing", "control 404: No resource at /_ctl/nothing", "", 404},
		{"GET", "/consoled", "fallback 404: No resource at /consoled", "fallback-headers", 404},
		{"GET", "/", "fallback 404: No resource at /", "fallback-headers", 404},
	} {
		rec := serve(h, tc.method, tc.path)
		if rec.Code != tc.status || rec.Body.String() != tc.body {
			t.Errorf("%s %s = %d %q, want %d %q", tc.method, tc.path, rec.Code, rec.Body.String(), tc.status, tc.body)
		}
		if got := strings.Join(rec.Header().Values("X-Trace"), ","); got != tc.trace {
			t.Errorf("%s %s ran %q, want %q", tc.method, tc.path, got, tc.trace)
		}
	}
}

// TestBuildJournalsEveryRequest: routed or not, with the tenant auth named;
// unjournaled surfaces stay out.
func TestBuildJournalsEveryRequest(t *testing.T) {
	h, j := buildTestHandler(t)
	serve(h, "GET", "/api/acme/things")
	serve(h, "DELETE", "/api/acme/things")
	serve(h, "GET", "/nowhere")
	serve(h, "GET", "/_ctl/health")
	var got []string
	for _, e := range j.Entries(journal.Query{}) {
		got = append(got, fmt.Sprintf("%s %s %d %s", e.Method, e.Path, e.Status, e.Tenant))
	}
	want := "GET /api/acme/things 200 tenant-acme|DELETE /api/acme/things 405 tenant-acme|GET /nowhere 404 "
	if strings.Join(got, "|") != want {
		t.Fatalf("journal:\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
}

func TestBuildNeedsAFallback(t *testing.T) {
	_, err := Build(journal.New(journal.Options{}, nil), Layers{}, Surface{Name: "api", Prefix: "/api", Unrouted: family("api")})
	if err == nil {
		t.Fatal("built without a fallback surface")
	}
}

func TestBearerToken(t *testing.T) {
	for h, want := range map[string]string{"Bearer abc": "abc", "bearer  abc ": "abc", " BEARER abc": "abc", "Bearer": "", "Bearer ": "", "SSWS abc": "", "abc": ""} {
		got, ok := BearerToken(h)
		if got != want || ok != (want != "") {
			t.Errorf("BearerToken(%q) = %q, %v", h, got, ok)
		}
	}
}
