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

"""
import argparse, json, math, os, time

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
p.add_argument("--adaptive-softmax", default="", help="cutoffs, e.g. 2000,10000: AdaptiveLogSoftmaxWithLoss")
p.add_argument("--div-value", type=float, default=4.0)
p.add_argument("--tokens", default="uniform", choices=["uniform", "zipf"],
               help="zipf: id floor(V^u)-1 for u = frac(i*phi), the sequence recurrent bench rnn builds")
p.add_argument("--int8", action="store_true", help="sample mode: quantize_dynamic the model to qint8 first")
p.add_argument("--qengine", default="", help="with --int8: torch.backends.quantized.engine (default: the build's)")
a = p.parse_args()

import ctypes
import torch
torch.set_num_threads(a.threads)


def blas_core():
    """The OpenBLAS kernel family this process runs (OPENBLAS_CORETYPE, if
    set, forces an older one: the drivers unset it for the peer)."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return "unknown"

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
        if cutoffs:
            self.decoder = torch.nn.AdaptiveLogSoftmaxWithLoss(a.hidden, a.vocab, cutoffs, div_value=a.div_value)
        else:
            self.decoder = torch.nn.Linear(a.hidden, a.vocab)

    def forward(self, x, h=None):
        y, h = self.rnn(self.embedding(x), h)
        if cutoffs:  # full log-probabilities, as for sampling
            return self.decoder.log_prob(y.view(-1, a.hidden)).view(y.shape[0], y.shape[1], -1), h
        return self.decoder(y), h

    def loss(self, x, y):
        out, _ = self.rnn(self.embedding(x))
        out = out.view(-1, a.hidden)
        if cutoffs:
            return self.decoder(out, y.view(-1)).loss
        return torch.nn.functional.cross_entropy(self.decoder(out), y.view(-1))


cutoffs = [int(c) for c in a.adaptive_softmax.split(",")] if a.adaptive_softmax else None
m = LM()
res = {"peer": "pytorch", "torch_version": torch.__version__, "blas_core": blas_core(), "cell": a.cell, "hidden": a.hidden,
       "layers": a.layers, "batch": a.batch, "seq_len": a.seq_len, "vocab": a.vocab,
       "threads": a.threads, "mode": a.mode, "token_dist": a.tokens}
if cutoffs:
    res["adaptive_cutoffs"], res["div_value"] = cutoffs, a.div_value
if a.mode == "train":
    opt = torch.optim.Adam(m.parameters(), lr=2e-3)
    if a.tokens == "zipf":
        n = a.seq_len * a.batch
        phi = 0.6180339887498949
        ids = [int(min(float(a.vocab), math.floor(a.vocab ** math.fmod(i * phi, 1.0)))) - 1 for i in range(2 * n)]
        x = torch.tensor(ids[:n]).view(a.seq_len, a.batch)
        y = torch.tensor(ids[n:]).view(a.seq_len, a.batch)
    else:
        x = torch.randint(0, a.vocab, (a.seq_len, a.batch))
        y = torch.randint(0, a.vocab, (a.seq_len, a.batch))

    def step():
        opt.zero_grad()
        loss = m.loss(x, y)
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
print(json.dumps(res))
