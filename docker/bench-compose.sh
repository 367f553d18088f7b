#!/usr/bin/env bash
# Time from `compose up` to both servers healthy, and to SAML single sign-on
# wired (the saml-wiring one-shot service exited 0: what `docker/compose.sh
# up` waits for before it returns), with the images built (make images
# first). Runs N times (default 5) with its own project and ports
# (provsim-bench, 28080 and 28081) and prints each run's two times and the
# medians.
#
#   docker/bench-compose.sh [N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export COMPOSE_PROJECT_NAME=provsim-bench PROVSIM_OKTA_PORT=28080 PROVSIM_ATLASSIAN_PORT=28081
n=${1:-5}
trap '"$here/compose.sh" down >/dev/null 2>&1 || true' EXIT
"$here/compose.sh" down >/dev/null 2>&1 || true
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
healthy=() wired=()
for i in $(seq 1 "$n"); do
	out=$("$here/compose.sh" up 2>&1) || { printf '%s\n' "$out" >&2; echo "bench-compose: run $i failed" >&2; exit 1; }
	h=$(printf '%s\n' "$out" | sed -n 's/.*healthy \([0-9.]*\)s after compose up.*/\1/p')
	w=$(printf '%s\n' "$out" | sed -n 's/.*sign-on wired \([0-9.]*\)s after compose up.*/\1/p')
	[ -n "$h" ] || { printf '%s\n' "$out" >&2; echo "bench-compose: run $i did not come up healthy" >&2; exit 1; }
	[ -n "$w" ] || { printf '%s\n' "$out" >&2; echo "bench-compose: run $i: SAML single sign-on was not wired" >&2; exit 1; }
	healthy+=("$h") wired+=("$w")
	echo "run $i: up -> both healthy in ${h}s, SAML wired in ${w}s"
	"$here/compose.sh" down >/dev/null 2>&1
done
range() { printf '%s\n' "$@" | sort -n | sed -n '1p;$p' | paste -sd- -; }
version=$("$here/compose.sh" version --short 2>/dev/null)
echo "compose up -> both healthy: median $(printf '%s\n' "${healthy[@]}" | median)s ($(range "${healthy[@]}") s) over $n runs (Compose $version)"
echo "compose up -> SAML wired:   median $(printf '%s\n' "${wired[@]}" | median)s ($(range "${wired[@]}") s) over $n runs (Compose $version)"
