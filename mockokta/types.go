package mockokta

import (
	"strings"
	"time"
)

// User statuses (OAPI-USER-1).
const (
	StatusStaged          = "STAGED"
	StatusProvisioned     = "PROVISIONED"
	StatusActive          = "ACTIVE"
	StatusRecovery        = "RECOVERY"
	StatusLockedOut       = "LOCKED_OUT"
	StatusPasswordExpired = "PASSWORD_EXPIRED"
	StatusSuspended       = "SUSPENDED"
	StatusDeprovisioned   = "DEPROVISIONED"
)

// User is an Okta user. Profile holds the base profile (login, email,
// firstName, lastName, …) and any custom attributes, as Okta stores them.
type User struct {
	ID              string
	Status          string
	Created         time.Time
	LastUpdated     time.Time
	Activated       *time.Time
	StatusChanged   *time.Time
	LastLogin       *time.Time
	PasswordChanged *time.Time
	Profile         map[string]any
	HasPassword     bool
	// PasswordHash is the password for the sign-in page
	// (secret.HashPassword); "" when the password was not given in plain.
	PasswordHash string
	Recovery     string // recovery question, if set
	groups       map[string]bool
}

// Attr returns a profile attribute as a string ("" when absent).
func (u *User) Attr(name string) string {
	v, _ := u.Profile[name].(string)
	return v
}

// Login is the user's Okta username.
func (u *User) Login() string { return u.Attr("login") }

// IsActive reports whether Okta provisions this user (suspended users keep
// their app accounts but count as not active for group push). PROVISIONED
// people (created without a password, "Pending user action" in the admin
// console) are not inactive: Okta provisions them and pushes them as group
// members like active ones (OKTA-PUSH-1).
func (u *User) IsActive() bool {
	return u.Status == StatusActive || u.Status == StatusProvisioned || u.Status == StatusPasswordExpired || u.Status == StatusLockedOut || u.Status == StatusRecovery
}

// Group types.
const (
	GroupOkta    = "OKTA_GROUP"
	GroupBuiltIn = "BUILT_IN"
	GroupApp     = "APP_GROUP" // a group Okta knows in an app (OKTA-PUSH-15)
)

// Group is an Okta group with its members in the order they were added.
type Group struct {
	ID                    string
	Type                  string
	Name                  string
	Description           string
	Created               time.Time
	LastUpdated           time.Time
	LastMembershipUpdated time.Time
	SourceAppID           string // APP_GROUP: the app the group is in
	members               []string
	memberSet             map[string]bool
}

// HasMember reports whether a user is in the group.
func (g *Group) HasMember(userID string) bool { return g.memberSet[userID] }

// Members returns member ids in the order they were added.
func (g *Group) Members() []string { return append([]string(nil), g.members...) }

func (g *Group) addMember(userID string) bool {
	if g.memberSet[userID] {
		return false
	}
	g.memberSet[userID] = true
	g.members = append(g.members, userID)
	return true
}

func (g *Group) removeMember(userID string) bool {
	if !g.memberSet[userID] {
		return false
	}
	delete(g.memberSet, userID)
	for i, id := range g.members {
		if id == userID {
			g.members = append(g.members[:i:i], g.members[i+1:]...)
			break
		}
	}
	return true
}

func lower(s string) string { return strings.ToLower(s) }
