package harness

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta"
)

// startGuarded runs both simulators with a control token, wired together,
// as `mockatlassian --control-token T` and `mockokta --control-token T`.
func startGuarded(t *testing.T, token string) (oktaURL, atlURL string) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	atl, err := mockatlassian.NewServer(mockatlassian.Config{ControlToken: token, Logger: log, Options: mockatlassian.Options{Logger: log}})
	if err != nil {
		t.Fatal(err)
	}
	ats := httptest.NewServer(atl)
	t.Cleanup(ats.Close)
	clock := &clock.Virtual{}
	okta, err := mockokta.NewServer(mockokta.Config{ControlToken: token, Logger: log, Options: mockokta.Options{Clock: clock, Logger: log,
		SCIMClient: &http.Client{Timeout: 60 * time.Second}, Journal: journal.New(journal.Options{}, clock)}})
	if err != nil {
		t.Fatal(err)
	}
	ots := httptest.NewServer(okta)
	t.Cleanup(ots.Close)
	t.Cleanup(func() {
		if err := okta.Close(); err != nil {
			t.Error(err)
		}
	})
	return ots.URL, ats.URL
}

func TestRunAgainstServersWithAControlToken(t *testing.T) {
	const token = "harness-control-token"
	oktaURL, atlURL := startGuarded(t, token)
	files, _ := filepath.Glob("../scenarios/*.yaml")
	var wg sync.WaitGroup
	ran := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// The generated org adds time, not cover.
		if bytes.Contains(src, []byte("generate:")) {
			continue
		}
		ran++
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := Remote(oktaURL, atlURL)
			env.ControlToken = token
			res, err := RunFile(context.Background(), f, RunOptions{Env: env})
			if err != nil {
				t.Errorf("%s: %v", f, err)
				return
			}
			if !res.Passed {
				var b strings.Builder
				WriteText(&b, []*Result{res})
				t.Errorf("%s failed with the control token:\n%s", f, b.String())
			}
		}()
	}
	wg.Wait()
	if ran < 5 {
		t.Fatalf("ran %d scenarios", ran)
	}

	// Without the token, or with another, setup stops at the first /_sim/
	// call; the token never shows in the report.
	for _, tok := range []string{"", "wrong-token"} {
		env := Remote(oktaURL, atlURL)
		env.ControlToken = tok
		res, err := RunFile(context.Background(), "../scenarios/guide-end-to-end.yaml", RunOptions{Env: env})
		if err != nil {
			t.Fatal(err)
		}
		if res.Passed || !strings.Contains(res.Error, "HTTP 401") {
			t.Fatalf("token %q: passed=%t error %q, want a 401 at setup", tok, res.Passed, res.Error)
		}
		var b strings.Builder
		WriteText(&b, []*Result{res})
		if strings.Contains(b.String(), token) {
			t.Fatalf("report shows the control token:\n%s", b.String())
		}
	}
}
