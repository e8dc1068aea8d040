#!/usr/bin/env bash
# Quality run (issue 4): character-level LSTM on dinosaur names
# (/work/shared/data/dinos/dinos.txt, one name per line; never copied into the
# repo). The names are sorted alphabetically, so they are shuffled with a
# fixed seed before the split (last 10% validation) and lowercased. Prints
# the training summary (validation loss in nats/char, bits/char) and 10
# samples, one name each (sampling stops at the end of the line).
# Usage: bench/lm_dinos.sh [EPOCHS]   (default 40, early stopping patience 5)
# Environment: DATA, THREADS (default 2), KEEP=DIR keeps the checkpoint there.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-40}
data=${DATA:-/work/shared/data/dinos/dinos.txt}
threads=${THREADS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/recurrent" ./cmd/recurrent
awk 'BEGIN { srand(1) } NF { printf "%.12f\t%s\n", rand(), $0 }' "$data" | sort -k1,1 | cut -f2- >"$tmp/shuffled.txt"
n=$(wc -l <"$tmp/shuffled.txt")
ntrain=$((n - n / 10))
head -n "$ntrain" "$tmp/shuffled.txt" >"$tmp/train.txt"
tail -n +"$((ntrain + 1))" "$tmp/shuffled.txt" >"$tmp/valid.txt"
ck=${KEEP:-$tmp/ck}
cmd=("$tmp/recurrent" lm train --train "$tmp/train.txt" --valid "$tmp/valid.txt" --level char --lower
	--cell lstm --layers 2 --embed 32 --hidden 128 --dropout 0.1 --bptt 32 --batch 16 --optimizer adam
	--lr 3e-3 --clip 5 --epochs "$epochs" --patience 5 --seed 1 --threads "$threads" --out "$ck" --json)
echo "train: $((ntrain)) names, valid: $((n - ntrain)) names" >&2
echo "${cmd[*]}" >&2
/usr/bin/time -f 'wall %e s, max RSS %M KiB' "${cmd[@]}"
"$tmp/recurrent" lm sample --model "$ck/best.safetensors" --num 10 --seed 1 --stop-at-eos --length 30 --json
