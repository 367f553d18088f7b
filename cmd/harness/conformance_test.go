package main

import (
	"bytes"
	"encoding/xml"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provsim/provsim/mockatlassian"
)

func scimServer(t *testing.T, body mockatlassian.AuthErrorBody) string {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Options: mockatlassian.Options{Seed: 1, Logger: quiet}, Logger: quiet,
		AuthErrorBody: body, Boot: &mockatlassian.Boot{DirectoryID: "d", APIKey: "cmd-key"}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(atl)
	t.Cleanup(ts.Close)
	return ts.URL + "/scim/directory/d"
}

func TestConformanceCommand(t *testing.T) {
	dir := t.TempDir()
	junit, html := filepath.Join(dir, "c.xml"), filepath.Join(dir, "c.html")
	var out, errb bytes.Buffer
	// Atlassian's own 401 body fails the SPEC test's step 11: exit 1.
	code := run([]string{"conformance", "--scim-url", scimServer(t, mockatlassian.AuthErrorFailure), "--token", "cmd-key",
		"--profile", "okta-spec", "--junit", junit, "--html", html}, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), "✗ okta-spec/11 Required Test: Check status 401") ||
		!strings.Contains(out.String(), "FAILED: 11 passed, 1 failed") {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	raw, _ := os.ReadFile(junit)
	var suites struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(raw, &suites); err != nil || len(suites.Suites) != 1 || suites.Suites[0].Tests != 12 || suites.Suites[0].Failures != 1 {
		t.Fatalf("junit %v: %s", err, raw)
	}
	if page, _ := os.ReadFile(html); !bytes.Contains(page, []byte("okta-spec/11")) {
		t.Fatal("no HTML report")
	}

	// A server whose auth errors are SCIM errors passes both Okta suites;
	// the token can come from the environment.
	out.Reset()
	code = run([]string{"conformance", "--scim-url", scimServer(t, mockatlassian.AuthErrorSCIM), "--profile", "okta-spec,okta-crud", "--okta-app", "wizard"},
		&out, &errb)
	if code != 2 {
		t.Fatalf("without a token: exit %d", code)
	}
	t.Setenv("HARNESS_CONFORMANCE_TOKEN", "cmd-key")
	code = run([]string{"conformance", "--scim-url", scimServer(t, mockatlassian.AuthErrorSCIM), "--profile", "okta-spec,okta-crud", "--okta-app", "wizard"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "PASSED: 18 passed") {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
}

func TestConformanceUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"conformance", "--token", "t"},
		{"conformance", "--scim-url", "http://127.0.0.1:1/scim", "--token", "t", "--profile", "okta"},
		{"conformance", "--scim-url", "http://127.0.0.1:1/scim", "--token", "t", "--auth", "digest"},
		{"conformance", "--scim-url", "not a url", "--token", "t"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errb.String())
		}
	}
}

// harness run --scim-url takes a scenario to a SCIM server of your own.
func TestRunAgainstASCIMServer(t *testing.T) {
	url := scimServer(t, mockatlassian.AuthErrorFailure)
	var out, errb bytes.Buffer
	code := run([]string{"run", "--scim-url", url, "--token", "cmd-key", "../../harness/testdata/valid/scim-target.yaml"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "cleanup: removed 3 of the 3 users and groups the run created") {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	code = run([]string{"run", "--scim-url", url, "--token", "cmd-key", "../../scenarios/lifecycle-deactivate-reactivate.yaml"}, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), "these need mockatlassian: steps[1] grantAccess") {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	for _, args := range [][]string{
		{"run", "--scim-url", url, "../../harness/testdata/valid/scim-target.yaml"},
		{"run", "--scim-url", url, "--token", "k", "--atlassian-url", "http://x", "../../harness/testdata/valid/scim-target.yaml"},
		{"run", "--scim-url", url, "--token", "k", "--auth", "oauth", "../../harness/testdata/valid/scim-target.yaml"},
	} {
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
