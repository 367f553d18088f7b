package harness_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/harness"
)

// Run a shipped scenario in-process and print the outcome.
func ExampleRunFile() {
	res, err := harness.RunFile(context.Background(), "../scenarios/wrong-api-key.yaml", harness.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Name, "passed:", res.Passed)
	for _, s := range res.Steps {
		fmt.Printf("%d. %s: %s\n", s.Index, s.Name, s.Status)
	}
	// Output:
	// Wrong API key passed: true
	// 1. test API credentials with another key: passed
	// 2. test API credentials: passed
}

// Start gives a Go test both simulators and its own tenants; drive Okta's
// API, wait for the engine, look at Atlassian. (A test, not an Example,
// because Start needs the test's T.)
func TestStartDrivesBothSides(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tls), func(t *testing.T) { startDrivesBothSides(t, tls) })
	}
}

// startDrivesBothSides provisions a person; with tls both servers speak
// HTTPS only, the engine's SCIM calls included.
func startDrivesBothSides(t *testing.T, tls bool) {
	env := harness.Start(t, harness.StartOptions{TLS: tls})
	if tls && (!strings.HasPrefix(env.OktaURL, "https://") || !strings.HasPrefix(env.SCIMBaseURL, "https://") || len(env.CA) == 0) {
		t.Fatalf("TLS environment: Okta %s, SCIM %s, %d bytes of CA", env.OktaURL, env.SCIMBaseURL, len(env.CA))
	}
	var user struct{ ID string }
	err := env.Okta("POST", "/api/v1/users?activate=true", map[string]any{
		"profile":     map[string]any{"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "login": "ada@example.com"},
		"credentials": map[string]any{"password": map[string]any{"value": "Tr0ub4dor&3x"}},
	}, &user)
	if err == nil {
		err = env.Okta("POST", "/api/v1/apps/"+env.AppID+"/users", map[string]any{"id": user.ID}, nil)
	}
	if err == nil {
		err = env.WaitIdle(5 * time.Second)
	}
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		TotalResults int
		Resources    []struct{ UserName string }
	}
	if err := env.SCIM("GET", `/Users?filter=userName%20eq%20%22ada@example.com%22`, nil, &list); err != nil {
		t.Fatal(err)
	}
	if list.TotalResults != 1 || list.Resources[0].UserName != "ada@example.com" {
		t.Fatalf("SCIM side = %+v", list)
	}
}
