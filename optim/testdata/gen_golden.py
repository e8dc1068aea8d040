"""Regenerate optim/testdata/golden/optim_*.json with PyTorch (1.13 CPU).

Same format as testdata/golden/README.md's optim_*.json: float32-representable
parameters and gradients, optimiser run in float64, parameters after each step.
Run: /usr/bin/python3 gen_golden.py
"""
import json
import torch

CASES = [
    ("sgd_plain", "sgd", dict(lr=0.1), None),
    ("sgd_momentum_dampening_wd", "sgd", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01), None),
    ("sgd_nesterov_clip", "sgd", dict(lr=0.05, momentum=0.8, nesterov=True), 1.5),
    ("adam_amsgrad", "adam", dict(lr=0.02, betas=[0.8, 0.99], eps=1e-6, amsgrad=True), None),
    ("adamw_amsgrad_clip", "adamw", dict(lr=0.01, weight_decay=0.05, amsgrad=True), 2.0),
    ("adagrad", "adagrad", dict(lr=0.1), None),
    ("adagrad_decay_init_wd", "adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.3, weight_decay=0.02, eps=1e-8), None),
    ("rmsprop", "rmsprop", dict(lr=0.01), None),
    ("rmsprop_centered_momentum_wd", "rmsprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.03), 1.0),
]
OPT = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
       "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop}


def f32(shape, gen, scale):
    return ((torch.rand(shape, generator=gen) * 2 - 1) * scale).float().double()


def tensor(t):
    return {"shape": list(t.shape), "data": t.flatten().tolist()}


for seed, (name, kind, args, clip) in enumerate(CASES):
    gen = torch.Generator().manual_seed(1000 + seed)
    params = [f32((3, 4), gen, 1).requires_grad_(), f32((5,), gen, 1).requires_grad_()]
    case = {"name": name, "optimizer": kind, **args, "clip_grad_norm": clip,
            "params": [tensor(p.detach()) for p in params], "grads": [], "expected_after_each_step": []}
    opt = OPT[kind](params, **args)
    for step in range(4):
        grads = [f32(p.shape, gen, 3) for p in params]
        case["grads"].append([tensor(g) for g in grads])
        for p, g in zip(params, grads):
            p.grad = g.clone()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        case["expected_after_each_step"].append([tensor(p.detach()) for p in params])
    with open(f"golden/optim_{name}.json", "w") as f:
        json.dump(case, f)
print(torch.__version__)
