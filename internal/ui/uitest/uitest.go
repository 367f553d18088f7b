// Package uitest drives a console in handler tests: a Browser with a
// cookie jar that fills in the CSRF field of the forms it posts, and
// checks that every page's form fields are labelled.
package uitest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Browser is a cookie-keeping client of one console.
type Browser struct {
	t      testing.TB
	srv    *httptest.Server
	client *http.Client
	prefix string // the console's Config.Prefix ("/admin")
	// cookies is the console's Config.CookiePrefix: Post reads the CSRF
	// token from cookies+"_csrf".
	cookies string
}

// New serves h on a test server for the test's lifetime; prefix and
// cookiePrefix are the console's Config.Prefix and Config.CookiePrefix.
func New(t testing.TB, h http.Handler, prefix, cookiePrefix string) *Browser {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &Browser{t: t, srv: srv, client: &http.Client{Jar: jar}, prefix: strings.TrimRight(prefix, "/"), cookies: cookiePrefix}
}

// URL is the test server's base URL.
func (b *Browser) URL() string { return b.srv.URL }

// Client is the browser's HTTP client (its cookie jar included).
func (b *Browser) Client() *http.Client { return b.client }

// Page is a response as the browser got it, after redirects.
type Page struct {
	Status int
	URL    string // where the browser ended up (path and query)
	Body   string
	Header http.Header
	doc    *html.Node
}

// Get opens a path, following redirects.
func (b *Browser) Get(path string) *Page {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil)
}

// Post submits a form to a path as the console's own forms do, with the
// browser's CSRF token added (unless the form has one), following the
// redirect to the page it lands on.
func (b *Browser) Post(path string, form url.Values) *Page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("csrf") {
		if b.Cookie("_csrf") == "" {
			// A browser posts from a page it opened: open one.
			b.Get(b.prefix + "/signin")
		}
		form.Set("csrf", b.Cookie("_csrf"))
	}
	return b.do(http.MethodPost, path, form)
}

// PostRaw submits a form exactly as given (no CSRF token added).
func (b *Browser) PostRaw(path string, form url.Values, header http.Header) *Page {
	b.t.Helper()
	return b.send(http.MethodPost, path, form, header)
}

// Cookie is the value of the console's cookie named by its cookie prefix
// and suffix ("_csrf", "_session"), or "".
func (b *Browser) Cookie(suffix string) string {
	u, _ := url.Parse(b.srv.URL + b.prefix + "/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == b.cookies+suffix {
			return c.Value
		}
	}
	return ""
}

func (b *Browser) do(method, path string, form url.Values) *Page {
	b.t.Helper()
	return b.send(method, path, form, nil)
}

func (b *Browser) send(method, path string, form url.Values, header http.Header) *Page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return &Page{Status: resp.StatusCode, URL: resp.Request.URL.RequestURI(), Body: string(raw), Header: resp.Header}
}

// Doc is the page's parsed HTML.
func (p *Page) Doc() *html.Node {
	if p.doc == nil {
		doc, err := html.Parse(strings.NewReader(p.Body))
		if err != nil {
			doc = &html.Node{Type: html.DocumentNode}
		}
		p.doc = doc
	}
	return p.doc
}

// Text is the page's visible text, white space collapsed.
func (p *Page) Text() string {
	var sb strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style" || n.Data == "head") {
			return
		}
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
			sb.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(p.Doc())
	return strings.Join(strings.Fields(sb.String()), " ")
}

// Contains reports whether the visible text contains s.
func (p *Page) Contains(s string) bool { return strings.Contains(p.Text(), s) }

// Controls are the page's clickable words: link texts and button texts
// (what the guide tells a person to click).
func (p *Page) Controls() []string {
	var out []string
	for _, n := range Find(p.Doc(), func(n *html.Node) bool {
		return n.Data == "a" || n.Data == "button" || (n.Data == "input" && (Attr(n, "type") == "submit" || Attr(n, "type") == "button"))
	}) {
		t := strings.Join(strings.Fields(textOf(n)), " ")
		if n.Data == "input" {
			t = Attr(n, "value")
		}
		out = append(out, t)
	}
	return out
}

// HasControl reports whether a link or button reads exactly label.
func (p *Page) HasControl(label string) bool {
	for _, c := range p.Controls() {
		if c == label {
			return true
		}
	}
	return false
}

// Unlabelled lists the page's form fields without a label: every input
// (but hidden ones and buttons), select and textarea needs a
// <label for=its id>, or to sit inside a <label>.
func (p *Page) Unlabelled() []string {
	doc := p.Doc()
	labelled := map[string]bool{}
	for _, l := range Find(doc, func(n *html.Node) bool { return n.Data == "label" }) {
		if f := Attr(l, "for"); f != "" && strings.TrimSpace(textOf(l)) != "" {
			labelled[f] = true
		}
	}
	var missing []string
	for _, n := range Find(doc, func(n *html.Node) bool {
		switch n.Data {
		case "select", "textarea":
			return true
		case "input":
			switch Attr(n, "type") {
			case "hidden", "submit", "button", "reset", "image":
				return false
			}
			return true
		}
		return false
	}) {
		if id := Attr(n, "id"); id != "" && labelled[id] {
			continue
		}
		if inside(n, "label") {
			continue
		}
		missing = append(missing, n.Data+" name="+Attr(n, "name"))
	}
	return missing
}

// Find lists the element nodes under n that match.
func Find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// Attr is an element's attribute ("" when absent).
func Attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return sb.String()
}

func inside(n *html.Node, tag string) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == tag {
			return true
		}
	}
	return false
}
