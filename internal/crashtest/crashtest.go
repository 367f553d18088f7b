// Package crashtest proves that a simulator keeps what it acknowledged: it
// builds the real binary, runs it on a data directory while writers load it,
// kills it with SIGKILL mid-stream (no shutdown, no final save), checks the
// data file and restarts it on the same directory, round after round. The
// writers and the checks are the caller's; the rounds are the same for both
// servers. For tests only.
package crashtest

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/store"
)

// Binary builds a command of this module (cmd/<name>) into dir.
func Binary(t *testing.T, dir, name string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, "github.com/provsim/provsim/cmd/"+name)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, b)
	}
	return out
}

// Process is a running simulator binary.
type Process struct {
	URL    string
	cmd    *exec.Cmd
	stderr *lockedBuffer
}

// Start runs a binary on a free port and waits for its "listening on" line.
func Start(t *testing.T, bin string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &Process{cmd: cmd, stderr: &lockedBuffer{}}
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
				select {
				case found <- addr:
				default:
				}
			}
		}
	}()
	select {
	case p.URL = <-found:
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not start: %s", bin, p.stderr)
	}
	return p
}

// Stderr is what the process logged so far.
func (p *Process) Stderr() string { return p.stderr.String() }

// Kill9 ends the process with SIGKILL.
func (p *Process) Kill9(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

// CheckStore opens a data file left by a killed process and runs bbolt's
// consistency check on it.
func CheckStore(t *testing.T, path string, schema store.Schema) {
	t.Helper()
	st, err := store.Open(path, schema, nil)
	if err != nil {
		t.Fatalf("store after SIGKILL: %v", err)
	}
	defer st.Abandon()
	if err := st.Check(); err != nil {
		t.Fatalf("store check after SIGKILL: %v", err)
	}
}

// Rounds describes a crash test of one binary.
type Rounds struct {
	Binary    string       // built binary
	Args      []string     // its flags, --data-dir included
	StoreFile string       // the data file, checked after each kill
	Schema    store.Schema // the server's record schema
	Rounds    int          // kills; the binary starts Rounds+1 times
	Writers   int          // concurrent writers per round
	PerRound  int          // acknowledged writes to wait for before the kill
	// Write loads the server at url until a request fails (the server is
	// gone) or stop closes, calling acked for each acknowledged write.
	Write func(url string, writer int, acked func(), stop <-chan struct{})
	// Verify checks every acknowledged write against the restarted server.
	Verify func(t *testing.T, url string)
	// Killed, when set, runs after each kill, before the restart.
	Killed func(round int)
}

// Run kills the binary Rounds times mid-load, verifying after each restart
// and once more at the end, and checks the final start loaded the stored
// state. It returns the last process, still running.
func Run(t *testing.T, r Rounds) *Process {
	t.Helper()
	var acked atomic.Int64
	for round := range r.Rounds {
		p := Start(t, r.Binary, r.Args...)
		if round > 0 {
			r.Verify(t, p.URL)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range r.Writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.Write(p.URL, round*100+w, func() { acked.Add(1) }, stop)
			}()
		}
		before := acked.Load()
		deadline := time.Now().Add(20 * time.Second)
		for acked.Load() < before+int64(r.PerRound) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		p.Kill9(t)
		close(stop)
		wg.Wait()
		if acked.Load() == before {
			t.Fatalf("round %d: no write was acknowledged: %s", round, p.Stderr())
		}
		t.Logf("round %d: %d writes acknowledged before SIGKILL", round, acked.Load()-before)
		CheckStore(t, r.StoreFile, r.Schema)
		if r.Killed != nil {
			r.Killed(round)
		}
	}
	p := Start(t, r.Binary, r.Args...)
	r.Verify(t, p.URL)
	if !strings.Contains(p.Stderr(), "state loaded") {
		t.Errorf("the restart did not load the stored state: %s", p.Stderr())
	}
	return p
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
