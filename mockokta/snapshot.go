package mockokta

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/secret"
)

// Snapshots: a whole server, or some of its orgs, as one versioned JSON
// document (the same shape as mockatlassian's). API tokens travel as their
// SHA-256 hashes (hex), so an imported org answers to its old tokens while
// the document holds none. An app's connection secrets (the token or
// password mockokta sends to the SCIM server) are the exception: mockokta
// must present them, so they are kept as given — treat snapshots as
// secrets when connections carry real ones. Queued engine jobs are not part
// of a snapshot; tasks keep the job they retry.

// Snapshot document identity.
const (
	SnapshotFormat  = "provsim.mockokta.snapshot"
	SnapshotVersion = 1
)

// Snapshot is the exported state of some orgs.
type Snapshot struct {
	Format  string        `json:"format"`
	Version int           `json:"version"`
	Orgs    []OrgSnapshot `json:"orgs"`
}

// OrgSnapshot is one org with everything in it.
type OrgSnapshot struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Created     time.Time       `json:"created"`
	TokenHashes []string        `json:"tokenHashes"` // hex SHA-256 of each API token
	Users       []UserSnapshot  `json:"users"`
	Groups      []GroupSnapshot `json:"groups"`
	Apps        []AppSnapshot   `json:"apps"`
	Tasks       []TaskSnapshot  `json:"tasks"`
	Logs        []LogEvent      `json:"logs"`
}

// UserSnapshot is an Okta user; group memberships are the groups' members.
type UserSnapshot struct {
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
	Recovery        string         `json:"recoveryQuestion,omitempty"`
}

// GroupSnapshot is a group with its members in the order they joined.
type GroupSnapshot struct {
	ID                    string    `json:"id"`
	Type                  string    `json:"type"`
	Name                  string    `json:"name"`
	Description           string    `json:"description,omitempty"`
	Created               time.Time `json:"created"`
	LastUpdated           time.Time `json:"lastUpdated"`
	LastMembershipUpdated time.Time `json:"lastMembershipUpdated"`
	Members               []string  `json:"members"`
}

// ConnectionSnapshot is an app's API integration, secrets included.
type ConnectionSnapshot struct {
	BaseURL  string   `json:"baseUrl,omitempty"`
	Auth     AuthMode `json:"authMode"`
	Token    string   `json:"token,omitempty"`
	Username string   `json:"username,omitempty"`
	Password string   `json:"password,omitempty"`
	Enabled  bool     `json:"enabled"`
}

// AppSnapshot is an app integration with its assignments and push mappings.
type AppSnapshot struct {
	ID               string             `json:"id"`
	Name             string             `json:"name"`
	Label            string             `json:"label"`
	Status           string             `json:"status"`
	SignOnMode       string             `json:"signOnMode"`
	Flavour          Flavour            `json:"flavour"`
	Created          time.Time          `json:"created"`
	LastUpdated      time.Time          `json:"lastUpdated"`
	Connection       ConnectionSnapshot `json:"connection"`
	ToApp            ToApp              `json:"toApp"`
	UserName         UserNameTemplate   `json:"userNameTemplate"`
	PrimaryEmailAttr string             `json:"primaryEmailAttribute"`
	RenameGroups     bool               `json:"renameGroups,omitempty"`
	// GroupPushConflict is the app's answer to a 409 on creating a pushed
	// group; empty is Okta's ("error").
	GroupPushConflict GroupPushConflict     `json:"groupPushConflict,omitempty"`
	Users             []AppUserSnapshot     `json:"users"`
	Groups            []AppGroupSnapshot    `json:"groups"`
	PushMappings      []PushMappingSnapshot `json:"pushMappings"`
	// RemoteGroups is Okta's cache of the target's groups (id and name).
	RemoteGroups []RemoteGroupSnapshot `json:"remoteGroups"`
}

// AppUserSnapshot is an assignment and the state of its account downstream.
type AppUserSnapshot struct {
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

// AppGroupSnapshot is a group assignment.
type AppGroupSnapshot struct {
	GroupID     string         `json:"groupId"`
	Priority    int            `json:"priority"`
	Profile     map[string]any `json:"profile"`
	LastUpdated time.Time      `json:"lastUpdated"`
}

// PushMappingSnapshot is a Group Push mapping and what it last pushed.
type PushMappingSnapshot struct {
	ID              string            `json:"id"`
	SourceGroupID   string            `json:"sourceGroupId"`
	TargetGroupID   string            `json:"targetGroupId,omitempty"`
	TargetGroupName string            `json:"targetGroupName,omitempty"`
	Status          string            `json:"status"`
	Created         time.Time         `json:"created"`
	LastUpdated     time.Time         `json:"lastUpdated"`
	LastPush        *time.Time        `json:"lastPush,omitempty"`
	ErrorSummary    string            `json:"errorSummary,omitempty"`
	Pushed          map[string]string `json:"pushed"` // user id → downstream id
}

// RemoteGroupSnapshot is one cached target group.
type RemoteGroupSnapshot struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// TaskSnapshot is a provisioning task with the job a retry runs again.
type TaskSnapshot struct {
	Task
	Job JobSnapshot `json:"job"`
}

// JobSnapshot is a task's job.
type JobSnapshot struct {
	Kind      string   `json:"kind"`
	UserID    string   `json:"userId,omitempty"`
	MappingID string   `json:"mappingId,omitempty"`
	TargetID  string   `json:"targetId,omitempty"`
	ExtID     string   `json:"externalId,omitempty"`
	Add       []string `json:"add,omitempty"`
	Remove    []string `json:"remove,omitempty"`
	// Reactivate: the job sends active:true whatever Okta believes.
	Reactivate bool `json:"reactivate,omitempty"`
}

// Snapshot exports the named orgs, or every one (in creation order) when
// none is named.
func (m *Model) Snapshot(orgIDs ...string) (Snapshot, error) {
	if len(orgIDs) == 0 {
		orgIDs = m.Orgs()
	}
	out := Snapshot{Format: SnapshotFormat, Version: SnapshotVersion, Orgs: []OrgSnapshot{}}
	for _, id := range orgIDs {
		o, err := m.Org(id)
		if err != nil {
			return Snapshot{}, err
		}
		o.mu.Lock()
		s := snapshotOrgLocked(o, m.tokensOf(o))
		s.Logs = append([]LogEvent{}, o.logs...)
		o.mu.Unlock()
		out.Orgs = append(out.Orgs, s)
	}
	return out, nil
}

// tokensOf copies an org's token hashes, which m.mu guards (OrgByToken
// reads them under it). It may be called with o.mu held: no code holds
// m.mu while waiting for an org lock.
func (m *Model) tokensOf(o *Org) []secret.Hash {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]secret.Hash(nil), o.tokens...)
}

// snapshotOrgLocked copies everything but the System Log. Caller holds o.mu.
func snapshotOrgLocked(o *Org, tokens []secret.Hash) OrgSnapshot {
	s := OrgSnapshot{ID: o.ID, Name: o.Name, Created: o.Created, TokenHashes: []string{},
		Users: make([]UserSnapshot, 0, len(o.userOrder)), Groups: make([]GroupSnapshot, 0, len(o.groupOrder)),
		Apps: make([]AppSnapshot, 0, len(o.appOrder)), Tasks: make([]TaskSnapshot, 0, len(o.taskOrder)),
		Logs: []LogEvent{}}
	for _, t := range tokens {
		s.TokenHashes = append(s.TokenHashes, hex.EncodeToString(t[:]))
	}
	for _, id := range o.userOrder {
		u := o.users[id]
		s.Users = append(s.Users, UserSnapshot{ID: u.ID, Status: u.Status, Created: u.Created, LastUpdated: u.LastUpdated,
			Activated: u.Activated, StatusChanged: u.StatusChanged, LastLogin: u.LastLogin, PasswordChanged: u.PasswordChanged,
			Profile: deepCopyProfile(u.Profile), HasPassword: u.HasPassword, Recovery: u.Recovery})
	}
	for _, id := range o.groupOrder {
		g := o.groups[id]
		s.Groups = append(s.Groups, GroupSnapshot{ID: g.ID, Type: g.Type, Name: g.Name, Description: g.Description,
			Created: g.Created, LastUpdated: g.LastUpdated, LastMembershipUpdated: g.LastMembershipUpdated, Members: g.Members()})
	}
	for _, id := range o.appOrder {
		s.Apps = append(s.Apps, snapshotApp(o.apps[id]))
	}
	for _, id := range o.taskOrder {
		t := o.tasks[id]
		ts := TaskSnapshot{Task: *t, Job: JobSnapshot{Kind: t.job.kind.String(), UserID: t.job.userID,
			MappingID: t.job.mappingID, TargetID: t.job.targetID, ExtID: t.job.extID, Add: t.job.add, Remove: t.job.remove,
			Reactivate: t.job.reactivate}}
		ts.Task.job = job{}
		s.Tasks = append(s.Tasks, ts)
	}
	return s
}

func snapshotApp(a *App) AppSnapshot {
	c := a.Connection
	s := AppSnapshot{ID: a.ID, Name: a.Name, Label: a.Label, Status: a.Status, SignOnMode: a.SignOnMode, Flavour: a.Flavour,
		Created: a.Created, LastUpdated: a.LastUpdated,
		Connection: ConnectionSnapshot{BaseURL: c.BaseURL, Auth: c.Auth, Token: c.Token, Username: c.Username, Password: c.Password, Enabled: c.Enabled},
		ToApp:      a.ToApp, UserName: a.UserName, PrimaryEmailAttr: a.PrimaryEmailAttr, RenameGroups: a.RenameGroups,
		GroupPushConflict: nonDefault(a.GroupPushConflict, ConflictError),
		Users:             make([]AppUserSnapshot, 0, len(a.userOrder)), Groups: make([]AppGroupSnapshot, 0, len(a.groupOrder)),
		PushMappings: make([]PushMappingSnapshot, 0, len(a.mappingOrder)), RemoteGroups: []RemoteGroupSnapshot{}}
	for _, uid := range a.userOrder {
		au := a.users[uid]
		s.Users = append(s.Users, AppUserSnapshot{UserID: au.UserID, ExternalID: au.ExternalID, Status: au.Status,
			SyncState: au.SyncState, Created: au.Created, LastUpdated: au.LastUpdated, StatusChanged: au.StatusChanged,
			LastSync: au.LastSync, UserName: au.UserName, Profile: deepCopyProfile(au.Profile), Direct: au.direct,
			ViaGroups: sortedSet(au.viaGroups), Removed: au.removed})
	}
	for _, gid := range a.groupOrder {
		ag := a.groups[gid]
		s.Groups = append(s.Groups, AppGroupSnapshot{GroupID: ag.GroupID, Priority: ag.Priority,
			Profile: deepCopyProfile(ag.Profile), LastUpdated: ag.LastUpdated})
	}
	for _, id := range a.mappingOrder {
		pm := a.mappings[id]
		pushed := make(map[string]string, len(pm.pushed))
		for k, v := range pm.pushed {
			pushed[k] = v
		}
		s.PushMappings = append(s.PushMappings, PushMappingSnapshot{ID: pm.ID, SourceGroupID: pm.SourceGroupID,
			TargetGroupID: pm.TargetGroupID, TargetGroupName: pm.TargetGroupName, Status: pm.Status, Created: pm.Created,
			LastUpdated: pm.LastUpdated, LastPush: pm.LastPush, ErrorSummary: pm.ErrorSummary, Pushed: pushed})
	}
	for _, name := range sortedSet(a.remoteGroups) {
		rg := a.remoteGroups[name]
		s.RemoteGroups = append(s.RemoteGroups, RemoteGroupSnapshot{ID: rg.ID, Name: rg.Name})
	}
	return s
}

func sortedSet[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// RestoreOptions select how a snapshot is applied.
type RestoreOptions struct {
	// ReplaceAll makes the document the whole server: orgs it does not
	// hold are removed. Otherwise each org in it is added, or replaces the
	// org with its id, and the others stay.
	ReplaceAll bool
}

// Restore imports a snapshot. The document is validated whole first
// (format and version, references, unique ids, logins, group names and
// tokens, also against the orgs that stay); the new orgs are built aside,
// the engine's queued jobs for every replaced org are dropped, and the
// orgs are swapped in under the model lock: an import applies whole or not
// at all. A job already running for a replaced org may still write its
// outcome into the imported org, as if it had finished just after.
func (m *Model) Restore(s Snapshot, opts RestoreOptions) error {
	if s.Format != SnapshotFormat {
		return errValidation(fmt.Sprintf("format: %q is not %q", s.Format, SnapshotFormat))
	}
	if s.Version != SnapshotVersion {
		return errValidation(fmt.Sprintf("version: %d is not %d, the version this server reads", s.Version, SnapshotVersion))
	}
	built := make([]*Org, 0, len(s.Orgs))
	seen := map[string]bool{}
	for i, snap := range s.Orgs {
		if seen[snap.ID] {
			return errValidation(fmt.Sprintf("orgs[%d]: org %s appears twice", i, snap.ID))
		}
		seen[snap.ID] = true
		o, err := buildOrg(snap)
		if err != nil {
			return errValidation(fmt.Sprintf("orgs[%d] (%s): %v", i, snap.ID, err))
		}
		built = append(built, o)
	}

	m.mu.Lock()
	var order, dropped []string
	orgs := map[string]*Org{}
	tokens := map[secret.Hash]string{}
	for _, id := range m.orgOrder {
		switch {
		case seen[id]:
			order = append(order, id)
			dropped = append(dropped, id)
		case opts.ReplaceAll:
			dropped = append(dropped, id)
		default:
			order = append(order, id)
			orgs[id] = m.orgs[id]
			for _, t := range m.orgs[id].tokens {
				tokens[t] = id
			}
		}
	}
	for _, o := range built {
		for _, t := range o.tokens {
			if other, dup := tokens[t]; dup {
				m.mu.Unlock()
				return errValidation(fmt.Sprintf("org %s: a token is already used by org %s", o.ID, other))
			}
			tokens[t] = o.ID
		}
		orgs[o.ID] = o
		if !containsID(order, o.ID) {
			order = append(order, o.ID)
		}
	}
	// Queued jobs of replaced orgs go before the swap: they were queued
	// against state the import replaces.
	for _, id := range dropped {
		m.engine.dropOrg(id)
	}
	m.orgs, m.orgOrder, m.tokens = orgs, order, tokens
	m.mu.Unlock()
	return nil
}

func containsID(list []string, id string) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

var jobKinds = map[string]jobKind{}

func init() {
	for k := jobProvision; k <= jobImport; k++ {
		jobKinds[k.String()] = k
	}
}

var userStatuses = map[string]bool{StatusStaged: true, StatusProvisioned: true, StatusActive: true, StatusRecovery: true,
	StatusLockedOut: true, StatusPasswordExpired: true, StatusSuspended: true, StatusDeprovisioned: true}

// buildOrg turns an org snapshot into a detached Org, checking every
// reference and uniqueness rule the model keeps.
func buildOrg(s OrgSnapshot) (*Org, error) {
	if s.ID == "" {
		return nil, fmt.Errorf("id is required")
	}
	o := newOrg(s.ID, s.Name, s.Created)
	for i, h := range s.TokenHashes {
		b, err := hex.DecodeString(h)
		var t secret.Hash
		if err != nil || len(b) != len(t) {
			return nil, fmt.Errorf("tokenHashes[%d]: want a hex SHA-256 (64 hex digits)", i)
		}
		copy(t[:], b)
		o.tokens = append(o.tokens, t)
	}
	for i, us := range s.Users {
		if us.ID == "" {
			return nil, fmt.Errorf("users[%d]: id is required", i)
		}
		if _, dup := o.users[us.ID]; dup {
			return nil, fmt.Errorf("user %s appears twice", us.ID)
		}
		if !userStatuses[us.Status] {
			return nil, fmt.Errorf("user %s: status %q is not an Okta user status", us.ID, us.Status)
		}
		login, _ := us.Profile["login"].(string)
		if strings.TrimSpace(login) == "" {
			return nil, fmt.Errorf("user %s: profile.login is required", us.ID)
		}
		if other, dup := o.byLogin[lower(login)]; dup {
			return nil, fmt.Errorf("users %s and %s have the same login %s", other, us.ID, login)
		}
		u := &User{ID: us.ID, Status: us.Status, Created: us.Created, LastUpdated: us.LastUpdated, Activated: us.Activated,
			StatusChanged: us.StatusChanged, LastLogin: us.LastLogin, PasswordChanged: us.PasswordChanged,
			Profile: cleanProfile(us.Profile), HasPassword: us.HasPassword, Recovery: us.Recovery, groups: map[string]bool{}}
		o.users[u.ID] = u
		o.userOrder = append(o.userOrder, u.ID)
		o.byLogin[lower(login)] = u.ID
	}
	for i, gs := range s.Groups {
		if gs.ID == "" || strings.TrimSpace(gs.Name) == "" {
			return nil, fmt.Errorf("groups[%d]: id and name are required", i)
		}
		if _, dup := o.groups[gs.ID]; dup {
			return nil, fmt.Errorf("group %s appears twice", gs.ID)
		}
		if o.groupNameTaken(gs.Name, "") {
			return nil, fmt.Errorf("two groups are named %s", gs.Name)
		}
		switch gs.Type {
		case GroupOkta, GroupBuiltIn:
		default:
			return nil, fmt.Errorf("group %s: type %q: want %s or %s", gs.ID, gs.Type, GroupOkta, GroupBuiltIn)
		}
		g := &Group{ID: gs.ID, Type: gs.Type, Name: gs.Name, Description: gs.Description, Created: gs.Created,
			LastUpdated: gs.LastUpdated, LastMembershipUpdated: gs.LastMembershipUpdated, memberSet: map[string]bool{}}
		for _, uid := range gs.Members {
			u, ok := o.users[uid]
			if !ok {
				return nil, fmt.Errorf("group %s: member %s is not a user of the org", gs.ID, uid)
			}
			if !g.addMember(uid) {
				return nil, fmt.Errorf("group %s: member %s appears twice", gs.ID, uid)
			}
			u.groups[g.ID] = true
		}
		o.groups[g.ID] = g
		o.groupOrder = append(o.groupOrder, g.ID)
	}
	for _, as := range s.Apps {
		a, err := buildApp(o, as)
		if err != nil {
			return nil, err
		}
		o.apps[a.ID] = a
		o.appOrder = append(o.appOrder, a.ID)
	}
	for i, ts := range s.Tasks {
		if ts.ID == "" {
			return nil, fmt.Errorf("tasks[%d]: id is required", i)
		}
		if _, dup := o.tasks[ts.ID]; dup {
			return nil, fmt.Errorf("task %s appears twice", ts.ID)
		}
		kind, ok := jobKinds[ts.Job.Kind]
		if !ok {
			return nil, fmt.Errorf("task %s: job kind %q is not one of the engine's", ts.ID, ts.Job.Kind)
		}
		if ts.Status != TaskOpen && ts.Status != TaskResolved {
			return nil, fmt.Errorf("task %s: status %q: want %s or %s", ts.ID, ts.Status, TaskOpen, TaskResolved)
		}
		t := ts.Task
		t.job = job{kind: kind, orgID: o.ID, appID: t.AppID, userID: ts.Job.UserID, mappingID: ts.Job.MappingID,
			targetID: ts.Job.TargetID, extID: ts.Job.ExtID, add: ts.Job.Add, remove: ts.Job.Remove, reactivate: ts.Job.Reactivate, taskID: t.ID}
		o.tasks[t.ID] = &t
		o.taskOrder = append(o.taskOrder, t.ID)
	}
	o.logs = append([]LogEvent(nil), s.Logs...)
	return o, nil
}

func buildApp(o *Org, s AppSnapshot) (*App, error) {
	if s.ID == "" || s.Name == "" {
		return nil, fmt.Errorf("apps: id and name are required")
	}
	if _, dup := o.apps[s.ID]; dup {
		return nil, fmt.Errorf("app %s appears twice", s.ID)
	}
	if s.Flavour != FlavourPatch && s.Flavour != FlavourPut {
		return nil, fmt.Errorf("app %s: flavour %q: want %s or %s", s.ID, s.Flavour, FlavourPatch, FlavourPut)
	}
	if s.Status != AppActive && s.Status != AppInactive {
		return nil, fmt.Errorf("app %s: status %q: want %s or %s", s.ID, s.Status, AppActive, AppInactive)
	}
	c := s.Connection
	switch c.Auth {
	case AuthBearer, AuthHeader, AuthBasic:
	default:
		return nil, fmt.Errorf("app %s: connection authMode %q: want bearer, header or basic", s.ID, c.Auth)
	}
	if s.UserName.Template != "" && !templateRE.MatchString(s.UserName.Template) {
		return nil, fmt.Errorf("app %s: userNameTemplate %q: want ${source.<attribute>}", s.ID, s.UserName.Template)
	}
	conflict, err := ParseGroupPushConflict(string(s.GroupPushConflict))
	if err != nil {
		return nil, fmt.Errorf("app %s: %w", s.ID, err)
	}
	a := &App{ID: s.ID, Name: s.Name, Label: s.Label, Status: s.Status, SignOnMode: s.SignOnMode, Flavour: s.Flavour,
		Created: s.Created, LastUpdated: s.LastUpdated,
		Connection: Connection{BaseURL: c.BaseURL, Auth: c.Auth, Token: c.Token, Username: c.Username, Password: c.Password, Enabled: c.Enabled},
		ToApp:      s.ToApp, UserName: s.UserName, PrimaryEmailAttr: s.PrimaryEmailAttr, RenameGroups: s.RenameGroups,
		GroupPushConflict: conflict,
		users:             map[string]*AppUser{}, groups: map[string]*AppGroup{}, mappings: map[string]*PushMapping{},
		remoteGroups: map[string]remoteGroup{}}
	if a.PrimaryEmailAttr == "" {
		a.PrimaryEmailAttr = "email"
	}
	for _, gs := range s.Groups {
		if _, ok := o.groups[gs.GroupID]; !ok {
			return nil, fmt.Errorf("app %s: assigned group %s is not a group of the org", s.ID, gs.GroupID)
		}
		if _, dup := a.groups[gs.GroupID]; dup {
			return nil, fmt.Errorf("app %s: group %s is assigned twice", s.ID, gs.GroupID)
		}
		a.groups[gs.GroupID] = &AppGroup{GroupID: gs.GroupID, Priority: gs.Priority, Profile: orEmpty(gs.Profile), LastUpdated: gs.LastUpdated}
		a.groupOrder = append(a.groupOrder, gs.GroupID)
	}
	for _, us := range s.Users {
		if _, ok := o.users[us.UserID]; !ok {
			return nil, fmt.Errorf("app %s: assigned user %s is not a user of the org", s.ID, us.UserID)
		}
		if _, dup := a.users[us.UserID]; dup {
			return nil, fmt.Errorf("app %s: user %s is assigned twice", s.ID, us.UserID)
		}
		au := &AppUser{UserID: us.UserID, ExternalID: us.ExternalID, Status: us.Status, SyncState: us.SyncState,
			Created: us.Created, LastUpdated: us.LastUpdated, StatusChanged: us.StatusChanged, LastSync: us.LastSync,
			UserName: us.UserName, Profile: orEmpty(us.Profile), direct: us.Direct, viaGroups: map[string]bool{}, removed: us.Removed}
		for _, gid := range us.ViaGroups {
			if _, ok := a.groups[gid]; !ok {
				return nil, fmt.Errorf("app %s: user %s is assigned through group %s, which is not assigned to the app", s.ID, us.UserID, gid)
			}
			au.viaGroups[gid] = true
		}
		a.users[au.UserID] = au
		a.userOrder = append(a.userOrder, au.UserID)
	}
	for _, ps := range s.PushMappings {
		if ps.ID == "" {
			return nil, fmt.Errorf("app %s: push mapping id is required", s.ID)
		}
		if _, dup := a.mappings[ps.ID]; dup {
			return nil, fmt.Errorf("app %s: push mapping %s appears twice", s.ID, ps.ID)
		}
		if _, ok := o.groups[ps.SourceGroupID]; !ok {
			return nil, fmt.Errorf("app %s, push mapping %s: source group %s is not a group of the org", s.ID, ps.ID, ps.SourceGroupID)
		}
		switch ps.Status {
		case PushActive, PushInactive, PushError:
		default:
			return nil, fmt.Errorf("app %s, push mapping %s: status %q: want ACTIVE, INACTIVE or ERROR", s.ID, ps.ID, ps.Status)
		}
		pm := &PushMapping{ID: ps.ID, SourceGroupID: ps.SourceGroupID, TargetGroupID: ps.TargetGroupID,
			TargetGroupName: ps.TargetGroupName, Status: ps.Status, Created: ps.Created, LastUpdated: ps.LastUpdated,
			LastPush: ps.LastPush, ErrorSummary: ps.ErrorSummary, pushed: map[string]string{}}
		for uid, ext := range ps.Pushed {
			if _, ok := o.users[uid]; !ok {
				return nil, fmt.Errorf("app %s, push mapping %s: pushed user %s is not a user of the org", s.ID, ps.ID, uid)
			}
			pm.pushed[uid] = ext
		}
		a.mappings[pm.ID] = pm
		a.mappingOrder = append(a.mappingOrder, pm.ID)
	}
	for _, rg := range s.RemoteGroups {
		if rg.ID != "" && rg.Name != "" {
			a.remoteGroups[lower(rg.Name)] = remoteGroup{ID: rg.ID, Name: rg.Name}
		}
	}
	return a, nil
}

func orEmpty(p map[string]any) map[string]any {
	if p == nil {
		return map[string]any{}
	}
	return cleanProfile(p)
}

// maxSnapshotBytes bounds an imported document, far above the API's limit.
const maxSnapshotBytes = 1 << 30

// ctlGetSnapshot is GET /_sim/snapshot and GET /_sim/orgs/{orgId}/snapshot.
func (s *Server) ctlGetSnapshot(w http.ResponseWriter, r *http.Request) {
	var ids []string
	if org := vars(r)["orgId"]; org != "" {
		ids = []string{org}
	}
	out, err := s.Model.Snapshot(ids...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// ctlPutSnapshot is PUT /_sim/snapshot (the document becomes the whole
// server) and PUT /_sim/orgs/{orgId}/snapshot (a document holding that one
// org adds or replaces it).
func (s *Server) ctlPutSnapshot(w http.ResponseWriter, r *http.Request) {
	var in Snapshot
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSnapshotBytes)).Decode(&in); err != nil {
		s.writeError(w, r, errMalformed("the body is not a snapshot document: "+err.Error()))
		return
	}
	opts := RestoreOptions{ReplaceAll: true}
	if org := vars(r)["orgId"]; org != "" {
		opts.ReplaceAll = false
		if len(in.Orgs) != 1 || in.Orgs[0].ID != org {
			s.writeError(w, r, errValidation("orgs: an org import holds exactly one org, with id "+org))
			return
		}
	}
	if err := s.Model.Restore(in, opts); err != nil {
		s.writeError(w, r, err)
		return
	}
	ids := make([]string, 0, len(in.Orgs))
	for _, o := range in.Orgs {
		ids = append(ids, o.ID)
	}
	writeJSON(w, http.StatusOK, map[string]any{"imported": ids})
}

// nonDefault is v, or "" when v is the default (kept out of snapshots).
func nonDefault[T comparable](v, def T) T {
	var zero T
	if v == def {
		return zero
	}
	return v
}
