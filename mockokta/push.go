package mockokta

import (
	"context"
	"encoding/json"
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
		TargetGroupName: in.TargetGroupName, Status: in.Status, Created: now, LastUpdated: now, pushed: map[string]string{}}
	a.mappings[pm.ID] = pm
	a.mappingOrder = append(a.mappingOrder, pm.ID)
	m.logAPI(o, "application.provision.group_push.mapping.created", "Group push mapping created", groupTarget(g), appTarget(a))
	if pm.Status == PushActive {
		m.enqueue(o, a, job{kind: jobPushFull, mappingID: pm.ID})
	}
	return pm, nil
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
	return pm, nil
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
	if deleteTarget && pm.TargetGroupID != "" {
		m.enqueue(o, a, job{kind: jobPushDelete, mappingID: id, targetID: pm.TargetGroupID})
	}
	return nil
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
			if _, done := pm.pushed[uid]; !done {
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
	members    []member // eligible now, in source-group order
	known      string   // remote group id Okta knows under the target name
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
	s := pushSnap{org: o, conn: a.Connection, flavour: a.Flavour, rename: a.RenameGroups, appLabel: a.Label}
	pm, ok := a.mappings[j.mappingID]
	if !ok {
		if j.kind == jobPushDelete {
			s.pm.TargetGroupID = j.targetID
			return s, true
		}
		return pushSnap{}, false
	}
	s.pm = *pm
	s.pm.pushed = map[string]string{}
	for k, v := range pm.pushed {
		s.pm.pushed[k] = v
	}
	if g := o.groups[pm.SourceGroupID]; g != nil {
		s.sourceName = g.Name
		for _, uid := range g.members {
			if ext, name, ok := o.eligible(a, uid); ok {
				s.members = append(s.members, member{uid, ext, name})
			}
		}
	}
	if rg, ok := a.remoteGroups[lower(pm.TargetGroupName)]; ok {
		s.known = rg.ID
	}
	return s, true
}

// memberRef is a group member as Okta sends it: value, then display.
type memberRef struct {
	Value   string `json:"value"`
	Display string `json:"display"`
}

func memberRefs(ms []member) []memberRef {
	out := make([]memberRef, 0, len(ms))
	for _, mb := range ms {
		out = append(out, memberRef{Value: mb.extID, Display: mb.userName})
	}
	return out
}

// runPush executes a group push job.
func (m *Model) runPush(ctx context.Context, j job) {
	s, ok := m.snapPush(j)
	if !ok || !s.conn.configured() {
		return
	}
	org := s.org.ID
	switch j.kind {
	case jobPushDelete:
		r := m.scimCall(ctx, org, s.conn, http.MethodDelete, "/Groups/"+s.pm.TargetGroupID, nil)
		if !r.ok() && r.status != http.StatusNotFound {
			m.failPush(j, r.failure("Error while deleting group "+s.pm.TargetGroupID))
			return
		}
		m.settlePush(j, func(a *App, pm *PushMapping) {
			m.logEngine(s.org, a, "application.provision.group_push.delete_appgroup", "", LogTarget{ID: s.pm.TargetGroupID, Type: "AppGroup"})
		})
	case jobPushFull:
		m.pushFull(ctx, j, s)
	case jobPushDelta:
		m.pushDelta(ctx, j, s)
	case jobPushRename:
		if !s.rename || s.pm.TargetGroupID == "" || !s.pm.pushing() {
			return
		}
		if r := m.renameTarget(ctx, s); !r.ok() {
			m.failPush(j, r.failure("Error while renaming group "+s.pm.TargetGroupName))
			return
		}
		m.settlePush(j, func(a *App, pm *PushMapping) {
			pm.TargetGroupName = s.sourceName
			m.logEngine(s.org, a, "application.provision.group.update", "", LogTarget{ID: pm.TargetGroupID, Type: "AppGroup", AlternateID: s.sourceName})
		})
	}
}

// pushFull creates or links the target group, then overwrites its members.
func (m *Model) pushFull(ctx context.Context, j job, s pushSnap) {
	if s.pm.Status == PushInactive {
		return
	}
	org := s.org.ID
	target, event := s.pm.TargetGroupID, "application.provision.group_push.push_memberships"
	if target == "" && s.known != "" {
		target, event = s.known, "application.provision.group.verify_exists"
	}
	name := s.pm.TargetGroupName
	if target == "" {
		// Okta does not look the name up first; it creates and lets the
		// target's 409 surface (OKTA-PUSH-2, OKTA-PUSH-3).
		r := m.scimCall(ctx, org, s.conn, http.MethodPost, "/Groups", map[string]any{
			"schemas": []string{scim.GroupSchema}, "displayName": name, "members": memberRefs(s.members)})
		if !r.ok() {
			m.failPush(j, r.failure("Failed on creating group "+name))
			return
		}
		if target, _, _ = resourceInfo(r.body); target == "" {
			m.failPush(j, "Failed on creating group "+name+": the response has no id")
			return
		}
		event = "application.provision.group.add"
		if s.flavour == FlavourPut {
			// Wizard apps follow the POST with a GET and PUT of the same
			// content (OKTA-PUSH-2).
			if r := m.putGroup(ctx, s, target, name, s.members); !r.ok() {
				m.failPush(j, r.failure("Error while pushing group "+name))
				return
			}
		}
	} else {
		if s.rename && s.sourceName != "" {
			name = s.sourceName
		}
		var r scimResponse
		if s.flavour == FlavourPatch {
			ops := []any{map[string]any{"op": "replace", "path": "members", "value": memberRefs(s.members)}}
			r = m.scimCall(ctx, org, s.conn, http.MethodPatch, "/Groups/"+target, patchOp(ops...))
			if r.ok() && s.rename && name != s.pm.TargetGroupName {
				s.pm.TargetGroupID = target
				r = m.renameTarget(ctx, s)
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
			a.remoteGroups[lower(name)] = remoteGroup{ID: target, Name: name}
		}
		pm.Status, pm.ErrorSummary = PushActive, ""
		pm.pushed = map[string]string{}
		for _, mb := range s.members {
			pm.pushed[mb.uid] = mb.extID
		}
		t := LogTarget{ID: target, Type: "AppGroup", AlternateID: name}
		m.logEngine(s.org, a, event, "", t)
		m.logEngine(s.org, a, "application.provision.group_push.pushed", "", t)
	})
}

// pushDelta sends member adds and removes: one PATCH with a filtered
// remove per user and one add (OIN), or GET then PUT of the whole list
// (wizard apps) (OKTA-PUSH-4).
func (m *Model) pushDelta(ctx context.Context, j job, s pushSnap) {
	if !s.pm.pushing() || s.pm.TargetGroupID == "" {
		return
	}
	eligible := map[string]member{}
	for _, mb := range s.members {
		eligible[mb.uid] = mb
	}
	var adds []member
	for _, uid := range j.add {
		if mb, ok := eligible[uid]; ok {
			if _, done := s.pm.pushed[uid]; !done {
				adds = append(adds, mb)
			}
		}
	}
	var removes []string // user ids
	for _, uid := range j.remove {
		if _, pushed := s.pm.pushed[uid]; pushed {
			removes = append(removes, uid)
		}
	}
	if len(adds) == 0 && len(removes) == 0 {
		return
	}
	org := s.org.ID
	var r scimResponse
	if s.flavour == FlavourPatch {
		var ops []any
		for _, uid := range removes {
			ops = append(ops, map[string]any{"op": "remove", "path": `members[value eq "` + s.pm.pushed[uid] + `"]`})
		}
		if len(adds) > 0 {
			ops = append(ops, map[string]any{"op": "add", "path": "members", "value": memberRefs(adds)})
		}
		r = m.scimCall(ctx, org, s.conn, http.MethodPatch, "/Groups/"+s.pm.TargetGroupID, patchOp(ops...))
		// "The group name update operation is triggered each time there's a
		// group membership update" when renaming is on (OKTA-PUSH-6).
		if r.ok() && s.rename && s.sourceName != "" {
			r = m.renameTarget(ctx, s)
		}
	} else {
		// The whole list: what was pushed, less removals, plus additions.
		var list []member
		gone := map[string]bool{}
		for _, uid := range removes {
			gone[uid] = true
		}
		for _, mb := range s.members {
			if _, pushed := s.pm.pushed[mb.uid]; pushed && !gone[mb.uid] {
				list = append(list, mb)
			}
		}
		list = append(list, adds...)
		name := s.pm.TargetGroupName
		if s.rename && s.sourceName != "" {
			name = s.sourceName
		}
		r = m.putGroup(ctx, s, s.pm.TargetGroupID, name, list)
	}
	if !r.ok() {
		m.failPush(j, r.failure("Error while pushing group memberships of "+s.pm.TargetGroupName))
		return
	}
	m.settlePush(j, func(a *App, pm *PushMapping) {
		now := m.now()
		pm.LastPush = &now
		if pm.Status == PushError {
			pm.Status, pm.ErrorSummary = PushActive, ""
		}
		for _, mb := range adds {
			pm.pushed[mb.uid] = mb.extID
			m.logEngine(s.org, a, "application.provision.group_membership.add", "",
				LogTarget{ID: mb.uid, Type: "AppUser", AlternateID: mb.userName}, LogTarget{ID: pm.TargetGroupID, Type: "AppGroup", AlternateID: pm.TargetGroupName})
		}
		for _, uid := range removes {
			delete(pm.pushed, uid)
			m.logEngine(s.org, a, "application.provision.group_membership.remove", "",
				LogTarget{ID: uid, Type: "AppUser"}, LogTarget{ID: pm.TargetGroupID, Type: "AppGroup", AlternateID: pm.TargetGroupName})
		}
	})
}

func patchOp(ops ...any) map[string]any {
	return map[string]any{"schemas": []string{scim.PatchOpSchema}, "Operations": ops}
}

// renameTarget renames the target to the Okta group's name: a path-less
// PATCH carrying id and displayName (OIN), or GET then PUT (wizard apps).
func (m *Model) renameTarget(ctx context.Context, s pushSnap) scimResponse {
	if s.flavour == FlavourPatch {
		return m.scimCall(ctx, s.org.ID, s.conn, http.MethodPatch, "/Groups/"+s.pm.TargetGroupID, patchOp(
			map[string]any{"op": "replace", "value": map[string]any{"id": s.pm.TargetGroupID, "displayName": s.sourceName}}))
	}
	var list []member
	for _, mb := range s.members {
		if _, pushed := s.pm.pushed[mb.uid]; pushed {
			list = append(list, mb)
		}
	}
	return m.putGroup(ctx, s, s.pm.TargetGroupID, s.sourceName, list)
}

// putGroup is a wizard app's group write: GET the group, then PUT it with
// the full member list (OKTA-PUSH-4).
func (m *Model) putGroup(ctx context.Context, s pushSnap, id, name string, members []member) scimResponse {
	r := m.scimCall(ctx, s.org.ID, s.conn, http.MethodGet, "/Groups/"+id, nil)
	if !r.ok() {
		return r
	}
	var doc map[string]any
	if json.Unmarshal(r.body, &doc) != nil || doc == nil {
		doc = map[string]any{}
	}
	if name == "" {
		// Linked by id: Okta keeps the target's own name (OKTA-PUSH-10).
		name, _ = doc["displayName"].(string)
	}
	body := map[string]any{"schemas": []string{scim.GroupSchema}, "id": id, "displayName": name, "members": memberRefs(members)}
	if ext, ok := doc["externalId"]; ok {
		body["externalId"] = ext
	}
	return m.scimCall(ctx, s.org.ID, s.conn, http.MethodPut, "/Groups/"+id, body)
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

// settlePush applies a push job's outcome under the lock.
func (m *Model) settlePush(j job, fn func(a *App, pm *PushMapping)) {
	m.withJobApp(j, func(o *Org, a *App) {
		pm, ok := a.mappings[j.mappingID]
		if !ok {
			pm = &PushMapping{ID: j.mappingID, TargetGroupID: j.targetID, pushed: map[string]string{}}
		}
		fn(a, pm)
		m.resolveTask(o, j.taskID)
	})
}
