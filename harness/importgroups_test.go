package harness

import (
	"fmt"
	"strings"
	"testing"

	"github.com/provsim/provsim/internal/journal"
)

// importGroupsScenario pushes a group, then changes its members, with the
// app's "Import Groups" as given.
func importGroupsScenario(importGroups string) string {
	return fmt.Sprintf(`name: import groups
okta:
  app: {%s}
people:
  - login: ann@example.com
  - login: bob@example.com
groups:
  - {name: atlassian-test-jira-users, members: [ann@example.com]}
steps:
  - pushGroup: {group: atlassian-test-jira-users}
  - assign: {group: atlassian-test-jira-users}
  - addToGroup: {user: bob@example.com, group: atlassian-test-jira-users}
    expect:
      atlassian:
        groups: [{name: atlassian-test-jira-users, members: [ann@example.com, bob@example.com]}]
`, importGroups)
}

// groupReads counts the engine's SCIM reads of the target's groups: the
// list (To App save, Import) and the lookup by name before an update.
func groupReads(t *testing.T, env *Env) (lists, lookups int) {
	t.Helper()
	for _, e := range env.Okta.Model.Journal().Entries(journal.Query{}) {
		if e.Method != "GET" || !strings.HasSuffix(e.Path, "/Groups") {
			continue
		}
		if strings.Contains(e.Query, "filter=displayName") {
			lookups++
		} else {
			lists++
		}
	}
	return lists, lookups
}

// A scenario's okta.app.importGroups reaches the app (OKTA-PUSH-12): off,
// saving To App lists no groups and the membership update of the pushed
// group first looks it up by name; on (the default), the list is read and
// no lookup is sent.
func TestScenarioImportGroups(t *testing.T) {
	_, off := runInline(t, importGroupsScenario("importGroups: false"))
	if lists, lookups := groupReads(t, off); lists != 0 || lookups == 0 {
		t.Errorf("importGroups false: %d group lists, %d lookups; want none, at least one", lists, lookups)
	}
	_, on := runInline(t, importGroupsScenario("importGroups: true"))
	if lists, lookups := groupReads(t, on); lists == 0 || lookups != 0 {
		t.Errorf("importGroups true: %d group lists, %d lookups; want at least one, none", lists, lookups)
	}
}
