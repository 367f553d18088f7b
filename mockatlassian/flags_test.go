package mockatlassian

import (
	"io"
	"testing"
)

func TestParseFlags(t *testing.T) {
	env := map[string]string{
		"MOCKATLASSIAN_API_KEY":         "env-key",
		"MOCKATLASSIAN_VERIFIED_DOMAIN": "example.com,example.org",
		"MOCKATLASSIAN_DELETE_MODE":     "deactivate",
		"MOCKATLASSIAN_URL_FROM_OKTA":   "http://mockatlassian:8081/",
	}
	cli, err := ParseFlags([]string{"--addr", "0.0.0.0:9000", "--directory-id", "d1",
		"--site", "acme.atlassian.net=jira-software+confluence"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	b := cli.Config.Boot
	if cli.Addr != "0.0.0.0:9000" || b.DirectoryID != "d1" || b.APIKey != "env-key" || len(b.VerifiedDomains) != 2 ||
		cli.Config.Options.DeleteMode != DeleteDeactivates || len(b.Sites) != 1 || len(b.Sites[0].Products) != 2 {
		t.Fatalf("parsed %+v boot %+v", cli, b)
	}
	srv, err := NewServer(cli.Config)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Booted.Directory.ID != "d1" || srv.Model.Authenticate("d1", "env-key") != AuthOK {
		t.Fatalf("boot = %+v", srv.Booted)
	}
	if got := srv.URLFromOkta(); got != "http://mockatlassian:8081" {
		t.Errorf("URLFromOkta = %q", got)
	}
	for _, bad := range [][]string{{"--delete-mode", "nuke"}, {"--url-from-okta", "mockatlassian:8081"}, {"--group-rename", "x"}, {"--auth-error-body", "x"}, {"stray"}} {
		cli, err := ParseFlags(bad, func(string) string { return "" }, io.Discard)
		if err == nil {
			_, err = NewServer(cli.Config)
		}
		if err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// The SCIM key's old name (--api-key, MOCKATLASSIAN_API_KEY: compose files
// and harness/containers set it) still works; the new one wins.
func TestSCIMKeyNames(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--scim-api-key", "k"}, nil},
		{[]string{"--api-key", "k"}, nil},
		{nil, map[string]string{"MOCKATLASSIAN_SCIM_API_KEY": "k"}},
		{nil, map[string]string{"MOCKATLASSIAN_API_KEY": "k"}},
		{nil, map[string]string{"MOCKATLASSIAN_SCIM_API_KEY": "k", "MOCKATLASSIAN_API_KEY": "old"}},
	} {
		cli, err := ParseFlags(c.args, func(k string) string { return c.env[k] }, io.Discard)
		if err != nil || cli.Config.Boot.APIKey != "k" {
			t.Errorf("%v %v: key %q, %v", c.args, c.env, cli.Config.Boot.APIKey, err)
		}
	}
}
