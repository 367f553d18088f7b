package containers

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// The images `make images` builds and Run uses.
const (
	DefaultAtlassianImage = "provsim/mockatlassian:dev"
	DefaultOktaImage      = "provsim/mockokta:dev"
	DefaultHarnessImage   = "provsim/harness:dev"
)

// SourceLabel is the image label holding the fingerprint of the source an
// image was built from (see SourceHash).
const SourceLabel = "io.provsim.source"

// Components are the images provsim builds.
var Components = []string{"mockatlassian", "mockokta", "harness"}

const modulePath = "github.com/provsim/provsim"

// buildMu serializes image builds within this process, so parallel Runs
// build a missing image once.
var buildMu sync.Mutex

// BuildOptions configure BuildImage and EnsureImage.
type BuildOptions struct {
	// SourceDir is the provsim repository (or module) root holding go.mod,
	// cmd/ and docker/. Default: SourceDir(ctx).
	SourceDir string
	// Tag is the image reference; default provsim/<component>:dev.
	Tag string
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// Image is a built or found image.
type Image struct {
	Ref    string
	ID     string
	Size   int64 // bytes
	Built  bool  // false: the engine had it, from the same source
	Source string
}

// EnsureImage makes sure the engine has the image of component
// (mockatlassian, mockokta or harness) built from the current source: it
// builds it when the image is missing or its SourceLabel differs from
// SourceHash. Without provsim's source at hand, any image under that
// reference is used as it is.
func EnsureImage(ctx context.Context, component string, opts BuildOptions) (Image, error) {
	return ensure(ctx, component, opts, false)
}

// BuildImage builds the image of component (mockatlassian, mockokta or
// harness) as `make images` does, with no registry: a static binary
// (CGO_ENABLED=0 go build) and docker/<component>.Dockerfile, FROM
// scratch. It needs the Go toolchain and provsim's source.
func BuildImage(ctx context.Context, component string, opts BuildOptions) (Image, error) {
	return ensure(ctx, component, opts, true)
}

func ensure(ctx context.Context, component string, opts BuildOptions, always bool) (Image, error) {
	if !slices.Contains(Components, component) {
		return Image{}, fmt.Errorf("unknown component %q (want mockatlassian, mockokta or harness)", component)
	}
	if opts.Tag == "" {
		opts.Tag = "provsim/" + component + ":dev"
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return Image{}, fmt.Errorf("docker: %w", err)
	}
	defer cli.Close()
	root, rootErr := opts.SourceDir, error(nil)
	if root == "" {
		root, rootErr = SourceDir(ctx)
	}
	var sum string
	if rootErr == nil {
		if sum, err = SourceHash(root); err != nil {
			return Image{}, err
		}
	}
	var previous string // the image the tag named before, removed once replaced
	insp, inspErr := cli.ImageInspect(ctx, opts.Tag)
	if inspErr == nil {
		previous = insp.ID
	}
	if !always {
		err := inspErr
		switch {
		case err == nil && (rootErr != nil || insp.Config != nil && insp.Config.Labels[SourceLabel] == sum &&
			insp.Config.Labels["io.provsim.component"] == component):
			return Image{Ref: opts.Tag, ID: insp.ID, Size: insp.Size, Source: sum}, nil
		case err != nil && !cerrdefs.IsNotFound(err):
			return Image{}, fmt.Errorf("inspect %s: %w", opts.Tag, err)
		case err != nil && rootErr != nil:
			return Image{}, fmt.Errorf("image %s is missing and cannot be built: %w", opts.Tag, rootErr)
		}
	} else if rootErr != nil {
		return Image{}, rootErr
	}
	if err := buildImage(ctx, cli.Client, component, root, sum, opts); err != nil {
		return Image{}, err
	}
	insp, err = cli.ImageInspect(ctx, opts.Tag)
	if err != nil {
		return Image{}, err
	}
	if previous != "" && previous != insp.ID {
		// The image the tag named before, if no tag names it now; not
		// forced, so one that a container still uses stays.
		if old, err := cli.ImageInspect(ctx, previous); err == nil && len(old.RepoTags) == 0 {
			_, _ = cli.ImageRemove(ctx, previous, client.ImageRemoveOptions{PruneChildren: true})
		}
	}
	return Image{Ref: opts.Tag, ID: insp.ID, Size: insp.Size, Built: true, Source: sum}, nil
}

func buildImage(ctx context.Context, cli *client.Client, component, root, sum string, opts BuildOptions) error {
	tag := opts.Tag
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, format+"\n", args...)
		}
	}
	dockerfile, err := os.ReadFile(filepath.Join(root, "docker", component+".Dockerfile"))
	if err != nil {
		return fmt.Errorf("build %s: %w", tag, err)
	}
	arch := runtime.GOARCH
	if v, err := cli.ServerVersion(ctx, client.ServerVersionOptions{}); err == nil && v.Arch != "" {
		arch = v.Arch
	}
	tmp, err := os.MkdirTemp("", "provsim-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, component)
	logf("%s: go build ./cmd/%s (linux/%s, CGO_ENABLED=0)", tag, component, arch)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/"+component)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/%s: %w\n%s", component, err, out)
	}
	files := map[string]string{component: bin} // name in the context -> path
	if component == "harness" {
		scen, _ := filepath.Glob(filepath.Join(root, "scenarios", "*.yaml"))
		for _, f := range scen {
			files["scenarios/"+filepath.Base(f)] = f
		}
	}
	buildCtx, err := contextTar(dockerfile, files, component != "harness")
	if err != nil {
		return err
	}
	revision := gitRevision(ctx, root)
	logf("%s: docker build (revision %s)", tag, revision)
	res, err := cli.ImageBuild(ctx, buildCtx, client.ImageBuildOptions{
		Tags: []string{tag}, Dockerfile: "Dockerfile", Remove: true, ForceRemove: true,
		BuildArgs: map[string]*string{"REVISION": &revision},
		Labels:    map[string]string{SourceLabel: sum},
	})
	if err != nil {
		return fmt.Errorf("docker build %s: %w", tag, err)
	}
	defer res.Body.Close()
	return readBuildStream(res.Body, tag)
}

// readBuildStream drains the engine's JSON progress stream and returns the
// build's error, if any.
func readBuildStream(r io.Reader, tag string) error {
	dec := json.NewDecoder(r)
	var last string
	for {
		var m struct {
			Stream      string `json:"stream"`
			Error       string `json:"error"`
			ErrorDetail struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("docker build %s: reading progress: %w", tag, err)
		}
		if m.ErrorDetail.Message != "" {
			m.Error = m.ErrorDetail.Message
		}
		if m.Error != "" {
			return fmt.Errorf("docker build %s: %s (after %q)", tag, m.Error, strings.TrimSpace(last))
		}
		if s := strings.TrimSpace(m.Stream); s != "" {
			last = s
		}
	}
}

// contextTar is a build context: the Dockerfile, the given files and, for
// the servers, an empty data/ directory.
func contextTar(dockerfile []byte, files map[string]string, dataDir bool) (io.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("Dockerfile", 0o644, dockerfile); err != nil {
		return nil, err
	}
	if dataDir {
		if err := tw.WriteHeader(&tar.Header{Name: "data/", Mode: 0o755, Typeflag: tar.TypeDir}); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		data, err := os.ReadFile(files[name])
		if err != nil {
			return nil, err
		}
		mode := int64(0o644)
		if !strings.Contains(name, "/") {
			mode = 0o755 // the binary
		}
		if err := add(name, mode, data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return &buf, nil
}

// SourceHash fingerprints what the images are built from: go.mod, go.sum,
// every non-test Go file (outside harness/containers and testdata), the
// Dockerfiles and the shipped scenarios. A rebuilt image of the same
// source has the same fingerprint, so EnsureImage rebuilds only after a
// change.
func SourceHash(root string) (string, error) {
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "bin" || rel == "harness/containers") {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case rel == "go.mod" || rel == "go.sum",
			strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go") && !strings.HasPrefix(rel, "docker/"),
			strings.HasPrefix(rel, "docker/") && strings.HasSuffix(rel, ".Dockerfile"),
			strings.HasPrefix(rel, "scenarios/") && strings.HasSuffix(rel, ".yaml"):
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			return "", err
		}
		fh := sha256.Sum256(data)
		fmt.Fprintf(h, "%x  %s\n", fh, f)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// SourceDir finds provsim's source: this package's own tree when it was
// compiled from one (a clone, or the module cache), else the directory of
// the provsim module as `go list -m` sees it from the working directory.
func SourceDir(ctx context.Context) (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		root := filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
		if isSourceDir(root) {
			return root, nil
		}
	}
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", modulePath).Output()
	if err == nil {
		if root := strings.TrimSpace(string(out)); isSourceDir(root) {
			return root, nil
		}
	}
	return "", errors.New("provsim's source (go.mod, cmd/, docker/) not found: run `make images` in a clone, or set BuildOptions.SourceDir")
}

func isSourceDir(dir string) bool {
	for _, f := range []string{"go.mod", "docker/mockokta.Dockerfile", "cmd/mockokta"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return false
		}
	}
	return true
}

func gitRevision(ctx context.Context, dir string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(out))
	if st, err := exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		rev += "-dirty"
	}
	return rev
}
