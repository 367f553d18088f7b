// Command mockatlassian serves a simulated Atlassian organization and its
// SCIM user-provisioning directory. `mockatlassian healthcheck` asks a
// running server for /_sim/health (for container health checks).
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
	"github.com/provsim/provsim/mockatlassian"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mockatlassian:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(args[1:])
	}
	cli, err := mockatlassian.ParseFlags(args, os.Getenv, os.Stderr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cli.Config.Logger = logger
	srv, err := mockatlassian.NewServer(cli.Config)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return mockatlassian.Run(ctx, cli.Addr, srv, func(addr net.Addr) {
		printBoot(cli, srv, addr)
	})
}

// printBoot shows where the directory is. Keys appear only when they were
// generated here: shown once, like admin.atlassian.com shows them once.
func printBoot(cli mockatlassian.CLI, srv *mockatlassian.Server, addr net.Addr) {
	b := srv.Booted
	boot := cli.Config.Boot
	fmt.Printf("mockatlassian listening on http://%s\n", addr)
	fmt.Printf("  organization id:    %s\n", b.Org.ID)
	fmt.Printf("  SCIM base URL:      http://%s/scim/directory/%s\n", addr, b.Directory.ID)
	if boot.APIKey == "" {
		fmt.Printf("  SCIM API key:       %s   (generated; shown once)\n", b.Directory.APIKey)
	} else {
		fmt.Printf("  SCIM API key:       (as configured)\n")
	}
	if boot.OrgAPIKey == "" {
		fmt.Printf("  org API key:        %s   (generated; shown once)\n", b.Org.APIKey)
	}
	fmt.Printf("  control API:        http://%s/_sim/\n", addr)
}

func healthcheck(args []string) error {
	addr := os.Getenv(mockatlassian.EnvPrefix + "_ADDR")
	if len(args) > 0 {
		addr = args[0]
	}
	if addr == "" {
		addr = "127.0.0.1:8081"
	}
	return httpx.Healthcheck(addr)
}
