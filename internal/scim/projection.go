package scim

import (
	"strings"
)

// ParseAttributeList splits an `attributes` / `excludedAttributes` query
// value: comma separated, each name trimmed, empty names dropped.
func ParseAttributeList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Project applies the `attributes` or `excludedAttributes` parameter
// (RFC 7644 §3.4.2.5, §3.9) to a resource document and returns a new map;
// doc is not modified. The two lists are mutually exclusive (400
// invalidValue when both are given; SCIM-ATTR-1).
//
// Names are case-insensitive and may be:
//   - a top-level attribute (`userName`, `emails`, `meta`);
//   - a sub-attribute (`name.givenName`, `emails.value`; for a multi-valued
//     attribute it applies to every element);
//   - URN-qualified (`urn:ietf:params:scim:schemas:core:2.0:User:userName`,
//     `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`);
//   - a whole extension URN.
//
// With `attributes`, only the listed attributes are returned, plus `schemas`
// and `id`, which are always returned (RFC 7643 §7 returned "always").
// With `excludedAttributes`, the listed attributes are dropped, never
// `schemas` or `id`. Unknown names are ignored. A complex value or element
// left with no sub-attributes is omitted.
func Project(doc map[string]any, rs ResourceSchema, attributes, excludedAttributes []string) (map[string]any, error) {
	if len(attributes) > 0 && len(excludedAttributes) > 0 {
		return nil, Invalid(TypeInvalidValue, "attributes and excludedAttributes are mutually exclusive")
	}
	switch {
	case len(attributes) > 0:
		sel := buildSelection(rs, attributes)
		out := include(doc, sel)
		for _, always := range []string{"schemas", "id"} {
			if k, v, ok := lookupKey(doc, always); ok {
				out[k] = deepCopy(v)
			}
		}
		return out, nil
	case len(excludedAttributes) > 0:
		out := deepCopyMap(doc)
		if out == nil {
			out = map[string]any{}
		}
		exclude(out, buildSelection(rs, excludedAttributes), true)
		return out, nil
	default:
		out := deepCopyMap(doc)
		if out == nil {
			out = map[string]any{}
		}
		return out, nil
	}
}

// selection is a tree of document keys (lower case): a node either selects
// its whole value or some of its children.
type selection struct {
	all      bool
	children map[string]*selection
}

func (s *selection) add(keys []string) {
	n := s
	for _, k := range keys {
		if n.all {
			return
		}
		if n.children == nil {
			n.children = map[string]*selection{}
		}
		c, ok := n.children[k]
		if !ok {
			c = &selection{}
			n.children[k] = c
		}
		n = c
	}
	n.all, n.children = true, nil
}

// buildSelection turns attribute names into document key paths: an optional
// extension URN key, the attribute, an optional sub-attribute.
func buildSelection(rs ResourceSchema, names []string) *selection {
	root := &selection{}
	for _, name := range names {
		if keys := selectionKeys(rs, name); keys != nil {
			root.add(keys)
		}
	}
	return root
}

func selectionKeys(rs ResourceSchema, name string) []string {
	if ext, ok := rs.Extension(name); ok {
		return []string{strings.ToLower(ext.ID)}
	}
	var prefix []string
	rest := name
	// The longest schema URN that prefixes the name wins.
	best := ""
	schemas := append([]*Schema{}, rs.Extensions...)
	if rs.Core != nil {
		schemas = append(schemas, rs.Core)
	}
	for _, s := range schemas {
		id := s.ID
		if len(name) > len(id)+1 && name[len(id)] == ':' && equalFold(name[:len(id)], id) && len(id) > len(best) {
			best = id
			rest = name[len(id)+1:]
			prefix = nil
			if s != rs.Core {
				prefix = []string{strings.ToLower(id)}
			}
		}
	}
	if best == "" && strings.Contains(name, ":") {
		return nil // an unknown schema
	}
	parts := strings.Split(rest, ".")
	if len(parts) > 2 {
		return nil
	}
	keys := append([]string{}, prefix...)
	for _, p := range parts {
		if p == "" {
			return nil
		}
		keys = append(keys, strings.ToLower(p))
	}
	return keys
}

// include returns the parts of src that sel selects.
func include(src map[string]any, sel *selection) map[string]any {
	out := map[string]any{}
	for k, v := range src {
		c, ok := sel.children[strings.ToLower(k)]
		if !ok {
			continue
		}
		if c.all {
			out[k] = deepCopy(v)
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			if m := include(x, c); len(m) > 0 {
				out[k] = m
			}
		case []any:
			var elems []any
			for _, e := range x {
				if em, ok := e.(map[string]any); ok {
					if m := include(em, c); len(m) > 0 {
						elems = append(elems, m)
					}
				}
			}
			if len(elems) > 0 {
				out[k] = elems
			}
		}
		// A simple value has no sub-attributes to select.
	}
	return out
}

// exclude deletes from m, in place, what sel selects. At the top level
// schemas and id are kept (RFC 7644 §3.4.2.5: returned "always" attributes
// are not excluded).
func exclude(m map[string]any, sel *selection, top bool) {
	for k, v := range m {
		if top && (equalFold(k, "schemas") || equalFold(k, "id")) {
			continue
		}
		c, ok := sel.children[strings.ToLower(k)]
		if !ok {
			continue
		}
		if c.all {
			delete(m, k)
			continue
		}
		switch x := v.(type) {
		// A value emptied by the exclusion is omitted; one that was already
		// empty (groups: []) is left alone.
		case map[string]any:
			if len(x) > 0 {
				exclude(x, c, false)
				if len(x) == 0 {
					delete(m, k)
				}
			}
		case []any:
			if len(x) == 0 {
				continue
			}
			kept := []any{}
			for _, e := range x {
				if em, ok := e.(map[string]any); ok && len(em) > 0 {
					exclude(em, c, false)
					if len(em) == 0 {
						continue
					}
				}
				kept = append(kept, e)
			}
			if len(kept) == 0 {
				delete(m, k)
			} else {
				m[k] = kept
			}
		}
	}
}
