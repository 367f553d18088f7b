package mockokta

import (
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/provsim/provsim/internal/secret"
	"github.com/provsim/provsim/internal/store"
)

// Snapshots: a whole server, or some of its orgs, as one versioned JSON
// document holding every record of each (records.go), the same records
// --data-dir stores: users, groups and members, apps with their
// assignments and push mappings, tasks, the System Log and queued engine
// jobs, which an import queues again. Version-1 documents are read too.

// Snapshot exports the named orgs, or every one (in creation order) when
// none is named.
func (m *Model) Snapshot(orgIDs ...string) (store.Document, error) {
	if len(orgIDs) == 0 {
		orgIDs = m.Orgs()
	}
	out := Schema.NewDocument()
	for _, id := range orgIDs {
		o, err := m.Org(id)
		if err != nil {
			return store.Document{}, err
		}
		tr, err := store.Collect(id, orgTenant{m, o})
		if err != nil {
			return store.Document{}, err
		}
		out.Orgs = append(out.Orgs, tr)
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
// (references, unique ids, logins, group names and tokens, also against
// the orgs that stay); the new orgs are built aside, the engine's queued
// jobs for every replaced org are dropped, and the orgs are swapped in
// under the model lock: an import applies whole or not at all. The
// imported orgs' own queued jobs are queued then. A job already running
// for a replaced org may still write its outcome into the imported org, as
// if it had finished just after.
func (m *Model) Restore(doc store.Document, opts RestoreOptions) error {
	return m.restore(doc.Orgs, opts, true)
}

// restore builds orgs from their records and swaps them in. fresh says
// whether the store must write them (an import) or already holds them
// (loading --data-dir).
func (m *Model) restore(tenants []store.TenantRecords, opts RestoreOptions, fresh bool) error {
	built := make([]*Org, 0, len(tenants))
	seen := map[string]bool{}
	for i, tr := range tenants {
		if seen[tr.ID] {
			return errValidation(fmt.Sprintf("orgs[%d]: org %s appears twice", i, tr.ID))
		}
		seen[tr.ID] = true
		o, err := m.buildOrg(tr, fresh)
		if err != nil {
			return errValidation(fmt.Sprintf("orgs[%d] (%s): %v", i, tr.ID, err))
		}
		built = append(built, o)
	}

	m.mu.Lock()
	var order, dropped []string
	var gone []*Org
	orgs := map[string]*Org{}
	tokens := map[secret.Hash]string{}
	for _, id := range m.orgOrder {
		switch {
		case seen[id]:
			order = append(order, id)
			dropped = append(dropped, id)
		case opts.ReplaceAll:
			dropped = append(dropped, id)
			gone = append(gone, m.orgs[id])
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
		if !slices.Contains(order, o.ID) {
			order = append(order, o.ID)
		}
		o.changes = m.store.Changes(o.ID, fresh)
		for _, id := range o.droppedTokenIDs {
			o.changes.Put(kindAccessToken, id)
		}
		o.droppedTokenIDs = nil
		if o.builtinsAdded {
			o.changes.All() // they go first in their kinds' order
		}
	}
	// Queued jobs of replaced orgs go before the swap: they were queued
	// against state the import replaces.
	for _, id := range dropped {
		m.engine.dropOrg(id)
	}
	m.orgs, m.orgOrder, m.tokens = orgs, order, tokens
	m.mu.Unlock()
	// The OAuth access tokens follow their orgs: a replaced org's are its
	// records', a removed org's are gone.
	for _, o := range built {
		m.oauth.replaceOrg(o.ID, o.restoredTokens)
		o.restoredTokens = nil
	}
	for _, o := range gone {
		m.oauth.replaceOrg(o.ID, nil)
	}
	// The store deletes what the model no longer has.
	for _, o := range gone {
		o.mu.Lock()
		o.changes.All()
		o.mu.Unlock()
	}
	for _, o := range built {
		m.resumeJobs(o)
	}
	return nil
}

var jobKinds = map[string]jobKind{}

func init() {
	for k := jobProvision; k <= lastJobKind; k++ {
		jobKinds[k.String()] = k
	}
}

var userStatuses = map[string]bool{StatusStaged: true, StatusProvisioned: true, StatusActive: true, StatusRecovery: true,
	StatusLockedOut: true, StatusPasswordExpired: true, StatusSuspended: true, StatusDeprovisioned: true}

// validID refuses ids that cannot be part of a record key.
func validID(what, id string) error {
	if id == "" || strings.Contains(id, "/") {
		return fmt.Errorf("%s: id %q must be non-empty without '/'", what, id)
	}
	return nil
}

// buildOrg turns an org's records into a detached Org, checking every
// reference and uniqueness rule the model keeps. Queued jobs of an import
// (fresh) get new sequence numbers, so they cannot be mistaken for jobs
// already running here.
func (m *Model) buildOrg(tr store.TenantRecords, fresh bool) (*Org, error) {
	if err := validID("org", tr.ID); err != nil {
		return nil, err
	}
	orgRecs, err := store.Decode[OrgRecord](tr, kindOrg)
	if err != nil {
		return nil, err
	}
	if len(orgRecs) != 1 || orgRecs[0].ID != tr.ID {
		return nil, fmt.Errorf("want one %s record, with id %s", kindOrg, tr.ID)
	}
	s := orgRecs[0]
	o := newOrg(s.ID, s.Name, s.Created)
	for name, def := range s.UserSchema {
		if err := checkCustomAttribute("userSchema", name, def); err != nil || isUserBase(name) {
			return nil, fmt.Errorf("userSchema.%s: want a custom attribute definition with title and type", name)
		}
	}
	o.userSchema = maps.Clone(s.UserSchema)
	for i, h := range s.TokenHashes {
		b, err := hex.DecodeString(h)
		var t secret.Hash
		if err != nil || len(b) != len(t) {
			return nil, fmt.Errorf("tokenHashes[%d]: want a hex SHA-256 (64 hex digits)", i)
		}
		copy(t[:], b)
		o.tokens = append(o.tokens, t)
	}
	for _, build := range []func(*Org, store.TenantRecords) error{buildUsers, buildGroups, buildRules, buildApps, buildTasks, buildLogs, buildServiceApps, buildPrincipalRateLimits, buildRateLimitSettings, buildPolicies, buildSimSettings} {
		if err := build(o, tr); err != nil {
			return nil, err
		}
	}
	if err := m.buildAccessTokens(o, tr); err != nil {
		return nil, err
	}
	if err := m.buildJobs(o, tr, fresh); err != nil {
		return nil, err
	}
	if err := restoreBuiltIns(o); err != nil {
		return nil, err
	}
	return o, nil
}

func buildUsers(o *Org, tr store.TenantRecords) error {
	recs, err := store.Decode[UserRecord](tr, kindUser)
	if err != nil {
		return err
	}
	for i, us := range recs {
		if err := validID(fmt.Sprintf("users[%d]", i), us.ID); err != nil {
			return err
		}
		if _, dup := o.users[us.ID]; dup {
			return fmt.Errorf("user %s appears twice", us.ID)
		}
		if !userStatuses[us.Status] {
			return fmt.Errorf("user %s: status %q is not an Okta user status", us.ID, us.Status)
		}
		login, _ := us.Profile["login"].(string)
		if strings.TrimSpace(login) == "" {
			return fmt.Errorf("user %s: profile.login is required", us.ID)
		}
		if other, dup := o.byLogin[lower(login)]; dup {
			return fmt.Errorf("users %s and %s have the same login %s", other, us.ID, login)
		}
		u := &User{ID: us.ID, Status: us.Status, Created: us.Created, LastUpdated: us.LastUpdated, Activated: us.Activated,
			StatusChanged: us.StatusChanged, LastLogin: us.LastLogin, PasswordChanged: us.PasswordChanged,
			Profile: cleanProfile(us.Profile), HasPassword: us.HasPassword, PasswordHash: us.PasswordHash, Recovery: us.Recovery, groups: map[string]bool{}}
		o.users[u.ID] = u
		o.userOrder = append(o.userOrder, u.ID)
		o.byLogin[lower(login)] = u.ID
	}
	return nil
}

func buildGroups(o *Org, tr store.TenantRecords) error {
	recs, err := store.Decode[GroupRecord](tr, kindGroup)
	if err != nil {
		return err
	}
	for i, gs := range recs {
		if err := validID(fmt.Sprintf("groups[%d]", i), gs.ID); err != nil {
			return err
		}
		if strings.TrimSpace(gs.Name) == "" {
			return fmt.Errorf("groups[%d]: name is required", i)
		}
		if _, dup := o.groups[gs.ID]; dup {
			return fmt.Errorf("group %s appears twice", gs.ID)
		}
		if o.groupNameTaken(gs.Name, "") {
			return fmt.Errorf("two groups are named %s", gs.Name)
		}
		switch gs.Type {
		case GroupOkta, GroupBuiltIn:
		default:
			return fmt.Errorf("group %s: type %q: want %s or %s", gs.ID, gs.Type, GroupOkta, GroupBuiltIn)
		}
		g := &Group{ID: gs.ID, Type: gs.Type, Name: gs.Name, Description: gs.Description, Created: gs.Created,
			LastUpdated: gs.LastUpdated, LastMembershipUpdated: gs.LastMembershipUpdated, memberSet: map[string]bool{}}
		o.groups[g.ID] = g
		o.groupOrder = append(o.groupOrder, g.ID)
	}
	members, err := store.Decode[MemberRecord](tr, kindMember)
	if err != nil {
		return err
	}
	for _, ms := range members {
		g, ok := o.groups[ms.GroupID]
		if !ok {
			return fmt.Errorf("member %s: group %s is not a group of the org", ms.UserID, ms.GroupID)
		}
		u, ok := o.users[ms.UserID]
		if !ok {
			return fmt.Errorf("group %s: member %s is not a user of the org", g.ID, ms.UserID)
		}
		if !g.addMember(u.ID) {
			return fmt.Errorf("group %s: member %s appears twice", g.ID, u.ID)
		}
		u.groups[g.ID] = true
	}
	return nil
}

func buildApps(o *Org, tr store.TenantRecords) error {
	apps, err := store.Decode[AppRecord](tr, kindApp)
	if err != nil {
		return err
	}
	for _, s := range apps {
		a, err := buildApp(o, s)
		if err != nil {
			return err
		}
		o.apps[a.ID] = a
		o.appOrder = append(o.appOrder, a.ID)
	}
	app := func(kind, id string) (*App, error) {
		a, ok := o.apps[id]
		if !ok {
			return nil, fmt.Errorf("%s: app %s is not an app of the org", kind, id)
		}
		return a, nil
	}
	remote, err := store.Decode[RemoteGroupRecord](tr, kindRemoteGroup)
	if err != nil {
		return err
	}
	for _, rg := range remote {
		a, err := app(kindRemoteGroup, rg.AppID)
		if err != nil {
			return err
		}
		if rg.ID != "" && rg.Name != "" {
			a.remoteGroups[lower(rg.Name)] = remoteGroup{ID: rg.ID, Name: rg.Name}
		}
	}
	groups, err := store.Decode[AppGroupRecord](tr, kindAppGroup)
	if err != nil {
		return err
	}
	for _, gs := range groups {
		a, err := app(kindAppGroup, gs.AppID)
		if err != nil {
			return err
		}
		if _, ok := o.groups[gs.GroupID]; !ok {
			return fmt.Errorf("app %s: assigned group %s is not a group of the org", a.ID, gs.GroupID)
		}
		if _, dup := a.groups[gs.GroupID]; dup {
			return fmt.Errorf("app %s: group %s is assigned twice", a.ID, gs.GroupID)
		}
		a.groups[gs.GroupID] = &AppGroup{GroupID: gs.GroupID, Priority: gs.Priority, Profile: orEmpty(gs.Profile), LastUpdated: gs.LastUpdated}
		a.groupOrder = append(a.groupOrder, gs.GroupID)
	}
	users, err := store.Decode[AppUserRecord](tr, kindAppUser)
	if err != nil {
		return err
	}
	for _, us := range users {
		a, err := app(kindAppUser, us.AppID)
		if err != nil {
			return err
		}
		if _, ok := o.users[us.UserID]; !ok {
			return fmt.Errorf("app %s: assigned user %s is not a user of the org", a.ID, us.UserID)
		}
		if _, dup := a.users[us.UserID]; dup {
			return fmt.Errorf("app %s: user %s is assigned twice", a.ID, us.UserID)
		}
		au := &AppUser{UserID: us.UserID, ExternalID: us.ExternalID, Status: us.Status, SyncState: us.SyncState,
			Created: us.Created, LastUpdated: us.LastUpdated, StatusChanged: us.StatusChanged, LastSync: us.LastSync,
			UserName: us.UserName, Profile: orEmpty(us.Profile), direct: us.Direct, viaGroups: map[string]bool{}, removed: us.Removed}
		for _, gid := range us.ViaGroups {
			if _, ok := a.groups[gid]; !ok {
				return fmt.Errorf("app %s: user %s is assigned through group %s, which is not assigned to the app", a.ID, us.UserID, gid)
			}
			au.viaGroups[gid] = true
		}
		a.users[au.UserID] = au
		a.userOrder = append(a.userOrder, au.UserID)
	}
	mappings, err := store.Decode[MappingRecord](tr, kindMapping)
	if err != nil {
		return err
	}
	for _, ps := range mappings {
		a, err := app(kindMapping, ps.AppID)
		if err != nil {
			return err
		}
		if err := validID("app "+a.ID+", push mapping", ps.ID); err != nil {
			return err
		}
		if _, dup := a.mappings[ps.ID]; dup {
			return fmt.Errorf("app %s: push mapping %s appears twice", a.ID, ps.ID)
		}
		if _, ok := o.groups[ps.SourceGroupID]; !ok {
			return fmt.Errorf("app %s, push mapping %s: source group %s is not a group of the org", a.ID, ps.ID, ps.SourceGroupID)
		}
		switch ps.Status {
		case PushActive, PushInactive, PushError:
		default:
			return fmt.Errorf("app %s, push mapping %s: status %q: want ACTIVE, INACTIVE or ERROR", a.ID, ps.ID, ps.Status)
		}
		for uid := range ps.Uncertain {
			if _, ok := o.users[uid]; !ok {
				return fmt.Errorf("app %s, push mapping %s: uncertain user %s is not a user of the org", a.ID, ps.ID, uid)
			}
		}
		a.mappings[ps.ID] = &PushMapping{ID: ps.ID, SourceGroupID: ps.SourceGroupID, TargetGroupID: ps.TargetGroupID,
			TargetGroupName: ps.TargetGroupName, Status: ps.Status, Created: ps.Created, LastUpdated: ps.LastUpdated,
			LastPush: ps.LastPush, ErrorSummary: ps.ErrorSummary, pushed: map[string]string{},
			uncertain: maps.Clone(ps.Uncertain)}
		if a.mappings[ps.ID].uncertain == nil {
			a.mappings[ps.ID].uncertain = map[string]string{}
		}
		a.mappingOrder = append(a.mappingOrder, ps.ID)
	}
	pushed, err := store.Decode[PushedRecord](tr, kindPushed)
	if err != nil {
		return err
	}
	for _, p := range pushed {
		a, err := app(kindPushed, p.AppID)
		if err != nil {
			return err
		}
		pm, ok := a.mappings[p.MappingID]
		if !ok {
			return fmt.Errorf("app %s: pushed user %s: push mapping %s is not a mapping of the app", a.ID, p.UserID, p.MappingID)
		}
		if _, ok := o.users[p.UserID]; !ok {
			return fmt.Errorf("app %s, push mapping %s: pushed user %s is not a user of the org", a.ID, pm.ID, p.UserID)
		}
		pm.pushed[p.UserID] = p.ExternalID
	}
	return nil
}

func buildApp(o *Org, s AppRecord) (*App, error) {
	if err := validID("apps", s.ID); err != nil {
		return nil, err
	}
	if s.Name == "" {
		return nil, fmt.Errorf("app %s: name is required", s.ID)
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
	if err := s.ToApp.checkPasswordOptions(); err != nil {
		return nil, fmt.Errorf("app %s: toApp: %w", s.ID, err)
	}
	for _, attr := range slices.Sorted(maps.Keys(s.ProfileMap)) {
		if from := s.ProfileMap[attr]; from != "" && !attrNameRE.MatchString(from) {
			if _, err := mappingValue(from); err != nil {
				return nil, fmt.Errorf("app %s: profileMap.%s: %w", s.ID, attr, err)
			}
		}
	}
	if from := s.PrimaryEmailAttr; from != "" && !attrNameRE.MatchString(from) {
		if _, err := mappingValue(from); err != nil {
			return nil, fmt.Errorf("app %s: primaryEmailAttribute: %w", s.ID, err)
		}
	}
	samlSettings, err := s.SAML.settings()
	if err != nil {
		return nil, fmt.Errorf("app %s: %w", s.ID, err)
	}
	a := &App{ID: s.ID, Name: s.Name, Label: s.Label, Status: s.Status, SignOnMode: s.SignOnMode, Flavour: s.Flavour,
		Created: s.Created, LastUpdated: s.LastUpdated,
		Connection: Connection{BaseURL: c.BaseURL, Auth: c.Auth, Token: c.Token, Username: c.Username, Password: c.Password, Enabled: c.Enabled},
		ToApp:      s.ToApp, UserName: s.UserName, PrimaryEmailAttr: s.PrimaryEmailAttr, RenameGroups: s.RenameGroups,
		ProfileMap: maps.Clone(s.ProfileMap), UserSchema: maps.Clone(s.UserSchema),
		GroupPushConflict: conflict, SkipGroupImport: s.SkipGroupImport, SAML: samlSettings, Presentation: presentationOf(s.Presentation),
		users: map[string]*AppUser{}, groups: map[string]*AppGroup{}, mappings: map[string]*PushMapping{},
		remoteGroups: map[string]remoteGroup{}}
	if a.PrimaryEmailAttr == "" {
		a.PrimaryEmailAttr = "email"
	}
	return a, nil
}

// buildJob checks a stored job and turns it back into engine work.
func buildJob(o *Org, what string, r JobRecord) (job, error) {
	kind, ok := jobKinds[r.Kind]
	if !ok {
		return job{}, fmt.Errorf("%s: job kind %q is not one of the engine's", what, r.Kind)
	}
	return job{kind: kind, orgID: o.ID, appID: r.AppID, userID: r.UserID, mappingID: r.MappingID,
		targetID: r.TargetID, extID: r.ExtID, add: r.Add, remove: r.Remove, taskID: r.TaskID, reactivate: r.Reactivate}, nil
}

func buildTasks(o *Org, tr store.TenantRecords) error {
	recs, err := store.Decode[TaskRecord](tr, kindTask)
	if err != nil {
		return err
	}
	for i, ts := range recs {
		if err := validID(fmt.Sprintf("tasks[%d]", i), ts.ID); err != nil {
			return err
		}
		if _, dup := o.tasks[ts.ID]; dup {
			return fmt.Errorf("task %s appears twice", ts.ID)
		}
		if ts.Status != TaskOpen && ts.Status != TaskResolved {
			return fmt.Errorf("task %s: status %q: want %s or %s", ts.ID, ts.Status, TaskOpen, TaskResolved)
		}
		t := ts.Task
		t.job, err = buildJob(o, "task "+ts.ID, ts.Job)
		if err != nil {
			return err
		}
		t.job.appID, t.job.taskID = t.AppID, t.ID
		o.tasks[t.ID] = &t
		o.taskOrder = append(o.taskOrder, t.ID)
	}
	return nil
}

func buildLogs(o *Org, tr store.TenantRecords) error {
	recs, err := store.Decode[LogRecord](tr, kindLog)
	if err != nil {
		return err
	}
	for i, r := range recs {
		// Events are numbered without gaps: the oldest go first.
		if i > 0 && r.Seq != o.logSeq+1 {
			return fmt.Errorf("log event %s: number %d follows %d", r.UUID, r.Seq, o.logSeq)
		}
		o.logs = append(o.logs, r.LogEvent)
		o.logSeq = r.Seq
	}
	return nil
}

// buildJobs restores queued jobs; the engine runs them once the org is in
// the model (resumeJobs).
func (m *Model) buildJobs(o *Org, tr store.TenantRecords, fresh bool) error {
	recs, err := store.Decode[JobRecord](tr, kindJob)
	if err != nil {
		return err
	}
	for i, r := range recs {
		j, err := buildJob(o, fmt.Sprintf("jobs[%d]", i), r)
		if err != nil {
			return err
		}
		if _, ok := o.apps[j.appID]; !ok {
			return fmt.Errorf("jobs[%d]: app %s is not an app of the org", i, j.appID)
		}
		j.seq = r.Seq
		if fresh || j.seq == 0 {
			j.seq = m.jobSeq.Add(1)
		} else if j.seq > m.jobSeq.Load() {
			m.jobSeq.Store(j.seq)
		}
		if _, dup := o.jobs[j.seq]; dup {
			return fmt.Errorf("jobs[%d]: job %d appears twice", i, j.seq)
		}
		o.jobs[j.seq] = &j
	}
	return nil
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
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSnapshotBytes))
	if err != nil {
		s.writeError(w, r, errMalformed("the body is not a snapshot document: "+err.Error()))
		return
	}
	in, err := Schema.DecodeDocument(raw)
	if err != nil {
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
