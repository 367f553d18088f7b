package store

import (
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Tenant is one tenant of the model as the store sees it. Record and
// Records are called with the tenant locked; the values they give are
// encoded before it is unlocked, so they may point into the model.
type Tenant interface {
	Lock()
	Unlock()
	// Changes is the tenant's change set, guarded by its lock.
	Changes() *Changes
	// Record is the current value of one record, false when it does not
	// exist (any more).
	Record(kind, id string) (value any, ok bool)
	// Records gives every record of the tenant, kind by kind in the
	// schema's order, each kind in the model's order.
	Records(emit func(kind, id string, value any) error) error
}

// Attach tells the store how to find the model's tenants. It must be called
// before the first change is marked.
func (s *Store) Attach(lookup func(id string) (Tenant, bool)) { s.lookup = lookup }

// Changes is the set of records of one tenant changed since the last
// commit took them, in the order they were first marked. It is guarded by
// the tenant's lock. A nil *Changes (a server without --data-dir) ignores
// every mark.
type Changes struct {
	s      *Store
	tenant string
	order  uint64 // creation number of a new tenant: tenants load in creation order
	all    bool   // everything: rewrite the tenant from the model, or delete it
	queued bool   // the store knows this tenant is dirty
	list   []change
	at     map[changeKey]int // index in list of the live entry of a key
}

type changeKey struct{ kind, id string }

type change struct {
	changeKey
	fresh bool // created: gets a new, last order number
	dead  bool // superseded by a later entry of the same key
}

// Changes returns the change set of a tenant. A tenant new to the store
// starts with everything marked, so its first commit writes it whole; a
// tenant loaded from the store starts clean. It is nil on a nil Store.
func (s *Store) Changes(tenant string, isNew bool) *Changes {
	if s == nil {
		return nil
	}
	c := &Changes{s: s, tenant: tenant}
	s.mu.Lock()
	// A tenant read from a version-1 file is not in the current layout yet.
	isNew = isNew || s.legacy
	if isNew {
		s.lastOrder++
		c.order = s.lastOrder
	}
	s.mu.Unlock()
	if isNew {
		c.All()
	}
	return c
}

// New marks a record as created: it takes the last place in its kind, also
// when a record with its id existed before (deleted and created again).
func (c *Changes) New(kind, id string) { c.mark(kind, id, true) }

// Put marks a record as changed or deleted. A changed record keeps its
// place; a record the store does not hold yet goes last.
func (c *Changes) Put(kind, id string) { c.mark(kind, id, false) }

// All marks everything in the tenant: the next commit rewrites the tenant
// from the model, or deletes it when the model no longer has it (mark All on
// a tenant that is being removed). For changes too broad to list (reset,
// import); a full rewrite costs what the tenant holds.
func (c *Changes) All() {
	if c == nil {
		return
	}
	c.all, c.list, c.at = true, nil, nil
	c.queue(true)
}

func (c *Changes) mark(kind, id string, fresh bool) {
	if c == nil {
		return
	}
	if !c.all {
		k := changeKey{kind, id}
		i, seen := c.at[k]
		switch {
		case seen && !fresh:
			// Already marked; it keeps its place (and its freshness).
		default:
			if seen {
				c.list[i].dead = true
			}
			if c.at == nil {
				c.at = map[changeKey]int{}
			}
			c.at[k] = len(c.list)
			c.list = append(c.list, change{changeKey: k, fresh: fresh})
		}
	}
	c.queue(true)
}

// queue tells the store once that the tenant has changes; with kick, a
// commit starts if none runs.
func (c *Changes) queue(kick bool) {
	if c.queued {
		return
	}
	c.queued = true
	c.s.touch(c.tenant, kick)
}

// take empties the set and returns what it held. Caller holds the lock.
func (c *Changes) take() (all bool, list []change) {
	all, list = c.all, c.list
	c.all, c.list, c.at, c.queued = false, nil, nil, false
	return all, list
}

// touch records a dirty tenant and, with kick, makes sure a commit follows.
func (s *Store) touch(tenant string, kick bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dirty[tenant] = true
	if kick {
		s.kick()
	}
}

// kick starts the commit loop unless it runs. Caller holds s.mu.
func (s *Store) kick() {
	s.kicked = true
	if !s.running && !s.closed && !s.held {
		s.running = true
		go s.loop()
	}
}

// ErrClosed is returned by a commit after Close.
var ErrClosed = errors.New("store: closed")

// waiter is a Commit waiting for a transaction.
type waiter struct {
	gen  uint64 // the transaction it needs
	done chan error
}

// Commit returns once every change marked before the call is durable.
// Transactions are numbered as they take changes. When nothing is marked
// but untaken, every earlier change is in a transaction already taken, and
// Commit waits for that one (or returns at once when it has committed);
// otherwise it waits for the next, which will take what is marked. So a
// writer waits for the transaction that holds its change, not one more,
// and writers that arrive while a transaction runs share the next one (and
// its fsync). Changes are committed without anyone asking, as soon as the
// store is free: Commit only waits.
func (s *Store) Commit() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.held {
		s.mu.Unlock()
		return errors.New("store: Commit before Release")
	}
	gen := s.taken
	if len(s.dirty) > 0 {
		gen++
		s.kick()
	} else if gen <= s.done {
		s.mu.Unlock()
		return nil
	}
	w := waiter{gen: gen, done: make(chan error, 1)}
	s.waiters = append(s.waiters, w)
	s.mu.Unlock()
	return <-w.done
}

// loop runs transactions one after another while tenants have changes and
// someone asked (a new change or a Commit: a commit that failed does not
// retry by itself, or a full disk would spin). One transaction at a time,
// each reading the model when it begins, so a later commit never writes
// older state than an earlier one.
func (s *Store) loop() {
	for {
		s.mu.Lock()
		if !s.kicked || len(s.dirty) == 0 {
			s.running = false
			s.idle.Broadcast()
			s.mu.Unlock()
			return
		}
		s.taken++
		gen, dirty := s.taken, s.dirty
		s.dirty, s.kicked = map[string]bool{}, false
		s.mu.Unlock()

		err := s.commitTenants(dirty)
		if err != nil {
			s.log.Error("state not saved; the next change retries", "store", s.Path(), "err", err)
		}
		s.mu.Lock()
		s.done = gen
		kept := s.waiters[:0]
		for _, w := range s.waiters {
			if w.gen <= gen {
				w.done <- err
			} else {
				kept = append(kept, w)
			}
		}
		s.waiters = kept
		s.mu.Unlock()
	}
}

// tenantWrite is what one transaction does to one tenant.
type tenantWrite struct {
	id     string
	order  uint64
	gone   bool // the model no longer has it: delete it
	all    bool // delete its records before writing
	writes []recordWrite
}

type recordWrite struct {
	kind, id string
	fresh    bool
	value    []byte // nil: delete
}

// commitTenants takes the changes of the dirty tenants, each under its
// tenant's lock, and writes them in one transaction. On failure each of
// those tenants is marked whole, so the next commit rewrites it from the
// model whatever this one had taken.
func (s *Store) commitTenants(dirty map[string]bool) error {
	if len(dirty) == 0 {
		return nil
	}
	plan := make([]tenantWrite, 0, len(dirty))
	var err error
	for id := range dirty {
		var tw tenantWrite
		if tw, err = s.take(id); err != nil {
			break
		}
		plan = append(plan, tw)
	}
	if err == nil {
		s.mu.Lock()
		legacy := s.legacy
		s.mu.Unlock()
		err = s.db.Update(func(tx *bolt.Tx) error {
			if legacy {
				if err := s.dropV1(tx); err != nil {
					return fmt.Errorf("migrating from format version 1: %w", err)
				}
			}
			for _, tw := range plan {
				if err := apply(tx, tw); err != nil {
					return fmt.Errorf("tenant %s: %w", tw.id, err)
				}
			}
			return nil
		})
	}
	if err != nil {
		for id := range dirty {
			s.redo(id)
		}
		return err
	}
	s.mu.Lock()
	s.legacy = false
	s.mu.Unlock()
	return nil
}

// take reads the marked records of a tenant from the model.
func (s *Store) take(id string) (tenantWrite, error) {
	tw := tenantWrite{id: id}
	t, ok := s.lookup(id)
	if !ok {
		tw.gone = true
		return tw, nil
	}
	t.Lock()
	defer t.Unlock()
	c := t.Changes()
	if c == nil {
		return tw, nil
	}
	all, list := c.take()
	tw.all, tw.order = all, c.order
	if all {
		err := t.Records(func(kind, rid string, v any) error {
			b, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("%s %s: %w", kind, rid, err)
			}
			tw.writes = append(tw.writes, recordWrite{kind: kind, id: rid, fresh: true, value: b})
			return nil
		})
		return tw, err
	}
	tw.writes = make([]recordWrite, 0, len(list))
	for _, ch := range list {
		if ch.dead {
			continue
		}
		w := recordWrite{kind: ch.kind, id: ch.id, fresh: ch.fresh}
		if v, ok := t.Record(ch.kind, ch.id); ok {
			b, err := json.Marshal(v)
			if err != nil {
				return tw, fmt.Errorf("%s %s: %w", ch.kind, ch.id, err)
			}
			w.value = b
		}
		tw.writes = append(tw.writes, w)
	}
	return tw, nil
}

// redo marks a tenant whole after a failed commit, without starting a new
// one: the next change or Commit retries.
func (s *Store) redo(id string) {
	if t, ok := s.lookup(id); ok {
		t.Lock()
		if c := t.Changes(); c != nil {
			c.all, c.list, c.at = true, nil, nil
			c.queued = false
			c.queue(false)
		}
		t.Unlock()
		return
	}
	s.touch(id, false)
}

// apply writes one tenant's changes into a transaction.
func apply(tx *bolt.Tx, tw tenantWrite) error {
	tenants, order := tx.Bucket(bucketTenants), tx.Bucket(bucketOrder)
	key := []byte(tw.id)
	if tw.gone || tw.all {
		if err := tenants.DeleteBucket(key); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return err
		}
	}
	if tw.gone {
		return order.Delete(key)
	}
	if order.Get(key) == nil {
		n := tw.order
		if n == 0 {
			var err error
			if n, err = order.NextSequence(); err != nil {
				return err
			}
		} else if n > order.Sequence() {
			if err := order.SetSequence(n); err != nil {
				return err
			}
		}
		if err := order.Put(key, orderKey(n)); err != nil {
			return err
		}
	}
	tb, err := tenants.CreateBucketIfNotExists(key)
	if err != nil {
		return err
	}
	for _, w := range tw.writes {
		kb := tb.Bucket([]byte(w.kind))
		if w.value == nil {
			if kb != nil {
				if err := kb.Delete([]byte(w.id)); err != nil {
					return err
				}
			}
			continue
		}
		if kb == nil {
			if kb, err = tb.CreateBucket([]byte(w.kind)); err != nil {
				return err
			}
		}
		val := make([]byte, 8, 8+len(w.value))
		var old []byte
		if !w.fresh {
			old = kb.Get([]byte(w.id))
		}
		if len(old) < 8 {
			n, err := kb.NextSequence()
			if err != nil {
				return err
			}
			copy(val, orderKey(n))
		} else {
			copy(val, old[:8])
		}
		if err := kb.Put([]byte(w.id), append(val, w.value...)); err != nil {
			return err
		}
	}
	return nil
}
