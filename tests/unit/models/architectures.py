"""Names and shapes of the state dicts of the architectures bnlab recognises, as PyTorch and
torchvision define them (weights are not initialised: only names and shapes are written).

usage: architectures.py OUT.json
"""
import json
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "support"))
from open_lth import CifarResNet, CifarVgg  # noqa: E402

# Shapes only: skip the (slow) random initialisation of the large models.
for name in ["kaiming_normal_", "kaiming_uniform_", "normal_", "uniform_", "constant_", "zeros_", "ones_", "xavier_uniform_"]:
    setattr(torch.nn.init, name, lambda t, *a, **k: t)

tv = torchvision.models
models = {
    "cifar_resnet_20_16": CifarResNet(20, 16, 3, 10),
    "cifar_resnet_14_32": CifarResNet(14, 32, 1, 10),
    "cifar_vgg_11": CifarVgg(11),
    "cifar_vgg_16": CifarVgg(16, classes=100),
    "resnet18": tv.resnet18(),
    "resnet34": tv.resnet34(),
    "resnet50": tv.resnet50(),
    "resnet101": tv.resnet101(),
    "resnet152": tv.resnet152(num_classes=7),
    "vgg11_bn": tv.vgg11_bn(),
    "vgg13_bn": tv.vgg13_bn(),
    "vgg16_bn": tv.vgg16_bn(),
    "vgg19_bn": tv.vgg19_bn(),
    "mobilenet_v2": tv.mobilenet_v2(),
    # Not recognised: the plain VGG has no BN at all; the DenseNet's BN layers are still found.
    "vgg11": tv.vgg11(),
    "densenet121": tv.densenet121(),
}
out = {}
for key, m in models.items():
    sd = m.state_dict()
    bn = [n[: -len(".running_mean")] for n in sd if n.endswith(".running_mean")]
    out[key] = {"tensors": [[n, list(t.shape), t.is_floating_point()] for n, t in sd.items()],
                "bn": [[n, int(sd[n + ".weight"].shape[0])] for n in bn]}
json.dump(out, open(sys.argv[1], "w"))
