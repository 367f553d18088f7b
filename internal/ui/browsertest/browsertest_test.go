package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A step that clicks a link and then a control that both pages have must
// click it on the page the link leads to, even when that page is slow to
// come or starts late: a Click that returned at once found "Next" on the
// page being left (the guide test's "Assign" after "Search" in CI).
func TestClickWaitsForTheNextPage(t *testing.T) {
	mux := http.NewServeMux()
	page := func(title, body string) string {
		return fmt.Sprintf("<!doctype html><h1>%s</h1>%s", title, body)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page("List", `<a href="/search">Search</a> <a href="/wrong">Next</a>
<details><summary>More</summary><p>Shown in place</p></details>`))
	})
	mux.HandleFunc("/search", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(700 * time.Millisecond)
		fmt.Fprint(w, page("Results", `<a href="/right">Next</a>`))
	})
	mux.HandleFunc("/form", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page("Form", `<form method="post" action="/posted"><button>Send</button></form><a href="/wrong">Next</a>`))
	})
	mux.HandleFunc("/posted", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(700 * time.Millisecond)
		http.Redirect(w, r, "/search", http.StatusSeeOther)
	})
	// The navigation starts a moment after the click, as it can when the
	// browser is busy: the page being left still shows its "Next".
	mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page("Late", `<a href="/search" onclick="setTimeout(() => location.assign('/search'), 300); return false">Search</a> <a href="/wrong">Next</a>`))
	})
	// The first three loads of /flaky fail, the connection closing without
	// an answer: chromium tries such a load three times by itself, then
	// shows its error page, as for a load a network change abandoned, and
	// Click must follow the link again (with two failures this step passed
	// without that code).
	var flakyLoads atomic.Int32
	mux.HandleFunc("/flaky", func(w http.ResponseWriter, r *http.Request) {
		if flakyLoads.Add(1) <= 3 {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		fmt.Fprint(w, page("right, after a retry", ""))
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page("Broken", `<a href="/flaky">Flaky</a><form method="post" action="/closes"><button>Post</button></form>`))
	})
	mux.HandleFunc("/closes", func(w http.ResponseWriter, r *http.Request) {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	})
	for _, p := range []string{"/right", "/wrong"} {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, page(p[1:], "")) })
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()

	b := New(t)
	b.Step("open the list", Navigate(srv.URL+"/"), WaitText("List"))
	b.Step("search, then Next", Click("Search"), Click("Next"), WaitText("right"))
	b.Step("open the form", Navigate(srv.URL+"/form"), WaitText("Form"))
	b.Step("send, then Next", Click("Send"), Click("Next"), WaitText("right"))
	b.Step("open a page whose links are late", Navigate(srv.URL+"/late"), WaitText("Late"))
	b.Step("search late, then Next", Click("Search"), Click("Next"), WaitText("right"))
	// A link whose load fails is followed again; a form is not sent twice.
	b.Step("open the broken page", Navigate(srv.URL+"/broken"), WaitText("Broken"))
	b.Step("a failed link is followed again", Click("Flaky"), WaitText("right, after a retry"))
	b.Step("open the broken page again", Navigate(srv.URL+"/broken"), WaitText("Broken"))
	ctx, cancel := context.WithTimeout(b.Ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, Click("Post")); err == nil || !strings.Contains(err.Error(), "submission failed") {
		t.Errorf("a form whose submission failed: %v; want an error saying so", err)
	}
	// A control that stays on the page does not wait for a new one.
	b.Step("a summary opens in place", Navigate(srv.URL+"/"), Click("More"), WaitText("Shown in place"))
}
