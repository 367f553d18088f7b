package mockatlassian

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/sim"
)

// EnvPrefix prefixes the environment variable of every flag.
const EnvPrefix = "MOCKATLASSIAN"

// CLI is the parsed command line of cmd/mockatlassian.
type CLI struct {
	Addr   string
	Config Config
}

// ParseFlags turns arguments and environment into a CLI (zero-config
// start): one organization and one SCIM directory, with the given
// or random id and key.
func ParseFlags(args []string, getenv func(string) string, stderr io.Writer) (CLI, error) {
	fs := flag.NewFlagSet("mockatlassian", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cli     CLI
		boot    Boot
		domains sim.StringList
		sites   sim.StringList
		opts    Options
		jopts   journal.Options
		seed    uint64
		noBody  bool
		authErr string
		del     string
		rename  string
		collide string
		limit   string
		seedOf  string
	)
	fs.StringVar(&cli.Addr, "addr", "127.0.0.1:8081", "listen address HOST:PORT")
	fs.StringVar(&boot.OrgID, "org-id", "", "id of the boot organization (random when empty)")
	fs.StringVar(&boot.OrgName, "org-name", "Simulated organization", "name of the boot organization")
	fs.StringVar(&boot.OrgAPIKey, "org-api-key", "", "organization API key for the admin APIs (random, printed, when empty)")
	fs.StringVar(&boot.DirectoryID, "directory-id", "", "SCIM directory id (random UUID when empty)")
	fs.StringVar(&boot.DirectoryName, "directory-name", "Okta users", "SCIM directory name")
	fs.StringVar(&boot.APIKey, "api-key", "", "SCIM directory API key (random, printed, when empty)")
	fs.Var(&domains, "verified-domain", "verified domain of the organization (repeatable or comma-separated)")
	fs.Var(&sites, "site", "site with products, NAME=PRODUCT+PRODUCT (e.g. acme.atlassian.net=jira-software+confluence); repeatable")
	fs.Uint64Var(&seed, "seed", 0, "seed for repeatable ids (0: random)")
	fs.StringVar(&del, "delete-mode", string(DeleteRecord), "DELETE /Users semantics: record (current) or deactivate (2022–2023)")
	fs.StringVar(&rename, "group-rename", string(RenameIgnore), "group displayName change: ignore (200, unchanged) or reject (400 mutability)")
	fs.StringVar(&collide, "group-collision", string(CollisionConflict), "SCIM group named like a local/default group: conflict (409) or accept-unsynced (201, not synced)")
	fs.StringVar(&limit, "limit-mode", string(LimitStopSync), "past the users-per-directory limit: stop-syncing or error")
	fs.IntVar(&opts.MaxUsersPerDirectory, "max-users-per-directory", 150000, "users per SCIM directory")
	fs.IntVar(&opts.MaxUsersPerGroup, "max-users-per-group", 35000, "members per SCIM group")
	fs.BoolVar(&opts.RequireVerifiedDomain, "require-verified-domain", false, "legacy: refuse users whose email is not on a verified domain")
	fs.StringVar(&opts.LocationBase, "location-base", "https://api.atlassian.com", "prefix of meta.location and $ref URLs")
	fs.Int64Var(&cli.Config.MaxBodyBytes, "max-body-bytes", DefaultMaxBodyBytes, "request body limit in bytes")
	fs.StringVar(&authErr, "auth-error-body", string(AuthErrorFailure), "401/403 body on SCIM routes: failure ({error,traceId}, Atlassian) or scim")
	fs.IntVar(&jopts.MaxEntries, "journal-size", 10000, "entries kept in the request journal")
	fs.BoolVar(&noBody, "journal-no-bodies", false, "keep no request or response bodies in the journal")
	faultsFile := fs.String("faults-file", "", "YAML or JSON list of fault rules active from the start (docs/mockatlassian.md, \"Fault injection\")")
	fs.StringVar(&cli.Config.DataDir, "data-dir", "", "keep state in DIR/mockatlassian.db so it survives restarts (default: in memory)")
	fs.StringVar(&seedOf, "seed-file", "", "YAML start state applied when nothing is stored: organizations, keys, domains, sites, accounts, groups")
	fs.StringVar(&cli.Config.ControlToken, "control-token", "", "require 'Authorization: Bearer <token>' on /_sim/ routes but GET /_sim/health (prefer the environment variable: flags show in ps)")
	fs.IntVar(&opts.MaxMembersPerPatch, "max-members-per-patch", DefaultMaxMembersPerPatch, "members one group PATCH may add or remove (400 invalidValue beyond)")
	if err := fs.Parse(args); err != nil {
		return CLI{}, err
	}
	if fs.NArg() > 0 {
		return CLI{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := sim.ApplyEnv(fs, EnvPrefix, getenv); err != nil {
		return CLI{}, err
	}
	if err := readFaultsFile(*faultsFile, &cli.Config); err != nil {
		return CLI{}, err
	}
	boot.VerifiedDomains = domains
	for _, s := range sites {
		name, products, _ := strings.Cut(s, "=")
		site := AddSiteInput{Name: name}
		for _, p := range strings.Split(products, "+") {
			if p = strings.TrimSpace(p); p != "" {
				site.Products = append(site.Products, p)
			}
		}
		boot.Sites = append(boot.Sites, site)
	}
	opts.Seed = seed
	opts.DeleteMode, opts.GroupRename = DeleteMode(del), GroupRenameMode(rename)
	opts.GroupCollision, opts.LimitMode = CollisionMode(collide), LimitMode(limit)
	if err := opts.Validate(); err != nil {
		return CLI{}, err
	}
	if strings.ContainsAny(cli.Config.ControlToken, " \t\r\n") {
		return CLI{}, fmt.Errorf("control token: must not contain white space")
	}
	jopts.NoBodies = noBody
	cli.Config.Options = opts
	cli.Config.Journal = jopts
	cli.Config.AuthErrorBody = AuthErrorBody(authErr)
	if err := seedFromFlags(fs, seedOf, &cli.Config, &boot); err != nil {
		return CLI{}, err
	}
	cli.Config.Boot = &boot
	return cli, nil
}
