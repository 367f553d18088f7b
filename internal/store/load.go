package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Load reads every stored tenant, in the order the tenants were created,
// each kind's records in their order.
func (s *Store) Load() ([]TenantRecords, error) {
	var out []TenantRecords
	s.mu.Lock()
	legacy := s.legacy
	s.mu.Unlock()
	err := s.db.View(func(tx *bolt.Tx) error {
		if legacy {
			var err error
			out, err = s.readV1(tx)
			return err
		}
		type numbered struct {
			n  uint64
			id string
		}
		var ids []numbered
		err := tx.Bucket(bucketOrder).ForEach(func(k, v []byte) error {
			if len(v) != 8 {
				return fmt.Errorf("order of tenant %s: %d bytes, want 8", k, len(v))
			}
			ids = append(ids, numbered{binary.BigEndian.Uint64(v), string(k)})
			return nil
		})
		if err != nil {
			return err
		}
		slices.SortFunc(ids, func(a, b numbered) int { return cmp.Compare(a.n, b.n) })
		tenants := tx.Bucket(bucketTenants)
		for _, t := range ids {
			tb := tenants.Bucket([]byte(t.id))
			if tb == nil {
				return fmt.Errorf("tenant %s is listed but has no records", t.id)
			}
			tr, err := s.loadTenant(t.id, tb)
			if err != nil {
				return fmt.Errorf("tenant %s: %w", t.id, err)
			}
			out = append(out, tr)
		}
		return nil
	})
	return out, err
}

func (s *Store) loadTenant(id string, tb *bolt.Bucket) (TenantRecords, error) {
	out := TenantRecords{ID: id, Records: map[string][]json.RawMessage{}}
	err := tb.ForEachBucket(func(kind []byte) error {
		if !slices.Contains(s.schema.Kinds, string(kind)) {
			return fmt.Errorf("unknown record kind %q (written by a newer server?)", kind)
		}
		type numbered struct {
			n   uint64
			val json.RawMessage
		}
		var recs []numbered
		err := tb.Bucket(kind).ForEach(func(k, v []byte) error {
			if len(v) < 8 {
				return fmt.Errorf("%s %s: %d bytes, shorter than its order number", kind, k, len(v))
			}
			// bbolt's slices live only as long as the transaction.
			recs = append(recs, numbered{binary.BigEndian.Uint64(v), bytes.Clone(v[8:])})
			return nil
		})
		if err != nil {
			return err
		}
		slices.SortFunc(recs, func(a, b numbered) int { return cmp.Compare(a.n, b.n) })
		vals := make([]json.RawMessage, len(recs))
		for i, r := range recs {
			vals[i] = r.val
		}
		out.Records[string(kind)] = vals
		return nil
	})
	return out, err
}

// Start opens a server's data file and brings the model up to it: it tells
// the store how to find the model's tenants, hands the store and every
// stored tenant to restore (which keeps the store and builds the tenants
// into the model, each with the Changes the store gives it) and lets
// commits run. It returns how many tenants it loaded.
func Start(path string, schema Schema, log *slog.Logger, lookup func(id string) (Tenant, bool),
	restore func(s *Store, tenants []TenantRecords) error) (*Store, int, error) {
	s, err := Open(path, schema, log)
	if err != nil {
		return nil, 0, err
	}
	s.Attach(lookup)
	tenants, err := s.Load()
	if err == nil {
		err = restore(s, tenants)
	}
	if err != nil {
		s.Abandon()
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	s.Release()
	return s, len(tenants), nil
}

// MetaJSON reads one of the server's own values as JSON into v; false when
// absent.
func (s *Store) MetaJSON(key string, v any) (bool, error) {
	b, err := s.Meta(key)
	if err != nil || b == nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("meta %s: %w", key, err)
	}
	return true, nil
}

// SetMetaJSON writes one of the server's own values as JSON, durably.
func (s *Store) SetMetaJSON(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.SetMeta(key, b)
}
