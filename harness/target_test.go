package harness

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta/conformance"
)

// scimOnly serves mockatlassian's SCIM API and nothing else, as a server of
// a vendor's would: no /_sim/ routes to peek at. ignorePatch breaks it.
func scimOnly(t *testing.T, ignorePatch bool) (SCIMTarget, *mockatlassian.Server) {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Options: mockatlassian.Options{Seed: 3, Logger: quiet}, Logger: quiet,
		Boot: &mockatlassian.Boot{DirectoryID: "vendor", APIKey: "vendor-key"}})
	if err != nil {
		t.Fatal(err)
	}
	prefix := "/scim/directory/vendor"
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, prefix+"/") {
			t.Errorf("the run called %s %s outside the SCIM API", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		if ignorePatch && r.Method == http.MethodPatch {
			r.Method = http.MethodGet // answers 200 with the resource, unchanged
			r.Body = http.NoBody
		}
		atl.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return SCIMTarget{Target: conformance.Target{BaseURL: ts.URL + prefix, Token: "vendor-key"}}, atl
}

func scimCount(t *testing.T, target SCIMTarget, kind string) float64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, target.BaseURL+"/"+kind, nil)
	req.Header.Set("Authorization", target.Authorization())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ TotalResults float64 }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	return list.TotalResults
}

// The same scenario runs against mockatlassian and, in target mode, against
// a bare SCIM server read only through its SCIM API; the run removes what
// it created unless Keep.
func TestScenarioAgainstASCIMTarget(t *testing.T) {
	res, err := RunFile(context.Background(), "testdata/valid/scim-target.yaml", RunOptions{})
	if err != nil || !res.Passed {
		t.Fatalf("against mockatlassian: %v %+v", err, res)
	}
	for _, keep := range []bool{false, true} {
		target, _ := scimOnly(t, false)
		res, err := RunFile(context.Background(), "testdata/valid/scim-target.yaml", RunOptions{Target: &target, Keep: keep})
		if err != nil || !res.Passed {
			t.Fatalf("keep=%t: %v %+v", keep, err, res)
		}
		users, groups := scimCount(t, target, "Users"), scimCount(t, target, "Groups")
		switch {
		case !keep && (users != 0 || groups != 0 || len(res.Cleanup) != 1 || res.Cleanup[0] != "removed 3 of the 3 users and groups the run created"):
			t.Errorf("cleanup: %v users, %v groups left; %q", users, groups, res.Cleanup)
		case keep && (users != 2 || groups != 1 || len(res.Cleanup) != 1 || res.Cleanup[0] != "kept the 2 users and 1 groups the run created"):
			t.Errorf("keep: %v users, %v groups; %q", users, groups, res.Cleanup)
		}
	}
}

// A target that gets something wrong fails the expectation that reads it.
func TestScenarioAgainstABrokenSCIMTarget(t *testing.T) {
	target, _ := scimOnly(t, true)
	res, err := RunFile(context.Background(), "testdata/valid/scim-target.yaml", RunOptions{Target: &target})
	if err != nil {
		t.Fatal(err)
	}
	last := res.Steps[len(res.Steps)-1]
	if res.Passed || last.Status != StepFailed || last.Failures[0].What != "Atlassian SCIM user alan active" || last.Failures[0].Found != "true" {
		t.Fatalf("want the deactivation step to fail on active: %+v", res.Steps)
	}
}

// What only mockatlassian can do is refused before anything runs.
func TestScenarioNeedingAtlassianRefusesATarget(t *testing.T) {
	target, _ := scimOnly(t, false)
	res, err := RunFile(context.Background(), "../scenarios/lifecycle-deactivate-reactivate.yaml", RunOptions{Target: &target})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"these need mockatlassian", "steps[1] grantAccess", "steps[2] expect.atlassian accounts", "steps[2] expect.atlassian.users[].linked"} {
		if !strings.Contains(res.Error, want) {
			t.Errorf("error %q lacks %q", res.Error, want)
		}
	}
	if res.Passed || len(res.Steps) != 0 {
		t.Errorf("ran anyway: %+v", res)
	}
}
