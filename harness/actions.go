package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// stepName describes a step for reports.
func stepName(st Step) string {
	if st.Name != "" {
		return st.Name
	}
	switch {
	case st.TestAPICredentials != nil:
		if st.TestAPICredentials.APIKey != "" {
			return "test API credentials with another key"
		}
		return "test API credentials"
	case st.SaveToApp != nil:
		return "save To App settings"
	case st.SetUserNameFormat != "":
		return "set application username format to " + st.SetUserNameFormat + " and Update Now"
	case st.SetPrimaryEmail != "":
		return "map primary email from " + st.SetPrimaryEmail
	case st.PushGroup != nil:
		return "push group " + st.PushGroup.Group
	case st.PushNow != "":
		return "push now " + st.PushNow
	case st.UnlinkPushedGroup != nil:
		if st.UnlinkPushedGroup.DeleteTarget {
			return "unlink pushed group " + st.UnlinkPushedGroup.Group + " and delete it in Atlassian"
		}
		return "unlink pushed group " + st.UnlinkPushedGroup.Group
	case st.Assign != nil:
		return "assign " + assignTarget(st.Assign)
	case st.Unassign != nil:
		return "unassign " + assignTarget(st.Unassign)
	case st.UpdateProfile != nil:
		return "update profile of " + st.UpdateProfile.User
	case st.ChangeEmail != nil:
		return "change email of " + st.ChangeEmail.User + " to " + st.ChangeEmail.Email
	case st.ChangePassword != nil:
		return "change Okta password of " + st.ChangePassword.User
	case st.Deactivate != "":
		return "deactivate " + st.Deactivate + " in Okta"
	case st.Activate != "":
		return "activate " + st.Activate + " in Okta"
	case st.Suspend != "":
		return "suspend " + st.Suspend
	case st.Unsuspend != "":
		return "unsuspend " + st.Unsuspend
	case st.AddToGroup != nil:
		return "add " + st.AddToGroup.User + " to " + st.AddToGroup.Group
	case st.RemoveFromGroup != nil:
		return "remove " + st.RemoveFromGroup.User + " from " + st.RemoveFromGroup.Group
	case st.RenameGroup != nil:
		return "rename group " + st.RenameGroup.Group + " to " + st.RenameGroup.To
	case st.GrantAccess != nil:
		return "grant " + st.GrantAccess.Group + " access to " + st.GrantAccess.Product
	case st.RevokeAccess != nil:
		return "revoke " + st.RevokeAccess.Group + " access to " + st.RevokeAccess.Product
	case st.MakeDefaultGroup != nil:
		return "make " + st.MakeDefaultGroup.Group + " a default group"
	case st.SSO != nil:
		return "SSO sign-in of " + st.SSO.User
	case st.Import != nil:
		return "import users and groups"
	case st.Fault != nil:
		return "inject fault: " + faultName(st.Fault)
	case st.ClearFaults != nil:
		return "clear faults"
	case st.RetryTask != nil:
		if st.RetryTask.Force {
			return "retry open provisioning tasks, forced"
		}
		return "retry open provisioning tasks"
	case st.MarkTasksComplete != nil:
		if st.MarkTasksComplete.DeactivateFirst {
			return "deactivate by hand in Atlassian, then mark deprovisioning tasks complete"
		}
		return "mark deprovisioning tasks complete"
	case st.RefreshAppGroups != nil:
		return "refresh app groups"
	case st.LinkPushedGroup != nil:
		return "link pushed group " + st.LinkPushedGroup.Group + " to an existing Atlassian group"
	}
	return "check"
}

func assignTarget(a *AssignStep) string {
	if a.Group != "" {
		return "group " + a.Group
	}
	return a.User
}

// step runs one step: the action, the wait for the engine, the checks. It
// returns the unmet expectations and, when there are any, the SCIM traffic
// of the step.
func (r *run) step(i int, st Step) ([]Failure, []string) {
	if err := r.markJournal(); err != nil {
		return []Failure{{What: "journal", Found: err.Error()}}, nil
	}
	var fails []Failure
	if err := r.act(st, &fails); err != nil {
		fails = append(fails, Failure{What: stepName(st), Expected: "the action to succeed", Found: err.Error()})
	} else if err := r.waitIdle(); err != nil {
		fails = append(fails, Failure{What: "wait for the provisioning engine", Expected: "idle", Found: err.Error()})
	}
	// The action's own checks and errors point at the action.
	if action := st.Action(); action != "" {
		for j := range fails {
			fails[j].Path = fmt.Sprintf("$.steps[%d].%s", i, action)
		}
	}
	if len(fails) == 0 {
		if err := r.refreshIDs(); err != nil {
			fails = append(fails, Failure{What: "read app users", Found: err.Error()})
		}
	}
	if len(fails) == 0 && st.Expect != nil {
		fails = append(fails, r.check(st.Expect, fmt.Sprintf("$.steps[%d].expect", i))...)
	}
	if len(fails) == 0 {
		return nil, nil
	}
	return fails, r.exchange()
}

// act performs the step's action. Checks that belong to the action itself
// (a credentials test's outcome, a refused default group, an SSO result)
// append to fails.
func (r *run) act(st Step, fails *[]Failure) error {
	switch {
	case st.TestAPICredentials != nil:
		return r.testCredentials(st.TestAPICredentials, fails)
	case st.SaveToApp != nil:
		return r.saveToApp(*st.SaveToApp)
	case st.SetUserNameFormat != "":
		// The guide's Steps 3.2-3.5: Save, then "Update Now", without which
		// Okta rewrites no existing username (OKTA-USERNAME-2).
		if err := r.settings(st.SetUserNameFormat, "", false); err != nil {
			return err
		}
		return r.oktaCtl.do("POST", r.appCtl("/update-usernames"), nil, nil)
	case st.SetPrimaryEmail != "":
		return r.settings("", st.SetPrimaryEmail, false)
	case st.PushGroup != nil:
		g, err := r.group(st.PushGroup.Group)
		if err != nil {
			return err
		}
		target := st.PushGroup.TargetName
		if target == "" {
			target = g.spec.Name
		}
		var out struct {
			ID string `json:"id"`
		}
		if err := r.okta.do("POST", "/api/v1/apps/"+r.appID+"/group-push/mappings",
			map[string]any{"sourceGroupId": g.oktaID, "targetGroupName": target, "status": "ACTIVE"}, &out); err != nil {
			return err
		}
		g.mappingID = out.ID
		return nil
	case st.PushNow != "":
		g, err := r.pushed(st.PushNow)
		if err != nil {
			return err
		}
		return r.oktaCtl.do("POST", r.appCtl("/group-push/mappings/"+g.mappingID+"/push-now"), nil, nil)
	case st.UnlinkPushedGroup != nil:
		g, err := r.pushed(st.UnlinkPushedGroup.Group)
		if err != nil {
			return err
		}
		path := "/api/v1/apps/" + r.appID + "/group-push/mappings/" + g.mappingID
		if err := r.okta.do("PATCH", path, map[string]any{"status": "INACTIVE"}, nil); err != nil {
			return err
		}
		if err := r.okta.do("DELETE", fmt.Sprintf("%s?deleteTargetGroup=%t", path, st.UnlinkPushedGroup.DeleteTarget), nil, nil); err != nil {
			return err
		}
		g.mappingID = ""
		return nil
	case st.Assign != nil:
		return refusal(stepName(st), st.Assign.Error, r.assign(st.Assign, true), fails)
	case st.Unassign != nil:
		return refusal(stepName(st), st.Unassign.Error, r.assign(st.Unassign, false), fails)
	case st.UpdateProfile != nil:
		p, err := r.person(st.UpdateProfile.User)
		if err != nil {
			return err
		}
		profile := map[string]any{}
		for k, v := range st.UpdateProfile.Set {
			profile[k] = v
		}
		return r.okta.do("POST", "/api/v1/users/"+p.oktaID, map[string]any{"profile": profile}, nil)
	case st.ChangeEmail != nil:
		p, err := r.person(st.ChangeEmail.User)
		if err != nil {
			return err
		}
		profile := map[string]any{"email": st.ChangeEmail.Email}
		if st.ChangeEmail.Login {
			profile["login"] = st.ChangeEmail.Email
		}
		if err := r.okta.do("POST", "/api/v1/users/"+p.oktaID, map[string]any{"profile": profile}, nil); err != nil {
			return err
		}
		p.Email = st.ChangeEmail.Email
		if st.ChangeEmail.Login {
			p.Login = st.ChangeEmail.Email
		}
		return nil
	case st.ChangePassword != nil:
		return refusal(stepName(st), st.ChangePassword.Error, r.changePassword(st.ChangePassword), fails)
	case st.Deactivate != "":
		return r.lifecycle(st.Deactivate, "deactivate")
	case st.Activate != "":
		return r.lifecycle(st.Activate, "activate?sendEmail=false")
	case st.Suspend != "":
		return r.lifecycle(st.Suspend, "suspend")
	case st.Unsuspend != "":
		return r.lifecycle(st.Unsuspend, "unsuspend")
	case st.AddToGroup != nil:
		return r.membership(st.AddToGroup, "PUT")
	case st.RemoveFromGroup != nil:
		return r.membership(st.RemoveFromGroup, "DELETE")
	case st.RenameGroup != nil:
		g, err := r.group(st.RenameGroup.Group)
		if err != nil {
			return err
		}
		if err := r.okta.do("PUT", "/api/v1/groups/"+g.oktaID, map[string]any{"profile": map[string]any{"name": st.RenameGroup.To}}, nil); err != nil {
			return err
		}
		// The group keeps its scenario name as its ref.
		return nil
	case st.GrantAccess != nil:
		return r.access(st.GrantAccess, "PUT")
	case st.RevokeAccess != nil:
		return r.access(st.RevokeAccess, "DELETE")
	case st.MakeDefaultGroup != nil:
		err := r.atlCtl.do("PUT", "/_sim/orgs/"+r.atlOrg+"/groups/"+url.PathEscape(st.MakeDefaultGroup.Group)+"/default", nil, nil)
		return refusal("make default group", st.MakeDefaultGroup.Error, err, fails)
	case st.SSO != nil:
		return r.sso(st.SSO, fails)
	case st.Import != nil:
		return r.oktaCtl.do("POST", r.appCtl("/import"), nil, nil)
	case st.Fault != nil:
		return r.addFault(st.Fault)
	case st.ClearFaults != nil:
		return r.atlCtl.do("DELETE", "/_sim/faults?tenant="+url.QueryEscape(r.dirID), nil, nil)
	case st.RetryTask != nil:
		return r.retryTasks(st.RetryTask.Force)
	case st.MarkTasksComplete != nil:
		return r.markTasksComplete(st.MarkTasksComplete.DeactivateFirst)
	case st.RefreshAppGroups != nil:
		return r.oktaCtl.do("POST", r.appCtl("/group-push/refresh"), nil, nil)
	case st.LinkPushedGroup != nil:
		g, err := r.pushed(st.LinkPushedGroup.Group)
		if err != nil {
			return err
		}
		target := st.LinkPushedGroup.TargetName
		if target == "" {
			target = g.spec.Name
		}
		return r.oktaCtl.do("POST", r.appCtl("/group-push/mappings/"+g.mappingID+"/link"), map[string]any{"targetGroupName": target}, nil)
	}
	return nil
}

// faultName describes a fault for reports: "429 on POST /Users ×2".
func faultName(f *FaultSpec) string {
	var what []string
	if f.Latency != "" {
		what = append(what, f.Latency+" latency")
	}
	switch {
	case f.Status != 0:
		what = append(what, strconv.Itoa(f.Status))
	case f.Drop:
		what = append(what, "dropped connection")
	case f.Hang != "":
		what = append(what, "hang "+f.Hang)
	}
	if f.After {
		what = append(what, "after the change is made")
	}
	s := strings.Join(what, ", ") + " on"
	if f.Method != "" {
		s += " " + f.Method
	}
	if f.Path != "" {
		s += " " + f.Path
	} else {
		s += " every SCIM request"
	}
	if f.Times > 0 {
		s += fmt.Sprintf(" ×%d", f.Times)
	}
	return s
}

// addFault adds the rule to mockatlassian for this scenario's directory
// only, so scenarios sharing a server do not see each other's faults.
func (r *run) addFault(f *FaultSpec) error {
	rule := map[string]any{"path": "/scim/directory/" + r.dirID + f.Path, "tenant": r.dirID}
	for k, v := range map[string]any{"method": f.Method, "bodyField": f.BodyField, "latency": f.Latency, "hang": f.Hang} {
		if v != "" {
			rule[k] = v
		}
	}
	if f.BodyValue != nil {
		rule["bodyValue"] = f.BodyValue
	}
	if f.Status != 0 {
		rule["status"] = f.Status
	}
	if f.RetryAfter != nil {
		rule["retryAfter"] = *f.RetryAfter
	}
	if f.Times != 0 {
		rule["times"] = f.Times
	}
	if f.Drop {
		rule["drop"] = true
	}
	if f.After {
		rule["after"] = true
	}
	return r.atlCtl.do("POST", "/_sim/faults", rule, nil)
}

// retryTasks retries the org's open tasks, as "Retry Selected" on all of
// them; with force also those Okta offers no retry for. One call queues
// them all, in the order they were opened.
func (r *run) retryTasks(force bool) error {
	return r.oktaCtl.do("POST", fmt.Sprintf("/_sim/orgs/%s/tasks/retry?force=%t", r.oktaOrg, force), nil, nil)
}

// markTasksComplete marks every open task that Okta offers only "Mark
// complete" for (failed deactivations) complete. With deactivateFirst it
// does by hand what the task asks: it deactivates the person's Atlassian
// account through the directory's SCIM API, unless the person is assigned
// in Okta again (then nothing is left to do).
func (r *run) markTasksComplete(deactivateFirst bool) error {
	var tasks []struct {
		ID        string `json:"id"`
		UserID    string `json:"userId"`
		Retryable bool   `json:"retryable"`
	}
	if err := r.oktaCtl.do("GET", "/_sim/orgs/"+r.oktaOrg+"/tasks", nil, &tasks); err != nil {
		return err
	}
	for _, t := range tasks {
		if t.Retryable {
			continue
		}
		if deactivateFirst && t.UserID != "" {
			if err := r.deactivateByHand(t.UserID); err != nil {
				return err
			}
		}
		if err := r.oktaCtl.do("POST", "/_sim/orgs/"+r.oktaOrg+"/tasks/"+url.PathEscape(t.ID)+"/resolve", nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// deactivateByHand deactivates the Atlassian account of the person with
// this Okta id, unless the person is active and assigned in Okta again.
func (r *run) deactivateByHand(oktaID string) error {
	var u struct {
		Status string `json:"status"`
	}
	if err := r.okta.do("GET", "/api/v1/users/"+oktaID, nil, &u); err != nil {
		return err
	}
	if u.Status != "DEPROVISIONED" {
		err := r.okta.do("GET", "/api/v1/apps/"+r.appID+"/users/"+oktaID, nil, nil)
		if err == nil {
			return nil // assigned again: the account stays active
		}
		if status(err) != 404 {
			return err
		}
	}
	var p *personState
	for _, ps := range r.persons {
		if ps.oktaID == oktaID {
			p = ps
		}
	}
	if p == nil {
		return nil
	}
	var list struct {
		Resources []struct {
			ID string `json:"id"`
		} `json:"Resources"`
	}
	q := url.QueryEscape(`userName eq "` + p.Login + `"`)
	if err := r.scim.do("GET", "/Users?filter="+q, nil, &list); err != nil {
		return err
	}
	for _, u := range list.Resources {
		if err := r.scim.do("PATCH", "/Users/"+u.ID, map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": false}}},
		}, nil); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) pushed(name string) (*groupState, error) {
	g, err := r.group(name)
	if err != nil {
		return nil, err
	}
	if g.mappingID == "" {
		return nil, fmt.Errorf("group %s is not pushed", name)
	}
	return g, nil
}

func (r *run) testCredentials(c *CredentialsStep, fails *[]Failure) error {
	body := map[string]any{}
	if c.APIKey != "" {
		body["token"] = c.APIKey
	}
	var res struct {
		Success bool   `json:"success"`
		Message string `json:"message"`
	}
	err := r.oktaCtl.do("POST", r.appCtl("/test-credentials"), body, &res)
	if status(err) == 400 {
		_ = json.Unmarshal([]byte(err.(*apiError).Body), &res)
	} else if err != nil {
		return err
	}
	want := c.Success == nil || *c.Success
	if res.Success != want {
		*fails = append(*fails, Failure{What: "Test API Credentials", Expected: fmt.Sprintf("success=%t", want),
			Found: fmt.Sprintf("success=%t: %s", res.Success, res.Message)})
	}
	if c.Message != "" && !strings.Contains(res.Message, c.Message) {
		*fails = append(*fails, Failure{What: "Test API Credentials message", Expected: "contains " + quote(c.Message), Found: quote(res.Message)})
	}
	return nil
}

// refusal applies an action's error setting: without one (want ""), the
// action must succeed and its error is the step's; with one, the action
// must be refused with a message containing want.
func refusal(what, want string, err error, fails *[]Failure) error {
	switch {
	case want == "":
		return err
	case err == nil:
		*fails = append(*fails, Failure{What: what, Expected: "refused: " + want, Found: "accepted"})
	case !strings.Contains(err.Error(), want):
		*fails = append(*fails, Failure{What: what, Expected: "refused: " + want, Found: err.Error()})
	}
	return nil
}

func (r *run) assign(a *AssignStep, assign bool) error {
	if a.Group != "" {
		g, err := r.group(a.Group)
		if err != nil {
			return err
		}
		if assign {
			return r.okta.do("PUT", "/api/v1/apps/"+r.appID+"/groups/"+g.oktaID, map[string]any{}, nil)
		}
		return r.okta.do("DELETE", "/api/v1/apps/"+r.appID+"/groups/"+g.oktaID, nil, nil)
	}
	p, err := r.person(a.User)
	if err != nil {
		return err
	}
	if assign {
		return r.okta.do("POST", "/api/v1/apps/"+r.appID+"/users", map[string]any{"id": p.oktaID, "scope": "USER"}, nil)
	}
	return r.okta.do("DELETE", "/api/v1/apps/"+r.appID+"/users/"+p.oktaID, nil, nil)
}

func (r *run) lifecycle(ref, op string) error {
	p, err := r.person(ref)
	if err != nil {
		return err
	}
	return r.okta.do("POST", "/api/v1/users/"+p.oktaID+"/lifecycle/"+op, nil, nil)
}

func (r *run) membership(m *MembershipStep, method string) error {
	p, err := r.person(m.User)
	if err != nil {
		return err
	}
	g, err := r.group(m.Group)
	if err != nil {
		return err
	}
	return r.okta.do(method, "/api/v1/groups/"+g.oktaID+"/users/"+p.oktaID, nil, nil)
}

func (r *run) access(a *AccessStep, method string) error {
	site := a.Site
	if site == "" {
		if len(r.sites) != 1 {
			return fmt.Errorf("say which site: the organization has %d", len(r.sites))
		}
		site = r.sites[0]
	}
	return r.atlCtl.do(method, "/_sim/orgs/"+r.atlOrg+"/sites/"+url.PathEscape(site)+"/products/"+url.PathEscape(a.Product)+
		"/groups/"+url.PathEscape(a.Group), nil, nil)
}

func (r *run) sso(s *SSOStep, fails *[]Failure) error {
	p, err := r.person(s.User)
	if err != nil {
		return err
	}
	if r.target != nil {
		return errors.New("sso needs mockatlassian: the run targets another SCIM server")
	}
	res, err := r.signIn(p, s.Flow)
	if err != nil {
		return fmt.Errorf("sign-in of %s: %w", s.User, err)
	}
	what := "SSO sign-in of " + s.User
	switch {
	case res.Refused != "" && s.Refused == "":
		*fails = append(*fails, Failure{What: what, Expected: "signed in", Found: "refused: " + res.Refused})
		return nil
	case s.Refused != "" && !strings.Contains(res.Refused, s.Refused):
		found := "signed in as " + res.NameID
		if res.Refused != "" {
			found = "refused: " + res.Refused
		}
		*fails = append(*fails, Failure{What: what, Expected: "refused with " + quote(s.Refused), Found: found})
		return nil
	}
	if s.NameID != "" && !strings.EqualFold(res.NameID, s.NameID) {
		*fails = append(*fails, Failure{What: what, Expected: "NameID " + s.NameID, Found: "NameID " + res.NameID})
	}
	for name, want := range s.Attributes {
		if got := res.Attributes[name]; len(got) != 1 || got[0] != want {
			*fails = append(*fails, Failure{What: what, Expected: "attribute " + name + " = " + quote(want), Found: fmt.Sprintf("%q", got)})
		}
	}
	if s.Created != nil && res.Refused == "" && res.Created != *s.Created {
		found := "signed in to the existing account " + res.NameID
		if res.Created {
			found = "created a new account for " + res.NameID
		}
		*fails = append(*fails, Failure{What: what + " as " + res.NameID, Expected: fmt.Sprintf("created=%t", *s.Created), Found: found})
	}
	return nil
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
