package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provsim/provsim/harness"
	"github.com/provsim/provsim/internal/cli/clitest"
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

func TestHelpOnEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}, {"--version"}, {"completion", "fish"},
		{"run", "--help"}, {"help", "run"}, {"validate", "-h"}, {"validate", "--help"}, {"people", "--help"},
		{"serve", "--help"}, {"help", "serve"}, {"bench", "--help"}} {
		if r := clitest.Run(command(), nil, args...); r.Code != 0 || r.Stdout == "" {
			t.Errorf("%v: exit %d\n%s", args, r.Code, r.Stderr)
		}
	}
	for args, wants := range map[string][]string{
		"--help":             {"run", "validate", "people", "serve", "bench", "completion"},
		"run --help":         {"--junit FILE", "[env HARNESS_JUNIT]", "[env HARNESS_OKTA_URL]", "[env HARNESS_CONTROL_TOKEN]"},
		"serve --help":       {"--okta-api-token", "--scim-api-key", "--okta-seed-file", "--atlassian-seed-file", "--control-token", "--data-dir", "--site", "[env HARNESS_OKTA_ADDR]", "Both servers:"},
		"people --help":      {"[env HARNESS_PEOPLE_JSON]"},
		"bench --help":       {"[env HARNESS_BENCH_USERS]"},
		"validate --help":    {"file:line:column"},
		"conformance --help": {"--scim-base-url URL", "--scim-api-key string", "[env HARNESS_CONFORMANCE_SCIM_API_KEY]"},
	} {
		out := clitest.Run(command(), nil, strings.Fields(args)...).Stdout
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("%s lacks %q", args, w)
			}
		}
	}
	// The SCIM server's flags have mockokta's names in every command; the
	// first names are hidden aliases.
	for _, args := range []string{"run --help", "conformance --help"} {
		out := clitest.Run(command(), nil, strings.Fields(args)...).Stdout
		if strings.Contains(out, "--scim-url ") || strings.Contains(out, "--token ") || !strings.Contains(out, "--scim-api-key") {
			t.Errorf("%s shows the old SCIM flag names or lacks the new:\n%s", args, out)
		}
	}
	if v := clitest.Run(command(), nil, "--version").Stdout; !strings.HasPrefix(v, "harness 0.") || !strings.Contains(v, "\ncommit: ") {
		t.Errorf("--version: %q", v)
	}
}

func TestMessagesSayWhatToDoNext(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "a command is required"},
		{[]string{"rnu"}, "Did you mean this?\n\trun"},
		{[]string{"run"}, "'harness run scenarios/'"},
		{[]string{"validate"}, "'harness validate scenarios/'"},
		{[]string{"people"}, "give one scenario file"},
		{[]string{"run", "no-such-dir/"}, "no such file or directory"},
		{[]string{"run", "--okta-url", "http://x", "../../scenarios/wrong-api-key.yaml"}, "--okta-url and --atlassian-url go together"},
		{[]string{"run", "--okta-pace", "soon", "../../scenarios/wrong-api-key.yaml"}, `--okta-pace: pace "soon": want instant, okta`},
		{[]string{"run", "--okta-rate-limits", "okta*0", "../../scenarios/wrong-api-key.yaml"}, "--okta-rate-limits: rate limits \"okta*0\""},
		{[]string{"serve", "--delete-mode", "nuke"}, "delete mode"},
		{[]string{"serve", "stray"}, "unknown command"},
	} {
		r := clitest.Run(command(), nil, c.args...)
		if r.Code != 2 || !strings.Contains(r.Stderr, c.want) || !strings.Contains(r.Stderr, "--help' for usage.") {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant %q", c.args, r.Code, r.Stderr, c.want)
		}
	}
}

// Flags come before or after the files (the standard flag package stopped
// at the first file: "stat --junit: no such file or directory").
func TestFlagsAfterPositionalArguments(t *testing.T) {
	dir := t.TempDir()
	junit, jsonOut := filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.json")
	r := clitest.Run(command(), map[string]string{"HARNESS_JSON": jsonOut},
		"run", "../../scenarios/wrong-api-key.yaml", "--junit", junit, "../../scenarios/user-outside-verified-domains.yaml", "--parallel=2")
	if r.Code != 0 || !strings.Contains(r.Stdout, "2 passed, 0 failed") {
		t.Fatalf("exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, f := range []string{junit, jsonOut} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// --okta-pace and --okta-rate-limits give every scenario Okta's pace and
// rate limits; in-process both pass in virtual time. The scenario expects
// the System Log's rate-limit violation, which only limits give it.
func TestRunOktaPaceAndRateLimits(t *testing.T) {
	f := filepath.Join(t.TempDir(), "limited.yaml")
	src := "name: limited\npeople: [{login: a@example.com}, {login: b@example.com}, {login: c@example.com}]\nsteps:\n" +
		"  - assign: {user: a@example.com}\n  - assign: {user: b@example.com}\n  - assign: {user: c@example.com}\n" +
		"    expect:\n      okta: {log: [{eventType: system.org.rate_limit.violation}]}\n      atlassian: {userCount: 3}\n"
	if err := os.WriteFile(f, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := clitest.Run(command(), nil, "run", f, "--okta-pace", "okta"); r.Code != 1 {
		t.Fatalf("without limits: exit %d, want 1 (no violation)\n%s", r.Code, r.Stdout)
	}
	r := clitest.Run(command(), nil, "run", f, "--okta-pace", "okta", "--okta-rate-limits", "okta*0.05")
	if r.Code != 0 || !strings.Contains(r.Stdout, "1 passed, 0 failed") {
		t.Fatalf("exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
}

func TestPeopleListsGeneratedPeople(t *testing.T) {
	r := clitest.Run(command(), nil, "people", "../../scenarios/generated-org-1000.yaml")
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if r.Code != 0 || len(lines) < 1001 || !strings.HasPrefix(lines[0], "REF") || !strings.Contains(lines[0], "LOGIN") || !strings.Contains(lines[0], "EMAIL") || !strings.Contains(lines[0], "NAME") {
		t.Fatalf("exit %d, %d lines\n%s", r.Code, len(lines), r.Stderr)
	}
	s, err := harness.ParseFile("../../scenarios/generated-org-1000.yaml")
	if err != nil {
		t.Fatal(err)
	}
	people, _ := s.ExpandPeople()
	var user2 harness.Person
	for _, p := range people {
		if p.Ref == "user2" {
			user2 = p
		}
	}
	if f := strings.Fields(lines[len(lines)-1000+1]); user2.Login == "" || len(f) < 4 || f[0] != "user2" || f[1] != user2.Login || f[2] != user2.Email || f[3] != user2.FirstName {
		t.Fatalf("user2 is %+v; line %q", user2, lines[len(lines)-1000+1])
	}
	r = clitest.Run(command(), nil, "people", "--json", "../../scenarios/generated-org-1000.yaml")
	var got []harness.Person
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil || len(got) != len(people) || got[len(got)-1].Ref != people[len(people)-1].Ref {
		t.Fatalf("--json: %v, %d people", err, len(got))
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nsteps: []\npeople: [{generate: {count: 0}}]\n"), 0o644)
	if r := clitest.Run(command(), nil, "people", bad); r.Code != 1 || !strings.Contains(r.Stderr, bad+":") {
		t.Fatalf("an invalid scenario: exit %d\n%s", r.Code, r.Stderr)
	}
}

// harness serve wires mockokta's app to where mockatlassian listens (port 0
// here), keeps the names it had before as aliases, and harness run works
// against it.
func TestServeThenRunAgainstIt(t *testing.T) {
	srv := clitest.Start(t, command(), map[string]string{"HARNESS_API_KEY": "old-env-key"}, "Atlassian app:",
		"serve", "--okta-addr", "127.0.0.1:0", "--atlassian-addr", "127.0.0.1:0", "--okta-token", "old-flag-token", "--backoff", "virtual")
	okta, atl := srv.Addr("mockokta"), srv.Addr("mockatlassian")
	if okta == "" || atl == "" || !strings.Contains(srv.Stdout(), "-> http://"+atl+"/scim/directory/dev-directory") ||
		strings.Contains(srv.Stdout(), "old-env-key") || strings.Contains(srv.Stdout(), "old-flag-token") {
		t.Fatalf("banner:\n%s", srv.Stdout())
	}
	get := func(url, auth string) int {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if get("http://"+okta+"/api/v1/apps", "SSWS old-flag-token") != 200 || get("http://"+atl+"/scim/directory/dev-directory/Users", "Bearer old-env-key") != 200 {
		t.Fatal("the servers do not take the keys given under the old names")
	}
	r := clitest.Run(command(), nil, "run", "../../scenarios/wrong-api-key.yaml", "--okta-url", "http://"+okta, "--atlassian-url", "http://"+atl)
	if r.Code != 0 {
		t.Fatalf("run against serve: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	if code := srv.Stop(); code != 0 {
		t.Fatalf("stop: exit %d", code)
	}
}
