package mockokta

import (
	"net/http"
	"time"
)

// The JSON views of the Management API's objects, built from snapshots
// the model hands out, so they can be rendered without the org's lock.

// oktaTimeLayout is Okta's timestamp format: UTC with milliseconds.
const oktaTimeLayout = "2006-01-02T15:04:05.000Z"

func oktaTimestamp(t time.Time) string { return t.UTC().Format(oktaTimeLayout) }

// oktaTimestampOrNil is nil (JSON null) for an unset time.
func oktaTimestampOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return oktaTimestamp(*t)
}

// userView is the JSON of an Okta User (okta-sdk-golang v5 model_user.go).
type userView struct {
	ID              string         `json:"id"`
	Status          string         `json:"status"`
	Created         string         `json:"created"`
	Activated       any            `json:"activated"`
	StatusChanged   any            `json:"statusChanged"`
	LastLogin       any            `json:"lastLogin"`
	LastUpdated     string         `json:"lastUpdated"`
	PasswordChanged any            `json:"passwordChanged"`
	Type            userTypeRef    `json:"type"`
	Profile         map[string]any `json:"profile"`
	Credentials     userCredsView  `json:"credentials"`
	Links           map[string]any `json:"_links"`
}

type userTypeRef struct {
	ID string `json:"id"`
}

type userCredsView struct {
	Password         *struct{}         `json:"password,omitempty"`
	RecoveryQuestion *recoveryQuestion `json:"recovery_question,omitempty"`
	Provider         authProvider      `json:"provider"`
}

type recoveryQuestion struct {
	Question string `json:"question"`
}

type authProvider struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// userJSON renders a user as Okta does; base is the org URL for _links.
// It copies what it needs, so the result may be marshalled after o.mu is
// released (call it with o.mu held when u is a live user).
func userJSON(base string, u *User) any {
	v := userView{ID: u.ID, Status: u.Status, Created: oktaTimestamp(u.Created),
		Activated: oktaTimestampOrNil(u.Activated), StatusChanged: oktaTimestampOrNil(u.StatusChanged),
		LastLogin: oktaTimestampOrNil(u.LastLogin), LastUpdated: oktaTimestamp(u.LastUpdated),
		PasswordChanged: oktaTimestampOrNil(u.PasswordChanged),
		Type:            userTypeRef{defaultUserTypeID}, Profile: deepCopyProfile(u.Profile),
		Credentials: userCredsView{Provider: authProvider{"OKTA", "OKTA"}},
		Links:       userLinks(base, u)}
	if u.HasPassword {
		v.Credentials.Password = &struct{}{}
	}
	if u.Recovery != "" {
		v.Credentials.RecoveryQuestion = &recoveryQuestion{u.Recovery}
	}
	return v
}

// userLinks are the _links Okta shows for the user's status: the
// lifecycle operations that status allows.
func userLinks(base string, u *User) map[string]any {
	op := func(parts ...string) link {
		l := href(base, append([]string{"users", u.ID}, parts...)...)
		l.Method = http.MethodPost
		return l
	}
	links := map[string]any{
		"self": href(base, "users", u.ID),
		"type": href(base, "meta", "types", "user", defaultUserTypeID),
	}
	switch u.Status {
	case StatusStaged:
		links["activate"] = op("lifecycle", "activate")
	case StatusProvisioned, StatusRecovery:
		links["reactivate"] = op("lifecycle", "reactivate")
	case StatusDeprovisioned:
		links["activate"] = op("lifecycle", "activate")
	case StatusActive, StatusPasswordExpired:
		links["suspend"] = op("lifecycle", "suspend")
		links["resetPassword"] = op("lifecycle", "reset_password")
		links["expirePassword"] = op("lifecycle", "expire_password")
		links["changeRecoveryQuestion"] = op("credentials", "change_recovery_question")
		links["changePassword"] = op("credentials", "change_password")
	case StatusSuspended:
		links["unsuspend"] = op("lifecycle", "unsuspend")
	case StatusLockedOut:
		links["unlock"] = op("lifecycle", "unlock")
	}
	if u.Status != StatusDeprovisioned {
		links["deactivate"] = op("lifecycle", "deactivate")
	}
	return links
}

// groupView is the JSON of an Okta Group (okta-sdk-golang v5 model_group.go).
type groupView struct {
	ID                    string           `json:"id"`
	Created               string           `json:"created"`
	LastUpdated           string           `json:"lastUpdated"`
	LastMembershipUpdated string           `json:"lastMembershipUpdated"`
	ObjectClass           []string         `json:"objectClass"`
	Type                  string           `json:"type"`
	Profile               groupProfileView `json:"profile"`
	Links                 map[string]any   `json:"_links"`
}

type groupProfileView struct {
	Name        string  `json:"name"`
	Description *string `json:"description"` // null when empty, as Okta shows it
}

type logoLink struct {
	Name string `json:"name"`
	Href string `json:"href"`
	Type string `json:"type"`
}

// groupJSON renders a group as Okta does; base is the org URL for _links.
// Call it with o.mu held when g is a live group.
func groupJSON(base string, g *Group) any {
	v := groupView{ID: g.ID, Created: oktaTimestamp(g.Created), LastUpdated: oktaTimestamp(g.LastUpdated),
		LastMembershipUpdated: oktaTimestamp(g.LastMembershipUpdated),
		ObjectClass:           []string{"okta:user_group"}, Type: g.Type,
		Profile: groupProfileView{Name: g.Name},
		Links: map[string]any{
			"logo": []logoLink{
				{"medium", base + "/assets/img/logos/groups/odyssey/okta-medium.png", "image/png"},
				{"large", base + "/assets/img/logos/groups/odyssey/okta-large.png", "image/png"},
			},
			"users": href(base, "groups", g.ID, "users"),
			"apps":  href(base, "groups", g.ID, "apps"),
		}}
	if g.Type == "" {
		v.Type = GroupOkta
	}
	if g.Description != "" {
		d := g.Description
		v.Profile.Description = &d
	}
	return v
}
