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
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

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

// New starts a headless browser for the test; it is closed when the test
// ends, after the screenshots of a failed test are written.
func New(t testing.TB) *Browser {
	t.Helper()
	path := Path()
	if path == "" {
		msg := "no chromium: install it (apt-get install -y chromium) or set $CHROMIUM"
		if Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
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
	return b
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
		leaves, err := chromedp.Evaluate[bool](markLeaving(xpath))(ctx, t)
		if err != nil {
			return chromedp.Void{}, err
		}
		if _, err := chromedp.Click(xpath, chromedp.NodeVisible)(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		if !leaves {
			return chromedp.Void{}, nil
		}
		return waitNextPage(ctx, t)
	}
}

// markLeaving is the script that says whether the control at xpath leaves
// the page and, when it does, marks the page being left: the next page is
// a new window, without the mark.
func markLeaving(xpath string) string {
	return `(() => {
	const n = document.evaluate(` + strconv.Quote(xpath) + `, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
	if (!n) return false;
	let leaves = false;
	if (n.tagName === "A") {
		const href = n.getAttribute("href");
		leaves = !!href && !href.startsWith("#") && !n.target && !n.hasAttribute("download");
	} else if (n.tagName === "BUTTON") {
		leaves = n.type === "submit" && !!n.form;
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
