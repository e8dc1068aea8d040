#!/usr/bin/env bash
# Side-by-side word-embedding benchmark on wiki17m: recurrent vs fastText
# (Debian package) vs gensim 4 (Debian python3-gensim), same settings for all:
# dim 100, window 5, negative 5, min-count 5, sample $SAMPLE, $EPOCHS epochs,
# $THREADS threads. Measures the whole command with /usr/bin/time -v (wall
# clock, user+sys CPU, peak RSS) and evaluates every output with the same
# code (Google analogies restricted to the 30k most frequent words, WS-353
# Spearman; `recurrent vectors eval`, gensim-exact). Then GloVe (ours only): window 10,
# x_max 100, 15 iterations, dim 100.
#
# usage: bench/vectors.sh   (env: EPOCHS METHODS TOOLS GLOVE WORK ALPHA REPEAT REC_FLAGS REC_NAME CORPUS
#                            SEED GENSIM_WORKERS)
# ALPHA (default 0.025, gensim's and word2vec.c's) is given to every tool.
# REC_FLAGS adds flags to recurrent's command (e.g. --share-negatives=false
# for the per-pair path instead of the batched default) and
# REC_NAME names that row; REPEAT runs every tool that many times in turn
# (ours then the peers, back to back) to show the noise. CORPUS replaces the
# whole of wiki17m by another plain-text file (e.g. a slice for 5 epochs).
# SEED (default 1) seeds recurrent and gensim (fastText has no seed option).
# GENSIM_WORKERS (default THREADS) sets gensim's workers on its own: with
# corpus_file, W workers each decay the rate only to about alpha/W per epoch
# (BENCHMARKS.md), so GENSIM_WORKERS=1 gives gensim the linear decay to ~0
# that recurrent, word2vec.c and gensim's iterable mode use; such rows are
# named gensim-w1 (gensim-wN in general).
# Start-up (process start to the first training step) and seconds per epoch
# are measured separately: recurrent's non-tty progress lines are stamped
# with the time they arrive (the first "train" line comes within one 250 ms
# progress tick of training's start; start-up is overstated by at most that) and
# its summary gives the seconds until training ended; gensim's script times
# its vocabulary pass and every epoch itself (bench/vectors_gensim.py).
# CPU seconds of the start-up are taken at the same moment: gensim's
# process_time() after the vocabulary pass; for recurrent, its process's
# utime+stime (/proc) read when the first "train" line arrives. CPU seconds
# per epoch = (whole-run CPU - start-up CPU) / epochs (output writing
# included, a second or two).
# Results: $WORK/results.tsv, one line per run, with `uptime`'s load.
set -euo pipefail
cd "$(dirname "$0")/.."
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, set on this machine, hold the
# peers' OpenBLAS (numpy, PyTorch, gensim) to older kernels; recurrent does
# not use OpenBLAS, so the whole script runs without them.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
DATA=${DATA:-/work/shared/data/wiki17m}
WORK=${WORK:-/tmp/vectors-bench}
EPOCHS=${EPOCHS:-5}
THREADS=${THREADS:-2}
SAMPLE=${SAMPLE:-1e-4}
METHODS=${METHODS-"skipgram cbow"}
TOOLS=${TOOLS-"recurrent fasttext gensim"}
GLOVE=${GLOVE:-1}
GLOVE_ITER=${GLOVE_ITER:-15}
ALPHA=${ALPHA:-0.025}
REPEAT=${REPEAT:-1}
REC_FLAGS=${REC_FLAGS:-}
REC_NAME=${REC_NAME:-recurrent}
SEED=${SEED:-1}
GENSIM_WORKERS=${GENSIM_WORKERS:-$THREADS}
GENSIM_NAME=gensim
[ "$GENSIM_WORKERS" = "$THREADS" ] || GENSIM_NAME=gensim-w$GENSIM_WORKERS
PY=/usr/bin/python3
# Evaluation: `recurrent vectors eval` (gensim-exact: same numbers as
# bench/vectors_eval.py, which EVAL=gensim uses instead, ~100x slower).
EVAL=${EVAL:-recurrent}
ANALOGY=/work/shared/data/analogy/questions-words.txt
WS353=/work/shared/data/similarity/wordsim353.tsv
mkdir -p "$WORK"

go build -o "$WORK/recurrent" ./cmd/recurrent
if [ -z "${CORPUS:-}" ]; then
	CORPUS="$WORK/wiki17m.txt"
fi
if [ ! -s "$CORPUS" ]; then
	cat "$DATA"/wiki17m.part*.txt.gz | gunzip >"$CORPUS.tmp" && mv "$CORPUS.tmp" "$CORPUS"
fi
TOKENS=$(wc -w <"$CORPUS")
RESULTS="$WORK/results.tsv"
[ -s "$RESULTS" ] || printf 'tool\tmethod\tepochs\twall_s\tcpu_s\tpeak_rss_mb\twords_per_s\tcpu_words_per_s\tanalogy\tws353\tload\tstartup_s\tepoch_s\talpha\tseed\tstartup_cpu_s\tepoch_cpu_s\tload_end\n' >"$RESULTS"

# stamp [PATTERN]: prefix every line of standard input with the time it
# arrived; at the first "train" line, add a "cpu SECONDS" line with the CPU
# time so far (utime+stime from /proc, read without forking) of the newest
# process whose command line matches PATTERN, found at the first line.
stamp() {
	local line pat=${1:-} pid= st f tck
	tck=$(getconf CLK_TCK)
	while IFS= read -r line; do
		printf '%s %s\n' "$EPOCHREALTIME" "$line"
		[ -n "$pat" ] || continue
		[ -n "$pid" ] || pid=$(pgrep -n -f "$pat" || echo none)
		if [[ $line == train* ]]; then
			if [ "$pid" != none ] && read -r st <"/proc/$pid/stat"; then
				read -ra f <<<"${st##*) }" # f[11] utime, f[12] stime (after "(comm) ")
				printf '%s cpu %d.%02d\n' "$EPOCHREALTIME" $(((f[11] + f[12]) / tck)) $(((f[11] + f[12]) % tck * 100 / tck))
			fi
			pat=
		fi
	done
}

# phases NAME EPOCHS LOG T0: prints "startup_s<TAB>epoch_s<TAB>startup_cpu_s"
# from a stamped log.
phases() {
	local name=$1 epochs=$2 log=$3 t0=$4
	case $name in
	gensim*)
		grep -o 'timings {.*}' "$log" | sed 's/^timings //' |
			$PY -c 'import json,sys; d=json.load(sys.stdin); e=d["epoch_s"]; print("%.1f\t%.2f\t%s" % (d["startup_s"], sum(e)/len(e), d.get("startup_cpu_s", "-")))'
		;;
	fasttext) printf -- '-\t-\t-\n' ;;
	*)
		# The first "train" progress line arrives when training starts; the
		# summary's seconds run from the command's start to training's end.
		awk -v t0="$t0" -v e="$epochs" '
			$2 == "train" && !s { s = $1 - t0 }
			$2 == "cpu" && cpu == "" { cpu = $3 }
			/ words, vocabulary / { if (match($0, /, [0-9.]+s \(/)) secs = substr($0, RSTART + 2, RLENGTH - 4) }
			END { printf "%.1f\t%.2f\t%s\n", s, (secs - s) / e, cpu == "" ? "-" : cpu }' "$log"
		;;
	esac
}

# measure NAME METHOD EPOCHS OUT CMD...: time CMD, evaluate OUT, append a line.
measure() {
	local name=$1 method=$2 epochs=$3 out=$4
	shift 4
	local run=$name-$method-s$SEED-r$rep
	local tf="$WORK/$run.time" log="$WORK/$run.log" load t0
	load=$(cut -d' ' -f1 /proc/loadavg)
	echo "== $name $method: $*" >&2
	echo "   $(uptime)" >&2
	t0=$EPOCHREALTIME
	/usr/bin/time -v -o "$tf" "$@" 2>&1 | stamp "^$1 vectors train " >"$log"
	local wall cpu rss
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$tf")
	cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$tf")
	rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$tf")
	local ev
	if [ "$EVAL" = gensim ]; then
		ev=$($PY bench/vectors_eval.py "$out" | cut -f2,3)
	else
		ev=$("$WORK/recurrent" vectors eval --vectors "$out" --analogy "$ANALOGY" --similarity "$WS353" --json --quiet |
			$PY -c 'import json,sys; d=json.load(sys.stdin); print("%.4f\t%.4f" % (d["analogy"]["total"], d["similarity"]["wordsim353.tsv"]["spearman"]))')
	fi
	local words=$((TOKENS * epochs)) ph
	ph=$(phases "$name" "$epochs" "$log" "$t0")
	[ "$method" != glove ] || ph=$'-\t-\t-'
	local scpu ecpu=-
	scpu=$(cut -f3 <<<"$ph")
	[ "$scpu" = - ] || ecpu=$(printf '%.2f' "$(echo "($cpu - $scpu) / $epochs" | bc -l)")
	printf '%s\t%s\t%s\t%.1f\t%.1f\t%s\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$method" "$epochs" "$wall" "$cpu" "$rss" \
		"$(echo "$words / $wall" | bc -l)" "$(echo "$words / $cpu" | bc -l)" "$ev" "$load" "$(cut -f1,2 <<<"$ph")" "$ALPHA" "$SEED" \
		"$scpu" "$ecpu" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$RESULTS"
}

for method in $METHODS; do
	for rep in $(seq "$REPEAT"); do
	for tool in $TOOLS; do
		case $tool in
		recurrent)
			# Not --json (which silences progress): the text summary and the
			# progress lines give start-up and training time.
			# shellcheck disable=SC2086
			measure "$REC_NAME" "$method" "$EPOCHS" "$WORK/rec-$method.vec" \
				"$WORK/recurrent" vectors train --method "$method" --corpus "$CORPUS" --out "$WORK/rec-$method.vec" \
				--dim 100 --window 5 --negative 5 --min-count 5 --sample "$SAMPLE" --epochs "$EPOCHS" \
				--threads "$THREADS" --alpha "$ALPHA" --seed "$SEED" --out-format text $REC_FLAGS
			;;
		fasttext)
			# -minn 0 -maxn 0: no subwords (plain word2vec); -bucket 0: no unused
			# 2M-row n-gram matrix (it would only add memory and init time).
			measure fasttext "$method" "$EPOCHS" "$WORK/ft-$method.vec" \
				fasttext "$method" -input "$CORPUS" -output "$WORK/ft-$method" -dim 100 -ws 5 -neg 5 \
				-minCount 5 -t "$SAMPLE" -epoch "$EPOCHS" -thread "$THREADS" -lr "$ALPHA" -minn 0 -maxn 0 -bucket 0 -verbose 1
			;;
		gensim)
			measure "$GENSIM_NAME" "$method" "$EPOCHS" "$WORK/gs-$method.vec" \
				$PY bench/vectors_gensim.py "$CORPUS" "$WORK/gs-$method.vec" "$method" "$EPOCHS" "$GENSIM_WORKERS" "$SAMPLE" "$ALPHA" "$SEED"
			;;
		esac
	done
	done
done

rep=1
if [ "$GLOVE" = 1 ]; then
	measure recurrent glove "$GLOVE_ITER" "$WORK/rec-glove.vec" \
		"$WORK/recurrent" vectors train --method glove --corpus "$CORPUS" --out "$WORK/rec-glove.vec" \
		--dim 100 --window 10 --min-count 5 --x-max 100 --epochs "$GLOVE_ITER" --threads "$THREADS" --out-format text --json
fi
