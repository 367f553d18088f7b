package sim

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Store is the durable state behind --data-dir: a small key-value store over
// an embedded bbolt file, one bucket per kind of record (for example "orgs"
// and "meta"), values opaque bytes. Each Update is one bbolt transaction,
// and bbolt fsyncs on commit, so a nil error from Update means the write is
// on disk; bbolt's copy-on-write pages and checksummed meta pages keep the
// file consistent when the process is killed mid-write.
type Store struct {
	db *bolt.DB
}

// OpenStore opens (creating it and its directory when needed) the store
// file at path. The file is locked: a second process opening the same path
// gets an error after a short wait instead of corrupting it.
func OpenStore(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("store %s: locked by another process", path)
	}
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the file and releases its lock.
func (s *Store) Close() error { return s.db.Close() }

// Path is the store's file.
func (s *Store) Path() string { return s.db.Path() }

// Update runs fn in one read-write transaction, committed (and fsynced)
// when fn returns nil, rolled back otherwise.
func (s *Store) Update(fn func(tx *StoreTx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(&StoreTx{tx: tx}) })
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(tx *StoreTx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(&StoreTx{tx: tx}) })
}

// Check verifies the file's page structure (bbolt's consistency check) and
// returns the first problem found.
func (s *Store) Check() error {
	return s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
}

// Get reads one value in its own transaction; nil when absent.
func (s *Store) Get(kind, key string) ([]byte, error) {
	var out []byte
	err := s.View(func(tx *StoreTx) error {
		out = tx.Get(kind, key)
		return nil
	})
	return out, err
}

// Put writes one value in its own transaction.
func (s *Store) Put(kind, key string, val []byte) error {
	return s.Update(func(tx *StoreTx) error { return tx.Put(kind, key, val) })
}

// StoreTx is a transaction of a Store.
type StoreTx struct {
	tx *bolt.Tx
}

// Get returns a copy of a value, nil when absent.
func (t *StoreTx) Get(kind, key string) []byte {
	b := t.tx.Bucket([]byte(kind))
	if b == nil {
		return nil
	}
	v := b.Get([]byte(key))
	if v == nil {
		return nil
	}
	// bbolt's slices are only valid during the transaction.
	return append([]byte(nil), v...)
}

// Put writes a value, creating the kind's bucket on first use.
func (t *StoreTx) Put(kind, key string, val []byte) error {
	b, err := t.tx.CreateBucketIfNotExists([]byte(kind))
	if err != nil {
		return err
	}
	return b.Put([]byte(key), val)
}

// Delete removes a value; deleting an absent one is not an error.
func (t *StoreTx) Delete(kind, key string) error {
	b := t.tx.Bucket([]byte(kind))
	if b == nil {
		return nil
	}
	return b.Delete([]byte(key))
}

// DeleteKind removes a kind's bucket with all its records.
func (t *StoreTx) DeleteKind(kind string) error {
	err := t.tx.DeleteBucket([]byte(kind))
	if errors.Is(err, bolt.ErrBucketNotFound) {
		return nil
	}
	return err
}

// DeleteFirst removes the first n records of a kind, in key order.
func (t *StoreTx) DeleteFirst(kind string, n int) error {
	b := t.tx.Bucket([]byte(kind))
	if b == nil {
		return nil
	}
	// Keys are collected first: deleting under a moving cursor skips keys.
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && len(keys) < n; k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// ForEach calls fn for each record of a kind in key order. val is valid only
// during the call.
func (t *StoreTx) ForEach(kind string, fn func(key string, val []byte) error) error {
	b := t.tx.Bucket([]byte(kind))
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error { return fn(string(k), v) })
}

// Keys lists the keys of a kind in order.
func (t *StoreTx) Keys(kind string) []string {
	var out []string
	_ = t.ForEach(kind, func(key string, _ []byte) error {
		out = append(out, key)
		return nil
	})
	return out
}

// OnCommit runs fn after the transaction has committed.
func (t *StoreTx) OnCommit(fn func()) { t.tx.OnCommit(fn) }

// CommitFunc writes the current state of the requested tenants (every
// tenant when all is set) into tx.
type CommitFunc func(tx *StoreTx, all bool, tenants map[string]bool) error

// Committer makes tenants durable with group commit: Commit returns once a
// transaction that began after the call has written the tenants and
// committed. Requests that arrive while a transaction runs share the next
// one, so concurrent writers share an fsync, and since one transaction runs
// at a time and each reads the state when it begins, a later commit never
// writes an older state than an earlier one.
type Committer struct {
	store *Store
	write CommitFunc

	mu      sync.Mutex
	all     bool
	tenants map[string]bool
	waiters []chan error
	running bool
}

// NewCommitter returns a committer writing with write into store.
func NewCommitter(store *Store, write CommitFunc) *Committer {
	return &Committer{store: store, write: write, tenants: map[string]bool{}}
}

// Commit blocks until the tenants (all of them when all is set) are durable.
func (c *Committer) Commit(all bool, tenants ...string) error {
	done := make(chan error, 1)
	c.mu.Lock()
	c.all = c.all || all
	for _, t := range tenants {
		c.tenants[t] = true
	}
	c.waiters = append(c.waiters, done)
	if !c.running {
		c.running = true
		go c.loop()
	}
	c.mu.Unlock()
	return <-done
}

func (c *Committer) loop() {
	for {
		c.mu.Lock()
		if len(c.waiters) == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		all, tenants, waiters := c.all, c.tenants, c.waiters
		c.all, c.tenants, c.waiters = false, map[string]bool{}, nil
		c.mu.Unlock()
		err := c.store.Update(func(tx *StoreTx) error { return c.write(tx, all, tenants) })
		for _, w := range waiters {
			w <- err
		}
	}
}

// Durable is middleware that acknowledges a write only once it is on disk:
// the handler's response is buffered, and when the request may have
// changed state (any method but GET and HEAD) and succeeded (status below
// 400), commit runs before the response leaves. scope names what to commit
// for a request: skip for requests that change no stored state, all for
// requests that may touch every tenant, else one tenant. A failed commit
// answers 500 through fail instead of the handler's response: the change
// is in memory but not durable.
func Durable(scope func(r *http.Request) (tenant string, all, skip bool), commit func(all bool, tenant string) error,
	fail func(w http.ResponseWriter, r *http.Request, err error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				next.ServeHTTP(w, r)
				return
			}
			buf := &bufferedResponse{header: w.Header(), status: http.StatusOK}
			next.ServeHTTP(buf, r)
			if buf.status < 400 {
				if tenant, all, skip := scope(r); !skip {
					if err := commit(all, tenant); err != nil {
						buf.header.Del("Content-Length")
						fail(w, r, err)
						return
					}
				}
			}
			w.WriteHeader(buf.status)
			_, _ = w.Write(buf.body.Bytes())
		})
	}
}

// bufferedResponse holds a response until its write is durable. Headers go
// straight to the real writer's map; status and body wait.
type bufferedResponse struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if !b.wrote {
		b.status, b.wrote = code, true
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.wrote = true
	return b.body.Write(p)
}
