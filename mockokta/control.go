package mockokta

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/control"
	"github.com/provsim/provsim/internal/journal"
)

// Boot describes the org a server starts with (zero-config
// start): its API token and, when the Atlassian settings are given, an
// "Atlassian Cloud" app connected to that SCIM directory with Create,
// Update and Deactivate on.
type Boot struct {
	OrgID              string
	OrgName            string
	APIToken           string
	AtlassianSCIMURL   string
	AtlassianSCIMToken string
}

// Booted is what a boot made; Org.Token is shown once.
type Booted struct {
	Org   OrgCreated
	AppID string
}

func (s *Server) boot(b Boot) (*Booted, error) {
	org, err := s.Model.CreateOrg(CreateOrgInput{ID: b.OrgID, Name: b.OrgName, Token: b.APIToken})
	if err != nil {
		return nil, err
	}
	out := &Booted{Org: org}
	if b.AtlassianSCIMURL == "" {
		return out, nil
	}
	o, _ := s.Model.Org(org.ID)
	a, err := s.Model.CreateApp(o, CreateAppInput{Name: "atlassian", Activate: true})
	if err != nil {
		return nil, err
	}
	on, bearer := true, AuthBearer
	if _, err := s.Model.SetConnection(o, a.ID, ConnectionInput{BaseURL: &b.AtlassianSCIMURL, Auth: &bearer, Token: &b.AtlassianSCIMToken}, &on); err != nil {
		return nil, err
	}
	if err := s.Model.presetToApp(o, a.ID, ToApp{CreateUsers: true, UpdateUsers: true, DeactivateUsers: true}); err != nil {
		return nil, err
	}
	out.AppID = a.ID
	return out, nil
}

// controlRoutes are mockokta's /_sim/ routes: orgs and tokens, reset,
// waiting for the engine, tasks, journals, and the admin-UI actions the
// Management API lacks (Test API Credentials, Import, Push Now, app
// settings, simulated SSO). Documented in docs/mockokta.md.
func (s *Server) controlRoutes(r *mux.Router) {
	s.controlAuth(r) // first: it guards every route below
	control.HealthRoute(r, "mockokta", controlAPI{s})
	control.CARoute(r, s.https.CAPEM())
	r.HandleFunc("/reset", s.ctlResetAll).Methods(http.MethodPost)
	r.HandleFunc("/journal", s.ctlJournal).Methods(http.MethodGet)
	r.HandleFunc("/journal", s.ctlClearJournal).Methods(http.MethodDelete)
	r.HandleFunc("/orgs", s.ctlListOrgs).Methods(http.MethodGet)
	r.HandleFunc("/orgs", s.ctlCreateOrg).Methods(http.MethodPost)
	r.HandleFunc("/snapshot", s.ctlGetSnapshot).Methods(http.MethodGet)
	r.HandleFunc("/snapshot", s.ctlPutSnapshot).Methods(http.MethodPut)
	r.HandleFunc("/orgs/{orgId}/snapshot", s.ctlGetSnapshot).Methods(http.MethodGet)
	r.HandleFunc("/orgs/{orgId}/snapshot", s.ctlPutSnapshot).Methods(http.MethodPut)
	o := r.PathPrefix("/orgs/{orgId}").Subrouter()
	o.Use(s.ctlOrg)
	o.HandleFunc("/reset", s.ctlResetOrg).Methods(http.MethodPost)
	o.HandleFunc("/wait", s.ctlWait).Methods(http.MethodGet, http.MethodPost)
	o.HandleFunc("/pace", s.ctlGetPace).Methods(http.MethodGet)
	o.HandleFunc("/pace", s.ctlSetPace).Methods(http.MethodPut)
	o.HandleFunc("/tasks", s.ctlTasks).Methods(http.MethodGet)
	o.HandleFunc("/tasks/retry", s.ctlRetryOpenTasks).Methods(http.MethodPost)
	o.HandleFunc("/tasks/{taskId}/retry", s.ctlRetryTask).Methods(http.MethodPost)
	o.HandleFunc("/tasks/{taskId}/resolve", s.ctlResolveTask).Methods(http.MethodPost)
	o.HandleFunc("/apps/{appId}/test-credentials", s.ctlTestCredentials).Methods(http.MethodPost)
	o.HandleFunc("/apps/{appId}/connection", s.ctlConnection).Methods(http.MethodPut)
	o.HandleFunc("/apps/{appId}/settings", s.ctlGetSettings).Methods(http.MethodGet)
	o.HandleFunc("/apps/{appId}/settings", s.ctlSettings).Methods(http.MethodPut)
	o.HandleFunc("/apps/{appId}/import", s.ctlImport).Methods(http.MethodPost)
	o.HandleFunc("/apps/{appId}/update-usernames", s.ctlUpdateUsernames).Methods(http.MethodPost)
	o.HandleFunc("/apps/{appId}/group-push/mappings/{mappingId}/push-now", s.ctlPushNow).Methods(http.MethodPost)
	o.HandleFunc("/apps/{appId}/group-push/mappings/{mappingId}/link", s.ctlLinkPushMapping).Methods(http.MethodPost)
	o.HandleFunc("/apps/{appId}/group-push/refresh", s.ctlRefreshAppGroups).Methods(http.MethodPost)
	o.HandleFunc("/apps/{appId}/group-push/app-groups", s.ctlAppGroups).Methods(http.MethodGet)
	o.HandleFunc("/apps/{appId}/sso", s.ctlSSO).Methods(http.MethodPost)
	control.FaultRoutes(r, s.faults, "org", controlAPI{s})
}

// ctlOrg puts the org named in the path into the context, like SSWS does.
func (s *Server) ctlOrg(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, err := s.Model.Org(vars(r)["orgId"])
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), orgKey, o)))
	})
}

func (s *Server) ctlResetAll(w http.ResponseWriter, r *http.Request) {
	var keep []string
	if s.Booted != nil {
		keep = append(keep, s.Booted.Org.ID)
	}
	s.Model.Reset(keep...)
	s.Model.Journal().Clear("")
	s.Journal.Clear("")
	s.faults.Clear("")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlResetOrg(w http.ResponseWriter, r *http.Request) {
	o := orgOf(r)
	if err := s.Model.ResetOrg(o.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.Model.Journal().Clear(o.ID)
	s.Journal.Clear(o.ID)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlListOrgs(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Model.OrgSummaries())
}

func (s *Server) ctlCreateOrg(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CreateOrgInput
		// RateLimits are the org's own Management API limits
		// (ParseRateLimits; "" : the server's). A setting of the
		// simulator, not Okta data; stored with --data-dir.
		RateLimits string `json:"rateLimits,omitempty"`
		// Pace is the org's own pace (ParsePace; "": the server's), a
		// setting stored like RateLimits.
		Pace string `json:"pace,omitempty"`
	}
	if err := s.decodeOptional(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	var limits RateLimits
	if in.RateLimits != "" {
		var err error
		if limits, err = ParseRateLimits(in.RateLimits); err != nil {
			s.writeError(w, r, errValidation("rateLimits: "+err.Error()))
			return
		}
	}
	// Checked before the org is made: a bad value creates nothing.
	pace, err := ParsePace(in.Pace)
	if err != nil {
		s.writeError(w, r, errValidation("pace: "+err.Error()))
		return
	}
	out, err := s.Model.CreateOrg(in.CreateOrgInput)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.RateLimits != "" {
		_ = s.Model.SetOrgRateLimits(out.ID, &limits) // the org was just made
	}
	if in.Pace != "" {
		_ = s.Model.SetOrgPace(out.ID, &pace) // the org was just made
	}
	writeJSON(w, http.StatusCreated, out)
}

// ctlWait blocks until the org's engine is idle: 200 {"idle":true}, or 504
// after ?timeout= (default 30s).
func (s *Server) ctlWait(w http.ResponseWriter, r *http.Request) {
	timeout := 30 * time.Second
	if v := r.URL.Query().Get("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			s.writeError(w, r, errValidation("timeout: must be a duration such as 5s"))
			return
		}
		timeout = d
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	o := orgOf(r)
	if err := s.Model.WaitIdle(ctx, o.ID); err != nil {
		pending := s.Model.PendingJobs(o.ID)
		writeJSON(w, http.StatusGatewayTimeout, waitView{Idle: false, PendingJobs: &pending})
		return
	}
	writeJSON(w, http.StatusOK, waitView{Idle: true})
}

// paceView is an org's pace: the value in ParsePace's syntax and whether
// it is the org's own or the server's --pace.
type paceView struct {
	Pace   string `json:"pace"`
	Source string `json:"source"` // org or server
}

func (s *Server) writePace(w http.ResponseWriter, r *http.Request, orgID string) {
	p, own, err := s.Model.OrgPace(orgID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v := paceView{Pace: p.String(), Source: "server"}
	if own {
		v.Source = "org"
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) ctlGetPace(w http.ResponseWriter, r *http.Request) {
	s.writePace(w, r, orgOf(r).ID)
}

// ctlSetPace gives the org its own pace ({"pace":"okta"}), or the server's
// back ({"pace":null} or ""). Queued jobs keep the time they were given.
func (s *Server) ctlSetPace(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Pace *string `json:"pace"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	var p *Pace
	if in.Pace != nil && *in.Pace != "" {
		v, err := ParsePace(*in.Pace)
		if err != nil {
			s.writeError(w, r, errValidation("pace: "+err.Error()))
			return
		}
		p = &v
	}
	o := orgOf(r)
	if err := s.Model.SetOrgPace(o.ID, p); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writePace(w, r, o.ID)
}

func (s *Server) ctlTasks(w http.ResponseWriter, r *http.Request) {
	all, _ := strconv.ParseBool(r.URL.Query().Get("all"))
	writeJSON(w, http.StatusOK, s.Model.Tasks(orgOf(r), all))
}

func (s *Server) ctlRetryTask(w http.ResponseWriter, r *http.Request) {
	force, _ := strconv.ParseBool(r.URL.Query().Get("force"))
	if err := s.Model.RetryTask(orgOf(r), vars(r)["taskId"], force); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// ctlRetryOpenTasks is "Retry Selected" on every open task.
func (s *Server) ctlRetryOpenTasks(w http.ResponseWriter, r *http.Request) {
	force, _ := strconv.ParseBool(r.URL.Query().Get("force"))
	n, err := s.Model.RetryOpenTasks(orgOf(r), force)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]int{"retried": n})
}

func (s *Server) ctlResolveTask(w http.ResponseWriter, r *http.Request) {
	if err := s.Model.ResolveTask(orgOf(r), vars(r)["taskId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ctlJournal lists SCIM traffic the engine sent (direction=outbound, the
// default) or Management API calls received (direction=inbound).
func (s *Server) ctlJournal(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	j := s.Model.Journal()
	if q.Get("direction") == "inbound" {
		j = s.Journal
	}
	jq := journal.Query{Tenant: q.Get("org")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.writeError(w, r, errValidation("limit: must be a non-negative integer"))
			return
		}
		jq.Limit = n
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			s.writeError(w, r, errValidation("after: must be a sequence number"))
			return
		}
		jq.AfterSeq = n
	}
	writeJSON(w, http.StatusOK, journalView{Entries: j.Entries(jq)})
}

func (s *Server) ctlClearJournal(w http.ResponseWriter, r *http.Request) {
	org := r.URL.Query().Get("org")
	s.Model.Journal().Clear(org)
	s.Journal.Clear(org)
	w.WriteHeader(http.StatusNoContent)
}

// ctlConnection configures the API integration with every option,
// including the auth mode ("bearer", "header", "basic").
func (s *Server) ctlConnection(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ConnectionInput
		Enabled *bool `json:"enabled"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Model.SetConnection(orgOf(r), vars(r)["appId"], in.ConnectionInput, in.Enabled)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) ctlTestCredentials(w http.ResponseWriter, r *http.Request) {
	var in ConnectionInput
	if err := s.decodeOptional(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.Model.TestConnection(r.Context(), orgOf(r), vars(r)["appId"], in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if !res.Success {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, res)
}

// ctlSettings changes what Okta keeps in its admin UI: the application
// username format, the attribute mapped to the primary email, and "Rename
// app groups to match group name in Okta".
func (s *Server) ctlSettings(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UserNameTemplate      *UserNameTemplate  `json:"userNameTemplate"`
		PrimaryEmailAttribute *string            `json:"primaryEmailAttribute"`
		RenameGroups          *bool              `json:"renameGroups"`
		GroupPushConflict     *GroupPushConflict `json:"groupPushConflict"`
		ImportGroups          *bool              `json:"importGroups"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.Model.UpdateApp(orgOf(r), vars(r)["appId"], UpdateAppInput{UserName: in.UserNameTemplate,
		PrimaryEmailAttr: in.PrimaryEmailAttribute, RenameGroups: in.RenameGroups, GroupPushConflict: in.GroupPushConflict,
		ImportGroups: in.ImportGroups})
	s.writeSimSettings(w, r, a, err)
}

// ctlUpdateUsernames is the Sign On tab's "Update Now" (OKTA-USERNAME-2),
// which has no public API: every assigned user's application username is
// calculated again from the format and the changed ones are pushed.
func (s *Server) ctlUpdateUsernames(w http.ResponseWriter, r *http.Request) {
	n, err := s.Model.UpdateUsernames(orgOf(r), vars(r)["appId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"updated": n})
}

// ctlGetSettings shows the simulator's settings of an app, which the Okta
// app object does not carry (OAPI-APP-5).
func (s *Server) ctlGetSettings(w http.ResponseWriter, r *http.Request) {
	a, err := s.Model.GetApp(orgOf(r), vars(r)["appId"])
	s.writeSimSettings(w, r, a, err)
}

func (s *Server) writeSimSettings(w http.ResponseWriter, r *http.Request, a *App, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, appSimSettingsJSON(a))
}

func (s *Server) ctlImport(w http.ResponseWriter, r *http.Request) {
	sum, err := s.Model.Import(r.Context(), orgOf(r), vars(r)["appId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

func (s *Server) ctlPushNow(w http.ResponseWriter, r *http.Request) {
	if err := s.Model.PushNow(orgOf(r), vars(r)["appId"], vars(r)["mappingId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// ctlAppGroups lists the app groups Okta knows (their APP_GROUP ids and
// the ids downstream, OKTA-PUSH-15) without asking the app.
func (s *Server) ctlAppGroups(w http.ResponseWriter, r *http.Request) {
	gs, err := s.Model.AppGroups(orgOf(r), vars(r)["appId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": gs})
}

// ctlRefreshAppGroups is Push Groups' "Refresh App Groups".
func (s *Server) ctlRefreshAppGroups(w http.ResponseWriter, r *http.Request) {
	groups, err := s.Model.RefreshAppGroups(r.Context(), orgOf(r), vars(r)["appId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, appGroupRefsView{Groups: groups})
}

// ctlLinkPushMapping is Push Groups' "Link Group" on a mapping in error.
func (s *Server) ctlLinkPushMapping(w http.ResponseWriter, r *http.Request) {
	var in LinkInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	pm, err := s.Model.LinkPushMapping(orgOf(r), vars(r)["appId"], vars(r)["mappingId"], in)
	s.writePushMapping(w, r, http.StatusOK, pm, err)
}

func (s *Server) ctlSSO(w http.ResponseWriter, r *http.Request) {
	var in struct {
		User string `json:"user"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.Model.SSOLogin(r.Context(), orgOf(r), vars(r)["appId"], in.User, s.orgURL(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
