"""An open_lth-style run of cifar_vgg_11 on Fashion-MNIST (1 channel, 10 classes), for the import
tests, with PyTorch's eval-mode accuracy on the test split.

Its convs keep their random initialisation; BN has running statistics of real images (a
cumulative average over a few batches) and spread γ (some channels near zero, so a threshold
prunes); `fc` is fitted by ridge regression on 1000 training images, so accuracy means something.
Inputs are 28×28 zero-padded to 32 after normalisation, as bnlab does (open_lth's VGG fails on 28×28).

usage: open_lth_vgg.py OUT_DIR
  OUT_DIR/train_0badc0de/replicate_1/main/model_ep1_it0.pth, hparams.log
  OUT_DIR/expected.json   {test_accuracy (all 10000 test images), first1000 (the first 1000),
                           pruned03_first1000 (the first 1000 with every BN channel of |γ| < 0.3
                           switched off: γ and β zeroed, bnlab's "zero" ablation)}
"""
import copy
import gzip
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from open_lth import CifarVgg  # noqa: E402

out = sys.argv[1]
torch.manual_seed(0)
torch.set_num_threads(2)
FMNIST = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.286, 0.353


def fmnist(split, n=None):
    with gzip.open(os.path.join(FMNIST, f"{split}-images-idx3-ubyte.gz")) as f:
        x = torch.frombuffer(bytearray(f.read()[16:]), dtype=torch.uint8).reshape(-1, 1, 28, 28)[:n].float() / 255
    with gzip.open(os.path.join(FMNIST, f"{split}-labels-idx1-ubyte.gz")) as f:
        y = torch.frombuffer(bytearray(f.read()[8:]), dtype=torch.uint8)[:n].long()
    return (x - MEAN) / STD, y


model = CifarVgg(11, classes=10, in_channels=1)
for m in model.modules():
    if isinstance(m, torch.nn.BatchNorm2d):
        m.momentum = None
model.train()
tx, ty = fmnist("train", 1000)
with torch.no_grad():
    for i in (0, 16, 32):
        model(tx[i : i + 16])
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(-0.2, 1.5)
            m.bias.normal_(0, 0.1)
model.eval()
with torch.no_grad():
    # fc's input: the layers' output, 2×2-average-pooled to 1×1×512 (the padding is the model's own).
    z = F.avg_pool2d(model.layers(F.pad(tx, (2, 2, 2, 2))), 2).flatten(1)
    a = torch.cat([z, torch.ones(len(z), 1)], 1).double()
    gram = a.t() @ a
    w = torch.linalg.solve(gram + 1e-2 * gram.diagonal().mean() * torch.eye(len(gram), dtype=torch.float64), a.t() @ (F.one_hot(ty, 10).double() * 2 - 1))
    model.fc.weight.copy_(w[:-1].t())
    model.fc.bias.copy_(w[-1])

    test_x, test_y = fmnist("t10k")
    correct = torch.cat([model(test_x[i : i + 500]).argmax(1) == test_y[i : i + 500] for i in range(0, len(test_x), 500)])
    unpruned = copy.deepcopy(model.state_dict())

    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            off = m.weight.abs() < 0.3
            m.weight[off] = 0
            m.bias[off] = 0
    pruned03 = (model(test_x[:1000]).argmax(1) == test_y[:1000]).float().mean().item()

main = os.path.join(out, "train_0badc0de", "replicate_1", "main")
os.makedirs(main)
torch.save(unpruned, os.path.join(main, "model_ep1_it0.pth"))
with open(os.path.join(main, "hparams.log"), "w") as f:
    f.write("Dataset Hyperparameters\n    * dataset_name => fashionmnist\n    * batch_size => 128\n"
            "Model Hyperparameters\n    * model_name => cifar_vgg_11\n    * batchnorm_init => uniform\n")
json.dump({"test_accuracy": correct.float().mean().item(), "first1000": correct[:1000].float().mean().item(), "pruned03_first1000": pruned03}, open(os.path.join(out, "expected.json"), "w"))
