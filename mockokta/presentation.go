package mockokta

import (
	"encoding/json"
	"maps"
	"net/url"
)

// AppPresentation is how an app shows to people and admins, kept as the
// API wrote it and shown back as written (OAPI-APP-7): visibility (the
// dashboard tile and its links), accessibility (self-service and the
// redirect URLs), the admin and end-user notes, implicit assignment and the
// app-specific settings (settings.app). provsim acts on none of it; Terraform
// reads it all back after each write. An update replaces the value whole,
// never in place, so copies of an App may share its maps.
type AppPresentation struct {
	AutoSubmitToolbar  bool            `json:"autoSubmitToolbar,omitempty"`
	HideIOS            bool            `json:"hideIOS,omitempty"`
	HideWeb            bool            `json:"hideWeb,omitempty"`
	AppLinks           map[string]bool `json:"appLinks,omitempty"`
	SelfService        bool            `json:"selfService,omitempty"`
	ErrorRedirectURL   string          `json:"errorRedirectUrl,omitempty"`
	LoginRedirectURL   string          `json:"loginRedirectUrl,omitempty"`
	AdminNote          *string         `json:"adminNote,omitempty"`
	EndUserNote        *string         `json:"enduserNote,omitempty"`
	ImplicitAssignment bool            `json:"implicitAssignment,omitempty"`
	// AppSettings is settings.app, an object whose fields depend on the
	// app; nil is {}.
	AppSettings map[string]any `json:"appSettings,omitempty"`
}

func (p AppPresentation) isDefault() bool {
	return !p.AutoSubmitToolbar && !p.HideIOS && !p.HideWeb && len(p.AppLinks) == 0 && !p.SelfService &&
		p.ErrorRedirectURL == "" && p.LoginRedirectURL == "" && p.AdminNote == nil && p.EndUserNote == nil &&
		!p.ImplicitAssignment && len(p.AppSettings) == 0
}

func presentationOf(r *AppPresentation) AppPresentation {
	if r == nil {
		return AppPresentation{}
	}
	return *r
}

// appBody is the part of an Application body (POST and PUT
// /api/v1/apps) mockokta applies beside the name and sign-on mode: the
// label, the username format, settings.signOn, and the AppPresentation
// objects, each of which replaces what the app had for it when present.
type appBody struct {
	Label       *string `json:"label"`
	Credentials *struct {
		UserNameTemplate *UserNameTemplate `json:"userNameTemplate"`
	} `json:"credentials"`
	Visibility *struct {
		AutoSubmitToolbar *bool `json:"autoSubmitToolbar"`
		Hide              *struct {
			IOS *bool `json:"iOS"`
			Web *bool `json:"web"`
		} `json:"hide"`
		AppLinks map[string]bool `json:"appLinks"`
	} `json:"visibility"`
	Accessibility *struct {
		SelfService      *bool   `json:"selfService"`
		ErrorRedirectURL *string `json:"errorRedirectUrl"`
		LoginRedirectURL *string `json:"loginRedirectUrl"`
	} `json:"accessibility"`
	Settings *struct {
		SignOn             *SAMLInput      `json:"signOn"`
		ImplicitAssignment *bool           `json:"implicitAssignment"`
		Notes              *appNotes       `json:"notes"`
		App                json.RawMessage `json:"app"`
	} `json:"settings"`
}

type appNotes struct {
	Admin   *string `json:"admin"`
	Enduser *string `json:"enduser"`
}

// signOn is the body's settings.signOn, nil when absent or empty (what a
// non-SAML app reads back).
func (b appBody) signOn() *SAMLInput {
	if b.Settings == nil || b.Settings.SignOn == nil || b.Settings.SignOn.empty() {
		return nil
	}
	return b.Settings.SignOn
}

// apply gives the presentation p becomes under body b, or Okta's
// validation error naming the field.
func (b appBody) apply(p AppPresentation) (AppPresentation, error) {
	if v := b.Visibility; v != nil {
		p.AutoSubmitToolbar = v.AutoSubmitToolbar != nil && *v.AutoSubmitToolbar
		p.HideIOS, p.HideWeb = false, false
		if v.Hide != nil {
			p.HideIOS = v.Hide.IOS != nil && *v.Hide.IOS
			p.HideWeb = v.Hide.Web != nil && *v.Hide.Web
		}
		p.AppLinks = maps.Clone(v.AppLinks)
	}
	if a := b.Accessibility; a != nil {
		p.SelfService = a.SelfService != nil && *a.SelfService
		for _, u := range []struct {
			field string
			in    *string
			out   *string
		}{{"accessibility.errorRedirectUrl", a.ErrorRedirectURL, &p.ErrorRedirectURL}, {"accessibility.loginRedirectUrl", a.LoginRedirectURL, &p.LoginRedirectURL}} {
			*u.out = ""
			if u.in == nil || *u.in == "" {
				continue
			}
			if parsed, err := url.Parse(*u.in); err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
				return p, errValidation(u.field + ": must be an absolute http or https URL")
			}
			*u.out = *u.in
		}
	}
	if s := b.Settings; s != nil {
		if s.ImplicitAssignment != nil {
			p.ImplicitAssignment = *s.ImplicitAssignment
		}
		if s.Notes != nil {
			p.AdminNote, p.EndUserNote = s.Notes.Admin, s.Notes.Enduser
		}
		if len(s.App) > 0 && string(s.App) != "null" {
			var app map[string]any
			if err := json.Unmarshal(s.App, &app); err != nil {
				return p, errValidation("settings.app: must be an object")
			}
			p.AppSettings = app
			if len(app) == 0 {
				p.AppSettings = nil
			}
		}
	}
	return p, nil
}

// The presentation in the Application object's shapes.

func (p AppPresentation) visibilityJSON() appVisibility {
	return appVisibility{AutoSubmitToolbar: p.AutoSubmitToolbar, Hide: appVisibleOff{IOS: p.HideIOS, Web: p.HideWeb}, AppLinks: p.AppLinks}
}

func (p AppPresentation) accessibilityJSON() appAccessibility {
	a := appAccessibility{SelfService: p.SelfService}
	if p.ErrorRedirectURL != "" {
		a.ErrorRedirectURL = &p.ErrorRedirectURL
	}
	if p.LoginRedirectURL != "" {
		a.LoginRedirectURL = &p.LoginRedirectURL
	}
	return a
}

func (p AppPresentation) settingsJSON(signOn any) appSettings {
	s := appSettings{App: map[string]any{}, SignOn: signOn}
	if p.AppSettings != nil {
		s.App = p.AppSettings
	}
	if p.ImplicitAssignment {
		t := true
		s.ImplicitAssignment = &t
	}
	if p.AdminNote != nil || p.EndUserNote != nil {
		s.Notes = &appNotes{Admin: p.AdminNote, Enduser: p.EndUserNote}
	}
	return s
}
