package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/junit"
)

// Report is the outcome of a conformance run.
type Report struct {
	Target   string           `json:"target"` // the SCIM base URL
	Started  time.Time        `json:"started"`
	Duration time.Duration    `json:"durationNs"`
	Profiles []*ProfileResult `json:"profiles"`
	// Cleanup says what the run removed from the server, or left there.
	Cleanup []string `json:"cleanup,omitempty"`
}

// ProfileResult is one profile's checks.
type ProfileResult struct {
	Profile Profile  `json:"profile"`
	Title   string   `json:"title"`
	Source  string   `json:"source"` // where its checks come from
	Notes   []string `json:"notes,omitempty"`
	Checks  []*Check `json:"checks"`
}

// Status of a check.
type Status string

const (
	Passed  Status = "passed"
	Failed  Status = "failed"
	Skipped Status = "skipped" // a step it depends on did not give what it needs
	// Warned is a failed optional check: Okta marks the test optional, so
	// it does not fail the run.
	Warned Status = "warning"
)

// Check is one check: an Okta test step (or a few steps that belong
// together), or one Atlassian behaviour.
type Check struct {
	ID       string   `json:"id"`     // stable: "okta-spec/06", "atlassian/user-deactivation"
	Name     string   `json:"name"`   // Okta's own step text where there is one
	Source   string   `json:"source"` // the Okta test and step, or the docs/fidelity.md entry
	Optional bool     `json:"optional,omitempty"`
	Expect   string   `json:"expect"`   // what Okta (or Atlassian's clients) expect, and why
	Fidelity []string `json:"fidelity"` // docs/fidelity.md ids behind Expect
	Status   Status   `json:"status"`
	// Failures are the assertions that did not hold; Reason says why a
	// skipped check did not run.
	Failures  []Failure     `json:"failures,omitempty"`
	Reason    string        `json:"reason,omitempty"`
	Notes     []string      `json:"notes,omitempty"` // e.g. the tasks Okta opened
	Exchanges []Exchange    `json:"exchanges,omitempty"`
	Duration  time.Duration `json:"durationNs"`
}

// Failure is one assertion that did not hold.
type Failure struct {
	Assertion string `json:"assertion"`
	Expected  string `json:"expected"`
	Found     string `json:"found"`
}

// Passed reports whether every required check passed.
func (r *Report) Passed() bool {
	for _, p := range r.Profiles {
		for _, c := range p.Checks {
			if c.Status == Failed || c.Status == Skipped {
				return false
			}
		}
	}
	return true
}

// Counts tallies the checks by status.
func (r *Report) Counts() map[Status]int {
	n := map[Status]int{}
	for _, p := range r.Profiles {
		for _, c := range p.Checks {
			n[c.Status]++
		}
	}
	return n
}

// Check returns the check with that id, or nil.
func (r *Report) Check(id string) *Check {
	for _, p := range r.Profiles {
		for _, c := range p.Checks {
			if c.ID == id {
				return c
			}
		}
	}
	return nil
}

var marks = map[Status]string{Passed: "✓", Failed: "✗", Skipped: "-", Warned: "!"}

// WriteText prints the report for a person: every check with a mark; for
// each one that did not pass, what was asserted, what Okta expects and
// why, and the exact requests and responses.
func WriteText(w io.Writer, r *Report) {
	fmt.Fprintf(w, "SCIM conformance of %s\n", r.Target)
	for _, p := range r.Profiles {
		fmt.Fprintf(w, "\n%s (%s)\n", p.Title, p.Profile)
		for _, n := range p.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
		for _, c := range p.Checks {
			opt := ""
			if c.Optional {
				opt = " (optional)"
			}
			fmt.Fprintf(w, "  %s %s %s%s\n", marks[c.Status], c.ID, c.Name, opt)
			if c.Status == Passed {
				continue
			}
			writeCheckDetail(w, c, "      ")
		}
	}
	if len(r.Cleanup) > 0 {
		fmt.Fprintf(w, "\ncleanup:\n")
		for _, l := range r.Cleanup {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	n := r.Counts()
	verdict := "PASSED"
	if !r.Passed() {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "\n%s: %d passed, %d failed, %d skipped, %d warnings (%s)\n", verdict, n[Passed], n[Failed], n[Skipped], n[Warned], r.Duration.Round(time.Millisecond))
}

func writeCheckDetail(w io.Writer, c *Check, ind string) {
	fmt.Fprintf(w, "%sfrom: %s\n", ind, c.Source)
	if c.Reason != "" {
		fmt.Fprintf(w, "%sskipped: %s\n", ind, c.Reason)
	}
	for _, f := range c.Failures {
		fmt.Fprintf(w, "%s%s\n%s  expected: %s\n%s  found:    %s\n", ind, f.Assertion, ind, f.Expected, ind, f.Found)
	}
	why := c.Expect
	if len(c.Fidelity) > 0 {
		why += " (docs/fidelity.md: " + strings.Join(c.Fidelity, ", ") + ")"
	}
	fmt.Fprintf(w, "%swhy: %s\n", ind, wrap(why, ind+"     "))
	for _, n := range c.Notes {
		fmt.Fprintf(w, "%snote: %s\n", ind, n)
	}
	for i, e := range c.Exchanges {
		fmt.Fprintf(w, "%s[%d] %s -> %s: %s\n", ind, i+1, e.From, e.To, e.Summary())
		fmt.Fprintf(w, "%s", indent(e.RequestText(), ind+"    > "))
		fmt.Fprintf(w, "%s", indent(e.ResponseText(), ind+"    < "))
	}
}

func indent(s, prefix string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		b.WriteString(prefix + clipLine(line) + "\n")
	}
	return b.String()
}

func clipLine(s string) string {
	const max = 2000
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// wrap folds text at about 100 columns.
func wrap(s, prefix string) string {
	var b strings.Builder
	col := 0
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if col+len(word) > 100 {
				b.WriteString("\n" + prefix)
				col = 0
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}

// WriteJSON writes the report as JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteJUnit writes the report as JUnit XML: a testsuite per profile, a
// testcase per check, the details of a failure in its body.
func WriteJUnit(w io.Writer, r *Report) error {
	out := junit.Suites{Name: "SCIM conformance of " + r.Target}
	for _, p := range r.Profiles {
		s := junit.Suite{Name: p.Title + " (" + string(p.Profile) + ")"}
		var total time.Duration
		for _, c := range p.Checks {
			total += c.Duration
			jc := junit.Case{Name: c.ID + " " + c.Name, ClassName: "conformance." + string(p.Profile), Time: junit.Seconds(c.Duration)}
			var detail strings.Builder
			writeCheckDetail(&detail, c, "")
			switch c.Status {
			case Failed:
				jc.Failure = &junit.Message{Message: firstFailure(c), Text: detail.String()}
			case Skipped:
				jc.Skipped = &junit.Message{Message: c.Reason}
			case Warned:
				jc.SystemOut = "optional check failed (does not fail the run):\n" + detail.String()
			}
			s.Add(jc)
		}
		s.Time = junit.Seconds(total)
		out.Suites = append(out.Suites, s)
	}
	return junit.Write(w, out)
}

func firstFailure(c *Check) string {
	if len(c.Failures) == 0 {
		return c.Source
	}
	f := c.Failures[0]
	return fmt.Sprintf("%s: expected %s, found %s", f.Assertion, f.Expected, f.Found)
}
