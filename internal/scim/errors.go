package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Kind classifies an error independent of transport. This file is the one
// place where kinds become HTTP statuses (see statusOf).
type Kind int

const (
	KindInvalid  Kind = iota + 1 // 400: malformed or semantically wrong input
	KindNotFound                 // 404: unknown resource or directory
	KindConflict                 // 409: uniqueness violation
	KindTooLarge                 // 413: body over the configured limit
	KindInternal                 // 500: a bug; never expected
	KindUnavailable
)

// scimType values of RFC 7644 §3.12 used by this project.
const (
	TypeInvalidFilter = "invalidFilter"
	TypeTooMany       = "tooMany"
	TypeUniqueness    = "uniqueness"
	TypeMutability    = "mutability"
	TypeInvalidSyntax = "invalidSyntax"
	TypeInvalidPath   = "invalidPath"
	TypeNoTarget      = "noTarget"
	TypeInvalidValue  = "invalidValue"
)

// Error is a SCIM protocol error. It is returned by models and by the PATCH
// and filter engines, and written as the RFC 7644 §3.12 envelope.
type Error struct {
	Kind     Kind
	ScimType string
	Detail   string
}

func (e *Error) Error() string {
	if e.ScimType != "" {
		return fmt.Sprintf("scim %d %s: %s", e.Status(), e.ScimType, e.Detail)
	}
	return fmt.Sprintf("scim %d: %s", e.Status(), e.Detail)
}

// Status is the HTTP status for the error's kind.
func (e *Error) Status() int { return statusOf(e.Kind) }

func statusOf(k Kind) int {
	switch k {
	case KindInvalid:
		return http.StatusBadRequest
	case KindNotFound:
		return http.StatusNotFound
	case KindConflict:
		return http.StatusConflict
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case KindUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// MarshalJSON writes the envelope with `status` as a string, in the field
// order Atlassian uses (SCIM-ERR-1).
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Schemas  []string `json:"schemas"`
		Status   string   `json:"status"`
		ScimType string   `json:"scimType,omitempty"`
		Detail   string   `json:"detail"`
	}{[]string{ErrorSchema}, strconv.Itoa(e.Status()), e.ScimType, e.Detail})
}

// Errorf builds an *Error.
func Errorf(kind Kind, scimType, format string, args ...any) *Error {
	return &Error{Kind: kind, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// Invalid is a 400 with the given scimType.
func Invalid(scimType, format string, args ...any) *Error {
	return Errorf(KindInvalid, scimType, format, args...)
}

// NotFound is a 404.
func NotFound(format string, args ...any) *Error {
	return Errorf(KindNotFound, "", format, args...)
}

// Conflict is a 409 uniqueness error.
func Conflict(format string, args ...any) *Error {
	return Errorf(KindConflict, TypeUniqueness, format, args...)
}

// AsError returns err as a SCIM error; anything else becomes a 500 that does
// not leak internals.
func AsError(err error) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	return &Error{Kind: KindInternal, Detail: "Internal error. You can retry calls."}
}
