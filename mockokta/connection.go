package mockokta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
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
	if m.skipsGroupImport(j) {
		// "Import Groups" off: Okta reads no app groups (OKTA-PUSH-12).
		return
	}
	r := m.scimCall(ctx, j.orgID, c, http.MethodGet, "/Groups?startIndex=1&count=100", nil)
	var list listResponse
	if r.ok() && r.decode(&list) == nil {
		m.cacheGroups(j, list.Resources, true)
	}
}

// skipsGroupImport reports whether the job's app has "Import Groups" off.
func (m *Model) skipsGroupImport(j job) bool {
	o, err := m.Org(j.orgID)
	if err != nil {
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.apps[j.appID]
	return ok && a.SkipGroupImport
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
	var groups []json.RawMessage
	if !m.skipsGroupImport(j) {
		// With "Import Groups" off no group is read (OKTA-PUSH-12).
		if groups, err = m.pageAll(ctx, j.orgID, c, "Groups"); err != "" {
			sum.Error = err
			return
		}
		m.cacheGroups(j, groups, true)
	}
	sum.UsersScanned, sum.GroupsScanned = len(users), len(groups)
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

// SSOResult is a sign-in the control API made: the NameID sent, the ACS
// it went to, and what the service provider answered (a redirect: signed
// in; else its error page's message). Refused is Okta's own refusal, when
// no assertion was sent.
type SSOResult struct {
	Subject  string `json:"subject,omitempty"`
	Target   string `json:"target,omitempty"`
	Status   int    `json:"status,omitempty"`
	SignedIn bool   `json:"signedIn"`
	Location string `json:"location,omitempty"`
	Error    string `json:"error,omitempty"`
	Refused  string `json:"refused,omitempty"`
}

// SSOLogin signs the user in to the app as the app's embed link does, with
// the server's HTTP client in place of a browser: a signed, IdP-initiated
// response (SAML-IDP-2) posted to the app's Single sign-on URL. base is the
// org URL. The service provider judges it as it judges any response; with
// mockatlassian that signs in to the account the NameID names or creates
// one, the seed guide's Step 3 trap (SAML-TRAP-1).
func (m *Model) SSOLogin(ctx context.Context, o *Org, appID, userRef, base string) (SSOResult, error) {
	o.mu.Lock()
	u, err := o.user(userRef)
	var uid string
	if err == nil {
		uid = u.ID
	}
	o.mu.Unlock()
	if err != nil {
		return SSOResult{}, err
	}
	setup, err := m.SAMLSetupOf(o, appID)
	if err != nil {
		return SSOResult{}, err
	}
	if setup.App.SAML.ACSURL == "" || setup.App.SAML.Audience == "" {
		return SSOResult{}, errValidation("settings.signOn: the app has no Single sign-on URL and Audience URI to sign in to")
	}
	subj, err := m.SAMLSubject(o, appID, uid)
	var refused *SignInRefused
	if errors.As(err, &refused) {
		return SSOResult{Refused: refused.Reason}, nil
	}
	if err != nil {
		return SSOResult{}, err
	}
	browser, err := http.NewRequestWithContext(ctx, http.MethodGet, base+setup.App.EmbedPath(), nil)
	if err != nil {
		return SSOResult{}, errValidation(err.Error())
	}
	browser.RemoteAddr = "127.0.0.1:0"
	form, err := setup.IdP(base, m.now()).Respond(browser, nil, subj, setup.App.SAML.DefaultRelayState)
	if err != nil {
		return SSOResult{}, errValidation("sso: " + err.Error())
	}
	body := url.Values{"SAMLResponse": {form.SAMLResponse}}
	if form.RelayState != "" {
		body.Set("RelayState", form.RelayState)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, form.URL, strings.NewReader(body.Encode()))
	if err != nil {
		return SSOResult{}, errValidation(err.Error())
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := *m.opts.SCIMClient
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		return SSOResult{}, errValidation("sso: " + err.Error())
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	out := SSOResult{Subject: subj.NameID, Target: form.URL, Status: resp.StatusCode, Location: resp.Header.Get("Location")}
	out.SignedIn = resp.StatusCode >= 300 && resp.StatusCode < 400
	if !out.SignedIn {
		out.Error = pageMessage(string(page))
	}
	return out, nil
}

// pageMessage is an error page's message (its role="alert" paragraph), or
// the page cut short.
func pageMessage(page string) string {
	if _, rest, ok := strings.Cut(page, `role="alert">`); ok {
		msg, _, _ := strings.Cut(rest, "</")
		return html.UnescapeString(strings.TrimSpace(msg))
	}
	if len(page) > 300 {
		page = page[:300]
	}
	return strings.TrimSpace(page)
}
