package mockatlassian

import (
	"strings"
)

// What the v2 Organizations REST API does to groups and workspaces: the
// groups of a directory, a group's role assignments, granting and revoking
// a product role through a group (guide Step 6 without the console), and
// the workspaces whose ids those calls take.

// resourceARI is a workspace's id: the Atlassian Resource Identifier of a
// product on a site, ari:cloud:<product>::site/<cloudId>
// (ATL-WORKSPACES-1).
func resourceARI(s *Site, productKey string) string {
	return "ari:cloud:" + productKey + "::site/" + s.ID
}

// RoleProductUser is the role that gives a group's members a product:
// what Atlassian's console calls product (or app) access.
const RoleProductUser = "atlassian/user"

// knownRoles are the role ids Atlassian documents for role assignments;
// provsim models product access (atlassian/user) only.
var knownRoles = []string{"atlassian/user", "atlassian/user-access-admin", "atlassian/admin", "atlassian/guest",
	"atlassian/contributor", "atlassian/customer", "atlassian/basic", "atlassian/stakeholder", "atlassian/viewer"}

// GroupAdminView is a group as the v2 API sees it.
type GroupAdminView struct {
	ID, Name    string
	DirectoryID string // "" for a group made in Atlassian Administration
	Synced      bool
	Default     bool
	Users       int
	Resources   []string // workspace ARIs the group grants atlassian/user on
	Members     []string // account ids
}

// adminGroupView builds a group's v2 view. Caller holds o.mu.
func (o *Org) adminGroupView(g *OrgGroup) GroupAdminView {
	v := GroupAdminView{ID: g.ID, Name: g.Name, DirectoryID: g.DirectoryID, Synced: g.Source == SourceSCIM,
		Default: g.Default, Resources: []string{}, Members: []string{}}
	for _, aid := range o.acctOrder {
		if o.inGroup(o.accounts[aid], g, false) {
			v.Members = append(v.Members, aid)
		}
	}
	v.Users = len(v.Members)
	for _, sid := range o.siteOrder {
		s := o.sites[sid]
		for _, key := range s.order {
			if s.products[key].accessGroups[g.ID] {
				v.Resources = append(v.Resources, resourceARI(s, key))
			}
		}
	}
	return v
}

// GroupFilter selects groups; empty fields match everything.
type GroupFilter struct {
	GroupIDs, GroupNames, AccountIDs, ResourceIDs []string
	SearchTerm                                    string
}

func (f GroupFilter) match(v GroupAdminView) bool {
	switch {
	case len(f.GroupIDs) > 0 && !contains(f.GroupIDs, v.ID),
		len(f.GroupNames) > 0 && !containsFold(f.GroupNames, v.Name),
		f.SearchTerm != "" && !strings.Contains(strings.ToLower(v.Name), strings.ToLower(f.SearchTerm)):
		return false
	}
	if len(f.AccountIDs) > 0 && !overlaps(f.AccountIDs, v.Members) {
		return false
	}
	if len(f.ResourceIDs) > 0 && !overlaps(f.ResourceIDs, v.Resources) {
		return false
	}
	return true
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if contains(b, x) {
			return true
		}
	}
	return false
}

// groupsIn lists the groups of a directory: its synced groups, or with "-"
// every group of the organization. Caller holds o.mu.
func (o *Org) groupsIn(dirID string) ([]*OrgGroup, error) {
	if dirID != "-" {
		if _, ok := o.directories[dirID]; !ok {
			return nil, notFoundOf(resDirectory, "Directory %s not found", dirID)
		}
	}
	var out []*OrgGroup
	for _, gid := range o.groupOrder {
		if g := o.groups[gid]; dirID == "-" || g.DirectoryID == dirID {
			out = append(out, g)
		}
	}
	return out, nil
}

// groupIn finds a group of a directory ("-": any). Caller holds o.mu.
func (o *Org) groupIn(dirID, groupID string) (*OrgGroup, error) {
	groups, err := o.groupsIn(dirID)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if g.ID == groupID {
			return g, nil
		}
	}
	return nil, notFoundOf(resGroup, "Group %s not found in directory %s", groupID, dirID)
}

// DirectoryGroups lists the groups of a directory ("-": all) that match
// the filter, in creation order.
func (m *Model) DirectoryGroups(orgID, dirID string, f GroupFilter) ([]GroupAdminView, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	groups, err := o.groupsIn(dirID)
	if err != nil {
		return nil, err
	}
	out := []GroupAdminView{}
	for _, g := range groups {
		if v := o.adminGroupView(g); f.match(v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// DirectoryGroup returns one group of a directory ("-": any).
func (m *Model) DirectoryGroup(orgID, dirID, groupID string) (GroupAdminView, error) {
	o, err := m.org(orgID)
	if err != nil {
		return GroupAdminView{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	g, err := o.groupIn(dirID, groupID)
	if err != nil {
		return GroupAdminView{}, err
	}
	return o.adminGroupView(g), nil
}

// workspace finds a product on a site by its ARI. Caller holds o.mu.
func (o *Org) workspace(ari string) (*Site, *Product, error) {
	rest, ok := strings.CutPrefix(ari, "ari:cloud:")
	key, siteID, ok2 := strings.Cut(rest, "::site/")
	if !ok || !ok2 || key == "" || siteID == "" {
		return nil, nil, invalidOf(resResource, "resourceId %q is not a workspace ARI such as ari:cloud:jira-software::site/<cloudId>: "+
			"take it from the workspaces search (POST /admin/v2/orgs/{orgId}/workspaces)", ari)
	}
	s, found := o.sites[siteID]
	if !found {
		return nil, nil, notFoundOf(resResource, "Resource %s not found in this organization", ari)
	}
	p, found := s.products[key]
	if !found {
		return nil, nil, notFoundOf(resResource, "Resource %s not found: %s is not on %s", ari, key, s.Name)
	}
	return s, p, nil
}

// AssignGroupRole grants (or revokes) a role on a workspace to a group of
// a directory. atlassian/user is product access: the same change as
// GrantAccess, so both routes drive one model.
func (m *Model) AssignGroupRole(orgID, dirID, groupID, resourceID, roleID string, grant bool, actor Actor) error {
	if strings.TrimSpace(resourceID) == "" {
		return invalidOf(resBody, "resourceId is required")
	}
	if strings.TrimSpace(roleID) == "" {
		return invalidOf(resBody, "roleId is required, e.g. %s", RoleProductUser)
	}
	if roleID != RoleProductUser {
		if contains(knownRoles, roleID) {
			return invalidOf(resRole, "Role %s is not simulated: provsim models product access (%s) only", roleID, RoleProductUser)
		}
		return invalidOf(resRole, "roleId %q is not a role: want one of %s", roleID, strings.Join(knownRoles, ", "))
	}
	o, err := m.org(orgID)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	g, err := o.groupIn(dirID, groupID)
	if err != nil {
		return err
	}
	s, p, err := o.workspace(resourceID)
	if err != nil {
		return err
	}
	if err := m.grantLocked(o, s, p, g, grant, actor); err != nil {
		e := asAdminError(err)
		e.Resource = resRole
		return e
	}
	return nil
}

// RoleAssignment is one workspace a group has roles on.
type RoleAssignment struct {
	ResourceID    string
	ResourceOwner string // the product key
	Roles         []string
}

// GroupRoleAssignments lists the workspaces a group has roles on.
func (m *Model) GroupRoleAssignments(orgID, dirID, groupID string) ([]RoleAssignment, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	g, err := o.groupIn(dirID, groupID)
	if err != nil {
		return nil, err
	}
	out := []RoleAssignment{}
	for _, sid := range o.siteOrder {
		s := o.sites[sid]
		for _, key := range s.order {
			if s.products[key].accessGroups[g.ID] {
				out = append(out, RoleAssignment{ResourceID: resourceARI(s, key), ResourceOwner: key, Roles: []string{RoleProductUser}})
			}
		}
	}
	return out, nil
}

// WorkspaceView is a product on a site, as the workspaces search lists it.
type WorkspaceView struct {
	ID       string // ARI
	SiteID   string
	SiteName string
	Key      string // product key, e.g. jira-software
	Name     string // product name
	Family   string // jira, confluence, bitbucket
	Usage    int    // accounts with access
}

// productFamily is a workspace's attributes.type.
func productFamily(key string) string {
	if strings.HasPrefix(key, "jira") {
		return "jira"
	}
	return key
}

// Workspaces lists every product on every site of the organization.
func (m *Model) Workspaces(orgID string) ([]WorkspaceView, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	usage := map[string]int{}
	for _, aid := range o.acctOrder {
		for _, pu := range o.productUse(o.accounts[aid]) {
			usage[pu.ResourceID]++
		}
	}
	out := []WorkspaceView{}
	for _, sid := range o.siteOrder {
		s := o.sites[sid]
		for _, key := range s.order {
			ari := resourceARI(s, key)
			out = append(out, WorkspaceView{ID: ari, SiteID: s.ID, SiteName: s.Name, Key: key, Name: s.products[key].Name,
				Family: productFamily(key), Usage: usage[ari]})
		}
	}
	return out, nil
}
