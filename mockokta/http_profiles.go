package mockokta

import (
	"encoding/json"
	"net/http"

	"github.com/gorilla/mux"
)

// profileRoutes are the user schema, app user schema and profile mapping
// APIs (profiles.go).
func (s *Server) profileRoutes(r *mux.Router) {
	r.HandleFunc("/meta/schemas/user/default", s.getUserSchema).Methods(http.MethodGet)
	r.HandleFunc("/meta/schemas/user/default", s.updateUserSchema).Methods(http.MethodPost)
	r.HandleFunc("/meta/schemas/apps/{appId}/default", s.getAppSchema).Methods(http.MethodGet)
	r.HandleFunc("/meta/schemas/apps/{appId}/default", s.updateAppSchema).Methods(http.MethodPost)
	r.HandleFunc("/mappings", s.listMappings).Methods(http.MethodGet)
	r.HandleFunc("/mappings/{mappingId}", s.getMapping).Methods(http.MethodGet)
	r.HandleFunc("/mappings/{mappingId}", s.updateMapping).Methods(http.MethodPost)
}

// schemaBody is the part of a schema POST mockokta applies: custom
// attributes (a property set to null is removed).
type schemaBody struct {
	Definitions *struct {
		Base *struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"base"`
		Custom *struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"custom"`
	} `json:"definitions"`
}

func (s *Server) decodeSchema(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, error) {
	var in schemaBody
	if err := s.decode(w, r, &in); err != nil {
		return nil, err
	}
	if in.Definitions == nil {
		return nil, errValidation("definitions: The field cannot be left blank")
	}
	if in.Definitions.Base != nil && len(in.Definitions.Base.Properties) > 0 {
		return nil, errValidation("definitions.base: mockokta keeps the base attributes as Okta defines them; add custom attributes under definitions.custom")
	}
	if in.Definitions.Custom == nil {
		return map[string]json.RawMessage{}, nil
	}
	return in.Definitions.Custom.Properties, nil
}

// schemaView is a UserSchema (Okta's user or app user schema document).
type schemaView struct {
	ID          string `json:"id"`
	Schema      string `json:"$schema"`
	Name        string `json:"name"`
	Title       string `json:"title"`
	Type        string `json:"type"`
	Definitions struct {
		Custom schemaDefinition `json:"custom"`
		Base   schemaDefinition `json:"base"`
	} `json:"definitions"`
	Properties struct {
		Profile struct {
			AllOf []map[string]string `json:"allOf"`
		} `json:"profile"`
	} `json:"properties"`
	Links struct {
		Self link `json:"self"`
	} `json:"_links"`
}

type schemaDefinition struct {
	ID         string                     `json:"id"`
	Type       string                     `json:"type"`
	Properties map[string]json.RawMessage `json:"properties"`
	Required   []string                   `json:"required"`
}

func newSchemaView(id, name, title string, base, custom map[string]json.RawMessage, required []string) schemaView {
	v := schemaView{ID: id, Schema: "http://json-schema.org/draft-04/schema#", Name: name, Title: title, Type: "object"}
	v.Definitions.Custom = schemaDefinition{ID: "#custom", Type: "object", Properties: custom, Required: []string{}}
	if v.Definitions.Custom.Properties == nil {
		v.Definitions.Custom.Properties = map[string]json.RawMessage{}
	}
	v.Definitions.Base = schemaDefinition{ID: "#base", Type: "object", Properties: base, Required: required}
	v.Properties.Profile.AllOf = []map[string]string{{"$ref": "#/definitions/custom"}, {"$ref": "#/definitions/base"}}
	v.Links.Self = link{Href: id}
	return v
}

// baseProperty is a base attribute's definition.
func baseProperty(title string, required, email bool, scope string) json.RawMessage {
	p := map[string]any{"title": title, "type": "string", "mutability": "READ_WRITE", "scope": scope,
		"permissions": []map[string]string{{"principal": "SELF", "action": "READ_WRITE"}},
		"master":      map[string]string{"type": "PROFILE_MASTER"}}
	if required {
		p["required"] = true
	}
	if email {
		p["format"] = "email"
	}
	raw, _ := json.Marshal(p) // a map of plain values always encodes
	return raw
}

func userSchemaJSON(base string, custom map[string]json.RawMessage) schemaView {
	props := map[string]json.RawMessage{}
	var required []string
	for _, b := range userBase {
		props[b.Name] = baseProperty(b.Title, b.Required, b.Email, "NONE")
		if b.Required {
			required = append(required, b.Name)
		}
	}
	return newSchemaView(base+"/meta/schemas/user/default", "user", "User", props, custom, required)
}

func appSchemaJSON(base string, a *App, custom map[string]json.RawMessage) schemaView {
	props := map[string]json.RawMessage{}
	for _, b := range appBase {
		props[b.Name] = baseProperty(b.Title, b.Name == "userName", b.Name == "email", "NONE")
	}
	return newSchemaView(base+"/meta/schemas/apps/"+a.ID+"/default", a.Name, a.Label+" User", props, custom, []string{"userName"})
}

func (s *Server) getUserSchema(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, userSchemaJSON(baseURL(r)+"/api/v1", s.Model.UserSchemaCustom(orgOf(r))))
}

func (s *Server) updateUserSchema(w http.ResponseWriter, r *http.Request) {
	custom, err := s.decodeSchema(w, r)
	if err == nil {
		custom, err = s.Model.UpdateUserSchema(orgOf(r), custom)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userSchemaJSON(baseURL(r)+"/api/v1", custom))
}

func (s *Server) getAppSchema(w http.ResponseWriter, r *http.Request) {
	a, custom, err := s.Model.AppSchemaCustom(orgOf(r), vars(r)["appId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, appSchemaJSON(baseURL(r)+"/api/v1", a, custom))
}

func (s *Server) updateAppSchema(w http.ResponseWriter, r *http.Request) {
	custom, err := s.decodeSchema(w, r)
	var a *App
	if err == nil {
		a, custom, err = s.Model.UpdateAppSchema(orgOf(r), vars(r)["appId"], custom)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, appSchemaJSON(baseURL(r)+"/api/v1", a, custom))
}

// mappingID is the id of an app's Okta-user-to-app-user mapping: derived
// from the app, so it needs no record and survives restarts.
func mappingID(a *App) string { return builtinID("prm", a.ID, "to-app") }

// mappingView is a ProfileMapping; a list leaves properties out, as Okta's does.
type mappingView struct {
	ID         string                      `json:"id"`
	Source     mappingEnd                  `json:"source"`
	Target     mappingEnd                  `json:"target"`
	Properties map[string]*MappingProperty `json:"properties,omitempty"`
	Links      struct {
		Self link `json:"self"`
	} `json:"_links"`
}

type mappingEnd struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Type  string `json:"type"`
	Links struct {
		Self   link `json:"self"`
		Schema link `json:"schema"`
	} `json:"_links"`
}

func mappingJSON(base string, a *App, withProps bool) mappingView {
	v := mappingView{ID: mappingID(a)}
	v.Source = mappingEnd{ID: defaultUserTypeID, Name: "user", Type: "user"}
	v.Source.Links.Self = href(base, "meta", "types", "user", defaultUserTypeID)
	v.Source.Links.Schema = href(base, "meta", "schemas", "user", "default")
	v.Target = mappingEnd{ID: a.ID, Name: a.Name, Type: "appuser"}
	v.Target.Links.Self = href(base, "apps", a.ID)
	v.Target.Links.Schema = href(base, "meta", "schemas", "apps", a.ID, "default")
	v.Links.Self = href(base, "mappings", v.ID)
	if withProps {
		v.Properties = map[string]*MappingProperty{}
		for _, b := range appBase {
			if from := a.mappedFrom(b.Name); from != "" {
				v.Properties[b.Name] = &MappingProperty{Expression: mappingExpression(from), PushStatus: "PUSH"}
			}
		}
	}
	return v
}

// appByMapping finds the app a mapping id belongs to.
func (s *Server) appByMapping(o *Org, id string) (*App, error) {
	for _, a := range s.Model.Apps(o) {
		if mappingID(a) == id {
			return a, nil
		}
	}
	return nil, errNotFound("ProfileMapping", id)
}

func (s *Server) listMappings(w http.ResponseWriter, r *http.Request) {
	p, err := pageParams(r, 20, 200)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	byID := map[string]*App{}
	var ids []string
	for _, a := range s.Model.Apps(orgOf(r)) {
		if src := q.Get("sourceId"); src != "" && src != defaultUserTypeID {
			continue
		}
		if tgt := q.Get("targetId"); tgt != "" && tgt != a.ID {
			continue
		}
		id := mappingID(a)
		ids, byID[id] = append(ids, id), a
	}
	out := []mappingView{}
	for _, id := range paginate(w, r, ids, p) {
		out = append(out, mappingJSON(baseURL(r), byID[id], false))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getMapping(w http.ResponseWriter, r *http.Request) {
	a, err := s.appByMapping(orgOf(r), vars(r)["mappingId"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, mappingJSON(baseURL(r), a, true))
}

func (s *Server) updateMapping(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Properties map[string]*MappingProperty `json:"properties"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(in.Properties) == 0 {
		s.writeError(w, r, errValidation("properties: The field cannot be left blank"))
		return
	}
	o := orgOf(r)
	a, err := s.appByMapping(o, vars(r)["mappingId"])
	if err == nil {
		a, err = s.Model.UpdateMapping(o, a.ID, in.Properties)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, mappingJSON(baseURL(r), a, true))
}
