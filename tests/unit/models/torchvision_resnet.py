"""torchvision ResNets on bnlab's image sizes, with PyTorch's eval-mode logits, for the forward test.

usage: torchvision_resnet.py OUT_DIR [CASE,...]   (default: every case)
  OUT_DIR/<case>.pth         the state dict (torch.save)
  OUT_DIR/<case>.input.f32   the images, NCHW float32
  OUT_DIR/<case>.logits.f32  torchvision's eval-mode logits, float32
  OUT_DIR/cases.json         [{name, depth, channels, size, classes, count, first1000}]
                             first1000: for the Fashion-MNIST cases, eval-mode accuracy on its first
                             1000 test images normalised as bnlab does (what the ablation API measures)
"""
import gzip
import json
import os
import sys

import torch
import torchvision

out = sys.argv[1]
torch.manual_seed(0)
torch.set_num_threads(2)
CASES = [
    # CIFAR-10 sized (3 × 32 × 32, 10 classes): basic blocks.
    ("resnet18_cifar10", 18, 3, 32, 10),
    # Fashion-MNIST sized (1 × 28 × 28): a one-channel stem, bottleneck blocks.
    ("resnet50_fmnist", 50, 1, 28, 10),
    ("resnet18_fmnist", 18, 1, 28, 10),
]
if len(sys.argv) > 2:
    CASES = [c for c in CASES if c[0] in sys.argv[2].split(",")]
FMNIST = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.286, 0.353


def fmnist_test(n):
    with gzip.open(os.path.join(FMNIST, "t10k-images-idx3-ubyte.gz")) as f:
        x = torch.frombuffer(bytearray(f.read()[16:]), dtype=torch.uint8)[: n * 784].reshape(n, 1, 28, 28).float() / 255
    with gzip.open(os.path.join(FMNIST, "t10k-labels-idx1-ubyte.gz")) as f:
        y = torch.frombuffer(bytearray(f.read()[8:]), dtype=torch.uint8)[:n].long()
    return (x - MEAN) / STD, y


cases = []
for name, depth, channels, size, classes in CASES:
    model = getattr(torchvision.models, f"resnet{depth}")(num_classes=classes)
    if channels != 3:
        model.conv1 = torch.nn.Conv2d(channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    # Running statistics of real activations (a cumulative average over a few batches), so eval
    # mode keeps the logits near unit scale; then γ spread out with some channels near zero, β non-zero.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(16, channels, size, size))
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(-0.2, 1.5)
                m.bias.normal_(0, 0.1)
    model.eval()
    x = torch.randn(4, channels, size, size)
    with torch.no_grad():
        logits = model(x)
    torch.save(model.state_dict(), os.path.join(out, f"{name}.pth"))
    x.numpy().astype("float32").tofile(os.path.join(out, f"{name}.input.f32"))
    logits.numpy().astype("float32").tofile(os.path.join(out, f"{name}.logits.f32"))
    first1000 = None
    if name.endswith("_fmnist") and os.path.isdir(FMNIST):
        tx, ty = fmnist_test(1000)
        with torch.no_grad():
            first1000 = (model(tx).argmax(1) == ty).float().mean().item()
    cases.append({"name": name, "depth": depth, "channels": channels, "size": size, "classes": classes, "count": 4, "first1000": first1000})
json.dump(cases, open(os.path.join(out, "cases.json"), "w"))
