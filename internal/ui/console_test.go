package ui_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/internal/ui/uitest"
)

// pages of a small console that uses every helper of the kit.
var testPages = fstest.MapFS{
	"home.html": {Data: []byte(`{{define "content"}}
<form method="post" action="{{url "/things"}}">{{template "csrf" $}}
{{template "field" (field "Name" "name" "")}}
{{template "field" ((field "Secret" "secret" "").As "password")}}
{{template "field" (choice "Colour" "colour" "b" (options "a" "Amber" "b" "Blue"))}}
{{template "field" (check "Shiny" "shiny" true)}}
{{template "field" ((choice "Keep" "keep" "yes" (options "yes" "Keep it" "no" "Drop it")).As "radio")}}
<button type="submit">Save</button></form>
{{template "post" ((post $ "Delete" "/things/1/delete").With "why" "old")}}
{{end}}`)},
	"list.html": {Data: []byte(`{{define "content"}}{{template "search" (field "Search" "q" .Data.Q)}}
<ul>{{range .Data.Rows}}<li>{{.}}</li>{{end}}</ul>{{template "pager" .Data.Pager}}{{end}}`)},
	"broken.html": {Data: []byte(`{{define "content"}}{{.Data.NoSuchField}}{{end}}`)},
}

type listData struct {
	Q     string
	Rows  []string
	Pager ui.Pager
}

type fixture struct {
	console *ui.Console
	journal *journal.Journal
	handler http.Handler
	saved   []string
}

func newFixture(t *testing.T, token string) *fixture {
	t.Helper()
	f := &fixture{journal: journal.New(journal.Options{}, clock.System{})}
	c, err := ui.New(ui.Config{Product: "Test Console", Prefix: "/admin", CookiePrefix: "testsim", ControlToken: token, Logger: slog.New(slog.DiscardHandler),
		Pages: testPages,
		Nav: []ui.NavItem{{Label: "Home", Path: "/"}, {Label: "Directory", Children: []ui.NavItem{{Label: "Things", Path: "/things"}}},
			{Label: "Traffic", Path: ui.TrafficPath}},
		Tenants: func() []ui.Tenant { return []ui.Tenant{{ID: "t1", Name: "First"}, {ID: "t2", Name: "Second"}} },
		Traffic: &ui.Traffic{Journal: f.journal, Section: "Traffic",
			Scope: func(r *http.Request) func(journal.Entry) bool {
				return func(e journal.Entry) bool { return strings.Contains(e.Path, "/scim/") }
			},
			Directories: func(*http.Request) []ui.Option {
				return []ui.Option{{Value: "/scim/directory/d1/", Label: "Okta users"}}
			}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.console = c
	surface := c.Surface("test console", func(r *mux.Router) {
		r.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			c.Render(w, r, http.StatusOK, "home.html", ui.Page{Title: "Home", Section: "Home"})
		}).Methods(http.MethodGet)
		r.HandleFunc("/things", func(w http.ResponseWriter, r *http.Request) {
			rows := make([]string, 10000)
			for i := range rows {
				rows[i] = fmt.Sprintf("thing %05d", i)
			}
			if q := ui.Search(r); q != "" {
				var hits []string
				for _, row := range rows {
					if strings.Contains(row, q) {
						hits = append(hits, row)
					}
				}
				rows = hits
			}
			p, err := ui.Paging(r, len(rows), 0)
			if err != nil {
				c.FailErr(w, r, http.StatusBadRequest, err)
				return
			}
			c.Render(w, r, http.StatusOK, "list.html", ui.Page{Title: "Things", Section: "Things",
				Data: listData{Q: ui.Search(r), Rows: ui.Slice(p, rows), Pager: p}})
		}).Methods(http.MethodGet)
		r.HandleFunc("/things", func(w http.ResponseWriter, r *http.Request) {
			name := strings.TrimSpace(r.PostFormValue("name"))
			if name == "" {
				c.Fail(w, r, http.StatusBadRequest, ui.Problem{Title: "Thing not saved", Summary: "Api validation failed: name",
					Code: "E0000001", Causes: []string{"name: The field cannot be left blank"}, Back: "/"})
				return
			}
			f.saved = append(f.saved, name)
			c.Redirect(w, r, "/things", ui.Success("Saved "+name+"."))
		}).Methods(http.MethodPost)
		r.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) {
			c.Render(w, r, http.StatusOK, "broken.html", ui.Page{Title: "Broken", Data: 42})
		})
		r.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	})
	h, err := httpx.Build(f.journal, httpx.Layers{}, surface,
		httpx.Surface{Name: "fallback", Unrouted: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
			http.Error(w, msg, status)
		}})
	if err != nil {
		t.Fatal(err)
	}
	f.handler = h
	return f
}

func TestPagesHaveTheLayoutAndLabelledFields(t *testing.T) {
	f := newFixture(t, "")
	b := uitest.New(t, f.handler, "/admin", "testsim")
	p := b.Get("/admin/")
	if p.Status != http.StatusOK {
		t.Fatalf("home: %d %s", p.Status, p.Body)
	}
	for _, want := range []string{"Test Console", "Home", "Directory", "Things", "Traffic", "Save", "Delete", "Switch"} {
		if !p.HasControl(want) && !p.Contains(want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if missing := p.Unlabelled(); len(missing) > 0 {
		t.Errorf("fields without a label: %v", missing)
	}
	if !strings.Contains(p.Body, `name="why" value="old"`) || !strings.Contains(p.Body, `id="f-keep-1"`) {
		t.Errorf("button's hidden field or radio choices missing:\n%s", p.Body)
	}
	if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	if css := b.Get("/admin/static/console.css"); css.Status != http.StatusOK || !strings.Contains(css.Body, "nav.side") {
		t.Errorf("stylesheet: %d", css.Status)
	}
}

func TestFormsPostWithCSRFAndFlash(t *testing.T) {
	f := newFixture(t, "")
	b := uitest.New(t, f.handler, "/admin", "testsim")
	b.Get("/admin/")
	p := b.Post("/admin/things", url.Values{"name": {"lamp"}})
	if p.Status != http.StatusOK || !strings.HasPrefix(p.URL, "/admin/things") || !p.Contains("Saved lamp.") {
		t.Fatalf("after post: %d %s %q", p.Status, p.URL, p.Text())
	}
	if again := b.Get("/admin/things"); again.Contains("Saved lamp.") {
		t.Error("the flash was shown twice")
	}
	if len(f.saved) != 1 {
		t.Fatalf("saved %v", f.saved)
	}

	// Bad input: a readable page with the real system's message.
	bad := b.Post("/admin/things", url.Values{"name": {"  "}})
	if bad.Status != http.StatusBadRequest || !bad.Contains("Api validation failed: name") || !bad.Contains("E0000001") ||
		!bad.Contains("name: The field cannot be left blank") || !bad.HasControl("Go back") {
		t.Errorf("bad input page: %d %q", bad.Status, bad.Text())
	}

	// CSRF: no token, a wrong token, a cross-site browser request.
	for name, tc := range map[string]struct {
		form   url.Values
		header http.Header
	}{
		"no token":    {url.Values{"name": {"x"}}, nil},
		"wrong token": {url.Values{"name": {"x"}, "csrf": {strings.Repeat("a", 43)}}, nil},
		"cross site":  {url.Values{"name": {"x"}, "csrf": {b.Cookie("_csrf")}}, http.Header{"Sec-Fetch-Site": {"cross-site"}}},
	} {
		p := b.PostRaw("/admin/things", tc.form, tc.header)
		if p.Status != http.StatusForbidden || !p.Contains("Request refused") {
			t.Errorf("%s: %d %q", name, p.Status, p.Text())
		}
	}
	if len(f.saved) != 1 {
		t.Fatalf("a refused form changed state: %v", f.saved)
	}
}

func TestErrorsArePages(t *testing.T) {
	f := newFixture(t, "")
	b := uitest.New(t, f.handler, "/admin", "testsim")
	for path, want := range map[string]struct {
		status int
		text   string
	}{
		"/admin/nowhere":               {404, "There is no page at /admin/nowhere."},
		"/admin/broken":                {500, "The console could not show this page."},
		"/admin/panic":                 {500, "The console could not show this page."},
		"/admin/things?page=x":         {400, `Page "x" is not a page number`},
		"/admin/traffic?status=teapot": {400, `Status "teapot"`},
	} {
		p := b.Get(path)
		if p.Status != want.status || !p.Contains(want.text) || !strings.Contains(p.Body, "<nav class=\"side\"") {
			t.Errorf("%s: %d %q", path, p.Status, p.Text())
		}
		if strings.Contains(p.Body, "goroutine") || strings.Contains(p.Body, "NoSuchField") {
			t.Errorf("%s: shows internals: %s", path, p.Body)
		}
	}
	if p := b.PostRaw("/admin/", url.Values{"csrf": {b.Cookie("_csrf")}}, nil); p.Status != http.StatusMethodNotAllowed || !p.Contains("POST is not allowed") {
		t.Errorf("405: %d %q", p.Status, p.Text())
	}
}

func TestPaging(t *testing.T) {
	f := newFixture(t, "")
	b := uitest.New(t, f.handler, "/admin", "testsim")
	p := b.Get("/admin/things?page=3")
	if !p.Contains("thing 00100") || p.Contains("thing 00150") || !p.Contains("Showing 101–150 of 10,000") || !p.Contains("Page 3 of 200") {
		t.Fatalf("page 3: %q", p.Text()[:300])
	}
	if !strings.Contains(p.Body, `href="/admin/things?page=4"`) || !strings.Contains(p.Body, `href="/admin/things?page=2"`) {
		t.Errorf("links: %s", p.Body)
	}
	q := b.Get("/admin/things?q=0999&page=99")
	if !q.Contains("Showing 1–11 of 11") || !q.Contains("Page 1 of 1") {
		t.Errorf("search past the end: %q", q.Text())
	}
	if missing := q.Unlabelled(); len(missing) > 0 {
		t.Errorf("unlabelled: %v", missing)
	}
}

func TestSignInWithTheControlToken(t *testing.T) {
	f := newFixture(t, "s3cret-token")
	b := uitest.New(t, f.handler, "/admin", "testsim")
	p := b.Get("/admin/things?page=2")
	if !strings.HasPrefix(p.URL, "/admin/signin") || !p.Contains("Control token") || p.Contains("Directory") {
		t.Fatalf("not sent to sign-in: %s %q", p.URL, p.Text())
	}
	if missing := p.Unlabelled(); len(missing) > 0 {
		t.Errorf("unlabelled: %v", missing)
	}
	if post := b.Post("/admin/things", url.Values{"name": {"x"}}); post.Status != http.StatusUnauthorized || len(f.saved) != 0 {
		t.Errorf("post before sign-in: %d", post.Status)
	}
	wrong := b.Post("/admin/signin", url.Values{"token": {"guess"}, "next": {"/admin/things?page=2"}})
	if wrong.Status != http.StatusUnauthorized || !wrong.Contains("That is not the control token") {
		t.Fatalf("wrong token: %d %q", wrong.Status, wrong.Text())
	}
	ok := b.Post("/admin/signin", url.Values{"token": {"s3cret-token"}, "next": {"/admin/things?page=2"}})
	if ok.Status != http.StatusOK || ok.URL != "/admin/things?page=2" || !ok.Contains("thing 00050") || !ok.HasControl("Sign out") {
		t.Fatalf("after sign-in: %d %s %q", ok.Status, ok.URL, ok.Text())
	}
	if strings.Contains(b.Cookie("_session"), "s3cret") {
		t.Error("the session cookie holds the token")
	}
	// A next that leaves the console is ignored.
	b2 := uitest.New(t, f.handler, "/admin", "testsim")
	b2.Get("/admin/signin")
	if p := b2.Post("/admin/signin", url.Values{"token": {"s3cret-token"}, "next": {"//evil.example/"}}); p.URL != "/admin/" {
		t.Errorf("next left the console: %s", p.URL)
	}
	// Scripts may send the token as a bearer token.
	req, _ := http.NewRequest(http.MethodGet, b.URL()+"/admin/things", nil)
	req.Header.Set("Authorization", "Bearer s3cret-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("bearer: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	out := b.Post("/admin/signout", nil)
	if !strings.HasPrefix(out.URL, "/admin/signin") {
		t.Errorf("after sign-out: %s", out.URL)
	}
	if p := b.Get("/admin/"); !strings.HasPrefix(p.URL, "/admin/signin") {
		t.Errorf("still signed in after sign-out: %s", p.URL)
	}
}

func TestTenantSwitch(t *testing.T) {
	f := newFixture(t, "")
	b := uitest.New(t, f.handler, "/admin", "testsim")
	b.Get("/admin/")
	p := b.Post("/admin/tenant", url.Values{"tenant": {"t2"}})
	if !p.Contains("Now showing Second.") || !strings.Contains(p.Body, `<option value="t2" selected>`) {
		t.Fatalf("switch: %q", p.Text())
	}
	if bad := b.Post("/admin/tenant", url.Values{"tenant": {"nope"}}); bad.Status != http.StatusBadRequest || !bad.Contains("There is no tenant with id nope.") {
		t.Errorf("bad tenant: %d %q", bad.Status, bad.Text())
	}
}

func TestTrafficFiltersAndRedacts(t *testing.T) {
	f := newFixture(t, "")
	f.journal.Append(journal.Entry{Method: "POST", Path: "http://atl/scim/directory/d1/Users", Status: 201,
		RequestBody:  json.RawMessage(`{"userName":"ada@example.com","password":"Hunter2!x","active":true}`),
		ResponseBody: json.RawMessage(`{"id":"u-1","userName":"ada@example.com"}`)})
	f.journal.Append(journal.Entry{Method: "PATCH", Path: "http://atl/scim/directory/d1/Groups/g-1", Status: 204,
		RequestBody: json.RawMessage(`{"Operations":[{"op":"add","path":"members","value":[{"value":"u-1"}]}],"displayName":"jira-users"}`)})
	f.journal.Append(journal.Entry{Method: "GET", Path: "http://atl/scim/directory/d2/Users", Status: 409})
	f.journal.Append(journal.Entry{Method: "GET", Path: "/api/v1/users", Status: 200}) // not SCIM: out of scope
	b := uitest.New(t, f.handler, "/admin", "testsim")
	all := b.Get("/admin/traffic")
	if n := strings.Count(all.Body, "<tr data-seq"); n != 3 {
		t.Fatalf("rows = %d, want 3:\n%s", n, all.Body)
	}
	if strings.Contains(all.Body, "Hunter2") || !strings.Contains(all.Body, `&#34;password&#34;: &#34;[redacted]&#34;`) {
		t.Error("password not redacted")
	}
	if missing := all.Unlabelled(); len(missing) > 0 {
		t.Errorf("unlabelled: %v", missing)
	}
	for q, want := range map[string]int{
		"directory=%2Fscim%2Fdirectory%2Fd1%2F": 2,
		"user=ADA@example.com":                  1,
		"user=u-1":                              2,
		"group=jira-users":                      1,
		"status=4xx":                            1,
		"status=failed":                         1,
		"status=201":                            1,
		"before=2":                              1,
	} {
		p := b.Get("/admin/traffic?" + q)
		if n := strings.Count(p.Body, "<tr data-seq"); n != want {
			t.Errorf("%s: %d rows, want %d", q, n, want)
		}
	}
}

// TestTrafficStreamsNewExchanges reads the event stream as a browser's
// EventSource does.
func TestTrafficStreamsNewExchanges(t *testing.T) {
	f := newFixture(t, "tok")
	b := uitest.New(t, f.handler, "/admin", "testsim")
	f.journal.Append(journal.Entry{Method: "GET", Path: "http://atl/scim/directory/d1/Users", Status: 200})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.URL()+"/admin/traffic/events?after=1&status=2xx", nil)
	resp, err := b.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		// Not signed in: the stream needs the session like every page.
		resp.Body.Close()
		b.Get("/admin/signin")
		b.Post("/admin/signin", url.Values{"token": {"tok"}})
		resp, err = b.Client().Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("stream: %v %v", err, resp)
		}
	}
	defer resp.Body.Close()
	go func() {
		time.Sleep(50 * time.Millisecond)
		f.journal.Append(journal.Entry{Method: "DELETE", Path: "http://atl/scim/directory/d1/Users/u-9", Status: 500})
		f.journal.Append(journal.Entry{Method: "PUT", Path: "http://atl/scim/directory/d1/Users/u-2", Status: 200,
			RequestBody: json.RawMessage(`{"userName":"bob@example.com","password":"x"}`)})
	}()
	sc := bufio.NewScanner(resp.Body)
	var event strings.Builder
	for sc.Scan() {
		line := sc.Text()
		if line == "" && strings.Contains(event.String(), "event: exchange") {
			break
		}
		event.WriteString(line + "\n")
	}
	got := event.String()
	if !strings.Contains(got, "id: 3\nevent: exchange\ndata: <tr data-seq=\"3\">") || !strings.Contains(got, "/Users/u-2") {
		t.Fatalf("event:\n%s", got)
	}
	if strings.Contains(got, "u-9") {
		t.Error("the 500 passed the 2xx filter")
	}
	if strings.Contains(got, `\"x\"`) || !strings.Contains(got, "[redacted]") {
		t.Errorf("not redacted:\n%s", got)
	}
}

func TestPublicURLAndConfigChecks(t *testing.T) {
	if _, err := ui.New(ui.Config{Prefix: "/", CookiePrefix: "x"}); err == nil {
		t.Error("prefix / accepted")
	}
	if _, err := ui.New(ui.Config{Prefix: "/admin"}); err == nil {
		t.Error("no cookie prefix accepted")
	}
	for _, bad := range []string{"127.0.0.1:8080", "ftp://x", "http://x/?a=1", "http://"} {
		if _, err := ui.ParsePublicURL(bad); err == nil {
			t.Errorf("public URL %q accepted", bad)
		}
	}
	c, err := ui.New(ui.Config{Prefix: "/admin", CookiePrefix: "x", PublicURL: "http://127.0.0.1:9999/"})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodGet, "http://[::]:8080/admin/", nil)
	if got := c.BaseURL(r); got != "http://127.0.0.1:9999" {
		t.Errorf("BaseURL = %q", got)
	}
}
