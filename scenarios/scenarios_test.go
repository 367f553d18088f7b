// Package scenarios holds the shipped scenarios; this test runs each one
// in-process, as CI does.
package scenarios

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provsim/provsim/harness"
)

func TestShippedScenarios(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(f, ".yaml"), func(t *testing.T) {
			t.Parallel()
			res, err := harness.RunFile(context.Background(), f, harness.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Passed {
				var b strings.Builder
				harness.WriteText(&b, []*harness.Result{res})
				t.Fatalf("scenario failed:\n%s", b.String())
			}
		})
	}
	_ = os.Stdout
}
