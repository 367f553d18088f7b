package mockatlassian

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/httpx"
	"github.com/provsim/provsim/internal/scim"
)

// scimRoutes registers the 20 SCIM operations (SCIM-WIRE-1).
// Handlers are thin: decode, call the model, encode.
func (s *Server) scimRoutes(r *mux.Router) {
	r.HandleFunc("/Users", s.listUsers).Methods(http.MethodGet)
	r.HandleFunc("/Users", s.createUser).Methods(http.MethodPost)
	r.HandleFunc("/Users/{id}", s.getUser).Methods(http.MethodGet)
	r.HandleFunc("/Users/{id}", s.replaceUser).Methods(http.MethodPut)
	r.HandleFunc("/Users/{id}", s.patchUser).Methods(http.MethodPatch)
	r.HandleFunc("/Users/{id}", s.deleteUser).Methods(http.MethodDelete)
	r.HandleFunc("/Groups", s.listGroups).Methods(http.MethodGet)
	r.HandleFunc("/Groups", s.createGroup).Methods(http.MethodPost)
	r.HandleFunc("/Groups/{id}", s.getGroup).Methods(http.MethodGet)
	r.HandleFunc("/Groups/{id}", s.replaceGroup).Methods(http.MethodPut)
	r.HandleFunc("/Groups/{id}", s.patchGroup).Methods(http.MethodPatch)
	r.HandleFunc("/Groups/{id}", s.deleteGroup).Methods(http.MethodDelete)
	r.HandleFunc("/Schemas", s.listSchemas).Methods(http.MethodGet)
	r.HandleFunc("/Schemas/{urn}", s.getSchema).Methods(http.MethodGet)
	r.HandleFunc("/ServiceProviderConfig", s.serviceProviderConfig).Methods(http.MethodGet)
	r.HandleFunc("/ResourceTypes", s.listResourceTypes).Methods(http.MethodGet)
	r.HandleFunc("/ResourceTypes/{name}", s.getResourceType).Methods(http.MethodGet)
}

// scimAuth enforces the directory's bearer key (SCIM-AUTH-2) and files the
// request under its directory, even when refused: 401 with
// Atlassian's Failure body for a missing or malformed header, 403 for a
// key that is not this directory's, 404 for a valid key on a directory
// that does not exist.
func (s *Server) scimAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dir := pathVar(r, "directoryId", "/scim/directory/")
		httpx.SetTenant(r, dir)
		key, ok := httpx.BearerToken(r.Header.Get("Authorization"))
		if !ok {
			msg := "Missing authorization header"
			if r.Header.Get("Authorization") != "" {
				msg = "Invalid authorization header: expected a Bearer token"
			}
			s.authError(w, r, http.StatusUnauthorized, msg)
			return
		}
		switch s.Model.Authenticate(dir, key) {
		case AuthOK:
			next.ServeHTTP(w, r)
		case AuthUnknownDirectory:
			s.scimError(w, r, scim.NotFound("Directory does not exist"))
		default:
			s.authError(w, r, http.StatusForbidden, "Not authorized to access : "+strings.TrimPrefix(r.URL.Path, "/"))
		}
	})
}

// failure is Atlassian's non-SCIM error body for auth failures.
type failure struct {
	Error   string `json:"error"`
	TraceID string `json:"traceId"`
}

func (s *Server) authError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if s.cfg.AuthErrorBody == AuthErrorSCIM {
		writeJSON(w, r, status, &scimStatusError{status: status, detail: msg})
		return
	}
	writeJSON(w, r, status, failure{Error: msg, TraceID: s.Model.ids.Hex(8)})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (s *Server) scimError(w http.ResponseWriter, r *http.Request, err error) {
	se := scim.AsError(err)
	if se.Kind == scim.KindInternal {
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, r, se.Status(), se)
}

// pathVar reads a route variable, or for requests no route matched (which
// carry no variables) the path segment after prefix.
func pathVar(r *http.Request, name, prefix string) string {
	if v := mux.Vars(r)[name]; v != "" {
		return v
	}
	rest, _ := strings.CutPrefix(r.URL.Path, prefix)
	seg, _, _ := strings.Cut(rest, "/")
	return seg
}

// scimStatusError is a SCIM error envelope for statuses outside the model's
// kinds (401/403 in scim mode, 405).
type scimStatusError struct {
	status int
	detail string
}

func (e *scimStatusError) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Schemas []string `json:"schemas"`
		Status  string   `json:"status"`
		Detail  string   `json:"detail"`
	}{[]string{scim.ErrorSchema}, strconv.Itoa(e.status), e.detail})
}

// writeJSON answers with application/scim+json when the client accepts it,
// else application/json (SCIM-WIRE-2).
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = mustJSON(scim.AsError(err))
	}
	writeRaw(w, r, status, body)
}

// writeRaw answers with a body already rendered as JSON, as writeJSON does.
func writeRaw(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	setContentType(w, r)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func setContentType(w http.ResponseWriter, r *http.Request) {
	ct := scim.ContentTypeJSON
	if strings.Contains(r.Header.Get("Accept"), scim.ContentTypeSCIM) || strings.Contains(r.Header.Get("Content-Type"), scim.ContentTypeSCIM) {
		ct = scim.ContentTypeSCIM
	}
	w.Header().Set("Content-Type", ct+"; charset=utf-8")
}

// readBody reads a request body within the size limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, scim.Errorf(scim.KindTooLarge, "", "Request body is larger than the limit of %d bytes.", s.cfg.MaxBodyBytes)
	}
	if err != nil {
		return nil, scim.Invalid(scim.TypeInvalidSyntax, "Could not read the request body: %v", err)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, scim.Invalid(scim.TypeInvalidSyntax, "Request body is empty.")
	}
	return body, nil
}

// decode reads a JSON body into v with a SCIM error for every way it can be
// wrong: oversized, empty, malformed, or of the wrong shape.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] != '{' {
		return scim.Invalid(scim.TypeInvalidSyntax, "Request body is not a JSON object.")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				field = "the request body"
			}
			return scim.Invalid(scim.TypeInvalidValue, "%s must be a %s, not a JSON %s.", field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
		case errors.As(err, &syntaxErr):
			return scim.Invalid(scim.TypeInvalidSyntax, "Request body is not valid JSON: %v", err)
		default:
			return scim.Invalid(scim.TypeInvalidSyntax, "Request body is not valid JSON: %v", err)
		}
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	default:
		return "number"
	}
}

// listParams reads startIndex and count; count is -1 when absent.
func listParams(r *http.Request) (startIndex, count int, err error) {
	q := r.URL.Query()
	startIndex, count = 1, -1
	if v := q.Get("startIndex"); v != "" {
		if startIndex, err = strconv.Atoi(v); err != nil {
			return 0, 0, scim.Invalid(scim.TypeInvalidValue, "startIndex must be an integer, got %q", v)
		}
	}
	if v := q.Get("count"); v != "" {
		if count, err = strconv.Atoi(v); err != nil {
			return 0, 0, scim.Invalid(scim.TypeInvalidValue, "count must be an integer, got %q", v)
		}
		if count < 0 {
			count = 0
		}
	}
	return startIndex, count, nil
}

func parseFilter(r *http.Request, p scim.FilterProfile) (*scim.EqFilter, error) {
	expr := strings.TrimSpace(r.URL.Query().Get("filter"))
	if expr == "" {
		return nil, nil
	}
	return scim.ParseFilter(expr, p)
}

// projection applies attributes / excludedAttributes, which Atlassian
// supports on /Users operations only (SCIM-ATTR-1).
func projection(r *http.Request, user scim.User) (any, error) {
	q := r.URL.Query()
	attrs := scim.ParseAttributeList(q.Get("attributes"))
	excluded := scim.ParseAttributeList(q.Get("excludedAttributes"))
	if len(attrs) == 0 && len(excluded) == 0 {
		return user, nil
	}
	doc, err := toDoc(user)
	if err != nil {
		return nil, err
	}
	return scim.Project(doc, scim.UserResourceSchema, attrs, excluded)
}

func dirOf(r *http.Request) string { return mux.Vars(r)["directoryId"] }
func idOf(r *http.Request) string  { return mux.Vars(r)["id"] }

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r, scim.AtlassianUserFilters)
	if err != nil {
		s.scimError(w, r, err)
		return
	}
	start, count, err := listParams(r)
	if err != nil {
		s.scimError(w, r, err)
		return
	}
	// Validate the projection before reading, so a bad one is a 400 even
	// on an empty page.
	if err := checkProjection(r); err != nil {
		s.scimError(w, r, err)
		return
	}
	total, page, users, err := s.Model.ListUsers(dirOf(r), f, start, count)
	if err != nil {
		s.scimError(w, r, err)
		return
	}
	resources := make([]any, 0, len(users))
	for _, u := range users {
		p, err := projection(r, u)
		if err != nil {
			s.scimError(w, r, err)
			return
		}
		resources = append(resources, p)
	}
	writeJSON(w, r, http.StatusOK, scim.NewListResponse(total, page.StartIndex, resources))
}

func (s *Server) userResponse(w http.ResponseWriter, r *http.Request, status int, u scim.User, err error) {
	if err != nil {
		s.scimError(w, r, err)
		return
	}
	out, err := projection(r, u)
	if err != nil {
		s.scimError(w, r, err)
		return
	}
	writeJSON(w, r, status, out)
}

// checkProjection rejects bad attributes/excludedAttributes before a write,
// so a request that will be answered 400 changes nothing.
func checkProjection(r *http.Request) error {
	_, err := projection(r, scim.User{})
	return err
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	var in scim.User
	if err := checkProjection(r); err != nil {
		s.scimError(w, r, err)
		return
	}
	if err := s.decode(w, r, &in); err != nil {
		s.scimError(w, r, err)
		return
	}
	u, err := s.Model.CreateUser(dirOf(r), in)
	if err == nil {
		w.Header().Set("Location", u.Meta.Location) // RFC 7644 §3.3 (SCIM-USER-8)
	}
	s.userResponse(w, r, http.StatusCreated, u, err)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.Model.GetUser(dirOf(r), idOf(r))
	s.userResponse(w, r, http.StatusOK, u, err)
}

func (s *Server) replaceUser(w http.ResponseWriter, r *http.Request) {
	var in scim.User
	if err := checkProjection(r); err != nil {
		s.scimError(w, r, err)
		return
	}
	if err := s.decode(w, r, &in); err != nil {
		s.scimError(w, r, err)
		return
	}
	u, err := s.Model.ReplaceUser(dirOf(r), idOf(r), in)
	s.userResponse(w, r, http.StatusOK, u, err)
}

func (s *Server) readPatch(w http.ResponseWriter, r *http.Request) (*scim.PatchRequest, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	return scim.DecodePatch(body)
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request) {
	if err := checkProjection(r); err != nil {
		s.scimError(w, r, err)
		return
	}
	p, err := s.readPatch(w, r)
	if err != nil {
		s.scimError(w, r, err)
		return
	}
	u, err := s.Model.PatchUser(dirOf(r), idOf(r), p.Operations)
	s.userResponse(w, r, http.StatusOK, u, err)
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	if err := s.Model.DeleteUser(dirOf(r), idOf(r)); err != nil {
		s.scimError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r, scim.AtlassianGroupFilters)
	if err != nil {
		s.scimError(w, r, err)
		return
	}
	start, count, err := listParams(r)
	if err != nil {
		s.scimError(w, r, err)
		return
	}
	total, page, groups, err := s.Model.ListGroups(dirOf(r), f, start, count)
	if err != nil {
		s.scimError(w, r, err)
		return
	}
	resources := make([]any, 0, len(groups))
	for _, g := range groups {
		resources = append(resources, g)
	}
	writeJSON(w, r, http.StatusOK, scim.NewListResponse(total, page.StartIndex, resources))
}

func (s *Server) groupResponse(w http.ResponseWriter, r *http.Request, status int, g scim.Group, err error) {
	if err != nil {
		s.scimError(w, r, err)
		return
	}
	writeJSON(w, r, status, g)
}

// groupAnswer answers 200 with a group the model rendered in parts
// (groupfast.go), written part by part after the model's lock is released.
func (s *Server) groupAnswer(w http.ResponseWriter, r *http.Request, a *groupAnswer, err error) {
	if err != nil {
		s.scimError(w, r, err)
		return
	}
	setContentType(w, r)
	w.WriteHeader(http.StatusOK)
	_, _ = a.WriteTo(w) // a failed write is the client gone; nothing to answer
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) {
	var in scim.Group
	if err := s.decode(w, r, &in); err != nil {
		s.scimError(w, r, err)
		return
	}
	g, err := s.Model.CreateGroup(dirOf(r), in)
	if err == nil {
		w.Header().Set("Location", g.Meta.Location) // RFC 7644 §3.3 (SCIM-USER-8)
	}
	s.groupResponse(w, r, http.StatusCreated, g, err)
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) {
	a, err := s.Model.getGroupJSON(dirOf(r), idOf(r))
	s.groupAnswer(w, r, a, err)
}

func (s *Server) replaceGroup(w http.ResponseWriter, r *http.Request) {
	var in scim.Group
	if err := s.decode(w, r, &in); err != nil {
		s.scimError(w, r, err)
		return
	}
	g, err := s.Model.ReplaceGroup(dirOf(r), idOf(r), in)
	s.groupResponse(w, r, http.StatusOK, g, err)
}

func (s *Server) patchGroup(w http.ResponseWriter, r *http.Request) {
	p, err := s.readPatch(w, r)
	if err != nil {
		s.scimError(w, r, err)
		return
	}
	a, err := s.Model.patchGroupJSON(dirOf(r), idOf(r), p.Operations)
	s.groupAnswer(w, r, a, err)
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request) {
	if err := s.Model.DeleteGroup(dirOf(r), idOf(r)); err != nil {
		s.scimError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listSchemas(w http.ResponseWriter, r *http.Request) {
	docs := s.Model.Schemas(dirOf(r))
	writeJSON(w, r, http.StatusOK, scim.NewListResponse(len(docs), 1, docs))
}

func (s *Server) getSchema(w http.ResponseWriter, r *http.Request) {
	doc, ok := s.Model.Schema(dirOf(r), mux.Vars(r)["urn"])
	if !ok {
		s.scimError(w, r, scim.NotFound("Schema %s not found.", mux.Vars(r)["urn"]))
		return
	}
	writeJSON(w, r, http.StatusOK, doc)
}

func (s *Server) serviceProviderConfig(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, http.StatusOK, s.Model.ServiceProviderConfig(dirOf(r)))
}

func (s *Server) listResourceTypes(w http.ResponseWriter, r *http.Request) {
	docs := s.Model.ResourceTypes(dirOf(r))
	writeJSON(w, r, http.StatusOK, scim.NewListResponse(len(docs), 1, docs))
}

func (s *Server) getResourceType(w http.ResponseWriter, r *http.Request) {
	doc, ok := s.Model.ResourceType(dirOf(r), mux.Vars(r)["name"])
	if !ok {
		s.scimError(w, r, scim.NotFound("ResourceType %s not found.", mux.Vars(r)["name"]))
		return
	}
	writeJSON(w, r, http.StatusOK, doc)
}
