package mockokta

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

// Proof of crash safety for the Management API (the same proof as
// mockatlassian's crash_test.go): the real binary with --data-dir takes
// concurrent user and group writes, is killed with SIGKILL mid-stream and
// restarted on the same directory; every acknowledged write must be there
// with its last acknowledged value, and the store must check cleanly.

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

// oktaLedger records acknowledged writes: users' last acknowledged title,
// groups' acknowledged members; and what may be in flight at the kill.
type oktaLedger struct {
	mu       sync.Mutex
	title    map[string]string          // user id → last acknowledged profile.title
	inFlight map[string]string          // user id → title of an unanswered update
	members  map[string]map[string]bool // group id → acknowledged member ids
	writes   int
}

func (l *oktaLedger) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writes
}

func oktaWriter(client *http.Client, base, token string, w int, l *oktaLedger, stop <-chan struct{}) {
	send := func(method, path string, body any) (int, map[string]any) {
		var rd *bytes.Reader
		if body != nil {
			raw, _ := json.Marshal(body)
			rd = bytes.NewReader(raw)
		} else {
			rd = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "SSWS "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	status, g := send("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": fmt.Sprintf("group-%d", w)}})
	if status != http.StatusOK {
		return
	}
	gid := g["id"].(string)
	l.mu.Lock()
	l.members[gid] = map[string]bool{}
	l.writes++
	l.mu.Unlock()
	var mine []string
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		switch {
		case n%5 == 0:
			login := fmt.Sprintf("w%d-u%d@example.com", w, n)
			status, u := send("POST", "/api/v1/users?activate=false", map[string]any{"profile": map[string]any{
				"login": login, "email": login, "firstName": "W", "lastName": "U", "title": "t0"}})
			if status != http.StatusOK {
				return
			}
			id := u["id"].(string)
			l.mu.Lock()
			l.title[id] = "t0"
			l.writes++
			l.mu.Unlock()
			mine = append(mine, id)
		case n%5 == 1:
			id := mine[len(mine)-1]
			if status, _ := send("PUT", "/api/v1/groups/"+gid+"/users/"+id, nil); status != http.StatusNoContent {
				return
			}
			l.mu.Lock()
			l.members[gid][id] = true
			l.writes++
			l.mu.Unlock()
		default:
			id := mine[n%len(mine)]
			value := fmt.Sprintf("t%d", n)
			l.mu.Lock()
			l.inFlight[id] = value
			l.mu.Unlock()
			if status, _ := send("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"title": value}}); status != http.StatusOK {
				return
			}
			l.mu.Lock()
			delete(l.inFlight, id)
			l.title[id] = value
			l.writes++
			l.mu.Unlock()
		}
	}
}

func (l *oktaLedger) verify(t *testing.T, client *http.Client, base, token string) {
	t.Helper()
	get := func(path string) (int, any) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "SSWS "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		var out any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, want := range l.title {
		status, u := get("/api/v1/users/" + id)
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
		status, list := get("/api/v1/groups/" + gid + "/users?limit=200")
		if status != http.StatusOK {
			t.Errorf("acknowledged group %s is gone after the crash (%d)", gid, status)
			continue
		}
		got := map[string]bool{}
		for _, u := range list.([]any) {
			got[u.(map[string]any)["id"].(string)] = true
		}
		for id := range want {
			if !got[id] {
				t.Errorf("group %s lost its acknowledged member %s", gid, id)
			}
		}
		// A membership in flight may have landed; keep what is there.
		l.members[gid] = got
	}
}

func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	tmp := t.TempDir()
	bin := binary(t, tmp, "mockokta")
	data := filepath.Join(tmp, "data")
	const token = "crash-token"
	args := []string{"--data-dir", data, "--org-id", "crash-org", "--api-token", token}
	client := &http.Client{Timeout: 10 * time.Second}
	l := &oktaLedger{title: map[string]string{}, inFlight: map[string]string{}, members: map[string]map[string]bool{}}

	for round := range 2 {
		p := start(t, bin, args...)
		if round > 0 {
			l.verify(t, client, p.url, token)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				oktaWriter(client, p.url, token, round*10+w, l, stop)
			}()
		}
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
	l.verify(t, client, p.url, token)
	if !strings.Contains(p.stderr.String(), "state loaded") {
		t.Errorf("the restart did not load the stored state: %s", p.stderr)
	}
}
