package mockokta

import (
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/provsim/provsim/internal/scim"
)

// The bodies the engine sends. Those Okta builds itself are structs, so
// their keys go out in Okta's documented order, `schemas` first
// (OKTA-CREATE-2, OKTA-DEACT-2, OKTA-PUSH-2, OKTA-PUSH-4, OKTA-PUSH-6); a
// body that echoes the server's representation is that representation's
// bytes, edited in place (scimDoc), so it keeps the server's order
// (OKTA-UPDATE-1). A byte-for-byte comparison with Okta's requests holds.

// patchRequest is a SCIM PatchOp message.
type patchRequest struct {
	Schemas    []string         `json:"schemas"`
	Operations []patchOperation `json:"Operations"`
}

// patchOperation is one operation: op, then path, then value, as Okta
// prints them.
type patchOperation struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

func patchOp(ops ...patchOperation) patchRequest {
	return patchRequest{Schemas: []string{scim.PatchOpSchema}, Operations: ops}
}

// activeValue is the value of a user (de)activation: {"active": …}.
type activeValue struct {
	Active bool `json:"active"`
}

// passwordValue is the value of a password sync: {"password": …}
// (OKTA-PASSWORD-1).
type passwordValue struct {
	Password string `json:"password"`
}

// renameValue is the value of a group rename: {"id": …, "displayName": …}.
type renameValue struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// scimGroupBody is POST /Groups and a wizard app's PUT /Groups/{id}: the id
// only on the PUT, and the target's externalId kept when it has one.
type scimGroupBody struct {
	Schemas     []string    `json:"schemas"`
	ID          string      `json:"id,omitempty"`
	DisplayName string      `json:"displayName"`
	Members     []memberRef `json:"members"`
	ExternalID  any         `json:"externalId,omitempty"`
}

// memberRef is a group member as Okta sends it: value, then display.
type memberRef struct {
	Value   string `json:"value"`
	Display string `json:"display"`
}

// scimDoc is a JSON object the server returned, edited in place: set keys
// keep their position, new ones are appended, deleted ones leave no gap.
// The first failed edit is kept in err and stops the others.
type scimDoc struct {
	raw []byte
	err error
}

// parseSCIMDoc takes a response body that must be a JSON object.
func parseSCIMDoc(body []byte) (*scimDoc, bool) {
	if !gjson.ValidBytes(body) || !gjson.ParseBytes(body).IsObject() {
		return nil, false
	}
	return &scimDoc{raw: body}, true
}

func (d *scimDoc) get(path string) gjson.Result { return gjson.GetBytes(d.raw, path) }

func (d *scimDoc) set(path string, v any) {
	if d.err == nil {
		d.raw, d.err = sjson.SetBytes(d.raw, path, v)
	}
}

func (d *scimDoc) setRaw(path, raw string) {
	if d.err == nil {
		d.raw, d.err = sjson.SetRawBytes(d.raw, path, []byte(raw))
	}
}

func (d *scimDoc) delete(path string) {
	if d.err == nil && d.get(path).Exists() {
		d.raw, d.err = sjson.DeleteBytes(d.raw, path)
	}
}

// setOrDelete sets a string, or removes the key for "" (Okta omits
// attributes without a value).
func (d *scimDoc) setOrDelete(path, v string) {
	if v == "" {
		d.delete(path)
		return
	}
	d.set(path, v)
}

// sjsonKey escapes a key (a schema URN holds dots) for a path.
func sjsonKey(k string) string {
	r := strings.NewReplacer(".", `\.`, "*", `\*`, "?", `\?`)
	return r.Replace(k)
}
