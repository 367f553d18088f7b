#!/usr/bin/env bash
# Builds a Go builder image from this machine's Go toolchain, for machines
# that cannot pull golang:<version> (CI here): the Dockerfile's build stage
# then runs on it instead of the official image.
#
#   docker/go-builder.sh [TAG]     # default provsim/go-builder:local
#   PROVSIM_GO_IMAGE=provsim/go-builder:local docker compose up --build
#
# The image holds what docker/Dockerfile's build stage uses: GOROOT at
# /usr/local/go (as in the official image), /bin/sh and the few tools the
# stage calls (mkdir, cp, touch) with their shared libraries, and the CA
# certificates to reach the Go module proxy. Nothing is pulled.
set -euo pipefail
tag=${1:-provsim/go-builder:local}
goroot=$(go env GOROOT)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/tmp" "$stage/root" "$stage/etc/ssl/certs"
chmod 1777 "$stage/tmp"

# A tool and the shared libraries it loads, at the paths the loader expects.
add() {
	local bin=$1 as=$2 lib
	cp -L "$(command -v "$bin")" "$stage/bin/$as"
	for lib in $(ldd "$(command -v "$bin")" | grep -o '/[^ ]*'); do
		[ -e "$stage$lib" ] || cp -L --parents "$lib" "$stage"
	done
}
add sh sh
add mkdir mkdir
add cp cp
add touch touch
cp -L /etc/ssl/certs/ca-certificates.crt "$stage/etc/ssl/certs/"

cat >"$stage/Dockerfile" <<'EOF'
FROM scratch
COPY . /
ENV PATH=/usr/local/go/bin:/go/bin:/bin GOPATH=/go GOTOOLCHAIN=local HOME=/root
WORKDIR /go
EOF

# GOROOT goes in as usr/local/go, whatever its path here.
tar -C "$stage" -cf - . -C "$(dirname "$goroot")" \
	--transform "s,^$(basename "$goroot")\(/\|\$\),usr/local/go\1," "$(basename "$goroot")" |
	docker build -q -t "$tag" - >/dev/null
echo "$tag: $("$goroot/bin/go" version | cut -d' ' -f3) from $goroot"
