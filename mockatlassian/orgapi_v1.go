package mockatlassian

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/mux"
)

// The v1 Organizations REST API: organizations, managed accounts, domains,
// the audit log and the v1 directory calls. Shapes: ATL-ORGS-1,
// ATL-EVENTS-1, ATL-DIRECTORY-1; provsim's choices: ATL-ORGS-2.

func (s *Server) v1Routes(r *mux.Router) {
	get, post, del := http.MethodGet, http.MethodPost, http.MethodDelete
	r.HandleFunc("", s.v1Orgs).Methods(get)
	r.HandleFunc("/{orgId}", s.v1Org).Methods(get)
	r.HandleFunc("/{orgId}/users", s.v1Users).Methods(get)
	r.HandleFunc("/{orgId}/domains", s.v1Domains).Methods(get)
	r.HandleFunc("/{orgId}/domains/{domainId}", s.v1Domain).Methods(get)
	r.HandleFunc("/{orgId}/events", s.v1Events).Methods(get)
	r.HandleFunc("/{orgId}/events/{eventId}", s.v1Event).Methods(get)
	r.HandleFunc("/{orgId}/event-actions", s.v1EventActions).Methods(get)
	r.HandleFunc("/{orgId}/events-stream", s.v1EventStream).Methods(get)
	r.HandleFunc("/{orgId}/directory/users/{accountId}", s.v1RemoveUser).Methods(del)
	r.HandleFunc("/{orgId}/directory/users/{accountId}/last-active-dates", s.v1LastActive).Methods(get)
	r.HandleFunc("/{orgId}/directory/users/{accountId}/suspend-access", s.v1Suspend).Methods(post)
	r.HandleFunc("/{orgId}/directory/users/{accountId}/restore-access", s.v1Suspend).Methods(post)
}

type relatedLink struct {
	Links struct {
		Related string `json:"related"`
	} `json:"links"`
}

type selfLink struct {
	Self string `json:"self"`
}

type orgModel struct {
	ID            string                 `json:"id"`
	Type          string                 `json:"type"`
	Attributes    map[string]string      `json:"attributes"`
	Relationships map[string]relatedLink `json:"relationships"`
	Links         selfLink               `json:"links"`
}

func (s *Server) orgModel(v OrgView) orgModel {
	base := "/admin/v1/orgs/" + url.PathEscape(v.ID)
	rel := func(p string) relatedLink {
		var l relatedLink
		l.Links.Related = s.apiURL(base+p, nil)
		return l
	}
	return orgModel{ID: v.ID, Type: "orgs", Attributes: map[string]string{"name": v.Name},
		Relationships: map[string]relatedLink{"domains": rel("/domains"), "users": rel("/users")},
		Links:         selfLink{s.apiURL(base, nil)}}
}

// v1Orgs lists the organizations the key may manage: its own.
func (s *Server) v1Orgs(w http.ResponseWriter, r *http.Request) {
	if _, err := v1Offset(r, "orgs"); err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	v, err := s.Model.Org(callerOf(r).OrgID)
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": []orgModel{s.orgModel(v)}, "links": pageLinks{Self: s.apiURL(r.URL.Path, nil)}})
}

func (s *Server) v1Org(w http.ResponseWriter, r *http.Request) {
	v, err := s.Model.Org(mux.Vars(r)["orgId"])
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, notFoundOf(resOrg, "Organization not found"))
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": s.orgModel(v)})
}

// wireProductKey is a product's key in the admin APIs, which spell Jira
// Service Management as jira-service-desk.
func wireProductKey(key string) string {
	if key == "jira-servicedesk" {
		return "jira-service-desk"
	}
	return key
}

// pictureURL is the avatar Atlassian shows for an account without one of
// its own: a Gravatar with an initials fallback (ATL-ORGS-2).
func pictureURL(email, name string) string {
	sum := md5.Sum([]byte(strings.ToLower(strings.TrimSpace(email))))
	initials := ""
	for _, f := range strings.Fields(name) {
		initials += strings.ToUpper(string([]rune(f)[0:1]))
		if len(initials) == 2 {
			break
		}
	}
	if initials == "" {
		initials = "U"
	}
	fallback := "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/" + initials + "-0.png"
	return "https://secure.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?d=" + url.QueryEscape(fallback)
}

type v1Product struct {
	Key        string `json:"key"`
	Name       string `json:"name"`
	URL        string `json:"url,omitempty"`
	LastActive string `json:"last_active,omitempty"`
}

type v1UserWire struct {
	AccountID      string      `json:"account_id"`
	AccountType    string      `json:"account_type"`
	AccountStatus  string      `json:"account_status"`
	Name           string      `json:"name"`
	Picture        string      `json:"picture"`
	Email          string      `json:"email,omitempty"`
	AccessBillable bool        `json:"access_billable"`
	LastActive     string      `json:"last_active,omitempty"`
	ProductAccess  []v1Product `json:"product_access"`
	Links          selfLink    `json:"links"`
}

func accountStatus(v AccountAdminView) string {
	if v.Active {
		return "active"
	}
	return "inactive"
}

func (s *Server) v1UserOf(v AccountAdminView) v1UserWire {
	u := v1UserWire{AccountID: v.ID, AccountType: "atlassian", AccountStatus: accountStatus(v), Name: v.Name,
		Picture: pictureURL(v.Email, v.Name), Email: v.Email, ProductAccess: []v1Product{},
		// Billable in Guard: an active managed account that can use a
		// product (ATL-ORGS-2).
		AccessBillable: v.Active && !v.Suspended && len(v.Products) > 0,
		Links:          selfLink{s.apiURL("/users/"+url.PathEscape(v.ID)+"/manage", nil)}}
	if !v.LastActive.IsZero() {
		u.LastActive = atlassianTime(v.LastActive)
	}
	for _, p := range v.Products {
		vp := v1Product{Key: wireProductKey(p.Key), Name: p.Name, URL: p.SiteName}
		if !p.LastActive.IsZero() {
			vp.LastActive = atlassianTime(p.LastActive)
		}
		u.ProductAccess = append(u.ProductAccess, vp)
	}
	return u
}

// v1Users lists the organization's managed accounts.
func (s *Server) v1Users(w http.ResponseWriter, r *http.Request) {
	offset, err := v1Offset(r, "users")
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	accts, err := s.Model.ManagedAccounts(mux.Vars(r)["orgId"])
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	size := s.orgAPI.PageSize
	start, end := pageBounds(len(accts), offset, size)
	data := make([]v1UserWire, 0, end-start)
	for _, a := range accts[start:end] {
		data = append(data, s.v1UserOf(a))
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": data, "meta": map[string]int{"total": len(accts)},
		"links": s.v1Links(r, "users", len(accts), offset, size)})
}

// domainID is a domain's stable id: derived from the organization and the
// name, so it survives restarts without being stored.
func domainID(orgID, name string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("provsim:domain:"+orgID+":"+strings.ToLower(name))).String()
}

type domainModel struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Attributes struct {
		Name  string `json:"name"`
		Claim struct {
			Type   string `json:"type"`
			Status string `json:"status"`
		} `json:"claim"`
	} `json:"attributes"`
	Links selfLink `json:"links"`
}

func (s *Server) domainModel(orgID string, d DomainView) domainModel {
	var m domainModel
	m.ID, m.Type = domainID(orgID, d.Name), "domains"
	m.Attributes.Name = d.Name
	// provsim verifies domains by DNS TXT record, the method Atlassian
	// offers first (ATL-ORGS-2).
	m.Attributes.Claim.Type, m.Attributes.Claim.Status = "dns", "unverified"
	if d.Verified {
		m.Attributes.Claim.Status = "verified"
	}
	m.Links.Self = s.apiURL("/admin/v1/orgs/"+url.PathEscape(orgID)+"/domains/"+m.ID, nil)
	return m
}

func (s *Server) v1Domains(w http.ResponseWriter, r *http.Request) {
	offset, err := v1Offset(r, "domains")
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	org := mux.Vars(r)["orgId"]
	v, err := s.Model.Org(org)
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	size := s.orgAPI.PageSize
	start, end := pageBounds(len(v.Domains), offset, size)
	data := make([]domainModel, 0, end-start)
	for _, d := range v.Domains[start:end] {
		data = append(data, s.domainModel(org, d))
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": data, "links": s.v1Links(r, "domains", len(v.Domains), offset, size)})
}

func (s *Server) v1Domain(w http.ResponseWriter, r *http.Request) {
	org, id := mux.Vars(r)["orgId"], mux.Vars(r)["domainId"]
	if _, err := uuid.Parse(id); err != nil {
		s.orgAPIError(w, r, styleOrgs, invalidOf(resDomain, "Invalid domain id %q", id))
		return
	}
	v, err := s.Model.Org(org)
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	for _, d := range v.Domains {
		if domainID(org, d.Name) == id {
			writeJSON(w, r, http.StatusOK, map[string]any{"data": s.domainModel(org, d)})
			return
		}
	}
	s.orgAPIError(w, r, styleOrgs, notFoundOf(resDomain, "Domain %s not found", id))
}

// Audit-log events on the wire.
type eventActorWire struct {
	ID    string            `json:"id"`
	Name  string            `json:"name,omitempty"`
	Email string            `json:"email,omitempty"`
	Auth  map[string]string `json:"auth,omitempty"`
	Links *selfLink         `json:"links,omitempty"`
}

type eventObjectWire struct {
	ID         string            `json:"id,omitempty"`
	Type       string            `json:"type"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Links      map[string]string `json:"links,omitempty"`
}

type eventAttributes struct {
	Time        string            `json:"time"`
	ProcessedAt string            `json:"processedAt,omitempty"`
	Action      string            `json:"action"`
	Actor       eventActorWire    `json:"actor"`
	Context     []eventObjectWire `json:"context"`
	Container   []eventObjectWire `json:"container"`
	Location    map[string]string `json:"location,omitempty"`
}

type eventWire struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Attributes eventAttributes `json:"attributes"`
	Links      selfLink        `json:"links"`
	Message    struct {
		Content string `json:"content"`
		Format  string `json:"format"`
	} `json:"message"`
}

func (s *Server) eventWire(orgID string, e Event, stream bool) eventWire {
	objs := func(in []EventObject) []eventObjectWire {
		out := make([]eventObjectWire, 0, len(in))
		for _, o := range in {
			w := eventObjectWire{ID: o.ID, Type: o.Type, Attributes: o.Attributes}
			if o.Alt != "" {
				w.Links = map[string]string{"alt": o.Alt}
			}
			out = append(out, w)
		}
		return out
	}
	ew := eventWire{ID: e.ID, Type: "events", Links: selfLink{s.apiURL("/admin/v1/orgs/"+url.PathEscape(orgID)+"/events/"+e.ID, nil)}}
	a := eventAttributes{Time: atlassianTime(e.Time), Action: e.Action, Context: objs(e.Context), Container: objs(e.Container),
		Actor: eventActorWire{ID: e.Actor.ID, Name: e.Actor.Name, Email: e.Actor.Email}}
	if stream {
		a.ProcessedAt = atlassianTime(e.ProcessedAt)
	}
	if e.Actor.AuthType != "" {
		a.Actor.Auth = map[string]string{"authType": e.Actor.AuthType, "tokenId": e.Actor.TokenID, "tokenLabel": e.Actor.TokenLabel}
	}
	if e.Actor.IP != "" {
		a.Location = map[string]string{"ip": e.Actor.IP}
	}
	ew.Attributes = a
	ew.Message.Content, ew.Message.Format = e.Message, "simple"
	return ew
}

// epochMillis reads a from/to parameter: UNIX epoch milliseconds (what
// clients send), or an RFC 3339 time.
func epochMillis(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms >= 0 {
		return time.UnixMilli(ms).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, invalidOf(resTime, "%s must be a UNIX epoch time in milliseconds, got %q", name, v)
}

func eventQueryOf(q url.Values) (EventQuery, error) {
	from, err := epochMillis(q, "from")
	if err != nil {
		return EventQuery{}, err
	}
	to, err := epochMillis(q, "to")
	if err != nil {
		return EventQuery{}, err
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return EventQuery{}, invalidOf(resTime, "to must not be before from")
	}
	if !to.IsZero() {
		// Event times are finer than a millisecond: "to" covers its whole
		// millisecond, so an event's own time in ms finds it.
		to = to.Add(time.Millisecond - time.Nanosecond)
	}
	return EventQuery{Q: strings.TrimSpace(q.Get("q")), From: from, To: to, Action: q.Get("action"),
		Actors: queryList(q, "actor"), IPs: queryList(q, "ip")}, nil
}

// v1Events is the audit-log query, newest first.
func (s *Server) v1Events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	eq, err := eventQueryOf(q)
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	var before uint64
	if token := q.Get("cursor"); token != "" {
		c, err := decodeCursor(token, "events")
		if err != nil {
			s.orgAPIError(w, r, styleOrgs, err)
			return
		}
		before = c.Seq
	}
	limit, err := queryLimit(q, s.orgAPI.PageSize, 1000)
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	org := mux.Vars(r)["orgId"]
	events, next, err := s.Model.Events(org, eq, before, limit)
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	data := make([]eventWire, 0, len(events))
	for _, e := range events {
		data = append(data, s.eventWire(org, e, false))
	}
	meta := map[string]any{"page_size": limit}
	links := pageLinks{Self: s.apiURL(r.URL.Path, q)}
	if next != 0 {
		token := encodeCursor(cursor{Kind: "events", Seq: next})
		meta["next"] = token
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", token)
		links.Next = s.apiURL(r.URL.Path, nq)
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": data, "meta": meta, "links": links})
}

func (s *Server) v1Event(w http.ResponseWriter, r *http.Request) {
	org := mux.Vars(r)["orgId"]
	e, err := s.Model.EventByID(org, mux.Vars(r)["eventId"])
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": s.eventWire(org, e, false)})
}

func (s *Server) v1EventActions(w http.ResponseWriter, r *http.Request) {
	actions, err := s.Model.EventActions(mux.Vars(r)["orgId"])
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	type actionWire struct {
		ID         string            `json:"id"`
		Type       string            `json:"type"`
		Attributes map[string]string `json:"attributes"`
	}
	data := make([]actionWire, 0, len(actions))
	for _, a := range actions {
		data = append(data, actionWire{ID: a.Key, Type: "event-actions",
			Attributes: map[string]string{"displayName": a.DisplayName, "groupDisplayName": a.GroupDisplay}})
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": data})
}

// v1EventStream is the polling API: events in processing order, with a
// cursor on every page, the last one included, to poll again from.
func (s *Server) v1EventStream(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, err := epochMillis(q, "from")
	if err == nil {
		var to time.Time
		if to, err = epochMillis(q, "to"); err == nil {
			if !to.IsZero() {
				to = to.Add(time.Millisecond - time.Nanosecond) // as in eventQueryOf
			}
			s.eventStream(w, r, from, to)
			return
		}
	}
	s.orgAPIError(w, r, styleOrgs, err)
}

func (s *Server) eventStream(w http.ResponseWriter, r *http.Request, from, to time.Time) {
	q := r.URL.Query()
	c := cursor{Kind: "stream"}
	switch q.Get("sortOrder") {
	case "", "asc":
	case "desc":
		c.Desc = true
	default:
		s.orgAPIError(w, r, styleOrgs, invalidOf(resBody, "sortOrder must be asc or desc, got %q", q.Get("sortOrder")))
		return
	}
	if token := q.Get("cursor"); token != "" {
		var err error
		// The sort order travels in the cursor.
		if c, err = decodeCursor(token, "stream"); err != nil {
			s.orgAPIError(w, r, styleOrgs, err)
			return
		}
	}
	limit, err := queryLimit(q, 200, 500)
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	org := mux.Vars(r)["orgId"]
	events, at, err := s.Model.EventStream(org, from, to, c.Desc, c.Seq, limit)
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	data := make([]eventWire, 0, len(events))
	for _, e := range events {
		data = append(data, s.eventWire(org, e, true))
	}
	c.Seq = at
	next := encodeCursor(c)
	nq := url.Values{}
	for k, v := range q {
		nq[k] = v
	}
	nq.Set("cursor", next)
	writeJSON(w, r, http.StatusOK, map[string]any{"data": data, "meta": map[string]any{"next": next, "page_size": limit},
		"links": pageLinks{Self: s.apiURL(r.URL.Path, q), Next: s.apiURL(r.URL.Path, nq)}})
}

func (s *Server) v1RemoveUser(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	if err := s.Model.RemoveFromDirectory(v["orgId"], v["accountId"], actorOf(r)); err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) v1Suspend(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	suspend := strings.HasSuffix(r.URL.Path, "/suspend-access")
	if err := s.Model.SuspendAccess(v["orgId"], v["accountId"], suspend, actorOf(r)); err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	verb := "restored"
	if suspend {
		verb = "suspended"
	}
	writeJSON(w, r, http.StatusOK, map[string]string{"message": fmt.Sprintf("Access to organization %s was %s for user %s", v["orgId"], verb, v["accountId"])})
}

// v1LastActive is an account's last use of each product it can use, as
// dates, and the date it joined the organization.
func (s *Server) v1LastActive(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	if token := r.URL.Query().Get("cursor"); token != "" {
		if _, err := decodeCursor(token, "last-active"); err != nil {
			s.orgAPIError(w, r, styleOrgs, err)
			return
		}
	}
	a, err := s.Model.AdminAccount(v["orgId"], v["accountId"])
	if err != nil {
		s.orgAPIError(w, r, styleOrgs, err)
		return
	}
	type productDate struct {
		ID         string `json:"id"`
		Key        string `json:"key"`
		LastActive string `json:"last_active,omitempty"`
	}
	products := []productDate{}
	for _, p := range a.Products {
		pd := productDate{ID: p.SiteID, Key: wireProductKey(p.Key)}
		if !p.LastActive.IsZero() {
			pd.LastActive = p.LastActive.UTC().Format(time.DateOnly)
		}
		products = append(products, pd)
	}
	writeJSON(w, r, http.StatusOK, map[string]any{
		"data":  map[string]any{"product_access": products, "added_to_org": a.Created.UTC().Format(time.DateOnly)},
		"links": map[string]string{}})
}
