package mockokta

// Hooks: the user and group model calls these, with o.mu held, after a
// change has been made, so that the provisioning engine learns what Okta
// would provision (OKTA-ASSIGN-1, OKTA-CREATE-1, OKTA-DEACT-1, OKTA-PUSH-1).

// onUserActivated runs when a user becomes ACTIVE (activation, creation
// with activate=true, reactivation of a DEPROVISIONED user).
func (m *Model) onUserActivated(o *Org, u *User) { m.userActivated(o, u) }

// onUserDeactivated runs when a user becomes DEPROVISIONED.
func (m *Model) onUserDeactivated(o *Org, u *User) { m.userDeactivated(o, u) }

// onUserSuspended runs when a user becomes SUSPENDED: Okta sends nothing
// downstream ("no deprovisioning event … for users that are suspended", OKTA-DEACT-1).
func (m *Model) onUserSuspended(o *Org, u *User) {}

// onUserUnsuspended runs when a SUSPENDED user becomes ACTIVE again.
func (m *Model) onUserUnsuspended(o *Org, u *User) {}

// onUserProfileChanged runs after a profile update; before is the old profile.
func (m *Model) onUserProfileChanged(o *Org, u *User, before map[string]any) {
	m.userProfileChanged(o, u, before)
}

// onUserDeleted runs just before a user is removed for good.
func (m *Model) onUserDeleted(o *Org, u *User) { m.userDeleted(o, u) }

// onGroupMembership runs after a user joins (added) or leaves a group.
func (m *Model) onGroupMembership(o *Org, g *Group, userID string, added bool) {
	m.groupMembershipChanged(o, g, userID, added)
}

// onGroupRenamed runs after a group's name changed.
func (m *Model) onGroupRenamed(o *Org, g *Group, oldName string) { m.groupRenamed(o, g, oldName) }

// onGroupDeleted runs just before a group is removed.
func (m *Model) onGroupDeleted(o *Org, g *Group) { m.groupDeleted(o, g) }
