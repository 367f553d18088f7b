package mockokta

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4/jwt"
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
	p := newPipeline(t)
	replayRecording(t, p, *terraformRecording, replayOptions{}, []string{"plan1", "apply1", "plan2", "destroy", "apply2", "plan3"})
	// Where the last apply leaves Atlassian: the pushed group holds Ada
	// (by the group rule) and Grace (by membership), both provisioned
	// through the app's group assignment.
	p.checkGuideEnd(t)
}

func (p *pipeline) checkGuideEnd(t *testing.T) {
	t.Helper()
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

// replayOAuth signs the provider in as a service app: the recording's
// token requests get a client assertion made now with the test's key (the
// recorded one was signed with a key the test does not have, at another
// time), and later calls carry the access token it gets as a Bearer.
type replayOAuth struct {
	client serviceClient
	bearer string
}

// replayOptions change how a recording is replayed.
type replayOptions struct {
	oauth *replayOAuth
	// exact names the answer fields whose values must be the recorded
	// ones, not only of the recorded type (by their path, e.g.
	// "[0].settings.signOn.assertionSigned").
	exact func(path string) bool
}

// replayRecording sends a recording's requests in order to p's mockokta and
// checks each answer against the recorded one; phases are the recorded
// phases, in order.
func replayRecording(t *testing.T, p *pipeline, file string, opts replayOptions, phases []string) {
	t.Helper()
	oauth := opts.oauth
	raw, err := os.ReadFile(filepath.FromSlash(file))
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
	ids := idMap{}
	seen := []string{}
	for i, c := range calls {
		if len(seen) == 0 || seen[len(seen)-1] != c.Phase {
			seen = append(seen, c.Phase)
		}
		// Terraform waits for each answer; the engine runs meanwhile.
		p.idle()
		target := ids.apply(c.Path)
		if c.Query != "" {
			target += "?" + ids.apply(c.Query)
		}
		what := c.Phase + " #" + itoa(i) + " " + c.Method + " " + target
		var r apiResp
		switch {
		case c.Path == "/oauth2/v1/token":
			if oauth == nil {
				t.Fatalf("%s: a token request in an API-token recording", what)
			}
			r = p.tokenRequest(t, c, oauth)
		default:
			var body any
			if len(c.RequestBody) > 0 && string(c.RequestBody) != "null" {
				body = json.RawMessage(ids.apply(string(c.RequestBody)))
			}
			auth := "SSWS " + p.token
			if oauth != nil {
				if oauth.bearer == "" {
					t.Fatalf("%s: an API call before any token request", what)
				}
				auth = "Bearer " + oauth.bearer
			}
			r = p.oktaAPIAuth(c.Method, target, body, auth)
		}
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
		if doc, ok := want.(string); ok {
			// A document that is not JSON (the app's SAML metadata): the
			// same kind of document again.
			if json.Valid(r.Raw) || !strings.HasPrefix(string(r.Raw), doc[:min(5, len(doc))]) {
				t.Errorf("%s: answered %.60q, recorded %.60q", what, r.Raw, doc)
			}
			continue
		}
		if err := json.Unmarshal(r.Raw, &got); err != nil {
			t.Fatalf("%s: answer is not JSON: %v: %s", what, err, r.Raw)
		}
		if oauth != nil && c.Path == "/oauth2/v1/token" {
			tok, _ := got.(map[string]any)["access_token"].(string)
			oauth.bearer = tok
		}
		ids.learn(want, got)
		if d := shapeDiff(want, got, ""); d != "" {
			t.Errorf("%s: answer differs from the recording: %s", what, d)
		}
		if opts.exact != nil {
			if d := valueDiff(want, got, "", opts.exact); d != "" {
				t.Errorf("%s: answer differs from the recording: %s", what, d)
			}
		}
	}
	if !slices.Equal(seen, phases) {
		t.Errorf("recorded phases %v, want %v", seen, phases)
	}
}

// tokenRequest sends a recorded token request with a fresh client
// assertion for the test's service app.
func (p *pipeline) tokenRequest(t *testing.T, c recordedCall, oauth *replayOAuth) apiResp {
	t.Helper()
	var fields map[string]string
	if err := json.Unmarshal(c.RequestBody, &fields); err != nil {
		t.Fatalf("token request body: %v", err)
	}
	form := url.Values{}
	for k, v := range fields {
		form.Set(k, v)
	}
	now := p.clock.Now()
	form.Set("client_assertion", oauth.client.assertion(t, now, func(cl *jwt.Claims) {
		cl.Audience = jwt.Audience{"http://example.com/oauth2/v1/token"}
	}))
	req := httptest.NewRequest("POST", "/oauth2/v1/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	p.okta.ServeHTTP(rec, req)
	return apiResp{rec.Code, rec.Header(), rec.Body.Bytes()}
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

// valueDiff reports the first field that exact selects whose value is not
// the recorded one.
func valueDiff(want, got any, at string, exact func(string) bool) string {
	switch w := want.(type) {
	case map[string]any:
		g, _ := got.(map[string]any)
		for k, wv := range w {
			if d := valueDiff(wv, g[k], at+"."+k, exact); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, _ := got.([]any)
		if exact(at) && len(g) != len(w) {
			return at + ": " + toString(got) + ", recorded " + toString(want)
		}
		for i := range min(len(w), len(g)) {
			if d := valueDiff(w[i], g[i], at+"["+itoa(i)+"]", exact); d != "" {
				return d
			}
		}
		return ""
	}
	if exact(at) && toString(want) != toString(got) {
		return at + ": " + toString(got) + ", recorded " + toString(want)
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

// TestTerraformSAMLReplay replays the provider's requests for a custom SAML
// app (testdata/terraform/saml/main.tf): apply, a plan that showed no
// changes, the app removed from the state and imported, another plan with
// no changes, and destroy. Terraform's plans were clean because every
// settings.signOn field read back as written (SAML-IDP-5); here the
// app's answers must also hold the values the provider wrote.
func TestTerraformSAMLReplay(t *testing.T) {
	p := newPipeline(t)
	// The app's sign-on settings hold no ids: each must read back as it
	// did from the run whose plans were clean.
	signOn := func(path string) bool { return strings.Contains(path, ".settings.signOn.") }
	replayRecording(t, p, "testdata/terraform/saml.json", replayOptions{exact: signOn},
		[]string{"plan1", "apply1", "plan2", "import", "plan3", "destroy"})
	var apps []map[string]any
	_ = json.Unmarshal(p.oktaAPI("GET", "/api/v1/apps", nil).Raw, &apps)
	for _, a := range apps {
		if a["label"] == "Example SAML app" {
			t.Errorf("the app outlived destroy: %v", a["id"])
		}
	}
}

// TestTerraformPolicyReplay replays okta_app_signon_policy and two
// okta_app_signon_policy_rule resources with a custom SAML app on the
// policy (testdata/terraform/policy/main.tf): plan, apply, a plan with no
// changes, import of the policy and a rule, a plan with no changes,
// destroy (OAPI-POLICY-2, -3). The rules' actions, network conditions and
// priorities must read back as they did in the run whose plans were clean.
func TestTerraformPolicyReplay(t *testing.T) {
	p := newPipeline(t)
	asWritten := func(path string) bool {
		return strings.Contains(path, "actions.") || strings.Contains(path, "conditions.network.") ||
			strings.HasSuffix(path, ".priority")
	}
	replayRecording(t, p, "testdata/terraform/policy.json", replayOptions{exact: asWritten},
		[]string{"plan1", "apply1", "plan2", "import", "plan3", "destroy"})
	o, err := p.okta.Model.Org(p.orgID)
	if err != nil {
		t.Fatal(err)
	}
	// Destroy leaves the org's two built-in policies only.
	if ps := p.okta.Model.AccessPolicies(o); len(ps) != 2 {
		t.Errorf("%d policies after destroy, want the 2 built-ins", len(ps))
	}
}

// TestTerraformOAuthReplay replays the guide's configuration run by the
// provider signed in as a service app (testdata/terraform/oauth/main.tf:
// client_id, private_key, scopes): each Terraform command gets a token at
// /oauth2/v1/token with private_key_jwt and calls the API with it.
func TestTerraformOAuthReplay(t *testing.T) {
	p := newPipeline(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := p.okta.Model.Org(p.orgID)
	jwks, err := json.Marshal(publicJWKS(t, key, "tf1"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := p.okta.Model.CreateServiceApp(o, CreateServiceAppInput{Label: "terraform", JWKS: jwks, Activate: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"okta.users.manage", "okta.groups.manage", "okta.apps.manage"} {
		if _, err := p.okta.Model.GrantScope(o, a.ID, s, "http://example.com"); err != nil {
			t.Fatal(err)
		}
	}
	oauth := &replayOAuth{client: serviceClient{id: a.ID, key: key, kid: "tf1"}}
	replayRecording(t, p, "testdata/terraform/guide-oauth.json", replayOptions{oauth: oauth}, []string{"plan1", "apply1", "plan2", "destroy", "apply2", "plan3"})
	p.checkGuideEnd(t)
}
