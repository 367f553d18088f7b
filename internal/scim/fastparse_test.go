package scim

import (
	"reflect"
	"testing"

	filter "github.com/scim2/filter-parser/v2"
)

// libraryFilter is the slow path alone: the library plus string decoding.
func libraryFilter(s string) (filter.Expression, error) {
	e, err := parseFilterSafe(s)
	if err == nil {
		decodeStrings(e)
	}
	return e, err
}

func libraryPath(s string) (filter.Path, error) {
	p, err := filter.ParsePath([]byte(s))
	if err == nil {
		decodeStrings(p.ValueExpression)
	}
	return p, err
}

// The fast paths must give exactly what the library gives for every input
// they accept, and accept the shapes clients really send.
func TestFastParseMatchesLibrary(t *testing.T) {
	attrs := []string{"userName", "externalId", "displayName", "emails.value", "name.givenName", "a", "x-y_z9"}
	ops := []string{"eq", "EQ", "Eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "zz", "pr"}
	values := []string{`"ada@example.com"`, `""`, `"a\"b"`, `"tab\tx"`, `"\u00e9t\u00e9"`, `"back\\slash"`, `"bad\q"`, `"日本"`}
	accepted := 0
	for _, a := range attrs {
		for _, op := range ops {
			for _, v := range values {
				in := a + " " + op + " " + v
				fast, ok := fastFilter(in)
				lib, err := libraryFilter(in)
				if !ok {
					continue
				}
				accepted++
				if err != nil {
					t.Errorf("%s: fast path accepted what the library rejects: %v", in, err)
					continue
				}
				if !reflect.DeepEqual(filter.Expression(fast), lib) {
					t.Errorf("%s:\n fast    %#v\n library %#v", in, fast, lib)
				}
			}
		}
	}
	for _, in := range []string{`userName eq "x"`, `externalId eq "00u1"`, `displayName eq "atlassian-test-jira-users"`} {
		if _, ok := fastFilter(in); !ok {
			t.Errorf("fast path misses the common filter %s", in)
		}
	}
	paths := []string{"active", "members", "name.givenName", "emails[type eq \"work\"].value", `members[value eq "2819c223-7f76-453a-919d-413861904646"]`,
		`emails[type eq "work"]`, `members[value eq "a\"b"]`, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
		`members[value pr]`, `emails[type eq "work" and primary eq true]`, "a.b.c", "9bad"}
	for _, in := range paths {
		fast, ok := fastPath(in)
		lib, err := libraryPath(in)
		if !ok {
			continue
		}
		accepted++
		if err != nil {
			t.Errorf("%s: fast path accepted what the library rejects: %v", in, err)
			continue
		}
		if !reflect.DeepEqual(fast, lib) {
			t.Errorf("%s:\n fast    %#v\n library %#v", in, fast, lib)
		}
	}
	for _, in := range []string{"active", `members[value eq "x"]`, `emails[type eq "work"].value`} {
		if _, ok := fastPath(in); !ok {
			t.Errorf("fast path misses the common path %s", in)
		}
	}
	if accepted < 100 {
		t.Fatalf("only %d inputs took the fast path", accepted)
	}
}

func FuzzFastFilterMatchesLibrary(f *testing.F) {
	for _, s := range []string{`userName eq "x"`, `a.b co "\n"`, `x sw ""`, `members[value eq "1"].display`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if fast, ok := fastFilter(s); ok {
			lib, err := libraryFilter(s)
			if err != nil || !reflect.DeepEqual(filter.Expression(fast), lib) {
				t.Fatalf("%q: fast %#v, library %#v %v", s, fast, lib, err)
			}
		}
		if fast, ok := fastPath(s); ok {
			lib, err := libraryPath(s)
			if err != nil || !reflect.DeepEqual(fast, lib) {
				t.Fatalf("%q: fast %#v, library %#v %v", s, fast, lib, err)
			}
		}
	})
}
