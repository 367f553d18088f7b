package ui

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"
)

// Form helpers. Every field is written by one template ("field") that
// always gives it a <label> naming it: that is what makes the pages usable
// with a screen reader, and what a browser test clicks.
//
//	{{template "field" (field "Base URL" "baseUrl" .Data.BaseURL)}}
//	{{template "field" ((field "API Token" "token" "").As "password")}}
//	{{template "field" (choice "Application username format" "format" .Data.Format .Data.Formats)}}
//	{{template "field" (check "Create Users" "create" .Data.Create)}}
//	{{template "post" (post $ "Deactivate" "/users/00u1/deactivate")}}
//
// Fields of one form share a <form> the page writes, with
// {{template "csrf" $}} inside it.

// Field is one labelled form control.
type Field struct {
	Label    string
	Name     string
	ID       string
	Type     string // text, password, email, url, number, search, hidden, select, radio, checkbox, textarea
	Value    string
	Checked  bool
	Options  []Option
	Hint     string
	Problem  string
	Required bool
	Disabled bool
	Kept     bool // a password field shows what was typed (a form sent back)
}

// Option is a choice of a select or radio field.
type Option struct {
	Value string
	Label string
}

// As sets the input type.
func (f Field) As(kind string) Field { f.Type = kind; return f }

// Help adds a hint under the field.
func (f Field) Help(text string) Field { f.Hint = text; return f }

// Invalid marks the field with a problem, shown beside it.
func (f Field) Invalid(text string) Field { f.Problem = text; return f }

// Req marks the field required.
func (f Field) Req() Field { f.Required = true; return f }

// Keep makes a password field show its value: for a form sent back to the
// person who just typed it (Test API Credentials before Save).
func (f Field) Keep() Field { f.Kept = true; return f }

// Off disables the field.
func (f Field) Off() Field { f.Disabled = true; return f }

// Named gives the field an id of its own when one form shows the same
// name twice.
func (f Field) Named(id string) Field { f.ID = id; return f }

func newField(label, name, value string) Field {
	return Field{Label: label, Name: name, ID: "f-" + name, Type: "text", Value: value}
}

// Button is a one-button form: a POST to a console path, with hidden
// fields and the CSRF token (a lifecycle action, Push Now, Retry).
type Button struct {
	Label  string
	Action string // console path
	CSRF   string
	Fields []Hidden
	Style  string // "", "primary", "danger"
}

// Hidden is a hidden form field.
type Hidden struct {
	Name  string
	Value string
}

// With adds a hidden field.
func (b Button) With(name, value string) Button {
	b.Fields = append(append([]Hidden(nil), b.Fields...), Hidden{name, value})
	return b
}

// Danger styles the button as destructive.
func (b Button) Danger() Button { b.Style = "danger"; return b }

// Primary styles the button as the page's main action.
func (b Button) Primary() Button { b.Style = "primary"; return b }

func (c *Console) funcs() template.FuncMap {
	fm := template.FuncMap{
		"url":   c.Path,
		"query": c.query,
		"field": newField,
		"choice": func(label, name, value string, opts []Option) Field {
			f := newField(label, name, value)
			f.Type, f.Options = "select", opts
			return f
		},
		"check": func(label, name string, on bool) Field {
			f := newField(label, name, "true")
			f.Type, f.Checked = "checkbox", on
			return f
		},
		"post": func(v View, label, action string) Button {
			return Button{Label: label, Action: c.Path(action), CSRF: v.CSRF}
		},
		"options": func(pairs ...string) []Option {
			var out []Option
			for i := 0; i+1 < len(pairs); i += 2 {
				out = append(out, Option{pairs[i], pairs[i+1]})
			}
			return out
		},
		"problem": func(title, summary string) Problem { return Problem{Title: title, Summary: summary} },
		"when":    FormatTime,
		"json":    ShowJSON,
		"lower":   strings.ToLower,
		"join":    strings.Join,
		"plural":  plural,
		"add":     func(a, b int) int { return a + b },
		"statusClass": func(status int) string {
			switch {
			case status == 0 || status >= 500:
				return "status-5xx"
			case status >= 400:
				return "status-4xx"
			case status >= 300:
				return "status-3xx"
			default:
				return "status-2xx"
			}
		},
	}
	for k, v := range c.cfg.Funcs {
		fm[k] = v
	}
	return fm
}

// query is a console path with query parameters given as name, value
// pairs; empty values are left out.
func (c *Console) query(p string, pairs ...any) string {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if v := fmt.Sprint(pairs[i+1]); v != "" && v != "0" {
			q.Set(fmt.Sprint(pairs[i]), v)
		}
	}
	if len(q) == 0 {
		return c.Path(p)
	}
	return c.Path(p) + "?" + q.Encode()
}

// FormatTime shows a time as the consoles do: UTC, to the second; a zero
// time (or nil pointer) is "—".
func FormatTime(t any) string {
	var tm time.Time
	switch v := t.(type) {
	case time.Time:
		tm = v
	case *time.Time:
		if v != nil {
			tm = *v
		}
	}
	if tm.IsZero() {
		return "—"
	}
	return tm.UTC().Format("Jan 2, 2006 15:04:05 UTC")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// ShowValue shows a decoded JSON value (a profile attribute) as text:
// strings as they are, anything else as JSON.
func ShowValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
