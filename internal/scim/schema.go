package scim

// Attribute describes one attribute of a schema (RFC 7643 §7). The same
// definitions serve the /Schemas discovery documents, PATCH path resolution
// (canonical names, types, multi-valued-ness) and attribute projection.
type Attribute struct {
	Name           string   `json:"name"`
	Type           string   `json:"type"`
	MultiValued    bool     `json:"multiValued"`
	Description    string   `json:"description,omitempty"`
	Required       bool     `json:"required"`
	CaseExact      bool     `json:"caseExact"`
	Mutability     string   `json:"mutability"`
	Returned       string   `json:"returned"`
	Uniqueness     string   `json:"uniqueness"`
	ReferenceTypes []string `json:"referenceTypes,omitempty"`
	// CanonicalValues are the values the server accepts, when it accepts
	// only some (RFC 7643 §7 "canonicalValues").
	CanonicalValues []string    `json:"canonicalValues,omitempty"`
	SubAttributes   []Attribute `json:"subAttributes,omitempty"`
}

// Attribute types used here.
const (
	TypeString    = "string"
	TypeBoolean   = "boolean"
	TypeComplex   = "complex"
	TypeReference = "reference"
	TypeDateTime  = "dateTime"
)

// Schema is a schema document (RFC 7643 §7).
type Schema struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Attributes  []Attribute `json:"attributes"`
}

// ResourceSchema is a resource's core schema with its extensions, the unit
// PATCH and projection resolve paths against.
type ResourceSchema struct {
	Core       *Schema
	Extensions []*Schema
}

// Find returns the attribute named name (case-insensitively) in attrs.
func Find(attrs []Attribute, name string) (*Attribute, bool) {
	for i := range attrs {
		if equalFold(attrs[i].Name, name) {
			return &attrs[i], true
		}
	}
	return nil, false
}

// Extension returns the extension schema whose URN is urn (case-insensitive).
func (rs ResourceSchema) Extension(urn string) (*Schema, bool) {
	for _, s := range rs.Extensions {
		if equalFold(s.ID, urn) {
			return s, true
		}
	}
	return nil, false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}

func str(name, desc string) Attribute {
	return Attribute{Name: name, Type: TypeString, Description: desc, Mutability: "readWrite", Returned: "default", Uniqueness: "none"}
}

func readOnly(a Attribute) Attribute { a.Mutability = "readOnly"; return a }

func required(a Attribute) Attribute { a.Required = true; return a }

func caseExact(a Attribute) Attribute { a.CaseExact = true; return a }

func multiComplex(name, desc string, subs ...Attribute) Attribute {
	return Attribute{Name: name, Type: TypeComplex, MultiValued: true, Description: desc,
		Mutability: "readWrite", Returned: "default", Uniqueness: "none", SubAttributes: subs}
}

func complexAttr(name, desc string, subs ...Attribute) Attribute {
	a := multiComplex(name, desc, subs...)
	a.MultiValued = false
	return a
}

func boolean(name, desc string) Attribute {
	return Attribute{Name: name, Type: TypeBoolean, Description: desc, Mutability: "readWrite", Returned: "default", Uniqueness: "none"}
}

func ref(name, desc string, types ...string) Attribute {
	return Attribute{Name: name, Type: TypeReference, Description: desc, Mutability: "readOnly", Returned: "default", Uniqueness: "none", ReferenceTypes: types}
}

// UserCoreSchema is the core User schema restricted to what Atlassian's
// ScimUser model has (Atlassian's user provisioning OpenAPI description; SCIM-USER-4).
var UserCoreSchema = &Schema{
	ID:          UserSchema,
	Name:        "User",
	Description: "User Account",
	Attributes: []Attribute{
		caseExact(readOnly(str("id", "Unique identifier defined by the Atlassian SCIM service."))),
		caseExact(str("externalId", "Identifier defined by the provisioning client.")),
		func() Attribute {
			a := required(str("userName", "Unique identifier defined by the provisioning client."))
			a.Uniqueness = "server"
			return a
		}(),
		complexAttr("name", "The components of the user's name.",
			str("formatted", "The full name."),
			str("familyName", "The family name."),
			str("givenName", "The given name."),
			str("middleName", "The middle name."),
			str("honorificPrefix", "The honorific prefix."),
			str("honorificSuffix", "The honorific suffix."),
		),
		str("displayName", "The name displayed for the user."),
		str("nickName", "The user's public name."),
		str("title", "The user's job title."),
		str("preferredLanguage", "The user's preferred language."),
		str("department", "The user's department."),
		str("organization", "The user's organization."),
		str("timezone", "The user's time zone, in IANA format."),
		func() Attribute {
			a := multiComplex("emails", "Email addresses for the user. One value must be marked as primary.",
				required(str("value", "The email address.")),
				str("type", "The type of email address."),
				boolean("primary", "Whether this is the primary email address."),
			)
			a.Required = true
			return a
		}(),
		multiComplex("phoneNumbers", "Phone numbers for the user.",
			required(str("value", "The phone number.")),
			str("type", "The type of phone number."),
			boolean("primary", "Whether this is the primary phone number."),
		),
		boolean("active", "Whether the user is active. Defaults to true."),
		func() Attribute {
			a := multiComplex("groups", "Groups the user belongs to.",
				readOnly(str("value", "The group's id.")),
				ref("$ref", "The group's URI.", "Group"),
				readOnly(str("display", "The group's name.")),
				readOnly(str("type", "The membership type.")),
			)
			a.Mutability = "readOnly"
			return a
		}(),
	},
}

// EnterpriseUserExtSchema is the enterprise extension as Atlassian supports it.
var EnterpriseUserExtSchema = &Schema{
	ID:          EnterpriseUserSchema,
	Name:        "EnterpriseUser",
	Description: "Enterprise User",
	Attributes: []Attribute{
		str("organization", "The user's organization."),
		str("department", "The user's department."),
	},
}

// AtlassianExternalExtSchema carries the linked Atlassian account id. Atlassian
// publishes no /Schemas path for it (SCIM-DISC-1), so it is not served, but PATCH
// and projection still need to know it.
var AtlassianExternalExtSchema = &Schema{
	ID:          AtlassianExternalSchema,
	Name:        "AtlassianExternal",
	Description: "Atlassian account link",
	Attributes: []Attribute{
		caseExact(readOnly(str("atlassianAccountId", "The linked Atlassian account id."))),
	},
}

// GroupCoreSchema is the core Group schema. displayName is writable here so
// that PATCH hands a rename to the directory, whose rename rule decides
// (SCIM-GROUP-2); the directory's discovery document advertises what that
// rule amounts to.
var GroupCoreSchema = &Schema{
	ID:          GroupSchema,
	Name:        "Group",
	Description: "Group",
	Attributes: []Attribute{
		caseExact(readOnly(str("id", "Unique identifier defined by the Atlassian SCIM service."))),
		caseExact(str("externalId", "Identifier defined by the provisioning client.")),
		func() Attribute {
			a := required(str("displayName", "The group's name. Immutable."))
			a.Uniqueness = "server"
			return a
		}(),
		multiComplex("members", "Members of the group: users of the directory.",
			func() Attribute {
				a := required(str("value", "The member's id: a user of the directory."))
				a.Mutability = "immutable"
				return a
			}(),
			ref("$ref", "The member's URI, set by the server; ignored when sent.", "User"),
			readOnly(str("display", "The member's userName, set by the server.")),
			func() Attribute {
				a := str("type", "The member type: groups hold users only.")
				a.Mutability, a.CanonicalValues = "immutable", []string{"User"}
				return a
			}(),
		),
	},
}

// UserResourceSchema and GroupResourceSchema are what PATCH and projection
// resolve paths against.
var (
	UserResourceSchema  = ResourceSchema{Core: UserCoreSchema, Extensions: []*Schema{EnterpriseUserExtSchema, AtlassianExternalExtSchema}}
	GroupResourceSchema = ResourceSchema{Core: GroupCoreSchema}
)
