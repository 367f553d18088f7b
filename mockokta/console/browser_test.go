package console_test

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/provsim/provsim/internal/ui/browsertest"
	"github.com/provsim/provsim/mockokta"
	"github.com/provsim/provsim/mockokta/console"
)

// TestConsoleInABrowser is the console's smoke test in headless chromium:
// sign in with the control token, find a person on People, suspend and
// unsuspend them, and watch the Traffic view receive the SCIM requests of
// an assignment without a reload. (The whole guide, both consoles, is the
// end-to-end test's.)
func TestConsoleInABrowser(t *testing.T) {
	_, scimURL := atlassian(t)
	quiet := slog.New(slog.DiscardHandler)
	srv, err := mockokta.NewServer(mockokta.Config{Logger: quiet, Console: console.Mount, ControlToken: "ctl-browser",
		Options: mockokta.Options{Seed: 11, Logger: quiet},
		Boot:    &mockokta.Boot{OrgName: "Acme", APIToken: "00tok", AtlassianSCIMURL: scimURL, AtlassianSCIMToken: atlKey}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	e := &env{t: t, srv: srv}
	if e.org, err = srv.Model.Org(srv.Booted.Org.ID); err != nil {
		t.Fatal(err)
	}
	ada := e.person("Ada", "Lovelace", true)

	b := browsertest.New(t) // closed before the servers: cleanups run last-in first-out
	b.Step("open People: asked to sign in",
		browsertest.Navigate(ts.URL+"/admin/users"),
		browsertest.WaitText("This console asks for the server's control token"))
	b.Step("sign in with the control token",
		browsertest.Fill("Control token", "ctl-browser"),
		browsertest.Click("Sign in"),
		chromedp.WaitVisible(browsertest.Control("Ada Lovelace")))
	if url, err := chromedp.Run(b.Ctx, chromedp.Location()); err != nil || url != ts.URL+"/admin/users" {
		t.Errorf("after sign-in at %s (%v)", url, err)
	}
	b.Step("open Ada", browsertest.Click("Ada Lovelace"), browsertest.WaitText("ada.lovelace@example.com"))
	b.Step("suspend Ada", browsertest.Click("Suspend"), browsertest.WaitText("Suspended Ada Lovelace."))
	if got := e.user(ada.ID).Status; got != mockokta.StatusSuspended {
		t.Fatalf("after Suspend: %s", got)
	}
	b.Step("unsuspend Ada", browsertest.Click("Unsuspend"), browsertest.WaitText("Unsuspended Ada Lovelace."))
	if got := e.user(ada.ID).Status; got != mockokta.StatusActive {
		t.Fatalf("after Unsuspend: %s", got)
	}

	// Traffic: open it, wait for the live stream, then make the engine
	// send SCIM requests; rows arrive without a reload.
	b.Step("open Traffic",
		browsertest.Click("Traffic"),
		chromedp.WaitVisible(chromedp.CSS(`#traffic-live.connected`)),
		browsertest.WaitText("No SCIM requests yet."))
	if _, _, err := srv.Model.AssignUser(e.org, srv.Booted.AppID, mockokta.AssignUserInput{ID: ada.ID}); err != nil {
		t.Fatal(err)
	}
	e.idle()
	b.Step("see the new requests arrive", chromedp.WaitVisible(chromedp.CSS(`#traffic-rows tr.new`)))
	sent := 0
	for _, en := range srv.Model.Journal().Entries(journalQuery()) {
		if en.Tenant == e.org.ID {
			sent++
		}
	}
	// Rows arrive as the engine sends; wait until all are there.
	rows, err := chromedp.Run(b.Ctx, chromedp.Poll[int](fmt.Sprintf(
		`document.querySelectorAll("#traffic-rows tr").length >= %d && document.querySelectorAll("#traffic-rows tr").length`, sent),
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || rows != sent {
		t.Errorf("Traffic shows %d rows (%v), the engine sent %d requests", rows, err, sent)
	}
	text, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(`#traffic-rows tr:first-child`)))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprint("/scim/directory/", atlDir, "/Users"); !strings.Contains(text, want) {
		t.Errorf("newest row %q lacks %q", text, want)
	}
}
