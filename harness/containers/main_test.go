package containers_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// noDocker is why container tests skip: set only when no Docker daemon
// answers.
var noDocker error

func TestMain(m *testing.M) {
	// Ryuk (testcontainers' reaper) is an image from a registry; where none
	// can be pulled it cannot start. Every test here terminates what it
	// starts, so the reaper is not needed.
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	flag.Parse()
	if noDocker = dockerAnswers(); noDocker != nil {
		// CI must not go green by skipping: there a missing daemon fails.
		if os.Getenv("PROVSIM_REQUIRE_DOCKER") == "1" {
			fmt.Fprintf(os.Stderr, "harness/containers: FAIL: no Docker daemon answers (%v) and PROVSIM_REQUIRE_DOCKER=1\n", noDocker)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "harness/containers: SKIP: no Docker daemon answers (%v); the container tests, examples and benchmarks need one\n", noDocker)
		// Examples cannot skip themselves: leave them out.
		skip := "^Example"
		if s := flag.Lookup("test.skip"); s != nil && s.Value.String() != "" {
			skip = s.Value.String() + "|" + skip
		}
		_ = flag.Set("test.skip", skip)
	}
	os.Exit(m.Run())
}

func dockerAnswers() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	_, err = cli.Ping(ctx, client.PingOptions{})
	return err
}

// needDocker skips the test, with the reason, when no Docker daemon answers.
func needDocker(tb testing.TB) {
	tb.Helper()
	if noDocker != nil {
		tb.Skipf("no Docker daemon answers: %v", noDocker)
	}
}
