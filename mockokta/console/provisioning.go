package console

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockokta"
)

// The Provisioning tab. Settings > Integration: Configure API integration,
// Enable API integration, Base URL, API Token, Import Groups (OKTA-PUSH-12),
// Test API Credentials, Save (OKTA-TEST-1). Settings > To App: Edit, Create Users / Update User
// Attributes / Deactivate Users, Save (OAPI-APP-2), and the attribute
// mappings with the one that maps to Primary email (the guide's Step 3).

func (c *Console) provisioningRoutes(r *mux.Router) {
	r.HandleFunc("/apps/{appId}/provisioning", c.integration).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/provisioning", c.saveIntegration).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/provisioning/to-app", c.toApp).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/provisioning/to-app", c.saveToApp).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/provisioning/mappings", c.saveMappings).Methods(http.MethodPost)
}

type integrationData struct {
	Editing bool
	Enable  bool
	BaseURL string
	Token   string // what was typed, kept across Test API Credentials
	HasKey  bool   // a token is saved
	// ImportGroups is "Import Groups", checked by default as in Okta
	// (OKTA-PUSH-12).
	ImportGroups bool
	Result       *mockokta.TestResult
	Problem      *ui.Problem
}

func integrationOf(a *mockokta.App) integrationData {
	return integrationData{Enable: a.Connection.Enabled, BaseURL: a.Connection.BaseURL, HasKey: a.Connection.Token != "",
		ImportGroups: !a.SkipGroupImport}
}

// integration shows the API integration; ?edit (Configure API integration,
// or Edit once configured) shows the form.
func (c *Console) integration(w http.ResponseWriter, r *http.Request) {
	if _, a, ok := c.app(w, r); ok {
		d := integrationOf(a)
		d.Editing = r.URL.Query().Has("edit")
		c.appPage(w, r, http.StatusOK, a, "Provisioning", "app-provisioning.html", d)
	}
}

// saveIntegration is the form's two buttons: Test API Credentials (the
// form as typed, nothing saved) and Save (SaveConnection: with Enable API
// integration on, Okta tests again and refuses to save on failure).
func (c *Console) saveIntegration(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	d := integrationData{Editing: true, Enable: r.PostFormValue("enabled") == "true", BaseURL: trim(r.PostFormValue("baseUrl")),
		Token: r.PostFormValue("token"), HasKey: a.Connection.Token != "", ImportGroups: r.PostFormValue("importGroups") == "true"}
	// An unchecked box posts nothing: the form always shows it, so its
	// absence is "off".
	in := mockokta.ConnectionInput{BaseURL: &d.BaseURL, ImportGroups: &d.ImportGroups}
	if d.BaseURL == "" && !d.Enable {
		in.BaseURL = nil // turning provisioning off needs no URL
	}
	if d.Token != "" {
		bearer := mockokta.AuthBearer
		in.Token, in.Auth = &d.Token, &bearer
	}
	switch r.PostFormValue("action") {
	case "test":
		res, err := c.m.TestConnection(r.Context(), o, a.ID, in)
		if err != nil {
			p := problemOf("Test API Credentials", err)
			d.Problem = &p
			c.appPage(w, r, statusOf(err), a, "Provisioning", "app-provisioning.html", d)
			return
		}
		d.Result = &res
		c.appPage(w, r, http.StatusOK, a, "Provisioning", "app-provisioning.html", d)
	case "save":
		if _, err := c.m.SaveConnection(r.Context(), o, a.ID, in, &d.Enable); err != nil {
			p := problemOf("Integration not saved", err)
			d.Problem = &p
			c.appPage(w, r, statusOf(err), a, "Provisioning", "app-provisioning.html", d)
			return
		}
		c.ui.Redirect(w, r, appPath(a, "/provisioning"), ui.Success("Saved the API integration."))
	default:
		c.ui.Fail(w, r, http.StatusBadRequest, ui.Problem{Title: "Nothing done", Summary: "Use Test API Credentials or Save.", Back: appPath(a, "/provisioning?edit")})
	}
}

type toAppData struct {
	Editing                bool
	Configured             bool
	Create, Update, Deactv bool
	PrimaryEmail           string
	EmailChoices           []ui.Option
	Mappings               []attributeMapping
	Problem                *ui.Problem
}

// attributeMapping is a row of the app's attribute mappings: the
// Atlassian Cloud attribute and the Okta expression it is filled from.
type attributeMapping struct {
	Attribute, Label, Source string
	Primary                  bool
}

// primaryEmailChoices are the Okta attributes the Primary email mapping can
// read.
var primaryEmailChoices = []ui.Option{
	{Value: "email", Label: "user.email"},
	{Value: "login", Label: "user.login"},
	{Value: "secondEmail", Label: "user.secondEmail"},
}

// mappingsOf lists the mappings the engine applies when it builds a SCIM
// user (OKTA-CREATE-2).
// The rows show the app's profile mapping as it is (the API's
// /api/v1/mappings may have changed it).
func mappingsOf(a *mockokta.App) []attributeMapping {
	from := func(attr string) string {
		if e := a.MappingExpression(attr); e != "" {
			return e
		}
		return "(not mapped)"
	}
	return []attributeMapping{
		{"userName", "Username", "Configured in Sign On settings (" + a.UserName.Template + ")", false},
		{"givenName", "Given name", from("givenName"), false},
		{"familyName", "Family name", from("familyName"), false},
		{"displayName", "Display name", from("displayName"), false},
		{"email", "Primary email", from("email"), true},
		{"emailType", "Primary email type", `"work"`, false},
		{"title", "Title", from("title"), false},
		{"department", "Department", from("department"), false},
		{"locale", "Locale", from("locale"), false},
	}
}

func (c *Console) toAppData(a *mockokta.App, editing bool) toAppData {
	return toAppData{Editing: editing, Configured: a.Connection.Enabled && a.Connection.BaseURL != "",
		Create: a.ToApp.CreateUsers, Update: a.ToApp.UpdateUsers, Deactv: a.ToApp.DeactivateUsers,
		PrimaryEmail: a.PrimaryEmailAttr, EmailChoices: primaryEmailChoices, Mappings: mappingsOf(a)}
}

func (c *Console) toApp(w http.ResponseWriter, r *http.Request) {
	if _, a, ok := c.app(w, r); ok {
		c.appPage(w, r, http.StatusOK, a, "Provisioning", "app-toapp.html", c.toAppData(a, r.URL.Query().Has("edit")))
	}
}

// saveToApp is To App's Save: PUT …/features/USER_PROVISIONING with the
// three switches as the form shows them.
func (c *Console) saveToApp(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	on := func(name string) *bool { v := r.PostFormValue(name) == "true"; return &v }
	ch := mockokta.ToAppChange{CreateUsers: on("createUsers"), UpdateUsers: on("updateUsers"), DeactivateUsers: on("deactivateUsers")}
	if _, err := c.m.ChangeToApp(o, a.ID, ch); err != nil {
		d := c.toAppData(a, true)
		d.Create, d.Update, d.Deactv = *ch.CreateUsers, *ch.UpdateUsers, *ch.DeactivateUsers
		p := problemOf("To App not saved", err)
		d.Problem = &p
		c.appPage(w, r, statusOf(err), a, "Provisioning", "app-toapp.html", d)
		return
	}
	c.ui.Redirect(w, r, appPath(a, "/provisioning/to-app"), ui.Success("Saved the provisioning settings."))
}

// saveMappings changes which Okta attribute maps to Primary email.
func (c *Console) saveMappings(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	attr := r.PostFormValue("primaryEmail")
	if _, err := c.m.UpdateApp(o, a.ID, mockokta.UpdateAppInput{PrimaryEmailAttr: &attr}); err != nil {
		d := c.toAppData(a, false)
		p := problemOf("Mapping not saved", err)
		d.Problem = &p
		c.appPage(w, r, statusOf(err), a, "Provisioning", "app-toapp.html", d)
		return
	}
	c.ui.Redirect(w, r, appPath(a, "/provisioning/to-app"), ui.Success("Primary email now maps from user."+attr+"."))
}
