"""Generate lm golden cases with PyTorch (run: /usr/bin/python3 gen_golden.py).

Each case is a tiny Embedding -> RNN -> Linear language model (or, with
cutoffs, -> AdaptiveLogSoftmaxWithLoss) with PyTorch state_dict names, one truncated-BPTT chunk (time-major ids, targets, an
initial state) and the expected mean cross-entropy, final state and
gradients of every parameter.
"""
import json

import torch

torch.manual_seed(0)


class LM(torch.nn.Module):
    def __init__(self, cell, v, e, h, layers, tied, cutoffs=None, div_value=4.0):
        super().__init__()
        self.embedding = torch.nn.Embedding(v, e)
        rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn_tanh": torch.nn.RNN}[cell]
        self.rnn = rnn(e, h, layers)
        if cutoffs:
            self.decoder = torch.nn.AdaptiveLogSoftmaxWithLoss(h, v, cutoffs, div_value=div_value)
        else:
            self.decoder = torch.nn.Linear(h, v)
        if tied:
            self.decoder.weight = self.embedding.weight


def case(name, cell, v, e, h, layers, tied, T, B, cutoffs=None, div_value=4.0):
    m = LM(cell, v, e, h, layers, tied, cutoffs, div_value)
    with torch.no_grad():
        for p in m.parameters():
            p.uniform_(-0.5, 0.5)
    x = torch.randint(0, v, (T, B))
    y = torch.randint(0, v, (T, B))
    h0 = torch.randn(layers, B, h) * 0.5
    state = (h0, torch.randn(layers, B, h) * 0.5) if cell == "lstm" else h0
    out, hn = m.rnn(m.embedding(x), state)
    if cutoffs:
        loss = m.decoder(out.reshape(T * B, h), y.reshape(T * B)).loss
    else:
        logits = m.decoder(out)
        loss = torch.nn.functional.cross_entropy(logits.reshape(T * B, v), y.reshape(T * B))
    loss.backward()
    sd = m.state_dict()
    params = {k: t.flatten().tolist() for k, t in sd.items() if not (tied and k == "decoder.weight")}
    grads = {}
    named = dict(m.named_parameters())
    for k in params:
        grads[k] = named[k].grad.flatten().tolist()
    c = {
        "name": name, "cell": cell, "vocab_size": v, "embed_dim": e, "hidden_size": h,
        "num_layers": layers, "tied": tied, "T": T, "B": B,
        "x": x.flatten().tolist(), "y": y.flatten().tolist(),
        "h0": h0.flatten().tolist(),
        "params": params, "loss": loss.item(), "grads": grads,
    }
    if cutoffs:
        c["adaptive_cutoffs"], c["div_value"] = cutoffs, div_value
    if cell == "lstm":
        c["c0"] = state[1].flatten().tolist()
        c["hN"] = hn[0].flatten().tolist()
        c["cN"] = hn[1].flatten().tolist()
    else:
        c["hN"] = hn.flatten().tolist()
    return c


cases = [
    case("lstm_2layer", "lstm", 11, 6, 5, 2, False, 4, 3),
    case("gru_tied", "gru", 9, 7, 7, 1, True, 5, 2),
    case("rnn_tanh", "rnn_tanh", 8, 4, 6, 2, False, 3, 2),
    case("lstm_adaptive", "lstm", 30, 6, 8, 2, False, 5, 3, cutoffs=[6, 15], div_value=2.0),
]
with open("golden_lm.json", "w") as f:
    json.dump({"source": "PyTorch " + torch.__version__ + ", gen_golden.py", "cases": cases}, f)
