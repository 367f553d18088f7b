package mockokta

import (
	"net/http"

	"github.com/gorilla/mux"
)

// HTTP adapters for the Policy API's app sign-in policies and the app's
// policy assignment (policies.go has the behaviour; OAPI-POLICY-1..3).

func (s *Server) policyRoutes(r *mux.Router) {
	r.HandleFunc("/policies", s.apiListPolicies).Methods(http.MethodGet)
	r.HandleFunc("/policies", s.apiCreatePolicy).Methods(http.MethodPost)
	r.HandleFunc("/policies/{policyId}", s.apiGetPolicy).Methods(http.MethodGet)
	r.HandleFunc("/policies/{policyId}", s.apiReplacePolicy).Methods(http.MethodPut)
	r.HandleFunc("/policies/{policyId}", s.apiDeletePolicy).Methods(http.MethodDelete)
	r.HandleFunc("/policies/{policyId}/lifecycle/activate", s.apiPolicyStatus(true)).Methods(http.MethodPost)
	r.HandleFunc("/policies/{policyId}/lifecycle/deactivate", s.apiPolicyStatus(false)).Methods(http.MethodPost)
	r.HandleFunc("/policies/{policyId}/rules", s.apiListPolicyRules).Methods(http.MethodGet)
	r.HandleFunc("/policies/{policyId}/rules", s.apiCreatePolicyRule).Methods(http.MethodPost)
	r.HandleFunc("/policies/{policyId}/rules/{ruleId}", s.apiGetPolicyRule).Methods(http.MethodGet)
	r.HandleFunc("/policies/{policyId}/rules/{ruleId}", s.apiReplacePolicyRule).Methods(http.MethodPut)
	r.HandleFunc("/policies/{policyId}/rules/{ruleId}", s.apiDeletePolicyRule).Methods(http.MethodDelete)
	r.HandleFunc("/policies/{policyId}/rules/{ruleId}/lifecycle/activate", s.apiPolicyRuleStatus(true)).Methods(http.MethodPost)
	r.HandleFunc("/policies/{policyId}/rules/{ruleId}/lifecycle/deactivate", s.apiPolicyRuleStatus(false)).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/policies/{policyId}", s.apiAssignAppPolicy).Methods(http.MethodPut)
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
	Self       link  `json:"self"`
	Rules      link  `json:"rules"`
	Activate   *link `json:"activate,omitempty"`
	Deactivate *link `json:"deactivate,omitempty"`
}

// lifecycleLink is the activate or deactivate link of a policy or rule
// (the one its status allows).
func lifecycleLink(base, status string, parts ...string) (activate, deactivate *link) {
	op := "deactivate"
	if status != PolicyActive {
		op = "activate"
	}
	l := href(base, append(parts, "lifecycle", op)...)
	l.Hints = map[string]any{"allow": []string{"POST"}}
	if op == "activate" {
		return &l, nil
	}
	return nil, &l
}

func policyJSON(base string, p *AccessPolicy) policyView {
	self, rules := href(base, "policies", p.ID), href(base, "policies", p.ID, "rules")
	allow := []string{"GET", "PUT", "DELETE"}
	if p.System {
		allow = []string{"GET", "PUT"}
	}
	self.Hints = map[string]any{"allow": allow}
	rules.Hints = map[string]any{"allow": []string{"GET", "POST"}}
	links := policyLinks{Self: self, Rules: rules}
	if !p.System {
		links.Activate, links.Deactivate = lifecycleLink(base, p.Status, "policies", p.ID)
	}
	// conditions is null for this type: they live on the rules.
	return policyView{ID: p.ID, Status: p.Status, Name: p.Name, Description: p.Description, Priority: p.Priority,
		System: p.System, Created: oktaTimestamp(p.Created), LastUpdated: oktaTimestamp(p.LastUpdated), Links: links,
		Type: AccessPolicyType}
}

// policyRuleView is a rule of an access policy as Okta renders it.
type policyRuleView struct {
	ID          string          `json:"id"`
	Status      string          `json:"status"`
	Name        string          `json:"name"`
	Priority    int             `json:"priority"`
	Created     string          `json:"created"`
	LastUpdated string          `json:"lastUpdated"`
	System      bool            `json:"system"`
	Conditions  map[string]any  `json:"conditions"`
	Actions     map[string]any  `json:"actions"`
	Type        string          `json:"type"`
	Links       policyRuleLinks `json:"_links"`
}

type policyRuleLinks struct {
	Self       link  `json:"self"`
	Activate   *link `json:"activate,omitempty"`
	Deactivate *link `json:"deactivate,omitempty"`
}

func policyRuleJSON(base, policyID string, r *PolicyRule) policyRuleView {
	self := href(base, "policies", policyID, "rules", r.ID)
	allow := []string{"GET", "PUT", "DELETE"}
	if r.System {
		allow = []string{"GET", "PUT"}
	}
	self.Hints = map[string]any{"allow": allow}
	links := policyRuleLinks{Self: self}
	if !r.System {
		links.Activate, links.Deactivate = lifecycleLink(base, r.Status, "policies", policyID, "rules", r.ID)
	}
	return policyRuleView{ID: r.ID, Status: r.Status, Name: r.Name, Priority: r.Priority, Created: oktaTimestamp(r.Created),
		LastUpdated: oktaTimestamp(r.LastUpdated), System: r.System, Conditions: r.Conditions, Actions: r.Actions,
		Type: AccessPolicyType, Links: links}
}

// withAccessPolicy links an app's view to its sign-in policy.
func (s *Server) withAccessPolicy(r *http.Request, v appView) appView {
	v.Links.AccessPolicy = href(baseURL(r), "policies", s.Model.AppAccessPolicyID(orgOf(r), v.ID))
	return v
}

func (s *Server) apiListPolicies(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ps, err := s.Model.ListPolicies(orgOf(r), q.Get("type"), q.Get("status"), q.Get("q"))
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
	byID := map[string]*AccessPolicy{}
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

func (s *Server) apiCreatePolicy(w http.ResponseWriter, r *http.Request) {
	activate, err := queryBool(r, "activate", true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in AccessPolicyInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.Model.CreateAccessPolicy(orgOf(r), in, activate)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, policyJSON(baseURL(r), p))
}

func (s *Server) apiReplacePolicy(w http.ResponseWriter, r *http.Request) {
	var in AccessPolicyInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.Model.ReplaceAccessPolicy(orgOf(r), vars(r)["policyId"], in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, policyJSON(baseURL(r), p))
}

func (s *Server) apiDeletePolicy(w http.ResponseWriter, r *http.Request) {
	if err := s.Model.DeleteAccessPolicy(orgOf(r), vars(r)["policyId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiPolicyStatus(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.Model.SetAccessPolicyStatus(orgOf(r), vars(r)["policyId"], active); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) apiListPolicyRules(w http.ResponseWriter, r *http.Request) {
	id := vars(r)["policyId"]
	rules, err := s.Model.AccessPolicyRules(orgOf(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	base := baseURL(r)
	out := make([]policyRuleView, 0, len(rules))
	for _, rule := range rules {
		out = append(out, policyRuleJSON(base, id, rule))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiGetPolicyRule(w http.ResponseWriter, r *http.Request) {
	v := vars(r)
	rule, err := s.Model.AccessPolicyRule(orgOf(r), v["policyId"], v["ruleId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, policyRuleJSON(baseURL(r), v["policyId"], rule))
}

func (s *Server) apiCreatePolicyRule(w http.ResponseWriter, r *http.Request) {
	activate, err := queryBool(r, "activate", true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in PolicyRuleInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	id := vars(r)["policyId"]
	rule, err := s.Model.CreateAccessPolicyRule(orgOf(r), id, in, activate)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, policyRuleJSON(baseURL(r), id, rule))
}

func (s *Server) apiReplacePolicyRule(w http.ResponseWriter, r *http.Request) {
	var in PolicyRuleInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	v := vars(r)
	rule, err := s.Model.ReplaceAccessPolicyRule(orgOf(r), v["policyId"], v["ruleId"], in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, policyRuleJSON(baseURL(r), v["policyId"], rule))
}

func (s *Server) apiDeletePolicyRule(w http.ResponseWriter, r *http.Request) {
	v := vars(r)
	if err := s.Model.DeleteAccessPolicyRule(orgOf(r), v["policyId"], v["ruleId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiPolicyRuleStatus(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := vars(r)
		if err := s.Model.SetAccessPolicyRuleStatus(orgOf(r), v["policyId"], v["ruleId"], active); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) apiAssignAppPolicy(w http.ResponseWriter, r *http.Request) {
	v := vars(r)
	if err := s.Model.AssignAppPolicy(orgOf(r), v["appId"], v["policyId"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
