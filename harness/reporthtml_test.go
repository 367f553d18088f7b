package harness

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

const htmlScenario = `name: html report
seed: 5
atlassian: {domains: [example.com], sites: [{name: acme.atlassian.net, products: [jira-software]}]}
okta: {app: {template: atlassian}}
people:
  - {ref: ann, login: ann@example.com}
groups:
  - {name: atlassian-test-jira-users, members: [ann]}
steps:
  - pushGroup: {group: atlassian-test-jira-users}
  - assign: {group: atlassian-test-jira-users}
    expect:
      atlassian:
        accounts: [{user: ann, status: deactivated}]  # wrong: ann is active
  - unassign: {group: atlassian-test-jira-users}
`

// The HTML report has every step with its status, and the SCIM traffic
// of each step that sent some as a sequence diagram with the bodies; a
// failed step is unfolded, the steps after it skipped.
func TestHTMLReportDrawsEachStepsExchange(t *testing.T) {
	s, err := Parse("h.yaml", []byte(htmlScenario))
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunScenario(context.Background(), s, "h.yaml", []byte(htmlScenario), RunOptions{Traffic: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Passed || len(res.Steps) != 3 {
		t.Fatalf("want steps 1 passed, 2 failed, 3 skipped; got %+v", res.Steps)
	}
	if len(res.Steps[0].Traffic) == 0 || len(res.Steps[1].Traffic) == 0 {
		t.Fatalf("steps 1 and 2 sent SCIM requests, but kept none: %+v", res.Steps[:2])
	}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, []*Result{res}, ""); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		"<svg", "Okta (mockokta)", "Atlassian (mockatlassian)",
		"POST /Groups", "201 Created", // step 1's push
		"POST /Users",                          // step 2's create
		"push group atlassian-test-jira-users", // step names
		"h.yaml:", "Skipped: an earlier step failed", "0 passed, 1 failed",
		`<details class="item failed" open>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(page, `&#34;password&#34;: &#34;`) && !strings.Contains(page, `&#34;password&#34;: &#34;[redacted]`) {
		t.Error("the report shows a password Okta sent")
	}
	if strings.Contains(page, "<script") || strings.Contains(page, `src="http`) {
		t.Error("the report must be self-contained: no scripts, no external assets")
	}
}
