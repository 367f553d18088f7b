package mockokta

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"time"

	"github.com/provsim/provsim/internal/scim"
)

// Group push (OKTA-PUSH-1, OAPI-PUSH-1): a mapping from an Okta
// group to a group in the app. Pushing never assigns the app; only members
// who are assigned, provisioned and active are pushed.

// Push mapping statuses.
const (
	PushActive   = "ACTIVE"
	PushInactive = "INACTIVE"
	PushError    = "ERROR"
)

// GroupPushConflict is what the engine does when creating a pushed group
// meets a 409 because a group of that name exists downstream
// (OKTA-PUSH-14).
type GroupPushConflict string

const (
	// ConflictError is Okta's behaviour: the mapping stays in error until
	// the admin refreshes the app groups, links the existing group and
	// retries.
	ConflictError GroupPushConflict = "error"
	// ConflictLink looks the name up (GET /Groups?filter=displayName eq)
	// and links the one group found: a switch, not what Okta does.
	ConflictLink GroupPushConflict = "link"
)

// ParseGroupPushConflict checks a switch value; "" is the default.
func ParseGroupPushConflict(v string) (GroupPushConflict, error) {
	switch c := GroupPushConflict(v); c {
	case "":
		return ConflictError, nil
	case ConflictError, ConflictLink:
		return c, nil
	}
	return "", fmt.Errorf("group push conflict %q: want %q or %q", v, ConflictError, ConflictLink)
}

// AppGroupID is the id of the APP_GROUP object Okta keeps for a group in
// the app (OKTA-PUSH-15): a push mapping's targetGroupId names it, never
// the id the SCIM server gave the group. provsim derives it from the app
// and the downstream id, so it is stable without being stored.
func AppGroupID(appID, targetID string) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	sum := sha256.Sum256([]byte(appID + "/" + targetID))
	b := []byte("00g")
	for _, c := range sum[:17] {
		b = append(b, alphabet[int(c)%len(alphabet)])
	}
	return string(b)
}

// appGroupTarget finds the downstream id of an APP_GROUP id among the app
// groups Okta knows: the cached ones (refreshed or imported) and those
// its push mappings push to. Caller holds o.mu.
func (a *App) appGroupTarget(appGroupID string) (remoteGroup, bool) {
	for _, rg := range a.remoteGroups {
		if AppGroupID(a.ID, rg.ID) == appGroupID {
			return rg, true
		}
	}
	for _, pm := range a.mappings {
		if pm.TargetGroupID != "" && AppGroupID(a.ID, pm.TargetGroupID) == appGroupID {
			return remoteGroup{ID: pm.TargetGroupID}, true
		}
	}
	return remoteGroup{}, false
}

// pushing reports whether a mapping pushes changes: ACTIVE, or ERROR (an
// active mapping whose last push failed; the next push may heal it).
func (pm *PushMapping) pushing() bool { return pm.Status != PushInactive }

// PushMapping is a Group Push mapping.
type PushMapping struct {
	ID              string
	SourceGroupID   string
	TargetGroupID   string
	TargetGroupName string
	Status          string
	Created         time.Time
	LastUpdated     time.Time
	LastPush        *time.Time
	ErrorSummary    string
	pushed          map[string]string // user id → downstream id, as last pushed
	// uncertain holds the users (→ downstream id) of membership requests
	// that failed: Atlassian may or may not have applied them, so the next
	// change about them is sent whatever pushed says (OKTA-TASK-4).
	uncertain map[string]string
}

// unsure reports whether a user's membership downstream is unknown.
func (pm *PushMapping) unsure(uid string) bool {
	_, ok := pm.uncertain[uid]
	return ok
}

// PushMappingInput is POST /apps/{id}/group-push/mappings.
type PushMappingInput struct {
	SourceGroupID   string `json:"sourceGroupId"`
	TargetGroupID   string `json:"targetGroupId"`
	TargetGroupName string `json:"targetGroupName"`
	Status          string `json:"status"`
}

// CreatePushMapping pushes a group: with targetGroupName it creates the
// group downstream (or links one of that name Okta already knows), with
// targetGroupId it links an existing one. ACTIVE starts a full push.
func (m *Model) CreatePushMapping(o *Org, appID string, in PushMappingInput) (*PushMapping, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	g, err := o.group(in.SourceGroupID)
	if err != nil {
		return nil, errGroupPush("sourceGroupId: no such group")
	}
	if in.TargetGroupID != "" && in.TargetGroupName != "" {
		return nil, errGroupPush("Only one of targetGroupId and targetGroupName may be given")
	}
	if in.TargetGroupID != "" {
		rg, ok := a.appGroupTarget(in.TargetGroupID)
		if !ok {
			return nil, errGroupPush("targetGroupId: no such app group; refresh the app groups first")
		}
		in.TargetGroupID = rg.ID
		if rg.Name != "" {
			in.TargetGroupName = rg.Name
		}
	}
	if in.TargetGroupID == "" && in.TargetGroupName == "" {
		// Terraform falls back to the source group's name (OAPI-TF-1).
		in.TargetGroupName = g.Name
	}
	switch in.Status {
	case "":
		in.Status = PushActive
	case PushActive, PushInactive:
	default:
		return nil, errGroupPush("status: must be ACTIVE or INACTIVE")
	}
	for _, id := range a.mappingOrder {
		if a.mappings[id].SourceGroupID == g.ID {
			return nil, errGroupPush("A push mapping for this group already exists")
		}
	}
	if !a.Connection.configured() {
		return nil, errFeatureNotEnabled("Provisioning is not enabled for this application")
	}
	now := m.now()
	pm := &PushMapping{ID: m.oktaID("gPm"), SourceGroupID: g.ID, TargetGroupID: in.TargetGroupID,
		TargetGroupName: in.TargetGroupName, Status: in.Status, Created: now, LastUpdated: now, pushed: map[string]string{},
		uncertain: map[string]string{}}
	a.mappings[pm.ID] = pm
	a.mappingOrder = append(a.mappingOrder, pm.ID)
	o.changes.New(kindMapping, pairKey(a.ID, pm.ID))
	m.logAPI(o, "application.provision.group_push.mapping.created", "Group push mapping created", groupTarget(g), appTarget(a))
	if pm.Status == PushActive {
		m.enqueue(o, a, job{kind: jobPushFull, mappingID: pm.ID})
	}
	return copyPushMapping(pm), nil
}

func (a *App) mapping(id string) (*PushMapping, error) {
	pm, ok := a.mappings[id]
	if !ok {
		return nil, errNotFound("GroupPushMapping", id)
	}
	return pm, nil
}

// UpdatePushMapping sets a mapping ACTIVE (an immediate full push) or
// INACTIVE (pushing pauses; the target group stays) (OKTA-PUSH-8).
func (m *Model) UpdatePushMapping(o *Org, appID, id, status string) (*PushMapping, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	pm, err := a.mapping(id)
	if err != nil {
		return nil, err
	}
	switch status {
	case PushActive:
		pm.Status = PushActive
		m.enqueue(o, a, job{kind: jobPushFull, mappingID: pm.ID})
	case PushInactive:
		pm.Status = PushInactive
	default:
		return nil, errGroupPush("status: must be ACTIVE or INACTIVE")
	}
	pm.LastUpdated = m.now()
	o.changes.Put(kindMapping, pairKey(a.ID, pm.ID))
	return copyPushMapping(pm), nil
}

// PushNow overwrites the target's members with Okta's ("makes Okta the
// master", OKTA-PUSH-7).
func (m *Model) PushNow(o *Org, appID, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return err
	}
	pm, err := a.mapping(id)
	if err != nil {
		return err
	}
	if pm.Status == PushInactive {
		return errGroupPush("The push mapping is INACTIVE")
	}
	m.enqueue(o, a, job{kind: jobPushFull, mappingID: pm.ID})
	return nil
}

// DeletePushMapping unlinks a pushed group; the mapping must be INACTIVE.
// deleteTarget sends DELETE /Groups/{id}, else the group is left (OKTA-PUSH-9).
func (m *Model) DeletePushMapping(o *Org, appID, id string, deleteTarget bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return err
	}
	pm, err := a.mapping(id)
	if err != nil {
		return err
	}
	if pm.Status == PushActive {
		return errGroupPush("The push mapping must be INACTIVE before it can be deleted")
	}
	delete(a.mappings, id)
	a.mappingOrder = removeID(a.mappingOrder, id)
	o.changedMappingWhole(a, pm)
	if deleteTarget && pm.TargetGroupID != "" {
		m.enqueue(o, a, job{kind: jobPushDelete, mappingID: id, targetID: pm.TargetGroupID})
	}
	return nil
}

// AppGroupRef is a group in the app, as Okta's cache of app groups holds
// it: id is Okta's APP_GROUP id (what targetGroupId takes, OKTA-PUSH-15),
// externalId the id the SCIM server gave the group.
type AppGroupRef struct {
	ID          string `json:"id"`
	ExternalID  string `json:"externalId"`
	DisplayName string `json:"displayName"`
}

// AppGroups lists the app groups Okta knows, without asking the app: the
// cached ones, then those push mappings push to that the cache lacks.
func (m *Model) AppGroups(o *Org, appID string) ([]AppGroupRef, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	return a.appGroupRefs(true), nil
}

// appGroupRefs lists the cache and, with mapped, the mappings' targets.
// Caller holds o.mu.
func (a *App) appGroupRefs(mapped bool) []AppGroupRef {
	out, seen := []AppGroupRef{}, map[string]bool{}
	for _, name := range sortedSet(a.remoteGroups) {
		rg := a.remoteGroups[name]
		seen[rg.ID] = true
		out = append(out, AppGroupRef{ID: AppGroupID(a.ID, rg.ID), ExternalID: rg.ID, DisplayName: rg.Name})
	}
	for _, id := range a.mappingOrder {
		if pm := a.mappings[id]; mapped && pm.TargetGroupID != "" && !seen[pm.TargetGroupID] {
			seen[pm.TargetGroupID] = true
			out = append(out, AppGroupRef{ID: AppGroupID(a.ID, pm.TargetGroupID), ExternalID: pm.TargetGroupID, DisplayName: pm.TargetGroupName})
		}
	}
	return out
}

// RefreshAppGroups is Push Groups' "Refresh App Groups": Okta reads the
// target's groups (GET /Groups, 100 a page) into the cache it decides
// create-or-link from (OKTA-TEST-1, OKTA-PUSH-14). It returns the cache.
func (m *Model) RefreshAppGroups(ctx context.Context, o *Org, appID string) ([]AppGroupRef, error) {
	o.mu.Lock()
	a, err := o.app(appID)
	if err == nil && !a.Connection.configured() {
		err = errFeatureNotEnabled("Provisioning is not enabled for this application")
	}
	if err == nil && a.SkipGroupImport {
		err = errGroupPush("Import Groups is off for this app: Okta reads no app groups (turn Import Groups on first)")
	}
	var c Connection
	if err == nil {
		c = a.Connection
	}
	o.mu.Unlock()
	if err != nil {
		return nil, err
	}
	groups, failure := m.pageAll(ctx, o.ID, c, "Groups")
	if failure != "" {
		return nil, errGroupPush(failure)
	}
	m.cacheGroups(job{orgID: o.ID, appID: appID}, groups, true)
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []AppGroupRef{}
	if a, ok := o.apps[appID]; ok {
		out = a.appGroupRefs(false)
	}
	return out, nil
}

// LinkInput names the app group a push mapping is linked to: by id, or by
// a name in Okta's cache of app groups.
type LinkInput struct {
	TargetGroupID   string `json:"targetGroupId"`
	TargetGroupName string `json:"targetGroupName"`
}

// LinkPushMapping points a push mapping at an existing app group, Push
// Groups' "Link Group": the admin's way out when creating the group failed
// because it exists (OKTA-PUSH-14). Nothing is sent; the next push (the
// task's retry, Push Now) pushes the members to the linked group.
func (m *Model) LinkPushMapping(o *Org, appID, id string, in LinkInput) (*PushMapping, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	pm, err := a.mapping(id)
	if err != nil {
		return nil, err
	}
	if (in.TargetGroupID == "") == (in.TargetGroupName == "") {
		return nil, errGroupPush("Give one of targetGroupId and targetGroupName")
	}
	if pm.TargetGroupID != "" && pm.Status != PushError {
		return nil, errGroupPush("The push mapping already pushes to a group; only a mapping in error can be linked again")
	}
	var target remoteGroup
	if in.TargetGroupName != "" {
		rg, ok := a.remoteGroups[lower(in.TargetGroupName)]
		if !ok {
			return nil, errGroupPush("No app group named " + in.TargetGroupName + " is known to Okta: refresh the app groups first")
		}
		target = rg
	} else {
		rg, ok := a.appGroupTarget(in.TargetGroupID)
		if !ok {
			return nil, errGroupPush("targetGroupId: no such app group; refresh the app groups first")
		}
		target = rg
	}
	pm.TargetGroupID, pm.LastUpdated = target.ID, m.now()
	if target.Name != "" {
		pm.TargetGroupName = target.Name
	}
	// Pushed members were never confirmed in that group: the next push
	// overwrites it.
	o.changedMappingWhole(a, pm)
	pm.pushed, pm.uncertain = map[string]string{}, map[string]string{}
	return copyPushMapping(pm), nil
}

// eligible reports whether a user is pushed to a group: member of the
// source group, assigned, provisioned and active (OKTA-PUSH-1). Caller holds o.mu.
func (o *Org) eligible(a *App, uid string) (extID, userName string, ok bool) {
	u := o.users[uid]
	au, assigned := a.appUser(uid)
	if u == nil || !u.IsActive() || !assigned || au.ExternalID == "" || au.Status != AppUserProvisioned {
		return "", "", false
	}
	return au.ExternalID, au.UserName, true
}

// pushNewlyEligible queues member adds for a user who just became
// provisioned, in every active mapping whose group holds them.
func (m *Model) pushNewlyEligible(o *Org, a *App, uid string) {
	for _, id := range a.mappingOrder {
		pm := a.mappings[id]
		if g := o.groups[pm.SourceGroupID]; g != nil && pm.pushing() && g.HasMember(uid) {
			if _, done := pm.pushed[uid]; !done || pm.unsure(uid) {
				m.enqueue(o, a, job{kind: jobPushDelta, mappingID: pm.ID, add: []string{uid}})
			}
		}
	}
}

// pushSnap is what a push job needs.
type pushSnap struct {
	org        *Org
	conn       Connection
	flavour    Flavour
	rename     bool
	appLabel   string
	pm         PushMapping
	sourceName string
	members    []member        // eligible now, in source-group order
	inSource   map[string]bool // every member of the source group now
	known      string          // remote group id Okta knows under the target name
	conflict   GroupPushConflict
	// lookup: Okta does not keep the target's id ("Import Groups" off), so
	// each update looks the group up by name first (OKTA-PUSH-12).
	lookup bool
}

type member struct{ uid, extID, userName string }

func (m *Model) snapPush(j job) (pushSnap, bool) {
	o, err := m.Org(j.orgID)
	if err != nil {
		return pushSnap{}, false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.apps[j.appID]
	if !ok {
		return pushSnap{}, false
	}
	s := pushSnap{org: o, conn: a.Connection, flavour: a.Flavour, rename: a.RenameGroups, appLabel: a.Label,
		inSource: map[string]bool{}, conflict: a.GroupPushConflict, lookup: a.SkipGroupImport}
	pm, ok := a.mappings[j.mappingID]
	if !ok {
		if j.kind == jobPushDelete {
			s.pm.TargetGroupID = j.targetID
			return s, true
		}
		return pushSnap{}, false
	}
	s.pm = *pm
	s.pm.pushed, s.pm.uncertain = maps.Clone(pm.pushed), maps.Clone(pm.uncertain)
	if g := o.groups[pm.SourceGroupID]; g != nil {
		s.sourceName = g.Name
		for _, uid := range g.members {
			s.inSource[uid] = true
			if ext, name, ok := o.eligible(a, uid); ok {
				s.members = append(s.members, member{uid, ext, name})
			}
		}
	}
	// Create or link is decided from Okta's cached app groups (OKTA-PUSH-2,
	// OKTA-PUSH-10) until a create has failed: then the mapping stays a
	// "Create Group" push in error until the admin links it (OKTA-PUSH-14).
	if rg, ok := a.remoteGroups[lower(pm.TargetGroupName)]; ok && pm.Status != PushError && !s.lookup {
		s.known = rg.ID
	}
	return s, true
}

func memberRefs(ms []member) []memberRef {
	out := make([]memberRef, 0, len(ms))
	for _, mb := range ms {
		out = append(out, memberRef{Value: mb.extID, Display: mb.userName})
	}
	return out
}

// runPush executes a group push job. Like every job it acts on the org as
// it is now: a retried task redoes the work against the present, and a job
// that finds nothing left to do closes its task (OKTA-TASK-4).
func (m *Model) runPush(ctx context.Context, j job) {
	s, ok := m.snapPush(j)
	if !ok || !s.conn.configured() {
		m.nothingToDo(j)
		return
	}
	org := s.org.ID
	switch j.kind {
	case jobPushDelete:
		if m.groupStillPushed(j) {
			// The group was linked again meanwhile: deleting it now would
			// undo the admin's later choice.
			m.nothingToDo(j)
			return
		}
		r := m.scimCall(ctx, org, s.conn, http.MethodDelete, "/Groups/"+s.pm.TargetGroupID, nil)
		if !r.ok() && r.status != http.StatusNotFound {
			m.failPush(j, r.failure("Error while deleting group "+s.pm.TargetGroupID))
			return
		}
		m.settlePush(j, func(a *App, pm *PushMapping) {
			// Gone downstream: Okta's cached app groups no longer offer it
			// for linking.
			for name, rg := range a.remoteGroups {
				if rg.ID == s.pm.TargetGroupID {
					delete(a.remoteGroups, name)
				}
			}
			m.logEngine(s.org, a, "application.provision.group_push.delete_appgroup", "", LogTarget{ID: s.pm.TargetGroupID, Type: "AppGroup"})
		})
	case jobPushFull:
		m.pushFull(ctx, j, s)
	case jobPushDelta:
		m.pushDelta(ctx, j, s)
	case jobPushRename:
		if !s.rename || s.pm.TargetGroupID == "" || !s.pm.pushing() {
			m.nothingToDo(j)
			return
		}
		if failure := m.resolveTarget(ctx, &s); failure != "" {
			m.failPush(j, failure)
			return
		}
		r, sent := m.renameTarget(ctx, s)
		if !r.ok() {
			m.failPush(j, r.failure("Error while renaming group "+s.pm.TargetGroupName))
			return
		}
		m.settlePush(j, func(a *App, pm *PushMapping) {
			pm.TargetGroupID, pm.TargetGroupName = s.pm.TargetGroupID, s.sourceName
			if sent != nil {
				pm.pushed = sent
			}
			m.logEngine(s.org, a, "application.provision.group.update", "", LogTarget{ID: pm.TargetGroupID, Type: "AppGroup", AlternateID: s.sourceName})
		})
	}
}

// groupStillPushed reports whether a mapping other than the deleted one
// pushes to a delete job's target group.
func (m *Model) groupStillPushed(j job) bool {
	pushed := false
	m.withJobApp(j, func(o *Org, a *App) {
		for _, pm := range a.mappings {
			pushed = pushed || (pm.ID != j.mappingID && pm.TargetGroupID == j.targetID)
		}
	})
	return pushed
}

// nothingToDo closes the task of a retried job that found nothing left to
// do (OKTA-TASK-4).
func (m *Model) nothingToDo(j job) {
	if j.taskID != "" {
		m.withJobApp(j, func(o *Org, a *App) { m.resolveTask(o, j.taskID) })
	}
}

// pushFull creates or links the target group, then overwrites its members.
func (m *Model) pushFull(ctx context.Context, j job, s pushSnap) {
	if s.pm.Status == PushInactive {
		// Paused: activating the mapping pushes everything (OKTA-PUSH-8).
		m.nothingToDo(j)
		return
	}
	org := s.org.ID
	if failure := m.resolveTarget(ctx, &s); failure != "" {
		m.failPush(j, failure)
		return
	}
	target, event := s.pm.TargetGroupID, "application.provision.group_push.push_memberships"
	if target == "" && s.known != "" {
		target, event = s.known, "application.provision.group.verify_exists"
	}
	name := s.pm.TargetGroupName
	created := false
	if target == "" {
		// Okta does not look the name up first; it creates and lets the
		// target's 409 surface (OKTA-PUSH-2, OKTA-PUSH-3).
		r := m.scimCall(ctx, org, s.conn, http.MethodPost, "/Groups", scimGroupBody{
			Schemas: []string{scim.GroupSchema}, DisplayName: name, Members: memberRefs(s.members)})
		switch {
		case r.status == http.StatusConflict && s.conflict == ConflictLink:
			// The named switch: look the name up and link what is found
			// (OKTA-PUSH-14).
			found, failure := m.lookupGroup(ctx, s, name)
			if found == "" {
				m.failPush(j, r.failure("Error while creating user group "+name)+"; "+failure)
				return
			}
			target, event = found, "application.provision.group.verify_exists"
		case !r.ok():
			m.failPush(j, r.failure("Error while creating user group "+name))
			return
		default:
			if target, _, _ = resourceInfo(r.body); target == "" {
				m.failPush(j, "Error while creating user group "+name+": the response has no id")
				return
			}
			event, created = "application.provision.group.add", true
		}
	}
	if created && s.flavour == FlavourPut {
		// Wizard apps follow the POST with a GET and PUT of the same
		// content (OKTA-PUSH-2).
		if r := m.putGroup(ctx, s, target, name, s.members); !r.ok() {
			m.failPushAt(j, target, name, r.failure("Error while pushing group "+name))
			return
		}
	} else if !created {
		if s.rename && s.sourceName != "" {
			name = s.sourceName
		}
		var r scimResponse
		if s.flavour == FlavourPatch {
			r = m.scimCall(ctx, org, s.conn, http.MethodPatch, "/Groups/"+target,
				patchOp(patchOperation{Op: "replace", Path: "members", Value: memberRefs(s.members)}))
			// The name goes out with every membership push when renaming
			// is on, Push Now and ACTIVE-again included, even when Okta
			// believes the target has it already (OKTA-PUSH-6).
			if r.ok() && s.rename && name != "" {
				s.pm.TargetGroupID = target
				r, _ = m.renameTarget(ctx, s)
			}
		} else {
			r = m.putGroup(ctx, s, target, name, s.members)
		}
		if !r.ok() {
			m.failPush(j, r.failure("Error while pushing group "+name))
			return
		}
	}
	m.settlePush(j, func(a *App, pm *PushMapping) {
		now := m.now()
		pm.TargetGroupID, pm.LastPush, pm.LastUpdated = target, &now, now
		if name != "" {
			pm.TargetGroupName = name
			if !s.lookup {
				// Okta now knows the group (OKTA-PUSH-15); with Import
				// Groups off it keeps no id (OKTA-PUSH-12).
				a.remoteGroups[lower(name)] = remoteGroup{ID: target, Name: name}
			}
		}
		pm.Status, pm.ErrorSummary = PushActive, ""
		pm.pushed, pm.uncertain = memberMap(s.members), map[string]string{}
		t := LogTarget{ID: target, Type: "AppGroup", AlternateID: name}
		m.logEngine(s.org, a, event, "", t)
		m.logEngine(s.org, a, "application.provision.group_push.pushed", "", t)
	})
}

// lookupGroup finds a target group by name, as Okta does for a group whose
// id it does not know (OKTA-PUSH-12): `GET /Groups?filter=displayName eq
// "<name>"&startIndex=1&count=100`. It returns the id of the one group
// found, or why none was taken.
func (m *Model) lookupGroup(ctx context.Context, s pushSnap, name string) (id, failure string) {
	what := "Error while looking up group " + name
	r := m.scimCall(ctx, s.org.ID, s.conn, http.MethodGet, filterPath("Groups", "displayName", name), nil)
	var list listResponse
	switch {
	case !r.ok():
		return "", r.failure(what)
	case r.decode(&list) != nil:
		return "", what + ": the response is not a SCIM ListResponse"
	case len(list.Resources) != 1:
		return "", fmt.Sprintf("%s: %d groups of that name in the app", what, len(list.Resources))
	}
	if id, _, _ = resourceInfo(list.Resources[0]); id == "" {
		return "", what + ": the group found has no id"
	}
	return id, ""
}

// resolveTarget looks the target group up by name when Okta does not know
// its id downstream ("Import Groups" off, OKTA-PUSH-12) and points s at the
// group found; a push that never made or linked its group has nothing to
// look up. It returns why no group was found.
func (m *Model) resolveTarget(ctx context.Context, s *pushSnap) string {
	if !s.lookup || s.pm.TargetGroupID == "" {
		return ""
	}
	id, failure := m.lookupGroup(ctx, *s, s.pm.TargetGroupName)
	if id != "" {
		s.pm.TargetGroupID = id
	}
	return failure
}

// pushDelta sends member adds and removes: one PATCH with a filtered
// remove per user and one add (OIN), or GET then PUT of the whole list
// (wizard apps) (OKTA-PUSH-4). It acts on the present, so that a retried
// task never replays a stale intent (OKTA-TASK-4): a user is added only
// while an eligible member and not yet pushed, and removed only while
// pushed and no longer in the source group.
func (m *Model) pushDelta(ctx context.Context, j job, s pushSnap) {
	if !s.pm.pushing() {
		m.nothingToDo(j)
		return
	}
	if s.pm.TargetGroupID == "" {
		m.deltaWithoutTarget(j)
		return
	}
	eligible := map[string]member{}
	for _, mb := range s.members {
		eligible[mb.uid] = mb
	}
	var adds []member
	for _, uid := range j.add {
		if mb, ok := eligible[uid]; ok {
			if _, done := s.pm.pushed[uid]; !done || s.pm.unsure(uid) {
				adds = append(adds, mb)
			}
		}
	}
	removes := map[string]string{} // user id → downstream id
	var removeOrder []string
	for _, uid := range j.remove {
		if s.inSource[uid] {
			continue
		}
		ext, pushed := s.pm.pushed[uid]
		if unsure, ok := s.pm.uncertain[uid]; ok {
			ext, pushed = unsure, true
		}
		if _, dup := removes[uid]; pushed && !dup {
			removes[uid] = ext
			removeOrder = append(removeOrder, uid)
		}
	}
	if len(adds) == 0 && len(removes) == 0 {
		m.deltaNothingToDo(j)
		return
	}
	if failure := m.resolveTarget(ctx, &s); failure != "" {
		m.failPush(j, failure)
		return
	}
	org := s.org.ID
	var r scimResponse
	var sent map[string]string // the member list a wizard app's PUT set
	if s.flavour == FlavourPatch {
		var ops []patchOperation
		for _, uid := range removeOrder {
			ops = append(ops, patchOperation{Op: "remove", Path: `members[value eq "` + removes[uid] + `"]`})
		}
		if len(adds) > 0 {
			ops = append(ops, patchOperation{Op: "add", Path: "members", Value: memberRefs(adds)})
		}
		r = m.scimCall(ctx, org, s.conn, http.MethodPatch, "/Groups/"+s.pm.TargetGroupID, patchOp(ops...))
		// "The group name update operation is triggered each time there's a
		// group membership update" when renaming is on (OKTA-PUSH-6).
		if r.ok() && s.rename && s.sourceName != "" {
			r, _ = m.renameTarget(ctx, s)
		}
	} else {
		// The whole list: the eligible members already pushed, less
		// removals, plus additions. Pushed members no longer eligible
		// (deactivated, unassigned) drop out here: a full list is a push.
		adding := memberMap(adds)
		var list []member
		for _, mb := range s.members {
			if _, pushed := s.pm.pushed[mb.uid]; pushed && adding[mb.uid] == "" {
				list = append(list, mb)
			}
		}
		list = append(list, adds...)
		name := s.pm.TargetGroupName
		if s.rename && s.sourceName != "" {
			name = s.sourceName
		}
		r = m.putGroup(ctx, s, s.pm.TargetGroupID, name, list)
		sent = memberMap(list)
	}
	if !r.ok() {
		// Atlassian may have applied the request before the failure: the
		// next change about these users is sent whatever pushed says.
		m.withJobApp(j, func(o *Org, a *App) {
			if pm, ok := a.mappings[j.mappingID]; ok {
				for _, mb := range adds {
					pm.uncertain[mb.uid] = mb.extID
				}
				for uid, ext := range removes {
					pm.uncertain[uid] = ext
				}
			}
		})
		m.failPush(j, r.failure("Error while pushing group memberships of "+s.pm.TargetGroupName))
		return
	}
	m.settlePush(j, func(a *App, pm *PushMapping) {
		now := m.now()
		pm.LastPush, pm.TargetGroupID = &now, s.pm.TargetGroupID
		if pm.Status == PushError {
			pm.Status, pm.ErrorSummary = PushActive, ""
		}
		for _, mb := range adds {
			pm.pushed[mb.uid] = mb.extID
			delete(pm.uncertain, mb.uid)
			m.logEngine(s.org, a, "application.provision.group_membership.add", "",
				LogTarget{ID: mb.uid, Type: "AppUser", AlternateID: mb.userName}, LogTarget{ID: pm.TargetGroupID, Type: "AppGroup", AlternateID: pm.TargetGroupName})
		}
		for _, uid := range removeOrder {
			delete(pm.pushed, uid)
			delete(pm.uncertain, uid)
			m.logEngine(s.org, a, "application.provision.group_membership.remove", "",
				LogTarget{ID: uid, Type: "AppUser"}, LogTarget{ID: pm.TargetGroupID, Type: "AppGroup", AlternateID: pm.TargetGroupName})
		}
		if sent != nil {
			// A wizard app's PUT set the whole list.
			pm.pushed, pm.uncertain = sent, map[string]string{}
		}
	})
}

// deltaNothingToDo closes a membership job that found nothing left to do.
// A push in error because of that job is in step again: it goes back to
// ACTIVE unless another task about it is open.
func (m *Model) deltaNothingToDo(j job) {
	m.withJobApp(j, func(o *Org, a *App) {
		m.resolveTask(o, j.taskID)
		pm, ok := a.mappings[j.mappingID]
		if !ok || pm.Status != PushError || pm.TargetGroupID == "" || j.taskID == "" {
			return
		}
		for _, id := range o.taskOrder {
			if t := o.tasks[id]; t.Status == TaskOpen && t.MappingID == pm.ID {
				return
			}
		}
		pm.Status, pm.ErrorSummary, pm.LastUpdated = PushActive, "", m.now()
	})
}

func memberMap(ms []member) map[string]string {
	out := make(map[string]string, len(ms))
	for _, mb := range ms {
		out[mb.uid] = mb.extID
	}
	return out
}

// deltaWithoutTarget handles a membership change for a mapping whose group
// Okta could not create: it cannot go out, and is not dropped silently
// either (OKTA-PUSH-14). Each member gets a FAILURE event, and the mapping
// keeps an open push task (one is opened if the admin closed it) whose
// retry pushes the whole membership as it then is.
func (m *Model) deltaWithoutTarget(j job) {
	m.withJobApp(j, func(o *Org, a *App) {
		pm, ok := a.mappings[j.mappingID]
		if !ok {
			return
		}
		name := pm.TargetGroupName
		reason := "Group push mapping " + name + " has no group in app " + a.Label +
			" (its creation failed): link it to the app's group, or fix the cause, then retry"
		for _, change := range []struct {
			ids   []string
			event string
		}{{j.add, "application.provision.group_membership.add"}, {j.remove, "application.provision.group_membership.remove"}} {
			for _, uid := range change.ids {
				m.logEngine(o, a, change.event, reason, LogTarget{ID: uid, Type: "AppUser"},
					LogTarget{ID: pm.ID, Type: "GroupPushMapping", AlternateID: name})
			}
		}
		if o.openTaskFor(pm.ID, jobPushFull) == nil {
			m.openTask(o, a, job{kind: jobPushFull, orgID: o.ID, appID: a.ID, mappingID: pm.ID},
				"Group push to app "+a.Label+" failed: "+reason, true)
		}
		// This job's own task, if it was one, is covered by the push task.
		m.resolveTask(o, j.taskID)
	})
}

// renameTarget renames the target to the Okta group's name: a path-less
// PATCH carrying id and displayName (OIN), or GET then PUT (wizard apps),
// whose member list it also returns, as that PUT sets the members.
func (m *Model) renameTarget(ctx context.Context, s pushSnap) (scimResponse, map[string]string) {
	if s.flavour == FlavourPatch {
		return m.scimCall(ctx, s.org.ID, s.conn, http.MethodPatch, "/Groups/"+s.pm.TargetGroupID, patchOp(
			patchOperation{Op: "replace", Value: renameValue{ID: s.pm.TargetGroupID, DisplayName: s.sourceName}})), nil
	}
	var list []member
	for _, mb := range s.members {
		if _, pushed := s.pm.pushed[mb.uid]; pushed {
			list = append(list, mb)
		}
	}
	return m.putGroup(ctx, s, s.pm.TargetGroupID, s.sourceName, list), memberMap(list)
}

// putGroup is a wizard app's group write: GET the group, then PUT it with
// the full member list (OKTA-PUSH-4).
func (m *Model) putGroup(ctx context.Context, s pushSnap, id, name string, members []member) scimResponse {
	r := m.scimCall(ctx, s.org.ID, s.conn, http.MethodGet, "/Groups/"+id, nil)
	if !r.ok() {
		return r
	}
	var doc struct {
		DisplayName string `json:"displayName"`
		ExternalID  any    `json:"externalId"`
	}
	_ = json.Unmarshal(r.body, &doc)
	if name == "" {
		// Linked by id: Okta keeps the target's own name (OKTA-PUSH-10).
		name = doc.DisplayName
	}
	return m.scimCall(ctx, s.org.ID, s.conn, http.MethodPut, "/Groups/"+id, scimGroupBody{Schemas: []string{scim.GroupSchema},
		ID: id, DisplayName: name, Members: memberRefs(members), ExternalID: doc.ExternalID})
}

// failPush records a failed push: the mapping goes to ERROR with the
// message, a task is opened and a FAILURE event logged.
func (m *Model) failPush(j job, message string) {
	m.withJobApp(j, func(o *Org, a *App) {
		if pm, ok := a.mappings[j.mappingID]; ok {
			pm.Status, pm.ErrorSummary, pm.LastUpdated = PushError, message, m.now()
		}
		m.openTask(o, a, j, "Group push to app "+a.Label+" failed: "+message, true)
		m.logEngine(o, a, "application.provision.group_push.pushed", message, LogTarget{ID: j.mappingID, Type: "GroupPushMapping"})
	})
}

// failPushAt is failPush for a push that created its group and then
// failed: the mapping keeps the new group, so a retry does not create it
// again.
func (m *Model) failPushAt(j job, target, name, message string) {
	m.withJobApp(j, func(o *Org, a *App) {
		if pm, ok := a.mappings[j.mappingID]; ok && pm.TargetGroupID == "" {
			pm.TargetGroupID = target
			a.remoteGroups[lower(name)] = remoteGroup{ID: target, Name: name}
		}
	})
	m.failPush(j, message)
}

// settlePush applies a push job's outcome under the lock.
func (m *Model) settlePush(j job, fn func(a *App, pm *PushMapping)) {
	m.withJobApp(j, func(o *Org, a *App) {
		pm, ok := a.mappings[j.mappingID]
		if !ok {
			pm = &PushMapping{ID: j.mappingID, TargetGroupID: j.targetID, pushed: map[string]string{}, uncertain: map[string]string{}}
		}
		fn(a, pm)
		m.resolveTask(o, j.taskID)
	})
}
