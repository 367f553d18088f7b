package mockokta

import (
	"context"
	"testing"

	"github.com/okta/okta-sdk-golang/v5/okta"
)

// TestSDKProfileAPIs: okta-sdk-golang v5's SchemaAPI and
// ProfileMappingAPI read and change Step 3's settings in mockokta
// (OAPI-SCHEMA-1, OAPI-MAP-1).
func TestSDKProfileAPIs(t *testing.T) {
	p := newPipeline(t)
	c := newSDKClient(t, p)
	ctx := context.Background()

	title, typ := "Work email", "string"
	custom := map[string]okta.UserSchemaAttribute{"workEmail": {Title: &title, Type: &typ}}
	body := okta.UserSchema{Definitions: &okta.UserSchemaDefinitions{Custom: &okta.UserSchemaPublic{Properties: &custom}}}
	s := sdk(c.SchemaAPI.UpdateUserProfile(ctx, "default").UserSchema(body).Execute()).must(t, "UpdateUserProfile")
	if got := s.GetDefinitions().Custom.GetProperties()["workEmail"]; got.GetTitle() != "Work email" {
		t.Fatalf("custom attribute: %+v", got)
	}
	s = sdk(c.SchemaAPI.GetUserSchema(ctx, "default").Execute()).must(t, "GetUserSchema")
	if s.GetDefinitions().Base == nil || s.GetName() != "user" {
		t.Fatalf("user schema: %+v", s)
	}
	sdk(c.SchemaAPI.GetApplicationUserSchema(ctx, p.appID).Execute()).must(t, "GetApplicationUserSchema")

	list := sdk(c.ProfileMappingAPI.ListProfileMappings(ctx).TargetId(p.appID).Execute()).must(t, "ListProfileMappings")
	if len(list) != 1 || list[0].Target.GetId() != p.appID {
		t.Fatalf("mappings: %+v", list)
	}
	expr, push := "user.workEmail", "PUSH"
	req := okta.NewProfileMappingRequest(map[string]okta.ProfileMappingProperty{"email": {Expression: &expr, PushStatus: &push}})
	m := sdk(c.ProfileMappingAPI.UpdateProfileMapping(ctx, list[0].GetId()).ProfileMapping(*req).Execute()).must(t, "UpdateProfileMapping")
	if got := m.GetProperties()["email"]; got.GetExpression() != "user.workEmail" {
		t.Fatalf("mapping: %+v", m.GetProperties())
	}
	o, err := p.okta.Model.Org(p.orgID)
	if err != nil {
		t.Fatal(err)
	}
	if a, err := p.okta.Model.GetApp(o, p.appID); err != nil || a.PrimaryEmailAttr != "workEmail" {
		t.Fatalf("the app's primary email attribute = %v (%v), want workEmail", a, err)
	}
}
