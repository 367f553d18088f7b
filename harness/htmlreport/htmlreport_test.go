package htmlreport

import (
	"bytes"
	"strings"
	"testing"
)

func sample() Report {
	return Report{Title: "SCIM conformance", Subtitle: "http://x/scim", Summary: "1 passed, 1 failed",
		Sections: []Section{{Title: "Okta SCIM 2.0 SPEC Test", Items: []Item{
			{ID: "okta-spec/01", Title: "Required Test: Test Users endpoint", Status: Passed},
			{ID: "okta-spec/08", Title: "Expect failure <b>", Status: Failed, Open: true, Why: "Okta wants 409",
				Failures: []Failure{{What: "response status", Expected: "409", Found: "201"}},
				Exchanges: []Exchange{
					{From: "Okta SPEC test", To: "SCIM server", Request: "POST /Users", Response: "201",
						RequestText: "POST /Users HTTP/1.1\n\n{\"userName\":\"<script>alert(1)</script>\"}", ResponseText: "HTTP/1.1 201 Created"},
					{From: "Okta engine", To: "SCIM server", Request: "GET /Users/x", Response: "no response", Failed: true},
				}},
		}}}}
}

func TestWriteIsSelfContainedAndEscaped(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sample()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, banned := range []string{"<script", "<link", "src=", "@import", "url(http"} {
		if strings.Contains(out, banned) {
			t.Errorf("the page contains %q: it must be self-contained and escape what it shows", banned)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;", // the exchange, escaped
		"Expect failure &lt;b&gt;",
		`<details class="item failed" open>`,
		`<svg xmlns="http://www.w3.org/2000/svg"`,
		`>Okta SPEC test</text>`, `>SCIM server</text>`, `>Okta engine</text>`, // three lifelines
		`href="#s0i1x2"`, `id="s0i1x2"`, // arrow [2] links to its full text
		`stroke="#c83c3c"`, // the unanswered request in red
		"<strong>FAILED</strong>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
