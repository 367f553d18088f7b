package harness

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// All shipped scenarios at once against one shared pair of servers, as
// `harness run --parallel N --okta-url … --atlassian-url …` does: each
// scenario makes its own tenants, so they cannot see each other.
func TestShippedScenariosShareOneEnvironment(t *testing.T) {
	env, err := StartEmbedded(EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	remote := Remote(env.OktaURL, env.AtlassianURL)
	files, _ := filepath.Glob("../scenarios/*.yaml")
	if len(files) == 0 {
		t.Fatal("no scenarios")
	}
	var wg sync.WaitGroup
	results := make([]*Result, len(files))
	errs := make([]error, len(files))
	for i, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = RunFile(context.Background(), f, RunOptions{Env: remote})
		}()
	}
	wg.Wait()
	for i, f := range files {
		if errs[i] != nil {
			t.Errorf("%s: %v", f, errs[i])
			continue
		}
		if !results[i].Passed {
			var b strings.Builder
			WriteText(&b, []*Result{results[i]})
			t.Errorf("%s failed against the shared servers:\n%s", f, b.String())
		}
	}
}
