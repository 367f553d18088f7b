package mockokta

import (
	"io"
	"strings"
	"testing"
)

// The SCIM connection's flags have the names mockatlassian and harness
// serve use; the old ones (--atlassian-scim-url, --atlassian-scim-token and
// their MOCKOKTA_ variables: compose files and harness/containers set
// them) still work.
func TestSCIMConnectionNames(t *testing.T) {
	const url = "http://127.0.0.1:1/scim/directory/d"
	for _, c := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--scim-base-url", url, "--scim-api-key", "k"}, nil},
		{[]string{"--atlassian-scim-url", url, "--atlassian-scim-token", "k"}, nil},
		{nil, map[string]string{"MOCKOKTA_SCIM_BASE_URL": url, "MOCKOKTA_SCIM_API_KEY": "k"}},
		{nil, map[string]string{"MOCKOKTA_ATLASSIAN_SCIM_URL": url, "MOCKOKTA_ATLASSIAN_SCIM_TOKEN": "k"}},
	} {
		cli, err := ParseFlags(c.args, func(k string) string { return c.env[k] }, io.Discard)
		if err != nil || cli.Config.Boot.AtlassianSCIMURL != url || cli.Config.Boot.AtlassianSCIMToken != "k" {
			t.Errorf("%v %v: %+v, %v", c.args, c.env, cli.Config.Boot, err)
		}
	}
	if _, err := ParseFlags([]string{"--scim-base-url", url}, func(string) string { return "" }, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "--scim-base-url and --scim-api-key go together") {
		t.Fatalf("a URL without a key: %v", err)
	}
	for _, bad := range [][]string{{"--backoff", "never"}, {"stray"}, {"--control-token", "a b"}} {
		if _, err := ParseFlags(bad, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
