package mockatlassian

import (
	"encoding/json"
	"strings"

	"github.com/provsim/provsim/internal/scim"
)

// membersNamed counts the members a PATCH adds or removes: the elements of
// a value for path "members", one per filtered member path, and the members
// of path-less values (Options.MaxMembersPerPatch). A replace of the member
// list is a full-list write, like PUT, bounded by MaxUsersPerGroup instead:
// Okta's Push Now sends one for the whole group (OKTA-PUSH-7), however
// large.
func membersNamed(ops []scim.PatchOperation) int {
	n := 0
	for _, op := range ops {
		if op.Op == scim.OpReplace {
			continue
		}
		switch attr := groupAttr(op.Path); {
		case attr == "members":
			n += jsonElements(op.Value)
		case strings.HasPrefix(attr, "members[") || strings.HasPrefix(attr, "members."):
			n++
		case attr == "":
			var obj map[string]json.RawMessage
			if json.Unmarshal(op.Value, &obj) == nil {
				for k, v := range obj {
					if groupAttr(k) == "members" {
						n += jsonElements(v)
					}
				}
			}
		}
	}
	return n
}

// groupAttr lower-cases a path and drops the core Group URN prefix.
func groupAttr(path string) string {
	p := strings.ToLower(strings.TrimSpace(path))
	return strings.TrimPrefix(p, strings.ToLower(scim.GroupSchema)+":")
}

// jsonElements is the length of a JSON array, 1 for any other value (a lone
// member object), 0 for null or nothing.
func jsonElements(raw json.RawMessage) int {
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) == nil {
		return len(arr)
	}
	if len(raw) == 0 {
		return 0
	}
	return 1
}
