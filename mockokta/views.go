package mockokta

import (
	"cmp"
	"net/http"
	"time"

	"github.com/provsim/provsim/internal/journal"
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
		Credentials: userCredentials(u), Links: userLinks(base, u)}
	return v
}

// userCredentials is a user's credentials object: what is set, never a
// secret.
func userCredentials(u *User) userCredsView {
	c := userCredsView{Provider: authProvider{"OKTA", "OKTA"}}
	if u.HasPassword {
		c.Password = &struct{}{}
	}
	if u.Recovery != "" {
		c.RecoveryQuestion = &recoveryQuestion{u.Recovery}
	}
	return c
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
		// Okta also shows resetPassword, changePassword and
		// changeRecoveryQuestion here; provsim has not those operations,
		// and advertises only what answers (OAPI-LINKS-1).
		links["suspend"] = op("lifecycle", "suspend")
		links["expirePassword"] = op("lifecycle", "expire_password")
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
	Source                *groupSource     `json:"source,omitempty"` // APP_GROUP only
	Links                 map[string]any   `json:"_links"`
}

// groupSource is an APP_GROUP's app (OKTA-PUSH-15).
type groupSource struct {
	ID string `json:"id"`
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
	if g.Type == GroupApp {
		v.Source = &groupSource{ID: g.SourceAppID}
		v.Links["source"] = href(base, "apps", g.SourceAppID)
	}
	return v
}

// activationView answers activate and reactivate without sendEmail.
type activationView struct {
	ActivationToken string `json:"activationToken"`
	ActivationURL   string `json:"activationUrl"`
}

// The Apps API's objects. Their fields are in the order these answers have
// always had (alphabetical: they used to be maps), which the golden and
// SDK tests hold byte for byte.

// appView is an Application (okta-sdk-golang v5 model_application.go).
type appView struct {
	Links         appLinks         `json:"_links"`
	Accessibility appAccessibility `json:"accessibility"`
	Created       string           `json:"created"`
	Credentials   appCredentials   `json:"credentials"`
	Features      []string         `json:"features"`
	ID            string           `json:"id"`
	Label         string           `json:"label"`
	LastUpdated   string           `json:"lastUpdated"`
	Name          string           `json:"name"`
	Settings      appSettings      `json:"settings"`
	SignOnMode    string           `json:"signOnMode"`
	Status        string           `json:"status"`
	Visibility    appVisibility    `json:"visibility"`
}

type appLinks struct {
	// AccessPolicy is the app's sign-in policy, which Terraform reads back
	// after putting a new app on the default one (OAPI-POLICY-1).
	AccessPolicy link  `json:"accessPolicy"`
	Deactivate   link  `json:"deactivate"`
	Groups       link  `json:"groups"`
	Metadata     *link `json:"metadata,omitempty"` // SAML apps (SAML-IDP-1)
	Self         link  `json:"self"`
	Users        link  `json:"users"`
}

// appSimSettingsView is not Okta's: the simulator's view of an app's
// provisioning settings, at GET/PUT /_sim/orgs/{org}/apps/{app}/settings.
// It is kept out of the Okta app object, whose fields are Okta's only
// (OAPI-APP-5).
type appSimSettingsView struct {
	Flavour               Flavour              `json:"flavour"`
	GroupPushConflict     GroupPushConflict    `json:"groupPushConflict"`
	ImportGroups          bool                 `json:"importGroups"`
	PrimaryEmailAttribute string               `json:"primaryEmailAttribute"`
	Provisioning          string               `json:"provisioning"`
	RenameGroups          bool                 `json:"renameGroups"`
	UserNameTemplate      userNameTemplateView `json:"userNameTemplate"`
}

// appSimSettingsJSON renders the simulator's settings of a; a is a
// snapshot.
func appSimSettingsJSON(a *App) appSimSettingsView {
	status := "DISABLED"
	if a.Connection.configured() {
		status = "ENABLED"
	}
	return appSimSettingsView{Flavour: a.Flavour, Provisioning: status, PrimaryEmailAttribute: a.PrimaryEmailAttr,
		RenameGroups: a.RenameGroups, GroupPushConflict: a.GroupPushConflict, ImportGroups: !a.SkipGroupImport,
		UserNameTemplate: userNameTemplateJSON(a)}
}

func userNameTemplateJSON(a *App) userNameTemplateView {
	pushStatus := a.UserName.PushStatus
	if pushStatus == "" {
		pushStatus = "NOT_CONFIGURED"
	}
	return userNameTemplateView{Template: a.UserName.Template, Type: a.UserName.Type, PushStatus: pushStatus}
}

type appAccessibility struct {
	ErrorRedirectURL *string `json:"errorRedirectUrl"`
	LoginRedirectURL *string `json:"loginRedirectUrl"`
	SelfService      bool    `json:"selfService"`
}

type appCredentials struct {
	Signing          appSigning           `json:"signing"`
	UserNameTemplate userNameTemplateView `json:"userNameTemplate"`
}

type userNameTemplateView struct {
	PushStatus string `json:"pushStatus"`
	Template   string `json:"template"`
	Type       string `json:"type"`
}

// appSigning is credentials.signing: the kid of the key that signs the
// app's assertions (OAPI-KEYS-1); empty for apps that do not sign.
type appSigning struct {
	Kid string `json:"kid,omitempty"`
}

type appSettings struct {
	App                map[string]any `json:"app"`
	ImplicitAssignment *bool          `json:"implicitAssignment,omitempty"`
	Notes              *appNotes      `json:"notes,omitempty"`
	Notifications      struct{}       `json:"notifications"`
	// SignOn is a SAML app's samlSignOnView (samlopts.go); other apps
	// show {}.
	SignOn any `json:"signOn"`
}

func signOnJSON(a *App) any {
	if !a.isSAML() {
		return struct{}{}
	}
	return samlSignOnJSON(a)
}

type appVisibility struct {
	AppLinks          map[string]bool `json:"appLinks,omitempty"`
	AutoSubmitToolbar bool            `json:"autoSubmitToolbar"`
	Hide              appVisibleOff   `json:"hide"`
}

type appVisibleOff struct {
	IOS bool `json:"iOS"`
	Web bool `json:"web"`
}

// appJSON renders an app; a is a snapshot.
func appJSON(base string, a *App) appView {
	features := []string{}
	if a.Connection.configured() {
		if a.ToApp.CreateUsers {
			features = append(features, "PUSH_NEW_USERS")
		}
		if a.ToApp.UpdateUsers {
			features = append(features, "PUSH_PROFILE_UPDATES")
		}
		if a.ToApp.DeactivateUsers {
			features = append(features, "PUSH_USER_DEACTIVATION", "REACTIVATE_USERS")
		}
		if a.ToApp.SyncPassword {
			features = append(features, "PUSH_PASSWORD_UPDATES")
		}
		features = append(features, "GROUP_PUSH", "IMPORT_NEW_USERS")
	}
	var signing appSigning
	if a.isSAML() {
		signing.Kid = a.ActiveKID()
	}
	v := appView{
		Links: appLinks{Self: href(base, "apps", a.ID), Users: href(base, "apps", a.ID, "users"),
			Groups: href(base, "apps", a.ID, "groups"), Deactivate: postLink(href(base, "apps", a.ID, "lifecycle", "deactivate"))},
		ID: a.ID, Name: a.Name, Label: a.Label, Status: a.Status, SignOnMode: a.SignOnMode,
		Created: oktaTimestamp(a.Created), LastUpdated: oktaTimestamp(a.LastUpdated),
		Features:    features,
		Credentials: appCredentials{UserNameTemplate: userNameTemplateJSON(a), Signing: signing},
		Settings:    a.Presentation.settingsJSON(signOnJSON(a)),
		Visibility:  a.Presentation.visibilityJSON(), Accessibility: a.Presentation.accessibilityJSON(),
	}
	if a.isSAML() {
		md := href(base, "apps", a.ID, "sso", "saml", "metadata")
		v.Links.Metadata = &md
	}
	return v
}

// appUserView is an AppUser.
type appUserView struct {
	Links           appUserLinks       `json:"_links"`
	Created         string             `json:"created"`
	Credentials     appUserCredentials `json:"credentials"`
	ExternalID      *string            `json:"externalId"`
	ID              string             `json:"id"`
	LastSync        any                `json:"lastSync"`
	LastUpdated     string             `json:"lastUpdated"`
	PasswordChanged *string            `json:"passwordChanged"`
	Profile         map[string]any     `json:"profile"`
	Scope           string             `json:"scope"`
	Status          string             `json:"status"`
	StatusChanged   string             `json:"statusChanged"`
	SyncState       string             `json:"syncState"`
}

type appUserLinks struct {
	App  link `json:"app"`
	User link `json:"user"`
}

type appUserCredentials struct {
	UserName string `json:"userName"`
}

// appUserJSON renders an app user; au is a snapshot.
func appUserJSON(base, appID string, au *AppUser) appUserView {
	return appUserView{
		Links: appUserLinks{App: href(base, "apps", appID), User: href(base, "users", au.UserID)},
		ID:    au.UserID, ExternalID: stringOrNil(au.ExternalID),
		Created: oktaTimestamp(au.Created), LastUpdated: oktaTimestamp(au.LastUpdated),
		Scope: au.Scope(), Status: au.Status, StatusChanged: oktaTimestamp(au.StatusChanged),
		SyncState: au.SyncState, LastSync: oktaTimestampOrNil(au.LastSync),
		Credentials: appUserCredentials{UserName: au.UserName},
		Profile:     au.Profile,
	}
}

// stringOrNil is nil (JSON null) for "".
func stringOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// appGroupView is an ApplicationGroupAssignment.
type appGroupView struct {
	Links       appGroupLinks  `json:"_links"`
	ID          string         `json:"id"`
	LastUpdated string         `json:"lastUpdated"`
	Priority    int            `json:"priority"`
	Profile     map[string]any `json:"profile"`
}

type appGroupLinks struct {
	App   link `json:"app"`
	Group link `json:"group"`
	Self  link `json:"self"`
}

// appGroupJSON renders a group assignment; ag is a snapshot.
func appGroupJSON(base, appID string, ag *AppGroup) appGroupView {
	return appGroupView{
		Links: appGroupLinks{App: href(base, "apps", appID), Self: href(base, "apps", appID, "groups", ag.GroupID),
			Group: href(base, "groups", ag.GroupID)},
		ID: ag.GroupID, LastUpdated: oktaTimestamp(ag.LastUpdated), Priority: ag.Priority, Profile: ag.Profile,
	}
}

// pushMappingView is a GroupPushMapping.
type pushMappingView struct {
	Links         pushMappingLinks `json:"_links"`
	AppConfig     *struct{}        `json:"appConfig"`
	Created       string           `json:"created"`
	ErrorSummary  *string          `json:"errorSummary"`
	ID            string           `json:"id"`
	LastPush      any              `json:"lastPush"`
	LastUpdated   string           `json:"lastUpdated"`
	SourceGroupID string           `json:"sourceGroupId"`
	Status        string           `json:"status"`
	TargetGroupID *string          `json:"targetGroupId"`
}

type pushMappingLinks struct {
	App         link `json:"app"`
	SourceGroup link `json:"sourceGroup"`
}

// appGroupIDOrNil is a mapping's targetGroupId: the APP_GROUP id of the
// group it pushes to (OKTA-PUSH-15), or null before it has one.
func appGroupIDOrNil(appID, targetID string) *string {
	if targetID == "" {
		return nil
	}
	id := AppGroupID(appID, targetID)
	return &id
}

// pushMappingJSON renders a push mapping; pm is a snapshot.
func pushMappingJSON(base, appID string, pm *PushMapping) pushMappingView {
	return pushMappingView{
		Links: pushMappingLinks{App: href(base, "apps", appID), SourceGroup: href(base, "groups", pm.SourceGroupID)},
		ID:    pm.ID, SourceGroupID: pm.SourceGroupID, TargetGroupID: appGroupIDOrNil(appID, pm.TargetGroupID),
		Status: pm.Status, Created: oktaTimestamp(pm.Created), LastUpdated: oktaTimestamp(pm.LastUpdated),
		LastPush: oktaTimestampOrNil(pm.LastPush), ErrorSummary: stringOrNil(pm.ErrorSummary),
	}
}

// featureView is the USER_PROVISIONING ApplicationFeature: To App
// (OAPI-APP-2).
type featureView struct {
	Links        selfLink            `json:"_links"`
	Capabilities featureCapabilities `json:"capabilities"`
	Description  string              `json:"description"`
	Name         string              `json:"name"`
	Status       string              `json:"status"`
}

type selfLink struct {
	Self link `json:"self"`
}

type featureCapabilities struct {
	Create featureCreate `json:"create"`
	Update featureUpdate `json:"update"`
}

type featureCreate struct {
	LifecycleCreate capStatus `json:"lifecycleCreate"`
}

type featureUpdate struct {
	LifecycleDeactivate capStatus       `json:"lifecycleDeactivate"`
	Password            featurePassword `json:"password"`
	Profile             capStatus       `json:"profile"`
}

type featurePassword struct {
	Change string `json:"change"`
	Seed   string `json:"seed"`
	Status string `json:"status"`
}

// capStatus is a capability's {"status": "ENABLED" | "DISABLED"}.
type capStatus struct {
	Status string `json:"status"`
}

func enabled(on bool) capStatus {
	if on {
		return capStatus{"ENABLED"}
	}
	return capStatus{"DISABLED"}
}

// featureJSON renders To App; a is a snapshot.
func featureJSON(base string, a *App) featureView {
	t := a.ToApp
	return featureView{
		Links: selfLink{href(base, "apps", a.ID, "features", "USER_PROVISIONING")},
		Name:  "USER_PROVISIONING", Status: "ENABLED", Description: "User provisioning settings from Okta to a downstream application",
		Capabilities: featureCapabilities{
			Create: featureCreate{LifecycleCreate: enabled(t.CreateUsers)},
			Update: featureUpdate{Profile: enabled(t.UpdateUsers), LifecycleDeactivate: enabled(t.DeactivateUsers),
				Password: featurePassword{Status: enabled(t.SyncPassword).Status, Seed: cmp.Or(t.PasswordSeed, passwordSeeds[0]),
					Change: cmp.Or(t.PasswordChange, passwordChanges[0])}},
		},
	}
}

// connectionView is the app's provisioning connection.
type connectionView struct {
	Links      connectionLinks   `json:"_links"`
	AuthScheme string            `json:"authScheme"`
	BaseURL    string            `json:"baseUrl"`
	Profile    connectionProfile `json:"profile"`
	Status     string            `json:"status"`
}

type connectionLinks struct {
	Activate link `json:"activate"`
	Self     link `json:"self"`
}

type connectionProfile struct {
	AuthScheme string `json:"authScheme"`
}

// connectionJSON renders the connection; a is a snapshot.
func connectionJSON(base string, a *App) connectionView {
	return connectionView{
		Links: connectionLinks{Self: href(base, "apps", a.ID, "connections", "default"),
			Activate: postLink(href(base, "apps", a.ID, "connections", "default", "lifecycle", "activate"))},
		AuthScheme: "TOKEN", Status: enabled(a.Connection.Enabled).Status, BaseURL: a.Connection.BaseURL,
		Profile: connectionProfile{AuthScheme: "TOKEN"},
	}
}

// The control API's answers (/_sim/).

// waitView answers /_sim/orgs/{org}/wait.
type waitView struct {
	Idle        bool `json:"idle"`
	PendingJobs *int `json:"pendingJobs,omitempty"` // when not idle
}

// journalView answers GET /_sim/journal.
type journalView struct {
	Entries []journal.Entry `json:"entries"`
}

// appGroupRefsView answers Refresh App Groups.
type appGroupRefsView struct {
	Groups []AppGroupRef `json:"groups"`
}

// ruleView is a GroupRule (okta-sdk-golang v5 model_group_rule.go).
type ruleView struct {
	Type        string         `json:"type"`
	ID          string         `json:"id"`
	Status      string         `json:"status"`
	Name        string         `json:"name"`
	Created     string         `json:"created"`
	LastUpdated string         `json:"lastUpdated"`
	Conditions  ruleConditions `json:"conditions"`
	Actions     ruleActions    `json:"actions"`
	// AllGroupsValid is false once a group the rule fills is gone.
	AllGroupsValid bool               `json:"allGroupsValid"`
	Embedded       *ruleEmbeddedNames `json:"_embedded,omitempty"`
}

type ruleConditions struct {
	People     rulePeople     `json:"people"`
	Expression ruleExpression `json:"expression"`
}

type rulePeople struct {
	Users  ruleExclude `json:"users"`
	Groups ruleExclude `json:"groups"`
}

type ruleExclude struct {
	Exclude []string `json:"exclude"`
}

type ruleExpression struct {
	Value string `json:"value"`
	Type  string `json:"type"`
}

type ruleActions struct {
	AssignUserToGroups struct {
		GroupIDs []string `json:"groupIds"`
	} `json:"assignUserToGroups"`
}

type ruleEmbeddedNames struct {
	GroupIDToGroupNameMap map[string]string `json:"groupIdToGroupNameMap"`
}

// ruleJSON renders a rule; names (group id → name) adds
// _embedded.groupIdToGroupNameMap, for ?expand=groupIdToGroupNameMap.
func ruleJSON(r *GroupRule, names map[string]string) ruleView {
	v := ruleView{Type: "group_rule", ID: r.ID, Status: r.Status, Name: r.Name,
		Created: oktaTimestamp(r.Created), LastUpdated: oktaTimestamp(r.LastUpdated),
		Conditions: ruleConditions{
			People:     rulePeople{Users: ruleExclude{append([]string{}, r.ExcludeUsers...)}, Groups: ruleExclude{[]string{}}},
			Expression: ruleExpression{Value: r.Expression, Type: r.ExpressionType},
		},
		AllGroupsValid: r.Status != RuleInvalid}
	v.Actions.AssignUserToGroups.GroupIDs = append([]string{}, r.GroupIDs...)
	if names != nil {
		m := map[string]string{}
		for _, gid := range r.GroupIDs {
			if n, ok := names[gid]; ok {
				m[gid] = n
			}
		}
		v.Embedded = &ruleEmbeddedNames{m}
	}
	return v
}
