package mockokta

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/saml"
)

// terraformSAMLBody is what Terraform's okta_app_saml (provider v6.12.0)
// sends to create a custom SAML app, with non-default values in every
// field it writes.
func terraformSAMLBody(t *testing.T, e *oktaEnv) map[string]any {
	t.Helper()
	kp, err := saml.NewKeyPair("sp", "sp.test", e.clock.Now(), 2)
	if err != nil {
		t.Fatal(err)
	}
	cert := base64.StdEncoding.EncodeToString(kp.Cert.Raw)
	// Terraform's examples wrap the certificate at 76 with \r\n.
	wrapped := cert[:76] + "\r\n" + cert[76:]
	return map[string]any{"label": "Custom SAML", "signOnMode": "SAML_2_0",
		"accessibility": map[string]any{"selfService": false},
		"visibility":    map[string]any{"autoSubmitToolbar": false, "hide": map[string]any{"iOS": false, "web": false}},
		"credentials":   map[string]any{"userNameTemplate": map[string]any{"template": "${source.login}", "type": "BUILT_IN"}},
		"settings": map[string]any{"implicitAssignment": false, "app": map[string]any{}, "signOn": map[string]any{
			"defaultRelayState": "/start", "ssoAcsUrl": "http://sp.test/acs", "recipient": "http://sp.test/recipient",
			"destination": "http://sp.test/destination", "audience": "http://sp.test/entity",
			"idpIssuer":             "http://www.okta.com/${org.externalKey}/custom",
			"subjectNameIdTemplate": "${user.email}", "subjectNameIdFormat": saml.NameIDPersistent,
			"responseSigned": true, "assertionSigned": false, "signatureAlgorithm": "RSA_SHA1", "digestAlgorithm": "SHA1",
			"honorForceAuthn": false, "authnContextClassRef": "urn:oasis:names:tc:SAML:2.0:ac:classes:X509",
			"spIssuer": "http://sp.test/issuer", "samlSignedRequestEnabled": true, "allowMultipleAcsEndpoints": true,
			"acsEndpoints":     []map[string]any{{"url": "http://sp.test/acs", "index": 0}, {"url": "http://sp.test/acs2", "index": 1}},
			"slo":              map[string]any{"enabled": true, "issuer": "http://sp.test/issuer", "logoutUrl": "http://sp.test/logout"},
			"spCertificate":    map[string]any{"x5c": []string{wrapped}},
			"audienceOverride": "", "destinationOverride": "", "recipientOverride": "", "ssoAcsUrlOverride": "",
			"attributeStatements": []map[string]any{
				{"type": "EXPRESSION", "name": "email", "namespace": "urn:oasis:names:tc:SAML:2.0:attrname-format:basic", "values": []string{"user.email"}},
				{"type": "GROUP", "name": "groups", "namespace": "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified",
					"filterType": "STARTS_WITH", "filterValue": "jira"}}}}}
}

// Every settings.signOn field Terraform writes reads back as it was sent
// (SAML-IDP-5): a second plan has nothing to change.
func TestSAMLSignOnRoundTrips(t *testing.T) {
	e := newOktaEnv(t)
	body := terraformSAMLBody(t, e)
	created := e.do("POST", "/api/v1/apps?activate=true", body).must(t, 200).obj()
	appID := created["id"].(string)
	sent := body["settings"].(map[string]any)["signOn"].(map[string]any)
	check := func(what string, app map[string]any, sent map[string]any) {
		t.Helper()
		got := app["settings"].(map[string]any)["signOn"].(map[string]any)
		for k, want := range sent {
			if strings.HasSuffix(k, "Override") {
				continue // OIN-only overrides; Okta shows none for a custom app
			}
			wantJSON, _ := json.Marshal(want)
			gotJSON, _ := json.Marshal(got[k])
			var w, g any
			_ = json.Unmarshal(wantJSON, &w)
			_ = json.Unmarshal(gotJSON, &g)
			if !reflect.DeepEqual(w, g) {
				t.Errorf("%s: settings.signOn.%s = %s, sent %s", what, k, gotJSON, wantJSON)
			}
		}
	}
	check("create", created, sent)
	check("get", e.do("GET", "/api/v1/apps/"+appID, nil).must(t, 200).obj(), sent)

	// A PUT of other values, and back to the defaults.
	sent["assertionSigned"], sent["responseSigned"], sent["honorForceAuthn"] = true, false, true
	sent["idpIssuer"], sent["signatureAlgorithm"], sent["digestAlgorithm"] = "http://www.okta.com/${org.externalKey}", "RSA_SHA256", "SHA256"
	sent["slo"] = map[string]any{"enabled": false}
	sent["acsEndpoints"], sent["allowMultipleAcsEndpoints"] = []any{}, false
	sent["spIssuer"] = "" // none
	updated := e.do("PUT", "/api/v1/apps/"+appID, body).must(t, 200).obj()
	delete(sent, "spIssuer")
	check("put", updated, sent)
	got := e.do("GET", "/api/v1/apps/"+appID, nil).obj()
	check("get after put", got, sent)
	if v, ok := got["settings"].(map[string]any)["signOn"].(map[string]any)["spIssuer"]; !ok || v != nil {
		t.Errorf("spIssuer after clearing: %v", v)
	}

	// An app left at the defaults shows Okta's, the issuer as its template.
	def := e.do("POST", "/api/v1/apps", map[string]any{"name": "atlassian", "label": "Atlassian Cloud 2", "signOnMode": "SAML_2_0"}).must(t, 200).obj()
	signOn := def["settings"].(map[string]any)["signOn"].(map[string]any)
	for k, want := range map[string]any{"idpIssuer": "http://www.okta.com/${org.externalKey}", "assertionSigned": true,
		"responseSigned": true, "honorForceAuthn": true, "spIssuer": nil, "subjectNameIdTemplate": "${user.userName}",
		"signatureAlgorithm": "RSA_SHA256", "digestAlgorithm": "SHA256", "samlSignedRequestEnabled": false} {
		if !reflect.DeepEqual(signOn[k], want) {
			t.Errorf("default settings.signOn.%s = %v, want %v", k, signOn[k], want)
		}
	}
	if slo, _ := json.Marshal(signOn["slo"]); string(slo) != `{"enabled":false}` {
		t.Errorf("default slo %s", slo)
	}
}

// Settings Okta would refuse are refused whole, in Okta's envelope, and
// change nothing.
func TestSAMLSignOnRefused(t *testing.T) {
	e := newOktaEnv(t)
	body := terraformSAMLBody(t, e)
	appID := e.do("POST", "/api/v1/apps?activate=true", body).must(t, 200).obj()["id"].(string)
	for name, signOn := range map[string]map[string]any{
		"signature algorithm": {"signatureAlgorithm": "RSA_MD5"},
		"digest algorithm":    {"digestAlgorithm": "MD5"},
		"recipient":           {"recipient": "not a url"},
		"slo without url":     {"slo": map[string]any{"enabled": true, "issuer": "x"}},
		"certificate":         {"spCertificate": map[string]any{"x5c": []string{"bm90IGEgY2VydA=="}}},
		"inline hook":         {"inlineHooks": []map[string]any{{"id": "cal123"}}},
		"group with values":   {"attributeStatements": []map[string]any{{"type": "GROUP", "name": "g", "filterType": "REGEX", "filterValue": ".*", "values": []string{"user.email"}}}},
		"group filter":        {"attributeStatements": []map[string]any{{"type": "GROUP", "name": "g", "filterType": "LIKE", "filterValue": "x"}}},
		"acs index twice":     {"acsEndpoints": []map[string]any{{"url": "http://a.test", "index": 0}, {"url": "http://b.test", "index": 0}}},
	} {
		r := e.do("PUT", "/api/v1/apps/"+appID, map[string]any{"label": "Changed", "settings": map[string]any{"signOn": signOn}}).must(t, 400).obj()
		if r["errorCode"] != "E0000001" {
			t.Errorf("%s: %v", name, r)
		}
	}
	got := e.do("GET", "/api/v1/apps/"+appID, nil).obj()
	if got["label"] != "Custom SAML" || got["settings"].(map[string]any)["signOn"].(map[string]any)["signatureAlgorithm"] != "RSA_SHA1" {
		t.Fatalf("a refused PUT changed the app: %v", got["settings"])
	}
}

// The identity provider signs what the settings say and names the issuer
// and recipient they give (SAML-IDP-5); mockatlassian's checks (SAML-SP-2)
// accept a response signed only on the outside.
func TestSAMLSignOnShapesTheAssertion(t *testing.T) {
	e := newOktaEnv(t)
	var posted string
	sp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		posted = r.PostForm.Get("SAMLResponse")
		_, _ = io.WriteString(w, "ok")
	}))
	defer sp.Close()
	body := terraformSAMLBody(t, e)
	signOn := body["settings"].(map[string]any)["signOn"].(map[string]any)
	signOn["ssoAcsUrl"] = sp.URL + "/acs"
	signOn["recipient"], signOn["destination"] = sp.URL+"/acs", sp.URL+"/acs"
	appID := e.do("POST", "/api/v1/apps?activate=true", body).must(t, 200).obj()["id"].(string)
	u := e.createUser("ada@acme.test", "", true)
	g := e.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "jira-users"}}).must(t, 200).obj()
	e.do("PUT", "/api/v1/groups/"+g["id"].(string)+"/users/"+u["id"].(string), nil).must(t, 204)
	other := e.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "confluence"}}).must(t, 200).obj()
	e.do("PUT", "/api/v1/groups/"+other["id"].(string)+"/users/"+u["id"].(string), nil).must(t, 204)
	e.do("POST", "/api/v1/apps/"+appID+"/users", map[string]any{"id": u["id"], "scope": "USER"}).must(t, 200)
	e.do("POST", "/_sim/orgs/"+e.org.ID+"/apps/"+appID+"/sso", map[string]any{"user": u["id"]}).must(t, 200)
	if posted == "" {
		t.Fatal("nothing posted")
	}
	raw, _ := base64.StdEncoding.DecodeString(posted)
	doc := string(raw)
	issuer := "http://www.okta.com/exk" + appID[3:] + "/custom"
	if !strings.Contains(doc, ">"+issuer+"</saml:Issuer>") {
		t.Errorf("the issuer is not %s:\n%s", issuer, doc)
	}
	if n := strings.Count(doc, "</ds:Signature>"); n != 1 || !strings.Contains(doc, "rsa-sha1") {
		t.Errorf("%d signatures (want the response's only), rsa-sha1 %v", n, strings.Contains(doc, "rsa-sha1"))
	}
	if !strings.Contains(doc, "classes:X509<") {
		t.Error("authnContextClassRef not asserted")
	}
	nameID, attrs, err := saml.Peek(posted)
	if err != nil {
		t.Fatal(err)
	}
	if nameID != "ada@acme.test" || !reflect.DeepEqual(attrs["groups"], []string{"jira-users"}) || attrs["email"][0] != "ada@acme.test" {
		t.Errorf("NameID %q, attributes %v", nameID, attrs)
	}
	// mockatlassian's checks take it: the response is signed.
	keys := e.do("GET", "/api/v1/apps/"+appID+"/credentials/keys", nil).list()
	cert, err := saml.ParseCertificate(keys[0]["x5c"].([]any)[0].(string))
	if err != nil {
		t.Fatal(err)
	}
	check := saml.ServiceProvider{EntityID: "http://sp.test/entity", ACSURL: sp.URL + "/acs", IdPEntityID: issuer,
		IdPSSOURL: "http://okta.test/sso", IdPCert: cert, Now: e.clock.Now()}
	r := httptest.NewRequest("POST", sp.URL+"/acs", strings.NewReader("SAMLResponse="+strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(posted)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_ = r.ParseForm()
	if _, err := check.ParseResponse(r, nil); err != nil {
		t.Fatalf("the SP refused: %v", err)
	}
	// The metadata names the same issuer.
	md := e.do("GET", "/api/v1/apps/"+appID+"/sso/saml/metadata", nil).must(t, 200)
	if !strings.Contains(string(md.Raw), `entityID="`+issuer+`"`) {
		t.Errorf("metadata entityID is not %s", issuer)
	}
}
