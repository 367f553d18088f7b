package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta"
)

// oktaAPI is section 7: the Okta Management API on an org of c.OktaUsers
// people, each operation beside a bare handler sending the same bytes over
// the same client, as section 1 does for SCIM. The app has c.OktaAppUsers
// of them assigned (provisioned to a loopback mockatlassian first, so the
// engine is idle while measuring).
func oktaAPI(ctx context.Context, c Config, rep *Report, log *slog.Logger) error {
	const token = "bench-token"
	if c.OktaUsers <= 0 {
		return nil
	}
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Logger: log, Options: mockatlassian.Options{Seed: 5, Logger: log},
		Boot: &mockatlassian.Boot{DirectoryID: "okta-bench-dir", APIKey: "okta-bench-key", VerifiedDomains: []string{"example.com"}}})
	if err != nil {
		return err
	}
	abase, astop, err := loopback(atl)
	if err != nil {
		return err
	}
	defer astop()
	okta, err := mockokta.NewServer(mockokta.Config{Logger: log, Options: mockokta.Options{Seed: 6, Logger: log, SCIMClient: newClient(1)},
		Boot: &mockokta.Boot{OrgID: "bench", APIToken: token, AtlassianSCIMURL: abase + "/scim/directory/okta-bench-dir", AtlassianSCIMToken: "okta-bench-key"}})
	if err != nil {
		return err
	}
	defer func() { _ = okta.Close() }()
	m := okta.Model
	o, _ := m.Org("bench")
	name := "assigned"
	g, err := m.CreateGroup(o, mockokta.GroupProfileInput{Name: &name})
	if err != nil {
		return err
	}
	t0 := time.Now()
	ids := make([]string, c.OktaUsers)
	for i := range c.OktaUsers {
		email := fmt.Sprintf("o%07d@example.com", i)
		in := mockokta.CreateUserInput{Activate: true, Profile: map[string]any{"login": email, "email": email, "firstName": "O", "lastName": fmt.Sprint(i)}}
		if i < c.OktaAppUsers {
			in.GroupIDs = []string{g.ID}
		}
		u, err := m.CreateUser(o, in)
		if err != nil {
			return err
		}
		ids[i] = u.ID
	}
	app := okta.Booted.AppID
	if _, err := m.AssignGroup(o, app, g.ID, nil, nil); err != nil {
		return err
	}
	if err := m.WaitIdleTimeout(o.ID, 10*time.Minute); err != nil {
		return err
	}
	if c.Log != nil {
		fmt.Fprintf(c.Log, "bench: okta: %d users, %d assigned, in %s\n", c.OktaUsers, c.OktaAppUsers, time.Since(t0).Round(time.Millisecond))
	}
	base, stop, err := loopback(okta)
	if err != nil {
		return err
	}
	defer stop()
	client := newClient(c.Workers)
	auth := "SSWS " + token
	section := fmt.Sprintf("7 Okta API, %dk users", c.OktaUsers/1000)

	// Page through every user once, following the Link headers, and keep
	// the cursors: the walk is a row, and the cursors let the throughput
	// rows ask for pages at the start and at the end.
	walk := func(base string, pages int) (int, []string, time.Duration, error) {
		next := base + "/api/v1/users?limit=200"
		var cursors []string
		n := 0
		t0 := time.Now()
		for next != "" && (pages == 0 || n < pages) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
			req.Header.Set("Authorization", auth)
			resp, err := client.Do(req)
			if err != nil {
				return 0, nil, 0, err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return 0, nil, 0, fmt.Errorf("GET %s: %d", next, resp.StatusCode)
			}
			n++
			next = linkNext(resp.Header.Values("Link"))
			if next != "" {
				cursors = append(cursors, strings.TrimPrefix(next, base))
			} else if pages != 0 {
				next = base + "/api/v1/users?limit=200" // bare: no links; repeat
			}
		}
		return n, cursors, time.Since(t0), nil
	}
	pages, cursors, took, err := walk(base, 0)
	if err != nil {
		return err
	}
	firstPath := "/api/v1/users?limit=200"
	_, firstBody, err := sampleAs(client, base, auth, "", http.MethodGet, firstPath, nil)
	if err != nil {
		return err
	}
	bbase, bstop, err := loopback(bareJSON(http.StatusOK, firstBody))
	if err != nil {
		return err
	}
	_, _, btook, err := walk(bbase, pages)
	bstop()
	if err != nil {
		return err
	}
	ratio := btook.Seconds() / took.Seconds()
	rep.add(Row{Section: section, Measure: fmt.Sprintf("GET /api/v1/users?limit=200, all %d pages in turn", pages), Value: dur(took),
		Limit: dur(btook) + fmt.Sprintf(" bare (%d B a page)", len(firstBody)), Ratio: ratio, Target: "≥ 50% of bare", Met: met(ratio >= 0.5)})

	last := firstPath
	if len(cursors) > 1 {
		last = cursors[len(cursors)-2] // a full page near the end
	}
	var created atomic.Int64
	ops := []benchOp{
		{"GET /api/v1/users?limit=200, first page", false, func(int64) (string, string, []byte) { return "GET", firstPath, nil }},
		{"GET /api/v1/users?limit=200, a page near the end (after=)", false, func(int64) (string, string, []byte) { return "GET", last, nil }},
		{"GET /api/v1/users/{id}", false, func(int64) (string, string, []byte) {
			return "GET", "/api/v1/users/" + ids[rand.N(len(ids))], nil
		}},
		{"POST /api/v1/users?activate=false", true, func(int64) (string, string, []byte) {
			n := created.Add(1)
			return "POST", "/api/v1/users?activate=false", []byte(fmt.Sprintf(`{"profile":{"login":"new%d@example.com","email":"new%d@example.com","firstName":"New","lastName":"User"}}`, n, n))
		}},
		{"GET /api/v1/apps/{id}/users", false, func(int64) (string, string, []byte) { return "GET", "/api/v1/apps/" + app + "/users", nil }},
		{`GET /api/v1/logs?filter=eventType eq "user.lifecycle.create"&limit=100`, false, func(int64) (string, string, []byte) {
			return "GET", "/api/v1/logs?limit=100&filter=" + url.QueryEscape(`eventType eq "user.lifecycle.create"`), nil
		}},
	}
	var rates []float64
	for _, op := range ops {
		if !strings.Contains(op.name, c.Match) {
			rates = append(rates, 0)
			continue
		}
		method, path, body := op.fn(0)
		status, resp, err := sampleAs(client, base, auth, "application/json", method, path, body)
		if err != nil || status >= 300 {
			return fmt.Errorf("%s: sample: %d %v %s", op.name, status, err, resp)
		}
		bbase, bstop, err := loopback(bareJSON(status, resp))
		if err != nil {
			return err
		}
		n, took, bn, btook, err := interleaved(ctx, client, base, bbase, auth, "application/json", c.Workers, c.Duration, op.fn)
		bstop()
		if err != nil {
			return fmt.Errorf("%s: %w", op.name, err)
		}
		ours, limit := float64(n)/took.Seconds(), float64(bn)/btook.Seconds()
		rates = append(rates, ours)
		ratio := ours / limit
		rep.add(Row{Section: section, Measure: op.name, Value: perSec(n, took),
			Limit: perSec(bn, btook) + fmt.Sprintf(" (%d B)", len(resp)), Ratio: ratio, Target: "≥ 50% of bare", Met: met(ratio >= 0.5)})
	}
	if rates[0] == 0 || rates[1] == 0 {
		return nil
	}
	flat := rates[1] / rates[0]
	rep.add(Row{Section: section, Measure: "paging cost flat in the page position: a page near the end vs the first",
		Value: fmt.Sprintf("%.0f/s", rates[1]), Limit: fmt.Sprintf("%.0f/s first page", rates[0]), Ratio: flat,
		Target: "≥ 80% of the first page", Met: met(flat >= 0.8)})
	return nil
}

// bareJSON is bare with Okta's content type.
func bareJSON(status int, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

// linkNext returns the URL of a rel="next" Link, or "".
func linkNext(links []string) string {
	for _, l := range links {
		for _, part := range strings.Split(l, ",") {
			u, params, ok := strings.Cut(part, ";")
			if ok && strings.Contains(params, `rel="next"`) {
				return strings.Trim(strings.TrimSpace(u), "<>")
			}
		}
	}
	return ""
}
