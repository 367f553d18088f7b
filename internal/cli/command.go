// Package cli is the command-line plumbing provsim's three binaries share:
// commands (spf13/cobra) with help, --version and shell completion; flags
// with an environment variable each, old names kept as hidden aliases;
// exit codes; and the command a simulator server is started with.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes of every provsim binary.
const (
	ExitOK      = 0 // done; help and --version too
	ExitFailure = 1 // the work failed: a scenario, a server, a health check
	ExitUsage   = 2 // the command line was wrong; nothing was done
)

// usageError is a mistake on the command line (ExitUsage).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// Usagef reports a mistake on the command line: the command exits with
// ExitUsage and points to its help. Any other error a command returns is a
// failure (ExitFailure).
func Usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// ErrReported fails a command that has already said why (a report, a list
// of problems): it exits with ExitFailure and nothing more is printed.
var ErrReported = errors.New("failed; see above")

// RequireCommand makes a root that does nothing itself answer a missing
// command with a usage error (its help still lists the commands).
func RequireCommand(root *cobra.Command) {
	if root.Annotations == nil {
		root.Annotations = map[string]string{}
	}
	root.Annotations[needsCommandKey] = "true"
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		var names []string
		for _, c := range cmd.Commands() {
			if c.IsAvailableCommand() {
				names = append(names, c.Name())
			}
		}
		return Usagef("a command is required: %s", strings.Join(names, ", "))
	}
}

const needsCommandKey = "provsim/needs-command"

// envPrefixKey is the command annotation naming its flags' environment
// prefix.
const envPrefixKey = "provsim/env-prefix"

// NewRoot makes a binary's root command: --version prints the version,
// commit and Go version; help, `help COMMAND` and shell completion come
// with it; flag mistakes are usage errors.
func NewRoot(name, short, long string) *cobra.Command {
	b := ReadBuild()
	root := &cobra.Command{
		Use: name, Short: short, Long: long,
		Version:       b.Version,
		SilenceErrors: true, // Execute prints errors with what to do next
		SilenceUsage:  true,
	}
	root.SetVersionTemplate(b.Text(name))
	root.SetUsageFunc(usage)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	return root
}

// EnvPrefix gives every flag of cmd an environment variable, PREFIX_NAME
// (aliases included, see Alias), read when the command runs and shown in
// its help. Call it once cmd's flags are defined. Help lists the flags in
// the order they were defined.
func EnvPrefix(cmd *cobra.Command, prefix string) {
	BindEnv(cmd.Flags(), prefix)
	cmd.Flags().SortFlags = false
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[envPrefixKey] = prefix
}

// Main runs root with the process's arguments and environment until
// SIGINT or SIGTERM, and exits with its code.
func Main(root *cobra.Command) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Execute(ctx, root, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// Execute runs root with args and returns the exit code. Environment
// variables fill the flags not given (getenv reads them). An error is
// printed as "COMMAND: message", a usage error followed by where help is.
func Execute(ctx context.Context, root *cobra.Command, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	// Cobra calls this after parsing flags and checking arguments, right
	// before the command runs: an error before it is the command line's.
	ran := false
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		ran = true
		if err := ApplyEnv(cmd.Flags(), getenv); err != nil {
			return usageError{err}
		}
		return nil
	}
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	if cmd == nil {
		cmd = root
	}
	if errors.Is(err, ErrReported) {
		return ExitFailure
	}
	var ue usageError
	if !ran || errors.As(err, &ue) {
		fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", cmd.CommandPath(), err, cmd.CommandPath())
		return ExitUsage
	}
	fmt.Fprintf(stderr, "%s: %v\n", cmd.CommandPath(), err)
	return ExitFailure
}

// usage writes a command's usage: how to call it, its commands, its flags
// with their defaults and environment variables.
func usage(c *cobra.Command) error {
	var b strings.Builder
	b.WriteString("Usage:\n")
	if c.Runnable() && c.Annotations[needsCommandKey] == "" {
		fmt.Fprintf(&b, "  %s\n", c.UseLine())
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "  %s COMMAND\n", c.CommandPath())
	}
	if c.Example != "" {
		fmt.Fprintf(&b, "\nExamples:\n%s\n", strings.TrimRight(c.Example, "\n"))
	}
	if c.HasAvailableSubCommands() {
		b.WriteString("\nCommands:\n")
		width := 0
		for _, s := range c.Commands() {
			width = max(width, len(s.Name()))
		}
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() || s.Name() == "help" {
				fmt.Fprintf(&b, "  %-*s  %s\n", width, s.Name(), s.Short)
			}
		}
	}
	writeFlags(&b, c)
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "\nRun '%s COMMAND --help' for a command's flags.\n", c.CommandPath())
	}
	if prefix := c.Annotations[envPrefixKey]; prefix != "" && c.HasAvailableLocalFlags() {
		fmt.Fprintf(&b, "\nEvery flag can also be set with the environment variable shown beside it\n(%s_…); a flag on the command line wins.\n", prefix)
	}
	_, err := io.WriteString(c.OutOrStderr(), b.String())
	return err
}

// writeFlags lists the visible flags, by group, with default and
// environment variable.
func writeFlags(b *strings.Builder, c *cobra.Command) {
	var order []string
	groups := map[string][]*pflag.Flag{}
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		g := "Flags"
		if gs := f.Annotations[groupKey]; len(gs) > 0 {
			g = gs[0]
		}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], f)
	})
	for _, g := range order {
		fmt.Fprintf(b, "\n%s:\n", g)
		type row struct{ left, right string }
		var rows []row
		width := 0
		for _, f := range groups[g] {
			left := "      --" + f.Name
			if f.Shorthand != "" {
				left = "  -" + f.Shorthand + ", --" + f.Name
			}
			varname, text := pflag.UnquoteUsage(f)
			if varname != "" {
				left += " " + varname
			}
			if !zeroDefault(f) {
				d := f.DefValue
				if f.Value.Type() == "string" {
					d = fmt.Sprintf("%q", d)
				}
				text += " (default " + d + ")"
			}
			if env := Env(f); env != "" {
				text += " [env " + env + "]"
			}
			rows = append(rows, row{left, text})
			width = max(width, len(left))
		}
		for _, r := range rows {
			fmt.Fprintf(b, "%-*s   %s\n", width, r.left, r.right)
		}
	}
}

func zeroDefault(f *pflag.Flag) bool {
	switch f.DefValue {
	case "", "0", "false", "0s", "[]":
		return true
	}
	return false
}
