package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/mockokta"
	"github.com/provsim/provsim/mockokta/conformance"
)

// Target mode: a scenario provisions, through mockokta's engine, into a SCIM
// server of the user's instead of mockatlassian. The Okta side is as
// always; on the SCIM side, expectations read the server through its own
// SCIM API only (atlassian.users, atlassian.userCount, atlassian.groups
// without synced), and what needs an Atlassian organization (accounts,
// product access, faults, SSO) is refused before the run.

// SCIMTarget is the SCIM server a run targets: its base URL and credential
// as `harness conformance` takes them.
type SCIMTarget struct {
	conformance.Target
	// URLFromOkta is the base URL as mockokta reaches it, when that differs
	// (between containers); default BaseURL.
	URLFromOkta string
}

// useTarget points the run's SCIM side at the target.
func (r *run) useTarget() {
	r.scimBase = r.target.BaseURL
	if r.target.URLFromOkta != "" {
		r.scimBase = trimSlash(r.target.URLFromOkta)
	}
	r.scim = &client{base: trimSlash(r.target.BaseURL), auth: r.target.Authorization(), http: r.env.HTTP, ctx: r.ctx}
}

// connection is the app's API integration: the directory and its key, or
// the target and its credential.
func (r *run) connection() map[string]any {
	if r.target == nil {
		return map[string]any{"baseUrl": r.scimBase, "authMode": "bearer", "token": r.dirKey, "enabled": true}
	}
	c := map[string]any{"baseUrl": r.scimBase, "authMode": string(r.target.Auth), "enabled": true}
	if r.target.Auth == mockokta.AuthBasic {
		c["username"], c["password"], _ = strings.Cut(r.target.Token, ":")
	} else {
		c["token"] = r.target.Token
	}
	return c
}

// needsAtlassian lists what in s only mockatlassian can do.
func needsAtlassian(s *Scenario) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	a := s.Atlassian
	if len(a.Accounts) > 0 {
		add("atlassian.accounts")
	}
	if len(a.LocalGroups) > 0 {
		add("atlassian.localGroups")
	}
	if a.Switches != nil {
		add("atlassian.switches")
	}
	for i, st := range s.Steps {
		where := fmt.Sprintf("steps[%d]", i)
		for name, set := range map[string]bool{"grantAccess": st.GrantAccess != nil, "revokeAccess": st.RevokeAccess != nil,
			"makeDefaultGroup": st.MakeDefaultGroup != nil, "sso": st.SSO != nil, "fault": st.Fault != nil, "clearFaults": st.ClearFaults != nil} {
			if set {
				add("%s %s", where, name)
			}
		}
		if st.Expect == nil || st.Expect.Atlassian == nil {
			continue
		}
		e := st.Expect.Atlassian
		if len(e.Accounts) > 0 || e.AccountCount != nil || e.Duplicates != nil {
			add("%s expect.atlassian accounts (Atlassian accounts are not part of SCIM)", where)
		}
		for _, u := range e.Users {
			if u.Linked != nil {
				add("%s expect.atlassian.users[].linked", where)
				break
			}
		}
		for _, g := range e.Groups {
			if g.Synced != nil {
				add("%s expect.atlassian.groups[].synced", where)
				break
			}
		}
	}
	return out
}

// cleanupTarget deletes from the target the users and groups the engine
// created during the run (its outbound journal has the create answers),
// groups first, unless Keep, and says so in the result.
func (r *run) cleanupTarget(res *Result) {
	if r.oktaOrg == "" {
		return
	}
	var j struct{ Entries []journal.Entry }
	if err := r.oktaCtl.do("GET", "/_sim/journal?org="+url.QueryEscape(r.oktaOrg), nil, &j); err != nil {
		res.Cleanup = append(res.Cleanup, "could not find what the run created: "+err.Error())
		return
	}
	var made []string // "/Groups/{id}" first, then "/Users/{id}"
	users := 0
	for _, e := range j.Entries {
		kind := strings.TrimPrefix(e.Path, r.scimBase) // journal paths are whole URLs
		var body struct{ ID string }
		if e.Method != http.MethodPost || e.Status != http.StatusCreated || (kind != "/Users" && kind != "/Groups") ||
			json.Unmarshal(e.ResponseBody, &body) != nil || body.ID == "" {
			continue
		}
		if kind == "/Users" {
			made, users = append(made, kind+"/"+body.ID), users+1
		} else {
			made = append([]string{kind + "/" + body.ID}, made...)
		}
	}
	if len(made) == 0 {
		return
	}
	if r.opts.Keep {
		res.Cleanup = append(res.Cleanup, fmt.Sprintf("kept the %d users and %d groups the run created", users, len(made)-users))
		return
	}
	// Tidy up even when the run was interrupted.
	c := *r.scim
	c.ctx = context.WithoutCancel(r.ctx)
	removed := 0
	for _, p := range made {
		if err := c.do("DELETE", p, nil, nil); err != nil && status(err) != http.StatusNotFound {
			res.Cleanup = append(res.Cleanup, "could not remove "+p+": "+err.Error())
			continue
		}
		removed++
	}
	res.Cleanup = append(res.Cleanup, fmt.Sprintf("removed %d of the %d users and groups the run created", removed, len(made)))
}
