package docs

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestChangelogMatchesVersion keeps CHANGELOG.md's newest released section
// and the version --version prints (internal/cli/VERSION) the same.
func TestChangelogMatchesVersion(t *testing.T) {
	raw, err := os.ReadFile("../internal/cli/VERSION")
	if err != nil {
		t.Fatal(err)
	}
	version := strings.TrimSpace(string(raw))
	log, err := os.ReadFile("../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	releases := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+[^\]]*)\] - \d{4}-\d{2}-\d{2}$`).FindAllStringSubmatch(string(log), -1)
	if len(releases) == 0 {
		t.Fatal("CHANGELOG.md has no released version (## [X.Y.Z] - YYYY-MM-DD)")
	}
	if newest := releases[0][1]; newest != version {
		t.Errorf("CHANGELOG.md's newest release is %s but internal/cli/VERSION says %s: release both together", newest, version)
	}
	if !strings.Contains(string(log), "\n## [Unreleased]\n") {
		t.Error("CHANGELOG.md has no ## [Unreleased] section for the changes not released yet")
	}
}
