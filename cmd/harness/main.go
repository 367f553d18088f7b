// Command harness runs provisioning scenarios against mockokta and
// mockatlassian (in-process by default, or running servers), checks
// scenario files, lists a scenario's people, and serves both simulators
// wired together. Run `harness --help` for the commands.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/provsim/provsim/harness"
	"github.com/provsim/provsim/harness/bench"
	"github.com/provsim/provsim/internal/cli"
	"github.com/provsim/provsim/mockokta"
	"github.com/provsim/provsim/mockokta/conformance"
)

func main() { cli.Main(command()) }

// run runs the harness command line with the process's environment (the
// tests' entry point).
func run(args []string, stdout, stderr io.Writer) int {
	return cli.Execute(context.Background(), command(), args, stdout, stderr, os.Getenv)
}

func command() *cobra.Command {
	root := cli.NewRoot("harness", "Run provisioning scenarios against mockokta and mockatlassian",
		"harness takes test accounts and groups through the Okta → Atlassian provisioning lifecycle,\n"+
			"as YAML scenarios, and checks both sides after each step (docs/scenarios.md).")
	root.Example = "  harness run scenarios/                 # the shipped scenarios, in-process\n" +
		"  harness run my.yaml --junit report.xml\n" +
		"  harness validate scenarios/\n" +
		"  harness people scenarios/generated-org-1000.yaml\n" +
		"  harness serve                          # both servers on :8080 and :8081\n" +
		"  harness wire-saml --okta-url URL --okta-token T --atlassian-url URL   # single sign-on between running servers\n" +
		"  harness conformance --scim-url URL --token TOKEN   # test any SCIM server the way Okta does"
	cli.RequireCommand(root)
	root.AddCommand(runCommand(), validateCommand(), peopleCommand(), serveCommand(), wireSAMLCommand(), benchCommand(), conformanceCommand())
	return root
}

// scenarioFiles completes scenario files and directories.
func scenarioFiles(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
}

// needScenarios asks for at least one FILE|DIR, saying how to run the
// shipped ones.
func needScenarios(verb string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cli.Usagef("which scenarios? Give files or directories, e.g. 'harness %s scenarios/' for the shipped ones", verb)
		}
		return nil
	}
}

// expand turns files and directories into scenario files, sorted.
func expand(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, cli.Usagef("%w", err)
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
		return nil, cli.Usagef("no scenario files (*.yaml, *.yml) in %s", strings.Join(paths, ", "))
	}
	return out, nil
}

func runCommand() *cobra.Command {
	var (
		oktaURL, atlURL, atlFromOkta string
		parallel                     int
		junit, jsonOut, htmlOut      string
		timeout                      time.Duration
		controlToken                 string
		target                       harness.SCIMTarget
		auth                         string
		keep                         bool
		pace, rateLimits             string
	)
	cmd := &cobra.Command{
		Use:   "run FILE|DIR... [flags]",
		Short: "Run scenarios (in-process simulators unless --okta-url and --atlassian-url)",
		Long: "run runs scenario files (a directory stands for its *.yaml and *.yml files) and reports each\n" +
			"step; a failure shows the expectation's file:line, what was found and the step's SCIM\n" +
			"traffic. Exit 0 when all pass, 1 when one fails, 2 for a wrong command line.",
		Example: "  harness run scenarios/\n" +
			"  harness run scenarios/ --junit report.xml --json report.json --parallel 2\n" +
			"  harness run scenarios/guide-end-to-end.yaml --html report.html\n" +
			"  harness run my.yaml --okta-url http://localhost:8080 --atlassian-url http://localhost:8081",
		Args:              needScenarios("run"),
		ValidArgsFunction: scenarioFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := expand(args)
			if err != nil {
				return err
			}
			if target.BaseURL != "" {
				if atlURL != "" {
					return cli.Usagef("--scim-base-url replaces mockatlassian: leave out --atlassian-url")
				}
				if target.Token == "" {
					return cli.Usagef("--scim-base-url needs --scim-api-key")
				}
				target.Auth = mockokta.AuthMode(auth)
				if err := target.Validate(); err != nil {
					return cli.Usagef("%w", err)
				}
			} else if (oktaURL == "") != (atlURL == "") {
				return cli.Usagef("--okta-url and --atlassian-url go together")
			}
			if controlToken != "" && oktaURL == "" {
				return cli.Usagef("--control-token is for running servers: give --okta-url and --atlassian-url")
			}
			if _, err := mockokta.ParsePace(pace); err != nil {
				return cli.Usagef("--okta-pace: %w", err)
			}
			if rateLimits != "" {
				if _, err := mockokta.ParseRateLimits(rateLimits); err != nil {
					return cli.Usagef("--okta-rate-limits: %w", err)
				}
			}
			if err := harness.ValidateFiles(files); err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return cli.ErrReported
			}
			var env *harness.Env
			if oktaURL != "" {
				env = harness.Remote(oktaURL, atlURL)
				env.AtlassianURLFromOkta = atlFromOkta
				env.ControlToken = controlToken
			}
			opts := harness.RunOptions{Env: env, Timeout: timeout, Keep: keep, Traffic: htmlOut != "", Pace: pace, RateLimits: rateLimits}
			if target.BaseURL != "" {
				opts.Target = &target
			}
			stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
			results := runFiles(cmd.Context(), files, opts, max(1, parallel), newProgress(stderr))
			harness.WriteText(stdout, results)
			if junit != "" {
				if err := writeFile(junit, func(w io.Writer) error { return harness.WriteJUnit(w, results) }); err != nil {
					return err
				}
			}
			if jsonOut != "" {
				if err := writeFile(jsonOut, func(w io.Writer) error { return harness.WriteJSON(w, results) }); err != nil {
					return err
				}
			}
			if htmlOut != "" {
				server := ""
				if target.BaseURL != "" {
					server = "SCIM server " + target.BaseURL
				}
				if err := writeFile(htmlOut, func(w io.Writer) error { return harness.WriteHTML(w, results, server) }); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "HTML report: %s\n", fileURL(htmlOut))
			}
			for _, r := range results {
				if !r.Passed {
					return cli.ErrReported
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&oktaURL, "okta-url", "", "base `URL` of a running mockokta (default: in-process simulators)")
	f.StringVar(&atlURL, "atlassian-url", "", "base `URL` of a running mockatlassian (default: in-process simulators)")
	f.StringVar(&atlFromOkta, "atlassian-url-from-okta", "", "mockatlassian's base `URL` as mockokta reaches it (e.g. http://mockatlassian:8081 in compose; default --atlassian-url)")
	f.IntVar(&parallel, "parallel", 1, "scenarios run at once")
	f.StringVar(&junit, "junit", "", "write a JUnit XML report to `FILE`")
	f.StringVar(&htmlOut, "html", "", "write a self-contained HTML report to `FILE`: each step with its time and its SCIM exchange as a sequence diagram")
	f.StringVar(&jsonOut, "json", "", "write a JSON report (results and each scenario's people) to `FILE`")
	f.DurationVar(&timeout, "timeout", 0, "wait-for-engine timeout per step, a Go `DURATION` (default: the scenario's, else 30s)")
	f.StringVar(&controlToken, "control-token", "", "control token of servers started with --control-token, sent on their /_sim/ routes (prefer the environment variable: flags show in ps)")
	scimTargetFlags(f, &target.Target, &auth, "provision into the SCIM server at this base `URL` instead of mockatlassian (docs/scenarios.md, \"Against your own SCIM server\")")
	f.StringVar(&target.URLFromOkta, "scim-base-url-from-okta", "", "the SCIM base `URL` as a running mockokta reaches it (default --scim-base-url)")
	cli.Alias(f, "scim-base-url-from-okta", "scim-url-from-okta")
	f.BoolVar(&keep, "keep", false, "leave on the --scim-base-url server the users and groups the run created")
	f.StringVar(&pace, "okta-pace", "", "every scenario's okta.pace: instant, okta (0-3 s before each job, as real Okta), fixed:DURATION or uniform:MIN-MAX (default: the scenario's, else instant)")
	f.StringVar(&rateLimits, "okta-rate-limits", "", "every scenario's okta.rateLimits: off, okta, or okta*FACTOR (default: the scenario's, else off)")
	cli.EnvPrefix(cmd, harness.ServeEnvPrefix)
	return cmd
}

// scimTargetFlags defines the flags naming a SCIM server of the user's and
// its credential, with the names mockokta uses for its SCIM connection
// (--scim-base-url, --scim-api-key); --scim-url and --token, their first
// names, still work.
func scimTargetFlags(f *pflag.FlagSet, t *conformance.Target, auth *string, urlUsage string) {
	f.StringVar(&t.BaseURL, "scim-base-url", "", urlUsage)
	f.StringVar(&t.Token, "scim-api-key", "", "the SCIM server's credential: a bearer token; with --auth header the whole Authorization value, with --auth basic user:password (prefer the environment variable: flags show in ps)")
	f.StringVar(auth, "auth", "bearer", "how requests to the SCIM server authenticate: bearer (Authorization: Bearer KEY), header (KEY verbatim) or basic")
	cli.Alias(f, "scim-base-url", "scim-url")
	cli.Alias(f, "scim-api-key", "token")
}

// runFiles runs scenario files, parallel at a time, in-process when
// base.Env is nil.
func runFiles(ctx context.Context, files []string, base harness.RunOptions, parallel int, progress *progress) []*harness.Result {
	results := make([]*harness.Result, len(files))
	work := make(chan int)
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				opts := base
				opts.Progress = progress.fn(files[i])
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
	return results
}

// fileURL is a file's absolute file:// URL, which terminals make
// clickable; the path as given when it cannot be made absolute.
func fileURL(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

func writeFile(path string, fn func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		_ = f.Close() // the write's error is the one to report
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

func validateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE|DIR...",
		Short: "Check scenario files without running them; problems as file:line:column",
		Long: "validate parses and checks scenario files (a directory stands for its *.yaml and *.yml\n" +
			"files) and reports every problem of every file at once, as file:line:column: message.",
		Example:           "  harness validate scenarios/\n  harness validate my.yaml",
		Args:              needScenarios("validate"),
		ValidArgsFunction: scenarioFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := expand(args)
			if err != nil {
				return err
			}
			if err := harness.ValidateFiles(files); err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return cli.ErrReported
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d scenario files are valid\n", len(files))
			return nil
		},
	}
}

func peopleCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "people FILE",
		Short: "List a scenario's people, generated ones included: ref, login, email, name",
		Long: "people prints the people a scenario makes, explicit ones first, then the generated ones\n" +
			"(the same on every run: they come from the scenario's seed), so expectations can name them\n" +
			"by ref (user: user2).",
		Example:           "  harness people scenarios/generated-org-1000.yaml\n  harness people my.yaml --json",
		Args:              exactlyOneScenario,
		ValidArgsFunction: scenarioFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := harness.ParseFile(args[0])
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return cli.ErrReported
			}
			people, err := s.ExpandPeople()
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(people)
			}
			return harness.WritePeople(cmd.OutOrStdout(), people)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (every attribute) instead of a table")
	cli.EnvPrefix(cmd, "HARNESS_PEOPLE")
	return cmd
}

func exactlyOneScenario(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return cli.Usagef("give one scenario file, e.g. 'harness people scenarios/generated-org-1000.yaml'")
	}
	return nil
}

func serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Start mockatlassian and mockokta wired together, with development tenants",
		Long: "serve runs both simulators in one process: mockatlassian (default 127.0.0.1:8081) with an\n" +
			"organization and SCIM directory, and mockokta (default 127.0.0.1:8080) with an org whose\n" +
			"Atlassian Cloud app is connected to that directory. It takes every flag of both servers,\n" +
			"named as on the servers, with okta- or atlassian- in front where the name alone would\n" +
			"not say which server's it is (--okta-addr, --atlassian-seed-file, --okta-api-token).",
		Example: "  harness serve\n" +
			"  harness serve --okta-addr 0.0.0.0:8080 --atlassian-addr 0.0.0.0:8081 --data-dir ./state\n" +
			"  harness serve --okta-seed-file okta.yaml --atlassian-seed-file atlassian.yaml",
		Args: cobra.NoArgs,
	}
	build := harness.ServeFlags(cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := build()
		if err != nil {
			return cli.Usagef("%w", err)
		}
		return harness.Serve(cmd.Context(), cfg, cmd.OutOrStdout(), cmd.ErrOrStderr())
	}
	cli.EnvPrefix(cmd, harness.ServeEnvPrefix)
	return cmd
}

func benchCommand() *cobra.Command {
	c := bench.Defaults()
	var markdown, cpuProfile, mutexProfile string
	cmd := &cobra.Command{
		Use:   "bench [flags]",
		Short: "Measure provsim against this machine's limits (run from the repository)",
		Long: "bench prints a table of figures beside bare baselines measured in the same run\n" +
			"(docs/performance.md). It takes a few minutes.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, n := range c.MemorySizes {
				if n <= 0 {
					return cli.Usagef("--memory-sizes: %d is not a positive size", n)
				}
			}
			for _, n := range c.DurableSizes {
				if n <= 0 {
					return cli.Usagef("--durable-sizes: %d is not a positive size", n)
				}
			}
			if wd, err := os.Getwd(); err == nil {
				if _, err := os.Stat(filepath.Join(wd, "go.mod")); err == nil {
					c.RepoRoot = wd
				}
			}
			c.Log = cmd.ErrOrStderr()
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					_ = f.Close() // nothing was written
					return err
				}
				defer func() {
					pprof.StopCPUProfile()
					_ = f.Close() // a profile is best effort: the table is the result
				}()
			}
			if mutexProfile != "" {
				runtime.SetMutexProfileFraction(1)
				defer func() {
					if f, err := os.Create(mutexProfile); err == nil {
						_ = pprof.Lookup("mutex").WriteTo(f, 0) // a profile is best effort: the table is the result
						_ = f.Close()
					}
				}()
			}
			rep, err := bench.Run(cmd.Context(), c)
			if rep != nil {
				rep.Write(cmd.OutOrStdout())
			}
			if err != nil {
				return err
			}
			if markdown != "" {
				return os.WriteFile(markdown, []byte(rep.Markdown()), 0o644)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&c.Users, "users", c.Users, "SCIM directory size for throughput")
	f.IntVar(&c.E2EPeople, "people", c.E2EPeople, "people assigned end to end")
	f.IntVar(&c.OktaUsers, "okta-users", c.OktaUsers, "Okta org size for the Management API rows")
	f.IntVar(&c.OktaAppUsers, "okta-app-users", c.OktaAppUsers, "of them assigned to the app")
	f.IntSliceVar(&c.MemorySizes, "memory-sizes", c.MemorySizes, "directory sizes for memory and lookups, comma-separated")
	f.IntSliceVar(&c.DurableSizes, "durable-sizes", c.DurableSizes, "directory sizes for durable writes (--data-dir), comma-separated; none skips them")
	f.DurationVar(&c.Duration, "duration", c.Duration, "length of each throughput measurement")
	f.IntVar(&c.Workers, "workers", c.Workers, "concurrent clients for throughput")
	f.DurationVar(&c.Pace, "pace", c.Pace, "Okta-paced setting: wait after each engine job")
	f.StringVar(&markdown, "markdown", "", "also write the table as Markdown to `FILE`")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run (servers and clients alike) to `FILE`, for go tool pprof")
	f.StringVar(&c.Match, "match", "", "run only the throughput rows whose measure contains this text")
	f.StringVar(&mutexProfile, "mutexprofile", "", "write a mutex contention profile of the run to `FILE`")
	f.StringSliceVar(&c.Only, "only", nil, "run only these sections: scim, e2e, okta, memory, tenants, scenario, durable (comma-separated)")
	cli.EnvPrefix(cmd, "HARNESS_BENCH")
	return cmd
}
