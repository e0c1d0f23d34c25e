"""PyTorch side of `npm run repro`: the recipe a PyTorch user would write, fed bnlab's data plan.

Fashion-MNIST from the IDX files, the training subset and each epoch's order read from the plan
file bnlab wrote (so both sides see the same images in the same batches), normalised with the same
mean/std; open_lth's cifar_resnet with open_lth's init (kaiming_normal_ conv/linear weights, PyTorch's
default linear bias, BN γ ~ U[0, 1], β = 0) drawn from torch's own RNG; SGD with momentum and weight
decay on the trainable parameters only; lr ÷ 10 at the milestone epochs; no augmentation; the last
partial batch kept; eval mode on the full test set at the end.

usage: torch_train.py PLAN DATA_DIR DEPTH GROUPS EPOCHS BATCH LR MOMENTUM WD MILESTONES SEED MEAN STD
prints {"accuracy": ..., "correct": ..., "seconds": ...}
"""
import gzip
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration"))
from pytorch_crosscheck import ResNet as Model, read_safetensors  # noqa: E402


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims :]), dtype=torch.uint8).reshape(shape)


def load(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    find = lambda stem: next(p for p in (f"{data_dir}/{stem}", f"{data_dir}/{stem}.gz") if os.path.exists(p))
    return read_idx(find(f"{prefix}-images-idx3-ubyte")), read_idx(find(f"{prefix}-labels-idx1-ubyte")).long()


def open_lth_init(model):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight)
        if isinstance(m, nn.BatchNorm2d):
            nn.init.uniform_(m.weight)
            nn.init.zeros_(m.bias)


def group_of(mname, module):
    if isinstance(module, nn.BatchNorm2d):
        return "bn"
    if isinstance(module, nn.Linear):
        return "output"
    return "shortcut" if ".shortcut." in f".{mname}." else "other"


def main():
    plan_file, data_dir, depth, groups, epochs, batch, lr, momentum, wd, milestones, seed, mean, std = sys.argv[1:14]
    depth, epochs, batch, seed = int(depth), int(epochs), int(batch), int(seed)
    lr, momentum, wd, mean, std = float(lr), float(momentum), float(wd), float(mean), float(std)
    groups = set(groups.split(","))
    milestones = [int(m) for m in milestones.split(",") if m]
    torch.manual_seed(seed)
    started = time.time()

    plan = read_safetensors(plan_file)
    images, labels = load(data_dir, "train")
    subset = plan["subset"]
    x_train = ((images[subset].float() / 255 - mean) / std).unsqueeze(1)
    y_train = labels[subset]
    test_images, test_labels = load(data_dir, "test")
    x_test = ((test_images.float() / 255 - mean) / std).unsqueeze(1)

    model = Model(depth, 16, 1, 10)
    open_lth_init(model)
    params = []
    for mname, module in model.named_modules():
        for p in module.parameters(recurse=False):
            on = group_of(mname, module) in groups
            p.requires_grad_(on)
            if on:
                params.append(p)
    opt = torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=wd)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=milestones, gamma=0.1)

    for epoch in range(epochs):
        model.train()
        order = plan[f"order.{epoch}"]
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            opt.zero_grad()
            F.cross_entropy(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
        sched.step()

    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(x_test), 500):
            correct += (model(x_test[start : start + 500]).argmax(1) == test_labels[start : start + 500]).sum().item()
    print(json.dumps({"accuracy": correct / len(x_test), "correct": correct, "seconds": time.time() - started}))


if __name__ == "__main__":
    main()
