#!/usr/bin/env bash
# Quality benchmark (issue 4): tiny-shakespeare character LSTM 2x512, seq 100,
# batch 32, Adam 2e-3, clip 5, a fixed number of steps; ours (`recurrent lm
# train`) vs PyTorch (bench/lm_quality_torch.py) on the same data split (first
# 90% train, last 10% validation) in the same run; validation loss and
# wall-clock. Writes the quality part of the "Recurrent networks" section of
# BENCHMARKS.md.
# Usage: bench/lm_quality.sh [STEPS] [PEER_THREADS]   (defaults 1000, 1)
# Environment: DATA (default /work/shared/data/tinyshakespeare/input.txt),
# THREADS (ours, default 2), OUT (default BENCHMARKS.md; empty: print only),
# PARALLEL=1 runs both at once (same conditions on a loaded machine).
set -euo pipefail
cd "$(dirname "$0")/.."
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, set on this machine, hold the
# peers' OpenBLAS (numpy, PyTorch, gensim) to older kernels; recurrent does
# not use OpenBLAS, so the whole script runs without them.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
steps=${1:-1000}
pthreads=${2:-1}
data=${DATA:-/work/shared/data/tinyshakespeare/input.txt}
threads=${THREADS:-2}
out=${OUT-BENCHMARKS.md}

if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	if [ "$(id -u)" -eq 0 ]; then apt-get install -y python3-torch; else sudo apt-get install -y python3-torch; fi
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/recurrent" ./cmd/recurrent
load0=$(cut -d' ' -f1 /proc/loadavg)

ours_cmd=("$tmp/recurrent" lm train --train "$data" --valid-fraction 0.1 --tokenizer char --cell lstm
	--embed 512 --hidden 512 --layers 2 --batch 32 --bptt 100 --max-steps "$steps" --optimizer adam
	--lr 2e-3 --clip 5 --eval-batch 32 --seed 1 --threads "$threads" --out "$tmp/ck" --json --quiet)
peer_cmd=(/usr/bin/python3 bench/lm_quality_torch.py --data "$data" --valid-fraction 0.1 --cell lstm
	--embed 512 --hidden 512 --layers 2 --batch 32 --bptt 100 --steps "$steps" --lr 2e-3 --clip 5
	--eval-batch 32 --threads "$pthreads")

echo "ours: ${ours_cmd[*]}" >&2
echo "peer: ${peer_cmd[*]}" >&2
run_ours() { /usr/bin/time -f '%e %M' -o "$tmp/ours.time" "${ours_cmd[@]}" >"$tmp/ours.json"; }
run_peer() { OPENBLAS_NUM_THREADS=$pthreads OMP_NUM_THREADS=$pthreads /usr/bin/time -f '%e %M' -o "$tmp/peer.time" "${peer_cmd[@]}" >"$tmp/peer.json"; }
if [ "${PARALLEL:-0}" = 1 ]; then
	# Both at once: same machine conditions for the wall-clock comparison
	# (they share the cores, so each is slower than alone).
	run_ours &
	pid=$!
	run_peer
	wait "$pid"
	mode="run at the same time (PARALLEL=1)"
else
	run_ours
	run_peer
	mode="run one after the other"
fi
load1=$(cut -d' ' -f1 /proc/loadavg)

MODE=$mode STEPS=$steps PTHREADS=$pthreads THREADS=$threads LOAD0=$load0 LOAD1=$load1 OUTFILE=$out TMP=$tmp /usr/bin/python3 - <<'PY'
import json, os, re
e = os.environ
tmp = e["TMP"]
o = json.load(open(f"{tmp}/ours.json"))
t = json.loads(open(f"{tmp}/peer.json").read().strip().splitlines()[-1])
ow, orss = open(f"{tmp}/ours.time").read().split()[-2:]
tw, trss = open(f"{tmp}/peer.time").read().split()[-2:]
ol, tl = o["valid"]["loss"], t["val_loss"]
lines = [
    "### Quality: tiny-shakespeare character LSTM",
    "",
    f"Char LSTM 2x512 (embedding 512), sequence 100, batch 32, Adam 2e-3, clip 5, **{e['STEPS']} steps**, seed 1;",
    "first 90% of `tinyshakespeare/input.txt` trains, the last 10% validates (state carried, batch 32). Same",
    f"data and batching for both; ours on {e['THREADS']} threads, PyTorch {t['torch_version']} on {e['PTHREADS']}, {e['MODE']}. Load average",
    f"{e['LOAD0']} at start, {e['LOAD1']} at end (shared machine). Command: `{'PARALLEL=1 ' if 'PARALLEL' in e['MODE'] else ''}bench/lm_quality.sh {e['STEPS']} {e['PTHREADS']}`.",
    "",
    "| | validation loss (nats/char) | wall-clock (train + eval + start-up) | train tokens/s | peak RSS |",
    "|---|---:|---:|---:|---:|",
    f"| ours (`recurrent lm train`) | {ol:.4f} | {float(ow):.0f} s | {o.get('tokens_per_second', 0):,.0f} | {int(orss) / 1024:.0f} MiB |",
    f"| PyTorch | {tl:.4f} | {float(tw):.0f} s | {t['tokens_per_sec']:,.0f} | {int(trss) / 1024:.0f} MiB |",
    "",
    f"Difference ours - PyTorch: {ol - tl:+.4f} nats/char (target: <= +0.02); wall-clock ratio PyTorch/ours "
    f"{float(tw) / float(ow):.2f}x.",
    "",
]
sec = "\n".join(lines)
print(sec)
path = e.get("OUTFILE", "")
if path:
    text = open(path).read()  # re-read just before writing
    block = "<!-- rnn-quality:begin -->\n" + sec + "<!-- rnn-quality:end -->"
    pat = re.compile(r"<!-- rnn-quality:begin -->.*?<!-- rnn-quality:end -->", re.S)
    if pat.search(text):
        text = pat.sub(lambda _: block, text)
    elif "<!-- rnn:end -->" in text:
        text = text.replace("<!-- rnn:end -->", "<!-- rnn:end -->\n" + block, 1)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    open(path, "w").write(text)
PY
