package mockatlassian

import (
	"strings"
	"time"
)

// Lists read a page at a time: what the admin console (mockatlassian/
// console) shows of an organization that may hold tens of thousands of
// accounts. Each list is two calls: one selects the ids that match (cheap
// string tests under the lock), the other builds views of only the ids on
// the page, so a page costs what it shows, not what the organization holds.

// AccountQuery selects accounts; empty fields match everything.
type AccountQuery struct {
	Text   string // a part of the email or the name, any case
	Status string // "active", "suspended" or "deactivated" (AccountAdminView.V2Status)
}

// AccountIDs lists the ids of the accounts that match, in creation order.
func (m *Model) AccountIDs(orgID string, q AccountQuery) ([]string, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, err
	}
	text := strings.ToLower(q.Text)
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []string{}
	for _, id := range o.acctOrder {
		a := o.accounts[id]
		if q.Status != "" && (AccountAdminView{Active: a.Active, Suspended: a.Suspended}).V2Status() != q.Status {
			continue
		}
		if text != "" && !strings.Contains(strings.ToLower(a.Email), text) && !strings.Contains(strings.ToLower(a.DisplayName), text) {
			continue
		}
		out = append(out, id)
	}
	return out, nil
}

// AccountsByID returns the accounts with these ids, in the order given;
// ids no longer there are left out.
func (m *Model) AccountsByID(orgID string, ids []string) ([]AccountAdminView, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]AccountAdminView, 0, len(ids))
	for _, id := range ids {
		if a, ok := o.accounts[id]; ok {
			out = append(out, o.adminView(a))
		}
	}
	return out, nil
}

// GroupRow is a group as a list shows it.
type GroupRow struct {
	ID, Name      string
	Synced        bool
	DirectoryID   string // synced groups: the directory they come from
	DirectoryName string
	Default       bool
	Members       int
	Access        []string // "Jira Software on acme.atlassian.net"
}

// groupRow builds a group's row; counting a synced group's members reads
// only its SCIM members. Caller holds o.mu.
func (o *Org) groupRow(g *OrgGroup) GroupRow {
	v := GroupRow{ID: g.ID, Name: g.Name, Synced: g.Source == SourceSCIM, DirectoryID: g.DirectoryID, Default: g.Default}
	if v.Synced {
		if d, ok := o.directories[g.DirectoryID]; ok {
			v.DirectoryName = d.Name
			v.Members = o.syncedCount(d, g)
		}
	} else {
		v.Members = len(g.members)
	}
	for _, sid := range o.siteOrder {
		s := o.sites[sid]
		for _, key := range s.order {
			if p := s.products[key]; p.accessGroups[g.ID] {
				v.Access = append(v.Access, p.Name+" on "+s.Name)
			}
		}
	}
	return v
}

// syncedMembers are the accounts a synced group's SCIM members are linked
// to. Caller holds o.mu.
func (o *Org) syncedMembers(d *Directory, g *OrgGroup) []string {
	sg, ok := d.groups[g.SCIMGroupID]
	if !ok {
		return nil
	}
	out := make([]string, 0, len(sg.members))
	for uid := range sg.members {
		if u, ok := d.users[uid]; ok && !u.deleted && u.account != "" {
			out = append(out, u.account)
		}
	}
	return out
}

// syncedCount counts syncedMembers without listing them. Caller holds o.mu.
func (o *Org) syncedCount(d *Directory, g *OrgGroup) int {
	n := 0
	if sg, ok := d.groups[g.SCIMGroupID]; ok {
		for uid := range sg.members {
			if u, ok := d.users[uid]; ok && !u.deleted && u.account != "" {
				n++
			}
		}
	}
	return n
}

// GroupQuery selects groups; empty fields match everything.
type GroupQuery struct {
	Text   string // a part of the name, any case
	Source string // SourceLocal or SourceSCIM
}

// GroupIDs lists the ids of the groups that match, in creation order.
func (m *Model) GroupIDs(orgID string, q GroupQuery) ([]string, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, err
	}
	text := strings.ToLower(q.Text)
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []string{}
	for _, id := range o.groupOrder {
		g := o.groups[id]
		if (q.Source == "" || g.Source == q.Source) && (text == "" || strings.Contains(strings.ToLower(g.Name), text)) {
			out = append(out, id)
		}
	}
	return out, nil
}

// GroupsByID returns the rows of the groups with these ids, in the order
// given; ids no longer there are left out.
func (m *Model) GroupsByID(orgID string, ids []string) ([]GroupRow, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]GroupRow, 0, len(ids))
	for _, id := range ids {
		if g, ok := o.groups[id]; ok {
			out = append(out, o.groupRow(g))
		}
	}
	return out, nil
}

// GroupByID returns one group's row.
func (m *Model) GroupByID(orgID, idOrName string) (GroupRow, error) {
	o, err := m.org(orgID)
	if err != nil {
		return GroupRow{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	g, err := o.groupNamed(idOrName)
	if err != nil {
		return GroupRow{}, err
	}
	return o.groupRow(g), nil
}

// GroupMemberIDs lists the accounts in a group, in creation order.
func (m *Model) GroupMemberIDs(orgID, groupID string) ([]string, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	g, err := o.groupNamed(groupID)
	if err != nil {
		return nil, err
	}
	in := g.members
	if g.Source == SourceSCIM {
		in = map[string]bool{}
		if d, ok := o.directories[g.DirectoryID]; ok {
			for _, id := range o.syncedMembers(d, g) {
				in[id] = true
			}
		}
	}
	// One pass over the accounts keeps their order without sorting.
	out := make([]string, 0, len(in))
	for _, id := range o.acctOrder {
		if in[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// SyncedUser is a user of a SCIM directory as the console lists it.
type SyncedUser struct {
	ID, UserName, DisplayName, Email, ExternalID string
	Active                                       bool
	AccountID                                    string // "" when not linked to an account (not synced)
	Groups                                       int
	Modified                                     time.Time
}

// SyncedGroup is a group of a SCIM directory as the console lists it.
type SyncedGroup struct {
	ID, DisplayName string
	Members         int
	OrgGroupID      string // "" when not synced to the organization (a name collision)
	Modified        time.Time
}

// DirectoryUserIDs lists the SCIM users of a directory whose userName,
// display name or email contains text (any case), in creation order.
func (m *Model) DirectoryUserIDs(orgID, dirID, text string) ([]string, error) {
	text = strings.ToLower(text)
	out := []string{}
	err := m.orgDirectory(orgID, dirID, func(d *Directory) error {
		for _, id := range d.userOrder {
			r := d.users[id]
			if r.deleted {
				continue
			}
			if text == "" || strings.Contains(strings.ToLower(r.res.UserName), text) ||
				strings.Contains(strings.ToLower(r.res.DisplayName), text) || strings.Contains(strings.ToLower(r.res.PrimaryEmail()), text) {
				out = append(out, id)
			}
		}
		return nil
	})
	return out, err
}

// DirectoryUsersByID returns the SCIM users with these ids, in the order given.
func (m *Model) DirectoryUsersByID(orgID, dirID string, ids []string) ([]SyncedUser, error) {
	out := make([]SyncedUser, 0, len(ids))
	err := m.orgDirectory(orgID, dirID, func(d *Directory) error {
		for _, id := range ids {
			if r, ok := d.users[id]; ok && !r.deleted {
				out = append(out, SyncedUser{ID: id, UserName: r.res.UserName, DisplayName: r.res.DisplayName,
					Email: r.res.PrimaryEmail(), ExternalID: r.res.ExternalID, Active: r.res.IsActive(),
					AccountID: r.account, Groups: len(r.groups), Modified: r.modified})
			}
		}
		return nil
	})
	return out, err
}

// DirectoryGroupIDs lists the SCIM groups of a directory whose name
// contains text (any case), in creation order.
func (m *Model) DirectoryGroupIDs(orgID, dirID, text string) ([]string, error) {
	text = strings.ToLower(text)
	out := []string{}
	err := m.orgDirectory(orgID, dirID, func(d *Directory) error {
		for _, id := range d.groupOrder {
			if text == "" || strings.Contains(strings.ToLower(d.groups[id].displayName), text) {
				out = append(out, id)
			}
		}
		return nil
	})
	return out, err
}

// DirectoryGroupsByID returns the SCIM groups with these ids, in the order given.
func (m *Model) DirectoryGroupsByID(orgID, dirID string, ids []string) ([]SyncedGroup, error) {
	out := make([]SyncedGroup, 0, len(ids))
	err := m.orgDirectory(orgID, dirID, func(d *Directory) error {
		for _, id := range ids {
			if g, ok := d.groups[id]; ok {
				out = append(out, SyncedGroup{ID: id, DisplayName: g.displayName, Members: len(g.members),
					OrgGroupID: g.orgGroup, Modified: g.modified})
			}
		}
		return nil
	})
	return out, err
}

// orgDirectory runs fn on a directory of the organization, under its lock.
func (m *Model) orgDirectory(orgID, dirID string, fn func(d *Directory) error) error {
	o, err := m.org(orgID)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	d, ok := o.directories[dirID]
	if !ok {
		return errNotFound("directory %s does not exist in organization %s", dirID, orgID)
	}
	return fn(d)
}
