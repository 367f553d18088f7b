package containers_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"crypto/x509"

	"github.com/okta/okta-sdk-golang/v5/okta"

	"github.com/provsim/provsim/harness/containers"
)

// WithTLS: the Environment's URLs are https, a client that does not trust
// the servers' authorities is refused, and HTTPClient, the okta-sdk-golang
// configuration and a sign-in through both servers (Secure cookies, SAML
// URLs on https), with the harness's client and in chromium, work with the
// CA handed out.
func TestTLS(t *testing.T) {
	env := start(t, containers.WithTLS())
	for name, u := range map[string]string{"OktaOrgURL": env.OktaOrgURL(), "AtlassianURL": env.AtlassianURL(),
		"SCIMBaseURL": env.SCIMBaseURL(), "OktaControlURL": env.OktaControlURL(), "SAML SSO URL": env.SAML().SSOURL,
		"SAML ACS URL": env.SAML().ACSURL} {
		if !strings.HasPrefix(u, "https://") {
			t.Errorf("%s = %s, want https", name, u)
		}
	}
	if n := bytes.Count(env.CA(), []byte("BEGIN CERTIFICATE")); n != 2 || env.CertPool() == nil {
		t.Fatalf("CA: %d certificates, pool %v", n, env.CertPool())
	}
	_, err := http.Get(env.OktaOrgURL() + "/api/v1/apps")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("a client without the CA: %v, want an unknown authority", err)
	}
	var list struct{ Resources []any }
	if st := callWith(t, env.HTTPClient(), "GET", env.SCIMBaseURL()+"/Users", "Bearer "+env.SCIMKey(), "", &list); st != 200 {
		t.Fatalf("SCIM over https: %d", st)
	}

	cfg, err := env.OktaSDKConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Scheme != "https" {
		t.Fatalf("SDK scheme %s", cfg.Scheme)
	}
	apps, _, err := okta.NewAPIClient(cfg).ApplicationAPI.ListApplications(context.Background()).Execute()
	if err != nil || len(apps) != 1 || apps[0].SamlApplication.GetLabel() != "Atlassian Cloud" {
		t.Fatalf("SDK over https: %v %v", apps, err)
	}

	s := stack{oktaURL: env.OktaOrgURL(), atlURL: env.AtlassianURL(), hc: env.HTTPClient(), ca: env.CA()}
	t.Run("sign-in", s.signInOverHTTP)
	t.Run("browser", s.signInInBrowser)
}
