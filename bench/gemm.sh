#!/usr/bin/env bash
# Side-by-side GEMM benchmark: recurrent bench gemm vs numpy (OpenBLAS).
# Writes the GEMM section of BENCHMARKS.md. Extra arguments go to gemm.py
# (e.g. --quick, --duration 0.5, --rounds 1).
set -euo pipefail
cd "$(dirname "$0")/.."
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, set on this machine, hold the
# peers' OpenBLAS (numpy, PyTorch, gensim) to older kernels; recurrent does
# not use OpenBLAS, so the whole script runs without them.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

# The peer: numpy on OpenBLAS (install if missing).
if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null || ! ls /usr/lib/x86_64-linux-gnu/libopenblas*.so* >/dev/null 2>&1; then
	if [ "$(id -u)" -eq 0 ]; then
		apt-get install -y python3-numpy libopenblas-dev
	else
		sudo apt-get install -y python3-numpy libopenblas-dev
	fi
fi

bin=$(mktemp -d)/recurrent
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/recurrent
/usr/bin/python3 bench/gemm.py --binary "$bin" --out BENCHMARKS.md "$@"
