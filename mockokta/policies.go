package mockokta

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"
)

// App sign-in policies (OAPI-POLICY-1). An Identity Engine org ships with
// its access policies: the default one (system: true), which every app is
// on until an admin picks another, and the Okta Account Management Policy.
// Terraform's provider lists them by type when it creates an app, puts the
// app on the default one and reads the app's _links.accessPolicy back.
// provsim models these two, read-only, with their catch-all rules; they
// are derived from the org id, so they need no storage and survive resets.

// Policy types Okta's listPolicies takes (`type` is required). provsim
// serves ACCESS_POLICY's policies; the other types list empty.
var policyTypes = map[string]bool{
	"ACCESS_POLICY": true, "OKTA_SIGN_ON": true, "PASSWORD": true, "MFA_ENROLL": true, "IDP_DISCOVERY": true,
	"PROFILE_ENROLLMENT": true, "POST_AUTH_SESSION": true, "ENTITY_RISK": true, "DEVICE_SIGNAL_COLLECTION": true,
}

// AccessPolicy is an app sign-in policy.
type AccessPolicy struct {
	ID           string
	Name         string
	Description  string
	Priority     int
	System       bool
	ResourceType string // APP, or END_USER_ACCOUNT_MANAGEMENT
	Created      time.Time
}

// Resource types of access policies.
const (
	PolicyForApps              = "APP"
	PolicyForAccountManagement = "END_USER_ACCOUNT_MANAGEMENT"
)

// AccessPolicies are the org's app sign-in policies, the default first.
func (m *Model) AccessPolicies(o *Org) []AccessPolicy {
	return []AccessPolicy{
		{ID: builtinID("rst", o.ID, "access-policy-default"), Name: "Default Policy",
			Description: "The default app sign-in policy", Priority: 1, System: true, ResourceType: PolicyForApps, Created: o.Created},
		{ID: builtinID("rst", o.ID, "access-policy-account-management"), Name: "Okta Account Management Policy",
			Description: "The policy for Okta account management", Priority: 2, System: false,
			ResourceType: PolicyForAccountManagement, Created: o.Created},
	}
}

// DefaultAccessPolicy is the policy every app is on (system: true).
func (m *Model) DefaultAccessPolicy(o *Org) AccessPolicy { return m.AccessPolicies(o)[0] }

// AccessPolicy finds one of the org's policies.
func (m *Model) AccessPolicy(o *Org, id string) (AccessPolicy, error) {
	for _, p := range m.AccessPolicies(o) {
		if p.ID == id {
			return p, nil
		}
	}
	return AccessPolicy{}, errNotFound("Policy", id)
}

// ListPolicies is GET /policies?type=: the type is required.
func (m *Model) ListPolicies(o *Org, typ string) ([]AccessPolicy, error) {
	switch {
	case typ == "":
		return nil, errValidation("type: The field cannot be left blank")
	case !policyTypes[typ]:
		return nil, errValidation("type: Invalid policy type " + typ)
	case typ != "ACCESS_POLICY":
		return []AccessPolicy{}, nil
	}
	return m.AccessPolicies(o), nil
}

// AssignAppPolicy is PUT /apps/{appId}/policies/{policyId}: the app's
// sign-in policy. Only the default app policy exists for apps here, so
// assigning it is accepted and changes nothing; the account management
// policy is not for apps.
func (m *Model) AssignAppPolicy(o *Org, appID, policyID string) error {
	if _, err := m.GetApp(o, appID); err != nil {
		return err
	}
	p, err := m.AccessPolicy(o, policyID)
	if err != nil {
		return err
	}
	if p.ResourceType != PolicyForApps {
		return errValidation("policyId: The policy " + p.Name + " cannot be assigned to an app")
	}
	return nil
}

// policyView is an AccessPolicy as Okta renders it.
type policyView struct {
	ID          string      `json:"id"`
	Status      string      `json:"status"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Priority    int         `json:"priority"`
	System      bool        `json:"system"`
	Conditions  any         `json:"conditions"`
	Created     string      `json:"created"`
	LastUpdated string      `json:"lastUpdated"`
	Links       policyLinks `json:"_links"`
	Type        string      `json:"type"`
}

type policyLinks struct {
	Self  link `json:"self"`
	Rules link `json:"rules"`
}

func policyJSON(base string, p AccessPolicy) policyView {
	self, rules := href(base, "policies", p.ID), href(base, "policies", p.ID, "rules")
	self.Hints = map[string]any{"allow": []string{"GET", "PUT"}}
	rules.Hints = map[string]any{"allow": []string{"GET", "POST"}}
	ts := oktaTimestamp(p.Created)
	// conditions is null for this type: they live on the rules.
	return policyView{ID: p.ID, Status: "ACTIVE", Name: p.Name, Description: p.Description, Priority: p.Priority,
		System: p.System, Created: ts, LastUpdated: ts, Links: policyLinks{Self: self, Rules: rules}, Type: "ACCESS_POLICY"}
}

// policyRuleView is the catch-all rule every access policy has at priority
// 99, which allows access (OAPI-POLICY-1).
type policyRuleView struct {
	ID          string         `json:"id"`
	Status      string         `json:"status"`
	Name        string         `json:"name"`
	Priority    int            `json:"priority"`
	Created     string         `json:"created"`
	LastUpdated string         `json:"lastUpdated"`
	System      bool           `json:"system"`
	Conditions  any            `json:"conditions"`
	Actions     map[string]any `json:"actions"`
	Type        string         `json:"type"`
	Links       selfLink       `json:"_links"`
}

func policyRuleJSON(base string, o *Org, p AccessPolicy) policyRuleView {
	id := builtinID("rul", o.ID, p.ID+"/catch-all")
	ts := oktaTimestamp(p.Created)
	return policyRuleView{ID: id, Status: "ACTIVE", Name: "Catch-all Rule", Priority: 99, Created: ts, LastUpdated: ts,
		System: true, Actions: map[string]any{"appSignOn": map[string]any{"access": "ALLOW"}},
		Type: "ACCESS_POLICY", Links: selfLink{href(base, "policies", p.ID, "rules", id)}}
}

// withAccessPolicy links an app's view to its sign-in policy, the org's
// default one (the only one for apps here).
func (s *Server) withAccessPolicy(r *http.Request, v appView) appView {
	v.Links.AccessPolicy = href(baseURL(r), "policies", s.Model.DefaultAccessPolicy(orgOf(r)).ID)
	return v
}

func (s *Server) policyRoutes(r *mux.Router) {
	r.HandleFunc("/policies", s.apiListPolicies).Methods(http.MethodGet)
	r.HandleFunc("/policies/{policyId}", s.apiGetPolicy).Methods(http.MethodGet)
	r.HandleFunc("/policies/{policyId}/rules", s.apiListPolicyRules).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/policies/{policyId}", s.apiAssignAppPolicy).Methods(http.MethodPut)
}

func (s *Server) apiListPolicies(w http.ResponseWriter, r *http.Request) {
	ps, err := s.Model.ListPolicies(orgOf(r), r.URL.Query().Get("type"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Okta documents limit and after for policies but no default page
	// size: without a limit every policy is on the one page (OAPI-PAGE-2).
	p, err := pageParams(r, max(len(ps), 1), 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	byID := map[string]AccessPolicy{}
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
		ids = append(ids, p.ID)
	}
	base := baseURL(r)
	out := make([]policyView, 0, len(ps))
	for _, id := range paginate(w, r, ids, p) {
		out = append(out, policyJSON(base, byID[id]))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiGetPolicy(w http.ResponseWriter, r *http.Request) {
	p, err := s.Model.AccessPolicy(orgOf(r), vars(r)["policyId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, policyJSON(baseURL(r), p))
}

func (s *Server) apiListPolicyRules(w http.ResponseWriter, r *http.Request) {
	o := orgOf(r)
	p, err := s.Model.AccessPolicy(o, vars(r)["policyId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, []policyRuleView{policyRuleJSON(baseURL(r), o, p)})
}

func (s *Server) apiAssignAppPolicy(w http.ResponseWriter, r *http.Request) {
	v := vars(r)
	if err := s.Model.AssignAppPolicy(orgOf(r), v["appId"], v["policyId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
