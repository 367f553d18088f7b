package harness

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/junit"
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
