package harness

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"

	"github.com/provsim/provsim/internal/sim"
	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta"
)

// ServeConfig is `harness serve`: both simulators in one process, wired,
// with development tenants.
type ServeConfig struct {
	OktaAddr, AtlassianAddr string
	Atlassian               mockatlassian.Boot
	OktaOrgID, OktaToken    string
	Seed                    uint64
}

// ParseServeFlags reads serve's flags (env: HARNESS_<FLAG>).
func ParseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (ServeConfig, error) {
	fs := flag.NewFlagSet("harness serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c ServeConfig
	var domains sim.StringList
	fs.StringVar(&c.OktaAddr, "okta-addr", "127.0.0.1:8080", "mockokta listen address")
	fs.StringVar(&c.AtlassianAddr, "atlassian-addr", "127.0.0.1:8081", "mockatlassian listen address")
	fs.StringVar(&c.Atlassian.OrgID, "atlassian-org-id", "dev-org", "Atlassian organization id")
	fs.StringVar(&c.Atlassian.DirectoryID, "directory-id", "dev-directory", "SCIM directory id")
	fs.StringVar(&c.Atlassian.APIKey, "api-key", "dev-scim-key", "SCIM directory API key")
	fs.StringVar(&c.Atlassian.OrgAPIKey, "org-api-key", "dev-org-key", "Atlassian organization API key")
	fs.Var(&domains, "verified-domain", "verified domain (repeatable; default example.com)")
	fs.StringVar(&c.OktaOrgID, "okta-org-id", "dev-okta", "Okta org id")
	fs.StringVar(&c.OktaToken, "okta-token", "dev-okta-token", "Okta API token (SSWS)")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed for repeatable ids")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := sim.ApplyEnv(fs, "HARNESS", getenv); err != nil {
		return c, err
	}
	if len(domains) == 0 {
		domains = sim.StringList{"example.com"}
	}
	c.Atlassian.VerifiedDomains = domains
	c.Atlassian.Sites = []mockatlassian.AddSiteInput{{Name: "acme.atlassian.net", Products: []string{"jira-software", "confluence"}}}
	return c, nil
}

// Serve runs both servers until ctx ends.
func Serve(ctx context.Context, c ServeConfig, out io.Writer) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	boot := c.Atlassian
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Options: mockatlassian.Options{Seed: c.Seed}, Boot: &boot, Logger: log})
	if err != nil {
		return err
	}
	scimURL := "http://" + c.AtlassianAddr + "/scim/directory/" + boot.DirectoryID
	okta, err := mockokta.NewServer(mockokta.Config{Logger: log, Options: mockokta.Options{Seed: c.Seed},
		Boot: &mockokta.Boot{OrgID: c.OktaOrgID, APIToken: c.OktaToken, AtlassianSCIMURL: scimURL, AtlassianSCIMToken: boot.APIKey}})
	if err != nil {
		return err
	}
	defer okta.Close()
	errc := make(chan error, 2)
	go func() {
		errc <- mockatlassian.Run(ctx, c.AtlassianAddr, atl, func(a net.Addr) {
			fmt.Fprintf(out, "mockatlassian  http://%s  organization %s, SCIM base URL %s, key %s\n", a, boot.OrgID, scimURL, boot.APIKey)
		})
	}()
	go func() {
		errc <- mockokta.Run(ctx, c.OktaAddr, okta, func(a net.Addr) {
			fmt.Fprintf(out, "mockokta       http://%s  org %s, token %s, Atlassian Cloud app %s\n", a, c.OktaOrgID, c.OktaToken, okta.Booted.AppID)
		})
	}()
	err = <-errc
	if err2 := <-errc; err == nil {
		err = err2
	}
	return err
}
