package harness

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
	"unicode"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/brianvoe/gofakeit/v6/data"
)

// Person is an Okta user of a scenario, explicit or generated, with every
// default applied.
type Person struct {
	Ref        string            `json:"ref"` // how steps and expectations refer to the person
	Login      string            `json:"login"`
	Email      string            `json:"email"`
	FirstName  string            `json:"firstName"`
	LastName   string            `json:"lastName"`
	Title      string            `json:"title,omitempty"`
	Department string            `json:"department,omitempty"`
	Profile    map[string]string `json:"profile,omitempty"` // other profile attributes (secondEmail, …)
	Staged     bool              `json:"staged,omitempty"`  // created STAGED rather than ACTIVE
	Generated  bool              `json:"generated,omitempty"`
}

// GeneratedMembers is the group member that stands for every generated
// person.
const GeneratedMembers = "generated"

// DefaultGeneratePrefix is the ref prefix of generated people.
const DefaultGeneratePrefix = "user"

// MaxGenerated is the largest generate.count.
const MaxGenerated = 1_000_000

// Profile attributes that are Person fields, not Profile entries.
var personFieldAttrs = map[string]bool{
	"login": true, "email": true, "firstName": true, "lastName": true,
	"title": true, "department": true,
}

// generateRange is one generate entry: refs prefix+1 … prefix+count.
type generateRange struct {
	spec   int // index in Scenario.People
	prefix string
	count  int
}

// personRefs resolves person refs without expanding generated people.
type personRefs struct {
	refs   map[string]int // ref (explicit people; login when no ref) → index in Scenario.People
	logins map[string]int // lower-case login → index in Scenario.People
	gens   []generateRange
}

func (s *Scenario) personRefs() *personRefs {
	rt := &personRefs{refs: map[string]int{}, logins: map[string]int{}}
	for i, p := range s.People {
		if p.Generate != nil {
			prefix := p.Generate.Prefix
			if prefix == "" {
				prefix = DefaultGeneratePrefix
			}
			rt.gens = append(rt.gens, generateRange{spec: i, prefix: prefix, count: p.Generate.Count})
			continue
		}
		key := p.Ref
		if key == "" {
			key = p.Login
		}
		if _, dup := rt.refs[key]; key != "" && !dup {
			rt.refs[key] = i
		}
		if l := strings.ToLower(p.Login); l != "" {
			if _, dup := rt.logins[l]; !dup {
				rt.logins[l] = i
			}
		}
	}
	return rt
}

// generated parses prefix+N. It returns the range whose prefix matches and
// N, and whether N lies within the range. ok is false when ref has no
// generate prefix followed by a number.
func (rt *personRefs) generated(ref string) (g generateRange, n int, inRange, ok bool) {
	for _, r := range rt.gens {
		rest, found := strings.CutPrefix(ref, r.prefix)
		if !found {
			continue
		}
		v, err := strconv.Atoi(rest)
		if err != nil || strconv.Itoa(v) != rest {
			continue
		}
		if v >= 1 && v <= r.count {
			return r, v, true, true
		}
		g, n, ok = r, v, true
	}
	return g, n, false, ok
}

// resolves reports whether ref names a person: an explicit person's ref
// (or login when it has none), any explicit person's login, or a generated
// ref within count.
func (rt *personRefs) resolves(ref string) bool {
	if _, ok := rt.refs[ref]; ok {
		return true
	}
	if _, ok := rt.logins[strings.ToLower(ref)]; ok {
		return true
	}
	_, _, in, _ := rt.generated(ref)
	return in
}

// ExpandPeople returns the scenario's people: explicit ones first, in
// order, then generated ones, entry by entry. Generated people are drawn
// with gofakeit under the scenario seed (1 when 0), so the same scenario
// always yields the same people.
func (s *Scenario) ExpandPeople() ([]Person, error) {
	total := 0
	for i, p := range s.People {
		if g := p.Generate; g != nil {
			if g.Count < 1 || g.Count > MaxGenerated {
				return nil, fmt.Errorf("people[%d]: generate.count %d is not within 1…%d", i, g.Count, MaxGenerated)
			}
			if g.Domain == "" {
				return nil, fmt.Errorf("people[%d]: generate.domain is required", i)
			}
			total += g.Count
		} else {
			total++
		}
	}
	people := make([]Person, 0, total)
	taken := map[string]bool{} // lower-case logins of explicit people
	for i, p := range s.People {
		if p.Generate != nil {
			continue
		}
		if p.Login == "" {
			return nil, fmt.Errorf("people[%d]: login is required", i)
		}
		people = append(people, declaredPerson(p))
		taken[strings.ToLower(p.Login)] = true
	}

	// Logins of one entry are unique by construction (first.lastN); only
	// entries sharing a domain with another entry need a set of all.
	domains := map[string]int{}
	for _, p := range s.People {
		if p.Generate != nil {
			domains[strings.ToLower(p.Generate.Domain)]++
		}
	}
	seed := int64(s.Seed)
	if seed == 0 {
		seed = 1
	}
	faker := gofakeit.NewUnlocked(seed)
	names := newNameSource()
	shared := map[string]bool{}
	for i, p := range s.People {
		g := p.Generate
		if g == nil {
			continue
		}
		gen, err := newGenerator(g, p.Status == "staged", names)
		if err != nil {
			return nil, fmt.Errorf("people[%d]: %w", i, err)
		}
		seen, record := taken, false
		if domains[strings.ToLower(g.Domain)] > 1 {
			if len(shared) == 0 {
				maps.Copy(shared, taken)
			}
			seen, record = shared, true
		}
		for n := 1; n <= g.Count; n++ {
			people = append(people, gen.person(faker, n, seen, record))
		}
	}
	return people, nil
}

// declaredPerson applies the defaults to a declared person: ref = login,
// email = login, names from the login's local part when missing.
func declaredPerson(p PersonSpec) Person {
	out := Person{
		Ref: p.Ref, Login: p.Login, Email: p.Email,
		FirstName: p.FirstName, LastName: p.LastName,
		Title: p.Title, Department: p.Department,
		Staged: p.Status == "staged",
	}
	if out.Ref == "" {
		out.Ref = p.Login
	}
	if out.Email == "" {
		out.Email = p.Login
	}
	if out.FirstName == "" || out.LastName == "" {
		first, last := namesFromLogin(p.Login)
		if out.FirstName == "" {
			out.FirstName = first
		}
		if out.LastName == "" {
			out.LastName = last
		}
	}
	if len(p.Profile) > 0 {
		out.Profile = maps.Clone(p.Profile)
	}
	return out
}

// namesFromLogin makes "Alice", "Smith" from alice.smith@example.com, and
// "Alice", "User" from alice@example.com.
func namesFromLogin(login string) (first, last string) {
	local, _, _ := strings.Cut(login, "@")
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' })
	title := func(s string) string {
		r := []rune(s)
		if len(r) == 0 {
			return s
		}
		r[0] = unicode.ToUpper(r[0])
		return string(r)
	}
	switch len(parts) {
	case 0:
		return "User", "User"
	case 1:
		return title(parts[0]), "User"
	default:
		var ls []string
		for _, p := range parts[1:] {
			ls = append(ls, title(p))
		}
		return title(parts[0]), strings.Join(ls, " ")
	}
}

// personGenerator makes the people of one generate entry.
type personGenerator struct {
	spec    *GenerateSpec
	prefix  string
	domain  string
	staged  bool
	email   attrTemplate // nil: email = login
	first   attrTemplate
	last    attrTemplate
	title   attrTemplate
	dept    attrTemplate
	profile []namedAttrTemplate
	names   *nameSource
}

// nameSource draws first and last names exactly as gofakeit's FirstName
// and LastName do (an Intn over gofakeit's person data, with the Faker's
// Rand), and keeps each name's login part, so that a million people cost
// no map lookups.
type nameSource struct {
	first, last         []string
	firstPart, lastPart []string // login parts, filled as drawn
}

func newNameSource() *nameSource {
	ns := &nameSource{first: data.Data["person"]["first"], last: data.Data["person"]["last"]}
	ns.firstPart = make([]string, len(ns.first))
	ns.lastPart = make([]string, len(ns.last))
	return ns
}

// draw returns a first and a last name and their login parts.
func (ns *nameSource) draw(f *gofakeit.Faker) (first, last, lf, ll string) {
	if len(ns.first) == 0 || len(ns.last) == 0 { // gofakeit data removed: use its API
		first, last = f.FirstName(), f.LastName()
		return first, last, loginPart(first), loginPart(last)
	}
	i := f.Rand.Intn(len(ns.first))
	j := f.Rand.Intn(len(ns.last))
	if ns.firstPart[i] == "" {
		ns.firstPart[i] = loginPart(ns.first[i])
	}
	if ns.lastPart[j] == "" {
		ns.lastPart[j] = loginPart(ns.last[j])
	}
	return ns.first[i], ns.last[j], ns.firstPart[i], ns.lastPart[j]
}

type namedAttrTemplate struct {
	name string
	t    attrTemplate
}

func newGenerator(g *GenerateSpec, staged bool, names *nameSource) (*personGenerator, error) {
	gen := &personGenerator{spec: g, prefix: g.Prefix, domain: strings.ToLower(g.Domain), staged: staged, names: names}
	if gen.prefix == "" {
		gen.prefix = DefaultGeneratePrefix
	}
	for _, name := range sortedMapKeys(g.Attributes) {
		t, err := parseAttrTemplate(g.Attributes[name])
		if err != nil {
			return nil, fmt.Errorf("generate.attributes.%s: %w", name, err)
		}
		switch name {
		case "email":
			gen.email = t
		case "firstName":
			gen.first = t
		case "lastName":
			gen.last = t
		case "title":
			gen.title = t
		case "department":
			gen.dept = t
		case "login":
			return nil, fmt.Errorf("generate.attributes.login: logins are generated")
		default:
			gen.profile = append(gen.profile, namedAttrTemplate{name, t})
		}
	}
	return gen, nil
}

// person makes the n-th person. seen holds logins already taken; record
// adds this one to it.
func (gen *personGenerator) person(f *gofakeit.Faker, n int, seen map[string]bool, record bool) Person {
	first, last, lf, ll := gen.names.draw(f)
	var buf [64]byte
	ref := string(strconv.AppendInt(append(buf[:0], gen.prefix...), int64(n), 10)) // one allocation
	num := ref[len(gen.prefix):]
	login := lf + "." + ll + num + "@" + gen.domain // local part is a prefix
	local := login[:len(lf)+1+len(ll)+len(num)]
	if seen[login] {
		for k := 2; ; k++ {
			l := local + "-" + strconv.Itoa(k)
			if !seen[l+"@"+gen.domain] {
				local, login = l, l+"@"+gen.domain
				break
			}
		}
	}
	if record {
		seen[login] = true
	}
	p := Person{
		Ref:       ref,
		Login:     login,
		Email:     login,
		FirstName: first,
		LastName:  last,
		Staged:    gen.staged,
		Generated: true,
	}
	vars := attrTemplateVars{first: first, last: last, n: num, login: login, local: local, domain: gen.domain}
	if gen.email != nil {
		p.Email = gen.email.expand(&vars)
	}
	if gen.first != nil {
		p.FirstName = gen.first.expand(&vars)
	}
	if gen.last != nil {
		p.LastName = gen.last.expand(&vars)
	}
	if gen.title != nil {
		p.Title = gen.title.expand(&vars)
	}
	if gen.dept != nil {
		p.Department = gen.dept.expand(&vars)
	}
	if len(gen.profile) > 0 {
		p.Profile = make(map[string]string, len(gen.profile))
		for _, nt := range gen.profile {
			p.Profile[nt.name] = nt.t.expand(&vars)
		}
	}
	return p
}

// loginPart lower-cases a name and keeps ASCII letters and digits only.
func loginPart(name string) string {
	simple := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z') {
			simple = false
			break
		}
	}
	if simple {
		return name
	}
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

// ---- attribute templates ----

// An attribute template is literal text with placeholders: {first}, {last} (the
// generated names), {n} (1-based index), {login}, {local} (login's local
// part), {domain}.
type attrTemplate []attrTemplatePart

type attrTemplatePart struct {
	lit string
	v   string // placeholder name, "" for a literal
}

type attrTemplateVars struct {
	first, last, n, login, local, domain string
}

var attrPlaceholders = []string{"first", "last", "n", "login", "local", "domain"}

func parseAttrTemplate(s string) (attrTemplate, error) {
	var t attrTemplate
	for s != "" {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			t = append(t, attrTemplatePart{lit: s})
			break
		}
		if i > 0 {
			t = append(t, attrTemplatePart{lit: s[:i]})
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("unclosed { in %q", s)
		}
		name := s[i+1 : i+j]
		known := false
		for _, p := range attrPlaceholders {
			if p == name {
				known = true
			}
		}
		if !known {
			return nil, fmt.Errorf("unknown placeholder {%s} (use {%s})", name, strings.Join(attrPlaceholders, "}, {"))
		}
		t = append(t, attrTemplatePart{v: name})
		s = s[i+j+1:]
	}
	return t, nil
}

func (t attrTemplate) expand(v *attrTemplateVars) string {
	if len(t) == 1 && t[0].v == "" {
		return t[0].lit
	}
	var b strings.Builder
	for _, p := range t {
		switch p.v {
		case "":
			b.WriteString(p.lit)
		case "first":
			b.WriteString(v.first)
		case "last":
			b.WriteString(v.last)
		case "n":
			b.WriteString(v.n)
		case "login":
			b.WriteString(v.login)
		case "local":
			b.WriteString(v.local)
		case "domain":
			b.WriteString(v.domain)
		}
	}
	return b.String()
}

// ---- lookups ----

// Lookup returns a function that finds a person of people (as returned by
// ExpandPeople) by ref, or by an explicit person's login (any case).
// Generated people are found by index arithmetic, not a map, so lookups
// over a million generated people stay cheap.
func (s *Scenario) Lookup(people []Person) func(ref string) (Person, bool) {
	byRef := map[string]int{}
	byLogin := map[string]int{}
	explicit := 0
	for i, p := range people {
		if p.Generated {
			continue
		}
		explicit++
		if _, dup := byRef[p.Ref]; !dup {
			byRef[p.Ref] = i
		}
		if l := strings.ToLower(p.Login); l != "" {
			if _, dup := byLogin[l]; !dup {
				byLogin[l] = i
			}
		}
	}
	rt := s.personRefs()
	offsets := map[int]int{} // generate entry → index of its first person
	off := explicit
	for _, g := range rt.gens {
		offsets[g.spec] = off
		off += g.count
	}
	var all map[string]int // fallback when people does not match s
	return func(ref string) (Person, bool) {
		if i, ok := byRef[ref]; ok {
			return people[i], true
		}
		if g, n, in, _ := rt.generated(ref); in {
			if i := offsets[g.spec] + n - 1; i < len(people) && people[i].Ref == ref {
				return people[i], true
			}
			if all == nil {
				all = make(map[string]int, len(people))
				for i, p := range people {
					if _, dup := all[p.Ref]; !dup {
						all[p.Ref] = i
					}
				}
			}
			if i, ok := all[ref]; ok {
				return people[i], true
			}
		}
		if i, ok := byLogin[strings.ToLower(ref)]; ok {
			return people[i], true
		}
		return Person{}, false
	}
}

// GroupMembers resolves a group's members against people (as returned by
// ExpandPeople): "generated" stands for every generated person. Each person
// appears once, in order of first mention; unknown refs are skipped
// (Validate reports them).
func (s *Scenario) GroupMembers(g GroupSpec, people []Person) []Person {
	lookup := s.Lookup(people)
	seen := map[string]bool{}
	var out []Person
	for _, m := range g.Members {
		if m == GeneratedMembers {
			for _, p := range people {
				if p.Generated && !seen[p.Ref] {
					seen[p.Ref] = true
					out = append(out, p)
				}
			}
			continue
		}
		if p, ok := lookup(m); ok && !seen[p.Ref] {
			seen[p.Ref] = true
			out = append(out, p)
		}
	}
	return out
}

// WritePeople prints people as a table: ref, login, email and name, one
// person a line, so a scenario's generated people can be looked up and
// named in expectations by ref.
func WritePeople(w io.Writer, people []Person) error {
	bw := bufio.NewWriter(w)
	ref, login, email := len("REF"), len("LOGIN"), len("EMAIL")
	for _, p := range people {
		ref, login, email = max(ref, len(p.Ref)), max(login, len(p.Login)), max(email, len(p.Email))
	}
	fmt.Fprintf(bw, "%-*s  %-*s  %-*s  %s\n", ref, "REF", login, "LOGIN", email, "EMAIL", "NAME")
	for _, p := range people {
		fmt.Fprintf(bw, "%-*s  %-*s  %-*s  %s %s\n", ref, p.Ref, login, p.Login, email, p.Email, p.FirstName, p.LastName)
	}
	return bw.Flush()
}
