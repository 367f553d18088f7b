package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta"
)

// endToEnd is section 2: a group of c.E2EPeople assigned to the Atlassian
// Cloud app until all are active in Atlassian, then unassigned; beside the
// bare SCIM round trips the engine must make, sent one after another by a
// plain client (the engine works one app's queue in order, too).
func endToEnd(ctx context.Context, c Config, rep *Report, log *slog.Logger) error {
	section := fmt.Sprintf("2 end to end, %dk people", c.E2EPeople/1000)
	assign, unassign, err := engineRun(ctx, c.E2EPeople, 0, log)
	if err != nil {
		return err
	}
	bareAssign, bareUnassign, err := bareRoundTrips(ctx, c.E2EPeople, log)
	if err != nil {
		return err
	}
	for _, m := range []struct {
		name       string
		ours, bare time.Duration
	}{{"assign group → all active in Atlassian", assign, bareAssign}, {"unassign group → all deactivated", unassign, bareUnassign}} {
		overhead := m.ours.Seconds()/m.bare.Seconds() - 1
		rep.add(Row{Section: section, Measure: m.name + " (full speed)", Value: dur(m.ours),
			Limit: dur(m.bare) + " bare round trips", Ratio: m.bare.Seconds() / m.ours.Seconds(),
			Target: "overhead ≤ 25%", Met: met(overhead <= 0.25)})
	}
	push, barePush, patches, err := groupPush(ctx, c.E2EPeople, log)
	if err != nil {
		return fmt.Errorf("group push: %w", err)
	}
	overhead := push.Seconds()/barePush.Seconds() - 1
	rep.add(Row{Section: section, Measure: fmt.Sprintf("group push: an empty group pushed, then all added in Okta → all members in Atlassian (%d membership PATCHes)", patches),
		Value: dur(push), Limit: dur(barePush) + fmt.Sprintf(" bare round trips (POST + %d PATCHes of %d)", (c.E2EPeople+pushBatch-1)/pushBatch, pushBatch),
		Ratio: barePush.Seconds() / push.Seconds(), Target: "overhead ≤ 25%", Met: met(overhead <= 0.25)})
	// Okta-paced: the same work with a pause after every job, in virtual
	// time (measured on a sample, projected to the full size).
	sample := min(200, c.E2EPeople)
	vc := &clock.Virtual{}
	before := vc.Now()
	a2, u2, err := engineRunClock(ctx, sample, c.Pace, vc, log)
	if err != nil {
		return err
	}
	virtual := vc.Now().Sub(before) - (a2 + u2)
	perPerson := virtual / time.Duration(2*sample)
	rep.add(Row{Section: section, Measure: fmt.Sprintf("Okta-paced (%s per job), assign + unassign", c.Pace),
		Value: dur(perPerson*time.Duration(2*c.E2EPeople)) + " projected", Limit: fmt.Sprintf("measured on %d people", sample)})
	return nil
}

func engineRun(ctx context.Context, people int, pace time.Duration, log *slog.Logger) (time.Duration, time.Duration, error) {
	return engineRunClock(ctx, people, pace, clock.System{}, log)
}

// engineRunClock times mockokta's engine against a loopback mockatlassian.
func engineRunClock(ctx context.Context, people int, pace time.Duration, clock clock.Sleeper, log *slog.Logger) (time.Duration, time.Duration, error) {
	const dir, key = "e2e-dir", "e2e-key"
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Logger: log, Options: mockatlassian.Options{Seed: 2, Logger: log},
		Boot: &mockatlassian.Boot{DirectoryID: dir, APIKey: key, VerifiedDomains: []string{"example.com"}}})
	if err != nil {
		return 0, 0, err
	}
	base, stop, err := loopback(atl)
	if err != nil {
		return 0, 0, err
	}
	defer stop()
	okta, err := mockokta.NewServer(mockokta.Config{Logger: log, Options: mockokta.Options{Seed: 3, Logger: log, Clock: clock,
		SCIMClient: newClient(1), JobPause: pace, Journal: journal.New(journal.Options{MaxEntries: 1000}, clock)},
		Boot: &mockokta.Boot{OrgID: "e2e", APIToken: "e2e-token", AtlassianSCIMURL: base + "/scim/directory/" + dir, AtlassianSCIMToken: key}})
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = okta.Close() }() // in memory: nothing to save
	m := okta.Model
	o, _ := m.Org("e2e")
	// Not "everyone": every org has the built-in Everyone (OAPI-GROUP-2),
	// and a second group of that name is refused.
	name := "bench-people"
	g, err := m.CreateGroup(o, mockokta.GroupProfileInput{Name: &name})
	if err != nil {
		return 0, 0, err
	}
	for i := range people {
		email := fmt.Sprintf("p%06d@example.com", i)
		pw := "Pr0vsim-bench"
		u, err := m.CreateUser(o, mockokta.CreateUserInput{Activate: true, GroupIDs: []string{g.ID},
			Profile:     map[string]any{"login": email, "email": email, "firstName": "P", "lastName": fmt.Sprint(i)},
			Credentials: &mockokta.UserCredentialsInput{Password: &mockokta.PasswordInput{Value: &pw}}})
		if err != nil {
			return 0, 0, err
		}
		_ = u
	}
	app := okta.Booted.AppID
	wait := func() error { return m.WaitIdleTimeout(o.ID, 30*time.Minute) }
	t0 := time.Now()
	if _, err := m.AssignGroup(o, app, g.ID, nil, nil); err != nil {
		return 0, 0, err
	}
	if err := wait(); err != nil {
		return 0, 0, err
	}
	assign := time.Since(t0)
	if n := activeUsers(atl, dir); n != people {
		return 0, 0, fmt.Errorf("after assignment %d of %d users are active in Atlassian", n, people)
	}
	t0 = time.Now()
	if err := m.UnassignGroup(o, app, g.ID); err != nil {
		return 0, 0, err
	}
	if err := wait(); err != nil {
		return 0, 0, err
	}
	unassign := time.Since(t0)
	if n := activeUsers(atl, dir); n != 0 {
		return 0, 0, fmt.Errorf("after unassignment %d users are still active", n)
	}
	return assign, unassign, nil
}

func activeUsers(atl *mockatlassian.Server, dir string) int {
	n := 0
	for start := 1; ; start += 100 {
		total, _, page, err := atl.Model.ListUsers(dir, nil, start, 100)
		if err != nil {
			return -1
		}
		for _, u := range page {
			if u.IsActive() {
				n++
			}
		}
		if start+100 > total {
			return n
		}
	}
}

// bareRoundTrips sends what the engine sends — per person a userName
// filter and a POST, then a PATCH active:false — from a plain client.
func bareRoundTrips(ctx context.Context, people int, log *slog.Logger) (time.Duration, time.Duration, error) {
	const dir, key = "bare-dir", "bare-key"
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Logger: log, Options: mockatlassian.Options{Seed: 4, Logger: log},
		Boot: &mockatlassian.Boot{DirectoryID: dir, APIKey: key, VerifiedDomains: []string{"example.com"}}})
	if err != nil {
		return 0, 0, err
	}
	base, stop, err := loopback(atl)
	if err != nil {
		return 0, 0, err
	}
	defer stop()
	client := newClient(1)
	prefix := base + "/scim/directory/" + dir
	ids := make([]string, people)
	send := func(method, path string, body []byte) (int, []byte, error) {
		return sample(client, prefix, "Bearer "+key, method, path, body)
	}
	t0 := time.Now()
	for i := range people {
		email := fmt.Sprintf("p%06d@example.com", i)
		q := url.QueryEscape(`userName eq "` + email + `"`)
		if st, _, err := send(http.MethodGet, "/Users?filter="+q+"&startIndex=1&count=100", nil); err != nil || st != 200 {
			return 0, 0, fmt.Errorf("filter: %d %v", st, err)
		}
		body := fmt.Sprintf(`{"schemas":["%s"],"userName":"%s","name":{"givenName":"P","familyName":"%d"},"emails":[{"primary":true,"value":"%s","type":"work"}],"displayName":"P %d","locale":"en-US","externalId":"00u%017d","groups":[],"password":"x1y2z3w4","active":true}`,
			scim.UserSchema, email, i, email, i, i)
		st, resp, err := send(http.MethodPost, "/Users", []byte(body))
		if err != nil || st != 201 {
			return 0, 0, fmt.Errorf("create: %d %v", st, err)
		}
		id, _, _ := cutID(resp)
		ids[i] = id
	}
	assign := time.Since(t0)
	t0 = time.Now()
	for _, id := range ids {
		if st, _, err := send(http.MethodPatch, "/Users/"+id, []byte(`{"schemas":["`+scim.PatchOpSchema+`"],"Operations":[{"op":"replace","value":{"active":false}}]}`)); err != nil || st != 200 {
			return 0, 0, fmt.Errorf("deactivate: %d %v", st, err)
		}
	}
	return assign, time.Since(t0), nil
}
