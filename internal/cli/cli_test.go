package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// testFlags is a flag set as the servers make theirs.
type testFlags struct {
	addr, key string
	domains   []string
	size      int
	quiet     bool
}

func (tf *testFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&tf.addr, "listen-addr", "default", "address")
	fs.StringVar(&tf.key, "scim-api-key", "", "key")
	Alias(fs, "scim-api-key", "api-key", "atlassian-scim-token")
	fs.Var(NewList(&tf.domains), "domain", "domains")
	fs.IntVar(&tf.size, "size", 10, "size")
	fs.BoolVar(&tf.quiet, "quiet", false, "quiet")
}

func parse(t *testing.T, args []string, env map[string]string) (*testFlags, *pflag.FlagSet, error) {
	t.Helper()
	tf := &testFlags{}
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	tf.register(fs)
	BindEnv(fs, "P")
	if err := fs.Parse(args); err != nil {
		return tf, fs, err
	}
	return tf, fs, ApplyEnv(fs, envOf(env))
}

func TestEnvironmentFillsWhatTheCommandLineLeaves(t *testing.T) {
	tf, fs, err := parse(t, []string{"--size", "3"}, map[string]string{
		"P_LISTEN_ADDR": "from-env", "P_SIZE": "99", "P_DOMAIN": "a.com, b.com", "P_QUIET": "true"})
	if err != nil {
		t.Fatal(err)
	}
	if tf.addr != "from-env" || tf.size != 3 || strings.Join(tf.domains, ",") != "a.com,b.com" || !tf.quiet {
		t.Fatalf("%+v", tf)
	}
	if !fs.Changed("listen-addr") || fs.Changed("scim-api-key") {
		t.Fatal("a flag set from the environment counts as given; an unset one does not")
	}
	// An empty variable (compose's ${X:-}) is no setting.
	if tf, _, err := parse(t, nil, map[string]string{"P_LISTEN_ADDR": ""}); err != nil || tf.addr != "default" {
		t.Fatalf("empty variable: %v %q", err, tf.addr)
	}
	// A bad value names the variable.
	if _, _, err := parse(t, nil, map[string]string{"P_SIZE": "lots"}); err == nil || !strings.Contains(err.Error(), "P_SIZE") || !strings.Contains(err.Error(), "--size") {
		t.Fatalf("bad value: %v", err)
	}
}

func TestAliasesKeepOldNamesWorking(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--api-key", "k"}, nil},
		{[]string{"--atlassian-scim-token=k"}, nil},
		{nil, map[string]string{"P_API_KEY": "k"}},
		{nil, map[string]string{"P_ATLASSIAN_SCIM_TOKEN": "k"}},
		{nil, map[string]string{"P_SCIM_API_KEY": "k", "P_API_KEY": "old"}}, // the new name wins
		{[]string{"--api-key", "k"}, map[string]string{"P_SCIM_API_KEY": "env"}},
	} {
		tf, fs, err := parse(t, c.args, c.env)
		if err != nil || tf.key != "k" || !fs.Changed("scim-api-key") {
			t.Errorf("%v %v: key %q, %v", c.args, c.env, tf.key, err)
		}
	}
	var help bytes.Buffer
	root := NewRoot("x", "", "")
	(&testFlags{}).register(root.Flags())
	EnvPrefix(root, "P")
	root.Run = func(*cobra.Command, []string) {}
	if code := Execute(context.Background(), root, []string{"--help"}, &help, io.Discard, envOf(nil)); code != 0 {
		t.Fatal(code)
	}
	if h := help.String(); strings.Contains(h, "--api-key") || strings.Contains(h, "atlassian-scim-token") || strings.Contains(h, "P_API_KEY") || !strings.Contains(h, "[env P_SCIM_API_KEY]") {
		t.Fatalf("help shows an alias or lacks the variable:\n%s", h)
	}
}

func TestListReplacesItsDefault(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	var domains []string
	fs.Var(NewList(&domains), "domain", "")
	SetDefault(fs, "domain", "example.com")
	if strings.Join(domains, ",") != "example.com" || fs.Changed("domain") || fs.Lookup("domain").DefValue != "example.com" {
		t.Fatalf("default: %v", domains)
	}
	if err := fs.Parse([]string{"--domain", "a.com", "--domain", "b.com,c.com"}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(domains, ",") != "a.com,b.com,c.com" {
		t.Fatalf("given: %v", domains)
	}
}

func TestMergeSharesRenamesAndLeavesOut(t *testing.T) {
	var a, b testFlags
	afs, bfs := pflag.NewFlagSet("a", pflag.ContinueOnError), pflag.NewFlagSet("b", pflag.ContinueOnError)
	a.register(afs)
	b.register(bfs)
	dst := pflag.NewFlagSet("both", pflag.ContinueOnError)
	Merge(dst, afs, func(n string) string {
		if n == "listen-addr" {
			return "a-listen-addr"
		}
		return n
	})
	Merge(dst, bfs, func(n string) string {
		switch n {
		case "listen-addr":
			return "b-listen-addr"
		case "scim-api-key":
			return ""
		}
		return n
	})
	BindEnv(dst, "H")
	if err := dst.Parse([]string{"--a-listen-addr", "A", "--size", "5", "--api-key", "k", "--quiet"}); err != nil {
		t.Fatal(err)
	}
	if err := ApplyEnv(dst, envOf(map[string]string{"H_B_LISTEN_ADDR": "B", "H_DOMAIN": "d.com"})); err != nil {
		t.Fatal(err)
	}
	if a.addr != "A" || b.addr != "B" || a.size != 5 || b.size != 5 || !a.quiet || !b.quiet ||
		a.key != "k" || b.key != "" || a.domains[0] != "d.com" || b.domains[0] != "d.com" {
		t.Fatalf("a %+v b %+v", a, b)
	}
	if dst.Lookup("listen-addr") != nil || dst.Lookup("a-listen-addr") == nil {
		t.Fatal("renamed flags keep only their new name")
	}
}

func TestExecuteExitCodes(t *testing.T) {
	newRoot := func() *cobra.Command {
		root := NewRoot("prog", "does things", "")
		RequireCommand(root)
		var n int
		sub := &cobra.Command{Use: "work", Short: "work", Args: cobra.NoArgs, RunE: func(*cobra.Command, []string) error {
			switch n {
			case 1:
				return errors.New("it broke")
			case 2:
				return Usagef("wrong way")
			case 3:
				return ErrReported
			}
			return nil
		}}
		sub.Flags().IntVar(&n, "n", 0, "outcome")
		EnvPrefix(sub, "PROG")
		root.AddCommand(sub)
		return root
	}
	for _, c := range []struct {
		args   []string
		env    map[string]string
		code   int
		stderr string
	}{
		{[]string{"work"}, nil, ExitOK, ""},
		{[]string{"work", "--n", "1"}, nil, ExitFailure, "prog work: it broke\n"},
		{[]string{"work", "--n", "2"}, nil, ExitUsage, "prog work: wrong way\nRun 'prog work --help' for usage.\n"},
		{[]string{"work", "--n", "3"}, nil, ExitFailure, ""},
		{[]string{"work"}, map[string]string{"PROG_N": "1"}, ExitFailure, "it broke"},
		{[]string{"work"}, map[string]string{"PROG_N": "x"}, ExitUsage, "PROG_N"},
		{[]string{"work", "--bad"}, nil, ExitUsage, "unknown flag: --bad"},
		{[]string{"work", "extra"}, nil, ExitUsage, "unknown command \"extra\""},
		{[]string{"wrok"}, nil, ExitUsage, "Did you mean this?\n\twork"},
		{nil, nil, ExitUsage, "a command is required: completion, work"},
		{[]string{"--help"}, nil, ExitOK, ""},
		{[]string{"help"}, nil, ExitOK, ""},
		{[]string{"help", "work"}, nil, ExitOK, ""},
		{[]string{"work", "-h"}, nil, ExitOK, ""},
		{[]string{"--version"}, nil, ExitOK, ""},
	} {
		var out, errb bytes.Buffer
		code := Execute(context.Background(), newRoot(), c.args, &out, &errb, envOf(c.env))
		if code != c.code || !strings.Contains(errb.String(), c.stderr) {
			t.Errorf("%v %v: exit %d, stderr %q; want %d, %q", c.args, c.env, code, errb.String(), c.code, c.stderr)
		}
	}
}

func TestHelpListsCommandsAndVariables(t *testing.T) {
	root := ServerCommand(Server{Name: "srv", Short: "a server", Long: "srv serves.", EnvPrefix: "SRV", DefaultAddr: "127.0.0.1:1",
		Flags: func(fs *pflag.FlagSet) Start {
			fs.String("addr", "127.0.0.1:1", "listen address `HOST:PORT`")
			return func(context.Context, io.Writer, io.Writer) error { return nil }
		}})
	var out bytes.Buffer
	if code := Execute(context.Background(), root, []string{"--help"}, &out, io.Discard, envOf(nil)); code != 0 {
		t.Fatal(code)
	}
	for _, want := range []string{"srv serves.", "healthcheck", "completion", "help ", `--addr HOST:PORT`, `(default "127.0.0.1:1") [env SRV_ADDR]`, "--version"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := Execute(context.Background(), ServerCommand(Server{Name: "srv", EnvPrefix: "SRV", DefaultAddr: "127.0.0.1:1",
		Flags: func(*pflag.FlagSet) Start { return nil }}), []string{"healthcheck", "--help"}, &out, io.Discard, envOf(nil)); code != 0 ||
		!strings.Contains(out.String(), "[env SRV_ADDR]") {
		t.Fatalf("healthcheck help: %d\n%s", code, out.String())
	}
}

func TestHealthcheck(t *testing.T) {
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_sim/health" {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer healthy.Close()
	addr := healthy.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	srv := func() *cobra.Command {
		return ServerCommand(Server{Name: "srv", EnvPrefix: "SRV", DefaultAddr: "127.0.0.1:1", Flags: func(*pflag.FlagSet) Start { return nil }})
	}
	for _, c := range []struct {
		args []string
		env  map[string]string
		code int
	}{
		{[]string{"healthcheck", addr}, nil, ExitOK},
		{[]string{"healthcheck", "--addr", "0.0.0.0:" + port}, nil, ExitOK}, // a wildcard host is this machine
		{[]string{"healthcheck"}, map[string]string{"SRV_ADDR": addr}, ExitOK},
		{[]string{"healthcheck"}, nil, ExitFailure}, // nothing on the default address
		{[]string{"healthcheck", "no-port"}, nil, ExitUsage},
		{[]string{"healthcheck", "a:1", "b:2"}, nil, ExitUsage},
	} {
		var errb bytes.Buffer
		if code := Execute(context.Background(), srv(), c.args, io.Discard, &errb, envOf(c.env)); code != c.code {
			t.Errorf("%v %v: exit %d (%s), want %d", c.args, c.env, code, errb.String(), c.code)
		}
	}
}

func TestVersion(t *testing.T) {
	b := ReadBuild()
	if b.Version != strings.TrimSpace(release) || b.Version == "" || b.Go == "" || b.Commit == "" {
		t.Fatalf("%+v", b)
	}
	commit, version = "0123456789abcdef", "9.9.9-rc1"
	defer func() { commit, version = "", "" }()
	var out bytes.Buffer
	root := NewRoot("prog", "", "")
	RequireCommand(root)
	root.AddCommand(&cobra.Command{Use: "x", Run: func(*cobra.Command, []string) {}})
	if code := Execute(context.Background(), root, []string{"--version"}, &out, io.Discard, envOf(nil)); code != 0 {
		t.Fatal(code)
	}
	if want := "prog 9.9.9-rc1\ncommit: 0123456789abcdef\ngo:     " + b.Go; !strings.HasPrefix(out.String(), want) {
		t.Fatalf("--version:\n%s\nwant prefix:\n%s", out.String(), want)
	}
	for v, c := range map[string]string{
		"v0.0.0-20250102150405-0123456789ab":        "0123456789ab",
		"v0.2.1-0.20250102150405-abcdefabcdef":      "abcdefabcdef",
		"v1.0.0-rc.1.0.20250102150405-abcdefabcdef": "abcdefabcdef",
		"v0.1.0":  "",
		"(devel)": "",
		"v2.0.0-20250102150405-0123456789ab+incompatible": "0123456789ab",
	} {
		m := pseudoVersion.FindStringSubmatch(v)
		if got := ""; m != nil {
			got = m[1]
			if got != c {
				t.Errorf("%s: commit %q, want %q", v, got, c)
			}
		} else if c != "" {
			t.Errorf("%s: no commit, want %q", v, c)
		}
	}
}
