package mockokta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/crashtest"
	"github.com/provsim/provsim/internal/store"
)

// Proof of crash safety for the Management API and the provisioning engine
// (the same rounds as mockatlassian's crash_test.go, internal/crashtest):
// the real binary with --data-dir takes concurrent user, group and app
// assignment writes while its engine provisions into a real mockatlassian
// slowed down by a latency fault, so that jobs queue up; it is killed with
// SIGKILL mid-stream and restarted on the same directory. Every
// acknowledged write must be there with its last acknowledged value, every
// acknowledged assignment must end up provisioned in mockatlassian (its
// job was queued, perhaps not run, at the kill), and the store must check
// cleanly.

// oktaLedger records acknowledged writes: users' last acknowledged title,
// groups' acknowledged members, acknowledged app assignments; and what may
// be in flight at the kill.
type oktaLedger struct {
	mu       sync.Mutex
	title    map[string]string          // user id → last acknowledged profile.title
	inFlight map[string]string          // user id → title of an unanswered update
	members  map[string]map[string]bool // group id → acknowledged member ids
	assigned map[string]string          // user id → login, acknowledged assignments
}

// client sends API calls with an Authorization header: the org's SSWS
// token, or a SCIM directory's bearer key.
type client struct {
	http *http.Client
	base string
	auth string
}

func (c client) send(method, path string, body any) (int, any) {
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(raw))
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var out any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func field(v any, name string) string {
	m, _ := v.(map[string]any)
	s, _ := m[name].(string)
	return s
}

func oktaWriter(c client, app string, w int, l *oktaLedger, acked func(), stop <-chan struct{}) {
	status, g := c.send("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": fmt.Sprintf("group-%d", w)}})
	if status != http.StatusOK {
		return
	}
	gid := field(g, "id")
	l.mu.Lock()
	l.members[gid] = map[string]bool{}
	l.mu.Unlock()
	acked()
	var mine []string
	logins := map[string]string{}
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		switch {
		case n%5 == 0:
			login := fmt.Sprintf("w%d-u%d@example.com", w, n)
			status, u := c.send("POST", "/api/v1/users?activate=true", withPassword(map[string]any{"profile": map[string]any{
				"login": login, "email": login, "firstName": "W", "lastName": "U", "title": "t0"}}, goodPassword))
			if status != http.StatusOK {
				return
			}
			id := field(u, "id")
			l.mu.Lock()
			l.title[id] = "t0"
			l.mu.Unlock()
			mine = append(mine, id)
			logins[id] = login
		case n%5 == 1:
			id := mine[len(mine)-1]
			if status, _ := c.send("PUT", "/api/v1/groups/"+gid+"/users/"+id, nil); status != http.StatusNoContent {
				return
			}
			l.mu.Lock()
			l.members[gid][id] = true
			l.mu.Unlock()
		case n%5 == 2:
			id := mine[len(mine)-1]
			if status, _ := c.send("POST", "/api/v1/apps/"+app+"/users", map[string]any{"id": id, "scope": "USER"}); status != http.StatusOK {
				return
			}
			l.mu.Lock()
			l.assigned[id] = logins[id]
			l.mu.Unlock()
		default:
			id := mine[n%len(mine)]
			value := fmt.Sprintf("t%d", n)
			l.mu.Lock()
			l.inFlight[id] = value
			l.mu.Unlock()
			if status, _ := c.send("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"title": value}}); status != http.StatusOK {
				return
			}
			l.mu.Lock()
			delete(l.inFlight, id)
			l.title[id] = value
			l.mu.Unlock()
		}
		acked()
	}
}

func (l *oktaLedger) verify(t *testing.T, c client, app string, atl client) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, want := range l.title {
		status, u := c.send("GET", "/api/v1/users/"+id, nil)
		if status != http.StatusOK {
			t.Errorf("acknowledged user %s is gone after the crash (%d)", id, status)
			continue
		}
		got, _ := u.(map[string]any)["profile"].(map[string]any)["title"].(string)
		if got != want && got != l.inFlight[id] {
			t.Errorf("user %s: title %q after the crash, want the acknowledged %q (or the in-flight %q)", id, got, want, l.inFlight[id])
		}
		l.title[id] = got
	}
	l.inFlight = map[string]string{}
	for gid, want := range l.members {
		status, list := c.send("GET", "/api/v1/groups/"+gid+"/users?limit=200", nil)
		if status != http.StatusOK {
			t.Errorf("acknowledged group %s is gone after the crash (%d)", gid, status)
			continue
		}
		got := map[string]bool{}
		for _, u := range list.([]any) {
			got[field(u, "id")] = true
		}
		for id := range want {
			if !got[id] {
				t.Errorf("group %s lost its acknowledged member %s", gid, id)
			}
		}
		// A membership in flight may have landed; keep what is there.
		l.members[gid] = got
	}
	// Every acknowledged assignment is provisioned once the engine has run
	// the jobs it found stored at the restart.
	if status, _ := c.send("GET", "/_sim/orgs/crash-org/wait?timeout=60s", nil); status != http.StatusOK {
		t.Fatalf("the engine did not fall idle after the restart (%d)", status)
	}
	for id, login := range l.assigned {
		status, au := c.send("GET", "/api/v1/apps/"+app+"/users/"+id, nil)
		if status != http.StatusOK || field(au, "status") != AppUserProvisioned || field(au, "externalId") == "" {
			t.Errorf("acknowledged assignment of %s after the crash: %d %v", id, status, au)
		}
		status, list := atl.send("GET", "/Users?filter="+url.QueryEscape(`userName eq "`+login+`"`), nil)
		if n, _ := list.(map[string]any)["totalResults"].(float64); status != http.StatusOK || n != 1 {
			t.Errorf("acknowledged assignment of %s: not in mockatlassian after the crash: %d %v", login, status, list)
		}
	}
}

func TestCrashKeepsAcknowledgedWritesAndQueuedJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binaries")
	}
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	const token, dir, key = "crash-token", "crash-dir", "crash-key"
	httpc := &http.Client{Timeout: 70 * time.Second}

	// The SCIM target, slowed down so that jobs queue up in the engine.
	atlBin := crashtest.Binary(t, tmp, "mockatlassian")
	atlProc := crashtest.Start(t, atlBin, "--org-id", "atl", "--directory-id", dir, "--api-key", key, "--verified-domain", "example.com")
	atl := client{http: httpc, base: atlProc.URL + "/scim/directory/" + dir, auth: "Bearer " + key}
	fault := client{http: httpc, base: atlProc.URL}
	if status, out := fault.send("POST", "/_sim/faults", map[string]any{"method": "POST", "path": "/scim/directory/*/Users", "latency": "40ms"}); status != http.StatusCreated {
		t.Fatalf("latency fault: %d %v", status, out)
	}

	l := &oktaLedger{title: map[string]string{}, inFlight: map[string]string{}, members: map[string]map[string]bool{},
		assigned: map[string]string{}}
	app := func(base string) string {
		_, apps := client{http: httpc, base: base, auth: "SSWS " + token}.send("GET", "/api/v1/apps", nil)
		list, _ := apps.([]any)
		if len(list) != 1 {
			t.Fatalf("apps: %v", apps)
		}
		return field(list[0], "id")
	}
	queuedAtKill := 0
	crashtest.Run(t, crashtest.Rounds{
		Binary: crashtest.Binary(t, tmp, "mockokta"),
		Args: []string{"--data-dir", data, "--org-id", "crash-org", "--api-token", token,
			"--scim-base-url", atl.base, "--scim-api-key", key},
		StoreFile: filepath.Join(data, StoreFile),
		Schema:    Schema,
		Rounds:    2,
		Writers:   6,
		PerRound:  150,
		Write: func(base string, w int, acked func(), stop <-chan struct{}) {
			oktaWriter(client{http: httpc, base: base, auth: "SSWS " + token}, app(base), w, l, acked, stop)
		},
		Verify: func(t *testing.T, base string) {
			l.verify(t, client{http: httpc, base: base, auth: "SSWS " + token}, app(base), atl)
		},
		Killed: func(round int) {
			st, err := store.Open(filepath.Join(data, StoreFile), Schema, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Abandon()
			tenants, err := st.Load()
			if err != nil {
				t.Fatal(err)
			}
			queued := 0
			for _, tr := range tenants {
				queued += len(tr.Records[kindJob])
			}
			queuedAtKill += queued
			t.Logf("round %d: %d engine jobs stored at the kill", round, queued)
		},
	})
	if queuedAtKill == 0 {
		t.Fatal("no engine job was queued at any kill: the test proved nothing about queued work")
	}
}
