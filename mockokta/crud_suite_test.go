package mockokta_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta/conformance"
)

// TestOktaCRUDSuite plays Okta's published "SCIM 2.0 CRUD Test"
// (OKTA-SUITE-2) through mockokta/conformance, the one copy of its steps:
// Management API calls drive this engine, which provisions into
// mockatlassian, and the SCIM side is checked after each step. Beyond the
// suite's own assertions: the engine never deletes a user (OKTA-DEACT-3),
// and re-assignment reactivates the user it made instead of creating a
// second one (OKTA-REACT-1).
func TestOktaCRUDSuite(t *testing.T) {
	for _, app := range []conformance.OktaApp{conformance.AppOIN, conformance.AppWizard} {
		t.Run(string(app), func(t *testing.T) {
			quiet := slog.New(slog.DiscardHandler)
			atl, err := mockatlassian.NewServer(mockatlassian.Config{Options: mockatlassian.Options{Seed: 7, Logger: quiet}, Logger: quiet,
				Boot: &mockatlassian.Boot{DirectoryID: "dir-crud", APIKey: "atl-key", VerifiedDomains: []string{"example.com"}}})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(atl)
			defer ts.Close()
			rep, err := conformance.Run(context.Background(), conformance.Options{
				Target:   conformance.Target{BaseURL: ts.URL + "/scim/directory/dir-crud", Token: "atl-key"},
				Profiles: []conformance.Profile{conformance.ProfileOktaCRUD}, App: app, EmailDomain: "example.com", Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Passed() || len(rep.Profiles[0].Checks) != 6 {
				conformance.WriteText(t.Output(), rep)
				t.Fatal("the CRUD suite did not pass")
			}
			creates := 0
			for _, c := range rep.Profiles[0].Checks {
				for _, e := range c.Exchanges {
					if e.From != "Okta engine" {
						continue
					}
					path := strings.TrimPrefix(e.URL, ts.URL+"/scim/directory/dir-crud")
					if e.Method == http.MethodDelete && strings.HasPrefix(path, "/Users") {
						t.Errorf("%s: Okta never deletes users, but the engine sent DELETE %s", c.ID, path)
					}
					if e.Method == http.MethodPost && path == "/Users" {
						creates++
					}
				}
			}
			if creates != 1 {
				t.Errorf("the engine created the user %d times, want once", creates)
			}
		})
	}
}
