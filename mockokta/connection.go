package mockokta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// TestResult is the outcome of "Test API Credentials".
type TestResult struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

// TestConnection is "Test API Credentials": GET /Users?startIndex=1&count=2
// and nothing else (OKTA-TEST-1). in overrides the saved connection, as the form
// is tested before it is saved.
func (m *Model) TestConnection(ctx context.Context, o *Org, appID string, in ConnectionInput) (TestResult, error) {
	c, err := m.connectionFor(o, appID, in)
	var refused *baseURLError
	if errors.As(err, &refused) {
		// Okta refuses the URL before it sends anything (OKTA-WIRE-2).
		res := TestResult{Message: refused.Error()}
		m.logTest(o, appID, res)
		return res, nil
	}
	if err != nil {
		return TestResult{}, err
	}
	if c.BaseURL == "" {
		return TestResult{}, errValidation("baseUrl: The field cannot be left blank")
	}
	c.Enabled = true
	res := m.checkConnection(ctx, o, appID, c)
	m.logTest(o, appID, res)
	return res, nil
}

// logTest records a Test API Credentials in the System Log, with its
// outcome and, on failure, the message the admin saw.
func (m *Model) logTest(o *Org, appID string, res TestResult) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.apps[appID]
	if !ok {
		return
	}
	e := LogEvent{EventType: "application.provision.integration.test", DisplayMessage: eventMessages["application.provision.integration.test"],
		Actor: apiActor, Outcome: LogOutcome{Result: Success}, Target: []LogTarget{appTarget(a)},
		Transaction: LogTransacton{Type: "WEB", ID: m.ids.Token(20)}}
	if !res.Success {
		e.Outcome = LogOutcome{Result: Failure, Reason: res.Message}
	}
	m.appendLog(o, e)
}

func (m *Model) checkConnection(ctx context.Context, o *Org, appID string, c Connection) TestResult {
	o.mu.Lock()
	label := "The app"
	if a, ok := o.apps[appID]; ok {
		label = a.Label
	}
	orgID := o.ID
	o.mu.Unlock()
	r := m.scimCall(ctx, orgID, c, http.MethodGet, "/Users?startIndex=1&count=2", nil)
	var list listResponse
	switch {
	case r.err != nil:
		// No answer: Okta's wording, not the transport's (OKTA-TASK-3).
		return TestResult{Message: r.failure("Error authenticating")}
	case r.status == http.StatusUnauthorized || r.status == http.StatusForbidden:
		// Atlassian's 403 for a bad key shows as "Error authenticating:
		// Forbidden" (OKTA-TASK-1, SCIM-AUTH-2).
		return TestResult{Message: r.failure("Error authenticating")}
	case !r.ok():
		return TestResult{Message: r.failure("Error while testing API credentials")}
	case r.decode(&list) != nil:
		return TestResult{Message: "Error while testing API credentials: the response is not a SCIM ListResponse with integer paging fields"}
	}
	return TestResult{Success: true, Message: label + " was verified successfully!"}
}

// SaveConnection is "Save" on the API integration: when enabling, Okta
// sends the same GET again and refuses to save on failure (OKTA-TEST-1).
func (m *Model) SaveConnection(ctx context.Context, o *Org, appID string, in ConnectionInput, enable *bool) (Connection, error) {
	c, err := m.connectionFor(o, appID, in)
	if err != nil {
		return Connection{}, asValidation(err)
	}
	if enable != nil && *enable {
		if c.BaseURL == "" {
			return Connection{}, errValidation("baseUrl: The field cannot be left blank")
		}
		c.Enabled = true
		if res := m.checkConnection(ctx, o, appID, c); !res.Success {
			return Connection{}, errValidation(res.Message)
		}
	}
	return m.SetConnection(o, appID, in, enable)
}

// toAppSaved reads the target's users and groups after To App is saved;
// the group list is cached for Push Groups' create-or-link decision (OKTA-TEST-1).
func (m *Model) toAppSaved(ctx context.Context, j job) {
	c, ok := m.appConnection(j)
	if !ok {
		return
	}
	m.scimCall(ctx, j.orgID, c, http.MethodGet, "/Users?startIndex=1&count=2", nil)
	r := m.scimCall(ctx, j.orgID, c, http.MethodGet, "/Groups?startIndex=1&count=100", nil)
	var list listResponse
	if r.ok() && r.decode(&list) == nil {
		m.cacheGroups(j, list.Resources, true)
	}
}

func (m *Model) appConnection(j job) (Connection, bool) {
	o, err := m.Org(j.orgID)
	if err != nil {
		return Connection{}, false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.apps[j.appID]
	if !ok || !a.Connection.configured() {
		return Connection{}, false
	}
	return a.Connection, true
}

// cacheGroups stores the target's groups by name.
func (m *Model) cacheGroups(j job, resources []json.RawMessage, replace bool) {
	m.withJobApp(j, func(o *Org, a *App) {
		if replace {
			a.remoteGroups = map[string]remoteGroup{}
		}
		for _, raw := range resources {
			if id, _, name := resourceInfo(raw); id != "" && name != "" {
				a.remoteGroups[lower(name)] = remoteGroup{ID: id, Name: name}
			}
		}
	})
}

// ImportSummary reports an import the way Okta words it (OKTA-IMPORT-1).
type ImportSummary struct {
	UsersScanned   int    `json:"usersScanned"`
	UsersMatched   int    `json:"usersMatched"`
	UsersUnmatched int    `json:"usersUnmatched"`
	UsersRemoved   int    `json:"usersRemoved"`
	GroupsScanned  int    `json:"groupsScanned"`
	Error          string `json:"error,omitempty"`
	Summary        string `json:"summary"`
}

// Import is "Import Now": paged GETs of users and groups, no writes
// downstream. Active users whose userName matches an app user without a
// downstream id are linked; inactive ones count as removed.
func (m *Model) Import(ctx context.Context, o *Org, appID string) (ImportSummary, error) {
	o.mu.Lock()
	a, err := o.app(appID)
	if err == nil && !a.Connection.configured() {
		err = errFeatureNotEnabled("Provisioning is not enabled for this application")
	}
	if err != nil {
		o.mu.Unlock()
		return ImportSummary{}, err
	}
	done := make(chan ImportSummary, 1)
	m.enqueue(o, a, job{kind: jobImport, done: done})
	o.mu.Unlock()
	select {
	case s := <-done:
		return s, nil
	case <-ctx.Done():
		return ImportSummary{}, ctx.Err()
	}
}

func (m *Model) runImport(ctx context.Context, j job) {
	var sum ImportSummary
	defer func() {
		sum.Summary = fmt.Sprintf("%d users scanned, %d matched, %d unmatched, %d removed, %d groups scanned",
			sum.UsersScanned, sum.UsersMatched, sum.UsersUnmatched, sum.UsersRemoved, sum.GroupsScanned)
		j.done <- sum
	}()
	c, ok := m.appConnection(j)
	if !ok {
		sum.Error = "the app or its connection is gone"
		return
	}
	users, err := m.pageAll(ctx, j.orgID, c, "Users")
	if err != "" {
		sum.Error = err
		return
	}
	groups, err := m.pageAll(ctx, j.orgID, c, "Groups")
	if err != "" {
		sum.Error = err
		return
	}
	sum.UsersScanned, sum.GroupsScanned = len(users), len(groups)
	m.cacheGroups(j, groups, true)
	o, e := m.Org(j.orgID)
	if e != nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.apps[j.appID]
	if !ok {
		return
	}
	byName := map[string]*AppUser{}
	for _, au := range a.appUsers() {
		byName[lower(au.UserName)] = au
	}
	for _, raw := range users {
		var r struct {
			ID       string `json:"id"`
			UserName string `json:"userName"`
			Active   *bool  `json:"active"`
		}
		_ = json.Unmarshal(raw, &r)
		if r.Active != nil && !*r.Active {
			sum.UsersRemoved++
			continue
		}
		au, ok := byName[lower(r.UserName)]
		if !ok {
			sum.UsersUnmatched++
			continue
		}
		sum.UsersMatched++
		if au.ExternalID == "" {
			au.ExternalID = r.ID
			m.markSynced(au, AppUserProvisioned)
			o.changes.Put(kindAppUser, pairKey(a.ID, au.UserID))
		}
	}
	m.logEngine(o, a, "application.provision.user.import", "")
	m.logEngine(o, a, "application.provision.group.import", "")
}

// pageAll reads a whole collection 100 at a time (OKTA-IMPORT-1).
func (m *Model) pageAll(ctx context.Context, orgID string, c Connection, resource string) ([]json.RawMessage, string) {
	var out []json.RawMessage
	for start := 1; ; start += 100 {
		r := m.scimCall(ctx, orgID, c, http.MethodGet, fmt.Sprintf("/%s?startIndex=%d&count=100", resource, start), nil)
		var list listResponse
		if !r.ok() {
			return nil, r.failure("Error while importing " + strings.ToLower(resource))
		}
		if err := r.decode(&list); err != nil {
			// Okta rejects non-integer paging fields (OKTA-IMPORT-1).
			return nil, "Error while importing " + strings.ToLower(resource) + ": the response is not a SCIM ListResponse with integer paging fields"
		}
		out = append(out, list.Resources...)
		if len(list.Resources) == 0 || len(out) >= list.TotalResults {
			return out, ""
		}
	}
}

// SSOResult is a simulated sign-in.
type SSOResult struct {
	Subject string          `json:"subject"`
	Target  string          `json:"target"`
	Status  int             `json:"status"`
	Result  json.RawMessage `json:"result,omitempty"`
}

// SSOLogin simulates a SAML sign-in to the app: the application username
// is the subject, sent to mockatlassian's control API for the directory the
// app provisions into. A username format that differs from the primary
// email signs in to (and creates) another account: the seed guide's Step 3
// trap.
func (m *Model) SSOLogin(ctx context.Context, o *Org, appID, userRef string) (SSOResult, error) {
	o.mu.Lock()
	a, err := o.app(appID)
	var u *User
	if err == nil {
		u, err = o.user(userRef)
	}
	if err != nil {
		o.mu.Unlock()
		return SSOResult{}, err
	}
	var subject string
	if au, ok := a.appUser(u.ID); ok {
		subject = au.UserName
	} else {
		subject = a.userNameFor(u)
	}
	base := a.Connection.BaseURL
	// mockatlassian accepts the directory's own key on its sign-in route,
	// so the simulated SSO works when its control API demands a token.
	auth := a.Connection.authorization()
	o.mu.Unlock()
	target, err := ssoTarget(base)
	if err != nil {
		return SSOResult{}, err
	}
	body, _ := json.Marshal(map[string]string{"subject": subject})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return SSOResult{}, errValidation(err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := m.opts.SCIMClient.Do(req)
	if err != nil {
		return SSOResult{}, errValidation("sso: " + err.Error())
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	return SSOResult{Subject: subject, Target: target, Status: resp.StatusCode, Result: raw}, nil
}

// ssoTarget derives mockatlassian's sign-in route from a SCIM base URL of
// the form http://host/scim/directory/{id}.
func ssoTarget(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || base == "" {
		return "", errValidation("sso: the app has no SCIM base URL")
	}
	_, dir, ok := strings.Cut(u.Path, "/scim/directory/")
	if !ok || dir == "" {
		return "", errValidation("sso: the SCIM base URL is not a mockatlassian directory URL")
	}
	dir, _, _ = strings.Cut(dir, "/")
	return u.Scheme + "://" + u.Host + "/_sim/directories/" + url.PathEscape(dir) + "/sso", nil
}
