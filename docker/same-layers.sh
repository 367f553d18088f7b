#!/usr/bin/env bash
# The two ways of building provsim's images make the same images: builds
# them the fast way (make images: host Go toolchain, docker/Dockerfile's
# final stages) under a throwaway tag and compares every layer with the
# images under PROVSIM_TAG (default dev), which compose built through
# docker/Dockerfile's Go build stage (run by .ci/run after it). Both must
# come from the same commit (PROVSIM_REVISION), as in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${PROVSIM_TAG:-dev}
check=same-layers-$$
trap 'for c in mockatlassian mockokta harness; do docker image rm -f "provsim/$c:$check" >/dev/null 2>&1 || true; done' EXIT
go run docker/images.go -tag "$check"
status=0
for c in mockatlassian mockokta harness; do
	want=$(docker image inspect -f '{{json .RootFS.Layers}}' "provsim/$c:$tag")
	got=$(docker image inspect -f '{{json .RootFS.Layers}}' "provsim/$c:$check")
	if [ "$want" = "$got" ]; then
		echo "same-layers: provsim/$c: the same $(grep -o sha256 <<<"$want" | wc -l) layers both ways"
	else
		echo "same-layers: FAIL: provsim/$c:$tag has layers $want, make images made $got" >&2
		status=1
	fi
done
exit $status
