package mockokta

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/scim"
)

// The Groups API model (OAPI-GROUP-1): OKTA_GROUP
// groups and their members. Locking, validation and hooks follow users.go.
//
// Group names are unique per org, compared case-insensitively: Okta
// rejects a duplicate name with E0000001 "name: An object with this field
// already exists…"; whether it ignores case is not documented, and
// ignoring it keeps names unambiguous for Group Push, which links groups
// by displayName. Every org has the BUILT_IN group Everyone (builtins.go),
// which cannot be renamed, deleted or have members changed by hand.

// GroupProfileInput is a group profile as created or replaced.
type GroupProfileInput struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

// GroupQuery selects groups for GET /api/v1/groups.
type GroupQuery struct {
	Q      string // prefix of the name
	Filter string // e.g. type eq "OKTA_GROUP", profile.name eq "Eng"
	Search string // same grammar here
}

const maxGroupName = 255

// group finds a group by id. Caller holds o.mu.
func (o *Org) group(id string) (*Group, error) {
	if g, ok := o.groups[id]; ok {
		return g, nil
	}
	return nil, errNotFound("UserGroup", id)
}

// appGroups are the APP_GROUP groups Okta keeps for the groups it knows in
// its apps (OKTA-PUSH-15): those imported, found by Refresh App Groups or
// pushed, from each app's cache of app groups. They are made from the
// cache on each read, in app order, then by name; their timestamps are
// the app's creation. Caller holds o.mu.
func (o *Org) appGroups() []*Group {
	var out []*Group
	for _, aid := range o.appOrder {
		a := o.apps[aid]
		for _, ref := range a.appGroupRefs(false) {
			out = append(out, &Group{ID: ref.ID, Type: GroupApp, Name: ref.DisplayName, Created: a.Created,
				LastUpdated: a.Created, LastMembershipUpdated: a.Created, SourceAppID: a.ID})
		}
	}
	return out
}

// anyGroup finds a group of any type by id, APP_GROUP included, for the
// Groups API's reads and refusals. Caller holds o.mu.
func (o *Org) anyGroup(id string) (*Group, error) {
	if g, ok := o.groups[id]; ok {
		return g, nil
	}
	for _, g := range o.appGroups() {
		if g.ID == id {
			return g, nil
		}
	}
	return nil, errNotFound("UserGroup", id)
}

// groupNameTaken reports whether another group has name. Caller holds o.mu.
func (o *Org) groupNameTaken(name, exceptID string) bool {
	for _, id := range o.groupOrder {
		if g := o.groups[id]; g != nil && id != exceptID && strings.EqualFold(g.Name, name) {
			return true
		}
	}
	return false
}

func validateGroupProfile(in GroupProfileInput) (name, desc string, err error) {
	name = strings.TrimSpace(deref(in.Name))
	switch {
	case name == "":
		return "", "", errValidation("name: " + causeBlank)
	case len([]rune(name)) > maxGroupName:
		return "", "", errValidation(fmt.Sprintf("name: The field cannot exceed %d characters", maxGroupName))
	}
	return name, deref(in.Description), nil
}

// CreateGroup is POST /api/v1/groups: a new OKTA_GROUP.
func (m *Model) CreateGroup(o *Org, in GroupProfileInput) (*Group, error) {
	name, desc, err := validateGroupProfile(in)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.groupNameTaken(name, "") {
		return nil, errValidation("name: " + causeLoginTaken)
	}
	now := m.now()
	id := m.oktaID("00g")
	for o.groups[id] != nil {
		id = m.oktaID("00g")
	}
	g := &Group{ID: id, Type: GroupOkta, Name: name, Description: desc, Created: now, LastUpdated: now,
		LastMembershipUpdated: now, memberSet: map[string]bool{}}
	o.groups[id] = g
	o.groupOrder = append(o.groupOrder, id)
	o.changes.New(kindGroup, id)
	m.logAPI(o, "group.lifecycle.create", "Create Okta group", groupTarget(g))
	return snapshotGroup(g), nil
}

// GetGroup is GET /api/v1/groups/{id}.
func (m *Model) GetGroup(o *Org, id string) (*Group, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	g, err := o.anyGroup(id)
	if err != nil {
		return nil, err
	}
	return snapshotGroup(g), nil
}

// ListGroupIDs is GET /api/v1/groups before paging: matching group ids in
// creation order.
func (m *Model) ListGroupIDs(o *Org, q GroupQuery) ([]string, error) {
	var exprs []func(map[string]any) bool
	for _, src := range []string{q.Filter, q.Search} {
		if strings.TrimSpace(src) == "" {
			continue
		}
		e, err := scim.ParseFilterExpression(src)
		if err != nil {
			return nil, errInvalidSearch(fmt.Sprintf("could not parse %q", src))
		}
		exprs = append(exprs, func(doc map[string]any) bool { return scim.Match(e, doc) })
	}
	prefix := lower(strings.TrimSpace(q.Q))
	o.mu.Lock()
	defer o.mu.Unlock()
	var ids []string
	groups := make([]*Group, 0, len(o.groupOrder))
	for _, id := range o.groupOrder {
		groups = append(groups, o.groups[id])
	}
	for _, g := range append(groups, o.appGroups()...) {
		id := g.ID
		if q.Q != "" && !strings.HasPrefix(lower(g.Name), prefix) {
			continue
		}
		ok := true
		if len(exprs) > 0 {
			doc := groupSearchDoc(g)
			for _, match := range exprs {
				ok = ok && match(doc)
			}
		}
		if ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// GroupsByID returns snapshots of the groups with these ids, in order,
// skipping any that no longer exist.
func (m *Model) GroupsByID(o *Org, ids []string) []*Group {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]*Group, 0, len(ids))
	for _, id := range ids {
		if g, err := o.anyGroup(id); err == nil {
			out = append(out, snapshotGroup(g))
		}
	}
	return out
}

func groupSearchDoc(g *Group) map[string]any {
	doc := map[string]any{
		"id": g.ID, "type": g.Type,
		"created": oktaTimestamp(g.Created), "lastUpdated": oktaTimestamp(g.LastUpdated),
		"lastMembershipUpdated": oktaTimestamp(g.LastMembershipUpdated),
		"profile":               map[string]any{"name": g.Name, "description": g.Description},
	}
	if g.SourceAppID != "" {
		// An APP_GROUP's app, searched as source.id (OKTA-PUSH-15).
		doc["source"] = map[string]any{"id": g.SourceAppID}
	}
	return doc
}

// ReplaceGroup is PUT /api/v1/groups/{id}: the profile given replaces the
// old one (a missing description clears it). A rename runs onGroupRenamed.
func (m *Model) ReplaceGroup(o *Org, id string, in GroupProfileInput) (*Group, error) {
	name, desc, err := validateGroupProfile(in)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	g, err := o.anyGroup(id)
	if err != nil {
		return nil, err
	}
	if g.Type != GroupOkta {
		return nil, errPermissionDenied()
	}
	if o.groupNameTaken(name, g.ID) {
		return nil, errValidation("name: " + causeLoginTaken)
	}
	if name == g.Name && desc == g.Description {
		return snapshotGroup(g), nil
	}
	oldName := g.Name
	g.Name, g.Description = name, desc
	g.LastUpdated = m.now()
	o.changes.Put(kindGroup, g.ID)
	m.logAPI(o, "group.profile.update", "Update group profile", groupTarget(g))
	if oldName != name {
		m.onGroupRenamed(o, g, oldName)
	}
	return snapshotGroup(g), nil
}

// DeleteGroup is DELETE /api/v1/groups/{id}. onGroupDeleted runs before
// the group goes; members are not reported one by one.
func (m *Model) DeleteGroup(o *Org, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	g, err := o.anyGroup(id)
	if err != nil {
		return err
	}
	if g.Type != GroupOkta {
		return errPermissionDenied()
	}
	m.logAPI(o, "group.lifecycle.delete", "Delete Okta group", groupTarget(g))
	m.onGroupDeleted(o, g)
	m.rulesGroupDeleted(o, g.ID)
	for _, uid := range g.members {
		if u := o.users[uid]; u != nil && u.groups != nil {
			delete(u.groups, g.ID)
		}
		o.changes.Put(kindMember, pairKey(g.ID, uid))
	}
	delete(o.groups, g.ID)
	o.changes.Put(kindGroup, g.ID)
	if i := slices.Index(o.groupOrder, g.ID); i >= 0 {
		o.groupOrder = slices.Delete(o.groupOrder, i, i+1)
	}
	return nil
}

// GroupMemberIDs is GET /api/v1/groups/{id}/users before paging: member
// ids in the order they joined (every status, DEPROVISIONED included).
func (m *Model) GroupMemberIDs(o *Org, id string) ([]string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	// An APP_GROUP's members come from imports provsim does not model: none.
	g, err := o.anyGroup(id)
	if err != nil {
		return nil, err
	}
	return g.Members(), nil
}

// AddGroupMember is PUT /api/v1/groups/{gid}/users/{uid}; adding a member
// twice is a no-op. Deactivated users may be added, as in Okta.
func (m *Model) AddGroupMember(o *Org, groupID, userID string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	g, u, err := o.membershipTarget(groupID, userID)
	if err != nil {
		return err
	}
	if m.addGroupMember(o, g, u, m.now()) {
		m.applyRules(o, u) // group-based rule conditions (OAPI-RULES-3)
	}
	return nil
}

// RemoveGroupMember is DELETE /api/v1/groups/{gid}/users/{uid}; removing a
// non-member is a no-op.
func (m *Model) RemoveGroupMember(o *Org, groupID, userID string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	g, u, err := o.membershipTarget(groupID, userID)
	if err != nil {
		return err
	}
	if m.removeGroupMember(o, g, u, m.now()) {
		m.applyRules(o, u)
	}
	return nil
}

// membershipTarget resolves the group and user (by id) of a membership
// call. Caller holds o.mu.
func (o *Org) membershipTarget(groupID, userID string) (*Group, *User, error) {
	g, err := o.anyGroup(groupID)
	if err != nil {
		return nil, nil, err
	}
	u, err := o.userByID(userID)
	if err != nil {
		return nil, nil, err
	}
	if g.Type != GroupOkta {
		return nil, nil, errPermissionDenied()
	}
	return g, u, nil
}

// addGroupMember puts u in g, logs it and runs onGroupMembership; false
// when u already was a member (nothing happens then). Caller holds o.mu.
func (m *Model) addGroupMember(o *Org, g *Group, u *User, now time.Time) bool {
	if g.memberSet == nil {
		g.memberSet = map[string]bool{}
	}
	if !g.addMember(u.ID) {
		return false
	}
	if u.groups == nil {
		u.groups = map[string]bool{}
	}
	u.groups[g.ID] = true
	g.LastMembershipUpdated = now
	o.changes.Put(kindGroup, g.ID)
	o.changes.New(kindMember, pairKey(g.ID, u.ID))
	m.logAPI(o, "group.user_membership.add", "Add user to group membership", userTarget(u), groupTarget(g))
	m.onGroupMembership(o, g, u.ID, true)
	return true
}

// removeGroupMember takes u out of g, logs it and runs onGroupMembership;
// false when u was not a member. Caller holds o.mu.
func (m *Model) removeGroupMember(o *Org, g *Group, u *User, now time.Time) bool {
	if !g.removeMember(u.ID) {
		return false
	}
	delete(u.groups, g.ID)
	o.rulesForgetMember(g.ID, u.ID)
	g.LastMembershipUpdated = now
	o.changes.Put(kindGroup, g.ID)
	o.changes.Put(kindMember, pairKey(g.ID, u.ID))
	m.logAPI(o, "group.user_membership.remove", "Remove user from group membership", userTarget(u), groupTarget(g))
	m.onGroupMembership(o, g, u.ID, false)
	return true
}

// snapshotGroup copies a group, without its members, for use outside o.mu.
func snapshotGroup(g *Group) *Group {
	c := *g
	c.members, c.memberSet = nil, nil
	return &c
}
