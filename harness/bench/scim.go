package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/mockatlassian"
)

// loopback serves h on 127.0.0.1 and returns its base URL and a stop func.
func loopback(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	// Serve ends with ErrServerClosed when stopped; any other failure shows
	// as failed requests in the measurement.
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// newClient is the one client configuration used for both sides of every
// comparison: keep-alive, enough idle connections for the workers.
func newClient(workers int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: workers * 2, MaxIdleConnsPerHost: workers * 2,
		IdleConnTimeout: time.Minute}, Timeout: 30 * time.Second}
}

type reqFn func(i int64) (method, path string, body []byte)

// load runs workers that send requests made by fn for d and counts the
// successful ones.
func load(ctx context.Context, client *http.Client, base, auth string, workers int, d time.Duration, fn reqFn) (int, time.Duration, error) {
	var next, ok atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				method, path, body := fn(next.Add(1))
				req, _ := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				if body != nil {
					req.Header.Set("Content-Type", "application/scim+json")
				}
				resp, err := client.Do(req)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode < 300 {
					ok.Add(1)
				} else {
					firstErr.CompareAndSwap(nil, fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode))
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if e, _ := firstErr.Load().(error); e != nil && ok.Load() == 0 {
		return 0, took, e
	}
	return int(ok.Load()), took, nil
}

// bare is the limit: a handler that reads the body and answers a fixed
// JSON body of the same size and status as the real answer.
func bare(status int, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/scim+json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

// sample sends one request and returns the answer, to size the bare body.
func sample(client *http.Client, base, auth string, method, path string, body []byte) (int, []byte, error) {
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// scimThroughput is section 1: the five SCIM operations on a directory of
// c.Users users, each beside a bare handler over the same client.
func scimThroughput(ctx context.Context, c Config, rep *Report, log *slog.Logger) error {
	const dir, key = "bench-dir", "bench-key"
	srv, err := mockatlassian.NewServer(mockatlassian.Config{Logger: log, Options: mockatlassian.Options{Seed: 1, Logger: log},
		Boot: &mockatlassian.Boot{DirectoryID: dir, APIKey: key, VerifiedDomains: []string{"example.com"}}})
	if err != nil {
		return err
	}
	ids := make([]string, c.Users)
	for i := range c.Users {
		email := fmt.Sprintf("u%07d@example.com", i)
		u, err := srv.Model.CreateUser(dir, scim.User{UserName: email, Emails: []scim.Email{{Value: email, Primary: true}}, ExternalID: fmt.Sprintf("00u%07d", i)})
		if err != nil {
			return err
		}
		ids[i] = u.ID
	}
	members := make([]scim.Ref, 100)
	for i := range members {
		members[i] = scim.Ref{Value: ids[i]}
	}
	g, err := srv.Model.CreateGroup(dir, scim.Group{DisplayName: "bench-group", Members: members})
	if err != nil {
		return err
	}
	base, stop, err := loopback(srv)
	if err != nil {
		return err
	}
	defer stop()
	client := newClient(c.Workers)
	auth := "Bearer " + key
	prefix := "/scim/directory/" + dir
	var created atomic.Int64
	rng := func(i int64) int { return int(rand.N(uint64(c.Users))) }
	ops := []struct {
		name  string
		write bool
		fn    reqFn
	}{
		{"GET /Users/{id}", false, func(i int64) (string, string, []byte) { return "GET", prefix + "/Users/" + ids[rng(i)], nil }},
		{`GET /Users?filter=userName eq`, false, func(i int64) (string, string, []byte) {
			return "GET", prefix + fmt.Sprintf("/Users?filter=userName%%20eq%%20%%22u%07d%%40example.com%%22", rng(i)), nil
		}},
		{"POST /Users", true, func(i int64) (string, string, []byte) {
			n := created.Add(1)
			return "POST", prefix + "/Users", []byte(fmt.Sprintf(`{"schemas":["%s"],"userName":"new%d@example.com","emails":[{"value":"new%d@example.com","type":"work","primary":true}],"name":{"givenName":"New","familyName":"User"},"active":true}`, scim.UserSchema, n, n))
		}},
		{"PATCH /Users/{id} active:false", true, func(i int64) (string, string, []byte) {
			return "PATCH", prefix + "/Users/" + ids[rng(i)], []byte(`{"schemas":["` + scim.PatchOpSchema + `"],"Operations":[{"op":"replace","value":{"active":false}}]}`)
		}},
		{"PATCH /Groups/{id} members", true, func(i int64) (string, string, []byte) {
			u := ids[100+rng(i)%(c.Users-100)]
			op := `{"op":"add","path":"members","value":[{"value":"` + u + `"}]}`
			if i%2 == 0 {
				op = `{"op":"remove","path":"members[value eq \"` + u + `\"]"}`
			}
			return "PATCH", prefix + "/Groups/" + g.ID, []byte(`{"schemas":["` + scim.PatchOpSchema + `"],"Operations":[` + op + `]}`)
		}},
	}
	for _, op := range ops {
		method, path, body := op.fn(0)
		status, resp, err := sample(client, base, auth, method, path, body)
		if err != nil || status >= 300 {
			return fmt.Errorf("%s: sample: %d %v %s", op.name, status, err, resp)
		}
		n, took, err := load(ctx, client, base, auth, c.Workers, c.Duration, op.fn)
		if err != nil {
			return fmt.Errorf("%s: %w", op.name, err)
		}
		bbase, bstop, err := loopback(bare(status, resp))
		if err != nil {
			return err
		}
		bn, btook, err := load(ctx, client, bbase, auth, c.Workers, c.Duration, op.fn)
		bstop()
		if err != nil {
			return fmt.Errorf("%s bare: %w", op.name, err)
		}
		ours, limit := float64(n)/took.Seconds(), float64(bn)/btook.Seconds()
		ratio := ours / limit
		target, want := "≥ 70% of bare", 0.70
		if op.write {
			target, want = "≥ 50% of bare", 0.50
		}
		rep.add(Row{Section: fmt.Sprintf("1 SCIM, %dk users", c.Users/1000), Measure: op.name, Value: perSec(n, took),
			Limit: perSec(bn, btook) + fmt.Sprintf(" (%d B)", len(resp)), Ratio: ratio, Target: target, Met: met(ratio >= want)})
	}
	return nil
}

// memTotal reads the machine's memory from /proc/meminfo.
func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "memory unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "MemTotal:") {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "MemTotal:")), "%d", &kb); err != nil {
				return "memory unknown"
			}
			return fmt.Sprintf("%.0f GiB RAM", float64(kb)/(1<<20))
		}
	}
	return "memory unknown"
}
