package mockokta

import (
	"context"
	"errors"
	"testing"

	okta6 "github.com/okta/okta-sdk-golang/v6/okta"
)

// The official Okta Go SDK v6 (okta-sdk-golang v6.1.6, the version
// Terraform's Okta provider v6.12 is built with) driving mockokta like
// Terraform does for the guide's configuration: the provider's start-up
// calls (users/me, the org metadata), Everyone by name, the default access
// policy, a group, a group rule, a person created without a password, the
// app's group assignment and a group push, then the teardown of
// `terraform destroy`. sdk_test.go does the same with v5.

func newSDK6Client(t *testing.T, p *pipeline) *okta6.APIClient {
	t.Helper()
	ts, host, port := serveForSDK(t, p.okta)
	// Like v5, v6 drops the port of OrgUrl: the proxy settings reach the
	// server (OAPI-SDK-1).
	cfg, err := okta6.NewConfiguration(
		okta6.WithOrgUrl(ts.URL),
		okta6.WithToken(p.token),
		okta6.WithCache(false),
		okta6.WithTestingDisableHttpsCheck(true),
		okta6.WithProxyHost(host),
		okta6.WithProxyPort(int32(port)),
		okta6.WithRateLimitMaxRetries(0),
	)
	if err != nil {
		t.Fatal(err)
	}
	return okta6.NewAPIClient(cfg)
}

// res6 holds what a v6 call returned, so that its three results go
// straight into r6(…) and are checked with must.
type res6[T any] struct {
	v   T
	err error
}

func r6[T any](v T, _ *okta6.APIResponse, err error) res6[T] { return res6[T]{v, err} }

// no6 is r6 for calls that return no value.
func no6(_ *okta6.APIResponse, err error) res6[any] { return res6[any]{nil, err} }

// must fails the test on an error, showing the body the server sent.
func (r res6[T]) must(t *testing.T, what string) T {
	t.Helper()
	if r.err != nil {
		var gerr *okta6.GenericOpenAPIError
		if errors.As(r.err, &gerr) {
			t.Fatalf("%s: %v; body %s", what, r.err, gerr.Body())
		}
		t.Fatalf("%s: %v", what, r.err)
	}
	return r.v
}

func TestSDK6GuideFlow(t *testing.T) {
	p := newPipeline(t)
	c := newSDK6Client(t, p)
	ctx := context.Background()

	// Start-up: the token's owner (OAPI-ME-1) and the org's engine (OAPI-ORG-1).
	me := r6(c.UserAPI.GetUser(ctx, "me").Execute()).must(t, "GetUser(me)")
	if me.GetStatus() != "ACTIVE" || me.GetId() != builtinID("00u", p.orgID, "admin") {
		t.Errorf("users/me = %s %s", me.GetId(), me.GetStatus())
	}
	org := r6(c.OrgSettingMetadataAPI.GetWellknownOrgMetadata(ctx).Execute()).must(t, "GetWellknownOrgMetadata")
	if org.GetPipeline() != "idx" || org.GetId() != p.orgID {
		t.Errorf("org metadata = %s %s", org.GetId(), org.GetPipeline())
	}

	// Everyone, looked up by name as data "okta_group" does.
	groups := r6(c.GroupAPI.ListGroups(ctx).Q("Everyone").Execute()).must(t, "ListGroups")
	// (v6 decodes a group's profile as a oneOf that an Okta group's plain
	// {name, description} matches twice, so it is left unset: not read.)
	if len(groups) != 1 || groups[0].GetType() != "BUILT_IN" || groups[0].GetId() != builtinID("00g", p.orgID, "everyone") {
		t.Fatalf("Everyone: %+v", groups)
	}

	// The default access policy (OAPI-POLICY-1), decoded as an AccessPolicy.
	// v6.1.6's ListPolicies has no type parameter (Terraform lists them
	// with its own client, see the replay test), so it is read by id.
	o, err := p.okta.Model.Org(p.orgID)
	if err != nil {
		t.Fatal(err)
	}
	def := p.okta.Model.DefaultAccessPolicy(o).ID
	pol := r6(c.PolicyAPI.GetPolicy(ctx, def).Execute()).must(t, "GetPolicy")
	if ap := pol.AccessPolicy; ap == nil || !ap.GetSystem() || ap.GetName() != "Default Policy" {
		t.Fatalf("default policy did not decode as a system AccessPolicy: %+v", pol)
	}
	no6(c.ApplicationPoliciesAPI.AssignApplicationPolicy(ctx, p.appID, def).Execute()).must(t, "AssignApplicationPolicy")

	// The group and its rule.
	name := "atlassian-test-jira-users"
	g := r6(c.GroupAPI.AddGroup(ctx).Group(okta6.AddGroupRequest{
		Profile: &okta6.OktaUserGroupProfile{Name: okta6.PtrString(name)}}).Execute()).must(t, "AddGroup")
	rule := r6(c.GroupRuleAPI.CreateGroupRule(ctx).GroupRule(okta6.CreateGroupRuleRequest{
		Name: okta6.PtrString("Engineers use Jira"), Type: okta6.PtrString("group_rule"),
		Conditions: &okta6.GroupRuleConditions{Expression: &okta6.GroupRuleExpression{
			Type: okta6.PtrString("urn:okta:expression:1.0"), Value: okta6.PtrString(`user.department == "Engineering"`)}},
		Actions: &okta6.GroupRuleAction{AssignUserToGroups: &okta6.GroupRuleGroupAssignment{GroupIds: []string{g.GetId()}}},
	}).Execute()).must(t, "CreateGroupRule")
	if rule.GetStatus() != "INACTIVE" {
		t.Errorf("new rule is %s, want INACTIVE", rule.GetStatus())
	}
	no6(c.GroupRuleAPI.ActivateGroupRule(ctx, rule.GetId()).Execute()).must(t, "ActivateGroupRule")
	rules := r6(c.GroupRuleAPI.ListGroupRules(ctx).Execute()).must(t, "ListGroupRules")
	if len(rules) != 1 || rules[0].GetStatus() != "ACTIVE" {
		t.Fatalf("rules: %+v", rules)
	}

	// The app is assigned to the group, and the group pushed.
	r6(c.ApplicationGroupsAPI.AssignGroupToApplication(ctx, p.appID, g.GetId()).
		ApplicationGroupAssignment(okta6.ApplicationGroupAssignment{Priority: okta6.PtrInt32(0)}).Execute()).must(t, "AssignGroupToApplication")
	pm := r6(c.GroupPushMappingAPI.CreateGroupPushMapping(ctx, p.appID).Body(okta6.CreateGroupPushMappingRequest{
		SourceGroupId: g.GetId(), TargetGroupName: okta6.PtrString(name), Status: okta6.PtrString("ACTIVE")}).Execute()).must(t, "CreateGroupPushMapping")

	// A person created without a password (PROVISIONED) in Engineering:
	// the rule puts them in the group, the group assigns the app, the
	// engine provisions them and pushes them as a member.
	prof := okta6.UserProfile{FirstName: *okta6.NewNullableString(okta6.PtrString("Ada")),
		LastName: *okta6.NewNullableString(okta6.PtrString("Lovelace")), Email: okta6.PtrString("ada@example.com"),
		Login: okta6.PtrString("ada@example.com"), Department: okta6.PtrString("Engineering")}
	u := r6(c.UserAPI.CreateUser(ctx).Body(okta6.CreateUserRequest{Profile: prof}).Activate(true).Execute()).must(t, "CreateUser")
	if u.GetStatus() != "PROVISIONED" {
		t.Errorf("user without password is %s, want PROVISIONED", u.GetStatus())
	}
	p.idle()
	members := r6(c.GroupAPI.ListGroupUsers(ctx, g.GetId()).Execute()).must(t, "ListGroupUsers")
	if len(members) != 1 || members[0].GetId() != u.GetId() {
		t.Fatalf("rule did not add the person: %d members", len(members))
	}
	au := r6(c.ApplicationUsersAPI.GetApplicationUser(ctx, p.appID, u.GetId()).Execute()).must(t, "GetApplicationUser")
	if au.GetStatus() != "PROVISIONED" || au.GetExternalId() == "" || au.GetScope() != "GROUP" {
		t.Fatalf("app user: %s %q %s", au.GetStatus(), au.GetExternalId(), au.GetScope())
	}
	got := r6(c.GroupPushMappingAPI.GetGroupPushMapping(ctx, p.appID, pm.GetId()).Execute()).must(t, "GetGroupPushMapping")
	if got.GetStatus() != "ACTIVE" || got.GetTargetGroupId() == "" {
		t.Fatalf("push mapping: %s %s %s", got.GetStatus(), got.GetTargetGroupId(), got.GetErrorSummary())
	}
	if m := p.pushedMembers(name); len(m) != 1 || m[0] != au.GetExternalId() {
		t.Errorf("OKTA-PUSH-1: pushed members %v, want [%s]", m, au.GetExternalId())
	}

	// Errors decode as v6's okta.Error (403, 404, 429 carry the model).
	_, _, err = c.UserAPI.GetUser(ctx, "00unotthere").Execute()
	var gerr *okta6.GenericOpenAPIError
	if !errors.As(err, &gerr) {
		t.Fatalf("GetUser(unknown): %v", err)
	}
	if e, ok := gerr.Model().(okta6.Error); !ok || e.GetErrorCode() != "E0000007" {
		t.Errorf("GetUser(unknown): model %T %+v body %s", gerr.Model(), gerr.Model(), gerr.Body())
	}

	// terraform destroy: the push (INACTIVE, then deleted with its group),
	// the rule, the assignment, the person, the group.
	r6(c.GroupPushMappingAPI.UpdateGroupPushMapping(ctx, p.appID, pm.GetId()).
		Body(okta6.UpdateGroupPushMappingRequest{Status: "INACTIVE"}).Execute()).must(t, "UpdateGroupPushMapping")
	no6(c.GroupPushMappingAPI.DeleteGroupPushMapping(ctx, p.appID, pm.GetId()).DeleteTargetGroup(true).Execute()).must(t, "DeleteGroupPushMapping")
	no6(c.GroupRuleAPI.DeactivateGroupRule(ctx, rule.GetId()).Execute()).must(t, "DeactivateGroupRule")
	no6(c.GroupRuleAPI.DeleteGroupRule(ctx, rule.GetId()).Execute()).must(t, "DeleteGroupRule")
	no6(c.ApplicationGroupsAPI.UnassignApplicationFromGroup(ctx, p.appID, g.GetId()).Execute()).must(t, "UnassignApplicationFromGroup")
	no6(c.UserLifecycleAPI.DeactivateUser(ctx, u.GetId()).Execute()).must(t, "DeactivateUser")
	no6(c.UserAPI.DeleteUser(ctx, u.GetId()).Execute()).must(t, "DeleteUser")
	no6(c.GroupAPI.DeleteGroup(ctx, g.GetId()).Execute()).must(t, "DeleteGroup")
	p.idle()
	if st, _ := p.scim("GET", "/Groups/"+got.GetTargetGroupId()); st != 404 {
		t.Errorf("pushed group after deleteTargetGroup: %d", st)
	}
	if _, _, err := c.GroupRuleAPI.GetGroupRule(ctx, rule.GetId()).Execute(); err == nil {
		t.Error("deleted rule still readable")
	}
}
