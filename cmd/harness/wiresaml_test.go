package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestWireSAMLCommandLine(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"wire-saml", "--okta-url", "http://127.0.0.1:1"}, &out, &errb); code != 2 ||
		!strings.Contains(errb.String(), "--okta-url, --okta-token and --atlassian-url are required") {
		t.Fatalf("missing flags: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	t.Setenv("HARNESS_OKTA_TOKEN", "from-env") // the compose service passes it so
	if code := run([]string{"wire-saml", "--okta-url", "http://127.0.0.1:1", "--atlassian-url", "http://127.0.0.1:1",
		"--wait", "200ms"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "http://127.0.0.1:1 did not answer") {
		t.Fatalf("no servers: exit %d: %s", code, errb.String())
	}
}
