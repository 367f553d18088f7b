package mockatlassian

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/gorilla/mux"
)

// The v2 Organizations REST API: directories, their users and groups, a
// group's product roles, and workspaces. Paging is by bare cursor tokens in
// links; a cursor carries the search it continues. Shapes: ATL-DIRECTORY-2,
// ATL-GROUPS-1, ATL-WORKSPACES-1.

// v2MaxLimit is the largest page the v2 directory lists serve.
const v2MaxLimit = 100

func (s *Server) v2Routes(r *mux.Router) {
	get, post, del := http.MethodGet, http.MethodPost, http.MethodDelete
	r.HandleFunc("/directories", s.v2Directories).Methods(get)
	r.HandleFunc("/directories/{directoryId}/users", s.v2Users).Methods(get)
	r.HandleFunc("/directories/{directoryId}/users/search", s.v2Users).Methods(post)
	r.HandleFunc("/directories/{directoryId}/users/{accountId}", s.v2User).Methods(get)
	r.HandleFunc("/directories/{directoryId}/users/{accountId}", s.v2RemoveUser).Methods(del)
	r.HandleFunc("/directories/{directoryId}/users/{accountId}/suspend", s.v2Suspend).Methods(post)
	r.HandleFunc("/directories/{directoryId}/users/{accountId}/restore", s.v2Suspend).Methods(post)
	r.HandleFunc("/directories/{directoryId}/groups", s.v2Groups).Methods(get)
	r.HandleFunc("/directories/{directoryId}/groups/search", s.v2Groups).Methods(post)
	r.HandleFunc("/directories/{directoryId}/groups/{groupId}", s.v2Group).Methods(get)
	r.HandleFunc("/directories/{directoryId}/groups/{groupId}/role-assignments", s.v2GroupRoles).Methods(get)
	r.HandleFunc("/directories/{directoryId}/groups/{groupId}/role-assignments/assign", s.v2AssignRole).Methods(post)
	r.HandleFunc("/directories/{directoryId}/groups/{groupId}/role-assignments/revoke", s.v2AssignRole).Methods(post)
	r.HandleFunc("/workspaces", s.v2Workspaces).Methods(post)
}

// v2Page cuts one page out of n items and makes its cursor links: bare
// tokens, each carrying the filter the search used.
func v2Page(kind string, filter any, n, offset, limit int) (start, end int, links map[string]*string) {
	start, end = pageBounds(n, offset, limit)
	f, _ := json.Marshal(filter)
	token := func(off int) *string {
		t := encodeCursor(cursor{Kind: kind, Offset: off, Limit: limit, Filter: f})
		return &t
	}
	links = map[string]*string{"self": token(offset), "prev": nil, "next": nil}
	if offset > 0 {
		links["prev"] = token(max(offset-limit, 0))
	}
	if end < n {
		links["next"] = token(end)
	}
	return start, end, links
}

// v2Search reads a v2 list request: the filter from a POST search body or
// from GET query parameters (via fromQuery), unless a cursor is given,
// whose filter wins. It returns the offset and limit of the page.
func (s *Server) v2Search(w http.ResponseWriter, r *http.Request, kind string, filter any, fromQuery func(url.Values)) (offset, limit int, err error) {
	q := r.URL.Query()
	var body struct {
		Cursor string `json:"cursor"`
		Limit  int    `json:"limit"`
	}
	if r.Method == http.MethodPost {
		raw, err := s.readBody(w, r)
		if err != nil && r.ContentLength != 0 {
			return 0, 0, asAdminError(err)
		}
		if len(raw) > 0 {
			if err := decodeInto(raw, &body); err != nil {
				return 0, 0, err
			}
			if err := decodeInto(raw, filter); err != nil {
				return 0, 0, err
			}
		}
	} else {
		body.Cursor = q.Get("cursor")
		if body.Limit, err = queryLimit(q, 0, v2MaxLimit); err != nil {
			return 0, 0, err
		}
		fromQuery(q)
	}
	limit = s.orgAPI.PageSize
	if body.Limit < 0 {
		return 0, 0, invalidOf(resBody, "limit must be a positive integer")
	}
	if body.Limit > 0 {
		limit = min(body.Limit, v2MaxLimit)
	}
	limit = min(limit, v2MaxLimit)
	if body.Cursor != "" {
		c, err := decodeCursor(body.Cursor, kind)
		if err != nil {
			return 0, 0, err
		}
		if len(c.Filter) > 0 {
			if err := json.Unmarshal(c.Filter, filter); err != nil {
				return 0, 0, invalidOf(resCursor, "Invalid cursor")
			}
		}
		if c.Limit > 0 {
			limit = c.Limit
		}
		return c.Offset, limit, nil
	}
	return 0, limit, nil
}

// decodeInto unmarshals a JSON object body with an Atlassian 400 for any
// way it can be wrong.
func decodeInto(raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return invalidOf(resBody, "Request body is not valid: %v", err)
	}
	return nil
}

type v2Directory struct {
	DirectoryID string `json:"directoryId"`
	Name        string `json:"name"`
}

func (s *Server) v2Directories(w http.ResponseWriter, r *http.Request) {
	org := mux.Vars(r)["orgId"]
	var f struct {
		AccountID    string   `json:"accountId,omitempty"`
		DirectoryIDs []string `json:"directoryIds,omitempty"`
		SearchTerm   string   `json:"searchTerm,omitempty"`
	}
	offset, limit, err := s.v2Search(w, r, "directories", &f, func(q url.Values) {
		f.AccountID, f.DirectoryIDs, f.SearchTerm = q.Get("accountId"), queryList(q, "directoryIds"), q.Get("searchTerm")
	})
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	v, err := s.Model.Org(org)
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	var linked []string
	if f.AccountID != "" {
		if a, err := s.Model.AdminAccount(org, f.AccountID); err == nil {
			linked = a.Directories
		}
	}
	dirs := []v2Directory{}
	for _, d := range v.Directories {
		switch {
		case len(f.DirectoryIDs) > 0 && !contains(f.DirectoryIDs, d.ID),
			f.AccountID != "" && !contains(linked, d.ID),
			f.SearchTerm != "" && !strings.Contains(strings.ToLower(d.Name), strings.ToLower(f.SearchTerm)):
			continue
		}
		dirs = append(dirs, v2Directory{DirectoryID: d.ID, Name: d.Name})
	}
	start, end, links := v2Page("directories", f, len(dirs), offset, limit)
	writeJSON(w, r, http.StatusOK, map[string]any{"data": dirs[start:end], "links": links})
}

// v2UserFilter is the users search: AccountFilter's fields as the API
// names them, and what to expand.
type v2UserFilter struct {
	AccountIDs         []string `json:"accountIds,omitempty"`
	Emails             []string `json:"emails,omitempty"`
	EmailDomains       []string `json:"emailDomains,omitempty"`
	Status             []string `json:"status,omitempty"`
	AccountStatus      []string `json:"accountStatus,omitempty"`
	MembershipStatus   []string `json:"membershipStatus,omitempty"`
	ClaimStatus        string   `json:"claimStatus,omitempty"`
	GroupIDs           []string `json:"groupIds,omitempty"`
	ResourceIDs        []string `json:"resourceIds,omitempty"`
	SearchTerm         string   `json:"searchTerm,omitempty"`
	Expand             []string `json:"expand,omitempty"`
	AccountStatusesAlt []string `json:"accountStatuses,omitempty"`
	MembershipAlt      []string `json:"membershipStatuses,omitempty"`
}

func (f v2UserFilter) model() (AccountFilter, error) {
	if f.SearchTerm != "" && len(f.Emails) > 0 {
		return AccountFilter{}, invalidOf(resBody, "searchTerm and emails cannot be used together")
	}
	switch f.ClaimStatus {
	case "", "managed", "unmanaged":
	default:
		return AccountFilter{}, invalidOf(resBody, "claimStatus must be managed or unmanaged, got %q", f.ClaimStatus)
	}
	return AccountFilter{AccountIDs: f.AccountIDs, Emails: f.Emails, EmailDomains: f.EmailDomains, Statuses: f.Status,
		AccountStatuses: append(f.AccountStatus, f.AccountStatusesAlt...), MembershipStatuses: append(f.MembershipStatus, f.MembershipAlt...),
		ClaimStatus: f.ClaimStatus, GroupIDs: f.GroupIDs, ResourceIDs: f.ResourceIDs, SearchTerm: f.SearchTerm}, nil
}

type v2ProductAccess struct {
	Key                 string `json:"key"`
	ID                  string `json:"id"`
	LastActiveTimestamp string `json:"lastActiveTimestamp,omitempty"`
}

type v2UserWire struct {
	AccountID        string            `json:"accountId"`
	AccountType      string            `json:"accountType"`
	Status           string            `json:"status"`
	AccountStatus    string            `json:"accountStatus"`
	MembershipStatus string            `json:"membershipStatus"`
	AddedToOrg       string            `json:"addedToOrg"`
	Name             string            `json:"name"`
	Nickname         string            `json:"nickname,omitempty"`
	Email            string            `json:"email"`
	EmailVerified    bool              `json:"emailVerified"`
	ClaimStatus      string            `json:"claimStatus"`
	ManagementSource *string           `json:"managementSource"`
	PlatformRoles    []string          `json:"platformRoles"`
	Picture          string            `json:"picture"`
	Avatar           string            `json:"avatar"`
	JobTitle         string            `json:"jobTitle,omitempty"`
	Department       string            `json:"department,omitempty"`
	Organization     string            `json:"organization,omitempty"`
	TimeZone         string            `json:"timeZone,omitempty"`
	Counts           map[string]int    `json:"counts"`
	ProductAccess    []v2ProductAccess `json:"productAccess,omitempty"`
	Groups           []map[string]any  `json:"groups,omitempty"`
	Links            selfLink          `json:"links"`
}

func v2User(v AccountAdminView, expand []string) v2UserWire {
	u := v2UserWire{AccountID: v.ID, AccountType: "atlassian", Status: v.V2Status(), AccountStatus: accountStatus(v),
		MembershipStatus: "active", AddedToOrg: atlassianTime(v.Created), Name: v.Name, Nickname: v.Nickname, Email: v.Email,
		EmailVerified: v.Managed, ClaimStatus: "unmanaged", PlatformRoles: []string{}, Picture: pictureURL(v.Email, v.Name),
		JobTitle: v.Title, Department: v.Department, Organization: v.Organization, TimeZone: v.Timezone,
		Counts: map[string]int{"resources": len(v.Products)}, Links: selfLink{v.ID}}
	u.Avatar = u.Picture
	if v.Suspended {
		u.MembershipStatus = "suspended"
	}
	if v.Managed {
		u.ClaimStatus = "managed"
	}
	if v.Synced() {
		u.ManagementSource = ptr("synced")
	}
	if contains(expand, "productAccess") {
		u.ProductAccess = []v2ProductAccess{}
		for _, p := range v.Products {
			pa := v2ProductAccess{Key: wireProductKey(p.Key), ID: p.ResourceID}
			if !p.LastActive.IsZero() {
				pa.LastActiveTimestamp = atlassianTime(p.LastActive)
			}
			u.ProductAccess = append(u.ProductAccess, pa)
		}
	}
	if contains(expand, "groups") {
		u.Groups = []map[string]any{}
		for _, g := range v.Groups {
			u.Groups = append(u.Groups, map[string]any{"id": g.ID, "name": g.Name})
		}
	}
	return u
}

// v2Users is the users list (GET, deprecated by Atlassian) and search
// (POST) of a directory, "-" meaning every directory.
func (s *Server) v2Users(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	var f v2UserFilter
	offset, limit, err := s.v2Search(w, r, "users", &f, func(q url.Values) {
		f = v2UserFilter{AccountIDs: queryList(q, "accountIds"), EmailDomains: queryList(q, "emailDomains"),
			Status: queryList(q, "status"), AccountStatus: queryList(q, "accountStatus"),
			MembershipStatus: queryList(q, "membershipStatus"), ClaimStatus: q.Get("claimStatus"),
			GroupIDs: queryList(q, "groupIds"), ResourceIDs: queryList(q, "resourceIds"), SearchTerm: q.Get("searchTerm"),
			Expand: queryList(q, "expand")}
	})
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	mf, err := f.model()
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	accts, err := s.Model.DirectoryAccounts(v["orgId"], v["directoryId"], mf)
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	start, end, links := v2Page("users", f, len(accts), offset, limit)
	data := make([]v2UserWire, 0, end-start)
	for _, a := range accts[start:end] {
		data = append(data, v2User(a, f.Expand))
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": data, "links": links})
}

func (s *Server) v2User(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	a, err := s.Model.DirectoryAccount(v["orgId"], v["directoryId"], v["accountId"])
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": v2User(a, queryList(r.URL.Query(), "expand"))})
}

// v2Written answers a v2 write call as configured: 204, or 200 with a
// message (ATL-DIRECTORY-2).
func (s *Server) v2Written(w http.ResponseWriter, r *http.Request, message string) {
	if s.orgAPI.V2WriteStatus == V2WriteMessage {
		writeJSON(w, r, http.StatusOK, map[string]string{"message": message})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) v2Suspend(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	suspend := strings.HasSuffix(r.URL.Path, "/suspend")
	if err := s.Model.SuspendInDirectory(v["orgId"], v["directoryId"], v["accountId"], suspend, actorOf(r)); err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	verb := "restored"
	if suspend {
		verb = "suspended"
	}
	s.v2Written(w, r, fmt.Sprintf("Access to organization %s was %s for user %s", v["orgId"], verb, v["accountId"]))
}

func (s *Server) v2RemoveUser(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	if err := s.Model.RemoveFromDirectoryV2(v["orgId"], v["directoryId"], v["accountId"], actorOf(r)); err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	s.v2Written(w, r, fmt.Sprintf("User %s was removed from directory %s", v["accountId"], v["directoryId"]))
}

type v2GroupFilter struct {
	GroupIDs    []string `json:"groupIds,omitempty"`
	GroupNames  []string `json:"groupNames,omitempty"`
	AccountIDs  []string `json:"accountIds,omitempty"`
	ResourceIDs []string `json:"resourceIds,omitempty"`
	SearchTerm  string   `json:"searchTerm,omitempty"`
}

type v2GroupWire struct {
	ID               string          `json:"id"`
	Name             string          `json:"name"`
	Description      string          `json:"description"`
	DirectoryID      *string         `json:"directoryId"`
	ManagementAccess map[string]bool `json:"managementAccess"`
	ExternalSynced   bool            `json:"externalSynced"`
	ManagedBy        string          `json:"managedBy"`
	Counts           map[string]int  `json:"counts"`
	Links            selfLink        `json:"links"`
}

func v2Group(g GroupAdminView) v2GroupWire {
	out := v2GroupWire{ID: g.ID, Name: g.Name, ExternalSynced: g.Synced, ManagedBy: "admins",
		// A synced group is read-only in Atlassian: its identity provider
		// owns its name and members.
		ManagementAccess: map[string]bool{"readable": true, "modifiable": !g.Synced, "deletable": !g.Synced && !g.Default},
		Counts:           map[string]int{"users": g.Users, "resources": len(g.Resources)}, Links: selfLink{g.ID}}
	if g.Synced {
		out.ManagedBy = "external"
	}
	if g.DirectoryID != "" {
		out.DirectoryID = ptr(g.DirectoryID)
	}
	return out
}

func (s *Server) v2Groups(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	var f v2GroupFilter
	offset, limit, err := s.v2Search(w, r, "groups", &f, func(q url.Values) {
		f = v2GroupFilter{GroupIDs: queryList(q, "groupIds"), AccountIDs: queryList(q, "accountIds"),
			ResourceIDs: queryList(q, "resourceIds"), SearchTerm: q.Get("searchTerm")}
	})
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	groups, err := s.Model.DirectoryGroups(v["orgId"], v["directoryId"], GroupFilter(f))
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	start, end, links := v2Page("groups", f, len(groups), offset, limit)
	data := make([]v2GroupWire, 0, end-start)
	for _, g := range groups[start:end] {
		data = append(data, v2Group(g))
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": data, "links": links})
}

func (s *Server) v2Group(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	g, err := s.Model.DirectoryGroup(v["orgId"], v["directoryId"], v["groupId"])
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": v2Group(g)})
}

func (s *Server) v2GroupRoles(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	roles, err := s.Model.GroupRoleAssignments(v["orgId"], v["directoryId"], v["groupId"])
	if err != nil {
		s.orgAPIError(w, r, styleUAM, err)
		return
	}
	type roleWire struct {
		ResourceID    string   `json:"resourceId"`
		ResourceOwner string   `json:"resourceOwner"`
		Roles         []string `json:"roles"`
	}
	data := make([]roleWire, 0, len(roles))
	for _, ra := range roles {
		data = append(data, roleWire{ResourceID: ra.ResourceID, ResourceOwner: wireProductKey(ra.ResourceOwner), Roles: ra.Roles})
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": data, "links": map[string]*string{"self": nil, "prev": nil, "next": nil}})
}

// v2AssignRole grants or revokes a role on a workspace to a group: with
// atlassian/user, product access, as guide Step 6 does in the console.
func (s *Server) v2AssignRole(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	var in struct {
		ResourceID string `json:"resourceId"`
		RoleID     string `json:"roleId"`
	}
	if err := s.decodeAdmin(w, r, &in, false); err != nil {
		s.orgAPIError(w, r, styleUAM, err)
		return
	}
	grant := strings.HasSuffix(r.URL.Path, "/assign")
	if err := s.Model.AssignGroupRole(v["orgId"], v["directoryId"], v["groupId"], in.ResourceID, in.RoleID, grant, actorOf(r)); err != nil {
		s.orgAPIError(w, r, styleUAM, err)
		return
	}
	verb := "revoked from"
	if grant {
		verb = "assigned to"
	}
	s.v2Written(w, r, fmt.Sprintf("Role %s on %s was %s group %s", in.RoleID, in.ResourceID, verb, v["groupId"]))
}

// workspaceSearch is the workspaces search body: a cursor alone, or a
// limit, sort and a query of and-ed conditions.
type workspaceSearch struct {
	Cursor string `json:"cursor,omitempty"`
	Limit  int    `json:"limit,omitempty"`
	Sort   []struct {
		Field string `json:"field"`
		Order string `json:"order"`
	} `json:"sort,omitempty"`
	Query *struct {
		And []struct {
			Field *struct {
				Name   string   `json:"name"`
				Values []string `json:"values"`
			} `json:"field,omitempty"`
			SearchWorkspaces *string `json:"searchWorkspaces,omitempty"`
		} `json:"and"`
	} `json:"query,omitempty"`
}

func (ws workspaceSearch) match(w WorkspaceView) bool {
	if ws.Query == nil {
		return true
	}
	for _, c := range ws.Query.And {
		if c.SearchWorkspaces != nil {
			t := strings.ToLower(*c.SearchWorkspaces)
			if !strings.Contains(strings.ToLower(w.SiteName), t) && !strings.Contains(strings.ToLower(w.Name), t) {
				return false
			}
		}
		if c.Field != nil {
			var have string
			switch c.Field.Name {
			case "attributes.type":
				have = w.Family
			case "attributes.typeKey":
				have = wireProductKey(w.Key)
			case "id":
				have = w.ID
			case "attributes.hostUrl":
				have = w.SiteName
			}
			if !contains(c.Field.Values, have) {
				return false
			}
		}
	}
	return true
}

// v2Workspaces is the workspaces search: every product on every site, by
// the ids role assignments take. Its 4xx body is a single error object.
func (s *Server) v2Workspaces(w http.ResponseWriter, r *http.Request) {
	org := mux.Vars(r)["orgId"]
	var in workspaceSearch
	if err := s.decodeAdmin(w, r, &in, true); err != nil {
		s.orgAPIError(w, r, styleWorkspace, err)
		return
	}
	offset := 0
	if in.Cursor != "" {
		if in.Limit != 0 || in.Query != nil || len(in.Sort) > 0 {
			s.orgAPIError(w, r, styleWorkspace, invalidOf(resResource, "With a cursor, the body may hold no other property"))
			return
		}
		c, err := decodeCursor(in.Cursor, "workspaces")
		if err != nil {
			s.orgAPIError(w, r, styleWorkspace, invalidOf(resResource, "%s", err.Error()))
			return
		}
		var prev workspaceSearch
		if err := json.Unmarshal(c.Filter, &prev); err != nil {
			s.orgAPIError(w, r, styleWorkspace, invalidOf(resResource, "Invalid cursor"))
			return
		}
		in, offset = prev, c.Offset
	}
	if in.Limit == 0 {
		in.Limit = 20
	}
	if in.Limit < 1 || in.Limit > 1000 {
		s.orgAPIError(w, r, styleWorkspace, invalidOf(resResource, "limit must be between 1 and 1000"))
		return
	}
	all, err := s.Model.Workspaces(org)
	if err != nil {
		s.orgAPIError(w, r, styleWorkspace, err)
		return
	}
	var found []WorkspaceView
	for _, ws := range all {
		if in.match(ws) {
			found = append(found, ws)
		}
	}
	if err := sortWorkspaces(found, in); err != nil {
		s.orgAPIError(w, r, styleWorkspace, err)
		return
	}
	start, end := pageBounds(len(found), offset, in.Limit)
	f, _ := json.Marshal(in)
	token := func(off int) string { return encodeCursor(cursor{Kind: "workspaces", Offset: off, Filter: f}) }
	links := map[string]string{"self": token(offset)}
	if end < len(found) {
		links["next"] = token(end)
	}
	if offset > 0 {
		links["prev"] = token(max(offset-in.Limit, 0))
	}
	data := make([]map[string]any, 0, end-start)
	for _, ws := range found[start:end] {
		data = append(data, map[string]any{"id": ws.ID, "type": "workspaces", "links": selfLink{"https://" + ws.SiteName},
			"relationships": map[string]any{},
			"attributes": map[string]any{"name": strings.SplitN(ws.SiteName, ".", 2)[0], "typeKey": wireProductKey(ws.Key),
				"type": ws.Family, "owner": org, "status": "online", "statusDetails": []string{}, "icons": map[string]any{},
				"avatars": map[string]any{}, "labels": []string{}, "sandbox": map[string]string{"type": "NONE"},
				"usage": ws.Usage, "capacity": nil, "hostUrl": ws.SiteName, "realm": "us", "regions": []string{"us-east-1"}}})
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": data, "links": links,
		"meta": map[string]int{"pageSize": in.Limit, "startIndex": start, "endIndex": end, "total": len(found)}})
}

// sortWorkspaces applies the search's sort: by name, host, type or type
// key, ascending or descending; creation order otherwise.
func sortWorkspaces(ws []WorkspaceView, in workspaceSearch) error {
	for i := len(in.Sort) - 1; i >= 0; i-- {
		crit := in.Sort[i]
		var key func(w WorkspaceView) string
		switch crit.Field {
		case "attributes.name", "attributes.hostUrl":
			key = func(w WorkspaceView) string { return w.SiteName }
		case "attributes.type":
			key = func(w WorkspaceView) string { return w.Family }
		case "attributes.typeKey":
			key = func(w WorkspaceView) string { return wireProductKey(w.Key) }
		default:
			return invalidOf(resResource, "cannot sort by %q: want attributes.name, attributes.hostUrl, attributes.type or attributes.typeKey", crit.Field)
		}
		desc := strings.EqualFold(crit.Order, "desc")
		if !desc && crit.Order != "" && !strings.EqualFold(crit.Order, "asc") {
			return invalidOf(resResource, "sort order must be asc or desc, got %q", crit.Order)
		}
		sort.SliceStable(ws, func(a, b int) bool {
			if desc {
				return key(ws[a]) > key(ws[b])
			}
			return key(ws[a]) < key(ws[b])
		})
	}
	return nil
}
