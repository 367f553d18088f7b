package mockatlassian

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// The organization's audit log (Atlassian Administration → Security → Audit
// log; GET /admin/v1/orgs/{orgId}/events). Provisioning, the admin APIs and
// console actions append to it through audit, under the organization lock,
// in the same step as the change they record, so the log never shows a
// change that was refused nor misses one that was made.

// DefaultMaxEventsPerOrg bounds each organization's log; the oldest events
// go first. Atlassian keeps events by age (its retention depends on the
// plan); a count bounds memory and the stored snapshot instead.
const DefaultMaxEventsPerOrg = 10000

// Event actions provsim records. The keys marked confirmed appear in real
// audit data; the others follow Atlassian's snake_case pattern and are
// guesses that --event-action can rename (ATL-EVENTS-3).
const (
	ActionUserCreated         = "user_created"        // confirmed
	ActionUserUpdated         = "user_updated"        // guess
	ActionUserDeactivated     = "user_deactivated"    // guess
	ActionUserReactivated     = "user_reactivated"    // guess
	ActionUserAddedToGroup    = "user_added_to_group" // guess
	ActionUserRemovedFromGrp  = "user_removed_from_group"
	ActionGroupCreated        = "group_created"         // confirmed
	ActionGroupDeleted        = "group_deleted"         // confirmed
	ActionGroupGrantedRole    = "group_granted_role"    // guess
	ActionGroupRevokedRole    = "group_revoked_role"    // guess
	ActionUserAccessSuspended = "user_access_suspended" // guess
	ActionUserAccessRestored  = "user_access_restored"  // guess
	ActionUserRemovedFromOrg  = "user_removed_from_org" // guess
	// What an admin does in Atlassian Administration around provisioning
	// (the console, the /_sim/ routes): all guesses (ATL-EVENTS-3).
	ActionDirectoryCreated  = "scim_directory_created"
	ActionDirectoryKeyRenew = "scim_directory_api_key_regenerated"
	ActionDomainAdded       = "domain_added"
	ActionDomainVerified    = "domain_verified"
	ActionSiteAdded         = "site_added"
	ActionProductAdded      = "product_added"
	// SAML single sign-on (saml.go): guesses too (ATL-EVENTS-3).
	ActionSAMLConfigured = "saml_configuration_updated"
	ActionUserLoggedIn   = "user_logged_in"
)

// eventActions is the catalogue GET /event-actions lists, with Atlassian's
// activity names ("Created group", "Deactivated account", …) where its
// audit-log activity list has one.
var eventActions = []struct {
	key, display, group string
}{
	{ActionUserCreated, "Created account", "User management"},
	{ActionUserUpdated, "Updated account details", "User management"},
	{ActionUserDeactivated, "Deactivated account", "User management"},
	{ActionUserReactivated, "Reactivated account", "User management"},
	{ActionUserAccessSuspended, "Suspended access", "User management"},
	{ActionUserAccessRestored, "Restored access", "User management"},
	{ActionUserRemovedFromOrg, "Removed user from directory", "User management"},
	{ActionGroupCreated, "Created group", "Group management"},
	{ActionGroupDeleted, "Deleted group", "Group management"},
	{ActionUserAddedToGroup, "Added user to group", "Group management"},
	{ActionUserRemovedFromGrp, "Removed user from group", "Group management"},
	{ActionGroupGrantedRole, "Granted product access to group", "Product access"},
	{ActionGroupRevokedRole, "Revoked product access from group", "Product access"},
	{ActionDirectoryCreated, "Created identity provider directory", "User provisioning"},
	{ActionDirectoryKeyRenew, "Regenerated directory API key", "User provisioning"},
	{ActionDomainAdded, "Added domain", "Domains"},
	{ActionDomainVerified, "Verified domain", "Domains"},
	{ActionSiteAdded, "Added site", "Products"},
	{ActionProductAdded, "Added product", "Products"},
	{ActionSAMLConfigured, "Updated SAML configuration", "Security"},
	{ActionUserLoggedIn, "Logged in", "User management"},
}

// Event is one audit-log entry. It is stored as it is exported in
// snapshots; the API renders it with links (orgapi_v1.go).
type Event struct {
	Seq         uint64        `json:"seq"`
	ID          string        `json:"id"`
	Time        time.Time     `json:"time"`
	ProcessedAt time.Time     `json:"processedAt"`
	Action      string        `json:"action"`
	Actor       Actor         `json:"actor"`
	Context     []EventObject `json:"context"`
	Container   []EventObject `json:"container"`
	Message     string        `json:"message"`
}

// Actor is who made a change: an API key, a SCIM directory's identity
// provider, or an admin in the console (the /_sim/ routes).
type Actor struct {
	ID         string `json:"id"`
	Name       string `json:"name,omitempty"`
	Email      string `json:"email,omitempty"`
	AuthType   string `json:"authType,omitempty"` // api-token for org API keys
	TokenID    string `json:"tokenId,omitempty"`
	TokenLabel string `json:"tokenLabel,omitempty"`
	IP         string `json:"ip,omitempty"`
}

// EventObject is what (context) or where (container) an event is about.
type EventObject struct {
	ID         string            `json:"id,omitempty"`
	Type       string            `json:"type"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Alt        string            `json:"alt,omitempty"` // links.alt, e.g. a site's URL
}

// adminActor is the organization admin working in the console: every
// /_sim/ action that Atlassian only offers in its UI.
var adminActor = Actor{ID: "admin", Name: "Organization admin"}

// AdminActor is the organization admin working in the console
// (mockatlassian/console), for the model methods that take an actor.
func AdminActor() Actor { return adminActor }

// APIKeyActor is the actor of a call made with an organization API key.
func APIKeyActor(c Caller, ip string) Actor {
	return Actor{ID: c.KeyID, Name: c.KeyLabel, AuthType: "api-token", TokenID: c.KeyID, TokenLabel: c.KeyLabel, IP: ip}
}

// directoryActor is a SCIM directory's identity provider: changes that
// arrive through provisioning.
func directoryActor(d *Directory) Actor {
	return Actor{ID: d.ID, Name: d.Name + " (identity provider)"}
}

func userObject(a *Account) EventObject {
	name := a.DisplayName
	if name == "" {
		name = a.Email
	}
	return EventObject{ID: a.ID, Type: "users", Attributes: map[string]string{"accountType": "atlassian", "email": a.Email, "name": name}}
}

func groupObject(g *OrgGroup) EventObject {
	return EventObject{ID: g.ID, Type: "groups", Attributes: map[string]string{"name": g.Name}}
}

func (o *Org) container() EventObject {
	return EventObject{ID: o.ID, Type: "orgs", Attributes: map[string]string{"name": o.Name}}
}

func directoryObject(d *Directory) EventObject {
	return EventObject{ID: d.ID, Type: "directories", Attributes: map[string]string{"name": d.Name}}
}

func domainObject(name string) EventObject {
	return EventObject{Type: "domains", Attributes: map[string]string{"name": name}}
}

func siteObject(s *Site) EventObject {
	return EventObject{ID: s.ID, Type: "sites", Alt: "https://" + s.Name,
		Attributes: map[string]string{"siteHostName": "https://" + s.Name, "siteName": strings.SplitN(s.Name, ".", 2)[0]}}
}

// audit appends an event. Caller holds o.mu.
func (m *Model) audit(o *Org, action string, actor Actor, message string, context []EventObject, container ...EventObject) {
	if key, ok := m.opts.EventActionKeys[action]; ok {
		action = key
	}
	now := m.now()
	o.eventSeq++
	if context == nil {
		context = []EventObject{}
	}
	container = append([]EventObject{o.container()}, container...)
	o.events = append(o.events, &Event{Seq: o.eventSeq, ID: m.ids.UUID(), Time: now, ProcessedAt: now,
		Action: action, Actor: actor, Context: context, Container: container, Message: message})
	o.changes.New(kindEvent, eventKey(o.eventSeq))
	// Past the bound, drop the oldest tenth at once (as mockokta's System
	// Log does): dropping one event per event copies the whole log each
	// time, so every write past 10,000 events cost the log's size.
	if over := len(o.events) - m.opts.MaxEventsPerOrg; over > 0 {
		over += m.opts.MaxEventsPerOrg / 10
		over = min(over, len(o.events))
		for _, e := range o.events[:over] {
			o.changes.Put(kindEvent, eventKey(e.Seq)) // gone: the store deletes it
		}
		clear(o.events[:over])
		o.events = append(o.events[:0:0], o.events[over:]...)
	}
}

// event finds an event by sequence number. Caller holds o.mu.
func (o *Org) event(seq uint64) *Event {
	i := sort.Search(len(o.events), func(i int) bool { return o.events[i].Seq >= seq })
	if i < len(o.events) && o.events[i].Seq == seq {
		return o.events[i]
	}
	return nil
}

// auditAccountSync records what a provisioning write did to the account it
// is linked to: creation, a changed profile or email, (de)activation.
// before is the account as it was, nil when the write created it.
func (m *Model) auditAccountSync(o *Org, d *Directory, before *Account, a *Account) {
	actor := directoryActor(d)
	switch {
	case before == nil:
		m.audit(o, ActionUserCreated, actor, "Created account "+a.Email, []EventObject{userObject(a)})
		if !a.Active {
			m.audit(o, ActionUserDeactivated, actor, "Deactivated account "+a.Email, []EventObject{userObject(a)})
		}
		return
	case profileOf(before) != profileOf(a):
		m.audit(o, ActionUserUpdated, actor, "Updated account details of "+a.Email, []EventObject{userObject(a)})
	}
	m.auditActive(o, actor, before.Active, a)
}

// auditActive records a change of an account's active state.
func (m *Model) auditActive(o *Org, actor Actor, wasActive bool, a *Account) {
	switch {
	case wasActive && !a.Active:
		m.audit(o, ActionUserDeactivated, actor, "Deactivated account "+a.Email, []EventObject{userObject(a)})
	case !wasActive && a.Active:
		m.audit(o, ActionUserReactivated, actor, "Reactivated account "+a.Email, []EventObject{userObject(a)})
	}
}

type accountProfile struct {
	email, name, nick, title, dept, org, tz, lang string
}

func profileOf(a *Account) accountProfile {
	return accountProfile{a.Email, a.DisplayName, a.NickName, a.Title, a.Department, a.Organization, a.Timezone, a.Language}
}

// auditMembers records the members a synced group gained and lost, by the
// accounts their SCIM users are linked to. Caller holds the org lock.
func (m *Model) auditMembers(d *Directory, g *groupRecord, before map[string]bool) {
	if d.org.groups[g.orgGroup] == nil {
		return
	}
	var added, removed []string
	for _, uid := range sortedKeys(g.members) {
		if !before[uid] {
			added = append(added, uid)
		}
	}
	for _, uid := range sortedKeys(before) {
		if !g.members[uid] {
			removed = append(removed, uid)
		}
	}
	m.auditMemberDiff(d, g, added, removed)
}

// auditMemberDiff records added then removed members, each list in id
// order; the member PATCH fast path (groupfast.go) knows its difference
// without comparing whole member sets. Caller holds the org lock.
func (m *Model) auditMemberDiff(d *Directory, g *groupRecord, added, removed []string) {
	o := d.org
	og := o.groups[g.orgGroup]
	if og == nil {
		return
	}
	actor := directoryActor(d)
	note := func(uid, action, verb string) {
		u, ok := d.users[uid]
		if !ok || u.account == "" {
			return
		}
		if a := o.accounts[u.account]; a != nil {
			m.audit(o, action, actor, verb+" "+a.Email+" "+map[bool]string{true: "to", false: "from"}[action == ActionUserAddedToGroup]+" group "+og.Name,
				[]EventObject{userObject(a), groupObject(og)})
		}
	}
	for _, uid := range added {
		note(uid, ActionUserAddedToGroup, "Added")
	}
	for _, uid := range removed {
		note(uid, ActionUserRemovedFromGrp, "Removed")
	}
}

// auditGroup records a group created or deleted.
func (m *Model) auditGroup(o *Org, actor Actor, g *OrgGroup, created bool) {
	if created {
		m.audit(o, ActionGroupCreated, actor, "Created group "+g.Name, []EventObject{groupObject(g)})
		return
	}
	m.audit(o, ActionGroupDeleted, actor, "Deleted group "+g.Name, []EventObject{groupObject(g)})
}

// auditAccess records product access granted to or revoked from a group.
func (m *Model) auditAccess(o *Org, actor Actor, s *Site, p *Product, g *OrgGroup, grant bool) {
	ctx := []EventObject{groupObject(g), {ID: resourceARI(s, p.Key), Type: "products", Attributes: map[string]string{"key": p.Key, "name": p.Name}}}
	if grant {
		m.audit(o, ActionGroupGrantedRole, actor, "Granted "+p.Name+" access on "+s.Name+" to group "+g.Name, ctx, siteObject(s))
		return
	}
	m.audit(o, ActionGroupRevokedRole, actor, "Revoked "+p.Name+" access on "+s.Name+" from group "+g.Name, ctx, siteObject(s))
}

// EventQuery filters the audit log (GET …/events).
type EventQuery struct {
	Q      string    // one free-text term, matched case-insensitively
	From   time.Time // inclusive; zero: unbounded
	To     time.Time // inclusive; zero: unbounded
	Action string    // one action key
	Actors []string  // actor ids
	IPs    []string
}

func (q EventQuery) match(e *Event) bool {
	if !q.From.IsZero() && e.Time.Before(q.From) || !q.To.IsZero() && e.Time.After(q.To) {
		return false
	}
	if q.Action != "" && e.Action != q.Action {
		return false
	}
	if len(q.Actors) > 0 && !contains(q.Actors, e.Actor.ID) {
		return false
	}
	if len(q.IPs) > 0 && !contains(q.IPs, e.Actor.IP) {
		return false
	}
	if q.Q == "" {
		return true
	}
	term := strings.ToLower(q.Q)
	texts := []string{e.Action, e.Message, e.Actor.Name, e.Actor.Email, e.Actor.ID}
	for _, obj := range append(append([]EventObject(nil), e.Context...), e.Container...) {
		texts = append(texts, obj.ID)
		for _, v := range obj.Attributes {
			texts = append(texts, v)
		}
	}
	for _, t := range texts {
		if strings.Contains(strings.ToLower(t), term) {
			return true
		}
	}
	return false
}

// Events returns up to limit events matching q, newest first, older than
// the event with sequence number before (0: from the newest), and the
// sequence number to continue from (0: no more).
func (m *Model) Events(orgID string, q EventQuery, before uint64, limit int) ([]Event, uint64, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, 0, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Event
	for i := len(o.events) - 1; i >= 0; i-- {
		e := o.events[i]
		if before != 0 && e.Seq >= before || !q.match(e) {
			continue
		}
		if len(out) == limit {
			return out, out[len(out)-1].Seq, nil
		}
		out = append(out, *e)
	}
	return out, 0, nil
}

// EventStream returns up to limit events processed within [from, to]
// after (ascending) or before (descending) the sequence number at, and the
// sequence number of the last one returned. Polling continues from there:
// at is 0 for the first page.
func (m *Model) EventStream(orgID string, from, to time.Time, desc bool, at uint64, limit int) ([]Event, uint64, error) {
	o, err := m.org(orgID)
	if err != nil {
		return nil, 0, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	events := o.events
	in := func(e *Event) bool {
		return (from.IsZero() || !e.ProcessedAt.Before(from)) && (to.IsZero() || !e.ProcessedAt.After(to))
	}
	var out []Event
	if desc {
		for i := len(events) - 1; i >= 0 && len(out) < limit; i-- {
			if e := events[i]; (at == 0 || e.Seq < at) && in(e) {
				out = append(out, *e)
			}
		}
	} else {
		start := sort.Search(len(events), func(i int) bool { return events[i].Seq > at })
		for i := start; i < len(events) && len(out) < limit; i++ {
			if in(events[i]) {
				out = append(out, *events[i])
			}
		}
	}
	if len(out) > 0 {
		at = out[len(out)-1].Seq
	}
	return out, at, nil
}

// EventByID returns one event.
func (m *Model) EventByID(orgID, id string) (Event, error) {
	o, err := m.org(orgID)
	if err != nil {
		return Event{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.events {
		if e.ID == id {
			return *e, nil
		}
	}
	return Event{}, notFoundOf(resEvent, "event %s does not exist", id)
}

// EventActionView is one entry of the event-actions catalogue.
type EventActionView struct {
	Key          string
	DisplayName  string
	GroupDisplay string
}

// EventActions lists the actions the organization's log can hold, under the
// keys configured with --event-action.
func (m *Model) EventActions(orgID string) ([]EventActionView, error) {
	if _, err := m.org(orgID); err != nil {
		return nil, err
	}
	out := make([]EventActionView, 0, len(eventActions))
	for _, a := range eventActions {
		key := a.key
		if k, ok := m.opts.EventActionKeys[key]; ok {
			key = k
		}
		out = append(out, EventActionView{Key: key, DisplayName: a.display, GroupDisplay: a.group})
	}
	return out, nil
}

// validEventActionKeys checks --event-action renames: each names an action
// provsim records.
func validEventActionKeys(keys map[string]string) error {
	for k, v := range keys {
		known := false
		for _, a := range eventActions {
			known = known || a.key == k
		}
		if !known {
			var names []string
			for _, a := range eventActions {
				names = append(names, a.key)
			}
			return fmt.Errorf("event action %q: want one of %s", k, strings.Join(names, ", "))
		}
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("event action %q: the new name is empty", k)
		}
	}
	return nil
}
