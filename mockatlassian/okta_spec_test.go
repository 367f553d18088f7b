package mockatlassian

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/provsim/provsim/mockokta/conformance"
)

// TestOktaSCIMSpecSuite runs Okta's "SCIM 2.0 SPEC Test" (OKTA-SUITE-1), the
// suite Okta asks OIN submitters to pass, against this directory: its 12
// steps as mockokta/conformance plays them (the one copy of the steps,
// also behind `harness conformance`).
//
// Step 11 sends "Authorization: non-token" and asserts a SCIM error body.
// Atlassian answers auth failures with its own {"error","traceId"} body
// (SCIM-AUTH-2), so a faithful simulator fails step 11 exactly as the real
// directory does, and the atlassian profile's auth-error-body check passes.
// The switch Config.AuthErrorBody = AuthErrorSCIM (--auth-error-body scim)
// trades that fidelity for a SCIM error, under which all 12 steps pass.
func TestOktaSCIMSpecSuite(t *testing.T) {
	for _, tc := range []struct {
		name     string
		body     AuthErrorBody
		profiles []conformance.Profile
		failing  []string
	}{
		{"atlassian-failure-auth-body", AuthErrorFailure, []conformance.Profile{conformance.ProfileOktaSpec, conformance.ProfileAtlassian}, []string{"okta-spec/11"}},
		{"auth-error-body-scim", AuthErrorSCIM, []conformance.Profile{conformance.ProfileOktaSpec}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.AuthErrorBody = tc.body })
			// Step 1 needs a user in the directory, and step 10's script
			// looks inside Resources only when there are groups.
			e.createGroup("Okta Spec Seed Group", e.createUser("seed.user@example.com"))
			ts := httptest.NewServer(e.srv)
			defer ts.Close()
			rep, err := conformance.Run(context.Background(), conformance.Options{
				Target:   conformance.Target{BaseURL: ts.URL + "/scim/directory/" + testDir, Token: testKey},
				Profiles: tc.profiles, Seed: 20240523,
				// No timed assertions in tests (step 10 wants 600 ms).
				NoTimeLimits: true})
			if err != nil {
				t.Fatal(err)
			}
			var failing []string
			for _, p := range rep.Profiles {
				for _, c := range p.Checks {
					if c.Status != conformance.Passed {
						failing = append(failing, c.ID)
					}
				}
			}
			if !slices.Equal(failing, tc.failing) {
				t.Errorf("failing checks %v, want %v", failing, tc.failing)
				conformance.WriteText(t.Output(), rep)
			}
			if n := len(rep.Profiles[0].Checks); n != 12 {
				t.Errorf("%d SPEC steps ran, want 12", n)
			}
		})
	}
}
