//go:build ignore

// Command images builds provsim's container images without a registry:
// for each of mockatlassian, mockokta and harness, a static binary from the
// host's Go toolchain (CGO_ENABLED=0) in a FROM-scratch image
// (docker/<name>.Dockerfile). `make images` runs it:
//
//	go run docker/images.go [-tag dev] [-missing] [mockatlassian|mockokta|harness]...
//
// Images are tagged provsim/<name>:<tag> and labelled with a fingerprint of
// the source (io.provsim.source), which harness/containers checks before
// reusing an image. The code is harness/containers.BuildImage, the one
// testcontainers module users get.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/provsim/provsim/harness/containers"
)

func main() {
	tag := flag.String("tag", envOr("PROVSIM_TAG", "dev"), "image tag (env PROVSIM_TAG)")
	missing := flag.Bool("missing", false, "build only images that are missing or from other source")
	verbose := flag.Bool("v", false, "show build steps")
	flag.Parse()
	if !*verbose {
		tclog.SetDefault(tclog.NewNoopLogger()) // no "Connected to docker" banner
	}
	names := flag.Args()
	if len(names) == 0 {
		names = containers.Components
	}
	ctx := context.Background()
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

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
