"""Generate the torch.save test files of lm import (run: /usr/bin/python3 gen_torch_import.py).

Each case is a tiny PyTorch language model saved as people save them,
torch.save(model.state_dict(), path), with PyTorch's default initialisation;
torch_import.json holds, per case, its file, vocabulary file, the names
--rename must map (if any), one chunk of input ids and PyTorch's logits for it
from a zero state.

  torch_lstm_word.pt       pytorch/examples word_language_model naming
                           (encoder, rnn, decoder), 2-layer LSTM, word level,
                           zip format (PyTorch >= 1.6); vocabulary one word a line
  torch_gru_char.pt        our naming (embedding, rnn, decoder), GRU, tied,
                           character level; vocabulary a JSON array of characters
  torch_gru_char_legacy.pt the same model saved in float64 in the legacy
                           (pre-1.6, non-zip) format
  torch_custom_names.pt    attributes emb, lstm, fc: needs --rename
  torch_whole_model.pt     torch.save(model) of a whole module: must be refused
  torch_training_ckpt.pt   a training checkpoint {"epoch", "model_state_dict",
                           "optimizer_state_dict"} of a model wrapped in
                           nn.DataParallel (every name under "module.")
"""
import json

import torch


class LM(torch.nn.Module):
    def __init__(self, names, cell, v, e, h, layers, tied):
        super().__init__()
        self.names = names
        setattr(self, names[0], torch.nn.Embedding(v, e))
        setattr(self, names[1], {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](e, h, layers))
        setattr(self, names[2], torch.nn.Linear(h, v))
        if tied:
            getattr(self, names[2]).weight = getattr(self, names[0]).weight

    def forward(self, x, state):
        emb, rnn, dec = (getattr(self, n) for n in self.names)
        out, state = rnn(emb(x), state)
        return dec(out)


WORDS = ["<unk>", "<eos>", "the", "cat", "sat", "on", "mat", "dog", "log", "a", "ran", "to", "it"]
CHARS = ["\n", " ", "a", "b", "c", "d", "e", "o", "r", "s", "t", "!"]


def case(name, names, cell, vocab, vocab_file, e, h, layers, tied, T, B, rename=None, dtype=torch.float32, legacy=False,
         training_checkpoint=False):
    v = len(vocab)
    m = LM(names, cell, v, e, h, layers, tied).to(dtype).eval()
    x = torch.randint(0, v, (T, B))
    z = torch.zeros(layers, B, h, dtype=dtype)
    with torch.no_grad():
        logits = m(x, (z, z.clone()) if cell == "lstm" else z)
    if training_checkpoint:
        wrapped = torch.nn.DataParallel(m)
        opt = torch.optim.SGD(wrapped.parameters(), lr=0.1, momentum=0.9)
        torch.save({"epoch": 7, "model_state_dict": wrapped.state_dict(), "optimizer_state_dict": opt.state_dict()},
                   f"{name}.pt")
    else:
        torch.save(m.state_dict(), f"{name}.pt", _use_new_zipfile_serialization=not legacy)
    return {"name": name, "file": f"{name}.pt", "vocab": vocab_file, "rename": rename or [], "cell": cell,
            "vocab_size": v, "embed_dim": e, "hidden_size": h, "num_layers": layers, "tied": tied,
            "T": T, "B": B, "x": x.flatten().tolist(), "logits": logits.flatten().tolist()}


torch.manual_seed(0)
with open("torch_words.txt", "w") as f:
    f.write("\n".join(WORDS) + "\n")
with open("torch_chars.json", "w") as f:
    json.dump(CHARS, f)
cases = [
    case("torch_lstm_word", ("encoder", "rnn", "decoder"), "lstm", WORDS, "torch_words.txt", 5, 6, 2, False, 5, 3),
    case("torch_gru_char", ("embedding", "rnn", "decoder"), "gru", CHARS, "torch_chars.json", 4, 4, 1, True, 6, 2),
    case("torch_gru_char_legacy", ("embedding", "rnn", "decoder"), "gru", CHARS, "torch_chars.json", 4, 5, 2, False, 6, 2,
         dtype=torch.float64, legacy=True),
    case("torch_custom_names", ("emb", "lstm", "fc"), "lstm", WORDS, "torch_words.txt", 3, 4, 1, False, 4, 2,
         rename=["emb=embedding", "lstm=rnn", "fc=decoder"]),
    case("torch_training_ckpt", ("encoder", "rnn", "decoder"), "gru", WORDS, "torch_words.txt", 3, 3, 1, True, 4, 2,
         training_checkpoint=True),
]
whole = LM(("encoder", "rnn", "decoder"), "lstm", 13, 3, 3, 1, False)
torch.save(whole, "torch_whole_model.pt")
with open("torch_import.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
