package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunWritesReportsAndExitCodes(t *testing.T) {
	dir := t.TempDir()
	junit, jsonOut := filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.json")
	var out, errb bytes.Buffer
	code := run([]string{"run", "--parallel", "2", "--junit", junit, "--json", jsonOut,
		"../../scenarios/wrong-api-key.yaml", "../../scenarios/guide-end-to-end.yaml"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "2 passed, 0 failed") || !strings.Contains(out.String(), "✓ 1. test API credentials") {
		t.Fatalf("output:\n%s", out.String())
	}
	raw, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(raw, &suites); err != nil || len(suites.Suites) != 2 || suites.Suites[0].Failures != 0 || suites.Suites[0].Tests == 0 {
		t.Fatalf("junit %v: %s", err, raw)
	}
	raw, _ = os.ReadFile(jsonOut)
	var rep struct {
		Results []struct {
			Name   string
			Passed bool
		}
	}
	if err := json.Unmarshal(raw, &rep); err != nil || len(rep.Results) != 2 || !rep.Results[0].Passed {
		t.Fatalf("json %v: %s", err, raw)
	}
}

func TestRunFailsWithLineAndCause(t *testing.T) {
	dir := t.TempDir()
	src, _ := os.ReadFile("../../scenarios/wrong-api-key.yaml")
	broken := strings.Replace(string(src), `success: false, message: "Error authenticating: Forbidden"`, `success: true`, 1)
	path := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"run", path}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out.String())
	}
	for _, want := range []string{"✗ 1. test API credentials with another key", path + ":", "expected: success=true",
		"Error authenticating: Forbidden", "GET /Users?startIndex=1&count=2 -> 403", "0 passed, 1 failed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestValidateReportsPositions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(path, []byte("name: x\natlassian: {}\nokta: {app: {}}\nsteps:\n  - assing: {user: a}\n"), 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"validate", path}, &out, &errb); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if want := path + `:5:5: unknown field "assing"`; !strings.Contains(errb.String(), want) || !strings.Contains(errb.String(), `did you mean "assign"`) {
		t.Fatalf("stderr %q lacks %q", errb.String(), want)
	}
	if code := run([]string{"validate", "../../scenarios"}, &out, &errb); code != 0 {
		t.Fatalf("shipped scenarios invalid: %s", errb.String())
	}
}
