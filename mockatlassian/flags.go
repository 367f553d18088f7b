package mockatlassian

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/provsim/provsim/internal/cli"
	"github.com/provsim/provsim/internal/faults"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/ui"
)

// EnvPrefix prefixes the environment variable of every flag.
const EnvPrefix = "MOCKATLASSIAN"

// DefaultAddr is where mockatlassian listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8081"

// CLI is the parsed command line of cmd/mockatlassian.
type CLI struct {
	Addr   string
	Config Config
}

// Flags are mockatlassian's command-line settings while they are parsed:
// Register defines them on a flag set, CLI checks the parsed values and
// builds a CLI. `harness serve` registers the same settings beside
// mockokta's.
type Flags struct {
	cli                                  CLI
	boot                                 Boot
	domains, sites                       []string
	opts                                 Options
	journal                              journal.Options
	authErr, del, rename, collide, limit string
	seedFile, faultsFile                 string
	orgAPI                               orgAPIFlags // orgapi.go
}

// bootFlags describe the boot organization: when any is given, a seed
// file's first organization is not the boot organization.
var bootFlags = []string{"org-id", "org-name", "org-api-key", "directory-id", "directory-name", "scim-api-key", "verified-domain", "site"}

// Register defines mockatlassian's flags on fs: one organization and one
// SCIM directory at start, with the given or random ids and keys, and the
// server's switches and limits.
func (f *Flags) Register(fs *pflag.FlagSet) {
	fs.StringVar(&f.cli.Addr, "addr", DefaultAddr, "listen address `HOST:PORT`")
	fs.StringVar(&f.boot.OrgID, "org-id", "", "id of the boot organization (random when empty)")
	fs.StringVar(&f.boot.OrgName, "org-name", "Simulated organization", "name of the boot organization")
	fs.StringVar(&f.boot.OrgAPIKey, "org-api-key", "", "organization API key for the admin APIs (random, printed once, when empty)")
	fs.StringVar(&f.boot.DirectoryID, "directory-id", "", "SCIM directory id (random UUID when empty)")
	fs.StringVar(&f.boot.DirectoryName, "directory-name", "Okta users", "SCIM directory name")
	fs.StringVar(&f.boot.APIKey, "scim-api-key", "", "the SCIM directory's API key, sent as 'Authorization: Bearer <key>' (random, printed once, when empty)")
	cli.Alias(fs, "scim-api-key", "api-key")
	fs.Var(cli.NewList(&f.domains), "verified-domain", "verified `DOMAIN` of the organization (repeatable or comma-separated)")
	fs.Var(cli.NewList(&f.sites), "site", "site with products, `NAME=PRODUCT+PRODUCT` (e.g. acme.atlassian.net=jira-software+confluence); repeatable")
	fs.Uint64Var(&f.opts.Seed, "seed", 0, "seed for repeatable ids (0: random)")
	fs.StringVar(&f.del, "delete-mode", string(DeleteRecord), "DELETE /Users semantics: record (current) or deactivate (2022–2023)")
	fs.StringVar(&f.rename, "group-rename", string(RenameIgnore), "group displayName change: ignore (200, unchanged) or reject (400 mutability)")
	fs.StringVar(&f.collide, "group-collision", string(CollisionConflict), "SCIM group named like a local/default group: conflict (409) or accept-unsynced (201, not synced)")
	fs.StringVar(&f.limit, "limit-mode", string(LimitStopSync), "past the users-per-directory limit: stop-syncing or error")
	fs.IntVar(&f.opts.MaxUsersPerDirectory, "max-users-per-directory", 150000, "users per SCIM directory")
	fs.IntVar(&f.opts.MaxUsersPerGroup, "max-users-per-group", 35000, "members per SCIM group")
	fs.IntVar(&f.opts.MaxMembersPerPatch, "max-members-per-patch", DefaultMaxMembersPerPatch, "members one group PATCH may add or remove (400 invalidValue beyond)")
	fs.BoolVar(&f.opts.RequireVerifiedDomain, "require-verified-domain", false, "legacy: refuse users whose email is not on a verified domain")
	fs.StringVar(&f.opts.LocationBase, "location-base", DefaultLocationBase, "prefix of meta.location and $ref URLs")
	fs.BoolVar(&f.opts.AdvertiseAtlassianExtension, "advertise-atlassian-extension", false, "serve a /Schemas document for the atlassian-external user extension (real Atlassian serves none), for clients that validate responses against the advertised schemas")
	fs.StringVar(&f.authErr, "auth-error-body", string(AuthErrorFailure), "401/403 body on SCIM routes: failure ({error,traceId}, Atlassian) or scim")
	fs.Int64Var(&f.cli.Config.MaxBodyBytes, "max-body-bytes", DefaultMaxBodyBytes, "request body limit in bytes")
	fs.IntVar(&f.journal.MaxEntries, "journal-size", 10000, "entries kept in the request journal")
	fs.BoolVar(&f.journal.NoBodies, "journal-no-bodies", false, "keep no request or response bodies in the journal")
	fs.StringVar(&f.faultsFile, "faults-file", "", "YAML or JSON list of fault rules active from the start (docs/mockatlassian.md, \"Fault injection\")")
	fs.StringVar(&f.cli.Config.DataDir, "data-dir", "", "keep state in `DIR`/mockatlassian.db so it survives restarts (default: in memory)")
	fs.StringVar(&f.seedFile, "seed-file", "", "YAML start state applied when nothing is stored: organizations, keys, domains, sites, accounts, groups")
	fs.StringVar(&f.cli.Config.URLFromOkta, "url-from-okta", "", "this server's base `URL` as Okta reaches it, when not the public URL (compose: http://mockatlassian:8081): the Directory base URL the admin console shows")
	fs.StringVar(&f.cli.Config.PublicURL, "public-url", "", "the `URL` people reach this server at, when it differs from the listen address (compose: http://127.0.0.1:8081): printed at start")
	fs.StringVar(&f.cli.Config.ControlToken, "control-token", "", "require 'Authorization: Bearer <token>' on /_sim/ routes but GET /_sim/health (prefer the environment variable: flags show in ps)")
	f.orgAPI.register(fs)
	cli.TLS(fs, &f.cli.Config.TLS)
	cli.Files(fs, "faults-file", "yaml", "yml", "json")
	cli.Files(fs, "seed-file", "yaml", "yml")
	cli.Dir(fs, "data-dir")
}

// CLI checks the parsed flags and builds the server's configuration;
// given tells which flags (by their names here) were given.
func (f *Flags) CLI(given func(flag string) bool) (CLI, error) {
	c := f.cli
	boot := f.boot
	boot.VerifiedDomains = f.domains
	for _, s := range f.sites {
		name, products, _ := strings.Cut(s, "=")
		site := AddSiteInput{Name: name}
		for _, p := range strings.Split(products, "+") {
			if p = strings.TrimSpace(p); p != "" {
				site.Products = append(site.Products, p)
			}
		}
		boot.Sites = append(boot.Sites, site)
	}
	opts := f.opts
	opts.DeleteMode, opts.GroupRename = DeleteMode(f.del), GroupRenameMode(f.rename)
	opts.GroupCollision, opts.LimitMode = CollisionMode(f.collide), LimitMode(f.limit)
	if err := f.orgAPI.apply(&c.Config.OrgAPI, &opts); err != nil {
		return CLI{}, err
	}
	if err := opts.Validate(); err != nil {
		return CLI{}, err
	}
	var err error
	if c.Config.Faults, err = faults.ReadFile(f.faultsFile); err != nil {
		return CLI{}, err
	}
	for _, u := range []string{c.Config.PublicURL, c.Config.URLFromOkta} {
		if u != "" {
			if _, err := ui.ParsePublicURL(u); err != nil {
				return CLI{}, err
			}
		}
	}
	if err := c.Config.TLS.Check(); err != nil {
		return CLI{}, err
	}
	if strings.ContainsAny(c.Config.ControlToken, " \t\r\n") {
		return CLI{}, fmt.Errorf("control token: must not contain white space")
	}
	c.Config.Options = opts
	c.Config.Journal = f.journal
	c.Config.AuthErrorBody = AuthErrorBody(f.authErr)
	if err := seedFromFlags(slices.ContainsFunc(bootFlags, given), f.seedFile, &c.Config, &boot); err != nil {
		return CLI{}, err
	}
	c.Config.Boot = &boot
	return c, nil
}

// ParseFlags parses mockatlassian's command line and environment (getenv)
// as the binary does.
func ParseFlags(args []string, getenv func(string) string, stderr io.Writer) (CLI, error) {
	var f Flags
	fs := pflag.NewFlagSet("mockatlassian", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	f.Register(fs)
	if err := cli.Parse(fs, EnvPrefix, args, getenv); err != nil {
		return CLI{}, err
	}
	return f.CLI(fs.Changed)
}

// Serve runs the server c describes until ctx ends, logging to logs.
// ready, when not nil, is told the server and the address it listens on.
func (c CLI) Serve(ctx context.Context, logs io.Writer, ready func(*Server, net.Addr)) error {
	c.Config.Logger = slog.New(slog.NewTextHandler(logs, nil))
	srv, err := NewServer(c.Config)
	if err != nil {
		return err
	}
	return Run(ctx, c.Addr, srv, func(addr net.Addr) {
		if ready != nil {
			ready(srv, addr)
		}
	})
}

// WriteBoot tells where the organization and its directory are. A key
// appears only when it was generated at this start (shown once, as
// admin.atlassian.com shows keys once) or when show says to.
func (s *Server) WriteBoot(w io.Writer, addr net.Addr, show bool) {
	base := s.PublicBase(addr)
	if s.cfg.PublicURL != "" {
		fmt.Fprintf(w, "mockatlassian listening on http://%s (%s)\n", addr, base)
	} else {
		fmt.Fprintf(w, "mockatlassian listening on http://%s\n", addr)
	}
	if https := s.https.Describe(); https != "" {
		fmt.Fprintf(w, "  HTTPS:              %s\n", https)
	}
	if s.console != nil {
		fmt.Fprintf(w, "  admin console:      %s%s\n", base, ConsolePath)
	}
	b, boot := s.Booted, s.cfg.Boot
	if b == nil || boot == nil {
		return
	}
	fmt.Fprintf(w, "  organization id:    %s\n", b.Org.ID)
	fmt.Fprintf(w, "  SCIM base URL:      %s/scim/directory/%s\n", base, b.Directory.ID)
	switch {
	case boot.APIKey == "":
		fmt.Fprintf(w, "  SCIM API key:       %s   (generated; shown once)\n", b.Directory.APIKey)
	case show:
		fmt.Fprintf(w, "  SCIM API key:       %s\n", b.Directory.APIKey)
	default:
		fmt.Fprintf(w, "  SCIM API key:       (as configured)\n")
	}
	switch {
	case boot.OrgAPIKey == "":
		fmt.Fprintf(w, "  org API key:        %s   (generated; shown once)\n", b.Org.APIKey)
	case show:
		fmt.Fprintf(w, "  org API key:        %s\n", b.Org.APIKey)
	}
	fmt.Fprintf(w, "  control API:        %s/_sim/\n", base)
}
