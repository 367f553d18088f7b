// Package containers is a testcontainers-go module for provsim. Run starts
// mockatlassian and mockokta in containers on a network of their own, wired
// together as after Steps 1 and 2 of Atlassian's "Configure user
// provisioning with Okta": an Atlassian organization with a verified
// domain, a site and a SCIM directory, and an Okta org whose "Atlassian
// Cloud" app is connected to that directory and signs people in to the
// organization with SAML single sign-on. The returned Environment
// gives the Okta org URL and API token, the SCIM base URL and key, the
// control URLs and a ready okta-sdk-golang v5 configuration.
//
//	env, err := containers.Run(ctx)
//	defer env.Terminate(ctx) // nil-safe; in tests: containers.CleanupEnvironment(t, env)
//	if err != nil { ... }
//	cfg, _ := env.OktaSDKConfig()
//	client := okta.NewAPIClient(cfg)
//
// The images are the ones `make images` builds (provsim/mockatlassian:dev,
// provsim/mockokta:dev). When the Docker engine lacks one, or has one built
// from other source (a label holds a fingerprint of the source), Run builds
// it from provsim's source with the Go toolchain: a static binary in a
// FROM-scratch image, so nothing is pulled from a registry. Where Ryuk's
// image cannot be pulled either, set TESTCONTAINERS_RYUK_DISABLED=true and
// always call Terminate.
package containers

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v5/okta"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/provsim/provsim/harness"
	"github.com/provsim/provsim/mockatlassian"
)

// The development tenants, the same as `harness serve` and
// compose.yaml use.
const (
	DefaultOktaOrgID      = "dev-okta"
	DefaultOktaToken      = "dev-okta-token"
	DefaultAtlassianOrgID = "dev-org"
	DefaultOrgAPIKey      = "dev-org-key"
	DefaultDirectoryID    = "dev-directory"
	DefaultSCIMKey        = "dev-scim-key"
	DefaultDomain         = "example.com"
)

// Network aliases and ports inside the environment's network.
const (
	AtlassianAlias = "mockatlassian"
	OktaAlias      = "mockokta"
	AtlassianPort  = "8081/tcp"
	OktaPort       = "8080/tcp"
	// The HTTPS ports, with WithTLS.
	AtlassianTLSPort = "8444/tcp"
	OktaTLSPort      = "8443/tcp"
)

// Site is an Atlassian cloud site with its products (jira-software,
// jira-servicedesk, confluence, bitbucket).
type Site struct {
	Name     string
	Products []string
}

// Switches are the fidelity switches (docs/fidelity.md); zero
// values keep each server's documented default.
type Switches struct {
	DeleteMode            mockatlassian.DeleteMode      // --delete-mode: record or deactivate
	GroupRename           mockatlassian.GroupRenameMode // --group-rename: ignore or reject
	GroupCollision        mockatlassian.CollisionMode   // --group-collision: conflict or accept-unsynced
	LimitMode             mockatlassian.LimitMode       // --limit-mode: stop-syncing or error
	RequireVerifiedDomain bool                          // --require-verified-domain (legacy)
	MaxUsersPerDirectory  int                           // --max-users-per-directory
	MaxUsersPerGroup      int                           // --max-users-per-group
	AuthErrorBody         mockatlassian.AuthErrorBody   // --auth-error-body: failure or scim
	OktaBackoff           string                        // mockokta --backoff: real or virtual
}

type config struct {
	oktaImage, atlImage  string
	rebuild              bool
	sourceDir            string
	oktaOrgID, oktaToken string
	orgID, orgAPIKey     string
	dirID, scimKey       string
	domains              []string
	sites                []Site
	seed                 uint64
	controlToken         string
	switches             Switches
	oktaEnv, atlEnv      map[string]string
	scenarios            []string
	scenarioTimeout      time.Duration
	startupTimeout       time.Duration
	logger               log.Logger
	tls                  bool
}

// Option configures Run.
type Option func(*config)

// WithOktaOrg sets the Okta org's id and API token (sent as
// "Authorization: SSWS <token>"). Default dev-okta, dev-okta-token.
func WithOktaOrg(id, token string) Option {
	return func(c *config) { c.oktaOrgID, c.oktaToken = id, token }
}

// WithAtlassianOrg sets the Atlassian organization's id and API key (for
// the admin APIs). Default dev-org, dev-org-key.
func WithAtlassianOrg(id, apiKey string) Option {
	return func(c *config) { c.orgID, c.orgAPIKey = id, apiKey }
}

// WithDirectory sets the SCIM directory's id and API key. Default
// dev-directory, dev-scim-key.
func WithDirectory(id, scimKey string) Option {
	return func(c *config) { c.dirID, c.scimKey = id, scimKey }
}

// WithVerifiedDomains replaces the organization's verified domains
// (default example.com).
func WithVerifiedDomains(domains ...string) Option {
	return func(c *config) { c.domains = domains }
}

// WithSites replaces the organization's sites (default acme.atlassian.net
// with jira-software and confluence).
func WithSites(sites ...Site) Option {
	return func(c *config) { c.sites = sites }
}

// WithControlToken makes both servers require "Authorization: Bearer
// <token>" on their /_sim/ control APIs (all but /_sim/health); HarnessEnv
// and RunScenarios send it. Default: the control APIs are open.
func WithControlToken(token string) Option {
	return func(c *config) { c.controlToken = token }
}

// WithSeed makes ids repeatable in both servers (0: random).
func WithSeed(seed uint64) Option {
	return func(c *config) { c.seed = seed }
}

// WithSwitches sets fidelity switches.
func WithSwitches(s Switches) Option {
	return func(c *config) { c.switches = s }
}

// WithAtlassianEnv adds environment variables to mockatlassian's container:
// every flag is MOCKATLASSIAN_<FLAG> (docs/mockatlassian.md).
func WithAtlassianEnv(env map[string]string) Option {
	return func(c *config) { c.atlEnv = merge(c.atlEnv, env) }
}

// WithOktaEnv adds environment variables to mockokta's container: every
// flag is MOCKOKTA_<FLAG> (docs/mockokta.md).
func WithOktaEnv(env map[string]string) Option {
	return func(c *config) { c.oktaEnv = merge(c.oktaEnv, env) }
}

// WithScenarios runs scenario files (or directories of them) against the
// containers once they are ready; Run fails when one does not pass, and
// Environment.ScenarioResults has the results. Each scenario makes its own
// organization, directory and Okta org in the running servers, so the
// development tenants stay as they are. Scenarios with atlassian.switches
// need their own servers and are reported as errors here (use WithSwitches
// and leave them out of the file).
func WithScenarios(paths ...string) Option {
	return func(c *config) { c.scenarios = append(c.scenarios, paths...) }
}

// WithScenarioTimeout overrides each scenario's wait-for-engine timeout.
func WithScenarioTimeout(d time.Duration) Option {
	return func(c *config) { c.scenarioTimeout = d }
}

// WithImages sets the image references (default provsim/mockokta:dev and
// provsim/mockatlassian:dev). Images that are missing, or were built from
// other source than provsim's at hand, are built under these names (see
// EnsureImage).
func WithImages(okta, atlassian string) Option {
	return func(c *config) { c.oktaImage, c.atlImage = okta, atlassian }
}

// WithRebuild builds the images from source even when the engine has them
// from the same source.
func WithRebuild() Option {
	return func(c *config) { c.rebuild = true }
}

// WithSourceDir says where provsim's source is, for building images
// (default: found from this package, see SourceDir).
func WithSourceDir(dir string) Option {
	return func(c *config) { c.sourceDir = dir }
}

// WithStartupTimeout bounds the wait for /_sim/health (default 60s).
func WithStartupTimeout(d time.Duration) Option {
	return func(c *config) { c.startupTimeout = d }
}

// WithTLS makes both servers serve HTTPS too (docs/state.md, "HTTPS"), with
// certificates from the local authority each generates, and the
// Environment hand out https URLs: OktaOrgURL, AtlassianURL, SCIMBaseURL
// and the control URLs are https, CA is the certificates to trust, and
// HTTPClient, HarnessEnv and OktaSDKConfig trust them. The plain ports stay
// (health checks, and mockokta's SCIM calls on the network).
func WithTLS() Option {
	return func(c *config) { c.tls = true }
}

// WithLogger sets testcontainers' logger, e.g. log.TestLogger(t) from
// github.com/testcontainers/testcontainers-go/log.
func WithLogger(l log.Logger) Option {
	return func(c *config) { c.logger = l }
}

func merge(dst, src map[string]string) map[string]string {
	if dst == nil {
		dst = map[string]string{}
	}
	for k, v := range src {
		dst[k] = v
	}
	return dst
}

// Environment is a running pair: mockatlassian and mockokta, wired.
type Environment struct {
	// The containers and their network, for anything the accessors do not
	// cover (logs, exec, inspect).
	Atlassian *testcontainers.DockerContainer
	Okta      *testcontainers.DockerContainer
	Network   *testcontainers.DockerNetwork

	cfg             config
	oktaURL, atlURL string
	oktaHost        string
	oktaPort        int
	// With WithTLS: the servers' CA certificates (PEM) and a client that
	// trusts them.
	ca          []byte
	pool        *x509.CertPool
	http        *http.Client
	oktaTLSPort int

	saml harness.WiredSAML

	mu      sync.Mutex
	results []*harness.Result
}

// Run starts mockatlassian and mockokta on a new network, waits until both
// answer /_sim/health, and runs the scenarios of WithScenarios. On a
// startup error it removes what it started and returns nil; when a
// scenario fails it returns the running Environment with the error, so
// call Terminate whenever the Environment is not nil.
func Run(ctx context.Context, opts ...Option) (*Environment, error) {
	c := config{
		oktaImage: DefaultOktaImage, atlImage: DefaultAtlassianImage,
		oktaOrgID: DefaultOktaOrgID, oktaToken: DefaultOktaToken,
		orgID: DefaultAtlassianOrgID, orgAPIKey: DefaultOrgAPIKey,
		dirID: DefaultDirectoryID, scimKey: DefaultSCIMKey,
		domains:        []string{DefaultDomain},
		sites:          []Site{{Name: "acme.atlassian.net", Products: []string{"jira-software", "confluence"}}},
		startupTimeout: 60 * time.Second,
	}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = log.Default()
	}
	for _, img := range []struct{ component, ref string }{{"mockatlassian", c.atlImage}, {"mockokta", c.oktaImage}} {
		bo := BuildOptions{SourceDir: c.sourceDir, Tag: img.ref, Log: logWriter{c.logger}}
		var err error
		if c.rebuild {
			_, err = BuildImage(ctx, img.component, bo)
		} else {
			_, err = EnsureImage(ctx, img.component, bo)
		}
		if err != nil {
			return nil, err
		}
	}

	nw, err := network.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	e := &Environment{Network: nw, cfg: c}
	var wg sync.WaitGroup
	var atlErr, oktaErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		e.Atlassian, atlErr = startServer(ctx, c, nw, c.atlImage, AtlassianAlias, c.atlassianEnv(), AtlassianPort, AtlassianTLSPort)
	}()
	go func() {
		defer wg.Done()
		e.Okta, oktaErr = startServer(ctx, c, nw, c.oktaImage, OktaAlias, c.oktaEnvVars(), OktaPort, OktaTLSPort)
	}()
	wg.Wait()
	if err := errors.Join(atlErr, oktaErr); err != nil {
		_ = e.Terminate(context.WithoutCancel(ctx))
		return nil, err
	}
	if e.atlURL, _, _, err = endpoint(ctx, e.Atlassian, AtlassianPort); err != nil {
		_ = e.Terminate(context.WithoutCancel(ctx))
		return nil, err
	}
	if e.oktaURL, e.oktaHost, e.oktaPort, err = endpoint(ctx, e.Okta, OktaPort); err != nil {
		_ = e.Terminate(context.WithoutCancel(ctx))
		return nil, err
	}
	e.http = &http.Client{Timeout: 2 * time.Minute}
	if c.tls {
		if err := e.useTLS(ctx); err != nil {
			_ = e.Terminate(context.WithoutCancel(ctx))
			return nil, err
		}
	}
	// Single sign-on, as compose's saml-wiring service sets it up: the
	// servers have no --public-url here, so the URLs they hand out are the
	// published ports this host reaches, and a browser here signs in.
	if e.saml, err = harness.WireSAML(ctx, harness.SAMLWiring{OktaURL: e.oktaURL, OktaToken: c.oktaToken,
		AtlassianURL: e.atlURL, Org: c.orgID, ControlToken: c.controlToken, HTTP: e.http}); err != nil {
		_ = e.Terminate(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("SAML single sign-on: %w", err)
	}
	if len(c.scenarios) > 0 {
		results, err := e.RunScenarios(ctx, c.scenarios...)
		if err != nil {
			return e, err
		}
		var failed []string
		for _, r := range results {
			if !r.Passed {
				what := r.File
				if r.Error != "" {
					what += " (" + r.Error + ")"
				}
				failed = append(failed, what)
			}
		}
		if len(failed) > 0 {
			return e, fmt.Errorf("scenarios failed: %s", strings.Join(failed, ", "))
		}
	}
	return e, nil
}

// startServer starts one server; ports[0] is its plain port, checked for
// health, ports[1] its HTTPS port, published with WithTLS.
func startServer(ctx context.Context, c config, nw *testcontainers.DockerNetwork, image, alias string, env map[string]string, ports ...string) (*testcontainers.DockerContainer, error) {
	port := ports[0]
	if !c.tls {
		ports = ports[:1]
	}
	ctr, err := testcontainers.Run(ctx, image,
		testcontainers.WithLogger(c.logger),
		testcontainers.WithEnv(env),
		testcontainers.WithExposedPorts(ports...),
		network.WithNetwork([]string{alias}, nw),
		testcontainers.WithLabels(map[string]string{"io.provsim.component": alias}),
		testcontainers.WithWaitStrategy(healthWait{port: port, timeout: c.startupTimeout}),
	)
	if err != nil {
		if ctr != nil {
			_ = ctr.Terminate(context.WithoutCancel(ctx))
		}
		return nil, fmt.Errorf("%s (%s): %w", alias, image, err)
	}
	return ctr, nil
}

func endpoint(ctx context.Context, ctr wait.StrategyTarget, port string) (url, host string, p int, err error) {
	host, err = reachableHost(ctx, ctr)
	if err != nil {
		return "", "", 0, err
	}
	mp, err := ctr.MappedPort(ctx, port)
	if err != nil {
		return "", "", 0, err
	}
	return "http://" + net.JoinHostPort(host, mp.Port()), host, int(mp.Num()), nil
}

// reachableHost is where this process reaches the container's published
// ports. testcontainers answers the bridge gateway's address when the
// process looks containerized (/.dockerenv) and the engine's socket is
// local; but when that gateway is an address of this very network
// namespace, the engine publishes the ports here, on loopback, and
// 127.0.0.1 is the direct way. TESTCONTAINERS_HOST_OVERRIDE wins.
func reachableHost(ctx context.Context, ctr wait.StrategyTarget) (string, error) {
	if h, ok := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE"); ok && h != "" {
		return h, nil
	}
	if insp, err := ctr.Inspect(ctx); err == nil && insp.NetworkSettings != nil {
		for _, n := range insp.NetworkSettings.Networks {
			if n != nil && n.Gateway.IsValid() && localAddr(n.Gateway) {
				return "127.0.0.1", nil
			}
		}
	}
	h, err := ctr.Host(ctx)
	if h == "localhost" {
		h = "127.0.0.1"
	}
	return h, err
}

func localAddr(ip netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr() == ip.Unmap() {
			return true
		}
	}
	return false
}

// healthWait waits until GET /_sim/health on the published port answers
// 200, from this process, at the address reachableHost gives. It fails at
// once when the container stops.
type healthWait struct {
	port    string
	timeout time.Duration
}

func (w healthWait) String() string { return "GET /_sim/health on " + w.port }

func (w healthWait) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	hc := &http.Client{Timeout: time.Second}
	var last error
	for {
		if url, _, _, err := endpoint(ctx, target, w.port); err != nil {
			last = err
		} else if req, err := http.NewRequestWithContext(ctx, "GET", url+"/_sim/health", nil); err != nil {
			return err
		} else if resp, err := hc.Do(req); err != nil {
			last = err
		} else {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Errorf("/_sim/health: %s", resp.Status)
		}
		if st, err := target.State(ctx); err == nil && !st.Running {
			return fmt.Errorf("container %s (exit code %d)", st.Status, st.ExitCode)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w waiting for /_sim/health: %v", ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c config) atlassianEnv() map[string]string {
	env := map[string]string{
		"MOCKATLASSIAN_ORG_ID":          c.orgID,
		"MOCKATLASSIAN_ORG_API_KEY":     c.orgAPIKey,
		"MOCKATLASSIAN_DIRECTORY_ID":    c.dirID,
		"MOCKATLASSIAN_SCIM_API_KEY":    c.scimKey,
		"MOCKATLASSIAN_VERIFIED_DOMAIN": strings.Join(c.domains, ","),
	}
	var sites []string
	for _, s := range c.sites {
		sites = append(sites, s.Name+"="+strings.Join(s.Products, "+"))
	}
	set := func(k, v string) {
		if v != "" && v != "0" && v != "false" {
			env[k] = v
		}
	}
	set("MOCKATLASSIAN_SITE", strings.Join(sites, ","))
	set("MOCKATLASSIAN_CONTROL_TOKEN", c.controlToken)
	set("MOCKATLASSIAN_SEED", strconv.FormatUint(c.seed, 10))
	sw := c.switches
	set("MOCKATLASSIAN_DELETE_MODE", string(sw.DeleteMode))
	set("MOCKATLASSIAN_GROUP_RENAME", string(sw.GroupRename))
	set("MOCKATLASSIAN_GROUP_COLLISION", string(sw.GroupCollision))
	set("MOCKATLASSIAN_LIMIT_MODE", string(sw.LimitMode))
	set("MOCKATLASSIAN_REQUIRE_VERIFIED_DOMAIN", strconv.FormatBool(sw.RequireVerifiedDomain))
	set("MOCKATLASSIAN_MAX_USERS_PER_DIRECTORY", strconv.Itoa(sw.MaxUsersPerDirectory))
	set("MOCKATLASSIAN_MAX_USERS_PER_GROUP", strconv.Itoa(sw.MaxUsersPerGroup))
	set("MOCKATLASSIAN_AUTH_ERROR_BODY", string(sw.AuthErrorBody))
	if c.tls {
		env["MOCKATLASSIAN_TLS_ADDR"] = "0.0.0.0:" + strings.TrimSuffix(AtlassianTLSPort, "/tcp")
		env["MOCKATLASSIAN_TLS_HOST"] = AtlassianAlias
	}
	return merge(env, c.atlEnv)
}

func (c config) oktaEnvVars() map[string]string {
	env := map[string]string{
		"MOCKOKTA_ORG_ID":        c.oktaOrgID,
		"MOCKOKTA_API_TOKEN":     c.oktaToken,
		"MOCKOKTA_SCIM_BASE_URL": c.scimURLFromOkta(),
		"MOCKOKTA_SCIM_API_KEY":  c.scimKey,
	}
	if c.seed != 0 {
		env["MOCKOKTA_SEED"] = strconv.FormatUint(c.seed, 10)
	}
	if c.controlToken != "" {
		env["MOCKOKTA_CONTROL_TOKEN"] = c.controlToken
	}
	if c.switches.OktaBackoff != "" {
		env["MOCKOKTA_BACKOFF"] = c.switches.OktaBackoff
	}
	if c.tls {
		env["MOCKOKTA_TLS_ADDR"] = "0.0.0.0:" + strings.TrimSuffix(OktaTLSPort, "/tcp")
		env["MOCKOKTA_TLS_HOST"] = OktaAlias
	}
	return merge(env, c.oktaEnv)
}

func (c config) scimURLFromOkta() string {
	return "http://" + AtlassianAlias + ":" + strings.TrimSuffix(AtlassianPort, "/tcp") + "/scim/directory/" + c.dirID
}

// OktaOrgURL is the Okta org's base URL from this host, e.g.
// http://localhost:32771 (the Management API is under /api/v1).
func (e *Environment) OktaOrgURL() string { return e.oktaURL }

// SAML is how single sign-on between the two is set up: the Atlassian
// Cloud app (AppID), its IdP issuer and SSO URL, and the organization's SP
// entity URL and ACS URL (docs/saml.md).
func (e *Environment) SAML() harness.WiredSAML { return e.saml }

// OktaSignInURL is the Okta End-User Dashboard, where people sign in and
// find the Atlassian Cloud tile (IdP-initiated sign-in).
func (e *Environment) OktaSignInURL() string { return e.oktaURL + "/app/UserHome" }

// OktaOrgID is the Okta org's id.
func (e *Environment) OktaOrgID() string { return e.cfg.oktaOrgID }

// OktaAPIToken is the Okta org's API token: "Authorization: SSWS <token>".
func (e *Environment) OktaAPIToken() string { return e.cfg.oktaToken }

// ControlToken is the token the control APIs require ("" when they are
// open); send it as "Authorization: Bearer <token>".
func (e *Environment) ControlToken() string { return e.cfg.controlToken }

// OktaControlURL is mockokta's control API (/_sim) from this host.
func (e *Environment) OktaControlURL() string { return e.oktaURL + "/_sim" }

// AtlassianURL is mockatlassian's base URL from this host.
func (e *Environment) AtlassianURL() string { return e.atlURL }

// AtlassianControlURL is mockatlassian's control API (/_sim) from this host.
func (e *Environment) AtlassianControlURL() string { return e.atlURL + "/_sim" }

// AtlassianOrgID is the Atlassian organization's id.
func (e *Environment) AtlassianOrgID() string { return e.cfg.orgID }

// AtlassianOrgAPIKey is the organization API key for the admin APIs.
func (e *Environment) AtlassianOrgAPIKey() string { return e.cfg.orgAPIKey }

// DirectoryID is the SCIM directory's id.
func (e *Environment) DirectoryID() string { return e.cfg.dirID }

// SCIMBaseURL is the directory's SCIM base URL from this host.
func (e *Environment) SCIMBaseURL() string { return e.atlURL + "/scim/directory/" + e.cfg.dirID }

// SCIMBaseURLFromOkta is the directory's SCIM base URL as mockokta reaches
// it on the environment's network (what its Atlassian Cloud app uses).
func (e *Environment) SCIMBaseURLFromOkta() string { return e.cfg.scimURLFromOkta() }

// SCIMKey is the directory's API key: "Authorization: Bearer <key>".
func (e *Environment) SCIMKey() string { return e.cfg.scimKey }

// OktaSDKConfig is an okta-sdk-golang v5 configuration for the Okta org,
// ready for okta.NewAPIClient. v5 keeps only the hostname of the org URL,
// so requests go to mockokta through the SDK's proxy settings (see
// docs/okta-sdk.md), or with WithTLS to https://<host> through a client
// that dials the published HTTPS port and trusts CA; extra setters are
// applied last.
func (e *Environment) OktaSDKConfig(extra ...okta.ConfigSetter) (*okta.Configuration, error) {
	if e.ca != nil {
		return e.oktaSDKConfigTLS(extra)
	}
	setters := append([]okta.ConfigSetter{
		okta.WithOrgUrl(e.oktaURL),
		okta.WithToken(e.cfg.oktaToken),
		okta.WithCache(false),
		okta.WithTestingDisableHttpsCheck(true),
		okta.WithProxyHost(e.oktaHost),
		okta.WithProxyPort(int32(e.oktaPort)),
	}, extra...)
	return okta.NewConfiguration(setters...)
}

// HarnessEnv is the environment for harness.RunFile and RunScenario: the
// servers from this host, and mockatlassian as mockokta reaches it.
func (e *Environment) HarnessEnv() *harness.Env {
	env := harness.Remote(e.oktaURL, e.atlURL)
	env.HTTP, env.CA = e.http, e.ca
	env.AtlassianURLFromOkta = "http://" + AtlassianAlias + ":" + strings.TrimSuffix(AtlassianPort, "/tcp")
	env.ControlToken = e.cfg.controlToken
	return env
}

// RunScenarios runs scenario files, or directories of them (*.yaml,
// *.yml), against the containers, one after the other. A scenario that
// cannot be read or parsed is an error; one that fails is a Result with
// Passed false.
func (e *Environment) RunScenarios(ctx context.Context, paths ...string) ([]*harness.Result, error) {
	files, err := scenarioFiles(paths)
	if err != nil {
		return nil, err
	}
	env := e.HarnessEnv()
	var results []*harness.Result
	for _, f := range files {
		res, err := harness.RunFile(ctx, f, harness.RunOptions{Env: env, Timeout: e.cfg.scenarioTimeout})
		if err != nil {
			return results, fmt.Errorf("%s: %w", f, err)
		}
		results = append(results, res)
	}
	e.mu.Lock()
	e.results = append(e.results, results...)
	e.mu.Unlock()
	return results, nil
}

// ScenarioResults are the results of every scenario run so far (by
// WithScenarios and RunScenarios).
func (e *Environment) ScenarioResults() []*harness.Result {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*harness.Result(nil), e.results...)
}

func scenarioFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		for _, pat := range []string{"*.yaml", "*.yml"} {
			m, _ := filepath.Glob(filepath.Join(p, pat))
			found = append(found, m...)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	if len(out) == 0 {
		return nil, errors.New("no scenario files")
	}
	return out, nil
}

// Terminate removes both containers and the network. It is safe on a nil
// or partly started Environment.
func (e *Environment) Terminate(ctx context.Context) error {
	if e == nil {
		return nil
	}
	var errs []error
	for _, c := range []**testcontainers.DockerContainer{&e.Okta, &e.Atlassian} {
		if *c != nil {
			if err := (*c).Terminate(ctx); err != nil {
				errs = append(errs, err)
			} else {
				*c = nil
			}
		}
	}
	if e.Network != nil && len(errs) == 0 {
		if err := e.Network.Remove(ctx); err != nil {
			errs = append(errs, err)
		} else {
			e.Network = nil
		}
	}
	return errors.Join(errs...)
}

// CleanupEnvironment terminates env when the test ends, like
// testcontainers.CleanupContainer; env may be nil.
func CleanupEnvironment(tb testing.TB, env *Environment) {
	tb.Helper()
	tb.Cleanup(func() {
		if err := env.Terminate(context.Background()); err != nil {
			tb.Errorf("terminate provsim containers: %v", err)
		}
	})
}

// logWriter sends image build progress to testcontainers' logger.
type logWriter struct{ l log.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.l.Printf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
