#!/usr/bin/env python3
"""PyTorch peer for `recurrent bench rnn`: the same embedding + stacked cell +
softmax language model, timed the same way. Prints one JSON object.

train:  one full step (forward, cross-entropy summed over time / mean over
        tokens, backward, clip_grad_norm_(5), Adam) on [T, B] random tokens;
        tokens/s = T*B / seconds per step.
sample: batch-1 generation, one token at a time, feeding each sampled token
        back in; tokens/s = generated tokens / seconds. With --int8 the model
        is first quantized by torch.quantization.quantize_dynamic (LSTM/GRU
        and Linear to qint8), and the quantized engine is reported.

The result names the OpenBLAS kernel ("openblas_core") the process loaded,
so that a figure against a peer held to older kernels (OPENBLAS_CORETYPE)
shows it.
"""
import argparse, json, os, time

p = argparse.ArgumentParser()
p.add_argument("--cell", default="lstm", choices=["lstm", "gru", "rnn_tanh", "rnn_relu"])
p.add_argument("--hidden", type=int, default=512)
p.add_argument("--layers", type=int, default=2)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--seq-len", type=int, default=100)
p.add_argument("--vocab", type=int, default=65)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--mode", default="train", choices=["train", "sample"])
p.add_argument("--seconds", type=float, default=10.0, help="approximate time budget")
p.add_argument("--int8", action="store_true", help="sample mode: quantize_dynamic the model to qint8 first")
p.add_argument("--qengine", default="", help="with --int8: torch.backends.quantized.engine (default: the build's)")
a = p.parse_args()

import torch
torch.set_num_threads(a.threads)
torch.manual_seed(0)


class LM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(a.vocab, a.hidden)
        if a.cell == "lstm":
            self.rnn = torch.nn.LSTM(a.hidden, a.hidden, a.layers)
        elif a.cell == "gru":
            self.rnn = torch.nn.GRU(a.hidden, a.hidden, a.layers)
        else:
            self.rnn = torch.nn.RNN(a.hidden, a.hidden, a.layers, nonlinearity=a.cell[4:])
        self.decoder = torch.nn.Linear(a.hidden, a.vocab)

    def forward(self, x, h=None):
        y, h = self.rnn(self.embedding(x), h)
        return self.decoder(y), h


def openblas_core():
    """The OpenBLAS kernel set of the loaded libopenblas, if any."""
    import ctypes
    try:
        libs = {l.split()[-1] for l in open("/proc/self/maps") if "openblas" in l.split()[-1]}
    except OSError:
        return None
    for path in sorted(libs):
        try:
            f = ctypes.CDLL(path).openblas_get_corename
            f.restype = ctypes.c_char_p
            return f().decode()
        except (OSError, AttributeError):
            continue
    return None


m = LM()
res = {"peer": "pytorch", "torch_version": torch.__version__, "cell": a.cell, "hidden": a.hidden,
       "layers": a.layers, "batch": a.batch, "seq_len": a.seq_len, "vocab": a.vocab,
       "threads": a.threads, "mode": a.mode}
if a.mode == "train":
    opt = torch.optim.Adam(m.parameters(), lr=2e-3)
    x = torch.randint(0, a.vocab, (a.seq_len, a.batch))
    y = torch.randint(0, a.vocab, (a.seq_len, a.batch))

    def step():
        opt.zero_grad()
        logits, _ = m(x)
        loss = torch.nn.functional.cross_entropy(logits.view(-1, a.vocab), y.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 5.0)
        opt.step()

    step(); step()  # warm-up
    c0 = time.process_time()
    t0 = time.perf_counter(); n = 0
    while True:
        step(); n += 1
        el = time.perf_counter() - t0
        if el >= a.seconds and n >= 3:
            break
    cpu = time.process_time() - c0
    res["steps"] = n
    res["tokens"] = n * a.seq_len * a.batch
    res["seconds"] = el
    res["cpu_seconds"] = cpu
    res["tokens_per_sec"] = n * a.seq_len * a.batch / el
else:
    m.eval()
    if a.int8:
        if a.qengine:
            torch.backends.quantized.engine = a.qengine
        m = torch.quantization.quantize_dynamic(m, {torch.nn.LSTM, torch.nn.GRU, torch.nn.Linear}, dtype=torch.qint8)
        res["int8"] = True
        res["quantized_engine"] = torch.backends.quantized.engine
        res["quantized_modules"] = sorted({type(x).__module__ + "." + type(x).__name__ for x in m.modules() if "quantized" in type(x).__module__})
    with torch.no_grad():
        def gen(count):
            tok = torch.zeros((1, 1), dtype=torch.long); h = None
            for _ in range(count):
                logits, h = m(tok, h)
                probs = torch.softmax(logits[0, 0], dim=-1)
                tok = torch.multinomial(probs, 1).view(1, 1)
        gen(20)
        c0 = time.process_time()
        t0 = time.perf_counter(); n = 0
        while True:
            gen(200); n += 200
            el = time.perf_counter() - t0
            if el >= a.seconds:
                break
    cpu = time.process_time() - c0
    res["tokens"] = n
    res["seconds"] = el
    res["cpu_seconds"] = cpu
    res["tokens_per_sec"] = n / el
# Work per second of process CPU time, times the thread count: estimates
# the unloaded rate when other jobs share the cores.
res["tokens_per_cpu_sec"] = res["tokens"] / cpu * a.threads if cpu > 0 else 0
res["openblas_core"] = openblas_core()
res["env_openblas_coretype"] = os.environ.get("OPENBLAS_CORETYPE")
print(json.dumps(res))
