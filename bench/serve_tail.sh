#!/usr/bin/env bash
# The int8 serving tail, configuration by configuration: runs `recurrent
# bench serve --int8` with the server's default threads and --server-threads
# 1, the load generator on all cores and on one (--client-procs 1), in
# alternating order, PASSES times, and prints each run's int8 summary
# (clients' and server-side gaps, run-queue waits, CPU per token, ratios)
# beside the load average. Bounded: each run is a few seconds of loopback
# traffic and stops by itself. Usage: bench/serve_tail.sh [PASSES] [extra
# bench serve flags, e.g. --server /tmp/bin/old].
set -euo pipefail
cd "$(dirname "$0")/.."
passes=${1:-2}
shift || true
bin=$(mktemp -d)/recurrent
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/recurrent
for pass in $(seq "$passes"); do
	for cfg in "--server-threads 0 --client-procs 0" "--server-threads 1 --client-procs 0" \
		"--server-threads 0 --client-procs 1" "--server-threads 1 --client-procs 1"; do
		echo "== pass $pass: $cfg; $(date -u +%H:%M:%S) UTC; $(uptime | sed 's/.*load/load/')"
		# shellcheck disable=SC2086 # cfg holds several flags
		"$bin" bench serve --int8 --requests 4 --length 500 --queries 10 --words 1000 --rounds 3 $cfg "$@" |
			sed -n '/^  int8 model:/,/server-side p99/p'
	done
done
