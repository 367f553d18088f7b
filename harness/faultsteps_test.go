package harness

import (
	"strings"
	"testing"
)

// The fault, clearFaults and retryTask steps: parsing, light validation
// and report names. scenarios/atlassian-throttles.yaml runs them.

func TestFaultStepsParse(t *testing.T) {
	src := `name: faults
steps:
  - fault: {method: PATCH, path: "/Groups/*", status: 429, retryAfter: 7, times: 2}
  - fault: {method: PATCH, path: /Users, bodyField: active, bodyValue: false, drop: true, after: true}
  - fault: {latency: 250ms}
  - fault: {hang: 61s, times: 1}
  - clearFaults: {}
  - retryTask: {}
  - retryTask: {force: true}
`
	s, err := Parse("faults.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	f := s.Steps[1].Fault
	if f.BodyValue != false || !f.Drop || !f.After || s.Steps[0].Fault.RetryAfter == nil || *s.Steps[0].Fault.RetryAfter != 7 {
		t.Fatalf("parsed %+v / %+v", s.Steps[0].Fault, f)
	}
	if !s.Steps[6].RetryTask.Force || s.Steps[4].ClearFaults == nil {
		t.Fatalf("steps %+v", s.Steps)
	}
	for i, want := range []string{"inject fault: 429 on PATCH /Groups/* ×2", "inject fault: dropped connection, after the change is made on PATCH /Users",
		"inject fault: 250ms latency on every SCIM request", "inject fault: hang 61s on every SCIM request ×1", "clear faults", "retry open provisioning tasks"} {
		if got := stepName(s.Steps[i]); got != want {
			t.Errorf("step %d named %q, want %q", i, got, want)
		}
	}
}

func TestFaultStepsValidate(t *testing.T) {
	for _, c := range []struct{ step, want string }{
		{`fault: {status: 200}`, "faults.yaml:3:12: status 200: want 400–599"},
		{`fault: {method: FETCH, status: 503}`, `method "FETCH" is not one of GET, POST, PUT, PATCH, DELETE`},
		{`fault: {path: Users, status: 503}`, `path "Users" must start with /`},
		{`fault: {latency: soon}`, `latency "soon" is not a positive duration`},
		{`fault: {status: 503, retryAfter: 3}`, "retryAfter goes with status 429"},
		{`fault: {status: 503, drop: true}`, "give one of status, drop and hang"},
		{`fault: {method: POST}`, "the rule does nothing"},
		{`fault: {bodyValue: false, status: 500}`, "bodyValue needs bodyField"},
		{`fault: {status: 503, times: -1}`, "times"},
		{`retryTask: {forse: true}`, `unknown field "forse"`},
		{`clearFaults: {all: true}`, `unknown field "all"`},
	} {
		_, err := Parse("faults.yaml", []byte("name: x\nsteps:\n  - "+c.step+"\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.step, err, c.want)
		}
	}
}
