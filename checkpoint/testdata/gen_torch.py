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
