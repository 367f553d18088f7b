package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/provsim/provsim/harness"
	"github.com/provsim/provsim/internal/cli"
	"github.com/provsim/provsim/mockokta"
	"github.com/provsim/provsim/mockokta/conformance"
)

func conformanceCommand() *cobra.Command {
	var (
		opts                  conformance.Options
		auth, profiles, app   string
		junit, html, jsonFile string
	)
	cmd := &cobra.Command{
		Use:   "conformance --scim-base-url URL --scim-api-key KEY [flags]",
		Short: "Test any SCIM server with Okta's SCIM test suites and Atlassian's behaviours",
		Long: "conformance runs, against a SCIM server, the steps of Okta's SCIM 2.0 SPEC test and CRUD test\n" +
			"(mockokta's engine sending what Okta sends) and the Atlassian directory's behaviours\n" +
			"(docs/fidelity.md), reading results only through the server's own SCIM API. Each check names\n" +
			"its Okta step, and a failure shows the exact requests and answers, what Okta expects and why.\n" +
			"What the run creates is deleted at the end unless --keep (docs/scim-conformance.md).\n" +
			"Exit 0 when every required check passes, 1 when one fails, 2 for a wrong command line.",
		Example: "  HARNESS_CONFORMANCE_SCIM_API_KEY=$KEY harness conformance --scim-base-url https://example.com/scim/v2\n" +
			"  harness conformance --scim-base-url http://localhost:3000/scim/v2 --scim-api-key $KEY --profile okta-spec,okta-crud --junit scim.xml --html scim.html\n" +
			"  harness conformance --scim-base-url http://localhost:8081/scim/directory/dev-directory --scim-api-key dev-scim-key --profile all",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Target.BaseURL == "" || opts.Target.Token == "" {
				return cli.Usagef("--scim-base-url and --scim-api-key are required (the key also reads from HARNESS_CONFORMANCE_SCIM_API_KEY)")
			}
			var err error
			if opts.Profiles, err = conformance.ParseProfiles(profiles); err != nil {
				return cli.Usagef("--profile: %w", err)
			}
			opts.Target.Auth, opts.App = mockokta.AuthMode(auth), conformance.OktaApp(app)
			rep, err := conformance.Run(cmd.Context(), opts)
			if rep == nil {
				return cli.Usagef("%w", err)
			}
			conformance.WriteText(cmd.OutOrStdout(), rep)
			for _, out := range []struct {
				path  string
				write func(io.Writer) error
			}{
				{junit, func(w io.Writer) error { return conformance.WriteJUnit(w, rep) }},
				{html, func(w io.Writer) error { return harness.WriteConformanceHTML(w, rep) }},
				{jsonFile, func(w io.Writer) error { return conformance.WriteJSON(w, rep) }},
			} {
				if out.path == "" {
					continue
				}
				if err := writeFile(out.path, out.write); err != nil {
					return err
				}
			}
			if err != nil {
				return fmt.Errorf("interrupted: %w", err)
			}
			if !rep.Passed() {
				return cli.ErrReported
			}
			return nil
		},
	}
	f := cmd.Flags()
	scimTargetFlags(f, &opts.Target, &auth, "the server's SCIM base `URL`, e.g. https://example.com/scim/v2")
	f.StringVar(&profiles, "profile", "all", "checks to run: okta-spec, okta-crud, atlassian, comma-separated, or all")
	f.StringVar(&app, "okta-app", "oin", "the Okta app the CRUD test provisions through: oin (PATCH for activation, as OIN apps) or wizard (PUT for everything, as App Integration Wizard apps)")
	f.StringVar(&opts.EmailDomain, "email-domain", "atko.com", "email `DOMAIN` of the people the run creates")
	f.StringVar(&junit, "junit", "", "write a JUnit XML report to `FILE`")
	f.StringVar(&html, "html", "", "write a self-contained HTML report, with each check's exchange as a sequence diagram, to `FILE`")
	f.StringVar(&jsonFile, "json", "", "write a JSON report to `FILE`")
	f.BoolVar(&opts.Keep, "keep", false, "leave the users and groups the run created on the server")
	f.DurationVar(&opts.Timeout, "timeout", 2*time.Minute, "longest wait for Okta's engine after each CRUD step, a Go `DURATION`")
	f.Uint64Var(&opts.Seed, "seed", 0, "seed of the generated names, to repeat a run (default: random)")
	cli.EnvPrefix(cmd, "HARNESS_CONFORMANCE")
	return cmd
}
