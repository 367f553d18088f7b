// Command mockokta serves a simulated Okta org: the Management API, the
// provisioning engine and the control API. Run `mockokta --help` for the
// flags; `mockokta healthcheck` asks a running server for /_sim/health
// (container health checks).
package main

import (
	"context"
	"io"
	"net"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/provsim/provsim/internal/cli"
	"github.com/provsim/provsim/mockokta"
	"github.com/provsim/provsim/mockokta/console"
)

func main() { cli.Main(command()) }

func command() *cobra.Command {
	return cli.ServerCommand(cli.Server{
		Name:  "mockokta",
		Short: "A simulated Okta org: Management API and SCIM provisioning engine",
		Long: "mockokta serves a simulated Okta org: one org at start (Management API under /api/v1,\n" +
			"'Authorization: SSWS <token>'), Okta's provisioning engine, which sends SCIM requests to the\n" +
			"directory given by --scim-base-url and --scim-api-key, and the control API under /_sim/.",
		EnvPrefix:   mockokta.EnvPrefix,
		DefaultAddr: mockokta.DefaultAddr,
		Flags: func(fs *pflag.FlagSet) cli.Start {
			var f mockokta.Flags
			f.Register(fs)
			return func(ctx context.Context, stdout, stderr io.Writer) error {
				c, err := f.CLI(fs.Changed)
				if err != nil {
					return cli.Usagef("%w", err)
				}
				c.Config.Console = console.Mount
				return c.Serve(ctx, stderr, func(srv *mockokta.Server, addr net.Addr) {
					srv.WriteBoot(stdout, addr, false)
				})
			}
		},
	})
}
