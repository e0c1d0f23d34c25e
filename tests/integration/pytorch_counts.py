"""Parameter counts of open_lth's cifar_vgg_D, from its definition in plain PyTorch
(models/cifar_vgg.py; groups as models/registry.py freezes them: BN γ/β, the output layer
`fc.*`, everything else). Run by arch-counts.test.ts.

usage: pytorch_counts.py DEPTH...   prints {"<depth>": {"total", "bn", "output", "other"}, ...}
"""
import json
import sys

import torch.nn as nn

PLANS = {
    11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512],
    13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512],
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512],
    19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512],
}


class ConvModule(nn.Module):
    def __init__(self, f_in, f_out):
        super().__init__()
        self.conv = nn.Conv2d(f_in, f_out, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(f_out)


class Model(nn.Module):
    def __init__(self, plan, outputs=10):
        super().__init__()
        layers, filters = [], 3
        for spec in plan:
            if spec == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers.append(ConvModule(filters, spec))
                filters = spec
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, outputs)


def counts(model):
    bn_names = [k + "." + p for k, m in model.named_modules() if isinstance(m, nn.BatchNorm2d) for p in ("weight", "bias")]
    out = {"total": 0, "bn": 0, "output": 0, "other": 0}
    for name, p in model.named_parameters():
        group = "bn" if name in bn_names else "output" if name in ("fc.weight", "fc.bias") else "other"
        out[group] += p.numel()
        out["total"] += p.numel()
    return out


print(json.dumps({d: counts(Model(PLANS[int(d)])) for d in sys.argv[1:]}))
