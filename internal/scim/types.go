// Package scim holds the SCIM 2.0 wire format shared by both simulators:
// resource types, errors, list responses, filters, PATCH and projection.
// It knows nothing about Atlassian or Okta; the profiles that restrict it
// (which filters a server accepts, which attributes exist) are data.
package scim

import (
	"time"
)

// Schema and message URNs (RFC 7643 §8.7, RFC 7644 §3) plus Atlassian's own
// extension (SCIM-USER-1).
const (
	UserSchema              = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupSchema             = "urn:ietf:params:scim:schemas:core:2.0:Group"
	EnterpriseUserSchema    = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	AtlassianExternalSchema = "urn:scim:schemas:extension:atlassian-external:1.0"
	ListResponseSchema      = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	PatchOpSchema           = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	ErrorSchema             = "urn:ietf:params:scim:api:messages:2.0:Error"
	ServiceProviderSchema   = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	ResourceTypeSchema      = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema            = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// Content types. Both are accepted on input; responses echo the SCIM one
// when the client asks for it (SCIM-WIRE-2).
const (
	ContentTypeSCIM = "application/scim+json"
	ContentTypeJSON = "application/json"
)

// User is a SCIM user as Atlassian stores and returns it. Field order is the
// order of the observed responses; unset fields are omitted, never null
// (SCIM-USER-1).
type User struct {
	Schemas           []string           `json:"schemas"`
	ID                string             `json:"id,omitempty"`
	ExternalID        string             `json:"externalId,omitempty"`
	UserName          string             `json:"userName"`
	Emails            []Email            `json:"emails,omitempty"`
	Name              *Name              `json:"name,omitempty"`
	DisplayName       string             `json:"displayName,omitempty"`
	NickName          string             `json:"nickName,omitempty"`
	Title             string             `json:"title,omitempty"`
	PreferredLanguage string             `json:"preferredLanguage,omitempty"`
	Department        string             `json:"department,omitempty"`
	Organization      string             `json:"organization,omitempty"`
	Timezone          string             `json:"timezone,omitempty"`
	PhoneNumbers      []PhoneNumber      `json:"phoneNumbers,omitempty"`
	Active            *bool              `json:"active,omitempty"`
	Groups            []Ref              `json:"groups"`
	Meta              *Meta              `json:"meta,omitempty"`
	Enterprise        *EnterpriseUser    `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Atlassian         *AtlassianExternal `json:"urn:scim:schemas:extension:atlassian-external:1.0,omitempty"`
}

// IsActive reports the user's active flag; an absent flag means active
// ("defaults to true if not provided", SCIM-USER-4).
func (u *User) IsActive() bool { return u.Active == nil || *u.Active }

// PrimaryEmail returns the value of the email marked primary, or "".
func (u *User) PrimaryEmail() string {
	for _, e := range u.Emails {
		if e.Primary {
			return e.Value
		}
	}
	return ""
}

// Name is the SCIM complex name attribute.
type Name struct {
	Formatted       string `json:"formatted,omitempty"`
	FamilyName      string `json:"familyName,omitempty"`
	GivenName       string `json:"givenName,omitempty"`
	MiddleName      string `json:"middleName,omitempty"`
	HonorificPrefix string `json:"honorificPrefix,omitempty"`
	HonorificSuffix string `json:"honorificSuffix,omitempty"`
}

// Email is one entry of User.emails.
type Email struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary"`
}

// PhoneNumber is one entry of User.phoneNumbers. Primary is a pointer so
// that an explicit false is kept as sent, as emails keep theirs (SCIM-USER-9).
type PhoneNumber struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary *bool  `json:"primary,omitempty"`
}

// EnterpriseUser is the enterprise extension as Atlassian supports it: only
// organization and department (SCIM-USER-4).
type EnterpriseUser struct {
	Organization string `json:"organization,omitempty"`
	Department   string `json:"department,omitempty"`
}

// AtlassianExternal carries the linked Atlassian account id, read-only.
type AtlassianExternal struct {
	AtlassianAccountID string `json:"atlassianAccountId,omitempty"`
}

// Ref is a reference to another resource: a user's group or a group's member.
type Ref struct {
	Type    string `json:"type,omitempty"`
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Ref     string `json:"$ref,omitempty"`
}

// Group is a SCIM group.
type Group struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id,omitempty"`
	DisplayName string   `json:"displayName"`
	ExternalID  string   `json:"externalId,omitempty"`
	Members     []Ref    `json:"members"`
	Meta        *Meta    `json:"meta,omitempty"`
}

// Meta is the read-only resource metadata.
type Meta struct {
	ResourceType string    `json:"resourceType"`
	Location     string    `json:"location,omitempty"`
	Created      Timestamp `json:"created"`
	LastModified Timestamp `json:"lastModified"`
}

// Timestamp renders as RFC 3339 UTC with at most microseconds and trailing
// zeros trimmed, the way Atlassian does ("2018-09-26T17:41:35.49073Z", SCIM-USER-2).
type Timestamp time.Time

// TimestampLayout is the layout Timestamp uses on the wire.
const TimestampLayout = "2006-01-02T15:04:05.999999Z"

// MarshalJSON implements json.Marshaler.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(TimestampLayout) + `"`), nil
}

// UnmarshalJSON accepts any RFC 3339 time, so clients that echo meta back
// (Okta's read-modify-write PUT) are not rejected.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, err := time.Parse(`"`+time.RFC3339Nano+`"`, string(b))
	if err != nil {
		// meta is read-only: a malformed echo is ignored rather than rejected.
		return nil
	}
	*t = Timestamp(v)
	return nil
}

// ListResponse is the envelope of every list (RFC 7644 §3.4.2); Resources has
// a capital R.
type ListResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []any    `json:"Resources"`
}

// NewListResponse builds a ListResponse for one page of resources.
func NewListResponse(total, startIndex int, resources []any) ListResponse {
	if resources == nil {
		resources = []any{}
	}
	return ListResponse{
		Schemas:      []string{ListResponseSchema},
		TotalResults: total,
		StartIndex:   startIndex,
		ItemsPerPage: len(resources),
		Resources:    resources,
	}
}
