package mockokta

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/provsim/provsim/internal/sim"
)

// Durable state (--data-dir): every org is kept in an embedded bbolt file
// as its own snapshot document (snapshot.go), one record per org in the
// "orgs" bucket, and its System Log one event per record in "logs/<org>". A mutating request that succeeds is answered only after
// the org it touched has been written and the transaction committed (bbolt
// fsyncs on commit); concurrent requests share a commit (sim.Committer).
// The engine's outcomes (app users' externalIds, tasks, push state) are
// saved while an org's engine is busy, every engineSaveEvery, and once
// more when it falls idle. Queued engine jobs are not saved: after a crash
// or restart they are gone, as if never queued. At start every stored org
// is loaded; the boot org and the seed file apply only to an empty store.

// StoreFile is the store's file name inside the data directory.
const StoreFile = "mockokta.db"

const (
	kindOrgs = "orgs"
	kindMeta = "meta"

	metaFormat = "format"
	metaOrder  = "order" // org ids in creation order
	metaBoot   = "boot"  // the boot org and app

	storeFormat = "provsim.mockokta.store/1"

	engineSaveEvery = 250 * time.Millisecond
)

// keptKey stands in for a boot token this start did not receive: it was
// made at an earlier start or came from the seed, and only its hash is kept.
const keptKey = "(not shown: only its hash is kept)"

// state is the durable side of a server.
type state struct {
	store  *sim.Store
	commit *sim.Committer
	m      *Model
	loaded bool
	boot   bootRecord
	// Written by the committer's single loop only (and at start).
	hashes map[string][sha256.Size]byte
	logs   map[string]logState
	order  string

	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	wmu      sync.Mutex
	watching map[string]bool // orgs whose engine a watcher follows
	again    map[string]bool // orgs kicked while their watcher ran
	closed   bool
}

// logState is what the store holds of an org's System Log, kept in its
// own bucket (logKind) one event per record, so that a write appends the
// new events instead of re-encoding up to 10,000 old ones.
type logState struct {
	org   *Org   // the Org the stored events belong to; an import makes a new one
	last  string // UUID of the last stored event
	seq   uint64 // key of the last stored event
	count int    // events stored
}

func logKind(org string) string { return "logs/" + org }

func logKey(seq uint64) string { return fmt.Sprintf("%016x", seq) }

type bootRecord struct {
	OrgID string `json:"orgId"`
	AppID string `json:"appId,omitempty"`
}

// openState opens --data-dir and loads every stored org; without anything
// stored it applies the seed. Without --data-dir it only seeds.
func (s *Server) openState() error {
	if s.cfg.DataDir == "" {
		return s.applyConfigSeed()
	}
	st, err := sim.OpenStore(filepath.Join(s.cfg.DataDir, StoreFile))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &state{store: st, m: s.Model, hashes: map[string][sha256.Size]byte{}, logs: map[string]logState{}, ctx: ctx, cancel: cancel,
		watching: map[string]bool{}, again: map[string]bool{}}
	p.commit = sim.NewCommitter(st, p.write)
	if err := p.load(); err != nil {
		cancel()
		st.Close()
		return fmt.Errorf("%s: %w", st.Path(), err)
	}
	s.cfg.durable = p
	if p.loaded {
		s.log.Info("state loaded", "store", st.Path(), "orgs", len(p.hashes))
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
				return fmt.Errorf("org order: %w", err)
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
				return fmt.Errorf("org %s: record is not a one-org snapshot (%v)", key, err)
			}
			if one.Format != SnapshotFormat || one.Version != SnapshotVersion {
				return fmt.Errorf("org %s: snapshot %s v%d: this server reads %s v%d", key, one.Format, one.Version, SnapshotFormat, SnapshotVersion)
			}
			org := one.Orgs[0]
			p.hashes[key] = sha256.Sum256(val)
			ls := logState{}
			err := tx.ForEach(logKind(key), func(k string, v []byte) error {
				var e LogEvent
				if err := json.Unmarshal(v, &e); err != nil {
					return fmt.Errorf("org %s: log event %s: %w", key, k, err)
				}
				if _, err := fmt.Sscanf(k, "%x", &ls.seq); err != nil {
					return fmt.Errorf("org %s: log key %q", key, k)
				}
				org.Logs = append(org.Logs, e)
				ls.last = e.UUID
				ls.count++
				return nil
			})
			if err != nil {
				return err
			}
			byID[key] = org
			p.logs[key] = ls
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
		for _, id := range sortedSet(byID) {
			doc.Orgs = append(doc.Orgs, byID[id])
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.loaded = len(doc.Orgs) > 0
	if err := p.m.Restore(doc, RestoreOptions{ReplaceAll: true}); err != nil {
		return err
	}
	for id, ls := range p.logs {
		if o, err := p.m.Org(id); err == nil {
			ls.org = o
			p.logs[id] = ls
		}
	}
	return nil
}

// write is the committer's transaction body: for each requested org it
// stores the org (without its System Log) when it changed since it was
// last stored, appends the log events that are new and drops those the
// org no longer keeps; it deletes the records of orgs that are gone, and
// keeps the order.
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
	logs := map[string]logState{}
	var gone []string
	for id := range ids {
		o, err := p.m.Org(id)
		if err != nil {
			if _, stored := p.hashes[id]; stored {
				if err := tx.Delete(kindOrgs, id); err != nil {
					return err
				}
				if err := tx.DeleteKind(logKind(id)); err != nil {
					return err
				}
				gone = append(gone, id)
			}
			continue
		}
		ls := p.logs[id]
		o.mu.Lock()
		snap := snapshotOrgLocked(o, p.m.tokensOf(o))
		reset, start := ls.org != o, 0
		if !reset && ls.last != "" {
			start = -1
			for i := len(o.logs) - 1; i >= 0; i-- {
				if o.logs[i].UUID == ls.last {
					start = i + 1
					break
				}
			}
			// The last stored event was dropped or the log was reset:
			// store the log anew.
			reset = start < 0
		}
		if reset {
			start = 0
		}
		fresh := append([]LogEvent(nil), o.logs[start:]...)
		kept := len(o.logs)
		o.mu.Unlock()

		b, err := json.Marshal(Snapshot{Format: SnapshotFormat, Version: SnapshotVersion, Orgs: []OrgSnapshot{snap}})
		if err != nil {
			return err
		}
		if h := sha256.Sum256(b); h != p.hashes[id] {
			if err := tx.Put(kindOrgs, id, b); err != nil {
				return err
			}
			written[id] = h
		}
		if reset {
			if err := tx.DeleteKind(logKind(id)); err != nil {
				return err
			}
			ls = logState{seq: ls.seq}
		}
		ls.org = o
		for _, e := range fresh {
			raw, err := json.Marshal(e)
			if err != nil {
				return err
			}
			ls.seq++
			if err := tx.Put(logKind(id), logKey(ls.seq), raw); err != nil {
				return err
			}
			ls.last = e.UUID
			ls.count++
		}
		if ls.count > kept {
			if err := tx.DeleteFirst(logKind(id), ls.count-kept); err != nil {
				return err
			}
			ls.count = kept
		}
		logs[id] = ls
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
		for id, ls := range logs {
			p.logs[id] = ls
		}
		for _, id := range gone {
			delete(p.hashes, id)
			delete(p.logs, id)
		}
		p.order = order
	})
	return nil
}

// saveState makes the state after boot and seed durable, with the boot
// record that lets a restart find the boot org again, and follows the
// engine work the seed queued.
func (s *Server) saveState() error {
	p := s.cfg.durable
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
		b, _ := json.Marshal(bootRecord{OrgID: s.Booted.Org.ID, AppID: s.Booted.AppID})
		return tx.Put(kindMeta, metaBoot, b)
	})
	if err != nil {
		return err
	}
	if err := p.commit.Commit(true); err != nil {
		return err
	}
	for _, id := range s.Model.Orgs() {
		p.kick(id)
	}
	return nil
}

// bootOrResume finds a boot org that already exists (stored at an earlier
// start, or made by the seed) instead of creating it again.
func (s *Server) bootOrResume(b Boot) (*Booted, error) {
	orgID, appID := b.OrgID, ""
	if p := s.cfg.durable; p != nil && p.boot.OrgID != "" && (orgID == "" || orgID == p.boot.OrgID) {
		orgID, appID = p.boot.OrgID, p.boot.AppID
	}
	if orgID == "" {
		return s.boot(b)
	}
	o, err := s.Model.Org(orgID)
	if err != nil {
		return s.boot(b)
	}
	out := &Booted{Org: OrgCreated{ID: o.ID, Name: o.Name, Token: b.APIToken}}
	if b.APIToken == "" {
		out.Org.Token = keptKey
	} else if other, ok := s.Model.OrgByToken(b.APIToken); !ok || other.ID != o.ID {
		s.log.Warn("the API token differs from the stored one; the stored one stays", "org", o.ID)
	}
	o.mu.Lock()
	if _, ok := o.apps[appID]; ok {
		out.AppID = appID
	} else if b.AtlassianSCIMURL != "" {
		for _, id := range o.appOrder {
			if a := o.apps[id]; a.Name == "atlassian" && a.Connection.BaseURL == trimSlash(b.AtlassianSCIMURL) {
				out.AppID = a.ID
				break
			}
		}
	}
	o.mu.Unlock()
	if out.AppID == "" && b.AtlassianSCIMURL != "" {
		s.log.Warn("no Atlassian Cloud app connected to --scim-base-url in the stored org; none is made", "org", o.ID)
	}
	return out, nil
}

// durable is the middleware that acknowledges writes only once stored.
func (s *Server) durable(next http.Handler) http.Handler {
	p := s.cfg.durable
	if p == nil {
		return next
	}
	return sim.Durable(s.persistScope, p.save, func(w http.ResponseWriter, r *http.Request, err error) {
		s.log.Error("state not saved", "method", r.Method, "path", r.URL.Path, "err", err)
		s.writeError(w, r, &Error{Status: http.StatusInternalServerError, Code: "E0000009", Summary: "Internal Server Error",
			Causes: []string{"the change was made but could not be saved: " + err.Error()}})
	})(next)
}

// save commits one org (or all) after a request. An org whose engine is
// busy when the commit starts gets a watcher that saves the jobs'
// outcomes; one that is idle then has its outcomes in this commit, since a
// job counts as pending until its outcome is written.
func (p *state) save(all bool, org string) error {
	orgs := []string{org}
	if all {
		orgs = p.m.Orgs()
	}
	var busy []string
	for _, id := range orgs {
		if p.m.engine.Pending(id) > 0 {
			busy = append(busy, id)
		}
	}
	err := p.commit.Commit(all, org)
	for _, id := range busy {
		p.kick(id)
	}
	return err
}

// kick makes sure a watcher follows the org's engine until it is idle.
func (p *state) kick(org string) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if p.closed {
		return
	}
	if p.watching[org] {
		p.again[org] = true
		return
	}
	p.watching[org] = true
	p.wg.Add(1)
	go p.watch(org)
}

// watch saves the org every engineSaveEvery while its engine works, and
// once when it is idle.
func (p *state) watch(org string) {
	defer p.wg.Done()
	for {
		ctx, cancel := context.WithTimeout(p.ctx, engineSaveEvery)
		idle := p.m.WaitIdle(ctx, org) == nil
		cancel()
		if p.ctx.Err() != nil {
			return
		}
		if err := p.commit.Commit(false, org); err != nil {
			// The next request or watcher round tries again.
			p.m.opts.Logger.Error("engine outcome not saved", "org", org, "err", err)
		}
		p.wmu.Lock()
		if idle && !p.again[org] {
			delete(p.watching, org)
			p.wmu.Unlock()
			return
		}
		delete(p.again, org)
		p.wmu.Unlock()
	}
}

// persistScope names the org a request may have changed: the one in its
// path, or the one its API token selects; anything else (new orgs, resets,
// whole imports, unknown /_sim/ routes) saves them all.
func (s *Server) persistScope(r *http.Request) (org string, all, skip bool) {
	// The journal and fault rules are not part of the stored state.
	if strings.HasPrefix(r.URL.Path, "/_sim/journal") || strings.HasPrefix(r.URL.Path, "/_sim/faults") || r.URL.Path == "/_sim/health" {
		return "", false, true
	}
	if o := vars(r)["orgId"]; o != "" {
		return o, false, false
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		if o, ok := s.Model.OrgByToken(strings.TrimSpace(token)); ok && strings.EqualFold(scheme, "SSWS") {
			return o.ID, false, false
		}
		return "", false, true
	}
	return "", true, false
}

// closeState stops the watchers, saves everything once more and closes the
// store. Close runs it after the engine stopped.
func (s *Server) closeState() error {
	p := s.cfg.durable
	if p == nil {
		return nil
	}
	p.wmu.Lock()
	if p.closed {
		p.wmu.Unlock()
		return nil
	}
	p.closed = true
	p.wmu.Unlock()
	p.cancel()
	p.wg.Wait()
	err := p.commit.Commit(true)
	return errors.Join(err, p.store.Close())
}

// abandonState closes the store without saving: for a start that failed.
func (s *Server) abandonState() {
	if p := s.cfg.durable; p != nil {
		p.closed = true
		p.cancel()
		_ = p.store.Close()
	}
}
