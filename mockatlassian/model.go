// Package mockatlassian simulates an Atlassian organization and its SCIM
// user-provisioning directories: one-time directory keys, verified domains,
// sites and products, Atlassian accounts linked to SCIM users by email, and
// product access through synced groups. It is both the library that tests
// embed (New + Handler) and the core of cmd/mockatlassian.
//
// The model in this package never sees an http.Request; http.go, admin.go
// and control.go are thin adapters over it.
package mockatlassian

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/ids"
	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/internal/secret"
	"github.com/provsim/provsim/internal/store"
)

// DeleteMode selects what DELETE /Users/{id} does (SCIM-USER-7).
type DeleteMode string

const (
	// DeleteRecord is the current documented behaviour: the SCIM record is
	// deleted, the account unlinked and, when managed, deactivated.
	DeleteRecord DeleteMode = "record"
	// DeleteDeactivates is the 2022–2023 behaviour: DELETE equals
	// active:false and the user answers 404 until it is provisioned again.
	DeleteDeactivates DeleteMode = "deactivate"
)

// GroupRenameMode selects what a displayName change on a group does (SCIM-GROUP-2).
type GroupRenameMode string

const (
	RenameIgnore GroupRenameMode = "ignore" // 200, name unchanged (Entra's observation)
	RenameReject GroupRenameMode = "reject" // 400 mutability
)

// CollisionMode selects what creating a SCIM group named like an existing
// local or default org group does (SCIM-GROUP-3).
type CollisionMode string

const (
	CollisionConflict       CollisionMode = "conflict"        // 409, as Okta's KB shows
	CollisionAcceptUnsynced CollisionMode = "accept-unsynced" // 201, not synced to the org
)

// LimitMode selects what happens past the users-per-directory limit (SCIM-LIMIT-2).
type LimitMode string

const (
	LimitStopSync LimitMode = "stop-syncing" // record kept, no account: "not synced"
	LimitError    LimitMode = "error"        // 400
)

// DefaultMaxMembersPerPatch bounds the members one group PATCH may add or
// remove; past it the PATCH is a 400 invalidValue. Atlassian publishes no
// such limit (SCIM-LIMIT-3). mockokta's group push sends at
// most 100 members per PATCH (Okta's batching is not documented), so 1,000
// is ten times that; it bounds the work one request does under the
// organization lock. Replacing the whole list (PUT, or PATCH replace
// members, as Okta's Push Now does) is bounded by MaxUsersPerGroup.
const DefaultMaxMembersPerPatch = 1000

// DefaultLocationBase is where Atlassian's SCIM and admin APIs live: the
// prefix of meta.location and of the links the APIs return.
const DefaultLocationBase = "https://api.atlassian.com"

// Options configure a Model. The zero value is the documented default.
type Options struct {
	Clock clock.Clock
	Seed  uint64 // 0: random ids

	DeleteMode            DeleteMode
	GroupRename           GroupRenameMode
	GroupCollision        CollisionMode
	RequireVerifiedDomain bool // legacy: only verified-domain emails may be provisioned
	LimitMode             LimitMode
	MaxUsersPerDirectory  int    // default 150,000 (SCIM-LIMIT-1, 2023)
	MaxUsersPerGroup      int    // default 35,000
	MaxMembersPerPatch    int    // members one group PATCH may add or remove; default 1,000
	PageSize              int    // default and maximum count, 100
	LocationBase          string // meta.location prefix; default https://api.atlassian.com
	// AdvertiseAtlassianExtension serves a schema document for the
	// atlassian-external extension every user carries and lists it on the
	// User resource type; Atlassian serves none (SCIM-DISC-3).
	AdvertiseAtlassianExtension bool
	Logger                      *slog.Logger

	// The organization admin APIs (orgapi.go; ATL-ORGAPI-1 and the entries after it).
	MaxEventsPerOrg int // audit-log events kept per organization; default 10,000
	// EventActionKeys renames the audit-log action keys provsim guesses
	// (events.go), e.g. user_deactivated → the key a real log shows.
	EventActionKeys map[string]string
	// SyncedProfileWritable lets the user management API change profile
	// fields and the lifecycle of accounts an identity provider manages,
	// which is refused by default.
	SyncedProfileWritable bool
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.DeleteMode == "" {
		o.DeleteMode = DeleteRecord
	}
	if o.GroupRename == "" {
		o.GroupRename = RenameIgnore
	}
	if o.GroupCollision == "" {
		o.GroupCollision = CollisionConflict
	}
	if o.LimitMode == "" {
		o.LimitMode = LimitStopSync
	}
	if o.MaxUsersPerDirectory <= 0 {
		o.MaxUsersPerDirectory = 150000
	}
	if o.MaxUsersPerGroup <= 0 {
		o.MaxUsersPerGroup = 35000
	}
	if o.MaxMembersPerPatch <= 0 {
		o.MaxMembersPerPatch = DefaultMaxMembersPerPatch
	}
	if o.MaxEventsPerOrg <= 0 {
		o.MaxEventsPerOrg = DefaultMaxEventsPerOrg
	}
	if o.PageSize <= 0 {
		o.PageSize = 100
	}
	if o.LocationBase == "" {
		o.LocationBase = DefaultLocationBase
	}
	o.LocationBase = strings.TrimRight(o.LocationBase, "/")
	return o
}

// Validate reports an unknown switch value.
func (o Options) Validate() error {
	switch o.DeleteMode {
	case "", DeleteRecord, DeleteDeactivates:
	default:
		return fmt.Errorf("delete mode %q: want %q or %q", o.DeleteMode, DeleteRecord, DeleteDeactivates)
	}
	switch o.GroupRename {
	case "", RenameIgnore, RenameReject:
	default:
		return fmt.Errorf("group rename mode %q: want %q or %q", o.GroupRename, RenameIgnore, RenameReject)
	}
	switch o.GroupCollision {
	case "", CollisionConflict, CollisionAcceptUnsynced:
	default:
		return fmt.Errorf("group collision mode %q: want %q or %q", o.GroupCollision, CollisionConflict, CollisionAcceptUnsynced)
	}
	switch o.LimitMode {
	case "", LimitStopSync, LimitError:
	default:
		return fmt.Errorf("limit mode %q: want %q or %q", o.LimitMode, LimitStopSync, LimitError)
	}
	if err := validEventActionKeys(o.EventActionKeys); err != nil {
		return err
	}
	return nil
}

// Model is the whole simulated Atlassian: many isolated organizations.
// Locking: mu guards the registries below; each Org has its own lock for its
// content, so tenants never contend with each other.
type Model struct {
	opts  Options
	ids   *ids.Generator
	clock clock.Clock
	// store, with --data-dir, is told what each mutation changed
	// (records.go); nil in memory.
	store *store.Store
	// generalMemberPatch turns the member PATCH fast path off, for the
	// tests that hold it to the general path's outcome.
	generalMemberPatch bool

	mu       sync.RWMutex
	orgs     map[string]*Org
	orgOrder []string
	dirs     map[string]*Directory  // directory id → directory
	keys     map[secret.Hash]string // key hash → directory id
	orgKeys  map[secret.Hash]string // org API key hash → org id
}

// New returns an empty model.
func New(opts Options) (*Model, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	return &Model{
		opts:    opts,
		ids:     ids.New(opts.Seed),
		clock:   opts.Clock,
		orgs:    map[string]*Org{},
		dirs:    map[string]*Directory{},
		keys:    map[secret.Hash]string{},
		orgKeys: map[secret.Hash]string{},
	}, nil
}

// Options returns the effective options.
func (m *Model) Options() Options { return m.opts }

// now is the model's time at microsecond precision, the precision Atlassian
// shows in meta timestamps.
func (m *Model) now() time.Time { return m.clock.Now().UTC().Truncate(time.Microsecond) }

// org returns an organization by id.
func (m *Model) org(id string) (*Org, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	o, ok := m.orgs[id]
	if !ok {
		return nil, errNotFound("organization %s does not exist", id)
	}
	return o, nil
}

// directory returns a directory by id.
func (m *Model) directory(id string) (*Directory, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	d, ok := m.dirs[id]
	if !ok {
		return nil, scim.NotFound("Directory does not exist")
	}
	return d, nil
}

// Orgs lists organization ids in creation order.
func (m *Model) Orgs() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]string(nil), m.orgOrder...)
}

func sortedKeys[V any](mp map[string]V) []string {
	out := make([]string, 0, len(mp))
	for k := range mp {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
