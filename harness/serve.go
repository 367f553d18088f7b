package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/pflag"

	"github.com/provsim/provsim/internal/certs"
	"github.com/provsim/provsim/internal/cli"
	"github.com/provsim/provsim/internal/saml"
	"github.com/provsim/provsim/mockatlassian"
	atlconsole "github.com/provsim/provsim/mockatlassian/console"
	"github.com/provsim/provsim/mockokta"
	oktaconsole "github.com/provsim/provsim/mockokta/console"
)

// ServeConfig is `harness serve`: both simulators in one process, with
// mockokta's Atlassian Cloud app connected to mockatlassian's directory.
type ServeConfig struct {
	Atlassian mockatlassian.CLI
	Okta      mockokta.CLI
	// ShowAtlassianKeys and ShowOktaToken print the development keys at
	// start; keys someone chose are not printed.
	ShowAtlassianKeys, ShowOktaToken bool
}

// ServeEnvPrefix prefixes the environment variable of every flag of
// `harness serve` (and `harness run`).
const ServeEnvPrefix = "HARNESS"

// serveName is a server flag's name in `harness serve`: the server's own
// name, with the side in front where the two servers both have the flag
// for different things, or where the name alone would not say which
// side's it is. "" leaves the flag out: mockokta's SCIM connection is
// wired to mockatlassian's directory.
func serveName(side, name string) string {
	switch name {
	case "addr", "org-id", "org-name", "seed-file", "faults-file", "api-token", "org-api-key", "public-url", "tls-addr":
		return side + "-" + name
	case "scim-base-url", "scim-api-key":
		if side == "okta" {
			return ""
		}
	}
	return name
}

// devDefaults are the development tenants `harness serve` starts with
// (README; docker/compose.yaml and harness/containers use the same).
var devDefaults = [][2]string{
	{"atlassian-org-id", "dev-org"},
	{"directory-id", "dev-directory"},
	{"scim-api-key", "dev-scim-key"},
	{"atlassian-org-api-key", "dev-org-key"},
	{"verified-domain", "example.com"},
	{"site", "acme.atlassian.net=jira-software+confluence"},
	{"okta-org-id", "dev-okta"},
	{"okta-api-token", "dev-okta-token"},
}

// ServeFlags defines the flags of `harness serve` on fs: every setting of
// mockatlassian and mockokta (see serveName), one flag for the settings
// both take alike (--seed, --control-token, --data-dir, journal and body
// limits), development tenants by default, and the names serve had before
// as hidden aliases. Once fs is parsed, the returned function builds the
// configuration.
func ServeFlags(fs *pflag.FlagSet) func() (ServeConfig, error) {
	var atl mockatlassian.Flags
	var okta mockokta.Flags
	afs := pflag.NewFlagSet("mockatlassian", pflag.ContinueOnError)
	afs.SortFlags = false
	atl.Register(afs)
	ofs := pflag.NewFlagSet("mockokta", pflag.ContinueOnError)
	ofs.SortFlags = false
	okta.Register(ofs)
	atlName := func(n string) string { return serveName("atlassian", n) }
	oktaName := func(n string) string { return serveName("okta", n) }
	merged := pflag.NewFlagSet("harness serve", pflag.ContinueOnError)
	merged.SortFlags = false
	cli.Merge(merged, afs, atlName)
	cli.Merge(merged, ofs, oktaName)
	// Help lists each server's flags, then the shared ones.
	atlFlags, oktaFlags := serveNames(afs, atlName), serveNames(ofs, oktaName)
	var atlOnly, oktaOnly, both []string
	merged.VisitAll(func(f *pflag.Flag) {
		switch a, o := atlFlags[f.Name], oktaFlags[f.Name]; {
		case a && o:
			both = append(both, f.Name)
		case a:
			atlOnly = append(atlOnly, f.Name)
		default:
			oktaOnly = append(oktaOnly, f.Name)
		}
	})
	for _, names := range [][]string{atlOnly, oktaOnly, both} {
		cli.Merge(fs, merged, func(n string) string {
			if slices.Contains(names, n) {
				return n
			}
			return ""
		})
	}
	cli.Group(fs, "mockatlassian", atlOnly...)
	cli.Group(fs, "mockokta", oktaOnly...)
	cli.Group(fs, "Both servers", both...)
	fs.Lookup("data-dir").Usage = "keep state in `DIR`/mockatlassian.db and DIR/mockokta.db so it survives restarts (default: in memory)"
	fs.Lookup("journal-size").Usage = "entries kept in each journal"
	fs.Lookup("journal-no-bodies").Usage = "keep no request or response bodies in the journals"
	cli.Alias(fs, "atlassian-org-api-key", "org-api-key")
	cli.Alias(fs, "okta-api-token", "okta-token")
	for _, d := range devDefaults {
		cli.SetDefault(fs, d[0], d[1])
	}
	given := func(rename func(string) string) func(string) bool {
		return func(n string) bool {
			name := rename(n)
			return name != "" && fs.Changed(name)
		}
	}
	return func() (ServeConfig, error) {
		a, err := atl.CLI(given(atlName))
		if err != nil {
			return ServeConfig{}, fmt.Errorf("mockatlassian: %w", err)
		}
		o, err := okta.CLI(given(oktaName))
		if err != nil {
			return ServeConfig{}, fmt.Errorf("mockokta: %w", err)
		}
		return ServeConfig{Atlassian: a, Okta: o,
			ShowAtlassianKeys: !cli.Changed(fs, "scim-api-key", "atlassian-org-api-key"),
			ShowOktaToken:     !cli.Changed(fs, "okta-api-token")}, nil
	}
}

// serveNames is the set of a server's flag names in `harness serve`.
func serveNames(fs *pflag.FlagSet, rename func(string) string) map[string]bool {
	names := map[string]bool{}
	fs.VisitAll(func(f *pflag.Flag) {
		if n := rename(f.Name); n != "" {
			names[n] = true
		}
	})
	return names
}

// ParseServeFlags parses the command line and environment (getenv) of
// `harness serve`.
func ParseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (ServeConfig, error) {
	fs := pflag.NewFlagSet("harness serve", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	build := ServeFlags(fs)
	if err := cli.Parse(fs, ServeEnvPrefix, args, getenv); err != nil {
		return ServeConfig{}, err
	}
	return build()
}

// Serve runs both servers until ctx ends or one of them fails: first
// mockatlassian, then mockokta with its app connected to mockatlassian's
// directory where it actually listens. It tells out where both are and
// logs to logs.
func Serve(ctx context.Context, c ServeConfig, out, logs io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type started struct {
		srv  *mockatlassian.Server
		addr net.Addr
	}
	// One local authority issues both servers' certificates, so one CA
	// file serves clients of both.
	if (c.Atlassian.Config.TLS.Enabled() || c.Okta.Config.TLS.Enabled()) && c.Okta.Config.TLS.CertFile == "" {
		ca, err := certs.OpenAuthority(c.Okta.Config.DataDir)
		if err != nil {
			return err
		}
		c.Atlassian.Config.TLSAuthority, c.Okta.Config.TLSAuthority = ca, ca
		if ca.File() == "" && c.Okta.Config.TLS.CAFile == "" {
			dir, err := os.MkdirTemp("", "provsim-tls-")
			if err != nil {
				return err
			}
			defer func() { _ = os.RemoveAll(dir) }() // a temporary directory left behind is harmless
			for _, o := range []*certs.Options{&c.Atlassian.Config.TLS, &c.Okta.Config.TLS} {
				if o.Enabled() {
					o.CAFile = filepath.Join(dir, "ca.pem")
				}
			}
		}
	}
	errc := make(chan error, 2)
	up := make(chan started, 1)
	c.Atlassian.Config.Console = atlconsole.Mount
	go func() {
		errc <- c.Atlassian.Serve(ctx, logs, func(s *mockatlassian.Server, a net.Addr) { up <- started{s, a} })
	}()
	var atl started
	select {
	case atl = <-up:
	case err := <-errc:
		return fmt.Errorf("mockatlassian: %w", err)
	}
	if atl.srv.Booted == nil {
		cancel()
		if err := <-errc; err != nil {
			return fmt.Errorf("mockatlassian: %w", err)
		}
		return errors.New("mockatlassian made no directory to connect mockokta to")
	}
	dir := atl.srv.Booted.Directory
	boot := *c.Okta.Config.Boot
	boot.AtlassianSCIMURL = "http://" + reachable(atl.addr) + "/scim/directory/" + dir.ID
	boot.AtlassianSCIMToken = dir.APIKey
	c.Okta.Config.Boot = &boot
	c.Okta.Config.Console = oktaconsole.Mount
	atl.srv.WriteBoot(out, atl.addr, c.ShowAtlassianKeys)
	go func() {
		errc <- c.Okta.Serve(ctx, logs, func(s *mockokta.Server, a net.Addr) {
			s.WriteBoot(out, a, c.ShowOktaToken)
			if msg, err := wireServedSAML(s, a, atl.srv, atl.addr); err != nil {
				fmt.Fprintf(out, "SAML single sign-on not wired: %v\n", err)
			} else if msg != "" {
				fmt.Fprintln(out, msg)
			}
		})
	}()
	err := <-errc // the first to stop (a failure, or ctx ended) stops the other
	cancel()
	if err2 := <-errc; err == nil {
		err = err2
	}
	return err
}

// reachable is an address another program on this machine can dial: a
// wildcard host becomes the loopback address.
func reachable(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// wireServedSAML sets up single sign-on between the served pair as an
// admin would (docs/saml.md): the boot app's IdP settings into the boot
// organization's SAML configuration, and Atlassian's SP URLs into the
// app's Sign On settings, with the URLs people's browsers use. Settings
// already there (a data directory's, or an admin's) are left alone.
func wireServedSAML(okta *mockokta.Server, oktaAddr net.Addr, atl *mockatlassian.Server, atlAddr net.Addr) (string, error) {
	if okta.Booted == nil || okta.Booted.AppID == "" || atl.Booted == nil {
		return "", nil
	}
	orgID := atl.Booted.Org.ID
	if _, found, err := atl.Model.SAML(orgID); err != nil || found {
		return "", err
	}
	o, err := okta.Model.Org(okta.Booted.Org.ID)
	if err != nil {
		return "", err
	}
	setup, err := okta.Model.SAMLSetupOf(o, okta.Booted.AppID)
	if err != nil {
		return "", err
	}
	if setup.App.SAML.ACSURL != "" {
		return "", nil
	}
	cfg, err := atl.Model.SetSAML(orgID, mockatlassian.SAMLInput{IdPEntityID: setup.App.Issuer(),
		IdPSSOURL: okta.PublicBase(oktaAddr) + setup.App.SSOPath(), Certificate: saml.CertificatePEM(setup.Keys.Cert)})
	if err != nil {
		return "", err
	}
	atlBase := atl.PublicBase(atlAddr)
	acs, aud := cfg.ACSURL(atlBase), cfg.SPEntityID(atlBase)
	if _, err := okta.Model.UpdateSAML(o, okta.Booted.AppID, mockokta.SAMLInput{ACSURL: &acs, Audience: &aud}); err != nil {
		return "", err
	}
	return "SAML single sign-on: " + setup.App.Label + " (" + setup.App.Issuer() + ") signs in to " + aud +
		"; sign in at " + okta.PublicBase(oktaAddr) + "/app/UserHome", nil
}
