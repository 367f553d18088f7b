package harness

import (
	"encoding/json"
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
	// Traffic is every SCIM exchange of the step, passed or not, when the
	// run was asked to keep them (RunOptions.Traffic).
	Traffic []Exchange `json:"traffic,omitempty"`
}

// Exchange is one SCIM request Okta's engine sent in a step and its answer,
// as mockokta's outbound journal recorded it (Authorization redacted).
type Exchange struct {
	Method       string          `json:"method"`
	Path         string          `json:"path"`   // relative to the SCIM base URL, with its query
	Status       int             `json:"status"` // 0: no answer
	DurationMS   float64         `json:"durationMs"`
	RequestBody  json.RawMessage `json:"requestBody,omitempty"`
	ResponseBody json.RawMessage `json:"responseBody,omitempty"`
	Fault        string          `json:"fault,omitempty"` // an injected fault that answered it
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
