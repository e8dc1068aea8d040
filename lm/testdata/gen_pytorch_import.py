"""Generate the PyTorch-import test files (run: /usr/bin/python3 gen_pytorch_import.py).

For each case, a tiny PyTorch language model with the lm package's layout
(attributes embedding, rnn, decoder) gets PyTorch's default initialisation;
its state_dict is written to pytorch_<name>.safetensors (the safetensors
format written by hand: 8-byte little-endian header length, JSON header,
raw little-endian float32 data, so the safetensors Python package is not
needed), and the logits of one chunk from a zero state, plus the final
state, go to pytorch_import.json.
"""
import json
import struct

import torch


class LM(torch.nn.Module):
    def __init__(self, cell, v, e, h, layers, tied):
        super().__init__()
        self.embedding = torch.nn.Embedding(v, e)
        self.rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn_tanh": torch.nn.RNN}[cell](e, h, layers)
        self.decoder = torch.nn.Linear(h, v)
        if tied:
            self.decoder.weight = self.embedding.weight

    def forward(self, x, state):
        out, state = self.rnn(self.embedding(x), state)
        return self.decoder(out), state


def write_safetensors(path, sd):
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in sd.items():
        b = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def case(name, cell, v, e, h, layers, tied, T, B):
    m = LM(cell, v, e, h, layers, tied).eval()
    x = torch.randint(0, v, (T, B))
    z = torch.zeros(layers, B, h)
    with torch.no_grad():
        logits, state = m(x, (z, z.clone()) if cell == "lstm" else z)
    # The state_dict as PyTorch saves it (tied: decoder.weight is present
    # too, sharing embedding.weight's storage).
    write_safetensors(f"pytorch_{name}.safetensors", m.state_dict())
    c = {"name": name, "file": f"pytorch_{name}.safetensors", "cell": cell, "vocab_size": v, "embed_dim": e,
         "hidden_size": h, "num_layers": layers, "tied": tied, "T": T, "B": B,
         "x": x.flatten().tolist(), "logits": logits.flatten().tolist()}
    if cell == "lstm":
        c["hN"], c["cN"] = state[0].flatten().tolist(), state[1].flatten().tolist()
    else:
        c["hN"] = state.flatten().tolist()
    return c


torch.manual_seed(0)
cases = [
    case("lstm", "lstm", 13, 5, 6, 2, False, 5, 3),
    case("gru_tied", "gru", 9, 4, 4, 1, True, 4, 2),
]
with open("pytorch_import.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
