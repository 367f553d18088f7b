package mockokta

import (
	"maps"
	"strings"
)

// Read methods that hand out copies, so a caller outside the package (the
// admin console, mockokta/console) can render them after the org's lock is
// released. The Management API's handlers may use them too.

// copyApp copies an app's settings; its assignments, mappings and
// caches are left out (AppUsers, AppGroups and PushMappings read those).
func copyApp(a *App) *App {
	c := *a
	c.users, c.userOrder, c.groups, c.groupOrder = nil, nil, nil, nil
	c.mappings, c.mappingOrder, c.remoteGroups = nil, nil, nil
	c.SAML = a.SAML.clone()
	c.ProfileMap, c.UserSchema = maps.Clone(a.ProfileMap), maps.Clone(a.UserSchema)
	return &c
}

// Apps lists an org's apps in creation order.
func (m *Model) Apps(o *Org) []*App { return m.ListApps(o, "") }

// GetApp returns one app.
func (m *Model) GetApp(o *Org, appID string) (*App, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	return copyApp(a), nil
}

// copyAppUser copies an app user.
func copyAppUser(au *AppUser) *AppUser {
	c := *au
	c.Profile = deepCopyProfile(au.Profile)
	c.viaGroups = nil
	return &c
}

// copyAppGroup copies a group assignment.
func copyAppGroup(ag *AppGroup) *AppGroup {
	c := *ag
	c.Profile = deepCopyProfile(ag.Profile)
	return &c
}

// copyPushMapping copies a push mapping, without what it last pushed.
func copyPushMapping(pm *PushMapping) *PushMapping {
	c := *pm
	c.pushed, c.uncertain = nil, nil
	return &c
}

// ListApps is GET /api/v1/apps before paging: the apps whose label or name
// starts with q (any case), in creation order.
func (m *Model) ListApps(o *Org, q string) []*App {
	q = lower(q)
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []*App{}
	for _, id := range o.appOrder {
		a := o.apps[id]
		if q == "" || hasPrefixFold(a.Label, q) || hasPrefixFold(a.Name, q) {
			out = append(out, copyApp(a))
		}
	}
	return out
}

// AppsOfGroup is GET /api/v1/groups/{id}/apps: the apps the group is
// assigned to, in creation order.
func (m *Model) AppsOfGroup(o *Org, groupID string) ([]*App, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, err := o.anyGroup(groupID); err != nil {
		return nil, err
	}
	out := []*App{}
	for _, id := range o.appOrder {
		if a := o.apps[id]; a.groups[groupID] != nil {
			out = append(out, copyApp(a))
		}
	}
	return out, nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// AppUserIDs is GET /api/v1/apps/{id}/users before paging: the assigned
// users' ids in assignment order.
func (m *Model) AppUserIDs(o *Org, appID string) ([]string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, au := range a.appUsers() {
		ids = append(ids, au.UserID)
	}
	return ids, nil
}

// AppUsersByID returns snapshots of the app users with these ids, in
// order, leaving out any unassigned since.
func (m *Model) AppUsersByID(o *Org, appID string, ids []string) []*AppUser {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]*AppUser, 0, len(ids))
	if a, err := o.app(appID); err == nil {
		for _, id := range ids {
			if au, ok := a.appUser(id); ok {
				out = append(out, copyAppUser(au))
			}
		}
	}
	return out
}

// appUserOf finds an assigned user by user id or login. Caller holds o.mu.
func (o *Org) appUserOf(appID, userRef string) (*App, *AppUser, error) {
	a, err := o.app(appID)
	if err != nil {
		return nil, nil, err
	}
	u, err := o.user(userRef)
	if err != nil {
		return nil, nil, err
	}
	au, ok := a.appUser(u.ID)
	if !ok {
		return nil, nil, errNotFound("AppUser", userRef)
	}
	return a, au, nil
}

// GetAppUser is GET /api/v1/apps/{id}/users/{userId}.
func (m *Model) GetAppUser(o *Org, appID, userRef string) (*AppUser, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, au, err := o.appUserOf(appID, userRef)
	if err != nil {
		return nil, err
	}
	return copyAppUser(au), nil
}

// AppGroupIDs is GET /api/v1/apps/{id}/groups before paging: the assigned
// groups by priority, then assignment order.
func (m *Model) AppGroupIDs(o *Org, appID string) ([]string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, ag := range a.sortedAppGroups() {
		ids = append(ids, ag.GroupID)
	}
	return ids, nil
}

// AppGroupsByID returns snapshots of the group assignments with these
// ids, in order, leaving out any removed since.
func (m *Model) AppGroupsByID(o *Org, appID string, ids []string) []*AppGroup {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]*AppGroup, 0, len(ids))
	if a, err := o.app(appID); err == nil {
		for _, id := range ids {
			if ag, ok := a.groups[id]; ok {
				out = append(out, copyAppGroup(ag))
			}
		}
	}
	return out
}

// appGroupOf finds a group assignment. Caller holds o.mu.
func (o *Org) appGroupOf(appID, groupID string) (*AppGroup, error) {
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	ag, ok := a.groups[groupID]
	if !ok {
		return nil, errNotFound("ApplicationGroupAssignment", groupID)
	}
	return ag, nil
}

// GetAppGroup is GET /api/v1/apps/{id}/groups/{groupId}.
func (m *Model) GetAppGroup(o *Org, appID, groupID string) (*AppGroup, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ag, err := o.appGroupOf(appID, groupID)
	if err != nil {
		return nil, err
	}
	return copyAppGroup(ag), nil
}

// errProvisioningOff is what the features API answers before the API
// integration is enabled.
func errProvisioningOff() *Error {
	return errFeatureNotEnabled("Provisioning is not enabled for this application")
}

// ProvisioningFeature is the app as GET /api/v1/apps/{id}/features shows
// it: only once provisioning is enabled.
func (m *Model) ProvisioningFeature(o *Org, appID string) (*App, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	if !a.Connection.configured() {
		return nil, errProvisioningOff()
	}
	return copyApp(a), nil
}

// PushMappingIDs is GET /api/v1/apps/{id}/group-push/mappings before
// paging: the mappings of sourceGroupID and in status, when given, in
// creation order.
func (m *Model) PushMappingIDs(o *Org, appID, sourceGroupID, status string) ([]string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, id := range a.mappingOrder {
		pm := a.mappings[id]
		if (sourceGroupID == "" || pm.SourceGroupID == sourceGroupID) && (status == "" || pm.Status == status) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// PushMappingsByID returns snapshots of the push mappings with these ids,
// in order, leaving out any deleted since.
func (m *Model) PushMappingsByID(o *Org, appID string, ids []string) []*PushMapping {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]*PushMapping, 0, len(ids))
	if a, err := o.app(appID); err == nil {
		for _, id := range ids {
			if pm, ok := a.mappings[id]; ok {
				out = append(out, copyPushMapping(pm))
			}
		}
	}
	return out
}

// GetPushMapping is GET /api/v1/apps/{id}/group-push/mappings/{mappingId}.
func (m *Model) GetPushMapping(o *Org, appID, mappingID string) (*PushMapping, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	pm, err := a.mapping(mappingID)
	if err != nil {
		return nil, err
	}
	return copyPushMapping(pm), nil
}
