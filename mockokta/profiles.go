package mockokta

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/provsim/provsim/mockokta/expression"
)

// The profile APIs behind the seed guide's Step 3 (OAPI-SCHEMA-1..2,
// OAPI-MAP-1..2): the Okta user schema (base and custom attributes), an
// app's user schema, and the profile mapping from the Okta user to each
// app user, whose `email` property is the attribute Okta sends as the
// primary email (App.PrimaryEmailAttr) and whose other properties choose
// what the engine sends for the names, title, department and locale.

// baseAttribute is one attribute of Okta's base user profile.
type baseAttribute struct {
	Name, Title string
	Required    bool
	Email       bool // format "email"
}

// userBase is the Okta base user profile (UserSchemaBaseProperties), in
// Okta's order.
var userBase = []baseAttribute{
	{"login", "Username", true, false}, {"firstName", "First name", true, false},
	{"lastName", "Last name", true, false}, {"middleName", "Middle name", false, false},
	{"honorificPrefix", "Honorific prefix", false, false}, {"honorificSuffix", "Honorific suffix", false, false},
	{"email", "Primary email", true, true}, {"title", "Title", false, false},
	{"displayName", "Display name", false, false}, {"nickName", "Nickname", false, false},
	{"profileUrl", "Profile Url", false, false}, {"secondEmail", "Secondary email", false, true},
	{"mobilePhone", "Mobile phone", false, false}, {"primaryPhone", "Primary phone", false, false},
	{"streetAddress", "Street address", false, false}, {"city", "City", false, false},
	{"state", "State", false, false}, {"zipCode", "Zip code", false, false},
	{"countryCode", "Country code", false, false}, {"postalAddress", "Postal Address", false, false},
	{"preferredLanguage", "Preferred language", false, false}, {"locale", "Locale", false, false},
	{"timezone", "Time zone", false, false}, {"userType", "User type", false, false},
	{"employeeNumber", "Employee number", false, false}, {"costCenter", "Cost center", false, false},
	{"organization", "Organization", false, false}, {"division", "Division", false, false},
	{"department", "Department", false, false}, {"managerId", "ManagerId", false, false},
	{"manager", "Manager", false, false},
}

// appBase is the Atlassian Cloud app's user profile: the attributes the
// engine sends (OKTA-CREATE-2), each mapped from an Okta attribute by
// default. userName is the application username (credentials.userNameTemplate),
// not a mapping.
var appBase = []struct{ Name, Title, Default string }{
	{"userName", "Username", ""},
	{"givenName", "Given name", "firstName"},
	{"familyName", "Family name", "lastName"},
	{"email", "Primary email", "email"},
	{"displayName", "Display name", "displayName"},
	{"title", "Title", "title"},
	{"department", "Department", "department"},
	{"locale", "Locale", "locale"},
}

// mappedFrom is what an app attribute is mapped from (OAPI-MAP-1): the
// name of one Okta attribute (the mapping user.<attribute>, stored as the
// name), or an expression (OAPI-MAP-2); "" when unmapped.
func (a *App) mappedFrom(appAttr string) string {
	if appAttr == "email" {
		return a.PrimaryEmailAttr
	}
	if v, ok := a.ProfileMap[appAttr]; ok {
		return v
	}
	for _, b := range appBase {
		if b.Name == appAttr {
			return b.Default
		}
	}
	return ""
}

var attrNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,49}$`)

// mapped is the value of an app attribute for u, from its mapping. An
// expression that cannot be evaluated for this person gives no value, so
// the attribute is not sent (OAPI-MAP-2).
func (a *App) mapped(u *User, appAttr string) string {
	from := a.mappedFrom(appAttr)
	if from == "" || attrNameRE.MatchString(from) {
		return u.Attr(from)
	}
	v, err := mappingValue(from)
	if err != nil {
		return ""
	}
	out, err := v.Eval(expression.Subject{Profile: u.Profile})
	if err != nil {
		return ""
	}
	return out
}

// mappingValues caches parsed mapping expressions by their source: the
// engine evaluates them for every profile it sends.
var mappingValues sync.Map // string → *expression.Value

func mappingValue(src string) (*expression.Value, error) {
	if v, ok := mappingValues.Load(src); ok {
		return v.(*expression.Value), nil
	}
	v, err := expression.ParseValue(src)
	if err != nil {
		return nil, err
	}
	mappingValues.Store(src, v)
	return v, nil
}

// MappingExpression is the expression an app attribute is mapped from, as
// Okta shows it ("" when unmapped).
func (a *App) MappingExpression(appAttr string) string {
	return mappingExpression(a.mappedFrom(appAttr))
}

// mappingExpression is a stored mapping as Okta shows it.
func mappingExpression(from string) string {
	if from == "" {
		return ""
	}
	if attrNameRE.MatchString(from) {
		return "user." + from
	}
	return from
}

// mappingReads are the Okta attributes a stored mapping reads.
func mappingReads(from string) []string {
	if from == "" {
		return nil
	}
	if attrNameRE.MatchString(from) {
		return []string{from}
	}
	if v, err := mappingValue(from); err == nil {
		return v.Attributes()
	}
	return nil
}

// parseMapping checks a mapping expression against the org's user schema
// and gives what is stored: the attribute's name for user.<attribute>, else
// the expression.
func (o *Org) parseMapping(where, src string) (string, error) {
	if m := mappingExprRE.FindStringSubmatch(src); m != nil {
		if !o.userAttrExists(m[1]) {
			return "", errValidation(fmt.Sprintf("%s: the Okta user profile has no attribute '%s'", where, m[1]))
		}
		return m[1], nil
	}
	v, err := mappingValue(src)
	if err != nil {
		return "", errValidation(where + ": " + err.Error())
	}
	for _, name := range v.Attributes() {
		if !o.userAttrExists(name) {
			return "", errValidation(fmt.Sprintf("%s: the Okta user profile has no attribute '%s'", where, name))
		}
	}
	return src, nil
}

var schemaTypes = []string{"string", "boolean", "number", "integer", "array"}

// checkCustomAttribute checks a custom attribute definition the way Okta's
// schema API does for the fields provsim reads: a title and a known type.
func checkCustomAttribute(where, name string, def json.RawMessage) error {
	if !attrNameRE.MatchString(name) {
		return errValidation(fmt.Sprintf("%s: '%s' is not a valid attribute name", where, name))
	}
	var d struct {
		Title string `json:"title"`
		Type  string `json:"type"`
	}
	if err := json.Unmarshal(def, &d); err != nil {
		return errValidation(fmt.Sprintf("%s.%s: must be an object", where, name))
	}
	if strings.TrimSpace(d.Title) == "" {
		return errValidation(fmt.Sprintf("%s.%s.title: The field cannot be left blank", where, name))
	}
	if !slices.Contains(schemaTypes, d.Type) {
		return errValidation(fmt.Sprintf("%s.%s.type: must be one of %s", where, name, strings.Join(schemaTypes, ", ")))
	}
	return nil
}

// applyCustom merges a partial update of custom attributes into cur: a
// definition adds or replaces an attribute, null removes it. reserved
// names (base attributes) cannot be custom.
func applyCustom(where string, cur map[string]json.RawMessage, upd map[string]json.RawMessage, reserved func(string) bool) (map[string]json.RawMessage, error) {
	next := maps.Clone(cur)
	if next == nil {
		next = map[string]json.RawMessage{}
	}
	for _, name := range slices.Sorted(maps.Keys(upd)) {
		def := upd[name]
		if string(def) == "null" {
			delete(next, name)
			continue
		}
		if reserved(name) {
			return nil, errValidation(fmt.Sprintf("%s.%s: a base attribute, not a custom one", where, name))
		}
		if err := checkCustomAttribute(where, name, def); err != nil {
			return nil, err
		}
		next[name] = def
	}
	return next, nil
}

func isUserBase(name string) bool {
	return slices.ContainsFunc(userBase, func(b baseAttribute) bool { return b.Name == name })
}

func isAppBase(name string) bool {
	return slices.ContainsFunc(appBase, func(b struct{ Name, Title, Default string }) bool { return b.Name == name })
}

// UserSchemaCustom is the org's custom user attributes (definitions).
func (m *Model) UserSchemaCustom(o *Org) map[string]json.RawMessage {
	o.mu.Lock()
	defer o.mu.Unlock()
	return maps.Clone(o.userSchema)
}

// UpdateUserSchema adds, replaces or (with null) removes custom user
// attributes (POST /api/v1/meta/schemas/user/default, OAPI-SCHEMA-1).
func (m *Model) UpdateUserSchema(o *Org, custom map[string]json.RawMessage) (map[string]json.RawMessage, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	next, err := applyCustom("definitions.custom.properties", o.userSchema, custom, isUserBase)
	if err != nil {
		return nil, err
	}
	for name := range o.userSchema {
		if _, kept := next[name]; kept {
			continue
		}
		for _, id := range o.appOrder {
			if a := o.apps[id]; a.readsAttribute(name) {
				return nil, errValidation(fmt.Sprintf("definitions.custom.properties.%s: mapped to app %s; change the mapping first", name, a.Label))
			}
		}
	}
	o.userSchema = next
	o.changes.Put(kindOrg, o.ID)
	m.logAPI(o, "system.user.schema.update", "Update user schema", LogTarget{ID: o.ID, Type: "UserSchema", AlternateID: "default", DisplayName: "User"})
	return maps.Clone(next), nil
}

// AppSchemaCustom is an app's custom user attributes.
func (m *Model) AppSchemaCustom(o *Org, appID string) (*App, map[string]json.RawMessage, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, nil, err
	}
	return copyApp(a), maps.Clone(a.UserSchema), nil
}

// UpdateAppSchema changes an app's custom user attributes (POST
// /api/v1/meta/schemas/apps/{appId}/default, OAPI-SCHEMA-2).
func (m *Model) UpdateAppSchema(o *Org, appID string, custom map[string]json.RawMessage) (*App, map[string]json.RawMessage, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, nil, err
	}
	next, err := applyCustom("definitions.custom.properties", a.UserSchema, custom, isAppBase)
	if err != nil {
		return nil, nil, err
	}
	a.UserSchema = next
	a.LastUpdated = m.now()
	o.changes.Put(kindApp, a.ID)
	m.logAPI(o, "system.user.schema.update", "Update app user schema", appTarget(a))
	return copyApp(a), maps.Clone(next), nil
}

// userAttrExists: an Okta attribute a mapping may read.
func (o *Org) userAttrExists(name string) bool {
	_, custom := o.userSchema[name]
	return custom || isUserBase(name)
}

// readsAttribute: some mapping of the app reads the Okta attribute.
func (a *App) readsAttribute(name string) bool {
	for _, from := range append(slices.Collect(maps.Values(a.ProfileMap)), a.PrimaryEmailAttr) {
		if slices.Contains(mappingReads(from), name) {
			return true
		}
	}
	return false
}

// MappingProperty is one property of a profile mapping.
type MappingProperty struct {
	Expression string `json:"expression"`
	PushStatus string `json:"pushStatus"`
}

// mappingExprRE is the mapping of one attribute of the Okta user, stored as
// the attribute's name; other expressions are stored as written.
var mappingExprRE = regexp.MustCompile(`^\s*user\.([A-Za-z][A-Za-z0-9_]*)\s*$`)

// UpdateMapping changes the Okta-user-to-app-user mapping of an app
// (POST /api/v1/mappings/{id}, OAPI-MAP-1, OAPI-MAP-2). Only the
// properties given change. A mapping takes effect as profiles are next
// pushed: nothing is sent now, as in Okta.
func (m *Model) UpdateMapping(o *Org, appID string, props map[string]*MappingProperty) (*App, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, err := o.app(appID)
	if err != nil {
		return nil, err
	}
	primary := a.PrimaryEmailAttr
	pm := maps.Clone(a.ProfileMap)
	if pm == nil {
		pm = map[string]string{}
	}
	for _, name := range slices.Sorted(maps.Keys(props)) {
		p := props[name]
		where := "properties." + name
		switch {
		case name == "userName":
			return nil, errValidation(where + ": the application username is the app's credentials.userNameTemplate (PUT /api/v1/apps/{appId})")
		case !isAppBase(name):
			if _, custom := a.UserSchema[name]; custom {
				return nil, errValidation(where + ": mockokta sends Atlassian's attributes only; a custom app attribute is not sent, so it cannot be mapped")
			}
			return nil, errValidation(where + ": not an attribute of the app's user profile")
		case p == nil:
			if name == "email" {
				return nil, errValidation(where + ": the primary email must be mapped")
			}
			pm[name] = "" // unmapped: the engine sends nothing for it
			continue
		}
		if p.PushStatus != "" && p.PushStatus != "PUSH" {
			return nil, errValidation(where + ".pushStatus: mockokta applies every mapping on create and update (PUSH)")
		}
		from, err := o.parseMapping(where+".expression", p.Expression)
		if err != nil {
			return nil, err
		}
		if name == "email" {
			primary = from
			continue
		}
		pm[name] = from
	}
	for _, b := range appBase {
		if v, ok := pm[b.Name]; ok && v == b.Default {
			delete(pm, b.Name) // the default is not stored
		}
	}
	if len(pm) == 0 {
		pm = nil
	}
	a.PrimaryEmailAttr, a.ProfileMap = primary, pm
	a.LastUpdated = m.now()
	o.changes.Put(kindApp, a.ID)
	m.logAPI(o, "application.user_membership.mapping.update", "Update profile mapping", appTarget(a))
	return copyApp(a), nil
}
