package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Version 1 of the data file ("provsim.<server>.store/1", the first
// release) kept each tenant as one record of bucket "orgs": a version-1
// snapshot document holding that tenant alone. meta/order listed the
// tenants in creation order; mockokta kept its System Log aside, one event
// per record, in buckets "logs/<tenant>". meta/boot has the same meaning in
// both versions and stays.

var (
	v1Orgs  = []byte("orgs")
	v1Order = []byte("order")
)

// readV1 reads the tenants of a version-1 file as records, in their
// order. Nothing is written: the model loads them, and the first commit
// writes them in the current layout and drops the old buckets (dropV1) in
// one transaction, so a crash before it leaves the old file as it was.
func (s *Store) readV1(tx *bolt.Tx) ([]TenantRecords, error) {
	meta := tx.Bucket(bucketMeta)
	var order []string
	if b := meta.Get(v1Order); b != nil {
		if err := json.Unmarshal(b, &order); err != nil {
			return nil, fmt.Errorf("tenant order: %w", err)
		}
	}
	stored := map[string][]byte{}
	if orgs := tx.Bucket(v1Orgs); orgs != nil {
		err := orgs.ForEach(func(k, v []byte) error {
			stored[string(k)] = bytes.Clone(v)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	// Listed tenants first, in their order; any other stored one after,
	// by id (as version 1 loaded them).
	var ids []string
	for _, id := range order {
		if _, ok := stored[id]; ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	var rest []string
	for id := range stored {
		if !slices.Contains(ids, id) {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	ids = append(ids, rest...)

	// Side buckets: "<name>/<tenant>", values in key order.
	side := map[string]map[string][][]byte{}
	err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		kind, tenant, ok := strings.Cut(string(name), "/")
		if !ok {
			return nil
		}
		if side[tenant] == nil {
			side[tenant] = map[string][][]byte{}
		}
		return b.ForEach(func(_, v []byte) error {
			side[tenant][kind] = append(side[tenant][kind], bytes.Clone(v))
			return nil
		})
	})
	if err != nil {
		return nil, err
	}

	out := make([]TenantRecords, 0, len(ids))
	for _, id := range ids {
		var doc struct {
			Format  string            `json:"format"`
			Version int               `json:"version"`
			Orgs    []json.RawMessage `json:"orgs"`
		}
		if err := json.Unmarshal(stored[id], &doc); err != nil || len(doc.Orgs) != 1 {
			return nil, fmt.Errorf("tenant %s: not a one-tenant document (%v)", id, err)
		}
		if doc.Format != s.schema.snapshotFormat() || doc.Version != 1 {
			return nil, fmt.Errorf("tenant %s: document %s version %d, want %s version 1", id, doc.Format, doc.Version, s.schema.snapshotFormat())
		}
		tr, err := s.schema.FromV1(doc.Orgs[0], side[id])
		if err != nil {
			return nil, fmt.Errorf("tenant %s: %w", id, err)
		}
		if tr.ID != id {
			return nil, fmt.Errorf("tenant stored as %s holds %s", id, tr.ID)
		}
		out = append(out, tr)
	}
	return out, nil
}

// dropV1 removes the version-1 buckets and makes the file current. It runs
// in the transaction that writes the migrated tenants.
func (s *Store) dropV1(tx *bolt.Tx) error {
	var names [][]byte
	err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		if string(name) == string(v1Orgs) || strings.Contains(string(name), "/") {
			names = append(names, bytes.Clone(name))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := tx.DeleteBucket(name); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketMeta).Delete(v1Order); err != nil {
		return err
	}
	return s.initLayout(tx)
}
