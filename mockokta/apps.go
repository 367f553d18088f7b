package mockokta

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Flavour is how an app integration speaks SCIM, fixed when it is created
// (OKTA-FLAVOUR-1): OIN apps update with GET+PUT but (de)activate
// and manage group members with PATCH; wizard-built (AIW) apps use PUT for
// everything.
type Flavour string

const (
	FlavourPatch Flavour = "PATCH" // OIN template, e.g. Atlassian Cloud
	FlavourPut   Flavour = "PUT"   // App Integration Wizard custom SCIM app
)

// AppTemplate is an app from Okta's catalogue (or the wizard).
type AppTemplate struct {
	Name       string
	Label      string
	SignOnMode string
	Flavour    Flavour
}

// Templates known by name. Any other name is a wizard-built custom SCIM app
// (PUT flavour). "scim2testapp" stands for Okta's OIN "SCIM 2.0 Test App";
// its real catalogue name is not published (a guess: OKTA-FLAVOUR-1).
var Templates = map[string]AppTemplate{
	"atlassian":    {"atlassian", "Atlassian Cloud", "SAML_2_0", FlavourPatch},
	"scim2testapp": {"scim2testapp", "SCIM 2.0 Test App (OAuth Bearer Token)", "SAML_2_0", FlavourPatch},
}

// App statuses.
const (
	AppActive   = "ACTIVE"
	AppInactive = "INACTIVE"
)

// AuthMode is how the engine authenticates to the SCIM server (OKTA-WIRE-2).
type AuthMode string

const (
	AuthBearer AuthMode = "bearer" // Authorization: Bearer <token>
	AuthHeader AuthMode = "header" // Authorization: <token>, verbatim
	AuthBasic  AuthMode = "basic"  // Authorization: Basic base64(user:pass)
)

// Connection is an app's provisioning connection ("API integration").
type Connection struct {
	BaseURL  string   `json:"baseUrl"`
	Auth     AuthMode `json:"authMode"`
	Token    string   `json:"-"`
	Username string   `json:"username,omitempty"`
	Password string   `json:"-"`
	Enabled  bool     `json:"enabled"`
}

func (c Connection) configured() bool { return c.Enabled && c.BaseURL != "" }

// ToApp is the "To App" provisioning features (OAPI-APP-2).
type ToApp struct {
	CreateUsers     bool `json:"createUsers"`
	UpdateUsers     bool `json:"updateUserAttributes"`
	DeactivateUsers bool `json:"deactivateUsers"`
	SyncPassword    bool `json:"syncPassword"`
	// PasswordSeed and PasswordChange are Sync Password's options, kept
	// and shown (OAPI-APP-2): "" is Okta's default, RANDOM and
	// KEEP_EXISTING.
	PasswordSeed   string `json:"passwordSeed,omitempty"`
	PasswordChange string `json:"passwordChange,omitempty"`
}

// Sync Password's options (USER_PROVISIONING capabilities.update.password).
var (
	passwordSeeds   = []string{"RANDOM", "OKTA"}
	passwordChanges = []string{"KEEP_EXISTING", "CHANGE"}
)

// checkPasswordOptions refuses a seed or change that is not one of Okta's.
func (t ToApp) checkPasswordOptions() error {
	if t.PasswordSeed != "" && !slices.Contains(passwordSeeds, t.PasswordSeed) {
		return errValidation("update.password.seed: must be one of " + strings.Join(passwordSeeds, ", "))
	}
	if t.PasswordChange != "" && !slices.Contains(passwordChanges, t.PasswordChange) {
		return errValidation("update.password.change: must be one of " + strings.Join(passwordChanges, ", "))
	}
	return nil
}

// UserNameTemplate is the application username format (Sign On tab):
// "${source.login}" (Okta username, the default), "${source.email}", or
// "${source.<attribute>}" for a custom attribute.
type UserNameTemplate struct {
	Template   string `json:"template"`
	Type       string `json:"type"`                 // BUILT_IN or CUSTOM
	PushStatus string `json:"pushStatus,omitempty"` // PUSH ("Create and update") or DONT_PUSH
}

var templateRE = regexp.MustCompile(`^\$\{source\.([A-Za-z0-9_]+)\}$`)

// attribute returns the profile attribute a template reads.
func (t UserNameTemplate) attribute() string {
	if m := templateRE.FindStringSubmatch(t.Template); m != nil {
		return m[1]
	}
	return "login"
}

// App is an app integration.
type App struct {
	ID          string
	Name        string
	Label       string
	Status      string
	SignOnMode  string
	Flavour     Flavour
	Created     time.Time
	LastUpdated time.Time

	Connection Connection
	ToApp      ToApp
	UserName   UserNameTemplate
	// PrimaryEmailAttr is the Okta profile attribute mapped to the SCIM
	// primary email (seed guide Step 3: "note the field that maps to the
	// Primary email attribute. The default is email").
	PrimaryEmailAttr string
	// ProfileMap is the rest of the profile mapping to the app (profiles.go):
	// app attribute → Okta attribute, where it differs from the default
	// ("" : not mapped). nil: the defaults.
	ProfileMap map[string]string
	// UserSchema is the app user schema's custom attributes (definitions).
	UserSchema map[string]json.RawMessage
	// RenameGroups is Push Groups' "Rename app groups to match group name
	// in Okta" (OKTA-PUSH-6).
	RenameGroups bool
	// GroupPushConflict is what a 409 on creating a pushed group does
	// (OKTA-PUSH-14): Okta's "error", or the "link" switch.
	GroupPushConflict GroupPushConflict
	// SkipGroupImport is the integration's "Import Groups" unchecked: Okta
	// reads no app groups and does not know pushed groups' ids downstream
	// (OKTA-PUSH-12).
	SkipGroupImport bool
	// SAML is the app's SAML sign-on settings and keys (saml.go).
	SAML AppSAML
	// Presentation is what the app shows and where (OAPI-APP-7).
	Presentation AppPresentation

	users        map[string]*AppUser
	userOrder    []string
	groups       map[string]*AppGroup
	groupOrder   []string
	mappings     map[string]*PushMapping
	mappingOrder []string
	// remoteGroups caches the target's groups by lower-case name, as Okta
	// caches GET /Groups on To App save and import and uses it to decide
	// between creating and linking (OKTA-TEST-1, OKTA-PUSH-2).
	remoteGroups map[string]remoteGroup
}

type remoteGroup struct{ ID, Name string }

// App user statuses and sync states (OAPI-APP-1).
const (
	AppUserStaged        = "STAGED"
	AppUserProvisioned   = "PROVISIONED"
	AppUserDeprovisioned = "DEPROVISIONED"

	SyncDisabled     = "DISABLED"
	SyncOutOfSync    = "OUT_OF_SYNC"
	SyncSyncing      = "SYNCING"
	SyncSynchronized = "SYNCHRONIZED"
	SyncError        = "ERROR"
)

// AppUser is a user's assignment to an app and the state of its account
// downstream.
type AppUser struct {
	UserID        string
	ExternalID    string // the SCIM id downstream
	Status        string
	SyncState     string
	Created       time.Time
	LastUpdated   time.Time
	StatusChanged time.Time
	LastSync      *time.Time
	UserName      string
	Profile       map[string]any
	direct        bool            // assigned directly (scope USER)
	viaGroups     map[string]bool // assigned through these groups
	// removed marks an unassigned user whose deactivation is still queued:
	// hidden from the API, kept so the job can find the downstream id.
	removed bool
}

// Scope is USER for a direct assignment, else GROUP.
func (au *AppUser) Scope() string {
	if au.direct {
		return "USER"
	}
	return "GROUP"
}

// AppGroup is a group assigned to an app.
type AppGroup struct {
	GroupID     string
	Priority    int
	Profile     map[string]any
	LastUpdated time.Time
}

// CreateAppInput describes an app integration.
type CreateAppInput struct {
	Name       string `json:"name"`
	Label      string `json:"label"`
	SignOnMode string `json:"signOnMode"`
	Activate   bool   `json:"-"`
	// SAML is settings.signOn of a new SAML app, applied with the rest.
	SAML *SAMLInput `json:"-"`
	// Presentation is the body's visibility, accessibility, notes and
	// settings.app (OAPI-APP-7).
	Presentation *appBody `json:"-"`
}

// CreateApp adds an app integration from a template (by name) or, for any
// other name, a custom SCIM app built with the wizard (PUT flavour).
func (m *Model) CreateApp(o *Org, in CreateAppInput) (*App, error) {
	customSAML := in.Name == "" && in.SignOnMode == "SAML_2_0"
	if in.Name == "" && !customSAML {
		return nil, errValidation("name: The field cannot be left blank")
	}
	t, known := Templates[in.Name]
	if !known {
		t = AppTemplate{Name: in.Name, Label: in.Label, SignOnMode: in.SignOnMode, Flavour: FlavourPut}
		if t.SignOnMode == "" {
			t.SignOnMode = "SAML_2_0"
		}
	}
	// settings.signOn applies to a SAML app, checked before anything is
	// made, as UpdateApp does.
	if in.SAML != nil {
		if t.SignOnMode != "SAML_2_0" {
			return nil, errValidation("settings.signOn: the app does not sign on with SAML 2.0")
		}
		if err := in.SAML.check(); err != nil {
			return nil, err
		}
	}
	var shown AppPresentation
	if in.Presentation != nil {
		var err error
		if shown, err = in.Presentation.apply(shown); err != nil {
			return nil, err
		}
	}
	label := in.Label
	if label == "" {
		label = t.Label
	}
	if label == "" {
		return nil, errValidation("label: The field cannot be left blank")
	}
	now := m.now()
	a := &App{ID: m.oktaID("0oa"), Name: t.Name, Label: label, Status: AppInactive, SignOnMode: t.SignOnMode,
		Flavour: t.Flavour, Created: now, LastUpdated: now,
		Connection:        Connection{Auth: AuthBearer},
		UserName:          UserNameTemplate{Template: "${source.login}", Type: "BUILT_IN"},
		PrimaryEmailAttr:  "email",
		GroupPushConflict: m.opts.GroupPushConflict, Presentation: shown,
		users: map[string]*AppUser{}, groups: map[string]*AppGroup{},
		mappings: map[string]*PushMapping{}, remoteGroups: map[string]remoteGroup{}}
	if in.Activate {
		a.Status = AppActive
	}
	if in.SAML != nil {
		in.SAML.apply(&a.SAML)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if customSAML {
		a.Name = customSAMLAppName(o, label)
	}
	o.apps[a.ID] = a
	o.appOrder = append(o.appOrder, a.ID)
	o.changes.New(kindApp, a.ID)
	m.logAPI(o, "application.lifecycle.create", "Create application", appTarget(a))
	if in.Activate {
		m.logAPI(o, "application.lifecycle.activate", "Activate application", appTarget(a))
	}
	return copyApp(a), nil
}

// customSAMLAppName is the name Okta gives a custom SAML app created
// without one (OAPI-APP-6): the org's name, the label's letters and
// digits, and a number that keeps it unique, as in
// "dev-okta_customsaml20app_1". o.mu is held.
func customSAMLAppName(o *Org, label string) string {
	keep := func(s string, extra rune) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == extra {
				return r
			}
			return -1
		}, strings.ToLower(s))
	}
	prefix := keep(o.Name, '-') + "_" + keep(label, 0) + "_"
	n := 1
	for _, a := range o.apps {
		if rest, ok := strings.CutPrefix(a.Name, prefix); ok {
			if k, err := strconv.Atoi(rest); err == nil && k >= n {
				n = k + 1
			}
		}
	}
	return prefix + strconv.Itoa(n)
}

func appTarget(a *App) LogTarget {
	return LogTarget{ID: a.ID, Type: "AppInstance", AlternateID: a.Label, DisplayName: a.Label}
}

// app finds an app. Caller holds o.mu.
func (o *Org) app(id string) (*App, error) {
	a, ok := o.apps[id]
	if !ok {
		return nil, errNotFound("App", id)
	}
	return a, nil
}

// UpdateAppInput changes an app: label, sign-on username format and, for
// the simulator, the settings Okta keeps in its admin UI.
type UpdateAppInput struct {
	Label             *string
	UserName          *UserNameTemplate
	PrimaryEmailAttr  *string
	RenameGroups      *bool
	GroupPushConflict *GroupPushConflict
	ImportGroups      *bool      // the integration's "Import Groups" (OKTA-PUSH-12)
	SAML              *SAMLInput // settings.signOn of a SAML app
	Presentation      *appBody
}

// UpdateApp applies an app update. A changed username format rewrites no
// app user at once (OKTA-USERNAME-2): existing usernames change on "Update
// Now" (UpdateUsernames) or, one user at a time, when that user's profile
// changes.
func (m *Model) UpdateApp(o *Org, appID string, in UpdateAppInput) (*App, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	if in.UserName != nil {
		if in.UserName.Template == "" {
			in.UserName.Template = "${source.login}"
		}
		if !templateRE.MatchString(in.UserName.Template) {
			return nil, errValidation("credentials.userNameTemplate.template: must be ${source.<attribute>}, e.g. ${source.login} or ${source.email}")
		}
		if in.UserName.Type == "" {
			in.UserName.Type = "BUILT_IN"
		}
	}
	if in.PrimaryEmailAttr != nil && !templateRE.MatchString("${source."+*in.PrimaryEmailAttr+"}") {
		return nil, errValidation("primaryEmail: must name a profile attribute")
	}
	if in.SAML != nil && !in.SAML.empty() {
		if !a.isSAML() {
			return nil, errValidation("settings.signOn: the app does not sign on with SAML 2.0")
		}
		if err := in.SAML.check(); err != nil {
			return nil, err
		}
	}
	if in.Label != nil && *in.Label == "" {
		return nil, errValidation("label: The field cannot be left blank")
	}
	shown := a.Presentation
	if in.Presentation != nil {
		if shown, err = in.Presentation.apply(shown); err != nil {
			return nil, err
		}
	}
	a.Presentation = shown
	if in.Label != nil {
		a.Label = *in.Label
	}
	if in.SAML != nil {
		in.SAML.apply(&a.SAML)
	}
	if in.UserName != nil {
		a.UserName = *in.UserName
	}
	if in.PrimaryEmailAttr != nil {
		a.PrimaryEmailAttr = *in.PrimaryEmailAttr
	}
	if in.RenameGroups != nil {
		a.RenameGroups = *in.RenameGroups
	}
	if in.ImportGroups != nil {
		a.SkipGroupImport = !*in.ImportGroups
	}
	if in.GroupPushConflict != nil {
		c, err := ParseGroupPushConflict(string(*in.GroupPushConflict))
		if err != nil {
			return nil, errValidation("groupPushConflict: " + err.Error())
		}
		a.GroupPushConflict = c
	}
	a.LastUpdated = m.now()
	o.changes.Put(kindApp, a.ID)
	m.logAPI(o, "application.lifecycle.update", "Update application", appTarget(a))
	return copyApp(a), nil
}

// refreshUsernames recalculates every assigned user's application username
// from the format and queues a push of each that changed, unless the
// format is "Create only" (DONT_PUSH). It returns how many changed. Caller
// holds o.mu.
func (m *Model) refreshUsernames(o *Org, a *App) int {
	changed := 0
	for _, uid := range a.userOrder {
		au := a.users[uid]
		if u := o.users[uid]; u != nil {
			if name := a.userNameFor(u); name != au.UserName {
				au.UserName = name
				o.changes.Put(kindAppUser, pairKey(a.ID, uid))
				changed++
				if a.UserName.PushStatus != "DONT_PUSH" {
					m.enqueueUpdate(o, a, au)
				}
			}
		}
	}
	return changed
}

// UpdateUsernames is the Sign On tab's "Update Now" (OKTA-USERNAME-2, the
// guide's Step 3.5): the username of every assigned user, direct or
// through a group, is calculated again from the format, and the changed
// ones are pushed. It returns how many changed.
func (m *Model) UpdateUsernames(o *Org, appID string) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return 0, err
	}
	n := m.refreshUsernames(o, a)
	m.logAPI(o, "application.lifecycle.update", "Update application", appTarget(a))
	return n, nil
}

// mapProfile fills the app user profile from the Okta profile, as the app's
// default attribute mappings do (the attributes Okta then sends, OKTA-CREATE-2).
func (a *App) mapProfile(au *AppUser, u *User) {
	for _, k := range []string{"givenName", "familyName", "title", "department"} {
		if v := a.mapped(u, k); v != "" {
			au.Profile[k] = v
		} else {
			delete(au.Profile, k)
		}
	}
	if v := a.mapped(u, "email"); v != "" {
		au.Profile["email"] = v
	} else {
		au.Profile["email"] = u.Attr("email")
	}
	au.Profile["emailType"] = "work"
}

// userNameFor computes a user's application username from the format.
func (a *App) userNameFor(u *User) string {
	if v := u.Attr(a.UserName.attribute()); v != "" {
		return v
	}
	return u.Login()
}

// SetAppStatus activates or deactivates an app. A deleted app must be
// inactive first, as in Okta.
func (m *Model) SetAppStatus(o *Org, appID string, active bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return err
	}
	status, event := AppInactive, "application.lifecycle.deactivate"
	if active {
		status, event = AppActive, "application.lifecycle.activate"
	}
	if a.Status != status {
		a.Status = status
		a.LastUpdated = m.now()
		o.changes.Put(kindApp, a.ID)
		word := strings.ToLower(status) // ACTIVE -> "Active application"
		m.logAPI(o, event, strings.ToUpper(word[:1])+word[1:]+" application", appTarget(a))
	}
	return nil
}

// DeleteApp removes an inactive app. Its users are not deprovisioned
// downstream (Okta removes the integration, not the accounts).
func (m *Model) DeleteApp(o *Org, appID string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return err
	}
	if a.Status == AppActive {
		return errAppActive()
	}
	m.engine.dropApp(o.ID, a.ID)
	o.forgetAppJobs(a.ID)
	delete(o.apps, a.ID)
	o.appOrder = removeID(o.appOrder, a.ID)
	o.changedAppWhole(a)
	o.forgetAppPolicy(a.ID)
	m.logAPI(o, "application.lifecycle.delete", "Delete application", appTarget(a))
	return nil
}

func removeID(list []string, id string) []string {
	for i, x := range list {
		if x == id {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

// ConnectionInput configures the API integration. Nil fields keep their
// value; Token and Password are write-only.
type ConnectionInput struct {
	BaseURL  *string   `json:"baseUrl"`
	Auth     *AuthMode `json:"authMode"`
	Token    *string   `json:"token"`
	Username *string   `json:"username"`
	Password *string   `json:"password"`
	// ImportGroups is the integration form's "Import Groups" checkbox
	// (OKTA-PUSH-12), saved with the rest of the form. Not read from
	// /_sim/…/connection bodies: PUT /_sim/…/settings sets it there.
	ImportGroups *bool `json:"-"`
}

func (in ConnectionInput) apply(c Connection) (Connection, error) {
	if in.BaseURL != nil {
		u, err := url.Parse(*in.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, &baseURLError{"must be an http or https URL"}
		}
		// Okta refuses an underscore anywhere in the base URL (OKTA-WIRE-2).
		if strings.Contains(*in.BaseURL, "_") {
			return c, &baseURLError{"Invalid Base URL: the URL cannot contain an underscore (_)"}
		}
		c.BaseURL = trimSlash(*in.BaseURL)
	}
	if in.Auth != nil {
		switch *in.Auth {
		case AuthBearer, AuthHeader, AuthBasic:
			c.Auth = *in.Auth
		default:
			return c, errValidation(fmt.Sprintf("authMode: %q is not one of bearer, header, basic", *in.Auth))
		}
	}
	if in.Token != nil {
		c.Token = *in.Token
	}
	if in.Username != nil {
		c.Username = *in.Username
	}
	if in.Password != nil {
		c.Password = *in.Password
	}
	return c, nil
}

// baseURLError is a base URL Okta refuses as typed: Test API Credentials
// shows the message and sends nothing; saving answers it as a validation
// error (E0000001).
type baseURLError struct{ msg string }

func (e *baseURLError) Error() string { return e.msg }

// asValidation turns a refused base URL into Okta's validation error.
func asValidation(err error) error {
	var b *baseURLError
	if errors.As(err, &b) {
		return errValidation("baseUrl: " + b.msg)
	}
	return err
}

// connectionFor returns the connection an input would produce, without
// saving it (Test API Credentials tests before Save).
func (m *Model) connectionFor(o *Org, appID string, in ConnectionInput) (Connection, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return Connection{}, err
	}
	return in.apply(a.Connection)
}

// SetConnection saves the API integration; enable turns it on ("Enable API
// integration").
func (m *Model) SetConnection(o *Org, appID string, in ConnectionInput, enable *bool) (Connection, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return Connection{}, err
	}
	c, err := in.apply(a.Connection)
	if err != nil {
		return Connection{}, asValidation(err)
	}
	if enable != nil {
		c.Enabled = *enable
	}
	a.Connection = c
	if in.ImportGroups != nil {
		a.SkipGroupImport = !*in.ImportGroups
	}
	a.LastUpdated = m.now()
	o.changes.Put(kindApp, a.ID)
	m.logAPI(o, "application.provision.integration.update", "Update provisioning integration", appTarget(a))
	return c, nil
}

// SetToApp saves the To App features. Saving makes Okta read the target's
// users and groups (OKTA-TEST-1), which the engine does next.
func (m *Model) SetToApp(o *Org, appID string, t ToApp) (ToApp, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return ToApp{}, err
	}
	if err := m.setToApp(o, a, t); err != nil {
		return ToApp{}, err
	}
	return t, nil
}

// setToApp is SetToApp's save. Caller holds o.mu.
func (m *Model) setToApp(o *Org, a *App, t ToApp) error {
	if !a.Connection.configured() {
		return errFeatureNotEnabled("Provisioning is not enabled for this application: configure the API integration first")
	}
	before := a.ToApp
	a.ToApp = t
	a.LastUpdated = m.now()
	o.changes.Put(kindApp, a.ID)
	m.enqueue(o, a, job{kind: jobToAppSaved})
	m.syncPasswordSaved(o, a, before)
	m.logAPI(o, "application.provision.features.update", "Update To App provisioning features", appTarget(a))
	return nil
}

// presetToApp sets To App as a server's boot configures it: without the
// save's read of the target's users and groups, since the target may not
// be up yet when both servers start together.
func (m *Model) presetToApp(o *Org, appID string, t ToApp) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return err
	}
	a.ToApp = t
	o.changes.Put(kindApp, a.ID)
	return nil
}

// appUsers lists an app's assigned users in assignment order. Caller holds
// o.mu.
func (a *App) appUsers() []*AppUser {
	out := make([]*AppUser, 0, len(a.userOrder))
	for _, id := range a.userOrder {
		if au := a.users[id]; !au.removed {
			out = append(out, au)
		}
	}
	return out
}

// appUser returns a live (not unassigned) app user. Caller holds o.mu.
func (a *App) appUser(userID string) (*AppUser, bool) {
	au, ok := a.users[userID]
	if !ok || au.removed {
		return nil, false
	}
	return au, true
}

// AssignUserInput is POST /apps/{id}/users.
type AssignUserInput struct {
	ID          string `json:"id"`
	Scope       string `json:"scope"`
	Credentials *struct {
		UserName string `json:"userName"`
	} `json:"credentials"`
	Profile map[string]any `json:"profile"`
}

// AssignUser assigns a user directly to an app: Okta creates (or links) the
// account downstream when Create Users is on (OKTA-CREATE-1, OKTA-LINK-1).
func (m *Model) AssignUser(o *Org, appID string, in AssignUserInput) (*AppUser, bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, false, err
	}
	if in.ID == "" {
		return nil, false, errValidation("id: The field cannot be left blank")
	}
	u, err := o.user(in.ID)
	if err != nil {
		return nil, false, err
	}
	if u.Status == StatusDeprovisioned {
		return nil, false, errInactiveUser()
	}
	au, exists := a.users[u.ID]
	if exists && au.removed {
		au.revive()
		exists = false
	}
	if exists && au.direct {
		// The same assignment again (OAPI-APP-3). Okta's CRUD suite
		// re-POSTs only after a deactivation removed the direct
		// assignment, which the revival above handles.
		return nil, false, errDuplicateAssignment()
	}
	o.changes.Put(kindAppUser, pairKey(a.ID, u.ID))
	if a.users[u.ID] == nil {
		au = m.newAppUser(o, a, u)
	}
	au.direct = true
	if in.Credentials != nil && in.Credentials.UserName != "" {
		au.UserName = in.Credentials.UserName
	}
	m.mergeAppProfile(au, in.Profile)
	m.logAPI(o, "application.user_membership.add", "Add user to application membership", userTarget(u), appTarget(a))
	if !exists || au.Status != AppUserProvisioned {
		m.enqueueProvision(o, a, au)
	}
	return copyAppUser(au), !exists, nil
}

func (m *Model) mergeAppProfile(au *AppUser, p map[string]any) {
	for k, v := range p {
		if v == nil {
			delete(au.Profile, k)
		} else {
			au.Profile[k] = v
		}
	}
	au.LastUpdated = m.now()
}

// newAppUser adds an app user for u. Caller holds o.mu.
func (m *Model) newAppUser(o *Org, a *App, u *User) *AppUser {
	now := m.now()
	au := &AppUser{UserID: u.ID, Status: AppUserStaged, SyncState: SyncDisabled, Created: now, LastUpdated: now,
		StatusChanged: now, UserName: a.userNameFor(u), Profile: map[string]any{}, viaGroups: map[string]bool{}}
	a.mapProfile(au, u)
	a.users[u.ID] = au
	a.userOrder = append(a.userOrder, u.ID)
	o.changes.New(kindAppUser, pairKey(a.ID, u.ID))
	return au
}

// UnassignUser removes a direct assignment (DELETE /apps/{id}/users/{uid}):
// Okta deactivates the account downstream, never deletes it (OKTA-DEACT-1, OKTA-DEACT-3).
func (m *Model) UnassignUser(o *Org, appID, userID string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return err
	}
	u, err := o.user(userID)
	if err != nil {
		return err
	}
	au, ok := a.users[u.ID]
	if !ok || au.removed {
		return errNotFound("AppUser", userID)
	}
	if len(au.viaGroups) > 0 {
		// Refused while a group grants the app, even on top of a direct
		// assignment (OAPI-APP-4).
		return &Error{Status: 403, Code: "E0000046", Summary: "Deactivate application for user forbidden.",
			Causes: []string{"The application cannot be unassigned from the user while their group memberships grant them access"}}
	}
	au.direct = false
	o.changes.Put(kindAppUser, pairKey(a.ID, u.ID))
	m.logAPI(o, "application.user_membership.remove", "Remove user from application membership", userTarget(u), appTarget(a))
	m.removeAppUser(o, a, au)
	return nil
}

// removeAppUser unassigns an app user and queues the deactivation of its
// account downstream; the record goes once that job has run. Caller holds
// o.mu.
func (m *Model) removeAppUser(o *Org, a *App, au *AppUser) {
	au.removed, au.direct = true, false
	au.viaGroups = map[string]bool{}
	o.changes.Put(kindAppUser, pairKey(a.ID, au.UserID))
	m.enqueueDeactivate(o, a, au)
}

// revive turns an unassigned record into a new assignment. Like Okta, which
// made a new app user, it forgets the downstream id: the next provisioning
// finds the account with the userName filter (and reactivates it) or
// creates it anew when it was deleted downstream (OKTA-UPDATE-2). The queued
// deactivation kept its own copy of the id.
func (au *AppUser) revive() {
	au.removed = false
	au.ExternalID = ""
	au.Status = AppUserStaged
}

// forget deletes an app user record. Caller holds o.mu.
func (a *App) forget(userID string) {
	delete(a.users, userID)
	a.userOrder = removeID(a.userOrder, userID)
}

// AssignGroup assigns a group to an app: every member becomes an app user
// (scope GROUP) and is provisioned (OKTA-ASSIGN-1).
func (m *Model) AssignGroup(o *Org, appID, groupID string, priority *int, profile map[string]any) (*AppGroup, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	g, err := o.group(groupID)
	if err != nil {
		return nil, err
	}
	ag, exists := a.groups[g.ID]
	if !exists {
		ag = &AppGroup{GroupID: g.ID, Profile: map[string]any{}}
		ag.Priority = len(a.groupOrder)
		a.groups[g.ID] = ag
		a.groupOrder = append(a.groupOrder, g.ID)
		o.changes.New(kindAppGroup, pairKey(a.ID, g.ID))
	}
	o.changes.Put(kindAppGroup, pairKey(a.ID, g.ID))
	if priority != nil {
		ag.Priority = *priority
	}
	for k, v := range profile {
		ag.Profile[k] = v
	}
	ag.LastUpdated = m.now()
	if !exists {
		m.logAPI(o, "application.user_membership.add", "Assign group to application", groupTarget(g), appTarget(a))
		for _, uid := range g.members {
			m.addGroupScope(o, a, g.ID, o.users[uid])
		}
	}
	return copyAppGroup(ag), nil
}

// addGroupScope gives u the app through group gid and reports whether it
// queued a provisioning job. Caller holds o.mu.
func (m *Model) addGroupScope(o *Org, a *App, gid string, u *User) bool {
	if u == nil || u.Status == StatusDeprovisioned {
		return false
	}
	au, exists := a.users[u.ID]
	if exists && au.removed {
		au.revive()
		exists = false
	}
	if a.users[u.ID] == nil {
		au = m.newAppUser(o, a, u)
	}
	au.viaGroups[gid] = true
	o.changes.Put(kindAppUser, pairKey(a.ID, u.ID))
	if !exists || au.Status != AppUserProvisioned {
		m.enqueueProvision(o, a, au)
		return true
	}
	return false
}

// dropGroupScope takes away the app through group gid; a user left with no
// assignment is deactivated downstream. Caller holds o.mu.
func (m *Model) dropGroupScope(o *Org, a *App, gid, userID string) {
	au, ok := a.appUser(userID)
	if !ok || !au.viaGroups[gid] {
		return
	}
	delete(au.viaGroups, gid)
	o.changes.Put(kindAppUser, pairKey(a.ID, userID))
	if !au.direct && len(au.viaGroups) == 0 {
		m.removeAppUser(o, a, au)
	}
}

// UnassignGroup removes a group assignment: members without another
// assignment are deactivated downstream (OKTA-ASSIGN-1).
func (m *Model) UnassignGroup(o *Org, appID, groupID string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return err
	}
	if _, ok := a.groups[groupID]; !ok {
		return errNotFound("ApplicationGroupAssignment", groupID)
	}
	delete(a.groups, groupID)
	a.groupOrder = removeID(a.groupOrder, groupID)
	o.changes.Put(kindAppGroup, pairKey(a.ID, groupID))
	for _, uid := range append([]string(nil), a.userOrder...) {
		m.dropGroupScope(o, a, groupID, uid)
	}
	if g := o.groups[groupID]; g != nil {
		m.logAPI(o, "application.user_membership.remove", "Unassign group from application", groupTarget(g), appTarget(a))
	}
	return nil
}

// sortedAppGroups returns group assignments by priority, then id.
func (a *App) sortedAppGroups() []*AppGroup {
	out := make([]*AppGroup, 0, len(a.groups))
	for _, id := range a.groupOrder {
		out = append(out, a.groups[id])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Priority < out[j].Priority })
	return out
}

// UpdateAppUser is POST /api/v1/apps/{id}/users/{userId}: the app profile
// attributes given are merged in, and a new username is pushed downstream
// when Update User Attributes is on.
func (m *Model) UpdateAppUser(o *Org, appID, userRef string, in AssignUserInput) (*AppUser, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, au, err := o.appUserOf(appID, userRef)
	if err != nil {
		return nil, err
	}
	m.mergeAppProfile(au, in.Profile)
	o.changes.Put(kindAppUser, pairKey(a.ID, au.UserID))
	if in.Credentials != nil && in.Credentials.UserName != "" && in.Credentials.UserName != au.UserName {
		au.UserName = in.Credentials.UserName
		if au.ExternalID != "" && a.ToApp.UpdateUsers {
			m.enqueueUpdate(o, a, au)
		}
	}
	return copyAppUser(au), nil
}

// AppGroupPatch is one JSON Patch operation on a group assignment.
type AppGroupPatch struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// PatchAppGroup is PATCH /api/v1/apps/{id}/groups/{groupId} (the
// OpenAPI's updateGroupAssignmentToApplication): replace or remove on
// /priority, /profile or /profile/<attribute>, every operation checked
// before any applies. The group must already be assigned; no operations
// change nothing.
func (m *Model) PatchAppGroup(o *Org, appID, groupID string, ops []AppGroupPatch) (*AppGroup, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ag, err := o.appGroupOf(appID, groupID)
	if err != nil {
		return nil, err
	}
	priority, profile := ag.Priority, make(map[string]any, len(ag.Profile))
	for k, v := range ag.Profile {
		profile[k] = v
	}
	for _, op := range ops {
		remove := strings.EqualFold(op.Op, "remove")
		if !remove && !strings.EqualFold(op.Op, "replace") {
			return nil, errValidation("op: must be replace or remove")
		}
		switch attr, isAttr := strings.CutPrefix(op.Path, "/profile/"); {
		case op.Path == "/priority":
			if remove {
				return nil, errValidation("priority: cannot be removed")
			}
			if err := json.Unmarshal(op.Value, &priority); err != nil || priority < 0 {
				return nil, errValidation("priority: must be a non-negative integer")
			}
		case op.Path == "/profile":
			profile = map[string]any{}
			if !remove && len(op.Value) > 0 && string(op.Value) != "null" {
				if err := json.Unmarshal(op.Value, &profile); err != nil {
					return nil, errValidation("profile: must be an object")
				}
			}
		case isAttr && attr != "" && !strings.Contains(attr, "/"):
			if remove {
				delete(profile, attr)
				continue
			}
			var v any
			if err := json.Unmarshal(op.Value, &v); err != nil {
				return nil, errValidation(attr + ": invalid value")
			}
			profile[attr] = v
		default:
			return nil, errValidation("path: " + op.Path + " cannot be patched")
		}
	}
	if len(ops) > 0 {
		ag.Priority, ag.Profile, ag.LastUpdated = priority, profile, m.now()
		o.changes.Put(kindAppGroup, pairKey(appID, ag.GroupID))
	}
	return copyAppGroup(ag), nil
}

// ToAppChange switches To App features on or off; nil leaves one as is.
type ToAppChange struct {
	CreateUsers, UpdateUsers, DeactivateUsers, SyncPassword *bool
	PasswordSeed, PasswordChange                            *string
}

// ChangeToApp is PUT /api/v1/apps/{id}/features/USER_PROVISIONING: the
// switches given change, the others stay, and the save is what SetToApp
// does.
func (m *Model) ChangeToApp(o *Org, appID string, ch ToAppChange) (*App, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	t := a.ToApp
	for _, c := range []struct {
		on  *bool
		dst *bool
	}{{ch.CreateUsers, &t.CreateUsers}, {ch.UpdateUsers, &t.UpdateUsers}, {ch.DeactivateUsers, &t.DeactivateUsers}, {ch.SyncPassword, &t.SyncPassword}} {
		if c.on != nil {
			*c.dst = *c.on
		}
	}
	if ch.PasswordSeed != nil {
		t.PasswordSeed = *ch.PasswordSeed
	}
	if ch.PasswordChange != nil {
		t.PasswordChange = *ch.PasswordChange
	}
	if err := t.checkPasswordOptions(); err != nil {
		return nil, err
	}
	if err := m.setToApp(o, a, t); err != nil {
		return nil, err
	}
	return copyApp(a), nil
}
