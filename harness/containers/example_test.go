package containers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/okta/okta-sdk-golang/v5/okta"

	"github.com/provsim/provsim/harness"
	"github.com/provsim/provsim/harness/containers"
)

// Start both simulators, wired, then call the SCIM directory as Okta does
// and the Okta Management API with the official Go SDK.
func ExampleRun() {
	ctx := context.Background()
	env, err := containers.Run(ctx)
	defer env.Terminate(ctx) // nil-safe
	if err != nil {
		fmt.Println(err)
		return
	}

	// SCIM: Authorization: Bearer <directory API key>.
	req, _ := http.NewRequest("GET", env.SCIMBaseURL()+"/Users?startIndex=1&count=2", nil)
	req.Header.Set("Authorization", "Bearer "+env.SCIMKey())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("SCIM:", resp.Status)

	// Okta: okta-sdk-golang v5, configured for the container.
	cfg, err := env.OktaSDKConfig()
	if err != nil {
		fmt.Println(err)
		return
	}
	apps, _, err := okta.NewAPIClient(cfg).ApplicationAPI.ListApplications(ctx).Execute()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("Okta app:", apps[0].SamlApplication.GetLabel())
	// Output:
	// SCIM: 200 OK
	// Okta app: Atlassian Cloud
}

// Run a shipped scenario against the containers as they start.
func ExampleWithScenarios() {
	ctx := context.Background()
	env, err := containers.Run(ctx, containers.WithScenarios("../../scenarios/guide-end-to-end.yaml"))
	defer env.Terminate(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range env.ScenarioResults() {
		fmt.Println(filepath.Base(r.File), "passed:", r.Passed)
	}
	// Output:
	// guide-end-to-end.yaml passed: true
}

// Provision a user for real: create and assign them with the Okta SDK, let
// mockokta's engine push them to mockatlassian over the containers'
// network, and read them back from the SCIM directory.
func ExampleEnvironment_OktaSDKConfig() {
	ctx := context.Background()
	env, err := containers.Run(ctx)
	defer env.Terminate(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, err := env.OktaSDKConfig()
	if err != nil {
		fmt.Println(err)
		return
	}
	sdk := okta.NewAPIClient(cfg)
	apps, _, err := sdk.ApplicationAPI.ListApplications(ctx).Execute()
	if err != nil {
		fmt.Println(err)
		return
	}
	appID := apps[0].SamlApplication.GetId() // the Atlassian Cloud app

	profile := okta.NewUserProfile()
	profile.SetFirstName("Ada")
	profile.SetLastName("Lovelace")
	profile.SetEmail("ada@example.com")
	profile.SetLogin("ada@example.com")
	user, _, err := sdk.UserAPI.CreateUser(ctx).Body(*okta.NewCreateUserRequest(*profile)).Activate(true).Execute()
	if err != nil {
		fmt.Println(err)
		return
	}
	assign := okta.NewAppUserAssignRequest(user.GetId())
	if _, _, err := sdk.ApplicationUsersAPI.AssignUserToApplication(ctx, appID).AppUser(*assign).Execute(); err != nil {
		fmt.Println(err)
		return
	}

	// Wait for Okta's engine instead of sleeping, then read the directory.
	wait, _ := http.Post(env.OktaControlURL()+"/orgs/"+env.OktaOrgID()+"/wait?timeout=10s", "application/json", nil)
	wait.Body.Close()
	req, _ := http.NewRequest("GET", env.SCIMBaseURL()+`/Users?filter=userName%20eq%20%22ada%40example.com%22`, nil)
	req.Header.Set("Authorization", "Bearer "+env.SCIMKey())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var list struct {
		TotalResults int
		Resources    []struct{ UserName, ExternalID string }
	}
	if err := decode(resp, &list); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(list.TotalResults, list.Resources[0].UserName, list.Resources[0].ExternalID == user.GetId())
	// Output:
	// 1 ada@example.com true
}

// Scenarios from Go: the harness runs against the containers through
// HarnessEnv.
func ExampleEnvironment_HarnessEnv() {
	ctx := context.Background()
	env, err := containers.Run(ctx)
	defer env.Terminate(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := harness.RunFile(ctx, "../../scenarios/wrong-api-key.yaml", harness.RunOptions{Env: env.HarnessEnv()})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("passed:", res.Passed)
	// Output:
	// passed: true
}

func decode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

// Serve both simulators over HTTPS: the URLs are https, and the client,
// the CA (for curl --cacert or SSL_CERT_FILE) and the okta-sdk-golang
// configuration come from the Environment.
func ExampleWithTLS() {
	ctx := context.Background()
	env, err := containers.Run(ctx, containers.WithTLS())
	defer env.Terminate(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	req, _ := http.NewRequest("GET", env.SCIMBaseURL()+"/Users?startIndex=1&count=2", nil)
	req.Header.Set("Authorization", "Bearer "+env.SCIMKey())
	resp, err := env.HTTPClient().Do(req) // trusts env.CA()
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("SCIM over", resp.Request.URL.Scheme+":", resp.Status)

	cfg, err := env.OktaSDKConfig() // https://127.0.0.1, dialled at the published HTTPS port
	if err != nil {
		fmt.Println(err)
		return
	}
	apps, _, err := okta.NewAPIClient(cfg).ApplicationAPI.ListApplications(ctx).Execute()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("Okta over", cfg.Scheme+":", apps[0].SamlApplication.GetLabel())
	// Output:
	// SCIM over https: 200 OK
	// Okta over https: Atlassian Cloud
}
