// Package store keeps a simulator's state on disk (--data-dir): the records
// of its tenants (Atlassian organizations, Okta orgs), each under its own key
// in one embedded bbolt file, so that a write stores what it changed rather
// than the tenant it changed in.
//
// The model owns the truth; the store follows it. Every mutation marks the
// records it touched in its tenant's Changes (under the tenant's lock); a
// commit reads the marked records from the model, still under that lock, and
// writes them in one bbolt transaction, which fsyncs before it returns.
// Concurrent writers share a transaction (group commit). The same records,
// grouped per tenant, are the snapshot document (document.go), and loading a
// data directory is importing the records it holds.
//
// Layout of the file (format version 2):
//
//	meta/format             "provsim.<server>.store"
//	meta/version            "2"
//	meta/<key>              the server's own small values (its boot record)
//	order/<tenant>          8-byte creation number: tenants load in creation order
//	tenants/<tenant>/<kind>/<record id>
//	                        8-byte order number + the record's JSON
//
// A record's order number is its place in its kind: a record keeps it when it
// changes and gets a new, last one when it is created again, so a tenant
// loads with its users, members and events in the order the model had them.
package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Version is the version of the record format, shared by the data directory
// and the snapshot document. Version 1 stored each tenant as one document;
// it is read and migrated (legacy.go).
const Version = 2

var (
	bucketMeta    = []byte("meta")
	bucketOrder   = []byte("order")
	bucketTenants = []byte("tenants")

	metaFormat  = []byte("format")
	metaVersion = []byte("version")
)

// Schema is what a server tells the store about its records.
type Schema struct {
	// Server names the formats: "provsim.<Server>.store" for the file,
	// "provsim.<Server>.snapshot" for documents.
	Server string
	// Kinds lists the record kinds in load order: a kind's records may
	// refer only to records of kinds before it.
	Kinds []string
	// FromV1 turns one tenant of a version-1 document (an element of its
	// "orgs") into records. side holds the version-1 store's extra buckets
	// of that tenant ("<name>/<tenant>", e.g. mockokta's System Log), each
	// value in key order; it is nil for a document.
	FromV1 func(tenant []byte, side map[string][][]byte) (TenantRecords, error)
}

func (s Schema) storeFormat() string    { return "provsim." + s.Server + ".store" }
func (s Schema) snapshotFormat() string { return "provsim." + s.Server + ".snapshot" }

// Store is an open data file.
type Store struct {
	db     *bolt.DB
	schema Schema
	log    *slog.Logger

	// lookup finds a tenant of the model by id (Attach).
	lookup func(id string) (Tenant, bool)

	mu      sync.Mutex
	dirty   map[string]bool // tenants with changes not yet taken by a commit
	kicked  bool            // a change or a Commit arrived since the loop last took changes
	taken   uint64          // transactions that have taken changes
	done    uint64          // the last transaction finished, committed or failed
	waiters []waiter
	running bool
	closed  bool
	held    bool // until Release
	// lastOrder is the last creation number given to a new tenant.
	lastOrder uint64
	legacy    bool       // a version-1 file, rewritten by the first commit
	idle      *sync.Cond // signalled when the loop stops
}

// Open opens (creating it and its directory when needed) the data file at
// path. A file of an older format is read as records and rewritten by the
// first commit, in one transaction (legacy.go). The file
// is locked: a second process opening it fails after a short wait instead of
// corrupting it.
func Open(path string, schema Schema, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// The free-page list is not written at each commit but rebuilt from
	// the page tree when the file opens (as etcd runs bbolt): a commit
	// then writes the pages it changed and no list that grows with the
	// file. Free pages are kept in a hash map, found in constant time.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("store %s: locked by another process", path)
	}
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	s := &Store{db: db, schema: schema, log: log, dirty: map[string]bool{}, held: true}
	s.idle = sync.NewCond(&s.mu)
	if err := db.Update(s.prepare); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return s, nil
}

// prepare checks the file's format and lays out a new file. A version-1
// file is left as it is until the first commit (legacy.go).
func (s *Store) prepare(tx *bolt.Tx) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	format, version := string(meta.Get(metaFormat)), string(meta.Get(metaVersion))
	switch {
	case format == "" && tx.Bucket(bucketTenants) == nil:
		return s.initLayout(tx)
	case format == s.schema.storeFormat()+"/1":
		s.legacy = true
		return nil
	case format != s.schema.storeFormat():
		return fmt.Errorf("the file holds %q, not %s state", format, s.schema.Server)
	case version != strconv.Itoa(Version):
		return fmt.Errorf("format version %s: this server reads versions 1 to %d", version, Version)
	}
	s.lastOrder = tx.Bucket(bucketOrder).Sequence()
	return nil
}

// initLayout makes the buckets of the current format and stamps it.
func (s *Store) initLayout(tx *bolt.Tx) error {
	for _, b := range [][]byte{bucketOrder, bucketTenants} {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	if err := meta.Put(metaFormat, []byte(s.schema.storeFormat())); err != nil {
		return err
	}
	return meta.Put(metaVersion, []byte(strconv.Itoa(Version)))
}

// Release lets commits run. A store opens held, so that loading the model
// (which marks migrated tenants whole) finishes before anything is
// written: the first commit of a migrated file must hold every tenant.
func (s *Store) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held = false
	if len(s.dirty) > 0 {
		s.kick()
	}
}

// Path is the data file.
func (s *Store) Path() string { return s.db.Path() }

// Close makes every marked change durable, then closes the file and
// releases its lock. Closing twice does nothing more.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	held := s.held
	s.mu.Unlock()
	var err error
	if !held {
		err = s.Commit()
	}
	s.mu.Lock()
	s.closed = true
	for s.running {
		s.idle.Wait()
	}
	s.mu.Unlock()
	return errors.Join(err, s.db.Close())
}

// Abandon closes the file without writing anything more: for a start that
// failed before the model was in a state worth keeping.
func (s *Store) Abandon() {
	s.mu.Lock()
	s.closed = true
	for s.running {
		s.idle.Wait()
	}
	s.mu.Unlock()
	_ = s.db.Close()
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

// Meta reads one of the server's own values; nil when absent.
func (s *Store) Meta(key string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get([]byte(key)); v != nil {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	return out, err
}

// SetMeta writes one of the server's own values, durably.
func (s *Store) SetMeta(key string, val []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put([]byte(key), val) })
}

// Empty reports whether no tenant is stored.
func (s *Store) Empty() (bool, error) {
	empty := true
	err := s.db.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketOrder).Cursor().First()
		empty = k == nil
		return nil
	})
	return empty, err
}

// orderKey encodes an order number so that byte order is number order.
func orderKey(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}
