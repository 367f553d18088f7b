package mockokta

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/okta/okta-sdk-golang/v5/okta"
)

// okta-sdk-golang v5's PolicyAPI, as Terraform's okta_app_signon_policy
// uses it (OAPI-POLICY-2, -3): create a policy, find its system rule and
// set it to DENY (catch_all = false), add a rule, read back, and delete,
// everything decoded as AccessPolicy and AccessPolicyRule.
func TestSDKAccessPolicies(t *testing.T) {
	p := newPipeline(t)
	c := newSDKClient(t, p)
	ctx := context.Background()

	ap := okta.NewAccessPolicy()
	ap.SetType("ACCESS_POLICY")
	ap.SetName("Jira only")
	ap.SetDescription("Only Jira users")
	ap.SetPriority(1)
	created := sdk(c.PolicyAPI.CreatePolicy(ctx).Policy(okta.AccessPolicyAsListPolicies200ResponseInner(ap)).Execute()).must(t, "CreatePolicy")
	pol := created.AccessPolicy
	if pol == nil || pol.GetName() != "Jira only" || pol.GetDescription() != "Only Jira users" || pol.GetPriority() != 1 ||
		pol.GetSystem() || pol.GetStatus() != "ACTIVE" {
		t.Fatalf("created %+v", created)
	}
	id := pol.GetId()

	rules := sdk(c.PolicyAPI.ListPolicyRules(ctx, id).Execute()).must(t, "ListPolicyRules")
	if len(rules) != 1 || rules[0].AccessPolicyRule == nil || !rules[0].AccessPolicyRule.GetSystem() {
		t.Fatalf("rules %+v", rules)
	}
	def := rules[0]
	def.AccessPolicyRule.Actions.AppSignOn.SetAccess("DENY")
	replaced := sdk(c.PolicyAPI.ReplacePolicyRule(ctx, id, def.AccessPolicyRule.GetId()).PolicyRule(def).Execute()).must(t, "ReplacePolicyRule")
	if r := replaced.AccessPolicyRule; r == nil || r.Actions.AppSignOn.GetAccess() != "DENY" || r.GetPriority() != 99 {
		t.Fatalf("replaced %+v", replaced)
	}

	gid := p.must(200, "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "Jira users"}})["id"].(string)
	rule := okta.NewAccessPolicyRule()
	rule.SetName("Jira users")
	rule.SetType("ACCESS_POLICY")
	rule.SetPriority(1)
	rule.Conditions = &okta.AccessPolicyRuleConditions{People: &okta.PolicyPeopleCondition{Groups: &okta.GroupCondition{Include: []string{gid}}}}
	rule.Actions = &okta.AccessPolicyRuleActions{AppSignOn: &okta.AccessPolicyRuleApplicationSignOn{Access: okta.PtrString("ALLOW")}}
	made := sdk(c.PolicyAPI.CreatePolicyRule(ctx, id).PolicyRule(okta.AccessPolicyRuleAsListPolicyRules200ResponseInner(rule)).Execute()).must(t, "CreatePolicyRule")
	mr := made.AccessPolicyRule
	if mr == nil || mr.GetPriority() != 1 || mr.GetSystem() || mr.Conditions.People.Groups.Include[0] != gid ||
		mr.Conditions.Network.GetConnection() != "ANYWHERE" {
		t.Fatalf("rule %+v", made)
	}
	got := sdk(c.PolicyAPI.GetPolicyRule(ctx, id, mr.GetId()).Execute()).must(t, "GetPolicyRule")
	if got.AccessPolicyRule == nil || got.AccessPolicyRule.GetName() != "Jira users" {
		t.Fatalf("get rule %+v", got)
	}
	sdkNoValue(c.PolicyAPI.DeactivatePolicyRule(ctx, id, mr.GetId()).Execute()).must(t, "DeactivatePolicyRule")
	sdkNoValue(c.PolicyAPI.DeletePolicyRule(ctx, id, mr.GetId()).Execute()).must(t, "DeletePolicyRule")

	// The app on the policy: deleting it is refused until the app moves.
	sdkNoValue(c.ApplicationPoliciesAPI.AssignApplicationPolicy(ctx, p.appID, id).Execute()).must(t, "AssignApplicationPolicy")
	// (v5 decodes no model for a 400 of this operation: the body is read.)
	_, err := c.PolicyAPI.DeletePolicy(ctx, id).Execute()
	var gerr *okta.GenericOpenAPIError
	if !errors.As(err, &gerr) || !strings.Contains(string(gerr.Body()), `"errorCode":"E0000001"`) {
		t.Fatalf("deleting a policy in use: %v", err)
	}
	o, _ := p.okta.Model.Org(p.orgID)
	sdkNoValue(c.ApplicationPoliciesAPI.AssignApplicationPolicy(ctx, p.appID, defaultPolicyID(o)).Execute()).must(t, "AssignApplicationPolicy(default)")
	sdkNoValue(c.PolicyAPI.DeletePolicy(ctx, id).Execute()).must(t, "DeletePolicy")
	_, _, err = c.PolicyAPI.GetPolicy(ctx, id).Execute()
	if e := oktaErr(t, err); e.GetErrorCode() != "E0000007" {
		t.Fatalf("deleted policy: %+v", e)
	}
}
