#!/usr/bin/env bash
# Quality run (issue 15, part 1): PTB word-level LSTM, the "medium"
# configuration of Zaremba et al. 2014: 2 layers x 650, 35 steps, batch 20,
# dropout 0.5 on the non-recurrent connections, uniform init 0.05, SGD lr 1
# for 6 epochs then divided by 1.2 after each epoch, global-norm clip 5,
# 39 epochs; their test perplexity: 82.7 (valid 86.2).
# Loss scaling as in bench/lm_ptb.sh: their loss is summed over the 35 steps,
# ours is the per-token mean, so lr 1 / clip 5 on the sum is lr 35 / clip 5/35
# on the mean.
# Long: hours. Resumable: rerunning with the same OUT continues from the last
# checkpoint (saved every 200 steps), so the run can span several sittings.
# Usage: bench/lm_ptb_medium.sh   Environment: DATA (default
# /work/shared/data/ptb), OUT (default /tmp/ptb_medium), THREADS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DATA:-/work/shared/data/ptb}
out=${OUT:-/tmp/ptb_medium}
threads=${THREADS:-2}
bin=$(mktemp -d)/recurrent
go build -o "$bin" ./cmd/recurrent
cmd=("$bin" lm train --train "$data/ptb.train.txt" --valid "$data/ptb.valid.txt" --test "$data/ptb.test.txt"
	--tokenizer whitespace --cell lstm --layers 2 --hidden 650 --embed 650 --bptt 35 --batch 20
	--dropout 0.5 --optimizer sgd --lr 35 --lr-decay 0.833333 --lr-decay-start 6 --clip 0.142857
	--epochs 39 --init-range 0.05 --seed 1 --threads "$threads" --checkpoint-every 200 --json --out "$out")
if [ -f "$out/state.json" ]; then
	cmd+=(--resume)
fi
echo "${cmd[*]}" >&2
/usr/bin/time -f 'wall %e s, max RSS %M KiB' "${cmd[@]}"
