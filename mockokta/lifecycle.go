package mockokta

// What Okta provisions when users and groups change (OKTA-DEACT-1,
// OKTA-REACT-1, OKTA-PUSH-4, OKTA-ASSIGN-1). Each function runs with o.mu held.

// userActivated provisions the user's assignments: group-based ones come
// back by themselves after a reactivation; direct ones were removed by the
// deactivation and must be made again (OKTA-DEACT-4). Okta provisions a
// user back in scope as on reactivation, sending active:true even when it
// believes the account active, since a deactivation whose answer was lost
// may have gone through (OKTA-REACT-2).
func (m *Model) userActivated(o *Org, u *User) {
	for _, aid := range o.appOrder {
		a := o.apps[aid]
		queued := false
		for _, gid := range a.groupOrder {
			if g := o.groups[gid]; g != nil && g.HasMember(u.ID) {
				queued = m.addGroupScope(o, a, gid, u) || queued
			}
		}
		au, ok := a.appUser(u.ID)
		switch {
		case !ok || queued:
		case au.Status != AppUserProvisioned:
			m.enqueueProvision(o, a, au)
		case au.ExternalID != "":
			m.enqueue(o, a, job{kind: jobProvision, userID: au.UserID, reactivate: true})
		}
	}
}

// userDeactivated deactivates the user's accounts downstream. Direct
// assignments are removed, as Okta does; group-based app users stay,
// DEPROVISIONED, until the user is activated again.
func (m *Model) userDeactivated(o *Org, u *User) {
	for _, aid := range o.appOrder {
		a := o.apps[aid]
		au, ok := a.appUser(u.ID)
		if !ok {
			continue
		}
		au.direct = false
		o.changes.Put(kindAppUser, pairKey(a.ID, u.ID))
		if len(au.viaGroups) == 0 {
			m.removeAppUser(o, a, au)
			continue
		}
		m.enqueueDeactivate(o, a, au)
	}
}

// userProfileChanged pushes the new profile to every app that has the user
// provisioned and "Update User Attributes" on, and refreshes the
// application username from its format. Okta's push is selective: an edit
// that changes no value the app's mappings or username format read sends
// nothing to that app and leaves its app user as it was (OKTA-USERNAME-2).
func (m *Model) userProfileChanged(o *Org, u *User, before map[string]any) {
	old := &User{ID: u.ID, Profile: before}
	for _, aid := range o.appOrder {
		a := o.apps[aid]
		au, ok := a.appUser(u.ID)
		if !ok {
			continue
		}
		if a.mappedValues(old) == a.mappedValues(u) && a.userNameFor(old) == a.userNameFor(u) {
			continue
		}
		if a.UserName.PushStatus != "DONT_PUSH" {
			au.UserName = a.userNameFor(u)
		}
		a.mapProfile(au, u)
		o.changes.Put(kindAppUser, pairKey(a.ID, u.ID))
		if au.ExternalID != "" && au.Status == AppUserProvisioned && a.ToApp.UpdateUsers {
			m.enqueueUpdate(o, a, au)
		}
	}
}

// userDeleted forgets a (deactivated) user everywhere; nothing is sent:
// "deleting an already-deactivated Okta user sends nothing" (OKTA-DEACT-1).
func (m *Model) userDeleted(o *Org, u *User) {
	o.holdPassword(u.ID, "")
	for _, aid := range o.appOrder {
		a := o.apps[aid]
		if au, ok := a.users[u.ID]; ok && !au.removed {
			a.forget(u.ID)
			o.changes.Put(kindAppUser, pairKey(a.ID, u.ID))
		}
		for _, pm := range a.mappings {
			if _, ok := pm.pushed[u.ID]; ok {
				delete(pm.pushed, u.ID)
				o.changes.Put(kindPushed, tripleKey(a.ID, pm.ID, u.ID))
			}
		}
	}
}

// groupMembershipChanged gives or takes the apps the group is assigned to,
// and pushes the membership change to every active mapping of the group.
// Leaving an assigned group deactivates downstream (test plan C9333).
func (m *Model) groupMembershipChanged(o *Org, g *Group, userID string, added bool) {
	for _, aid := range o.appOrder {
		a := o.apps[aid]
		if _, assigned := a.groups[g.ID]; assigned {
			if added {
				m.addGroupScope(o, a, g.ID, o.users[userID])
			} else {
				m.dropGroupScope(o, a, g.ID, userID)
			}
		}
		for _, mid := range a.mappingOrder {
			pm := a.mappings[mid]
			if pm.SourceGroupID != g.ID || !pm.pushing() {
				continue
			}
			j := job{kind: jobPushDelta, mappingID: pm.ID}
			if added {
				j.add = []string{userID}
			} else {
				j.remove = []string{userID}
			}
			m.enqueue(o, a, j)
		}
	}
}

// groupRenamed renames pushed groups where "Rename app groups to match
// group name in Okta" is on (OKTA-PUSH-6).
func (m *Model) groupRenamed(o *Org, g *Group, oldName string) {
	for _, aid := range o.appOrder {
		a := o.apps[aid]
		if !a.RenameGroups {
			continue
		}
		for _, mid := range a.mappingOrder {
			if pm := a.mappings[mid]; pm.SourceGroupID == g.ID && pm.pushing() {
				m.enqueue(o, a, job{kind: jobPushRename, mappingID: pm.ID})
			}
		}
	}
}

// groupDeleted unassigns the group from apps (members without another
// assignment are deactivated downstream) and drops its push mappings,
// leaving the target groups in place.
func (m *Model) groupDeleted(o *Org, g *Group) {
	for _, aid := range o.appOrder {
		a := o.apps[aid]
		if _, assigned := a.groups[g.ID]; assigned {
			delete(a.groups, g.ID)
			a.groupOrder = removeID(a.groupOrder, g.ID)
			o.changes.Put(kindAppGroup, pairKey(a.ID, g.ID))
			for _, uid := range append([]string(nil), a.userOrder...) {
				m.dropGroupScope(o, a, g.ID, uid)
			}
		}
		for _, mid := range append([]string(nil), a.mappingOrder...) {
			if pm := a.mappings[mid]; pm.SourceGroupID == g.ID {
				o.changedMappingWhole(a, pm)
				delete(a.mappings, mid)
				a.mappingOrder = removeID(a.mappingOrder, mid)
			}
		}
	}
}
