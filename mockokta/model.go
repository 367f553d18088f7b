// Package mockokta simulates an Okta org: the Management API (/api/v1) that
// okta-sdk-golang and Terraform's Okta provider drive, and Okta's
// provisioning engine, a SCIM client that sends what Okta sends
// (the OKTA-* entries of docs/fidelity.md) to mockatlassian or any SCIM server.
//
// The model here never sees an http.Request; http_*.go are thin adapters.
// Every change that Okta would provision enqueues work on the engine
// (engine.go), which calls the SCIM server outside the org lock and writes
// the outcome back onto app users, tasks and the System Log.
package mockokta

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/provsim/provsim/internal/clock"
	"github.com/provsim/provsim/internal/ids"
	"github.com/provsim/provsim/internal/journal"
	"github.com/provsim/provsim/internal/saml"
	"github.com/provsim/provsim/internal/secret"
	"github.com/provsim/provsim/internal/store"
)

// Options configure a Model. The zero value is the documented default.
type Options struct {
	// Clock tells time and waits out 429 back-offs; a clock.Fake makes
	// back-offs instant in tests.
	Clock clock.Sleeper
	Seed  uint64 // 0: random ids
	// SCIMClient sends the engine's requests; default: 60 s timeout, as
	// Okta closes the socket after 60 s (OKTA-WIRE-3).
	SCIMClient *http.Client
	Logger     *slog.Logger
	// Journal records outbound SCIM traffic; nil makes a private one.
	Journal *journal.Journal
	// MaxLogEvents bounds the System Log per org (oldest dropped).
	MaxLogEvents int
	// Pace is how long after a change the engine may start provisioning
	// it, for orgs without a pace of their own (OKTA-PACE-3); the zero
	// value is instant. Waited on Clock.
	Pace Pace
	// JobPause is waited (on Clock) after each engine job: 0 is full
	// speed. The bench uses it to model an engine whose jobs take time.
	JobPause time.Duration
	// GroupPushConflict is new apps' answer to a 409 on creating a pushed
	// group (OKTA-PUSH-14): "error" (Okta, the default) or "link".
	GroupPushConflict GroupPushConflict
	// LinkKeepsExternalID leaves a linked SCIM user's externalId as the
	// server has it: a switch; by default the profile push that follows a
	// link writes Okta's user id there, as the create does (OKTA-LINK-2).
	LinkKeepsExternalID bool
	// PasswordPatch is the shape of an OIN app's password PATCH
	// (OKTA-PASSWORD-1): "value" (the default) or "path".
	PasswordPatch PasswordPatch
	// SAMLKey, when set, is the first signing key of each SAML app instead
	// of one generated for it (--saml-signing-cert and --saml-signing-key):
	// a certificate the SP side can keep across fresh starts. Apps that
	// have keys already (kept with --data-dir) keep theirs.
	SAMLKey *saml.KeyPair
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.SCIMClient == nil {
		o.SCIMClient = &http.Client{Timeout: 60 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Journal == nil {
		o.Journal = journal.New(journal.Options{}, o.Clock)
	}
	if o.MaxLogEvents <= 0 {
		o.MaxLogEvents = 10000
	}
	if o.PasswordPatch == "" {
		o.PasswordPatch = PasswordPatchValue
	}
	if o.GroupPushConflict == "" {
		o.GroupPushConflict = ConflictError
	}
	return o
}

// Model is the whole simulated Okta: many orgs, each chosen by API token.
type Model struct {
	opts   Options
	ids    *ids.Generator
	clock  clock.Sleeper
	engine *Engine
	pacer  *pacer
	// store, with --data-dir, is told what each mutation changed
	// (records.go); nil in memory. jobSeq numbers the engine's jobs
	// (jobs.go).
	store  *store.Store
	jobSeq atomic.Uint64

	mu       sync.RWMutex
	orgs     map[string]*Org
	orgOrder []string
	tokens   map[secret.Hash]string // API token hash → org id
	// oauth holds the OAuth access tokens issued (oauth.go).
	oauth *tokenStore
}

// New returns a model with its engine running; Close stops the engine.
func New(opts Options) *Model {
	opts = opts.withDefaults()
	m := &Model{opts: opts, ids: ids.New(opts.Seed), clock: opts.Clock, pacer: newPacer(opts.Seed),
		orgs: map[string]*Org{}, tokens: map[secret.Hash]string{}, oauth: newTokenStore()}
	m.engine = newEngine(m)
	return m
}

// Close stops the engine's workers.
func (m *Model) Close() { m.engine.close() }

// Journal is the outbound SCIM journal.
func (m *Model) Journal() *journal.Journal { return m.opts.Journal }

func (m *Model) now() time.Time { return m.clock.Now().UTC().Truncate(time.Millisecond) }

// oktaID makes an id shaped like Okta's: a 3-character prefix ("00u" users,
// "00g" groups, "0oa" apps) and 17 alphanumerics (OAPI-ID-1).
func (m *Model) oktaID(prefix string) string { return prefix + m.ids.Token(20-len(prefix)) }

// Org is one Okta org. mu guards everything in it.
type Org struct {
	ID      string
	Name    string
	Created time.Time

	mu         sync.Mutex
	tokens     []secret.Hash
	users      map[string]*User
	userOrder  []string
	byLogin    map[string]string // lower-case login → user id
	groups     map[string]*Group
	groupOrder []string
	apps       map[string]*App
	appOrder   []string
	logs       []LogEvent
	logSeq     uint64 // sequence number of the last event in logs
	tasks      map[string]*Task
	taskOrder  []string
	// heldPasswords are people's Okta passwords in clear, by user id, kept
	// for Sync Password (OKTA-PASSWORD-2): only in memory, only as given
	// in plain to the API or the sign-in page; never stored, snapshotted,
	// logged or shown. A restart forgets them.
	heldPasswords map[string]string
	// resetTokens are the live password-reset links, by the token's
	// SHA-256 (resetpassword.go, OAPI-USER-4): in memory only.
	resetTokens map[string]resetGrant
	// With --data-dir: what mutations changed, for the store, and the
	// engine's queued jobs by sequence number (records.go, jobs.go).
	changes    *store.Changes
	jobs       map[uint64]*job
	adminID    string // the super administrator, owner of the API tokens (builtins.go)
	everyoneID string // the built-in group Everyone
	rules      map[string]*GroupRule
	ruleOrder  []string
	// userSchema is the custom attributes of the user schema (profiles.go).
	userSchema map[string]json.RawMessage
	// clients are the OAuth 2.0 service apps by client id (oauth.go).
	clients     map[string]*ServiceApp
	clientOrder []string
	// policies are the app sign-in policies, nil until first used (the
	// built-ins are derived from the org id); appPolicies the apps on a
	// policy other than the default one (policies.go).
	policies    map[string]*AccessPolicy
	policyOrder []string
	appPolicies map[string]string
	// builtinsAdded: a restored org got its administrator or Everyone
	// only now (restoreBuiltIns), so the store writes it whole.
	builtinsAdded bool
	// pace is the org's own pace (nil: the server's, Options.Pace), and
	// limits its own Management API rate limits (nil: the server's,
	// Config.RateLimits). Settings of the simulator, set through /_sim/,
	// stored with --data-dir and read without the org lock (simsettings.go).
	pace   atomic.Pointer[Pace]
	limits atomic.Pointer[RateLimits]
	// principalLimits are the admins' shares for API tokens and service
	// apps (principals.go); shares is the limiter's lock-free copy.
	principalLimits map[string]*PrincipalRateLimit
	principalOrder  []string
	shares          atomic.Pointer[map[string]principalShare]
	// rateSettings are the org's rate-limit settings (ratelimitsettings.go);
	// nil: the defaults.
	rateSettings atomic.Pointer[RateLimitSettings]
	// restoredTokens are the OAuth access tokens read from records, and
	// droppedTokenIDs the expired ones left out, until restore swaps the
	// org in (accesstokens.go).
	restoredTokens  []accessToken
	droppedTokenIDs []string
}

func newOrg(id, name string, created time.Time) *Org {
	return &Org{ID: id, Name: name, Created: created,
		users: map[string]*User{}, byLogin: map[string]string{},
		groups: map[string]*Group{}, apps: map[string]*App{}, tasks: map[string]*Task{}, jobs: map[uint64]*job{},
		rules: map[string]*GroupRule{}, clients: map[string]*ServiceApp{}, principalLimits: map[string]*PrincipalRateLimit{}}
}

// CreateOrgInput describes an org. Token is its API token (random when empty).
type CreateOrgInput struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Token string `json:"token,omitempty"`
	// Admin is the super administrator who owns the token (builtins.go).
	Admin AdminInput `json:"admin,omitempty"`
}

// OrgCreated is returned once with the token.
type OrgCreated struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Token string `json:"token"`
	// TokenID is the token's id, the principalId of its principal rate
	// limit (OAPI-RATE-8).
	TokenID string `json:"tokenId"`
}

// CreateOrg adds an org with one API token.
func (m *Model) CreateOrg(in CreateOrgInput) (OrgCreated, error) {
	if in.ID == "" {
		in.ID = m.oktaID("00o")
	}
	if in.Name == "" {
		in.Name = "Simulated Okta org"
	}
	if in.Token == "" {
		in.Token = "00" + m.ids.Token(40)
	}
	if strings.ContainsAny(in.Token, " \t\r\n") {
		return OrgCreated{}, errValidation("token: must not contain white space")
	}
	h := secret.HashOf(in.Token)
	o := newOrg(in.ID, in.Name, m.now())
	o.tokens = []secret.Hash{h}
	if err := o.addBuiltIns(in.Admin); err != nil {
		return OrgCreated{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.orgs[in.ID]; dup {
		return OrgCreated{}, errValidation("id: An org with this id already exists")
	}
	if _, dup := m.tokens[h]; dup {
		return OrgCreated{}, errValidation("token: That token is already in use")
	}
	m.orgs[o.ID] = o
	m.orgOrder = append(m.orgOrder, o.ID)
	m.tokens[h] = o.ID
	o.changes = m.store.Changes(o.ID, true)
	return OrgCreated{ID: o.ID, Name: o.Name, Token: in.Token, TokenID: apiTokenID(h)}, nil
}

// OrgByToken finds the org an API token belongs to. The token is hashed
// before lookup; the plain token is never stored.
func (m *Model) OrgByToken(token string) (*Org, bool) {
	h := secret.HashOf(token)
	m.mu.RLock()
	defer m.mu.RUnlock()
	id, ok := m.tokens[h]
	if !ok {
		return nil, false
	}
	o := m.orgs[id]
	for _, t := range o.tokens {
		if t.Matches(token) {
			return o, true
		}
	}
	return nil, false
}

// Org returns an org by id.
func (m *Model) Org(id string) (*Org, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	o, ok := m.orgs[id]
	if !ok {
		return nil, errNotFound("Org", id)
	}
	return o, nil
}

// OrgSummary is an org as GET /_sim/orgs lists it.
type OrgSummary struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	PendingJobs int    `json:"pendingJobs"`
}

// OrgSummaries lists the orgs in creation order with their queued
// provisioning work.
func (m *Model) OrgSummaries() []OrgSummary {
	out := []OrgSummary{}
	for _, id := range m.Orgs() {
		if o, err := m.Org(id); err == nil {
			out = append(out, OrgSummary{ID: o.ID, Name: o.Name, PendingJobs: m.engine.Pending(o.ID)})
		}
	}
	return out
}

// PendingJobs is the number of provisioning jobs queued or running for an
// org.
func (m *Model) PendingJobs(orgID string) int { return m.engine.Pending(orgID) }

// Orgs lists org ids in creation order.
func (m *Model) Orgs() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]string(nil), m.orgOrder...)
}

// ResetOrg empties an org but keeps its id and tokens. Pending engine work
// for it is dropped first.
func (m *Model) ResetOrg(id string) error {
	o, err := m.Org(id)
	if err != nil {
		return err
	}
	m.engine.dropOrg(o.ID)
	o.mu.Lock()
	defer o.mu.Unlock()
	fresh := newOrg(o.ID, o.Name, o.Created)
	// The administrator stays who they were: the tokens are theirs.
	var admin AdminInput
	if u := o.users[o.adminID]; u != nil {
		admin = AdminInput{Login: u.Login(), FirstName: u.Attr("firstName"), LastName: u.Attr("lastName")}
	}
	o.users, o.userOrder, o.byLogin = fresh.users, nil, fresh.byLogin
	o.groups, o.groupOrder = fresh.groups, nil
	o.apps, o.appOrder = fresh.apps, nil
	o.logs = nil
	o.tasks, o.taskOrder = fresh.tasks, nil
	o.jobs = fresh.jobs
	o.rules, o.ruleOrder = fresh.rules, nil
	o.principalLimits, o.principalOrder = fresh.principalLimits, nil
	o.publishShares()
	o.rateSettings.Store(nil)
	o.policies, o.policyOrder, o.appPolicies = nil, nil, nil
	o.adminID, o.everyoneID = "", ""
	o.changes.All()
	return o.addBuiltIns(admin)
}

// Reset removes every org except those in keep, which are reset.
func (m *Model) Reset(keep ...string) {
	kept := map[string]bool{}
	for _, id := range keep {
		kept[id] = true
	}
	m.mu.Lock()
	var order, dropped []string
	var droppedOrgs []*Org
	for _, id := range m.orgOrder {
		if kept[id] {
			order = append(order, id)
			continue
		}
		for _, t := range m.orgs[id].tokens {
			delete(m.tokens, t)
		}
		droppedOrgs = append(droppedOrgs, m.orgs[id])
		delete(m.orgs, id)
		dropped = append(dropped, id)
	}
	m.orgOrder = order
	m.mu.Unlock()
	for _, id := range dropped {
		m.engine.dropOrg(id)
		m.oauth.replaceOrg(id, nil) // its OAuth access tokens end with it
	}
	// The store deletes what the model no longer has.
	for _, o := range droppedOrgs {
		o.mu.Lock()
		o.changes.All()
		o.mu.Unlock()
	}
	for _, id := range order {
		_ = m.ResetOrg(id)
	}
}
