#!/usr/bin/env bash
# The README's "With Docker only" steps, run as written (make docker-only,
# .ci/run): the section's first shell block (clone, cd, `docker compose up
# --build`) in a shell whose PATH has no `go`, then checks that compose built
# the images from docker/Dockerfile, that both servers came up healthy, that
# the log says where they are and that those addresses answer, and that
# single sign-on was wired (the saml-wiring service); then Ctrl-C
# and the section's second block (`docker compose down -v`).
#
# What differs from a person's run, and only this: the clone is of this
# repository's commit instead of GitHub's; COMPOSE_PROJECT_NAME, the host
# ports (PROVSIM_OKTA_PORT, PROVSIM_ATLASSIAN_PORT) and PROVSIM_GO_IMAGE (a
# builder image where golang:<version> cannot be pulled) come from the
# environment; and where this machine has only Compose v1, `docker compose`
# runs docker-compose.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
export COMPOSE_PROJECT_NAME=${COMPOSE_PROJECT_NAME:-provsim-docker-only}
export PROVSIM_OKTA_PORT=${PROVSIM_OKTA_PORT:-28580}
export PROVSIM_ATLASSIAN_PORT=${PROVSIM_ATLASSIAN_PORT:-28581}
timeout=${PROVSIM_DOCKER_ONLY_TIMEOUT:-1200} # seconds for build + start
work=$(mktemp -d)
log=$work/up.log
upid=

fail() {
	echo "docker-only: FAIL: $*" >&2
	[ -f "$log" ] && { echo "--- last lines of the compose log:" >&2; tail -40 "$log" >&2; }
	exit 1
}

# The fenced sh blocks of the README section "With Docker only", in order,
# separated by a line holding only "--".
blocks=$(awk '
	/^#+ With Docker only/ { in_section = 1; next }
	in_section && /^#+ / { exit }
	in_section && /^```sh$/ { in_block = 1; next }
	in_section && in_block && /^```$/ { in_block = 0; print "--"; next }
	in_section && in_block { print }
' "$repo/README.md")
start_block=$(awk 'BEGIN { RS = "--\n" } NR == 1' <<<"$blocks")
stop_block=$(awk 'BEGIN { RS = "--\n" } NR == 2' <<<"$blocks")
[ -n "$start_block" ] && [ -n "$stop_block" ] || fail "README.md: no section 'With Docker only' with two sh blocks"
grep -q '^git clone https://github.com/provsim/provsim.git$' <<<"$start_block" || fail "README.md: the first block does not clone provsim"
grep -q '^docker compose up' <<<"$start_block" || fail "README.md: the first block does not run docker compose up"
# The one substitution: this commit instead of GitHub's copy (under a name
# that clones into provsim/, as GitHub's does).
mkdir -p "$work/origin"
ln -s "$repo" "$work/origin/provsim.git"
start_block=${start_block//https:\/\/github.com\/provsim\/provsim.git/$work/origin/provsim.git}

# A PATH without Go; and `docker compose` where only docker-compose exists.
shims=$work/bin
mkdir -p "$shims"
path=$shims
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
	[ -n "$d" ] && [ ! -x "$d/go" ] && path=$path:$d
done
if ! docker compose version >/dev/null 2>&1; then
	docker=$(command -v docker)
	printf '#!/bin/sh\nif [ "$1" = compose ]; then shift; exec docker-compose "$@"; fi\nexec %s "$@"\n' "$docker" >"$shims/docker"
	chmod +x "$shims/docker"
	echo "docker-only: no 'docker compose' here: it runs docker-compose ($(docker-compose version --short))"
fi
PATH=$path command -v go >/dev/null && fail "go is still on the PATH"

project_ids() { docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" "$@"; }
cleanup() {
	[ -n "$upid" ] && kill -INT -- "-$upid" 2>/dev/null && wait "$upid" 2>/dev/null
	if [ -d "$work/provsim" ]; then
		(cd "$work/provsim" && PATH=$path docker compose down -v >/dev/null 2>&1) || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "docker-only: running the README's first block in $work, PATH without go:"
sed 's/^/    /' <<<"$start_block"
# Its own process group (set -m), so Ctrl-C reaches compose as from a terminal.
set -m
(cd "$work" && exec env -u GOROOT -u GOPATH PATH="$path" bash -euo pipefail -c "$start_block") >"$log" 2>&1 &
upid=$!
set +m

health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1" 2>/dev/null || echo missing; }
started=$SECONDS
while :; do
	kill -0 "$upid" 2>/dev/null || { wait "$upid" && status=0 || status=$?; upid=; fail "the first block ended (status $status) before both servers were healthy"; }
	a=$(project_ids --filter label=com.docker.compose.service=mockatlassian)
	o=$(project_ids --filter label=com.docker.compose.service=mockokta)
	if [ -n "$a" ] && [ -n "$o" ] && [ "$(health "$a")" = healthy ] && [ "$(health "$o")" = healthy ]; then
		break
	fi
	[ $((SECONDS - started)) -lt "$timeout" ] || fail "not healthy after ${timeout}s"
	sleep 1
done
echo "docker-only: both servers healthy $((SECONDS - started))s after the first block started"

# Compose built the images, from docker/Dockerfile.
grep -q 'Successfully built\|naming to' "$log" || fail "compose did not build the images"
for c in mockatlassian mockokta; do
	ref=provsim/$c:${PROVSIM_TAG:-dev}
	title=$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.title"}}' "$ref") || fail "$ref: no image"
	[ "$title" = "$c" ] || fail "$ref: title label $title"
	# --version in the image says what its labels say.
	label() { docker image inspect -f "{{index .Config.Labels \"org.opencontainers.image.$1\"}}" "$ref"; }
	v=$(docker run --rm "$ref" --version) || fail "$ref --version"
	grep -qx "commit: $(label revision)" <<<"$v" || fail "$ref: --version says '$v', the revision label $(label revision)"
	[ "$(label version)" = unknown ] || grep -qx "$c $(label version)" <<<"$v" || fail "$ref: --version says '$v', the version label $(label version)"
	echo "docker-only: $ref, $(docker image inspect -f '{{.Size}}' "$ref") bytes: $(head -n2 <<<"$v" | tr '\n' ' ')"
done

# The log says where the servers are, at the published addresses, and the
# README's credentials work there.
okta=http://127.0.0.1:$PROVSIM_OKTA_PORT
atl=http://127.0.0.1:$PROVSIM_ATLASSIAN_PORT
scim=$atl/scim/directory/dev-directory
sleep 1 # the start-up lines may trail the health check by a moment
grep -F "($okta)" "$log" | grep -q "mockokta listening on http://" || fail "the log does not say where mockokta is ($okta)"
grep -qF "admin console:  $okta/admin/" "$log" || fail "the log does not say where mockokta's console is ($okta/admin/)"
grep -qF "SCIM base URL:      $scim" "$log" || fail "the log does not say where the SCIM directory is ($scim)"
grep -qF "admin console:      $atl/console/" "$log" || fail "the log does not say where mockatlassian's console is ($atl/console/)"
for console in "$okta/admin/" "$atl/console/"; do
	code=$(curl -sS -L -o /dev/null -w '%{http_code}' "$console") || fail "curl $console"
	[ "$code" = 200 ] || fail "GET $console: $code"
done
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: SSWS dev-okta-token' "$okta/api/v1/apps") || fail "curl $okta"
[ "$code" = 200 ] || fail "GET $okta/api/v1/apps: $code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer dev-scim-key' "$scim/Users?startIndex=1&count=2") || fail "curl $scim"
[ "$code" = 200 ] || fail "GET $scim/Users: $code"
echo "docker-only: the log names $okta, $scim and both consoles; they answer, with the README's credentials"

# The saml-wiring service set up single sign-on at the published addresses.
for _ in $(seq 60); do
	grep -q "SAML single sign-on: Atlassian Cloud .* signs in to $atl/saml/" "$log" && break
	sleep 0.5
done
grep "SAML single sign-on: " "$log" | grep -q "signs in to $atl/saml/" || fail "the log does not say that SAML single sign-on is wired ($atl)"
echo "docker-only: saml-wiring: $(grep -o 'SAML single sign-on: .*' "$log" | head -n1)"

# Ctrl-C, then the README's second block.
kill -INT -- "-$upid"
wait "$upid" 2>/dev/null || true
upid=
echo "docker-only: Ctrl-C; running the README's second block:"
sed 's/^/    /' <<<"$stop_block"
(cd "$work/provsim" && env -u GOROOT -u GOPATH PATH="$path" bash -euo pipefail -c "$stop_block") >>"$log" 2>&1 || fail "the second block failed"
[ -z "$(project_ids)" ] || fail "containers left after the second block"
[ -z "$(docker volume ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")" ] || fail "volumes left after the second block"
echo "docker-only: PASS"
