package journal

import (
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
)

// No password reaches a journal: Okta's create body, a Management API
// credentials object, an imported hash, a change of password, a basic-auth
// connection and a form all come out masked; other bytes stay as sent.
func TestMaskSecrets(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"okta create body",
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@b.c","groups":[],"password":"1mz050nq","active":true}`,
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@b.c","groups":[],"password":"{masked}","active":true}`},
		{"password patch",
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"Tr0ub4dor&3"}}]}`,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"{masked}"}}]}`},
		{"password patch with a path, value first",
			`{"Operations":[{"value":"Tr0ub4dor&3","path":"password","op":"replace"},{"op":"replace","path":"title","value":"Boss"}]}`,
			`{"Operations":[{"value":"{masked}","path":"password","op":"replace"},{"op":"replace","path":"title","value":"Boss"}]}`},
		{"credentials, indented, numbers and html kept",
			"{\n  \"profile\": {\"login\": \"a<b>&c\", \"n\": 1.50},\n  \"credentials\": {\"password\": {\"value\": \"Kv7J2LEa!x\"}, \"recovery_question\": {\"question\": \"q\"}}\n}",
			`{"profile":{"login":"a<b>&c","n":1.50},"credentials":{"password":{"value":"{masked}"},"recovery_question":{"question":"q"}}}`},
		{"imported hash",
			`{"credentials":{"password":{"hash":{"algorithm":"BCRYPT","workFactor":10,"salt":"s4lt","value":"h4sh"}}}}`,
			`{"credentials":{"password":{"hash":{"algorithm":"{masked}","workFactor":10,"salt":"{masked}","value":"{masked}"}}}}`},
		{"change password", `{"oldPassword":{"value":"old-Secret1"},"newPassword":{"value":"new-Secret2"}}`,
			`{"oldPassword":{"value":"{masked}"},"newPassword":{"value":"{masked}"}}`},
		{"basic auth connection", `{"authMode":"basic","username":"u","Password":"s3cr:et"}`,
			`{"authMode":"basic","username":"u","Password":"{masked}"}`},
		{"form", `login=a%40b.c&password=Kv7J2LEa%21x`, `login=a%40b.c&password=%7Bmasked%7D`},
		{"no password: bytes untouched", "{ \"a\" : \"x&y\" }", "{ \"a\" : \"x&y\" }"},
		{"a word, not a field", `{"detail":"Password requirements were not met"}`, `{"detail":"Password requirements were not met"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := string(MaskSecrets([]byte(c.in))); got != c.want {
				t.Fatalf("MaskSecrets(%s)\n got %s\nwant %s", c.in, got, c.want)
			}
		})
	}
}

// Append masks both bodies before it cuts them, so a password past the
// cut does not survive as a prefix either.
func TestAppendMasksPasswords(t *testing.T) {
	j := New(Options{MaxBodyBytes: 40}, clock.NewFake(time.Unix(0, 0)))
	j.Append(Entry{Path: "/Users", RequestBody: []byte(`{"userName":"someone@example.com","password":"Secret-Value-123"}`),
		ResponseBody: []byte(`{"id":"1","password":"Echoed-Secret-9"}`)})
	e := j.Entries(Query{})[0]
	for _, b := range []string{string(e.RequestBody), string(e.ResponseBody)} {
		if strings.Contains(b, "Secret") {
			t.Fatalf("journal keeps a password: %s", b)
		}
	}
}
