"""PyTorch side of the bnlab cross-check (run by pytorch-crosscheck.test.ts).

Defines open_lth's cifar_resnet in plain PyTorch, loads bnlab's checkpoint with
load_state_dict(strict=True), and compares eval-mode logits with bnlab's. It also exports
a PyTorch-initialised model (raw tensors in a safetensors file) with its logits, for the
reverse direction. Debian ships no python3-safetensors, so the format is read and written here.

usage: pytorch_crosscheck.py DIR DEPTH WIDTH IN_CHANNELS CLASSES
  DIR/bnlab.safetensors  bnlab's checkpoint       DIR/batch.safetensors  x (NCHW), logits
  writes DIR/torch.safetensors (state dict) and DIR/torch_out.safetensors (logits)
  prints {"max_abs_diff": ..., "keys": ...}
"""
import json
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "I64": torch.int64, "F64": torch.float64}
NAMES = {v: k for k, v in DTYPES.items()}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        raw = bytearray(data[8 + n + b : 8 + n + end])
        t = torch.frombuffer(raw, dtype=DTYPES[e["dtype"]]) if raw else torch.empty(0, dtype=DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"]).clone()
    return out


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


class Block(nn.Module):
    def __init__(self, f_in, f_out, downsample=False):
        super().__init__()
        stride = 2 if downsample else 1
        self.conv1 = nn.Conv2d(f_in, f_out, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(f_out)
        self.conv2 = nn.Conv2d(f_out, f_out, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(f_out)
        if downsample or f_in != f_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(f_in, f_out, kernel_size=1, stride=2, bias=False), nn.BatchNorm2d(f_out)
            )
        else:
            self.shortcut = nn.Sequential()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class Model(nn.Module):
    def __init__(self, depth, width, in_channels, classes):
        super().__init__()
        n = (depth - 2) // 6
        plan = [(width, n), (2 * width, n), (4 * width, n)]
        current = plan[0][0]
        self.conv = nn.Conv2d(in_channels, current, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(current)
        blocks = []
        for segment, (filters, num) in enumerate(plan):
            for b in range(num):
                blocks.append(Block(current, filters, segment > 0 and b == 0))
                current = filters
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(plan[-1][0], classes)

    def forward(self, x):
        out = F.relu(self.bn(self.conv(x)))
        out = self.blocks(out)
        out = F.avg_pool2d(out, out.size()[3])
        out = out.view(out.size(0), -1)
        return self.fc(out)


def main():
    d, depth, width, cin, classes = sys.argv[1], *map(int, sys.argv[2:6])
    torch.manual_seed(0)
    model = Model(depth, width, cin, classes)
    model.load_state_dict(read_safetensors(f"{d}/bnlab.safetensors"), strict=True)
    model.eval()
    batch = read_safetensors(f"{d}/batch.safetensors")
    with torch.no_grad():
        logits = model(batch["x"])
    diff = (logits - batch["logits"]).abs().max().item()

    # Reverse direction: a PyTorch-initialised model with non-trivial BN statistics.
    other = Model(depth, width, cin, classes)
    other.train()
    with torch.no_grad():
        for _ in range(3):
            other(torch.randn(8, cin, batch["x"].shape[2], batch["x"].shape[3]) * 2 + 0.5)
        for m in other.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0, 1)
                m.bias.normal_(0, 0.1)
    other.eval()
    write_safetensors(f"{d}/torch.safetensors", other.state_dict())
    with torch.no_grad():
        write_safetensors(f"{d}/torch_out.safetensors", {"logits": other(batch["x"])})
    print(json.dumps({"max_abs_diff": diff, "keys": len(model.state_dict())}))


if __name__ == "__main__":
    main()
