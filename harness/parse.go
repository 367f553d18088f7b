package harness

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Problem is one thing wrong with a scenario file, at a position in it.
// Line and Column are 1-based; 0 means the position is unknown.
type Problem struct {
	File    string
	Line    int
	Column  int
	Message string
	Hint    string
}

// String formats the problem as file:line:column: message (hint: …).
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	if p.Hint != "" {
		b.WriteString(" (hint: ")
		b.WriteString(p.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Problems is every problem found in one or more scenario files. Parse,
// ParseFile, Validate and ValidateFiles return their errors as *Problems.
type Problems []Problem

// Error prints one problem per line.
func (ps *Problems) Error() string {
	if ps == nil {
		return ""
	}
	lines := make([]string, len(*ps))
	for i, p := range *ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func (ps *Problems) add(p Problem) { *ps = append(*ps, p) }

// sort orders the problems by file, line and column (stable).
func (ps Problems) sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// err returns ps as an error, or nil when there are none.
func (ps Problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	ps.sort()
	return &ps
}

// ParseFile reads and parses a scenario file (see Parse).
func ParseFile(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Problems{{File: path, Message: err.Error()}}
	}
	return Parse(path, data)
}

// Parse decodes a scenario strictly (unknown fields and duplicate keys are
// errors) and validates it. filename is used in problem positions only.
// Errors are *Problems.
func Parse(filename string, data []byte) (*Scenario, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, &Problems{yamlProblem(filename, err)}
	}
	var ps Problems
	body := documentBody(file, filename, &ps)
	if len(ps) > 0 {
		return nil, ps.err()
	}
	sc := shapeChecker{file: filename, ps: &ps}
	sc.check(body, reflect.TypeFor[Scenario](), "$")
	if len(ps) > 0 {
		return nil, validateRest(body, filename, ps)
	}
	var s Scenario
	if err := yaml.UnmarshalWithOptions(data, &s, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return nil, &Problems{yamlProblem(filename, err)}
	}
	ix := newPosIndex(body)
	normalizeActions(&s, ix)
	if err := validate(&s, filename, ix); err != nil {
		return nil, err
	}
	return &s, nil
}

// validateRest finds the rest of a file's problems once the shape check
// has found some (every problem of a file is reported at once): it decodes
// what is left, unknown keys ignored and values of the wrong kind nulled,
// and validates that. A problem on a line the shape check already reported
// is a consequence of it ("step does nothing" for a misspelled action) and
// is left out.
func validateRest(body ast.Node, filename string, shape Problems) error {
	var s Scenario
	if err := yaml.NodeToValue(body, &s); err != nil {
		return shape.err()
	}
	ix := newPosIndex(body)
	normalizeActions(&s, ix)
	rest, _ := validate(&s, filename, ix).(*Problems)
	if rest == nil {
		return shape.err()
	}
	reported, meant := map[int]bool{}, map[string]bool{}
	for _, p := range shape {
		reported[p.Line] = true
		if m, ok := strings.CutPrefix(p.Hint, `did you mean "`); ok {
			meant[strings.TrimSuffix(m, `"?`)] = true
		}
	}
	all := shape
	for _, p := range *rest {
		if !reported[p.Line] && !missingMisspelt(p, meant) {
			all = append(all, p)
		}
	}
	return all.err()
}

// missingMisspelt reports whether p says a key is required that a
// misspelling the shape check reported stands for ("stepz" for steps).
func missingMisspelt(p Problem, meant map[string]bool) bool {
	subject, _, _ := strings.Cut(p.Message, " ")
	if i := strings.LastIndexByte(subject, '.'); i >= 0 {
		subject = subject[i+1:]
	}
	return strings.Contains(p.Message, " required") && meant[subject]
}

// documentBody returns the single document's body, reporting an empty file
// or more than one document.
func documentBody(file *ast.File, filename string, ps *Problems) ast.Node {
	var bodies []ast.Node
	for _, d := range file.Docs {
		if d != nil && d.Body != nil {
			bodies = append(bodies, d.Body)
		}
	}
	switch len(bodies) {
	case 0:
		ps.add(Problem{File: filename, Line: 1, Column: 1, Message: "empty scenario",
			Hint: "a scenario needs at least name and steps"})
		return nil
	case 1:
		return bodies[0]
	default:
		l, c := nodePos(bodies[1])
		ps.add(Problem{File: filename, Line: l, Column: c, Message: "more than one YAML document",
			Hint: "put one scenario in each file"})
		return nil
	}
}

// normalizeActions makes an action written with no value ("import:" or
// "testApiCredentials:") count as set: the decoder leaves the pointer nil.
func normalizeActions(s *Scenario, ix *posIndex) {
	if ix == nil {
		return
	}
	for i := range s.Steps {
		v := reflect.ValueOf(&s.Steps[i]).Elem()
		for _, f := range stepActions() {
			fv := v.FieldByIndex(f.index)
			if fv.Kind() == reflect.Pointer && fv.IsNil() && ix.has(fmt.Sprintf("$.steps[%d].%s", i, f.key)) {
				fv.Set(reflect.New(fv.Type().Elem()))
			}
		}
	}
}

// yamlProblem turns a goccy/go-yaml error into a Problem with its token's
// position.
func yamlProblem(filename string, err error) Problem {
	p := Problem{File: filename, Message: err.Error()}
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return p
	}
	msg := ye.GetMessage()
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		p.Line, p.Column = tk.Position.Line, tk.Position.Column
	}
	var (
		syn *yaml.SyntaxError
		dup *yaml.DuplicateKeyError
		unk *yaml.UnknownFieldError
	)
	switch {
	case errors.As(err, &unk):
		p.Message = msg
		if k, ok := strings.CutPrefix(msg, `unknown field "`); ok {
			k = strings.TrimSuffix(k, `"`)
			if m := closestName(k, allFieldKeys()); m != "" {
				p.Hint = fmt.Sprintf("did you mean %q?", m)
			}
		}
	case errors.As(err, &dup):
		p.Message = msg
		p.Hint = "each key may appear once in a mapping"
	case errors.As(err, &syn):
		if k, at, ok := strings.Cut(msg, " already defined at "); ok && strings.HasPrefix(k, "mapping key ") {
			p.Message = "duplicate key " + strings.TrimPrefix(k, "mapping key ")
			p.Hint = "first defined at " + strings.Trim(at, "[]") + "; each key may appear once in a mapping"
			break
		}
		p.Message = "YAML syntax error: " + strings.ReplaceAll(msg, "\t", `\t`)
		if strings.Contains(msg, "tab character") || strings.Contains(msg, "\t") {
			p.Hint = "indent with spaces, not tabs"
		}
	default:
		p.Message = msg
	}
	return p
}

// ---- shape checking: the YAML tree against the Go types ----

// yamlField is one YAML key of a struct type.
type yamlField struct {
	key   string
	index []int
	typ   reflect.Type
	opt   bool // omitempty
}

var yamlFieldCache sync.Map // reflect.Type → []yamlField

// yamlFields lists the YAML keys of a struct type in declaration order.
func yamlFields(t reflect.Type) []yamlField {
	if v, ok := yamlFieldCache.Load(t); ok {
		return v.([]yamlField)
	}
	var fs []yamlField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fs = append(fs, yamlField{key: name, index: f.Index, typ: f.Type, opt: strings.Contains(opts, "omitempty")})
	}
	yamlFieldCache.Store(t, fs)
	return fs
}

func yamlFieldKeys(t reflect.Type) []string {
	var ks []string
	for _, f := range yamlFields(t) {
		ks = append(ks, f.key)
	}
	return ks
}

var (
	stepActionsOnce sync.Once
	stepActionList  []yamlField
	allKeysOnce     sync.Once
	allKeys         []string
)

// stepActions lists the action fields of Step (every field but name and
// expect), in declaration order.
func stepActions() []yamlField {
	stepActionsOnce.Do(func() {
		for _, f := range yamlFields(reflect.TypeFor[Step]()) {
			if f.key != "name" && f.key != "expect" {
				stepActionList = append(stepActionList, f)
			}
		}
	})
	return stepActionList
}

// StepKinds returns the YAML keys of the step actions, in declaration order.
func StepKinds() []string {
	var ks []string
	for _, f := range stepActions() {
		ks = append(ks, f.key)
	}
	return ks
}

// Action returns the YAML key of the step's action ("" when it has none;
// the first one when, invalidly, it has several).
func (st *Step) Action() string {
	v := reflect.ValueOf(st).Elem()
	for _, f := range stepActions() {
		if !v.FieldByIndex(f.index).IsZero() {
			return f.key
		}
	}
	return ""
}

// allFieldKeys is every YAML key of every scenario type.
func allFieldKeys() []string {
	allKeysOnce.Do(func() {
		seen := map[string]bool{}
		var walk func(t reflect.Type)
		walk = func(t reflect.Type) {
			for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
				t = t.Elem()
			}
			if t.Kind() != reflect.Struct || seen[t.String()] {
				return
			}
			seen[t.String()] = true
			for _, f := range yamlFields(t) {
				if !seen["key:"+f.key] {
					seen["key:"+f.key] = true
					allKeys = append(allKeys, f.key)
				}
				walk(f.typ)
			}
		}
		walk(reflect.TypeFor[Scenario]())
	})
	return allKeys
}

// shapeChecker walks the YAML tree along the Go types and reports unknown
// keys (with the closest known one) and values of the wrong kind, all of
// them, before the strict decoder (which stops at the first) runs.
type shapeChecker struct {
	file string
	ps   *Problems
}

func (c *shapeChecker) problem(n ast.Node, hint, format string, args ...any) {
	l, col := nodePos(n)
	c.ps.add(Problem{File: c.file, Line: l, Column: col, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// unwrapNode removes anchors and tags; aliases return nil (the anchored value
// is checked where it is defined, and the decoder checks the rest).
func unwrapNode(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			return nil
		default:
			return n
		}
	}
}

// yamlMapEntries returns the key/value pairs of a mapping node, or false.
func yamlMapEntries(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, true
	}
	return nil, false
}

func yamlKeyString(k ast.MapKeyNode) string {
	switch v := k.(type) {
	case *ast.StringNode:
		return v.Value
	case *ast.MergeKeyNode:
		return "<<"
	}
	if k == nil || k.GetToken() == nil {
		return ""
	}
	return k.GetToken().Value
}

func yamlNodeKind(n ast.Node) string {
	switch v := n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode:
		return strconv.Quote(v.Value)
	case *ast.LiteralNode:
		return "a block string"
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return n.Type().String()
}

func pathLabel(path string) string {
	if path == "$" {
		return "the scenario"
	}
	return strings.TrimPrefix(path, "$.")
}

// check reports what is wrong with n as a value of type t. It returns
// false when n has the wrong kind: the caller then puts a null in its
// place, so the rest of the file can still be decoded and validated.
func (c *shapeChecker) check(n ast.Node, t reflect.Type, path string) bool {
	n = unwrapNode(n)
	if n == nil {
		return true
	}
	if _, isNull := n.(*ast.NullNode); isNull {
		return true
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		entries, ok := yamlMapEntries(n)
		if !ok {
			c.problem(n, "", "%s must be a mapping, not %s", pathLabel(path), yamlNodeKind(n))
			return false
		}
		fields := yamlFields(t)
		for _, mv := range entries {
			key := yamlKeyString(mv.Key)
			if key == "<<" {
				continue
			}
			var f *yamlField
			for i := range fields {
				if fields[i].key == key {
					f = &fields[i]
					break
				}
			}
			if f == nil {
				c.problem(mv.Key, unknownFieldHint(t, key), "unknown field %q in %s", key, pathLabel(path))
				continue
			}
			if !c.check(mv.Value, f.typ, path+"."+key) {
				mv.Value = nullIn(mv.Value)
			}
		}
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			c.problem(n, "", "%s must be a list, not %s", pathLabel(path), yamlNodeKind(n))
			return false
		}
		for i, e := range seq.Values {
			if !c.check(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)) {
				seq.Values[i] = nullIn(e)
			}
		}
	case reflect.Map:
		entries, ok := yamlMapEntries(n)
		if !ok {
			c.problem(n, "", "%s must be a mapping, not %s", pathLabel(path), yamlNodeKind(n))
			return false
		}
		for _, mv := range entries {
			key := yamlKeyString(mv.Key)
			if key == "<<" {
				continue
			}
			if !c.check(mv.Value, t.Elem(), path+"."+key) {
				mv.Value = nullIn(mv.Value)
			}
		}
	case reflect.String:
		switch n.(type) {
		case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
			c.problem(n, "", "%s must be a string, not %s", pathLabel(path), yamlNodeKind(n))
			return false
		}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Uint32:
		iv, ok := n.(*ast.IntegerNode)
		if !ok {
			c.problem(n, "", "%s must be an integer, not %s", pathLabel(path), yamlNodeKind(n))
			return false
		}
		if t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64 {
			if strings.HasPrefix(strings.TrimSpace(iv.GetToken().Value), "-") {
				c.problem(n, "", "%s must not be negative", pathLabel(path))
				return false
			}
		}
	case reflect.Bool:
		if _, ok := n.(*ast.BoolNode); !ok {
			c.problem(n, "", "%s must be true or false, not %s", pathLabel(path), yamlNodeKind(n))
			return false
		}
	}
	return true
}

// nullIn is a null where n was, at n's position.
func nullIn(n ast.Node) ast.Node {
	var pos *token.Position
	if tk := n.GetToken(); tk != nil {
		pos = tk.Position
	}
	return ast.Null(token.New("null", "null", pos))
}

// unknownFieldHint suggests the closest known key of t; for a step it
// lists the step kinds, and points expectations to expect.
func unknownFieldHint(t reflect.Type, key string) string {
	known := yamlFieldKeys(t)
	if m := closestName(key, known); m != "" {
		return fmt.Sprintf("did you mean %q?", m)
	}
	if t == reflect.TypeFor[Step]() {
		for _, k := range yamlFieldKeys(reflect.TypeFor[Expect]()) {
			if strings.EqualFold(k, key) {
				return fmt.Sprintf("checks go under expect: expect: {%s: …}", k)
			}
		}
		return "a step has one action, one of: " + strings.Join(StepKinds(), ", ") + "; and optionally name and expect"
	}
	if t == reflect.TypeFor[struct{}]() {
		return "this action takes no settings; write {}"
	}
	return "known fields: " + strings.Join(known, ", ")
}

// closestName returns the candidate nearest to s in edit distance (case
// insensitive, transpositions count once), or "" when none is close.
func closestName(s string, candidates []string) string {
	ls := strings.ToLower(s)
	limit := 1
	switch {
	case len(ls) > 8:
		limit = 3
	case len(ls) > 4:
		limit = 2
	}
	best, bestD := "", limit+1
	for _, c := range candidates {
		d := editDist(ls, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDist is the optimal string alignment distance of a and b.
func editDist(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// ---- positions ----

// posIndex finds the nodes of a document by path ("$.steps[3].assign.user").
type posIndex struct {
	root ast.Node
	vals map[string]ast.Node
	keys map[string]ast.Node
}

func newPosIndex(root ast.Node) *posIndex {
	ix := &posIndex{root: root, vals: map[string]ast.Node{}, keys: map[string]ast.Node{}}
	if root != nil {
		ix.walk(root, "$")
	}
	return ix
}

func (ix *posIndex) walk(n ast.Node, path string) {
	ix.vals[path] = n
	switch v := unwrapNode(n).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		entries, _ := yamlMapEntries(v)
		for _, mv := range entries {
			key := yamlKeyString(mv.Key)
			if key == "<<" {
				continue
			}
			p := path + "." + key
			ix.keys[p] = mv.Key
			ix.walk(mv.Value, p)
		}
	case *ast.SequenceNode:
		for i, e := range v.Values {
			ix.walk(e, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

func (ix *posIndex) has(path string) bool {
	if ix == nil {
		return false
	}
	_, ok := ix.keys[path]
	return ok
}

// parentYAMLPath strips the last segment of a path; "$" stays "$".
func parentYAMLPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i > 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i > 0 {
		return path[:i]
	}
	return "$"
}

// value returns the position of the value at path, or of its nearest
// ancestor that exists.
func (ix *posIndex) value(path string) (int, int) {
	if ix == nil {
		return 0, 0
	}
	for {
		if n, ok := ix.vals[path]; ok {
			if _, null := n.(*ast.NullNode); null {
				if k, ok := ix.keys[path]; ok {
					return nodePos(k)
				}
			}
			if l, c := nodePos(n); l > 0 {
				return l, c
			}
		}
		if path == "$" {
			return 1, 1
		}
		path = parentYAMLPath(path)
	}
}

// line is the line of the value at path (0 when unknown or path is "").
func (ix *posIndex) line(path string) int {
	if ix == nil || path == "" {
		return 0
	}
	l, _ := ix.value(path)
	return l
}

// key returns the position of the key at path, else of the value.
func (ix *posIndex) key(path string) (int, int) {
	if ix != nil {
		if k, ok := ix.keys[path]; ok {
			if l, c := nodePos(k); l > 0 {
				return l, c
			}
		}
	}
	return ix.value(path)
}

// nodePos is where a node starts: for a block mapping its first key (goccy
// positions a mapping at its first colon).
func nodePos(n ast.Node) (int, int) {
	if n == nil {
		return 0, 0
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return nodePos(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return nodePos(v.Key)
	case *ast.DocumentNode:
		return nodePos(v.Body)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}
