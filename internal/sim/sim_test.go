package sim

import (
	"flag"
	"testing"
)

func TestApplyEnv(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	addr := fs.String("listen-addr", "default", "")
	name := fs.String("name", "default", "")
	var list StringList
	fs.Var(&list, "domain", "")
	if err := fs.Parse([]string{"--name", "cli"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"P_LISTEN_ADDR": "from-env", "P_NAME": "ignored", "P_DOMAIN": "a.com, b.com"}
	if err := ApplyEnv(fs, "P", func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if *addr != "from-env" || *name != "cli" || list.String() != "a.com,b.com" {
		t.Fatalf("addr %q name %q list %q", *addr, *name, list.String())
	}
}
