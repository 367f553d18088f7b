package mockatlassian

import (
	"github.com/provsim/provsim/internal/scim"
)

// Discovery documents (SCIM-DISC-1). Atlassian's
// real bodies are not published; these follow RFC 7643 with the capabilities
// Atlassian documents, and never carry empty-string URIs (Entra's schema
// discovery rejects them).

type discoveryMeta struct {
	ResourceType string `json:"resourceType"`
	Location     string `json:"location"`
}

type schemaDoc struct {
	Schemas []string `json:"schemas"`
	*scim.Schema
	Meta discoveryMeta `json:"meta"`
}

type schemaExtension struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
}

type resourceTypeDoc struct {
	Schemas          []string          `json:"schemas"`
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Endpoint         string            `json:"endpoint"`
	Description      string            `json:"description"`
	Schema           string            `json:"schema"`
	SchemaExtensions []schemaExtension `json:"schemaExtensions,omitempty"`
	Meta             discoveryMeta     `json:"meta"`
}

type supported struct {
	Supported bool `json:"supported"`
}

type serviceProviderConfig struct {
	Schemas []string  `json:"schemas"`
	Patch   supported `json:"patch"`
	Bulk    struct {
		Supported      bool `json:"supported"`
		MaxOperations  int  `json:"maxOperations"`
		MaxPayloadSize int  `json:"maxPayloadSize"`
	} `json:"bulk"`
	Filter struct {
		Supported  bool `json:"supported"`
		MaxResults int  `json:"maxResults"`
	} `json:"filter"`
	ChangePassword        supported `json:"changePassword"`
	Sort                  supported `json:"sort"`
	ETag                  supported `json:"etag"`
	AuthenticationSchemes []struct {
		Type        string `json:"type"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Primary     bool   `json:"primary"`
	} `json:"authenticationSchemes"`
	Meta discoveryMeta `json:"meta"`
}

// servedSchemas are the schemas with a /Schemas path (SCIM-WIRE-1), as the
// directory advertises them. Atlassian's own extension has none by default
// (SCIM-DISC-3); Options.AdvertiseAtlassianExtension adds it for clients
// that validate every response against the advertised schemas.
func (m *Model) servedSchemas() []*scim.Schema {
	served := []*scim.Schema{scim.UserCoreSchema, advertisedGroupSchema, scim.EnterpriseUserExtSchema}
	if m.opts.AdvertiseAtlassianExtension {
		served = append(served, scim.AtlassianExternalExtSchema)
	}
	return served
}

// advertisedGroupSchema is the core Group schema as the directory enforces
// it: displayName is immutable, since a rename is either ignored or refused
// (SCIM-GROUP-2, SCIM-DISC-2). The PATCH engine keeps it writable so that
// the rename rule, not the engine, decides.
var advertisedGroupSchema = func() *scim.Schema {
	s := *scim.GroupCoreSchema
	s.Attributes = append([]scim.Attribute(nil), s.Attributes...)
	for i := range s.Attributes {
		if s.Attributes[i].Name == "displayName" {
			s.Attributes[i].Mutability = "immutable"
		}
	}
	return &s
}()

func (m *Model) base(dirID string) string { return m.opts.LocationBase + "/scim/directory/" + dirID }

func (m *Model) schemaDoc(dirID string, s *scim.Schema) schemaDoc {
	return schemaDoc{Schemas: []string{scim.SchemaSchema}, Schema: s,
		Meta: discoveryMeta{ResourceType: "Schema", Location: m.base(dirID) + "/Schemas/" + s.ID}}
}

// Schemas returns the schema documents, or one of them by URN.
func (m *Model) Schemas(dirID string) []any {
	served := m.servedSchemas()
	out := make([]any, 0, len(served))
	for _, s := range served {
		out = append(out, m.schemaDoc(dirID, s))
	}
	return out
}

// Schema returns one schema document; ok is false for an unserved URN.
func (m *Model) Schema(dirID, urn string) (any, bool) {
	for _, s := range m.servedSchemas() {
		if s.ID == urn {
			return m.schemaDoc(dirID, s), true
		}
	}
	return nil, false
}

func (m *Model) resourceTypes(dirID string) []resourceTypeDoc {
	mk := func(id, endpoint, desc, schema string, ext ...schemaExtension) resourceTypeDoc {
		return resourceTypeDoc{Schemas: []string{scim.ResourceTypeSchema}, ID: id, Name: id, Endpoint: endpoint,
			Description: desc, Schema: schema, SchemaExtensions: ext,
			Meta: discoveryMeta{ResourceType: "ResourceType", Location: m.base(dirID) + "/ResourceTypes/" + id}}
	}
	userExt := []schemaExtension{{Schema: scim.EnterpriseUserSchema}}
	if m.opts.AdvertiseAtlassianExtension {
		userExt = append(userExt, schemaExtension{Schema: scim.AtlassianExternalSchema})
	}
	return []resourceTypeDoc{
		mk("User", "/Users", "User Account", scim.UserSchema, userExt...),
		mk("Group", "/Groups", "Group", scim.GroupSchema),
	}
}

// ResourceTypes lists the User and Group resource types.
func (m *Model) ResourceTypes(dirID string) []any {
	var out []any
	for _, rt := range m.resourceTypes(dirID) {
		out = append(out, rt)
	}
	return out
}

// ResourceType returns one resource type by name ("User" or "Group").
func (m *Model) ResourceType(dirID, name string) (any, bool) {
	for _, rt := range m.resourceTypes(dirID) {
		if rt.ID == name {
			return rt, true
		}
	}
	return nil, false
}

// ServiceProviderConfig describes what the directory supports: PATCH and
// filtering (max 100 results); no bulk, sort, ETag or password change.
func (m *Model) ServiceProviderConfig(dirID string) any {
	var c serviceProviderConfig
	c.Schemas = []string{scim.ServiceProviderSchema}
	c.Patch.Supported = true
	c.Filter.Supported = true
	c.Filter.MaxResults = m.opts.PageSize
	c.AuthenticationSchemes = append(c.AuthenticationSchemes, struct {
		Type        string `json:"type"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Primary     bool   `json:"primary"`
	}{"oauthbearertoken", "OAuth Bearer Token", "Authentication with the directory's API key as a bearer token", true})
	c.Meta = discoveryMeta{ResourceType: "ServiceProviderConfig", Location: m.base(dirID) + "/ServiceProviderConfig"}
	return c
}
