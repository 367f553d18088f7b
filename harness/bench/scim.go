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

	"github.com/provsim/provsim/internal/journal"
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
	return loadAs(ctx, client, base, auth, "application/scim+json", workers, d, fn)
}

// loadAs is load with the given Content-Type on request bodies.
func loadAs(ctx context.Context, client *http.Client, base, auth, ctype string, workers int, d time.Duration, fn reqFn) (int, time.Duration, error) {
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
					req.Header.Set("Content-Type", ctype)
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

// rounds is how many turns each side of a comparison gets: the machine is
// shared, and its load moves in seconds, so both sides are measured in
// alternating slices of the duration rather than one after the other.
const rounds = 4

// interleaved loads the server at base and the bare one at bbase in
// alternating slices of d/rounds each and sums each side's counts.
func interleaved(ctx context.Context, client *http.Client, base, bbase, auth, ctype string, workers int, d time.Duration, fn reqFn) (n int, took time.Duration, bn int, btook time.Duration, err error) {
	slice := d / rounds
	for range rounds {
		k, t, err := loadAs(ctx, client, base, auth, ctype, workers, slice, fn)
		if err != nil {
			return 0, 0, 0, 0, err
		}
		bk, bt, err := loadAs(ctx, client, bbase, auth, ctype, workers, slice, fn)
		if err != nil {
			return 0, 0, 0, 0, fmt.Errorf("bare: %w", err)
		}
		n, took, bn, btook = n+k, took+t, bn+bk, btook+bt
	}
	return n, took, bn, btook, nil
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
	return sampleAs(client, base, auth, "application/scim+json", method, path, body)
}

// sampleAs is sample with the given Content-Type ("" for none).
func sampleAs(client *http.Client, base, auth, ctype string, method, path string, body []byte) (int, []byte, error) {
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", auth)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// scimThroughput is section 1: the SCIM operations on a directory of
// c.Users users, each beside a bare handler over the same client: with the
// journal keeping bodies (the default), then the user operations again
// with --journal-no-bodies, to separate the journal's share.
func scimThroughput(ctx context.Context, c Config, rep *Report, log *slog.Logger) error {
	groupSizes := []int{100, 1000, 10000}
	for _, noBodies := range []bool{false, true} {
		srv, ids, err := scimServer(c.Users, noBodies, log)
		if err != nil {
			return err
		}
		base, stop, err := loopback(srv)
		if err != nil {
			return err
		}
		ops := userOps(ids, c.Users)
		if !noBodies {
			gops, err := groupOps(srv, ids, groupSizes)
			if err != nil {
				stop()
				return err
			}
			ops = append(ops, gops...)
		}
		err = throughputRows(ctx, c, rep, base, ops, noBodies)
		stop()
		if err != nil {
			return err
		}
	}
	return nil
}

const benchDir, benchKey = "bench-dir", "bench-key"

// scimServer is a mockatlassian with n users.
func scimServer(n int, noBodies bool, log *slog.Logger) (*mockatlassian.Server, []string, error) {
	srv, err := mockatlassian.NewServer(mockatlassian.Config{Logger: log, Options: mockatlassian.Options{Seed: 1, Logger: log},
		Journal: journal.Options{NoBodies: noBodies},
		Boot:    &mockatlassian.Boot{DirectoryID: benchDir, APIKey: benchKey, VerifiedDomains: []string{"example.com"}}})
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, n)
	for i := range n {
		email := fmt.Sprintf("u%07d@example.com", i)
		u, err := srv.Model.CreateUser(benchDir, scim.User{UserName: email, Emails: []scim.Email{{Value: email, Primary: true}}, ExternalID: fmt.Sprintf("00u%07d", i)})
		if err != nil {
			return nil, nil, err
		}
		ids[i] = u.ID
	}
	return srv, ids, nil
}

type benchOp struct {
	name  string
	write bool
	fn    reqFn
}

const scimPrefix = "/scim/directory/" + benchDir

func userOps(ids []string, users int) []benchOp {
	var created atomic.Int64
	rng := func() int { return int(rand.N(uint64(users))) }
	return []benchOp{
		{"GET /Users/{id}", false, func(i int64) (string, string, []byte) { return "GET", scimPrefix + "/Users/" + ids[rng()], nil }},
		{`GET /Users?filter=userName eq`, false, func(i int64) (string, string, []byte) {
			return "GET", scimPrefix + fmt.Sprintf("/Users?filter=userName%%20eq%%20%%22u%07d%%40example.com%%22", rng()), nil
		}},
		{"POST /Users", true, func(i int64) (string, string, []byte) {
			n := created.Add(1)
			return "POST", scimPrefix + "/Users", []byte(fmt.Sprintf(`{"schemas":["%s"],"userName":"new%d@example.com","emails":[{"value":"new%d@example.com","type":"work","primary":true}],"name":{"givenName":"New","familyName":"User"},"active":true}`, scim.UserSchema, n, n))
		}},
		{"PATCH /Users/{id} active:false", true, func(i int64) (string, string, []byte) {
			return "PATCH", scimPrefix + "/Users/" + ids[rng()], []byte(`{"schemas":["` + scim.PatchOpSchema + `"],"Operations":[{"op":"replace","value":{"active":false}}]}`)
		}},
	}
}

// groupOps is a member PATCH on a group of each size: request 2k adds a
// user from a pool outside the group (as Okta sends it: a value list),
// request 2k+1 removes the same user by filter, so the group keeps its size.
func groupOps(srv *mockatlassian.Server, ids []string, sizes []int) ([]benchOp, error) {
	var out []benchOp
	for _, size := range sizes {
		pool := min(1000, len(ids)-size) // users outside the group to add and remove
		if pool < 2 {
			continue
		}
		members := make([]scim.Ref, size)
		for i := range members {
			members[i] = scim.Ref{Value: ids[i]}
		}
		g, err := srv.Model.CreateGroup(benchDir, scim.Group{DisplayName: fmt.Sprintf("bench-group-%d", size), Members: members})
		if err != nil {
			return nil, err
		}
		out = append(out, benchOp{fmt.Sprintf("PATCH /Groups/{id} members, %d members", size), true, func(i int64) (string, string, []byte) {
			u := ids[size+int(i/2)%pool]
			op := `{"op":"add","path":"members","value":[{"value":"` + u + `","display":"` + u + `"}]}`
			if i%2 == 1 {
				op = `{"op":"remove","path":"members[value eq \"` + u + `\"]"}`
			}
			return "PATCH", scimPrefix + "/Groups/" + g.ID, []byte(`{"schemas":["` + scim.PatchOpSchema + `"],"Operations":[` + op + `]}`)
		}})
	}
	return out, nil
}

// throughputRows measures each op against the server at base, then a bare
// handler answering the op's sampled answer.
func throughputRows(ctx context.Context, c Config, rep *Report, base string, ops []benchOp, noBodies bool) error {
	client := newClient(c.Workers)
	auth := "Bearer " + benchKey
	section := fmt.Sprintf("1 SCIM, %dk users", c.Users/1000)
	if noBodies {
		section += ", journal without bodies"
	}
	for _, op := range ops {
		if !strings.Contains(op.name, c.Match) {
			continue
		}
		method, path, body := op.fn(0)
		status, resp, err := sample(client, base, auth, method, path, body)
		if err != nil || status >= 300 {
			return fmt.Errorf("%s: sample: %d %v %s", op.name, status, err, resp)
		}
		bbase, bstop, err := loopback(bare(status, resp))
		if err != nil {
			return err
		}
		n, took, bn, btook, err := interleaved(ctx, client, base, bbase, auth, "application/scim+json", c.Workers, c.Duration, op.fn)
		bstop()
		if err != nil {
			return fmt.Errorf("%s: %w", op.name, err)
		}
		ours, limit := float64(n)/took.Seconds(), float64(bn)/btook.Seconds()
		ratio := ours / limit
		target, want := "≥ 70% of bare", 0.70
		if op.write {
			target, want = "≥ 50% of bare", 0.50
		}
		rep.add(Row{Section: section, Measure: op.name, Value: perSec(n, took),
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
