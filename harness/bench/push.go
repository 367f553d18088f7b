package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta"
)

// pushBatch is the most members mockokta's group push sends in one PATCH
// (mockokta/engine.go batches queued adds of one mapping).
const pushBatch = 100

// groupPush times a group push of people members, as Okta's engine does it,
// beside the bare round trips: the target group created by POST /Groups,
// then its members added in PATCHes of pushBatch. The people are assigned
// to the app (and provisioned) first, untimed; the timed part pushes an
// empty group (the engine creates it), then adds everyone to it in Okta
// and waits until the engine is idle and the Atlassian group holds them
// all: members joining a pushed group go out as membership PATCHes. It also reports how many
// membership PATCHes the engine sent.
func groupPush(ctx context.Context, people int, log *slog.Logger) (ours, bare time.Duration, patches int, err error) {
	const dir, key = "push-dir", "push-key"
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Logger: log, Options: mockatlassian.Options{Seed: 7, Logger: log},
		Boot: &mockatlassian.Boot{DirectoryID: dir, APIKey: key, VerifiedDomains: []string{"example.com"}}})
	if err != nil {
		return 0, 0, 0, err
	}
	base, stop, err := loopback(atl)
	if err != nil {
		return 0, 0, 0, err
	}
	defer stop()
	jr := journal.New(journal.Options{MaxEntries: 10 * people, NoBodies: true}, nil)
	okta, err := mockokta.NewServer(mockokta.Config{Logger: log, Options: mockokta.Options{Seed: 8, Logger: log,
		SCIMClient: newClient(1), Journal: jr},
		Boot: &mockokta.Boot{OrgID: "push", APIToken: "push-token", AtlassianSCIMURL: base + "/scim/directory/" + dir, AtlassianSCIMToken: key}})
	if err != nil {
		return 0, 0, 0, err
	}
	defer func() { _ = okta.Close() }() // in memory: nothing to save
	m := okta.Model
	o, _ := m.Org("push")
	assignedName, pushedName := "bench-assigned", "bench-pushed"
	assigned, err := m.CreateGroup(o, mockokta.GroupProfileInput{Name: &assignedName})
	if err != nil {
		return 0, 0, 0, err
	}
	pushed, err := m.CreateGroup(o, mockokta.GroupProfileInput{Name: &pushedName})
	if err != nil {
		return 0, 0, 0, err
	}
	uids := make([]string, people)
	for i := range people {
		email := fmt.Sprintf("g%06d@example.com", i)
		u, err := m.CreateUser(o, mockokta.CreateUserInput{Activate: true, GroupIDs: []string{assigned.ID},
			Profile: map[string]any{"login": email, "email": email, "firstName": "G", "lastName": fmt.Sprint(i)}})
		if err != nil {
			return 0, 0, 0, err
		}
		uids[i] = u.ID
	}
	app := okta.Booted.AppID
	wait := func() error { return m.WaitIdleTimeout(o.ID, 30*time.Minute) }
	if _, err := m.AssignGroup(o, app, assigned.ID, nil, nil); err != nil {
		return 0, 0, 0, err
	}
	if err := wait(); err != nil {
		return 0, 0, 0, err
	}
	jr.Clear("")
	t0 := time.Now()
	pm, err := m.CreatePushMapping(o, app, mockokta.PushMappingInput{SourceGroupID: pushed.ID})
	if err != nil {
		return 0, 0, 0, err
	}
	if err := wait(); err != nil { // the target group exists
		return 0, 0, 0, err
	}
	for _, uid := range uids {
		if err := m.AddGroupMember(o, pushed.ID, uid); err != nil {
			return 0, 0, 0, err
		}
	}
	if err := wait(); err != nil {
		return 0, 0, 0, err
	}
	ours = time.Since(t0)
	pm, err = m.GetPushMapping(o, app, pm.ID)
	if err != nil {
		return 0, 0, 0, err
	}
	g, err := atl.Model.GetGroup(dir, pm.TargetGroupID)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("the pushed group: %w", err)
	}
	if len(g.Members) != people {
		return 0, 0, 0, fmt.Errorf("the pushed group has %d of %d members", len(g.Members), people)
	}
	for _, e := range jr.Entries(journal.Query{}) {
		if e.Direction == "outbound" && e.Method == http.MethodPatch && strings.Contains(e.Path, "/Groups/") {
			patches++
		}
	}
	bare, err = bareGroupPush(ctx, people, log)
	return ours, bare, patches, err
}

// bareGroupPush sends what a group push must: POST /Groups, then members
// added pushBatch at a time, from a plain client, one after another.
func bareGroupPush(ctx context.Context, people int, log *slog.Logger) (time.Duration, error) {
	const dir, key = "bare-push-dir", "bare-push-key"
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Logger: log, Options: mockatlassian.Options{Seed: 9, Logger: log},
		Boot: &mockatlassian.Boot{DirectoryID: dir, APIKey: key, VerifiedDomains: []string{"example.com"}}})
	if err != nil {
		return 0, err
	}
	ids := make([]string, people)
	for i := range people {
		email := fmt.Sprintf("g%06d@example.com", i)
		u, err := atl.Model.CreateUser(dir, scim.User{UserName: email, Emails: []scim.Email{{Value: email, Primary: true, Type: "work"}}})
		if err != nil {
			return 0, err
		}
		ids[i] = u.ID
	}
	base, stop, err := loopback(atl)
	if err != nil {
		return 0, err
	}
	defer stop()
	client := newClient(1)
	prefix := base + "/scim/directory/" + dir
	send := func(method, path string, body []byte, want int) ([]byte, error) {
		st, resp, err := sample(client, prefix, "Bearer "+key, method, path, body)
		if err == nil && st != want {
			err = fmt.Errorf("%s %s: HTTP %d", method, path, st)
		}
		return resp, err
	}
	t0 := time.Now()
	resp, err := send(http.MethodPost, "/Groups", []byte(`{"schemas":["`+scim.GroupSchema+`"],"displayName":"bench-pushed","members":[]}`), http.StatusCreated)
	if err != nil {
		return 0, err
	}
	var g struct{ ID string }
	if err := json.Unmarshal(resp, &g); err != nil {
		return 0, err
	}
	for start := 0; start < people; start += pushBatch {
		var b strings.Builder
		b.WriteString(`{"schemas":["` + scim.PatchOpSchema + `"],"Operations":[{"op":"add","path":"members","value":[`)
		for i, id := range ids[start:min(start+pushBatch, people)] {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"value":%q,"display":"g%06d@example.com"}`, id, start+i)
		}
		b.WriteString(`]}]}`)
		if _, err := send(http.MethodPatch, "/Groups/"+g.ID, []byte(b.String()), http.StatusOK); err != nil {
			return 0, err
		}
	}
	return time.Since(t0), ctx.Err()
}
