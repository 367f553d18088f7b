package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/internal/store"
	"github.com/provsim/provsim/mockatlassian"
)

// durableStore is section 6: acknowledged SCIM writes with --data-dir on
// directories of c.DurableSizes users, 8 clients, beside the bare limit of
// a durable write: writers committing records of the same size through
// bbolt with the same group commit (internal/store), and no HTTP or model
// at all. fsync bounds both; the in-memory rate is no fair limit. A write
// must cost what it changes: the rate at the largest size is held to the
// rate at the smallest. Last, the boot time of the largest data directory.
func durableStore(ctx context.Context, c Config, rep *Report, log *slog.Logger) error {
	if len(c.DurableSizes) == 0 {
		return nil
	}
	root, err := os.MkdirTemp("", "provsim-bench-durable")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(root) }() // a temporary directory left behind is harmless

	recordSize, err := userRecordSize()
	if err != nil {
		return err
	}
	bare, err := newBareDurable(filepath.Join(root, "bare"), recordSize, log)
	if err != nil {
		return fmt.Errorf("bare: %w", err)
	}
	defer bare.close()
	sizes := slices.Sorted(slices.Values(c.DurableSizes))
	dirs := map[int]*durableDir{}
	for _, users := range sizes {
		d, err := newDurableDir(filepath.Join(root, strconv.Itoa(users)), users, c.Workers, log)
		if err != nil {
			return fmt.Errorf("%d users: %w", users, err)
		}
		defer func() { _ = d.close() }() // the bench has its figures; a close error changes none of them
		dirs[users] = d
	}

	// Loading left garbage behind: collect it now, so that no measurement
	// pays for the setup's collections (the other sections do the same).
	runtime.GC()

	// The disk's fsync time drifts with whatever else the machine does.
	// Every measurement runs once in each of five rounds, the order of the
	// sizes reversed every other round, and each ratio is taken within a
	// round (between figures measured seconds apart) before its median
	// counts: a slow minute hits both sides of a ratio alike.
	const rounds = 5
	type round struct {
		bare        measured
		patch, post map[int]measured
	}
	runs := make([]round, rounds)
	for r := range rounds {
		n, took, err := bare.run(c.Workers, c.Duration)
		if err != nil {
			return fmt.Errorf("bare: %w", err)
		}
		runs[r] = round{bare: measured{n, took}, patch: map[int]measured{}, post: map[int]measured{}}
		order := slices.Clone(sizes)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, users := range order {
			d := dirs[users]
			for _, op := range []struct {
				fn  reqFn
				out map[int]measured
			}{{d.patch, runs[r].patch}, {d.post, runs[r].post}} {
				n, took, err := load(ctx, d.client, d.base, d.auth, c.Workers, c.Duration, op.fn)
				if err != nil {
					return fmt.Errorf("%d users: %w", users, err)
				}
				op.out[users] = measured{n, took}
			}
		}
	}
	medianOf := func(f func(round) float64) float64 {
		v := make([]float64, rounds)
		for i, r := range runs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[rounds/2]
	}
	bareRate := medianOf(func(r round) float64 { return r.bare.rate() })
	limit := fmt.Sprintf("%.0f/s (bare, %d B records)", bareRate, recordSize)
	const section = "6 durable"
	for _, users := range sizes {
		sec := fmt.Sprintf("%s, %s users", section, thousands(users))
		patch := medianOf(func(r round) float64 { return r.patch[users].rate() })
		post := medianOf(func(r round) float64 { return r.post[users].rate() })
		ratio := medianOf(func(r round) float64 { return r.patch[users].rate() / r.bare.rate() })
		rep.add(Row{Section: sec, Measure: fmt.Sprintf("PATCH /Users/{id} title, %d clients", c.Workers), Value: fmt.Sprintf("%.0f/s", patch),
			Limit: limit, Ratio: ratio, Target: "≥ 50% of bare", Met: met(ratio >= 0.5)})
		rep.add(Row{Section: sec, Measure: fmt.Sprintf("POST /Users, %d clients", c.Workers), Value: fmt.Sprintf("%.0f/s", post),
			Limit: limit, Ratio: medianOf(func(r round) float64 { return r.post[users].rate() / r.bare.rate() })})
	}
	smallest, biggest := sizes[0], sizes[len(sizes)-1]
	if biggest > smallest {
		for _, op := range []struct {
			name string
			rate func(round, int) float64
		}{{"PATCH", func(r round, n int) float64 { return r.patch[n].rate() }}, {"POST", func(r round, n int) float64 { return r.post[n].rate() }}} {
			ratio := medianOf(func(r round) float64 { return op.rate(r, biggest) / op.rate(r, smallest) })
			rep.add(Row{Section: section, Measure: fmt.Sprintf("%s rate at %s users against %s (median of per-round ratios)", op.name, thousands(biggest), thousands(smallest)),
				Value: fmt.Sprintf("%.0f/s", medianOf(func(r round) float64 { return op.rate(r, biggest) })),
				Limit: fmt.Sprintf("%.0f/s at %s", medianOf(func(r round) float64 { return op.rate(r, smallest) }), thousands(smallest)),
				Ratio: ratio, Target: "≥ 80%", Met: met(ratio >= 0.8)})
		}
	}

	// Boot: open the largest data directory, load every record, build the
	// model and its indexes (median of 3).
	largest := dirs[biggest]
	if err := largest.close(); err != nil {
		return err
	}
	var times []time.Duration
	for range 3 {
		t0 := time.Now()
		srv, err := mockatlassian.NewServer(mockatlassian.Config{Logger: log, Options: mockatlassian.Options{Logger: log},
			DataDir: largest.dataDir, Boot: &mockatlassian.Boot{}})
		if err != nil {
			return err
		}
		times = append(times, time.Since(t0))
		if err := srv.Close(); err != nil {
			return err
		}
	}
	slices.Sort(times)
	rep.add(Row{Section: section, Measure: fmt.Sprintf("boot of a %s-user data directory (load, build, indexes; median of 3)", thousands(biggest)),
		Value: dur(times[1]), Limit: "min " + dur(times[0])})
	return nil
}

// measured is a count of writes over a time.
type measured struct {
	n    int
	took time.Duration
}

func (m measured) rate() float64  { return float64(m.n) / m.took.Seconds() }
func (m measured) String() string { return perSec(m.n, m.took) }

// durableDir is a mockatlassian with --data-dir holding a directory of
// users, served over loopback, with the two writes it is measured on.
type durableDir struct {
	srv         *mockatlassian.Server
	dataDir     string
	base, auth  string
	client      *http.Client
	patch, post reqFn
	ids         []string // the users loaded
	stop        func()
	closed      bool
}

func newDurableDir(dataDir string, users, workers int, log *slog.Logger) (*durableDir, error) {
	const dir, key = "bench-dir", "bench-key"
	srv, err := mockatlassian.NewServer(mockatlassian.Config{Logger: log, Options: mockatlassian.Options{Seed: 1, Logger: log},
		DataDir: dataDir, Boot: &mockatlassian.Boot{DirectoryID: dir, APIKey: key, VerifiedDomains: []string{"example.com"}}})
	if err != nil {
		return nil, err
	}
	d := &durableDir{srv: srv, dataDir: dataDir, auth: "Bearer " + key, client: newClient(workers)}
	ids := make([]string, users)
	for i := range users {
		email := fmt.Sprintf("u%07d@example.com", i)
		u, err := srv.Model.CreateUser(dir, scim.User{UserName: email, Emails: []scim.Email{{Value: email, Primary: true}}, ExternalID: fmt.Sprintf("00u%07d", i)})
		if err != nil {
			_ = srv.Close()
			return nil, err
		}
		ids[i] = u.ID
	}
	d.ids = ids
	// The directory is on disk before any clock starts.
	if err := srv.Flush(); err != nil {
		_ = srv.Close()
		return nil, err
	}
	if d.base, d.stop, err = loopback(srv); err != nil {
		_ = srv.Close()
		return nil, err
	}
	prefix := "/scim/directory/" + dir
	// Every PATCH changes what it touches, at every size: a new title,
	// which the user, its account and an audit event record. (active:false
	// was a no-op once a user had been deactivated, which every user of the
	// small directory soon was and few of the large one: the sizes then
	// compared no-op writes with real ones.)
	var patched atomic.Int64
	d.patch = func(i int64) (string, string, []byte) {
		n := patched.Add(1)
		return "PATCH", prefix + "/Users/" + ids[rand.N(len(ids))], []byte(`{"schemas":["` + scim.PatchOpSchema + `"],"Operations":[{"op":"replace","path":"title","value":"Title ` + strconv.FormatInt(n, 10) + `"}]}`)
	}
	var created atomic.Int64
	d.post = func(i int64) (string, string, []byte) {
		n := created.Add(1)
		return "POST", prefix + "/Users", []byte(fmt.Sprintf(`{"schemas":["%s"],"userName":"new%d@example.com","emails":[{"value":"new%d@example.com","type":"work","primary":true}],"name":{"givenName":"New","familyName":"User"},"active":true}`, scim.UserSchema, n, n))
	}
	return d, nil
}

func (d *durableDir) close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	d.stop()
	return d.srv.Close()
}

// userRecordSize is the size of a stored SCIM user record like the ones
// the PATCHes write.
func userRecordSize() (int, error) {
	email := "u0000042@example.com"
	f := false
	b, err := json.Marshal(mockatlassian.SCIMUserRecord{DirectoryID: "bench-dir", Resource: scim.User{
		Schemas: []string{scim.UserSchema}, ID: "5202ad76-91e9-423d-a32d-2a15bec5fd9a", ExternalID: "00u0000042",
		UserName: email, Emails: []scim.Email{{Value: email, Primary: true}}, Active: &f},
		Created: time.Now(), Modified: time.Now(), AccountID: "ecf6856493c70b79ecc1a581"})
	return len(b), err
}

// bareTenant is the least a tenant can be: fixed-size records, no model.
type bareTenant struct {
	mu      sync.Mutex
	changes *store.Changes
	value   json.RawMessage
}

func (t *bareTenant) Lock()                   { t.mu.Lock() }
func (t *bareTenant) Unlock()                 { t.mu.Unlock() }
func (t *bareTenant) Changes() *store.Changes { return t.changes }
func (t *bareTenant) Record(kind, id string) (any, bool) {
	return t.value, true
}
func (t *bareTenant) Records(emit func(kind, id string, v any) error) error { return nil }

// bareDurable is the limit of a durable write: writers each marking one
// record of a 1,000-record tenant changed and waiting for the commit,
// through the same store and group commit as the servers.
type bareDurable struct {
	st *store.Store
	t  *bareTenant
}

func newBareDurable(dataDir string, size int, log *slog.Logger) (*bareDurable, error) {
	schema := store.Schema{Server: "bench", Kinds: []string{"record"}}
	st, err := store.Open(filepath.Join(dataDir, "bench.db"), schema, log)
	if err != nil {
		return nil, err
	}
	value := make([]byte, size)
	value[0], value[size-1] = '"', '"'
	for i := 1; i < size-1; i++ {
		value[i] = 'x'
	}
	t := &bareTenant{value: value}
	st.Attach(func(id string) (store.Tenant, bool) { return t, id == "bench" })
	st.Release()
	t.mu.Lock()
	t.changes = st.Changes("bench", false)
	for i := range 1000 {
		t.changes.Put("record", strconv.Itoa(i))
	}
	t.mu.Unlock()
	if err := st.Commit(); err != nil {
		st.Abandon()
		return nil, err
	}
	return &bareDurable{st: st, t: t}, nil
}

func (b *bareDurable) run(workers int, d time.Duration) (int, time.Duration, error) {
	var ok atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				b.t.mu.Lock()
				b.t.changes.Put("record", strconv.Itoa(rand.N(1000)))
				b.t.mu.Unlock()
				if err := b.st.Commit(); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if e, _ := firstErr.Load().(error); e != nil {
		return 0, took, e
	}
	return int(ok.Load()), took, nil
}

func (b *bareDurable) close() { _ = b.st.Close() }
