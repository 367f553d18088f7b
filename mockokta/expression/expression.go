// Package expression evaluates the subset of Okta Expression Language that
// group rules accept (docs/fidelity.md OAPI-RULES-3, docs/group-rules.md):
// `user.<attribute>`, literals, comparisons, AND/OR/NOT (also &&, ||, !),
// `matches` regular expressions, the String and Arrays functions and the
// group membership functions. The same language, without the group
// functions, gives the value of a profile mapping property (ParseValue,
// OAPI-MAP-2): `String.toLowerCase(user.email)`,
// `user.firstName + " " + user.lastName`, `cond ? a : b`.
//
// Okta's language is Spring Expression Language underneath. An expression
// is lexed with expr-lang's lexer, its Okta spellings are rewritten to
// expr's (AND → and, null → nil, eq → ==, …), and expr-lang parses,
// type-checks and runs it. A visitor refuses every expr construct Okta's
// group rules do not have (builtins, closures, pipes, slices, maps, `in`,
// `??`, …), so an expression Okta would refuse is refused here too, and
// turns `matches` into Java's whole-string match.
package expression

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser/lexer"
	"github.com/expr-lang/expr/vm"
)

// MaxLength bounds an expression's source, as Okta bounds the field (the
// exact limit is not documented; 1,024 leaves room for real rules).
const MaxLength = 1024

// Error is why an expression was refused: Reason is written for the admin
// who typed it.
type Error struct{ Reason string }

func (e *Error) Error() string { return e.Reason }

func refuse(format string, args ...any) *Error { return &Error{fmt.Sprintf(format, args...)} }

// Subject is the person an expression is evaluated for.
type Subject struct {
	// Profile is the user's profile (user.<attribute>).
	Profile map[string]any
	// Internal answers user.getInternalProperty: id, status, created, …
	Internal map[string]any
	// GroupIDs and GroupNames are the groups the user is in.
	GroupIDs   []string
	GroupNames []string
}

// Expression is a parsed group rule condition.
type Expression struct {
	source  string
	program *vm.Program
}

// String is the expression as written.
func (e *Expression) String() string { return e.source }

// The functions group rules may call, by the name written before the
// call: String.x and Arrays.x are members of those roots.
var (
	stringFuncs = []string{"stringContains", "startsWith", "endsWith", "toUpperCase", "toLowerCase", "len",
		"substringBefore", "substringAfter"}
	arrayFuncs = []string{"contains", "isEmpty", "size"}
	groupFuncs = []string{"isMemberOfGroup", "isMemberOfAnyGroup", "isMemberOfGroupName",
		"isMemberOfGroupNameStartsWith", "isMemberOfGroupNameContains", "isMemberOfGroupNameRegex"}
)

// fullMatch is the name `matches` is compiled to.
const fullMatch = "matches__"

// Parse checks a group rule condition and prepares it to run.
func Parse(src string) (*Expression, error) {
	prog, _, err := compile(src, &checker{where: "group rules"}, expr.AsBool())
	if err != nil {
		return nil, err
	}
	return &Expression{source: src, program: prog}, nil
}

// compile checks src with c and compiles it.
func compile(src string, c *checker, opts ...expr.Option) (*vm.Program, []string, error) {
	if strings.TrimSpace(src) == "" {
		return nil, nil, refuse("The expression is empty")
	}
	if len(src) > MaxLength {
		return nil, nil, refuse("The expression is longer than %d characters", MaxLength)
	}
	translated, err := translate(src)
	if err != nil {
		return nil, nil, err
	}
	opts = append(opts, expr.Env(environment(Subject{})), expr.DisableAllBuiltins(), expr.Patch(c), expr.MaxNodes(500))
	prog, err := expr.Compile(translated, opts...)
	if c.err != nil {
		return nil, nil, c.err
	}
	if err != nil {
		return nil, nil, refuse("Invalid expression: %s", firstLine(err.Error()))
	}
	slices.Sort(c.attrs)
	return prog, slices.Compact(c.attrs), nil
}

// Value is a parsed profile mapping expression: it computes an app user
// attribute from the Okta user.
type Value struct {
	source  string
	program *vm.Program
	attrs   []string
}

// ParseValue checks a profile mapping expression and prepares it to run.
// Mappings have the group rules' language without the group functions,
// which need a person's groups (OAPI-MAP-2).
func ParseValue(src string) (*Value, error) {
	prog, attrs, err := compile(src, &checker{where: "profile mappings", mapping: true})
	if err != nil {
		return nil, err
	}
	return &Value{source: src, program: prog, attrs: attrs}, nil
}

// String is the expression as written.
func (v *Value) String() string { return v.source }

// Attributes are the user profile attributes the expression reads
// (user.<attribute>), sorted: a change to any other attribute cannot
// change its value.
func (v *Value) Attributes() []string { return slices.Clone(v.attrs) }

// Eval computes the value for s as the string an app profile holds: null
// is "" (no value), numbers and booleans are written out. An evaluation
// error (a function given a value of the wrong type) is an error.
func (v *Value) Eval(s Subject) (string, error) {
	out, err := expr.Run(v.program, environment(s))
	if err != nil {
		return "", &Error{Reason: "Cannot evaluate " + v.source + ": " + firstLine(err.Error())}
	}
	switch x := out.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	default:
		return fmt.Sprint(x), nil
	}
}

// Match evaluates the expression for s. An evaluation error (a function
// given a value of the wrong type, say) is no match, as a rule that cannot
// be evaluated for a person does not assign them.
func (e *Expression) Match(s Subject) bool {
	out, err := expr.Run(e.program, environment(s))
	if err != nil {
		return false
	}
	b, _ := out.(bool)
	return b
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// Okta's word operators (Spring's, case-insensitive) in expr's spelling.
var wordOperators = map[string]string{
	"and": "and", "or": "or", "not": "not",
	"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
	"null": "nil", "true": "true", "false": "false",
}

// translate lexes src and writes it back in expr's spelling. Strings are
// re-quoted, so a quote inside one can never end it early.
func translate(src string) (string, error) {
	tokens, err := lexer.Lex(file.NewSource(src))
	if err != nil {
		return "", refuse("Invalid expression: %s", firstLine(err.Error()))
	}
	var out []string
	for _, t := range tokens {
		switch t.Kind {
		case lexer.EOF:
		case lexer.String:
			out = append(out, strconv.Quote(t.Value))
		case lexer.Bytes:
			return "", refuse("Invalid expression: unexpected b%q", t.Value)
		case lexer.Identifier, lexer.Operator:
			if op, ok := wordOperators[strings.ToLower(t.Value)]; ok && isWord(t.Value) {
				out = append(out, op)
				continue
			}
			if t.Kind == lexer.Identifier && t.Value == "nil" {
				// Not Okta's spelling: keep it an (unknown) name.
				out = append(out, "nil__")
				continue
			}
			out = append(out, t.Value)
		default:
			out = append(out, t.Value)
		}
	}
	return strings.Join(out, " "), nil
}

func isWord(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// checker refuses what group rules (or, with mapping, profile mappings) do
// not have and turns `matches` into a whole-string match. It keeps the
// first refusal, and collects the user attributes read.
type checker struct {
	err     *Error
	where   string // "group rules", "profile mappings": for the refusals
	mapping bool
	attrs   []string
}

var allowedBinary = []string{"==", "!=", "<", "<=", ">", ">=", "and", "or", "&&", "||", "matches", "+", "-"}

func (c *checker) Visit(node *ast.Node) {
	if c.err != nil {
		return
	}
	switch n := (*node).(type) {
	case *ast.NilNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.StringNode, *ast.ConstantNode:
	case *ast.IdentifierNode:
		switch {
		case n.Value == "user", n.Value == "String", n.Value == "Arrays", n.Value == fullMatch:
		case slices.Contains(groupFuncs, n.Value) && !c.mapping:
		case slices.Contains(groupFuncs, n.Value):
			c.err = refuse("Invalid expression: %s is not available in profile mappings in mockokta", n.Value)
		case n.Value == "Convert":
			c.err = refuse("Convert functions are not allowed in %s", c.where)
		default:
			c.err = refuse("Invalid expression: unknown name %s", n.Value)
		}
	case *ast.UnaryNode:
		if n.Operator != "!" && n.Operator != "not" && n.Operator != "-" {
			c.err = refuse("Invalid expression: operator %s is not supported", n.Operator)
		}
	case *ast.BinaryNode:
		if !slices.Contains(allowedBinary, n.Operator) {
			c.err = refuse("Invalid expression: operator %s is not supported", n.Operator)
			return
		}
		if n.Operator == "matches" {
			if s, ok := n.Right.(*ast.StringNode); ok {
				if _, err := regexp.Compile(anchored(s.Value)); err != nil {
					c.err = refuse("Invalid regular expression %q: %s", s.Value, err)
					return
				}
			}
			ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fullMatch}, Arguments: []ast.Node{n.Left, n.Right}})
		}
	case *ast.MemberNode:
		c.member(n)
	case *ast.CallNode:
		c.call(n)
	case *ast.ConditionalNode:
	default:
		c.err = refuse("Invalid expression: %s is not supported in %s", strings.TrimSpace((*node).String()), c.where)
	}
}

// member allows user.x (and user.x.y for object attributes) and the String
// and Arrays functions, by name only: no indexing, no optional chaining.
func (c *checker) member(n *ast.MemberNode) {
	prop, ok := n.Property.(*ast.StringNode)
	if !ok || n.Optional {
		c.err = refuse("Invalid expression: %s is not supported in %s", n.String(), c.where)
		return
	}
	root := n.Node
	for {
		inner, ok := root.(*ast.MemberNode)
		if !ok {
			break
		}
		root = inner.Node
	}
	id, ok := root.(*ast.IdentifierNode)
	if !ok {
		c.err = refuse("Invalid expression: %s is not supported in %s", n.String(), c.where)
		return
	}
	switch id.Value {
	case "String":
		if !slices.Contains(stringFuncs, prop.Value) || !n.Method {
			c.err = refuse("Invalid expression: String.%s is not a %s function", prop.Value, strings.TrimSuffix(c.where, "s"))
		}
	case "Arrays":
		if !slices.Contains(arrayFuncs, prop.Value) || !n.Method {
			c.err = refuse("Invalid expression: Arrays.%s is not a %s function", prop.Value, strings.TrimSuffix(c.where, "s"))
		}
	case "user":
		if !n.Method && n.Node == root {
			c.attrs = append(c.attrs, prop.Value)
		}
		if n.Method && prop.Value != "getInternalProperty" {
			c.err = refuse("Invalid expression: user.%s() is not a %s function", prop.Value, strings.TrimSuffix(c.where, "s"))
		}
	}
}

func (c *checker) call(n *ast.CallNode) {
	switch callee := n.Callee.(type) {
	case *ast.MemberNode, *ast.IdentifierNode:
		_ = callee
	default:
		c.err = refuse("Invalid expression: %s is not a function", n.Callee.String())
	}
}

func anchored(re string) string { return "^(?:" + re + ")$" }

// environment is what an expression sees; Parse type-checks against the
// same shape with an empty subject.
func environment(s Subject) map[string]any {
	user := make(map[string]any, len(s.Profile)+1)
	for k, v := range s.Profile {
		user[k] = v
	}
	user["getInternalProperty"] = func(name any) any {
		n, _ := name.(string)
		return s.Internal[n]
	}
	return map[string]any{
		"user":    user,
		"String":  stringFunctions,
		"Arrays":  arrayFunctions,
		fullMatch: wholeMatch,
		"isMemberOfGroup": func(id any) bool {
			return slices.Contains(s.GroupIDs, str(id))
		},
		"isMemberOfAnyGroup": func(ids ...any) bool {
			for _, id := range ids {
				if slices.Contains(s.GroupIDs, str(id)) {
					return true
				}
			}
			return false
		},
		"isMemberOfGroupName": func(name any) bool {
			return slices.ContainsFunc(s.GroupNames, func(g string) bool { return g == str(name) })
		},
		"isMemberOfGroupNameStartsWith": func(prefix any) bool {
			return slices.ContainsFunc(s.GroupNames, func(g string) bool { return strings.HasPrefix(g, str(prefix)) })
		},
		"isMemberOfGroupNameContains": func(part any) bool {
			return slices.ContainsFunc(s.GroupNames, func(g string) bool { return strings.Contains(g, str(part)) })
		},
		"isMemberOfGroupNameRegex": func(re any) (bool, error) {
			rx, err := regexp.Compile(anchored(str(re)))
			if err != nil {
				return false, err
			}
			return slices.ContainsFunc(s.GroupNames, rx.MatchString), nil
		},
	}
}

var errNotString = errors.New("not a string")

// str is a string argument; anything else is "" (null attributes).
func str(v any) string {
	s, _ := v.(string)
	return s
}

func wholeMatch(s, re any) (bool, error) {
	text, ok := s.(string)
	if !ok {
		return false, nil
	}
	pattern, ok := re.(string)
	if !ok {
		return false, errNotString
	}
	rx, err := regexp.Compile(anchored(pattern))
	if err != nil {
		return false, err
	}
	return rx.MatchString(text), nil
}

var stringFunctions = map[string]any{
	"stringContains":  func(s, part any) bool { return s != nil && strings.Contains(str(s), str(part)) },
	"startsWith":      func(s, prefix any) bool { return s != nil && strings.HasPrefix(str(s), str(prefix)) },
	"endsWith":        func(s, suffix any) bool { return s != nil && strings.HasSuffix(str(s), str(suffix)) },
	"toUpperCase":     func(s any) string { return strings.ToUpper(str(s)) },
	"toLowerCase":     func(s any) string { return strings.ToLower(str(s)) },
	"len":             func(s any) int { return len([]rune(str(s))) },
	"substringBefore": func(s, sep any) string { before, _, _ := strings.Cut(str(s), str(sep)); return before },
	"substringAfter": func(s, sep any) string {
		if _, after, ok := strings.Cut(str(s), str(sep)); ok {
			return after
		}
		return ""
	},
}

var arrayFunctions = map[string]any{
	"contains": func(list, v any) bool {
		for _, e := range asList(list) {
			if equal(e, v) {
				return true
			}
		}
		return false
	},
	"isEmpty": func(list any) bool { return len(asList(list)) == 0 },
	"size":    func(list any) int { return len(asList(list)) },
}

func asList(v any) []any {
	switch l := v.(type) {
	case []any:
		return l
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out
	}
	return nil
}

// equal compares JSON values; numbers compare by value (a profile's
// numbers are float64 once decoded, literals are ints).
func equal(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	return a == b
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, !math.IsNaN(n)
	}
	return 0, false
}
