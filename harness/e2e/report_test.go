package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/provsim/provsim/harness"
	"github.com/provsim/provsim/internal/ui/browsertest"
)

// TestHTMLReportInABrowser runs the guide's scenario, writes its HTML
// report as `harness run --html` does, and opens the file: every step is
// listed with its status, each step's SCIM exchange is a sequence diagram
// Okta → Atlassian, and a request's body is one click away.
func TestHTMLReportInABrowser(t *testing.T) {
	res, err := harness.RunFile(context.Background(), filepath.Join("..", "..", "scenarios", "guide-end-to-end.yaml"), harness.RunOptions{Traffic: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed {
		t.Fatalf("the guide's scenario failed: %+v", res)
	}
	file := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := harness.WriteHTML(f, []*harness.Result{res}, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	b.Step("open the report", browsertest.Navigate("file://"+file), browsertest.WaitText("PASSED"))
	steps, err := chromedp.Run(b.Ctx, chromedp.Evaluate[int](`document.querySelectorAll("details.item.passed").length`))
	if err != nil || steps != len(res.Steps) {
		t.Errorf("the report shows %d passed steps (%v); the run had %d", steps, err, len(res.Steps))
	}
	diagrams, err := chromedp.Run(b.Ctx, chromedp.Evaluate[int](`document.querySelectorAll("details.item svg").length`))
	if err != nil || diagrams == 0 {
		t.Fatalf("no sequence diagrams (%v)", err)
	}
	// The first step that sent a SCIM request: unfold it, then its first
	// exchange; the request body is then on the page.
	b.Step("unfold the push of atlassian-test-jira-users",
		chromedp.Click(`//details[contains(@class,"item")][.//summary[contains(., "push group atlassian-test-jira-users")]]/summary`, chromedp.NodeVisible),
		chromedp.WaitVisible(`//details[contains(@class,"item")][@open]//*[local-name()="svg"]//*[local-name()="text"][contains(., "POST /Groups")]`))
	b.Step("click the POST /Groups exchange",
		chromedp.Click(`//details[contains(@class,"item")][@open]//ol[@class="ex"]//summary[contains(., "POST /Groups")]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`//details[contains(@class,"item")][@open]//ol[@class="ex"]//details[@open]//pre[contains(., "atlassian-test-jira-users")]`))
	body, err := chromedp.Run(b.Ctx, chromedp.Text(`//details[contains(@class,"item")][@open]//ol[@class="ex"]//details[@open]//pre[1]`))
	if err != nil || !strings.Contains(body, `"displayName": "atlassian-test-jira-users"`) {
		t.Errorf("the request body shown is %q (%v)", body, err)
	}
}
