package scim

import (
	"reflect"
	"testing"
)

func TestParseAttributeList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"userName", []string{"userName"}},
		{"userName,emails.value", []string{"userName", "emails.value"}},
		{" userName , name.givenName ,, ", []string{"userName", "name.givenName"}},
		{",,,", nil},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department,id",
			[]string{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "id"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := ParseAttributeList(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// projUserDoc has every kind of attribute projection has to deal with.
const projUserDoc = `{
	"schemas": ["urn:scim:schemas:extension:atlassian-external:1.0", "urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
	"id": "u1",
	"externalId": "00u1",
	"userName": "ada@example.com",
	"emails": [{"value": "ada@example.com", "type": "work", "primary": true}, {"value": "ada@home.example", "type": "home", "primary": false}],
	"name": {"givenName": "Ada", "familyName": "Lovelace"},
	"displayName": "Ada Lovelace",
	"active": true,
	"groups": [],
	"meta": {"resourceType": "User", "created": "2024-05-02T09:14:03.120553Z", "lastModified": "2024-05-02T09:14:03.120553Z"},
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Math", "organization": "ACME"},
	"urn:scim:schemas:extension:atlassian-external:1.0": {"atlassianAccountId": "5f35"}
}`

const projSchemas = `["urn:scim:schemas:extension:atlassian-external:1.0", "urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]`

func TestProject(t *testing.T) {
	base := `"schemas":` + projSchemas + `,"id":"u1"`
	tests := []struct {
		name     string
		attrs    string
		excluded string
		want     string // full expected document; "" means the whole input
	}{
		{name: "no parameters returns everything"},
		{name: "one attribute plus schemas and id", attrs: "userName",
			want: `{` + base + `,"userName":"ada@example.com"}`},
		{name: "names are case-insensitive", attrs: "USERNAME,DisplayName",
			want: `{` + base + `,"userName":"ada@example.com","displayName":"Ada Lovelace"}`},
		{name: "sub-attribute of a multi-valued attribute", attrs: "userName,emails.value",
			want: `{` + base + `,"userName":"ada@example.com","emails":[{"value":"ada@example.com"},{"value":"ada@home.example"}]}`},
		{name: "two sub-attributes", attrs: "emails.value,Emails.Type",
			want: `{` + base + `,"emails":[{"value":"ada@example.com","type":"work"},{"value":"ada@home.example","type":"home"}]}`},
		{name: "whole attribute wins over its sub-attribute", attrs: "emails.value,emails",
			want: `{` + base + `,"emails":[{"value":"ada@example.com","type":"work","primary":true},{"value":"ada@home.example","type":"home","primary":false}]}`},
		{name: "sub-attribute of a complex attribute", attrs: "name.givenName",
			want: `{` + base + `,"name":{"givenName":"Ada"}}`},
		{name: "absent sub-attribute omits the complex", attrs: "name.middleName",
			want: `{` + base + `}`},
		{name: "core URN form", attrs: "urn:ietf:params:scim:schemas:core:2.0:User:userName,urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
			want: `{` + base + `,"userName":"ada@example.com","name":{"familyName":"Lovelace"}}`},
		{name: "extension attribute URN form", attrs: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
			want: `{` + base + `,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Math"}}`},
		{name: "whole extension", attrs: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
			want: `{` + base + `,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Math","organization":"ACME"}}`},
		{name: "whole extension without trailing attribute, upper case", attrs: "URN:SCIM:SCHEMAS:EXTENSION:ATLASSIAN-EXTERNAL:1.0",
			want: `{` + base + `,"urn:scim:schemas:extension:atlassian-external:1.0":{"atlassianAccountId":"5f35"}}`},
		{name: "meta sub-attribute", attrs: "meta.lastModified",
			want: `{` + base + `,"meta":{"lastModified":"2024-05-02T09:14:03.120553Z"}}`},
		{name: "empty list kept when asked for", attrs: "groups",
			want: `{` + base + `,"groups":[]}`},
		{name: "unknown names ignored", attrs: "favouriteColour,urn:x:y:z:attr,a.b.c,name.,userName",
			want: `{` + base + `,"userName":"ada@example.com"}`},
		{name: "sub-attribute of a simple attribute selects nothing", attrs: "userName.value",
			want: `{` + base + `}`},
		{name: "asking for id and schemas only", attrs: "id,schemas",
			want: `{` + base + `}`},

		{name: "exclude top-level attributes", excluded: "emails,name,meta,groups,active,externalId,displayName",
			want: `{` + base + `,"userName":"ada@example.com","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Math","organization":"ACME"},"urn:scim:schemas:extension:atlassian-external:1.0":{"atlassianAccountId":"5f35"}}`},
		{name: "exclude never drops schemas or id", excluded: "schemas,ID,emails,name,meta,groups,active,externalId,displayName,userName,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,urn:scim:schemas:extension:atlassian-external:1.0",
			want: `{` + base + `}`},
		{name: "exclude sub-attributes", excluded: "emails.primary,name.givenName,meta,groups,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization,urn:scim:schemas:extension:atlassian-external:1.0:atlassianAccountId",
			want: `{` + base + `,"externalId":"00u1","userName":"ada@example.com","emails":[{"value":"ada@example.com","type":"work"},{"value":"ada@home.example","type":"home"}],"name":{"familyName":"Lovelace"},"displayName":"Ada Lovelace","active":true,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Math"}}`},
		{name: "excluding every sub-attribute drops the attribute", excluded: "name.givenName,name.familyName,emails.value,emails.type,emails.primary,meta,groups,urn:scim:schemas:extension:atlassian-external:1.0,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
			want: `{` + base + `,"externalId":"00u1","userName":"ada@example.com","displayName":"Ada Lovelace","active":true}`},
		{name: "exclude sub-attribute of an empty list keeps the list", excluded: "groups.value,emails,name,meta,urn:scim:schemas:extension:atlassian-external:1.0,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
			want: `{` + base + `,"externalId":"00u1","userName":"ada@example.com","displayName":"Ada Lovelace","active":true,"groups":[]}`},
		{name: "exclude unknown names is a no-op", excluded: "nope,urn:x:y:z,emails.nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := decodeJSON(t, projUserDoc)
			before := deepCopyMap(doc)
			got, err := Project(doc, UserResourceSchema, ParseAttributeList(tc.attrs), ParseAttributeList(tc.excluded))
			if err != nil {
				t.Fatal(err)
			}
			assertDocEqual(t, doc, before)
			want := before
			if tc.want != "" {
				want = decodeJSON(t, tc.want)
			}
			assertDocEqual(t, got, want)
		})
	}

	t.Run("mutually exclusive", func(t *testing.T) {
		got, err := Project(decodeJSON(t, projUserDoc), UserResourceSchema, []string{"userName"}, []string{"emails"})
		assertScimError(t, err, TypeInvalidValue)
		if got != nil {
			t.Error("got a document with an error")
		}
	})
	t.Run("result shares nothing with the input", func(t *testing.T) {
		doc := decodeJSON(t, projUserDoc)
		before := deepCopyMap(doc)
		for _, p := range [][2][]string{{{"emails", "name"}, nil}, {nil, {"meta"}}, {nil, nil}} {
			got, err := Project(doc, UserResourceSchema, p[0], p[1])
			if err != nil {
				t.Fatal(err)
			}
			got["emails"].([]any)[0].(map[string]any)["value"] = "mutated"
			got["name"].(map[string]any)["givenName"] = "mutated"
			got["schemas"].([]any)[0] = "mutated"
			assertDocEqual(t, doc, before)
		}
	})
	t.Run("group document", func(t *testing.T) {
		doc := decodeJSON(t, groupDoc)
		got, err := Project(doc, GroupResourceSchema, []string{"displayName", "members.value"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		assertDocEqual(t, got, decodeJSON(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1","displayName":"jira-engineering","members":[{"value":"m1"},{"value":"m2"}]}`))
	})
	t.Run("nil document", func(t *testing.T) {
		for _, p := range [][2][]string{{{"userName"}, nil}, {nil, {"userName"}}, {nil, nil}} {
			got, err := Project(nil, UserResourceSchema, p[0], p[1])
			if err != nil || got == nil || len(got) != 0 {
				t.Errorf("Project(nil, %v) = %v, %v", p, got, err)
			}
		}
	})
}
