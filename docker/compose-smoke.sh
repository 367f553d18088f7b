#!/usr/bin/env bash
# Compose smoke test (make compose-smoke, run by .ci/run): bring compose.yaml
# up (compose builds missing images), wait until both servers are healthy,
# make one SCIM call and one Okta API call through the published ports,
# check that the Okta app reaches the directory, that a person signs in to
# the Jira site through mockokta (SAML), that a user made on each
# side is still there after a restart (state on the volumes), run the
# shipped scenarios with the harness image (the "scenarios" profile), take
# it down, bring it up again with HTTPS (compose.tls.yaml) and check the
# APIs and a sign-in over https with the CA file (the harness's client, and
# chromium trusting the CA through an NSS database), and take everything
# down with its volumes, also on failure.
#
# It uses its own project and ports (provsim-smoke, 28480 and 28481) so a
# running `make compose-up` is left alone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export COMPOSE_PROJECT_NAME=${COMPOSE_PROJECT_NAME:-provsim-smoke}
export PROVSIM_OKTA_PORT=${PROVSIM_OKTA_PORT:-28480}
export PROVSIM_ATLASSIAN_PORT=${PROVSIM_ATLASSIAN_PORT:-28481}
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

# Single sign-on, wired by the saml-wiring service: people on this host
# sign in at the published ports, IdP- and SP-initiated, with the harness's
# HTTP client and, where chromium is installed, in a headless browser
# (harness/containers TestComposeSignIn; PROVSIM_REQUIRE_BROWSER=1 or CI
# makes a missing chromium fail).
case $("$here/compose.sh" logs saml-wiring 2>&1) in
*"SAML single sign-on: Atlassian Cloud"*"signs in to $atl/saml/"*) ;;
*) fail "saml-wiring: $("$here/compose.sh" logs saml-wiring 2>&1)" ;;
esac
(cd "$here/.." && PROVSIM_COMPOSE_OKTA_URL=$okta PROVSIM_COMPOSE_ATLASSIAN_URL=$atl \
	go test -count=1 -run '^TestComposeSignIn$' -v ./harness/containers >"${TMPDIR:-/tmp}/provsim-smoke-signin.txt" 2>&1) ||
	{ cat "${TMPDIR:-/tmp}/provsim-smoke-signin.txt" >&2; fail "sign-in through mockokta"; }
grep -E -e '-initiated sign-in of|--- (PASS|SKIP).*(http|browser)' "${TMPDIR:-/tmp}/provsim-smoke-signin.txt" | sed 's/^ */compose-smoke: /'
rm -f "${TMPDIR:-/tmp}/provsim-smoke-signin.txt"

# State survives a restart: --data-dir /data on the compose volumes.
scim_user=$(curl -sS -X POST -H 'Authorization: Bearer dev-scim-key' -H 'Content-Type: application/scim+json' \
	-d '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"smoke@example.com","emails":[{"value":"smoke@example.com","primary":true}],"name":{"givenName":"Smoke","familyName":"Test"},"active":true}' \
	"$atl/scim/directory/dev-directory/Users" | grep -o '"id":"[^"]*"' | head -n1 | cut -d'"' -f4)
[ -n "$scim_user" ] || fail "SCIM POST /Users: no id"
okta_user=$(curl -sS -X POST -H 'Authorization: SSWS dev-okta-token' -H 'Content-Type: application/json' \
	-d '{"profile":{"firstName":"Smoke","lastName":"Test","email":"smoke.okta@example.com","login":"smoke.okta@example.com"}}' \
	"$okta/api/v1/users?activate=false" | grep -o '"id":"00u[^"]*"' | head -n1 | cut -d'"' -f4)
[ -n "$okta_user" ] || fail "Okta POST /api/v1/users: no id"
"$here/compose.sh" restart >/dev/null 2>&1 || fail "compose restart"
"$here/compose.sh" up >/dev/null || fail "not healthy after the restart"
st=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer dev-scim-key' "$atl/scim/directory/dev-directory/Users/$scim_user")
[ "$st" = 200 ] || fail "SCIM user $scim_user after the restart: $st"
st=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: SSWS dev-okta-token' "$okta/api/v1/users/$okta_user")
[ "$st" = 200 ] || fail "Okta user $okta_user after the restart: $st"
echo "compose-smoke: after a restart, SCIM user $scim_user and Okta user $okta_user are still there"
case $("$here/compose.sh" logs saml-wiring 2>&1) in
*"already signs in to $atl/saml/"*) echo "compose-smoke: after a restart, single sign-on is still wired (kept on the volumes)" ;;
*) fail "saml-wiring after the restart: $("$here/compose.sh" logs saml-wiring 2>&1)" ;;
esac

# The shipped scenarios against the running servers, with the harness image.
if [ "${PROVSIM_SMOKE_SCENARIOS:-1}" = 1 ]; then
	"$here/compose.sh" --profile scenarios run --rm scenarios >"${TMPDIR:-/tmp}/provsim-smoke-scenarios.txt" 2>&1 ||
		{ cat "${TMPDIR:-/tmp}/provsim-smoke-scenarios.txt" >&2; fail "scenarios profile"; }
	echo "compose-smoke: scenarios profile: $(grep -E '^[0-9]+ passed' "${TMPDIR:-/tmp}/provsim-smoke-scenarios.txt")"
	rm -f "${TMPDIR:-/tmp}/provsim-smoke-scenarios.txt"
fi

"$here/compose.sh" down

# HTTPS (compose.tls.yaml): up again with PROVSIM_TLS=1, which writes the CA
# file; the APIs answer over https with it and not without it, and a person
# signs in with the https public URLs (Secure cookies, SAML URLs on https),
# with the harness's HTTP client and in chromium, which trusts the CA file
# as docs/saml.md tells people to (browsertest.TrustCA: certutil, from
# libnss3-tools).
if [ "${PROVSIM_SMOKE_TLS:-1}" = 1 ]; then
	export PROVSIM_TLS=1 PROVSIM_OKTA_TLS_PORT=${PROVSIM_OKTA_TLS_PORT:-28443} PROVSIM_ATLASSIAN_TLS_PORT=${PROVSIM_ATLASSIAN_TLS_PORT:-28444}
	export PROVSIM_CA_FILE=${TMPDIR:-/tmp}/provsim-smoke-ca.pem
	"$here/compose.sh" up | grep HTTPS | sed 's/^ */compose-smoke: /' || fail "compose up with TLS"
	okta_s=https://127.0.0.1:$PROVSIM_OKTA_TLS_PORT
	atl_s=https://127.0.0.1:$PROVSIM_ATLASSIAN_TLS_PORT
	curl -sS -o /dev/null "$okta_s/api/v1/apps" 2>/dev/null && fail "https without the CA file was trusted"
	st=$(curl -sS --cacert "$PROVSIM_CA_FILE" -o /dev/null -w '%{http_code}' -H 'Authorization: SSWS dev-okta-token' "$okta_s/api/v1/apps") ||
		fail "Okta over https: curl failed"
	[ "$st" = 200 ] || fail "Okta GET /api/v1/apps over https: $st"
	st=$(curl -sS --cacert "$PROVSIM_CA_FILE" -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer dev-scim-key' \
		"$atl_s/scim/directory/dev-directory/Users?startIndex=1&count=2") || fail "SCIM over https: curl failed"
	[ "$st" = 200 ] || fail "SCIM GET /Users over https: $st"
	echo "compose-smoke: over https with $PROVSIM_CA_FILE: Okta GET /api/v1/apps -> 200, SCIM GET /Users -> 200; refused without it"
	(cd "$here/.." && PROVSIM_COMPOSE_OKTA_URL=$okta_s PROVSIM_COMPOSE_ATLASSIAN_URL=$atl_s PROVSIM_COMPOSE_CA=$PROVSIM_CA_FILE \
		go test -count=1 -run '^TestComposeSignIn$' -v ./harness/containers >"${TMPDIR:-/tmp}/provsim-smoke-signin.txt" 2>&1) ||
		{ cat "${TMPDIR:-/tmp}/provsim-smoke-signin.txt" >&2; fail "sign-in over https"; }
	grep -E -e '-initiated sign-in of|browser sign-in of|--- (PASS|SKIP).*https' "${TMPDIR:-/tmp}/provsim-smoke-signin.txt" | sed 's/^ */compose-smoke: /'
	rm -f "${TMPDIR:-/tmp}/provsim-smoke-signin.txt" "$PROVSIM_CA_FILE"
	"$here/compose.sh" down
fi
trap - EXIT
left=$(docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")
[ -z "$left" ] || fail "containers left after down: $left"
echo "compose-smoke: PASS"
