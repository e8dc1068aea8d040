"""Generate the torch.save test files of checkpoint.ReadTorch (run: /usr/bin/python3 gen_torch.py).

views.pt / views_legacy.pt: a dict of tensors of each floating dtype, with
views that share a storage at an offset and with non-contiguous strides,
in the zip and the legacy format; views.json: their shapes and values.
long.pt: an int64 tensor (refused: not a floating tensor).
"""
import json
from collections import OrderedDict

import torch

torch.manual_seed(0)
base = torch.randn(3, 4)
sd = OrderedDict([
    ("f32", base),
    ("transposed", base.t()),           # stride (1, 4)
    ("row", base[1]),                    # offset 4
    ("column", base[:, 2]),              # offset 2, stride 4
    ("f64", torch.randn(2, 3, dtype=torch.float64)),
    ("f16", torch.randn(5, dtype=torch.float16)),
    ("bf16", torch.randn(2, 2, dtype=torch.bfloat16)),
    ("scalar", torch.tensor(2.5)),
    ("empty", torch.zeros(0, 3)),
])
torch.save(sd, "views.pt")
torch.save(sd, "views_legacy.pt", _use_new_zipfile_serialization=False)
torch.save({"ids": torch.arange(4)}, "long.pt")
with open("views.json", "w") as f:
    json.dump({k: {"shape": list(v.shape), "data": v.float().flatten().tolist()} for k, v in sd.items()}, f)

# A training checkpoint as tutorials save it: the state_dict is one value
# among others (an optimizer state with int and float entries, an epoch).
model = torch.nn.Linear(3, 2)
opt = torch.optim.Adam(model.parameters(), lr=0.01)
model(torch.randn(4, 3)).sum().backward()
opt.step()
ck = {"epoch": 3, "model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(), "loss": 0.25}
torch.save(ck, "training_checkpoint.pt")
torch.save(ck, "training_checkpoint_legacy.pt", _use_new_zipfile_serialization=False)
with open("training_checkpoint.json", "w") as f:
    json.dump({k: {"shape": list(v.shape), "data": v.flatten().tolist()} for k, v in model.state_dict().items()}, f)
# Nothing to import: no dict of tensors.
torch.save({"epoch": 3, "names": ["a", "b"]}, "no_tensors.pt")
