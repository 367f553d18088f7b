package scim

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// PATCH operation names (RFC 7644 §3.5.2), lower case after DecodePatch.
const (
	OpAdd     = "add"
	OpRemove  = "remove"
	OpReplace = "replace"
)

// Mutability values used by the schemas (RFC 7643 §7).
const (
	mutReadOnly  = "readOnly"
	mutImmutable = "immutable"
)

// PatchOperation is one entry of a PatchOp's Operations list. Op is lower
// case; Path is empty when the client sent none; Value is the raw JSON value,
// empty when absent.
type PatchOperation struct {
	Op    string          `json:"op"`
	Path  string          `json:"path,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
}

// PatchRequest is a decoded PatchOp message (RFC 7644 §3.5.2).
type PatchRequest struct {
	Schemas    []string         `json:"schemas"`
	Operations []PatchOperation `json:"Operations"`
}

// DecodePatch decodes a PatchOp body in any of the dialects clients send:
// the list under "Operations" (Okta, Entra, the RFC) or "operations"
// (Atlassian's OpenAPI model, jira.js, go-atlassian; SCIM-PATCH-1), member
// names in any case, and op values in any case ("Replace",
// "ADD": Entra capitalises). Every error is a 400 *Error.
func DecodePatch(body []byte) (*PatchRequest, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, Invalid(TypeInvalidSyntax, "Request body is not a JSON object")
	}
	schemasRaw := pickRaw(top, "schemas")
	opsRaw := pickRaw(top, "operations")
	nOps := 0
	for k := range top {
		if equalFold(k, "operations") {
			nOps++
		}
	}
	if nOps > 1 {
		return nil, Invalid(TypeInvalidSyntax, "Operations is given more than once")
	}

	req := &PatchRequest{}
	// An absent schemas member is tolerated: RFC 7644 §3.5.2 requires it, but
	// some clients and SDKs omit it and nothing about the operations depends
	// on it. A present list that does not name PatchOp is a clear client
	// error, so that is rejected.
	if isPresent(schemasRaw) {
		if err := json.Unmarshal(schemasRaw, &req.Schemas); err != nil {
			return nil, Invalid(TypeInvalidValue, "schemas must be a list of URNs")
		}
		found := false
		for _, s := range req.Schemas {
			found = found || equalFold(s, PatchOpSchema)
		}
		if !found {
			return nil, Invalid(TypeInvalidValue, "schemas must contain %q", PatchOpSchema)
		}
	}

	if !isPresent(opsRaw) {
		return nil, Invalid(TypeInvalidValue, "A PATCH request needs a non-empty Operations list")
	}
	var rawOps []json.RawMessage
	if err := json.Unmarshal(opsRaw, &rawOps); err != nil {
		return nil, Invalid(TypeInvalidSyntax, "Operations must be a list")
	}
	if len(rawOps) == 0 {
		return nil, Invalid(TypeInvalidValue, "A PATCH request needs a non-empty Operations list")
	}
	for i, raw := range rawOps {
		op, err := decodeOperation(i, raw)
		if err != nil {
			return nil, err
		}
		req.Operations = append(req.Operations, op)
	}
	return req, nil
}

func decodeOperation(i int, raw json.RawMessage) (PatchOperation, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return PatchOperation{}, Invalid(TypeInvalidSyntax, "Operations[%d] must be an object", i)
	}
	op := PatchOperation{Value: pickRaw(m, "value")}
	opRaw, pathRaw := pickRaw(m, "op"), pickRaw(m, "path")
	if !isPresent(opRaw) {
		return op, Invalid(TypeInvalidValue, "Operations[%d] has no op", i)
	}
	if err := json.Unmarshal(opRaw, &op.Op); err != nil {
		return op, Invalid(TypeInvalidValue, "Operations[%d].op must be a string", i)
	}
	op.Op = strings.ToLower(op.Op)
	if op.Op != OpAdd && op.Op != OpRemove && op.Op != OpReplace {
		return op, Invalid(TypeInvalidValue, "Operations[%d].op %q is not one of add, remove, replace", i, op.Op)
	}
	if isPresent(pathRaw) {
		if err := json.Unmarshal(pathRaw, &op.Path); err != nil {
			return op, Invalid(TypeInvalidPath, "Operations[%d].path must be a string", i)
		}
		op.Path = strings.TrimSpace(op.Path)
	}
	// RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails with
	// HTTP status code 400 and a "scimType" error code of "noTarget"."
	if op.Op == OpRemove && op.Path == "" {
		return op, Invalid(TypeNoTarget, "Operations[%d]: remove requires a path", i)
	}
	return op, nil
}

// pickRaw returns the member name of m in any case, preferring the exact
// spelling, then the smallest variant, so duplicates resolve deterministically.
func pickRaw(m map[string]json.RawMessage, name string) json.RawMessage {
	if v, ok := m[name]; ok {
		return v
	}
	best, found := "", false
	for k := range m {
		if equalFold(k, name) && (!found || k < best) {
			best, found = k, true
		}
	}
	if !found {
		return nil
	}
	return m[best]
}

// isPresent reports whether a raw JSON member was sent with a non-null value.
func isPresent(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && !bytes.Equal(t, []byte("null"))
}

// ApplyPatch applies ops in order to a deep copy of doc (a resource as
// produced by json.Marshal + json.Unmarshal into map[string]any) and returns
// the new document. doc itself is never modified, so a PATCH applies whole or
// not at all (RFC 7644 §3.5.2: a PATCH request is atomic; if any operation
// fails, the resource is left unmodified).
//
// Paths are resolved against rs: attribute names are case-insensitive and
// written back in the schema's canonical case. The result is not validated
// as a whole resource (required attributes, one primary email, ...): that is
// the model's business.
func ApplyPatch(doc map[string]any, rs ResourceSchema, ops []PatchOperation) (map[string]any, error) {
	out := deepCopyMap(doc)
	if out == nil {
		out = map[string]any{}
	}
	for _, op := range ops {
		if err := applyOp(out, rs, op); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func applyOp(doc map[string]any, rs ResourceSchema, o PatchOperation) error {
	op := strings.ToLower(o.Op)
	if op != OpAdd && op != OpRemove && op != OpReplace {
		return Invalid(TypeInvalidValue, "PATCH op %q is not one of add, remove, replace", o.Op)
	}
	path := strings.TrimSpace(o.Path)
	hasValue := len(bytes.TrimSpace(o.Value)) > 0
	var value any
	if hasValue {
		if err := json.Unmarshal(o.Value, &value); err != nil {
			return Invalid(TypeInvalidSyntax, "PATCH value is not valid JSON")
		}
	}

	if path == "" {
		if op == OpRemove {
			return Invalid(TypeNoTarget, "remove requires a path")
		}
		if !hasValue {
			return Invalid(TypeInvalidValue, "%s without a path requires an object value", op)
		}
		return applyPathless(doc, rs, op, o.Value)
	}

	t, err := resolvePath(rs, path)
	if err != nil {
		return err
	}
	if err := t.checkMutability(op); err != nil {
		return err
	}
	if op == OpRemove {
		return removeTarget(doc, t, value)
	}
	// RFC 7644 §3.5.2.1 / §3.5.2.3: add and replace "MUST contain a value".
	if !hasValue {
		return Invalid(TypeInvalidValue, "%s %q requires a value", op, path)
	}
	return setTarget(doc, t, op, value)
}

// applyPathless handles add/replace without a path (RFC 7644 §3.5.2.1, §3.5.2.3:
// "the target location is assumed to be the resource itself"), the form Okta
// uses for deactivation ({"active":false}) and group rename
// ({"id":..., "displayName":...}; OKTA-DEACT-2, OKTA-PUSH-6).
//
// Each key of the value object is resolved like a path, so the object may
// hold plain attributes, complex values ({"name":{"givenName":..}}),
// extension objects keyed by URN, and Entra's dotted and URN-qualified keys
// ("name.givenName", "urn:...:enterprise:2.0:User:department"). Keys are
// applied in the order they appear. Unknown keys and read-only attributes
// (id, meta, schemas, groups) are ignored silently: Atlassian ignores unknown
// attributes (SCIM-USER-5) and Okta echoes id in its rename body.
func applyPathless(doc map[string]any, rs ResourceSchema, op string, raw json.RawMessage) error {
	members, ok := objectMembers(raw)
	if !ok {
		return Invalid(TypeInvalidValue, "%s without a path requires an object value", op)
	}
	for _, kv := range members {
		t, err := resolvePath(rs, kv.key)
		if err != nil {
			continue
		}
		if t.checkMutability(op) != nil {
			continue
		}
		if err := setTarget(doc, t, op, kv.value); err != nil {
			return err
		}
	}
	return nil
}

type member struct {
	key   string
	value any
}

// objectMembers decodes a JSON object keeping its member order, so that
// overlapping keys ("name" then "name.givenName") apply in the order sent.
func objectMembers(raw json.RawMessage) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, ok := tok.(string)
		if !ok {
			return nil, false
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, member{key, v})
	}
	return out, true
}

// target is a resolved PATCH path.
type target struct {
	path   string            // as sent, for error details
	schema *Schema           // the schema holding attr
	ext    bool              // schema is an extension: attr lives under doc[schema.ID]
	attr   *Attribute        // nil: the target is the whole extension object
	filter filter.Expression // value selection filter (`emails[type eq "work"]`), or nil
	sub    *Attribute        // sub-attribute (`name.givenName`, `emails[...].value`), or nil
}

// resolvePath resolves a PATCH path (RFC 7644 §3.5.2 PATH = attrPath /
// valuePath [subAttr]) against rs.
//
// The grammar is parsed with filter-parser's ParsePath, which handles URN
// prefixes (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`
// parses as URI prefix + attribute) as well as value filters. A path that is
// only an extension URN is checked first: the library would read
// `...:enterprise:2.0:User` as prefix `...:2.0` + attribute `User`, and cannot
// parse `urn:scim:schemas:extension:atlassian-external:1.0` at all (an
// attribute name must start with a letter).
func resolvePath(rs ResourceSchema, path string) (*target, error) {
	if ext, ok := rs.Extension(path); ok {
		return &target{path: path, schema: ext, ext: true}, nil
	}
	p, err := parsePathSafe(path)
	if err != nil {
		return nil, Invalid(TypeInvalidPath, "Invalid path %q", path)
	}
	ap := p.AttributePath
	t := &target{path: path, schema: rs.Core, filter: p.ValueExpression}
	if uri := ap.URI(); uri != "" {
		if rs.Core == nil || !equalFold(uri, rs.Core.ID) {
			ext, ok := rs.Extension(uri)
			if !ok {
				return nil, Invalid(TypeInvalidPath, "Unknown schema %q in path %q", uri, path)
			}
			t.schema, t.ext = ext, true
		}
	}
	if t.schema == nil {
		return nil, Invalid(TypeInvalidPath, "Unknown attribute in path %q", path)
	}
	a, ok := Find(t.schema.Attributes, ap.AttributeName)
	if !ok {
		if !t.ext && (equalFold(ap.AttributeName, "meta") || equalFold(ap.AttributeName, "schemas")) {
			// Common attributes the server owns (RFC 7643 §3.1).
			return nil, Invalid(TypeMutability, "Attribute %q cannot be modified", ap.AttributeName)
		}
		return nil, Invalid(TypeInvalidPath, "Unknown attribute %q in path %q", ap.AttributeName, path)
	}
	t.attr = a
	if p.ValueExpression != nil && !a.MultiValued {
		return nil, Invalid(TypeInvalidPath, "Attribute %q is not multi-valued and cannot be filtered", a.Name)
	}
	if ap.SubAttribute != nil && p.ValueExpression != nil {
		return nil, Invalid(TypeInvalidPath, "Invalid path %q", path)
	}
	subName := ap.SubAttributeName()
	if subName == "" {
		subName = p.SubAttributeName()
	}
	if subName != "" {
		if a.Type != TypeComplex {
			return nil, Invalid(TypeInvalidPath, "Attribute %q has no sub-attributes", a.Name)
		}
		s, ok := Find(a.SubAttributes, subName)
		if !ok {
			return nil, Invalid(TypeInvalidPath, "Unknown sub-attribute %q of %q", subName, a.Name)
		}
		t.sub = s
	}
	return t, nil
}

// checkMutability enforces RFC 7643 §7 mutability for a path: readOnly
// attributes cannot be touched; immutable ones can only be added.
func (t *target) checkMutability(op string) error {
	if t.attr == nil {
		return nil // whole extension: its read-only attributes are skipped one by one
	}
	for _, a := range []*Attribute{t.attr, t.sub} {
		if a == nil {
			continue
		}
		if a.Mutability == mutReadOnly || (a.Mutability == mutImmutable && op != OpAdd) {
			return Invalid(TypeMutability, "Attribute %q is %s", t.path, a.Mutability)
		}
	}
	return nil
}

// container returns the object that holds t.attr: the document itself for
// core attributes, the extension object for extension attributes (created
// when create is set).
func container(doc map[string]any, t *target, create bool) map[string]any {
	if !t.ext {
		return doc
	}
	if m, ok := canon(doc, t.schema.ID).(map[string]any); ok {
		return m
	}
	if !create {
		return nil
	}
	m := map[string]any{}
	doc[t.schema.ID] = m
	return m
}

// dropEmptyExtension removes an extension object left empty, so the
// document does not grow `"urn:...": {}` members.
func dropEmptyExtension(doc map[string]any, t *target) {
	if !t.ext {
		return
	}
	if m, ok := doc[t.schema.ID].(map[string]any); ok && len(m) == 0 {
		delete(doc, t.schema.ID)
	}
}

// setTarget applies add or replace of value at t. The two differ only for
// multi-valued attributes (add appends, replace replaces) and for value
// filters that match nothing (add creates, replace fails with noTarget).
// A JSON null value unassigns (RFC 7643 §2.5: null is equivalent to
// "unassigned").
func setTarget(doc map[string]any, t *target, op string, value any) error {
	if t.attr == nil {
		return setExtension(doc, t, op, value)
	}
	c := container(doc, t, true)
	defer dropEmptyExtension(doc, t)
	a := t.attr
	switch {
	case t.filter != nil:
		return setFiltered(c, t, op, value)

	case t.sub != nil && !a.MultiValued: // name.givenName
		v, err := coerceSingle(t.sub, value, t.path)
		if err != nil {
			return err
		}
		m := childMap(c, a.Name)
		setOrDelete(m, t.sub.Name, v)
		dropEmpty(c, a.Name)
		return nil

	case t.sub != nil: // emails.value without a filter: every element
		v, err := coerceSingle(t.sub, value, t.path)
		if err != nil {
			return err
		}
		arr, _ := canon(c, a.Name).([]any)
		if len(arr) == 0 {
			if v != nil {
				c[a.Name] = []any{map[string]any{t.sub.Name: v}}
			}
			return nil
		}
		for _, e := range arr {
			if m, ok := e.(map[string]any); ok {
				setOrDelete(m, t.sub.Name, v)
			}
		}
		return nil

	case a.MultiValued:
		vals, err := coerceMulti(a, value, t.path)
		if err != nil {
			return err
		}
		var existing []any
		if op == OpAdd {
			// RFC 7644 §3.5.2.1: "If the target location specifies a
			// multi-valued attribute, a new value is added".
			existing, _ = canon(c, a.Name).([]any)
		}
		c[a.Name] = appendUnique(a, existing, vals)
		return nil

	case a.Type == TypeComplex: // name: merge sub-attributes
		v, err := coerceSingle(a, value, t.path)
		if err != nil {
			return err
		}
		if v == nil {
			deleteKey(c, a.Name)
			return nil
		}
		// RFC 7644 §3.5.2.1 and §3.5.2.3: sub-attributes not given are left
		// unchanged, for add and replace alike.
		m := childMap(c, a.Name)
		merge(m, v.(map[string]any))
		dropEmpty(c, a.Name)
		return nil

	default:
		v, err := coerceSingle(a, value, t.path)
		if err != nil {
			return err
		}
		setOrDelete(c, a.Name, v)
		return nil
	}
}

// setExtension applies add/replace whose target is a whole extension object:
// its attributes are merged one by one (RFC 7644 §3.5.2.3 complex-attribute
// semantics). Unknown and read-only attributes inside are ignored.
func setExtension(doc map[string]any, t *target, op string, value any) error {
	if value == nil {
		return removeTarget(doc, t, nil)
	}
	m, ok := value.(map[string]any)
	if !ok {
		return Invalid(TypeInvalidValue, "Value for %q must be an object", t.schema.ID)
	}
	for _, k := range sortedKeys(m) {
		a, ok := Find(t.schema.Attributes, k)
		if !ok || a.Mutability == mutReadOnly {
			continue
		}
		at := &target{path: t.schema.ID + ":" + a.Name, schema: t.schema, ext: true, attr: a}
		if err := setTarget(doc, at, op, m[k]); err != nil {
			return err
		}
	}
	return nil
}

// setFiltered applies add/replace on `attr[filter]` or `attr[filter].sub`.
func setFiltered(c map[string]any, t *target, op string, value any) error {
	a := t.attr
	arr, _ := canon(c, a.Name).([]any)
	var matched []map[string]any
	for _, e := range arr {
		if m, ok := e.(map[string]any); ok && Match(t.filter, m) {
			matched = append(matched, m)
		}
	}

	var v map[string]any
	if t.sub != nil {
		sv, err := coerceSingle(t.sub, value, t.path)
		if err != nil {
			return err
		}
		if sv == nil && len(matched) == 0 {
			return nil // unassigning something that is not there
		}
		v = map[string]any{t.sub.Name: sv}
	} else {
		ev, err := coerceSingle(a, value, t.path)
		if err != nil {
			return err
		}
		if ev == nil {
			// replace with null unassigns the selected values.
			return removeTarget(c, &target{path: t.path, schema: t.schema, attr: a, filter: t.filter}, nil)
		}
		v = ev.(map[string]any)
	}

	if len(matched) > 0 {
		// RFC 7644 §3.5.2.3: matching values are updated; sub-attributes not
		// given are left unchanged.
		for _, m := range matched {
			merge(m, v)
		}
		return nil
	}

	// Nothing matched. RFC 7644 §3.5.2.3: replace on a filter that matches
	// nothing is noTarget. Entra however sends
	// {"op":"Add"|"Replace","path":"emails[type eq \"work\"].value",...} for
	// users without a work email and expects the value to be created, so with
	// a sub-attribute (either op) or for add, a new element is built from the
	// filter's eq comparisons plus the value.
	if op == OpReplace && t.sub == nil {
		return Invalid(TypeNoTarget, "No value of %q matches %q", a.Name, t.path)
	}
	elem, ok := elementFromFilter(a, t.filter)
	if !ok {
		return Invalid(TypeNoTarget, "No value of %q matches %q", a.Name, t.path)
	}
	merge(elem, v)
	c[a.Name] = append(arr, elem)
	return nil
}

// elementFromFilter builds the element a filter made only of `sub eq value`
// comparisons joined by `and` describes, e.g. {"type":"work"} for
// `type eq "work"`. ok is false for any other filter.
func elementFromFilter(a *Attribute, e filter.Expression) (map[string]any, bool) {
	switch x := e.(type) {
	case *filter.AttributeExpression:
		if x.Operator != filter.EQ || x.AttributePath.URI() != "" || x.AttributePath.SubAttribute != nil {
			return nil, false
		}
		s, ok := Find(a.SubAttributes, x.AttributePath.AttributeName)
		if !ok || s.Mutability == mutReadOnly {
			return nil, false
		}
		v, err := coerceSingle(s, x.CompareValue, s.Name)
		if err != nil || v == nil {
			return nil, false
		}
		return map[string]any{s.Name: v}, true
	case *filter.LogicalExpression:
		if !strings.EqualFold(string(x.Operator), string(filter.AND)) {
			return nil, false
		}
		l, ok := elementFromFilter(a, x.Left)
		if !ok {
			return nil, false
		}
		r, ok := elementFromFilter(a, x.Right)
		if !ok {
			return nil, false
		}
		for k, v := range r {
			if lv, dup := l[k]; dup && !reflect.DeepEqual(lv, v) {
				return nil, false
			}
			l[k] = v
		}
		return l, true
	}
	return nil, false
}

// removeTarget applies remove at t (RFC 7644 §3.5.2.2). value is the
// optional value the client sent: for a multi-valued attribute without a
// filter it selects the elements to remove (Entra's
// {"op":"Remove","path":"members","value":[{"value":"<id>"}]}); elsewhere it
// is ignored. Removing something absent is a no-op, so Okta removing a user
// that is not a member succeeds.
//
// A multi-valued attribute stays in the document as a (possibly empty)
// array, so `members` keeps rendering as `[]` rather than disappearing.
func removeTarget(doc map[string]any, t *target, value any) error {
	if t.attr == nil {
		// A whole extension: remove its writable attributes; read-only ones
		// (atlassianAccountId) stay.
		c := container(doc, t, false)
		if c == nil {
			return nil
		}
		for i := range t.schema.Attributes {
			if a := &t.schema.Attributes[i]; a.Mutability != mutReadOnly {
				deleteKey(c, a.Name)
			}
		}
		dropEmptyExtension(doc, t)
		return nil
	}
	c := container(doc, t, false)
	if c == nil {
		return nil
	}
	defer dropEmptyExtension(doc, t)
	a := t.attr
	cur, exists := lookupCanon(c, a.Name)
	if !exists {
		return nil
	}
	switch {
	case t.filter != nil:
		arr, _ := cur.([]any)
		kept := []any{}
		for _, e := range arr {
			m, ok := e.(map[string]any)
			if !ok || !Match(t.filter, m) {
				kept = append(kept, e)
				continue
			}
			if t.sub != nil {
				deleteKey(m, t.sub.Name)
				kept = append(kept, m)
			}
		}
		c[a.Name] = kept

	case t.sub != nil && !a.MultiValued:
		if m, ok := cur.(map[string]any); ok {
			deleteKey(m, t.sub.Name)
		}
		dropEmpty(c, a.Name)

	case t.sub != nil:
		arr, _ := cur.([]any)
		for _, e := range arr {
			if m, ok := e.(map[string]any); ok {
				deleteKey(m, t.sub.Name)
			}
		}

	case a.MultiValued && value != nil:
		given, err := coerceMulti(a, value, t.path)
		if err != nil {
			return err
		}
		arr, _ := cur.([]any)
		kept := []any{}
		for _, e := range arr {
			if !containsMatch(given, e) {
				kept = append(kept, e)
			}
		}
		c[a.Name] = kept

	case a.MultiValued:
		c[a.Name] = []any{}

	default:
		deleteKey(c, a.Name)
	}
	return nil
}

// containsMatch reports whether one of the given values selects e: every
// sub-attribute given must be equal in e (the "value" sub-attribute exactly,
// others case-insensitively; see Match). An empty given value selects nothing.
func containsMatch(given []any, e any) bool {
	em, isMap := e.(map[string]any)
	for _, g := range given {
		gm, ok := g.(map[string]any)
		if !ok {
			if reflect.DeepEqual(g, e) {
				return true
			}
			continue
		}
		if !isMap || len(gm) == 0 {
			continue
		}
		all := true
		for k, gv := range gm {
			_, ev, ok := lookupKey(em, k)
			if !ok || !compare(ev, filter.EQ, gv, equalFold(k, "value")) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// coerceSingle checks one value against attribute a and returns it in
// canonical form. Entra's string booleans ("True", "false") become JSON
// booleans; any other type mismatch is 400 invalidValue. For complex values,
// sub-attribute names are canonicalised, unknown sub-attributes dropped, and
// read-only ones (members[].display, $ref) dropped too: RFC 7644 §3.5.2 says
// the server ignores read-only values in requests, and the server recomputes
// them. A null sub-attribute is kept as nil, meaning "unassign" to merge.
func coerceSingle(a *Attribute, v any, label string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if _, isArray := v.([]any); isArray {
		return nil, Invalid(TypeInvalidValue, "Attribute %q takes a single value, not an array", label)
	}
	switch a.Type {
	case TypeBoolean:
		b, ok := asBool(v)
		if !ok {
			return nil, Invalid(TypeInvalidValue, "Attribute %q must be a boolean", label)
		}
		return b, nil
	case TypeComplex:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, Invalid(TypeInvalidValue, "Attribute %q must be an object", label)
		}
		out := map[string]any{}
		for _, k := range sortedKeys(m) {
			s, ok := Find(a.SubAttributes, k)
			if !ok || s.Mutability == mutReadOnly {
				continue
			}
			sv, err := coerceSingle(s, m[k], label+"."+s.Name)
			if err != nil {
				return nil, err
			}
			out[s.Name] = sv
		}
		return out, nil
	default: // string, reference, dateTime
		s, ok := v.(string)
		if !ok {
			return nil, Invalid(TypeInvalidValue, "Attribute %q must be a string", label)
		}
		return s, nil
	}
}

// coerceMulti checks a value for a multi-valued attribute: an array of
// single values. A lone value is accepted as a one-element array (some
// clients send {"value":"<id>"} instead of [{"value":"<id>"}]). Null and
// empty elements are dropped.
func coerceMulti(a *Attribute, v any, label string) ([]any, error) {
	if v == nil {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		arr = []any{v}
	}
	out := []any{}
	for _, e := range arr {
		cv, err := coerceSingle(a, e, label)
		if err != nil {
			return nil, err
		}
		if m, ok := cv.(map[string]any); ok {
			compact(m)
			if len(m) == 0 {
				continue
			}
		}
		if cv != nil {
			out = append(out, cv)
		}
	}
	return out, nil
}

// appendUnique appends the values of add not already in existing. Values of
// a reference collection (an attribute with a $ref sub-attribute: group
// members, user groups) are identified by their "value" id, so re-adding a
// member keeps the existing element; other values must be equal to be
// duplicates.
func appendUnique(a *Attribute, existing, add []any) []any {
	_, byID := Find(a.SubAttributes, "$ref")
	out := append([]any{}, existing...)
	for _, n := range add {
		dup := false
		for _, e := range out {
			if byID {
				nm, ok1 := n.(map[string]any)
				em, ok2 := e.(map[string]any)
				if ok1 && ok2 {
					nv, ok1 := nm["value"].(string)
					_, ev, ok2 := lookupKey(em, "value")
					if ok1 && ok2 && ev == nv {
						dup = true
						break
					}
				}
			}
			if reflect.DeepEqual(n, e) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, n)
		}
	}
	return out
}

// merge copies src into dst; a nil value in src deletes the key.
func merge(dst, src map[string]any) {
	for _, k := range sortedKeys(src) {
		setOrDelete(dst, k, src[k])
	}
}

// compact removes nil values (unassign markers) from m.
func compact(m map[string]any) {
	for k, v := range m {
		if v == nil {
			delete(m, k)
		}
	}
}

// canon returns m's value for name (case-insensitive) after moving it to the
// canonical key name; nil when absent.
func canon(m map[string]any, name string) any {
	v, _ := lookupCanon(m, name)
	return v
}

func lookupCanon(m map[string]any, name string) (any, bool) {
	k, v, ok := lookupKey(m, name)
	if !ok {
		return nil, false
	}
	if k != name {
		deleteKey(m, name)
		m[name] = v
	}
	return v, true
}

// childMap returns the complex value m[name], creating it if absent or not
// an object.
func childMap(m map[string]any, name string) map[string]any {
	if c, ok := canon(m, name).(map[string]any); ok {
		return c
	}
	c := map[string]any{}
	m[name] = c
	return c
}

// dropEmpty deletes m[name] when it is an empty object: an empty complex
// value is unassigned.
func dropEmpty(m map[string]any, name string) {
	if c, ok := m[name].(map[string]any); ok && len(c) == 0 {
		delete(m, name)
	}
}

// setOrDelete sets m[name] = v under the canonical key, or deletes it for nil.
func setOrDelete(m map[string]any, name string, v any) {
	deleteKey(m, name)
	if v != nil {
		m[name] = v
	}
}

// deleteKey deletes every case variant of name from m.
func deleteKey(m map[string]any, name string) {
	for k := range m {
		if equalFold(k, name) {
			delete(m, k)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// deepCopy copies a JSON value (maps, slices, scalars).
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return deepCopyMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

func deepCopyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopy(v)
	}
	return out
}

// OnlyActive reports whether ops only set the User's active flag, as Okta
// deactivates and reactivates ({"op":"replace","value":{"active":false}},
// or path "active"), and the flag they leave. It accepts exactly what
// ApplyPatch would apply as a boolean (any op case already lowered; key
// and path in any case; Entra's string booleans) and nothing else, so
// a caller may set the flag instead of running the engine
// (TestOnlyActiveMatchesApplyPatch).
func OnlyActive(ops []PatchOperation) (active, ok bool) {
	if len(ops) == 0 {
		return false, false
	}
	for _, op := range ops {
		if op.Op != OpReplace && op.Op != OpAdd {
			return false, false
		}
		var raw json.RawMessage
		switch path := strings.TrimSpace(op.Path); {
		case path == "":
			var obj map[string]json.RawMessage
			if json.Unmarshal(op.Value, &obj) != nil || len(obj) != 1 {
				return false, false
			}
			for k, v := range obj {
				if k != "active" && k != "Active" {
					return false, false
				}
				raw = v
			}
		case equalFold(path, "active"):
			raw = op.Value
		default:
			return false, false
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return false, false
		}
		b, isBool := asBool(v)
		if !isBool {
			return false, false
		}
		active = b
	}
	return active, true
}
