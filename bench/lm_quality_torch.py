#!/usr/bin/env python3
"""PyTorch peer of bench/lm_quality.sh: a character language model on a text
file trained exactly as `recurrent lm train` trains it, then evaluated.

Data: the characters of --data, vocabulary = the distinct characters of
the training part; the first (1 - valid_fraction) of the stream trains,
the rest validates. Batching as PyTorch's word_language_model example (and
recurrent's text.StreamBatcher): the stream cut into B contiguous streams,
read in chunks of T steps with the state carried (detached) between
chunks. Model: Embedding(V, E) and Linear(H, V) uniform(-0.1, 0.1) with
zero decoder bias, nn.LSTM/GRU with PyTorch's default init. Training: mean
cross-entropy, clip_grad_norm_, Adam; --steps optimizer steps (wrapping
around epochs). Validation: mean cross-entropy over the validation stream
cut the same way (batch --eval-batch), state carried. Prints one JSON.
"""
import os
for _v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # set on this machine; hold OpenBLAS to older kernels
    if _v in os.environ:
        raise SystemExit(f"unset {_v} for the peer (bench/lm_quality.sh does)")
import argparse, json, math, time

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--valid-fraction", type=float, default=0.1)
p.add_argument("--cell", default="lstm", choices=["lstm", "gru"])
p.add_argument("--embed", type=int, default=512)
p.add_argument("--hidden", type=int, default=512)
p.add_argument("--layers", type=int, default=2)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--bptt", type=int, default=100)
p.add_argument("--steps", type=int, default=1000)
p.add_argument("--lr", type=float, default=2e-3)
p.add_argument("--clip", type=float, default=5.0)
p.add_argument("--eval-batch", type=int, default=32)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()

import torch
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)

text = open(a.data, encoding="utf-8").read()
n_train = len(text) - int(len(text) * a.valid_fraction)
train_txt, valid_txt = text[:n_train], text[n_train:]
chars = sorted(set(train_txt))
idx = {c: i for i, c in enumerate(chars)}
V = len(chars)
train = torch.tensor([idx[c] for c in train_txt], dtype=torch.long)
valid = torch.tensor([idx.get(c, 0) for c in valid_txt], dtype=torch.long)


def batchify(ids, B):
    L = ids.numel() // B
    return ids[: L * B].view(B, L).t().contiguous()  # [L, B]


class LM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(V, a.embed)
        rnn = torch.nn.LSTM if a.cell == "lstm" else torch.nn.GRU
        self.rnn = rnn(a.embed, a.hidden, a.layers)
        self.decoder = torch.nn.Linear(a.hidden, V)
        torch.nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        torch.nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        torch.nn.init.zeros_(self.decoder.bias)

    def forward(self, x, h):
        y, h = self.rnn(self.embedding(x), h)
        return self.decoder(y), h


def detach(h):
    if h is None:
        return None
    return tuple(t.detach() for t in h) if isinstance(h, tuple) else h.detach()


m = LM()
opt = torch.optim.Adam(m.parameters(), lr=a.lr)
tr = batchify(train, a.batch)
L = tr.size(0)
t0 = time.perf_counter()
step, h, pos, losses = 0, None, 0, []
m.train()
while step < a.steps:
    if pos >= L - 1:
        pos, h = 0, None
    T = min(a.bptt, L - 1 - pos)
    x, y = tr[pos:pos + T], tr[pos + 1:pos + 1 + T]
    pos += T
    h = detach(h)
    opt.zero_grad()
    logits, h = m(x, h)
    loss = torch.nn.functional.cross_entropy(logits.view(-1, V), y.reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(m.parameters(), a.clip)
    opt.step()
    losses.append(loss.item())
    step += 1
train_sec = time.perf_counter() - t0

m.eval()
va = batchify(valid, a.eval_batch)
Lv = va.size(0)
total, count, h = 0.0, 0, None
with torch.no_grad():
    for s in range(0, Lv - 1, a.bptt):
        T = min(a.bptt, Lv - 1 - s)
        logits, h = m(va[s:s + T], h)
        total += torch.nn.functional.cross_entropy(logits.view(-1, V), va[s + 1:s + 1 + T].reshape(-1), reduction="sum").item()
        count += T * a.eval_batch
total_sec = time.perf_counter() - t0
print(json.dumps({"peer": "pytorch", "torch_version": torch.__version__, "steps": step, "vocab": V,
                  "train_loss_last10": sum(losses[-10:]) / len(losses[-10:]), "val_loss": total / count,
                  "val_tokens": count, "train_seconds": train_sec, "seconds": total_sec,
                  "tokens_per_sec": step * a.batch * a.bptt / train_sec, "threads": a.threads}))
