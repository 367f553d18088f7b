package harness

import (
	"reflect"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/brianvoe/gofakeit/v6"
)

func generated(seed uint64, count int) *Scenario {
	return &Scenario{Seed: seed, People: []PersonSpec{{Generate: &GenerateSpec{Count: count, Domain: "Example.com"}}}}
}

func mustExpand(t testing.TB, s *Scenario) []Person {
	t.Helper()
	people, err := s.ExpandPeople()
	if err != nil {
		t.Fatal(err)
	}
	return people
}

func TestExpandPeopleDeterministic(t *testing.T) {
	a := mustExpand(t, generated(42, 200))
	b := mustExpand(t, generated(42, 200))
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different people")
	}
	c := mustExpand(t, generated(43, 200))
	same := 0
	for i := range a {
		if a[i].Login == c[i].Login {
			same++
		}
	}
	if same > 10 {
		t.Errorf("seeds 42 and 43 share %d of 200 logins", same)
	}
	// Seed 0 means 1.
	if !reflect.DeepEqual(mustExpand(t, generated(0, 50)), mustExpand(t, generated(1, 50))) {
		t.Error("seed 0 is not seed 1")
	}
}

// The names are gofakeit's: the same as FirstName and LastName of a Faker
// with the scenario's seed, drawn in turn.
func TestExpandPeopleUsesGofakeit(t *testing.T) {
	people := mustExpand(t, generated(7, 100))
	f := gofakeit.New(7)
	for i, p := range people {
		first, last := f.FirstName(), f.LastName()
		if p.FirstName != first || p.LastName != last {
			t.Fatalf("person %d: %s %s, gofakeit says %s %s", i+1, p.FirstName, p.LastName, first, last)
		}
	}
}

func TestGeneratedPeople(t *testing.T) {
	const n = 10_000
	people := mustExpand(t, generated(1, n))
	if len(people) != n {
		t.Fatalf("%d people", len(people))
	}
	login := regexp.MustCompile(`^([a-z0-9]+)\.([a-z0-9]+?)([0-9]+)@example\.com$`)
	logins := map[string]bool{}
	for i, p := range people {
		idx := strconv.Itoa(i + 1)
		if p.Ref != "user"+idx || !p.Generated || p.Staged {
			t.Fatalf("person %d: %+v", i, p)
		}
		m := login.FindStringSubmatch(p.Login)
		if m == nil || !strings.HasSuffix(p.Login, idx+"@example.com") {
			t.Fatalf("person %d: login %q", i, p.Login)
		}
		if p.Email != p.Login || p.FirstName == "" || p.LastName == "" {
			t.Fatalf("person %d: %+v", i, p)
		}
		if logins[p.Login] {
			t.Fatalf("login %s twice", p.Login)
		}
		logins[p.Login] = true
	}
}

func TestExplicitPeopleFirstWithDefaults(t *testing.T) {
	s := &Scenario{People: []PersonSpec{
		{Generate: &GenerateSpec{Count: 2, Domain: "example.com", Prefix: "gen"}},
		{Login: "alice.smith@example.com"},
		{Ref: "bob", Login: "bob@example.com", Email: "robert@example.com", FirstName: "Robert", LastName: "Brown",
			Title: "CTO", Department: "R&D", Profile: map[string]string{"secondEmail": "bob@old.example.com"}, Status: "staged"},
	}}
	people := mustExpand(t, s)
	if len(people) != 4 {
		t.Fatalf("%d people", len(people))
	}
	alice, bob := people[0], people[1]
	want := Person{Ref: "alice.smith@example.com", Login: "alice.smith@example.com", Email: "alice.smith@example.com",
		FirstName: "Alice", LastName: "Smith"}
	if !reflect.DeepEqual(alice, want) {
		t.Errorf("alice = %+v", alice)
	}
	want = Person{Ref: "bob", Login: "bob@example.com", Email: "robert@example.com", FirstName: "Robert", LastName: "Brown",
		Title: "CTO", Department: "R&D", Profile: map[string]string{"secondEmail": "bob@old.example.com"}, Staged: true}
	if !reflect.DeepEqual(bob, want) {
		t.Errorf("bob = %+v", bob)
	}
	if people[2].Ref != "gen1" || people[3].Ref != "gen2" {
		t.Errorf("generated refs %q %q", people[2].Ref, people[3].Ref)
	}
	// The profile is a copy.
	bob.Profile["secondEmail"] = "changed"
	if s.People[2].Profile["secondEmail"] != "bob@old.example.com" {
		t.Error("Person.Profile aliases the scenario's map")
	}
	if f, l := namesFromLogin("carol@example.com"); f != "Carol" || l != "User" {
		t.Errorf("namesFromLogin(carol) = %s %s", f, l)
	}
}

func TestGenerateAttributes(t *testing.T) {
	s := &Scenario{People: []PersonSpec{{Status: "staged", Generate: &GenerateSpec{Count: 3, Domain: "example.com",
		Attributes: map[string]string{
			"email":       "{first}.{last}@mail.example.com",
			"title":       "Engineer {n}",
			"department":  "QA",
			"secondEmail": "{local}@old.{domain}",
			"employeeId":  "E-{n}",
			"workLogin":   "{login}",
		}}}}}
	people := mustExpand(t, s)
	p := people[2]
	local, _, _ := strings.Cut(p.Login, "@")
	if p.Email != p.FirstName+"."+p.LastName+"@mail.example.com" || p.Title != "Engineer 3" || p.Department != "QA" ||
		!p.Staged {
		t.Errorf("%+v", p)
	}
	wantProfile := map[string]string{"secondEmail": local + "@old.example.com", "employeeId": "E-3", "workLogin": p.Login}
	if !reflect.DeepEqual(p.Profile, wantProfile) {
		t.Errorf("profile %v, want %v", p.Profile, wantProfile)
	}
	if _, err := parseAttrTemplate("{first"); err == nil {
		t.Error("unclosed placeholder accepted")
	}
}

// Logins stay unique when entries share a domain or an explicit person
// already has the login a generated one would get.
func TestGeneratedLoginCollisions(t *testing.T) {
	first := mustExpand(t, generated(5, 1))[0].Login
	s := &Scenario{Seed: 5, People: []PersonSpec{
		{Ref: "taken", Login: strings.ToUpper(first)},
		{Generate: &GenerateSpec{Count: 5000, Domain: "example.com"}},
		{Generate: &GenerateSpec{Count: 5000, Domain: "example.com", Prefix: "other"}},
	}}
	people := mustExpand(t, s)
	if got, want := people[1].Login, strings.Replace(first, "@", "-2@", 1); got != want {
		t.Errorf("clashing login %q, want %q", got, want)
	}
	seen := map[string]bool{}
	for _, p := range people {
		l := strings.ToLower(p.Login)
		if seen[l] {
			t.Fatalf("login %s twice", l)
		}
		seen[l] = true
	}
}

func TestExpandPeopleErrors(t *testing.T) {
	for _, s := range []*Scenario{
		generated(1, 0),
		generated(1, MaxGenerated+1),
		{People: []PersonSpec{{Generate: &GenerateSpec{Count: 1}}}},
		{People: []PersonSpec{{Ref: "nologin"}}},
		{People: []PersonSpec{{Generate: &GenerateSpec{Count: 1, Domain: "x.com", Attributes: map[string]string{"a": "{bad}"}}}}},
	} {
		if _, err := s.ExpandPeople(); err == nil {
			t.Errorf("no error for %+v", s.People)
		}
	}
}

func TestLookupAndGroupMembers(t *testing.T) {
	s := &Scenario{People: []PersonSpec{
		{Ref: "alice", Login: "alice@example.com"},
		{Login: "bob@example.com"},
		{Generate: &GenerateSpec{Count: 3, Domain: "example.com"}},
		{Generate: &GenerateSpec{Count: 2, Domain: "example.org", Prefix: "c"}},
	}}
	people := mustExpand(t, s)
	lookup := s.Lookup(people)
	for ref, wantRef := range map[string]string{
		"alice": "alice", "ALICE@example.com": "alice", "bob@example.com": "bob@example.com",
		"user1": "user1", "user3": "user3", "c2": "c2",
	} {
		p, ok := lookup(ref)
		if !ok || p.Ref != wantRef {
			t.Errorf("lookup(%q) = %q, %v", ref, p.Ref, ok)
		}
	}
	for _, ref := range []string{"user4", "user0", "user01", "c3", "nobody", "generated"} {
		if p, ok := lookup(ref); ok {
			t.Errorf("lookup(%q) found %q", ref, p.Ref)
		}
	}
	// A people slice that does not follow the scenario still resolves.
	shuffled := []Person{people[4], people[2], people[3]}
	if p, ok := s.Lookup(shuffled)("user1"); !ok || p.Ref != "user1" {
		t.Errorf("lookup in a reordered slice: %q %v", p.Ref, ok)
	}

	g := GroupSpec{Name: "g", Members: []string{"bob@example.com", "generated", "user2", "alice", "nobody"}}
	var refs []string
	for _, p := range s.GroupMembers(g, people) {
		refs = append(refs, p.Ref)
	}
	if want := "bob@example.com user1 user2 user3 c1 c2 alice"; strings.Join(refs, " ") != want {
		t.Errorf("members %v, want %s", refs, want)
	}
}

func TestExpandPeopleMillion(t *testing.T) {
	if testing.Short() || raceBuild() {
		t.Skip("a million people: not in -short or -race runs")
	}
	people := mustExpand(t, generated(1, MaxGenerated))
	if len(people) != MaxGenerated || people[MaxGenerated-1].Ref != "user1000000" {
		t.Fatalf("%d people, last %q", len(people), people[len(people)-1].Ref)
	}
	p, ok := generated(1, MaxGenerated).Lookup(people)("user765432")
	if !ok || !strings.HasSuffix(p.Login, "765432@example.com") {
		t.Errorf("lookup user765432: %+v %v", p, ok)
	}
}

// raceBuild reports whether the test binary was built with -race.
func raceBuild() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}

func BenchmarkExpandPeople1000(b *testing.B) {
	s := generated(1, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ExpandPeople(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExpandPeople1M(b *testing.B) {
	s := generated(1, MaxGenerated)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ExpandPeople(); err != nil {
			b.Fatal(err)
		}
	}
}
