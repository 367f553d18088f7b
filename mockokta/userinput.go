package mockokta

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/provsim/provsim/internal/secret"
)

// What a Users API request may carry (profile, credentials) and how Okta
// checks it before anything changes.

// Okta's validation messages (OAPI-ERR-1).
const (
	causeBlank        = "The field cannot be left blank"
	causePattern      = "Does not match required pattern"
	causeLoginTaken   = "An object with this field already exists in the current organization"
	causeTypeMismatch = "Property type mismatch"
	passwordPolicy    = "Password requirements were not met. Password requirements: at least 8 characters, a lowercase letter, an uppercase letter, a number."
)

// CreateUserInput is POST /api/v1/users: the body plus the query flags.
type CreateUserInput struct {
	Profile     map[string]any
	Credentials *UserCredentialsInput
	GroupIDs    []string
	TypeID      string // "" or defaultUserTypeID
	// Activate runs the activation lifecycle at once (Okta's default).
	Activate bool
	// Provider creates a user whose credentials live with an external
	// authentication provider: activation makes it ACTIVE without a password.
	Provider bool
	// NextLogin "changePassword" with Activate and a password makes the
	// user PASSWORD_EXPIRED.
	NextLogin string
}

// UserCredentialsInput is the writable part of a user's credentials, as
// the SDK sends it. A password object without value, hash or hook (what a
// GET returns, `"password":{}`) changes nothing.
type UserCredentialsInput struct {
	Password         *PasswordInput         `json:"password"`
	RecoveryQuestion *RecoveryQuestionInput `json:"recovery_question"`
	Provider         *struct {
		Type *string `json:"type"`
		Name *string `json:"name"`
	} `json:"provider"`
}

// PasswordInput is credentials.password. Hash and Hook (imported
// passwords) count as setting a password; their content is not checked.
type PasswordInput struct {
	Value *string        `json:"value"`
	Hash  map[string]any `json:"hash"`
	Hook  map[string]any `json:"hook"`
}

// RecoveryQuestionInput is credentials.recovery_question.
type RecoveryQuestionInput struct {
	Question *string `json:"question"`
	Answer   *string `json:"answer"`
}

// UpdateUserInput is POST (partial) or PUT (replace) /api/v1/users/{id}.
// A nil Profile leaves the profile alone.
type UpdateUserInput struct {
	Profile     map[string]any
	Credentials *UserCredentialsInput
}

// Base profile attributes that must be strings when present.
var stringProfileAttrs = []string{"login", "email", "firstName", "lastName", "secondEmail", "middleName",
	"honorificPrefix", "honorificSuffix", "title", "displayName", "nickName", "profileUrl", "mobilePhone",
	"primaryPhone", "streetAddress", "city", "state", "zipCode", "countryCode", "postalAddress",
	"preferredLanguage", "locale", "timezone", "userType", "employeeNumber", "costCenter", "organization",
	"division", "department", "managerId", "manager"}

// emailPattern is deliberately loose: something@something.tld.
var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// cleanProfile copies a profile as received, dropping null attributes
// (Okta stores null as "not set").
func cleanProfile(p map[string]any) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		if v != nil {
			out[k] = deepCopyJSON(v)
		}
	}
	return out
}

// validateUserProfile checks what Okta's default user profile requires:
// login, email, firstName and lastName present; email and secondEmail
// shaped like addresses; base attributes strings; no nested objects
// (custom attributes are otherwise accepted: there is no schema).
func validateUserProfile(p map[string]any) []string {
	var causes []string
	for _, name := range []string{"login", "email", "firstName", "lastName"} {
		switch v := p[name].(type) {
		case nil:
			causes = append(causes, name+": "+causeBlank)
		case string:
			if strings.TrimSpace(v) == "" {
				causes = append(causes, name+": "+causeBlank)
			}
		} // other types: a type mismatch, reported below
	}
	for _, name := range stringProfileAttrs {
		if v, ok := p[name]; ok && v != nil {
			if _, isString := v.(string); !isString {
				causes = append(causes, name+": "+causeTypeMismatch)
			}
		}
	}
	for _, name := range []string{"email", "secondEmail"} {
		if s, ok := p[name].(string); ok && strings.TrimSpace(s) != "" && !emailPattern.MatchString(s) {
			causes = append(causes, name+": "+causePattern)
		}
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if nested(p[k]) {
			causes = append(causes, k+": "+causeTypeMismatch)
		}
	}
	return causes
}

func nested(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return true
	case []any:
		for _, e := range x {
			if _, ok := e.(map[string]any); ok {
				return true
			}
			if _, ok := e.([]any); ok {
				return true
			}
		}
	}
	return false
}

// passwordChange is the outcome of checking credentials.password: hash
// is the stored form of a plain password given (secret.HashPassword), for
// the sign-in page; "" for an imported hash or a hook.
type passwordChange struct {
	set  bool
	hash string
	// plain is the password given in clear, for Sync Password
	// (OKTA-PASSWORD-2); "" for an imported hash or a hook.
	plain string
}

// checkCredentials validates credentials; u is the user being updated
// (nil on create). It returns whether a password is being set and the new
// recovery question, if any.
func checkCredentials(c *UserCredentialsInput, u *User) (passwordChange, *string, []string) {
	var pw passwordChange
	var causes []string
	if c == nil {
		return pw, nil, nil
	}
	if p := c.Password; p != nil {
		switch {
		case p.Value != nil:
			if !passwordOK(*p.Value) {
				causes = append(causes, "password: "+passwordPolicy)
			} else {
				pw.set, pw.hash, pw.plain = true, secret.HashPassword(*p.Value), *p.Value
			}
		case p.Hash != nil || p.Hook != nil:
			pw.set = true
		}
	}
	var recovery *string
	rq := c.RecoveryQuestion
	if rq != nil && rq.Answer == nil && (rq.Question == nil || (u != nil && *rq.Question == u.Recovery)) {
		rq = nil // what a GET shows, echoed back by a PUT of the fetched user
	}
	if rq != nil {
		q, a := deref(rq.Question), deref(rq.Answer)
		switch {
		case strings.TrimSpace(q) == "":
			causes = append(causes, "recovery_question.question: "+causeBlank)
		case len(strings.TrimSpace(a)) < 4:
			causes = append(causes, "recovery_question.answer: The security question answer must be at least 4 characters in length")
		default:
			recovery = &q
		}
	}
	return pw, recovery, causes
}

// passwordOK applies Okta's default password policy (the "no parts of the
// username" rule is not checked).
func passwordOK(p string) bool {
	var lowerC, upperC, digit bool
	for _, r := range p {
		lowerC = lowerC || unicode.IsLower(r)
		upperC = upperC || unicode.IsUpper(r)
		digit = digit || unicode.IsDigit(r)
	}
	return len([]rune(p)) >= 8 && lowerC && upperC && digit
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
