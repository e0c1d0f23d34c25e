#!/usr/bin/env python3
"""PyTorch reference for trainer/bench/engine.ts: the same ResNet (open_lth cifar_resnet_D_W),
the same three workloads (BN-only training, full training, inference) on random 32x32x3 data,
SGD with momentum 0.9 and weight decay 5e-4. Prints one JSON object shaped like engine.ts's
EngineResult. `--bf16` runs the forward passes under CPU autocast to bfloat16 (PyTorch's mixed
precision: convolutions and the linear layer in bf16, parameters and optimizer in float32). Uses every core (torch.set_num_threads(os.cpu_count())); Debian's torch starts
with one thread.

    /usr/bin/python3 trainer/bench/torch_bench.py --depth 20 --batch-size 128
"""

import argparse
import contextlib
import json
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, f_in, f_out, downsample):
        super().__init__()
        stride = 2 if downsample else 1
        self.conv1 = nn.Conv2d(f_in, f_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(f_out)
        self.conv2 = nn.Conv2d(f_out, f_out, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(f_out)
        if downsample or f_in != f_out:
            self.shortcut = nn.Sequential(nn.Conv2d(f_in, f_out, 1, stride=2, bias=False), nn.BatchNorm2d(f_out))
        else:
            self.shortcut = nn.Sequential()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, depth, width, classes=10):
        super().__init__()
        n = (depth - 2) // 6
        plan = [(width * 2**s, n) for s in range(3)]
        self.conv = nn.Conv2d(3, width, 3, stride=1, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(width)
        blocks = []
        current = width
        for stage, (filters, count) in enumerate(plan):
            for i in range(count):
                downsample = stage > 0 and i == 0
                blocks.append(Block(current, filters, downsample))
                current = filters
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(plan[-1][0], classes)

    def forward(self, x):
        out = F.relu(self.bn(self.conv(x)))
        out = self.blocks(out)
        out = F.adaptive_avg_pool2d(out, 1).flatten(1)
        return self.fc(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--depth", type=int, default=20)
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--warmup", type=int, default=2, help="untimed steps: at least this many")
    p.add_argument("--warmup-seconds", type=float, default=0.0, help="and at least this long (at most 50 steps)")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--workloads", default="bnOnlyTrain,fullTrain,inference")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--bf16", action="store_true", help="torch.autocast('cpu', dtype=torch.bfloat16)")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    model = ResNet(args.depth, args.width).to(memory_format=fmt)
    x = torch.rand(args.batch_size, 3, 32, 32).mul_(2).sub_(1).contiguous(memory_format=fmt)
    y = torch.arange(args.batch_size) * 7 % 10

    def autocast():
        if args.bf16:
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def trainer(bn_only):
        params = [p for n, p in model.named_parameters() if not bn_only or ".bn" in n or n.startswith("bn.") or "shortcut.1" in n]
        opt = torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=5e-4)
        trainable = set(id(p) for p in params)

        def step():
            for q in model.parameters():
                q.requires_grad_(id(q) in trainable)
            model.train()
            opt.zero_grad(set_to_none=True)
            with autocast():
                out = model(x)
            loss = F.cross_entropy(out.float(), y)
            loss.backward()
            opt.step()
            return loss.item()

        return step

    def infer():
        model.eval()
        with torch.no_grad(), autocast():
            return model(x).float().sum().item()

    steps = {"bnOnlyTrain": trainer(True), "fullTrain": trainer(False), "inference": infer}
    result = {
        "engine": ("torch-cl" if args.channels_last else "torch") + ("-bf16" if args.bf16 else ""),
        "precision": "bf16" if args.bf16 else "fp32",
        "detail": f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{'channels-last' if args.channels_last else 'NCHW'}, {'autocast-bf16' if args.bf16 else 'fp32'}, "
        f"mkldnn {torch.backends.mkldnn.is_available()}",
    }
    for w in args.workloads.split(","):
        run = steps[w]
        # bnlab's rule (engine.ts, warmUp): at least --warmup steps and --warmup-seconds, at most 50 steps.
        start, done = time.perf_counter(), 0
        while done < args.warmup or (time.perf_counter() - start < args.warmup_seconds and done < 50):
            run()
            done += 1
        times = []
        for _ in range(args.steps):
            t0 = time.perf_counter()
            run()
            times.append((time.perf_counter() - t0) * 1000)
        med = statistics.median(times)
        best = min(times)
        result[w] = {
            "perSecond": args.batch_size * 1000 / med,
            "medianMs": med,
            "bestMs": best,
            "bestPerSecond": args.batch_size * 1000 / best,
            "stepsMs": times,
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
