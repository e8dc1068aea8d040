#!/usr/bin/env bash
# Quality run (issue 4): PTB word-level LSTM, the "small" configuration of
# Zaremba et al. 2014 (2 layers x 200, 20 steps, batch 20, SGD lr 1 halved
# after each epoch from epoch 4 on, global-norm clip 5, 13 epochs, uniform
# init 0.1, no dropout); their test perplexity: 114.5. The data
# (/work/shared/data/ptb, Mikolov's pre-tokenized split with <unk> and a
# 10k vocabulary) is read in place, never copied into the repo.
# Loss scaling: Zaremba's code (and TensorFlow's PTB tutorial) minimize the
# loss summed over the 20 time steps and averaged over the batch; ours is the
# mean over all T*B tokens, a gradient T = 20 times smaller. Plain SGD with
# lr 1 and clip 5 on the sum is exactly SGD with lr 20 and clip 5/20 = 0.25
# on the mean (clip(T*g, 5) = T*clip(g, 5/T)), so those are the flags.
# Long: ~15 min per epoch on 2 loaded cores. Resumable: rerunning with the
# same OUT continues from the last checkpoint (saved every 500 steps).
# Usage: bench/lm_ptb.sh   Environment: DATA (default /work/shared/data/ptb),
# OUT (checkpoint directory, default /tmp/ptb_small), THREADS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DATA:-/work/shared/data/ptb}
out=${OUT:-/tmp/ptb_small}
threads=${THREADS:-2}
bin=$(mktemp -d)/recurrent
go build -o "$bin" ./cmd/recurrent
cmd=("$bin" lm train --train "$data/ptb.train.txt" --valid "$data/ptb.valid.txt" --test "$data/ptb.test.txt"
	--tokenizer whitespace --cell lstm --layers 2 --hidden 200 --embed 200 --bptt 20 --batch 20
	--optimizer sgd --lr 20 --lr-decay 0.5 --lr-decay-start 4 --clip 0.25 --epochs 13 --init-range 0.1
	--seed 1 --threads "$threads" --checkpoint-every 500 --json --out "$out")
if [ -f "$out/state.json" ]; then
	cmd+=(--resume)
fi
echo "${cmd[*]}" >&2
/usr/bin/time -f 'wall %e s, max RSS %M KiB' "${cmd[@]}"
