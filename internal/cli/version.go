package cli

import (
	_ "embed"
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
)

// release is provsim's version number, kept in one file that CHANGELOG.md's
// entries refer to and that shell scripts can read.
//
//go:embed VERSION
var release string

// Link-time stamps: a build without git (a Docker builder) passes them as
//
//	-ldflags "-X github.com/provsim/provsim/internal/cli.commit=<sha>"
//
// version overrides the VERSION file (for a pre-release build); commit is
// the git commit. Both are empty in an ordinary build.
var (
	version string
	commit  string
)

// Build says which provsim a binary is.
type Build struct {
	Version  string // from VERSION, or the link-time override
	Commit   string // git commit, or "unknown"
	Modified bool   // built from a work tree with uncommitted changes
	Go       string // Go version that built the binary
	Platform string // GOOS/GOARCH
}

// pseudoVersion matches the tail of a Go pseudo-version
// (v0.0.0-20250102150405-0123456789ab): `go install …@<commit>` records
// the commit only there.
var pseudoVersion = regexp.MustCompile(`[.-]\d{14}-([0-9a-f]{12})(\+incompatible)?$`)

// ReadBuild returns this binary's version, commit and Go version. The
// commit comes from the link-time stamp, else from the build info Go
// records (vcs.revision, which needs -buildvcs; or a pseudo-version).
func ReadBuild() Build {
	b := Build{Version: strings.TrimSpace(release), Commit: commit, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if version != "" {
		b.Version = version
	}
	if info, ok := debug.ReadBuildInfo(); ok && b.Commit == "" {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
		if m := pseudoVersion.FindStringSubmatch(info.Main.Version); b.Commit == "" && m != nil {
			b.Commit = m[1]
		}
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	return b
}

// Text is what `NAME --version` prints.
func (b Build) Text(name string) string {
	c := b.Commit
	if b.Modified {
		c += " (modified)"
	}
	return fmt.Sprintf("%s %s\ncommit: %s\ngo:     %s %s\n", name, b.Version, c, b.Go, b.Platform)
}
