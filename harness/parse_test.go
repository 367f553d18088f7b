package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// want is one expected problem: its exact position and a substring of its
// message; hint, when set, is a substring of the hint.
type want struct {
	pos, msg, hint string
}

// invalidCases lists every file in testdata/invalid with all of its
// problems (exactly these, no others).
var invalidCases = map[string][]want{
	"syntax.yaml":            {{"3:47", "YAML syntax error: ',' or ']' must be specified", ""}},
	"tab_indent.yaml":        {{"3:1", "YAML syntax error", "indent with spaces"}},
	"duplicate_key.yaml":     {{"4:1", `duplicate key "name"`, "first defined at 1:1"}},
	"empty.yaml":             {{"1:1", "empty scenario", ""}},
	"two_documents.yaml":     {{"5:1", "more than one YAML document", ""}},
	"unknown_top_level.yaml": {{"2:1", `unknown field "stepz"`, `did you mean "steps"?`}},
	"misspelled_step.yaml":   {{"5:5", `unknown field "assing" in steps[0]`, `did you mean "assign"?`}},
	"unknown_step.yaml": {{"4:5", `unknown field "provisionEverything" in steps[1]`,
		"a step has one action, one of: testApiCredentials, saveToApp, setUserNameFormat"}},
	"unknown_nested_field.yaml": {
		{"5:27", `unknown field "gruop" in steps[0].assign`, `did you mean "group"?`},
		{"8:9", `unknown field "appuser" in steps[0].expect.okta`, `did you mean "appUsers"?`},
		{"9:5", `unknown field "okta" in steps[1]`, "checks go under expect"},
	},
	"wrong_types.yaml": {
		{"2:7", "seed must not be negative", ""},
		{"4:23", `people[0].generate.count must be an integer, not "many"`, ""},
		{"5:9", `groups must be a list, not "atlassian-test-jira-users"`, ""},
		{"9:21", `steps[0].expect.okta.tasks must be an integer, not "none"`, ""},
	},
	"two_actions.yaml": {{"8:5", `step has 2 actions, "assign" and "pushGroup"`, "split them into two steps"}},
	"unknown_person_assign.yaml": {
		{"5:20", `unknown person "alcie"`, `did you mean "alice"?`},
		{"6:17", `unknown person "zed"`, "people: alice"},
		{"7:20", `"generated" stands for all generated people and is not allowed here`, ""},
	},
	"unknown_person_expect.yaml": {
		{"9:27", `unknown person "bob"`, "people: alice, user1…user3"},
		{"10:56", `person "user4" is out of range (4 > 3)`, "people[1] generates user1…user3"},
		{"12:39", `unknown person "carol"`, ""},
		{"13:57", `unknown person "dave"`, ""},
		{"13:63", `"generated" stands for all generated people and is not allowed here`, ""},
		{"15:26", `unknown person "erin"`, ""},
	},
	"unknown_group_member.yaml": {
		{"6:22", `unknown person "bob"`, ""},
		{"6:27", `"generated": no people are generated`, "generate: {count, domain}"},
	},
	"unknown_group.yaml": {
		{"5:24", `unknown group "atlassian-test-jira-user"`, `did you mean "atlassian-test-jira-users"?`},
		{"6:14", `unknown group "nowhere"`, "groups: atlassian-test-jira-users"},
		{"7:21", `unknown group "atlassian-test-confluence-users"`, ""},
		{"9:32", `unknown group "jira-users"`, `keeps its declared name as its ref: use "atlassian-test-jira-users"`},
	},
	"bad_product.yaml": {
		{"5:18", `unknown product "jira"`, "one of jira-software, jira-servicedesk, confluence, bitbucket"},
		{"9:68", `unknown product "confluance"`, `did you mean "confluence"?`},
	},
	"bad_timeout.yaml": {{"2:10", `timeout "5 minutes" is not a duration`, "30s"}},
	"bad_okta_settings.yaml": {
		{"3:9", `pace "slowly": want instant, okta, fixed:DURATION (fixed:500ms) or uniform:MIN-MAX (uniform:0s-2s)`, "instant (the default), okta"},
		{"4:15", `rate limits "okta*fast": the factor after okta* must be a positive number`, "off (the default), okta, or okta*0.1"},
		{"5:23", `okta.app.importGroups must be true or false, not "maybe"`, ""},
	},
	"bad_sync_password.yaml": {
		{"4:83", "passwordSeed applies only with syncPassword: true", "add syncPassword: true"},
		{"4:97", `passwordSeed "okta" is not one of OKTA, RANDOM`, `did you mean "OKTA"?`},
		{"8:123", `passwordChange "KEEP" is not one of CHANGE, KEEP_EXISTING`, ""},
		{"9:28", `unknown person "anne"`, `did you mean "ann"?`},
		{"10:43", "password must not be empty", "leave password out"},
	},
	"duplicate_login.yaml": {
		{"5:10", `duplicate ref "alice" (also at people[0].ref)`, ""},
		{"6:12", `duplicate login "Alice@Example.com" (also at people[0].login)`, ""},
	},
	"bad_enums.yaml": {
		{"4:17", `deleteMode "delete" is not one of record, deactivate`, ""},
		{"5:18", `groupRename "allow" is not one of ignore, reject`, ""},
		{"6:21", `groupCollision "merge" is not one of conflict, accept-unsynced`, ""},
		{"8:52", `status "suspended" is not one of active, staged`, ""},
		{"14:35", `status "ACTIVE" is not one of STAGED, PROVISIONED, DEPROVISIONED`, ""},
		{"14:54", `syncState "SYNCED" is not one of DISABLED, OUT_OF_SYNC, SYNCING, SYNCHRONIZED, ERROR`, ""},
		{"14:74", `externalId "yes" is not one of present, absent`, ""},
		{"16:55", `status "suspended" is not one of active, deactivated`, ""},
		{"18:25", `method "post" is not one of GET, POST, PUT, PATCH, DELETE`, `did you mean "POST"?`},
		{"18:41", `resource "User" is not one of Users, Groups`, `did you mean "Users"?`},
	},
	"generate_count.yaml": {
		{"3:15", "people[0].generate.domain is required", ""},
		{"3:23", "generate.count must be within 1…1000000, not 0", ""},
		{"4:23", "generate.count must be within 1…1000000, not 1000001", ""},
	},
	"missing_name.yaml":      {{"1:1", "name is required", ""}},
	"no_steps.yaml":          {{"1:1", "steps are required", ""}},
	"step_does_nothing.yaml": {{"3:5", "step does nothing", "give one action"}},
	"grant_without_site.yaml": {{"7:18", "grantAccess needs a site: there are 2 sites",
		"add site: one of acme.atlassian.net, acme-wiki.atlassian.net"}},
	"unknown_site.yaml": {
		{"6:59", `unknown site "acme.atlasian.net"`, `did you mean "acme.atlassian.net"?`},
		{"7:39", `site "acme.atlassian.net" has no confluence`, "site products: jira-software"},
	},
	"bad_username_format.yaml": {
		{"4:21", `userNameFormat "e-mail" is not login, email or an attribute name`, ""},
		{"5:19", `"work email" is not a profile attribute name`, ""},
		{"7:24", `userNameFormat "first.last" is not login, email or an attribute name`, ""},
	},
	"generated_out_of_range.yaml": {
		{"5:20", `person "user11" is out of range (11 > 10)`, "people[0] generates user1…user10"},
		{"6:20", `unknown person "user05"`, ""},
	},
	"generate_with_login.yaml": {
		{"3:5", "login cannot be set on a generate entry", "generate.attributes"},
		{"4:60", "login cannot be set for generated people", ""},
		{"4:83", "attributes.secondEmail: unknown placeholder {nope}", ""},
		{"5:10", `ref "user1" is also a generated ref (people[0] generates user1…user2)`, ""},
	},
	"assign_user_and_group.yaml": {
		{"7:34", "assign takes a user or a group, not both", ""},
		{"8:15", "unassign needs a user or a group", ""},
	},
	// Every problem of a file at once: the shape check's and the rest.
	"several_problems.yaml": {
		{"7:5", `unknown field "assing" in steps[0]`, `did you mean "assign"?`},
		{"8:20", `unknown person "alcie"`, `did you mean "alice"?`},
		{"9:24", `unknown group "g2"`, `did you mean "g1"?`},
		{"13:20", `unknown person "bob"`, "people: alice"},
		{"13:33", `status "gone" is not one of active, deactivated`, ""},
		{"14:17", "steps[3].deactivate must be a string, not a list", ""},
	},
	"account_expect.yaml": {
		{"9:20", "an account is named by email or by user, not both", ""},
		{"10:13", "an account expectation needs a user or an email", "{user: user2}"},
		{"11:20", `person "user3" is out of range (3 > 2)`, ""},
	},
	"missing_values.yaml": {
		{"4:7", `site "acme.atlassian.net" needs products`, ""},
		{"6:15", `"not-an-email" is not an email address`, ""},
		{"8:5", "person needs a login", ""},
		{"10:5", "groups[0].name is required", ""},
		{"12:16", "steps[0].pushGroup.group is required", ""},
		{"13:20", "updateProfile needs attributes to set", ""},
		{"14:40", `"nowhere" is not an email address`, ""},
	},
}

func TestInvalidScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil || len(files) < 20 {
		t.Fatalf("want at least 20 invalid scenarios, have %d (%v)", len(files), err)
	}
	for _, f := range files {
		if _, ok := invalidCases[filepath.Base(f)]; !ok {
			t.Errorf("%s has no entry in invalidCases", f)
		}
	}
	for name, wants := range invalidCases {
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			path := filepath.Join("testdata", "invalid", name)
			s, err := ParseFile(path)
			if err == nil {
				t.Fatalf("parsed: %+v", s)
			}
			var ps *Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error is %T, not *Problems: %v", err, err)
			}
			got := *ps
			for _, w := range wants {
				found := false
				for _, p := range got {
					if fmt.Sprintf("%d:%d", p.Line, p.Column) == w.pos && strings.Contains(p.Message, w.msg) &&
						strings.Contains(p.Hint, w.hint) {
						found = true
						if p.File != path {
							t.Errorf("problem file %q, want %q", p.File, path)
						}
					}
				}
				if !found {
					t.Errorf("missing %s:%s: %s (hint: %s)\ngot:\n%v", path, w.pos, w.msg, w.hint, err)
				}
			}
			if len(got) != len(wants) {
				t.Errorf("%d problems, want %d:\n%v", len(got), len(wants), err)
			}
			if !sort.SliceIsSorted(got, func(i, j int) bool {
				return got[i].Line < got[j].Line || got[i].Line == got[j].Line && got[i].Column < got[j].Column
			}) {
				t.Errorf("problems not in position order:\n%v", err)
			}
		})
	}
}

func TestProblemFormat(t *testing.T) {
	_, err := ParseFile("testdata/invalid/misspelled_step.yaml")
	wantLine := `testdata/invalid/misspelled_step.yaml:5:5: unknown field "assing" in steps[0] (hint: did you mean "assign"?)`
	if err == nil || err.Error() != wantLine {
		t.Errorf("got  %v\nwant %s", err, wantLine)
	}
	ps := &Problems{
		{File: "a.yaml", Line: 1, Column: 2, Message: "one"},
		{File: "a.yaml", Message: "no position", Hint: "h"},
	}
	if got := ps.Error(); got != "a.yaml:1:2: one\na.yaml: no position (hint: h)" {
		t.Errorf("Error() = %q", got)
	}
}

func TestValidScenarios(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no valid scenarios")
	}
	for _, f := range files {
		if _, err := ParseFile(f); err != nil {
			t.Errorf("%s:\n%v", f, err)
		}
	}
	s, err := ParseFile("testdata/valid/guide.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "Configure user provisioning with Okta" || s.Seed != 42 || len(s.Steps) != 13 {
		t.Errorf("guide: name %q seed %d steps %d", s.Name, s.Seed, len(s.Steps))
	}
	if got := s.Steps[5].Action(); got != "pushGroup" {
		t.Errorf("steps[5].Action() = %q", got)
	}
	if s.TimeoutDuration().String() != "30s" {
		t.Errorf("TimeoutDuration = %v", s.TimeoutDuration())
	}
	// "import:" with no value is still the import action.
	m, err := ParseFile("testdata/valid/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if m.Steps[0].Import == nil || m.Steps[0].Action() != "import" {
		t.Errorf("minimal: import not set: %+v", m.Steps[0])
	}
}

func TestParseAnchorsAndMergeKeys(t *testing.T) {
	src := "name: anchors\npeople: [{ref: alice, login: alice@example.com}]\nsteps:\n" +
		"  - assign: &a {user: alice}\n  - unassign: *a\n  - assign:\n      <<: *a\n"
	s, err := Parse("anchors.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.Steps[1].Unassign == nil || s.Steps[1].Unassign.User != "alice" || s.Steps[2].Assign.User != "alice" {
		t.Errorf("aliases not decoded: %+v %+v", s.Steps[1], s.Steps[2])
	}
}

func TestValidateWithoutSource(t *testing.T) {
	s := &Scenario{Steps: []Step{{Assign: &AssignStep{User: "nobody"}}}}
	err := Validate(s, "mem.yaml", nil)
	var ps *Problems
	if !errors.As(err, &ps) || len(*ps) != 2 {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "mem.yaml: name is required") ||
		!strings.Contains(err.Error(), `mem.yaml: unknown person "nobody"`) {
		t.Errorf("got %v", err)
	}
	// Validate with the source finds positions itself.
	data := []byte("name: x\nsteps:\n  - assign: {user: nobody}\n")
	s = &Scenario{Name: "x", Steps: []Step{{Assign: &AssignStep{User: "nobody"}}}}
	if err := Validate(s, "x.yaml", data); err == nil || !strings.HasPrefix(err.Error(), "x.yaml:3:20: unknown person") {
		t.Errorf("got %v", err)
	}
	if err := Validate(&Scenario{Name: "ok", Steps: []Step{{Import: &struct{}{}}}}, "ok.yaml", nil); err != nil {
		t.Errorf("valid scenario: %v", err)
	}
}

func TestValidateFiles(t *testing.T) {
	if err := ValidateFiles([]string{"testdata/valid"}); err != nil {
		t.Errorf("valid dir: %v", err)
	}
	err := ValidateFiles([]string{"testdata/invalid", "testdata/valid/guide.yaml", "testdata/nope.yaml"})
	var ps *Problems
	if !errors.As(err, &ps) {
		t.Fatalf("got %T %v", err, err)
	}
	files := map[string]bool{}
	var order []string
	for _, p := range *ps {
		if !files[p.File] {
			files[p.File] = true
			order = append(order, p.File)
		}
	}
	if len(order) != len(invalidCases)+1 {
		t.Errorf("problems in %d files, want %d: %v", len(order), len(invalidCases)+1, order)
	}
	if !sort.StringsAreSorted(order[:len(order)-1]) || order[len(order)-1] != "testdata/nope.yaml" {
		t.Errorf("files out of order: %v", order)
	}
	if files["testdata/valid/guide.yaml"] {
		t.Error("guide.yaml has problems")
	}
}

func TestClosestName(t *testing.T) {
	kinds := StepKinds()
	for in, want := range map[string]string{
		"assing": "assign", "asign": "assign", "pushgroup": "pushGroup", "deactivte": "deactivate",
		"grantAcces": "grantAccess", "zzz": "", "sos": "sso", "imprt": "import",
	} {
		if got := closestName(in, kinds); got != want {
			t.Errorf("closestName(%q) = %q, want %q", in, got, want)
		}
	}
	if d := editDist("assing", "assign"); d != 1 {
		t.Errorf("editDist(assing, assign) = %d, want 1 (a transposition)", d)
	}
}

// ---- the JSON Schema ----

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("scenario.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("scenario.schema.json: %v", err)
	}
	return s
}

// resolve follows a local $ref.
func resolve(root, s map[string]any) map[string]any {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		name, _ := strings.CutPrefix(ref, "#/$defs/")
		s, _ = root["$defs"].(map[string]any)[name].(map[string]any)
		if s == nil {
			return map[string]any{}
		}
	}
}

func schemaTypes(s map[string]any) []string {
	switch v := s["type"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

// TestSchemaMatchesTypes walks the Go types by their yaml tags and the
// schema side by side: every field is in the schema with a matching type,
// every schema property is a field, and objects forbid other keys.
func TestSchemaMatchesTypes(t *testing.T) {
	root := loadSchema(t)
	if root["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", root["$schema"])
	}
	seen := map[reflect.Type]bool{}
	var walk func(gt reflect.Type, s map[string]any, path string)
	walk = func(gt reflect.Type, s map[string]any, path string) {
		s = resolve(root, s)
		for gt.Kind() == reflect.Pointer {
			gt = gt.Elem()
		}
		types := schemaTypes(s)
		wantType := map[reflect.Kind]string{
			reflect.Struct: "object", reflect.Map: "object", reflect.Slice: "array", reflect.String: "string",
			reflect.Bool: "boolean", reflect.Int: "integer", reflect.Uint64: "integer",
		}[gt.Kind()]
		if gt.Kind() == reflect.Interface {
			return
		}
		if len(types) == 0 && s["enum"] != nil && wantType == "string" {
			types = []string{"string"} // an enum of strings
		}
		if !slices.Contains(types, wantType) {
			t.Errorf("%s: schema type %v, Go %s wants %q", path, types, gt, wantType)
		}
		switch gt.Kind() {
		case reflect.Slice:
			items, _ := s["items"].(map[string]any)
			if items == nil {
				t.Errorf("%s: array without items", path)
				return
			}
			walk(gt.Elem(), items, path+"[]")
		case reflect.Map:
			if gt.Elem().Kind() == reflect.String {
				ap, _ := s["additionalProperties"].(map[string]any)
				if ap == nil || ap["type"] != "string" {
					t.Errorf("%s: map of strings needs additionalProperties {type: string}", path)
				}
			}
		case reflect.Struct:
			if s["additionalProperties"] != false {
				t.Errorf("%s: additionalProperties must be false", path)
			}
			if seen[gt] {
				return
			}
			seen[gt] = true
			props, _ := s["properties"].(map[string]any)
			keys := map[string]bool{}
			for _, f := range yamlFields(gt) {
				keys[f.key] = true
				ps, ok := props[f.key].(map[string]any)
				if !ok {
					t.Errorf("%s.%s (%s) is missing from the schema", path, f.key, gt.Name())
					continue
				}
				if resolve(root, ps)["description"] == nil && ps["description"] == nil {
					t.Errorf("%s.%s has no description", path, f.key)
				}
				walk(f.typ, ps, path+"."+f.key)
			}
			for k := range props {
				if !keys[k] {
					t.Errorf("%s.%s is in the schema but not in %s", path, k, gt.Name())
				}
			}
		}
	}
	walk(reflect.TypeFor[Scenario](), root, "$")
	if !seen[reflect.TypeFor[RequestMatch]()] || !seen[reflect.TypeFor[GenerateSpec]()] {
		t.Error("walk did not reach every type")
	}

	// The enums are the validator's.
	defs := root["$defs"].(map[string]any)
	enum := func(def, prop string) []string {
		p := resolve(root, defs[def].(map[string]any)["properties"].(map[string]any)[prop].(map[string]any))
		var out []string
		for _, v := range p["enum"].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	for _, c := range []struct {
		def, prop string
		want      []string
	}{
		{"SiteSpec", "products", nil}, {"AccessStep", "product", productKeys}, {"PersonSpec", "status", personStatuses},
		{"AtlassianSwitches", "deleteMode", deleteModes}, {"AtlassianSwitches", "groupRename", groupRenames},
		{"AtlassianSwitches", "groupCollision", groupCollisions}, {"AppUserExpect", "status", appUserStatuses},
		{"AppUserExpect", "syncState", syncStates}, {"AppUserExpect", "externalId", externalIDStates},
		{"PushedGroupExpect", "status", pushStatuses}, {"AccountExpect", "status", accountStatuses},
		{"RequestMatch", "method", scimMethods}, {"RequestMatch", "resource", scimResources},
	} {
		if c.want == nil {
			continue
		}
		if got := enum(c.def, c.prop); !slices.Equal(got, c.want) {
			t.Errorf("%s.%s enum %v, want %v", c.def, c.prop, got, c.want)
		}
	}
	// Step's oneOf names every action.
	var oneOf []string
	for _, alt := range defs["Step"].(map[string]any)["oneOf"].([]any) {
		if req, ok := alt.(map[string]any)["required"].([]any); ok && req[0] != "expect" {
			oneOf = append(oneOf, req[0].(string))
		}
	}
	if !slices.Equal(oneOf, StepKinds()) {
		t.Errorf("Step oneOf %v, want %v", oneOf, StepKinds())
	}
}

// schemaCheck is a small JSON Schema validator for the keywords the
// scenario schema uses; it returns the first few violations.
type schemaCheck struct {
	root map[string]any
	errs []string
}

func (c *schemaCheck) fail(path, format string, args ...any) {
	c.errs = append(c.errs, path+": "+fmt.Sprintf(format, args...))
}

func (c *schemaCheck) valid(s any, v any, path string) bool {
	n := len(c.errs)
	c.check(s, v, path)
	ok := len(c.errs) == n
	c.errs = c.errs[:n]
	return ok
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "?"
}

func (c *schemaCheck) check(sv any, v any, path string) {
	if b, ok := sv.(bool); ok {
		if !b {
			c.fail(path, "not allowed")
		}
		return
	}
	s := sv.(map[string]any)
	if ref, ok := s["$ref"].(string); ok {
		name, _ := strings.CutPrefix(ref, "#/$defs/")
		c.check(c.root["$defs"].(map[string]any)[name], v, path)
	}
	if ts := schemaTypes(s); ts != nil {
		jt := jsonType(v)
		if !slices.Contains(ts, jt) && !(jt == "integer" && slices.Contains(ts, "number")) {
			c.fail(path, "type %s, want %v", jt, ts)
			return
		}
	}
	if e, ok := s["enum"].([]any); ok && !slices.Contains(e, v) {
		c.fail(path, "%v not in enum %v", v, e)
	}
	if p, ok := s["pattern"].(string); ok {
		if str, ok := v.(string); ok && !regexp.MustCompile(p).MatchString(str) {
			c.fail(path, "%q does not match %s", str, p)
		}
	}
	if m, ok := s["minimum"].(float64); ok {
		if f, ok := v.(float64); ok && f < m {
			c.fail(path, "%v < minimum %v", f, m)
		}
	}
	if m, ok := s["maximum"].(float64); ok {
		if f, ok := v.(float64); ok && f > m {
			c.fail(path, "%v > maximum %v", f, m)
		}
	}
	if arr, ok := v.([]any); ok {
		if m, ok := s["minItems"].(float64); ok && float64(len(arr)) < m {
			c.fail(path, "fewer than %v items", m)
		}
		if items, ok := s["items"]; ok {
			for i, x := range arr {
				c.check(items, x, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	if obj, ok := v.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		for _, r := range asSlice(s["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				c.fail(path, "missing %s", r)
			}
		}
		if m, ok := s["minProperties"].(float64); ok && float64(len(obj)) < m {
			c.fail(path, "fewer than %v properties", m)
		}
		if m, ok := s["maxProperties"].(float64); ok && float64(len(obj)) > m {
			c.fail(path, "more than %v properties", m)
		}
		for _, k := range sortedMapKeys(obj) {
			if pn, ok := s["propertyNames"]; ok {
				c.check(pn, k, path+"."+k+" (name)")
			}
			if ps, ok := props[k]; ok {
				c.check(ps, obj[k], path+"."+k)
			} else if ap, ok := s["additionalProperties"]; ok {
				c.check(ap, obj[k], path+"."+k)
			}
		}
	}
	if _, ok := s["const"]; ok && !reflect.DeepEqual(s["const"], v) {
		c.fail(path, "not %v", s["const"])
	}
	if not, ok := s["not"]; ok && c.valid(not, v, path) {
		c.fail(path, "matches not")
	}
	if anyOf := asSlice(s["anyOf"]); anyOf != nil && !slices.ContainsFunc(anyOf, func(a any) bool { return c.valid(a, v, path) }) {
		c.fail(path, "matches none of anyOf")
	}
	if oneOf := asSlice(s["oneOf"]); oneOf != nil {
		n := 0
		for _, a := range oneOf {
			if c.valid(a, v, path) {
				n++
			}
		}
		if n != 1 {
			c.fail(path, "matches %d of oneOf, want 1", n)
		}
	}
	if cond, ok := s["if"]; ok && c.valid(cond, v, path) {
		if then, ok := s["then"]; ok {
			c.check(then, v, path)
		}
	}
}

func asSlice(v any) []any { x, _ := v.([]any); return x }

func schemaErrors(t *testing.T, root map[string]any, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	j, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var v any
	_ = json.Unmarshal(j, &v)
	c := &schemaCheck{root: root}
	c.check(root, v, "$")
	return c.errs
}

// TestSchemaAcceptsValidScenarios checks the valid scenarios (and the
// repository's scenarios/) against the schema, and that the schema rejects
// invalid ones that it can catch.
func TestSchemaAcceptsValidScenarios(t *testing.T) {
	root := loadSchema(t)
	valid, _ := filepath.Glob("testdata/valid/*.yaml")
	more, _ := filepath.Glob("../scenarios/*.yaml")
	for _, f := range append(valid, more...) {
		if errs := schemaErrors(t, root, f); len(errs) > 0 {
			t.Errorf("%s does not match the schema:\n%s", f, strings.Join(errs, "\n"))
		}
	}
	for _, name := range []string{"unknown_top_level", "misspelled_step", "unknown_step", "two_actions",
		"bad_enums", "generate_count", "missing_name", "no_steps", "step_does_nothing", "wrong_types",
		"generate_with_login", "assign_user_and_group", "unknown_nested_field", "bad_timeout", "bad_sync_password"} {
		if errs := schemaErrors(t, root, "testdata/invalid/"+name+".yaml"); len(errs) == 0 {
			t.Errorf("%s.yaml matches the schema", name)
		}
	}
}

// TestDocsCoverLanguage checks that docs/scenarios.md names every key and
// every step kind, and that its complete examples parse.
func TestDocsCoverLanguage(t *testing.T) {
	b, err := os.ReadFile("../docs/scenarios.md")
	if err != nil {
		t.Skip("docs/scenarios.md not found:", err)
	}
	doc := string(b)
	for _, k := range allFieldKeys() {
		if !strings.Contains(doc, "`"+k) && !strings.Contains(doc, k+":") {
			t.Errorf("docs/scenarios.md does not mention %q", k)
		}
	}
	for _, k := range StepKinds() {
		if !strings.Contains(doc, "| `"+k+"` |") {
			t.Errorf("docs/scenarios.md has no table row for step %q", k)
		}
	}
	if !strings.Contains(doc, "# yaml-language-server: $schema=../harness/scenario.schema.json") {
		t.Error("docs/scenarios.md does not show the schema modeline")
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(doc, -1)
	full := 0
	for i, m := range blocks {
		src := m[1]
		if !strings.Contains(src, "\nsteps:") || !strings.Contains(src, "\nname:") {
			continue
		}
		full++
		if _, err := Parse(fmt.Sprintf("docs/scenarios.md#%d", i), []byte(src)); err != nil {
			t.Errorf("docs example %d does not parse:\n%v", i, err)
		}
		guide, _ := os.ReadFile("testdata/valid/guide.yaml")
		if strings.Contains(src, "atlassian-test-confluence-users") &&
			strings.Replace(string(guide), "../../scenario.schema.json", "../harness/scenario.schema.json", 1) != src {
			t.Errorf("docs example %d differs from testdata/valid/guide.yaml", i)
		}
	}
	if full == 0 {
		t.Error("docs/scenarios.md has no complete example")
	}
}
