package harness

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// syncPasswordScenario changes ann's Okta password with Sync Password's
// seed OKTA on an app of the template given, and expects the push in that
// app's flavour (OKTA-PASSWORD-1).
const syncPasswordScenario = `name: sync password
seed: 7
atlassian: {domains: [example.com]}
okta:
  app:
    template: TEMPLATE
    label: Sync Password test app
    toApp: {createUsers: true, updateUserAttributes: true, deactivateUsers: true, syncPassword: true, passwordSeed: OKTA}
people:
  - {ref: ann, login: ann@example.com}
  - {ref: bo, login: bo@example.com}
steps:
  - assign: {user: ann}
  - assign: {user: bo}
  - changePassword: {user: ann, password: Tr0ub4dor-and-3}
    expect:
      okta:
        appUsers: [{user: ann, syncState: SYNCHRONIZED}]
        log:
          - {eventType: application.provision.user.push_password, user: ann, outcome: SUCCESS, count: 1}
          - {eventType: application.provision.user.push_password, user: bo, count: 0}
      scim:
        sent: [SENT]
        notSent: [{user: bo}]
  - changePassword: {user: ann}
    expect:
      okta:
        log: [{eventType: application.provision.user.push_password, user: ann, count: 2}]
`

func runSource(t *testing.T, src string, opts RunOptions) *Result {
	t.Helper()
	s, err := Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunScenario(context.Background(), s, "p.yaml", []byte(src), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// changePassword changes the person's Okta password; with seed OKTA the
// engine pushes it, a PATCH from an OIN app and a GET then PUT from a
// wizard-built one; the second change without a password gives the
// person a new one made by the runner from the one the first set.
func TestChangePasswordIsPushed(t *testing.T) {
	for _, tc := range []struct{ template, sent string }{
		{"atlassian", `{method: PATCH, resource: Users, user: ann, count: 1, body: {Operations: [{op: replace, value: {password: "{masked}"}}]}}`},
		{"acme-scim", `{method: PUT, resource: Users, user: ann, count: 1, body: {userName: ann@example.com, password: "{masked}"}}`},
	} {
		t.Run(tc.template, func(t *testing.T) {
			src := strings.NewReplacer("TEMPLATE", tc.template, "SENT", tc.sent).Replace(syncPasswordScenario)
			res := runSource(t, src, RunOptions{})
			if !res.Passed {
				var b strings.Builder
				WriteText(&b, []*Result{res})
				t.Fatalf("scenario failed:\n%s", b.String())
			}
		})
	}
}

// Without seed OKTA (Okta's default seed is RANDOM) the same change is not
// pushed, so the scenario's expectations fail at their lines.
func TestChangePasswordNotPushedWithSeedRandom(t *testing.T) {
	src := strings.NewReplacer("TEMPLATE", "atlassian", "passwordSeed: OKTA", "passwordSeed: RANDOM",
		"SENT", "{method: PATCH, resource: Users, user: ann}").Replace(syncPasswordScenario)
	res := runSource(t, src, RunOptions{})
	f := res.Steps[2].Failures
	if res.Passed || len(f) != 2 || f[0].Line != lineOf(t, src, "user: ann, outcome: SUCCESS") || f[1].Line != lineOf(t, src, "sent: [") {
		t.Fatalf("want the push_password event and the PATCH missing, got %+v", res.Steps[2])
	}
}

// A change Okta refuses fails the step unless error expects it, and
// leaves the password the runner signs in with as it was.
func TestChangePasswordRefused(t *testing.T) {
	src := `name: refused
seed: 7
atlassian: {domains: [example.com], sites: [{name: acme.atlassian.net, products: [jira-software]}]}
okta: {app: {template: atlassian}}
people:
  - {ref: ann, login: ann@example.com}
steps:
  - assign: {user: ann}
  - changePassword: {user: ann, password: weak}
  - changePassword: {user: ann, password: weak, error: Update of credentials failed}
  - sso: {user: ann}
`
	res := runSource(t, src, RunOptions{})
	if f := res.Steps[1].Failures; len(f) != 1 || !strings.Contains(f[0].Found, "E0000014") || f[0].Line != lineOf(t, src, "password: weak}") {
		t.Fatalf("an unexpected refusal must fail the step at its action: %+v", res.Steps[1])
	}
	src = strings.Replace(src, "  - changePassword: {user: ann, password: weak}\n", "", 1)
	res = runSource(t, src, RunOptions{})
	if !res.Passed {
		var b strings.Builder
		WriteText(&b, []*Result{res})
		t.Fatalf("an expected refusal passes and sso signs in with the old password:\n%s", b.String())
	}
}

// No report shows a password: not the one the scenario gives, not the
// ones the runner makes, not in a failed step's SCIM exchange.
func TestReportsHidePasswords(t *testing.T) {
	src := strings.NewReplacer("TEMPLATE", "atlassian", "SENT", "{method: DELETE}").Replace(syncPasswordScenario) // the DELETE is never sent: the step fails
	res := runSource(t, src, RunOptions{Traffic: true})
	if res.Passed || res.Steps[2].Status != StepFailed || len(res.Steps[2].Traffic) == 0 {
		t.Fatalf("want step 3 failed with its traffic kept: %+v", res.Steps)
	}
	var text, js, junit, html bytes.Buffer
	WriteText(&text, []*Result{res})
	if err := WriteJSON(&js, []*Result{res}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJUnit(&junit, []*Result{res}); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&html, []*Result{res}, ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "PATCH /Users/") || !strings.Contains(text.String(), "{masked}") {
		t.Fatalf("the text report lacks the step's password PATCH:\n%s", text.String())
	}
	for name, out := range map[string]string{"text": text.String(), "JSON": js.String(), "JUnit": junit.String(), "HTML": html.String()} {
		for _, secret := range []string{"Tr0ub4dor-and-3", "Pr0vsim!"} {
			if strings.Contains(out, secret) {
				t.Errorf("the %s report shows a password (%s)", name, secret)
			}
		}
	}
}
