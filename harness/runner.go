package harness

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/parser"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/mockatlassian"
)

// RunOptions configure a run.
type RunOptions struct {
	// Env is where to run; nil starts an embedded pair for the scenario,
	// seeded with its seed and configured with its switches.
	Env *Env
	// Timeout overrides each scenario's wait-for-idle timeout.
	Timeout time.Duration
	// Progress, when set, receives progress lines during long setups.
	Progress func(done, total int, what string)
	// Target, when set, runs scenarios against a SCIM server of yours in
	// place of mockatlassian (target.go); with Env nil only mockokta is
	// started. Keep leaves what the run created on it.
	Target *SCIMTarget
	Keep   bool
	// Traffic keeps every step's SCIM exchanges in its result (StepResult.
	// Traffic), for reports that draw them (`harness run --html`).
	Traffic bool
	// Pace and RateLimits, when set, replace every scenario's okta.pace
	// and okta.rateLimits (mockokta.ParsePace, mockokta.ParseRateLimits).
	Pace, RateLimits string
}

// RunFile parses and runs one scenario file.
func RunFile(ctx context.Context, path string, opts RunOptions) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	return RunScenario(ctx, s, path, data, opts)
}

// RunScenario runs a parsed scenario. data (optional) is its source, used
// to report step line numbers.
func RunScenario(ctx context.Context, s *Scenario, file string, data []byte, opts RunOptions) (*Result, error) {
	start := time.Now()
	res := &Result{File: file, Name: s.Name}
	env := opts.Env
	if opts.Target != nil {
		if err := opts.Target.Validate(); err != nil {
			return nil, err
		}
		if problems := needsAtlassian(s); len(problems) > 0 {
			res.Error = "against a SCIM server of your own, these need mockatlassian: " + strings.Join(problems, "; ")
			res.Duration = time.Since(start)
			return res, nil
		}
		if env == nil {
			var err error
			if env, err = startOkta(s.Seed, slog.New(slog.DiscardHandler), clock.System{}, servers{}); err != nil {
				return nil, err
			}
			defer env.Close()
		}
	} else if env == nil {
		var err error
		if env, err = StartEmbedded(EmbeddedOptions{Seed: s.Seed, Atlassian: switches(s.Atlassian.Switches)}); err != nil {
			return nil, err
		}
		defer env.Close()
	} else if s.Atlassian.Switches != nil {
		res.Error = "atlassian.switches need an embedded run (each scenario gets its own servers); against running servers, start mockatlassian with the matching flags"
		res.Duration = time.Since(start)
		return res, nil
	}
	r, err := newRun(ctx, s, env, opts)
	if err != nil {
		return nil, err
	}
	res.People = r.people
	ix := sourceIndex(data)
	if r.target != nil {
		defer r.cleanupTarget(res)
	}
	if err := r.setup(); err != nil {
		res.Error = "setup: " + err.Error()
		res.Duration = time.Since(start)
		return res, nil
	}
	failed := false
	for i, step := range s.Steps {
		sr := StepResult{Index: i + 1, Name: stepName(step), Line: ix.line(fmt.Sprintf("$.steps[%d]", i))}
		if failed {
			sr.Status = StepSkipped
			res.Steps = append(res.Steps, sr)
			continue
		}
		t0 := time.Now()
		sr.Failures, sr.Exchange = r.step(i, step)
		for j := range sr.Failures {
			sr.Failures[j].Line = ix.line(sr.Failures[j].Path)
		}
		sr.Duration = time.Since(t0)
		if opts.Traffic {
			sr.Traffic = r.stepTraffic()
		}
		sr.Status = StepPassed
		if len(sr.Failures) > 0 {
			sr.Status, failed = StepFailed, true
		} else {
			sr.Exchange = nil
		}
		res.Steps = append(res.Steps, sr)
	}
	res.Passed = !failed
	res.Duration = time.Since(start)
	return res, nil
}

func switches(sw *AtlassianSwitches) mockatlassian.Options {
	if sw == nil {
		return mockatlassian.Options{}
	}
	return mockatlassian.Options{DeleteMode: mockatlassian.DeleteMode(sw.DeleteMode), GroupRename: mockatlassian.GroupRenameMode(sw.GroupRename),
		GroupCollision: mockatlassian.CollisionMode(sw.GroupCollision), RequireVerifiedDomain: sw.RequireVerifiedDomain,
		MaxUsersPerDirectory: sw.MaxUsersPerDirectory, MaxUsersPerGroup: sw.MaxUsersPerGroup}
}

// sourceIndex finds the positions of a scenario's parts in its source,
// for reports; nil when there is no source.
func sourceIndex(data []byte) *posIndex {
	if len(data) == 0 {
		return nil
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil
	}
	var ps Problems
	body := documentBody(f, "", &ps)
	if body == nil {
		return nil
	}
	return newPosIndex(body)
}

// run is one scenario's state: its tenants on both sides and the ids of
// its people and groups.
type run struct {
	s       *Scenario
	env     *Env
	opts    RunOptions
	ctx     context.Context
	timeout time.Duration

	target *SCIMTarget // a SCIM server of the user's in place of mockatlassian

	oktaCtl, atlCtl *client // control APIs
	okta            *client // Management API with the org's token
	scim            *client // the directory's SCIM API with its key

	oktaOrg, appID   string
	appName          string // the app's catalogue name, in its embed link
	atlOrg, dirID    string
	dirKey, scimBase string

	people  []Person
	persons map[string]*personState // by ref and by login
	groups  map[string]*groupState  // by name
	sites   []string
	seq     uint64 // outbound journal sequence at the start of the step

	// reach maps a server's public origin (its --public-url, in the links
	// and forms it hands to browsers) to the origin this run reaches it
	// at: in compose the harness runs in a container, where the published
	// ports on 127.0.0.1 are not the servers (sso.go).
	reach map[string]string
}

type personState struct {
	Person
	oktaID string
	scimID string // last downstream id seen for this person
	// password is the person's Okta password now (sso signs in with it,
	// changePassword gives it as the old one); changes counts the
	// changePassword steps that made one. Never reported.
	password string
	changes  int
}

type groupState struct {
	spec      GroupSpec
	oktaID    string
	mappingID string
}

func newRun(ctx context.Context, s *Scenario, env *Env, opts RunOptions) (*run, error) {
	timeout := 30 * time.Second
	if s.Timeout != "" {
		d, err := time.ParseDuration(s.Timeout)
		if err != nil {
			return nil, fmt.Errorf("timeout: %w", err)
		}
		timeout = d
	}
	if opts.Timeout > 0 {
		timeout = opts.Timeout
	}
	people, err := s.ExpandPeople()
	if err != nil {
		return nil, err
	}
	r := &run{s: s, env: env, opts: opts, ctx: ctx, timeout: timeout, people: people, target: opts.Target,
		persons: map[string]*personState{}, groups: map[string]*groupState{},
		oktaCtl: &client{base: env.OktaURL, http: env.HTTP, ctx: ctx, control: env.ControlToken},
		atlCtl:  &client{base: env.AtlassianURL, http: env.HTTP, ctx: ctx, control: env.ControlToken}}
	for i := range people {
		ps := &personState{Person: people[i]}
		r.persons[ps.Ref] = ps
		r.persons[lowerS(ps.Login)] = ps
	}
	return r, nil
}

func lowerS(s string) string { return strings.ToLower(s) }

// person resolves a person ref (or login).
func (r *run) person(ref string) (*personState, error) {
	if p, ok := r.persons[ref]; ok {
		return p, nil
	}
	if p, ok := r.persons[lowerS(ref)]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("unknown person %q", ref)
}

func (r *run) group(name string) (*groupState, error) {
	if g, ok := r.groups[name]; ok {
		return g, nil
	}
	return nil, fmt.Errorf("unknown group %q", name)
}

func (r *run) progress(done, total int, what string) {
	if r.opts.Progress != nil {
		r.opts.Progress(done, total, what)
	}
}

// setup makes the scenario's tenants: the Atlassian organization (unless
// the run targets a SCIM server of the user's), then the Okta org, the app
// with its API integration and To App settings, people and groups.
func (r *run) setup() error {
	if r.target != nil {
		r.useTarget()
	} else if err := r.setupAtlassian(); err != nil {
		return err
	}
	return r.setupOkta(r.s)
}

// setupAtlassian makes the Atlassian organization (guide prerequisites and
// Step 1): domains, sites, the directory and its key, accounts and local
// groups.
func (r *run) setupAtlassian() error {
	s := r.s
	var org mockatlassian.OrgCreated
	if err := r.atlCtl.do("POST", "/_sim/orgs", map[string]any{"name": s.Name, "verifiedDomains": s.Atlassian.Domains}, &org); err != nil {
		return err
	}
	r.atlOrg = org.ID
	for _, d := range s.Atlassian.UnverifiedDomains {
		if err := r.atlCtl.do("POST", "/_sim/orgs/"+org.ID+"/domains", map[string]any{"name": d, "verified": false}, nil); err != nil {
			return err
		}
	}
	for _, site := range s.Atlassian.Sites {
		if err := r.atlCtl.do("POST", "/_sim/orgs/"+org.ID+"/sites", site, nil); err != nil {
			return err
		}
		r.sites = append(r.sites, site.Name)
	}
	dirName := s.Atlassian.Directory
	if dirName == "" {
		dirName = "Okta users"
	}
	var dir mockatlassian.DirectoryCreated
	if err := r.atlCtl.do("POST", "/_sim/orgs/"+org.ID+"/directories", map[string]any{"name": dirName}, &dir); err != nil {
		return err
	}
	r.dirID, r.dirKey = dir.ID, dir.APIKey
	// The base URL shown is Atlassian's public one; clients use this server.
	fromOkta := r.env.AtlassianURLFromOkta
	if fromOkta == "" {
		fromOkta = r.env.AtlassianURL
	}
	r.scimBase = fromOkta + "/scim/directory/" + dir.ID
	r.scim = &client{base: r.env.AtlassianURL + "/scim/directory/" + dir.ID, auth: "Bearer " + dir.APIKey, http: r.env.HTTP, ctx: r.ctx}
	for _, a := range s.Atlassian.Accounts {
		if err := r.atlCtl.do("POST", "/_sim/orgs/"+org.ID+"/accounts", a, nil); err != nil {
			return err
		}
	}
	for _, g := range s.Atlassian.LocalGroups {
		if err := r.atlCtl.do("POST", "/_sim/orgs/"+org.ID+"/groups", g, nil); err != nil {
			return err
		}
	}
	return nil
}

// setupOkta makes the Okta org (guide Step 2): the app with its API
// integration and To App settings, people and groups.
func (r *run) setupOkta(s *Scenario) error {
	var oorg struct{ ID, Token string }
	// Scenarios run without Okta's rate limits, also against a standalone
	// server that has them on (OAPI-RATE-1), unless they ask for them.
	limits, pace := s.Okta.RateLimits, s.Okta.Pace
	if r.opts.RateLimits != "" {
		limits = r.opts.RateLimits
	}
	if r.opts.Pace != "" {
		pace = r.opts.Pace
	}
	if limits == "" {
		limits = "off"
	}
	org := map[string]any{"name": s.Name, "rateLimits": limits}
	if pace != "" {
		org["pace"] = pace
	}
	if err := r.oktaCtl.do("POST", "/_sim/orgs", org, &oorg); err != nil {
		return err
	}
	r.oktaOrg = oorg.ID
	r.okta = &client{base: r.env.OktaURL, auth: "SSWS " + oorg.Token, http: r.env.HTTP, ctx: r.ctx}
	if limits != "off" {
		// As okta-sdk-golang with rate-limit retries: wait out each 429 on
		// the simulator's clock (virtual in-process) and try again.
		var wait clock.Sleeper = clock.System{}
		if r.env.Clock != nil {
			wait = r.env.Clock
		}
		r.okta.limited = &rateLimited{clock: wait, maxRetries: rateLimitRetries}
	}
	app := s.Okta.App
	if app.Template == "" {
		app.Template = "atlassian"
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := r.okta.do("POST", "/api/v1/apps", map[string]any{"name": app.Template, "label": app.Label, "signOnMode": "SAML_2_0"}, &created); err != nil {
		return err
	}
	r.appID, r.appName = created.ID, app.Template
	// Single sign-on between the pair, as an admin sets it up (docs/saml.md);
	// a SCIM server of the user's has no SAML side.
	if r.target == nil {
		if err := r.wireSAML(); err != nil {
			return err
		}
	}
	// "Import Groups" sits in the integration form, so it is set before To
	// App is saved: that save reads the app's groups only with it on
	// (OKTA-PUSH-12). It has no public API: a control call.
	if app.ImportGroups != nil {
		if err := r.oktaCtl.do("PUT", r.appCtl("/settings"), map[string]any{"importGroups": *app.ImportGroups}, nil); err != nil {
			return err
		}
	}
	if app.Connect == nil || *app.Connect {
		if err := r.oktaCtl.do("PUT", r.appCtl("/connection"), r.connection(), nil); err != nil {
			return err
		}
		toApp := app.ToApp
		if toApp == nil {
			toApp = &ToAppSpec{CreateUsers: true, UpdateUserAttributes: true, DeactivateUsers: true}
		}
		if err := r.saveToApp(*toApp); err != nil {
			return err
		}
	}
	if err := r.settings(app.UserNameFormat, app.PrimaryEmail, app.RenameGroups); err != nil {
		return err
	}
	if app.GroupPushConflict != "" {
		if err := r.oktaCtl.do("PUT", r.appCtl("/settings"), map[string]any{"groupPushConflict": app.GroupPushConflict}, nil); err != nil {
			return err
		}
	}

	// People and groups.
	for i, p := range r.people {
		if err := r.createPerson(r.persons[p.Ref]); err != nil {
			return fmt.Errorf("person %s: %w", p.Ref, err)
		}
		if (i+1)%100 == 0 || i+1 == len(r.people) {
			r.progress(i+1, len(r.people), "people")
		}
	}
	for _, g := range s.Groups {
		var out struct {
			ID string `json:"id"`
		}
		if err := r.okta.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": g.Name, "description": g.Description}}, &out); err != nil {
			return fmt.Errorf("group %s: %w", g.Name, err)
		}
		gs := &groupState{spec: g, oktaID: out.ID}
		r.groups[g.Name] = gs
		for _, m := range s.GroupMembers(g, r.people) {
			if err := r.okta.do("PUT", "/api/v1/groups/"+out.ID+"/users/"+r.persons[m.Ref].oktaID, nil, nil); err != nil {
				return fmt.Errorf("group %s member %s: %w", g.Name, m.Ref, err)
			}
		}
	}
	return r.waitIdle()
}

func (r *run) appCtl(path string) string {
	return "/_sim/orgs/" + r.oktaOrg + "/apps/" + r.appID + path
}

func (r *run) saveToApp(t ToAppSpec) error {
	st := func(on bool) map[string]string {
		if on {
			return map[string]string{"status": "ENABLED"}
		}
		return map[string]string{"status": "DISABLED"}
	}
	// Sync Password's seed and change go with its status, as Okta's
	// feature object holds them (OKTA-PASSWORD-2 … OKTA-PASSWORD-4);
	// unset, Okta keeps what it had.
	password := map[string]any{"status": st(t.SyncPassword)["status"]}
	if t.PasswordSeed != "" {
		password["seed"] = t.PasswordSeed
	}
	if t.PasswordChange != "" {
		password["change"] = t.PasswordChange
	}
	return r.okta.do("PUT", "/api/v1/apps/"+r.appID+"/features/USER_PROVISIONING", map[string]any{
		"create": map[string]any{"lifecycleCreate": st(t.CreateUsers)},
		"update": map[string]any{"profile": st(t.UpdateUserAttributes), "lifecycleDeactivate": st(t.DeactivateUsers), "password": password},
	}, nil)
}

// settings applies the username format, primary email mapping and rename
// setting; empty values leave the defaults. The first two go through the
// APIs an admin (or Terraform) uses in a real org: the app's
// credentials.userNameTemplate and its profile mapping. Rename has no
// public API, so it is a control call.
func (r *run) settings(format, primary string, rename bool) error {
	if format != "" {
		// Okta's built-in formats are the username and the email; any other
		// attribute is a custom format.
		typ := "CUSTOM"
		if format == "login" || format == "email" {
			typ = "BUILT_IN"
		}
		if err := r.okta.do("PUT", "/api/v1/apps/"+r.appID, map[string]any{"credentials": map[string]any{
			"userNameTemplate": map[string]any{"template": "${source." + format + "}", "type": typ, "pushStatus": "PUSH"}}}, nil); err != nil {
			return err
		}
	}
	if primary != "" {
		if err := r.mapPrimaryEmail(primary); err != nil {
			return err
		}
	}
	if rename {
		return r.oktaCtl.do("PUT", r.appCtl("/settings"), map[string]any{"renameGroups": true}, nil)
	}
	return nil
}

// mapPrimaryEmail maps the app's primary email from an Okta attribute, as
// an admin does in the Profile Editor: an attribute the user schema lacks
// is added as a custom one first, then the app's mapping is changed.
func (r *run) mapPrimaryEmail(attr string) error {
	var schema struct {
		Definitions struct {
			Base, Custom struct {
				Properties map[string]any `json:"properties"`
			}
		} `json:"definitions"`
	}
	if err := r.okta.do("GET", "/api/v1/meta/schemas/user/default", nil, &schema); err != nil {
		return err
	}
	_, base := schema.Definitions.Base.Properties[attr]
	_, custom := schema.Definitions.Custom.Properties[attr]
	if !base && !custom {
		if err := r.okta.do("POST", "/api/v1/meta/schemas/user/default", map[string]any{"definitions": map[string]any{
			"custom": map[string]any{"properties": map[string]any{attr: map[string]any{"title": attr, "type": "string"}}}}}, nil); err != nil {
			return err
		}
	}
	var mappings []struct {
		ID string `json:"id"`
	}
	if err := r.okta.do("GET", "/api/v1/mappings?targetId="+url.QueryEscape(r.appID), nil, &mappings); err != nil {
		return err
	}
	if len(mappings) != 1 {
		return fmt.Errorf("app %s has %d profile mappings, want 1", r.appID, len(mappings))
	}
	return r.okta.do("POST", "/api/v1/mappings/"+mappings[0].ID, map[string]any{"properties": map[string]any{
		"email": map[string]any{"expression": "user." + attr, "pushStatus": "PUSH"}}}, nil)
}

func (r *run) createPerson(p *personState) error {
	profile := map[string]any{"login": p.Login, "email": p.Email, "firstName": p.FirstName, "lastName": p.LastName}
	if p.Title != "" {
		profile["title"] = p.Title
	}
	if p.Department != "" {
		profile["department"] = p.Department
	}
	for k, v := range p.Profile {
		profile[k] = v
	}
	activate := "true"
	if p.Staged {
		activate = "false"
	}
	var out struct {
		ID string `json:"id"`
	}
	password := personPassword(p)
	if err := r.okta.do("POST", "/api/v1/users?activate="+activate, map[string]any{"profile": profile,
		"credentials": map[string]any{"password": map[string]any{"value": password}}}, &out); err != nil {
		return err
	}
	p.oktaID, p.password = out.ID, password
	return nil
}

// personPassword is a person's first Okta password: it meets Okta's
// default policy, and the sso step signs in with it.
func personPassword(p *personState) string { return "Pr0vsim!" + strconv.Itoa(len(p.Login)) }

// nextPassword is the password a changePassword step without one gives a
// person: new at each change, and within Okta's default policy.
func nextPassword(p *personState) string {
	return personPassword(p) + "-" + strconv.Itoa(p.changes+1)
}

// changePassword changes a person's Okta password as the person does,
// with the current one (OAPI-USER-3); Sync Password with seed OKTA then
// pushes it (OKTA-PASSWORD-2). The runner remembers the new password only
// once Okta has taken it.
func (r *run) changePassword(c *PasswordStep) error {
	p, err := r.person(c.User)
	if err != nil {
		return err
	}
	next := c.Password
	if next == "" {
		next = nextPassword(p)
	}
	if err := r.okta.do("POST", "/api/v1/users/"+p.oktaID+"/credentials/change_password", map[string]any{
		"oldPassword": map[string]string{"value": p.password}, "newPassword": map[string]string{"value": next}}, nil); err != nil {
		return err
	}
	p.password = next
	p.changes++
	return nil
}

// waitIdle waits until Okta's engine has nothing left to do for the org.
func (r *run) waitIdle() error {
	err := r.oktaCtl.do("POST", "/_sim/orgs/"+r.oktaOrg+"/wait?timeout="+url.QueryEscape(r.timeout.String()), nil, nil)
	if status(err) == 504 {
		return fmt.Errorf("the provisioning engine was still busy after %s", r.timeout)
	}
	return err
}
