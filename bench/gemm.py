#!/usr/bin/env python3
"""Side-by-side float32 GEMM benchmark: recurrent's Sgemm vs numpy (OpenBLAS).

Driver mode (default) runs both on the same shapes, alternating, and writes
a markdown table into the GEMM section of BENCHMARKS.md. Peer mode
(--peer M N K TRANSB THREADS) measures numpy alone and prints one JSON
object; the driver runs it in a fresh process so OPENBLAS_NUM_THREADS takes
effect. Both sides report the best and the median of repeated samples.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time

import mdsection

SHAPES = [  # (label, m, n, k, trans_b)
    ("square 256", 256, 256, 256, False),
    ("square 512", 512, 512, 512, False),
    ("square 1024", 1024, 1024, 1024, False),
    ("square 2048", 2048, 2048, 2048, False),
    ("LSTM step 32x512 @ 512x2048", 32, 2048, 512, False),
    ("LSTM step 32x512 @ (2048x512)^T", 32, 2048, 512, True),
    ("LSTM sequence 3200x512 @ 512x2048", 3200, 2048, 512, False),
    ("gemv 1x512 @ 512x2048", 1, 2048, 512, False),
]
THREADS = [1, 2]


def openblas_core():
    """Names the OpenBLAS build and core kernel numpy is using, via ctypes."""
    import ctypes
    with open("/proc/self/maps") as f:
        libs = sorted({l.split()[-1] for l in f if "openblas" in l.lower() and ".so" in l})
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return "%s (core %s, %s)" % (os.path.basename(path), lib.openblas_get_corename().decode(),
                                         lib.openblas_get_config().decode())
        except (OSError, AttributeError):
            continue
    return "OpenBLAS not found in process maps: " + ", ".join(libs)


def peer(m, n, k, trans_b, threads, duration):
    import numpy as np
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    if trans_b:
        bt = rng.uniform(-1, 1, (n, k)).astype(np.float32)
        b = bt.T
    else:
        b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    c = np.empty((m, n), dtype=np.float32)
    call = lambda: np.matmul(a, b, out=c)
    call()
    per = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(per):
            call()
        if time.perf_counter() - t0 >= 1e-3 or per >= 1 << 20:
            break
        per *= 2
    samples = []
    cpu0 = time.process_time()
    start = time.perf_counter()
    while time.perf_counter() - start < duration or len(samples) < 3:
        t0 = time.perf_counter()
        for _ in range(per):
            call()
        samples.append((time.perf_counter() - t0) / per)
    cpu = time.process_time() - cpu0
    calls = len(samples) * per
    samples.sort()
    flops = 2.0 * m * n * k
    print(json.dumps({"m": m, "n": n, "k": k, "trans_b": trans_b, "threads": threads,
                      "gflops": flops / samples[0] / 1e9,
                      "gflops_median": flops / samples[len(samples) // 2] / 1e9,
                      "gflops_cpu": flops * calls / cpu / 1e9 * threads if cpu > 0 else 0.0,
                      "samples": len(samples), "numpy": np.__version__, "blas": openblas_core()}))


def run_ours(binary, m, n, k, trans_b, threads, duration):
    cmd = [binary, "bench", "gemm", "--m", str(m), "--n", str(n), "--k", str(k),
           "--threads", str(threads), "--json", "--duration", "%gs" % duration]
    if trans_b:
        cmd.append("--trans-b")
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def run_peer(m, n, k, trans_b, threads, duration):
    env = dict(os.environ)
    for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(v, None)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    cmd = [sys.executable, os.path.abspath(__file__), "--peer", str(m), str(n), str(k),
           "1" if trans_b else "0", str(threads), "--duration", str(duration)]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout)


def best_of(a, b):
    """Merges two measurements keeping the best value of each figure."""
    if a is None:
        return b
    out = dict(b)
    for key in ("gflops", "gflops_median", "gflops_cpu"):
        out[key] = max(a[key], b[key])
    return out


PUREGO_SHAPES = ["256", "512", "32x512x2048", "1x512x2048"]


def go_bench(tags, pattern):
    """Runs the tensor package's Go benchmarks single-threaded and returns
    {name: (GFLOP/s, GFLOP/cpu-s)}."""
    cmd = ["go", "test", "-tags", tags, "-run", "^$", "-bench", pattern, "-cpu", "1", "./tensor/"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        f = line.split()
        if not f or not f[0].startswith("Benchmark"):
            continue
        vals = {f[i + 1]: float(f[i]) for i in range(2, len(f) - 1) if f[i + 1].startswith("GFLOP")}
        res[f[0]] = (vals.get("GFLOP/s", 0.0), vals.get("GFLOP/cpu-s", 0.0))
    return res


def purego_section():
    """Pure-Go kernel (-tags purego) vs gonum's Sgemm with and without its assembly."""
    alt = "|".join(PUREGO_SHAPES)
    ours = go_bench("purego", "^BenchmarkSgemm$/^generic$/^(%s)$" % alt)
    gonum = go_bench("purego", "^BenchmarkGonumSgemm$/^(%s)$" % alt)
    noasm = go_bench("purego noasm", "^BenchmarkGonumSgemm$/^(%s)$" % alt)
    lines = ["", "### Pure Go (`-tags purego`)", "",
             "One thread; `go test -tags purego -run '^$' -bench 'BenchmarkSgemm$/generic|BenchmarkGonumSgemm' -cpu 1",
             "./tensor/`, and gonum again with `-tags 'purego noasm'` (gonum's own pure-Go fallback). GFLOP per",
             "CPU-second (wall-clock GFLOP/s in parentheses).", "",
             "| shape (m×k @ k×n) | ours pure Go | gonum (assembly) | gonum noasm | ours/gonum | ours/gonum noasm |",
             "|---|---:|---:|---:|---:|---:|"]
    for sh in PUREGO_SHAPES:
        o = ours.get("BenchmarkSgemm/generic/" + sh, (0, 0))
        g = gonum.get("BenchmarkGonumSgemm/" + sh, (0, 0))
        n = noasm.get("BenchmarkGonumSgemm/" + sh, (0, 0))
        label = "%s×%s @ %s×%s" % (sh, sh, sh, sh) if "x" not in sh else "%s×%s @ %s×%s" % tuple(
            sh.split("x")[i] for i in (0, 1, 1, 2))
        lines.append("| %s | %.1f (%.1f) | %.1f (%.1f) | %.1f (%.1f) | %.2f | %.2f |" % (
            label, o[1], o[0], g[1], g[0], n[1], n[0], o[1] / g[1] if g[1] else 0, o[1] / n[1] if n[1] else 0))
        print("purego %-12s ours %.1f  gonum %.1f  gonum-noasm %.1f (GFLOP/cpu-s)" % (sh, o[1], g[1], n[1]), flush=True)
    return lines


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        m = re.search(r"Model name:\s*(.+)", out)
        return m.group(1).strip() if m else platform.processor()
    except OSError:
        return platform.processor()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", nargs=5, type=int, metavar=("M", "N", "K", "TRANSB", "THREADS"))
    ap.add_argument("--duration", type=float, default=1.0, help="seconds per measurement")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds per shape; best is kept")
    ap.add_argument("--binary", default="recurrent")
    ap.add_argument("--out", default="BENCHMARKS.md")
    ap.add_argument("--quick", action="store_true", help="only the 512 square and the gemv")
    ap.add_argument("--skip-purego", action="store_true", help="skip the pure-Go vs gonum table")
    args = ap.parse_args()
    if args.peer:
        m, n, k, tb, th = args.peer
        peer(m, n, k, bool(tb), th, args.duration)
        return
    shapes = [s for s in SHAPES if not args.quick or s[1:4] in ((512, 512, 512), (1, 2048, 512))]
    rows, blas = [], ""
    load = os.getloadavg()
    for label, m, n, k, tb in shapes:
        for th in THREADS:
            ours = peer_r = None
            for _ in range(args.rounds):
                ours = best_of(ours, run_ours(args.binary, m, n, k, tb, th, args.duration))
                peer_r = best_of(peer_r, run_peer(m, n, k, tb, th, args.duration))
            blas = peer_r["blas"]
            rows.append((label, m, n, k, th, ours, peer_r))
            print("%-36s threads=%d  ours %6.1f (median %6.1f, cpu %6.1f, %s)  numpy %6.1f (median %6.1f, cpu %6.1f)"
                  "  ratio %.2f, cpu ratio %.2f" % (
                      label, th, ours["gflops"], ours["gflops_median"], ours["gflops_cpu"], ours["kernel"],
                      peer_r["gflops"], peer_r["gflops_median"], peer_r["gflops_cpu"],
                      ours["gflops"] / peer_r["gflops"], ours["gflops_cpu"] / peer_r["gflops_cpu"]), flush=True)
    load2 = os.getloadavg()
    lines = ["## GEMM", "",
             "float32 `C = A·B` (row-major), `tensor.Sgemm` vs numpy `matmul` (OpenBLAS) on the same shapes in",
             "the same run, alternating, %d rounds of %gs each; GFLOP/s = 2mnk/time. \"best\" is the fastest" % (
                 args.rounds, args.duration),
             "wall-clock sample (median in parentheses); \"CPU\" is the work per second of process CPU time",
             "times the thread count, which estimates the unloaded rate when other jobs share the cores (it",
             "does not see time lost waiting on a descheduled thread). OPENBLAS_NUM_THREADS equals our thread",
             "count; OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are unset for the peer.", "",
             "- Machine: %s, %d CPUs; load average %.1f at start, %.1f at end (shared with other jobs:" % (
                 cpu_model(), os.cpu_count(), load[0], load2[0]),
             "  medians are noisy, and calls longer than a scheduler time slice, the 1024+ squares and the",
             "  3200-row product, rarely get a clean wall-clock sample, so read the CPU columns for those)",
             "- Peer: numpy %s, %s" % (rows[0][6]["numpy"] if rows else "?", blas),
             "- Command: `bench/gemm.sh` (runs `recurrent bench gemm --m M --n N --k K [--trans-b] --threads P --json`",
             "  and `bench/gemm.py --peer ...`)", "",
             "| shape | m×n×k | threads | ours best (median) | numpy best (median) | ratio best | ours CPU | numpy CPU | ratio CPU |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for label, m, n, k, th, o, p in rows:
        lines.append("| %s | %d×%d×%d | %d | %.1f (%.1f) | %.1f (%.1f) | %.2f | %.1f | %.1f | %.2f |" % (
            label, m, n, k, th, o["gflops"], o["gflops_median"], p["gflops"], p["gflops_median"],
            o["gflops"] / p["gflops"], o["gflops_cpu"], p["gflops_cpu"], o["gflops_cpu"] / p["gflops_cpu"]))
    if rows:
        lines += ["", "Our kernel set: %s. `tensor.Sgemm` is a packed, cache-blocked GEMM (GotoBLAS loop order;" % rows[0][5]["kernel"],
                  "AVX-512 A blocks 420×256, B blocks 256×3072) on avo-generated micro-kernels",
                  "(`tensor/internal/gemm/asm`): AVX-512 14×32 or 8×48 register tiles, picked per call by how little",
                  "they pad C (AVX2: 6×16 or 4×24), B read in place instead of packed when C has a single block of",
                  "rows, an AVX 8×8 transposing pack for transposed operands, AVX gemv kernels when C has at most",
                  "6 rows or columns, and a persistent worker pool whose workers poll briefly between calls."]
    wall = {(r[0], r[4]): r[5]["gflops"] for r in rows}
    cpu = {(r[0], r[4]): r[5]["gflops_cpu"] for r in rows}
    sp = ["%s %.2fx (CPU-time estimate %.2fx)" % (lab, wall[(lab, 2)] / wall[(lab, 1)], cpu[(lab, 2)] / cpu[(lab, 1)])
          for lab, *_ in shapes if (lab, 1) in wall and (lab, 2) in wall and lab.startswith("square")]
    if sp:
        lines += ["", "Our 2-thread / 1-thread speedup, best wall-clock samples: " + ", ".join(sp) + ".",
                  "With the load average well above the core count the wall-clock ratio mostly measures how",
                  "often both threads were scheduled at once; the CPU-time estimate assumes they were."]
    if not args.skip_purego:
        lines += purego_section()
    mdsection.replace_section(args.out, "gemm", "\n".join(lines))
    print("wrote the GEMM section of", args.out)


if __name__ == "__main__":
    main()
