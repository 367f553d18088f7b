package mockatlassian

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gorilla/mux"
)

// The User management REST API (/users/{accountId}/manage…): what the
// organization may do to a managed account, its profile, lifecycle and API
// tokens. Its errors are {"key": …} bodies (ATL-MANAGE-1, ATL-MANAGE-2).

func (s *Server) userManagementRoutes(r *mux.Router) {
	r.HandleFunc("", s.umPermissions).Methods(http.MethodGet)
	r.HandleFunc("/profile", s.umProfile).Methods(http.MethodGet)
	r.HandleFunc("/profile", s.umUpdateProfile).Methods(http.MethodPatch)
	r.HandleFunc("/lifecycle/disable", s.umLifecycle).Methods(http.MethodPost)
	r.HandleFunc("/lifecycle/enable", s.umLifecycle).Methods(http.MethodPost)
	r.HandleFunc("/api-tokens", s.umTokens).Methods(http.MethodGet)
	r.HandleFunc("/api-tokens/{tokenId}", s.umRevokeToken).Methods(http.MethodDelete)
}

// userMgmtError answers in the user management API's key format.
func (s *Server) userMgmtError(w http.ResponseWriter, r *http.Request, e *AdminError) {
	reason := func(key string) map[string]any {
		return map[string]any{"allowed": false, "reason": map[string]string{"key": key}}
	}
	switch e.Kind {
	case AdminInvalid:
		if e.Resource == "method" {
			writeJSON(w, r, http.StatusMethodNotAllowed, map[string]string{"key": "methodNotAllowed"})
			return
		}
		if len(e.Fields) == 0 {
			writeJSON(w, r, http.StatusBadRequest, map[string]any{"key": "bodyParseFailure", "context": map[string]string{"message": e.Detail}})
			return
		}
		var fv []map[string]any
		for _, f := range e.Fields {
			var vs []map[string]string
			for _, v := range f.Violations {
				vs = append(vs, map[string]string{"key": v})
			}
			fv = append(fv, map[string]any{"field": f.Field, "violations": vs})
		}
		writeJSON(w, r, http.StatusBadRequest, map[string]any{"key": "fieldConstraintsViolated", "context": map[string]any{"fieldViolations": fv}})
	case AdminForbidden:
		switch {
		case e.Reason == "targetUnverified":
			writeJSON(w, r, http.StatusForbidden, map[string]string{"key": "forbidden.targetUnverified"})
		case len(e.Fields) > 0:
			ctx := map[string]any{}
			for _, f := range e.Fields {
				ctx[f.Field] = reason(e.Reason)
			}
			writeJSON(w, r, http.StatusForbidden, map[string]any{"key": "forbidden.fieldMutation", "context": ctx})
		case e.Reason != "":
			writeJSON(w, r, http.StatusForbidden, map[string]any{"key": "forbidden.action", "context": reason(e.Reason)})
		default:
			writeJSON(w, r, http.StatusForbidden, map[string]string{"key": "forbidden"})
		}
	case AdminNotFound:
		key := "notFound"
		if e.Resource == resUser {
			key = "accountNotFound"
		}
		writeJSON(w, r, http.StatusNotFound, map[string]string{"key": key})
	case AdminConflict:
		writeJSON(w, r, http.StatusConflict, map[string]any{"key": "conflict", "context": map[string]string{"message": e.Detail}})
	default:
		writeJSON(w, r, http.StatusInternalServerError, map[string]string{"key": "internalServerError"})
	}
}

// privileges are the names GET …/manage answers for; "profile" is the
// deprecated name of profile.write.
var privileges = []string{"profile", "profile.write", "profile.read", "email.set", "lifecycle.enablement",
	"lifecycle.delete", "apiToken.read", "apiToken.delete"}

func (s *Server) umPermissions(w http.ResponseWriter, r *http.Request) {
	want := queryList(r.URL.Query(), "privileges")
	for _, p := range want {
		if !contains(privileges, p) {
			s.userMgmtError(w, r, invalidOf(resBody, "unknown privilege %q: want one of %s", p, strings.Join(privileges, ", ")))
			return
		}
	}
	if len(want) == 0 {
		want = privileges[1:]
	}
	simple, fields, err := s.Model.AccountPermissions(callerOf(r).OrgID, mux.Vars(r)["accountId"])
	if err != nil {
		s.orgAPIError(w, r, styleUserMgmt, err)
		return
	}
	rule := func(p Permission) map[string]any {
		if p.Allowed {
			return map[string]any{"allowed": true}
		}
		return map[string]any{"allowed": false, "reason": map[string]string{"key": p.Reason}}
	}
	out := map[string]any{}
	for _, p := range want {
		if p == "profile" || p == "profile.write" {
			m := map[string]any{}
			for f, perm := range fields {
				m[f] = rule(perm)
			}
			out[p] = m
			continue
		}
		out[p] = rule(simple[p])
	}
	writeJSON(w, r, http.StatusOK, out)
}

type profileWire struct {
	AccountID       string            `json:"account_id"`
	AccountType     string            `json:"account_type"`
	AccountStatus   string            `json:"account_status"`
	Name            string            `json:"name"`
	Nickname        string            `json:"nickname"`
	Picture         string            `json:"picture"`
	Email           string            `json:"email"`
	EmailVerified   bool              `json:"email_verified"`
	ZoneInfo        string            `json:"zoneinfo,omitempty"`
	Locale          string            `json:"locale,omitempty"`
	Characteristics map[string]bool   `json:"characteristics"`
	ExtendedProfile map[string]string `json:"extended_profile"`
}

func profileOfView(v AccountAdminView) map[string]profileWire {
	nick := v.Nickname
	if nick == "" {
		nick = v.Name
	}
	ext := map[string]string{}
	for k, val := range map[string]string{"job_title": v.Title, "department": v.Department, "organization": v.Organization} {
		if val != "" {
			ext[k] = val
		}
	}
	return map[string]profileWire{"account": {AccountID: v.ID, AccountType: "atlassian", AccountStatus: accountStatus(v),
		Name: v.Name, Nickname: nick, Picture: pictureURL(v.Email, v.Name), Email: v.Email, EmailVerified: v.Managed,
		ZoneInfo: v.Timezone, Locale: v.Locale, Characteristics: map[string]bool{"not_mentionable": false}, ExtendedProfile: ext}}
}

func (s *Server) umProfile(w http.ResponseWriter, r *http.Request) {
	v, err := s.Model.ManagedProfile(callerOf(r).OrgID, mux.Vars(r)["accountId"])
	if err != nil {
		s.orgAPIError(w, r, styleUserMgmt, err)
		return
	}
	writeJSON(w, r, http.StatusOK, profileOfView(v))
}

// umUpdateProfile is PATCH …/manage/profile: any subset of the mutable
// fields, strings only.
func (s *Server) umUpdateProfile(w http.ResponseWriter, r *http.Request) {
	raw, err := s.readBody(w, r)
	if err != nil {
		s.orgAPIError(w, r, styleUserMgmt, invalidOf(resBody, "%s", asAdminError(err).Detail))
		return
	}
	var in struct {
		Name     *string `json:"name"`
		Nickname *string `json:"nickname"`
		ZoneInfo *string `json:"zoneinfo"`
		Locale   *string `json:"locale"`
		Extended *struct {
			JobTitle     *string `json:"job_title"`
			Department   *string `json:"department"`
			Organization *string `json:"organization"`
		} `json:"extended_profile"`
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		s.orgAPIError(w, r, styleUserMgmt, invalidOf(resBody, "The body is not a profile change: %v "+
			"(mutable fields: name, nickname, zoneinfo, locale, extended_profile.job_title, .department, .organization)", err))
		return
	}
	p := ProfilePatch{Name: in.Name, Nickname: in.Nickname, Timezone: in.ZoneInfo, Locale: in.Locale}
	if in.Extended != nil {
		p.Title, p.Department, p.Organization = in.Extended.JobTitle, in.Extended.Department, in.Extended.Organization
	}
	v, err := s.Model.UpdateProfile(callerOf(r).OrgID, mux.Vars(r)["accountId"], p, actorOf(r))
	if err != nil {
		s.orgAPIError(w, r, styleUserMgmt, err)
		return
	}
	writeJSON(w, r, http.StatusOK, profileOfView(v))
}

// umLifecycle is …/lifecycle/disable (an optional {"message"}) and
// …/lifecycle/enable: 204.
func (s *Server) umLifecycle(w http.ResponseWriter, r *http.Request) {
	enable := strings.HasSuffix(r.URL.Path, "/enable")
	if !enable {
		var in struct {
			Message string `json:"message"`
		}
		if err := s.decodeAdmin(w, r, &in, true); err != nil {
			s.orgAPIError(w, r, styleUserMgmt, err)
			return
		}
	}
	if err := s.Model.SetAccountEnabled(callerOf(r).OrgID, mux.Vars(r)["accountId"], enable, actorOf(r)); err != nil {
		s.orgAPIError(w, r, styleUserMgmt, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) umTokens(w http.ResponseWriter, r *http.Request) {
	out, err := s.Model.AccountAPITokens(callerOf(r).OrgID, mux.Vars(r)["accountId"])
	if err != nil {
		s.orgAPIError(w, r, styleUserMgmt, err)
		return
	}
	writeJSON(w, r, http.StatusOK, out)
}

func (s *Server) umRevokeToken(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	if err := s.Model.RevokeAccountAPIToken(callerOf(r).OrgID, v["accountId"], v["tokenId"]); err != nil {
		s.orgAPIError(w, r, styleUserMgmt, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
