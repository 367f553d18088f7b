package mockatlassian

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

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
// kept rendered as JSON in chunks of about chunkMembers members. It follows
// the member set through patchMembers and its members' userNames through
// Directory.index; every other change of the set drops it (g.view = nil)
// and the next answer builds it again. A change re-renders its chunk only,
// and a rendered chunk is never written again, so an answer takes the
// chunks under the org lock and writes them after releasing it.
type memberView struct {
	chunks []*viewChunk
}

// chunkMembers is the size a chunk is built at; one grows to twice that
// before it is split.
const chunkMembers = 32

type viewChunk struct {
	ents []viewEntry // sorted by id
	json []byte      // the entries' JSON joined by commas; nil: to render
}

type viewEntry struct {
	id   string
	json []byte // nil: to render
}

func newMemberView(ids []string) *memberView {
	v := &memberView{}
	for len(ids) > 0 {
		n := min(chunkMembers, len(ids))
		c := &viewChunk{ents: make([]viewEntry, n, n+n/4)}
		for i, id := range ids[:n] {
			c.ents[i].id = id
		}
		v.chunks = append(v.chunks, c)
		ids = ids[n:]
	}
	return v
}

// chunkOf returns the chunk that holds id or would: the last one whose
// first id is not after it.
func (v *memberView) chunkOf(id string) int {
	i := sort.Search(len(v.chunks), func(i int) bool { return v.chunks[i].ents[0].id > id })
	return max(i-1, 0)
}

func (c *viewChunk) find(id string) (int, bool) {
	i := sort.Search(len(c.ents), func(i int) bool { return c.ents[i].id >= id })
	return i, i < len(c.ents) && c.ents[i].id == id
}

func (v *memberView) insert(id string) {
	if v == nil {
		return
	}
	if len(v.chunks) == 0 {
		v.chunks = []*viewChunk{{ents: []viewEntry{{id: id}}}}
		return
	}
	ci := v.chunkOf(id)
	c := v.chunks[ci]
	i, found := c.find(id)
	if found {
		return
	}
	c.ents = slices.Insert(c.ents, i, viewEntry{id: id})
	c.json = nil
	if len(c.ents) >= 2*chunkMembers {
		half := len(c.ents) / 2
		right := &viewChunk{ents: slices.Clone(c.ents[half:])}
		c.ents = slices.Clip(c.ents[:half])
		v.chunks = slices.Insert(v.chunks, ci+1, right)
	}
}

func (v *memberView) remove(id string) {
	if v == nil || len(v.chunks) == 0 {
		return
	}
	ci := v.chunkOf(id)
	c := v.chunks[ci]
	i, found := c.find(id)
	if !found {
		return
	}
	if len(c.ents) == 1 {
		v.chunks = slices.Delete(v.chunks, ci, ci+1)
		return
	}
	// Entries are read under the org lock only; answers being written
	// hold the chunk's json, which is replaced, never changed.
	c.ents = slices.Delete(c.ents, i, i+1)
	c.json = nil
}

// touch marks a member to render again (its userName changed).
func (v *memberView) touch(id string) {
	if v == nil || len(v.chunks) == 0 {
		return
	}
	c := v.chunks[v.chunkOf(id)]
	if i, found := c.find(id); found {
		c.ents[i].json = nil
		c.json = nil
	}
}

// groupAnswer is a group's JSON in parts, taken under the org lock and
// written after it: every part is immutable.
type groupAnswer struct {
	parts [][]byte
	size  int
}

// answerBuffers hold answers being written: one Write of the whole answer
// costs a fraction of one per part (each part past net/http's buffer is a
// chunk and a system call of its own), and reusing the buffer spares the
// collector an allocation the size of the group per request.
var answerBuffers = sync.Pool{New: func() any { return new([]byte) }}

// WriteTo writes the answer with one Write.
func (a *groupAnswer) WriteTo(w io.Writer) (int64, error) {
	buf := answerBuffers.Get().(*[]byte)
	b := a.appendTo((*buf)[:0])
	n, err := w.Write(b) // every writer in the chain copies or sends b before returning
	if cap(b) <= 16<<20 {
		*buf = b[:0]
		answerBuffers.Put(buf)
	}
	return int64(n), err
}

// Bytes joins the parts.
func (a *groupAnswer) Bytes() []byte { return a.appendTo(make([]byte, 0, a.size)) }

func (a *groupAnswer) appendTo(out []byte) []byte {
	out = slices.Grow(out, a.size)
	for _, p := range a.parts {
		out = append(out, p...)
	}
	return out
}

var (
	jsonComma      = []byte(",")
	jsonMembersEnd = []byte(`],"meta":`)
)

// groupJSON renders g as renderGroup + json.Marshal would, byte for byte
// (TestGroupJSONMatchesMarshal), from the kept member view: only the chunks
// with members new to the view or renamed are rendered. Caller holds the
// org lock.
func (m *Model) groupJSON(d *Directory, g *groupRecord) (*groupAnswer, error) {
	if g.view == nil {
		g.view = newMemberView(sortedGroupMembers(g))
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
	head = append(head[:len(head)-len("null}")], '[')
	a := &groupAnswer{parts: make([][]byte, 0, 2*len(g.view.chunks)+3)}
	add := func(p []byte) {
		a.parts = append(a.parts, p)
		a.size += len(p)
	}
	add(head)
	for i, c := range g.view.chunks {
		if c.json == nil {
			if err := m.renderChunk(d, c); err != nil {
				return nil, err
			}
		}
		if i > 0 {
			add(jsonComma)
		}
		add(c.json)
	}
	add(jsonMembersEnd)
	add(append(meta, '}'))
	return a, nil
}

// renderChunk renders the chunk's members not rendered yet, as renderGroup
// does, and joins them.
func (m *Model) renderChunk(d *Directory, c *viewChunk) error {
	size := 0
	for i := range c.ents {
		e := &c.ents[i]
		if e.json == nil {
			ref := scim.Ref{Type: memberTypeUser, Value: e.id, Ref: m.userLocation(d, e.id)}
			if u, ok := d.users[e.id]; ok {
				ref.Display = u.res.UserName
			}
			b, err := json.Marshal(ref)
			if err != nil {
				return err
			}
			e.json = b
		}
		size += len(e.json) + 1
	}
	out := make([]byte, 0, size)
	for i := range c.ents {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, c.ents[i].json...)
	}
	c.json = out
	return nil
}
