package mockokta

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/saml"
	"github.com/provsim/provsim/internal/store"
)

// The records of an org: what --data-dir stores, each under its own key,
// and what a snapshot document carries. API tokens travel as their SHA-256
// hashes (hex), so a restored org answers to its old tokens while no record
// holds one. An app's connection secrets (the token or password mockokta
// sends to the SCIM server) are the exception: mockokta must present them,
// so they are kept as given — treat snapshots as secrets when connections
// carry real ones.
//
// Every API mutation marks the records it touches in o.changes, under o.mu:
// New when a record is created, Put when it changes or goes away. Engine
// outcomes are marked in one place, around withJobApp (jobs.go). A commit
// writes exactly the marked records (internal/store). Derived state (a
// user's groups, the login index) is not stored.

// Record kinds, in load order: a record refers only to kinds before it.
const (
	kindOrg         = "org"         // id: the org id
	kindUser        = "user"        // id: user id
	kindGroup       = "group"       // id: group id
	kindMember      = "member"      // group membership, in join order; id: group/user
	kindRule        = "groupRule"   // group rule with the memberships it made; id: rule id
	kindApp         = "app"         // id: app id
	kindRemoteGroup = "remoteGroup" // the app's cache of the target's groups; id: app/lower-case name
	kindAppGroup    = "appGroup"    // group assignment; id: app/group
	kindAppUser     = "appUser"     // assignment and downstream state; id: app/user
	kindMapping     = "mapping"     // Group Push mapping; id: app/mapping
	kindPushed      = "pushed"      // a user a mapping pushed; id: app/mapping/user
	kindTask        = "task"        // id: task id
	kindLog         = "log"         // System Log event; id: its sequence number
	kindJob         = "job"         // queued engine work; id: its sequence number
	kindServiceApp  = "serviceApp"  // OAuth 2.0 service app with its public keys and grants; id: client id
	// A principal's share of the rate limits (principals.go); id: entity id.
	kindPrincipalRateLimit = "principalRateLimit"
	// The org's rate-limit settings (ratelimitsettings.go); id: the org id.
	kindRateLimitSettings = "rateLimitSettings"
	// App sign-in policies with their rules and apps (policies.go); id: policy id.
	kindPolicy = "accessPolicy"
	// An issued OAuth access token, by hash (accesstokens.go); id: the hex hash.
	kindAccessToken = "accessToken"
	// The org's pace and rate limits set through /_sim/ (simsettings.go); id: the org id.
	kindSimSettings = "simSettings"
)

// Schema is mockokta's record schema.
var Schema = store.Schema{
	Server: "mockokta",
	Kinds: []string{kindOrg, kindUser, kindGroup, kindMember, kindRule, kindApp, kindRemoteGroup, kindAppGroup, kindAppUser,
		kindMapping, kindPushed, kindTask, kindLog, kindJob, kindServiceApp, kindPrincipalRateLimit, kindRateLimitSettings, kindPolicy, kindAccessToken, kindSimSettings},
	FromV1: fromV1,
}

// OrgRecord is the org itself.
type OrgRecord struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Created     time.Time `json:"created"`
	TokenHashes []string  `json:"tokenHashes"` // hex SHA-256 of each API token
	// UserSchema is the custom user attributes (profiles.go).
	UserSchema map[string]json.RawMessage `json:"userSchema,omitempty"`
}

// UserRecord is an Okta user; group memberships are member records.
type UserRecord struct {
	ID              string         `json:"id"`
	Status          string         `json:"status"`
	Created         time.Time      `json:"created"`
	LastUpdated     time.Time      `json:"lastUpdated"`
	Activated       *time.Time     `json:"activated,omitempty"`
	StatusChanged   *time.Time     `json:"statusChanged,omitempty"`
	LastLogin       *time.Time     `json:"lastLogin,omitempty"`
	PasswordChanged *time.Time     `json:"passwordChanged,omitempty"`
	Profile         map[string]any `json:"profile"`
	HasPassword     bool           `json:"hasPassword,omitempty"`
	PasswordHash    string         `json:"passwordHash,omitempty"` // salted PBKDF2, never the password
	Recovery        string         `json:"recoveryQuestion,omitempty"`
}

// GroupRecord is a group; its members are member records.
type GroupRecord struct {
	ID                    string    `json:"id"`
	Type                  string    `json:"type"`
	Name                  string    `json:"name"`
	Description           string    `json:"description,omitempty"`
	Created               time.Time `json:"created"`
	LastUpdated           time.Time `json:"lastUpdated"`
	LastMembershipUpdated time.Time `json:"lastMembershipUpdated"`
}

// MemberRecord puts a user in a group.
type MemberRecord struct {
	GroupID string `json:"groupId"`
	UserID  string `json:"userId"`
}

// ConnectionRecord is an app's API integration, secrets included.
type ConnectionRecord struct {
	BaseURL  string   `json:"baseUrl,omitempty"`
	Auth     AuthMode `json:"authMode"`
	Token    string   `json:"token,omitempty"`
	Username string   `json:"username,omitempty"`
	Password string   `json:"password,omitempty"`
	Enabled  bool     `json:"enabled"`
}

// AppRecord is an app integration's settings.
type AppRecord struct {
	ID               string                     `json:"id"`
	Name             string                     `json:"name"`
	Label            string                     `json:"label"`
	Status           string                     `json:"status"`
	SignOnMode       string                     `json:"signOnMode"`
	Flavour          Flavour                    `json:"flavour"`
	Created          time.Time                  `json:"created"`
	LastUpdated      time.Time                  `json:"lastUpdated"`
	Connection       ConnectionRecord           `json:"connection"`
	ToApp            ToApp                      `json:"toApp"`
	UserName         UserNameTemplate           `json:"userNameTemplate"`
	PrimaryEmailAttr string                     `json:"primaryEmailAttribute"`
	ProfileMap       map[string]string          `json:"profileMap,omitempty"`
	UserSchema       map[string]json.RawMessage `json:"userSchema,omitempty"`
	RenameGroups     bool                       `json:"renameGroups,omitempty"`
	// GroupPushConflict is the app's answer to a 409 on creating a pushed
	// group; empty is Okta's ("error").
	GroupPushConflict GroupPushConflict `json:"groupPushConflict,omitempty"`
	// SkipGroupImport is "Import Groups" unchecked (OKTA-PUSH-12).
	SkipGroupImport bool `json:"skipGroupImport,omitempty"`
	// Presentation is what the app shows and where (OAPI-APP-7); absent
	// while all are defaults.
	Presentation *AppPresentation `json:"presentation,omitempty"`
	// SAML holds the SAML settings and signing keys (private keys
	// included: they sign assertions after a restart); absent while all
	// are defaults.
	SAML *SAMLRecord `json:"saml,omitempty"`
}

// SAMLRecord is an app's SAML settings (AppSAML).
type SAMLRecord struct {
	ACSURL            string          `json:"ssoAcsUrl,omitempty"`
	Audience          string          `json:"audience,omitempty"`
	DefaultRelayState string          `json:"defaultRelayState,omitempty"`
	NameIDFormat      string          `json:"subjectNameIdFormat,omitempty"`
	Attributes        []SAMLAttribute `json:"attributeStatements,omitempty"`
	// AttributesSet: Attributes replaced the template's (even by none).
	AttributesSet bool `json:"attributeStatementsSet,omitempty"`
	// Options is the rest of settings.signOn; absent while all are defaults.
	Options *SAMLOptions `json:"options,omitempty"`
	Keys    []AppKey     `json:"keys,omitempty"`
}

func samlRecord(s AppSAML) *SAMLRecord {
	r := &SAMLRecord{ACSURL: s.ACSURL, Audience: s.Audience, DefaultRelayState: s.DefaultRelayState,
		NameIDFormat: s.NameIDFormat, Attributes: s.Attributes, AttributesSet: s.Attributes != nil, Keys: s.Keys}
	if !reflect.DeepEqual(s.Opts, SAMLOptions{}) {
		opts := s.Opts.clone()
		r.Options = &opts
	}
	if r.ACSURL == "" && r.Audience == "" && r.DefaultRelayState == "" && r.NameIDFormat == "" && !r.AttributesSet &&
		r.Options == nil && len(r.Keys) == 0 {
		return nil
	}
	return r
}

func (r *SAMLRecord) settings() (AppSAML, error) {
	if r == nil {
		return AppSAML{}, nil
	}
	s := AppSAML{ACSURL: r.ACSURL, Audience: r.Audience, DefaultRelayState: r.DefaultRelayState,
		NameIDFormat: r.NameIDFormat, Keys: r.Keys}
	if r.Options != nil {
		s.Opts = r.Options.clone()
	}
	if r.AttributesSet {
		s.Attributes = append([]SAMLAttribute{}, r.Attributes...)
	}
	for _, k := range r.Keys {
		if _, err := saml.ParseKeyPair(k.KID, k.CertPEM, k.KeyPEM); err != nil {
			return AppSAML{}, fmt.Errorf("saml key %s: %w", k.KID, err)
		}
	}
	return s, nil
}

// RemoteGroupRecord is one group of the app's target, as Okta cached it.
type RemoteGroupRecord struct {
	AppID string `json:"appId"`
	ID    string `json:"id"`
	Name  string `json:"name"`
}

// AppGroupRecord is a group assignment.
type AppGroupRecord struct {
	AppID       string         `json:"appId"`
	GroupID     string         `json:"groupId"`
	Priority    int            `json:"priority"`
	Profile     map[string]any `json:"profile"`
	LastUpdated time.Time      `json:"lastUpdated"`
}

// AppUserRecord is an assignment and the state of its account downstream.
type AppUserRecord struct {
	AppID         string         `json:"appId"`
	UserID        string         `json:"userId"`
	ExternalID    string         `json:"externalId,omitempty"`
	Status        string         `json:"status"`
	SyncState     string         `json:"syncState"`
	Created       time.Time      `json:"created"`
	LastUpdated   time.Time      `json:"lastUpdated"`
	StatusChanged time.Time      `json:"statusChanged"`
	LastSync      *time.Time     `json:"lastSync,omitempty"`
	UserName      string         `json:"userName"`
	Profile       map[string]any `json:"profile"`
	Direct        bool           `json:"direct,omitempty"`
	ViaGroups     []string       `json:"viaGroups,omitempty"`
	// Removed marks an unassigned user whose deactivation had not run.
	Removed bool `json:"removed,omitempty"`
}

// MappingRecord is a Group Push mapping; what it pushed is pushed records.
type MappingRecord struct {
	AppID           string     `json:"appId"`
	ID              string     `json:"id"`
	SourceGroupID   string     `json:"sourceGroupId"`
	TargetGroupID   string     `json:"targetGroupId,omitempty"`
	TargetGroupName string     `json:"targetGroupName,omitempty"`
	Status          string     `json:"status"`
	Created         time.Time  `json:"created"`
	LastUpdated     time.Time  `json:"lastUpdated"`
	LastPush        *time.Time `json:"lastPush,omitempty"`
	ErrorSummary    string     `json:"errorSummary,omitempty"`
	// Uncertain: users (→ downstream id) whose last membership request
	// failed; Atlassian may or may not hold them.
	Uncertain map[string]string `json:"uncertain,omitempty"`
}

// PushedRecord is a user a mapping pushed, with its downstream id.
type PushedRecord struct {
	AppID      string `json:"appId"`
	MappingID  string `json:"mappingId"`
	UserID     string `json:"userId"`
	ExternalID string `json:"externalId"`
}

// TaskRecord is a provisioning task with the job a retry runs again.
type TaskRecord struct {
	Task
	Job JobRecord `json:"job"`
}

// JobRecord is engine work: queued (a job record, with its sequence number
// and app) or the job a task retries.
type JobRecord struct {
	Seq       uint64   `json:"seq,omitempty"`
	AppID     string   `json:"appId,omitempty"`
	Kind      string   `json:"kind"`
	UserID    string   `json:"userId,omitempty"`
	MappingID string   `json:"mappingId,omitempty"`
	TargetID  string   `json:"targetId,omitempty"`
	ExtID     string   `json:"externalId,omitempty"`
	Add       []string `json:"add,omitempty"`
	Remove    []string `json:"remove,omitempty"`
	TaskID    string   `json:"taskId,omitempty"`
	// Reactivate: the job sends active:true whatever Okta believes.
	Reactivate bool `json:"reactivate,omitempty"`
}

// LogRecord is a System Log event with its place in the org's log.
type LogRecord struct {
	Seq uint64 `json:"seq"`
	LogEvent
}

// Record keys of the kinds that live inside an app, a group or a mapping.
func pairKey(parent, id string) string         { return parent + "/" + id }
func tripleKey(app, mapping, id string) string { return app + "/" + mapping + "/" + id }
func seqKey(n uint64) string                   { return fmt.Sprintf("%016x", n) }

// orgTenant is an org as the store sees it.
type orgTenant struct {
	m *Model
	o *Org
}

func (t orgTenant) Lock()                   { t.o.mu.Lock() }
func (t orgTenant) Unlock()                 { t.o.mu.Unlock() }
func (t orgTenant) Changes() *store.Changes { return t.o.changes }

// tenant finds an org for the store.
func (m *Model) tenant(id string) (store.Tenant, bool) {
	o, err := m.Org(id)
	if err != nil {
		return nil, false
	}
	return orgTenant{m, o}, true
}

// Records gives every record of the org in model order. Caller holds o.mu.
func (t orgTenant) Records(emit func(kind, id string, v any) error) error {
	o := t.o
	var err error
	put := func(kind, id string, v any) {
		if err == nil {
			err = emit(kind, id, v)
		}
	}
	put(kindOrg, o.ID, t.orgRecord())
	for _, id := range o.userOrder {
		put(kindUser, id, userRecord(o.users[id]))
	}
	for _, id := range o.groupOrder {
		g := o.groups[id]
		put(kindGroup, id, groupRecord(g))
		if g.Type == GroupBuiltIn {
			continue // Everyone holds every person: derived, not stored (builtins.go)
		}
		for _, uid := range g.members {
			put(kindMember, pairKey(id, uid), MemberRecord{GroupID: id, UserID: uid})
		}
	}
	for _, id := range o.ruleOrder {
		put(kindRule, id, ruleRecord(o.rules[id]))
	}
	for _, id := range o.appOrder {
		a := o.apps[id]
		put(kindApp, id, appRecord(a))
		for _, name := range sortedSet(a.remoteGroups) {
			rg := a.remoteGroups[name]
			put(kindRemoteGroup, pairKey(id, name), RemoteGroupRecord{AppID: id, ID: rg.ID, Name: rg.Name})
		}
		for _, gid := range a.groupOrder {
			put(kindAppGroup, pairKey(id, gid), appGroupRecord(a, a.groups[gid]))
		}
		for _, uid := range a.userOrder {
			put(kindAppUser, pairKey(id, uid), appUserRecord(a, a.users[uid]))
		}
		for _, mid := range a.mappingOrder {
			pm := a.mappings[mid]
			put(kindMapping, pairKey(id, mid), mappingRecord(a, pm))
			for _, uid := range sortedSet(pm.pushed) {
				put(kindPushed, tripleKey(id, mid, uid), PushedRecord{AppID: id, MappingID: mid, UserID: uid, ExternalID: pm.pushed[uid]})
			}
		}
	}
	for _, id := range o.taskOrder {
		put(kindTask, id, taskRecord(o.tasks[id]))
	}
	first := o.logSeq - uint64(len(o.logs)) + 1
	for i := range o.logs {
		seq := first + uint64(i)
		put(kindLog, seqKey(seq), LogRecord{Seq: seq, LogEvent: o.logs[i]})
	}
	for _, seq := range o.jobOrder() {
		put(kindJob, seqKey(seq), jobRecord(o.jobs[seq]))
	}
	for _, id := range o.clientOrder {
		put(kindServiceApp, id, serviceAppRecord(o.clients[id]))
	}
	for _, id := range o.principalOrder {
		put(kindPrincipalRateLimit, id, principalRateLimitRecord(o.principalLimits[id]))
	}
	if rs, ok := rateLimitSettingsRecord(o); ok {
		put(kindRateLimitSettings, o.ID, rs)
	}
	for _, id := range o.policyOrder { // only the policies the org has used
		put(kindPolicy, id, policyRecord(o, o.policies[id]))
	}
	if ss, ok := simSettingsOf(o); ok {
		put(kindSimSettings, o.ID, ss)
	}
	now := t.m.clock.Now()
	for _, at := range t.m.oauth.ofOrg(o.ID) {
		if !now.After(at.expires) {
			rec := accessTokenRecord(at)
			put(kindAccessToken, rec.Hash, rec)
		}
	}
	return err
}

// Record is the current value of one record. Caller holds o.mu.
func (t orgTenant) Record(kind, id string) (any, bool) {
	o := t.o
	parent, rest, _ := strings.Cut(id, "/")
	app := func() *App { return o.apps[parent] }
	switch kind {
	case kindOrg:
		return t.orgRecord(), id == o.ID
	case kindUser:
		if u, ok := o.users[id]; ok {
			return userRecord(u), true
		}
	case kindGroup:
		if g, ok := o.groups[id]; ok {
			return groupRecord(g), true
		}
	case kindMember:
		if g, ok := o.groups[parent]; ok && g.Type != GroupBuiltIn && g.HasMember(rest) {
			return MemberRecord{GroupID: parent, UserID: rest}, true
		}
	case kindRule:
		if r, ok := o.rules[id]; ok {
			return ruleRecord(r), true
		}
	case kindApp:
		if a, ok := o.apps[id]; ok {
			return appRecord(a), true
		}
	case kindRemoteGroup:
		if a := app(); a != nil {
			if rg, ok := a.remoteGroups[rest]; ok {
				return RemoteGroupRecord{AppID: a.ID, ID: rg.ID, Name: rg.Name}, true
			}
		}
	case kindAppGroup:
		if a := app(); a != nil {
			if ag, ok := a.groups[rest]; ok {
				return appGroupRecord(a, ag), true
			}
		}
	case kindAppUser:
		if a := app(); a != nil {
			if au, ok := a.users[rest]; ok {
				return appUserRecord(a, au), true
			}
		}
	case kindMapping:
		if a := app(); a != nil {
			if pm, ok := a.mappings[rest]; ok {
				return mappingRecord(a, pm), true
			}
		}
	case kindPushed:
		mid, uid, _ := strings.Cut(rest, "/")
		if a := app(); a != nil {
			if pm, ok := a.mappings[mid]; ok {
				if ext, ok := pm.pushed[uid]; ok {
					return PushedRecord{AppID: a.ID, MappingID: mid, UserID: uid, ExternalID: ext}, true
				}
			}
		}
	case kindTask:
		if tk, ok := o.tasks[id]; ok {
			return taskRecord(tk), true
		}
	case kindLog:
		seq, err := strconv.ParseUint(id, 16, 64)
		first := o.logSeq - uint64(len(o.logs)) + 1
		if err == nil && seq >= first && seq <= o.logSeq {
			return LogRecord{Seq: seq, LogEvent: o.logs[seq-first]}, true
		}
	case kindJob:
		seq, err := strconv.ParseUint(id, 16, 64)
		if j, ok := o.jobs[seq]; ok && err == nil {
			return jobRecord(j), true
		}
	case kindServiceApp:
		if a, ok := o.clients[id]; ok {
			return serviceAppRecord(a), true
		}
	case kindPrincipalRateLimit:
		if p, ok := o.principalLimits[id]; ok {
			return principalRateLimitRecord(p), true
		}
	case kindRateLimitSettings:
		if rs, ok := rateLimitSettingsRecord(o); ok && id == o.ID {
			return rs, true
		}
	case kindPolicy:
		if p, ok := o.policies[id]; ok {
			return policyRecord(o, p), true
		}
	case kindSimSettings:
		if ss, ok := simSettingsOf(o); ok && id == o.ID {
			return ss, true
		}
	case kindAccessToken:
		if rec, ok := t.m.accessTokenRecordOf(o, id); ok {
			return rec, true
		}
	}
	return nil, false
}

func (t orgTenant) orgRecord() OrgRecord {
	r := OrgRecord{ID: t.o.ID, Name: t.o.Name, Created: t.o.Created, TokenHashes: []string{}, UserSchema: maps.Clone(t.o.userSchema)}
	for _, h := range t.m.tokensOf(t.o) {
		r.TokenHashes = append(r.TokenHashes, hex.EncodeToString(h[:]))
	}
	return r
}

func userRecord(u *User) UserRecord {
	return UserRecord{ID: u.ID, Status: u.Status, Created: u.Created, LastUpdated: u.LastUpdated,
		Activated: u.Activated, StatusChanged: u.StatusChanged, LastLogin: u.LastLogin, PasswordChanged: u.PasswordChanged,
		Profile: u.Profile, HasPassword: u.HasPassword, PasswordHash: u.PasswordHash, Recovery: u.Recovery}
}

func groupRecord(g *Group) GroupRecord {
	return GroupRecord{ID: g.ID, Type: g.Type, Name: g.Name, Description: g.Description, Created: g.Created,
		LastUpdated: g.LastUpdated, LastMembershipUpdated: g.LastMembershipUpdated}
}

func appRecord(a *App) AppRecord {
	c := a.Connection
	return AppRecord{ID: a.ID, Name: a.Name, Label: a.Label, Status: a.Status, SignOnMode: a.SignOnMode, Flavour: a.Flavour,
		Created: a.Created, LastUpdated: a.LastUpdated,
		Connection: ConnectionRecord{BaseURL: c.BaseURL, Auth: c.Auth, Token: c.Token, Username: c.Username, Password: c.Password, Enabled: c.Enabled},
		ToApp:      a.ToApp, UserName: a.UserName, PrimaryEmailAttr: a.PrimaryEmailAttr, RenameGroups: a.RenameGroups,
		ProfileMap: maps.Clone(a.ProfileMap), UserSchema: maps.Clone(a.UserSchema),
		GroupPushConflict: nonDefault(a.GroupPushConflict, ConflictError), SkipGroupImport: a.SkipGroupImport, SAML: samlRecord(a.SAML),
		Presentation: presentationRecord(a.Presentation)}
}

// presentationRecord is nil for the default presentation, so records of
// apps that never set one keep their shape.
func presentationRecord(p AppPresentation) *AppPresentation {
	if p.isDefault() {
		return nil
	}
	return &p
}

// nonDefault is v, or "" when v is the default (kept out of records).
func nonDefault[T comparable](v, def T) T {
	var zero T
	if v == def {
		return zero
	}
	return v
}

func appGroupRecord(a *App, ag *AppGroup) AppGroupRecord {
	return AppGroupRecord{AppID: a.ID, GroupID: ag.GroupID, Priority: ag.Priority, Profile: ag.Profile, LastUpdated: ag.LastUpdated}
}

func appUserRecord(a *App, au *AppUser) AppUserRecord {
	return AppUserRecord{AppID: a.ID, UserID: au.UserID, ExternalID: au.ExternalID, Status: au.Status, SyncState: au.SyncState,
		Created: au.Created, LastUpdated: au.LastUpdated, StatusChanged: au.StatusChanged, LastSync: au.LastSync,
		UserName: au.UserName, Profile: au.Profile, Direct: au.direct, ViaGroups: sortedSet(au.viaGroups), Removed: au.removed}
}

func mappingRecord(a *App, pm *PushMapping) MappingRecord {
	return MappingRecord{AppID: a.ID, ID: pm.ID, SourceGroupID: pm.SourceGroupID, TargetGroupID: pm.TargetGroupID,
		TargetGroupName: pm.TargetGroupName, Status: pm.Status, Created: pm.Created, LastUpdated: pm.LastUpdated,
		LastPush: pm.LastPush, ErrorSummary: pm.ErrorSummary, Uncertain: maps.Clone(pm.uncertain)}
}

func taskRecord(t *Task) TaskRecord {
	r := TaskRecord{Task: *t, Job: jobRecord(&t.job)}
	r.Job.Seq, r.Job.AppID, r.Job.TaskID = 0, "", ""
	r.Task.job = job{}
	return r
}

func jobRecord(j *job) JobRecord {
	return JobRecord{Seq: j.seq, AppID: j.appID, Kind: j.kind.String(), UserID: j.userID, MappingID: j.mappingID,
		TargetID: j.targetID, ExtID: j.extID, Add: j.add, Remove: j.remove, TaskID: j.taskID, Reactivate: j.reactivate}
}
