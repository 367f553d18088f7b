package mockokta

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/store"
	"github.com/provsim/provsim/mockokta/expression"
)

// Group rules (OAPI-RULES-1..4): an Okta Expression Language condition
// (package expression) that puts the people it matches in groups. Rules
// are created INACTIVE, change only while INACTIVE, and are evaluated for a
// person when they are created, when their profile or groups change, and
// for everybody when the rule is activated. Memberships a rule adds are
// ordinary memberships: app assignments and group pushes of the group
// follow them (addGroupMember runs the same hooks). A person who stops
// matching leaves the groups the rule put them in; members added by hand
// are never taken out by a rule.

// Rule statuses.
const (
	RuleActive   = "ACTIVE"
	RuleInactive = "INACTIVE"
	RuleInvalid  = "INVALID"
)

// ExpressionType is the only expression type group rules take.
const ExpressionType = "urn:okta:expression:1.0"

// maxRules is Okta's limit of group rules per org; maxRuleName the
// length of a rule's name (OAPI-RULES-1, OAPI-RULES-2).
const (
	maxRules    = 2000
	maxRuleName = 50
)

// GroupRule is a group rule.
type GroupRule struct {
	ID             string
	Name           string
	Status         string
	Created        time.Time
	LastUpdated    time.Time
	Expression     string
	ExpressionType string
	ExcludeUsers   []string
	GroupIDs       []string
	expr           *expression.Expression
	// assigned holds, per target group, the people this rule put there.
	assigned map[string]map[string]bool
}

// Assigned lists the memberships the rule made, as group id → user ids in
// id order.
func (r *GroupRule) Assigned() map[string][]string {
	out := make(map[string][]string, len(r.assigned))
	for gid, users := range r.assigned {
		out[gid] = slices.Sorted(maps.Keys(users))
	}
	return out
}

// GroupRuleInput is a rule as POST and PUT /api/v1/groups/rules take it.
type GroupRuleInput struct {
	Type       string `json:"type"`
	Name       string `json:"name"`
	Conditions *struct {
		People *struct {
			Users *struct {
				Exclude []string `json:"exclude"`
			} `json:"users"`
			Groups *struct {
				Exclude []string `json:"exclude"`
			} `json:"groups"`
		} `json:"people"`
		Expression *struct {
			Value string `json:"value"`
			Type  string `json:"type"`
		} `json:"expression"`
	} `json:"conditions"`
	Actions *struct {
		AssignUserToGroups *struct {
			GroupIDs []string `json:"groupIds"`
		} `json:"assignUserToGroups"`
	} `json:"actions"`
}

// ruleSpec is a checked GroupRuleInput.
type ruleSpec struct {
	name, exprType string
	expr           *expression.Expression
	exclude        []string
	groupIDs       []string
}

// checkRule validates a rule against the org. Every problem is reported at
// once, as errorCauses. Caller holds o.mu.
func (o *Org) checkRule(in GroupRuleInput) (ruleSpec, error) {
	var causes []string
	spec := ruleSpec{name: strings.TrimSpace(in.Name), exprType: ExpressionType}
	if in.Type != "" && in.Type != "group_rule" {
		causes = append(causes, "type: must be group_rule")
	}
	switch n := len([]rune(spec.name)); {
	case n == 0:
		causes = append(causes, "name: "+causeBlank)
	case n > maxRuleName:
		causes = append(causes, fmt.Sprintf("name: The field cannot exceed %d characters", maxRuleName))
	}
	var src string
	if c := in.Conditions; c != nil {
		if c.Expression != nil {
			src = c.Expression.Value
			if c.Expression.Type != "" {
				spec.exprType = c.Expression.Type
			}
		}
		if c.People != nil && c.People.Users != nil {
			spec.exclude = dedupe(c.People.Users.Exclude)
		}
		if c.People != nil && c.People.Groups != nil && len(c.People.Groups.Exclude) > 0 {
			causes = append(causes, "conditions.people.groups.exclude: Excluding groups is currently not supported")
		}
	}
	if spec.exprType != ExpressionType {
		causes = append(causes, "conditions.expression.type: must be "+ExpressionType)
	}
	e, err := expression.Parse(src)
	if err != nil {
		causes = append(causes, "conditions.expression.value: "+err.Error())
	}
	spec.expr = e
	for _, uid := range spec.exclude {
		if _, ok := o.users[uid]; !ok {
			causes = append(causes, "conditions.people.users.exclude: User "+uid+" does not exist")
		}
	}
	if in.Actions != nil && in.Actions.AssignUserToGroups != nil {
		spec.groupIDs = dedupe(in.Actions.AssignUserToGroups.GroupIDs)
	}
	if len(spec.groupIDs) == 0 {
		causes = append(causes, "actions.assignUserToGroups.groupIds: "+causeBlank)
	}
	for _, gid := range spec.groupIDs {
		switch g, ok := o.groups[gid]; {
		case !ok:
			causes = append(causes, "actions.assignUserToGroups.groupIds: Group "+gid+" does not exist")
		case g.Type != GroupOkta:
			// Rules fill groups people own; Everyone and app groups are
			// Okta's to fill.
			causes = append(causes, "actions.assignUserToGroups.groupIds: Group "+gid+" is not an OKTA_GROUP")
		}
	}
	if len(causes) > 0 {
		return ruleSpec{}, errRuleValidation(causes...)
	}
	return spec, nil
}

func dedupe(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// rule finds a rule by id. Caller holds o.mu.
func (o *Org) rule(id string) (*GroupRule, error) {
	if r, ok := o.rules[id]; ok {
		return r, nil
	}
	return nil, errNotFound("GroupRule", id)
}

// CreateGroupRule is POST /api/v1/groups/rules: the rule starts INACTIVE
// and assigns nobody until activated.
func (m *Model) CreateGroupRule(o *Org, in GroupRuleInput) (*GroupRule, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	spec, err := o.checkRule(in)
	if err != nil {
		return nil, err
	}
	if len(o.rules) >= maxRules {
		return nil, errRuleValidation(fmt.Sprintf("rules: An org has at most %d group rules", maxRules))
	}
	now := m.now()
	id := m.oktaID("0pr")
	for o.rules[id] != nil {
		id = m.oktaID("0pr")
	}
	r := &GroupRule{ID: id, Status: RuleInactive, Created: now, assigned: map[string]map[string]bool{}}
	r.apply(spec, now)
	o.rules[id] = r
	o.ruleOrder = append(o.ruleOrder, id)
	o.changes.New(kindRule, id)
	m.logAPI(o, "group.rule.create", "Create group rule", ruleTarget(r))
	return copyRule(r), nil
}

func (r *GroupRule) apply(spec ruleSpec, now time.Time) {
	r.Name, r.ExpressionType, r.expr = spec.name, spec.exprType, spec.expr
	r.Expression = spec.expr.String()
	r.ExcludeUsers, r.GroupIDs = spec.exclude, spec.groupIDs
	r.LastUpdated = now
}

// GetGroupRule is GET /api/v1/groups/rules/{id}.
func (m *Model) GetGroupRule(o *Org, id string) (*GroupRule, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, err := o.rule(id)
	if err != nil {
		return nil, err
	}
	return copyRule(r), nil
}

// GroupRuleIDs is GET /api/v1/groups/rules before paging: the ids of the
// rules whose name contains search (any case), in creation order.
func (m *Model) GroupRuleIDs(o *Org, search string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	ids := []string{}
	needle := lower(strings.TrimSpace(search))
	for _, id := range o.ruleOrder {
		if strings.Contains(lower(o.rules[id].Name), needle) {
			ids = append(ids, id)
		}
	}
	return ids
}

// GroupRulesByID returns copies of these rules, in order, skipping any
// that are gone, with the names of the groups they name (for
// expand=groupIdToGroupNameMap).
func (m *Model) GroupRulesByID(o *Org, ids []string) ([]*GroupRule, map[string]string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]*GroupRule, 0, len(ids))
	names := map[string]string{}
	for _, id := range ids {
		if r, ok := o.rules[id]; ok {
			out = append(out, copyRule(r))
			for _, gid := range r.GroupIDs {
				if g := o.groups[gid]; g != nil {
					names[gid] = g.Name
				}
			}
		}
	}
	return out, names
}

// ReplaceGroupRule is PUT /api/v1/groups/rules/{id}: only an INACTIVE rule
// can change, and never its actions (OAPI-RULES-2).
func (m *Model) ReplaceGroupRule(o *Org, id string, in GroupRuleInput) (*GroupRule, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, err := o.rule(id)
	if err != nil {
		return nil, err
	}
	if r.Status != RuleInactive {
		return nil, errRuleStatus("Cannot update a Group Rule with the status " + r.Status)
	}
	spec, err := o.checkRule(in)
	if err != nil {
		return nil, err
	}
	if !sameSet(spec.groupIDs, r.GroupIDs) {
		return nil, errRuleValidation("actions: The actions of a group rule cannot be changed")
	}
	r.apply(spec, m.now())
	o.changes.Put(kindRule, r.ID)
	m.logAPI(o, "group.rule.update", "Update group rule", ruleTarget(r))
	return copyRule(r), nil
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// ActivateGroupRule is POST …/lifecycle/activate: the rule is evaluated
// for everybody now (Okta does it in the background; here it is done when
// the call returns, so a test need not wait). Activating an ACTIVE rule
// changes nothing; an INVALID one cannot be activated.
func (m *Model) ActivateGroupRule(o *Org, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, err := o.rule(id)
	if err != nil {
		return err
	}
	switch r.Status {
	case RuleActive:
		return nil
	case RuleInvalid:
		return errRuleStatus("Cannot activate or deactivate a Group Rule with the status INVALID")
	}
	now := m.now()
	r.Status, r.LastUpdated = RuleActive, now
	o.changes.Put(kindRule, r.ID)
	m.logAPI(o, "group.rule.activate", "Activate group rule", ruleTarget(r))
	for _, uid := range append([]string(nil), o.userOrder...) {
		if u := o.users[uid]; u != nil && u.Status != StatusDeprovisioned {
			m.applyRule(o, r, u, o.ruleSubject(u), now)
		}
	}
	return nil
}

// DeactivateGroupRule is POST …/lifecycle/deactivate: the rule stops
// assigning; the people it assigned stay in their groups.
func (m *Model) DeactivateGroupRule(o *Org, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, err := o.rule(id)
	if err != nil {
		return err
	}
	switch r.Status {
	case RuleInactive:
		return nil
	case RuleInvalid:
		return errRuleStatus("Cannot activate or deactivate a Group Rule with the status INVALID")
	}
	r.Status, r.LastUpdated = RuleInactive, m.now()
	o.changes.Put(kindRule, r.ID)
	m.logAPI(o, "group.rule.deactivate", "Deactivate group rule", ruleTarget(r))
	return nil
}

// DeleteGroupRule is DELETE /api/v1/groups/rules/{id}; an ACTIVE rule must
// be deactivated first. removeUsers also takes the people the rule
// assigned out of its groups.
func (m *Model) DeleteGroupRule(o *Org, id string, removeUsers bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, err := o.rule(id)
	if err != nil {
		return err
	}
	if r.Status == RuleActive {
		return errRuleStatus("Cannot delete a Group Rule with the status ACTIVE")
	}
	now := m.now()
	m.logAPI(o, "group.rule.delete", "Delete group rule", ruleTarget(r))
	delete(o.rules, id)
	o.ruleOrder = removeID(o.ruleOrder, id)
	o.changes.Put(kindRule, id)
	if removeUsers {
		for _, gid := range r.GroupIDs {
			g := o.groups[gid]
			for _, uid := range slices.Sorted(maps.Keys(r.assigned[gid])) {
				if u := o.users[uid]; g != nil && u != nil && !o.ruleWants(gid, uid) {
					m.removeGroupMember(o, g, u, now)
				}
			}
		}
	}
	return nil
}

// ruleSubject is what an expression sees of u. Caller holds o.mu.
func (o *Org) ruleSubject(u *User) expression.Subject {
	s := expression.Subject{Profile: u.Profile, Internal: map[string]any{
		"id": u.ID, "status": u.Status, "created": oktaTimestamp(u.Created), "lastUpdated": oktaTimestamp(u.LastUpdated),
	}}
	for _, gid := range o.groupOrder {
		if g := o.groups[gid]; g != nil && g.HasMember(u.ID) {
			s.GroupIDs = append(s.GroupIDs, g.ID)
			s.GroupNames = append(s.GroupNames, g.Name)
		}
	}
	return s
}

// applyRules evaluates every active rule for u, after u was created or
// changed. All rules see u as they were before any of them acted: rules do
// not feed each other within one change. Caller holds o.mu.
func (m *Model) applyRules(o *Org, u *User) {
	if len(o.ruleOrder) == 0 || u.Status == StatusDeprovisioned {
		return
	}
	s, now := o.ruleSubject(u), m.now()
	for _, id := range o.ruleOrder {
		if r := o.rules[id]; r.Status == RuleActive {
			m.applyRule(o, r, u, s, now)
		}
	}
}

// applyRule puts u in the rule's groups when the rule matches them, and
// takes them out of those the rule put them in when it no longer does
// (unless another active rule still wants them there). Caller holds o.mu.
func (m *Model) applyRule(o *Org, r *GroupRule, u *User, s expression.Subject, now time.Time) {
	match := !slices.Contains(r.ExcludeUsers, u.ID) && r.expr != nil && r.expr.Match(s)
	for _, gid := range r.GroupIDs {
		g := o.groups[gid]
		if g == nil {
			continue
		}
		switch {
		case match && !g.HasMember(u.ID):
			if r.assigned[gid] == nil {
				r.assigned[gid] = map[string]bool{}
			}
			r.assigned[gid][u.ID] = true
			o.changes.Put(kindRule, r.ID)
			m.addGroupMember(o, g, u, now)
		case !match && r.assigned[gid][u.ID]:
			delete(r.assigned[gid], u.ID)
			o.changes.Put(kindRule, r.ID)
			if !o.ruleWants(gid, u.ID) {
				m.removeGroupMember(o, g, u, now)
			}
		}
	}
}

// ruleWants reports whether an active rule keeps u in group gid. Caller
// holds o.mu.
func (o *Org) ruleWants(gid, uid string) bool {
	for _, r := range o.rules {
		if r.Status == RuleActive && r.assigned[gid][uid] {
			return true
		}
	}
	return false
}

// rulesForgetMember drops a membership from every rule's bookkeeping, when
// it ends some other way (removed by hand, the person deleted). Caller
// holds o.mu.
func (o *Org) rulesForgetMember(gid, uid string) {
	for _, r := range o.rules {
		if r.assigned[gid][uid] {
			delete(r.assigned[gid], uid)
			o.changes.Put(kindRule, r.ID)
		}
	}
}

// rulesGroupDeleted makes the rules that fill a deleted group INVALID, as
// Okta does: such a rule can only be deleted (OAPI-RULES-2). Caller holds
// o.mu.
func (m *Model) rulesGroupDeleted(o *Org, gid string) {
	for _, id := range o.ruleOrder {
		r := o.rules[id]
		if slices.Contains(r.GroupIDs, gid) {
			delete(r.assigned, gid)
			o.changes.Put(kindRule, r.ID)
			if r.Status != RuleInvalid {
				r.Status, r.LastUpdated = RuleInvalid, m.now()
			}
		}
	}
}

func ruleTarget(r *GroupRule) LogTarget {
	return LogTarget{ID: r.ID, Type: "GroupRule", AlternateID: r.Name, DisplayName: r.Name}
}

// copyRule copies a rule for use outside o.mu.
func copyRule(r *GroupRule) *GroupRule {
	c := *r
	c.ExcludeUsers = slices.Clone(r.ExcludeUsers)
	c.GroupIDs = slices.Clone(r.GroupIDs)
	c.assigned = make(map[string]map[string]bool, len(r.assigned))
	for gid, users := range r.assigned {
		c.assigned[gid] = make(map[string]bool, len(users))
		for uid := range users {
			c.assigned[gid][uid] = true
		}
	}
	return &c
}

// GroupRuleRecord is a group rule as the store and snapshots keep it, with
// the memberships it made (group id → user ids).
type GroupRuleRecord struct {
	ID             string              `json:"id"`
	Name           string              `json:"name"`
	Status         string              `json:"status"`
	Created        time.Time           `json:"created"`
	LastUpdated    time.Time           `json:"lastUpdated"`
	Expression     string              `json:"expression"`
	ExpressionType string              `json:"expressionType"`
	ExcludeUsers   []string            `json:"excludeUsers,omitempty"`
	GroupIDs       []string            `json:"groupIds"`
	Assigned       map[string][]string `json:"assigned,omitempty"`
}

func ruleRecord(r *GroupRule) GroupRuleRecord {
	rec := GroupRuleRecord{ID: r.ID, Name: r.Name, Status: r.Status, Created: r.Created, LastUpdated: r.LastUpdated,
		Expression: r.Expression, ExpressionType: r.ExpressionType, ExcludeUsers: slices.Clone(r.ExcludeUsers),
		GroupIDs: slices.Clone(r.GroupIDs)}
	for gid, users := range r.Assigned() {
		if len(users) > 0 {
			if rec.Assigned == nil {
				rec.Assigned = map[string][]string{}
			}
			rec.Assigned[gid] = users
		}
	}
	return rec
}

// buildRules restores the org's group rules; the expression is parsed
// again, and every person and group named must exist (a group that is
// gone is only allowed for an INVALID rule).
func buildRules(o *Org, tr store.TenantRecords) error {
	recs, err := store.Decode[GroupRuleRecord](tr, kindRule)
	if err != nil {
		return err
	}
	for i, rec := range recs {
		if err := validID(fmt.Sprintf("groupRules[%d]", i), rec.ID); err != nil {
			return err
		}
		if _, dup := o.rules[rec.ID]; dup {
			return fmt.Errorf("group rule %s appears twice", rec.ID)
		}
		switch rec.Status {
		case RuleActive, RuleInactive, RuleInvalid:
		default:
			return fmt.Errorf("group rule %s: status %q: want ACTIVE, INACTIVE or INVALID", rec.ID, rec.Status)
		}
		e, err := expression.Parse(rec.Expression)
		if err != nil {
			return fmt.Errorf("group rule %s: expression: %w", rec.ID, err)
		}
		r := &GroupRule{ID: rec.ID, Name: rec.Name, Status: rec.Status, Created: rec.Created, LastUpdated: rec.LastUpdated,
			Expression: rec.Expression, ExpressionType: rec.ExpressionType, ExcludeUsers: slices.Clone(rec.ExcludeUsers),
			GroupIDs: slices.Clone(rec.GroupIDs), expr: e, assigned: map[string]map[string]bool{}}
		for _, gid := range r.GroupIDs {
			if _, ok := o.groups[gid]; !ok && r.Status != RuleInvalid {
				return fmt.Errorf("group rule %s: group %s is not a group of the org", r.ID, gid)
			}
		}
		for gid, users := range rec.Assigned {
			g, ok := o.groups[gid]
			if !ok {
				return fmt.Errorf("group rule %s: assigned group %s is not a group of the org", r.ID, gid)
			}
			r.assigned[gid] = map[string]bool{}
			for _, uid := range users {
				if !g.HasMember(uid) {
					return fmt.Errorf("group rule %s: %s is not a member of group %s", r.ID, uid, gid)
				}
				r.assigned[gid][uid] = true
			}
		}
		o.rules[r.ID] = r
		o.ruleOrder = append(o.ruleOrder, r.ID)
	}
	return nil
}
