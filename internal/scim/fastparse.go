package scim

import (
	"encoding/json"
	"regexp"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// Fast paths for the filter and PATCH path shapes clients send on every
// request (`userName eq "…"`, `members[value eq "…"]`, `active`). The
// library parses the full grammar with a general-purpose parser that costs
// ~100 µs a call; these recognise the simple shapes with one regular
// expression and build the very AST the library would. Anything else falls
// through to the library, which stays the authority; TestFastParseMatches
// Library holds the two to the same results.

const attrName = `[A-Za-z][-_A-Za-z0-9]*`

var (
	simpleFilterRE = regexp.MustCompile(`^(` + attrName + `)(?:\.(` + attrName + `))? ([A-Za-z]{2}) ("(?:[^"\\]|\\[^u])*")$`)
	simplePathRE   = regexp.MustCompile(`^(` + attrName + `)(?:\.(` + attrName + `))?$`)
	valuePathRE    = regexp.MustCompile(`^(` + attrName + `)\[(` + attrName + `(?:\.` + attrName + `)? [A-Za-z]{2} "(?:[^"\\]|\\[^u])*")\](?:\.(` + attrName + `))?$`)
)

var compareOps = map[string]filter.CompareOperator{
	"eq": filter.EQ, "ne": filter.NE, "co": filter.CO, "sw": filter.SW, "ew": filter.EW,
	"gt": filter.GT, "ge": filter.GE, "lt": filter.LT, "le": filter.LE,
}

// fastFilter parses `attr[.sub] op "string"`; ok is false for anything else.
// The returned string value is already JSON-decoded. \u escapes are left to
// the library, which does not accept them.
func fastFilter(s string) (*filter.AttributeExpression, bool) {
	m := simpleFilterRE.FindStringSubmatch(s)
	if m == nil {
		return nil, false
	}
	op, known := compareOps[strings.ToLower(m[3])]
	if !known {
		return nil, false
	}
	var value string
	if err := json.Unmarshal([]byte(m[4]), &value); err != nil {
		return nil, false
	}
	e := &filter.AttributeExpression{AttributePath: filter.AttributePath{AttributeName: m[1]}, Operator: op, CompareValue: value}
	if m[2] != "" {
		sub := m[2]
		e.AttributePath.SubAttribute = &sub
	}
	return e, true
}

// fastPath parses `attr`, `attr.sub`, `attr[simple filter]` and
// `attr[simple filter].sub`.
func fastPath(s string) (filter.Path, bool) {
	if m := simplePathRE.FindStringSubmatch(s); m != nil {
		p := filter.Path{AttributePath: filter.AttributePath{AttributeName: m[1]}}
		if m[2] != "" {
			sub := m[2]
			p.AttributePath.SubAttribute = &sub
		}
		return p, true
	}
	if m := valuePathRE.FindStringSubmatch(s); m != nil {
		inner, ok := fastFilter(m[2])
		if !ok {
			return filter.Path{}, false
		}
		p := filter.Path{AttributePath: filter.AttributePath{AttributeName: m[1]}, ValueExpression: inner}
		if m[3] != "" {
			sub := m[3]
			p.SubAttribute = &sub
		}
		return p, true
	}
	return filter.Path{}, false
}
