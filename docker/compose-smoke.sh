#!/usr/bin/env bash
# Compose smoke test (make compose-smoke, run by .ci/run): with the images
# built, bring docker/compose.yaml up, wait until both servers are healthy,
# make one SCIM call and one Okta API call through the published ports,
# check that the Okta app reaches the directory, run the shipped scenarios
# with the harness image (the "scenarios" profile), and take everything
# down with its volumes, also on failure.
#
# It uses its own project and ports (provsim-smoke, 18080 and 18081) so a
# running `make compose-up` is left alone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export COMPOSE_PROJECT_NAME=${COMPOSE_PROJECT_NAME:-provsim-smoke}
export PROVSIM_OKTA_PORT=${PROVSIM_OKTA_PORT:-18080}
export PROVSIM_ATLASSIAN_PORT=${PROVSIM_ATLASSIAN_PORT:-18081}
okta=http://127.0.0.1:$PROVSIM_OKTA_PORT
atl=http://127.0.0.1:$PROVSIM_ATLASSIAN_PORT

down() { "$here/compose.sh" down >/dev/null 2>&1 || true; }
trap down EXIT
down # leftovers of an interrupted run

fail() {
	echo "compose-smoke: FAIL: $*" >&2
	"$here/compose.sh" logs --tail 30 >&2 || true
	exit 1
}

"$here/compose.sh" up

# One SCIM call: Okta's Test API Credentials request, with the dev key.
out=$(curl -sS -w '\n%{http_code}' -H 'Authorization: Bearer dev-scim-key' \
	"$atl/scim/directory/dev-directory/Users?startIndex=1&count=2") || fail "SCIM call: curl failed"
[ "${out##*$'\n'}" = 200 ] || fail "SCIM GET /Users: ${out##*$'\n'}: ${out%$'\n'*}"
case $out in *ListResponse*) ;; *) fail "SCIM GET /Users: not a ListResponse: $out" ;; esac
echo "compose-smoke: SCIM GET /Users -> 200 ListResponse"

# One Okta API call: the app list, with the dev token.
apps=$(curl -sS -w '\n%{http_code}' -H 'Authorization: SSWS dev-okta-token' "$okta/api/v1/apps") || fail "Okta call: curl failed"
[ "${apps##*$'\n'}" = 200 ] || fail "Okta GET /api/v1/apps: ${apps##*$'\n'}"
app=$(printf '%s' "${apps%$'\n'*}" | grep -o '"id":"0oa[^"]*"' | head -n1 | cut -d'"' -f4)
[ -n "$app" ] || fail "Okta GET /api/v1/apps: no app in ${apps%$'\n'*}"
case $apps in *'"label":"Atlassian Cloud"'*) ;; *) fail "no Atlassian Cloud app: $apps" ;; esac
echo "compose-smoke: Okta GET /api/v1/apps -> 200, Atlassian Cloud app $app"

# Wired: Test API Credentials goes from mockokta to mockatlassian by service name.
tc=$(curl -sS -X POST "$okta/_sim/orgs/dev-okta/apps/$app/test-credentials") || fail "test-credentials: curl failed"
case $tc in *'"success":true'*) ;; *) fail "test-credentials: $tc" ;; esac
echo "compose-smoke: Test API Credentials -> $tc"

# The shipped scenarios against the running servers, with the harness image.
if [ "${PROVSIM_SMOKE_SCENARIOS:-1}" = 1 ]; then
	"$here/compose.sh" --profile scenarios run --rm scenarios >"${TMPDIR:-/tmp}/provsim-smoke-scenarios.txt" 2>&1 ||
		{ cat "${TMPDIR:-/tmp}/provsim-smoke-scenarios.txt" >&2; fail "scenarios profile"; }
	echo "compose-smoke: scenarios profile: $(grep -E '^[0-9]+ passed' "${TMPDIR:-/tmp}/provsim-smoke-scenarios.txt")"
	rm -f "${TMPDIR:-/tmp}/provsim-smoke-scenarios.txt"
fi

"$here/compose.sh" down
trap - EXIT
left=$(docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")
[ -z "$left" ] || fail "containers left after down: $left"
echo "compose-smoke: PASS"
