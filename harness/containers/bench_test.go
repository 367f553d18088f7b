package containers_test

import (
	"context"
	"testing"
	"time"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/provsim/provsim/harness/containers"
)

// BenchmarkRun measures how long Run takes to hand back a ready, wired
// environment (both containers created, started and answering
// /_sim/health) with the images already built; removing it is not timed.
//
//	go test -run '^$' -bench Run -benchtime 5x ./harness/containers
func BenchmarkRun(b *testing.B) {
	needDocker(b)
	ctx := context.Background()
	for _, c := range []string{"mockatlassian", "mockokta"} {
		if _, err := containers.EnsureImage(ctx, c, containers.BuildOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	var total time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		env, err := containers.Run(ctx, containers.WithLogger(tclog.NewNoopLogger()))
		total += time.Since(t0)
		b.StopTimer()
		if err != nil {
			_ = env.Terminate(ctx)
			b.Fatal(err)
		}
		if err := env.Terminate(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/env")
}
