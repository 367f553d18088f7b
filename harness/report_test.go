package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// lineOf is the 1-based line of the first line of src containing marker.
func lineOf(t *testing.T, src, marker string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	t.Fatalf("no %q in the scenario", marker)
	return 0
}

const failingScenario = `name: failures point at their expectations
seed: 3
atlassian: {domains: [example.com], sites: [{name: acme.atlassian.net, products: [jira-software]}]}
okta: {app: {template: atlassian}}
people:
  - {ref: ann, login: ann@example.com}
  - generate: {count: 2, domain: example.com}
groups:
  - {name: g, members: [generated]}
steps:
  - pushGroup: {group: g}
  - grantAccess: {group: g, product: jira-software}
  - assign: {group: g}
    expect:
      okta:
        appUsers: [{user: user2, status: PROVISIONED}]
      atlassian:
        accounts:
          - {user: user1, status: active, products: [jira-software]}
          - {user: user2, status: deactivated}  # wrong status
          - {user: ann, status: active}         # no account
        users:
          - {user: ann, active: true}           # no SCIM user
        userCount: 3                            # wrong count
  - unassign: {user: user1, error: nonsense}    # refused otherwise
`

// A failure is reported at its expectation's line (not the step's), says
// what there is when what it looks for is missing, and accounts can be
// named by a person's ref; the JSON report carries the people.
func TestFailuresPointAtTheirExpectations(t *testing.T) {
	s, err := Parse("f.yaml", []byte(failingScenario))
	if err != nil {
		t.Fatal(err)
	}
	people, _ := s.ExpandPeople()
	res, err := RunScenario(context.Background(), s, "f.yaml", []byte(failingScenario), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Passed || len(res.Steps) != 4 || res.Steps[2].Status != StepFailed {
		t.Fatalf("%+v", res)
	}
	fails := res.Steps[2].Failures
	byLine := map[int]Failure{}
	for _, f := range fails {
		byLine[f.Line] = f
	}
	user2 := people[2]
	for _, c := range []struct {
		marker, what, found string
	}{
		{"# wrong status", "Atlassian account of user2 (" + user2.Email + ") status", "active"},
		{"# no account", "Atlassian account of ann (ann@example.com)", "no such account; the accounts are: " + sortedEmails(people[1:])},
		{"# no SCIM user", "Atlassian SCIM user ann", "no such SCIM user; looked for userName ann@example.com; the directory's users are: "},
		{"# wrong count", "SCIM users in the directory", "2"},
	} {
		f, ok := byLine[lineOf(t, failingScenario, c.marker)]
		if !ok || f.What != c.what || !strings.HasPrefix(f.Found, c.found) {
			t.Errorf("%s: want %q found %q at line %d; failures: %+v", c.marker, c.what, c.found, lineOf(t, failingScenario, c.marker), fails)
		}
	}
	if len(fails) != 4 {
		t.Errorf("%d failures, want 4: %+v", len(fails), fails)
	}
	var text bytes.Buffer
	WriteText(&text, []*Result{res})
	if want := "f.yaml:" + itoa(lineOf(t, failingScenario, "# no account")) + ": Atlassian account of ann"; !strings.Contains(text.String(), want) {
		t.Errorf("text report lacks %q:\n%s", want, text.String())
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, []*Result{res}); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Results []struct {
			People []Person
			Steps  []struct{ Failures []Failure }
		}
	}
	if err := json.Unmarshal(js.Bytes(), &rep); err != nil || len(rep.Results) != 1 {
		t.Fatal(err)
	}
	got := rep.Results[0]
	if len(got.People) != 3 || got.People[1].Ref != "user1" || got.People[1].Login != people[1].Login || got.People[1].Email == "" || got.People[1].FirstName == "" {
		t.Errorf("JSON people: %+v", got.People)
	}
	if f := got.Steps[2].Failures[0]; f.Path == "" || f.Line == 0 {
		t.Errorf("JSON failure without path or line: %+v", f)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func sortedEmails(people []Person) string {
	var e []string
	for _, p := range people {
		e = append(e, p.Email)
	}
	return strings.Join(sorted(e), ", ")
}

// An action given error: must be refused with that text; the failure
// points at the action.
func TestRefusalExpectedOfAnAction(t *testing.T) {
	src := `name: refusals
seed: 3
atlassian: {domains: [example.com]}
okta: {app: {template: atlassian}}
people:
  - generate: {count: 1, domain: example.com}
groups:
  - {name: g, members: [generated]}
steps:
  - assign: {group: g}
  - unassign: {user: user1, error: nonsense}
`
	s, err := Parse("r.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunScenario(context.Background(), s, "r.yaml", []byte(src), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Steps[1].Failures
	if len(f) != 1 || f[0].Expected != "refused: nonsense" || !strings.Contains(f[0].Found, "E0000046") || f[0].Line != lineOf(t, src, "unassign:") {
		t.Fatalf("%+v", res.Steps[1])
	}
	src = strings.Replace(src, "error: nonsense", "error: E0000046", 1) + "  - assign: {user: user1, error: refused}\n"
	s, _ = Parse("r.yaml", []byte(src))
	res, _ = RunScenario(context.Background(), s, "r.yaml", []byte(src), RunOptions{})
	if f := res.Steps[2].Failures; res.Steps[1].Status != StepPassed || len(f) != 1 || f[0].Found != "accepted" {
		t.Fatalf("%+v", res.Steps)
	}
}
