#!/usr/bin/env bash
# Runs every fuzz target of the module (any `func FuzzXxx` in a _test.go
# file) for a short budget each, FUZZTIME (default 10s), and exits non-zero
# when one fails. go test writes a failing input under the package's
# testdata/fuzz/<FuzzName>/: commit it with the fix, and plain `go test`
# replays it from then on. The first run compiles every package with fuzzing
# instrumentation, which takes a few minutes (the Okta SDK is large).
#
#   .ci/fuzz.sh                  # every target, 10s each
#   FUZZTIME=60s .ci/fuzz.sh     # longer
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-10s}
status=0
for dir in $(go list -f '{{.Dir}}' ./...); do
	targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u || true)
	for target in $targets; do
		pkg=./${dir#"$PWD"/}
		echo "== $pkg $target ($fuzztime)"
		if ! out=$(go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" 2>&1); then
			echo "$out"
			# Go's fuzzer can end a short run with "context deadline exceeded"
			# when the budget runs out mid-coordination; that is not a finding.
			# A real finding always writes its failing input.
			if grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
				echo "note: $pkg $target: the budget ran out mid-run (no failing input); not a failure"
				continue
			fi
			echo "FAIL: $pkg $target" >&2
			status=1
		else
			tail -1 <<<"$out"
		fi
	done
done
exit $status
