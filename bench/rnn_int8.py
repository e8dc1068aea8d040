"""The --int8 part of bench/rnn_bench.py: batch-1 sampling of our int8 model
(`recurrent bench rnn --mode sample --int8`) vs our float32 stepper and vs
PyTorch's torch.quantization.quantize_dynamic model (bench/rnn_torch.py
--int8) on each quantized engine the build has, 1 and 2 threads, in the same
run, alternating; then, for trained checkpoints, validation loss float32 vs
int8 (`recurrent lm eval` with and without --int8, the same streams). Writes
the "Int8 inference" section of BENCHMARKS.md.
"""
import json, re, subprocess, sys, tempfile, time

import mdsection

SAMPLE = [
    # name, cell, H, L, B, T, V
    ("LSTM 2x512", "lstm", 512, 2, 1, 1, 65),
    ("GRU 2x512", "gru", 512, 2, 1, 1, 65),
]


def engines():
    out = subprocess.run(["/usr/bin/python3", "-c",
                          "import torch, json; print(json.dumps([torch.backends.quantized.engine, "
                          "torch.backends.quantized.supported_engines]))"],
                         check=True, capture_output=True, text=True).stdout
    default, supported = json.loads(out)
    return default, [e for e in supported if e != "none"]


def run_json(cmd):
    """Runs cmd under /usr/bin/time; returns (its whole output as JSON, peak RSS in MiB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        out = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tf.name] + cmd,
                             check=True, capture_output=True, text=True).stdout
        rss_kib = int(tf.read().strip().splitlines()[-1])
    return json.loads(out), rss_kib / 1024


def main(a, run, ours, torch, loadavg, model_args):
    configs = [c for c in SAMPLE if not a.only or re.search(a.only, "sample " + c[0])]
    default_engine, engs = engines()
    our_threads = [int(x) for x in a.threads.split(",")]
    load0, t_start = loadavg(), time.time()
    rows = []
    for name, cell, H, L, B, T, V in configs:
        cfg = (cell, H, L, B, T, V)
        sides = {}
        for th in our_threads:
            sides[f"int8 ours{th}"] = lambda th=th: ours("sample", cfg, th, ["--int8"])
            sides[f"f32 ours{th}"] = lambda th=th: ours("sample", cfg, th)
        for e in engs:
            for th in (1, 2):
                sides[f"torch{th} {e}"] = lambda th=th, e=e: torch("sample", cfg, th, ["--int8", "--qengine", e])
        runs = {k: [] for k in sides}
        order = list(sides)
        for r in range(a.rounds):
            for k in (order if r % 2 == 0 else order[::-1]):
                res = sides[k]()
                runs[k].append(res)
                print(f"int8 sample {name} {k}: {res[0]['tokens_per_sec']:.0f} tokens/s, "
                      f"CPU rate {res[0].get('tokens_per_cpu_sec', 0):.0f}, RSS {res[1]:.0f} MiB, load {loadavg()}",
                      file=sys.stderr, flush=True)
        best = {k: max(v, key=lambda x: x[0]["tokens_per_sec"]) for k, v in runs.items()}
        cpu = lambda pre: max(x[0].get("tokens_per_cpu_sec", 0) for k in runs if k.startswith(pre) for x in runs[k])
        pick = lambda pre: max((k for k in runs if k.startswith(pre)), key=lambda k: best[k][0]["tokens_per_sec"])
        k8, k32, kt = pick("int8"), pick("f32"), pick("torch")
        o8, o32, t8 = best[k8][0], best[k32][0], best[kt][0]
        rows.append(dict(
            name=name, H=H, L=L, int8=o8["tokens_per_sec"], int8_threads=k8[len("int8 ours"):],
            f32=o32["tokens_per_sec"], f32_threads=k32[len("f32 ours"):],
            torch=t8["tokens_per_sec"], torch_side=kt,
            torch_all=", ".join(f"{k[5]}t {k.split()[1]} {best[k][0]['tokens_per_sec']:,.0f}" for k in runs if k.startswith("torch")),
            ratio_f32=o8["tokens_per_sec"] / o32["tokens_per_sec"], ratio_torch=o8["tokens_per_sec"] / t8["tokens_per_sec"],
            cpu8=cpu("int8"), cpu32=cpu("f32"), cput=cpu("torch"),
            all_int8=[x[0]["tokens_per_sec"] for k in runs if k.startswith("int8") for x in runs[k]],
            all_f32=[x[0]["tokens_per_sec"] for k in runs if k.startswith("f32") for x in runs[k]],
            rss8=max(x[1] for k in runs if k.startswith("int8") for x in runs[k]),
            rss32=max(x[1] for k in runs if k.startswith("f32") for x in runs[k]),
            rsst=max(x[1] for x in runs[kt]),
            kernel=o8.get("int8_kernel", "?"), openblas=t8.get("blas_core"),
            torch_version=t8.get("torch_version", "?"), modules=t8.get("quantized_modules", []),
        ))
    quality = []
    if a.int8_models:
        for spec in a.int8_models.split(","):
            label, d = spec.split("=", 1)
            r = {"name": label, "dir": d}
            for mode in ("f32", "int8"):
                cmd = [a.binary, "lm", "eval", "--model", d, "--json", "--batch", "32", "--bptt", "100", a.int8_valid]
                if mode == "int8":
                    cmd.insert(-1, "--int8")
                t0 = time.time()
                res, rss = run_json(cmd)
                r[mode] = res
                r[mode + "_rss"] = rss
                r[mode + "_sec"] = time.time() - t0
                print(f"int8 quality {label} {mode}: loss {res['loss']:.5f} ({res['tokens']} tokens), "
                      f"{r[mode + '_sec']:.0f} s, RSS {rss:.0f} MiB, load {loadavg()}", file=sys.stderr, flush=True)
            try:
                with open(d + "/state.json") as f:
                    st = json.load(f)
                r["history"] = st.get("history", [])
            except OSError:
                r["history"] = []
            quality.append(r)
    load1 = loadavg()
    write(a, rows, quality, load0, load1, time.time() - t_start, default_engine, engs)


# How the checkpoints given to --int8-models were trained (session 3).
TRAINED = """The models: `recurrent lm train --train lm/tinyshakespeare/input.txt --out DIR --cell lstm|gru --embed 128
--hidden 512 --layers 2 --batch 32 --bptt 100 --lr 0.002 --epochs 50 --threads 2 --time-limit 7m`, then the
same with `--resume --time-limit 8m` (15.5 minutes of wall-clock each on the shared machine at load 10-18,
about 2,100 tokens/s: LSTM 625 steps, GRU 659 steps, about 2 epochs; adam, no dropout)."""


def write(a, rows, quality, load0, load1, secs, default_engine, engs):
    lines = []
    w = lines.append
    tv = rows[0]["torch_version"] if rows else "?"
    w("## Int8 inference")
    w("")
    w("`lm quantize`, `--int8` on `lm sample`/`score`/`eval`, `lm.Model.Quantize`: dynamic quantization as")
    w("`torch.quantization.quantize_dynamic` does for LSTM/GRU/Linear. Every W_ih, W_hh and the decoder weight")
    w("become int8 with one float32 scale per row (symmetric, max|row|/127); each layer's input and state are")
    w("quantized per step with one scale per vector (symmetric, max|x|/127), so every product is an exact")
    w("int32 sum scaled twice (`tensor.Int8Matrix`: AVX-512 VNNI `VPDPBUSD` on unsigned x+128 with a per-row")
    w("correction, AVX2 `VPMADDWD` on widened int16 without VNNI, pure Go with `-tags purego`). The first layer's")
    w("input table (a float32 lookup), biases, gates and states stay float32. Quantizing the activations")
    w("rather than only the weights is what lets one instruction do 64 multiply-adds; its cost is the")
    w("activations' rounding (at most max|x|/254 per element), measured below as validation loss.")
    w("")
    if rows:
        w(f"Batch-1 sampling, tokens/s (embedding -> 2 layers -> Linear(H, 65), random weights, temperature 1),")
        w(f"ours int8 vs our float32 stepper vs PyTorch {tv} `quantize_dynamic` (qint8 dynamic LSTM/GRU and Linear:")
        w(f"{', '.join(m.split('.')[-1] for m in rows[0]['modules'] if 'PackedParam' not in m)}) on every quantized engine this")
        w(f"Debian build has ({', '.join(engs)}; default {default_engine}; fbgemm is not compiled in), 1 and 2 threads, same run,")
        w(f"alternating, {a.rounds} rounds of ~{a.seconds:g} s, best round each. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset")
        w(f"for the peer; its OpenBLAS kernel: {rows[0]['openblas']}. Our int8 kernel: {rows[0]['kernel']}.")
        w("")
        w(f"- Machine: 2 CPUs shared with other jobs; load average {load0} at start, {load1} at end ({secs / 60:.0f} min).")
        w(f"- Command: `bench/rnn.sh --int8 --seconds {a.seconds:g} --rounds {a.rounds} --threads {a.threads}"
          + (f" --int8-models ... --int8-valid ...`" if quality else "`") + " (driver `bench/rnn_bench.py`, `bench/rnn_int8.py`):")
        w("  `recurrent bench rnn --mode sample [--int8] --cell C --hidden 512 --layers 2 --vocab 65 --threads P --json`,")
        w("  `python3 bench/rnn_torch.py --mode sample --int8 --qengine E --threads P` with the same model flags.")
        w("")
        w("| sample (batch 1) | ours int8 (threads) | ours float32 (threads) | int8 / float32 | target | PyTorch quantize_dynamic best | PyTorch int8 runs | ours int8 / PyTorch | target | CPU rate int8 / float32 / PyTorch | CPU ratios | peak RSS int8 / float32 / PyTorch |")
        w("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
        for r in rows:
            w(f"| {r['name']} | {r['int8']:,.0f} ({r['int8_threads']}) | {r['f32']:,.0f} ({r['f32_threads']}) | **{r['ratio_f32']:.2f}x** | 2x | "
              f"{r['torch']:,.0f} ({r['torch_side']}) | {r['torch_all']} | **{r['ratio_torch']:.1f}x** | 10x | "
              f"{r['cpu8']:,.0f} / {r['cpu32']:,.0f} / {r['cput']:,.0f} | {r['cpu8'] / r['cpu32']:.2f}x / {r['cpu8'] / r['cput']:.1f}x | "
              f"{r['rss8']:.0f} / {r['rss32']:.0f} / {r['rsst']:.0f} MiB |")
        w("")
        w("\"CPU rate\" is tokens per second of process CPU time times the thread count (the best run of each side),")
        w("an estimate of the unloaded rate on a shared machine; PyTorch's 2-thread runs lose most under load")
        w("(its OpenMP threads wait for descheduled peers), so its best CPU rate is usually the 1-thread one.")
        w("")
        for r in rows:
            w(f"- {r['name']}: every int8 round {', '.join(f'{x:,.0f}' for x in r['all_int8'])}; float32 {', '.join(f'{x:,.0f}' for x in r['all_f32'])} tokens/s.")
        w("")
    if quality:
        w("Validation loss (nats/char) on tiny-shakespeare's held-out last 10% (`lm train`'s default split), float32")
        w("vs int8 on the same streams (`recurrent lm eval --batch 32 --bptt 100 [--int8]`: the float32 run is the")
        w("batched forward pass, the int8 run steps the same 32 streams token by token through the int8 stepper):")
        w("")
        w("| model | trained | float32 loss | int8 loss | int8 - float32 | target | eval time float32 / int8 | peak RSS float32 / int8 |")
        w("|---|---|---:|---:|---:|---:|---:|---:|")
        for q in quality:
            h = q["history"][-1] if q["history"] else {}
            tr = f"{h.get('epoch', 0):.2f} epochs" if h else "?"
            d = q["int8"]["loss"] - q["f32"]["loss"]
            w(f"| {q['name']} | {tr} | {q['f32']['loss']:.4f} | {q['int8']['loss']:.4f} | **{d:+.4f}** | <= 0.01 | "
              f"{q['f32_sec']:.0f} / {q['int8_sec']:.0f} s | {q['f32_rss']:.0f} / {q['int8_rss']:.0f} MiB |")
        w("")
        w(TRAINED)
        w("")
    section = "\n".join(lines)
    print(section)
    if a.out:
        mdsection.replace_section(a.out, "int8", section)
