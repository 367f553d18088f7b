// Package bench measures provsim against the limits of the machine it runs
// on: each figure is set beside a bare baseline measured in the same run
// (a bare net/http handler, a plain SCIM client), so the ratios hold
// whatever this machine's absolute speed. `harness bench` prints the table;
// docs/performance.md records a run.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Config sizes a run. The defaults are the sizes.
type Config struct {
	Users        int   // SCIM directory size for throughput (100,000)
	E2EPeople    int   // people assigned end to end (10,000)
	OktaUsers    int   // Okta org size for the Management API (100,000)
	OktaAppUsers int   // of them assigned to the app (1,000)
	MemorySizes  []int // directory sizes for memory and lookups
	// DurableSizes are the directory sizes of the durable-write section
	// (--data-dir under the system's temporary directory, which must be
	// on disk for the figures to mean anything).
	DurableSizes []int
	Duration     time.Duration // per throughput measurement
	Workers      int           // concurrent clients for throughput
	Pace         time.Duration // Okta-paced setting: wait between engine jobs
	RepoRoot     string        // for building binaries (cold start); "" skips
	Log          io.Writer     // progress lines; nil for none
	// Only names the sections to run (their keys: scim, e2e, memory,
	// tenants, scenario, durable, okta); empty runs them all.
	Only []string
	// Match keeps only the throughput rows whose measure contains it.
	Match string
}

// Defaults returns the sizes.
func Defaults() Config {
	return Config{Users: 100000, E2EPeople: 10000, OktaUsers: 100000, OktaAppUsers: 1000, MemorySizes: []int{1000, 100000, 1000000},
		DurableSizes: []int{1000, 20000, 100000}, Duration: 2 * time.Second, Workers: 8, Pace: 100 * time.Millisecond}
}

// Row is one line of the table.
type Row struct {
	Section string
	Measure string
	Value   string  // the figure, with its unit
	Limit   string  // the baseline it is compared with
	Ratio   float64 // Value/Limit where that means something (0: none)
	Target  string
	Met     *bool
}

// Report is a run's rows and the machine it ran on.
type Report struct {
	Rows    []Row
	Machine string
	Took    time.Duration
}

func (r *Report) add(row Row) { r.Rows = append(r.Rows, row) }

func met(ok bool) *bool { return &ok }

// Run measures everything and returns the report.
func Run(ctx context.Context, c Config) (*Report, error) {
	start := time.Now()
	rep := &Report{Machine: machine()}
	logf := func(format string, args ...any) {
		if c.Log != nil {
			fmt.Fprintf(c.Log, format+"\n", args...)
		}
	}
	quiet := slog.New(slog.DiscardHandler)
	steps := []struct {
		key, name string
		fn        func(context.Context, Config, *Report, *slog.Logger) error
	}{
		{"scim", "SCIM throughput", scimThroughput},
		{"e2e", "end to end", endToEnd},
		{"memory", "memory and lookups", memoryAndLookups},
		{"tenants", "tenants and cold start", tenantsAndColdStart},
		{"scenario", "guide scenario", guideScenario},
		{"durable", "durable store", durableStore},
		{"okta", "Okta Management API", oktaAPI},
	}
	for _, s := range steps {
		if len(c.Only) > 0 && !slices.Contains(c.Only, s.key) {
			continue
		}
		logf("bench: %s…", s.name)
		t0 := time.Now()
		if err := s.fn(ctx, c, rep, quiet); err != nil {
			return rep, fmt.Errorf("%s: %w", s.name, err)
		}
		logf("bench: %s done in %s", s.name, time.Since(t0).Round(time.Millisecond))
		runtime.GC()
	}
	rep.Took = time.Since(start)
	return rep, nil
}

func machine() string {
	return fmt.Sprintf("%d CPUs (GOMAXPROCS %d), %s/%s, %s, %s", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version(), memTotal())
}

// Write prints the report as an aligned table.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "machine: %s\n\n", r.Machine)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "section\tmeasure\tvalue\tbaseline\tratio\ttarget\tmet")
	for _, row := range r.Rows {
		ratio, m := "", ""
		if row.Ratio != 0 {
			ratio = fmt.Sprintf("%.0f%%", row.Ratio*100)
		}
		if row.Met != nil {
			m = map[bool]string{true: "yes", false: "NO"}[*row.Met]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row.Section, row.Measure, row.Value, row.Limit, ratio, row.Target, m)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nbench took %s\n", r.Took.Round(time.Second))
}

// Markdown renders the report as a Markdown table.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Machine: %s\n\n| section | measure | value | baseline | ratio | target | met |\n|---|---|---|---|---|---|---|\n", r.Machine)
	for _, row := range r.Rows {
		ratio, m := "", ""
		if row.Ratio != 0 {
			ratio = fmt.Sprintf("%.0f%%", row.Ratio*100)
		}
		if row.Met != nil {
			m = map[bool]string{true: "yes", false: "**no**"}[*row.Met]
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", row.Section, row.Measure, row.Value, row.Limit, ratio, row.Target, m)
	}
	fmt.Fprintf(&b, "\nThe run took %s.\n", r.Took.Round(time.Second))
	return b.String()
}

func perSec(n int, d time.Duration) string { return fmt.Sprintf("%.0f/s", float64(n)/d.Seconds()) }

func dur(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		return fmt.Sprintf("%.1fµs", float64(d.Nanoseconds())/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d.Nanoseconds())/1e6)
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}
