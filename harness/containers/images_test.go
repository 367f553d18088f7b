package containers_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/provsim/provsim/harness/containers"
)

// TestDockerfileGoImage: docker/Dockerfile's default builder is the
// official Go image of the version go.mod names, so a Docker-only build
// compiles with the toolchain the module asks for.
func TestDockerfileGoImage(t *testing.T) {
	dockerfile, err := os.ReadFile("../../" + containers.Dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	from := regexp.MustCompile(`(?m)^FROM \$\{GO_IMAGE:-golang:([0-9.]+)\} AS build$`).FindSubmatch(dockerfile)
	goVersion := regexp.MustCompile(`(?m)^go ([0-9.]+)$`).FindSubmatch(gomod)
	if from == nil || goVersion == nil {
		t.Fatalf("no builder FROM line (%q) or go line (%q)", from, goVersion)
	}
	if string(from[1]) != string(goVersion[1]) {
		t.Errorf("docker/Dockerfile builds with golang:%s, go.mod says go %s", from[1], goVersion[1])
	}
}

// TestPrebuiltStage: the fast path's Dockerfile is the component's final
// stage, copying from the build context what the build stage would have
// made, with everything else (user, health check, labels) as written.
func TestPrebuiltStage(t *testing.T) {
	dockerfile, err := os.ReadFile("../../" + containers.Dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range containers.Components {
		t.Run(c, func(t *testing.T) {
			got, err := containers.PrebuiltStage(dockerfile, c)
			if err != nil {
				t.Fatal(err)
			}
			s := string(got)
			if !strings.HasPrefix(s, "FROM scratch AS "+c+"\n") || strings.Count(s, "FROM ") != 1 {
				t.Errorf("not the one stage %s:\n%s", c, s)
			}
			if strings.Contains(s, "--from=") || strings.Contains(s, "/out/") {
				t.Errorf("still copies from the build stage:\n%s", s)
			}
			for _, want := range []string{"COPY " + c + "/ /\n", "USER 65532:65532\n", `io.provsim.component="` + c + `"`, "HEALTHCHECK "} {
				if !strings.Contains(s, want) {
					t.Errorf("no %q in:\n%s", want, s)
				}
			}
		})
	}
	if _, err := containers.PrebuiltStage(dockerfile, "build"); err == nil {
		t.Error("the Go build stage taken as a final stage")
	}
	if _, err := containers.PrebuiltStage(dockerfile, "nope"); err == nil {
		t.Error("a stage that does not exist")
	}
}

// TestSourceHashFollowsDockerignore: the fingerprint covers the build
// context and nothing else, so editing a test or a doc does not make
// harness/containers rebuild an image, and editing code does.
func TestSourceHashFollowsDockerignore(t *testing.T) {
	root := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".dockerignore", "docs\n**/*_test.go\n")
	write("go.mod", "module x\n")
	write("a/a.go", "package a\n")
	write("a/a_test.go", "package a\n")
	write("docs/a.md", "# a\n")
	hash := func() string {
		t.Helper()
		h, err := containers.SourceHash(root)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	before := hash()
	write("a/a_test.go", "package a // changed\n")
	write("docs/a.md", "# changed\n")
	if got := hash(); got != before {
		t.Errorf("a test or doc changed the fingerprint: %s -> %s", before, got)
	}
	write("a/a.go", "package a // changed\n")
	if got := hash(); got == before {
		t.Error("a code change left the fingerprint as it was")
	}
}
