package cli

import (
	"context"
	"io"
	"net"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/provsim/provsim/internal/httpx"
)

// Start starts a parsed server and serves until ctx ends; it writes where
// it listens to stdout and logs to stderr.
type Start func(ctx context.Context, stdout, stderr io.Writer) error

// Server describes a simulator binary (mockokta, mockatlassian).
type Server struct {
	Name        string // the binary
	Short       string // one line for help
	Long        string // help's first paragraph
	EnvPrefix   string // every flag is also PREFIX_FLAG
	DefaultAddr string // where the server listens unless told otherwise
	// Flags defines the server's flags on fs (an --addr among them) and
	// returns how to start the server once they are parsed.
	Flags func(fs *pflag.FlagSet) Start
}

// ServerCommand is a simulator's whole command line: the server itself
// (its flags, each with an environment variable), `healthcheck` for
// container health checks, help, --version and shell completion.
func ServerCommand(s Server) *cobra.Command {
	root := NewRoot(s.Name, s.Short, s.Long)
	root.Args = cobra.NoArgs
	start := s.Flags(root.Flags())
	EnvPrefix(root, s.EnvPrefix)
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		return start(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr())
	}
	root.AddCommand(healthcheckCommand(s))
	return root
}

// healthcheckCommand asks a running server for GET /_sim/health: the
// HEALTHCHECK of the server's container image.
func healthcheckCommand(s Server) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "healthcheck [ADDR]",
		Short: "Ask a running " + s.Name + " for /_sim/health; exit 0 when it answers 200",
		Long: "healthcheck asks the " + s.Name + " listening on ADDR (host:port; a wildcard host means this\n" +
			"machine) whether it is ready. Container health checks run it.",
		Example: "  " + s.Name + " healthcheck\n  " + s.Name + " healthcheck 127.0.0.1:9000",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				addr = args[0]
			}
			if _, _, err := net.SplitHostPort(addr); err != nil {
				return Usagef("address %q: want HOST:PORT", addr)
			}
			return httpx.Healthcheck(addr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", s.DefaultAddr, "address of the server, `HOST:PORT` (the server's own --addr)")
	// The server's own variable, so a container's one setting serves both.
	EnvPrefix(cmd, s.EnvPrefix)
	return cmd
}
