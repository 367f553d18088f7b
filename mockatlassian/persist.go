package mockatlassian

import (
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/store"
)

// Durable state (--data-dir): every record of every organization (records.go)
// under its own key in an embedded bbolt file (internal/store). A mutating
// request that succeeds is answered only after the records it changed are
// written and the transaction committed (fsync); concurrent requests share
// a commit. At start every stored organization is loaded, and the boot
// organization and seed file apply only to an empty store.

// StoreFile is the store's file name inside the data directory.
const StoreFile = "mockatlassian.db"

// metaBoot is the store's record of the boot organization and directory.
const metaBoot = "boot"

// keptKey stands in for a boot key this start did not receive: it was made
// at an earlier start or by the seed, and only its hash is kept.
const keptKey = "(not shown: only its hash is kept)"

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
		s.log.Info("state loaded", "store", st.Path(), "organizations", loaded)
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
// record that lets a restart find the boot organization again.
func (s *Server) saveState() error {
	if s.store == nil {
		return nil
	}
	if s.Booted != nil {
		b := bootRecord{OrgID: s.Booted.Org.ID, DirectoryID: s.Booted.Directory.ID}
		if err := s.store.SetMetaJSON(metaBoot, b); err != nil {
			return err
		}
	}
	return s.store.Commit()
}

// resumeBoot finds a boot organization that already exists (stored at an
// earlier start, or made by the seed) instead of creating it again. ok is
// false when the boot must create it.
func (s *Server) resumeBoot(b Boot) (*Booted, bool, error) {
	orgID, dirID := b.OrgID, b.DirectoryID
	if orgID == "" && s.stored.OrgID != "" {
		orgID = s.stored.OrgID
		if dirID == "" {
			dirID = s.stored.DirectoryID
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
	if s.store == nil {
		return next
	}
	return httpx.Durable(s.store.Commit, func(w http.ResponseWriter, r *http.Request, err error) {
		s.log.Error("state not saved", "method", r.Method, "path", r.URL.Path, "err", err)
		writeJSON(w, r, http.StatusInternalServerError, controlErr{"the change was made but could not be saved: " + err.Error()})
	})(next)
}

// Flush returns once every change made so far is durable; without
// --data-dir it does nothing. Requests need no Flush: their answers wait
// for their writes. It is for changes made through the Model directly.
func (s *Server) Flush() error {
	if s.store == nil {
		return nil
	}
	return s.store.Commit()
}

// Close saves the state one last time and closes the store; a server in
// memory has nothing to close. Closing twice does nothing more.
func (s *Server) Close() error {
	s.https.Close()
	if s.store == nil {
		return nil
	}
	return s.store.Close()
}

// closeState closes the store without saving: for a start that failed.
func (s *Server) closeState() {
	if s.store != nil {
		s.store.Abandon()
	}
}
