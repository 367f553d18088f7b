package harness

import (
	"time"
)

// Result is the outcome of one scenario.
type Result struct {
	File     string        `json:"file"`
	Name     string        `json:"name"`
	Passed   bool          `json:"passed"`
	Duration time.Duration `json:"durationNs"`
	Error    string        `json:"error,omitempty"` // a failure outside any step (setup)
	Steps    []StepResult  `json:"steps"`
	// Cleanup says what a run against a SCIM target removed from it, or
	// left there (target.go).
	Cleanup []string `json:"cleanup,omitempty"`
	// People are the scenario's people, generated ones included, as
	// created (refs for expectations; `harness people` prints the same).
	People []Person `json:"people,omitempty"`
}

// StepResult is the outcome of one step.
type StepResult struct {
	Index    int           `json:"index"` // 1-based
	Name     string        `json:"name"`
	Line     int           `json:"line,omitempty"`
	Status   string        `json:"status"` // passed, failed, skipped
	Duration time.Duration `json:"durationNs"`
	Failures []Failure     `json:"failures,omitempty"`
	// Exchange is the SCIM traffic of a failed step, as "METHOD path ->
	// status" lines with bodies.
	Exchange []string `json:"exchange,omitempty"`
}

// Failure is one unmet expectation.
type Failure struct {
	What     string `json:"what"`
	Expected string `json:"expected"`
	Found    string `json:"found"`
	// Path is the expectation (or action) in the scenario, as a YAML path
	// ($.steps[3].expect.atlassian.accounts[0]); Line is its line in the
	// file (0: unknown, the step's line applies).
	Path string `json:"path,omitempty"`
	Line int    `json:"line,omitempty"`
}

// Step statuses.
const (
	StepPassed  = "passed"
	StepFailed  = "failed"
	StepSkipped = "skipped"
)
