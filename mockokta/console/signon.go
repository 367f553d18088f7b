package console

import (
	"fmt"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockokta"
)

// The Sign On tab's Credentials Details: Application username format and
// Update application username on (Save), and Update Now (the guide's
// Step 3; OKTA-USERNAME-1, OKTA-USERNAME-2).

func (c *Console) signOnRoutes(r *mux.Router) {
	r.HandleFunc("/apps/{appId}/signon", c.signOn).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/signon", c.saveSignOn).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/signon/update-now", c.updateNow).Methods(http.MethodPost)
	c.samlRoutes(r)
}

// formatLabel is how the page names a saved format.
func formatLabel(d signOnData) string {
	for _, f := range usernameFormats {
		if f.Value == d.Format && f.Value != "custom" {
			return f.Label
		}
	}
	return "Custom: " + d.Custom
}

// The username formats the console offers, as Okta words them; "custom"
// takes an expression of the form ${source.<attribute>}.
var usernameFormats = []ui.Option{
	{Value: "${source.login}", Label: "Okta username"},
	{Value: "${source.email}", Label: "Email"},
	{Value: "custom", Label: "Custom"},
}

var usernameUpdates = []ui.Option{
	{Value: "PUSH", Label: "Create and update"},
	{Value: "DONT_PUSH", Label: "Create only"},
}

type signOnData struct {
	Editing                  bool
	Format, Custom, UpdateOn string
	Formats, Updates         []ui.Option
	Problem                  *ui.Problem
	// SAML 2.0 (saml.go): Advanced Sign-on Settings.
	SAML, SAMLEditing                          bool
	ACSURL, Audience, RelayState, NameIDFormat string
	NameIDFormats                              []ui.Option
	SAMLProblem                                *ui.Problem
}

func signOnOf(a *mockokta.App) signOnData {
	d := signOnData{Format: a.UserName.Template, UpdateOn: a.UserName.PushStatus, Formats: usernameFormats, Updates: usernameUpdates,
		SAML: a.SignOnMode == "SAML_2_0", ACSURL: a.SAML.ACSURL, Audience: a.SAML.Audience, RelayState: a.SAML.DefaultRelayState,
		NameIDFormat: a.SAMLNameIDFormat(), NameIDFormats: nameIDFormats}
	if a.UserName.Type == "CUSTOM" || (d.Format != "${source.login}" && d.Format != "${source.email}") {
		d.Format, d.Custom = "custom", a.UserName.Template
	}
	if d.UpdateOn != "DONT_PUSH" {
		// Not configured pushes as "Create and update" does.
		d.UpdateOn = "PUSH"
	}
	return d
}

// signOn shows the settings; ?edit (Edit) makes them a form.
func (c *Console) signOn(w http.ResponseWriter, r *http.Request) {
	if _, a, ok := c.app(w, r); ok {
		d := signOnOf(a)
		d.Editing = r.URL.Query().Has("edit")
		d.SAMLEditing = r.URL.Query().Has("edit-saml")
		c.appPage(w, r, http.StatusOK, a, "Sign On", "app-signon.html", d)
	}
}

// saveSignOn is Save: the app's credentials.userNameTemplate
// (PUT /api/v1/apps/{id}).
func (c *Console) saveSignOn(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	d := signOnData{Editing: true, Format: r.PostFormValue("format"), Custom: trim(r.PostFormValue("custom")), UpdateOn: r.PostFormValue("updateOn"),
		Formats: usernameFormats, Updates: usernameUpdates}
	t := mockokta.UserNameTemplate{Template: d.Format, Type: "BUILT_IN", PushStatus: d.UpdateOn}
	if d.Format == "custom" {
		t.Template, t.Type = d.Custom, "CUSTOM"
	}
	var err error
	switch {
	case d.UpdateOn != "PUSH" && d.UpdateOn != "DONT_PUSH":
		err = ui.Problem{Title: "Settings not saved", Summary: fmt.Sprintf("Update application username on: %q is not a choice.", d.UpdateOn)}
	case d.Format == "custom" && d.Custom == "":
		err = ui.Problem{Title: "Settings not saved", Summary: "Enter the custom username expression, e.g. ${source.secondEmail}."}
	default:
		_, err = c.m.UpdateApp(o, a.ID, mockokta.UpdateAppInput{UserName: &t})
	}
	if err != nil {
		p := problemOf("Settings not saved", err)
		d.Problem = &p
		c.appPage(w, r, statusOf(err), a, "Sign On", "app-signon.html", d)
		return
	}
	c.ui.Redirect(w, r, appPath(a, "/signon"), ui.Success("Saved the sign-on settings."))
}

// updateNow is Update Now: every assigned user's username is calculated
// again from the format and the changed ones are pushed.
func (c *Console) updateNow(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	n, err := c.m.UpdateUsernames(o, a.ID)
	if err != nil {
		c.fail(w, r, "Usernames not updated", appPath(a, "/signon"), err)
		return
	}
	msg := "Application usernames are up to date."
	if n > 0 {
		msg = "Updated the application username of " + plural(n, "user", "users") + "."
	}
	c.ui.Redirect(w, r, appPath(a, "/signon"), ui.Success(msg))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
