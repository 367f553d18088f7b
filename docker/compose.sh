#!/usr/bin/env bash
# compose.yaml (the repository root's) with whichever Compose this machine has: the v2 plugin
# (`docker compose`) or the v1 tool (`docker-compose`, 1.29 here); set
# PROVSIM_COMPOSE to choose ("docker compose" or "docker-compose").
#
#   docker/compose.sh up        start both servers, wait until healthy and wired
#                               for SAML single sign-on (make compose-up)
#   docker/compose.sh down      stop and remove them, with volumes (make compose-down)
#   docker/compose.sh ARGS...   any other compose command, e.g.
#                               --profile scenarios run --rm scenarios
#                               logs -f mockokta
#
# The project is "provsim" (COMPOSE_PROJECT_NAME to change it); ports and
# tags come from PROVSIM_OKTA_PORT, PROVSIM_ATLASSIAN_PORT and PROVSIM_TAG.
# PROVSIM_TLS=1 adds compose.tls.yaml (HTTPS on PROVSIM_OKTA_TLS_PORT, 8443,
# and PROVSIM_ATLASSIAN_TLS_PORT, 8444); up then writes the CA file to trust
# to PROVSIM_CA_FILE (default ${TMPDIR:-/tmp}/provsim-ca.pem).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=${COMPOSE_PROJECT_NAME:-provsim}

compose() {
	local tool=${PROVSIM_COMPOSE:-}
	if [ -z "$tool" ]; then
		if docker compose version >/dev/null 2>&1; then
			tool="docker compose"
		elif command -v docker-compose >/dev/null 2>&1; then
			tool=docker-compose
		else
			echo "compose.sh: neither 'docker compose' nor 'docker-compose' is installed" >&2
			return 1
		fi
	fi
	local files=(-f "$here/../compose.yaml")
	[ "${PROVSIM_TLS:-}" = 1 ] && files+=(-f "$here/../compose.tls.yaml")
	# shellcheck disable=SC2086 # "docker compose" is two words
	$tool -p "$project" "${files[@]}" "$@"
}

health() { # container id -> its health status
	docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1" 2>/dev/null || echo missing
}

up() {
	local start now a o aid oid timeout=${PROVSIM_WAIT_TIMEOUT:-120}
	start=$(date +%s%N)
	compose up -d "$@"
	# docker ps, not `compose ps`: the v1 tool takes a second to start.
	aid=$(docker ps -aq --filter "label=com.docker.compose.project=$project" --filter label=com.docker.compose.service=mockatlassian)
	oid=$(docker ps -aq --filter "label=com.docker.compose.project=$project" --filter label=com.docker.compose.service=mockokta)
	while :; do
		a=$(health "$aid")
		o=$(health "$oid")
		[ "$a" = healthy ] && [ "$o" = healthy ] && break
		now=$(date +%s%N)
		if [ $(((now - start) / 1000000000)) -ge "$timeout" ] || [ "$a" = unhealthy ] || [ "$o" = unhealthy ]; then
			echo "compose.sh: not healthy after $(((now - start) / 1000000000))s: mockatlassian $a, mockokta $o" >&2
			compose logs --tail 20 >&2 || true
			return 1
		fi
		sleep 0.1
	done
	now=$(date +%s%N)
	printf 'provsim: both servers healthy %.1fs after compose up\n' "$(echo "($now - $start) / 1000000000" | bc -l)"
	wired "$start" || return 1
	[ "${PROVSIM_TLS:-}" = 1 ] && { cafile || return 1; }
	printf '  mockatlassian  http://127.0.0.1:%s  SCIM http://127.0.0.1:%s/scim/directory/dev-directory  key dev-scim-key  org dev-org\n' \
		"${PROVSIM_ATLASSIAN_PORT:-8081}" "${PROVSIM_ATLASSIAN_PORT:-8081}"
	printf '  mockokta       http://127.0.0.1:%s  org dev-okta  token dev-okta-token (SSWS)\n' "${PROVSIM_OKTA_PORT:-8080}"
}

# wired waits for the saml-wiring service (harness wire-saml) to finish
# and says when (since start, date +%s%N: docker/bench-compose.sh reads the
# line) and what it did: single sign-on is ready when `up` returns.
wired() {
	local start=$1 wid st now
	wid=$(docker ps -aq --filter "label=com.docker.compose.project=$project" --filter label=com.docker.compose.service=saml-wiring)
	[ -n "$wid" ] || return 0 # started with named services only
	while st=$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$wid" 2>/dev/null) && [ "${st% *}" != exited ]; do
		sleep 0.1
	done
	if [ "$st" != "exited 0" ]; then
		echo "compose.sh: saml-wiring failed ($st):" >&2
		docker logs "$wid" >&2 || true
		return 1
	fi
	now=$(date +%s%N)
	printf 'provsim: SAML single sign-on wired %.1fs after compose up\n' "$(echo "($now - $start) / 1000000000" | bc -l)"
	docker logs "$wid" 2>&1 | tail -n 1 | sed 's/^/  /'
}

# cafile writes both servers' CA certificates (GET /_sim/tls/ca.pem on the
# plain ports) to one file and says how to use it.
cafile() {
	local f=${PROVSIM_CA_FILE:-${TMPDIR:-/tmp}/provsim-ca.pem}
	curl -fsS "http://127.0.0.1:${PROVSIM_OKTA_PORT:-8080}/_sim/tls/ca.pem" \
		"http://127.0.0.1:${PROVSIM_ATLASSIAN_PORT:-8081}/_sim/tls/ca.pem" >"$f.new" && mv "$f.new" "$f" || {
		echo "compose.sh: could not fetch the CA certificates" >&2
		return 1
	}
	printf '  HTTPS: https://127.0.0.1:%s (mockokta), https://127.0.0.1:%s (mockatlassian); trust %s\n' \
		"${PROVSIM_OKTA_TLS_PORT:-8443}" "${PROVSIM_ATLASSIAN_TLS_PORT:-8444}" "$f"
}

case ${1:-} in
up) shift; up "$@" ;;
down) shift; compose down --volumes --remove-orphans "$@" ;;
"") sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
*) compose "$@" ;;
esac
