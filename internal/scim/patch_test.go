package scim

import (
	"encoding/json"
	"reflect"
	"testing"
)

const ent = EnterpriseUserSchema

// userDoc is a user as the model renders it (json.Marshal of User).
const userDoc = `{
	"schemas": ["urn:scim:schemas:extension:atlassian-external:1.0", "urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
	"id": "u1",
	"externalId": "00u1abcd",
	"userName": "ada@example.com",
	"emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
	"name": {"givenName": "Ada", "familyName": "Lovelace"},
	"displayName": "Ada Lovelace",
	"active": true,
	"groups": [],
	"meta": {"resourceType": "User", "created": "2024-05-02T09:14:03.120553Z", "lastModified": "2024-05-02T09:14:03.120553Z"},
	"urn:scim:schemas:extension:atlassian-external:1.0": {"atlassianAccountId": "5f3589458d89e30046317d34"}
}`

// homeUserDoc has a home email only (no work email) and an enterprise extension.
const homeUserDoc = `{
	"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
	"id": "u2",
	"userName": "bob@example.com",
	"emails": [{"value": "bob@home.example", "type": "home", "primary": true}],
	"groups": [],
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales", "organization": "ACME"}
}`

const groupDoc = `{
	"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
	"id": "g1",
	"displayName": "jira-engineering",
	"externalId": "00g9xyz",
	"members": [
		{"type": "User", "value": "m1", "display": "m1@example.com", "$ref": "https://api.atlassian.com/scim/directory/d/Users/m1"},
		{"type": "User", "value": "m2", "display": "m2@example.com", "$ref": "https://api.atlassian.com/scim/directory/d/Users/m2"}
	],
	"meta": {"resourceType": "Group", "created": "2024-05-02T09:14:03.120553Z", "lastModified": "2024-05-02T09:14:03.120553Z"}
}`

const m1 = `{"type": "User", "value": "m1", "display": "m1@example.com", "$ref": "https://api.atlassian.com/scim/directory/d/Users/m1"}`
const m2 = `{"type": "User", "value": "m2", "display": "m2@example.com", "$ref": "https://api.atlassian.com/scim/directory/d/Users/m2"}`

// with returns base with the top-level members of overrides set; a null
// override deletes the member. The result is what a test expects.
func with(t *testing.T, base, overrides string) map[string]any {
	t.Helper()
	doc := decodeJSON(t, base)
	for k, v := range decodeJSON(t, overrides) {
		if v == nil {
			delete(doc, k)
		} else {
			doc[k] = v
		}
	}
	return doc
}

// patchBody wraps operations in a PatchOp message.
func patchBody(ops string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + ops + `]}`
}

func assertDocEqual(t *testing.T, got, want map[string]any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Fatalf("document mismatch\ngot:  %s\nwant: %s", g, w)
	}
}

type patchCase struct {
	name    string
	doc     string // base document
	rs      ResourceSchema
	body    string // full PATCH body
	want    string // overrides on doc (see with); ignored when errType is set
	errType string
}

func runPatchCases(t *testing.T, cases []patchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := decodeJSON(t, tc.doc)
			before := deepCopyMap(doc)
			req, err := DecodePatch([]byte(tc.body))
			if err != nil {
				t.Fatalf("DecodePatch: %v", err)
			}
			got, err := ApplyPatch(doc, tc.rs, req.Operations)
			if !reflect.DeepEqual(doc, before) {
				t.Fatalf("input document was modified")
			}
			if tc.errType != "" {
				assertScimError(t, err, tc.errType)
				if got != nil {
					t.Fatalf("got a document with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("ApplyPatch: %v", err)
			}
			assertDocEqual(t, got, with(t, tc.doc, tc.want))
			// The result must survive the model's round trip.
			if _, err := json.Marshal(got); err != nil {
				t.Fatalf("result does not marshal: %v", err)
			}
		})
	}
}

func TestApplyPatchUser(t *testing.T) {
	u, h, rs := userDoc, homeUserDoc, UserResourceSchema
	runPatchCases(t, []patchCase{
		// Okta (OKTA-DEACT-2, OKTA-REACT-1).
		{name: "okta deactivate: path-less replace", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","value":{"active":false}}`),
			want: `{"active":false}`},
		{name: "okta reactivate", doc: withJSON(t, u, `{"active":false}`), rs: rs,
			body: patchBody(`{"op":"replace","value":{"active":true}}`),
			want: `{"active":true}`},
		{name: "path-less value with several attributes", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","value":{"displayName":"Augusta King","title":"Countess","active":false}}`),
			want: `{"displayName":"Augusta King","title":"Countess","active":false}`},
		{name: "path-less nested complex merges into name", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","value":{"name":{"givenName":"Augusta"}}}`),
			want: `{"name":{"givenName":"Augusta","familyName":"Lovelace"}}`},
		{name: "path-less add nested complex merges", doc: u, rs: rs,
			body: patchBody(`{"op":"add","value":{"name":{"middleName":"Byron","FamilyName":"King"}}}`),
			want: `{"name":{"givenName":"Ada","middleName":"Byron","familyName":"King"}}`},
		{name: "path-less extension object", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D"}}}`),
			want: `{"` + ent + `":{"department":"R&D"}}`},
		{name: "path-less extension object merges into existing", doc: h, rs: rs,
			body: patchBody(`{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"Department":"R&D","unknown":"x"}}}`),
			want: `{"` + ent + `":{"department":"R&D","organization":"ACME"}}`},
		{name: "entra dotted keys", doc: u, rs: rs,
			body: patchBody(`{"op":"Replace","value":{"name.givenName":"Augusta","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Math"}}`),
			want: `{"name":{"givenName":"Augusta","familyName":"Lovelace"},"` + ent + `":{"department":"Math"}}`},
		{name: "path-less value path key", doc: h, rs: rs,
			body: patchBody(`{"op":"add","value":{"emails[type eq \"work\"].value":"bob@example.com"}}`),
			want: `{"emails":[{"value":"bob@home.example","type":"home","primary":true},{"type":"work","value":"bob@example.com"}]}`},
		{name: "path-less keys apply in order", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","value":{"name":{"givenName":"A","familyName":"B"},"name.givenName":"C"}}`),
			want: `{"name":{"givenName":"C","familyName":"B"}}`},
		{name: "path-less read-only and unknown keys ignored", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","value":{"id":"other","meta":{"resourceType":"X"},"schemas":["x"],"groups":[{"value":"g"}],"password":"secret","foo":1,"urn:scim:schemas:extension:atlassian-external:1.0":{"atlassianAccountId":"x"},"urn:x:unknown:attr":"y","active":false}}`),
			want: `{"active":false}`},
		{name: "path-less string boolean (Entra)", doc: u, rs: rs,
			body: patchBody(`{"op":"Replace","value":{"active":"False"}}`),
			want: `{"active":false}`},

		// Paths.
		{name: "replace active", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","path":"active","value":false}`),
			want: `{"active":false}`},
		{name: "path case canonicalised", doc: u, rs: rs,
			body: patchBody(`{"op":"Replace","path":"Active","value":false},{"op":"replace","path":"DISPLAYNAME","value":"X"}`),
			want: `{"active":false,"displayName":"X"}`},
		{name: "entra string booleans", doc: u, rs: rs,
			body: patchBody(`{"op":"Replace","path":"active","value":"False"}`),
			want: `{"active":false}`},
		{name: "entra string boolean True", doc: withJSON(t, u, `{"active":false}`), rs: rs,
			body: patchBody(`{"op":"Replace","path":"active","value":"True"}`),
			want: `{"active":true}`},
		{name: "sub-attribute path", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","path":"name.GivenName","value":"Augusta"}`),
			want: `{"name":{"givenName":"Augusta","familyName":"Lovelace"}}`},
		{name: "add sub-attribute creates complex", doc: h, rs: rs,
			body: patchBody(`{"op":"add","path":"name.familyName","value":"Builder"}`),
			want: `{"name":{"familyName":"Builder"}}`},
		{name: "add complex with path merges", doc: u, rs: rs,
			body: patchBody(`{"op":"add","path":"name","value":{"honorificPrefix":"Lady"}}`),
			want: `{"name":{"givenName":"Ada","familyName":"Lovelace","honorificPrefix":"Lady"}}`},
		{name: "core URN path", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:displayName","value":"AL"}`),
			want: `{"displayName":"AL"}`},
		{name: "extension URN path creates extension", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Eng"}`),
			want: `{"` + ent + `":{"department":"Eng"}}`},
		{name: "extension URN path case-insensitive", doc: h, rs: rs,
			body: patchBody(`{"op":"replace","path":"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department","value":"Eng"}`),
			want: `{"` + ent + `":{"department":"Eng","organization":"ACME"}}`},
		{name: "whole extension path", doc: h, rs: rs,
			body: patchBody(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"organization":"Initech"}}`),
			want: `{"` + ent + `":{"department":"Sales","organization":"Initech"}}`},
		{name: "remove extension attribute", doc: h, rs: rs,
			body: patchBody(`{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization"}`),
			want: `{"` + ent + `":{"department":"Sales"}}`},
		{name: "remove last extension attributes drops the extension", doc: h, rs: rs,
			body: patchBody(`{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization"},{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}`),
			want: `{"` + ent + `":null}`},
		{name: "remove whole extension", doc: h, rs: rs,
			body: patchBody(`{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}`),
			want: `{"` + ent + `":null}`},
		{name: "remove whole read-only extension keeps it", doc: u, rs: rs,
			body: patchBody(`{"op":"remove","path":"urn:scim:schemas:extension:atlassian-external:1.0"}`),
			want: `{}`},

		// Value filters.
		{name: "replace filtered sub-attribute", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","path":"emails[type eq \"work\"].value","value":"ada@lovelace.example"}`),
			want: `{"emails":[{"value":"ada@lovelace.example","type":"work","primary":true}]}`},
		{name: "filter value case-insensitive for type", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","path":"emails[Type eq \"WORK\"].Value","value":"x@example.com"}`),
			want: `{"emails":[{"value":"x@example.com","type":"work","primary":true}]}`},
		{name: "entra add work email on user without one", doc: h, rs: rs,
			body: patchBody(`{"op":"Add","path":"emails[type eq \"work\"].value","value":"bob@example.com"}`),
			want: `{"emails":[{"value":"bob@home.example","type":"home","primary":true},{"type":"work","value":"bob@example.com"}]}`},
		{name: "entra replace work email on user without one", doc: h, rs: rs,
			body: patchBody(`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"bob@example.com"}`),
			want: `{"emails":[{"value":"bob@home.example","type":"home","primary":true},{"type":"work","value":"bob@example.com"}]}`},
		{name: "add mobile phone on user without phones", doc: u, rs: rs,
			body: patchBody(`{"op":"add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+44 20 7946 0000"}`),
			want: `{"phoneNumbers":[{"type":"mobile","value":"+44 20 7946 0000"}]}`},
		{name: "filter with and builds element", doc: h, rs: rs,
			body: patchBody(`{"op":"add","path":"emails[type eq \"work\" and primary eq false].value","value":"b@w.example"}`),
			want: `{"emails":[{"value":"bob@home.example","type":"home","primary":true},{"type":"work","primary":false,"value":"b@w.example"}]}`},
		{name: "replace filtered element merges", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","path":"emails[type eq \"work\"]","value":{"value":"new@example.com","primary":"false"}}`),
			want: `{"emails":[{"value":"new@example.com","type":"work","primary":false}]}`},
		{name: "remove filtered element", doc: withJSON(t, u, `{"emails":[{"value":"a@w","type":"work","primary":true},{"value":"a@h","type":"home"}]}`), rs: rs,
			body: patchBody(`{"op":"remove","path":"emails[type eq \"work\"]"}`),
			want: `{"emails":[{"value":"a@h","type":"home"}]}`},
		{name: "remove filtered sub-attribute", doc: u, rs: rs,
			body: patchBody(`{"op":"remove","path":"emails[type eq \"work\"].type"}`),
			want: `{"emails":[{"value":"ada@example.com","primary":true}]}`},
		{name: "remove filter matching nothing is a no-op", doc: u, rs: rs,
			body: patchBody(`{"op":"remove","path":"emails[type eq \"other\"]"}`),
			want: `{}`},

		// Multi-valued attributes.
		{name: "add emails appends", doc: u, rs: rs,
			body: patchBody(`{"op":"add","path":"emails","value":[{"value":"ada@home.example","type":"home","primary":"False"}]}`),
			want: `{"emails":[{"value":"ada@example.com","type":"work","primary":true},{"value":"ada@home.example","type":"home","primary":false}]}`},
		{name: "add identical email is not duplicated", doc: u, rs: rs,
			body: patchBody(`{"op":"add","path":"emails","value":[{"value":"ada@example.com","type":"work","primary":true}]}`),
			want: `{}`},
		{name: "replace emails replaces", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","path":"emails","value":[{"value":"x@example.com","type":"work","primary":true}]}`),
			want: `{"emails":[{"value":"x@example.com","type":"work","primary":true}]}`},
		{name: "path-less add emails appends", doc: u, rs: rs,
			body: patchBody(`{"op":"add","value":{"emails":[{"value":"a@h","type":"home"}]}}`),
			want: `{"emails":[{"value":"ada@example.com","type":"work","primary":true},{"value":"a@h","type":"home"}]}`},
		{name: "remove emails leaves empty list", doc: u, rs: rs,
			body: patchBody(`{"op":"remove","path":"emails"}`),
			want: `{"emails":[]}`},
		{name: "remove absent multi-valued is a no-op", doc: u, rs: rs,
			body: patchBody(`{"op":"remove","path":"phoneNumbers"}`),
			want: `{}`},

		// Single-valued attributes.
		{name: "remove single-valued deletes key", doc: u, rs: rs,
			body: patchBody(`{"op":"remove","path":"displayName"}`),
			want: `{"displayName":null}`},
		{name: "remove absent single-valued is a no-op", doc: u, rs: rs,
			body: patchBody(`{"op":"remove","path":"title"}`),
			want: `{}`},
		{name: "remove sub-attribute", doc: u, rs: rs,
			body: patchBody(`{"op":"remove","path":"name.givenName"}`),
			want: `{"name":{"familyName":"Lovelace"}}`},
		{name: "remove all sub-attributes drops complex", doc: u, rs: rs,
			body: patchBody(`{"op":"remove","path":"name.givenName"},{"op":"remove","path":"name.familyName"}`),
			want: `{"name":null}`},
		{name: "replace with null unassigns", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","path":"displayName","value":null}`),
			want: `{"displayName":null}`},
		{name: "path-less null unassigns", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","value":{"displayName":null,"name":{"givenName":null}}}`),
			want: `{"displayName":null,"name":{"familyName":"Lovelace"}}`},
		{name: "add single-valued replaces", doc: u, rs: rs,
			body: patchBody(`{"op":"add","path":"displayName","value":"Countess"},{"op":"add","path":"nickName","value":"Ada"}`),
			want: `{"displayName":"Countess","nickName":"Ada"}`},
		{name: "externalId and userName", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","path":"externalId","value":"00u2"},{"op":"replace","path":"userName","value":"ada@lovelace.example"}`),
			want: `{"externalId":"00u2","userName":"ada@lovelace.example"}`},

		{name: "document key in another case is canonicalised", doc: `{"id":"u9","Active":true,"NAME":{"GivenName":"a"}}`, rs: rs,
			body: patchBody(`{"op":"replace","path":"active","value":false},{"op":"replace","path":"name.givenName","value":"b"}`),
			want: `{"Active":null,"NAME":null,"active":false,"name":{"givenName":"b"}}`},

		// Dialects of the envelope.
		{name: "lower-case operations key (Atlassian OpenAPI, jira.js)", doc: u, rs: rs,
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"operations":[{"op":"replace","path":"title","value":"T"}]}`,
			want: `{"title":"T"}`},
		{name: "absent schemas tolerated", doc: u, rs: rs,
			body: `{"Operations":[{"Op":"REPLACE","Path":"title","Value":"T"}]}`,
			want: `{"title":"T"}`},
		{name: "operations apply in order", doc: u, rs: rs,
			body: patchBody(`{"op":"replace","path":"title","value":"A"},{"op":"remove","path":"title"},{"op":"add","path":"title","value":"B"},{"op":"replace","path":"active","value":false},{"op":"replace","value":{"active":true}}`),
			want: `{"title":"B","active":true}`},
	})
}

func TestApplyPatchGroup(t *testing.T) {
	g, rs := groupDoc, GroupResourceSchema
	runPatchCases(t, []patchCase{
		{name: "okta add members: dedupe by value, keep existing, drop read-only display", doc: g, rs: rs,
			body: patchBody(`{"op":"add","path":"members","value":[{"value":"m1","display":"changed@example.com"},{"value":"m3","display":"m3@example.com"},{"value":"m3"}]}`),
			want: `{"members":[` + m1 + `,` + m2 + `,{"value":"m3"}]}`},
		{name: "okta remove member with filter and no value", doc: g, rs: rs,
			body: patchBody(`{"op":"remove","path":"members[value eq \"m1\"]"}`),
			want: `{"members":[` + m2 + `]}`},
		{name: "okta remove non-member is a no-op", doc: g, rs: rs,
			body: patchBody(`{"op":"remove","path":"members[value eq \"nobody\"]"}`),
			want: `{}`},
		{name: "member value compared exactly", doc: g, rs: rs,
			body: patchBody(`{"op":"remove","path":"members[value eq \"M1\"]"}`),
			want: `{}`},
		{name: "okta remove and add in one request", doc: g, rs: rs,
			body: patchBody(`{"op":"remove","path":"members[value eq \"m2\"]"},{"op":"add","path":"members","value":[{"value":"m4","display":"m4@example.com"}]}`),
			want: `{"members":[` + m1 + `,{"value":"m4"}]}`},
		{name: "entra remove members with value array", doc: g, rs: rs,
			body: patchBody(`{"op":"Remove","path":"members","value":[{"value":"m2"},{"value":"nobody"}]}`),
			want: `{"members":[` + m1 + `]}`},
		{name: "entra add member capitalised op", doc: g, rs: rs,
			body: patchBody(`{"op":"Add","path":"members","value":[{"value":"m5"}]}`),
			want: `{"members":[` + m1 + `,` + m2 + `,{"value":"m5"}]}`},
		{name: "lone member object accepted", doc: g, rs: rs,
			body: patchBody(`{"op":"add","path":"members","value":{"value":"m5"}}`),
			want: `{"members":[` + m1 + `,` + m2 + `,{"value":"m5"}]}`},
		{name: "remove members without value removes all", doc: g, rs: rs,
			body: patchBody(`{"op":"remove","path":"members"}`),
			want: `{"members":[]}`},
		{name: "replace members replaces the list", doc: g, rs: rs,
			body: patchBody(`{"op":"replace","path":"members","value":[{"value":"m6","display":"m6@example.com"},{"value":"m1"}]}`),
			want: `{"members":[{"value":"m6"},{"value":"m1"}]}`},
		{name: "replace members with empty list", doc: g, rs: rs,
			body: patchBody(`{"op":"replace","path":"members","value":[]}`),
			want: `{"members":[]}`},
		{name: "path-less add members", doc: g, rs: rs,
			body: patchBody(`{"op":"add","value":{"members":[{"value":"m7","display":"m7@example.com"}]}}`),
			want: `{"members":[` + m1 + `,` + m2 + `,{"value":"m7"}]}`},
		{name: "path-less replace members", doc: g, rs: rs,
			body: patchBody(`{"op":"replace","value":{"members":[{"value":"m7"}]}}`),
			want: `{"members":[{"value":"m7"}]}`},
		{name: "okta rename body with id", doc: g, rs: rs,
			body: patchBody(`{"op":"replace","value":{"id":"g1","displayName":"Test SCIMv2"}}`),
			want: `{"displayName":"Test SCIMv2"}`},
		{name: "okta rename with mismatching id still ignores id", doc: g, rs: rs,
			body: patchBody(`{"op":"replace","value":{"id":"other","displayName":"X"}}`),
			want: `{"displayName":"X"}`},
		{name: "replace externalId and displayName with paths", doc: g, rs: rs,
			body: patchBody(`{"op":"Replace","path":"externalId","value":"00gNEW"},{"op":"Replace","path":"displayName","value":"new"}`),
			want: `{"externalId":"00gNEW","displayName":"new"}`},
		{name: "add members to group without members key", doc: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g2","displayName":"x"}`, rs: rs,
			body: patchBody(`{"op":"add","path":"members","value":[{"value":"m1"}]}`),
			want: `{"members":[{"value":"m1"}]}`},
	})
}

func TestApplyPatchErrors(t *testing.T) {
	u, g, urs, grs := userDoc, groupDoc, UserResourceSchema, GroupResourceSchema
	runPatchCases(t, []patchCase{
		{name: "unknown attribute path", doc: u, rs: urs, errType: TypeInvalidPath,
			body: patchBody(`{"op":"replace","path":"favouriteColour","value":"blue"}`)},
		{name: "unknown sub-attribute", doc: u, rs: urs, errType: TypeInvalidPath,
			body: patchBody(`{"op":"replace","path":"name.nickname","value":"x"}`)},
		{name: "sub-attribute of simple attribute", doc: u, rs: urs, errType: TypeInvalidPath,
			body: patchBody(`{"op":"replace","path":"active.value","value":true}`)},
		{name: "filter on single-valued attribute", doc: u, rs: urs, errType: TypeInvalidPath,
			body: patchBody(`{"op":"replace","path":"name[givenName eq \"Ada\"].familyName","value":"x"}`)},
		{name: "unknown schema URN", doc: u, rs: urs, errType: TypeInvalidPath,
			body: patchBody(`{"op":"replace","path":"urn:example:params:scim:schemas:extension:custom:2.0:User:level","value":"x"}`)},
		{name: "unknown extension attribute", doc: u, rs: urs, errType: TypeInvalidPath,
			body: patchBody(`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"x"}`)},
		{name: "path syntax error", doc: u, rs: urs, errType: TypeInvalidPath,
			body: patchBody(`{"op":"replace","path":"emails[type eq \"work\"","value":"x"}`)},
		{name: "path with too many dots", doc: u, rs: urs, errType: TypeInvalidPath,
			body: patchBody(`{"op":"replace","path":"name.givenName.x","value":"x"}`)},
		{name: "group attribute on user", doc: u, rs: urs, errType: TypeInvalidPath,
			body: patchBody(`{"op":"add","path":"members","value":[{"value":"x"}]}`)},
		{name: "explicit path to id", doc: u, rs: urs, errType: TypeMutability,
			body: patchBody(`{"op":"replace","path":"id","value":"x"}`)},
		{name: "explicit path to groups", doc: u, rs: urs, errType: TypeMutability,
			body: patchBody(`{"op":"add","path":"groups","value":[{"value":"g1"}]}`)},
		{name: "explicit path to meta", doc: u, rs: urs, errType: TypeMutability,
			body: patchBody(`{"op":"replace","path":"meta.lastModified","value":"x"}`)},
		{name: "explicit path to schemas", doc: u, rs: urs, errType: TypeMutability,
			body: patchBody(`{"op":"replace","path":"schemas","value":["x"]}`)},
		{name: "explicit path to atlassianAccountId", doc: u, rs: urs, errType: TypeMutability,
			body: patchBody(`{"op":"replace","path":"urn:scim:schemas:extension:atlassian-external:1.0:atlassianAccountId","value":"x"}`)},
		{name: "remove id", doc: g, rs: grs, errType: TypeMutability,
			body: patchBody(`{"op":"remove","path":"id"}`)},
		{name: "read-only member sub-attribute", doc: g, rs: grs, errType: TypeMutability,
			body: patchBody(`{"op":"replace","path":"members[value eq \"m1\"].display","value":"x"}`)},
		{name: "immutable member value", doc: g, rs: grs, errType: TypeMutability,
			body: patchBody(`{"op":"replace","path":"members[value eq \"m1\"].value","value":"m9"}`)},
		{name: "boolean attribute given a word", doc: u, rs: urs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"replace","path":"active","value":"yes"}`)},
		{name: "boolean attribute given a number", doc: u, rs: urs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"replace","path":"active","value":1}`)},
		{name: "path-less boolean given an object", doc: u, rs: urs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"replace","value":{"active":{"x":1}}}`)},
		{name: "string attribute given a number", doc: g, rs: grs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"replace","path":"displayName","value":5}`)},
		{name: "path-less string attribute given a number", doc: g, rs: grs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"replace","value":{"displayName":5}}`)},
		{name: "string attribute given a boolean", doc: u, rs: urs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"replace","path":"title","value":true}`)},
		{name: "array for single-valued attribute", doc: u, rs: urs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"replace","path":"displayName","value":["a","b"]}`)},
		{name: "array for single-valued complex", doc: u, rs: urs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"replace","path":"name","value":[{"givenName":"a"}]}`)},
		{name: "string for complex attribute", doc: u, rs: urs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"replace","path":"name","value":"Ada"}`)},
		{name: "bad sub-attribute type inside element", doc: u, rs: urs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"add","path":"emails","value":[{"value":"a@b","primary":"maybe"}]}`)},
		{name: "member value not a string", doc: g, rs: grs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"add","path":"members","value":[{"value":5}]}`)},
		{name: "member element not an object", doc: g, rs: grs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"add","path":"members","value":["m1"]}`)},
		{name: "nested array element", doc: g, rs: grs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"add","path":"members","value":[[{"value":"m1"}]]}`)},
		{name: "extension value not an object", doc: u, rs: urs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"}}`)},
		{name: "path-less value not an object", doc: u, rs: urs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"replace","value":false}`)},
		{name: "path-less value array", doc: u, rs: urs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"add","value":[{"active":false}]}`)},
		{name: "path-less value missing", doc: u, rs: urs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"replace"}`)},
		{name: "add without value", doc: u, rs: urs, errType: TypeInvalidValue,
			body: patchBody(`{"op":"add","path":"title"}`)},
		{name: "replace filtered element matching nothing", doc: u, rs: urs, errType: TypeNoTarget,
			body: patchBody(`{"op":"replace","path":"emails[type eq \"other\"]","value":{"value":"x@y"}}`)},
		{name: "replace member filter matching nothing", doc: g, rs: grs, errType: TypeNoTarget,
			body: patchBody(`{"op":"replace","path":"members[value eq \"nobody\"]","value":{"value":"x"}}`)},
		{name: "non-eq filter matching nothing cannot create", doc: u, rs: urs, errType: TypeNoTarget,
			body: patchBody(`{"op":"add","path":"emails[type co \"ork\" and value sw \"z\"].value","value":"x@y"}`)},
		{name: "or filter matching nothing cannot create", doc: u, rs: urs, errType: TypeNoTarget,
			body: patchBody(`{"op":"replace","path":"emails[type eq \"a\" or type eq \"b\"].value","value":"x@y"}`)},
	})
}

func TestApplyPatchAtomic(t *testing.T) {
	doc := decodeJSON(t, userDoc)
	before := deepCopyMap(doc)
	ops := []PatchOperation{
		{Op: "replace", Path: "displayName", Value: json.RawMessage(`"Changed"`)},
		{Op: "remove", Path: "name.givenName"},
		{Op: "add", Path: "emails", Value: json.RawMessage(`[{"value":"x@y","type":"home"}]`)},
		{Op: "replace", Path: "active", Value: json.RawMessage(`"nope"`)},
	}
	got, err := ApplyPatch(doc, UserResourceSchema, ops)
	assertScimError(t, err, TypeInvalidValue)
	if got != nil {
		t.Errorf("got a document with an error: %v", got)
	}
	assertDocEqual(t, doc, before)

	t.Run("success leaves input untouched", func(t *testing.T) {
		got, err := ApplyPatch(doc, UserResourceSchema, ops[:3])
		if err != nil {
			t.Fatal(err)
		}
		assertDocEqual(t, doc, before)
		if got["displayName"] != "Changed" {
			t.Errorf("displayName = %v", got["displayName"])
		}
		// The result shares nothing with the input.
		got["emails"].([]any)[0].(map[string]any)["value"] = "mutated"
		assertDocEqual(t, doc, before)
	})
	t.Run("nil document", func(t *testing.T) {
		got, err := ApplyPatch(nil, GroupResourceSchema, []PatchOperation{{Op: "add", Path: "displayName", Value: json.RawMessage(`"x"`)}})
		if err != nil {
			t.Fatal(err)
		}
		assertDocEqual(t, got, map[string]any{"displayName": "x"})
	})
	t.Run("hand-built operations are validated too", func(t *testing.T) {
		_, err := ApplyPatch(doc, UserResourceSchema, []PatchOperation{{Op: "move", Path: "title"}})
		assertScimError(t, err, TypeInvalidValue)
		_, err = ApplyPatch(doc, UserResourceSchema, []PatchOperation{{Op: "remove"}})
		assertScimError(t, err, TypeNoTarget)
		_, err = ApplyPatch(doc, UserResourceSchema, []PatchOperation{{Op: "add", Path: "title", Value: json.RawMessage(`{bad`)}})
		assertScimError(t, err, TypeInvalidSyntax)
	})
}

func TestDecodePatch(t *testing.T) {
	t.Run("okta body", func(t *testing.T) {
		req, err := DecodePatch([]byte(patchBody(`{"op":"remove","path":"members[value eq \"x\"]"},{"op":"add","path":"members","value":[{"value":"y","display":"y@x"}]}`)))
		if err != nil {
			t.Fatal(err)
		}
		want := &PatchRequest{
			Schemas: []string{PatchOpSchema},
			Operations: []PatchOperation{
				{Op: "remove", Path: `members[value eq "x"]`},
				{Op: "add", Path: "members", Value: json.RawMessage(`[{"value":"y","display":"y@x"}]`)},
			},
		}
		if !reflect.DeepEqual(req, want) {
			t.Errorf("got %+v, want %+v", req, want)
		}
	})
	t.Run("any case of keys and op values", func(t *testing.T) {
		req, err := DecodePatch([]byte(`{"SCHEMAS":["urn:ietf:params:scim:api:messages:2.0:patchop"],"OPERATIONS":[{"OP":"ADD","PATH":" title ","VALUE":"x"},{"Op":"Replace","value":{"active":false}}]}`))
		if err != nil {
			t.Fatal(err)
		}
		got := []PatchOperation{{Op: "add", Path: "title", Value: json.RawMessage(`"x"`)}, {Op: "replace", Value: json.RawMessage(`{"active":false}`)}}
		if !reflect.DeepEqual(req.Operations, got) {
			t.Errorf("got %+v", req.Operations)
		}
	})
	t.Run("empty path is no path", func(t *testing.T) {
		req, err := DecodePatch([]byte(patchBody(`{"op":"replace","path":"","value":{"active":false}}`)))
		if err != nil || req.Operations[0].Path != "" {
			t.Fatalf("got %+v, %v", req, err)
		}
	})

	errs := []struct {
		name, body, errType string
	}{
		{"malformed JSON", `{"Operations":[`, TypeInvalidSyntax},
		{"not JSON", `hello`, TypeInvalidSyntax},
		{"empty body", ``, TypeInvalidSyntax},
		{"JSON null", `null`, TypeInvalidSyntax},
		{"top-level array", `[{"op":"add"}]`, TypeInvalidSyntax},
		{"no operations", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, TypeInvalidValue},
		{"null operations", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":null}`, TypeInvalidValue},
		{"empty operations", patchBody(``), TypeInvalidValue},
		{"operations not a list", `{"Operations":{"op":"add"}}`, TypeInvalidSyntax},
		{"operations twice", `{"Operations":[{"op":"remove","path":"a"}],"operations":[{"op":"remove","path":"b"}]}`, TypeInvalidSyntax},
		{"operation not an object", patchBody(`"add"`), TypeInvalidSyntax},
		{"op missing", patchBody(`{"path":"title","value":"x"}`), TypeInvalidValue},
		{"op not a string", patchBody(`{"op":1,"path":"title","value":"x"}`), TypeInvalidValue},
		{"op unknown", patchBody(`{"op":"move","path":"title","value":"x"}`), TypeInvalidValue},
		{"op copy", patchBody(`{"op":"copy","path":"title","value":"x"}`), TypeInvalidValue},
		{"path not a string", patchBody(`{"op":"replace","path":5,"value":"x"}`), TypeInvalidPath},
		{"remove without path", patchBody(`{"op":"remove"}`), TypeNoTarget},
		{"remove with empty path", patchBody(`{"op":"Remove","path":"","value":[{"value":"x"}]}`), TypeNoTarget},
		{"wrong schemas", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[{"op":"add","path":"title","value":"x"}]}`, TypeInvalidValue},
		{"empty schemas", `{"schemas":[],"Operations":[{"op":"add","path":"title","value":"x"}]}`, TypeInvalidValue},
		{"schemas not a list", `{"schemas":"urn:ietf:params:scim:api:messages:2.0:PatchOp","Operations":[{"op":"add","path":"title","value":"x"}]}`, TypeInvalidValue},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			req, err := DecodePatch([]byte(tc.body))
			assertScimError(t, err, tc.errType)
			if req != nil {
				t.Errorf("got request %+v with error", req)
			}
		})
	}
}

// withJSON is with rendered back to JSON, to build a base document.
func withJSON(t *testing.T, base, overrides string) string {
	t.Helper()
	b, err := json.Marshal(with(t, base, overrides))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func FuzzApplyPatch(f *testing.F) {
	seeds := []struct{ op, path, value string }{
		{"replace", "", `{"active":false}`},
		{"Replace", "active", `"False"`},
		{"add", `emails[type eq "work"].value`, `"a@b.c"`},
		{"remove", `members[value eq "m1"]`, ``},
		{"remove", "members", `[{"value":"m2"}]`},
		{"add", "members", `[{"value":"m3","display":"x"}]`},
		{"replace", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", `"x"`},
		{"replace", "", `{"name.givenName":"x","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":1}}`},
		{"add", "name", `{"givenName":null}`},
		{"replace", `emails[not (type eq "x")]`, `{"value":"y"}`},
	}
	for _, s := range seeds {
		f.Add(s.op, s.path, s.value)
	}
	user := decodeJSON(f, userDoc)
	group := decodeJSON(f, groupDoc)
	userJSON, _ := json.Marshal(user)
	groupJSON, _ := json.Marshal(group)
	f.Fuzz(func(t *testing.T, op, path, value string) {
		ops := []PatchOperation{{Op: op, Path: path, Value: json.RawMessage(value)}}
		for _, c := range []struct {
			doc  map[string]any
			rs   ResourceSchema
			orig []byte
		}{{user, UserResourceSchema, userJSON}, {group, GroupResourceSchema, groupJSON}} {
			got, err := ApplyPatch(c.doc, c.rs, ops)
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %v is %T, not *scim.Error", err, err)
				}
				if got != nil {
					t.Fatal("document returned with error")
				}
			} else if _, err := json.Marshal(got); err != nil {
				t.Fatalf("result does not marshal: %v", err)
			}
			if now, _ := json.Marshal(c.doc); string(now) != string(c.orig) {
				t.Fatalf("input document modified")
			}
		}
		// The same operation through the wire decoder.
		body, _ := json.Marshal(map[string]any{"Operations": []any{map[string]any{"op": op, "path": path, "value": json.RawMessage(nonEmptyJSON(value))}}})
		if req, err := DecodePatch(body); err == nil {
			if _, err := ApplyPatch(user, UserResourceSchema, req.Operations); err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %T", err)
				}
			}
		} else if _, ok := err.(*Error); !ok {
			t.Fatalf("DecodePatch error %T", err)
		}
	})
}

func FuzzDecodePatch(f *testing.F) {
	f.Add(patchBody(`{"op":"replace","value":{"active":false}}`))
	f.Add(`{"operations":[{"op":"Remove","path":"members","value":[{"value":"x"}]}]}`)
	f.Add(`{"schemas":[],"Operations":[]}`)
	f.Add(`[`)
	user := decodeJSON(f, userDoc)
	f.Fuzz(func(t *testing.T, body string) {
		req, err := DecodePatch([]byte(body))
		if err != nil {
			if _, ok := err.(*Error); !ok || req != nil {
				t.Fatalf("DecodePatch = %v, %v (%T)", req, err, err)
			}
			return
		}
		if len(req.Operations) == 0 {
			t.Fatal("decoded a request with no operations")
		}
		for _, op := range req.Operations {
			if op.Op != OpAdd && op.Op != OpRemove && op.Op != OpReplace {
				t.Fatalf("op %q", op.Op)
			}
		}
		if _, err := ApplyPatch(user, UserResourceSchema, req.Operations); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("ApplyPatch error %T", err)
			}
		}
	})
}

// nonEmptyJSON returns s if it is valid JSON, else s as a JSON string.
func nonEmptyJSON(s string) string {
	if json.Valid([]byte(s)) {
		return s
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func TestOnlyActiveMatchesApplyPatch(t *testing.T) {
	op := func(o, path, value string) PatchOperation {
		return PatchOperation{Op: o, Path: path, Value: json.RawMessage(value)}
	}
	taken := []struct {
		ops  []PatchOperation
		want bool
	}{
		{[]PatchOperation{op(OpReplace, "", `{"active":false}`)}, false},
		{[]PatchOperation{op(OpReplace, "", `{"Active":true}`)}, true},
		{[]PatchOperation{op(OpAdd, "", `{"active":"False"}`)}, false},
		{[]PatchOperation{op(OpReplace, "active", `"TRUE"`)}, true},
		{[]PatchOperation{op(OpReplace, " ACTIVE ", `false`)}, false},
		{[]PatchOperation{op(OpReplace, "", `{"active":false}`), op(OpReplace, "active", `true`)}, true},
	}
	for _, c := range taken {
		got, ok := OnlyActive(c.ops)
		if !ok || got != c.want {
			t.Errorf("OnlyActive(%s) = %v, %v; want %v, true", show(c.ops), got, ok, c.want)
			continue
		}
		for _, start := range []bool{true, false} {
			doc, err := ApplyPatch(map[string]any{"userName": "a@example.com", "active": start}, UserResourceSchema, c.ops)
			if err != nil {
				t.Fatalf("ApplyPatch(%s): %v", show(c.ops), err)
			}
			if doc["active"] != c.want || len(doc) != 2 {
				t.Errorf("ApplyPatch(%s) = %v; OnlyActive says active %v", show(c.ops), doc, c.want)
			}
		}
	}
	for _, ops := range [][]PatchOperation{
		nil,
		{op(OpReplace, "", `{"active":null}`)},
		{op(OpReplace, "", `{"active":1}`)},
		{op(OpReplace, "", `{"active":"yes"}`)},
		{op(OpReplace, "", `{"active":false,"title":"x"}`)},
		{op(OpReplace, "", `{"active":false,"Active":true}`)},
		{op(OpReplace, "", `{"aCtive":false}`)},
		{op(OpReplace, "", `[{"active":false}]`)},
		{op(OpRemove, "active", ``)},
		{op(OpReplace, "urn:ietf:params:scim:schemas:core:2.0:User:active", `false`)},
		{op(OpReplace, "title", `"x"`)},
		{op(OpReplace, "", `{"active":false}`), op(OpReplace, "title", `"x"`)},
	} {
		if _, ok := OnlyActive(ops); ok {
			t.Errorf("OnlyActive(%s) took a PATCH that is not only active", show(ops))
		}
	}
}

func show(ops []PatchOperation) string {
	b, _ := json.Marshal(ops)
	return string(b)
}
