"""Generate lm golden cases with PyTorch (run: /usr/bin/python3 gen_golden.py).

Each case is a tiny Embedding -> RNN -> Linear language model with PyTorch
state_dict names, one truncated-BPTT chunk (time-major ids, targets, an
initial state) and the expected mean cross-entropy, final state and
gradients of every parameter.
"""
import json

import torch

torch.manual_seed(0)


class LM(torch.nn.Module):
    def __init__(self, cell, v, e, h, layers, tied):
        super().__init__()
        self.embedding = torch.nn.Embedding(v, e)
        rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn_tanh": torch.nn.RNN}[cell]
        self.rnn = rnn(e, h, layers)
        self.decoder = torch.nn.Linear(h, v)
        if tied:
            self.decoder.weight = self.embedding.weight


def case(name, cell, v, e, h, layers, tied, T, B):
    m = LM(cell, v, e, h, layers, tied)
    with torch.no_grad():
        for p in m.parameters():
            p.uniform_(-0.5, 0.5)
    x = torch.randint(0, v, (T, B))
    y = torch.randint(0, v, (T, B))
    h0 = torch.randn(layers, B, h) * 0.5
    state = (h0, torch.randn(layers, B, h) * 0.5) if cell == "lstm" else h0
    out, hn = m.rnn(m.embedding(x), state)
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
]
with open("golden_lm.json", "w") as f:
    json.dump({"source": "PyTorch " + torch.__version__ + ", gen_golden.py", "cases": cases}, f)
