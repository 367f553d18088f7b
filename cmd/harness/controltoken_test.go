package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta"
)

func TestRunControlToken(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"run", "--control-token", "x", "../../scenarios/wrong-api-key.yaml"}, &out, &errb); code != 2 ||
		!strings.Contains(errb.String(), "--control-token is for running servers") {
		t.Fatalf("in-process with a control token: exit %d, %s", code, errb.String())
	}

	const token = "cli-control-token"
	log := slog.New(slog.DiscardHandler)
	atl, err := mockatlassian.NewServer(mockatlassian.Config{ControlToken: token, Logger: log, Options: mockatlassian.Options{Logger: log}})
	if err != nil {
		t.Fatal(err)
	}
	ats := httptest.NewServer(atl)
	defer ats.Close()
	clock := &clock.Virtual{}
	okta, err := mockokta.NewServer(mockokta.Config{ControlToken: token, Logger: log, Options: mockokta.Options{Clock: clock, Logger: log,
		SCIMClient: &http.Client{Timeout: time.Minute}, Journal: journal.New(journal.Options{}, clock)}})
	if err != nil {
		t.Fatal(err)
	}
	defer okta.Close()
	ots := httptest.NewServer(okta)
	defer ots.Close()
	args := []string{"run", "--okta-url", ots.URL, "--atlassian-url", ats.URL, "../../scenarios/wrong-api-key.yaml"}

	out.Reset()
	if code := run(append([]string{"run", "--control-token", token}, args[1:]...), &out, &errb); code != 0 {
		t.Fatalf("--control-token: exit %d\n%s", code, out.String())
	}
	t.Setenv("HARNESS_CONTROL_TOKEN", token)
	out.Reset()
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("HARNESS_CONTROL_TOKEN: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := run(append([]string{"run", "--control-token", "wrong"}, args[1:]...), &out, &errb); code != 1 ||
		!strings.Contains(out.String(), "HTTP 401") || strings.Contains(out.String(), token) {
		t.Fatalf("a wrong token: exit %d\n%s", code, out.String())
	}
}
