package scim

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// assertScimError fails unless err is a 400 *Error with the given scimType.
func assertScimError(t *testing.T, err error, scimType string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want 400 %s", scimType)
	}
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *scim.Error", err, err)
	}
	if se.Kind != KindInvalid || se.ScimType != scimType {
		t.Fatalf("got %d %q (%s), want 400 %q", se.Status(), se.ScimType, se.Detail, scimType)
	}
}

func TestParseFilter(t *testing.T) {
	users := AtlassianUserFilters
	groups := AtlassianGroupFilters
	tests := []struct {
		name    string
		expr    string
		profile FilterProfile
		want    *EqFilter
		errType string
		errHas  string // substring of the detail
	}{
		{name: "userName eq", expr: `userName eq "ada@example.com"`, profile: users,
			want: &EqFilter{Attribute: "userName", Value: "ada@example.com"}},
		{name: "externalId eq", expr: `externalId eq "00u1abcd"`, profile: users,
			want: &EqFilter{Attribute: "externalId", Value: "00u1abcd"}},
		{name: "displayName eq", expr: `displayName eq "jira-engineering"`, profile: groups,
			want: &EqFilter{Attribute: "displayName", Value: "jira-engineering"}},
		{name: "attribute name case-insensitive", expr: `USERNAME eq "a"`, profile: users,
			want: &EqFilter{Attribute: "userName", Value: "a"}},
		{name: "operator case-insensitive", expr: `userName EQ "a"`, profile: users,
			want: &EqFilter{Attribute: "userName", Value: "a"}},
		{name: "mixed case both", expr: `ExternalID Eq "X1"`, profile: users,
			want: &EqFilter{Attribute: "externalId", Value: "X1"}},
		{name: "value case kept", expr: `displayName eq "SCIM_Group"`, profile: groups,
			want: &EqFilter{Attribute: "displayName", Value: "SCIM_Group"}},
		{name: "value with space and plus sign", expr: `displayName eq "Test SCIMv2+x"`, profile: groups,
			want: &EqFilter{Attribute: "displayName", Value: "Test SCIMv2+x"}},
		{name: "escaped quote decoded", expr: `userName eq "a\"b"`, profile: users,
			want: &EqFilter{Attribute: "userName", Value: `a"b`}},
		{name: "unicode escape decoded", expr: `userName eq "caf\u00E9"`, profile: users,
			want: &EqFilter{Attribute: "userName", Value: "café"}},
		{name: "empty value", expr: `userName eq ""`, profile: users,
			want: &EqFilter{Attribute: "userName", Value: ""}},
		{name: "core URN prefix", expr: `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"`, profile: users,
			want: &EqFilter{Attribute: "userName", Value: "a"}},
		{name: "surrounding spaces trimmed", expr: ` userName eq "a" `, profile: users,
			want: &EqFilter{Attribute: "userName", Value: "a"}},
		{name: "parenthesised single eq", expr: `(userName eq "a")`, profile: users,
			want: &EqFilter{Attribute: "userName", Value: "a"}},

		{name: "co", expr: `userName co "a"`, profile: users, errType: TypeInvalidFilter,
			errHas: `only 'userName eq "..."' or 'externalId eq "..."' are supported`},
		{name: "sw", expr: `userName sw "a"`, profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "ne", expr: `userName ne "a"`, profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "and", expr: `userName eq "a" and externalId eq "b"`, profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "or", expr: `userName eq "a" or userName eq "b"`, profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "not", expr: `not (userName eq "a")`, profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "pr", expr: `userName pr`, profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "sub-attribute", expr: `emails.value eq "a@b.c"`, profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "value path", expr: `emails[type eq "work"]`, profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "boolean attribute", expr: `active eq true`, profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "id not filterable", expr: `id eq "x"`, profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "number value", expr: `userName eq 5`, profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "null value", expr: `userName eq null`, profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "boolean value", expr: `userName eq true`, profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "group profile rejects userName", expr: `userName eq "a"`, profile: groups, errType: TypeInvalidFilter,
			errHas: `Unsupported filter: only 'displayName eq "..."' is supported`},
		{name: "user profile rejects displayName", expr: `displayName eq "a"`, profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "extension URN prefix", expr: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"`,
			profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "group URN on user profile", expr: `urn:ietf:params:scim:schemas:core:2.0:Group:userName eq "x"`,
			profile: users, errType: TypeInvalidFilter, errHas: "Unsupported filter"},
		{name: "empty profile", expr: `userName eq "a"`, profile: FilterProfile{}, errType: TypeInvalidFilter,
			errHas: "filtering is not supported"},

		{name: "garbage", expr: `garbage`, profile: users, errType: TypeInvalidFilter, errHas: "could not parse"},
		{name: "unterminated quote", expr: `userName eq "abc`, profile: users, errType: TypeInvalidFilter, errHas: "could not parse"},
		{name: "missing value", expr: `userName eq`, profile: users, errType: TypeInvalidFilter, errHas: "could not parse"},
		{name: "unknown operator", expr: `userName is "a"`, profile: users, errType: TypeInvalidFilter, errHas: "could not parse"},
		{name: "single quotes", expr: `userName eq 'a'`, profile: users, errType: TypeInvalidFilter, errHas: "could not parse"},
		{name: "unquoted value", expr: `userName eq a`, profile: users, errType: TypeInvalidFilter, errHas: "could not parse"},
		{name: "plus for space (undecoded form)", expr: `userName+eq+"a"`, profile: users, errType: TypeInvalidFilter, errHas: "could not parse"},
		{name: "blank", expr: `   `, profile: users, errType: TypeInvalidFilter, errHas: "could not parse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFilter(tc.expr, tc.profile)
			if tc.errType != "" {
				assertScimError(t, err, tc.errType)
				if got != nil {
					t.Errorf("got filter %+v with error", got)
				}
				if d := err.(*Error).Detail; !strings.Contains(d, tc.errHas) {
					t.Errorf("detail %q does not contain %q", d, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if *got != *tc.want {
				t.Errorf("got %+v, want %+v", *got, *tc.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	doc := decodeJSON(t, `{
		"userName": "Ada@Example.com",
		"active": true,
		"title": "",
		"emails": [
			{"value": "ada@example.com", "type": "work", "primary": true},
			{"value": "ada@home.example", "type": "home", "primary": "False"}
		],
		"name": {"givenName": "Ada", "familyName": "Lovelace"},
		"members": [{"value": "abc-123"}],
		"score": 42,
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Engineering"}
	}`)
	tests := []struct {
		expr string
		want bool
	}{
		{`userName eq "ada@example.com"`, true}, // case-insensitive
		{`USERNAME EQ "ADA@EXAMPLE.COM"`, true},
		{`userName eq "bob@example.com"`, false},
		{`userName ne "bob@example.com"`, true},
		{`userName ne "ada@example.com"`, false},
		{`userName co "EXAMPLE"`, true},
		{`userName sw "ada@"`, true},
		{`userName sw "example"`, false},
		{`userName ew ".COM"`, true},
		{`userName ew ".org"`, false},
		{`userName gt "a"`, true},
		{`userName lt "a"`, false},
		{`userName ge "ada@example.com"`, true},
		{`userName le "ada@example.com"`, true},
		{`userName pr`, true},
		{`title pr`, false}, // empty string is not present
		{`nickName pr`, false},
		{`nickName eq null`, true},
		{`userName eq null`, false},
		{`active eq true`, true},
		{`active eq false`, false},
		{`active eq "TRUE"`, true}, // string boolean on the filter side
		{`active ne false`, true},
		{`score gt 40`, true},
		{`score eq 42`, true},
		{`score lt 40`, false},
		{`score eq "42"`, false},
		{`name.givenName eq "ada"`, true},
		{`name.familyName sw "love"`, true},
		{`emails.value eq "ADA@HOME.EXAMPLE"`, false}, // "value" is compared exactly
		{`emails.value eq "ada@home.example"`, true},
		{`emails.type eq "WORK"`, true},
		{`emails co "home"`, true}, // complex without sub-attribute: via "value"
		{`emails[type eq "work" and primary eq true]`, true},
		{`emails[type eq "home" and primary eq false]`, true}, // "False" string in the element
		{`emails[type eq "home" and primary eq true]`, false},
		{`emails[type eq "other" or value ew "example"]`, true},
		{`emails[not (type eq "work")]`, true},
		{`members[value eq "abc-123"]`, true},
		{`members[value eq "ABC-123"]`, false},
		{`userName eq "x" or active eq true`, true},
		{`userName eq "x" and active eq true`, false},
		{`not (userName eq "x")`, true},
		{`not (userName pr)`, false},
		{`(userName eq "x" or title pr) and active eq true`, false},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "engineering"`, true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "ADA"`, true},
		{`missing eq "x"`, false},
		{`missing ne "x"`, true},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			e, err := ParseFilterExpression(tc.expr)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := Match(e, doc); got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("nil expression", func(t *testing.T) {
		if Match(nil, doc) {
			t.Error("nil expression matched")
		}
	})
}

func decodeJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON: %v\n%s", err, s)
	}
	return m
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		`userName eq "a"`,
		`externalId EQ "x\"y"`,
		`displayName eq "g" and userName pr`,
		`emails[type eq "work" and value co "@x"].value`,
		`not (a eq 1.5e3) or b lt -2`,
		`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"`,
		`userName eq "abc`,
		`((((`,
	} {
		f.Add(s)
	}
	doc := map[string]any{"userName": "a", "emails": []any{map[string]any{"value": "x", "type": "work"}}}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []FilterProfile{AtlassianUserFilters, AtlassianGroupFilters} {
			got, err := ParseFilter(s, p)
			if err != nil {
				var se *Error
				if !errors.As(err, &se) || se.ScimType != TypeInvalidFilter || got != nil {
					t.Fatalf("ParseFilter(%q) = %v, %v", s, got, err)
				}
			}
		}
		if e, err := ParseFilterExpression(s); err == nil {
			Match(e, doc)
		} else if _, ok := err.(*Error); !ok {
			t.Fatalf("ParseFilterExpression(%q) error %T", s, err)
		}
	})
}
