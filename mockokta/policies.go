package mockokta

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/store"
)

// App sign-in policies (OAPI-POLICY-1..4). An Identity Engine org ships
// with its access policies: the default one (system: true), which every
// app is on until an admin picks another, and the Okta Account Management
// Policy. Terraform's provider lists them by type when it creates an app,
// puts the app on the default one and reads the app's _links.accessPolicy
// back; okta_app_signon_policy and okta_app_signon_policy_rule create,
// replace and delete policies and their rules (OAPI-POLICY-2, -3). When a
// person signs in to a SAML app, the app's policy decides (OAPI-POLICY-4).
//
// The two built-in policies are derived from the org id until something
// changes them: an org keeps only the policies it has touched as records
// (policyRecord), and the built-ins come back from the org id otherwise.

// Policy types Okta's listPolicies takes (`type` is required). provsim
// serves ACCESS_POLICY's policies; the other types list empty.
var policyTypes = map[string]bool{
	"ACCESS_POLICY": true, "OKTA_SIGN_ON": true, "PASSWORD": true, "MFA_ENROLL": true, "IDP_DISCOVERY": true,
	"PROFILE_ENROLLMENT": true, "POST_AUTH_SESSION": true, "ENTITY_RISK": true, "DEVICE_SIGNAL_COLLECTION": true,
}

// AccessPolicyType is the one policy type provsim models.
const AccessPolicyType = "ACCESS_POLICY"

// Policy and rule statuses.
const (
	PolicyActive   = "ACTIVE"
	PolicyInactive = "INACTIVE"
)

// Rule actions (actions.appSignOn.access).
const (
	AccessAllow = "ALLOW"
	AccessDeny  = "DENY"
)

// Okta's limits: rules per policy, the catch-all rule's place
// (OAPI-POLICY-3), and the length of names (a guess).
const (
	maxPolicyRules   = 100
	catchAllPriority = 99
	maxPolicyName    = 255
	catchAllName     = "Catch-all Rule"
)

// Resource types of access policies.
const (
	PolicyForApps              = "APP"
	PolicyForAccountManagement = "END_USER_ACCOUNT_MANAGEMENT"
)

// AccessPolicy is an app sign-in policy with its rules in evaluation order.
type AccessPolicy struct {
	ID           string
	Name         string
	Description  string
	Priority     int
	System       bool
	Status       string
	ResourceType string // APP, or END_USER_ACCOUNT_MANAGEMENT
	Created      time.Time
	LastUpdated  time.Time
	Rules        []*PolicyRule
}

// PolicyRule is a rule of an access policy. Conditions and Actions are
// kept as the JSON objects Okta answers, so that what a client wrote
// reads back as written; the conditions provsim evaluates are read from
// them (ruleMatches).
type PolicyRule struct {
	ID          string
	Name        string
	Status      string
	Priority    int
	System      bool
	Created     time.Time
	LastUpdated time.Time
	Conditions  map[string]any // nil: JSON null (the catch-all rule)
	Actions     map[string]any
}

func (r *PolicyRule) clone() *PolicyRule {
	c := *r
	c.Conditions, _ = cloneJSON(r.Conditions).(map[string]any)
	c.Actions, _ = cloneJSON(r.Actions).(map[string]any)
	return &c
}

func (p *AccessPolicy) clone() *AccessPolicy {
	c := *p
	c.Rules = make([]*PolicyRule, len(p.Rules))
	for i, r := range p.Rules {
		c.Rules[i] = r.clone()
	}
	return &c
}

// Access is the rule's actions.appSignOn.access.
func (r *PolicyRule) Access() string {
	s, _ := digJSON(r.Actions, "appSignOn", "access").(string)
	return s
}

// cloneJSON deep-copies a decoded JSON value.
func cloneJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if t == nil {
			return map[string]any(nil)
		}
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = cloneJSON(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = cloneJSON(x)
		}
		return out
	}
	return v
}

// digJSON follows keys through nested JSON objects; nil when absent.
func digJSON(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// builtinPolicies are the org's two policies as Okta ships them, each with
// its catch-all rule (ALLOW).
func builtinPolicies(o *Org) []*AccessPolicy {
	mk := func(what, name, desc string, prio int, system bool, rt string) *AccessPolicy {
		id := builtinID("rst", o.ID, what)
		return &AccessPolicy{ID: id, Name: name, Description: desc, Priority: prio, System: system, Status: PolicyActive,
			ResourceType: rt, Created: o.Created, LastUpdated: o.Created, Rules: []*PolicyRule{catchAllRule(o, id, o.Created, AccessAllow)}}
	}
	return []*AccessPolicy{
		mk("access-policy-default", "Default Policy", "The default app sign-in policy", 1, true, PolicyForApps),
		mk("access-policy-account-management", "Okta Account Management Policy", "The policy for Okta account management", 2, false,
			PolicyForAccountManagement),
	}
}

// catchAllRule is the rule every access policy has at priority 99
// (OAPI-POLICY-3). Its id is derived, like the built-in policies'.
func catchAllRule(o *Org, policyID string, created time.Time, access string) *PolicyRule {
	return &PolicyRule{ID: builtinID("rul", o.ID, policyID+"/catch-all"), Name: catchAllName, Status: PolicyActive,
		Priority: catchAllPriority, System: true, Created: created, LastUpdated: created,
		Actions: map[string]any{"appSignOn": map[string]any{"access": access}}}
}

// ensurePolicies makes the built-in policies records of the org, before
// a change: until then they are derived (lookupPolicies). Caller holds
// o.mu, in a write.
func (o *Org) ensurePolicies() {
	if o.policies != nil {
		return
	}
	o.policies, o.policyOrder = o.lookupPolicies()
	for _, id := range o.policyOrder {
		o.changes.New(kindPolicy, id)
	}
}

// lookupPolicies are the org's policies, in order, for reading: the
// built-ins are made afresh while the org has not stored them. Caller
// holds o.mu.
func (o *Org) lookupPolicies() (map[string]*AccessPolicy, []string) {
	if o.policies != nil {
		return o.policies, o.policyOrder
	}
	ps, order := map[string]*AccessPolicy{}, []string{}
	for _, p := range builtinPolicies(o) {
		ps[p.ID] = p
		order = append(order, p.ID)
	}
	return ps, order
}

// addMissingBuiltinPolicies is ensurePolicies for a restored org, which
// holds the policies it had stored: the built-ins it did not store are
// added, and the built-ins come first as in a new org. Caller holds o.mu.
func (o *Org) addMissingBuiltinPolicies() {
	if o.policies == nil {
		o.policies = map[string]*AccessPolicy{}
	}
	var order []string
	for _, p := range builtinPolicies(o) {
		if _, ok := o.policies[p.ID]; !ok {
			o.policies[p.ID] = p
		}
		order = append(order, p.ID)
	}
	for _, id := range o.policyOrder {
		if !isBuiltinPolicy(o, id) {
			order = append(order, id)
		}
	}
	o.policyOrder = order
}

// defaultPolicyID is the id of the org's system policy.
func defaultPolicyID(o *Org) string { return builtinID("rst", o.ID, "access-policy-default") }

// policy finds a policy. Caller holds o.mu.
func (o *Org) policy(id string) (*AccessPolicy, error) {
	ps, _ := o.lookupPolicies()
	if p, ok := ps[id]; ok {
		return p, nil
	}
	return nil, errNotFound("Policy", id)
}

// policyRule finds a rule of a policy. Caller holds o.mu.
func (o *Org) policyRule(policyID, ruleID string) (*AccessPolicy, *PolicyRule, error) {
	p, err := o.policy(policyID)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range p.Rules {
		if r.ID == ruleID {
			return p, r, nil
		}
	}
	return nil, nil, errNotFound("PolicyRule", ruleID)
}

// appPolicyID is the policy an app is on. Caller holds o.mu.
func (o *Org) appPolicyID(appID string) string {
	if id, ok := o.appPolicies[appID]; ok {
		if _, exists := o.policies[id]; exists { // an assignment implies stored policies
			return id
		}
	}
	return defaultPolicyID(o)
}

// appsOnPolicy are the ids of the existing apps on a policy other than the
// default, in app order. Caller holds o.mu.
func (o *Org) appsOnPolicy(policyID string) []string {
	var out []string
	for _, id := range o.appOrder {
		if o.appPolicies[id] == policyID {
			out = append(out, id)
		}
	}
	return out
}

// forgetAppPolicy drops a deleted app's assignment, which its policy's
// record holds. Caller holds o.mu.
func (o *Org) forgetAppPolicy(appID string) {
	if id, ok := o.appPolicies[appID]; ok {
		delete(o.appPolicies, appID)
		if _, exists := o.policies[id]; exists {
			o.changes.Put(kindPolicy, id)
		}
	}
}

func policyTarget(p *AccessPolicy) LogTarget {
	return LogTarget{ID: p.ID, Type: "PolicyEntity", AlternateID: "unknown", DisplayName: p.Name}
}

func policyRuleTarget(r *PolicyRule) LogTarget {
	return LogTarget{ID: r.ID, Type: "PolicyRule", AlternateID: "unknown", DisplayName: r.Name}
}

// ---- Policies -------------------------------------------------------------

// AccessPolicies are the org's app sign-in policies, in the order they were
// made (the built-ins first).
func (m *Model) AccessPolicies(o *Org) []*AccessPolicy {
	o.mu.Lock()
	defer o.mu.Unlock()
	ps, order := o.lookupPolicies()
	out := make([]*AccessPolicy, 0, len(order))
	for _, id := range order {
		out = append(out, ps[id].clone())
	}
	return out
}

// DefaultAccessPolicy is the policy apps are on until assigned another
// (system: true).
func (m *Model) DefaultAccessPolicy(o *Org) *AccessPolicy {
	p, _ := m.AccessPolicy(o, defaultPolicyID(o))
	return p
}

// AccessPolicy finds one of the org's policies.
func (m *Model) AccessPolicy(o *Org, id string) (*AccessPolicy, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	p, err := o.policy(id)
	if err != nil {
		return nil, err
	}
	return p.clone(), nil
}

// ListPolicies is GET /policies?type=: the type is required; status
// (ACTIVE or INACTIVE) and q (a name prefix, any case) narrow the list.
func (m *Model) ListPolicies(o *Org, typ, status, q string) ([]*AccessPolicy, error) {
	switch {
	case typ == "":
		return nil, errValidation("type: " + causeBlank)
	case !policyTypes[typ]:
		return nil, errValidation("type: Invalid policy type " + typ)
	case status != "" && status != PolicyActive && status != PolicyInactive:
		return nil, errValidation("status: must be ACTIVE or INACTIVE")
	case typ != AccessPolicyType:
		return []*AccessPolicy{}, nil
	}
	out := []*AccessPolicy{}
	for _, p := range m.AccessPolicies(o) {
		if (status == "" || p.Status == status) && strings.HasPrefix(lower(p.Name), lower(q)) {
			out = append(out, p)
		}
	}
	return out, nil
}

// AccessPolicyInput is a policy as POST and PUT /api/v1/policies take it.
// Read-only fields a client sends back (id, system, created, _links) are
// ignored.
type AccessPolicyInput struct {
	Type        string  `json:"type"`
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Priority    *int    `json:"priority"`
	Status      string  `json:"status"`
	Conditions  any     `json:"conditions"`
}

// checkNamePriorityStatus checks what policies and rules share: a name,
// a priority and a status. It returns one errorCause per problem.
func checkNamePriorityStatus(name string, priority *int, status string) []string {
	var causes []string
	switch n := len([]rune(name)); {
	case n == 0:
		causes = append(causes, "name: "+causeBlank)
	case n > maxPolicyName:
		causes = append(causes, fmt.Sprintf("name: The field cannot exceed %d characters", maxPolicyName))
	}
	if priority != nil && *priority < 0 {
		causes = append(causes, "priority: must be a positive number")
	}
	if status != "" && status != PolicyActive && status != PolicyInactive {
		causes = append(causes, "status: must be ACTIVE or INACTIVE")
	}
	return causes
}

// checkPolicy validates a policy; every problem is one errorCause.
func checkPolicy(in AccessPolicyInput) (name string, err error) {
	var causes []string
	switch in.Type {
	case "":
		causes = append(causes, "type: "+causeBlank)
	case AccessPolicyType:
	default:
		if policyTypes[in.Type] {
			causes = append(causes, "type: provsim models ACCESS_POLICY policies only, not "+in.Type)
		} else {
			causes = append(causes, "type: Invalid policy type "+in.Type)
		}
	}
	if in.Name != nil {
		name = strings.TrimSpace(*in.Name)
	}
	causes = append(causes, checkNamePriorityStatus(name, in.Priority, in.Status)...)
	if c, ok := in.Conditions.(map[string]any); in.Conditions != nil && (!ok || len(c) > 0) {
		// An access policy's conditions live on its rules (OAPI-POLICY-1).
		causes = append(causes, "conditions: ACCESS_POLICY policies take no conditions; set them on the rules")
	}
	if len(causes) > 0 {
		return "", errValidation(causes...)
	}
	return name, nil
}

// CreateAccessPolicy is POST /api/v1/policies?activate=: the policy comes
// with its catch-all rule (ALLOW), ACTIVE unless activate=false or the
// body says INACTIVE (OAPI-POLICY-2).
func (m *Model) CreateAccessPolicy(o *Org, in AccessPolicyInput, activate bool) (*AccessPolicy, error) {
	name, err := checkPolicy(in)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ensurePolicies()
	now := m.now()
	id := m.oktaID("rst")
	for o.policies[id] != nil {
		id = m.oktaID("rst")
	}
	p := &AccessPolicy{ID: id, Name: name, Priority: 1, Status: PolicyActive, ResourceType: PolicyForApps,
		Created: now, LastUpdated: now}
	if !activate || in.Status == PolicyInactive {
		p.Status = PolicyInactive
	}
	p.applyInput(in, name)
	p.Rules = []*PolicyRule{catchAllRule(o, id, now, AccessAllow)}
	o.policies[id] = p
	o.policyOrder = append(o.policyOrder, id)
	o.changes.New(kindPolicy, id)
	m.logAPI(o, "policy.lifecycle.create", "Create policy", policyTarget(p))
	return p.clone(), nil
}

// applyInput sets what a create or replace writes. An access policy's
// priority is kept as written: apps name their policy, so policies are
// not evaluated in priority order and Okta's shifting is not reproduced
// for them (a guess, OAPI-POLICY-2).
func (p *AccessPolicy) applyInput(in AccessPolicyInput, name string) {
	p.Name = name
	if in.Description != nil {
		p.Description = *in.Description
	}
	if in.Priority != nil && *in.Priority > 0 {
		p.Priority = *in.Priority
	}
}

// ReplaceAccessPolicy is PUT /api/v1/policies/{id}: name, description and
// priority; the status changes through the lifecycle operations only.
func (m *Model) ReplaceAccessPolicy(o *Org, id string, in AccessPolicyInput) (*AccessPolicy, error) {
	name, err := checkPolicy(in)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ensurePolicies()
	p, err := o.policy(id)
	if err != nil {
		return nil, err
	}
	if in.Description == nil {
		// PUT replaces: a description left out is cleared.
		in.Description = new(string)
	}
	p.applyInput(in, name)
	p.LastUpdated = m.now()
	o.changes.Put(kindPolicy, id)
	m.logAPI(o, "policy.lifecycle.update", "Update policy", policyTarget(p))
	return p.clone(), nil
}

// errPolicyInUse refuses deactivating or deleting a policy that apps are
// on (OAPI-POLICY-2): Terraform moves the apps to the default policy
// before it deletes one.
func errPolicyInUse(p *AccessPolicy, apps []string, op string) *Error {
	return errValidation(fmt.Sprintf("policy: Cannot %s the policy %s: it is the sign-in policy of %d app(s) (%s); assign them another policy first",
		op, p.Name, len(apps), strings.Join(apps, ", ")))
}

// errBuiltinPolicy refuses changing what Okta keeps of a built-in policy.
func errBuiltinPolicy(p *AccessPolicy, op string) *Error {
	return errValidation(fmt.Sprintf("policy: Cannot %s the built-in policy %s", op, p.Name))
}

// isBuiltinPolicy: the two policies every org ships with.
func isBuiltinPolicy(o *Org, id string) bool {
	return id == defaultPolicyID(o) || id == builtinID("rst", o.ID, "access-policy-account-management")
}

// DeleteAccessPolicy is DELETE /api/v1/policies/{id}. The built-in
// policies cannot be deleted, nor a policy apps are on.
func (m *Model) DeleteAccessPolicy(o *Org, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ensurePolicies()
	p, err := o.policy(id)
	if err != nil {
		return err
	}
	if isBuiltinPolicy(o, id) {
		return errBuiltinPolicy(p, "delete")
	}
	if apps := o.appsOnPolicy(id); len(apps) > 0 {
		return errPolicyInUse(p, apps, "delete")
	}
	m.logAPI(o, "policy.lifecycle.delete", "Delete policy", policyTarget(p))
	delete(o.policies, id)
	o.policyOrder = removeID(o.policyOrder, id)
	for app, pid := range o.appPolicies {
		if pid == id {
			delete(o.appPolicies, app) // apps that are gone
		}
	}
	o.changes.Put(kindPolicy, id)
	return nil
}

// SetAccessPolicyStatus is POST …/lifecycle/activate or deactivate: 204,
// and nothing changes when the policy has the status already. The default
// policy cannot be deactivated, nor a policy apps are on.
func (m *Model) SetAccessPolicyStatus(o *Org, id string, active bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ensurePolicies()
	p, err := o.policy(id)
	if err != nil {
		return err
	}
	want, event, msg := PolicyActive, "policy.lifecycle.activate", "Activate policy"
	if !active {
		want, event, msg = PolicyInactive, "policy.lifecycle.deactivate", "Deactivate policy"
		if p.System {
			return errBuiltinPolicy(p, "deactivate")
		}
		if apps := o.appsOnPolicy(id); len(apps) > 0 {
			return errPolicyInUse(p, apps, "deactivate")
		}
	}
	if p.Status == want {
		return nil
	}
	p.Status, p.LastUpdated = want, m.now()
	o.changes.Put(kindPolicy, id)
	m.logAPI(o, event, msg, policyTarget(p))
	return nil
}

// AppAccessPolicyID is the id of the policy an app is on.
func (m *Model) AppAccessPolicyID(o *Org, appID string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.appPolicyID(appID)
}

// AssignAppPolicy is PUT /apps/{appId}/policies/{policyId}: the app's
// sign-in policy, which its _links.accessPolicy then names. The account
// management policy is not for apps, and an INACTIVE policy is refused
// (OAPI-POLICY-2).
func (m *Model) AssignAppPolicy(o *Org, appID, policyID string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return err
	}
	o.ensurePolicies()
	p, err := o.policy(policyID)
	if err != nil {
		return err
	}
	switch {
	case p.ResourceType != PolicyForApps:
		return errValidation("policyId: The policy " + p.Name + " cannot be assigned to an app")
	case p.Status != PolicyActive:
		return errValidation("policyId: The policy " + p.Name + " is INACTIVE; activate it before assigning it to an app")
	}
	old := o.appPolicyID(appID)
	if old == policyID {
		return nil
	}
	if o.appPolicies == nil {
		o.appPolicies = map[string]string{}
	}
	if policyID == defaultPolicyID(o) {
		delete(o.appPolicies, appID)
	} else {
		o.appPolicies[appID] = policyID
	}
	// The assignment is kept on the policy's record (policyRecord.Apps).
	o.changes.Put(kindPolicy, old)
	o.changes.Put(kindPolicy, policyID)
	m.logAPI(o, "application.policy.sign_on.update", "Update application sign on policy", appTarget(a), policyTarget(p))
	return nil
}

// ---- Rules ----------------------------------------------------------------

// PolicyRuleInput is a rule as POST and PUT …/rules take it. Read-only
// fields a client sends back (id, system, created, _links) are ignored.
type PolicyRuleInput struct {
	Type       string         `json:"type"`
	Name       *string        `json:"name"`
	Priority   *int           `json:"priority"`
	Status     string         `json:"status"`
	Conditions map[string]any `json:"conditions"`
	Actions    map[string]any `json:"actions"`
}

// Network connections a rule's conditions.network takes.
var networkConnections = map[string]bool{"ANYWHERE": true, "ZONE": true, "ON_NETWORK": true, "OFF_NETWORK": true}

// checkRule validates a rule against the org; every problem is one
// errorCause. It returns the name and the conditions to store. Caller
// holds o.mu.
func (o *Org) checkPolicyRule(in PolicyRuleInput, system bool) (string, map[string]any, error) {
	var causes []string
	if in.Type != "" && in.Type != AccessPolicyType {
		causes = append(causes, "type: must be ACCESS_POLICY, the type of the policy")
	}
	var name string
	if in.Name != nil {
		name = strings.TrimSpace(*in.Name)
	}
	causes = append(causes, checkNamePriorityStatus(name, in.Priority, in.Status)...)
	switch access, _ := digJSON(in.Actions, "appSignOn", "access").(string); access {
	case AccessAllow, AccessDeny:
	case "":
		causes = append(causes, "actions.appSignOn.access: "+causeBlank)
	default:
		causes = append(causes, "actions.appSignOn.access: must be ALLOW or DENY")
	}
	conds := in.Conditions
	if system {
		// The catch-all rule matches everybody: only its actions change
		// (OAPI-POLICY-3).
		if !trivialConditions(conds) {
			causes = append(causes, "conditions: The conditions of the default rule cannot be changed")
		}
		conds = nil
	} else {
		causes = append(causes, o.checkPeople(conds)...)
		if c, ok := digJSON(conds, "network", "connection").(string); digJSON(conds, "network", "connection") != nil && (!ok || !networkConnections[c]) {
			causes = append(causes, "conditions.network.connection: must be ANYWHERE, ZONE, ON_NETWORK or OFF_NETWORK")
		}
		conds, _ = cloneJSON(conds).(map[string]any)
		if conds == nil {
			conds = map[string]any{}
		}
		if _, ok := conds["network"]; !ok {
			// Okta's default network condition (a guess, OAPI-POLICY-3);
			// Terraform's provider reads conditions.network back.
			conds["network"] = map[string]any{"connection": "ANYWHERE"}
		}
	}
	if len(causes) > 0 {
		return "", nil, errValidation(causes...)
	}
	return name, conds, nil
}

// checkPeople checks conditions.people: lists of ids of the org's people
// and groups.
func (o *Org) checkPeople(conds map[string]any) []string {
	var causes []string
	for _, c := range []struct {
		kind, list string
		exists     func(string) bool
	}{
		{"users", "include", func(id string) bool { return o.users[id] != nil }},
		{"users", "exclude", func(id string) bool { return o.users[id] != nil }},
		{"groups", "include", func(id string) bool { return o.groups[id] != nil }},
		{"groups", "exclude", func(id string) bool { return o.groups[id] != nil }},
	} {
		field := "conditions.people." + c.kind + "." + c.list
		v := digJSON(conds, "people", c.kind, c.list)
		if v == nil {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			causes = append(causes, field+": must be a list of ids")
			continue
		}
		for _, x := range list {
			id, ok := x.(string)
			switch {
			case !ok:
				causes = append(causes, field+": must be a list of ids")
			case !c.exists(id):
				causes = append(causes, fmt.Sprintf("%s: %s is not one of the org's %s", field, id, c.kind))
			}
		}
	}
	return causes
}

// trivialConditions: conditions that restrict nobody (null, empty, or the
// defaults Terraform sends: network ANYWHERE, no platforms).
func trivialConditions(c map[string]any) bool {
	for k, v := range c {
		switch {
		case v == nil:
		case k == "network":
			n, _ := v.(map[string]any)
			for nk, nv := range n {
				if nv != nil && !(nk == "connection" && nv == "ANYWHERE") && !emptyList(nv) {
					return false
				}
			}
		case k == "platform":
			if inc := digJSON(v, "include"); inc != nil && !emptyList(inc) {
				return false
			}
		default:
			if m, ok := v.(map[string]any); !ok || len(m) > 0 {
				return false
			}
		}
	}
	return true
}

func emptyList(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) == 0
}

// placeRule gives r the priority asked for (OAPI-POLICY-3): absent, 0, or
// past the end, it goes after the last rule; a priority another rule has
// pushes that rule, and the ones right below it, down by one. A deleted
// rule's priority stays free (Okta's "deletion gap"). The catch-all rule
// stays last at 99. Caller holds o.mu.
func placeRule(p *AccessPolicy, r *PolicyRule, want int) {
	last := 0
	for _, x := range p.Rules {
		if !x.System && x != r && x.Priority > last {
			last = x.Priority
		}
	}
	if want <= 0 || want > last+1 {
		want = last + 1
	}
	taken := map[int]*PolicyRule{}
	for _, x := range p.Rules {
		if !x.System && x != r {
			taken[x.Priority] = x
		}
	}
	for prio := want; taken[prio] != nil; prio++ {
		taken[prio].Priority = prio + 1
	}
	r.Priority = want
	sortRules(p)
}

// sortRules orders the rules as they are evaluated: by priority, the
// catch-all last.
func sortRules(p *AccessPolicy) {
	sort.SliceStable(p.Rules, func(i, j int) bool {
		a, b := p.Rules[i], p.Rules[j]
		if a.System != b.System {
			return !a.System
		}
		return a.Priority < b.Priority
	})
}

// AccessPolicyRules are a policy's rules in evaluation order.
func (m *Model) AccessPolicyRules(o *Org, policyID string) ([]*PolicyRule, error) {
	p, err := m.AccessPolicy(o, policyID)
	if err != nil {
		return nil, err
	}
	return p.Rules, nil
}

// AccessPolicyRule finds a rule of a policy.
func (m *Model) AccessPolicyRule(o *Org, policyID, ruleID string) (*PolicyRule, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, r, err := o.policyRule(policyID, ruleID)
	if err != nil {
		return nil, err
	}
	return r.clone(), nil
}

// CreateAccessPolicyRule is POST /api/v1/policies/{id}/rules?activate=:
// at most 100 rules a policy, the catch-all included.
func (m *Model) CreateAccessPolicyRule(o *Org, policyID string, in PolicyRuleInput, activate bool) (*PolicyRule, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ensurePolicies()
	p, err := o.policy(policyID)
	if err != nil {
		return nil, err
	}
	name, conds, err := o.checkPolicyRule(in, false)
	if err != nil {
		return nil, err
	}
	if len(p.Rules) >= maxPolicyRules {
		return nil, errValidation(fmt.Sprintf("rules: A policy has at most %d rules", maxPolicyRules))
	}
	now := m.now()
	r := &PolicyRule{ID: m.oktaID("rul"), Name: name, Status: PolicyActive, Created: now, LastUpdated: now,
		Conditions: conds}
	r.Actions, _ = cloneJSON(in.Actions).(map[string]any)
	if !activate || in.Status == PolicyInactive {
		r.Status = PolicyInactive
	}
	p.Rules = append(p.Rules, r)
	placeRule(p, r, intOr(in.Priority, 0))
	o.changes.Put(kindPolicy, p.ID)
	m.logAPI(o, "policy.rule.add", "Add policy rule", policyTarget(p), policyRuleTarget(r))
	return r.clone(), nil
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// ReplaceAccessPolicyRule is PUT …/rules/{ruleId}: name, priority,
// conditions and actions. The catch-all rule keeps its priority and its
// (empty) conditions; its actions can change (OAPI-POLICY-3).
func (m *Model) ReplaceAccessPolicyRule(o *Org, policyID, ruleID string, in PolicyRuleInput) (*PolicyRule, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ensurePolicies()
	p, r, err := o.policyRule(policyID, ruleID)
	if err != nil {
		return nil, err
	}
	name, conds, err := o.checkPolicyRule(in, r.System)
	if err != nil {
		return nil, err
	}
	r.Name, r.Conditions, r.LastUpdated = name, conds, m.now()
	r.Actions, _ = cloneJSON(in.Actions).(map[string]any)
	if !r.System {
		want := intOr(in.Priority, 0)
		if want == 0 {
			want = r.Priority // left out: the rule keeps its place
		}
		placeRule(p, r, want)
	}
	o.changes.Put(kindPolicy, p.ID)
	m.logAPI(o, "policy.rule.update", "Update policy rule", policyTarget(p), policyRuleTarget(r))
	return r.clone(), nil
}

// DeleteAccessPolicyRule is DELETE …/rules/{ruleId}; the catch-all rule
// cannot be deleted.
func (m *Model) DeleteAccessPolicyRule(o *Org, policyID, ruleID string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ensurePolicies()
	p, r, err := o.policyRule(policyID, ruleID)
	if err != nil {
		return err
	}
	if r.System {
		return errValidation("rule: The default rule of a policy cannot be deleted")
	}
	m.logAPI(o, "policy.rule.delete", "Delete policy rule", policyTarget(p), policyRuleTarget(r))
	p.Rules = slices.DeleteFunc(p.Rules, func(x *PolicyRule) bool { return x == r })
	o.changes.Put(kindPolicy, p.ID)
	return nil
}

// SetAccessPolicyRuleStatus is POST …/rules/{ruleId}/lifecycle/activate
// or deactivate; the catch-all rule cannot be deactivated.
func (m *Model) SetAccessPolicyRuleStatus(o *Org, policyID, ruleID string, active bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ensurePolicies()
	p, r, err := o.policyRule(policyID, ruleID)
	if err != nil {
		return err
	}
	want, event, msg := PolicyActive, "policy.rule.activate", "Activate policy rule"
	if !active {
		want, event, msg = PolicyInactive, "policy.rule.deactivate", "Deactivate policy rule"
		if r.System {
			return errValidation("rule: The default rule of a policy cannot be deactivated")
		}
	}
	if r.Status == want {
		return nil
	}
	r.Status, r.LastUpdated = want, m.now()
	o.changes.Put(kindPolicy, p.ID)
	m.logAPI(o, event, msg, policyTarget(p), policyRuleTarget(r))
	return nil
}

// ---- Evaluation -------------------------------------------------------------

// evaluateSignOn decides a sign-in to an app by the app's policy
// (OAPI-POLICY-4): its ACTIVE rules in priority order, the first whose
// conditions the person meets decides; the catch-all matches everybody.
// Only conditions.people is evaluated. The outcome is in the System Log
// (policy.evaluate_sign_on). Caller holds o.mu.
func (m *Model) evaluateSignOn(o *Org, a *App, u *User) (allowed bool, rule *PolicyRule) {
	ps, _ := o.lookupPolicies()
	p := ps[o.appPolicyID(a.ID)]
	allowed = true
	for _, r := range p.Rules {
		if r.Status == PolicyActive && ruleMatches(r, u) {
			rule, allowed = r, r.Access() != AccessDeny
			break
		}
	}
	result, reason := AccessAllow, ""
	targets := []LogTarget{appTarget(a), policyTarget(p)}
	if rule != nil {
		targets = append(targets, policyRuleTarget(rule))
	}
	if !allowed {
		result, reason = AccessDeny, policyDenyReason
	}
	m.appendLog(o, LogEvent{EventType: "policy.evaluate_sign_on", DisplayMessage: "Evaluation of sign-on policy",
		Actor:   LogActor{ID: u.ID, Type: "User", AlternateID: u.Login(), DisplayName: displayName(u)},
		Outcome: LogOutcome{Result: result, Reason: reason}, Target: targets,
		Transaction:  LogTransacton{Type: "WEB", ID: m.ids.Token(20)},
		DebugContext: LogDebug{DebugData: map[string]string{"policyId": p.ID, "ruleId": ruleIDOf(rule)}}})
	return allowed, rule
}

// policyDenyReason is why a sign-in the policy denies is refused, on the
// refusal page and in the System Log (a guess at Okta's words).
const policyDenyReason = "Access denied by the app sign-in policy"

func ruleIDOf(r *PolicyRule) string {
	if r == nil {
		return ""
	}
	return r.ID
}

// ruleMatches evaluates a rule's people condition: the person must be in
// users.include (when it names anyone) and not in users.exclude, and in a
// group of groups.include (when it names any) and in none of
// groups.exclude; the parts are ANDed (a guess, OAPI-POLICY-4). Other conditions (network, device,
// platform, userType, riskScore, elCondition) are kept and shown but not
// evaluated: they count as met.
func ruleMatches(r *PolicyRule, u *User) bool {
	ids := func(keys ...string) []string {
		var out []string
		l, _ := digJSON(r.Conditions, keys...).([]any)
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	inGroup := func(gids []string) bool {
		return slices.ContainsFunc(gids, func(g string) bool { return u.groups[g] })
	}
	if inc := ids("people", "users", "include"); len(inc) > 0 && !slices.Contains(inc, u.ID) {
		return false
	}
	if slices.Contains(ids("people", "users", "exclude"), u.ID) {
		return false
	}
	if inc := ids("people", "groups", "include"); len(inc) > 0 && !inGroup(inc) {
		return false
	}
	return !inGroup(ids("people", "groups", "exclude"))
}

// ---- Records --------------------------------------------------------------

// PolicyRecord is an access policy with its rules and the apps on it
// (other than the default policy, which holds every other app).
type PolicyRecord struct {
	ID           string             `json:"id"`
	Name         string             `json:"name"`
	Description  string             `json:"description,omitempty"`
	Priority     int                `json:"priority"`
	System       bool               `json:"system,omitempty"`
	Status       string             `json:"status"`
	ResourceType string             `json:"resourceType"`
	Created      time.Time          `json:"created"`
	LastUpdated  time.Time          `json:"lastUpdated"`
	Rules        []PolicyRuleRecord `json:"rules"`
	Apps         []string           `json:"apps,omitempty"`
}

// PolicyRuleRecord is a rule of a policy.
type PolicyRuleRecord struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Status      string         `json:"status"`
	Priority    int            `json:"priority"`
	System      bool           `json:"system,omitempty"`
	Created     time.Time      `json:"created"`
	LastUpdated time.Time      `json:"lastUpdated"`
	Conditions  map[string]any `json:"conditions,omitempty"`
	Actions     map[string]any `json:"actions"`
}

func policyRecord(o *Org, p *AccessPolicy) PolicyRecord {
	rec := PolicyRecord{ID: p.ID, Name: p.Name, Description: p.Description, Priority: p.Priority, System: p.System,
		Status: p.Status, ResourceType: p.ResourceType, Created: p.Created, LastUpdated: p.LastUpdated,
		Rules: []PolicyRuleRecord{}, Apps: o.appsOnPolicy(p.ID)}
	for _, r := range p.Rules {
		c := r.clone()
		rec.Rules = append(rec.Rules, PolicyRuleRecord{ID: c.ID, Name: c.Name, Status: c.Status, Priority: c.Priority,
			System: c.System, Created: c.Created, LastUpdated: c.LastUpdated, Conditions: c.Conditions, Actions: c.Actions})
	}
	return rec
}

// buildPolicies restores the org's stored policies (after its apps); the
// built-ins it did not store come from the org id. Apps that are gone
// are dropped from a policy: their assignment went with them.
func buildPolicies(o *Org, tr store.TenantRecords) error {
	recs, err := store.Decode[PolicyRecord](tr, kindPolicy)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return nil // derived when first used
	}
	o.policies = map[string]*AccessPolicy{}
	for i, rec := range recs {
		if err := validID(fmt.Sprintf("accessPolicies[%d]", i), rec.ID); err != nil {
			return err
		}
		if _, dup := o.policies[rec.ID]; dup {
			return fmt.Errorf("access policy %s appears twice", rec.ID)
		}
		if rec.Status != PolicyActive && rec.Status != PolicyInactive {
			return fmt.Errorf("access policy %s: status %q: want ACTIVE or INACTIVE", rec.ID, rec.Status)
		}
		if rec.ResourceType != PolicyForApps && rec.ResourceType != PolicyForAccountManagement {
			return fmt.Errorf("access policy %s: resourceType %q: want APP or END_USER_ACCOUNT_MANAGEMENT", rec.ID, rec.ResourceType)
		}
		p := &AccessPolicy{ID: rec.ID, Name: rec.Name, Description: rec.Description, Priority: rec.Priority, System: rec.System,
			Status: rec.Status, ResourceType: rec.ResourceType, Created: rec.Created, LastUpdated: rec.LastUpdated}
		systemRules := 0
		for _, rr := range rec.Rules {
			if rr.Status != PolicyActive && rr.Status != PolicyInactive {
				return fmt.Errorf("access policy %s: rule %s: status %q: want ACTIVE or INACTIVE", rec.ID, rr.ID, rr.Status)
			}
			if a, _ := digJSON(rr.Actions, "appSignOn", "access").(string); a != AccessAllow && a != AccessDeny {
				return fmt.Errorf("access policy %s: rule %s: actions.appSignOn.access %q: want ALLOW or DENY", rec.ID, rr.ID, a)
			}
			if rr.System {
				systemRules++
			}
			r := &PolicyRule{ID: rr.ID, Name: rr.Name, Status: rr.Status, Priority: rr.Priority, System: rr.System,
				Created: rr.Created, LastUpdated: rr.LastUpdated, Conditions: rr.Conditions, Actions: rr.Actions}
			p.Rules = append(p.Rules, r.clone())
		}
		if systemRules != 1 || len(p.Rules) > maxPolicyRules {
			return fmt.Errorf("access policy %s: want one catch-all rule and at most %d rules", rec.ID, maxPolicyRules)
		}
		sortRules(p)
		for _, app := range rec.Apps {
			if _, ok := o.apps[app]; ok && p.ResourceType == PolicyForApps {
				if o.appPolicies == nil {
					o.appPolicies = map[string]string{}
				}
				o.appPolicies[app] = p.ID
			}
		}
		o.policies[p.ID] = p
		o.policyOrder = append(o.policyOrder, p.ID)
	}
	o.addMissingBuiltinPolicies()
	return nil
}
