package mockokta

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/sim"
)

// EnvPrefix prefixes the environment variable of every flag.
const EnvPrefix = "MOCKOKTA"

// CLI is the parsed command line of cmd/mockokta.
type CLI struct {
	Addr   string
	Config Config
}

// ParseFlags turns arguments and environment into a CLI (zero-config
// start).
func ParseFlags(args []string, getenv func(string) string, stderr io.Writer) (CLI, error) {
	fs := flag.NewFlagSet("mockokta", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cli     CLI
		boot    Boot
		seed    uint64
		backoff string
		timeout time.Duration
		jopts   journal.Options
		noBody  bool
		seedOf  string
	)
	fs.StringVar(&cli.Addr, "addr", "127.0.0.1:8080", "listen address HOST:PORT")
	fs.StringVar(&boot.OrgID, "org-id", "", "id of the boot org (random when empty)")
	fs.StringVar(&boot.OrgName, "org-name", "Simulated Okta org", "name of the boot org")
	fs.StringVar(&boot.APIToken, "api-token", "", "API token of the boot org, sent as 'Authorization: SSWS <token>' (random, printed, when empty)")
	fs.StringVar(&boot.AtlassianSCIMURL, "atlassian-scim-url", "", "SCIM base URL of an Atlassian directory; creates a connected Atlassian Cloud app")
	fs.StringVar(&boot.AtlassianSCIMToken, "atlassian-scim-token", "", "API key of that directory")
	fs.Uint64Var(&seed, "seed", 0, "seed for repeatable ids (0: random)")
	fs.StringVar(&backoff, "backoff", "real", "429 back-offs: real (wait, as Okta does: Retry-After or 5 min, doubling) or virtual (skip the wait, keep the timestamps)")
	fs.DurationVar(&timeout, "scim-timeout", 60*time.Second, "timeout of each outbound SCIM request (Okta: 60 s)")
	fs.Int64Var(&cli.Config.MaxBodyBytes, "max-body-bytes", 1<<20, "request body limit in bytes")
	fs.IntVar(&jopts.MaxEntries, "journal-size", 10000, "entries kept in each journal")
	fs.BoolVar(&noBody, "journal-no-bodies", false, "keep no bodies in the journals")
	fs.StringVar(&cli.Config.DataDir, "data-dir", "", "keep state in DIR/mockokta.db so it survives restarts (default: in memory)")
	fs.StringVar(&seedOf, "seed-file", "", "YAML start state applied when nothing is stored: orgs, tokens, users, groups, apps, assignments, pushes")
	faultsFile := fs.String("faults-file", "", "YAML or JSON list of fault rules on /api/v1 active from the start (docs/mockatlassian.md, \"Fault injection\")")
	fs.StringVar(&cli.Config.ControlToken, "control-token", "", "require 'Authorization: Bearer <token>' on /_sim/ routes but GET /_sim/health (prefer the environment variable: flags show in ps)")
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
	switch backoff {
	case "real":
		cli.Config.Options.Clock = clock.System{}
	case "virtual":
		cli.Config.Options.Clock = &clock.Virtual{}
	default:
		return CLI{}, fmt.Errorf("backoff %q: want real or virtual", backoff)
	}
	if (boot.AtlassianSCIMURL == "") != (boot.AtlassianSCIMToken == "") {
		return CLI{}, fmt.Errorf("--atlassian-scim-url and --atlassian-scim-token go together")
	}
	if strings.ContainsAny(cli.Config.ControlToken, " \t\r\n") {
		return CLI{}, fmt.Errorf("control token: must not contain white space")
	}
	jopts.NoBodies = noBody
	cli.Config.Options.Seed = seed
	cli.Config.Options.SCIMClient = &http.Client{Timeout: timeout}
	cli.Config.Options.Journal = journal.New(jopts, cli.Config.Options.Clock)
	cli.Config.Journal = jopts
	if err := seedFromFlags(fs, seedOf, &cli.Config, &boot); err != nil {
		return CLI{}, err
	}
	cli.Config.Boot = &boot
	return cli, nil
}
