package mockokta

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

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
	r.HandleFunc("/apps/{appId}/credentials/keys", s.listAppKeys).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/credentials/keys/generate", s.generateAppKey).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/credentials/keys/{keyId}", s.getAppKey).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/sso/saml/metadata", s.apiSAMLMetadata).Methods(http.MethodGet)
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

// writeApp answers an app, or the error that came instead.
func (s *Server) writeApp(w http.ResponseWriter, r *http.Request, a *App, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.withAccessPolicy(r, appJSON(baseURL(r), a)))
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request) {
	p, err := pageParams(r, 200, 200)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	apps := s.Model.ListApps(orgOf(r), q)
	byID := make(map[string]any, len(apps))
	ids := make([]string, len(apps))
	for i, a := range apps {
		ids[i], byID[a.ID] = a.ID, s.withAccessPolicy(r, appJSON(baseURL(r), a))
	}
	// Service apps are apps too (oauth.go); they follow the SCIM apps.
	for _, a := range s.Model.ServiceApps(orgOf(r)) {
		if q == "" || strings.HasPrefix(strings.ToLower(a.Label), strings.ToLower(q)) {
			ids, byID[a.ID] = append(ids, a.ID), serviceAppJSON(baseURL(r), a)
		}
	}
	out := []any{}
	for _, id := range paginate(w, r, ids, p) {
		out = append(out, byID[id])
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createApp(w http.ResponseWriter, r *http.Request) {
	body, err := s.readBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in CreateAppInput
	if err := decodeObject(body, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.SignOnMode == "OPENID_CONNECT" {
		s.createServiceApp(w, r, in.Label, body)
		return
	}
	var app appBody
	if err := decodeObject(body, &app); err != nil {
		s.writeError(w, r, err)
		return
	}
	in.SAML, in.Presentation = app.signOn(), &app
	in.Activate = r.URL.Query().Get("activate") != "false"
	a, err := s.Model.CreateApp(orgOf(r), in)
	s.writeApp(w, r, a, err)
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) {
	if s.serviceAppRequest(w, r) {
		return
	}
	a, err := s.Model.GetApp(orgOf(r), vars(r)["appId"])
	s.writeApp(w, r, a, err)
}

func (s *Server) updateApp(w http.ResponseWriter, r *http.Request) {
	if s.serviceAppRequest(w, r) {
		return
	}
	var in appBody
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	// A PUT is the whole app: its sign-on settings apply with the rest,
	// all or nothing (SAML-IDP-1). An empty signOn (what a non-SAML app
	// reads back) changes nothing.
	upd := UpdateAppInput{Label: in.Label, SAML: in.signOn(), Presentation: &in}
	if in.Credentials != nil {
		upd.UserName = in.Credentials.UserNameTemplate
	}
	a, err := s.Model.UpdateApp(orgOf(r), vars(r)["appId"], upd)
	s.writeApp(w, r, a, err)
}

func (s *Server) deleteApp(w http.ResponseWriter, r *http.Request) {
	if s.serviceAppRequest(w, r) {
		return
	}
	if err := s.Model.DeleteApp(orgOf(r), vars(r)["appId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) appLifecycle(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.serviceAppRequest(w, r) {
			return
		}
		if err := s.Model.SetAppStatus(orgOf(r), vars(r)["appId"], active); err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, struct{}{})
	}
}

func (s *Server) listAppUsers(w http.ResponseWriter, r *http.Request) {
	p, err := pageParams(r, 50, 500)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o, appID := orgOf(r), vars(r)["appId"]
	ids, err := s.Model.AppUserIDs(o, appID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []appUserView{}
	for _, au := range s.Model.AppUsersByID(o, appID, paginate(w, r, ids, p)) {
		out = append(out, appUserJSON(baseURL(r), appID, au))
	}
	writeJSON(w, http.StatusOK, out)
}

// writeAppUser answers an app user, or the error that came instead.
func (s *Server) writeAppUser(w http.ResponseWriter, r *http.Request, au *AppUser, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, appUserJSON(baseURL(r), vars(r)["appId"], au))
}

func (s *Server) assignUser(w http.ResponseWriter, r *http.Request) {
	var in AssignUserInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	au, _, err := s.Model.AssignUser(orgOf(r), vars(r)["appId"], in)
	s.writeAppUser(w, r, au, err)
}

func (s *Server) getAppUser(w http.ResponseWriter, r *http.Request) {
	au, err := s.Model.GetAppUser(orgOf(r), vars(r)["appId"], vars(r)["userId"])
	s.writeAppUser(w, r, au, err)
}

// updateAppUser is POST /apps/{id}/users/{uid}: profile and username.
func (s *Server) updateAppUser(w http.ResponseWriter, r *http.Request) {
	var in AssignUserInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	au, err := s.Model.UpdateAppUser(orgOf(r), vars(r)["appId"], vars(r)["userId"], in)
	s.writeAppUser(w, r, au, err)
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
	o, appID := orgOf(r), vars(r)["appId"]
	ids, err := s.Model.AppGroupIDs(o, appID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []appGroupView{}
	for _, ag := range s.Model.AppGroupsByID(o, appID, paginate(w, r, ids, p)) {
		out = append(out, appGroupJSON(baseURL(r), appID, ag))
	}
	writeJSON(w, http.StatusOK, out)
}

// writeAppGroup answers a group assignment, or the error that came
// instead.
func (s *Server) writeAppGroup(w http.ResponseWriter, r *http.Request, ag *AppGroup, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, appGroupJSON(baseURL(r), vars(r)["appId"], ag))
}

func (s *Server) getAppGroup(w http.ResponseWriter, r *http.Request) {
	ag, err := s.Model.GetAppGroup(orgOf(r), vars(r)["appId"], vars(r)["groupId"])
	s.writeAppGroup(w, r, ag, err)
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
	ag, err := s.Model.AssignGroup(orgOf(r), vars(r)["appId"], vars(r)["groupId"], in.Priority, in.Profile)
	s.writeAppGroup(w, r, ag, err)
}

// patchGroupAssignment is PATCH /apps/{id}/groups/{gid}: a JSON Patch
// array (Model.PatchAppGroup). An absent body (okta-sdk-golang sends
// `null`) changes nothing.
func (s *Server) patchGroupAssignment(w http.ResponseWriter, r *http.Request) {
	body, err := s.readBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var ops []AppGroupPatch
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
	ag, err := s.Model.PatchAppGroup(orgOf(r), vars(r)["appId"], vars(r)["groupId"], ops)
	s.writeAppGroup(w, r, ag, err)
}

func (s *Server) unassignGroup(w http.ResponseWriter, r *http.Request) {
	if err := s.Model.UnassignGroup(orgOf(r), vars(r)["appId"], vars(r)["groupId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Features: USER_PROVISIONING is To App (OAPI-APP-2).

func (s *Server) listFeatures(w http.ResponseWriter, r *http.Request) {
	a, err := s.Model.ProvisioningFeature(orgOf(r), vars(r)["appId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, []featureView{featureJSON(baseURL(r), a)})
}

// writeFeature answers To App, or the error that came instead.
func (s *Server) writeFeature(w http.ResponseWriter, r *http.Request, a *App, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, featureJSON(baseURL(r), a))
}

func (s *Server) getFeature(w http.ResponseWriter, r *http.Request) {
	o, appID := orgOf(r), vars(r)["appId"]
	if _, err := s.Model.GetApp(o, appID); err != nil {
		s.writeError(w, r, err)
		return
	}
	if vars(r)["feature"] != "USER_PROVISIONING" {
		s.writeError(w, r, errNotFound("ApplicationFeature", vars(r)["feature"]))
		return
	}
	a, err := s.Model.ProvisioningFeature(o, appID)
	s.writeFeature(w, r, a, err)
}

// on is a capability's new value: cur when not given.
func (c *capStatus) on() *bool {
	if c == nil || c.Status == "" {
		return nil
	}
	on := c.Status == "ENABLED"
	return &on
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
			Password            *struct {
				capStatus
				Seed   *string `json:"seed"`
				Change *string `json:"change"`
			} `json:"password"`
		} `json:"update"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	var create, profile, deactivate, password *capStatus
	var seed, change *string
	if in.Create != nil {
		create = in.Create.LifecycleCreate
	}
	if in.Update != nil {
		profile, deactivate = in.Update.Profile, in.Update.LifecycleDeactivate
		if p := in.Update.Password; p != nil {
			password, seed, change = &p.capStatus, p.Seed, p.Change
		}
	}
	for _, c := range []*capStatus{create, profile, deactivate, password} {
		if c != nil && c.Status != "" && c.Status != "ENABLED" && c.Status != "DISABLED" {
			s.writeError(w, r, errValidation("status: must be ENABLED or DISABLED"))
			return
		}
	}
	a, err := s.Model.ChangeToApp(orgOf(r), vars(r)["appId"], ToAppChange{CreateUsers: create.on(),
		UpdateUsers: profile.on(), DeactivateUsers: deactivate.on(), SyncPassword: password.on(),
		PasswordSeed: seed, PasswordChange: change})
	s.writeFeature(w, r, a, err)
}

// The provisioning connection ("Configure API integration").

func (s *Server) getConnection(w http.ResponseWriter, r *http.Request) {
	a, err := s.Model.GetApp(orgOf(r), vars(r)["appId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, connectionJSON(baseURL(r), a))
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
	o, appID := orgOf(r), vars(r)["appId"]
	ids, err := s.Model.PushMappingIDs(o, appID, q.Get("sourceGroupId"), q.Get("status"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []pushMappingView{}
	for _, pm := range s.Model.PushMappingsByID(o, appID, paginate(w, r, ids, p)) {
		out = append(out, pushMappingJSON(baseURL(r), appID, pm))
	}
	writeJSON(w, http.StatusOK, out)
}

// writePushMapping answers a push mapping with status, or the error that
// came instead.
func (s *Server) writePushMapping(w http.ResponseWriter, r *http.Request, status int, pm *PushMapping, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, pushMappingJSON(baseURL(r), vars(r)["appId"], pm))
}

func (s *Server) createPushMapping(w http.ResponseWriter, r *http.Request) {
	var in PushMappingInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	pm, err := s.Model.CreatePushMapping(orgOf(r), vars(r)["appId"], in)
	s.writePushMapping(w, r, http.StatusCreated, pm, err)
}

func (s *Server) getPushMapping(w http.ResponseWriter, r *http.Request) {
	pm, err := s.Model.GetPushMapping(orgOf(r), vars(r)["appId"], vars(r)["mappingId"])
	s.writePushMapping(w, r, http.StatusOK, pm, err)
}

func (s *Server) updatePushMapping(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status string `json:"status"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	pm, err := s.Model.UpdatePushMapping(orgOf(r), vars(r)["appId"], vars(r)["mappingId"], in.Status)
	s.writePushMapping(w, r, http.StatusOK, pm, err)
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
