package mockatlassian

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"github.com/provsim/provsim/internal/scim"
)

// Group member PATCH at scale. The general PATCH path renders the whole
// group to a JSON document, applies the operations, decodes it back and
// re-validates every member: a one-member change costs the whole group, and
// Okta's group push sends one such PATCH per batch of up to 100 people.
// Here the operations Okta and the other clients send for membership
// (add path "members", remove `members[value eq "…"]`, remove path
// "members" with a value list) are applied to the member set directly, and
// the group's answer is kept rendered member by member, so a PATCH renders
// only the members it changed. Anything else, and every request the general
// path would refuse, goes the general way, which stays the authority on
// behaviour: the fast path only takes requests whose outcome it knows to be
// the same (TestGroupMemberFastPathMatchesGeneral).

// memberOp is one membership operation: add or remove these user ids.
type memberOp struct {
	add bool
	ids []string
}

// memberFilterRE is `members[value eq "<id>"]` with the attribute names and
// the operator in any case; ids with quotes or escapes go the general way.
var memberFilterRE = regexp.MustCompile(`^(?i:members)\[(?i:value) (?i:eq) "([^"\\]*)"\]$`)

// groupURNPrefix is the core Group schema URN a path may start with.
var groupURNPrefix = scim.GroupSchema + ":"

// parseMemberOps recognises a PATCH made only of membership operations; ok
// is false for anything else.
func parseMemberOps(ops []scim.PatchOperation) ([]memberOp, bool) {
	out := make([]memberOp, 0, len(ops))
	for _, op := range ops {
		path := strings.TrimSpace(op.Path)
		if len(path) > len(groupURNPrefix) && strings.EqualFold(path[:len(groupURNPrefix)], groupURNPrefix) {
			path = path[len(groupURNPrefix):]
		}
		switch {
		case op.Op == scim.OpAdd && strings.EqualFold(path, "members"):
			ids, ok := memberValues(op.Value, true)
			if !ok {
				return nil, false
			}
			out = append(out, memberOp{add: true, ids: ids})
		case op.Op == scim.OpRemove && strings.EqualFold(path, "members"):
			ids, ok := memberValues(op.Value, false)
			if !ok || len(ids) == 0 {
				return nil, false
			}
			out = append(out, memberOp{ids: ids})
		case op.Op == scim.OpRemove:
			m := memberFilterRE.FindStringSubmatch(path)
			if m == nil || m[1] == "" {
				return nil, false
			}
			out = append(out, memberOp{ids: []string{m[1]}})
		default:
			return nil, false
		}
	}
	return out, true
}

// memberValues reads a member list (or one member object, which the
// general path accepts as a list of one) whose elements hold a non-empty
// string "value" and, for an add, only the other sub-attributes the
// general path keeps or drops without error: "display" and "$ref" (read
// only, ignored) and "type" when it is "User" in any case (SCIM-GROUP-7).
// A remove takes elements of "value" alone: other sub-attributes there
// select members by more than their id.
func memberValues(raw json.RawMessage, add bool) ([]string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, false
	}
	var elems []map[string]any
	switch raw[0] {
	case '[':
		if json.Unmarshal(raw, &elems) != nil {
			return nil, false
		}
	case '{':
		var one map[string]any
		if json.Unmarshal(raw, &one) != nil {
			return nil, false
		}
		elems = []map[string]any{one}
	default:
		return nil, false
	}
	ids := make([]string, 0, len(elems))
	for _, e := range elems {
		id, ok := e["value"].(string)
		if e == nil || !ok || id == "" {
			return nil, false
		}
		for k, v := range e {
			s, isString := v.(string)
			switch {
			case !isString:
				return nil, false
			case k == "value":
			case !add:
				return nil, false
			case k == "display" || k == "$ref":
			case k == "type" && strings.EqualFold(s, memberTypeUser):
			default:
				return nil, false
			}
		}
		ids = append(ids, id)
	}
	return ids, true
}

// patchMembers applies membership operations to g and reports true, or
// changes nothing and reports false when the general path must decide
// (an unknown or deleted user, a group past its size limit). It writes
// what the general path writes: the group record, and one member record
// per member gained or lost. Caller holds the org lock.
func (m *Model) patchMembers(d *Directory, g *groupRecord, ops []memberOp) bool {
	// A deleted user (DeleteDeactivates) can still be a member, and the
	// general path answers 404 for every PATCH of its groups.
	if len(d.users) != d.live {
		return false
	}
	after := map[string]bool{}
	for _, op := range ops {
		for _, uid := range op.ids {
			if op.add {
				if _, err := d.liveUser(uid); err != nil {
					return false
				}
			}
			after[uid] = op.add
		}
	}
	var added, removed []string
	for uid, in := range after {
		switch was := g.members[uid]; {
		case in && !was:
			added = append(added, uid)
		case !in && was:
			removed = append(removed, uid)
		}
	}
	if len(g.members)+len(added)-len(removed) > m.opts.MaxUsersPerGroup {
		return false
	}
	sort.Strings(added)
	sort.Strings(removed)

	changes := d.org.changes
	changes.Put(kindSCIMGroup, dirKey(d.ID, g.id))
	for _, uid := range removed {
		delete(g.members, uid)
		if u, ok := d.users[uid]; ok {
			delete(u.groups, g.id)
		}
		changes.Put(kindSCIMMember, scimMemberKey(d.ID, g.id, uid))
		g.view.remove(uid)
	}
	for _, uid := range added {
		g.members[uid] = true
		d.users[uid].groups[g.id] = true
		changes.New(kindSCIMMember, scimMemberKey(d.ID, g.id, uid))
		g.view.insert(uid)
	}
	m.auditMemberDiff(d, g, added, removed)
	g.modified = m.now()
	return true
}

// memberView is a group's members in answer order (by id, SCIM-GROUP-4),
// each kept rendered as JSON. It follows the member set through
// patchMembers; every other change of the set drops it (g.view = nil) and
// the next answer builds it again.
type memberView struct {
	ents []viewEntry
}

type viewEntry struct {
	id   string
	rec  *userRecord // the user rendered; nil: render it at the next answer
	name string      // the userName its display was rendered with
	json []byte
}

func (v *memberView) find(id string) (int, bool) {
	i := sort.Search(len(v.ents), func(i int) bool { return v.ents[i].id >= id })
	return i, i < len(v.ents) && v.ents[i].id == id
}

func (v *memberView) insert(id string) {
	if v == nil {
		return
	}
	i, found := v.find(id)
	if found {
		return
	}
	v.ents = append(v.ents, viewEntry{})
	copy(v.ents[i+1:], v.ents[i:])
	v.ents[i] = viewEntry{id: id}
}

func (v *memberView) remove(id string) {
	if v == nil {
		return
	}
	if i, found := v.find(id); found {
		v.ents = append(v.ents[:i], v.ents[i+1:]...)
	}
}

// groupJSON renders g as renderGroup + json.Marshal would, byte for byte
// (TestGroupJSONMatchesMarshal), from the kept member view: only members
// new to the view or whose userName changed are rendered. Caller holds the
// org lock.
func (m *Model) groupJSON(d *Directory, g *groupRecord) ([]byte, error) {
	if g.view == nil {
		ids := sortedGroupMembers(g)
		v := &memberView{ents: make([]viewEntry, len(ids))}
		for i, id := range ids {
			v.ents[i].id = id
		}
		g.view = v
	}
	size := 0
	for i := range g.view.ents {
		e := &g.view.ents[i]
		if e.rec == nil || e.rec.res.UserName != e.name {
			if err := m.renderMember(d, e); err != nil {
				return nil, err
			}
		}
		size += len(e.json) + 1
	}
	head, err := json.Marshal(scim.Group{Schemas: []string{scim.GroupSchema}, ID: g.id, DisplayName: g.displayName, ExternalID: g.externalID})
	if err != nil {
		return nil, err
	}
	meta, err := json.Marshal(&scim.Meta{ResourceType: "Group", Location: m.groupLocation(d, g.id),
		Created: scim.Timestamp(g.created), LastModified: scim.Timestamp(g.modified)})
	if err != nil {
		return nil, err
	}
	// head ends with `"members":null}`: the members go in its place.
	const nullMembers = `"members":null}`
	if !bytes.HasSuffix(head, []byte(nullMembers)) {
		return nil, scim.Errorf(scim.KindInternal, "", "group rendering: unexpected field order")
	}
	head = head[:len(head)-len("null}")]
	out := make([]byte, 0, len(head)+size+len(meta)+16)
	out = append(out, head...)
	out = append(out, '[')
	for i := range g.view.ents {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, g.view.ents[i].json...)
	}
	out = append(out, `],"meta":`...)
	out = append(out, meta...)
	out = append(out, '}')
	return out, nil
}

// renderMember renders one member as renderGroup does.
func (m *Model) renderMember(d *Directory, e *viewEntry) error {
	ref := scim.Ref{Type: memberTypeUser, Value: e.id, Ref: m.userLocation(d, e.id)}
	e.rec, e.name = nil, ""
	if u, ok := d.users[e.id]; ok {
		ref.Display = u.res.UserName
		e.rec, e.name = u, u.res.UserName
	}
	b, err := json.Marshal(ref)
	if err != nil {
		return err
	}
	e.json = b
	return nil
}
