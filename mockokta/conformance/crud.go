package conformance

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/provsim/provsim/mockokta"
)

// The okta-crud profile: Okta's "SCIM 2.0 CRUD Test"
// (Okta-SCIM-20-CRUD-Test.json, OKTA-SUITE-2). The real suite is a script
// of Okta Management API calls against an Okta org whose app provisions
// into the server, with 20–40 s pauses, each action followed by a SCIM
// check of the server. Here the org is an in-process mockokta whose engine
// sends what Okta sends; the pauses are waits for the engine to be idle.

const crudSource = "Okta SCIM 2.0 CRUD Test (Okta-SCIM-20-CRUD-Test.json)"

// engine is the in-process Okta org.
type engine struct {
	srv    *mockokta.Server
	ts     *httptest.Server
	api    *apiClient // the Management API, as the suite calls it (recorded)
	ctl    *apiClient // mockokta's control API (not part of the exchange)
	orgID  string
	appID  string
	tasks  map[string]bool // tasks already reported
	closed bool
}

func (e *engine) close() {
	if !e.closed {
		e.ts.Close()
		_ = e.srv.Close() // in memory: nothing to save, nothing to fail
		e.closed = true
	}
}

// startEngine starts a mockokta with one org, its engine sending through
// the recorder.
func (r *run) startEngine() (*engine, error) {
	token := "conformance-" + r.pick(lowerLetters+digits, 24)
	quiet := slog.New(slog.DiscardHandler)
	srv, err := mockokta.NewServer(mockokta.Config{Logger: quiet, Boot: &mockokta.Boot{OrgName: "SCIM conformance", APIToken: token},
		Options: mockokta.Options{Seed: r.opts.Seed, Logger: quiet,
			SCIMClient: &http.Client{Transport: r.rec.transport(partEngine, partServer, r.opts.Transport), Timeout: 60 * time.Second}}})
	if err != nil {
		return nil, fmt.Errorf("mockokta: %w", err)
	}
	ts := httptest.NewServer(srv)
	e := &engine{srv: srv, ts: ts, orgID: srv.Booted.Org.ID, tasks: map[string]bool{},
		api: &apiClient{ctx: r.ctx, base: ts.URL, auth: "SSWS " + token,
			http: &http.Client{Transport: r.rec.transport(partCRUDTest, partOkta, ts.Client().Transport), Timeout: r.opts.Timeout + time.Minute}},
		ctl: &apiClient{ctx: r.ctx, base: ts.URL, http: &http.Client{Timeout: r.opts.Timeout + time.Minute}}}
	return e, nil
}

// call is one Management API call with the suite's headers.
func (e *engine) call(method, path string, body any) response {
	h := map[string]string{"Content-Type": "application/json", "Accept": "application/json", "Authorization": e.api.auth}
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	return e.api.send(method, path, h, raw)
}

// wait stands for the suite's pauses: it waits until the engine is idle.
func (e *engine) wait(timeout time.Duration) error {
	resp := e.ctl.send(http.MethodPost, "/_sim/orgs/"+e.orgID+"/wait?timeout="+url.QueryEscape(timeout.String()), map[string]string{}, nil)
	switch {
	case resp.Status == http.StatusGatewayTimeout:
		return fmt.Errorf("the engine was still busy after %s (Okta retries a 429 after Retry-After, else after 5 minutes)", timeout)
	case resp.Status != http.StatusOK:
		return fmt.Errorf("waiting for the engine: %s", statusText(resp))
	}
	return nil
}

// newTasks are the messages of tasks Okta opened since the last call.
func (e *engine) newTasks() []string {
	var tasks []struct{ ID, Message string }
	resp := e.ctl.send(http.MethodGet, "/_sim/orgs/"+e.orgID+"/tasks", map[string]string{}, nil)
	if json.Unmarshal(resp.Raw, &tasks) != nil {
		return nil
	}
	var out []string
	for _, t := range tasks {
		if !e.tasks[t.ID] {
			e.tasks[t.ID] = true
			out = append(out, t.Message)
		}
	}
	return out
}

// appUser describes the app user as Okta's Management API shows it.
func (e *engine) appUser(userID string) string {
	var au struct {
		Status, SyncState string
		ExternalID        *string
	}
	resp := e.ctl.send(http.MethodGet, "/api/v1/apps/"+e.appID+"/users/"+userID, map[string]string{"Authorization": e.api.auth, "Accept": "application/json"}, nil)
	if resp.Status != http.StatusOK || json.Unmarshal(resp.Raw, &au) != nil {
		return fmt.Sprintf("Okta's app user: not assigned (%d)", resp.Status)
	}
	ext := "none"
	if au.ExternalID != nil && *au.ExternalID != "" {
		ext = *au.ExternalID
	}
	return fmt.Sprintf("Okta's app user: status %s, syncState %s, externalId %s", au.Status, au.SyncState, ext)
}

func (r *run) oktaCRUD() *ProfileResult {
	res := &ProfileResult{Profile: ProfileOktaCRUD, Title: "Okta SCIM 2.0 CRUD Test",
		Source: crudSource + ", with mockokta in place of the Okta org"}
	appName, appDesc := "scim2testapp", "an OIN app (Okta's SCIM 2.0 Test App): updates GET + PUT, activation and deactivation PATCH"
	if r.opts.App == AppWizard {
		appName, appDesc = "conformance-scim-app", "a custom app made with the App Integration Wizard: PUT for everything"
	}
	res.Notes = append(res.Notes, "Okta's engine provisions through "+appDesc+" (OKTA-FLAVOUR-1)")
	e, err := r.startEngine()
	if err != nil {
		res.Notes = append(res.Notes, "could not start the Okta org: "+err.Error())
		return res
	}
	defer e.close()

	given, family, email := r.randomPerson()
	email = strings.ToLower(email)
	givenUpdated := given + "update"
	var userID, scimID string
	scimHeaders := map[string]string{"Authorization": r.opts.Target.Authorization(), "Accept": "application/scim+json"}
	scimGet := func(path string) response { return r.client(partCRUDTest).send(http.MethodGet, path, scimHeaders, nil) }
	assignment := func(givenName string) map[string]any {
		return map[string]any{"id": userID, "scope": "USER", "credentials": map[string]any{"userName": email},
			"profile": map[string]any{"familyName": family, "givenName": givenName, "emailType": "work", "email": email}}
	}
	step := func(id, name, steps, expect string, fidelity []string, fn func(k *checker)) bool {
		c := r.check(&Check{ID: "okta-crud/" + id, Name: name, Source: crudSource + ", " + steps, Expect: expect, Fidelity: fidelity}, fn)
		res.Checks = append(res.Checks, c)
		return c.Status == Passed
	}
	// action makes Management API calls, then waits as the suite pauses;
	// the tasks Okta opened become notes.
	action := func(k *checker, calls ...func() (response, int, string)) bool {
		for _, call := range calls {
			resp, want, what := call()
			if resp.Status != want {
				k.fail("Okta Management API: "+what, fmt.Sprintf("HTTP %d", want), statusText(resp))
				return false
			}
		}
		if err := e.wait(r.opts.Timeout); err != nil {
			k.fail("Okta's engine finished", "idle", err.Error())
		}
		for _, t := range e.newTasks() {
			k.note("Okta opened a task: %s", t)
		}
		return true
	}
	verify := func(k *checker, path string, fn func(a *asserter)) {
		a := k.on(scimGet(path))
		a.status(200)
		fn(a)
		if len(k.c.Failures) > 0 && userID != "" {
			k.note("%s", e.appUser(userID))
		}
	}

	ready := step("setup", "Check SCIM Apps instance in Okta; Add new random user to Okta", "steps 1–2, with the app's Provisioning settings they assume",
		"Okta's CRUD test runs against an app whose API integration is saved. Saving it sends Test API Credentials "+
			"(GET /Users?startIndex=1&count=2) and refuses to save unless that answers 200 with a SCIM ListResponse "+
			"whose paging fields are integers; saving To App then reads /Users and /Groups.",
		[]string{"OKTA-SUITE-2", "OKTA-TEST-1", "OKTA-IMPORT-1", "OKTA-WIRE-2"}, func(k *checker) {
			var app struct{ ID string }
			resp := e.call(http.MethodPost, "/api/v1/apps", map[string]any{"name": appName, "label": "SCIM conformance", "signOnMode": "SAML_2_0"})
			if resp.Status != http.StatusOK || json.Unmarshal(resp.Raw, &app) != nil {
				k.fail("Okta Management API: create the app", "HTTP 200", statusText(resp))
				return
			}
			e.appID = app.ID
			conn := map[string]any{"baseUrl": r.opts.Target.BaseURL, "authMode": string(r.opts.Target.Auth)}
			if r.opts.Target.Auth == mockokta.AuthBasic {
				user, pass, _ := strings.Cut(r.opts.Target.Token, ":")
				conn["username"], conn["password"] = user, pass
			} else {
				conn["profile"] = map[string]any{"authScheme": "TOKEN", "token": r.opts.Target.Token}
			}
			resp = e.call(http.MethodPost, "/api/v1/apps/"+e.appID+"/connections/default?activate=true", conn)
			if resp.Status != http.StatusOK {
				k.fail("Save the API integration (Test API Credentials)", "Okta saves it", oktaError(resp))
				return
			}
			on := map[string]string{"status": "ENABLED"}
			if !action(k, func() (response, int, string) {
				return e.call(http.MethodPut, "/api/v1/apps/"+e.appID+"/features/USER_PROVISIONING", map[string]any{
					"create": map[string]any{"lifecycleCreate": on},
					"update": map[string]any{"profile": on, "lifecycleDeactivate": on}}), 200, "save To App"
			}, func() (response, int, string) {
				return e.call(http.MethodGet, "/api/v1/apps/"+e.appID, nil), 200, "GET the app (step 1)"
			}) {
				return
			}
			var user struct{ ID string }
			resp = e.call(http.MethodPost, "/api/v1/users?activate=true", map[string]any{
				"profile": map[string]any{"firstName": given, "lastName": family, "email": email, "login": email,
					"title": "Conformance tester", "primaryPhone": "555-0100"},
				"credentials": map[string]any{"password": map[string]any{"value": "Abcde12345"},
					"recovery_question": map[string]any{"question": "Who's a major player in the cowboy scene?", "answer": "okta"}}})
			if resp.Status != http.StatusOK || json.Unmarshal(resp.Raw, &user) != nil {
				k.fail("Okta Management API: add the user (step 2)", "HTTP 200", statusText(resp))
				return
			}
			userID = user.ID
		})
	if !ready {
		for _, s := range [][2]string{{"03-04", "Verify if user is created in SCIM App"}, {"05-06", "Verify firstname update in SCIM App"},
			{"07-08", "Verify if user is deactivated in SCIM App"}, {"09-11", "Verify if user is reactivated in SCIM App"},
			{"12-13", "Verify if user is deactivated in SCIM App"}} {
			res.Checks = append(res.Checks, &Check{ID: "okta-crud/" + s[0], Name: s[1], Source: crudSource, Status: Skipped,
				Reason: "the app could not be set up (see okta-crud/setup)"})
		}
		return res
	}

	step("03-04", "Assign user to SCIM App → Verify if user is created in SCIM App", "steps 3–4",
		"On assignment Okta filters by userName and, finding nobody, POSTs the user (201 with an id, which Okta "+
			"keeps). The server must then find the user by userName with the emails and name Okta sent.",
		[]string{"OKTA-SUITE-2", "OKTA-CREATE-1", "OKTA-CREATE-2", "OKTA-CREATE-3"}, func(k *checker) {
			if !action(k, func() (response, int, string) {
				return e.call(http.MethodPost, "/api/v1/apps/"+e.appID+"/users", assignment(given)), 200, "assign the user"
			}) {
				return
			}
			verify(k, filterPath("userName", email), func(a *asserter) {
				a.equal("Resources[0].userName", email)
				a.equal("Resources[0].emails[0].value", email)
				a.equal("Resources[0].name.familyName", family)
				a.equal("Resources[0].name.givenName", given)
				scimID = a.variable("Resources[0].id")
			})
		})

	step("05-06", "Update user firstname → Verify firstname update in SCIM App", "steps 5–6",
		"A profile change in Okta is pushed as GET /Users/{id} then a PUT of the server's own representation with "+
			"the mapped attributes changed (id, meta and anything else echoed back). The change must show on the "+
			"server.",
		[]string{"OKTA-SUITE-2", "OKTA-UPDATE-1"}, func(k *checker) {
			if !k.need(scimID, "the SCIM id found by okta-crud/03-04") {
				return
			}
			if !action(k, func() (response, int, string) {
				return e.call(http.MethodPut, "/api/v1/users/"+userID, map[string]any{"profile": map[string]any{
					"firstName": givenUpdated, "lastName": family, "email": email, "login": email}}), 200, "update the user"
			}) {
				return
			}
			verify(k, "/Users/"+scimID, func(a *asserter) { a.equal("name.givenName", givenUpdated) })
		})

	step("07-08", "Deactivate user in Okta → Verify if user is deactivated in SCIM App", "steps 7–8",
		"Okta never deletes a user: deactivating it in Okta sends PATCH {\"op\":\"replace\",\"value\":{\"active\":false}} "+
			"(no path) from OIN apps, GET + PUT with \"active\": false from wizard apps. The user must stay readable "+
			"with active false.",
		[]string{"OKTA-SUITE-2", "OKTA-DEACT-1", "OKTA-DEACT-2", "OKTA-DEACT-3"}, func(k *checker) {
			if !k.need(scimID, "the SCIM id found by okta-crud/03-04") {
				return
			}
			if !action(k, func() (response, int, string) {
				return e.call(http.MethodPost, "/api/v1/users/"+userID+"/lifecycle/deactivate", nil), 200, "deactivate the user"
			}) {
				return
			}
			verify(k, "/Users/"+scimID, func(a *asserter) { a.equal("active", "false") })
		})

	step("09-11", "Reactivate user in okta; Assign user to SCIM App → Verify if user is reactivated in SCIM App", "steps 9–11",
		"Deactivating the Okta user removed its assignment, so the suite assigns it again. Okta finds the user by "+
			"userName and reactivates that same account (PATCH active true from OIN apps, PUT from wizard apps), "+
			"never creating a second one.",
		[]string{"OKTA-SUITE-2", "OKTA-DEACT-4", "OKTA-REACT-1", "OKTA-LINK-1"}, func(k *checker) {
			if !k.need(scimID, "the SCIM id found by okta-crud/03-04") {
				return
			}
			if !action(k, func() (response, int, string) {
				return e.call(http.MethodPost, "/api/v1/users/"+userID+"/lifecycle/activate", nil), 200, "reactivate the user"
			}, func() (response, int, string) {
				return e.call(http.MethodPost, "/api/v1/apps/"+e.appID+"/users", assignment(givenUpdated)), 200, "assign the user again"
			}) {
				return
			}
			verify(k, "/Users/"+scimID, func(a *asserter) { a.equal("active", "true") })
		})

	step("12-13", "Removes an assignment for a user in Okta → Verify if user is deactivated in SCIM App", "steps 12–13",
		"Unassigning a user deactivates it downstream with the same request as step 7, and the user stays readable "+
			"with active false.",
		[]string{"OKTA-SUITE-2", "OKTA-DEACT-1", "OKTA-DEACT-2"}, func(k *checker) {
			if !k.need(scimID, "the SCIM id found by okta-crud/03-04") {
				return
			}
			if !action(k, func() (response, int, string) {
				return e.call(http.MethodDelete, "/api/v1/apps/"+e.appID+"/users/"+userID, nil), 204, "remove the assignment"
			}) {
				return
			}
			verify(k, "/Users/"+scimID, func(a *asserter) { a.equal("active", "false") })
		})
	return res
}

// oktaError is the summary and causes of an Okta error envelope.
func oktaError(resp response) string {
	var e struct {
		ErrorSummary string
		ErrorCauses  []struct{ ErrorSummary string }
	}
	if resp.Status == 0 || json.Unmarshal(resp.Raw, &e) != nil || e.ErrorSummary == "" {
		return statusText(resp)
	}
	msg := e.ErrorSummary
	for _, c := range e.ErrorCauses {
		msg += " " + c.ErrorSummary
	}
	return msg
}
