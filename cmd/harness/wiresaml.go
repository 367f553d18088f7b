package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/provsim/provsim/harness"
	"github.com/provsim/provsim/internal/cli"
)

// wireSAMLCommand connects running servers for single sign-on: the
// compose file's saml-wiring service, and people running the two
// binaries by hand.
func wireSAMLCommand() *cobra.Command {
	var (
		w    harness.SAMLWiring
		wait time.Duration
	)
	cmd := &cobra.Command{
		Use:   "wire-saml --okta-url URL --okta-token TOKEN --atlassian-url URL [flags]",
		Short: "Set up SAML single sign-on between a running mockokta and mockatlassian",
		Long: "wire-saml does what an admin does by hand (docs/saml.md): it copies the Okta app's Identity\n" +
			"Provider Issuer, SSO URL and signing certificate (from its metadata) into the Atlassian\n" +
			"organization's SAML configuration, and the organization's SP entity URL and ACS URL into the\n" +
			"app's Sign On settings. URLs are the ones the servers hand to browsers (their --public-url).\n" +
			"It waits up to --wait for both servers to answer. Sides already wired to each other are left\n" +
			"as they are; a side set up otherwise is an error unless --force.",
		Example: "  harness wire-saml --okta-url http://127.0.0.1:8080 --okta-token $TOKEN --atlassian-url http://127.0.0.1:8081\n" +
			"  harness wire-saml --okta-url http://mockokta:8080 --okta-token dev-okta-token --atlassian-url http://mockatlassian:8081 --atlassian-org dev-org",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if w.OktaURL == "" || w.OktaToken == "" || w.AtlassianURL == "" {
				return cli.Usagef("--okta-url, --okta-token and --atlassian-url are required")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), wait)
			defer cancel()
			if err := harness.WaitHealthy(ctx, nil, w.OktaURL, w.AtlassianURL); err != nil {
				return err
			}
			done, err := harness.WireSAML(ctx, w)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), done)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&w.OktaURL, "okta-url", "", "base `URL` of the running mockokta, as this command reaches it")
	f.StringVar(&w.OktaToken, "okta-token", "", "API token of the Okta org (SSWS; prefer the environment variable: flags show in ps)")
	f.StringVar(&w.AppID, "okta-app", "", "`ID` of the SAML app (default: the org's only active Atlassian Cloud app)")
	f.StringVar(&w.AtlassianURL, "atlassian-url", "", "base `URL` of the running mockatlassian, as this command reaches it")
	f.StringVar(&w.Org, "atlassian-org", "", "`ID` of the Atlassian organization (default: the server's only one)")
	f.StringVar(&w.ControlToken, "control-token", "", "mockatlassian's control token, for its /_sim/ routes (prefer the environment variable)")
	f.BoolVar(&w.Force, "force", false, "rewire both sides even when either is set up otherwise")
	f.DurationVar(&wait, "wait", time.Minute, "how long to wait for the servers to answer, a Go `DURATION`")
	cli.EnvPrefix(cmd, harness.ServeEnvPrefix)
	return cmd
}
