// Package harness runs scenarios: YAML files that set up an Atlassian
// organization and an Okta org, take people and groups through the
// provisioning lifecycle with the seed guide's steps, and check both sides
// after each step. It runs against in-process simulators (the default) or
// running servers, and offers the same in Go tests (Start, RunFile).
package harness

// Scenario is one scenario file. Field names are the YAML keys; unknown
// keys are errors (docs/scenarios.md, scenario.schema.json).
type Scenario struct {
	Name        string        `yaml:"name" json:"name"`
	Description string        `yaml:"description,omitempty" json:"description,omitempty"`
	Seed        uint64        `yaml:"seed,omitempty" json:"seed,omitempty"`
	Timeout     string        `yaml:"timeout,omitempty" json:"timeout,omitempty"` // wait for the engine after each step; default 30s
	Atlassian   AtlassianSpec `yaml:"atlassian" json:"atlassian"`
	Okta        OktaSpec      `yaml:"okta" json:"okta"`
	People      []PersonSpec  `yaml:"people,omitempty" json:"people,omitempty"`
	Groups      []GroupSpec   `yaml:"groups,omitempty" json:"groups,omitempty"`
	Steps       []Step        `yaml:"steps" json:"steps"`
}

// AtlassianSpec sets up the Atlassian organization (guide prerequisites
// and Step 1).
type AtlassianSpec struct {
	Domains           []string           `yaml:"domains,omitempty" json:"domains,omitempty"`                     // verified
	UnverifiedDomains []string           `yaml:"unverifiedDomains,omitempty" json:"unverifiedDomains,omitempty"` // added, not verified
	Sites             []SiteSpec         `yaml:"sites,omitempty" json:"sites,omitempty"`
	Directory         string             `yaml:"directory,omitempty" json:"directory,omitempty"` // SCIM directory name; default "Okta users"
	Accounts          []AccountSpec      `yaml:"accounts,omitempty" json:"accounts,omitempty"`   // accounts that exist before provisioning
	LocalGroups       []LocalGroupSpec   `yaml:"localGroups,omitempty" json:"localGroups,omitempty"`
	Switches          *AtlassianSwitches `yaml:"switches,omitempty" json:"switches,omitempty"` // in-process only
}

// SiteSpec is a cloud site and its products.
type SiteSpec struct {
	Name     string   `yaml:"name" json:"name"`
	Products []string `yaml:"products" json:"products"`
}

// AccountSpec is an Atlassian account that exists before provisioning.
type AccountSpec struct {
	Email       string `yaml:"email" json:"email"`
	DisplayName string `yaml:"displayName,omitempty" json:"displayName,omitempty"`
}

// LocalGroupSpec is a group made in Atlassian Administration.
type LocalGroupSpec struct {
	Name    string   `yaml:"name" json:"name"`
	Default bool     `yaml:"default,omitempty" json:"default,omitempty"`
	Members []string `yaml:"members,omitempty" json:"members,omitempty"` // account emails
}

// AtlassianSwitches are mockatlassian's fidelity switches. They apply when
// the scenario runs in-process (each scenario then gets its own server).
type AtlassianSwitches struct {
	DeleteMode            string `yaml:"deleteMode,omitempty" json:"deleteMode,omitempty"`
	GroupRename           string `yaml:"groupRename,omitempty" json:"groupRename,omitempty"`
	GroupCollision        string `yaml:"groupCollision,omitempty" json:"groupCollision,omitempty"`
	RequireVerifiedDomain bool   `yaml:"requireVerifiedDomain,omitempty" json:"requireVerifiedDomain,omitempty"`
	MaxUsersPerDirectory  int    `yaml:"maxUsersPerDirectory,omitempty" json:"maxUsersPerDirectory,omitempty"`
	MaxUsersPerGroup      int    `yaml:"maxUsersPerGroup,omitempty" json:"maxUsersPerGroup,omitempty"`
}

// OktaSpec sets up the Okta org's app (guide Step 2) and how the simulated
// org behaves: its pace and its Management API rate limits.
type OktaSpec struct {
	App AppSpec `yaml:"app" json:"app"`
	// Pace is how long after a change Okta starts provisioning it
	// (mockokta.ParsePace: instant, the default; okta; fixed:500ms;
	// uniform:0s-2s), on the simulator's clock: virtual in-process, so a
	// scenario under okta pace still runs in milliseconds.
	Pace string `yaml:"pace,omitempty" json:"pace,omitempty"`
	// RateLimits turns on the Management API's rate limits for the org
	// (mockokta.ParseRateLimits: okta, okta*0.1; off, the default). The
	// runner then waits out each 429 as okta-sdk-golang does, on the
	// simulator's clock.
	RateLimits string `yaml:"rateLimits,omitempty" json:"rateLimits,omitempty"`
}

// AppSpec is the app integration. Connect (default true) configures the
// API integration with the directory's base URL and key from the Atlassian
// side, by reference, never pasted.
type AppSpec struct {
	Template       string     `yaml:"template,omitempty" json:"template,omitempty"` // atlassian (default), scim2testapp, or any name: a custom SCIM app
	Label          string     `yaml:"label,omitempty" json:"label,omitempty"`
	Connect        *bool      `yaml:"connect,omitempty" json:"connect,omitempty"`
	ToApp          *ToAppSpec `yaml:"toApp,omitempty" json:"toApp,omitempty"`                   // default: create, update, deactivate on
	UserNameFormat string     `yaml:"userNameFormat,omitempty" json:"userNameFormat,omitempty"` // login (default), email, or a profile attribute name
	PrimaryEmail   string     `yaml:"primaryEmail,omitempty" json:"primaryEmail,omitempty"`     // profile attribute mapped to the primary email; default email
	RenameGroups   bool       `yaml:"renameGroups,omitempty" json:"renameGroups,omitempty"`
	// GroupPushConflict is what a 409 on creating a pushed group does:
	// error (Okta, the default) or link (look the name up and link it).
	GroupPushConflict string `yaml:"groupPushConflict,omitempty" json:"groupPushConflict,omitempty"`
	// ImportGroups is the integration's "Import Groups" (default true, as
	// in Okta). Off, Okta keeps no app group ids and looks a pushed group
	// up by name before each update (OKTA-PUSH-12).
	ImportGroups *bool `yaml:"importGroups,omitempty" json:"importGroups,omitempty"`
}

// ToAppSpec is the To App settings. PasswordSeed and PasswordChange are
// Sync Password's options, as Okta's API names them (OKTA-PASSWORD-2 …
// OKTA-PASSWORD-4): the seed OKTA sends the person's Okta password, RANDOM
// (Okta's default) a generated one; change CHANGE also sets a password on
// accounts Okta did not create with one, KEEP_EXISTING (the default) does
// not. They need SyncPassword.
type ToAppSpec struct {
	CreateUsers          bool   `yaml:"createUsers" json:"createUsers"`
	UpdateUserAttributes bool   `yaml:"updateUserAttributes" json:"updateUserAttributes"`
	DeactivateUsers      bool   `yaml:"deactivateUsers" json:"deactivateUsers"`
	SyncPassword         bool   `yaml:"syncPassword,omitempty" json:"syncPassword,omitempty"`
	PasswordSeed         string `yaml:"passwordSeed,omitempty" json:"passwordSeed,omitempty"`
	PasswordChange       string `yaml:"passwordChange,omitempty" json:"passwordChange,omitempty"`
}

// PersonSpec is an Okta user, explicit or generated. A person is referred
// to by its ref, or else its login.
type PersonSpec struct {
	Ref        string            `yaml:"ref,omitempty" json:"ref,omitempty"`
	Login      string            `yaml:"login,omitempty" json:"login,omitempty"`
	Email      string            `yaml:"email,omitempty" json:"email,omitempty"` // default: login
	FirstName  string            `yaml:"firstName,omitempty" json:"firstName,omitempty"`
	LastName   string            `yaml:"lastName,omitempty" json:"lastName,omitempty"`
	Title      string            `yaml:"title,omitempty" json:"title,omitempty"`
	Department string            `yaml:"department,omitempty" json:"department,omitempty"`
	Profile    map[string]string `yaml:"profile,omitempty" json:"profile,omitempty"` // other profile attributes, e.g. secondEmail
	Status     string            `yaml:"status,omitempty" json:"status,omitempty"`   // active (default) or staged
	Generate   *GenerateSpec     `yaml:"generate,omitempty" json:"generate,omitempty"`
}

// GenerateSpec makes Count people with gofakeit, repeatably under the
// scenario's seed. Their refs are Prefix + 1-based index ("user1", …).
type GenerateSpec struct {
	Count      int               `yaml:"count" json:"count"`
	Domain     string            `yaml:"domain" json:"domain"`
	Prefix     string            `yaml:"prefix,omitempty" json:"prefix,omitempty"` // default "user"
	Attributes map[string]string `yaml:"attributes,omitempty" json:"attributes,omitempty"`
}

// GroupSpec is an Okta group. Members are person refs; "generated" stands
// for every generated person.
type GroupSpec struct {
	Name        string   `yaml:"name" json:"name"`
	Description string   `yaml:"description,omitempty" json:"description,omitempty"`
	Members     []string `yaml:"members,omitempty" json:"members,omitempty"`
}

// Step is one action, or an expectation, or both: the action runs, the
// runner waits for the engine to be idle, then expect is checked. Exactly
// one action field may be set.
type Step struct {
	Name string `yaml:"name,omitempty" json:"name,omitempty"`

	TestAPICredentials *CredentialsStep `yaml:"testApiCredentials,omitempty" json:"testApiCredentials,omitempty"`
	SaveToApp          *ToAppSpec       `yaml:"saveToApp,omitempty" json:"saveToApp,omitempty"`
	SetUserNameFormat  string           `yaml:"setUserNameFormat,omitempty" json:"setUserNameFormat,omitempty"`
	SetPrimaryEmail    string           `yaml:"setPrimaryEmail,omitempty" json:"setPrimaryEmail,omitempty"`
	PushGroup          *PushStep        `yaml:"pushGroup,omitempty" json:"pushGroup,omitempty"`
	PushNow            string           `yaml:"pushNow,omitempty" json:"pushNow,omitempty"` // group
	UnlinkPushedGroup  *UnlinkStep      `yaml:"unlinkPushedGroup,omitempty" json:"unlinkPushedGroup,omitempty"`
	Assign             *AssignStep      `yaml:"assign,omitempty" json:"assign,omitempty"`
	Unassign           *AssignStep      `yaml:"unassign,omitempty" json:"unassign,omitempty"`
	UpdateProfile      *ProfileStep     `yaml:"updateProfile,omitempty" json:"updateProfile,omitempty"`
	ChangeEmail        *EmailStep       `yaml:"changeEmail,omitempty" json:"changeEmail,omitempty"`
	ChangePassword     *PasswordStep    `yaml:"changePassword,omitempty" json:"changePassword,omitempty"`
	Deactivate         string           `yaml:"deactivate,omitempty" json:"deactivate,omitempty"` // person
	Activate           string           `yaml:"activate,omitempty" json:"activate,omitempty"`     // person (also reactivates)
	Suspend            string           `yaml:"suspend,omitempty" json:"suspend,omitempty"`
	Unsuspend          string           `yaml:"unsuspend,omitempty" json:"unsuspend,omitempty"`
	AddToGroup         *MembershipStep  `yaml:"addToGroup,omitempty" json:"addToGroup,omitempty"`
	RemoveFromGroup    *MembershipStep  `yaml:"removeFromGroup,omitempty" json:"removeFromGroup,omitempty"`
	RenameGroup        *RenameStep      `yaml:"renameGroup,omitempty" json:"renameGroup,omitempty"`
	GrantAccess        *AccessStep      `yaml:"grantAccess,omitempty" json:"grantAccess,omitempty"`
	RevokeAccess       *AccessStep      `yaml:"revokeAccess,omitempty" json:"revokeAccess,omitempty"`
	MakeDefaultGroup   *DefaultStep     `yaml:"makeDefaultGroup,omitempty" json:"makeDefaultGroup,omitempty"`
	SSO                *SSOStep         `yaml:"sso,omitempty" json:"sso,omitempty"`
	Import             *struct{}        `yaml:"import,omitempty" json:"import,omitempty"`
	Fault              *FaultSpec       `yaml:"fault,omitempty" json:"fault,omitempty"`
	ClearFaults        *struct{}        `yaml:"clearFaults,omitempty" json:"clearFaults,omitempty"`
	RetryTask          *RetryTaskStep   `yaml:"retryTask,omitempty" json:"retryTask,omitempty"`
	MarkTasksComplete  *MarkTasksStep   `yaml:"markTasksComplete,omitempty" json:"markTasksComplete,omitempty"`
	RefreshAppGroups   *struct{}        `yaml:"refreshAppGroups,omitempty" json:"refreshAppGroups,omitempty"`
	LinkPushedGroup    *LinkStep        `yaml:"linkPushedGroup,omitempty" json:"linkPushedGroup,omitempty"`

	Expect *Expect `yaml:"expect,omitempty" json:"expect,omitempty"`
}

// CredentialsStep is Test API Credentials; APIKey overrides the key (e.g.
// a wrong one) for the test only.
type CredentialsStep struct {
	APIKey string `yaml:"apiKey,omitempty" json:"apiKey,omitempty"`
	// Expect: success (default true) and text the message must contain.
	Success *bool  `yaml:"success,omitempty" json:"success,omitempty"`
	Message string `yaml:"message,omitempty" json:"message,omitempty"`
}

// PushStep pushes an Okta group. TargetName defaults to the group's name;
// Link links an Atlassian group of that name that Okta has seen.
type PushStep struct {
	Group      string `yaml:"group" json:"group"`
	TargetName string `yaml:"targetName,omitempty" json:"targetName,omitempty"`
}

// UnlinkStep unlinks a pushed group, deleting the target group or leaving it.
type UnlinkStep struct {
	Group        string `yaml:"group" json:"group"`
	DeleteTarget bool   `yaml:"deleteTarget,omitempty" json:"deleteTarget,omitempty"`
}

// AssignStep assigns (or unassigns) a person or a group to the app.
// Error, when set, is text Okta's refusal must contain: the step then
// expects the change to be refused (unassigning a person who is assigned
// only through a group).
type AssignStep struct {
	User  string `yaml:"user,omitempty" json:"user,omitempty"`
	Group string `yaml:"group,omitempty" json:"group,omitempty"`
	Error string `yaml:"error,omitempty" json:"error,omitempty"`
}

// ProfileStep changes Okta profile attributes (firstName, title, …).
type ProfileStep struct {
	User string            `yaml:"user" json:"user"`
	Set  map[string]string `yaml:"set" json:"set"`
}

// EmailStep changes a person's email (and login, when Login is set).
type EmailStep struct {
	User  string `yaml:"user" json:"user"`
	Email string `yaml:"email" json:"email"`
	Login bool   `yaml:"login,omitempty" json:"login,omitempty"`
}

// PasswordStep changes a person's Okta password through the Users API
// (change_password with the current one), which Sync Password with seed
// OKTA pushes to the app (OKTA-PASSWORD-2). Password, when set, is the new
// password; by default the runner makes a new one that meets Okta's
// policy. No report shows either. Error, when set, is text Okta's refusal
// must contain (a password the policy refuses, a suspended person).
type PasswordStep struct {
	User     string `yaml:"user" json:"user"`
	Password string `yaml:"password,omitempty" json:"password,omitempty"`
	Error    string `yaml:"error,omitempty" json:"error,omitempty"`
}

// MembershipStep adds a person to, or removes one from, an Okta group.
type MembershipStep struct {
	User  string `yaml:"user" json:"user"`
	Group string `yaml:"group" json:"group"`
}

// RenameStep renames an Okta group.
type RenameStep struct {
	Group string `yaml:"group" json:"group"`
	To    string `yaml:"to" json:"to"`
}

// AccessStep grants (or revokes) a group's access to a product (guide
// Step 6). Site defaults to the only site.
type AccessStep struct {
	Group   string `yaml:"group" json:"group"`
	Product string `yaml:"product" json:"product"`
	Site    string `yaml:"site,omitempty" json:"site,omitempty"`
}

// DefaultStep tries to make a group a default group; Error, when set, is
// text the refusal must contain.
type DefaultStep struct {
	Group string `yaml:"group" json:"group"`
	Error string `yaml:"error,omitempty" json:"error,omitempty"`
}

// SSOStep signs a person in through the app with a real SAML exchange
// (docs/saml.md): Flow "idp" (the default) starts at the Okta dashboard
// tile, "sp" at Atlassian's log-in page with the person's email. Created,
// when set, says whether the sign-in must have created a new Atlassian
// account; NameID and Attributes, what the assertion must say; Refused, a
// text the refusal (by Okta or Atlassian) must contain, when the sign-in
// must fail.
type SSOStep struct {
	User       string            `yaml:"user" json:"user"`
	Flow       string            `yaml:"flow,omitempty" json:"flow,omitempty"`
	Created    *bool             `yaml:"created,omitempty" json:"created,omitempty"`
	NameID     string            `yaml:"nameId,omitempty" json:"nameId,omitempty"`
	Attributes map[string]string `yaml:"attributes,omitempty" json:"attributes,omitempty"`
	Refused    string            `yaml:"refused,omitempty" json:"refused,omitempty"`
}

// FaultSpec is a fault mockatlassian injects into the scenario's SCIM
// directory (docs/mockatlassian.md, "Fault injection"): one of Status, Drop and Hang,
// optionally after Latency, or Latency alone. Path is relative to the
// directory: a prefix (/Users: /Users and /Users/{id}) or a glob with *
// (/Groups/*); empty, every SCIM request. The rule lasts Times matching
// requests, or until clearFaults.
type FaultSpec struct {
	Method     string `yaml:"method,omitempty" json:"method,omitempty"`
	Path       string `yaml:"path,omitempty" json:"path,omitempty"`
	BodyField  string `yaml:"bodyField,omitempty" json:"bodyField,omitempty"` // dotted, also found in PATCH operations
	BodyValue  any    `yaml:"bodyValue,omitempty" json:"bodyValue,omitempty"`
	Status     int    `yaml:"status,omitempty" json:"status,omitempty"`
	RetryAfter *int   `yaml:"retryAfter,omitempty" json:"retryAfter,omitempty"` // 429: seconds; default 1, negative: no header
	Latency    string `yaml:"latency,omitempty" json:"latency,omitempty"`       // Go duration
	Drop       bool   `yaml:"drop,omitempty" json:"drop,omitempty"`
	Hang       string `yaml:"hang,omitempty" json:"hang,omitempty"` // Go duration: hold the request at most this long, then drop it
	After      bool   `yaml:"after,omitempty" json:"after,omitempty"`
	Times      int    `yaml:"times,omitempty" json:"times,omitempty"`
}

// RetryTaskStep retries every open provisioning task ("Retry Selected").
// Force also retries the tasks Okta offers no retry for (a failed
// deactivation), as mockokta's ?force=true does.
type RetryTaskStep struct {
	Force bool `yaml:"force,omitempty" json:"force,omitempty"`
}

// MarkTasksStep is "Mark complete" on every open task Okta offers it for
// (a failed deactivation: "Application accounts need deprovisioning").
// DeactivateFirst does first what such a task asks of the admin: it
// deactivates the person's account in Atlassian by hand (through the
// directory's SCIM API), unless the person is assigned in Okta again.
type MarkTasksStep struct {
	DeactivateFirst bool `yaml:"deactivateFirst,omitempty" json:"deactivateFirst,omitempty"`
}

// LinkStep is Push Groups' "Link Group" on a pushed group whose creation
// failed: the push is pointed at the Atlassian group TargetName (default
// the Okta group's name), which Okta must know (refreshAppGroups).
type LinkStep struct {
	Group      string `yaml:"group" json:"group"`
	TargetName string `yaml:"targetName,omitempty" json:"targetName,omitempty"`
}

// Expect holds the checks made after a step.
type Expect struct {
	Okta      *OktaExpect      `yaml:"okta,omitempty" json:"okta,omitempty"`
	Atlassian *AtlassianExpect `yaml:"atlassian,omitempty" json:"atlassian,omitempty"`
	SCIM      *SCIMExpect      `yaml:"scim,omitempty" json:"scim,omitempty"`
}

// OktaExpect checks the Okta side.
type OktaExpect struct {
	AppUsers     []AppUserExpect     `yaml:"appUsers,omitempty" json:"appUsers,omitempty"`
	Tasks        *int                `yaml:"tasks,omitempty" json:"tasks,omitempty"` // open tasks
	TaskMessages []string            `yaml:"taskMessages,omitempty" json:"taskMessages,omitempty"`
	Log          []LogExpect         `yaml:"log,omitempty" json:"log,omitempty"`
	PushedGroups []PushedGroupExpect `yaml:"pushedGroups,omitempty" json:"pushedGroups,omitempty"`
}

// AppUserExpect checks one app user. ExternalID is "present" or "absent".
// Assigned false means the person must not be assigned.
type AppUserExpect struct {
	User       string `yaml:"user" json:"user"`
	Assigned   *bool  `yaml:"assigned,omitempty" json:"assigned,omitempty"`
	Status     string `yaml:"status,omitempty" json:"status,omitempty"`
	SyncState  string `yaml:"syncState,omitempty" json:"syncState,omitempty"`
	ExternalID string `yaml:"externalId,omitempty" json:"externalId,omitempty"`
	UserName   string `yaml:"userName,omitempty" json:"userName,omitempty"`
}

// LogExpect checks the System Log: events of a type, optionally about a
// person, with an outcome; Count defaults to "at least one".
type LogExpect struct {
	EventType string `yaml:"eventType" json:"eventType"`
	User      string `yaml:"user,omitempty" json:"user,omitempty"`
	Outcome   string `yaml:"outcome,omitempty" json:"outcome,omitempty"`
	Count     *int   `yaml:"count,omitempty" json:"count,omitempty"`
}

// PushedGroupExpect checks a push mapping.
type PushedGroupExpect struct {
	Group         string `yaml:"group" json:"group"`
	Status        string `yaml:"status,omitempty" json:"status,omitempty"`
	ErrorContains string `yaml:"errorContains,omitempty" json:"errorContains,omitempty"`
}

// AtlassianExpect checks the Atlassian side.
type AtlassianExpect struct {
	Users        []UserExpect    `yaml:"users,omitempty" json:"users,omitempty"`
	UserCount    *int            `yaml:"userCount,omitempty" json:"userCount,omitempty"` // SCIM users in the directory
	Groups       []GroupExpect   `yaml:"groups,omitempty" json:"groups,omitempty"`
	Accounts     []AccountExpect `yaml:"accounts,omitempty" json:"accounts,omitempty"`
	AccountCount *int            `yaml:"accountCount,omitempty" json:"accountCount,omitempty"`
	Duplicates   *int            `yaml:"duplicates,omitempty" json:"duplicates,omitempty"` // people with more than one account
}

// UserExpect checks the SCIM user of a person (found by the application
// username Okta sent).
type UserExpect struct {
	User       string            `yaml:"user" json:"user"`
	Exists     *bool             `yaml:"exists,omitempty" json:"exists,omitempty"`
	Active     *bool             `yaml:"active,omitempty" json:"active,omitempty"`
	UserName   string            `yaml:"userName,omitempty" json:"userName,omitempty"`
	Email      string            `yaml:"email,omitempty" json:"email,omitempty"`
	Linked     *bool             `yaml:"linked,omitempty" json:"linked,omitempty"`         // has an Atlassian account
	Groups     []string          `yaml:"groups,omitempty" json:"groups,omitempty"`         // exactly these SCIM groups
	Attributes map[string]string `yaml:"attributes,omitempty" json:"attributes,omitempty"` // dotted SCIM paths, e.g. name.givenName
}

// GroupExpect checks an Atlassian group (synced or local).
type GroupExpect struct {
	Name        string   `yaml:"name" json:"name"`
	Exists      *bool    `yaml:"exists,omitempty" json:"exists,omitempty"`
	Synced      *bool    `yaml:"synced,omitempty" json:"synced,omitempty"`
	Members     []string `yaml:"members,omitempty" json:"members,omitempty"` // person refs; exactly these
	MemberCount *int     `yaml:"memberCount,omitempty" json:"memberCount,omitempty"`
}

// AccountExpect checks an Atlassian account, found by Email or by the
// person User names (a ref or a login; the account with the person's
// email, else the one account with any of the person's addresses).
type AccountExpect struct {
	Email    string   `yaml:"email,omitempty" json:"email,omitempty"`
	User     string   `yaml:"user,omitempty" json:"user,omitempty"`
	Exists   *bool    `yaml:"exists,omitempty" json:"exists,omitempty"`
	Status   string   `yaml:"status,omitempty" json:"status,omitempty"` // active | deactivated
	Managed  *bool    `yaml:"managed,omitempty" json:"managed,omitempty"`
	Products []string `yaml:"products,omitempty" json:"products,omitempty"` // exactly these product keys ([] = none)
}

// SCIMExpect checks the SCIM traffic the engine sent during the step.
type SCIMExpect struct {
	Sent    []RequestMatch `yaml:"sent,omitempty" json:"sent,omitempty"`
	NotSent []RequestMatch `yaml:"notSent,omitempty" json:"notSent,omitempty"`
}

// RequestMatch matches outbound SCIM requests. Resource is Users or
// Groups; User and Group name the resource by person or group; Body is a
// JSON subset the request body must contain; Count, when set, is exact.
type RequestMatch struct {
	Method   string         `yaml:"method,omitempty" json:"method,omitempty"`
	Resource string         `yaml:"resource,omitempty" json:"resource,omitempty"`
	User     string         `yaml:"user,omitempty" json:"user,omitempty"`
	Group    string         `yaml:"group,omitempty" json:"group,omitempty"`
	Query    string         `yaml:"query,omitempty" json:"query,omitempty"` // substring of the decoded query
	Body     map[string]any `yaml:"body,omitempty" json:"body,omitempty"`
	Count    *int           `yaml:"count,omitempty" json:"count,omitempty"`
}
