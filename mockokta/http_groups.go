package mockokta

import (
	"net/http"

	"github.com/gorilla/mux"
)

// HTTP adapters for the Groups API (groups.go has the behaviour).

// Page sizes (the SDK's OpenAPI file: listGroups limit default 10000,
// listGroupUsers default 1000).
const (
	groupsPageDefault       = 10000
	groupsPageMax           = 10000
	groupMembersPageDefault = 1000
	groupMembersPageMax     = 1000
)

func (s *Server) groupRoutes(r *mux.Router) {
	r.HandleFunc("/groups", s.apiListGroups).Methods(http.MethodGet)
	r.HandleFunc("/groups", s.apiCreateGroup).Methods(http.MethodPost)
	r.HandleFunc("/groups/{groupId}", s.apiGetGroup).Methods(http.MethodGet)
	r.HandleFunc("/groups/{groupId}", s.apiReplaceGroup).Methods(http.MethodPut)
	r.HandleFunc("/groups/{groupId}", s.apiDeleteGroup).Methods(http.MethodDelete)
	r.HandleFunc("/groups/{groupId}/users", s.apiListGroupMembers).Methods(http.MethodGet)
	r.HandleFunc("/groups/{groupId}/apps", s.apiListGroupApps).Methods(http.MethodGet)
	r.HandleFunc("/groups/{groupId}/users/{userId}", s.apiGroupMembership(true)).Methods(http.MethodPut)
	r.HandleFunc("/groups/{groupId}/users/{userId}", s.apiGroupMembership(false)).Methods(http.MethodDelete)
}

// groupBody is a Group as the SDK sends it; only the profile counts.
type groupBody struct {
	Profile *GroupProfileInput `json:"profile"`
}

func (b groupBody) profile() GroupProfileInput {
	if b.Profile == nil {
		return GroupProfileInput{}
	}
	return *b.Profile
}

func (s *Server) apiCreateGroup(w http.ResponseWriter, r *http.Request) {
	var body groupBody
	if err := s.decode(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	g, err := s.Model.CreateGroup(orgOf(r), body.profile())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, groupJSON(baseURL(r), g))
}

func (s *Server) apiGetGroup(w http.ResponseWriter, r *http.Request) {
	g, err := s.Model.GetGroup(orgOf(r), vars(r)["groupId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, groupJSON(baseURL(r), g))
}

func (s *Server) apiListGroups(w http.ResponseWriter, r *http.Request) {
	qv := r.URL.Query()
	p, err := pageParams(r, groupsPageDefault, groupsPageMax)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o := orgOf(r)
	ids, err := s.Model.ListGroupIDs(o, GroupQuery{Q: qv.Get("q"), Filter: qv.Get("filter"), Search: qv.Get("search")})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	base := baseURL(r)
	out := []any{}
	for _, g := range s.Model.GroupsByID(o, paginate(w, r, ids, p)) {
		out = append(out, groupJSON(base, g))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiReplaceGroup(w http.ResponseWriter, r *http.Request) {
	var body groupBody
	if err := s.decode(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	g, err := s.Model.ReplaceGroup(orgOf(r), vars(r)["groupId"], body.profile())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, groupJSON(baseURL(r), g))
}

func (s *Server) apiDeleteGroup(w http.ResponseWriter, r *http.Request) {
	if err := s.Model.DeleteGroup(orgOf(r), vars(r)["groupId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiListGroupMembers answers GroupMember objects: users in User's shape.
func (s *Server) apiListGroupMembers(w http.ResponseWriter, r *http.Request) {
	p, err := pageParams(r, groupMembersPageDefault, groupMembersPageMax)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o := orgOf(r)
	ids, err := s.Model.GroupMemberIDs(o, vars(r)["groupId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeUsers(w, r, s.Model.UsersByID(o, paginate(w, r, ids, p)))
}

// apiGroupMembership is PUT (add) or DELETE (remove) of a member: 204,
// also when nothing changed.
func (s *Server) apiGroupMembership(add bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := vars(r)
		change := s.Model.RemoveGroupMember
		if add {
			change = s.Model.AddGroupMember
		}
		if err := change(orgOf(r), v["groupId"], v["userId"]); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// apiListGroupApps is GET /groups/{id}/apps, where a group's _links.apps
// points: the apps the group is assigned to (Okta's
// listAssignedApplicationsForGroup; limit default 20, max 200; OAPI-LINKS-1).
func (s *Server) apiListGroupApps(w http.ResponseWriter, r *http.Request) {
	p, err := pageParams(r, 20, 200)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	apps, err := s.Model.AppsOfGroup(orgOf(r), vars(r)["groupId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	byID := make(map[string]*App, len(apps))
	ids := make([]string, len(apps))
	for i, a := range apps {
		ids[i], byID[a.ID] = a.ID, a
	}
	out := []any{}
	for _, id := range paginate(w, r, ids, p) {
		out = append(out, s.withAccessPolicy(r, appJSON(baseURL(r), byID[id])))
	}
	writeJSON(w, http.StatusOK, out)
}
