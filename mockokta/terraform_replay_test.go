package mockokta

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Terraform's Okta provider against mockokta, without Terraform: the
// requests the provider (v6.12.0, built from source, run by Terraform
// v1.13.5 with dev_overrides) sent for the guide's configuration
// (testdata/terraform/main.tf) — plan, apply, a second plan that showed no
// changes, destroy, apply again, and a last plan with no changes — were
// recorded from mockokta's inbound journal into
// testdata/terraform/guide.json (docs/terraform.md says how). This test
// replays them in order against a fresh mockokta wired to mockatlassian and
// checks every answer's status and shape against the recorded one, so a
// change that would break the provider (a missing route, a renamed field, a
// new error) fails here. Ids differ between runs: each recorded id is
// mapped to the one this run answers when it first appears in an answer.

var terraformRecording = flag.String("terraform-recording", "testdata/terraform/guide.json", "the recorded provider requests TestTerraformReplay replays")

type recordedCall struct {
	Phase        string          `json:"phase"`
	Method       string          `json:"method"`
	Path         string          `json:"path"`
	Query        string          `json:"query"`
	Status       int             `json:"status"`
	RequestBody  json.RawMessage `json:"requestBody"`
	ResponseBody json.RawMessage `json:"responseBody"`
}

func TestTerraformReplay(t *testing.T) {
	raw, err := os.ReadFile(filepath.FromSlash(*terraformRecording))
	if err != nil {
		t.Fatal(err)
	}
	var calls []recordedCall
	if err := json.Unmarshal(raw, &calls); err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 {
		t.Fatal("empty recording")
	}
	p := newPipeline(t)
	ids := idMap{}
	phases := []string{}
	for i, c := range calls {
		if len(phases) == 0 || phases[len(phases)-1] != c.Phase {
			phases = append(phases, c.Phase)
		}
		// Terraform waits for each answer; the engine runs meanwhile.
		p.idle()
		target := ids.apply(c.Path)
		if c.Query != "" {
			target += "?" + ids.apply(c.Query)
		}
		var body any
		if len(c.RequestBody) > 0 && string(c.RequestBody) != "null" {
			body = json.RawMessage(ids.apply(string(c.RequestBody)))
		}
		r := p.oktaAPI(c.Method, target, body)
		what := c.Phase + " #" + itoa(i) + " " + c.Method + " " + target
		if r.Status != c.Status {
			t.Fatalf("%s: %d, recorded %d: %s", what, r.Status, c.Status, r.Raw)
		}
		if len(c.ResponseBody) == 0 || string(c.ResponseBody) == "null" {
			if len(strings.TrimSpace(string(r.Raw))) != 0 {
				t.Errorf("%s: answered a body, recorded none: %s", what, r.Raw)
			}
			continue
		}
		var want, got any
		if err := json.Unmarshal(c.ResponseBody, &want); err != nil {
			t.Fatalf("%s: recorded body: %v", what, err)
		}
		if err := json.Unmarshal(r.Raw, &got); err != nil {
			t.Fatalf("%s: answer is not JSON: %v: %s", what, err, r.Raw)
		}
		ids.learn(want, got)
		if d := shapeDiff(want, got, ""); d != "" {
			t.Errorf("%s: answer differs from the recording: %s", what, d)
		}
	}
	if want := []string{"plan1", "apply1", "plan2", "destroy", "apply2", "plan3"}; !slices.Equal(phases, want) {
		t.Errorf("recorded phases %v, want %v", phases, want)
	}
	// Where the last apply leaves Atlassian: the pushed group holds Ada
	// (by the group rule) and Grace (by membership), both provisioned
	// through the app's group assignment.
	p.idle()
	members := p.pushedMembers("atlassian-test-jira-users")
	var names []string
	for _, id := range members {
		_, u := p.scim("GET", "/Users/"+id)
		names = append(names, u["userName"].(string))
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "ada@example.com,grace@example.com" {
		t.Errorf("pushed members = %v, want ada and grace", names)
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// idMap maps the recording's ids to this run's.
type idMap map[string]string

func (m idMap) apply(s string) string {
	for old, cur := range m {
		s = strings.ReplaceAll(s, old, cur)
	}
	return s
}

// learn walks a recorded answer and this run's side by side and maps the
// values of id fields (id, …Id, …Ids) that differ.
func (m idMap) learn(want, got any) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return
		}
		for k, wv := range w {
			gv := g[k]
			if ws, ok := wv.(string); ok && (k == "id" || strings.HasSuffix(k, "Id")) {
				if gs, ok := gv.(string); ok && gs != ws && len(ws) >= 8 {
					m[ws] = gs
				}
				continue
			}
			m.learn(wv, gv)
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			return
		}
		for i := range min(len(w), len(g)) {
			if ws, ok := w[i].(string); ok {
				if gs, ok := g[i].(string); ok && gs != ws && len(ws) >= 8 && looksLikeID(ws) {
					m[ws] = gs
				}
				continue
			}
			m.learn(w[i], g[i])
		}
	}
}

// looksLikeID tells an Okta id (00u…, 00g…, 0pr…, 0oa…) in a list such as
// groupIds from other strings.
func looksLikeID(s string) bool {
	return len(s) == 20 && (strings.HasPrefix(s, "00") || strings.HasPrefix(s, "0"))
}

// shapeDiff reports the first place where got lacks a field the recording
// has, has one it lacks, or has a value of another JSON type, or a list of
// another length. Values themselves (ids, times) are not compared, except
// statuses, which the provider reads back.
func shapeDiff(want, got any, at string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return at + ": object recorded, got " + typeName(got)
		}
		if at == "._links" || strings.HasSuffix(at, "]._links") {
			// Of an object's links the provider reads only an app's
			// accessPolicy (the others follow the object's status).
			if _, ok := w["accessPolicy"]; ok {
				if _, ok := g["accessPolicy"]; !ok {
					return at + ".accessPolicy: missing"
				}
			}
			return ""
		}
		for k := range w {
			if _, ok := g[k]; !ok {
				return at + "." + k + ": missing"
			}
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return at + "." + k + ": not in the recording"
			}
		}
		for k, wv := range w {
			if k == "status" && wv != g[k] {
				return at + ".status: " + typeName(g[k]) + " " + toString(g[k]) + ", recorded " + toString(wv)
			}
			if d := shapeDiff(wv, g[k], at+"."+k); d != "" {
				return d
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			return at + ": list recorded, got " + typeName(got)
		}
		if len(g) != len(w) {
			return at + ": " + itoa(len(g)) + " items, recorded " + itoa(len(w))
		}
		for i := range w {
			if d := shapeDiff(w[i], g[i], at+"["+itoa(i)+"]"); d != "" {
				return d
			}
		}
	default:
		if typeName(want) != typeName(got) {
			return at + ": " + typeName(got) + ", recorded " + typeName(want)
		}
	}
	return ""
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return "?"
}

func toString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
