"""Parameter counts of open_lth's cifar_vgg_D, from its definition in plain PyTorch
(models/cifar_vgg.py; groups as models/registry.py freezes them: BN γ/β, the output layer
`fc.*`, everything else). Run by arch-counts.test.ts.

usage: pytorch_counts.py DEPTH...   prints {"<depth>": {"total", "bn", "output", "other"}, ...}
"""
import json
import os
import sys

import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from pytorch_crosscheck import VGG  # noqa: E402



def counts(model):
    bn_names = [k + "." + p for k, m in model.named_modules() if isinstance(m, nn.BatchNorm2d) for p in ("weight", "bias")]
    out = {"total": 0, "bn": 0, "output": 0, "other": 0}
    for name, p in model.named_parameters():
        group = "bn" if name in bn_names else "output" if name in ("fc.weight", "fc.bias") else "other"
        out[group] += p.numel()
        out["total"] += p.numel()
    return out


print(json.dumps({d: counts(VGG(int(d), 3, 10)) for d in sys.argv[1:]}))
