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
	"github.com/provsim/provsim/internal/sim"
)

const usage = `usage:
  harness run [flags] FILE|DIR...    run scenarios (in-process unless --okta-url/--atlassian-url)
  harness validate FILE|DIR...       check scenario files; problems as file:line:column
  harness serve [flags]              start mockatlassian and mockokta wired together
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
