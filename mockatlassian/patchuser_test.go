package mockatlassian

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/provsim/provsim/internal/scim"
)

// A PATCH that only sets active skips the PATCH engine (patchedUser); the
// user it writes is the one the engine would, for users of every shape.
func TestActiveOnlyPatchMatchesEngine(t *testing.T) {
	e := newEnv(t)
	bodies := []string{
		`{"userName":"plain@example.com","emails":[{"value":"plain@example.com","primary":true}]}`,
		`{"userName":"full@example.com","externalId":"00u1","name":{"givenName":"Full","familyName":"<Test>","formatted":"F T"},
		  "emails":[{"value":"full@example.com","primary":true,"type":"work"},{"value":"other@example.com","type":"home"}],
		  "displayName":"Full & Test","nickName":"ft","title":"Eng","preferredLanguage":"en","timezone":"Europe/Oslo",
		  "phoneNumbers":[{"value":"+47 1","type":"work","primary":true}],"active":false,
		  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","organization":"Acme"}}`,
		`{"userName":"empty@example.com","emails":[{"value":"empty@example.com","primary":true}],"phoneNumbers":[],"name":{}}`,
	}
	group := e.createGroup("shapes")
	for _, body := range bodies {
		r := e.scim("POST", "/Users", body).wantStatus(t, http.StatusCreated)
		id := r.str("id")
		e.scim("PATCH", "/Groups/"+group, `{"Operations":[{"op":"add","path":"members","value":[{"value":"`+id+`"}]}]}`).wantStatus(t, http.StatusOK)
		base, err := e.srv.Model.GetUser(testDir, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, ops := range []string{`[{"op":"replace","value":{"active":false}}]`, `[{"op":"replace","path":"active","value":"True"}]`} {
			var list []scim.PatchOperation
			if err := json.Unmarshal([]byte(ops), &list); err != nil {
				t.Fatal(err)
			}
			if _, ok := scim.OnlyActive(list); !ok {
				t.Fatalf("%s: not taken as active-only", ops)
			}
			fast, err1 := patchedUser(base, list)
			slow, err2 := enginePatchedUser(base, list)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: %v / %v", ops, err1, err2)
			}
			a, _ := json.Marshal(fast)
			b, _ := json.Marshal(slow)
			if string(a) != string(b) || !reflect.DeepEqual(fast, slow) {
				t.Fatalf("%s on %s:\nfast   %s\nengine %s", ops, r.str("userName"), a, b)
			}
		}
	}
}
