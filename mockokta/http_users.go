package mockokta

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
)

// HTTP adapters for the Users API (users.go has the behaviour).

// Page sizes (OAPI-PAGE-2).
const (
	usersPageDefault      = 200 // GET /users
	usersPageDefaultQ     = 10  // GET /users?q=…
	usersPageMax          = 200
	userGroupsPageDefault = 20 // GET /users/{id}/groups (queryLimit)
	userGroupsPageMax     = 200
)

func (s *Server) userRoutes(r *mux.Router) {
	r.HandleFunc("/users", s.apiListUsers).Methods(http.MethodGet)
	r.HandleFunc("/users", s.apiCreateUser).Methods(http.MethodPost)
	r.HandleFunc("/users/{userId}", s.apiGetUser).Methods(http.MethodGet)
	r.HandleFunc("/users/{userId}", s.apiUpdateUser(false)).Methods(http.MethodPost)
	r.HandleFunc("/users/{userId}", s.apiUpdateUser(true)).Methods(http.MethodPut)
	r.HandleFunc("/users/{userId}", s.apiDeleteUser).Methods(http.MethodDelete)
	r.HandleFunc("/users/{userId}/groups", s.apiListUserGroups).Methods(http.MethodGet)
	r.HandleFunc("/users/{userId}/credentials/change_password", s.apiChangePassword).Methods(http.MethodPost)
	lc := "/users/{userId}/lifecycle/"
	r.HandleFunc(lc+"activate", s.apiActivateUser(false)).Methods(http.MethodPost)
	r.HandleFunc(lc+"reactivate", s.apiActivateUser(true)).Methods(http.MethodPost)
	r.HandleFunc(lc+"deactivate", s.apiUserLifecycle(s.Model.DeactivateUser)).Methods(http.MethodPost)
	r.HandleFunc(lc+"suspend", s.apiUserLifecycle(s.Model.SuspendUser)).Methods(http.MethodPost)
	r.HandleFunc(lc+"unsuspend", s.apiUserLifecycle(s.Model.UnsuspendUser)).Methods(http.MethodPost)
	r.HandleFunc(lc+"unlock", s.apiUserLifecycle(s.Model.UnlockUser)).Methods(http.MethodPost)
	r.HandleFunc(lc+"expire_password", s.apiExpirePassword).Methods(http.MethodPost)
	r.HandleFunc(lc+"reset_password", s.apiResetPassword).Methods(http.MethodPost)
}

// queryBool reads a boolean query parameter ("true"/"false", any case).
func queryBool(r *http.Request, name string, def bool) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(strings.ToLower(v))
	if err != nil {
		return def, errValidation(name + ": must be true or false")
	}
	return b, nil
}

type createUserBody struct {
	Profile     map[string]any        `json:"profile"`
	Credentials *UserCredentialsInput `json:"credentials"`
	GroupIDs    []string              `json:"groupIds"`
	Type        *struct {
		ID string `json:"id"`
	} `json:"type"`
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	activate, err := queryBool(r, "activate", true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	provider, err := queryBool(r, "provider", false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var body createUserBody
	if err := s.decode(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	in := CreateUserInput{Profile: body.Profile, Credentials: body.Credentials, GroupIDs: body.GroupIDs,
		Activate: activate, Provider: provider, NextLogin: r.URL.Query().Get("nextLogin")}
	if body.Type != nil {
		in.TypeID = body.Type.ID
	}
	u, err := s.Model.CreateUser(orgOf(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userJSON(baseURL(r), u))
}

func (s *Server) apiGetUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.Model.GetUser(orgOf(r), vars(r)["userId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userJSON(baseURL(r), u))
}

func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request) {
	qv := r.URL.Query()
	q := UserQuery{Q: qv.Get("q"), Filter: qv.Get("filter"), Search: qv.Get("search"),
		SortBy: qv.Get("sortBy"), SortOrder: qv.Get("sortOrder")}
	def := usersPageDefault
	if q.Q != "" {
		def = usersPageDefaultQ
	}
	p, err := pageParams(r, def, usersPageMax)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o := orgOf(r)
	ids, err := s.Model.ListUserIDs(o, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeUsers(w, r, s.Model.UsersByID(o, paginate(w, r, ids, p)))
}

func (s *Server) writeUsers(w http.ResponseWriter, r *http.Request, users []*User) {
	base := baseURL(r)
	out := make([]any, 0, len(users))
	for _, u := range users {
		out = append(out, userJSON(base, u))
	}
	writeJSON(w, http.StatusOK, out)
}

type updateUserBody struct {
	Profile     map[string]any        `json:"profile"`
	Credentials *UserCredentialsInput `json:"credentials"`
}

// apiUpdateUser is POST (partial) or PUT (replace) /users/{id}. A PUT body
// is usually a whole User as fetched; only profile and credentials count.
func (s *Server) apiUpdateUser(replace bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body updateUserBody
		if err := s.decode(w, r, &body); err != nil {
			s.writeError(w, r, err)
			return
		}
		in := UpdateUserInput{Profile: body.Profile, Credentials: body.Credentials}
		update := s.Model.UpdateUser
		if replace {
			update = s.Model.ReplaceUser
		}
		u, err := update(orgOf(r), vars(r)["userId"], in)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, userJSON(baseURL(r), u))
	}
}

func (s *Server) apiDeleteUser(w http.ResponseWriter, r *http.Request) {
	if _, err := s.Model.DeleteUser(orgOf(r), vars(r)["userId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiActivateUser is activate or reactivate: {} with sendEmail (activate's
// default), the activation link and token without.
func (s *Server) apiActivateUser(reactivate bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sendEmail, err := queryBool(r, "sendEmail", !reactivate)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		run := s.Model.ActivateUser
		if reactivate {
			run = s.Model.ReactivateUser
		}
		token, err := run(orgOf(r), vars(r)["userId"])
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if sendEmail {
			writeJSON(w, http.StatusOK, struct{}{})
			return
		}
		writeJSON(w, http.StatusOK, activationView{ActivationToken: token, ActivationURL: baseURL(r) + "/welcome/" + token})
	}
}

// apiUserLifecycle runs a lifecycle operation that answers {}.
func (s *Server) apiUserLifecycle(op func(*Org, string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := op(orgOf(r), vars(r)["userId"]); err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, struct{}{})
	}
}

func (s *Server) apiExpirePassword(w http.ResponseWriter, r *http.Request) {
	u, err := s.Model.ExpirePassword(orgOf(r), vars(r)["userId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userJSON(baseURL(r), u))
}

// resetPasswordView is Okta's ResetPasswordToken.
type resetPasswordView struct {
	ResetPasswordURL string `json:"resetPasswordUrl"`
}

// apiResetPassword is POST …/lifecycle/reset_password (OAPI-USER-4):
// {} with sendEmail (the default), the one-time link without; the link is
// the reset page on the org's public URL. revokeSessions=true ends the
// person's sign-in sessions.
func (s *Server) apiResetPassword(w http.ResponseWriter, r *http.Request) {
	sendEmail, err := queryBool(r, "sendEmail", true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	revoke, err := queryBool(r, "revokeSessions", false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o := orgOf(r)
	userID, token, err := s.Model.ResetPassword(o, vars(r)["userId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if revoke {
		s.signin.sessions.EndWhere(func(ss signinSession) bool { return ss.OrgID == o.ID && ss.UserID == userID })
	}
	if sendEmail {
		writeJSON(w, http.StatusOK, struct{}{})
		return
	}
	writeJSON(w, http.StatusOK, resetPasswordView{ResetPasswordURL: s.orgURL(r) + resetPagePath + token})
}

// changePasswordBody is ChangePasswordRequest; revokeSessions is accepted
// and has nothing to revoke.
type changePasswordBody struct {
	OldPassword    *PasswordInput `json:"oldPassword"`
	NewPassword    *PasswordInput `json:"newPassword"`
	RevokeSessions bool           `json:"revokeSessions"`
}

func (s *Server) apiChangePassword(w http.ResponseWriter, r *http.Request) {
	var body changePasswordBody
	if err := s.decode(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	value := func(p *PasswordInput) string {
		if p == nil || p.Value == nil {
			return ""
		}
		return *p.Value
	}
	u, err := s.Model.ChangePassword(orgOf(r), vars(r)["userId"], value(body.OldPassword), value(body.NewPassword))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userCredentials(u))
}

func (s *Server) apiListUserGroups(w http.ResponseWriter, r *http.Request) {
	p, err := pageParams(r, userGroupsPageDefault, userGroupsPageMax)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	groups, err := s.Model.UserGroups(orgOf(r), vars(r)["userId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	byID := make(map[string]*Group, len(groups))
	ids := make([]string, len(groups))
	for i, g := range groups {
		ids[i], byID[g.ID] = g.ID, g
	}
	base := baseURL(r)
	out := []any{}
	for _, id := range paginate(w, r, ids, p) {
		out = append(out, groupJSON(base, byID[id]))
	}
	writeJSON(w, http.StatusOK, out)
}
