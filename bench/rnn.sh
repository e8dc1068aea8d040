#!/usr/bin/env bash
# Side-by-side recurrent language-model benchmark: `recurrent bench rnn` vs
# PyTorch (bench/rnn_torch.py), training steps and batch-1 sampling, with
# peak RSS. Writes the "Recurrent networks" section of BENCHMARKS.md.
# Extra arguments go to bench/rnn_bench.py (e.g. --quick, --seconds 4,
# --rounds 3, --only 'train LSTM', --out '' to print only; --int8 [--int8-models
# lstm=DIR,gru=DIR --int8-valid FILE] for the "Int8 inference" section).
set -euo pipefail
cd "$(dirname "$0")/.."

# The peer: PyTorch CPU from Debian (install if missing).
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	if [ "$(id -u)" -eq 0 ]; then
		apt-get install -y python3-torch
	else
		sudo apt-get install -y python3-torch
	fi
fi

# The peer runs the OpenBLAS kernels it picks for this CPU: these variables
# (set on this machine) would hold it to older ones.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

bin=$(mktemp -d)/recurrent
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/recurrent
/usr/bin/python3 bench/rnn_bench.py --binary "$bin" --out BENCHMARKS.md "$@"
