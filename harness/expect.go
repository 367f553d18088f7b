package harness

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/provsim/provsim/internal/journal"
)

// markJournal remembers where the outbound journal stands, so a step's
// SCIM checks see only that step's traffic.
func (r *run) markJournal() error {
	var j struct{ Entries []journal.Entry }
	if err := r.oktaCtl.do("GET", "/_sim/journal?limit=1", nil, &j); err != nil {
		return err
	}
	r.seq = 0
	if len(j.Entries) > 0 {
		r.seq = j.Entries[len(j.Entries)-1].Seq
	}
	return nil
}

// traffic is the engine's SCIM traffic for this org since the step began.
func (r *run) traffic() ([]journal.Entry, error) {
	var j struct{ Entries []journal.Entry }
	err := r.oktaCtl.do("GET", fmt.Sprintf("/_sim/journal?org=%s&after=%d", url.QueryEscape(r.oktaOrg), r.seq), nil, &j)
	return j.Entries, err
}

// exchange renders the step's SCIM traffic for a failure report.
func (r *run) exchange() []string {
	entries, err := r.traffic()
	if err != nil {
		return []string{"(journal unavailable: " + err.Error() + ")"}
	}
	if len(entries) > 20 {
		entries = entries[len(entries)-20:]
	}
	var out []string
	for _, e := range entries {
		line := fmt.Sprintf("%s %s", e.Method, r.relPath(e))
		if e.Status == 0 {
			line += " -> no response"
		} else {
			line += fmt.Sprintf(" -> %d", e.Status)
		}
		if len(e.RequestBody) > 0 {
			line += "\n    > " + clip(string(e.RequestBody), 400)
		}
		if len(e.ResponseBody) > 0 {
			line += "\n    < " + clip(string(e.ResponseBody), 400)
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		out = append(out, "(no SCIM requests were sent in this step)")
	}
	return out
}

// maxStepTraffic bounds the exchanges a report keeps of one step: a step
// that provisions thousands of people keeps the last ones and says how
// many it left out.
const maxStepTraffic = 200

// stepTraffic is the step's SCIM traffic for a report, the newest
// maxStepTraffic exchanges (an error reading the journal becomes an
// exchange that says so, since a report must not hide it).
func (r *run) stepTraffic() []Exchange {
	entries, err := r.traffic()
	if err != nil {
		return []Exchange{{Method: "?", Path: "(journal unavailable: " + err.Error() + ")"}}
	}
	var out []Exchange
	if over := len(entries) - maxStepTraffic; over > 0 {
		out = append(out, Exchange{Method: "…", Path: fmt.Sprintf("(%d earlier exchanges of this step not kept)", over)})
		entries = entries[over:]
	}
	for _, e := range entries {
		out = append(out, Exchange{Method: e.Method, Path: r.relPath(e), Status: e.Status, DurationMS: e.DurationMS,
			RequestBody: e.RequestBody, ResponseBody: e.ResponseBody, Fault: e.Fault})
	}
	return out
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// relPath is an entry's path relative to the directory, with its query.
func (r *run) relPath(e journal.Entry) string {
	p := e.Path
	base := "/scim/directory/" + r.dirID
	if u, err := url.Parse(r.scimBase); err == nil && r.target != nil {
		base = u.Path
	}
	if i := strings.Index(p, base); i >= 0 {
		p = p[i+len(base):]
	}
	if e.Query != "" {
		q, err := url.QueryUnescape(e.Query)
		if err != nil {
			q = e.Query
		}
		p += "?" + q
	}
	return p
}

// refreshIDs records each person's downstream id from Okta's app users.
func (r *run) refreshIDs() error {
	byOkta := map[string]*personState{}
	for _, p := range r.persons {
		byOkta[p.oktaID] = p
	}
	after := ""
	for {
		var page []struct {
			ID         string  `json:"id"`
			ExternalID *string `json:"externalId"`
		}
		path := "/api/v1/apps/" + r.appID + "/users?limit=500"
		if after != "" {
			path += "&after=" + url.QueryEscape(after)
		}
		if err := r.okta.do("GET", path, nil, &page); err != nil {
			return err
		}
		for _, au := range page {
			if p := byOkta[au.ID]; p != nil && au.ExternalID != nil && *au.ExternalID != "" {
				p.scimID = *au.ExternalID
			}
		}
		if len(page) < 500 {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// check evaluates a step's expectations; path is where they are in the
// scenario ($.steps[3].expect).
func (r *run) check(e *Expect, path string) []Failure {
	f := &failures{}
	if e.Okta != nil {
		r.checkOkta(f, e.Okta, path+".okta")
	}
	if e.Atlassian != nil {
		r.checkAtlassian(f, e.Atlassian, path+".atlassian")
	}
	if e.SCIM != nil {
		r.checkSCIM(f, e.SCIM, path+".scim")
	}
	return f.list
}

// failures collects unmet expectations, each with the path of the
// expectation being checked, so a report points at its line.
type failures struct {
	list []Failure
	path string // e.g. $.steps[3].expect.atlassian.accounts[0]
}

func (f *failures) add(what, expected string, found any) {
	f.list = append(f.list, Failure{What: what, Expected: expected, Found: fmt.Sprint(found), Path: f.path})
}

// at sets the path of the expectations checked next: base, or its i-th
// item under key when key is given.
func (f *failures) at(base, key string, i int) {
	f.path = base
	if key != "" {
		f.path = fmt.Sprintf("%s.%s[%d]", base, key, i)
	}
}

func (r *run) checkOkta(f *failures, e *OktaExpect, path string) {
	for i, want := range e.AppUsers {
		f.at(path, "appUsers", i)
		p, err := r.person(want.User)
		if err != nil {
			f.add("app user", want.User, err)
			continue
		}
		var au struct {
			Status      string  `json:"status"`
			SyncState   string  `json:"syncState"`
			ExternalID  *string `json:"externalId"`
			Credentials struct {
				UserName string `json:"userName"`
			} `json:"credentials"`
		}
		what := "Okta app user " + want.User
		err = r.okta.do("GET", "/api/v1/apps/"+r.appID+"/users/"+p.oktaID, nil, &au)
		assigned := err == nil
		if err != nil && status(err) != 404 {
			f.add(what, "readable", err)
			continue
		}
		if want.Assigned != nil && *want.Assigned != assigned {
			f.add(what, fmt.Sprintf("assigned=%t", *want.Assigned), fmt.Sprintf("assigned=%t", assigned))
			continue
		}
		if !assigned {
			if want.Status != "" || want.SyncState != "" || want.ExternalID != "" || want.UserName != "" {
				f.add(what, "assigned to the app", "not assigned")
			}
			continue
		}
		if want.Status != "" && au.Status != want.Status {
			f.add(what+" status", want.Status, au.Status)
		}
		if want.SyncState != "" && au.SyncState != want.SyncState {
			f.add(what+" syncState", want.SyncState, au.SyncState)
		}
		has := au.ExternalID != nil && *au.ExternalID != ""
		if (want.ExternalID == "present" && !has) || (want.ExternalID == "absent" && has) {
			f.add(what+" externalId", want.ExternalID, ptrStr(au.ExternalID))
		}
		if want.UserName != "" && au.Credentials.UserName != want.UserName {
			f.add(what+" userName", want.UserName, au.Credentials.UserName)
		}
	}
	if e.Tasks != nil || len(e.TaskMessages) > 0 {
		f.at(path+".tasks", "", 0)
		if e.Tasks == nil {
			f.at(path+".taskMessages", "", 0)
		}
		var tasks []struct{ Message string }
		if err := r.oktaCtl.do("GET", "/_sim/orgs/"+r.oktaOrg+"/tasks", nil, &tasks); err != nil {
			f.add("provisioning tasks", "readable", err)
			return
		}
		var msgs []string
		for _, t := range tasks {
			msgs = append(msgs, t.Message)
		}
		if e.Tasks != nil && len(tasks) != *e.Tasks {
			f.add("open provisioning tasks", strconv.Itoa(*e.Tasks), fmt.Sprintf("%d %q", len(tasks), msgs))
		}
		for i, want := range e.TaskMessages {
			f.at(path, "taskMessages", i)
			if !anyContains(msgs, want) {
				f.add("provisioning task", "a message containing "+quote(want), fmt.Sprintf("%q", msgs))
			}
		}
	}
	for i, want := range e.Log {
		f.at(path, "log", i)
		flt := `eventType eq "` + want.EventType + `"`
		if want.User != "" {
			p, err := r.person(want.User)
			if err != nil {
				f.add("System Log", want.User, err)
				continue
			}
			flt += ` and target.id eq "` + p.oktaID + `"`
		}
		if want.Outcome != "" {
			flt += ` and outcome.result eq "` + want.Outcome + `"`
		}
		var events []json.RawMessage
		if err := r.okta.do("GET", "/api/v1/logs?since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z&limit=1000&filter="+url.QueryEscape(flt), nil, &events); err != nil {
			f.add("System Log", flt, err)
			continue
		}
		switch {
		case want.Count != nil && len(events) != *want.Count:
			f.add("System Log events "+flt, strconv.Itoa(*want.Count), len(events))
		case want.Count == nil && len(events) == 0:
			f.add("System Log events "+flt, "at least one", 0)
		}
	}
	for i, want := range e.PushedGroups {
		f.at(path, "pushedGroups", i)
		g, err := r.group(want.Group)
		if err != nil {
			f.add("pushed group", want.Group, err)
			continue
		}
		var ms []struct {
			Status       string  `json:"status"`
			ErrorSummary *string `json:"errorSummary"`
		}
		if err := r.okta.do("GET", "/api/v1/apps/"+r.appID+"/group-push/mappings?sourceGroupId="+g.oktaID, nil, &ms); err != nil {
			f.add("pushed group "+want.Group, "readable", err)
			continue
		}
		if len(ms) == 0 {
			f.add("pushed group "+want.Group, "a push mapping", "none")
			continue
		}
		if want.Status != "" && ms[0].Status != want.Status {
			f.add("pushed group "+want.Group+" status", want.Status, ms[0].Status+" "+ptrStr(ms[0].ErrorSummary))
		}
		if want.ErrorContains != "" && !strings.Contains(ptrStr(ms[0].ErrorSummary), want.ErrorContains) {
			f.add("pushed group "+want.Group+" error", "contains "+quote(want.ErrorContains), ptrStr(ms[0].ErrorSummary))
		}
	}
}

func ptrStr(s *string) string {
	if s == nil {
		return "(none)"
	}
	return *s
}

func anyContains(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// scimUser finds a person's SCIM user: by the id Okta holds, else by the
// userName Okta would send.
func (r *run) scimUser(p *personState) (map[string]any, error) {
	if p.scimID != "" {
		var u map[string]any
		err := r.scim.do("GET", "/Users/"+p.scimID, nil, &u)
		if status(err) == 404 {
			return nil, nil
		}
		return u, err
	}
	var list struct{ Resources []map[string]any }
	for _, name := range []string{p.Login, p.Email} {
		q := url.QueryEscape(`userName eq "` + name + `"`)
		if err := r.scim.do("GET", "/Users?filter="+q, nil, &list); err != nil {
			return nil, err
		}
		if len(list.Resources) > 0 {
			return list.Resources[0], nil
		}
	}
	return nil, nil
}

func (r *run) checkAtlassian(f *failures, e *AtlassianExpect, path string) {
	for i, want := range e.Users {
		f.at(path, "users", i)
		p, err := r.person(want.User)
		if err != nil {
			f.add("Atlassian user", want.User, err)
			continue
		}
		what := "Atlassian SCIM user " + want.User
		u, err := r.scimUser(p)
		if err != nil {
			f.add(what, "readable", err)
			continue
		}
		exists := u != nil
		if want.Exists != nil && *want.Exists != exists {
			found := fmt.Sprintf("exists=%t", exists)
			if !exists {
				found += "; " + r.scimUserList(p)
			}
			f.add(what, fmt.Sprintf("exists=%t", *want.Exists), found)
			continue
		}
		if !exists {
			if want.Active != nil || want.UserName != "" || want.Email != "" || want.Linked != nil || want.Groups != nil || len(want.Attributes) > 0 {
				f.add(what, "to exist", "no such SCIM user; "+r.scimUserList(p))
			}
			continue
		}
		if want.Active != nil && u["active"] != *want.Active {
			f.add(what+" active", fmt.Sprint(*want.Active), u["active"])
		}
		if want.UserName != "" && u["userName"] != want.UserName {
			f.add(what+" userName", want.UserName, u["userName"])
		}
		if want.Email != "" {
			if got := primaryEmail(u); !strings.EqualFold(got, want.Email) {
				f.add(what+" primary email", want.Email, got)
			}
		}
		if want.Linked != nil {
			_, linked := u["urn:scim:schemas:extension:atlassian-external:1.0"]
			if linked != *want.Linked {
				f.add(what+" linked to an Atlassian account", fmt.Sprint(*want.Linked), linked)
			}
		}
		if want.Groups != nil {
			var got []string
			for _, g := range asList(u["groups"]) {
				got = append(got, fmt.Sprint(asMap(g)["display"]))
			}
			if !sameSet(got, want.Groups) {
				f.add(what+" groups", fmt.Sprint(sorted(want.Groups)), fmt.Sprint(sorted(got)))
			}
		}
		for path, v := range want.Attributes {
			if got := fmt.Sprint(digPath(u, path)); got != v {
				f.add(what+" "+path, v, got)
			}
		}
	}
	if e.UserCount != nil {
		f.at(path+".userCount", "", 0)
		var list struct{ TotalResults int }
		if err := r.scim.do("GET", "/Users?count=0", nil, &list); err != nil {
			f.add("SCIM user count", "readable", err)
		} else if list.TotalResults != *e.UserCount {
			f.add("SCIM users in the directory", strconv.Itoa(*e.UserCount), list.TotalResults)
		}
	}
	var accounts []accountView
	needAccounts := len(e.Accounts) > 0 || e.AccountCount != nil || e.Duplicates != nil || len(e.Groups) > 0
	if needAccounts && r.target == nil { // a SCIM target has no accounts (target.go)
		if err := r.atlCtl.do("GET", "/_sim/orgs/"+r.atlOrg+"/accounts", nil, &accounts); err != nil {
			f.add("Atlassian accounts", "readable", err)
			return
		}
	}
	for i, want := range e.Groups {
		f.at(path, "groups", i)
		r.checkGroup(f, want, accounts)
	}
	for i, want := range e.Accounts {
		f.at(path, "accounts", i)
		a, what, err := r.account(want, accounts)
		if err != nil {
			f.add(what, "one account", err)
			continue
		}
		if want.Exists != nil && *want.Exists != (a != nil) {
			found := fmt.Sprintf("exists=%t", a != nil)
			if a == nil {
				found += "; " + accountList(accounts)
			}
			f.add(what, fmt.Sprintf("exists=%t", *want.Exists), found)
			continue
		}
		if a == nil {
			if want.Status != "" || want.Managed != nil || want.Products != nil {
				f.add(what, "to exist", "no such account; "+accountList(accounts))
			}
			continue
		}
		if want.Status != "" && a.Status != want.Status {
			f.add(what+" status", want.Status, a.Status)
		}
		if want.Managed != nil && a.Managed != *want.Managed {
			f.add(what+" managed", fmt.Sprint(*want.Managed), a.Managed)
		}
		if want.Products != nil {
			var got []string
			for _, pa := range a.ProductAccess {
				got = append(got, pa.Product)
			}
			if !sameSet(got, want.Products) {
				f.add(what+" product access", fmt.Sprint(sorted(want.Products)), fmt.Sprint(sorted(got)))
			}
		}
	}
	if e.AccountCount != nil && len(accounts) != *e.AccountCount {
		f.at(path+".accountCount", "", 0)
		var emails []string
		for _, a := range accounts {
			emails = append(emails, a.Email)
		}
		f.add("Atlassian accounts", strconv.Itoa(*e.AccountCount), fmt.Sprintf("%d %v", len(accounts), emails))
	}
	if e.Duplicates != nil {
		f.at(path+".duplicates", "", 0)
		var dups []string
		for _, p := range r.people {
			ps := r.persons[p.Ref]
			n := 0
			var seen []string
			for _, a := range accounts {
				if ps.owns(a.Email) {
					n++
					seen = append(seen, a.Email)
				}
			}
			if n > 1 {
				dups = append(dups, p.Ref+" "+fmt.Sprint(seen))
			}
		}
		if len(dups) != *e.Duplicates {
			f.add("people with duplicate Atlassian accounts", strconv.Itoa(*e.Duplicates), fmt.Sprintf("%d %v", len(dups), dups))
		}
	}
}

// account finds the account an expectation names: by email, or the
// account of a person (by ref or login), found by the person's email, else
// by any address the person has (login, profile emails). what names it for
// reports. A person with several accounts is an error: name one by email.
func (r *run) account(want AccountExpect, accounts []accountView) (*accountView, string, error) {
	if want.User == "" {
		for i := range accounts {
			if strings.EqualFold(accounts[i].Email, want.Email) {
				return &accounts[i], "Atlassian account " + want.Email, nil
			}
		}
		return nil, "Atlassian account " + want.Email, nil
	}
	what := "Atlassian account of " + want.User
	p, err := r.person(want.User)
	if err != nil {
		return nil, what, err
	}
	what += " (" + p.Email + ")"
	var owned []*accountView
	for i := range accounts {
		if strings.EqualFold(accounts[i].Email, p.Email) {
			return &accounts[i], what, nil
		}
		if p.owns(accounts[i].Email) {
			owned = append(owned, &accounts[i])
		}
	}
	switch len(owned) {
	case 0:
		return nil, what, nil
	case 1:
		return owned[0], "Atlassian account of " + want.User + " (" + owned[0].Email + ")", nil
	}
	var emails []string
	for _, a := range owned {
		emails = append(emails, a.Email)
	}
	return nil, what, fmt.Errorf("%s has %d accounts (%s): name one by email", want.User, len(owned), strings.Join(emails, ", "))
}

// scimUserList says which SCIM users the directory has, for a report on a
// person's that is not there (looked up by the usernames Okta would send).
func (r *run) scimUserList(p *personState) string {
	var list struct {
		TotalResults int
		Resources    []struct{ UserName string }
	}
	if err := r.scim.do("GET", "/Users?count=10&attributes=userName", nil, &list); err != nil {
		return "(the directory's users are unreadable: " + err.Error() + ")"
	}
	looked := fmt.Sprintf("looked for userName %s or %s", p.Login, p.Email)
	if p.Login == p.Email {
		looked = "looked for userName " + p.Login
	}
	if list.TotalResults == 0 {
		return looked + "; the directory has no users"
	}
	var names []string
	for _, u := range list.Resources {
		names = append(names, u.UserName)
	}
	more := ""
	if list.TotalResults > len(names) {
		more = fmt.Sprintf(" and %d more", list.TotalResults-len(names))
	}
	return looked + "; the directory's users are: " + strings.Join(names, ", ") + more
}

// orgGroup is an Atlassian group as the control API lists it.
type orgGroup struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Source  string   `json:"source"`
	Members []string `json:"members"`
}

// groupList says which groups the organization has.
func groupList(groups []orgGroup) string {
	var names []string
	for _, g := range groups {
		names = append(names, g.Name)
	}
	return thereAre("groups", names)
}

// accountList says which accounts there are, for a report on one that is
// not there.
func accountList(accounts []accountView) string {
	var emails []string
	for _, a := range accounts {
		emails = append(emails, a.Email)
	}
	return thereAre("accounts", emails)
}

// thereAre says which things of a kind the organization has.
func thereAre(kind string, names []string) string {
	if len(names) == 0 {
		return "the organization has no " + kind
	}
	return "the " + kind + " are: " + listSome(names, 10)
}

// listSome joins up to n items, sorted, and says how many more there are.
func listSome(items []string, n int) string {
	items = sorted(items)
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

// owns reports whether an email is one of the person's addresses.
func (p *personState) owns(email string) bool {
	if strings.EqualFold(email, p.Login) || strings.EqualFold(email, p.Email) {
		return true
	}
	for _, v := range p.Profile {
		if strings.EqualFold(email, v) {
			return true
		}
	}
	return false
}

type accountView struct {
	ID            string `json:"accountId"`
	Email         string `json:"email"`
	Status        string `json:"status"`
	Managed       bool   `json:"managed"`
	ProductAccess []struct {
		Product string `json:"product"`
	} `json:"productAccess"`
}

func (r *run) checkGroup(f *failures, want GroupExpect, accounts []accountView) {
	what := "Atlassian group " + want.Name
	var groups []orgGroup
	if r.target == nil { // a SCIM target's SCIM groups are all there is
		if err := r.atlCtl.do("GET", "/_sim/orgs/"+r.atlOrg+"/groups", nil, &groups); err != nil {
			f.add(what, "readable", err)
			return
		}
	}
	found := -1
	for i, g := range groups {
		if strings.EqualFold(g.Name, want.Name) {
			found = i
		}
	}
	// A directory group that was not synced is not an org group.
	var list struct{ Resources []map[string]any }
	if err := r.scim.do("GET", "/Groups?filter="+url.QueryEscape(`displayName eq "`+want.Name+`"`), nil, &list); err != nil {
		f.add(what, "readable", err)
		return
	}
	exists := found >= 0 || len(list.Resources) > 0
	if want.Exists != nil && *want.Exists != exists {
		found := fmt.Sprintf("exists=%t", exists)
		if !exists {
			found += "; " + groupList(groups)
		}
		f.add(what, fmt.Sprintf("exists=%t", *want.Exists), found)
		return
	}
	if !exists {
		if want.Synced != nil || want.Members != nil || want.MemberCount != nil {
			f.add(what, "to exist", "no such group; "+groupList(groups))
		}
		return
	}
	synced := found >= 0 && groups[found].Source == "scim"
	if want.Synced != nil && synced != *want.Synced {
		f.add(what+" synced from the directory", fmt.Sprint(*want.Synced), synced)
	}
	// Members as person refs: SCIM members of the directory group, else the
	// org group's accounts.
	var members []string
	if len(list.Resources) > 0 {
		byScim := map[string]string{}
		for _, p := range r.persons {
			if p.scimID != "" {
				byScim[p.scimID] = p.Ref
			}
		}
		for _, m := range asList(list.Resources[0]["members"]) {
			id := fmt.Sprint(asMap(m)["value"])
			if ref, ok := byScim[id]; ok {
				members = append(members, ref)
			} else {
				members = append(members, id)
			}
		}
	} else {
		byID := map[string]string{}
		for _, a := range accounts {
			byID[a.ID] = a.Email
		}
		for _, id := range groups[found].Members {
			ref := byID[id]
			for _, p := range r.people {
				if r.persons[p.Ref].owns(ref) {
					ref = p.Ref
				}
			}
			members = append(members, ref)
		}
	}
	if want.Members != nil {
		var refs []string
		for _, m := range want.Members {
			if p, err := r.person(m); err == nil {
				refs = append(refs, p.Ref)
			} else {
				refs = append(refs, m)
			}
		}
		if !sameSet(members, refs) {
			f.add(what+" members", fmt.Sprint(sorted(refs)), fmt.Sprint(sorted(members)))
		}
	}
	if want.MemberCount != nil && len(members) != *want.MemberCount {
		f.add(what+" member count", strconv.Itoa(*want.MemberCount), len(members))
	}
}

func (r *run) checkSCIM(f *failures, e *SCIMExpect, path string) {
	entries, err := r.traffic()
	if err != nil {
		f.at(path, "", 0)
		f.add("SCIM traffic", "readable", err)
		return
	}
	for i, m := range e.Sent {
		f.at(path, "sent", i)
		n, err := r.countMatches(m, entries)
		if err != nil {
			f.add("SCIM request", describe(m), err)
			continue
		}
		if (m.Count == nil && n == 0) || (m.Count != nil && n != *m.Count) {
			want := "at least one"
			if m.Count != nil {
				want = strconv.Itoa(*m.Count)
			}
			f.add("SCIM requests "+describe(m), want, n)
		}
	}
	for i, m := range e.NotSent {
		f.at(path, "notSent", i)
		n, err := r.countMatches(m, entries)
		if err != nil {
			f.add("SCIM request", describe(m), err)
		} else if n > 0 {
			f.add("SCIM requests "+describe(m), "none", n)
		}
	}
}

func describe(m RequestMatch) string {
	parts := []string{}
	for _, kv := range [][2]string{{"method", m.Method}, {"resource", m.Resource}, {"user", m.User}, {"group", m.Group}, {"query", m.Query}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if m.Body != nil {
		b, _ := json.Marshal(m.Body)
		parts = append(parts, "body⊇"+string(b))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func (r *run) countMatches(m RequestMatch, entries []journal.Entry) (int, error) {
	var p *personState
	if m.User != "" {
		var err error
		if p, err = r.person(m.User); err != nil {
			return 0, err
		}
	}
	groupID, groupName := "", ""
	if m.Group != "" {
		g, err := r.group(m.Group)
		if err != nil {
			return 0, err
		}
		groupName = g.spec.Name
		var ms []struct {
			TargetGroupID *string `json:"targetGroupId"`
		}
		if err := r.okta.do("GET", "/api/v1/apps/"+r.appID+"/group-push/mappings?sourceGroupId="+g.oktaID, nil, &ms); err == nil && len(ms) > 0 && ms[0].TargetGroupID != nil {
			// targetGroupId is Okta's APP_GROUP id (OKTA-PUSH-15); the
			// requests name the group by its id downstream.
			var ags struct {
				Groups []struct{ ID, ExternalID string } `json:"groups"`
			}
			if err := r.oktaCtl.do("GET", r.appCtl("/group-push/app-groups"), nil, &ags); err == nil {
				for _, ag := range ags.Groups {
					if ag.ID == *ms[0].TargetGroupID {
						groupID = ag.ExternalID
					}
				}
			}
		}
	}
	n := 0
	for _, e := range entries {
		rel := r.relPath(e)
		path, query, _ := strings.Cut(rel, "?")
		if m.Method != "" && !strings.EqualFold(e.Method, m.Method) {
			continue
		}
		if m.Resource != "" && !strings.HasPrefix(path, "/"+m.Resource) {
			continue
		}
		if m.Query != "" && !strings.Contains(query, m.Query) {
			continue
		}
		var body any
		_ = json.Unmarshal(e.RequestBody, &body)
		if p != nil && !r.aboutPerson(p, path, query, body) {
			continue
		}
		if m.Group != "" && !(groupID != "" && path == "/Groups/"+groupID) &&
			!(path == "/Groups" && strings.EqualFold(fmt.Sprint(asMap(body)["displayName"]), groupName)) {
			continue
		}
		if m.Body != nil && !subset(normalize(m.Body), body) {
			continue
		}
		n++
	}
	return n, nil
}

// aboutPerson reports whether a request concerns the person: their SCIM id
// in the path, their userName in a create body or a filter.
func (r *run) aboutPerson(p *personState, path, query string, body any) bool {
	if p.scimID != "" && path == "/Users/"+p.scimID {
		return true
	}
	names := []string{strings.ToLower(p.Login), strings.ToLower(p.Email)}
	if path == "/Users" {
		un := strings.ToLower(fmt.Sprint(asMap(body)["userName"]))
		q := strings.ToLower(query)
		for _, n := range names {
			if un == n || strings.Contains(q, `"`+n+`"`) {
				return true
			}
		}
	}
	return false
}

// normalize turns a YAML-decoded value into JSON-decoded shapes.
func normalize(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// subset reports whether want is contained in got: objects by key, arrays
// element-wise (each wanted element matches some element), scalars equal.
func subset(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !subset(wv, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok {
			return false
		}
		for _, wv := range w {
			found := false
			for _, gv := range g {
				if subset(wv, gv) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	default:
		return fmt.Sprint(want) == fmt.Sprint(got)
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func primaryEmail(u map[string]any) string {
	for _, e := range asList(u["emails"]) {
		if asMap(e)["primary"] == true {
			return fmt.Sprint(asMap(e)["value"])
		}
	}
	return ""
}

// digPath follows a dotted path; keys may hold dots (schema URNs).
func digPath(v any, path string) any {
	if path == "" {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		best := ""
		for k := range x {
			if (path == k || strings.HasPrefix(path, k+".")) && len(k) > len(best) {
				best = k
			}
		}
		if best == "" {
			return nil
		}
		return digPath(x[best], strings.TrimPrefix(strings.TrimPrefix(path, best), "."))
	case []any:
		head, rest, _ := strings.Cut(path, ".")
		i, err := strconv.Atoi(head)
		if err != nil || i < 0 || i >= len(x) {
			return nil
		}
		return digPath(x[i], rest)
	}
	return nil
}

func sorted(l []string) []string {
	out := append([]string(nil), l...)
	sort.Strings(out)
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	sa, sb := sorted(a), sorted(b)
	for i := range sa {
		if !strings.EqualFold(sa[i], sb[i]) {
			return false
		}
	}
	return true
}
