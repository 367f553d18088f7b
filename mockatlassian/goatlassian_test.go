package mockatlassian_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/ctreminiom/go-atlassian/v2/admin"
	model "github.com/ctreminiom/go-atlassian/v2/pkg/infra/models"

	"github.com/provsim/provsim/mockatlassian"
)

// TestGoAtlassianAdminClient points a real third-party client of
// Atlassian's admin APIs, go-atlassian's package admin (v2.12.0, a
// test-only dependency), at mockatlassian and makes every organization,
// directory and user management call it offers: the requests it sends are
// served, and what it decodes holds what provsim answered.
func TestGoAtlassianAdminClient(t *testing.T) {
	const org, key, dirKey = "org-ga", "ga-org-key", "ga-dir-key"
	srv, err := mockatlassian.NewServer(mockatlassian.Config{
		Options: mockatlassian.Options{Seed: 7, Logger: slog.New(slog.DiscardHandler)},
		Boot: &mockatlassian.Boot{OrgID: org, OrgAPIKey: key, DirectoryID: "dir-ga", APIKey: dirKey,
			VerifiedDomains: []string{"example.com"},
			Sites:           []mockatlassian.AddSiteInput{{Name: "acme.atlassian.net", Products: []string{"jira-software"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	post := func(path, auth string, body any, out any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, ts.URL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 300 {
			t.Fatalf("POST %s: %d %s", path, res.StatusCode, raw)
		}
		if out != nil {
			_ = json.Unmarshal(raw, out)
		}
	}
	// Provision a user into a synced group with Jira Software, as Okta
	// would, and make a person whose account the org manages directly.
	var user map[string]any
	post("/scim/directory/dir-ga/Users", dirKey, map[string]any{"userName": "ann@example.com", "displayName": "Ann Lee",
		"emails": []any{map[string]any{"value": "ann@example.com", "primary": true}}, "active": true}, &user)
	var group map[string]any
	post("/scim/directory/dir-ga/Groups", dirKey, map[string]any{"displayName": "jira-users-sync",
		"members": []any{map[string]any{"value": user["id"]}}}, &group)
	var local struct {
		AccountID string `json:"accountId"`
	}
	post("/_sim/orgs/"+org+"/accounts", "", map[string]string{"email": "lee@example.com", "displayName": "Lee Park"}, &local)
	post("/_sim/orgs/"+org+"/accounts/"+local.AccountID+"/api-tokens", "", map[string]string{"label": "laptop"}, nil)

	c, err := admin.New(ts.Client())
	if err != nil {
		t.Fatal(err)
	}
	c.Site, _ = url.Parse(ts.URL + "/")
	c.Auth.SetBearerToken(key)
	ctx := context.Background()
	must := func(res *model.ResponseScheme, err error) {
		t.Helper()
		if err != nil {
			body := ""
			if res != nil {
				body = res.Bytes.String()
			}
			t.Fatalf("%v: %s", err, body)
		}
	}

	orgs, res, err := c.Organization.Gets(ctx, "")
	must(res, err)
	if len(orgs.Data) != 1 || orgs.Data[0].ID != org || orgs.Data[0].Attributes.Name == "" || orgs.Data[0].Links.Self == "" {
		t.Fatalf("orgs = %+v", orgs)
	}
	one, res, err := c.Organization.Get(ctx, org)
	must(res, err)
	if one.Data.Type != "orgs" || one.Data.Relationships.Users.Links.Related == "" {
		t.Fatalf("org = %+v", one.Data)
	}

	users, res, err := c.Organization.Users(ctx, org, "")
	must(res, err)
	if users.Meta.Total != 2 || len(users.Data) != 2 {
		t.Fatalf("users = %+v", users)
	}
	ann := users.Data[0]
	if ann.Email != "ann@example.com" || ann.AccountStatus != "active" || ann.AccountType != "atlassian" {
		t.Fatalf("ann = %+v", ann)
	}

	domains, res, err := c.Organization.Domains(ctx, org, "")
	must(res, err)
	if len(domains.Data) != 1 || domains.Data[0].Attributes.Claim.Status != "verified" {
		t.Fatalf("domains = %+v", domains)
	}
	domain, res, err := c.Organization.Domain(ctx, org, domains.Data[0].ID)
	must(res, err)
	if domain.Data.Attributes.Name != "example.com" {
		t.Fatalf("domain = %+v", domain.Data)
	}

	// Guide Step 6 through the v2 API (not in this client): then the
	// account shows its product access.
	var ws struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	post("/admin/v2/orgs/"+org+"/workspaces", key, map[string]any{}, &ws)
	post("/admin/v2/orgs/"+org+"/directories/dir-ga/groups/"+group["id"].(string)+"/role-assignments/assign", key,
		map[string]string{"resourceId": ws.Data[0].ID, "roleId": "atlassian/user"}, nil)
	users, res, err = c.Organization.Users(ctx, org, "")
	must(res, err)
	if len(users.Data[0].ProductAccess) != 1 || users.Data[0].ProductAccess[0].Key != "jira-software" {
		t.Fatalf("product access = %+v", users.Data[0].ProductAccess)
	}

	activity, res, err := c.Organization.Directory.Activity(ctx, org, ann.AccountID)
	must(res, err)
	if activity.Data.AddedToOrg == "" || len(activity.Data.ProductAccess) != 1 {
		t.Fatalf("activity = %+v", activity.Data)
	}
	msg, res, err := c.Organization.Directory.Suspend(ctx, org, ann.AccountID)
	must(res, err)
	if msg.Message != "Access to organization "+org+" was suspended for user "+ann.AccountID {
		t.Fatalf("suspend = %q", msg.Message)
	}
	msg, res, err = c.Organization.Directory.Restore(ctx, org, ann.AccountID)
	must(res, err)
	if msg.Message == "" {
		t.Fatal("restore: no message")
	}

	events, res, err := c.Organization.Events(ctx, org, &model.OrganizationEventOptScheme{Action: "user_access_suspended",
		From: time.Now().Add(-24 * time.Hour), To: time.Now().Add(time.Hour)}, "")
	must(res, err)
	if len(events.Data) != 1 || events.Data[0].Attributes.Actor.ID == "" || events.Data[0].Attributes.Context[0].ID != ann.AccountID {
		t.Fatalf("events = %+v", events.Data)
	}
	event, res, err := c.Organization.Event(ctx, org, events.Data[0].ID)
	must(res, err)
	if event.Data.Attributes.Action != "user_access_suspended" {
		t.Fatalf("event = %+v", event.Data.Attributes)
	}
	all, res, err := c.Organization.Events(ctx, org, &model.OrganizationEventOptScheme{Q: "jira-users-sync"}, "")
	must(res, err)
	if len(all.Data) != 3 { // created, member added, product access granted
		t.Fatalf("q = %d events", len(all.Data))
	}
	actions, res, err := c.Organization.Actions(ctx, org)
	must(res, err)
	if len(actions.Data) == 0 || actions.Data[0].Attributes.DisplayName == "" {
		t.Fatalf("actions = %+v", actions)
	}
	stream, res, err := c.Organization.EventsStream(ctx, org, &model.OrganizationEventStreamOptScheme{Limit: 2, SortOrder: "asc"})
	must(res, err)
	if len(stream.Data) != 2 || stream.Meta.Next == "" || stream.Data[0].Attributes.ProcessedAt == "" || stream.Data[0].Message.Format != "simple" {
		t.Fatalf("stream = %+v", stream)
	}
	next, res, err := c.Organization.EventsStream(ctx, org, &model.OrganizationEventStreamOptScheme{Cursor: stream.Meta.Next, Limit: 500})
	must(res, err)
	if len(next.Data) == 0 || next.Data[0].ID == stream.Data[1].ID {
		t.Fatalf("stream page 2 = %+v", next.Data)
	}

	perms, res, err := c.User.Permissions(ctx, ann.AccountID, []string{"profile.write", "lifecycle.enablement"})
	must(res, err)
	if perms.ProfileWrite == nil || perms.ProfileWrite.Name.Reason == nil || perms.ProfileWrite.Name.Reason.Key != "externalDirectory.scim" ||
		perms.LifecycleEnablement == nil || perms.LifecycleEnablement.Allowed {
		t.Fatalf("permissions of a SCIM user = %+v", perms)
	}
	profile, res, err := c.User.Get(ctx, local.AccountID)
	must(res, err)
	if profile.Account.Email != "lee@example.com" || profile.Account.Name != "Lee Park" {
		t.Fatalf("profile = %+v", profile.Account)
	}
	updated, res, err := c.User.Update(ctx, local.AccountID, map[string]interface{}{"nickname": "Lee", "extended_profile": map[string]any{"job_title": "Lead"}})
	must(res, err)
	if updated.Account.Nickname != "Lee" || updated.Account.ExtendedProfile.JobTitle != "Lead" {
		t.Fatalf("updated = %+v", updated.Account)
	}
	must(c.User.Disable(ctx, local.AccountID, "On leave"))
	must(c.User.Enable(ctx, local.AccountID))
	tokens, res, err := c.User.Token.Gets(ctx, local.AccountID)
	must(res, err)
	if len(tokens) != 1 || tokens[0].Label != "laptop" || tokens[0].CreatedAt.IsZero() {
		t.Fatalf("tokens = %+v", tokens)
	}
	must(c.User.Token.Delete(ctx, local.AccountID, tokens[0].ID))
	must(c.Organization.Directory.Remove(ctx, org, local.AccountID))

	// Errors arrive as the client expects them.
	if _, _, err := c.Organization.Event(ctx, org, "no-such-event"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("unknown event: %v", err)
	}
	if _, res, err := c.User.Update(ctx, ann.AccountID, map[string]interface{}{"name": "Other"}); err == nil || res.Code != 403 {
		t.Fatalf("changing an IdP-owned field: %v", err)
	}
	c.Auth.SetBearerToken("wrong")
	if _, _, err := c.Organization.Gets(ctx, ""); !errors.Is(err, model.ErrUnauthorized) {
		t.Fatalf("wrong key: %v", err)
	}
}
