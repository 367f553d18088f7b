package mockokta

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
)

// appRoutes are the /api/v1/apps endpoints (OAPI-APP-1):
// apps, app users, app groups, features, the provisioning connection and
// group push mappings.
func (s *Server) appRoutes(r *mux.Router) {
	r.HandleFunc("/apps", s.listApps).Methods(http.MethodGet)
	r.HandleFunc("/apps", s.createApp).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}", s.getApp).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}", s.updateApp).Methods(http.MethodPut)
	r.HandleFunc("/apps/{appId}", s.deleteApp).Methods(http.MethodDelete)
	r.HandleFunc("/apps/{appId}/lifecycle/activate", s.appLifecycle(true)).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/lifecycle/deactivate", s.appLifecycle(false)).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/users", s.listAppUsers).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/users", s.assignUser).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/users/{userId}", s.getAppUser).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/users/{userId}", s.updateAppUser).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/users/{userId}", s.unassignUser).Methods(http.MethodDelete)
	r.HandleFunc("/apps/{appId}/groups", s.listAppGroups).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/groups/{groupId}", s.getAppGroup).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/groups/{groupId}", s.assignGroup).Methods(http.MethodPut)
	r.HandleFunc("/apps/{appId}/groups/{groupId}", s.patchGroupAssignment).Methods(http.MethodPatch)
	r.HandleFunc("/apps/{appId}/groups/{groupId}", s.unassignGroup).Methods(http.MethodDelete)
	r.HandleFunc("/apps/{appId}/features", s.listFeatures).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/features/{feature}", s.getFeature).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/features/{feature}", s.updateFeature).Methods(http.MethodPut)
	r.HandleFunc("/apps/{appId}/connections/default", s.getConnection).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/connections/default", s.saveConnection).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/connections/default/lifecycle/activate", s.connectionLifecycle(true)).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/connections/default/lifecycle/deactivate", s.connectionLifecycle(false)).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/group-push/mappings", s.listPushMappings).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/group-push/mappings", s.createPushMapping).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/group-push/mappings/{mappingId}", s.getPushMapping).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/group-push/mappings/{mappingId}", s.updatePushMapping).Methods(http.MethodPatch)
	r.HandleFunc("/apps/{appId}/group-push/mappings/{mappingId}", s.deletePushMapping).Methods(http.MethodDelete)
}

// JSON views. They are built under the org lock and hold copies.

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func tsp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

func appJSON(base string, a *App) map[string]any {
	status := "DISABLED"
	if a.Connection.configured() {
		status = "ENABLED"
	}
	features := []string{}
	if a.Connection.configured() {
		if a.ToApp.CreateUsers {
			features = append(features, "PUSH_NEW_USERS")
		}
		if a.ToApp.UpdateUsers {
			features = append(features, "PUSH_PROFILE_UPDATES")
		}
		if a.ToApp.DeactivateUsers {
			features = append(features, "PUSH_USER_DEACTIVATION", "REACTIVATE_USERS")
		}
		if a.ToApp.SyncPassword {
			features = append(features, "PUSH_PASSWORD_UPDATES")
		}
		features = append(features, "GROUP_PUSH", "IMPORT_NEW_USERS")
	}
	return map[string]any{
		"id": a.ID, "name": a.Name, "label": a.Label, "status": a.Status, "signOnMode": a.SignOnMode,
		"created": ts(a.Created), "lastUpdated": ts(a.LastUpdated),
		"accessibility": map[string]any{"selfService": false, "errorRedirectUrl": nil, "loginRedirectUrl": nil},
		"visibility":    map[string]any{"autoSubmitToolbar": false, "hide": map[string]bool{"iOS": false, "web": false}},
		"features":      features,
		"credentials": map[string]any{
			"userNameTemplate": map[string]any{"template": a.UserName.Template, "type": a.UserName.Type, "pushStatus": nz(a.UserName.PushStatus, "NOT_CONFIGURED")},
			"signing":          map[string]any{},
		},
		"settings": map[string]any{"app": map[string]any{}, "notifications": map[string]any{}, "signOn": map[string]any{}},
		"_links": map[string]any{
			"self":  href(base, "apps", a.ID),
			"users": href(base, "apps", a.ID, "users"), "groups": href(base, "apps", a.ID, "groups"),
			"deactivate": href(base, "apps", a.ID, "lifecycle", "deactivate"),
		},
		// Not Okta's: the simulator's view of the provisioning settings.
		"_provsim": map[string]any{"flavour": a.Flavour, "provisioning": status, "primaryEmailAttribute": a.PrimaryEmailAttr, "renameGroups": a.RenameGroups,
			"groupPushConflict": a.GroupPushConflict},
	}
}

func nz(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func appUserJSON(base, appID string, au *AppUser) map[string]any {
	return map[string]any{
		"id": au.UserID, "externalId": nilIfEmpty(au.ExternalID), "created": ts(au.Created), "lastUpdated": ts(au.LastUpdated),
		"scope": au.Scope(), "status": au.Status, "statusChanged": ts(au.StatusChanged), "passwordChanged": nil,
		"syncState": au.SyncState, "lastSync": tsp(au.LastSync),
		"credentials": map[string]any{"userName": au.UserName},
		"profile":     deepCopyProfile(au.Profile), // encoded after the lock is released
		"_links": map[string]any{
			"app":  href(base, "apps", appID),
			"user": href(base, "users", au.UserID),
		},
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func appGroupJSON(base, appID string, ag *AppGroup) map[string]any {
	return map[string]any{"id": ag.GroupID, "lastUpdated": ts(ag.LastUpdated), "priority": ag.Priority, "profile": deepCopyProfile(ag.Profile),
		"_links": map[string]any{"app": href(base, "apps", appID), "self": href(base, "apps", appID, "groups", ag.GroupID),
			"group": href(base, "groups", ag.GroupID)}}
}

func pushMappingJSON(base, appID string, pm *PushMapping) map[string]any {
	return map[string]any{"id": pm.ID, "sourceGroupId": pm.SourceGroupID, "targetGroupId": nilIfEmpty(pm.TargetGroupID),
		"status": pm.Status, "created": ts(pm.Created), "lastUpdated": ts(pm.LastUpdated), "lastPush": tsp(pm.LastPush),
		"errorSummary": nilIfEmpty(pm.ErrorSummary), "appConfig": nil,
		"_links": map[string]any{"app": href(base, "apps", appID), "sourceGroup": href(base, "groups", pm.SourceGroupID)}}
}

// withApp runs fn with the org locked and the app found.
func (s *Server) withApp(w http.ResponseWriter, r *http.Request, fn func(o *Org, a *App) (int, any, error)) {
	o := orgOf(r)
	o.mu.Lock()
	a, err := o.app(vars(r)["appId"])
	var status int
	var out any
	if err == nil {
		status, out, err = fn(o, a)
	}
	o.mu.Unlock()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if out == nil {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, out)
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request) {
	o := orgOf(r)
	p, err := pageParams(r, 200, 200)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	q := lower(r.URL.Query().Get("q"))
	var ids []string
	for _, id := range o.appOrder {
		a := o.apps[id]
		if q == "" || hasPrefixFold(a.Label, q) || hasPrefixFold(a.Name, q) {
			ids = append(ids, id)
		}
	}
	out := []any{}
	for _, id := range paginate(w, r, ids, p) {
		out = append(out, appJSON(baseURL(r), o.apps[id]))
	}
	writeJSON(w, http.StatusOK, out)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && lower(s[:len(prefix)]) == prefix
}

func (s *Server) createApp(w http.ResponseWriter, r *http.Request) {
	var in CreateAppInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	in.Activate = r.URL.Query().Get("activate") != "false"
	a, err := s.Model.CreateApp(orgOf(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o := orgOf(r)
	o.mu.Lock()
	out := appJSON(baseURL(r), a)
	o.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) {
	s.withApp(w, r, func(o *Org, a *App) (int, any, error) { return http.StatusOK, appJSON(baseURL(r), a), nil })
}

// updateAppBody is the part of an Application PUT that mockokta applies.
type updateAppBody struct {
	Label       *string `json:"label"`
	Credentials *struct {
		UserNameTemplate *UserNameTemplate `json:"userNameTemplate"`
	} `json:"credentials"`
}

func (s *Server) updateApp(w http.ResponseWriter, r *http.Request) {
	var in updateAppBody
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	upd := UpdateAppInput{Label: in.Label}
	if in.Credentials != nil {
		upd.UserName = in.Credentials.UserNameTemplate
	}
	a, err := s.Model.UpdateApp(orgOf(r), vars(r)["appId"], upd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.getAppAfter(w, r, a)
}

func (s *Server) getAppAfter(w http.ResponseWriter, r *http.Request, a *App) {
	o := orgOf(r)
	o.mu.Lock()
	out := appJSON(baseURL(r), a)
	o.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) deleteApp(w http.ResponseWriter, r *http.Request) {
	if err := s.Model.DeleteApp(orgOf(r), vars(r)["appId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) appLifecycle(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.Model.SetAppStatus(orgOf(r), vars(r)["appId"], active); err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	}
}

func (s *Server) listAppUsers(w http.ResponseWriter, r *http.Request) {
	p, err := pageParams(r, 50, 500)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.withApp(w, r, func(o *Org, a *App) (int, any, error) {
		var ids []string
		for _, au := range a.appUsers() {
			ids = append(ids, au.UserID)
		}
		out := []any{}
		for _, id := range paginate(w, r, ids, p) {
			out = append(out, appUserJSON(baseURL(r), a.ID, a.users[id]))
		}
		return http.StatusOK, out, nil
	})
}

func (s *Server) assignUser(w http.ResponseWriter, r *http.Request) {
	var in AssignUserInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	o := orgOf(r)
	au, _, err := s.Model.AssignUser(o, vars(r)["appId"], in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o.mu.Lock()
	out := appUserJSON(baseURL(r), vars(r)["appId"], au)
	o.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getAppUser(w http.ResponseWriter, r *http.Request) {
	s.withApp(w, r, func(o *Org, a *App) (int, any, error) {
		u, err := o.user(vars(r)["userId"])
		if err != nil {
			return 0, nil, err
		}
		au, ok := a.appUser(u.ID)
		if !ok {
			return 0, nil, errNotFound("AppUser", vars(r)["userId"])
		}
		return http.StatusOK, appUserJSON(baseURL(r), a.ID, au), nil
	})
}

// updateAppUser is POST /apps/{id}/users/{uid}: profile and username.
func (s *Server) updateAppUser(w http.ResponseWriter, r *http.Request) {
	var in AssignUserInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.withApp(w, r, func(o *Org, a *App) (int, any, error) {
		u, err := o.user(vars(r)["userId"])
		if err != nil {
			return 0, nil, err
		}
		au, ok := a.appUser(u.ID)
		if !ok {
			return 0, nil, errNotFound("AppUser", vars(r)["userId"])
		}
		s.Model.mergeAppProfile(au, in.Profile)
		if in.Credentials != nil && in.Credentials.UserName != "" && in.Credentials.UserName != au.UserName {
			au.UserName = in.Credentials.UserName
			if au.ExternalID != "" && a.ToApp.UpdateUsers {
				s.Model.enqueueUpdate(o, a, au)
			}
		}
		return http.StatusOK, appUserJSON(baseURL(r), a.ID, au), nil
	})
}

func (s *Server) unassignUser(w http.ResponseWriter, r *http.Request) {
	if err := s.Model.UnassignUser(orgOf(r), vars(r)["appId"], vars(r)["userId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listAppGroups(w http.ResponseWriter, r *http.Request) {
	p, err := pageParams(r, 20, 200)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.withApp(w, r, func(o *Org, a *App) (int, any, error) {
		var ids []string
		for _, ag := range a.sortedAppGroups() {
			ids = append(ids, ag.GroupID)
		}
		out := []any{}
		for _, id := range paginate(w, r, ids, p) {
			out = append(out, appGroupJSON(baseURL(r), a.ID, a.groups[id]))
		}
		return http.StatusOK, out, nil
	})
}

func (s *Server) getAppGroup(w http.ResponseWriter, r *http.Request) {
	s.withApp(w, r, func(o *Org, a *App) (int, any, error) {
		ag, ok := a.groups[vars(r)["groupId"]]
		if !ok {
			return 0, nil, errNotFound("ApplicationGroupAssignment", vars(r)["groupId"])
		}
		return http.StatusOK, appGroupJSON(baseURL(r), a.ID, ag), nil
	})
}

func (s *Server) assignGroup(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Priority *int           `json:"priority"`
		Profile  map[string]any `json:"profile"`
	}
	if err := s.decodeOptional(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	o := orgOf(r)
	ag, err := s.Model.AssignGroup(o, vars(r)["appId"], vars(r)["groupId"], in.Priority, in.Profile)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o.mu.Lock()
	out := appGroupJSON(baseURL(r), vars(r)["appId"], ag)
	o.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// patchGroupAssignment is PATCH /apps/{id}/groups/{gid}: a JSON Patch
// array (the OpenAPI's updateGroupAssignmentToApplication) of replace or
// remove on /priority, /profile or /profile/<attribute>. The group must
// already be assigned. An absent body (okta-sdk-golang sends `null`)
// changes nothing.
func (s *Server) patchGroupAssignment(w http.ResponseWriter, r *http.Request) {
	body, err := s.readBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var ops []struct {
		Op    string          `json:"op"`
		Path  string          `json:"path"`
		Value json.RawMessage `json:"value"`
	}
	if len(body) > 0 && string(body) != "null" {
		if body[0] != '[' {
			s.writeError(w, r, errMalformed("the request body must be a JSON array of patch operations"))
			return
		}
		if err := json.Unmarshal(body, &ops); err != nil {
			s.writeError(w, r, errMalformed(err.Error()))
			return
		}
	}
	s.withApp(w, r, func(o *Org, a *App) (int, any, error) {
		ag, ok := a.groups[vars(r)["groupId"]]
		if !ok {
			return 0, nil, errNotFound("ApplicationGroupAssignment", vars(r)["groupId"])
		}
		// Validate every operation before applying any.
		priority, profile := ag.Priority, make(map[string]any, len(ag.Profile))
		for k, v := range ag.Profile {
			profile[k] = v
		}
		for _, op := range ops {
			remove := strings.EqualFold(op.Op, "remove")
			if !remove && !strings.EqualFold(op.Op, "replace") {
				return 0, nil, errValidation("op: must be replace or remove")
			}
			switch attr, isAttr := strings.CutPrefix(op.Path, "/profile/"); {
			case op.Path == "/priority":
				if remove {
					return 0, nil, errValidation("priority: cannot be removed")
				}
				if err := json.Unmarshal(op.Value, &priority); err != nil || priority < 0 {
					return 0, nil, errValidation("priority: must be a non-negative integer")
				}
			case op.Path == "/profile":
				profile = map[string]any{}
				if !remove && len(op.Value) > 0 && string(op.Value) != "null" {
					if err := json.Unmarshal(op.Value, &profile); err != nil {
						return 0, nil, errValidation("profile: must be an object")
					}
				}
			case isAttr && attr != "" && !strings.Contains(attr, "/"):
				if remove {
					delete(profile, attr)
					continue
				}
				var v any
				if err := json.Unmarshal(op.Value, &v); err != nil {
					return 0, nil, errValidation(attr + ": invalid value")
				}
				profile[attr] = v
			default:
				return 0, nil, errValidation("path: " + op.Path + " cannot be patched")
			}
		}
		if len(ops) > 0 {
			ag.Priority, ag.Profile, ag.LastUpdated = priority, profile, s.Model.now()
		}
		return http.StatusOK, appGroupJSON(baseURL(r), a.ID, ag), nil
	})
}

func (s *Server) unassignGroup(w http.ResponseWriter, r *http.Request) {
	if err := s.Model.UnassignGroup(orgOf(r), vars(r)["appId"], vars(r)["groupId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Features: USER_PROVISIONING is To App (OAPI-APP-2).

func status(on bool) map[string]string {
	if on {
		return map[string]string{"status": "ENABLED"}
	}
	return map[string]string{"status": "DISABLED"}
}

func featureJSON(base string, a *App) map[string]any {
	t := a.ToApp
	pw := status(t.SyncPassword)
	return map[string]any{
		"name": "USER_PROVISIONING", "status": "ENABLED", "description": "User provisioning settings from Okta to a downstream application",
		"capabilities": map[string]any{
			"create": map[string]any{"lifecycleCreate": status(t.CreateUsers)},
			"update": map[string]any{"profile": status(t.UpdateUsers), "lifecycleDeactivate": status(t.DeactivateUsers),
				"password": map[string]any{"status": pw["status"], "seed": "RANDOM", "change": "KEEP_EXISTING"}},
		},
		"_links": map[string]any{"self": href(base, "apps", a.ID, "features", "USER_PROVISIONING")},
	}
}

func (s *Server) listFeatures(w http.ResponseWriter, r *http.Request) {
	s.withApp(w, r, func(o *Org, a *App) (int, any, error) {
		if !a.Connection.configured() {
			return 0, nil, errFeatureNotEnabled("Provisioning is not enabled for this application")
		}
		return http.StatusOK, []any{featureJSON(baseURL(r), a)}, nil
	})
}

func (s *Server) getFeature(w http.ResponseWriter, r *http.Request) {
	s.withApp(w, r, func(o *Org, a *App) (int, any, error) {
		if vars(r)["feature"] != "USER_PROVISIONING" {
			return 0, nil, errNotFound("ApplicationFeature", vars(r)["feature"])
		}
		if !a.Connection.configured() {
			return 0, nil, errFeatureNotEnabled("Provisioning is not enabled for this application")
		}
		return http.StatusOK, featureJSON(baseURL(r), a), nil
	})
}

type capStatus struct {
	Status string `json:"status"`
}

func (c *capStatus) on(cur bool) bool {
	if c == nil || c.Status == "" {
		return cur
	}
	return c.Status == "ENABLED"
}

func (s *Server) updateFeature(w http.ResponseWriter, r *http.Request) {
	if vars(r)["feature"] != "USER_PROVISIONING" {
		s.writeError(w, r, errNotFound("ApplicationFeature", vars(r)["feature"]))
		return
	}
	var in struct {
		Create *struct {
			LifecycleCreate *capStatus `json:"lifecycleCreate"`
		} `json:"create"`
		Update *struct {
			Profile             *capStatus `json:"profile"`
			LifecycleDeactivate *capStatus `json:"lifecycleDeactivate"`
			Password            *capStatus `json:"password"`
		} `json:"update"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, c := range []*capStatus{getCreate(in.Create), getUpd(in.Update, 0), getUpd(in.Update, 1), getUpd(in.Update, 2)} {
		if c != nil && c.Status != "" && c.Status != "ENABLED" && c.Status != "DISABLED" {
			s.writeError(w, r, errValidation("status: must be ENABLED or DISABLED"))
			return
		}
	}
	o := orgOf(r)
	o.mu.Lock()
	a, err := o.app(vars(r)["appId"])
	var t ToApp
	if err == nil {
		t = a.ToApp
	}
	o.mu.Unlock()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t.CreateUsers = getCreate(in.Create).on(t.CreateUsers)
	t.UpdateUsers = getUpd(in.Update, 0).on(t.UpdateUsers)
	t.DeactivateUsers = getUpd(in.Update, 1).on(t.DeactivateUsers)
	t.SyncPassword = getUpd(in.Update, 2).on(t.SyncPassword)
	if _, err := s.Model.SetToApp(o, a.ID, t); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.withApp(w, r, func(o *Org, a *App) (int, any, error) { return http.StatusOK, featureJSON(baseURL(r), a), nil })
}

func getCreate(c *struct {
	LifecycleCreate *capStatus `json:"lifecycleCreate"`
}) *capStatus {
	if c == nil {
		return nil
	}
	return c.LifecycleCreate
}

func getUpd(u *struct {
	Profile             *capStatus `json:"profile"`
	LifecycleDeactivate *capStatus `json:"lifecycleDeactivate"`
	Password            *capStatus `json:"password"`
}, i int) *capStatus {
	if u == nil {
		return nil
	}
	return [...]*capStatus{u.Profile, u.LifecycleDeactivate, u.Password}[i]
}

// The provisioning connection ("Configure API integration").

func connectionJSON(base string, a *App) map[string]any {
	st := "DISABLED"
	if a.Connection.Enabled {
		st = "ENABLED"
	}
	return map[string]any{"authScheme": "TOKEN", "status": st, "baseUrl": a.Connection.BaseURL,
		"profile": map[string]any{"authScheme": "TOKEN"},
		"_links": map[string]any{"self": href(base, "apps", a.ID, "connections", "default"),
			"activate": href(base, "apps", a.ID, "connections", "default", "lifecycle", "activate")}}
}

func (s *Server) getConnection(w http.ResponseWriter, r *http.Request) {
	s.withApp(w, r, func(o *Org, a *App) (int, any, error) { return http.StatusOK, connectionJSON(baseURL(r), a), nil })
}

// connectionBody accepts Okta's {"profile":{"authScheme":"TOKEN","token":…}}
// plus the base URL (top level or in profile) and provsim's auth modes.
type connectionBody struct {
	BaseURL *string `json:"baseUrl"`
	Profile *struct {
		AuthScheme string  `json:"authScheme"`
		Token      *string `json:"token"`
		BaseURL    *string `json:"baseUrl"`
	} `json:"profile"`
	AuthMode *AuthMode `json:"authMode"`
	Username *string   `json:"username"`
	Password *string   `json:"password"`
}

func (b connectionBody) input() ConnectionInput {
	in := ConnectionInput{BaseURL: b.BaseURL, Auth: b.AuthMode, Username: b.Username, Password: b.Password}
	if b.Profile != nil {
		in.Token = b.Profile.Token
		if in.BaseURL == nil {
			in.BaseURL = b.Profile.BaseURL
		}
	}
	return in
}

func (s *Server) saveConnection(w http.ResponseWriter, r *http.Request) {
	var b connectionBody
	if err := s.decode(w, r, &b); err != nil {
		s.writeError(w, r, err)
		return
	}
	var enable *bool
	if v := r.URL.Query().Get("activate"); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			s.writeError(w, r, errValidation("activate: must be true or false"))
			return
		}
		enable = &on
	}
	if _, err := s.Model.SaveConnection(r.Context(), orgOf(r), vars(r)["appId"], b.input(), enable); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.getConnection(w, r)
}

func (s *Server) connectionLifecycle(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.Model.SaveConnection(r.Context(), orgOf(r), vars(r)["appId"], ConnectionInput{}, &on); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// Group push mappings (OAPI-PUSH-1).

func (s *Server) listPushMappings(w http.ResponseWriter, r *http.Request) {
	p, err := pageParams(r, 100, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	s.withApp(w, r, func(o *Org, a *App) (int, any, error) {
		var ids []string
		for _, id := range a.mappingOrder {
			pm := a.mappings[id]
			if (q.Get("sourceGroupId") == "" || pm.SourceGroupID == q.Get("sourceGroupId")) && (q.Get("status") == "" || pm.Status == q.Get("status")) {
				ids = append(ids, id)
			}
		}
		out := []any{}
		for _, id := range paginate(w, r, ids, p) {
			out = append(out, pushMappingJSON(baseURL(r), a.ID, a.mappings[id]))
		}
		return http.StatusOK, out, nil
	})
}

func (s *Server) createPushMapping(w http.ResponseWriter, r *http.Request) {
	var in PushMappingInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	o := orgOf(r)
	pm, err := s.Model.CreatePushMapping(o, vars(r)["appId"], in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o.mu.Lock()
	out := pushMappingJSON(baseURL(r), vars(r)["appId"], pm)
	o.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) getPushMapping(w http.ResponseWriter, r *http.Request) {
	s.withApp(w, r, func(o *Org, a *App) (int, any, error) {
		pm, err := a.mapping(vars(r)["mappingId"])
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, pushMappingJSON(baseURL(r), a.ID, pm), nil
	})
}

func (s *Server) updatePushMapping(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status string `json:"status"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	o := orgOf(r)
	pm, err := s.Model.UpdatePushMapping(o, vars(r)["appId"], vars(r)["mappingId"], in.Status)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o.mu.Lock()
	out := pushMappingJSON(baseURL(r), vars(r)["appId"], pm)
	o.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) deletePushMapping(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query().Get("deleteTargetGroup")
	del, err := strconv.ParseBool(v)
	if err != nil {
		s.writeError(w, r, errValidation("deleteTargetGroup: required, true or false"))
		return
	}
	if err := s.Model.DeletePushMapping(orgOf(r), vars(r)["appId"], vars(r)["mappingId"], del); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
