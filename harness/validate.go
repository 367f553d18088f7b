package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/parser"

	"github.com/provsim/provsim/internal/faults"
	"github.com/provsim/provsim/mockokta"
)

// Allowed values, as in scenario.schema.json and docs/scenarios.md.
var (
	productKeys        = []string{"jira-software", "jira-servicedesk", "confluence", "bitbucket"}
	personStatuses     = []string{"active", "staged"}
	deleteModes        = []string{"record", "deactivate"}
	groupRenames       = []string{"ignore", "reject"}
	groupCollisions    = []string{"conflict", "accept-unsynced"}
	appUserStatuses    = []string{"STAGED", "PROVISIONED", "DEPROVISIONED"}
	syncStates         = []string{"DISABLED", "OUT_OF_SYNC", "SYNCING", "SYNCHRONIZED", "ERROR"}
	externalIDStates   = []string{"present", "absent"}
	accountStatuses    = []string{"active", "deactivated"}
	pushStatuses       = []string{"ACTIVE", "INACTIVE", "ERROR"}
	passwordSeeds      = []string{"OKTA", "RANDOM"}
	passwordChanges    = []string{"CHANGE", "KEEP_EXISTING"}
	scimMethods        = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	scimResources      = []string{"Users", "Groups"}
	attributeNameRE    = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	generatePrefixRE   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)
	defaultStepTimeout = 30 * time.Second
)

// TimeoutDuration is the scenario's wait after each step (default 30s).
// Validate has checked that Timeout parses.
func (s *Scenario) TimeoutDuration() time.Duration {
	if d, err := time.ParseDuration(s.Timeout); err == nil && d > 0 {
		return d
	}
	return defaultStepTimeout
}

// Validate checks a decoded scenario. data, the file's text, gives the
// problems their positions (it may be nil: positions are then unknown).
// It returns nil or *Problems.
func Validate(s *Scenario, filename string, data []byte) error {
	var ix *posIndex
	if len(data) > 0 {
		if f, err := parser.ParseBytes(data, 0); err == nil {
			var ps Problems
			if body := documentBody(f, filename, &ps); body != nil {
				ix = newPosIndex(body)
			}
		}
	}
	return validate(s, filename, ix)
}

// ValidateFiles parses and validates scenario files; a directory stands
// for its *.yaml and *.yml files (not recursive), in name order. It
// returns nil or the problems of every file as one *Problems.
func ValidateFiles(paths []string) error {
	var all Problems
	for _, p := range paths {
		files := []string{p}
		if st, err := os.Stat(p); err != nil {
			all.add(Problem{File: p, Message: err.Error()})
			continue
		} else if st.IsDir() {
			files = nil
			entries, err := os.ReadDir(p)
			if err != nil {
				all.add(Problem{File: p, Message: err.Error()})
				continue
			}
			for _, e := range entries {
				ext := filepath.Ext(e.Name())
				if !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
			sort.Strings(files)
		}
		for _, f := range files {
			if _, err := ParseFile(f); err != nil {
				if ps, ok := err.(*Problems); ok {
					all = append(all, *ps...)
				} else {
					all.add(Problem{File: f, Message: err.Error()})
				}
			}
		}
	}
	if len(all) == 0 {
		return nil
	}
	return &all // in file order, each file's problems by position
}

// scenarioValidator collects the semantic problems of one scenario.
type scenarioValidator struct {
	s       *Scenario
	file    string
	ix      *posIndex
	ps      Problems
	rt      *personRefs
	groups  map[string]bool   // declared Okta group names (a renamed group keeps its declared name as its ref)
	renamed map[string]string // new name given by renameGroup → declared name
	local   map[string]bool   // Atlassian local group names
	sites   map[string]*SiteSpec
}

func validate(s *Scenario, filename string, ix *posIndex) error {
	v := &scenarioValidator{s: s, file: filename, ix: ix, rt: s.personRefs(),
		groups: map[string]bool{}, renamed: map[string]string{}, local: map[string]bool{}, sites: map[string]*SiteSpec{}}
	v.top()
	v.atlassian()
	v.okta()
	v.people()
	v.groupSpecs()
	for i := range s.Steps {
		v.step(i)
	}
	return v.ps.err()
}

// at reports a problem at the value of path.
func (v *scenarioValidator) at(path, hint, format string, args ...any) {
	l, c := v.ix.value(path)
	v.ps.add(Problem{File: v.file, Line: l, Column: c, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// atKey reports a problem at the key of path.
func (v *scenarioValidator) atKey(path, hint, format string, args ...any) {
	l, c := v.ix.key(path)
	v.ps.add(Problem{File: v.file, Line: l, Column: c, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// required reports an empty value; it returns whether the value is set.
func (v *scenarioValidator) required(path, value string) bool {
	if value == "" {
		v.at(path, "", "%s is required", pathLabel(path))
		return false
	}
	return true
}

// enum checks an optional value against the allowed ones.
func (v *scenarioValidator) enum(path, value string, allowed []string) {
	if value == "" || slices.Contains(allowed, value) {
		return
	}
	hint := ""
	if m := closestName(value, allowed); m != "" {
		hint = fmt.Sprintf("did you mean %q?", m)
	}
	v.at(path, hint, "%s %q is not one of %s", lastPathKey(path), value, strings.Join(allowed, ", "))
}

func (v *scenarioValidator) nonNegative(path string, n *int) {
	if n != nil && *n < 0 {
		v.at(path, "", "%s must not be negative", lastPathKey(path))
	}
}

// lastPathKey is the last key of a path: "$.steps[2].assign.user" → "user".
func lastPathKey(path string) string {
	p := path
	for strings.HasSuffix(p, "]") {
		p = parentYAMLPath(p)
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func (v *scenarioValidator) top() {
	s := v.s
	v.required("$.name", s.Name)
	if s.Timeout != "" {
		d, err := time.ParseDuration(s.Timeout)
		switch {
		case err != nil:
			v.at("$.timeout", "a Go duration such as 30s, 2m or 1m30s", "timeout %q is not a duration", s.Timeout)
		case d <= 0:
			v.at("$.timeout", "", "timeout must be positive")
		}
	}
	if len(s.Steps) == 0 {
		v.at("$.steps", "", "steps are required: at least one step")
	}
}

func (v *scenarioValidator) atlassian() {
	a := &v.s.Atlassian
	domains := map[string]string{}
	checkDomain := func(path, d string) {
		if !v.required(path, d) {
			return
		}
		if strings.ContainsAny(d, "@ /:") || !strings.Contains(d, ".") {
			v.at(path, "e.g. example.com", "%q is not a domain name", d)
			return
		}
		if prev, dup := domains[strings.ToLower(d)]; dup {
			v.at(path, "", "domain %q is already listed at %s", d, pathLabel(prev))
			return
		}
		domains[strings.ToLower(d)] = path
	}
	for i, d := range a.Domains {
		checkDomain(fmt.Sprintf("$.atlassian.domains[%d]", i), d)
	}
	for i, d := range a.UnverifiedDomains {
		checkDomain(fmt.Sprintf("$.atlassian.unverifiedDomains[%d]", i), d)
	}
	for i := range a.Sites {
		site := &a.Sites[i]
		path := fmt.Sprintf("$.atlassian.sites[%d]", i)
		if v.required(path+".name", site.Name) {
			if _, dup := v.sites[site.Name]; dup {
				v.at(path+".name", "", "site %q is declared twice", site.Name)
			}
			v.sites[site.Name] = site
		}
		if len(site.Products) == 0 {
			v.at(path+".products", "one or more of "+strings.Join(productKeys, ", "), "site %q needs products", site.Name)
		}
		seen := map[string]bool{}
		for j, p := range site.Products {
			pp := fmt.Sprintf("%s.products[%d]", path, j)
			v.product(pp, p)
			if seen[p] {
				v.at(pp, "", "product %q is listed twice", p)
			}
			seen[p] = true
		}
	}
	emails := map[string]bool{}
	for i, acc := range a.Accounts {
		path := fmt.Sprintf("$.atlassian.accounts[%d].email", i)
		if v.email(path, acc.Email) {
			if emails[strings.ToLower(acc.Email)] {
				v.at(path, "", "account %q is declared twice", acc.Email)
			}
			emails[strings.ToLower(acc.Email)] = true
		}
	}
	for i, g := range a.LocalGroups {
		path := fmt.Sprintf("$.atlassian.localGroups[%d]", i)
		if v.required(path+".name", g.Name) {
			if v.local[g.Name] {
				v.at(path+".name", "", "local group %q is declared twice", g.Name)
			}
			v.local[g.Name] = true
		}
		for j, m := range g.Members {
			v.email(fmt.Sprintf("%s.members[%d]", path, j), m)
		}
	}
	if sw := a.Switches; sw != nil {
		v.enum("$.atlassian.switches.deleteMode", sw.DeleteMode, deleteModes)
		v.enum("$.atlassian.switches.groupRename", sw.GroupRename, groupRenames)
		v.enum("$.atlassian.switches.groupCollision", sw.GroupCollision, groupCollisions)
		v.nonNegative("$.atlassian.switches.maxUsersPerDirectory", &sw.MaxUsersPerDirectory)
		v.nonNegative("$.atlassian.switches.maxUsersPerGroup", &sw.MaxUsersPerGroup)
	}
}

func (v *scenarioValidator) email(path, e string) bool {
	if !v.required(path, e) {
		return false
	}
	if at := strings.IndexByte(e, '@'); at <= 0 || at == len(e)-1 || strings.ContainsAny(e, " \t") {
		v.at(path, "", "%q is not an email address", e)
		return false
	}
	return true
}

func (v *scenarioValidator) product(path, p string) {
	if p == "" {
		v.at(path, "one of "+strings.Join(productKeys, ", "), "product is required")
		return
	}
	if !slices.Contains(productKeys, p) {
		hint := "one of " + strings.Join(productKeys, ", ")
		if m := closestName(p, productKeys); m != "" {
			hint = fmt.Sprintf("did you mean %q?", m)
		}
		v.at(path, hint, "unknown product %q", p)
	}
}

func (v *scenarioValidator) okta() {
	app := &v.s.Okta.App
	if v.ix.has("$.okta.app.template") && app.Template == "" {
		v.at("$.okta.app.template", "atlassian (the default), scim2testapp, or a custom app's name", "template must not be empty")
	}
	v.userNameFormat("$.okta.app.userNameFormat", app.UserNameFormat)
	v.attribute("$.okta.app.primaryEmail", app.PrimaryEmail)
	v.enum("$.okta.app.groupPushConflict", app.GroupPushConflict, []string{"error", "link"})
	if app.ToApp != nil {
		v.toApp("$.okta.app.toApp", app.ToApp)
	}
	if _, err := mockokta.ParsePace(v.s.Okta.Pace); err != nil {
		v.at("$.okta.pace", "instant (the default), okta, fixed:500ms or uniform:0s-2s", "%v", err)
	}
	if r := v.s.Okta.RateLimits; r != "" {
		if _, err := mockokta.ParseRateLimits(r); err != nil {
			v.at("$.okta.rateLimits", "off (the default), okta, or okta*0.1 to scale the limits", "%v", err)
		}
	}
}

// toApp checks Sync Password's options: Okta's values, and only with
// syncPassword on, since they say how Sync Password works.
func (v *scenarioValidator) toApp(path string, t *ToAppSpec) {
	v.enum(path+".passwordSeed", t.PasswordSeed, passwordSeeds)
	v.enum(path+".passwordChange", t.PasswordChange, passwordChanges)
	if t.SyncPassword {
		return
	}
	for _, o := range []struct{ key, value string }{{"passwordSeed", t.PasswordSeed}, {"passwordChange", t.PasswordChange}} {
		if o.value != "" {
			v.atKey(path+"."+o.key, "add syncPassword: true", "%s applies only with syncPassword: true", o.key)
		}
	}
}

func (v *scenarioValidator) userNameFormat(path, f string) {
	if f == "" || f == "login" || f == "email" || attributeNameRE.MatchString(f) {
		return
	}
	v.at(path, "login, email, or a profile attribute name such as secondEmail",
		"userNameFormat %q is not login, email or an attribute name", f)
}

func (v *scenarioValidator) attribute(path, a string) {
	if a != "" && !attributeNameRE.MatchString(a) {
		v.at(path, "letters, digits and _ only, e.g. email or secondEmail", "%q is not a profile attribute name", a)
	}
}

func (v *scenarioValidator) people() {
	refs := map[string]string{}   // ref → path
	logins := map[string]string{} // lower-case login → path
	prefixes := map[string]string{}
	for i, p := range v.s.People {
		path := fmt.Sprintf("$.people[%d]", i)
		v.enum(path+".status", p.Status, personStatuses)
		if g := p.Generate; g != nil {
			v.generate(path, p, prefixes)
			continue
		}
		if p.Login == "" {
			v.at(path, "give login, or generate: {count, domain} for generated people", "person needs a login")
		} else {
			if strings.ContainsAny(p.Login, " \t") {
				v.at(path+".login", "", "login %q must not contain spaces", p.Login)
			}
			l := strings.ToLower(p.Login)
			if prev, dup := logins[l]; dup {
				v.at(path+".login", "", "duplicate login %q (also at %s)", p.Login, pathLabel(prev))
			} else {
				logins[l] = path + ".login"
			}
		}
		if p.Email != "" {
			v.email(path+".email", p.Email)
		}
		ref, refPath := p.Ref, path+".ref"
		if ref == "" {
			ref, refPath = p.Login, path+".login"
		}
		if ref != "" {
			if ref == GeneratedMembers {
				v.at(refPath, "choose another ref", "ref %q is reserved: it stands for all generated people", ref)
			}
			if prev, dup := refs[ref]; dup && p.Ref != "" {
				v.at(refPath, "", "duplicate ref %q (also at %s)", ref, pathLabel(prev))
			} else if !dup {
				refs[ref] = refPath
			}
		}
		for _, k := range sortedMapKeys(p.Profile) {
			kp := path + ".profile." + k
			if !attributeNameRE.MatchString(k) {
				v.atKey(kp, "letters, digits and _ only", "%q is not a profile attribute name", k)
			} else if personFieldAttrs[k] {
				v.atKey(kp, fmt.Sprintf("set the person's %s field instead", k), "profile.%s is a field of its own", k)
			}
		}
	}
	// A ref may not be another person's login, nor a generated ref.
	for _, ref := range sortedMapKeys(refs) {
		path := refs[ref]
		if lp, ok := logins[strings.ToLower(ref)]; ok && parentYAMLPath(lp) != parentYAMLPath(path) {
			v.at(path, "", "ref %q is also the login of %s", ref, pathLabel(parentYAMLPath(lp)))
		}
		if g, _, in, _ := v.rt.generated(ref); in {
			v.at(path, "", "ref %q is also a generated ref (people[%d] generates %s1…%s%d)",
				ref, g.spec, g.prefix, g.prefix, g.count)
		}
	}
}

func (v *scenarioValidator) generate(path string, p PersonSpec, prefixes map[string]string) {
	g := p.Generate
	sv := reflect.ValueOf(p)
	for _, f := range yamlFields(reflect.TypeFor[PersonSpec]()) {
		if f.key == "generate" || f.key == "status" {
			continue
		}
		if !sv.FieldByIndex(f.index).IsZero() {
			v.atKey(path+"."+f.key, "generated people get names and logins from gofakeit; set attributes under generate.attributes",
				"%s cannot be set on a generate entry", f.key)
		}
	}
	gp := path + ".generate"
	if g.Count < 1 || g.Count > MaxGenerated {
		v.at(gp+".count", "", "generate.count must be within 1…%d, not %d", MaxGenerated, g.Count)
	}
	if v.required(gp+".domain", g.Domain) && (strings.ContainsAny(g.Domain, "@ /:") || !strings.Contains(g.Domain, ".")) {
		v.at(gp+".domain", "e.g. example.com", "%q is not a domain name", g.Domain)
	}
	prefix := g.Prefix
	if prefix == "" {
		prefix = DefaultGeneratePrefix
	} else if !generatePrefixRE.MatchString(prefix) {
		v.at(gp+".prefix", "start with a letter; letters, digits, _ . - only", "prefix %q is not valid", prefix)
	}
	for _, other := range sortedMapKeys(prefixes) {
		op := prefixes[other]
		rest, ok := strings.CutPrefix(prefix, other)
		if !ok {
			rest, ok = strings.CutPrefix(other, prefix)
		}
		if ok && (rest == "" || strings.Trim(rest, "0123456789") == "") {
			v.at(gp+".prefix", "give each generate entry its own prefix",
				"prefix %q makes refs that %s (prefix %q) makes too", prefix, pathLabel(op), other)
		}
	}
	prefixes[prefix] = gp
	for _, k := range sortedMapKeys(g.Attributes) {
		kp := gp + ".attributes." + k
		switch {
		case !attributeNameRE.MatchString(k):
			v.atKey(kp, "letters, digits and _ only", "%q is not a profile attribute name", k)
		case k == "login":
			v.atKey(kp, "logins are first.lastN@domain", "login cannot be set for generated people")
		default:
			if _, err := parseAttrTemplate(g.Attributes[k]); err != nil {
				v.at(kp, "", "attributes.%s: %v", k, err)
			}
		}
	}
}

func (v *scenarioValidator) groupSpecs() {
	for i, g := range v.s.Groups {
		path := fmt.Sprintf("$.groups[%d]", i)
		if v.required(path+".name", g.Name) {
			if v.groups[g.Name] {
				v.at(path+".name", "", "group %q is declared twice", g.Name)
			}
			v.groups[g.Name] = true
		}
		seen := map[string]bool{}
		for j, m := range g.Members {
			mp := fmt.Sprintf("%s.members[%d]", path, j)
			if v.person(mp, m, true) && seen[m] {
				v.at(mp, "", "member %q is listed twice", m)
			}
			seen[m] = true
		}
	}
}

// person checks a person ref; allowAll admits "generated". It reports
// whether the ref resolves.
func (v *scenarioValidator) person(path, ref string, allowAll bool) bool {
	if ref == "" {
		v.at(path, "", "%s is required", pathLabel(path))
		return false
	}
	if ref == GeneratedMembers {
		if !allowAll {
			v.at(path, "a group with members: [generated] covers them all", "%q stands for all generated people and is not allowed here", ref)
			return false
		}
		if len(v.rt.gens) == 0 {
			v.at(path, "add a people entry with generate: {count, domain}", "%q: no people are generated", ref)
			return false
		}
		return true
	}
	if v.rt.resolves(ref) {
		return true
	}
	if g, n, _, ok := v.rt.generated(ref); ok {
		v.at(path, fmt.Sprintf("people[%d] generates %s1…%s%d", g.spec, g.prefix, g.prefix, g.count),
			"person %q is out of range (%d > %d)", ref, n, g.count)
		return false
	}
	var known []string
	for r := range v.rt.refs {
		known = append(known, r)
	}
	sort.Strings(known)
	hint := ""
	if m := closestName(ref, known); m != "" {
		hint = fmt.Sprintf("did you mean %q?", m)
	} else if len(known) > 0 || len(v.rt.gens) > 0 {
		list := known
		if len(list) > 8 {
			list = append(list[:8:8], "…")
		}
		for _, g := range v.rt.gens {
			list = append(list, fmt.Sprintf("%s1…%s%d", g.prefix, g.prefix, g.count))
		}
		hint = "people: " + strings.Join(list, ", ")
	} else {
		hint = "declare people under people:"
	}
	v.at(path, hint, "unknown person %q", ref)
	return false
}

// group checks an Okta group ref: a declared group's name (a renamed group
// keeps its declared name as its ref).
func (v *scenarioValidator) group(path, name string) {
	if name == "" {
		v.at(path, "", "%s is required", pathLabel(path))
		return
	}
	if v.groups[name] {
		return
	}
	if old, ok := v.renamed[name]; ok {
		v.at(path, fmt.Sprintf("a renamed group keeps its declared name as its ref: use %q", old), "unknown group %q", name)
		return
	}
	v.at(path, v.groupHint(name), "unknown group %q", name)
}

func (v *scenarioValidator) groupHint(name string) string {
	var known []string
	for g := range v.groups {
		known = append(known, g)
	}
	sort.Strings(known)
	if m := closestName(name, known); m != "" {
		return fmt.Sprintf("did you mean %q?", m)
	}
	if len(known) == 0 {
		return "declare Okta groups under groups:"
	}
	return "groups: " + strings.Join(known, ", ")
}

func (v *scenarioValidator) step(i int) {
	st := &v.s.Steps[i]
	path := fmt.Sprintf("$.steps[%d]", i)
	sv := reflect.ValueOf(st).Elem()
	var actions []string
	for _, f := range stepActions() {
		if !sv.FieldByIndex(f.index).IsZero() || v.ix.has(path+"."+f.key) {
			actions = append(actions, f.key)
		}
	}
	// In file order, so the problem sits at the second action written.
	sort.SliceStable(actions, func(a, b int) bool {
		la, ca := v.ix.key(path + "." + actions[a])
		lb, cb := v.ix.key(path + "." + actions[b])
		return la < lb || la == lb && ca < cb
	})
	switch {
	case len(actions) == 0 && st.Expect == nil && !v.ix.has(path+".expect"):
		v.at(path, "give one action ("+strings.Join(StepKinds(), ", ")+") or expect", "step does nothing")
	case len(actions) > 1:
		v.atKey(path+"."+actions[1], "split them into two steps",
			"step has %d actions, %s: a step has one action", len(actions), quotedList(actions))
	}
	for _, a := range actions {
		v.action(path, a, st)
	}
	if st.Expect != nil {
		v.expect(path+".expect", st.Expect)
	}
}

func quotedList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	if len(q) == 2 {
		return q[0] + " and " + q[1]
	}
	return strings.Join(q, ", ")
}

func (v *scenarioValidator) action(path, kind string, st *Step) {
	p := path + "." + kind
	switch kind {
	case "testApiCredentials", "import", "clearFaults", "retryTask", "markTasksComplete", "refreshAppGroups":
		// nothing to resolve
	case "saveToApp":
		v.toApp(p, st.SaveToApp)
	case "linkPushedGroup":
		v.group(p+".group", st.LinkPushedGroup.Group)
	case "fault":
		v.fault(p, st.Fault)
	case "setUserNameFormat":
		if v.required(p, st.SetUserNameFormat) {
			v.userNameFormat(p, st.SetUserNameFormat)
		}
	case "setPrimaryEmail":
		if v.required(p, st.SetPrimaryEmail) {
			v.attribute(p, st.SetPrimaryEmail)
		}
	case "pushGroup":
		v.group(p+".group", st.PushGroup.Group)
	case "pushNow":
		v.group(p, st.PushNow)
	case "unlinkPushedGroup":
		v.group(p+".group", st.UnlinkPushedGroup.Group)
	case "assign", "unassign":
		a := st.Assign
		if kind == "unassign" {
			a = st.Unassign
		}
		switch {
		case a.User != "" && a.Group != "":
			v.at(p+".group", "use two steps", "%s takes a user or a group, not both", kind)
		case a.User != "":
			v.person(p+".user", a.User, false)
		case a.Group != "":
			v.group(p+".group", a.Group)
		default:
			v.at(p, "e.g. "+kind+": {group: atlassian-test-jira-users}", "%s needs a user or a group", kind)
		}
	case "updateProfile":
		v.person(p+".user", st.UpdateProfile.User, false)
		if len(st.UpdateProfile.Set) == 0 {
			v.at(p+".set", "e.g. set: {title: Engineer}", "updateProfile needs attributes to set")
		}
		for _, k := range sortedMapKeys(st.UpdateProfile.Set) {
			if !attributeNameRE.MatchString(k) {
				v.atKey(p+".set."+k, "letters, digits and _ only", "%q is not a profile attribute name", k)
			}
		}
	case "changeEmail":
		v.person(p+".user", st.ChangeEmail.User, false)
		v.email(p+".email", st.ChangeEmail.Email)
	case "changePassword":
		v.person(p+".user", st.ChangePassword.User, false)
		if v.ix.has(p+".password") && st.ChangePassword.Password == "" {
			v.at(p+".password", "leave password out to have the runner make one", "password must not be empty")
		}
	case "deactivate":
		v.person(p, st.Deactivate, false)
	case "activate":
		v.person(p, st.Activate, false)
	case "suspend":
		v.person(p, st.Suspend, false)
	case "unsuspend":
		v.person(p, st.Unsuspend, false)
	case "addToGroup", "removeFromGroup":
		m := st.AddToGroup
		if kind == "removeFromGroup" {
			m = st.RemoveFromGroup
		}
		v.person(p+".user", m.User, false)
		v.group(p+".group", m.Group)
	case "renameGroup":
		v.group(p+".group", st.RenameGroup.Group)
		if v.required(p+".to", st.RenameGroup.To) {
			if v.groups[st.RenameGroup.To] && st.RenameGroup.To != st.RenameGroup.Group {
				v.at(p+".to", "", "group %q already exists", st.RenameGroup.To)
			}
			v.renamed[st.RenameGroup.To] = st.RenameGroup.Group
		}
	case "grantAccess", "revokeAccess":
		a := st.GrantAccess
		if kind == "revokeAccess" {
			a = st.RevokeAccess
		}
		v.access(p, kind, a)
	case "makeDefaultGroup":
		v.required(p+".group", st.MakeDefaultGroup.Group)
	case "sso":
		v.person(p+".user", st.SSO.User, false)
		v.enum(p+".flow", st.SSO.Flow, []string{"idp", "sp"})
	}
}

// fault checks a fault step lightly: the shape mockatlassian accepts, with
// positions; mockatlassian has the final word when the step runs.
func (v *scenarioValidator) fault(p string, f *FaultSpec) {
	v.enum(p+".method", f.Method, scimMethods)
	if f.Path != "" && !strings.HasPrefix(f.Path, "/") {
		v.at(p+".path", "relative to the directory, e.g. /Users or /Groups/*", "path %q must start with /", f.Path)
	}
	rule := faults.Rule{BodyField: f.BodyField, BodyValue: f.BodyValue, Status: f.Status, RetryAfter: f.RetryAfter,
		Drop: f.Drop, After: f.After, Times: f.Times}
	for _, d := range []struct {
		key, value string
		dst        *faults.Duration
	}{{"latency", f.Latency, &rule.Latency}, {"hang", f.Hang, &rule.Hang}} {
		if d.value == "" {
			continue
		}
		dur, err := time.ParseDuration(d.value)
		if err != nil || dur <= 0 {
			v.at(p+"."+d.key, "a Go duration such as 250ms or 2s", "%s %q is not a positive duration", d.key, d.value)
			return
		}
		*d.dst = faults.Duration(dur)
	}
	if err := rule.Validate(); err != nil {
		v.at(p, "give status (with retryAfter for 429), drop or hang, optionally latency; e.g. fault: {method: POST, path: /Users, status: 503, times: 1}",
			"%s", strings.TrimPrefix(err.Error(), "fault rule: "))
	}
}

// access checks grantAccess/revokeAccess: the group may be any name (a
// synced or a local group); the site defaults to the only one.
func (v *scenarioValidator) access(p, kind string, a *AccessStep) {
	v.required(p+".group", a.Group)
	v.product(p+".product", a.Product)
	sites := v.s.Atlassian.Sites
	var site *SiteSpec
	switch {
	case a.Site != "":
		s, ok := v.sites[a.Site]
		if !ok {
			var names []string
			for _, s := range sites {
				names = append(names, s.Name)
			}
			hint := "declare it under atlassian.sites"
			if m := closestName(a.Site, names); m != "" {
				hint = fmt.Sprintf("did you mean %q?", m)
			} else if len(names) > 0 {
				hint = "sites: " + strings.Join(names, ", ")
			}
			v.at(p+".site", hint, "unknown site %q", a.Site)
			return
		}
		site = s
	case len(sites) == 0:
		v.at(p, "declare one under atlassian.sites", "%s needs a site, and there are none", kind)
		return
	case len(sites) > 1:
		var names []string
		for _, s := range sites {
			names = append(names, s.Name)
		}
		v.at(p, "add site: one of "+strings.Join(names, ", "), "%s needs a site: there are %d sites", kind, len(sites))
		return
	default:
		site = &sites[0]
	}
	if a.Product != "" && slices.Contains(productKeys, a.Product) && len(site.Products) > 0 && !slices.Contains(site.Products, a.Product) {
		v.at(p+".product", "site products: "+strings.Join(site.Products, ", "), "site %q has no %s", site.Name, a.Product)
	}
}

func (v *scenarioValidator) expect(path string, e *Expect) {
	if o := e.Okta; o != nil {
		op := path + ".okta"
		for i, au := range o.AppUsers {
			ap := fmt.Sprintf("%s.appUsers[%d]", op, i)
			v.person(ap+".user", au.User, false)
			v.enum(ap+".status", au.Status, appUserStatuses)
			v.enum(ap+".syncState", au.SyncState, syncStates)
			v.enum(ap+".externalId", au.ExternalID, externalIDStates)
		}
		v.nonNegative(op+".tasks", o.Tasks)
		for i, l := range o.Log {
			lp := fmt.Sprintf("%s.log[%d]", op, i)
			v.required(lp+".eventType", l.EventType)
			if l.User != "" {
				v.person(lp+".user", l.User, false)
			}
			v.nonNegative(lp+".count", l.Count)
		}
		for i, g := range o.PushedGroups {
			gp := fmt.Sprintf("%s.pushedGroups[%d]", op, i)
			v.group(gp+".group", g.Group)
			v.enum(gp+".status", g.Status, pushStatuses)
		}
	}
	if a := e.Atlassian; a != nil {
		ap := path + ".atlassian"
		for i, u := range a.Users {
			v.person(fmt.Sprintf("%s.users[%d].user", ap, i), u.User, false)
		}
		v.nonNegative(ap+".userCount", a.UserCount)
		for i, g := range a.Groups {
			gp := fmt.Sprintf("%s.groups[%d]", ap, i)
			v.required(gp+".name", g.Name) // any name: synced or local
			for j, m := range g.Members {
				v.person(fmt.Sprintf("%s.members[%d]", gp, j), m, false)
			}
			v.nonNegative(gp+".memberCount", g.MemberCount)
		}
		for i, acc := range a.Accounts {
			cp := fmt.Sprintf("%s.accounts[%d]", ap, i)
			switch {
			case acc.Email != "" && acc.User != "":
				v.at(cp+".user", "give one of them", "an account is named by email or by user, not both")
			case acc.User != "":
				v.person(cp+".user", acc.User, false)
			case acc.Email == "":
				v.at(cp, "e.g. {user: user2} or {email: alice@example.com}", "an account expectation needs a user or an email")
			default:
				v.email(cp+".email", acc.Email)
			}
			v.enum(cp+".status", acc.Status, accountStatuses)
			for j, p := range acc.Products {
				v.product(fmt.Sprintf("%s.products[%d]", cp, j), p)
			}
		}
		v.nonNegative(ap+".accountCount", a.AccountCount)
		v.nonNegative(ap+".duplicates", a.Duplicates)
	}
	if sc := e.SCIM; sc != nil {
		for _, l := range []struct {
			name string
			list []RequestMatch
		}{{"sent", sc.Sent}, {"notSent", sc.NotSent}} {
			name := l.name
			for i, m := range l.list {
				mp := fmt.Sprintf("%s.scim.%s[%d]", path, name, i)
				v.enum(mp+".method", m.Method, scimMethods)
				v.enum(mp+".resource", m.Resource, scimResources)
				if m.User != "" {
					v.person(mp+".user", m.User, false)
				}
				if m.Group != "" && !v.groups[m.Group] && v.renamed[m.Group] == "" && !v.local[m.Group] && !v.pushTarget(m.Group) {
					v.at(mp+".group", v.groupHint(m.Group), "unknown group %q", m.Group)
				}
				v.nonNegative(mp+".count", m.Count)
			}
		}
	}
}

// pushTarget reports whether some pushGroup step pushes under name.
func (v *scenarioValidator) pushTarget(name string) bool {
	for _, st := range v.s.Steps {
		if st.PushGroup != nil && st.PushGroup.TargetName == name {
			return true
		}
	}
	return false
}

func sortedMapKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
