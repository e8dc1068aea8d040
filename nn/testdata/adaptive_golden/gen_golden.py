#!/usr/bin/env python3
"""PyTorch reference cases for nn.AdaptiveSoftmax: torch.nn.AdaptiveLogSoftmaxWithLoss's
output (log-probability of each target), loss (mean negative log-likelihood), log_prob (the full
distribution) and the gradients of the loss for every parameter and the input. Computed in float64
from float32-representable values. Usage: gen_golden.py OUTDIR (PyTorch 1.13)."""
import json, sys
import torch

out_dir = sys.argv[1]
torch.manual_seed(0)


def T(x):
    return {"shape": list(x.shape), "data": [float(v) for v in x.detach().reshape(-1)]}


def f32(x):
    return x.float().double()


# (name, in_features, n_classes, cutoffs, div_value, head_bias, rows)
cases = [
    ("two_clusters", 8, 20, [5, 12], 2.0, False, 9),
    ("one_cluster_bias", 6, 15, [4], 4.0, True, 7),
    ("three_clusters_bias", 16, 30, [3, 10, 20], 2.0, True, 12),
    ("div_one", 5, 11, [2, 6], 1.0, False, 6),
]
for name, fin, ncls, cutoffs, div, hb, n in cases:
    m = torch.nn.AdaptiveLogSoftmaxWithLoss(fin, ncls, cutoffs, div_value=div, head_bias=hb).double()
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(f32(p))
    x = f32(torch.randn(n, fin)).requires_grad_()
    # every cluster gets rows: cycle through the ranges, then random targets
    bounds = [0] + cutoffs + [ncls]
    tgt = [int(torch.randint(bounds[k], bounds[k + 1], (1,))) for k in range(len(bounds) - 1)]
    tgt += [int(v) for v in torch.randint(0, ncls, (n - len(tgt),))]
    target = torch.tensor(tgt)
    out, loss = m(x, target)
    loss.backward()
    with torch.no_grad():
        lp = m.log_prob(x)
    d = {"name": name, "in_features": fin, "n_classes": ncls, "cutoffs": cutoffs, "div_value": div,
         "head_bias": hb, "params": {k: T(p) for k, p in m.named_parameters()},
         "input": T(x), "target": tgt,
         "expected": {"output": T(out), "loss": float(loss), "log_prob": T(lp)},
         "grads": {**{k: T(p.grad) for k, p in m.named_parameters()}, "input": T(x.grad)}}
    with open(f"{out_dir}/adaptive_{name}.json", "w") as f:
        json.dump(d, f)
    print("wrote", name)
