package scim

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// FilterProfile is what a server accepts in the `filter` query parameter.
// Atlassian supports exactly one `eq` on one of a few attributes
// (SCIM-FILTER-1); everything else is a 400.
type FilterProfile struct {
	// Attributes are the canonical names a single `eq` may test.
	Attributes []string
	// Schema is the core schema URN an attribute may optionally be prefixed
	// with (`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`,
	// RFC 7644 §3.10). Empty means no prefix is accepted.
	Schema string
}

// Atlassian's filter profiles (SCIM-FILTER-1): users by userName
// or externalId, groups by displayName.
var (
	AtlassianUserFilters  = FilterProfile{Attributes: []string{"userName", "externalId"}, Schema: UserSchema}
	AtlassianGroupFilters = FilterProfile{Attributes: []string{"displayName"}, Schema: GroupSchema}
)

// EqFilter is the only filter shape the profiles accept: Attribute eq "Value".
type EqFilter struct {
	Attribute string // canonical name from the profile
	Value     string // the compare value, JSON escapes decoded
}

// ParseFilter parses expr with the full RFC 7644 §3.4.2.2 grammar, then lets
// the profile decide whether the server supports it. Parsing the whole
// grammar first keeps the two failure modes apart: a syntax error and a
// well-formed but unsupported filter are both 400 invalidFilter, but with
// different details. Surrounding whitespace is trimmed (the grammar itself
// rejects a trailing space; real servers are unlikely to be that strict).
func ParseFilter(expr string, p FilterProfile) (*EqFilter, error) {
	e, err := ParseFilterExpression(expr)
	if err != nil {
		return nil, err
	}
	ae, ok := e.(*filter.AttributeExpression)
	if !ok || ae.Operator != filter.EQ || ae.AttributePath.SubAttribute != nil {
		return nil, p.unsupported()
	}
	if uri := ae.AttributePath.URI(); uri != "" && (p.Schema == "" || !equalFold(uri, p.Schema)) {
		return nil, p.unsupported()
	}
	value, ok := ae.CompareValue.(string)
	if !ok {
		return nil, p.unsupported()
	}
	for _, name := range p.Attributes {
		if equalFold(name, ae.AttributePath.AttributeName) {
			return &EqFilter{Attribute: name, Value: value}, nil
		}
	}
	return nil, p.unsupported()
}

// unsupported is the 400 for a well-formed filter the profile rejects; the
// detail lists what is supported.
func (p FilterProfile) unsupported() *Error {
	if len(p.Attributes) == 0 {
		return Invalid(TypeInvalidFilter, "Unsupported filter: filtering is not supported")
	}
	forms := make([]string, len(p.Attributes))
	for i, a := range p.Attributes {
		forms[i] = fmt.Sprintf(`'%s eq "..."'`, a)
	}
	verb := "is"
	if len(forms) > 1 {
		verb = "are"
	}
	return Invalid(TypeInvalidFilter, "Unsupported filter: only %s %s supported", strings.Join(forms, " or "), verb)
}

// ParseFilterExpression parses a filter with the full RFC 7644 §3.4.2.2
// grammar and decodes the JSON escapes in string compare values (the library
// returns them raw: `"a\"b"` comes back as `a\"b`). A syntax error is 400
// invalidFilter. The result can be evaluated with Match.
func ParseFilterExpression(expr string) (filter.Expression, error) {
	if e, ok := fastFilter(strings.TrimSpace(expr)); ok {
		return e, nil
	}
	e, err := parseFilterSafe(strings.TrimSpace(expr))
	if err != nil {
		return nil, Invalid(TypeInvalidFilter, "Invalid filter: could not parse %q", expr)
	}
	decodeStrings(e)
	return e, nil
}

// parseFilterSafe calls the library and turns a panic inside it into an
// error: the library is third-party and the input is untrusted.
func parseFilterSafe(s string) (e filter.Expression, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("filter parser panic: %v", r)
		}
	}()
	if s == "" {
		return nil, fmt.Errorf("empty filter")
	}
	return filter.ParseFilter([]byte(s))
}

// parsePathSafe is parseFilterSafe for PATCH paths.
func parsePathSafe(s string) (p filter.Path, err error) {
	if fp, ok := fastPath(s); ok {
		return fp, nil
	}
	defer func() {
		if r := recover(); r != nil {
			p, err = filter.Path{}, fmt.Errorf("path parser panic: %v", r)
		}
	}()
	if s == "" {
		return filter.Path{}, fmt.Errorf("empty path")
	}
	p, err = filter.ParsePath([]byte(s))
	if err == nil {
		decodeStrings(p.ValueExpression)
	}
	return p, err
}

// decodeStrings rewrites every string compare value in e from its raw
// grammar form to the decoded string, in place.
func decodeStrings(e filter.Expression) {
	switch x := e.(type) {
	case *filter.AttributeExpression:
		if s, ok := x.CompareValue.(string); ok {
			var d string
			if json.Unmarshal([]byte(`"`+s+`"`), &d) == nil {
				x.CompareValue = d
			}
		}
	case *filter.LogicalExpression:
		decodeStrings(x.Left)
		decodeStrings(x.Right)
	case *filter.NotExpression:
		decodeStrings(x.Expression)
	case *filter.ValuePath:
		decodeStrings(x.ValueFilter)
	}
}

// Match evaluates a filter against one JSON object (a resource, or one
// element of a multi-valued attribute when used for PATCH value paths such as
// `members[value eq "id"]`). Attribute names are case-insensitive.
//
// Supported: eq, ne, co, sw, ew, pr, gt, ge, lt, le, and, or, not, and
// nested value paths (`emails[type eq "work"]`). Comparison rules, kept
// deliberately simple:
//   - strings compare case-insensitively, except when the compared attribute
//     (the sub-attribute if there is one) is named "value": member and group
//     ids are caseExact, so `members[value eq "ABC"]` does not match "abc";
//   - booleans compare as booleans; the strings "true"/"false" (any case, as
//     Entra sends them) are accepted on either side;
//   - numbers compare numerically; gt/ge/lt/le on strings are lexicographic;
//   - `eq null` matches an absent attribute; pr means present and non-empty;
//   - an attribute that holds several values (a multi-valued attribute or
//     `emails.value`) matches when any value matches; `ne` is the negation of
//     `eq`. A complex value compared without a sub-attribute is compared
//     through its "value" sub-attribute (RFC 7644 §3.4.2.2).
func Match(expr filter.Expression, elem map[string]any) bool {
	switch e := expr.(type) {
	case *filter.AttributeExpression:
		return e != nil && matchAttr(e, elem)
	case *filter.LogicalExpression:
		return e != nil && matchLogical(e, elem)
	case *filter.NotExpression:
		return e != nil && e.Expression != nil && !Match(e.Expression, elem)
	case *filter.ValuePath:
		return e != nil && matchValuePath(e, elem)
	}
	return false
}

func matchLogical(e *filter.LogicalExpression, elem map[string]any) bool {
	if e.Left == nil || e.Right == nil {
		return false
	}
	if strings.EqualFold(string(e.Operator), string(filter.OR)) {
		return Match(e.Left, elem) || Match(e.Right, elem)
	}
	return Match(e.Left, elem) && Match(e.Right, elem)
}

func matchValuePath(e *filter.ValuePath, elem map[string]any) bool {
	if e.ValueFilter == nil {
		return false
	}
	for _, v := range attrValues(elem, e.AttributePath, false) {
		if m, ok := v.(map[string]any); ok && Match(e.ValueFilter, m) {
			return true
		}
	}
	return false
}

// attrValues returns the values path designates in elem, flattening arrays.
// With toValue, a complex value reached without a sub-attribute stands for
// its "value" sub-attribute.
func attrValues(elem map[string]any, path filter.AttributePath, toValue bool) []any {
	container := elem
	if uri := path.URI(); uri != "" {
		// An extension attribute lives under its schema URN; a core-URN
		// prefix names an attribute of elem itself.
		if _, v, ok := lookupKey(elem, uri); ok {
			if m, ok := v.(map[string]any); ok {
				container = m
			}
		}
	}
	_, v, ok := lookupKey(container, path.AttributeName)
	if !ok || v == nil {
		return nil
	}
	var vals []any
	if arr, ok := v.([]any); ok {
		vals = arr
	} else {
		vals = []any{v}
	}
	var out []any
	for _, x := range vals {
		if path.SubAttribute != nil {
			if m, ok := x.(map[string]any); ok {
				if _, sv, ok := lookupKey(m, *path.SubAttribute); ok && sv != nil {
					out = append(out, sv)
				}
			}
			continue
		}
		if m, ok := x.(map[string]any); ok && toValue {
			if _, sv, ok := lookupKey(m, "value"); ok && sv != nil {
				out = append(out, sv)
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

func matchAttr(e *filter.AttributeExpression, elem map[string]any) bool {
	vals := attrValues(elem, e.AttributePath, true)
	op := filter.CompareOperator(strings.ToLower(string(e.Operator)))
	switch op {
	case filter.PR:
		for _, v := range vals {
			if present(v) {
				return true
			}
		}
		return false
	case filter.EQ, filter.NE:
		eq := false
		if e.CompareValue == nil {
			eq = len(vals) == 0
		}
		last := e.AttributePath.AttributeName
		if e.AttributePath.SubAttribute != nil {
			last = *e.AttributePath.SubAttribute
		}
		exact := equalFold(last, "value")
		for _, v := range vals {
			if compare(v, filter.EQ, e.CompareValue, exact) {
				eq = true
				break
			}
		}
		return eq == (op == filter.EQ)
	}
	last := e.AttributePath.AttributeName
	if e.AttributePath.SubAttribute != nil {
		last = *e.AttributePath.SubAttribute
	}
	exact := equalFold(last, "value")
	for _, v := range vals {
		if compare(v, op, e.CompareValue, exact) {
			return true
		}
	}
	return false
}

// present reports whether v counts as a value for `pr` (RFC 7644 §3.4.2.2:
// non-null, non-empty).
func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// compare applies op to an attribute value and a filter compare value.
func compare(v any, op filter.CompareOperator, cv any, exact bool) bool {
	switch c := cv.(type) {
	case nil:
		return op == filter.EQ && v == nil
	case bool:
		b, ok := asBool(v)
		return ok && op == filter.EQ && b == c
	case string:
		switch x := v.(type) {
		case string:
			return compareStrings(x, op, c, exact)
		case bool:
			b, ok := asBool(c)
			return ok && op == filter.EQ && b == x
		}
		return false
	}
	if c, ok := asNumber(cv); ok {
		if x, ok := asNumber(v); ok {
			switch op {
			case filter.EQ:
				return x == c
			case filter.GT:
				return x > c
			case filter.GE:
				return x >= c
			case filter.LT:
				return x < c
			case filter.LE:
				return x <= c
			}
		}
	}
	return false
}

func compareStrings(a string, op filter.CompareOperator, b string, exact bool) bool {
	if !exact {
		a, b = strings.ToLower(a), strings.ToLower(b)
	}
	switch op {
	case filter.EQ:
		return a == b
	case filter.CO:
		return strings.Contains(a, b)
	case filter.SW:
		return strings.HasPrefix(a, b)
	case filter.EW:
		return strings.HasSuffix(a, b)
	case filter.GT:
		return a > b
	case filter.GE:
		return a >= b
	case filter.LT:
		return a < b
	case filter.LE:
		return a <= b
	}
	return false
}

// asBool accepts JSON booleans and the strings "true"/"false" in any case.
func asBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch {
		case equalFold(x, "true"):
			return true, true
		case equalFold(x, "false"):
			return false, true
		}
	}
	return false, false
}

func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x)
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// lookupKey finds name in m case-insensitively, preferring an exact match.
func lookupKey(m map[string]any, name string) (string, any, bool) {
	if v, ok := m[name]; ok {
		return name, v, true
	}
	// Several case variants of one key cannot come from our own marshalling;
	// pick the smallest so the choice is at least deterministic.
	found := false
	var key string
	for k := range m {
		if equalFold(k, name) && (!found || k < key) {
			key, found = k, true
		}
	}
	if !found {
		return "", nil, false
	}
	return key, m[key], true
}
