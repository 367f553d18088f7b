package mockokta

import (
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/store"
)

// Durable state (--data-dir): every record of every org (records.go) under
// its own key in an embedded bbolt file (internal/store). A mutating request
// that succeeds is answered only after the records it changed, and the
// engine jobs it queued, are written and the transaction committed (fsync);
// concurrent requests share a commit. The engine's outcomes are committed
// as soon as the store is free, and its queued jobs are records too: a job
// queued when the server stopped or was killed runs after the restart
// (jobs.go). At start every stored org is loaded; the boot org and the seed
// file apply only to an empty store.

// StoreFile is the store's file name inside the data directory.
const StoreFile = "mockokta.db"

// metaBoot is the store's record of the boot org and app.
const metaBoot = "boot"

// keptKey stands in for a boot token this start did not receive: it was
// made at an earlier start or came from the seed, and only its hash is kept.
const keptKey = "(not shown: only its hash is kept)"

type bootRecord struct {
	OrgID string `json:"orgId"`
	AppID string `json:"appId,omitempty"`
}

// openState opens --data-dir and loads every stored org, queueing their
// stored jobs again; without anything stored it applies the seed. Without
// --data-dir it only seeds.
func (s *Server) openState() error {
	if s.cfg.DataDir == "" {
		return s.applyConfigSeed()
	}
	m := s.Model
	st, loaded, err := store.Start(filepath.Join(s.cfg.DataDir, StoreFile), Schema, s.log, m.tenant,
		func(st *store.Store, tenants []store.TenantRecords) error {
			m.store = st
			return m.restore(tenants, RestoreOptions{ReplaceAll: true}, false)
		})
	if err != nil {
		return err
	}
	s.store = st
	if _, err := st.MetaJSON(metaBoot, &s.stored); err != nil {
		return err
	}
	if loaded > 0 {
		s.log.Info("state loaded", "store", st.Path(), "orgs", loaded)
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

// saveState makes the state after boot and seed durable, with the boot
// record that lets a restart find the boot org again.
func (s *Server) saveState() error {
	if s.store == nil {
		return nil
	}
	if s.Booted != nil {
		if err := s.store.SetMetaJSON(metaBoot, bootRecord{OrgID: s.Booted.Org.ID, AppID: s.Booted.AppID}); err != nil {
			return err
		}
	}
	return s.store.Commit()
}

// bootOrResume finds a boot org that already exists (stored at an earlier
// start, or made by the seed) instead of creating it again.
func (s *Server) bootOrResume(b Boot) (*Booted, error) {
	orgID, appID := b.OrgID, ""
	if s.stored.OrgID != "" && (orgID == "" || orgID == s.stored.OrgID) {
		orgID, appID = s.stored.OrgID, s.stored.AppID
	}
	if orgID == "" {
		return s.boot(b)
	}
	o, err := s.Model.Org(orgID)
	if err != nil {
		return s.boot(b)
	}
	out := &Booted{Org: OrgCreated{ID: o.ID, Name: o.Name, Token: b.APIToken}}
	if ids := s.Model.APITokenIDs(o); len(ids) > 0 {
		out.Org.TokenID = ids[0]
	}
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
		s.log.Warn("no Atlassian Cloud app connected to --atlassian-scim-url in the stored org; none is made", "org", o.ID)
	}
	return out, nil
}

// durable is the middleware that acknowledges writes only once stored.
func (s *Server) durable(next http.Handler) http.Handler {
	if s.store == nil {
		return next
	}
	return httpx.Durable(s.store.Commit, func(w http.ResponseWriter, r *http.Request, err error) {
		s.log.Error("state not saved", "method", r.Method, "path", r.URL.Path, "err", err)
		s.writeError(w, r, &Error{Status: http.StatusInternalServerError, Code: "E0000009", Summary: "Internal Server Error",
			Causes: []string{"the change was made but could not be saved: " + err.Error()}})
	})(next)
}

// Flush returns once every change made so far is durable (engine outcomes
// included); without --data-dir it does nothing. Requests need no Flush:
// their answers wait for their writes. It is for changes made through the
// Model directly.
func (s *Server) Flush() error {
	if s.store == nil {
		return nil
	}
	return s.store.Commit()
}

// closeState saves everything once more and closes the store. Close runs
// it after the engine stopped; jobs it did not run stay recorded.
func (s *Server) closeState() error {
	if s.store == nil {
		return nil
	}
	return s.store.Close()
}

// abandonState closes the store without saving: for a start that failed.
func (s *Server) abandonState() {
	if s.store != nil {
		s.store.Abandon()
	}
}
