#!/usr/bin/env bash
# Runs every fuzz target of the module (every `func FuzzX(f *testing.F)` in
# a _test.go file outside beam/) for the given time each, one after the
# other, and prints one line per target: package, target, execs, new
# interesting inputs, result. Exits non-zero if any target fails (a crash,
# a hang, a failing seed); the failing input is then in the package's
# testdata/fuzz/FuzzX directory, ready to commit as a regression seed.
#
#   bench/fuzz.sh [TIME] [REGEXP]     TIME per target (default 60s; Go
#                                     duration or Nx), REGEXP filters
#                                     "pkg.FuzzX" names
#
# New inputs are minimized for at most 1s: the default 60s per input made
# the fuzzer sit at 0 execs/s for minutes on long inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:-60s}
filter=${2:-.}
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

targets=$(grep -rlE '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' --include='*_test.go' . |
	grep -v '^\./beam/' | sort | while read -r file; do
	pkg=$(dirname "$file")
	grep -oE '^func Fuzz[A-Za-z0-9_]*' "$file" | sed "s|^func |$pkg |"
done)

failed=0
total=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
printf '%-16s %-24s %12s %8s  %s\n' package target execs new result
while read -r pkg name; do
	[ -n "$pkg" ] || continue
	echo "$pkg.$name" | grep -qE -- "$filter" || continue
	total=$((total + 1))
	if go test "$pkg" -run '^$' -fuzz "^$name\$" -fuzztime "$time" -fuzzminimizetime 1s >"$log" 2>&1; then
		result=ok
	elif grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input' "$log"; then
		# Go's fuzzer sometimes reports its own -fuzztime deadline passing
		# during a minimization as a failure, with no failing input.
		result='ok (deadline)'
	else
		result=FAIL
		failed=$((failed + 1))
	fi
	last=$(grep -E '^fuzz: elapsed' "$log" | tail -1 || true)
	execs=$(echo "$last" | sed -nE 's/.*execs: ([0-9]+).*/\1/p')
	new=$(echo "$last" | sed -nE 's/.*new interesting: ([0-9]+).*/\1/p')
	printf '%-16s %-24s %12s %8s  %s\n' "${pkg#./}" "$name" "${execs:-?}" "${new:-?}" "$result"
	if [ "$result" = FAIL ]; then
		grep -vE '^fuzz: elapsed' "$log" | head -30 | sed 's/^/    /'
	fi
done <<<"$targets"
echo "$total targets, $failed failed, $time each; load: $(uptime | sed 's/.*load average: //')"
[ "$failed" -eq 0 ]
