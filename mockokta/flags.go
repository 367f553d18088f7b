package mockokta

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/provsim/provsim/internal/cli"
	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/faults"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/saml"
	"github.com/provsim/provsim/internal/ui"
)

// EnvPrefix prefixes the environment variable of every flag.
const EnvPrefix = "MOCKOKTA"

// DefaultAddr is where mockokta listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8080"

// CLI is the parsed command line of cmd/mockokta.
type CLI struct {
	Addr   string
	Config Config
}

// Flags are mockokta's command-line settings while they are parsed:
// Register defines them on a flag set, CLI checks the parsed values and
// builds a CLI. `harness serve` registers the same settings beside
// mockatlassian's.
type Flags struct {
	cli                  CLI
	boot                 Boot
	backoff              string
	timeout              time.Duration
	journal              journal.Options
	seedFile, faultsFile string
	groupPushConflict    string
	passwordPatch        string
	rateLimits           string
	samlCert, samlKey    string
	pace                 string
}

// bootFlags describe the boot org: when any is given, a seed file's first
// org is not the boot org.
var bootFlags = []string{"org-id", "org-name", "api-token", "scim-base-url", "scim-api-key"}

// Register defines mockokta's flags on fs: one org at start, with the
// given or a random API token and, given a SCIM directory, an Atlassian
// Cloud app already connected to it; and the engine's settings.
func (f *Flags) Register(fs *pflag.FlagSet) {
	fs.StringVar(&f.cli.Addr, "addr", DefaultAddr, "listen address `HOST:PORT`")
	fs.StringVar(&f.boot.OrgID, "org-id", "", "id of the boot org (random when empty)")
	fs.StringVar(&f.boot.OrgName, "org-name", "Simulated Okta org", "name of the boot org")
	fs.StringVar(&f.boot.APIToken, "api-token", "", "API token of the boot org, sent as 'Authorization: SSWS <token>' (random, printed once, when empty)")
	fs.StringVar(&f.boot.AtlassianSCIMURL, "scim-base-url", "", "SCIM base `URL` of an Atlassian directory (or any SCIM server): creates an Atlassian Cloud app connected to it")
	fs.StringVar(&f.boot.AtlassianSCIMToken, "scim-api-key", "", "API key of that SCIM directory, sent as 'Authorization: Bearer <key>'")
	cli.Alias(fs, "scim-base-url", "atlassian-scim-url")
	cli.Alias(fs, "scim-api-key", "atlassian-scim-token")
	fs.Uint64Var(&f.cli.Config.Options.Seed, "seed", 0, "seed for repeatable ids (0: random)")
	fs.StringVar(&f.backoff, "backoff", "real", "the engine's waits, 429 back-offs and --pace: real (wait, as Okta does: Retry-After or 5 min, doubling) or virtual (skip the wait, keep the timestamps)")
	fs.DurationVar(&f.timeout, "scim-timeout", 60*time.Second, "timeout of each outbound SCIM request (Okta: 60 s)")
	fs.Int64Var(&f.cli.Config.MaxBodyBytes, "max-body-bytes", 1<<20, "request body limit in bytes")
	fs.IntVar(&f.journal.MaxEntries, "journal-size", 10000, "entries kept in each journal")
	fs.BoolVar(&f.journal.NoBodies, "journal-no-bodies", false, "keep no bodies in the journals")
	fs.StringVar(&f.groupPushConflict, "group-push-conflict", string(ConflictError), "what a 409 on creating a pushed group does: error (Okta: the push waits for the admin to link the group) or link (look the name up and link it)")
	fs.StringVar(&f.rateLimits, "rate-limits", "okta", "Management API rate limits: okta (a Workforce org's per-minute buckets, each token's 50 % share, 75 requests in flight), off, or okta*FACTOR to scale the per-minute limits (okta*0.1)")
	fs.StringVar(&f.pace, "pace", "instant", "how long after a change the engine starts provisioning it, on the server's clock (real time unless --backoff virtual): instant, okta (Okta's observed 0-3 s), fixed:DURATION (fixed:500ms) or uniform:MIN-MAX (uniform:0s-2s); orgs may have their own (/_sim/orgs/{org}/pace)")
	fs.BoolVar(&f.cli.Config.Options.LinkKeepsExternalID, "link-keeps-external-id", false, "when a person is linked to an existing SCIM user by userName, leave that user's externalId as it is (default: write the person's Okta id, OKTA-LINK-2)")
	fs.StringVar(&f.passwordPatch, "password-patch", string(PasswordPatchValue), "an OIN app's Sync Password PATCH, which Okta does not document: value ({\"op\":\"replace\",\"value\":{\"password\":…}}, like its deactivation) or path ({\"op\":\"replace\",\"path\":\"password\",\"value\":…}), OKTA-PASSWORD-1")
	fs.StringVar(&f.faultsFile, "faults-file", "", "YAML or JSON list of fault rules on /api/v1 active from the start (docs/mockatlassian.md, \"Fault injection\")")
	fs.StringVar(&f.cli.Config.DataDir, "data-dir", "", "keep state in `DIR`/mockokta.db so it survives restarts (default: in memory)")
	fs.StringVar(&f.seedFile, "seed-file", "", "YAML start state applied when nothing is stored: orgs, tokens, users, groups, apps, assignments, pushes")
	fs.StringVar(&f.cli.Config.PublicURL, "public-url", "", "the `URL` people reach this server at, when it differs from the listen address (compose: http://127.0.0.1:8080): printed at start, and used by the admin console")
	fs.StringVar(&f.cli.Config.ControlToken, "control-token", "", "require 'Authorization: Bearer <token>' on /_sim/ routes but GET /_sim/health (prefer the environment variable: flags show in ps)")
	fs.StringVar(&f.samlCert, "saml-signing-cert", "", "certificate (PEM `FILE`) of the key SAML apps sign with, instead of a key generated for each app (docs/saml.md); with --saml-signing-key")
	fs.StringVar(&f.samlKey, "saml-signing-key", "", "RSA private key (PEM `FILE`, PKCS #8 or PKCS #1) of --saml-signing-cert")
	cli.TLS(fs, &f.cli.Config.TLS)
	cli.Files(fs, "saml-signing-cert", "pem", "crt")
	cli.Files(fs, "saml-signing-key", "pem", "key")
	cli.Files(fs, "faults-file", "yaml", "yml", "json")
	cli.Files(fs, "seed-file", "yaml", "yml")
	cli.Dir(fs, "data-dir")
}

// CLI checks the parsed flags and builds the server's configuration;
// given tells which flags (by their names here) were given.
func (f *Flags) CLI(given func(flag string) bool) (CLI, error) {
	c := f.cli
	boot := f.boot
	var err error
	if c.Config.Faults, err = faults.ReadFile(f.faultsFile); err != nil {
		return CLI{}, err
	}
	switch f.backoff {
	case "real":
		c.Config.Options.Clock = clock.System{}
	case "virtual":
		c.Config.Options.Clock = &clock.Virtual{}
	default:
		return CLI{}, fmt.Errorf("backoff %q: want real or virtual", f.backoff)
	}
	if (boot.AtlassianSCIMURL == "") != (boot.AtlassianSCIMToken == "") {
		return CLI{}, fmt.Errorf("--scim-base-url and --scim-api-key go together")
	}
	if c.Config.PublicURL != "" {
		if _, err := ui.ParsePublicURL(c.Config.PublicURL); err != nil {
			return CLI{}, err
		}
	}
	if err := c.Config.TLS.Check(); err != nil {
		return CLI{}, err
	}
	if c.Config.Options.SAMLKey, err = readSAMLKey(f.samlCert, f.samlKey); err != nil {
		return CLI{}, err
	}
	if strings.ContainsAny(c.Config.ControlToken, " \t\r\n") {
		return CLI{}, fmt.Errorf("control token: must not contain white space")
	}
	conflict, err := ParseGroupPushConflict(f.groupPushConflict)
	if err != nil {
		return CLI{}, err
	}
	c.Config.Options.GroupPushConflict = conflict
	if c.Config.Options.PasswordPatch, err = ParsePasswordPatch(f.passwordPatch); err != nil {
		return CLI{}, err
	}
	if c.Config.RateLimits, err = ParseRateLimits(f.rateLimits); err != nil {
		return CLI{}, err
	}
	if c.Config.Options.Pace, err = ParsePace(f.pace); err != nil {
		return CLI{}, err
	}
	c.Config.LengthRequired = true // a real client always sends Content-Length (OAPI-MEDIA-2)
	c.Config.Options.SCIMClient = &http.Client{Timeout: f.timeout}
	c.Config.Options.Journal = journal.New(f.journal, c.Config.Options.Clock)
	c.Config.Journal = f.journal
	if err := seedFromFlags(slices.ContainsFunc(bootFlags, given), f.seedFile, &c.Config, &boot); err != nil {
		return CLI{}, err
	}
	c.Config.Boot = &boot
	return c, nil
}

// ParseFlags parses mockokta's command line and environment (getenv) as
// the binary does.
func ParseFlags(args []string, getenv func(string) string, stderr io.Writer) (CLI, error) {
	var f Flags
	fs := pflag.NewFlagSet("mockokta", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	f.Register(fs)
	if err := cli.Parse(fs, EnvPrefix, args, getenv); err != nil {
		return CLI{}, err
	}
	return f.CLI(fs.Changed)
}

// Serve runs the server c describes until ctx ends, logging to logs.
// ready, when not nil, is told the server and the address it listens on.
func (c CLI) Serve(ctx context.Context, logs io.Writer, ready func(*Server, net.Addr)) (err error) {
	c.Config.Logger = slog.New(slog.NewTextHandler(logs, nil))
	srv, err := NewServer(c.Config)
	if err != nil {
		return err
	}
	// State that could not be saved at close is an error of the run.
	defer func() { err = errors.Join(err, srv.Close()) }()
	return Run(ctx, c.Addr, srv, func(addr net.Addr) {
		if ready != nil {
			ready(srv, addr)
		}
	})
}

// WriteBoot tells where the org is. The API token appears only when it
// was generated at this start (shown once) or when show says to.
func (s *Server) WriteBoot(w io.Writer, addr net.Addr, show bool) {
	base := s.PublicBase(addr)
	if s.cfg.PublicURL != "" {
		fmt.Fprintf(w, "mockokta listening on http://%s (%s)\n", addr, base)
	} else {
		fmt.Fprintf(w, "mockokta listening on http://%s\n", addr)
	}
	if https := s.https.Describe(); https != "" {
		fmt.Fprintf(w, "  HTTPS:          %s\n", https)
	}
	if s.console != nil {
		fmt.Fprintf(w, "  admin console:  %s%s\n", base, ConsolePath)
	}
	b, boot := s.Booted, s.cfg.Boot
	if b == nil || boot == nil {
		return
	}
	fmt.Fprintf(w, "  org id:         %s\n", b.Org.ID)
	switch {
	case boot.APIToken == "":
		fmt.Fprintf(w, "  API token:      %s   (generated; shown once; send 'Authorization: SSWS <token>')\n", b.Org.Token)
	case show:
		fmt.Fprintf(w, "  API token:      %s   (send 'Authorization: SSWS <token>')\n", b.Org.Token)
	default:
		fmt.Fprintf(w, "  API token:      (as configured)\n")
	}
	if b.AppID != "" {
		fmt.Fprintf(w, "  Atlassian app:  %s -> %s\n", b.AppID, boot.AtlassianSCIMURL)
	}
	fmt.Fprintf(w, "  control API:    %s/_sim/\n", base)
}

// readSAMLKey reads --saml-signing-cert and --saml-signing-key: nil when
// neither is given, an error that names the flag when a file is missing
// or unreadable, not PEM, not RSA, or the two do not belong together.
func readSAMLKey(certFile, keyFile string) (*saml.KeyPair, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, errors.New("--saml-signing-cert and --saml-signing-key go together")
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("--saml-signing-cert: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("--saml-signing-key: %w", err)
	}
	if _, err := saml.ParseCertificate(string(certPEM)); err != nil {
		return nil, fmt.Errorf("--saml-signing-cert %s: %w", certFile, err)
	}
	kp, err := saml.ParseKeyPair("", string(certPEM), string(keyPEM))
	if err != nil {
		return nil, fmt.Errorf("--saml-signing-key %s: %w", keyFile, err)
	}
	return kp, nil
}
