package containers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/okta/okta-sdk-golang/v5/okta"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/provsim/provsim/harness"
	"github.com/provsim/provsim/harness/containers"
	"github.com/provsim/provsim/mockatlassian"
)

// call sends a request and decodes a JSON answer into out (when not nil).
func call(t *testing.T, method, url, auth, body string, out any) int {
	t.Helper()
	return callWith(t, http.DefaultClient, method, url, auth, body, out)
}

// callWith is call with a client of the caller's (nil: the default).
func callWith(t *testing.T, hc *http.Client, method, url, auth, body string, out any) int {
	t.Helper()
	if hc == nil {
		hc = http.DefaultClient
	}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, data)
		}
	}
	return resp.StatusCode
}

func start(t *testing.T, opts ...containers.Option) *containers.Environment {
	t.Helper()
	needDocker(t)
	ctx := context.Background()
	env, err := containers.Run(ctx, append([]containers.Option{containers.WithLogger(tclog.TestLogger(t))}, opts...)...)
	containers.CleanupEnvironment(t, env)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// atlassianAppID finds the Atlassian Cloud app mockokta made at boot.
func atlassianAppID(t *testing.T, cfg *okta.Configuration) string {
	t.Helper()
	apps, _, err := okta.NewAPIClient(cfg).ApplicationAPI.ListApplications(context.Background()).Execute()
	if err != nil {
		t.Fatalf("SDK ListApplications: %v", err)
	}
	if len(apps) != 1 {
		t.Fatalf("apps: got %d, want the one Atlassian Cloud app", len(apps))
	}
	app := apps[0].SamlApplication
	if app == nil || app.GetLabel() != "Atlassian Cloud" {
		t.Fatalf("app %+v, want the Atlassian Cloud SAML app", apps[0].GetActualInstance())
	}
	return app.GetId()
}

// TestRunDefaults: the development tenants, wired; SCIM and the Okta SDK
// work at once; the images' own HEALTHCHECK turns healthy.
func TestRunDefaults(t *testing.T) {
	t.Parallel()
	env := start(t)
	if !strings.HasSuffix(env.SCIMBaseURL(), "/scim/directory/dev-directory") || env.SCIMKey() != "dev-scim-key" ||
		env.OktaAPIToken() != "dev-okta-token" || env.OktaOrgID() != "dev-okta" || env.AtlassianOrgID() != "dev-org" ||
		env.AtlassianOrgAPIKey() != "dev-org-key" || env.DirectoryID() != "dev-directory" {
		t.Fatalf("accessors: %s %s %s %s %s", env.SCIMBaseURL(), env.SCIMKey(), env.OktaAPIToken(), env.OktaOrgID(), env.AtlassianOrgID())
	}
	if got, want := env.SCIMBaseURLFromOkta(), "http://mockatlassian:8081/scim/directory/dev-directory"; got != want {
		t.Errorf("SCIMBaseURLFromOkta = %s, want %s", got, want)
	}

	// SCIM with the key, and Atlassian's 403 with another one.
	var list struct{ TotalResults int }
	if st := call(t, "GET", env.SCIMBaseURL()+"/Users?startIndex=1&count=2", "Bearer "+env.SCIMKey(), "", &list); st != 200 {
		t.Fatalf("SCIM GET /Users: %d", st)
	}
	if st := call(t, "GET", env.SCIMBaseURL()+"/Users", "Bearer wrong", "", nil); st != 403 {
		t.Errorf("SCIM with a wrong key: %d, want 403", st)
	}

	// The organization of Step 1: domain, site and directory.
	var org struct {
		Domains []struct {
			Name     string
			Verified bool
		}
		Directories []struct{ ID string }
		Sites       []struct {
			Name     string
			Products []struct{ Key string }
		}
	}
	if st := call(t, "GET", env.AtlassianControlURL()+"/orgs/dev-org", "", "", &org); st != 200 {
		t.Fatalf("GET /_sim/orgs/dev-org: %d", st)
	}
	if len(org.Domains) != 1 || org.Domains[0].Name != "example.com" || !org.Domains[0].Verified {
		t.Errorf("domains: %+v", org.Domains)
	}
	if len(org.Directories) != 1 || org.Directories[0].ID != "dev-directory" {
		t.Errorf("directories: %+v", org.Directories)
	}
	if len(org.Sites) != 1 || org.Sites[0].Name != "acme.atlassian.net" || len(org.Sites[0].Products) != 2 ||
		org.Sites[0].Products[0].Key != "jira-software" || org.Sites[0].Products[1].Key != "confluence" {
		t.Errorf("sites: %+v", org.Sites)
	}

	// The Okta SDK v5, configured by the environment; the app is connected
	// to the directory through the network alias (Test API Credentials).
	cfg, err := env.OktaSDKConfig()
	if err != nil {
		t.Fatal(err)
	}
	appID := atlassianAppID(t, cfg)
	var tc struct {
		Success bool
		Message string
	}
	if st := call(t, "POST", env.OktaControlURL()+"/orgs/dev-okta/apps/"+appID+"/test-credentials", "", "", &tc); st != 200 || !tc.Success {
		t.Fatalf("test-credentials: %d %+v", st, tc)
	}
	if st := call(t, "GET", env.OktaOrgURL()+"/api/v1/apps", "SSWS wrong", "", nil); st != 401 {
		t.Errorf("Okta API with a wrong token: %d, want 401", st)
	}

	// The images' HEALTHCHECK runs the binary's healthcheck subcommand.
	for _, c := range []*testcontainers.DockerContainer{env.Atlassian, env.Okta} {
		deadline := time.Now().Add(30 * time.Second)
		for {
			st, err := c.State(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.Health != nil && st.Health.Status == "healthy" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: docker health %+v", c.Image, st.Health)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// TestProvisioningThroughTheContainers: a user made and assigned with the
// Okta SDK reaches mockatlassian over the containers' network.
func TestProvisioningThroughTheContainers(t *testing.T) {
	t.Parallel()
	env := start(t, containers.WithSeed(7))
	ctx := context.Background()
	cfg, err := env.OktaSDKConfig()
	if err != nil {
		t.Fatal(err)
	}
	sdk := okta.NewAPIClient(cfg)
	appID := atlassianAppID(t, cfg)
	profile := okta.NewUserProfile()
	profile.SetFirstName("Ada")
	profile.SetLastName("Lovelace")
	profile.SetEmail("ada@example.com")
	profile.SetLogin("ada@example.com")
	user, _, err := sdk.UserAPI.CreateUser(ctx).Body(*okta.NewCreateUserRequest(*profile)).Activate(true).Execute()
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	assign := okta.NewAppUserAssignRequest(user.GetId())
	if _, _, err := sdk.ApplicationUsersAPI.AssignUserToApplication(ctx, appID).AppUser(*assign).Execute(); err != nil {
		t.Fatalf("AssignUserToApplication: %v", err)
	}
	if st := call(t, "POST", env.OktaControlURL()+"/orgs/"+env.OktaOrgID()+"/wait?timeout=10s", "", "", nil); st != 200 {
		t.Fatalf("wait: %d", st)
	}
	var list struct {
		TotalResults int
		Resources    []struct{ UserName, ExternalID string }
	}
	filter := "/Users?filter=userName%20eq%20%22ada%40example.com%22"
	if st := call(t, "GET", env.SCIMBaseURL()+filter, "Bearer "+env.SCIMKey(), "", &list); st != 200 || list.TotalResults != 1 {
		t.Fatalf("SCIM user: %d %+v", st, list)
	}
	if list.Resources[0].ExternalID != user.GetId() {
		t.Errorf("externalId %q, want the Okta user id %q", list.Resources[0].ExternalID, user.GetId())
	}
}

// TestRunOptions: tokens, ids, domains, sites, seed, a fidelity switch and
// a control token reach the servers.
func TestRunOptions(t *testing.T) {
	t.Parallel()
	env := start(t,
		containers.WithOktaOrg("acme-okta", "okta-token-1"),
		containers.WithAtlassianOrg("acme-org", "org-key-1"),
		containers.WithDirectory("dir-1", "scim-key-1"),
		containers.WithVerifiedDomains("acme.test", "acme.example"),
		containers.WithSites(containers.Site{Name: "acme-dev.atlassian.net", Products: []string{"confluence"}}),
		containers.WithSeed(42),
		containers.WithSwitches(containers.Switches{GroupRename: mockatlassian.RenameReject, OktaBackoff: "virtual"}),
		containers.WithOktaEnv(map[string]string{"MOCKOKTA_JOURNAL_SIZE": "500"}),
		containers.WithControlToken("ctl-1"),
	)
	ctl := "Bearer " + env.ControlToken()
	if got := env.SCIMBaseURL(); !strings.HasSuffix(got, "/scim/directory/dir-1") {
		t.Errorf("SCIMBaseURL %s", got)
	}
	if st := call(t, "GET", env.OktaOrgURL()+"/api/v1/apps", "SSWS okta-token-1", "", nil); st != 200 {
		t.Errorf("Okta with the new token: %d", st)
	}
	if st := call(t, "GET", env.OktaOrgURL()+"/api/v1/apps", "SSWS dev-okta-token", "", nil); st != 401 {
		t.Errorf("Okta with the default token: %d, want 401", st)
	}
	var org struct {
		Domains []struct{ Name string }
		Sites   []struct{ Name string }
	}
	if st := call(t, "GET", env.AtlassianControlURL()+"/orgs/acme-org", ctl, "", &org); st != 200 {
		t.Fatalf("GET /_sim/orgs/acme-org: %d", st)
	}
	for _, u := range []string{env.AtlassianControlURL() + "/orgs", env.OktaControlURL() + "/orgs"} {
		if st := call(t, "GET", u, "", "", nil); st != 401 {
			t.Errorf("GET %s without the control token: %d, want 401", u, st)
		}
	}
	raw, _ := json.Marshal(org)
	for _, want := range []string{"acme.test", "acme.example", "acme-dev.atlassian.net"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("organization %s lacks %s", raw, want)
		}
	}
	// group-rename reject: a displayName change is 400 mutability.
	var g struct{ ID string }
	if st := call(t, "POST", env.SCIMBaseURL()+"/Groups", "Bearer scim-key-1", `{"displayName":"team-a"}`, &g); st != 201 {
		t.Fatalf("create group: %d", st)
	}
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"displayName":"team-b"}}]}`
	if st := call(t, "PATCH", env.SCIMBaseURL()+"/Groups/"+g.ID, "Bearer scim-key-1", patch, nil); st != 400 {
		t.Errorf("rename with group-rename=reject: %d, want 400", st)
	}
	insp, err := env.Atlassian.Inspect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(insp.Config.Env, "MOCKATLASSIAN_SEED=42") {
		t.Errorf("seed not passed: %v", insp.Config.Env)
	}
	// The app of this Okta org is connected to dir-1.
	cfg, err := env.OktaSDKConfig()
	if err != nil {
		t.Fatal(err)
	}
	appID := atlassianAppID(t, cfg)
	var tc struct{ Success bool }
	if st := call(t, "POST", env.OktaControlURL()+"/orgs/acme-okta/apps/"+appID+"/test-credentials", ctl, "", &tc); st != 200 || !tc.Success {
		t.Errorf("test-credentials: %d %+v", st, tc)
	}
	// The harness sends the control token.
	res, err := env.RunScenarios(context.Background(), "../../scenarios/wrong-api-key.yaml")
	if err != nil || len(res) != 1 || !res[0].Passed {
		t.Errorf("scenario with a control token: %v %+v", err, res)
	}
}

// TestShippedScenarios runs every shipped scenario against the containers.
// Okta's 429 back-offs pass in virtual time, as in embedded runs.
func TestShippedScenarios(t *testing.T) {
	needDocker(t)
	t.Parallel()
	env, err := containers.Run(context.Background(), containers.WithLogger(tclog.TestLogger(t)),
		containers.WithSwitches(containers.Switches{OktaBackoff: "virtual"}),
		containers.WithScenarios("../../scenarios"))
	containers.CleanupEnvironment(t, env)
	if env != nil {
		var report strings.Builder
		harness.WriteText(&report, env.ScenarioResults())
		t.Logf("scenarios against the containers:\n%s", report.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../../scenarios/*.yaml")
	if got := len(env.ScenarioResults()); got != len(files) || got == 0 {
		t.Fatalf("%d results for %d shipped scenarios", got, len(files))
	}
}

// TestImages: the images are FROM scratch with a non-root user, their own
// HEALTHCHECK, labels and the listen address as an environment variable.
func TestImages(t *testing.T) {
	needDocker(t)
	ctx := context.Background()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	for _, c := range []struct{ name, ref, env string }{
		{"mockatlassian", containers.DefaultAtlassianImage, "MOCKATLASSIAN_ADDR=0.0.0.0:8081"},
		{"mockokta", containers.DefaultOktaImage, "MOCKOKTA_ADDR=0.0.0.0:8080"},
	} {
		if _, err := containers.EnsureImage(ctx, c.name, containers.BuildOptions{Tag: c.ref}); err != nil {
			t.Fatal(err)
		}
		img, err := cli.ImageInspect(ctx, c.ref)
		if err != nil {
			t.Fatal(err)
		}
		cfg := img.Config
		if cfg.User != "65532:65532" {
			t.Errorf("%s: user %q", c.ref, cfg.User)
		}
		if cfg.Healthcheck == nil || !slices.Equal(cfg.Healthcheck.Test, []string{"CMD", "/" + c.name, "healthcheck"}) {
			t.Errorf("%s: healthcheck %+v", c.ref, cfg.Healthcheck)
		}
		if cfg.Labels["org.opencontainers.image.title"] != c.name || cfg.Labels["org.opencontainers.image.revision"] == "" ||
			cfg.Labels[containers.SourceLabel] == "" {
			t.Errorf("%s: labels %v", c.ref, cfg.Labels)
		}
		if !slices.Contains(cfg.Env, c.env) {
			t.Errorf("%s: env %v", c.ref, cfg.Env)
		}
		if len(img.RootFS.Layers) != 2 {
			t.Errorf("%s: %d layers, want the binary's and /data's only (FROM scratch)", c.ref, len(img.RootFS.Layers))
		}
		t.Logf("%s: %.1f MB", c.ref, float64(img.Size)/1e6)
	}
}

// TestBuildImage builds an image from source under a throwaway tag, as Run
// does on a fresh clone, then removes it.
func TestBuildImage(t *testing.T) {
	needDocker(t)
	if testing.Short() {
		t.Skip("builds an image (-short)")
	}
	ctx := context.Background()
	tag := fmt.Sprintf("provsim/mockokta:buildtest-%d", os.Getpid())
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	t.Cleanup(func() {
		if _, err := cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{PruneChildren: true}); err != nil && !cerrdefs.IsNotFound(err) {
			t.Errorf("remove %s: %v", tag, err)
		}
	})
	built, err := containers.EnsureImage(ctx, "mockokta", containers.BuildOptions{Tag: tag, Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	if !built.Built || built.Source == "" {
		t.Errorf("first EnsureImage: %+v, want a build", built)
	}
	// The same source again: the image is reused.
	again, err := containers.EnsureImage(ctx, "mockokta", containers.BuildOptions{Tag: tag})
	if err != nil {
		t.Fatal(err)
	}
	if again.Built || again.ID != built.ID {
		t.Errorf("second EnsureImage: %+v, want the image of the first (%s) reused", again, built.ID)
	}
	img, err := cli.ImageInspect(ctx, tag)
	if err != nil {
		t.Fatal(err)
	}
	if img.Config.Entrypoint[0] != "/mockokta" {
		t.Errorf("entrypoint %v", img.Config.Entrypoint)
	}

	// Another component's image under the tag, same source: rebuilt; the
	// image it replaced under this tag stays while another tag names it.
	atl, err := containers.EnsureImage(ctx, "mockatlassian", containers.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ImageTag(ctx, client.ImageTagOptions{Source: atl.Ref, Target: tag}); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := containers.EnsureImage(ctx, "mockokta", containers.BuildOptions{Tag: tag})
	if err != nil {
		t.Fatal(err)
	}
	if !rebuilt.Built || rebuilt.ID == atl.ID {
		t.Errorf("EnsureImage over mockatlassian's image: %+v, want a mockokta build", rebuilt)
	}
	if _, err := cli.ImageInspect(ctx, atl.Ref); err != nil {
		t.Errorf("%s after the rebuild: %v", atl.Ref, err)
	}
	if _, err := containers.BuildImage(ctx, "nope", containers.BuildOptions{}); err == nil {
		t.Error("an unknown component built")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
