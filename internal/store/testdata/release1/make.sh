#!/usr/bin/env bash
# Writes the release-1 fixtures: data directories and snapshot documents made
# by the release before records were stored one per key (store format
# provsim.*.store/1, snapshot version 1), and what the API showed of them.
# It was run once, at commit dfcc9b2, with that commit's binaries:
#
#   go build -o /tmp/r1/ ./cmd/mockatlassian ./cmd/mockokta
#   internal/store/testdata/release1/make.sh /tmp/r1 internal/store/testdata/release1
#
# Later code must open these files and show the same through its API
# (mockatlassian/migrate_test.go, mockokta/migrate_test.go). Do not run it
# again with newer binaries: the point is that the files are old.
set -euo pipefail
bin=$1 out=$2
A=127.0.0.1:18181 O=127.0.0.1:18180
rm -rf "$out/mockatlassian" "$out/mockokta"
mkdir -p "$out/mockatlassian/data" "$out/mockokta/data"
tmp=$(mktemp -d); trap 'kill $apid $opid 2>/dev/null || true; rm -rf "$tmp"' EXIT

cat > "$tmp/atl.yaml" <<'YAML'
orgs:
  - id: dev-org
    name: Acme
    apiKey: dev-org-key
    verifiedDomains: [example.com]
    unverifiedDomains: [example.net]
    directories:
      - id: dev-directory
        name: Okta users
        apiKey: dev-scim-key
      - id: second-directory
        name: Other users
        apiKey: second-scim-key
    sites:
      - name: acme.atlassian.net
        products: [jira-software, confluence]
    accounts:
      - email: linus@example.com
        displayName: Linus Torvalds
      - email: outsider@elsewhere.org
        displayName: Out Sider
    groups:
      - name: site-admins
        members: [linus@example.com]
        access: [acme.atlassian.net/jira-software, acme.atlassian.net/confluence]
  - id: other-org
    name: Other
    apiKey: other-org-key
    verifiedDomains: [other.example]
    directories:
      - id: other-directory
        apiKey: other-scim-key
YAML
cat > "$tmp/okta.yaml" <<YAML
orgs:
  - id: dev-okta
    name: Acme
    tokens: [dev-okta-token]
    users:
      - login: ada@example.com
        firstName: Ada
        lastName: Lovelace
        profile: {title: Countess, department: Engines}
      - login: grace@example.com
        firstName: Grace
        lastName: Hopper
        password: Tr0ub4dor&3x
      - login: fail@example.com
        firstName: Fay
        lastName: Ling
      - login: staged@example.com
        firstName: Stan
        lastName: Ged
        status: STAGED
    groups:
      - name: atlassian-test-jira-users
        description: pushed to Atlassian
        members: [ada@example.com, grace@example.com]
      - name: bystanders
        members: [staged@example.com]
    apps:
      - name: atlassian
        connection:
          baseUrl: http://$A/scim/directory/dev-directory
          token: dev-scim-key
        toApp: {createUsers: true, updateUserAttributes: true, deactivateUsers: true}
        userNameTemplate: \${source.email}
        assign:
          users: [ada@example.com, fail@example.com]
          groups: [atlassian-test-jira-users]
        push:
          - group: atlassian-test-jira-users
  - id: quiet-okta
    tokens: [quiet-okta-token]
YAML

"$bin/mockatlassian" --addr $A --data-dir "$out/mockatlassian/data" --seed-file "$tmp/atl.yaml" --seed 1 >"$tmp/a.log" 2>&1 & apid=$!
for _ in $(seq 100); do curl -sf http://$A/_sim/health >/dev/null && break; sleep 0.1; done
# The engine's create of fail@example.com is refused: a task with its job.
curl -sf -X POST http://$A/_sim/faults -d '{"method":"POST","path":"/scim/directory/dev-directory/Users","bodyField":"userName","bodyValue":"fail@example.com","status":400}' >/dev/null
"$bin/mockokta" --addr $O --data-dir "$out/mockokta/data" --seed-file "$tmp/okta.yaml" --seed 2 >"$tmp/o.log" 2>&1 & opid=$!
for _ in $(seq 100); do curl -sf http://$O/_sim/health >/dev/null && break; sleep 0.1; done

scim() { curl -sf -X "$1" "http://$A/scim/directory/dev-directory$2" -H 'Authorization: Bearer dev-scim-key' -H 'Content-Type: application/scim+json' ${3:+-d "$3"}; }
okta() { curl -sf -X "$1" "http://$O/api/v1$2" -H 'Authorization: SSWS dev-okta-token' -H 'Content-Type: application/json' ${3:+-d "$3"}; }
id() { jq -r .id; }

curl -sf "http://$O/_sim/orgs/dev-okta/wait?timeout=30s" >/dev/null
# Direct SCIM traffic on the Atlassian side.
u1=$(scim POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"direct@example.com","emails":[{"value":"direct@example.com","primary":true}],"name":{"givenName":"Di","familyName":"Rect"},"displayName":"Di Rect","externalId":"ext-1"}' | id)
u2=$(scim POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"gone@example.com","emails":[{"value":"gone@example.com","primary":true}]}' | id)
u3=$(scim POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"outsider@elsewhere.org","emails":[{"value":"outsider@elsewhere.org","primary":true}],"active":false}' | id)
scim PATCH "/Users/$u1" '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Engineer"}]}' >/dev/null
scim POST /Groups "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],\"displayName\":\"direct-group\",\"members\":[{\"value\":\"$u1\"},{\"value\":\"$u3\"}]}" >/dev/null
scim DELETE "/Users/$u2" >/dev/null
curl -sf -X POST "http://$A/_sim/orgs/other-org/sites" -d '{"name":"other.atlassian.net","products":["confluence","bitbucket"]}' >/dev/null

# Okta side: a new user assigned directly, a profile change, a deactivation.
n=$(okta POST '/users?activate=true' '{"profile":{"firstName":"New","lastName":"Hire","email":"new@example.com","login":"new@example.com"}}' | id)
apps=$(okta GET /apps); app=$(echo "$apps" | jq -r '.[0].id')
okta POST "/apps/$app/users" "{\"id\":\"$n\",\"scope\":\"USER\",\"credentials\":{\"userName\":\"new@example.com\"}}" >/dev/null
curl -sf "http://$O/_sim/orgs/dev-okta/wait?timeout=30s" >/dev/null
grace=$(okta GET '/users/grace@example.com' | id)
okta POST "/users/$grace" '{"profile":{"title":"Rear Admiral"}}' >/dev/null
ada=$(okta GET '/users/ada@example.com' | id)
okta POST "/users/$ada/lifecycle/deactivate" >/dev/null
curl -sf "http://$O/_sim/orgs/dev-okta/wait?timeout=30s" >/dev/null
okta POST /groups '{"profile":{"name":"unassigned-group","description":"not on any app"}}' >/dev/null

# What the API shows of that state: each entry is a GET with its credential
# and the answer's status and body.
view() { # file name path auth
  local body status
  body=$(curl -s -w '\n%{http_code}' "$2" ${3:+-H "Authorization: $3"})
  status=${body##*$'\n'}; body=${body%$'\n'*}
  jq -n --arg p "${2#http://*/}" --arg a "$3" --argjson s "$status" --argjson b "$body" '{path:("/"+$p),auth:$a,status:$s,body:$b}' >> "$tmp/$1"
}
acct=$(curl -sf "http://$A/_sim/orgs/dev-org/accounts" | jq -r '.[] | select(.email=="ada@example.com") | .accountId')
for d in dev-directory:dev-scim-key second-directory:second-scim-key; do
  view atl "http://$A/scim/directory/${d%%:*}/Users?count=100" "Bearer ${d#*:}"
  view atl "http://$A/scim/directory/${d%%:*}/Groups?count=100" "Bearer ${d#*:}"
done
view atl "http://$A/scim/directory/other-directory/Users" "Bearer other-scim-key"
view atl "http://$A/scim/directory/dev-directory/Users/$u2" "Bearer dev-scim-key"
view atl "http://$A/_sim/orgs" ""
for o in dev-org other-org; do
  view atl "http://$A/_sim/orgs/$o" ""
  view atl "http://$A/_sim/orgs/$o/groups" ""
  view atl "http://$A/_sim/orgs/$o/accounts" ""
done
view atl "http://$A/admin/user-provisioning/v1/org/dev-org/user/$acct/get-scim-links" "Bearer dev-org-key"
for p in users groups apps "apps/$app/users" "apps/$app/groups" "apps/$app/group-push/mappings" "logs?limit=1000"; do
  view okta "http://$O/api/v1/$p" "SSWS dev-okta-token"
done
for g in $(okta GET /groups | jq -r '.[].id'); do view okta "http://$O/api/v1/groups/$g/users" "SSWS dev-okta-token"; done
view okta "http://$O/api/v1/users" "SSWS quiet-okta-token"
view okta "http://$O/_sim/orgs" ""
view okta "http://$O/_sim/orgs/dev-okta/tasks?all=true" ""
jq -s . "$tmp/atl" > "$out/mockatlassian/views.json"
jq -s . "$tmp/okta" > "$out/mockokta/views.json"

curl -sf "http://$A/_sim/snapshot" > "$out/mockatlassian/snapshot.json"
curl -sf "http://$O/_sim/snapshot" > "$out/mockokta/snapshot.json"
kill -TERM $apid $opid; wait $apid $opid || true
grep -q "state loaded\|listening" "$tmp/a.log"
echo "fixtures written to $out"
