package expression

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var alice = Subject{
	Profile: map[string]any{
		"login": "alice@example.com", "email": "alice@example.com", "department": "Engineering",
		"title": "Senior Engineer", "costCenter": float64(42), "hasBadge": true,
		"favoriteColors": []any{"blue", "green"}, "manager": nil,
	},
	Internal:   map[string]any{"status": "ACTIVE", "id": "00u1"},
	GroupIDs:   []string{"00gEng", "00gEveryone"},
	GroupNames: []string{"Engineering", "Everyone"},
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{`user.department == "Engineering"`, true},
		{`user.department == 'Engineering'`, true},
		{`user.department != "Engineering"`, false},
		{`user.department eq "Engineering"`, true},
		{`user.hasBadge`, true},
		{`!user.hasBadge`, false},
		{`NOT user.hasBadge`, false},
		{`not (user.department == "Sales")`, true},
		{`user.department == "Engineering" AND user.title == "Senior Engineer"`, true},
		{`user.department == "Engineering" and user.title == "Nobody"`, false},
		{`user.department == "Sales" OR user.costCenter == 42`, true},
		{`user.department == "Sales" || user.costCenter > 41 && user.costCenter < 43`, true},
		{`user.costCenter >= 42 && user.costCenter <= 42`, true},
		{`user.costCenter gt 50`, false},
		// Java's String.matches: the whole string must match.
		{`user.title matches "(?i).*engineer"`, true},
		{`user.title matches "(?i)engineer"`, false},
		{`user.email matches ".*@example\\.com"`, true},
		{`String.stringContains(user.email, "@example.com")`, true},
		{`String.stringContains(user.email, "@other.com")`, false},
		{`String.startsWith(user.login, "alice")`, true},
		{`String.endsWith(user.login, ".org")`, false},
		{`String.toLowerCase(user.department) == "engineering"`, true},
		{`String.len(user.department) == 11`, true},
		{`String.substringBefore(user.email, "@") == "alice"`, true},
		{`Arrays.contains(user.favoriteColors, "blue")`, true},
		{`Arrays.contains(user.favoriteColors, "red")`, false},
		{`Arrays.size(user.favoriteColors) == 2 AND !Arrays.isEmpty(user.favoriteColors)`, true},
		{`isMemberOfGroupName("Engineering")`, true},
		{`isMemberOfGroupName("engineering")`, false},
		{`isMemberOfGroup("00gEng")`, true},
		{`isMemberOfAnyGroup("00gX", "00gEveryone")`, true},
		{`isMemberOfAnyGroup("00gX", "00gY")`, false},
		{`isMemberOfGroupNameStartsWith("Eng")`, true},
		{`isMemberOfGroupNameContains("very")`, true},
		{`isMemberOfGroupNameRegex("Eng.*")`, true},
		{`user.getInternalProperty("status") == "ACTIVE"`, true},
		// Absent and null attributes are null: comparisons are false,
		// functions see nothing.
		{`user.nickName == "Al"`, false},
		{`user.nickName == null`, true},
		{`user.manager == null`, true},
		{`String.stringContains(user.nickName, "a")`, false},
		{`user.nickName matches ".*"`, false},
		{`user.department == "Engineering" ? true : false`, true},
	} {
		e, err := Parse(tc.src)
		if err != nil {
			t.Errorf("Parse(%s): %v", tc.src, err)
			continue
		}
		if got := e.Match(alice); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.src, got, tc.want)
		}
	}
}

func TestRefused(t *testing.T) {
	for _, tc := range []struct{ src, reason string }{
		{``, "empty"},
		{`user.department ==`, "Invalid expression"},
		{`user.department == "a" AND`, "Invalid expression"},
		{`user.department === "a"`, "Invalid expression"},
		{`Convert.toInt("2018") == user.yearJoined`, "Convert functions are not allowed"},
		{`profile.department == "a"`, "unknown name profile"},
		{`String.reverse(user.login) == "a"`, "not a group rule function"},
		{`Arrays.first(user.favoriteColors) == "a"`, "not a group rule function"},
		{`len(user.login) > 2`, "unknown name len"},
		{`user.favoriteColors[0] == "blue"`, "not supported"},
		{`user.login in ["a", "b"]`, "not supported"}, {`user.login in user.favoriteColors`, "operator in"},
		{`user.login contains "a"`, "operator contains"},
		{`user.login ?? "a"`, "operator ??"},
		{`user.login | upper()`, "Invalid expression"},
		{`map(user.favoriteColors, # + "x")`, "not supported"},
		{`user.title matches "(unclosed"`, "Invalid regular expression"},
		{`"a"`, "Invalid expression"}, // not a boolean
		{`nil == user.login`, "unknown name"},
		{`b"x" == user.login`, "Invalid expression"},
		{strings.Repeat("a", MaxLength+1), "longer than"},
	} {
		_, err := Parse(tc.src)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%.40s) = %v, want an *Error", tc.src, err)
			continue
		}
		if !strings.Contains(e.Reason, tc.reason) {
			t.Errorf("Parse(%.40s): %q, want it to say %q", tc.src, e.Reason, tc.reason)
		}
	}
}

// A quote inside a string never ends it: strings are re-quoted after
// lexing.
func TestStringsStayStrings(t *testing.T) {
	e, err := Parse(`user.title == 'say "hi" || true'`)
	if err != nil {
		t.Fatal(err)
	}
	if e.Match(alice) {
		t.Fatal("the string's content was read as code")
	}
	s := alice
	s.Profile = map[string]any{"title": `say "hi" || true`}
	if !e.Match(s) {
		t.Fatal("the string's content was changed")
	}
}

// FuzzParse: any input is accepted or refused with an *Error, never a
// panic, and an accepted expression evaluates without one.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`user.department == "Engineering"`, `String.stringContains(user.email, "@x") AND NOT user.hasBadge`,
		`isMemberOfAnyGroup("a","b") || user.title matches "(?i).*eng.*"`, `Arrays.contains(user.favoriteColors, 1)`,
		`user.a.b.c == null`, `(((`, `'unterminated`, `user.x ? 1 : 2`, `-user.costCenter < 0`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			var refusal *Error
			if !errors.As(err, &refusal) {
				t.Fatalf("Parse(%q) = %T %v, want an *Error", src, err, err)
			}
			return
		}
		e.Match(alice)
		e.Match(Subject{})
	})
}

// TestValue: profile mapping expressions compute strings, name the
// attributes they read, and refuse what mappings do not have.
func TestValue(t *testing.T) {
	p := Subject{Profile: map[string]any{"firstName": "Ada", "lastName": "Lovelace", "email": "Ada.L@Example.com",
		"login": "ada@example.com", "costCenter": 42.0, "manager": nil}}
	for _, tc := range []struct {
		src, want string
		attrs     []string
	}{
		{`user.email`, "Ada.L@Example.com", []string{"email"}},
		{`String.toLowerCase(user.email)`, "ada.l@example.com", []string{"email"}},
		{`user.firstName + " " + user.lastName`, "Ada Lovelace", []string{"firstName", "lastName"}},
		{`String.substringBefore(user.login, "@")`, "ada", []string{"login"}},
		{`user.costCenter`, "42", []string{"costCenter"}},
		{`user.manager`, "", []string{"manager"}},
		{`user.nickName == null ? user.firstName : user.nickName`, "Ada", []string{"firstName", "nickName"}},
		{`"fixed"`, "fixed", nil},
	} {
		v, err := ParseValue(tc.src)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		got, err := v.Eval(p)
		if err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %q", tc.src, got, err, tc.want)
		}
		if a := v.Attributes(); !slices.Equal(a, tc.attrs) {
			t.Errorf("%s reads %v, want %v", tc.src, a, tc.attrs)
		}
	}
	for src, why := range map[string]string{
		`isMemberOfGroupName("x") ? "a" : "b"`: "not available in profile mappings",
		`String.reverse(user.login)`:           "not a profile mapping function",
		`Convert.toInt(user.costCenter)`:       "Convert functions are not allowed in profile mappings",
		``:                                     "empty",
		`user.email +`:                         "Invalid expression",
	} {
		if _, err := ParseValue(src); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: %v, want an error saying %q", src, err, why)
		}
	}
	// Attributes are untyped until run: a type error shows at Eval.
	v, err := ParseValue(`1 - user.firstName`)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := v.Eval(p); err == nil {
		t.Errorf("1 - a string evaluated to %q without an error", got)
	}
}
