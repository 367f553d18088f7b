#!/usr/bin/env bash
# Time from `compose up` to both servers healthy, with the images built
# (make images first). Runs N times (default 5) with its own project and
# ports (provsim-bench, 28080 and 28081) and prints each time and the median.
#
#   docker/bench-compose.sh [N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export COMPOSE_PROJECT_NAME=provsim-bench PROVSIM_OKTA_PORT=28080 PROVSIM_ATLASSIAN_PORT=28081
n=${1:-5}
trap '"$here/compose.sh" down >/dev/null 2>&1 || true' EXIT
"$here/compose.sh" down >/dev/null 2>&1 || true
times=()
for i in $(seq 1 "$n"); do
	t=$("$here/compose.sh" up 2>/dev/null | sed -n 's/.*healthy \([0-9.]*\)s after compose up.*/\1/p')
	[ -n "$t" ] || { echo "bench-compose: run $i did not come up healthy" >&2; exit 1; }
	times+=("$t")
	echo "run $i: up -> both healthy in ${t}s"
	"$here/compose.sh" down >/dev/null 2>&1
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
echo "compose up -> both healthy: median ${median}s over $n runs (Compose $("$here/compose.sh" version --short 2>/dev/null))"
