package mockokta

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// What every Okta org has from the start: the super administrator who
// signed it up, who owns its API tokens (OAPI-ME-1), and the built-in group
// Everyone, which every person is in and nobody edits (OAPI-GROUP-2).

// EveryoneGroup is the built-in group's name.
const EveryoneGroup = "Everyone"

// AdminInput names an org's super administrator. Empty fields take the
// defaults (DefaultAdminLogin, "Provsim", "Admin").
type AdminInput struct {
	Login     string `json:"login,omitempty"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
}

// DefaultAdminLogin is the super administrator's login (and email) when
// none is given.
const DefaultAdminLogin = "admin@provsim.local"

// builtinID is the id of an object every org has: derived from the org id,
// so that making one does not draw from the seeded id sequence (seeded
// runs keep the ids they had before orgs had these objects).
func builtinID(prefix, orgID, what string) string {
	sum := sha256.Sum256([]byte(orgID + "\x00" + what))
	return prefix + hex.EncodeToString(sum[:])[:20-len(prefix)]
}

// addBuiltIns gives a new (or just reset) org its Everyone group and its
// administrator, a member. Neither is logged: they exist before anyone
// acts. Caller holds o.mu.
func (o *Org) addBuiltIns(in AdminInput) error {
	o.addEveryone()
	return o.addAdmin(in)
}

func (o *Org) addEveryone() {
	g := &Group{ID: builtinID("00g", o.ID, "everyone"), Type: GroupBuiltIn, Name: EveryoneGroup,
		Description: "All users in your organization", Created: o.Created, LastUpdated: o.Created,
		LastMembershipUpdated: o.Created, memberSet: map[string]bool{}}
	o.groups[g.ID] = g
	o.groupOrder = append([]string{g.ID}, o.groupOrder...)
	o.everyoneID = g.ID
	for _, uid := range o.userOrder {
		if g.addMember(uid) {
			o.users[uid].groups[g.ID] = true
		}
	}
}

func (o *Org) addAdmin(in AdminInput) error {
	if in.Login == "" {
		in.Login = DefaultAdminLogin
	}
	if in.FirstName == "" {
		in.FirstName = "Provsim"
	}
	if in.LastName == "" {
		in.LastName = "Admin"
	}
	profile := cleanProfile(map[string]any{"login": in.Login, "email": in.Login, "firstName": in.FirstName, "lastName": in.LastName})
	if causes := validateUserProfile(profile); len(causes) > 0 {
		return errValidation(prefixCauses("admin.", causes)...)
	}
	if _, taken := o.byLogin[lower(in.Login)]; taken {
		return errValidation("admin.login: " + causeLoginTaken)
	}
	u := &User{ID: builtinID("00u", o.ID, "admin"), Status: StatusActive, Created: o.Created, LastUpdated: o.Created,
		Activated: timePtr(o.Created), StatusChanged: timePtr(o.Created), PasswordChanged: timePtr(o.Created),
		Profile: profile, HasPassword: true, groups: map[string]bool{}}
	o.users[u.ID] = u
	o.userOrder = append([]string{u.ID}, o.userOrder...)
	o.byLogin[lower(in.Login)] = u.ID
	o.adminID = u.ID
	if g := o.groups[o.everyoneID]; g != nil && g.addMember(u.ID) {
		u.groups[g.ID] = true
	}
	return nil
}

func prefixCauses(prefix string, causes []string) []string {
	out := make([]string, len(causes))
	for i, c := range causes {
		out[i] = prefix + c
	}
	return out
}

// joinEveryone puts a new person in Everyone, as Okta does on creation.
// Apps assigned to Everyone provision them like any group's members.
// Caller holds o.mu.
func (m *Model) joinEveryone(o *Org, u *User, now time.Time) {
	g := o.groups[o.everyoneID]
	if g == nil || !g.addMember(u.ID) {
		return
	}
	u.groups[g.ID] = true
	g.LastMembershipUpdated = now
	o.changes.Put(kindGroup, g.ID) // its members are not records (restoreBuiltIns)
	m.onGroupMembership(o, g, u.ID, true)
}

// isAdmin reports whether u is the org's super administrator.
func (o *Org) isAdmin(u *User) bool { return u.ID == o.adminID }

// actor is who API changes are logged as: the token's owner.
func (o *Org) actor() LogActor {
	if u := o.users[o.adminID]; u != nil {
		return LogActor{ID: u.ID, Type: "User", AlternateID: u.Login(), DisplayName: displayName(u)}
	}
	return apiActor
}

// restoreBuiltIns finds a restored org's administrator and Everyone group,
// whose members it fills in (by their ids; an older save's person with the administrator's login is
// taken as the administrator) and adds what an org saved before orgs had
// them lacks: Everyone then holds every person.
func restoreBuiltIns(o *Org) error {
	o.adminID, o.everyoneID = "", ""
	if id := builtinID("00u", o.ID, "admin"); o.users[id] != nil {
		o.adminID = id
	} else if id, ok := o.byLogin[lower(DefaultAdminLogin)]; ok {
		o.adminID = id
	}
	if g := o.groups[builtinID("00g", o.ID, "everyone")]; g != nil && g.Type == GroupBuiltIn {
		o.everyoneID = g.ID
		// Everyone's members are every person, in the order they came:
		// not stored, derived.
		for _, uid := range o.userOrder {
			if g.addMember(uid) {
				o.users[uid].groups[g.ID] = true
			}
		}
	}
	if o.everyoneID == "" {
		if o.groupNameTaken(EveryoneGroup, "") {
			return fmt.Errorf("a group is named %s, the built-in group's name", EveryoneGroup)
		}
		o.addEveryone()
		o.builtinsAdded = true
	}
	if o.adminID == "" {
		o.builtinsAdded = true
		return o.addAdmin(AdminInput{})
	}
	return nil
}
