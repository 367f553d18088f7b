// Command mockokta serves a simulated Okta org: the Management API and the
// provisioning engine. `mockokta healthcheck` asks a running server for
// /_sim/health (for container health checks).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/mockokta"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mockokta:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(args[1:])
	}
	cli, err := mockokta.ParseFlags(args, os.Getenv, os.Stderr)
	if err != nil {
		return err
	}
	cli.Config.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv, err := mockokta.NewServer(cli.Config)
	if err != nil {
		return err
	}
	defer srv.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return mockokta.Run(ctx, cli.Addr, srv, func(addr net.Addr) {
		b := srv.Booted
		fmt.Printf("mockokta listening on http://%s\n", addr)
		fmt.Printf("  org id:         %s\n", b.Org.ID)
		if cli.Config.Boot.APIToken == "" {
			fmt.Printf("  API token:      %s   (generated; shown once; send 'Authorization: SSWS <token>')\n", b.Org.Token)
		} else {
			fmt.Printf("  API token:      (as configured)\n")
		}
		if b.AppID != "" {
			fmt.Printf("  Atlassian app:  %s -> %s\n", b.AppID, cli.Config.Boot.AtlassianSCIMURL)
		}
		fmt.Printf("  control API:    http://%s/_sim/\n", addr)
	})
}

func healthcheck(args []string) error {
	addr := os.Getenv(mockokta.EnvPrefix + "_ADDR")
	if len(args) > 0 {
		addr = args[0]
	}
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	return httpx.Healthcheck(addr)
}
