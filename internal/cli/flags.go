package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Flag annotations this package keeps on pflag flags.
const (
	envKey   = "provsim/env"   // environment variables, the flag's own first
	aliasKey = "provsim/alias" // old flag names, accepted but not shown
	groupKey = "provsim/group" // heading the flag is listed under in help
)

// EnvName is the environment variable behind a flag: PREFIX_FLAG_NAME,
// upper case, dashes as underscores.
func EnvName(prefix, flagName string) string {
	return prefix + "_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// annotate adds values to a flag's annotation key (which exists afterwards,
// even with no values: cobra reads an empty file-extension list as "any
// file").
func annotate(f *pflag.Flag, key string, values ...string) {
	if f.Annotations == nil {
		f.Annotations = map[string][]string{}
	}
	if _, ok := f.Annotations[key]; !ok {
		f.Annotations[key] = []string{}
	}
	for _, v := range values {
		if !slices.Contains(f.Annotations[key], v) {
			f.Annotations[key] = append(f.Annotations[key], v)
		}
	}
}

func mustLookup(fs *pflag.FlagSet, name string) *pflag.Flag {
	f := fs.Lookup(name)
	if f == nil {
		panic(fmt.Sprintf("cli: no flag --%s", name))
	}
	return f
}

// Alias gives flag name old names that still work, on the command line and
// (under the flag set's prefix, see BindEnv) in the environment, so
// scripts, compose files and containers written for them keep working.
// Help does not show them.
func Alias(fs *pflag.FlagSet, name string, old ...string) {
	f := mustLookup(fs, name)
	for _, o := range old {
		if other := fs.Lookup(o); other != nil && other != f {
			panic(fmt.Sprintf("cli: alias --%s of --%s is another flag", o, name))
		}
	}
	annotate(f, aliasKey, old...)
	fs.SetNormalizeFunc(normalizeAliases)
}

// normalizeAliases turns an old flag name into the flag's name.
func normalizeAliases(fs *pflag.FlagSet, name string) pflag.NormalizedName {
	out := name
	fs.VisitAll(func(f *pflag.Flag) {
		if slices.Contains(f.Annotations[aliasKey], name) {
			out = f.Name
		}
	})
	return pflag.NormalizedName(out)
}

// BindEnv gives every flag of fs its environment variable, PREFIX_NAME,
// and one for each of its aliases; help shows the first. Call it once the
// flags are defined; ApplyEnv reads them after parsing.
func BindEnv(fs *pflag.FlagSet, prefix string) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" || f.Name == "version" {
			return
		}
		names := []string{EnvName(prefix, f.Name)}
		for _, a := range f.Annotations[aliasKey] {
			names = append(names, EnvName(prefix, a))
		}
		annotate(f, envKey)
		f.Annotations[envKey] = names // replaces a binding made under another prefix
	})
}

// Env is the environment variable of a flag ("" when it has none).
func Env(f *pflag.Flag) string {
	if names := f.Annotations[envKey]; len(names) > 0 {
		return names[0]
	}
	return ""
}

// ApplyEnv sets every flag that was not given on the command line from the
// first of its environment variables that is set and not empty (compose
// files pass an unset variable as ""). A flag on the command line wins.
func ApplyEnv(fs *pflag.FlagSet, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || err != nil {
			return
		}
		for _, name := range f.Annotations[envKey] {
			v := getenv(name)
			if v == "" {
				continue
			}
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s: invalid value %q for --%s: %w", name, v, f.Name, unwrapInvalid(e))
			}
			return
		}
	})
	return err
}

// unwrapInvalid drops pflag's restatement of the flag and value.
func unwrapInvalid(err error) error {
	if ie, ok := err.(*pflag.InvalidValueError); ok {
		return ie.Unwrap()
	}
	return err
}

// Parse parses args into fs as a command would, for code that parses a
// command line without one (tests, embedding): the flags get their
// variables under prefix, positional arguments are refused, and the
// environment (getenv) fills what args leave.
func Parse(fs *pflag.FlagSet, prefix string, args []string, getenv func(string) string) error {
	BindEnv(fs, prefix)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return ApplyEnv(fs, getenv)
}

// Changed reports whether any of the named flags was given, on the
// command line or in the environment (after ApplyEnv).
func Changed(fs *pflag.FlagSet, names ...string) bool {
	for _, n := range names {
		if f := fs.Lookup(n); f != nil && f.Changed {
			return true
		}
	}
	return false
}

// Group lists the named flags under heading in help; flags without a
// group are listed under "Flags".
func Group(fs *pflag.FlagSet, heading string, names ...string) {
	for _, n := range names {
		f := mustLookup(fs, n)
		delete(f.Annotations, groupKey)
		annotate(f, groupKey, heading)
	}
}

// Files makes shell completion offer files with these extensions (any
// file when none) for the flag.
func Files(fs *pflag.FlagSet, name string, exts ...string) {
	annotate(mustLookup(fs, name), cobra.BashCompFilenameExt, exts...)
}

// Dir makes shell completion offer directories for the flag.
func Dir(fs *pflag.FlagSet, name string) {
	annotate(mustLookup(fs, name), cobra.BashCompSubdirsInDir)
}

// List is a repeatable string flag that also splits on commas, so one
// environment variable can hold several values. The first value given
// replaces the default rather than adding to it.
type List struct {
	values *[]string
	given  bool
}

// NewList binds a List to p; *p is the default.
func NewList(p *[]string) *List { return &List{values: p} }

// String implements pflag.Value.
func (l *List) String() string { return strings.Join(*l.values, ",") }

// Type implements pflag.Value; help shows it as the value's name.
func (l *List) Type() string { return "list" }

// Set implements pflag.Value.
func (l *List) Set(v string) error {
	if !l.given {
		*l.values, l.given = nil, true
	}
	for _, part := range strings.Split(v, ",") {
		if p := strings.TrimSpace(part); p != "" {
			*l.values = append(*l.values, p)
		}
	}
	return nil
}

// defaulter is a value whose next Set must replace what it holds.
type defaulter interface{ resetGiven() }

func (l *List) resetGiven() { l.given = false }

// SetDefault changes a flag's default (and shown default) without marking
// it given.
func SetDefault(fs *pflag.FlagSet, name, value string) {
	f := mustLookup(fs, name)
	if err := f.Value.Set(value); err != nil {
		panic(fmt.Sprintf("cli: default %q of --%s: %v", value, name, err))
	}
	if d, ok := f.Value.(defaulter); ok {
		d.resetGiven()
	}
	f.DefValue = f.Value.String()
}

// Merge adds the flags of src to dst, named by rename (which returns ""
// to leave a flag out). A flag whose new name dst already has becomes one
// flag for both: setting it sets both values. Aliases and file completion
// come along; environment variables are dst's to bind.
func Merge(dst, src *pflag.FlagSet, rename func(name string) string) {
	src.VisitAll(func(f *pflag.Flag) {
		name := rename(f.Name)
		if name == "" {
			return
		}
		if have := dst.Lookup(name); have != nil {
			if have.Value.Type() != f.Value.Type() {
				panic(fmt.Sprintf("cli: --%s is a %s and a %s", name, have.Value.Type(), f.Value.Type()))
			}
			have.Value = &fanout{have.Value, f.Value}
			if name == f.Name {
				annotate(have, aliasKey, f.Annotations[aliasKey]...)
			}
			return
		}
		nf := &pflag.Flag{Name: name, Usage: f.Usage, Value: f.Value, DefValue: f.DefValue, NoOptDefVal: f.NoOptDefVal, Hidden: f.Hidden}
		for k, v := range f.Annotations {
			if k != envKey && (k != aliasKey || name == f.Name) {
				annotate(nf, k, v...)
			}
		}
		dst.AddFlag(nf)
		if len(nf.Annotations[aliasKey]) > 0 {
			dst.SetNormalizeFunc(normalizeAliases)
		}
	})
}

// fanout is one flag that sets two values (a setting both servers of
// `harness serve` take).
type fanout struct{ a, b pflag.Value }

func (v *fanout) String() string { return v.a.String() }
func (v *fanout) Type() string   { return v.a.Type() }
func (v *fanout) Set(s string) error {
	if err := v.a.Set(s); err != nil {
		return err
	}
	return v.b.Set(s)
}

func (v *fanout) resetGiven() {
	for _, x := range []pflag.Value{v.a, v.b} {
		if d, ok := x.(defaulter); ok {
			d.resetGiven()
		}
	}
}
