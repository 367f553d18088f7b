package mockokta

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is an Okta API error: the E-code, its summary and causes. This file
// is the one table of codes (OAPI-ERR-1); http.go writes the
// envelope.
type Error struct {
	Status  int
	Code    string
	Summary string
	Causes  []string
}

func (e *Error) Error() string { return e.Code + ": " + e.Summary }

// errValidation is E0000001. Okta's summary names the field ("Api
// validation failed: login") and each cause says "field: message".
func errValidation(causes ...string) *Error {
	return &Error{http.StatusBadRequest, "E0000001", "Api validation failed: " + causeField(causes), causes}
}

func causeField(causes []string) string {
	if len(causes) == 0 {
		return ""
	}
	field, _, found := strings.Cut(causes[0], ":")
	if !found {
		return causes[0]
	}
	return field
}

func errMalformed(detail string) *Error {
	return &Error{http.StatusBadRequest, "E0000003", "The request body was not well-formed.", []string{detail}}
}

func errInvalidToken() *Error {
	return &Error{http.StatusUnauthorized, "E0000011", "Invalid token provided", nil}
}

// errMediaType is E0000021, a 400 (OAPI-MEDIA-1); the two spaces are
// Okta's.
func errMediaType() *Error {
	return &Error{http.StatusBadRequest, "E0000021", "Bad request.  Accept and/or Content-Type headers likely do not match supported values.", nil}
}

// errDuplicateAssignment is E0000062 (OAPI-APP-3).
func errDuplicateAssignment() *Error {
	return &Error{http.StatusConflict, "E0000062", "The specified user is already assigned to the application.", nil}
}

func errNotFound(kind, id string) *Error {
	return &Error{http.StatusNotFound, "E0000007", fmt.Sprintf("Not found: Resource not found: %s (%s)", id, kind), nil}
}

func errMethod(method, path string) *Error {
	return &Error{http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method", nil}
}

func errNoSuchPath(path string) *Error {
	return &Error{http.StatusNotFound, "E0000008", "The requested path was not found", nil}
}

func errAlreadyActive() *Error {
	return &Error{http.StatusForbidden, "E0000016", "Activation failed because the user is already active", nil}
}

func errStatus(op, status string) *Error {
	return &Error{http.StatusBadRequest, "E0000001", "Api validation failed: " + op,
		[]string{fmt.Sprintf("%s: not allowed for a user with status %s", op, status)}}
}

func errOperationNotAllowed(summary string) *Error {
	return &Error{http.StatusForbidden, "E0000038", "This operation is not allowed in the user's current status.", []string{summary}}
}

// errCredentialsUpdate is E0000014, a 403: a change of password whose old
// password is wrong or whose new one breaks the password policy
// (OAPI-USER-3).
func errCredentialsUpdate(cause string) *Error {
	return &Error{http.StatusForbidden, "E0000014", "Update of credentials failed", []string{cause}}
}

func errInactiveUser() *Error {
	return &Error{http.StatusForbidden, "E0000117", "Cannot assign apps or update app profiles for an inactive user.", nil}
}

func errGroupPush(cause string) *Error {
	return &Error{http.StatusBadRequest, "E0000027", "Group push bad request", []string{cause}}
}

func errFeatureNotEnabled(cause string) *Error {
	return &Error{http.StatusUnauthorized, "E0000015", "You do not have permission to access the feature you are requesting", []string{cause}}
}

func errTooLarge(limit int64) *Error {
	return &Error{http.StatusRequestEntityTooLarge, "E0000001", "Api validation failed: request body",
		[]string{fmt.Sprintf("request body: larger than the limit of %d bytes", limit)}}
}

// errRuleValidation is a group rule Okta refuses: 400 E0000001 "Api
// validation failed: validateRule", the reasons in errorCauses
// (OAPI-RULES-2).
func errRuleValidation(causes ...string) *Error {
	return &Error{http.StatusBadRequest, "E0000001", "Api validation failed: validateRule", causes}
}

// errRuleStatus refuses a lifecycle change of a rule in a status that does
// not allow it (the summary is the text Terraform's provider looks for).
func errRuleStatus(summary string) *Error {
	return &Error{http.StatusBadRequest, "E0000001", "Api validation failed: " + summary, []string{summary}}
}

// errAdminProtected refuses taking the token owner out of service: the
// org's API tokens would stop working (OAPI-ME-2, a guess at Okta's answer).
func errAdminProtected() *Error {
	return &Error{http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action",
		[]string{"The org's super administrator owns its API tokens and cannot be deactivated, suspended or deleted"}}
}

// errRateLimited is Okta's 429 (OAPI-RATE-4): no Retry-After, the wait is
// in X-Rate-Limit-Reset.
func errRateLimited() *Error {
	return &Error{http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.", nil}
}

func errAppActive() *Error {
	return &Error{Status: 403, Code: "E0000056", Summary: "Delete application forbidden.",
		Causes: []string{"The application must be deactivated before it can be deleted."}}
}

func errInternal() *Error {
	return &Error{http.StatusInternalServerError, "E0000009", "Internal Server Error", nil}
}

// asError turns any error into an Okta error; unknown ones are 500s.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return errInternal()
}
