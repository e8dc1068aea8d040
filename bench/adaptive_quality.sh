#!/usr/bin/env bash
# Validation perplexity of adaptive vs full softmax at equal epochs (issue 15, part 1):
# a word-level LSTM LM on a contiguous slice of wiki17m, vocabulary (min-count 5, 68,351 entries
# with <unk> and <eos>) counted over the FULL corpus, both runs started together with identical flags
# except the output layer. Data is read in place from ../shared; nothing is copied into the repo.
#
#   bench/adaptive_quality.sh [WORKDIR]        (default /tmp/adaptive_quality)
#
# Environment (defaults in brackets): DATA [../shared/data/wiki17m], BIN [build ./cmd/recurrent],
# TRAIN_LINES [40] (the first articles of part00; "all": the whole corpus but the validation articles),
# VALID_LINES [10] (the last articles of part09), SEQUENTIAL [0] (1: the full-softmax run after the
# adaptive one, each with the whole machine, instead of both at once),
# EPOCHS [3], HIDDEN [128], EMBED [128], LAYERS [1], BATCH [32], BPTT [35], DROPOUT [0.2],
# CUTOFFS [4000,20000] and DIV [4] as in the speed benchmark, THREADS [2] per run, EVAL_EVERY [0]
# (N: also validate every N steps; the comparison below then pairs the runs' validations in order),
# CHECKPOINT_EVERY [0] (N: save every N steps, so that the same command resumes a killed run exactly),
# ONLY [both] (full or adaptive: that run alone, for a comparison whose other side is already in WORKDIR).
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-/tmp/adaptive_quality}
DATA=${DATA:-../shared/data/wiki17m}
TRAIN_LINES=${TRAIN_LINES:-40} VALID_LINES=${VALID_LINES:-10} EPOCHS=${EPOCHS:-3}
HIDDEN=${HIDDEN:-128} EMBED=${EMBED:-128} LAYERS=${LAYERS:-1} BATCH=${BATCH:-32} BPTT=${BPTT:-35}
DROPOUT=${DROPOUT:-0.2} CUTOFFS=${CUTOFFS:-4000,20000} DIV=${DIV:-4} THREADS=${THREADS:-2}
mkdir -p "$W"
BIN=${BIN:-}
if [ -z "$BIN" ]; then BIN=$W/recurrent; go build -o "$BIN" ./cmd/recurrent; fi
parts=$(ls "$DATA"/wiki17m.part*.txt.gz | paste -sd,)

# Vocabulary over the whole corpus, with the specials lm train uses for whitespace tokens.
"$BIN" vectors vocab --corpus "$parts" --tokenizer whitespace --eos '<eos>' --specials '<unk>,<eos>' \
	--min-count 5 --out "$W/vocab.txt" --json
# Training: the first TRAIN_LINES articles (one per line) of part00; validation: the last
# VALID_LINES articles of part09 (the end of the corpus, disjoint from the training slice).
if [ "$TRAIN_LINES" = all ]; then
	for f in "$DATA"/wiki17m.part*.txt.gz; do
		if [ "$f" = "$DATA/wiki17m.part09.txt.gz" ]; then gunzip -c "$f" | head -n "-$VALID_LINES"; else gunzip -c "$f"; fi
	done >"$W/train.txt"
else
	gunzip -c "$DATA/wiki17m.part00.txt.gz" | head -n "$TRAIN_LINES" >"$W/train.txt" || true
fi
gunzip -c "$DATA/wiki17m.part09.txt.gz" | tail -n "$VALID_LINES" >"$W/valid.txt"
echo "train words: $(wc -w <"$W/train.txt")  valid words: $(wc -w <"$W/valid.txt")"

run() { # name extra-flags...
	local name=$1
	shift
	if [ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ]; then return; fi
	# A run killed after a checkpoint resumes where it stopped; otherwise it starts again.
	local again=(--overwrite)
	if [ -f "$W/$name/state.json" ]; then again=(--resume); else : >"$W/$name.log"; fi
	(
		"$BIN" lm train --train "$W/train.txt" --valid "$W/valid.txt" --vocab "$W/vocab.txt" \
			--tokenizer whitespace --layers "$LAYERS" --hidden "$HIDDEN" --embed "$EMBED" \
			--batch "$BATCH" --bptt "$BPTT" --dropout "$DROPOUT" --lr 0.002 --clip 1 --seed 1 \
			--epochs "$EPOCHS" --threads "$THREADS" --eval-every "${EVAL_EVERY:-0}" --out "$W/$name" --checkpoint-every "${CHECKPOINT_EVERY:-0}" "${again[@]}" --json "$@" \
			>"$W/$name.json" 2> >(stdbuf -o0 tr '\r' '\n' | while IFS= read -r l; do
				printf '%(%s)T %s\n' -1 "$l"
			done | grep --line-buffered ' step ' >>"$W/$name.log")
	) &
}
echo "start $(date -u +%T)  $(uptime)"
start=$(date +%s)
if [ "${SEQUENTIAL:-0}" = 1 ]; then
	run adaptive --adaptive-softmax "$CUTOFFS" --div-value "$DIV"
	wait
	run full
else
	run full
	run adaptive --adaptive-softmax "$CUTOFFS" --div-value "$DIV"
fi
wait
echo "end $(date -u +%T)  $(uptime)  ($(($(date +%s) - start)) s)"

# Per-epoch figures: each run's validation lines (train loss is the epoch's mean, with dropout;
# perplexity = exp(valid loss); the leading number is the Unix time the line was printed).
for name in full adaptive; do
	echo "== $name ($(grep -o '"tokens_per_sec": [0-9.]*' "$W/$name.json" || echo unfinished))"
	grep 'valid loss' "$W/$name.log" || true
done
# adaptive / full validation perplexity, validation by validation (one per epoch without EVAL_EVERY).
paste <(grep -o 'perplexity [0-9.]*' "$W/full.log" | cut -d' ' -f2) \
	<(grep -o 'perplexity [0-9.]*' "$W/adaptive.log" | cut -d' ' -f2) |
	awk -F'\t' 'NF == 2 && $1 != "" && $2 != "" { r = $2 / $1; printf "validation %d  valid ppl full %.1f  adaptive %.1f  adaptive/full %.4f  %s\n", NR, $1, $2, r, (r <= 1.05 ? "ok: adaptive at most 5% worse" : "adaptive MORE than 5% worse") }'
