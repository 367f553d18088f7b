#!/usr/bin/env bash
# Removes the images this repository makes (make clean-images):
# provsim/mockatlassian, provsim/mockokta and provsim/harness at PROVSIM_TAG
# (default dev), built by `make images` or by compose, and the builder image
# docker/go-builder.sh made, PROVSIM_GO_IMAGE (default
# provsim/go-builder:local; only a provsim/ image: an official Go image
# named there is left alone).
#
# Only those references are removed (docker rmi): layers that other images
# share stay, and nothing else is pruned. An image that a container still
# uses is not removed: `make compose-down` first. Images that are not there
# are skipped, so running it twice is fine.
set -euo pipefail
tag=${PROVSIM_TAG:-dev}
builder=${PROVSIM_GO_IMAGE:-provsim/go-builder:local}
refs=(provsim/mockatlassian:"$tag" provsim/mockokta:"$tag" provsim/harness:"$tag")
case $builder in
provsim/*) refs+=("$builder") ;;
*) echo "clean-images: keeping $builder (PROVSIM_GO_IMAGE): not an image docker/go-builder.sh made" ;;
esac

status=0
for ref in "${refs[@]}"; do
	if ! docker image inspect "$ref" >/dev/null 2>&1; then
		echo "clean-images: $ref: not there"
		continue
	fi
	# A reference other tags share is only untagged; the last one is
	# refused while a container uses it.
	if out=$(docker rmi "$ref" 2>&1); then
		echo "clean-images: removed $ref"
	else
		echo "clean-images: $ref: kept: $out" >&2
		echo "clean-images: stop and remove its containers first (make compose-down)" >&2
		status=1
	fi
done
exit $status
