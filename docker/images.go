//go:build ignore

// Command images builds provsim's container images the fast way, without a
// registry: for each of mockatlassian, mockokta and harness, a static
// binary from the host's Go toolchain (CGO_ENABLED=0) in the FROM-scratch
// stage of docker/Dockerfile named after it. `make images` runs it:
//
//	go run docker/images.go [-tag dev] [-missing] [mockatlassian|mockokta|harness]...
//	go run docker/images.go -build-args   # NAME=value lines for compose's build
//
// Images are tagged provsim/<name>:<tag> and labelled with a fingerprint of
// the source (io.provsim.source), which harness/containers checks before
// reusing an image. The code is harness/containers.BuildImage, the one
// testcontainers module users get. -build-args prints the same revision,
// version and fingerprint as PROVSIM_REVISION, PROVSIM_VERSION and
// PROVSIM_SOURCE, which compose.yaml passes to docker/Dockerfile, so images
// that compose builds are reused by harness/containers too.
package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/provsim/provsim/harness/containers"
)

func main() {
	tag := flag.String("tag", envOr("PROVSIM_TAG", "dev"), "image tag (env PROVSIM_TAG)")
	missing := flag.Bool("missing", false, "build only images that are missing or from other source")
	verbose := flag.Bool("v", false, "show build steps")
	buildArgs := flag.Bool("build-args", false, "print PROVSIM_REVISION, PROVSIM_VERSION and PROVSIM_SOURCE (NAME=value lines) and exit")
	flag.Parse()
	ctx := context.Background()
	if *buildArgs {
		if err := printBuildArgs(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "images:", err)
			os.Exit(1)
		}
		return
	}
	if !*verbose {
		tclog.SetDefault(tclog.NewNoopLogger()) // no "Connected to docker" banner
	}
	names := flag.Args()
	if len(names) == 0 {
		names = containers.Components
	}
	for _, name := range names {
		opts := containers.BuildOptions{Tag: "provsim/" + name + ":" + *tag}
		if *verbose {
			opts.Log = os.Stderr
		}
		start := time.Now()
		build := containers.BuildImage
		if *missing {
			build = containers.EnsureImage
		}
		img, err := build(ctx, name, opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, "images:", err)
			os.Exit(1)
		}
		what := "built"
		if !img.Built {
			what = "up to date"
		}
		fmt.Printf("%-28s %5.1f MB  %s in %.1fs (source %s)\n", img.Ref, float64(img.Size)/1e6, what, time.Since(start).Seconds(), img.Source)
	}
}

func printBuildArgs(ctx context.Context) error {
	root, err := containers.SourceDir(ctx)
	if err != nil {
		return err
	}
	sum, err := containers.SourceHash(root)
	if err != nil {
		return err
	}
	args := containers.BuildArgs(ctx, root, sum)
	for _, name := range slices.Sorted(maps.Keys(args)) {
		fmt.Printf("PROVSIM_%s=%s\n", name, *args[name])
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
