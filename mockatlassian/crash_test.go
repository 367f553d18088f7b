package mockatlassian

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/sim"
)

// Proof of crash safety: the real binary with --data-dir takes concurrent
// SCIM writes, is killed with SIGKILL mid-stream, and restarted on the same
// directory. Every write it acknowledged (2xx) must be there, with the last
// acknowledged value, and the store must open and check cleanly. A write
// in flight at the kill may or may not have landed; nothing else may be
// lost or invented.

// binary builds a command of this module into dir.
func binary(t *testing.T, dir, name string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, "github.com/provsim/provsim/cmd/"+name)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, b)
	}
	return out
}

// process is a running simulator binary.
type process struct {
	cmd    *exec.Cmd
	url    string
	stderr *lockedBuffer
}

// lockedBuffer collects a process's stderr while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs a simulator on a free port and waits for its "listening on"
// line.
func start(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, addr, ok := strings.Cut(sc.Text(), "listening on "); ok {
				found <- addr
			}
		}
	}()
	select {
	case p.url = <-found:
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not start: %s", bin, p.stderr)
	}
	return p
}

// kill9 ends the process with SIGKILL: no shutdown, no final save.
func (p *process) kill9(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

// ledger records what the server acknowledged for each user, and the one
// write per user that may be in flight at the kill.
type ledger struct {
	mu       sync.Mutex
	acked    map[string]string // user id → last acknowledged displayName
	inFlight map[string]string // user id → displayName of an unanswered write
	pending  map[string]string // userName → displayName of an unanswered create
	created  map[string]string // userName → id
	writes   int
}

func newLedger() *ledger {
	return &ledger{acked: map[string]string{}, inFlight: map[string]string{}, pending: map[string]string{}, created: map[string]string{}}
}

// writer creates users one by one and PATCHes their displayName in turn
// until a request fails (the server is gone) or stop closes.
func writer(client *http.Client, base, key string, w int, l *ledger, stop <-chan struct{}) {
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
			l.writes++
			l.mu.Unlock()
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
		l.writes++
		l.mu.Unlock()
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
	bin := binary(t, tmp, "mockatlassian")
	data := filepath.Join(tmp, "data")
	const dir, key = "crash-dir", "crash-key"
	args := []string{"--data-dir", data, "--org-id", "crash-org", "--directory-id", dir, "--api-key", key, "--verified-domain", "example.com"}
	client := &http.Client{Timeout: 10 * time.Second}
	l := newLedger()

	for round := range 2 {
		p := start(t, bin, args...)
		base := p.url + "/scim/directory/" + dir
		if round > 0 {
			l.verify(t, client, base, key)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				writer(client, base, key, round*10+w, l, stop)
			}()
		}
		// Let writes flow, then kill mid-stream.
		before := l.count()
		deadline := time.Now().Add(10 * time.Second)
		for l.count() < before+150 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		p.kill9(t)
		close(stop)
		wg.Wait()
		if l.count() == before {
			t.Fatalf("round %d: no write was acknowledged: %s", round, p.stderr)
		}
		t.Logf("round %d: %d writes acknowledged before SIGKILL", round, l.count()-before)

		st, err := sim.OpenStore(filepath.Join(data, StoreFile))
		if err != nil {
			t.Fatalf("store after SIGKILL: %v", err)
		}
		if err := st.Check(); err != nil {
			t.Fatalf("store check after SIGKILL: %v", err)
		}
		_ = st.Close()
	}
	p := start(t, bin, args...)
	l.verify(t, client, p.url+"/scim/directory/"+dir, key)
	if !strings.Contains(p.stderr.String(), "state loaded") {
		t.Errorf("the restart did not load the stored state: %s", p.stderr)
	}
}

func (l *ledger) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writes
}
