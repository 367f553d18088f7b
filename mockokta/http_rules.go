package mockokta

import (
	"net/http"

	"github.com/gorilla/mux"
)

// HTTP adapters for the Group Rules API (rules.go has the behaviour;
// OAPI-RULES-1).

// Page sizes of GET /groups/rules (OAPI-RULES-1).
const (
	rulesPageDefault = 50
	rulesPageMax     = 200
)

// ruleRoutes must be registered before groupRoutes: /groups/rules would
// otherwise be read as the group "rules".
func (s *Server) ruleRoutes(r *mux.Router) {
	r.HandleFunc("/groups/rules", s.apiListGroupRules).Methods(http.MethodGet)
	r.HandleFunc("/groups/rules", s.apiCreateGroupRule).Methods(http.MethodPost)
	r.HandleFunc("/groups/rules/{ruleId}", s.apiGetGroupRule).Methods(http.MethodGet)
	r.HandleFunc("/groups/rules/{ruleId}", s.apiReplaceGroupRule).Methods(http.MethodPut)
	r.HandleFunc("/groups/rules/{ruleId}", s.apiDeleteGroupRule).Methods(http.MethodDelete)
	r.HandleFunc("/groups/rules/{ruleId}/lifecycle/activate", s.apiRuleLifecycle(s.Model.ActivateGroupRule)).Methods(http.MethodPost)
	r.HandleFunc("/groups/rules/{ruleId}/lifecycle/deactivate", s.apiRuleLifecycle(s.Model.DeactivateGroupRule)).Methods(http.MethodPost)
}

// expandGroupNames reports whether ?expand= asks for the groups' names.
func expandGroupNames(r *http.Request) bool {
	return r.URL.Query().Get("expand") == "groupIdToGroupNameMap"
}

func (s *Server) apiCreateGroupRule(w http.ResponseWriter, r *http.Request) {
	var in GroupRuleInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	rule, err := s.Model.CreateGroupRule(orgOf(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ruleJSON(rule, nil))
}

func (s *Server) apiGetGroupRule(w http.ResponseWriter, r *http.Request) {
	o := orgOf(r)
	rule, err := s.Model.GetGroupRule(o, vars(r)["ruleId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var names map[string]string
	if expandGroupNames(r) {
		_, names = s.Model.GroupRulesByID(o, []string{rule.ID})
	}
	writeJSON(w, http.StatusOK, ruleJSON(rule, names))
}

func (s *Server) apiListGroupRules(w http.ResponseWriter, r *http.Request) {
	p, err := pageParams(r, rulesPageDefault, rulesPageMax)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o := orgOf(r)
	ids := s.Model.GroupRuleIDs(o, r.URL.Query().Get("search"))
	rules, names := s.Model.GroupRulesByID(o, paginate(w, r, ids, p))
	if !expandGroupNames(r) {
		names = nil
	}
	out := make([]ruleView, 0, len(rules))
	for _, rule := range rules {
		out = append(out, ruleJSON(rule, names))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiReplaceGroupRule(w http.ResponseWriter, r *http.Request) {
	var in GroupRuleInput
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	rule, err := s.Model.ReplaceGroupRule(orgOf(r), vars(r)["ruleId"], in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ruleJSON(rule, nil))
}

// apiDeleteGroupRule answers 202, as Okta does: the memberships go in the
// background there (here they are gone when it answers).
func (s *Server) apiDeleteGroupRule(w http.ResponseWriter, r *http.Request) {
	removeUsers, err := queryBool(r, "removeUsers", false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.Model.DeleteGroupRule(orgOf(r), vars(r)["ruleId"], removeUsers); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// apiRuleLifecycle is activate or deactivate: 204.
func (s *Server) apiRuleLifecycle(op func(*Org, string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := op(orgOf(r), vars(r)["ruleId"]); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
