package mockokta

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// Okta's pace (OKTA-PACE-3): real Okta provisions a change from
// immediately to a few seconds after the Management API call that made it.
// A pace draws, for each engine job, how long after it was queued it may
// start; the engine waits that out on its clock, so on a virtual clock
// (harness, --backoff virtual) the wait costs no wall time while the
// timestamps still show it.

// PaceKind is the shape of a pace's distribution.
type PaceKind string

// The kinds of pace.
const (
	PaceInstant PaceKind = "instant" // no wait: today's simulator, the default
	PaceOkta    PaceKind = "okta"    // Okta's observed pace (OKTA-PACE-3)
	PaceFixed   PaceKind = "fixed"   // always Min
	PaceUniform PaceKind = "uniform" // uniformly between Min and Max
)

// oktaPaceMax is the end of Okta's observed range: one assignment's
// requests all arrived "within the same 3 seconds" (OKTA-PACE-3).
const oktaPaceMax = 3 * time.Second

// Pace is how long after a change its provisioning starts. The zero value
// is instant.
type Pace struct {
	Kind     PaceKind
	Min, Max time.Duration
}

// InstantPace and OktaPace are the named paces.
var (
	InstantPace = Pace{Kind: PaceInstant}
	OktaPace    = Pace{Kind: PaceOkta, Max: oktaPaceMax}
)

// FixedPace waits d before every job.
func FixedPace(d time.Duration) Pace { return Pace{Kind: PaceFixed, Min: d, Max: d} }

// paceSyntax is what ParsePace accepts, for error messages.
const paceSyntax = "want instant, okta, fixed:DURATION (fixed:500ms) or uniform:MIN-MAX (uniform:0s-2s)"

// ParsePace reads a pace: "instant", "okta", "fixed:500ms" or
// "uniform:0s-2s" (Go durations, not negative, MIN ≤ MAX). "" is instant.
func ParsePace(v string) (Pace, error) {
	kind, arg, hasArg := strings.Cut(strings.TrimSpace(v), ":")
	switch PaceKind(kind) {
	case "", PaceInstant:
		if !hasArg {
			return InstantPace, nil
		}
	case PaceOkta:
		if !hasArg {
			return OktaPace, nil
		}
	case PaceFixed:
		d, err := paceDuration(arg)
		if err != nil {
			return Pace{}, fmt.Errorf("pace %q: %w", v, err)
		}
		return FixedPace(d), nil
	case PaceUniform:
		lo, hi, ok := strings.Cut(arg, "-")
		if !ok {
			return Pace{}, fmt.Errorf("pace %q: uniform takes MIN-MAX, e.g. uniform:0s-2s", v)
		}
		a, err := paceDuration(lo)
		if err != nil {
			return Pace{}, fmt.Errorf("pace %q: %w", v, err)
		}
		b, err := paceDuration(hi)
		if err != nil {
			return Pace{}, fmt.Errorf("pace %q: %w", v, err)
		}
		if a > b {
			return Pace{}, fmt.Errorf("pace %q: MIN %s is greater than MAX %s", v, a, b)
		}
		return Pace{Kind: PaceUniform, Min: a, Max: b}, nil
	}
	return Pace{}, fmt.Errorf("pace %q: %s", v, paceSyntax)
}

// maxPace bounds a pace: a job that waits longer than an hour is a typo,
// not a test of someone's polling.
const maxPace = time.Hour

func paceDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a duration such as 500ms or 2s", s)
	case d < 0:
		return 0, fmt.Errorf("%q: a pace cannot be negative", s)
	case d > maxPace:
		return 0, fmt.Errorf("%q: a pace is at most %s", s, maxPace)
	}
	return d, nil
}

// String is the pace as ParsePace reads it.
func (p Pace) String() string {
	switch p.Kind {
	case PaceOkta:
		return string(PaceOkta)
	case PaceFixed:
		return "fixed:" + p.Min.String()
	case PaceUniform:
		return "uniform:" + p.Min.String() + "-" + p.Max.String()
	}
	return string(PaceInstant)
}

// MarshalText and UnmarshalText make a pace a string in JSON and YAML.
func (p Pace) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Pace) UnmarshalText(b []byte) error {
	v, err := ParsePace(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// pacer draws delays. One source for the model, seeded by Options.Seed so
// a seeded run draws the same delays in the same order.
type pacer struct {
	mu  sync.Mutex
	rnd *rand.Rand
}

func newPacer(seed uint64) *pacer {
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &pacer{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// draw picks a delay from p. okta is uniform over Okta's observed range
// (a guess at the shape: OKTA-PACE-3).
func (pc *pacer) draw(p Pace) time.Duration {
	lo, hi := p.Min, p.Max
	switch p.Kind {
	case PaceFixed:
		return p.Min
	case PaceOkta:
		lo, hi = 0, oktaPaceMax
	case PaceUniform:
	default:
		return 0
	}
	if hi <= lo {
		return lo
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return lo + time.Duration(pc.rnd.Int64N(int64(hi-lo)+1))
}

// orgPace is the pace an org's jobs follow: its own, else the server's.
func (m *Model) orgPace(o *Org) Pace {
	if p := o.pace.Load(); p != nil {
		return *p
	}
	return m.opts.Pace
}

// OrgPace is an org's pace and whether it is the org's own (false: the
// server's, Options.Pace).
func (m *Model) OrgPace(orgID string) (Pace, bool, error) {
	o, err := m.Org(orgID)
	if err != nil {
		return Pace{}, false, err
	}
	own := o.pace.Load() != nil
	return m.orgPace(o), own, nil
}

// SetOrgPace gives an org its own pace; nil gives it back the server's.
// Jobs already queued keep the time they were given.
func (m *Model) SetOrgPace(orgID string, p *Pace) error {
	o, err := m.Org(orgID)
	if err != nil {
		return err
	}
	if p != nil {
		cp := *p
		p = &cp
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pace.Store(p)
	o.changes.Put(kindSimSettings, o.ID)
	return nil
}
