"""Networks trained or built in PyTorch for the `bnlab import` tests, with the statistics PyTorch
computes from them (BN channels and |γ| < 0.01 per layer, eval-mode test accuracy) in expected.json.

usage: import_fixtures.py OUT_DIR MARKER_FILE
  OUT_DIR/resnet18.pth                   torchvision resnet18 state dict, some γ near zero
  OUT_DIR/train_0123abcd/replicate_1/main  open_lth-style run: cifar_resnet_8_16 trained 2 epochs on Fashion-MNIST
  OUT_DIR/dataparallel.pth, fp16.pth, nested.pth   the trained network saved three other ways
  OUT_DIR/malicious.pth                  a pickle whose __reduce__ calls os.system
"""
import collections
import gzip
import json
import os
import sys

import torch
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from open_lth import CifarResNet  # noqa: E402

out, marker = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
torch.set_num_threads(2)
MEAN, STD = 0.286, 0.353
FMNIST = "/usr/share/datasets/fashion-mnist"


def idx(name, offset):
    with gzip.open(os.path.join(FMNIST, name)) as f:
        return torch.frombuffer(bytearray(f.read()[offset:]), dtype=torch.uint8)


def images(split):
    x = idx(f"{split}-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).float() / 255
    return (x - MEAN) / STD, idx(f"{split}-labels-idx1-ubyte.gz", 8).long()


def bn_stats(sd):
    """What PyTorch says about each BN layer: channels, and how many have |γ| < 0.01."""
    layers = [k[: -len(".running_mean")] for k in sd if k.endswith(".running_mean")]
    return [[n, int(sd[n + ".weight"].numel()), int((sd[n + ".weight"].float().abs() < 0.01).sum())] for n in layers]


expected = {"stats": {}}

# torchvision ResNet-18, random init, with γ pushed to zero in some channels (and near the threshold).
r18 = torchvision.models.resnet18()
with torch.no_grad():
    g = torch.Generator().manual_seed(1)
    for name, m in r18.named_modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            k = m.weight.numel()
            idx_ = torch.randperm(k, generator=g)[: k // 4]
            m.weight[idx_] = (torch.rand(len(idx_), generator=g) - 0.5) * 0.03
sd18 = r18.state_dict()
torch.save(sd18, os.path.join(out, "resnet18.pth"))
expected["stats"]["resnet18.pth"] = bn_stats(sd18)

# open_lth-style run: cifar_resnet_8_16 on 1-channel Fashion-MNIST, a 5% subsample, 2 epochs (small and
# short, so the test stays quick on a busy CPU).
train_x, train_y = images("train")
test_x, test_y = images("t10k")
sub = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(2))[:3000]
train_x, train_y = train_x[sub], train_y[sub]
model = CifarResNet(8, 16, 1, 10)
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(0, 1)  # open_lth's "uniform" BN init
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
main = os.path.join(out, "train_0123abcd", "replicate_1", "main")
os.makedirs(main)
batch, ipe = 128, (3000 + 127) // 128
log = []


def evaluate(x, y):
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(x[i : i + 1000]) for i in range(0, len(x), 1000)])
    return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


for epoch in range(3):
    torch.save(model.state_dict(), os.path.join(main, f"model_ep{epoch}_it0.pth"))
    # The whole test split for the last epoch (the accuracy bnlab must reproduce); the first 1000 before.
    n = len(test_x) if epoch == 2 else 1000
    loss, acc = evaluate(test_x[:n], test_y[:n])
    log += [f"test_loss,{epoch * ipe},{loss}", f"test_accuracy,{epoch * ipe},{acc}"]
    expected[f"test_accuracy_ep{epoch}"] = acc
    if epoch == 2:
        # The first 1000 test images: what the dashboard's prune page evaluates on.
        expected["test_accuracy_ep2_first1000"] = evaluate(test_x[:1000], test_y[:1000])[1]
        break
    model.train()
    perm = torch.randperm(3000)
    for i in range(ipe):
        b = perm[i * batch : (i + 1) * batch]
        opt.zero_grad()
        F.cross_entropy(model(train_x[b]), train_y[b]).backward()
        opt.step()
with open(os.path.join(main, "logger"), "w") as f:
    f.write("\n".join(log))
with open(os.path.join(main, "hparams.log"), "w") as f:
    f.write("Dataset Hyperparameters\n    * dataset_name => fashionmnist\n    * batch_size => 128\n    * subsample_fraction => 0.05\n"
            "Model Hyperparameters\n    * model_name => cifar_resnet_8_16\n    * batchnorm_init => uniform\n"
            "Training Hyperparameters\n    * optimizer_name => sgd\n    * lr => 0.1\n    * training_steps => 2ep\n")
trained = model.state_dict()
expected["stats"]["open_lth"] = bn_stats(trained)

# The trained network saved the other ways people save networks.
with torch.no_grad():
    trained["bn.weight"][:3] = torch.tensor([0.001, -0.002, 0.02])
torch.save(torch.nn.DataParallel(model).state_dict(), os.path.join(out, "dataparallel.pth"))
expected["stats"]["dataparallel.pth"] = bn_stats(model.state_dict())
half = collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in trained.items())
torch.save(half, os.path.join(out, "fp16.pth"))
expected["stats"]["fp16.pth"] = bn_stats(half)
torch.save({"epoch": 2, "state_dict": trained, "best_acc": 0.5}, os.path.join(out, "nested.pth"))
expected["stats"]["nested.pth"] = bn_stats(trained)


class Evil:
    def __reduce__(self):
        return (os.system, (f"touch {marker}",))


torch.save({"bn.weight": torch.ones(2), "evil": Evil()}, os.path.join(out, "malicious.pth"))
json.dump(expected, open(os.path.join(out, "expected.json"), "w"))
