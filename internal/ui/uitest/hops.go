package uitest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Hops is a cookie-keeping client that does not follow redirects, so a
// test can check each hop of a sign-in (log-in page, IdP, ACS, site) as a
// browser makes it. Paths starting with "/" are on the test server.
type Hops struct {
	t      testing.TB
	Base   string
	Client *http.Client
}

// NewHops serves h on a test server for the test's lifetime.
func NewHops(t testing.TB, h http.Handler) *Hops {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &Hops{t: t, Base: srv.URL, Client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Get opens u and answers the status, the Location header and the body.
func (h *Hops) Get(u string) (status int, location, body string) {
	h.t.Helper()
	return h.answer(h.Client.Get(h.url(u)))
}

// PostForm posts form to u, as a browser submits a form.
func (h *Hops) PostForm(u string, form url.Values) (status int, location, body string) {
	h.t.Helper()
	return h.answer(h.Client.PostForm(h.url(u), form))
}

func (h *Hops) url(u string) string {
	if strings.HasPrefix(u, "/") {
		return h.Base + u
	}
	return u
}

func (h *Hops) answer(res *http.Response, err error) (int, string, string) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Location"), string(raw)
}
