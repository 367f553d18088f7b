package mockatlassian

import (
	"strings"
	"time"

	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/internal/secret"
)

// Directory is a SCIM user-provisioning directory of an organization. Its
// content is guarded by its organization's lock.
type Directory struct {
	ID      string
	Name    string
	Created time.Time
	org     *Org
	key     secret.Hash

	users      map[string]*userRecord
	userOrder  []string
	byUserName map[string]string   // lower-case userName → id
	byEmail    map[string]string   // lower-case primary email → id
	byExtID    map[string][]string // externalId (case-exact, not unique) → ids
	groups     map[string]*groupRecord
	groupOrder []string
	live       int // users not legacy-deleted, for the directory limit
}

type userRecord struct {
	res      scim.User // as stored: no meta, groups or account extension
	created  time.Time
	modified time.Time
	account  string          // linked account id, "" when unlinked
	groups   map[string]bool // SCIM group ids
	// deleted marks a user DELETEd under the legacy DeleteDeactivates mode:
	// it answers 404 until a POST provisions it again.
	deleted bool
}

type groupRecord struct {
	id          string
	displayName string
	externalID  string
	members     map[string]bool // SCIM user ids
	created     time.Time
	modified    time.Time
	orgGroup    string // synced org group id; "" when not synced (name collision)
	// view is the members kept rendered for answers (groupfast.go); nil
	// until the next answer whenever the member set changes other than
	// through patchMembers.
	view *memberView
}

func (d *Directory) clear() {
	d.users, d.userOrder = map[string]*userRecord{}, nil
	d.byUserName, d.byEmail, d.byExtID = map[string]string{}, map[string]string{}, map[string][]string{}
	d.groups, d.groupOrder = map[string]*groupRecord{}, nil
	d.live = 0
}

// CreateDirectoryInput describes a new SCIM directory ("Create a token").
type CreateDirectoryInput struct {
	ID     string `json:"id,omitempty"`
	Name   string `json:"name"`
	APIKey string `json:"apiKey,omitempty"` // random when empty
}

// DirectoryCreated is shown once, as admin.atlassian.com shows the base URL
// and key once.
type DirectoryCreated struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	OrgID   string `json:"orgId"`
	BaseURL string `json:"baseUrl"`
	APIKey  string `json:"apiKey"`
}

// CreateDirectory adds a SCIM directory with a fresh API key.
func (m *Model) CreateDirectory(orgID string, in CreateDirectoryInput) (DirectoryCreated, error) {
	if in.Name == "" {
		in.Name = "Okta users"
	}
	if in.ID == "" {
		in.ID = m.ids.UUID()
	}
	if in.APIKey == "" {
		in.APIKey = m.newKey()
	}
	if strings.ContainsAny(in.ID, "/?#% ") {
		return DirectoryCreated{}, errInvalid("directory id %q must not contain '/', '?', '#', '%%' or spaces", in.ID)
	}
	o, err := m.org(orgID)
	if err != nil {
		return DirectoryCreated{}, err
	}
	d := &Directory{ID: in.ID, Name: in.Name, Created: m.now(), org: o, key: secret.HashOf(in.APIKey)}
	d.clear()
	m.mu.Lock()
	if _, dup := m.dirs[d.ID]; dup {
		m.mu.Unlock()
		return DirectoryCreated{}, errConflict("directory %s already exists", d.ID)
	}
	if _, dup := m.keys[d.key]; dup {
		m.mu.Unlock()
		return DirectoryCreated{}, errConflict("that API key is already in use by another directory")
	}
	m.dirs[d.ID] = d
	m.keys[d.key] = d.ID
	m.mu.Unlock()

	o.mu.Lock()
	o.directories[d.ID] = d
	o.dirOrder = append(o.dirOrder, d.ID)
	o.changes.New(kindDirectory, d.ID)
	m.audit(o, ActionDirectoryCreated, adminActor, "Created identity provider directory "+d.Name, []EventObject{directoryObject(d)})
	o.mu.Unlock()
	return DirectoryCreated{ID: d.ID, Name: d.Name, OrgID: o.ID, BaseURL: m.opts.LocationBase + "/scim/directory/" + d.ID, APIKey: in.APIKey}, nil
}

func (m *Model) newKey() string { return m.ids.Token(64) }

// RegenerateKey replaces a directory's key; the old key stops working at
// once (ATL-KEY-1). newKey may be given; otherwise a random one is made.
func (m *Model) RegenerateKey(dirID, newKey string) (string, error) {
	if newKey == "" {
		newKey = m.newKey()
	}
	h := secret.HashOf(newKey)
	m.mu.Lock()
	d, ok := m.dirs[dirID]
	if !ok {
		m.mu.Unlock()
		return "", scim.NotFound("Directory does not exist")
	}
	if other, dup := m.keys[h]; dup && other != dirID {
		m.mu.Unlock()
		return "", errConflict("that API key is already in use by another directory")
	}
	delete(m.keys, d.key)
	// d.key is read under m.mu by Authenticate, so writing it here is safe.
	d.key = h
	m.keys[h] = dirID
	m.mu.Unlock()
	// The org lock is taken after m.mu is released: the model's lock order
	// is org lock first.
	d.org.mu.Lock()
	d.org.changes.Put(kindDirectory, d.ID)
	m.audit(d.org, ActionDirectoryKeyRenew, adminActor, "Regenerated the API key of identity provider directory "+d.Name, []EventObject{directoryObject(d)})
	d.org.mu.Unlock()
	return newKey, nil
}

// AuthResult is the outcome of checking a directory key.
type AuthResult int

const (
	AuthOK               AuthResult = iota
	AuthForbidden                   // well-formed key that is not this directory's
	AuthUnknownDirectory            // a valid key of another directory, for a directory that does not exist
)

// Authenticate checks a bearer key against a directory. Keys are compared
// as SHA-256 hashes in constant time; the plain key is never stored.
// A valid key used on a directory that does not exist gets the documented 404
// "Directory does not exist"; every other mismatch is 403 (SCIM-AUTH-3).
func (m *Model) Authenticate(dirID, key string) AuthResult {
	m.mu.RLock()
	defer m.mu.RUnlock()
	d, ok := m.dirs[dirID]
	if ok && d.key.Matches(key) {
		return AuthOK
	}
	if !ok {
		if _, known := m.keys[secret.HashOf(key)]; known {
			return AuthUnknownDirectory
		}
	}
	return AuthForbidden
}

// locked runs fn with the directory's organization locked.
func (m *Model) locked(dirID string, fn func(d *Directory) error) error {
	d, err := m.directory(dirID)
	if err != nil {
		return err
	}
	d.org.mu.Lock()
	defer d.org.mu.Unlock()
	return fn(d)
}

func (m *Model) userLocation(d *Directory, id string) string {
	return m.opts.LocationBase + "/scim/directory/" + d.ID + "/Users/" + id
}

func (m *Model) groupLocation(d *Directory, id string) string {
	return m.opts.LocationBase + "/scim/directory/" + d.ID + "/Groups/" + id
}

// OrgOfDirectory returns the id of the organization a directory belongs to.
func (m *Model) OrgOfDirectory(dirID string) (string, error) {
	d, err := m.directory(dirID)
	if err != nil {
		return "", err
	}
	return d.org.ID, nil
}

// index adds a user to the lookup indexes; unindex removes it. Every write
// goes through these two, so the indexes never drift from the records.
func (d *Directory) index(r *userRecord) {
	// Its groups' kept answers show its userName (groupfast.go).
	for gid := range r.groups {
		if g, ok := d.groups[gid]; ok {
			g.view.touch(r.res.ID)
		}
	}
	d.byUserName[strings.ToLower(r.res.UserName)] = r.res.ID
	d.byEmail[strings.ToLower(r.res.PrimaryEmail())] = r.res.ID
	if ext := r.res.ExternalID; ext != "" {
		d.byExtID[ext] = append(d.byExtID[ext], r.res.ID)
	}
}

func (d *Directory) unindex(r *userRecord) {
	delete(d.byUserName, strings.ToLower(r.res.UserName))
	delete(d.byEmail, strings.ToLower(r.res.PrimaryEmail()))
	if ext := r.res.ExternalID; ext != "" {
		ids := d.byExtID[ext]
		for i, id := range ids {
			if id == r.res.ID {
				ids = append(ids[:i:i], ids[i+1:]...)
				break
			}
		}
		if len(ids) == 0 {
			delete(d.byExtID, ext)
		} else {
			d.byExtID[ext] = ids
		}
	}
}
