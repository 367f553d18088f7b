// Command harness runs provisioning scenarios against mockokta and
// mockatlassian (in-process by default, or running servers), validates
// scenario files, and serves both simulators wired together.
//
//	harness run [flags] FILE|DIR...
//	harness validate FILE|DIR...
//	harness serve [flags]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/provsim/provsim/harness"
	"github.com/provsim/provsim/harness/bench"
	"github.com/provsim/provsim/internal/sim"
)

const usage = `usage:
  harness run [flags] FILE|DIR...    run scenarios (in-process unless --okta-url/--atlassian-url)
  harness validate FILE|DIR...       check scenario files; problems as file:line:column
  harness serve [flags]              start mockatlassian and mockokta wired together
  harness bench [flags]              measure provsim against this machine's limits (run from the repository)
Run 'harness <command> -h' for the flags.`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return runCmd(args[1:], stdout, stderr)
	case "validate":
		return validateCmd(args[1:], stdout, stderr)
	case "serve":
		return serveCmd(args[1:], stdout, stderr)
	case "bench":
		return benchCmd(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "harness: unknown command %q\n%s\n", args[0], usage)
	return 2
}

// expand turns files and directories into scenario files, sorted.
func expand(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		for _, pat := range []string{"*.yaml", "*.yml"} {
			m, _ := filepath.Glob(filepath.Join(p, pat))
			out = append(out, m...)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, errors.New("no scenario files")
	}
	return out, nil
}

func runCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("harness run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	oktaURL := fs.String("okta-url", "", "base URL of a running mockokta (default: in-process)")
	atlURL := fs.String("atlassian-url", "", "base URL of a running mockatlassian (default: in-process)")
	atlFromOkta := fs.String("atlassian-url-from-okta", "", "mockatlassian's base URL as mockokta reaches it (e.g. http://mockatlassian:8081 in compose); default --atlassian-url")
	parallel := fs.Int("parallel", 1, "scenarios run at once")
	junit := fs.String("junit", "", "write a JUnit XML report to FILE")
	jsonOut := fs.String("json", "", "write a JSON report to FILE")
	timeout := fs.Duration("timeout", 0, "wait-for-engine timeout per step (default: the scenario's, else 30s)")
	controlToken := fs.String("control-token", "", "control token of servers started with --control-token, sent on their /_sim/ routes (prefer HARNESS_CONTROL_TOKEN: flags show in ps)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := sim.ApplyEnv(fs, "HARNESS", os.Getenv); err != nil {
		fmt.Fprintln(stderr, "harness:", err)
		return 2
	}
	files, err := expand(fs.Args())
	if err != nil {
		fmt.Fprintln(stderr, "harness:", err)
		return 2
	}
	if (*oktaURL == "") != (*atlURL == "") {
		fmt.Fprintln(stderr, "harness: --okta-url and --atlassian-url go together")
		return 2
	}
	if *controlToken != "" && *oktaURL == "" {
		fmt.Fprintln(stderr, "harness: --control-token is for running servers: give --okta-url and --atlassian-url")
		return 2
	}
	if err := harness.ValidateFiles(files); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var env *harness.Env
	if *oktaURL != "" {
		env = harness.Remote(*oktaURL, *atlURL)
		env.AtlassianURLFromOkta = *atlFromOkta
		env.ControlToken = *controlToken
	}
	results := make([]*harness.Result, len(files))
	work := make(chan int)
	var wg sync.WaitGroup
	progress := newProgress(stderr)
	for range max(1, *parallel) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				opts := harness.RunOptions{Env: env, Timeout: *timeout, Progress: progress.fn(files[i])}
				res, err := harness.RunFile(ctx, files[i], opts)
				if err != nil {
					res = &harness.Result{File: files[i], Name: files[i], Error: err.Error()}
				}
				progress.done()
				results[i] = res
			}
		}()
	}
	for i := range files {
		work <- i
	}
	close(work)
	wg.Wait()
	harness.WriteText(stdout, results)
	if *junit != "" {
		if err := writeFile(*junit, func(w io.Writer) error { return harness.WriteJUnit(w, results) }); err != nil {
			fmt.Fprintln(stderr, "harness:", err)
			return 1
		}
	}
	if *jsonOut != "" {
		if err := writeFile(*jsonOut, func(w io.Writer) error { return harness.WriteJSON(w, results) }); err != nil {
			fmt.Fprintln(stderr, "harness:", err)
			return 1
		}
	}
	for _, r := range results {
		if !r.Passed {
			return 1
		}
	}
	return 0
}

func writeFile(path string, fn func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// progress draws a bar on a terminal for long setups (generated people).
type progress struct {
	mu  sync.Mutex
	w   io.Writer
	tty bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) fn(file string) func(done, total int, what string) {
	if !p.tty {
		return nil
	}
	return func(done, total int, what string) {
		if total < 200 {
			return
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		const width = 30
		n := done * width / total
		fmt.Fprintf(p.w, "\r  %s: [%s%s] %d/%d %s", filepath.Base(file), strings.Repeat("#", n), strings.Repeat(".", width-n), done, total, what)
	}
}

func (p *progress) done() {
	if !p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\033[K")
}

func validateCmd(args []string, stdout, stderr io.Writer) int {
	files, err := expand(args)
	if err != nil {
		fmt.Fprintln(stderr, "harness:", err)
		return 2
	}
	if err := harness.ValidateFiles(files); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%d scenario files are valid\n", len(files))
	return 0
}

func serveCmd(args []string, stdout, stderr io.Writer) int {
	cfg, err := harness.ParseServeFlags(args, os.Getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "harness serve:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := harness.Serve(ctx, cfg, stdout); err != nil {
		fmt.Fprintln(stderr, "harness serve:", err)
		return 1
	}
	return 0
}

func benchCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("harness bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := bench.Defaults()
	var sizes string
	fs.IntVar(&c.Users, "users", c.Users, "SCIM directory size for throughput")
	fs.IntVar(&c.E2EPeople, "people", c.E2EPeople, "people assigned end to end")
	fs.StringVar(&sizes, "memory-sizes", "1000,100000,1000000", "directory sizes for memory and lookups")
	fs.DurationVar(&c.Duration, "duration", c.Duration, "length of each throughput measurement")
	fs.IntVar(&c.Workers, "workers", c.Workers, "concurrent clients for throughput")
	fs.DurationVar(&c.Pace, "pace", c.Pace, "Okta-paced setting: wait after each engine job")
	markdown := fs.String("markdown", "", "also write the table as Markdown to FILE")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c.MemorySizes = nil
	for _, f := range strings.Split(sizes, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(f), &n); err != nil || n <= 0 {
			fmt.Fprintf(stderr, "harness bench: bad size %q\n", f)
			return 2
		}
		c.MemorySizes = append(c.MemorySizes, n)
	}
	if wd, err := os.Getwd(); err == nil {
		if _, err := os.Stat(filepath.Join(wd, "go.mod")); err == nil {
			c.RepoRoot = wd
		}
	}
	c.Log = stderr
	rep, err := bench.Run(context.Background(), c)
	if rep != nil {
		rep.Write(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "harness bench:", err)
		return 1
	}
	if *markdown != "" {
		if err := os.WriteFile(*markdown, []byte(rep.Markdown()), 0o644); err != nil {
			fmt.Fprintln(stderr, "harness bench:", err)
			return 1
		}
	}
	return 0
}
