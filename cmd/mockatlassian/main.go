// Command mockatlassian serves a simulated Atlassian organization: its SCIM
// user-provisioning directory, admin APIs and control API. Run
// `mockatlassian --help` for the flags; `mockatlassian healthcheck` asks a
// running server for /_sim/health (container health checks).
package main

import (
	"context"
	"io"
	"net"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/provsim/provsim/internal/cli"
	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockatlassian/console"
)

func main() { cli.Main(command()) }

func command() *cobra.Command {
	return cli.ServerCommand(cli.Server{
		Name:  "mockatlassian",
		Short: "A simulated Atlassian organization and its SCIM provisioning directory",
		Long: "mockatlassian serves a simulated Atlassian organization: one organization and one SCIM\n" +
			"directory at start (SCIM base URL http://ADDR/scim/directory/ID, bearer token the\n" +
			"directory's API key), the admin APIs, the admin console under /console/, and the\n" +
			"control API under /_sim/.",
		EnvPrefix:   mockatlassian.EnvPrefix,
		DefaultAddr: mockatlassian.DefaultAddr,
		Flags: func(fs *pflag.FlagSet) cli.Start {
			var f mockatlassian.Flags
			f.Register(fs)
			return func(ctx context.Context, stdout, stderr io.Writer) error {
				c, err := f.CLI(fs.Changed)
				if err != nil {
					return cli.Usagef("%w", err)
				}
				c.Config.Console = console.Mount
				return c.Serve(ctx, stderr, func(srv *mockatlassian.Server, addr net.Addr) {
					srv.WriteBoot(stdout, addr, false)
				})
			}
		},
	})
}
