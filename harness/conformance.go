package harness

import (
	"fmt"
	"io"
	"strings"

	"github.com/provsim/provsim/harness/htmlreport"
	"github.com/provsim/provsim/mockokta/conformance"
)

// WriteConformanceHTML writes a conformance report as a self-contained HTML
// page: each check with its Okta step or fidelity entry, what failed, why
// Okta expects it, and its exchanges as a sequence diagram (unfolded for
// the checks that did not pass).
func WriteConformanceHTML(w io.Writer, rep *conformance.Report) error {
	n := rep.Counts()
	page := htmlreport.Report{
		Title:    "SCIM conformance",
		Subtitle: fmt.Sprintf("%s · %s", rep.Target, rep.Started.Format("2006-01-02 15:04:05 MST")),
		Passed:   rep.Passed(),
		Summary: fmt.Sprintf("%d passed, %d failed, %d skipped, %d warnings", n[conformance.Passed], n[conformance.Failed],
			n[conformance.Skipped], n[conformance.Warned]),
		Footer: rep.Cleanup,
	}
	for _, p := range rep.Profiles {
		sec := htmlreport.Section{Title: fmt.Sprintf("%s (%s)", p.Title, p.Profile), Notes: append([]string{"From " + p.Source + "."}, p.Notes...)}
		for _, c := range p.Checks {
			it := htmlreport.Item{ID: c.ID, Title: c.Name, Status: htmlStatus[c.Status], Source: c.Source, Reason: c.Reason,
				Notes: c.Notes, Duration: c.Duration, Open: c.Status != conformance.Passed}
			if c.Optional {
				it.Title += " (optional)"
			}
			it.Why = c.Expect
			if len(c.Fidelity) > 0 {
				it.Why += " (docs/fidelity.md: " + strings.Join(c.Fidelity, ", ") + ")"
			}
			for _, f := range c.Failures {
				it.Failures = append(it.Failures, htmlreport.Failure{What: f.Assertion, Expected: f.Expected, Found: f.Found})
			}
			for _, e := range c.Exchanges {
				_, rest, _ := strings.Cut(e.Summary(), " ")
				path, status, _ := strings.Cut(rest, " -> ")
				if rel, ok := strings.CutPrefix(e.URL, rep.Target); ok {
					path = rel // the diagram names SCIM paths from the base URL
				}
				it.Exchanges = append(it.Exchanges, htmlreport.Exchange{From: e.From, To: e.To, Request: e.Method + " " + path, Response: status,
					RequestText: e.RequestText(), ResponseText: e.ResponseText(), Failed: e.Status == 0 || e.Status >= 500})
			}
			sec.Items = append(sec.Items, it)
		}
		page.Sections = append(page.Sections, sec)
	}
	return htmlreport.Write(w, page)
}

var htmlStatus = map[conformance.Status]htmlreport.Status{conformance.Passed: htmlreport.Passed, conformance.Failed: htmlreport.Failed,
	conformance.Skipped: htmlreport.Skipped, conformance.Warned: htmlreport.Warning}
