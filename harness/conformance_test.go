package harness

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta/conformance"
)

func TestWriteConformanceHTML(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	atl, err := mockatlassian.NewServer(mockatlassian.Config{Options: mockatlassian.Options{Seed: 1, Logger: quiet}, Logger: quiet,
		Boot: &mockatlassian.Boot{DirectoryID: "d", APIKey: "html-key"}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(atl)
	defer ts.Close()
	rep, err := conformance.Run(context.Background(), conformance.Options{Target: conformance.Target{BaseURL: ts.URL + "/scim/directory/d", Token: "html-key"},
		Profiles: []conformance.Profile{conformance.ProfileOktaSpec, conformance.ProfileOktaCRUD}, Seed: 2, NoTimeLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteConformanceHTML(&b, rep); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"<strong>FAILED</strong> · 17 passed, 1 failed, 0 skipped, 0 warnings",
		`<details class="item failed" open>`,
		`<span class="mark">✗</span><span class="id">okta-spec/11</span>Required Test: Check status 401`,
		"(docs/fidelity.md: OKTA-SUITE-1, SCIM-AUTH-2, OKTA-TASK-1)",
		"[1] GET /Users?filter=userName%20eq%20", // paths from the SCIM base URL
		">Okta CRUD test</text>", ">Okta (mockokta)</text>", ">Okta engine</text>",
		"removed the 3 users and 0 groups the run created",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(out, "html-key") {
		t.Error("the page shows the credential")
	}
}
