package mockatlassian

import (
	"errors"
	"fmt"

	"github.com/provsim/provsim/internal/scim"
)

// AdminError is a refusal by the organization-admin model (accounts,
// directories, groups, events). It names what it is about, so that each
// admin API answers with its own code from one table (orgapierrors.go).
type AdminError struct {
	Kind     AdminKind
	Resource AdminResource
	// Reason is the user management API's reason key for a refusal, such
	// as externalDirectory.scim (ATL-MANAGE-2).
	Reason string
	// Fields lists constraint violations, field → violation keys.
	Fields []FieldViolation
	Detail string
}

// FieldViolation is one field that broke a constraint.
type FieldViolation struct {
	Field      string
	Violations []string // maxLength, validCharacters, …
}

func (e *AdminError) Error() string { return e.Detail }

// AdminKind classifies an AdminError.
type AdminKind int

const (
	AdminInvalid   AdminKind = iota + 1 // 400
	AdminForbidden                      // 403
	AdminNotFound                       // 404
	AdminConflict                       // 409
)

// AdminResource is what an AdminError is about.
type AdminResource string

const (
	resOrg       AdminResource = "org"
	resUser      AdminResource = "user"
	resDomain    AdminResource = "domain"
	resEvent     AdminResource = "event"
	resGroup     AdminResource = "group"
	resDirectory AdminResource = "directory"
	resResource  AdminResource = "resource" // a workspace: a product on a site
	resRole      AdminResource = "role"
	resToken     AdminResource = "token"
	resBody      AdminResource = "body"
	resCursor    AdminResource = "cursor"
	resTime      AdminResource = "time"
)

func adminErr(kind AdminKind, res AdminResource, format string, args ...any) *AdminError {
	return &AdminError{Kind: kind, Resource: res, Detail: fmt.Sprintf(format, args...)}
}

func notFoundOf(res AdminResource, format string, args ...any) *AdminError {
	return adminErr(AdminNotFound, res, format, args...)
}

func invalidOf(res AdminResource, format string, args ...any) *AdminError {
	return adminErr(AdminInvalid, res, format, args...)
}

// asAdminError turns any model error into an AdminError: the SCIM-kind
// errors the rest of the model returns keep their kind and say nothing
// about the resource.
func asAdminError(err error) *AdminError {
	var ae *AdminError
	if errors.As(err, &ae) {
		return ae
	}
	se := scim.AsError(err)
	switch se.Kind {
	case scim.KindInvalid, scim.KindTooLarge:
		return &AdminError{Kind: AdminInvalid, Resource: resBody, Detail: se.Detail}
	case scim.KindNotFound:
		return &AdminError{Kind: AdminNotFound, Detail: se.Detail}
	case scim.KindConflict:
		return &AdminError{Kind: AdminConflict, Detail: se.Detail}
	}
	return nil // internal: the caller answers 500
}
