// Package browsertest drives the consoles in a real browser: Debian's
// chromium, headless, through chromedp. Steps are named after what a
// person does ("Sign in", "Suspend Ada"); after each, a screenshot is kept
// in memory, and when the test fails they are all written to an artifacts
// directory (never into the source tree), whose path the test log gives.
//
// Without chromium the tests skip, except where a browser is required:
// with PROVSIM_REQUIRE_BROWSER=1 (or CI set) they fail instead, so CI
// cannot pass without having run them.
package browsertest

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// StepTimeout bounds one step.
const StepTimeout = 20 * time.Second

// Browser is one headless chromium tab for one test.
type Browser struct {
	t     testing.TB
	Ctx   context.Context
	shots []shot
	step  int

	mu    sync.Mutex
	pages []string // every page the tab asked for, in order: see Pages
}

type shot struct {
	name string
	png  []byte
}

// Path finds chromium: $CHROMIUM, else chromium or chromium-browser on
// the PATH. "" when there is none.
func Path() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Required reports whether a missing browser fails the test rather than
// skipping it.
func Required() bool {
	return os.Getenv("PROVSIM_REQUIRE_BROWSER") == "1" || os.Getenv("CI") != ""
}

// missing skips the test for want of a tool, or fails it when a browser
// is required.
func missing(t testing.TB, msg string) {
	t.Helper()
	if Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Option adjusts New.
type Option func(*options)

type options struct {
	trustPEM []byte
}

// TrustCA makes the browser trust the certificate authorities in pemCerts
// (one or more PEM certificates, such as harness.Env.CA,
// containers.Environment.CA or the CA file `PROVSIM_TLS=1
// docker/compose.sh up` writes) as a person on Linux is told to trust a
// local authority: imported with NSS's certutil into the database in their
// home, $HOME/.pki/nssdb, which chromium reads. Here the home is a
// temporary one, so the host's own trust is left alone. certutil is in
// Debian's libnss3-tools; without it the test skips (fails where a browser
// is required). The browser still checks every certificate: one from
// another authority, or for another host, is refused.
func TrustCA(pemCerts []byte) Option {
	return func(o *options) { o.trustPEM = pemCerts }
}

// New starts a headless browser for the test; it is closed when the test
// ends, after the screenshots of a failed test are written.
func New(t testing.TB, opt ...Option) *Browser {
	t.Helper()
	var o options
	for _, f := range opt {
		f(&o)
	}
	path := Path()
	if path == "" {
		missing(t, "no chromium: install it (apt-get install -y chromium) or set $CHROMIUM")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		// Root in a container has no user namespace for the sandbox.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	)
	if o.trustPEM != nil {
		home, err := trustingHome(t, o.trustPEM)
		if err != nil {
			t.Fatalf("browsertest.TrustCA: %v", err)
		}
		opts = append(opts, chromedp.Env("HOME="+home))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(func(string, ...any) {}))
	b := &Browser{t: t, Ctx: ctx}
	t.Cleanup(func() {
		if t.Failed() {
			b.writeShots()
		}
		cancel()
		cancelAlloc()
	})
	// Start the browser now, so a broken install fails here, clearly.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	if err := chromedp.Listen(ctx, b.notePage); err != nil {
		t.Fatalf("listening to %s: %v", path, err)
	}
	return b
}

// notePage keeps the URL of each page (document) the tab asks for.
func (b *Browser) notePage(ev any) {
	if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Type == network.ResourceTypeDocument && e.Request != nil {
		b.mu.Lock()
		b.pages = append(b.pages, e.Request.URL)
		b.mu.Unlock()
	}
}

// Pages is the URL of every page the tab has asked for so far, in order:
// those navigated to, each hop of a redirect and each form sent (the SAML
// POST to the service provider's ACS among them).
func (b *Browser) Pages() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.pages)
}

// Cookies reads the cookies the browser would send to urls, with the flags
// (Secure, HttpOnly) that document.cookie does not show.
func Cookies(urls ...string) chromedp.Action[[]*network.Cookie] {
	return func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: urls})
		return res.Cookies, err
	}
}

// RequireSecure fails the test unless every page the tab has asked for is
// https and the browser holds each cookie named in names for url, Secure:
// what a sign-in over HTTPS must leave (a cookie without Secure would also
// go out in clear over http).
func (b *Browser) RequireSecure(url string, names ...string) {
	b.t.Helper()
	pages := b.Pages()
	if len(pages) == 0 {
		b.t.Fatal("RequireSecure: the tab has asked for no page")
	}
	for _, p := range pages {
		if !strings.HasPrefix(p, "https://") {
			b.t.Fatalf("the tab asked for %s, not over https (pages: %v)", p, pages)
		}
	}
	ctx, cancel := context.WithTimeout(b.Ctx, StepTimeout)
	defer cancel()
	cookies, err := chromedp.Run(ctx, Cookies(url))
	if err != nil {
		b.t.Fatalf("the cookies for %s: %v", url, err)
	}
	for _, name := range names {
		i := slices.IndexFunc(cookies, func(c *network.Cookie) bool { return c.Name == name })
		switch {
		case i < 0:
			b.t.Fatalf("no cookie %s for %s", name, url)
		case !cookies[i].Secure:
			b.t.Fatalf("the cookie %s for %s is not Secure", name, url)
		}
	}
}

// trustingHome makes a home directory whose NSS database trusts the
// authorities in pemCerts for websites ("C,,"): what `certutil -d
// sql:$HOME/.pki/nssdb -A -t "C,," -n NAME -i ca.pem` does for a person.
func trustingHome(t testing.TB, pemCerts []byte) (string, error) {
	t.Helper()
	certutil, err := exec.LookPath("certutil")
	if err != nil {
		missing(t, "no certutil to make the browser trust the CA: install it (apt-get install -y libnss3-tools)")
	}
	home := t.TempDir()
	db := filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(db, 0o700); err != nil {
		return "", err
	}
	run := func(args ...string) error {
		out, err := exec.Command(certutil, append([]string{"-d", "sql:" + db}, args...)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("certutil %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run("-N", "--empty-password"); err != nil {
		return "", err
	}
	n := 0
	for rest := pemCerts; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		n++
		file := filepath.Join(home, fmt.Sprintf("ca-%d.pem", n))
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			return "", err
		}
		if err := run("-A", "-t", "C,,", "-n", fmt.Sprintf("provsim CA %d", n), "-i", file); err != nil {
			return "", err
		}
	}
	if n == 0 {
		return "", errors.New("no PEM certificate to trust")
	}
	return home, nil
}

// Step runs one named step; on failure it takes a screenshot and fails
// the test.
func (b *Browser) Step(name string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.step++
	ctx, cancel := context.WithTimeout(b.Ctx, StepTimeout)
	defer cancel()
	err := chromedp.Do(ctx, actions...)
	b.keepShot(name)
	if err != nil {
		b.t.Fatalf("step %d %q: %v", b.step, name, err)
	}
}

// Shot returns a PNG of the page as it is now.
func (b *Browser) Shot() ([]byte, error) {
	ctx, cancel := context.WithTimeout(b.Ctx, StepTimeout)
	defer cancel()
	// Quality 100 is what makes chromium encode a PNG; below it, a JPEG.
	return chromedp.Run(ctx, chromedp.FullScreenshot(100))
}

func (b *Browser) keepShot(name string) {
	png, err := b.Shot()
	if err != nil {
		return
	}
	b.shots = append(b.shots, shot{fmt.Sprintf("%02d-%s", b.step, slug(name)), png})
}

// ArtifactsDir is where a failed test's screenshots go:
// $PROVSIM_ARTIFACTS/<test>, else a new directory under the system's
// temporary directory.
func ArtifactsDir(t testing.TB) (string, error) {
	if root := os.Getenv("PROVSIM_ARTIFACTS"); root != "" {
		dir := filepath.Join(root, slug(t.Name()))
		return dir, os.MkdirAll(dir, 0o755)
	}
	return os.MkdirTemp("", "provsim-"+slug(t.Name())+"-")
}

func (b *Browser) writeShots() {
	dir, err := ArtifactsDir(b.t)
	if err != nil {
		b.t.Logf("screenshots not written: %v", err)
		return
	}
	for _, s := range b.shots {
		if err := os.WriteFile(filepath.Join(dir, s.name+".png"), s.png, 0o644); err != nil {
			b.t.Logf("screenshot %s: %v", s.name, err)
		}
	}
	b.t.Logf("screenshots of each step: %s", dir)
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

func slug(s string) string { return strings.Trim(nonWord.ReplaceAllString(s, "-"), "-") }

// The actions below find things the way a person does: by the words on
// them.

// quote makes s an XPath string literal.
func quote(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return "concat('" + strings.ReplaceAll(s, "'", `', "'", '`) + "')"
}

// Control is the XPath of a link or button whose text is exactly text.
func Control(text string) string {
	q := quote(text)
	return "(//a[normalize-space()=" + q + "] | //button[normalize-space()=" + q + "] | //summary[normalize-space()=" + q + "])[1]"
}

// Field is the XPath of the form field whose <label> reads exactly label.
func Field(label string) string {
	return "//*[@id=//label[normalize-space()=" + quote(label) + "]/@for]"
}

// Click clicks the link or button that reads text. When that control
// leaves the page (a link to another page, a form's submit button), Click
// returns only once the next page has loaded: otherwise the step's next
// action can find its control on the page being left (the "Assign" of a
// group list before and after a search) and click it as that page goes.
func Click(text string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		xpath := Control(text)
		if _, err := chromedp.WaitVisible(xpath)(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		leaves, err := chromedp.Evaluate[string](markLeaving(xpath))(ctx, t)
		if err != nil {
			return chromedp.Void{}, err
		}
		if _, err := chromedp.Click(xpath, chromedp.NodeVisible)(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		if leaves == "" {
			return chromedp.Void{}, nil
		}
		if _, err := waitNextPage(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		// The next page can be chromium's error page: a network change
		// (Docker adding a container's interface) aborts the navigation
		// under way. A link is followed again, as a person reloads; a form
		// is not sent twice.
		failed, err := chromedp.Evaluate[bool](`location.protocol === "chrome-error:"`)(ctx, t)
		if err != nil || !failed {
			return chromedp.Void{}, err
		}
		if leaves == formSubmit {
			return chromedp.Void{}, fmt.Errorf("clicking %q: the form's submission failed (chromium shows its error page)", text)
		}
		return Navigate(leaves)(ctx, t)
	}
}

// formSubmit is what markLeaving answers for a form's submit button; for a
// link it answers the link's absolute URL.
const formSubmit = "form"

// Navigate opens url, as chromedp.Navigate does, and opens it again when
// chromium abandons the load because the machine's network changed
// (net::ERR_NETWORK_CHANGED: Docker adds and removes container interfaces
// while other tests run).
func Navigate(url string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		for attempt := 1; ; attempt++ {
			_, err := chromedp.Navigate(url)(ctx, t)
			if err == nil || !strings.Contains(err.Error(), "ERR_NETWORK_CHANGED") || attempt == 5 {
				return chromedp.Void{}, err
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}

// markLeaving is the script that says whether the control at xpath leaves
// the page ("" when it stays, formSubmit, or a link's absolute URL) and,
// when it does, marks the page being left: the next page is a new window,
// without the mark.
func markLeaving(xpath string) string {
	return `(() => {
	const n = document.evaluate(` + strconv.Quote(xpath) + `, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
	if (!n) return "";
	let leaves = "";
	if (n.tagName === "A") {
		const href = n.getAttribute("href");
		if (href && !href.startsWith("#") && !n.target && !n.hasAttribute("download")) leaves = n.href;
	} else if (n.tagName === "BUTTON" && n.type === "submit" && n.form) {
		leaves = ` + strconv.Quote(formSubmit) + `;
	}
	if (leaves) window.__provsimLeaving = true;
	return leaves;
})()`
}

// waitNextPage waits until the marked page is gone and the next one has
// loaded. While the page changes, evaluating can fail; it is retried until
// the step's deadline.
func waitNextPage(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
	for {
		loaded, err := chromedp.Evaluate[bool](`window.__provsimLeaving !== true && document.readyState === "complete"`)(ctx, t)
		if err == nil && loaded {
			return chromedp.Void{}, nil
		}
		select {
		case <-ctx.Done():
			return chromedp.Void{}, fmt.Errorf("waiting for the next page: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// ClickLabel clicks a field's label: ticks a checkbox, picks a radio.
func ClickLabel(label string) chromedp.Action[chromedp.Void] {
	return chromedp.Click("//label[normalize-space()="+quote(label)+"]", chromedp.NodeVisible)
}

// Fill replaces the value of the field labelled label.
func Fill(label, value string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.Clear(Field(label))(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.SendKeys(Field(label), value)(ctx, t)
	}
}

// Choose selects an option of the select labelled label, by its value.
func Choose(label, value string) chromedp.Action[chromedp.Void] {
	return chromedp.SetValue(Field(label), value)
}

// WaitText waits until text is visible on the page.
func WaitText(text string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible("//*[contains(normalize-space(text()), " + quote(text) + ")]")
}

// Tick ticks the checkbox labelled label, as a person clicks its label,
// unless it is ticked already (Okta's Enable options start either way).
func Tick(label string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		on, err := chromedp.Evaluate[bool]("!!document.evaluate("+strconv.Quote(Field(label))+
			", document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue?.checked")(ctx, t)
		if err != nil || on {
			return chromedp.Void{}, err
		}
		return ClickLabel(label)(ctx, t)
	}
}

// Value reads the value of the field labelled label.
func Value(label string) chromedp.Action[string] {
	return chromedp.Value(Field(label))
}
