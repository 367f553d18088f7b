package mockatlassian

import (
	"strings"

	"github.com/provsim/provsim/internal/scim"
)

// memberTypeUser is the only member type a directory group has.
const memberTypeUser = "User"

func groupNotFound(id string) error {
	return scim.NotFound("Resource [GROUP]: with id[%s] not found.", id)
}

func groupNameConflict() error {
	// The message Okta shows for Atlassian's answer (SCIM-GROUP-1).
	return scim.Conflict("Resource [GROUP]: with displayName already exists.")
}

// renderGroup builds the wire form of a group: members carry type "User",
// the user's userName as display and its location (SCIM-GROUP-4).
func (m *Model) renderGroup(d *Directory, g *groupRecord) scim.Group {
	out := scim.Group{
		Schemas:     []string{scim.GroupSchema},
		ID:          g.id,
		DisplayName: g.displayName,
		ExternalID:  g.externalID,
		Members:     make([]scim.Ref, 0, len(g.members)),
		Meta: &scim.Meta{ResourceType: "Group", Location: m.groupLocation(d, g.id),
			Created: scim.Timestamp(g.created), LastModified: scim.Timestamp(g.modified)},
	}
	for _, uid := range sortedGroupMembers(g) {
		ref := scim.Ref{Type: memberTypeUser, Value: uid, Ref: m.userLocation(d, uid)}
		if u, ok := d.users[uid]; ok {
			ref.Display = u.res.UserName
		}
		out.Members = append(out.Members, ref)
	}
	return out
}

func (d *Directory) group(id string) (*groupRecord, error) {
	g, ok := d.groups[id]
	if !ok {
		return nil, groupNotFound(id)
	}
	return g, nil
}

// memberIDs validates a member list: every member must be a live user of
// this directory. notFound selects PATCH's 404 over POST/PUT's 400 (SCIM-GROUP-5).
// A member typed as anything but a user is refused rather than rewritten:
// Atlassian groups hold users only (SCIM-GROUP-7).
func (m *Model) memberIDs(d *Directory, refs []scim.Ref, notFound bool) (map[string]bool, error) {
	ids := make(map[string]bool, len(refs))
	for _, ref := range refs {
		if ref.Type != "" && !strings.EqualFold(ref.Type, memberTypeUser) {
			return nil, scim.Invalid(scim.TypeInvalidValue,
				"members[value eq %q].type %q is not supported: the members of a group are users (type %q)", ref.Value, ref.Type, memberTypeUser)
		}
		if _, err := d.liveUser(ref.Value); err != nil {
			if notFound {
				return nil, scim.NotFound("The directory, group, or user does not exist: user %s", ref.Value)
			}
			return nil, scim.Invalid(scim.TypeInvalidValue, "the users referenced do not exist: %s", ref.Value)
		}
		ids[ref.Value] = true
	}
	if len(ids) > m.opts.MaxUsersPerGroup {
		return nil, scim.Invalid(scim.TypeInvalidValue, "A group can have at most %d members.", m.opts.MaxUsersPerGroup)
	}
	return ids, nil
}

// nameTaken reports whether displayName collides in the organization:
// another SCIM group (any directory of the org) always collides; a local
// or default group collides unless GroupCollision is accept-unsynced, in
// which case the group is created but not synced (SCIM-GROUP-3).
// Caller holds the org lock.
func (m *Model) nameTaken(d *Directory, name, selfID string) (conflict, unsynced bool) {
	lower := strings.ToLower(name)
	o := d.org
	for _, did := range o.dirOrder {
		for _, g := range o.directories[did].groups {
			if g.id != selfID && strings.ToLower(g.displayName) == lower {
				return true, false
			}
		}
	}
	if id, ok := o.groupByName[lower]; ok {
		og := o.groups[id]
		if og.Source == SourceSCIM {
			return og.SCIMGroupID != selfID, false
		}
		if m.opts.GroupCollision == CollisionConflict {
			return true, false
		}
		return false, true
	}
	return false, false
}

// CreateGroup is POST /Groups: a new group synced to the organization.
func (m *Model) CreateGroup(dirID string, in scim.Group) (scim.Group, error) {
	if len(in.Schemas) > 0 && !containsFold(in.Schemas, scim.GroupSchema) {
		return scim.Group{}, scim.Invalid(scim.TypeInvalidSyntax, "schemas must include %s", scim.GroupSchema)
	}
	name := strings.TrimSpace(in.DisplayName)
	if name == "" {
		return scim.Group{}, scim.Invalid(scim.TypeInvalidValue, "displayName is required")
	}
	var out scim.Group
	err := m.locked(dirID, func(d *Directory) error {
		conflict, unsynced := m.nameTaken(d, name, "")
		if conflict {
			return groupNameConflict()
		}
		members, err := m.memberIDs(d, in.Members, false)
		if err != nil {
			return err
		}
		now := m.now()
		g := &groupRecord{id: m.ids.UUID(), displayName: name, externalID: in.ExternalID,
			members: map[string]bool{}, created: now, modified: now}
		d.groups[g.id] = g
		d.groupOrder = append(d.groupOrder, g.id)
		d.org.changes.New(kindSCIMGroup, dirKey(d.ID, g.id))
		if !unsynced {
			og := d.org.addGroup(g.id, name, SourceSCIM)
			og.DirectoryID, og.SCIMGroupID = d.ID, g.id
			g.orgGroup = og.ID
			m.auditGroup(d.org, directoryActor(d), og, true)
		}
		d.setMembers(g, members)
		m.auditMembers(d, g, nil)
		out = m.renderGroup(d, g)
		return nil
	})
	return out, err
}

// setMembers replaces a group's members, keeping users' group sets in step.
// Every caller changes the group itself too (name, times), so its record
// is marked here with its members'.
func (d *Directory) setMembers(g *groupRecord, members map[string]bool) {
	changes := d.org.changes
	changes.Put(kindSCIMGroup, dirKey(d.ID, g.id))
	for uid := range g.members {
		if !members[uid] {
			if u, ok := d.users[uid]; ok {
				delete(u.groups, g.id)
			}
			changes.Put(kindSCIMMember, scimMemberKey(d.ID, g.id, uid))
		}
	}
	for uid := range members {
		d.users[uid].groups[g.id] = true
		if !g.members[uid] {
			changes.New(kindSCIMMember, scimMemberKey(d.ID, g.id, uid))
		}
	}
	g.members = members
	g.view = nil
}

// GetGroup returns one group.
func (m *Model) GetGroup(dirID, id string) (scim.Group, error) {
	var out scim.Group
	err := m.locked(dirID, func(d *Directory) error {
		g, err := d.group(id)
		if err != nil {
			return err
		}
		out = m.renderGroup(d, g)
		return nil
	})
	return out, err
}

// ListGroups returns groups, optionally filtered by displayName
// (case-insensitive, SCIM-FILTER-2).
func (m *Model) ListGroups(dirID string, f *scim.EqFilter, startIndex, count int) (int, Page, []scim.Group, error) {
	if count < 0 {
		count = m.opts.PageSize
	}
	p := m.clampPage(startIndex, count)
	var total int
	var out []scim.Group
	err := m.locked(dirID, func(d *Directory) error {
		ids := d.groupOrder
		if f != nil {
			ids = nil
			for _, id := range d.groupOrder {
				if strings.EqualFold(d.groups[id].displayName, f.Value) {
					ids = append(ids, id)
				}
			}
		}
		total = len(ids)
		for i := p.StartIndex - 1; i < len(ids) && len(out) < p.Count; i++ {
			out = append(out, m.renderGroup(d, d.groups[ids[i]]))
		}
		return nil
	})
	return total, p, out, err
}

// rename applies the configured rename behaviour: Atlassian does not support
// renaming; by default the new name is ignored (SCIM-GROUP-2).
func (m *Model) rename(g *groupRecord, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", scim.Invalid(scim.TypeInvalidValue, "displayName is required")
	}
	if name == g.displayName {
		return name, nil
	}
	if m.opts.GroupRename == RenameReject {
		return "", scim.Invalid(scim.TypeMutability, "Group displayName is immutable and cannot be changed.")
	}
	return g.displayName, nil
}

// ReplaceGroup is PUT /Groups/{id}: members are replaced; unknown member ids
// are a 400 (SCIM-GROUP-5).
func (m *Model) ReplaceGroup(dirID, id string, in scim.Group) (scim.Group, error) {
	var out scim.Group
	err := m.locked(dirID, func(d *Directory) error {
		g, err := d.group(id)
		if err != nil {
			return err
		}
		name, err := m.rename(g, in.DisplayName)
		if err != nil {
			return err
		}
		members, err := m.memberIDs(d, in.Members, false)
		if err != nil {
			return err
		}
		g.displayName, g.externalID = name, in.ExternalID
		before := g.members
		d.setMembers(g, members)
		m.auditMembers(d, g, before)
		g.modified = m.now()
		out = m.renderGroup(d, g)
		return nil
	})
	return out, err
}

// PatchGroup is PATCH /Groups/{id}, membership management in every client
// dialect (the PATCH engine); answers 200 with the full group (SCIM-GROUP-4).
func (m *Model) PatchGroup(dirID, id string, ops []scim.PatchOperation) (scim.Group, error) {
	var out scim.Group
	err := m.patchGroup(dirID, id, ops, func(d *Directory, g *groupRecord) error {
		out = m.renderGroup(d, g)
		return nil
	})
	return out, err
}

// patchGroupJSON is PatchGroup answering with the group's JSON, rendered
// from the kept member view (groupfast.go): the SCIM handler's path.
func (m *Model) patchGroupJSON(dirID, id string, ops []scim.PatchOperation) (*groupAnswer, error) {
	var out *groupAnswer
	err := m.patchGroup(dirID, id, ops, func(d *Directory, g *groupRecord) (err error) {
		out, err = m.groupJSON(d, g)
		return err
	})
	return out, err
}

// getGroupJSON is GetGroup's answer as JSON, rendered like patchGroupJSON's.
func (m *Model) getGroupJSON(dirID, id string) (*groupAnswer, error) {
	var out *groupAnswer
	err := m.locked(dirID, func(d *Directory) error {
		g, err := d.group(id)
		if err != nil {
			return err
		}
		out, err = m.groupJSON(d, g)
		return err
	})
	return out, err
}

// patchGroup applies a group PATCH and calls render under the lock. Member
// operations go straight to the member set when they can (patchMembers);
// everything else through the PATCH engine on the group's document.
func (m *Model) patchGroup(dirID, id string, ops []scim.PatchOperation, render func(*Directory, *groupRecord) error) error {
	if n := membersNamed(ops); n > m.opts.MaxMembersPerPatch {
		return scim.Invalid(scim.TypeInvalidValue,
			"A PATCH may add or remove at most %d group members; this one names %d. Send several PATCH requests, or replace the member list.",
			m.opts.MaxMembersPerPatch, n)
	}
	memberOps, onlyMembers := parseMemberOps(ops)
	return m.locked(dirID, func(d *Directory) error {
		g, err := d.group(id)
		if err != nil {
			return err
		}
		if onlyMembers && !m.generalMemberPatch && m.patchMembers(d, g, memberOps) {
			return render(d, g)
		}
		doc, err := toDoc(m.renderGroup(d, g))
		if err != nil {
			return err
		}
		patched, err := scim.ApplyPatch(doc, scim.GroupResourceSchema, ops)
		if err != nil {
			return err
		}
		var in scim.Group
		if err := fromDoc(patched, &in); err != nil {
			return err
		}
		name, err := m.rename(g, in.DisplayName)
		if err != nil {
			return err
		}
		members, err := m.memberIDs(d, in.Members, true)
		if err != nil {
			return err
		}
		g.displayName, g.externalID = name, in.ExternalID
		before := g.members
		d.setMembers(g, members)
		m.auditMembers(d, g, before)
		g.modified = m.now()
		return render(d, g)
	})
}

// DeleteGroup is DELETE /Groups/{id}: the group leaves the directory, the
// organization and every product grant; members lose the access it gave.
func (m *Model) DeleteGroup(dirID, id string) error {
	return m.locked(dirID, func(d *Directory) error {
		g, err := d.group(id)
		if err != nil {
			return err
		}
		d.setMembers(g, map[string]bool{})
		delete(d.groups, id)
		d.groupOrder = remove(d.groupOrder, id)
		if og := d.org.groups[g.orgGroup]; og != nil {
			m.auditGroup(d.org, directoryActor(d), og, false)
			d.org.removeGroup(og.ID)
		}
		return nil
	})
}
