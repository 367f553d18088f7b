package mockatlassian

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/crashtest"
)

// Proof of crash safety: the real binary with --data-dir takes concurrent
// SCIM writes, is killed with SIGKILL mid-stream, and restarted on the same
// directory (internal/crashtest). Every write it acknowledged (2xx) must be there, with the last
// acknowledged value, and the store must open and check cleanly. A write
// in flight at the kill may or may not have landed; nothing else may be
// lost or invented.

// ledger records what the server acknowledged for each user, and the one
// write per user that may be in flight at the kill.
type ledger struct {
	mu       sync.Mutex
	acked    map[string]string // user id → last acknowledged displayName
	inFlight map[string]string // user id → displayName of an unanswered write
	pending  map[string]string // userName → displayName of an unanswered create
	created  map[string]string // userName → id
}

func newLedger() *ledger {
	return &ledger{acked: map[string]string{}, inFlight: map[string]string{}, pending: map[string]string{}, created: map[string]string{}}
}

// writer creates users one by one and PATCHes their displayName in turn
// until a request fails (the server is gone) or stop closes.
func writer(client *http.Client, base, key string, w int, l *ledger, acked func(), stop <-chan struct{}) {
	send := func(method, path string, body any) (int, map[string]any) {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	var mine []string
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		if n%4 == 0 {
			email := fmt.Sprintf("w%d-u%d@example.com", w, n)
			body := userBody(email)
			body["displayName"] = "v0"
			l.mu.Lock()
			l.pending[email] = "v0"
			l.mu.Unlock()
			status, out := send("POST", "/Users", body)
			if status != http.StatusCreated {
				return
			}
			id, _ := out["id"].(string)
			l.mu.Lock()
			delete(l.pending, email)
			l.created[email], l.acked[id] = id, "v0"
			l.mu.Unlock()
			acked()
			mine = append(mine, id)
			continue
		}
		id := mine[n%len(mine)]
		value := fmt.Sprintf("v%d", n)
		l.mu.Lock()
		l.inFlight[id] = value
		l.mu.Unlock()
		status, _ := send("PATCH", "/Users/"+id, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": value}}})
		if status != http.StatusOK {
			return
		}
		l.mu.Lock()
		delete(l.inFlight, id)
		l.acked[id] = value
		l.mu.Unlock()
		acked()
	}
}

// verify checks every acknowledged write against the restarted server.
func (l *ledger) verify(t *testing.T, client *http.Client, base, key string) {
	t.Helper()
	get := func(path string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, want := range l.acked {
		status, u := get("/Users/" + id)
		if status != http.StatusOK {
			t.Errorf("acknowledged user %s is gone after the crash (%d)", id, status)
			continue
		}
		got, _ := u["displayName"].(string)
		if got != want && got != l.inFlight[id] {
			t.Errorf("user %s: displayName %q after the crash, want the acknowledged %q (or the in-flight %q)", id, got, want, l.inFlight[id])
		}
		// What the server holds now is what a later check must find.
		l.acked[id] = got
	}
	l.inFlight = map[string]string{}
	// Nothing invented: every user the server has was written by us.
	status, list := get("/Users?count=100&startIndex=1")
	if status != http.StatusOK {
		t.Fatalf("list users: %d", status)
	}
	total := int(list["totalResults"].(float64))
	if total < len(l.acked) || total > len(l.acked)+len(l.pending) {
		t.Errorf("%d users after the crash; %d acknowledged, %d creates in flight", total, len(l.acked), len(l.pending))
	}
	for email := range l.pending {
		// A create in flight may have landed: adopt it so later rounds
		// count it.
		if status, out := get(`/Users?filter=userName%20eq%20%22` + email + `%22`); status == http.StatusOK {
			if res, _ := out["Resources"].([]any); len(res) == 1 {
				id := res[0].(map[string]any)["id"].(string)
				l.acked[id] = "v0"
				l.created[email] = id
			}
		}
		delete(l.pending, email)
	}
}

func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	const dir, key = "crash-dir", "crash-key"
	client := &http.Client{Timeout: 10 * time.Second}
	l := newLedger()
	crashtest.Run(t, crashtest.Rounds{
		Binary:    crashtest.Binary(t, tmp, "mockatlassian"),
		Args:      []string{"--data-dir", data, "--org-id", "crash-org", "--directory-id", dir, "--api-key", key, "--verified-domain", "example.com"},
		StoreFile: filepath.Join(data, StoreFile),
		Schema:    Schema,
		Rounds:    2,
		Writers:   6,
		PerRound:  150,
		Write: func(url string, w int, acked func(), stop <-chan struct{}) {
			writer(client, url+"/scim/directory/"+dir, key, w, l, acked, stop)
		},
		Verify: func(t *testing.T, url string) { l.verify(t, client, url+"/scim/directory/"+dir, key) },
	})
}
