package harness

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
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
			loc := ""
			if s.Line > 0 {
				loc = fmt.Sprintf("%s:%d: ", r.File, s.Line)
			}
			switch s.Status {
			case StepPassed:
				fmt.Fprintf(w, "    ✓ %d. %s  %s\n", s.Index, s.Name, ms(s.Duration))
			case StepSkipped:
				fmt.Fprintf(w, "    - %d. %s  (skipped)\n", s.Index, s.Name)
			default:
				fmt.Fprintf(w, "    ✗ %d. %s  %s\n", s.Index, s.Name, ms(s.Duration))
				for _, f := range s.Failures {
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

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

// WriteJSON writes the results as JSON.
func WriteJSON(w io.Writer, results []*Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"results": results})
}

// JUnit XML, as CI systems read it: a testsuite per scenario, a testcase
// per step.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	File     string      `xml:"file,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name    string        `xml:"name,attr"`
	Class   string        `xml:"classname,attr"`
	Time    string        `xml:"time,attr"`
	Failure *junitFailure `xml:"failure,omitempty"`
	Skipped *struct{}     `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the results as JUnit XML.
func WriteJUnit(w io.Writer, results []*Result) error {
	var out junitSuites
	for _, r := range results {
		s := junitSuite{Name: r.Name, File: r.File, Time: secs(r.Duration)}
		if r.Error != "" {
			s.Tests++
			s.Failures++
			s.Cases = append(s.Cases, junitCase{Name: "setup", Class: r.Name, Failure: &junitFailure{Message: r.Error, Text: r.Error}})
		}
		for _, st := range r.Steps {
			c := junitCase{Name: fmt.Sprintf("%d. %s", st.Index, st.Name), Class: r.Name, Time: secs(st.Duration)}
			s.Tests++
			switch st.Status {
			case StepFailed:
				s.Failures++
				var b strings.Builder
				for _, f := range st.Failures {
					fmt.Fprintf(&b, "%s:%d: %s\n  expected: %s\n  found: %s\n", r.File, st.Line, f.What, f.Expected, f.Found)
				}
				for _, x := range st.Exchange {
					fmt.Fprintf(&b, "%s\n", x)
				}
				msg := "step failed"
				if len(st.Failures) > 0 {
					msg = st.Failures[0].What
				}
				c.Failure = &junitFailure{Message: msg, Text: b.String()}
			case StepSkipped:
				s.Skipped++
				c.Skipped = &struct{}{}
			}
			s.Cases = append(s.Cases, c)
		}
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
