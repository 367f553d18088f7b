package harness

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/provsim/provsim/harness/htmlreport"
	"github.com/provsim/provsim/internal/junit"
	"github.com/provsim/provsim/internal/ui"
)

// WriteText prints results for a person: each step with a tick or a cross
// and its time; for a failure, the expectation, what was found, and the
// SCIM exchange that led there.
func WriteText(w io.Writer, results []*Result) {
	passed := 0
	for _, r := range results {
		mark := "✓"
		if !r.Passed {
			mark = "✗"
		} else {
			passed++
		}
		fmt.Fprintf(w, "%s %s  (%s, %s)\n", mark, r.Name, r.File, ms(r.Duration))
		if r.Error != "" {
			fmt.Fprintf(w, "    ✗ %s\n", r.Error)
		}
		for _, s := range r.Steps {
			switch s.Status {
			case StepPassed:
				fmt.Fprintf(w, "    ✓ %d. %s  %s\n", s.Index, s.Name, ms(s.Duration))
			case StepSkipped:
				fmt.Fprintf(w, "    - %d. %s  (skipped)\n", s.Index, s.Name)
			default:
				fmt.Fprintf(w, "    ✗ %d. %s  %s\n", s.Index, s.Name, ms(s.Duration))
				for _, f := range s.Failures {
					loc := ""
					if l := failureLine(s, f); l > 0 {
						loc = fmt.Sprintf("%s:%d: ", r.File, l)
					}
					fmt.Fprintf(w, "        %s%s\n          expected: %s\n          found:    %s\n", loc, f.What, f.Expected, f.Found)
				}
				if len(s.Exchange) > 0 {
					fmt.Fprintf(w, "        SCIM exchange of this step:\n")
					for _, line := range s.Exchange {
						fmt.Fprintf(w, "          %s\n", strings.ReplaceAll(line, "\n", "\n          "))
					}
				}
			}
		}
		for _, c := range r.Cleanup {
			fmt.Fprintf(w, "    cleanup: %s\n", c)
		}
	}
	fmt.Fprintf(w, "\n%d passed, %d failed\n", passed, len(results)-passed)
}

// failureLine is where a failure points: its expectation's line, else
// its step's.
func failureLine(s StepResult, f Failure) int {
	if f.Line > 0 {
		return f.Line
	}
	return s.Line
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

// WriteJSON writes the results as JSON.
func WriteJSON(w io.Writer, results []*Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"results": results})
}

// WriteJUnit writes the results as JUnit XML: a testsuite per scenario, a
// testcase per step.
func WriteJUnit(w io.Writer, results []*Result) error {
	var out junit.Suites
	for _, r := range results {
		s := junit.Suite{Name: r.Name, File: r.File, Time: junit.Seconds(r.Duration)}
		if r.Error != "" {
			s.Add(junit.Case{Name: "setup", ClassName: r.Name, Failure: &junit.Message{Message: r.Error, Text: r.Error}})
		}
		for _, st := range r.Steps {
			c := junit.Case{Name: fmt.Sprintf("%d. %s", st.Index, st.Name), ClassName: r.Name, Time: junit.Seconds(st.Duration)}
			switch st.Status {
			case StepFailed:
				var b strings.Builder
				for _, f := range st.Failures {
					fmt.Fprintf(&b, "%s:%d: %s\n  expected: %s\n  found: %s\n", r.File, failureLine(st, f), f.What, f.Expected, f.Found)
				}
				for _, x := range st.Exchange {
					fmt.Fprintf(&b, "%s\n", x)
				}
				msg := "step failed"
				if len(st.Failures) > 0 {
					msg = st.Failures[0].What
				}
				c.Failure = &junit.Message{Message: msg, Text: b.String()}
			case StepSkipped:
				c.Skipped = &junit.Message{}
			}
			s.Add(c)
		}
		out.Suites = append(out.Suites, s)
	}
	return junit.Write(w, out)
}

// Participants of the sequence diagrams of WriteHTML.
const (
	htmlOkta      = "Okta (mockokta)"
	htmlAtlassian = "Atlassian (mockatlassian)"
)

// WriteHTML writes the results as one self-contained HTML page: a section
// per scenario, an item per step with its status and time, its failures,
// and its SCIM exchanges (kept with RunOptions.Traffic) drawn as a
// sequence diagram Okta → the SCIM server, each body one click away.
// scimServer names the receiving side; "" is mockatlassian.
func WriteHTML(w io.Writer, results []*Result, scimServer string) error {
	if scimServer == "" {
		scimServer = htmlAtlassian
	}
	passed, steps := 0, 0
	page := htmlreport.Report{Title: "provsim scenario run", Passed: true}
	for _, r := range results {
		if r.Passed {
			passed++
		} else {
			page.Passed = false
		}
		sec := htmlreport.Section{Title: fmt.Sprintf("%s %s", map[bool]string{true: "✓", false: "✗"}[r.Passed], r.Name),
			Notes: []string{fmt.Sprintf("%s · %s", r.File, ms(r.Duration))}}
		if r.Error != "" {
			sec.Items = append(sec.Items, htmlreport.Item{ID: "setup", Title: "setup", Status: htmlreport.Failed, Open: true,
				Failures: []htmlreport.Failure{{What: "setup", Expected: "the scenario's tenants and people to be created", Found: r.Error}}})
		}
		for _, st := range r.Steps {
			steps++
			it := htmlreport.Item{ID: fmt.Sprintf("%d.", st.Index), Title: st.Name, Status: htmlStepStatus[st.Status],
				Duration: st.Duration, Open: st.Status == StepFailed}
			if st.Line > 0 {
				it.Source = fmt.Sprintf("%s:%d", r.File, st.Line)
			}
			for _, f := range st.Failures {
				what := f.What
				if l := failureLine(st, f); l > 0 {
					what = fmt.Sprintf("%s (line %d)", what, l)
				}
				it.Failures = append(it.Failures, htmlreport.Failure{What: what, Expected: f.Expected, Found: f.Found})
			}
			switch {
			case st.Status == StepSkipped:
				it.Reason = "an earlier step failed"
			case len(st.Traffic) == 0 && len(st.Exchange) > 0:
				it.Notes = st.Exchange // a run without Traffic: the failure's text
			case len(st.Traffic) == 0:
				it.Notes = []string{"No SCIM requests were sent in this step."}
			}
			for _, x := range st.Traffic {
				it.Exchanges = append(it.Exchanges, htmlExchange(x, scimServer))
			}
			sec.Items = append(sec.Items, it)
		}
		for _, c := range r.Cleanup {
			sec.Notes = append(sec.Notes, "Cleanup: "+c)
		}
		page.Sections = append(page.Sections, sec)
	}
	page.Summary = fmt.Sprintf("%d passed, %d failed · %d steps", passed, len(results)-passed, steps)
	page.Subtitle = "Okta → " + scimServer + " · each step's SCIM exchange as a sequence diagram; click an arrow for its bodies"
	return htmlreport.Write(w, page)
}

var htmlStepStatus = map[string]htmlreport.Status{StepPassed: htmlreport.Passed, StepFailed: htmlreport.Failed, StepSkipped: htmlreport.Skipped}

// htmlExchange is one SCIM exchange as the report draws it.
func htmlExchange(x Exchange, to string) htmlreport.Exchange {
	answer := "no response"
	if x.Status != 0 {
		answer = fmt.Sprintf("%d %s", x.Status, http.StatusText(x.Status))
	}
	if x.Fault != "" {
		answer += " (fault " + x.Fault + ")"
	}
	latency := fmt.Sprintf(" · %.1f ms", x.DurationMS)
	return htmlreport.Exchange{From: htmlOkta, To: to, Request: x.Method + " " + x.Path, Response: answer,
		RequestText:  x.Method + " " + x.Path + "\n\n" + showBody(x.RequestBody),
		ResponseText: answer + latency + "\n\n" + showBody(x.ResponseBody),
		Failed:       x.Status == 0 || x.Status >= 400}
}

// showBody is a body as the consoles' Traffic view shows it: JSON
// indented, with secrets (the password Okta sends) redacted.
func showBody(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "(no body)"
	}
	return ui.ShowJSON(raw)
}
