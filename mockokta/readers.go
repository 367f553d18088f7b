package mockokta

// Read methods that hand out copies, so a caller outside the package (the
// admin console, mockokta/console) can render them after the org's lock is
// released. The Management API's handlers may use them too.

// copyApp copies an app's settings; its assignments, mappings and
// caches are left out (AppUsers, AppGroups and PushMappings read those).
func copyApp(a *App) *App {
	c := *a
	c.users, c.userOrder, c.groups, c.groupOrder = nil, nil, nil, nil
	c.mappings, c.mappingOrder, c.remoteGroups = nil, nil, nil
	return &c
}

// Apps lists an org's apps in creation order.
func (m *Model) Apps(o *Org) []*App {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]*App, 0, len(o.appOrder))
	for _, id := range o.appOrder {
		out = append(out, copyApp(o.apps[id]))
	}
	return out
}

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
