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
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
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
// (CGO_ENABLED=0 go build) in the component's FROM-scratch stage of
// docker/Dockerfile (PrebuiltStage). It needs the Go toolchain and provsim's source.
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
	defer func() { _ = cli.Close() }() // only idle connections to close
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

// The Go build of every image, on the host or in docker/Dockerfile's build
// stage: static, no paths, no VCS stamp, the commit as a link-time
// variable. Both paths must use these same flags to make the same binary.
const commitVar = modulePath + "/internal/cli.commit"

func buildImage(ctx context.Context, cli *client.Client, component, root, sum string, opts BuildOptions) error {
	tag := opts.Tag
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, format+"\n", args...)
		}
	}
	dockerfile, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(Dockerfile)))
	if err != nil {
		return fmt.Errorf("build %s: %w", tag, err)
	}
	final, err := PrebuiltStage(dockerfile, component)
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
	defer func() { _ = os.RemoveAll(tmp) }() // a temporary directory left behind is harmless
	args := BuildArgs(ctx, root, sum)
	bin := filepath.Join(tmp, component)
	logf("%s: go build ./cmd/%s (linux/%s, CGO_ENABLED=0)", tag, component, arch)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags=-s -w -X "+commitVar+"="+*args["REVISION"], "-o", bin, "./cmd/"+component)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/%s: %w\n%s", component, err, out)
	}
	// The context holds, under the paths the final stage copies from
	// /out/, what the build stage would have made there.
	files := map[string]string{component + "/" + component: bin}
	if component == "harness" {
		scen, _ := filepath.Glob(filepath.Join(root, "scenarios", "*.yaml"))
		for _, f := range scen {
			files["harness/scenarios/"+filepath.Base(f)] = f
		}
	}
	buildCtx, err := contextTar(final, files, component != "harness")
	if err != nil {
		return err
	}
	logf("%s: docker build (version %s, revision %s)", tag, *args["VERSION"], *args["REVISION"])
	res, err := cli.ImageBuild(ctx, buildCtx, client.ImageBuildOptions{
		Tags: []string{tag}, Dockerfile: "Dockerfile", Remove: true, ForceRemove: true, BuildArgs: args,
	})
	if err != nil {
		return fmt.Errorf("docker build %s: %w", tag, err)
	}
	defer res.Body.Close()
	return readBuildStream(res.Body, tag)
}

// Dockerfile is the one Dockerfile of all three images, relative to the
// repository root: a Go build stage, then one FROM-scratch stage per
// component, named after it.
const Dockerfile = "docker/Dockerfile"

// PrebuiltStage is the final stage of component from docker/Dockerfile,
// made to take what it copies from the build stage's /out/ from the build
// context instead ("COPY --from=build /out/mockokta/ /" becomes
// "COPY mockokta/ /"): the fast path, with binaries from the host's Go
// toolchain, builds the same image from the same lines.
func PrebuiltStage(dockerfile []byte, component string) ([]byte, error) {
	var out []string
	in := false
	for _, line := range strings.Split(string(dockerfile), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.EqualFold(f[0], "FROM") {
			if in {
				break
			}
			in = len(f) == 4 && strings.EqualFold(f[2], "AS") && f[3] == component
			if in && f[1] != "scratch" {
				return nil, fmt.Errorf("%s: stage %s is FROM %s, want scratch", Dockerfile, component, f[1])
			}
		}
		if !in {
			continue
		}
		if f := strings.Fields(line); len(f) > 0 && strings.EqualFold(f[0], "COPY") && slices.Contains(f, "--from=build") {
			line = strings.Replace(line, "--from=build ", "", 1)
			line = strings.Replace(line, " /out/", " ", 1)
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no stage %q", Dockerfile, component)
	}
	return []byte(strings.Join(out, "\n") + "\n"), nil
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

// contextTar is a build context: the Dockerfile and the given files with
// their parent directories, plus, for the servers, the empty state/data/
// and state/tmp/.
// Every entry has the time docker/Dockerfile's build stage gives what it
// makes (the epoch), since COPY keeps file times: the same layers either
// way.
func contextTar(dockerfile []byte, files map[string]string, dataDir bool) (io.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	add := func(name string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), ModTime: epoch, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("Dockerfile", 0o644, dockerfile); err != nil {
		return nil, err
	}
	dirs := map[string]bool{}
	if dataDir {
		dirs["state/"], dirs["state/data/"], dirs["state/tmp/"] = true, true, true
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			dirs[d+"/"] = true
		}
	}
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		if err := tw.WriteHeader(&tar.Header{Name: d, Mode: 0o755, ModTime: epoch, Typeflag: tar.TypeDir}); err != nil {
			return nil, err
		}
	}
	sort.Strings(names)
	for _, name := range names {
		data, err := os.ReadFile(files[name])
		if err != nil {
			return nil, err
		}
		mode := int64(0o644)
		if path.Base(name) == path.Base(path.Dir(name)) {
			mode = 0o755 // the binary, <component>/<component>
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

// SourceHash fingerprints what the images are built from: the files of
// docker/Dockerfile's build context, the repository less what .dockerignore
// leaves out (tests, docs, git). A rebuilt image of the same source has
// the same fingerprint, so EnsureImage rebuilds only after a change.
func SourceHash(root string) (string, error) {
	ignore, err := dockerIgnore(root)
	if err != nil {
		return "", err
	}
	var files []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		skip, err := ignore.MatchesOrParentMatches(rel)
		if err != nil {
			return err
		}
		switch {
		case skip && d.IsDir() && !ignore.Exclusions():
			return filepath.SkipDir
		case !skip && d.Type().IsRegular():
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

// dockerIgnore reads root/.dockerignore with the Docker CLI's own parser.
func dockerIgnore(root string) (*patternmatcher.PatternMatcher, error) {
	var patterns []string
	b, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	switch {
	case err == nil:
		if patterns, err = ignorefile.ReadAll(bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf(".dockerignore: %w", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	return patternmatcher.New(patterns)
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
	for _, f := range []string{"go.mod", Dockerfile, "cmd/mockokta"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return false
		}
	}
	return true
}

// BuildArgs are docker/Dockerfile's build arguments for the source at
// root with fingerprint sum (SourceHash): REVISION, VERSION and SOURCE.
// The fast path passes them to its build; CI passes them to compose's
// (`go run docker/images.go -build-args`).
func BuildArgs(ctx context.Context, root, sum string) map[string]*string {
	revision, version := gitRevision(ctx, root), releaseVersion(root)
	return map[string]*string{"REVISION": &revision, "VERSION": &version, "SOURCE": &sum}
}

// gitRevision is the commit the source is at, "-dirty" when it has
// uncommitted changes, or "unknown" outside a git checkout.
func gitRevision(ctx context.Context, dir string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(out))
	if st, err := exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		rev += "-dirty"
	}
	return rev
}

// releaseVersion is the release number the binaries embed
// (internal/cli/VERSION), for the image's version label.
func releaseVersion(root string) string {
	b, err := os.ReadFile(filepath.Join(root, "internal", "cli", "VERSION"))
	if v := strings.TrimSpace(string(b)); err == nil && v != "" {
		return v
	}
	return "unknown"
}
