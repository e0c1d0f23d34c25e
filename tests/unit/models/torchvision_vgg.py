"""torchvision VGG-BNs on bnlab's image sizes, with PyTorch's eval-mode logits, for the forward test.

The classifier's two hidden linears get a small width (torchvision's 4096 makes a 500 MB state
dict); the features are torchvision's own. A 1-channel network replaces features[0].

usage: torchvision_vgg.py OUT_DIR [CASE,...] [--accuracy]   (default: every case; --accuracy: the
       first1000 figures below, which take most of the time)
  OUT_DIR/<case>.pth         the state dict (torch.save)
  OUT_DIR/<case>.input.f32   the images, NCHW float32 (28×28 ones unpadded: bnlab pads them itself)
  OUT_DIR/<case>.logits.f32  torchvision's eval-mode logits, float32 (28×28 inputs zero-padded to
                             32×32 first, as bnlab does: torchvision's VGG fails on 28×28)
  OUT_DIR/cases.json         [{name, depth, channels, size, classes, hidden, count, first1000, pruned03_first1000}]
                             first1000: for the Fashion-MNIST cases, eval-mode accuracy on its first
                             1000 test images normalised as bnlab does (what the ablation API measures);
                             pruned03_first1000: the same with every BN channel of |γ| < 0.3 switched
                             off (γ and β zeroed, bnlab's "zero" ablation)
"""
import gzip
import json
import os
import sys

import torch
import torch.nn.functional as F
import torchvision

ACCURACY = "--accuracy" in sys.argv[1:]
args = [a for a in sys.argv[1:] if not a.startswith("--")]
out = args[0]
torch.set_num_threads(2)
CASES = [
    # name, depth, channels, side, classes, hidden
    # CIFAR-10 sized: five pools leave 1×1, which the adaptive pool repeats 7×7.
    ("vgg11_bn_cifar10", 11, 3, 32, 10, 64),
    # Fashion-MNIST sized (1 × 28 × 28, padded to 32): a one-channel features[0]; its output layer
    # fitted briefly on Fashion-MNIST so the accuracy on the test images means something.
    ("vgg11_bn_fmnist", 11, 1, 28, 10, 64),
    ("vgg16_bn_fmnist", 16, 1, 28, 10, 32),
    # 72 pixels leave 2×2 before the adaptive pool: overlapping bins (floor/ceil).
    ("vgg13_bn_72", 13, 3, 72, 5, 48),
    # ImageNet's side: 7×7 before the adaptive pool (the identity).
    ("vgg19_bn_224", 19, 3, 224, 7, 16),
]
# Each case seeded by its place in the full list: a selection builds the same networks.
SEEDS = {c[0]: i for i, c in enumerate(CASES)}
if len(args) > 1:
    CASES = [c for c in CASES if c[0] in args[1].split(",")]
FMNIST = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.286, 0.353


def fmnist(split, n):
    with gzip.open(os.path.join(FMNIST, f"{split}-images-idx3-ubyte.gz")) as f:
        x = torch.frombuffer(bytearray(f.read()[16:]), dtype=torch.uint8)[: n * 784].reshape(n, 1, 28, 28).float() / 255
    with gzip.open(os.path.join(FMNIST, f"{split}-labels-idx1-ubyte.gz")) as f:
        y = torch.frombuffer(bytearray(f.read()[8:]), dtype=torch.uint8)[:n].long()
    return (x - MEAN) / STD, y


def pruned(model, threshold):
    """A copy with every BN channel of |γ| < threshold switched off: γ = β = 0."""
    import copy

    p = copy.deepcopy(model)
    with torch.no_grad():
        for m in p.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                off = m.weight.abs() < threshold
                m.weight[off] = 0
                m.bias[off] = 0
    return p


def pad28(x):
    return F.pad(x, (2, 2, 2, 2)) if x.shape[-1] == 28 else x


cases = []
for name, depth, channels, size, classes, hidden in CASES:
    torch.manual_seed(SEEDS[name])
    # torchvision's own constructor, without initialising the 4096-wide linears replaced below
    # (120M parameters: seconds per network); the convolutions get torchvision's init after.
    reset = torch.nn.Linear.reset_parameters
    torch.nn.Linear.reset_parameters = lambda self: None
    try:
        model = getattr(torchvision.models, f"vgg{depth}_bn")(num_classes=classes, init_weights=False)
    finally:
        torch.nn.Linear.reset_parameters = reset
    for m in model.features:
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            torch.nn.init.constant_(m.bias, 0)
    if channels != 3:
        model.features[0] = torch.nn.Conv2d(channels, 64, kernel_size=3, padding=1)
    model.classifier[0] = torch.nn.Linear(512 * 7 * 7, hidden)
    model.classifier[3] = torch.nn.Linear(hidden, hidden)
    model.classifier[6] = torch.nn.Linear(hidden, classes)
    # He-normal linears (PyTorch's default would shrink the logits ~3× per layer), biases non-zero.
    for i in (0, 3, 6):
        torch.nn.init.kaiming_normal_(model.classifier[i].weight, nonlinearity="relu" if i < 6 else "linear")
        torch.nn.init.normal_(model.classifier[i].bias, 0, 0.1)
    fm = name.endswith("_fmnist") and os.path.isdir(FMNIST)
    # Running statistics of real activations (a cumulative average over a few batches: Fashion-MNIST
    # images where the case is one), so eval mode keeps the logits near unit scale; then γ spread
    # out with some channels near zero, β non-zero.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = None
    model.train()
    batches = [pad28(fmnist("train", 48)[0][i : i + 16]) for i in (0, 16, 32)] if fm else [torch.randn(2 if size > 64 else 16, channels, size, size) for _ in range(3)]
    with torch.no_grad():
        for b in batches:
            model(b)
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(-0.2, 1.5)
                m.bias.normal_(0, 0.1)
    model.eval()
    if fm:
        # Fit classifier.6 alone (ridge regression on ±1 targets, the rest fixed) on 1000 training
        # images: small weights, so the logits stay near unit scale.
        tx, ty = fmnist("train", 1000)
        with torch.no_grad():
            z = model.classifier[:6](torch.flatten(model.avgpool(model.features(pad28(tx))), 1))
            a = torch.cat([z, torch.ones(len(z), 1)], 1).double()
            gram = a.t() @ a
            w = torch.linalg.solve(gram + 1e-2 * gram.diagonal().mean() * torch.eye(len(gram), dtype=torch.float64), a.t() @ (F.one_hot(ty, classes).double() * 2 - 1))
            model.classifier[6].weight.copy_(w[:-1].t())
            model.classifier[6].bias.copy_(w[-1])
    count = 2 if size > 64 else 4
    # Fashion-MNIST cases: test images (the inputs their statistics are of); otherwise noise.
    x = fmnist("t10k", count)[0] if fm else torch.randn(count, channels, size, size)
    with torch.no_grad():
        logits = model(pad28(x))
    torch.save(model.state_dict(), os.path.join(out, f"{name}.pth"))
    x.numpy().astype("float32").tofile(os.path.join(out, f"{name}.input.f32"))
    logits.numpy().astype("float32").tofile(os.path.join(out, f"{name}.logits.f32"))
    first1000 = pruned03 = None
    if fm and ACCURACY:
        tx, ty = fmnist("t10k", 1000)
        with torch.no_grad():
            first1000 = (model(pad28(tx)).argmax(1) == ty).float().mean().item()
            pruned03 = (pruned(model, 0.3)(pad28(tx)).argmax(1) == ty).float().mean().item()
    cases.append({"name": name, "depth": depth, "channels": channels, "size": size, "classes": classes, "hidden": hidden, "count": count, "first1000": first1000, "pruned03_first1000": pruned03})
json.dump(cases, open(os.path.join(out, "cases.json"), "w"))
