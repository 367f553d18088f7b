package harness

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta"
)

// In compose the harness runs in a container: the servers' --public-url
// (the published ports on the host) is not where it reaches them, yet the
// SAML forms and redirects name it. The sso step still signs people in,
// going where it reaches each server (sso.go, run.reach).
func TestSSOWhenPublicURLsAreNotReachable(t *testing.T) {
	atl, err := mockatlassian.NewServer(mockatlassian.Config{PublicURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = atl.Close() }()
	ats := httptest.NewServer(atl)
	defer ats.Close()
	okta, err := mockokta.NewServer(mockokta.Config{PublicURL: "http://127.0.0.1:2"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = okta.Close() }()
	ots := httptest.NewServer(okta)
	defer ots.Close()

	res, err := RunFile(context.Background(), "../scenarios/email-mismatch-duplicate-accounts.yaml",
		RunOptions{Env: Remote(ots.URL, ats.URL)})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed {
		var b strings.Builder
		WriteText(&b, []*Result{res})
		t.Fatalf("the scenario failed with unreachable public URLs:\n%s", b.String())
	}
}
