package mockatlassian

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/provsim/provsim/internal/sim"
)

// Durable state (--data-dir): every organization is kept in an embedded
// bbolt file as its own snapshot document (snapshot.go), one record per
// organization in the "orgs" bucket. A mutating request that succeeds is
// answered only after the organization it touched has been written and the
// transaction committed (bbolt fsyncs on commit); concurrent requests share
// a commit (sim.Committer). At start every stored organization is loaded,
// and the boot organization and seed file apply only to an empty store.

// StoreFile is the store's file name inside the data directory.
const StoreFile = "mockatlassian.db"

const (
	kindOrgs = "orgs"
	kindMeta = "meta"

	metaFormat = "format"
	metaOrder  = "order" // organization ids in creation order
	metaBoot   = "boot"  // the boot organization and directory

	storeFormat = "provsim.mockatlassian.store/1"
)

// keptKey stands in for a boot key this start did not receive: it was made
// at an earlier start or by the seed, and only its hash is kept.
const keptKey = "(not shown: only its hash is kept)"

// state is the durable side of a server.
type state struct {
	store  *sim.Store
	commit *sim.Committer
	m      *Model
	// loaded is true when the store held organizations at start.
	loaded bool
	boot   bootRecord
	// Written by the committer's single loop only (and at start).
	hashes map[string][sha256.Size]byte
	order  string
	closed atomic.Bool
}

type bootRecord struct {
	OrgID       string `json:"orgId"`
	DirectoryID string `json:"directoryId"`
}

// openState opens --data-dir and loads every stored organization; without
// anything stored it applies the seed. Without --data-dir it only seeds.
func (s *Server) openState() error {
	if s.cfg.DataDir == "" {
		return s.applyConfigSeed()
	}
	st, err := sim.OpenStore(filepath.Join(s.cfg.DataDir, StoreFile))
	if err != nil {
		return err
	}
	p := &state{store: st, m: s.Model, hashes: map[string][sha256.Size]byte{}}
	p.commit = sim.NewCommitter(st, p.write)
	if err := p.load(); err != nil {
		st.Close()
		return fmt.Errorf("%s: %w", st.Path(), err)
	}
	s.state = p
	if p.loaded {
		s.log.Info("state loaded", "store", st.Path(), "organizations", len(p.hashes))
		if s.cfg.Seed != nil {
			s.log.Info("seed not applied: the data directory already holds state")
		}
		return nil
	}
	return s.applyConfigSeed()
}

func (s *Server) applyConfigSeed() error {
	if s.cfg.Seed == nil {
		return nil
	}
	if err := s.Model.ApplySeed(*s.cfg.Seed); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

// load reads the store into the (empty) model.
func (p *state) load() error {
	var doc Snapshot
	var order []string
	err := p.store.View(func(tx *sim.StoreTx) error {
		if f := tx.Get(kindMeta, metaFormat); f != nil && string(f) != storeFormat {
			return fmt.Errorf("store format %q: this server reads %q", f, storeFormat)
		}
		if b := tx.Get(kindMeta, metaOrder); b != nil {
			p.order = string(b)
			if err := json.Unmarshal(b, &order); err != nil {
				return fmt.Errorf("organization order: %w", err)
			}
		}
		if b := tx.Get(kindMeta, metaBoot); b != nil {
			if err := json.Unmarshal(b, &p.boot); err != nil {
				return fmt.Errorf("boot record: %w", err)
			}
		}
		byID := map[string]OrgSnapshot{}
		err := tx.ForEach(kindOrgs, func(key string, val []byte) error {
			var one Snapshot
			if err := json.Unmarshal(val, &one); err != nil || len(one.Orgs) != 1 || one.Orgs[0].ID != key {
				return fmt.Errorf("organization %s: record is not a one-organization snapshot (%v)", key, err)
			}
			if one.Format != SnapshotFormat || one.Version != SnapshotVersion {
				return fmt.Errorf("organization %s: snapshot %s v%d: this server reads %s v%d", key, one.Format, one.Version, SnapshotFormat, SnapshotVersion)
			}
			byID[key] = one.Orgs[0]
			p.hashes[key] = sha256.Sum256(val)
			return nil
		})
		if err != nil {
			return err
		}
		doc = Snapshot{Format: SnapshotFormat, Version: SnapshotVersion}
		for _, id := range order {
			if o, ok := byID[id]; ok {
				doc.Orgs = append(doc.Orgs, o)
				delete(byID, id)
			}
		}
		for _, id := range sortedKeys(byID) {
			doc.Orgs = append(doc.Orgs, byID[id])
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.loaded = len(doc.Orgs) > 0
	return p.m.Restore(doc, RestoreOptions{ReplaceAll: true})
}

// write is the committer's transaction body: it stores each requested
// organization whose snapshot changed since it was last stored, deletes the
// records of organizations that are gone, and keeps the order.
func (p *state) write(tx *sim.StoreTx, all bool, tenants map[string]bool) error {
	ids := tenants
	if all {
		ids = map[string]bool{}
		for id := range p.hashes {
			ids[id] = true
		}
		for _, id := range p.m.Orgs() {
			ids[id] = true
		}
	}
	written := map[string][sha256.Size]byte{}
	var gone []string
	for id := range ids {
		snap, err := p.m.Snapshot(id)
		if err != nil {
			if _, stored := p.hashes[id]; stored {
				if err := tx.Delete(kindOrgs, id); err != nil {
					return err
				}
				gone = append(gone, id)
			}
			continue
		}
		b, err := json.Marshal(snap)
		if err != nil {
			return err
		}
		h := sha256.Sum256(b)
		if old, ok := p.hashes[id]; ok && old == h {
			continue
		}
		if err := tx.Put(kindOrgs, id, b); err != nil {
			return err
		}
		written[id] = h
	}
	orderJSON, _ := json.Marshal(p.m.Orgs())
	order := string(orderJSON)
	if order != p.order {
		if err := tx.Put(kindMeta, metaOrder, orderJSON); err != nil {
			return err
		}
	}
	tx.OnCommit(func() {
		for id, h := range written {
			p.hashes[id] = h
		}
		for _, id := range gone {
			delete(p.hashes, id)
		}
		p.order = order
	})
	return nil
}

// saveState makes the state after boot and seed durable, with the boot
// record that lets a restart find the boot organization again.
func (s *Server) saveState() error {
	p := s.state
	if p == nil {
		return nil
	}
	err := p.store.Update(func(tx *sim.StoreTx) error {
		if err := tx.Put(kindMeta, metaFormat, []byte(storeFormat)); err != nil {
			return err
		}
		if s.Booted == nil {
			return nil
		}
		b, _ := json.Marshal(bootRecord{OrgID: s.Booted.Org.ID, DirectoryID: s.Booted.Directory.ID})
		return tx.Put(kindMeta, metaBoot, b)
	})
	if err != nil {
		return err
	}
	return p.commit.Commit(true)
}

// resumeBoot finds a boot organization that already exists (stored at an
// earlier start, or made by the seed) instead of creating it again. ok is
// false when the boot must create it.
func (s *Server) resumeBoot(b Boot) (*Booted, bool, error) {
	orgID, dirID := b.OrgID, b.DirectoryID
	if orgID == "" && s.state != nil && s.state.boot.OrgID != "" {
		orgID = s.state.boot.OrgID
		if dirID == "" {
			dirID = s.state.boot.DirectoryID
		}
	}
	if orgID == "" {
		return nil, false, nil
	}
	org, err := s.Model.Org(orgID)
	if err != nil {
		return nil, false, nil
	}
	out := &Booted{Org: OrgCreated{ID: org.ID, Name: org.Name, APIKey: b.OrgAPIKey}}
	if out.Org.APIKey == "" {
		out.Org.APIKey = keptKey
	} else if s.Model.AuthenticateOrg(org.ID, b.OrgAPIKey) != AuthOK {
		s.log.Warn("the organization API key differs from the stored one; the stored one stays", "org", org.ID)
	}
	if dirID == "" && len(org.Directories) > 0 {
		dirID = org.Directories[0].ID
	}
	for _, d := range org.Directories {
		if d.ID != dirID {
			continue
		}
		out.Directory = DirectoryCreated{ID: d.ID, Name: d.Name, OrgID: org.ID, BaseURL: d.BaseURL, APIKey: b.APIKey}
		if b.APIKey == "" {
			out.Directory.APIKey = keptKey
		} else if s.Model.Authenticate(d.ID, b.APIKey) != AuthOK {
			s.log.Warn("the directory API key differs from the stored one; the stored one stays", "directory", d.ID)
		}
		return out, true, nil
	}
	dir, err := s.Model.CreateDirectory(org.ID, CreateDirectoryInput{ID: dirID, Name: b.DirectoryName, APIKey: b.APIKey})
	if err != nil {
		return nil, true, err
	}
	out.Directory = dir
	return out, true, nil
}

// durable is the middleware that acknowledges writes only once stored.
func (s *Server) durable(next http.Handler) http.Handler {
	if s.state == nil {
		return next
	}
	return sim.Durable(s.persistScope, func(all bool, org string) error {
		if all {
			return s.state.commit.Commit(true)
		}
		return s.state.commit.Commit(false, org)
	}, func(w http.ResponseWriter, r *http.Request, err error) {
		s.log.Error("state not saved", "method", r.Method, "path", r.URL.Path, "err", err)
		writeJSON(w, r, http.StatusInternalServerError, controlErr{"the change was made but could not be saved: " + err.Error()})
	})(next)
}

// persistScope names the organization a request may have changed: its
// directory's or the one in its path; anything else (new organizations,
// resets, imports, unknown /_sim/ routes) saves them all.
func (s *Server) persistScope(r *http.Request) (org string, all, skip bool) {
	// The journal and fault rules are not part of the stored state.
	if strings.HasPrefix(r.URL.Path, "/_sim/journal") || strings.HasPrefix(r.URL.Path, "/_sim/faults") || r.URL.Path == "/_sim/health" {
		return "", false, true
	}
	v := vars(r)
	if d := v["directoryId"]; d != "" {
		if id, err := s.Model.OrgOfDirectory(d); err == nil {
			return id, false, false
		}
		return "", true, false
	}
	if o := v["orgId"]; o != "" {
		return o, false, false
	}
	return "", true, false
}

// Close saves the state one last time and closes the store; a server in
// memory has nothing to close. Closing twice does nothing more.
func (s *Server) Close() error {
	if s.state == nil || !s.state.closed.CompareAndSwap(false, true) {
		return nil
	}
	err := s.state.commit.Commit(true)
	return errors.Join(err, s.state.store.Close())
}

// closeState closes the store without saving: for a start that failed.
func (s *Server) closeState() {
	if s.state != nil {
		_ = s.state.store.Close()
	}
}
