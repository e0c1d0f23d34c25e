"""PyTorch side of the bnlab cross-check (run by pytorch-crosscheck.test.ts).

Defines open_lth's cifar_resnet and cifar_vgg in plain PyTorch (plus the variants bnlab
builds: BN after ReLU; identity (He et al. option A, zeros appended as fb.resnet.torch does)
and no shortcuts), loads bnlab's checkpoint with load_state_dict(strict=True), and compares
eval-mode logits with bnlab's. It also exports a PyTorch-initialised model (raw tensors in a
safetensors file) with its logits, for the reverse direction. Debian ships no
python3-safetensors, so the format is read and written here.

usage: pytorch_crosscheck.py DIR SPEC_JSON
  SPEC_JSON: {"family", "depth", "width", "inChannels", "classes", "bnPlacement", "shortcut"}
  28×28 inputs to a VGG are zero-padded to 32×32, as bnlab does.
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


def bn_relu(bn, x, after):
    return bn(F.relu(x)) if after else F.relu(bn(x))


class Block(nn.Module):
    def __init__(self, f_in, f_out, downsample, after, shortcut):
        super().__init__()
        stride = 2 if downsample else 1
        self.after, self.kind, self.stride, self.pad = after, shortcut, stride, f_out - f_in
        self.conv1 = nn.Conv2d(f_in, f_out, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(f_out)
        self.conv2 = nn.Conv2d(f_out, f_out, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(f_out)
        if shortcut == "projection" and (downsample or f_in != f_out):
            self.shortcut = nn.Sequential(
                nn.Conv2d(f_in, f_out, kernel_size=1, stride=2, bias=False), nn.BatchNorm2d(f_out)
            )
        else:
            self.shortcut = nn.Sequential()

    def skip(self, x):
        if self.kind != "identity":
            return self.shortcut(x)
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, 0, self.pad))

    def forward(self, x):
        out = self.conv2(bn_relu(self.bn1, self.conv1(x), self.after))
        if not self.after:
            out = self.bn2(out)
        if self.kind != "none":
            out = out + self.skip(x)
        return self.bn2(F.relu(out)) if self.after else F.relu(out)


class ResNet(nn.Module):
    def __init__(self, depth, width, in_channels, classes, after=False, shortcut="projection"):
        super().__init__()
        n = (depth - 2) // 6
        plan = [(width, n), (2 * width, n), (4 * width, n)]
        current = plan[0][0]
        self.after = after
        self.conv = nn.Conv2d(in_channels, current, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(current)
        blocks = []
        for segment, (filters, num) in enumerate(plan):
            for b in range(num):
                blocks.append(Block(current, filters, segment > 0 and b == 0, after, shortcut))
                current = filters
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(plan[-1][0], classes)

    def forward(self, x):
        out = bn_relu(self.bn, self.conv(x), self.after)
        out = self.blocks(out)
        out = F.avg_pool2d(out, out.size()[3])
        out = out.view(out.size(0), -1)
        return self.fc(out)


VGG_PLANS = {
    11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512],
    13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512],
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512],
    19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512],
}


class ConvModule(nn.Module):
    """open_lth cifar_vgg.Model.ConvModule (conv with bias → BN → ReLU), BN after ReLU optionally."""

    def __init__(self, f_in, f_out, after):
        super().__init__()
        self.after = after
        self.conv = nn.Conv2d(f_in, f_out, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(f_out)

    def forward(self, x):
        return bn_relu(self.bn, self.conv(x), self.after)


class VGG(nn.Module):
    """open_lth cifar_vgg.Model: layers (nn.Sequential, pools counted), AvgPool2d(2), fc 512 → classes."""

    def __init__(self, depth, in_channels, classes, after=False):
        super().__init__()
        layers, filters = [], in_channels
        for spec in VGG_PLANS[depth]:
            if spec == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers.append(ConvModule(filters, spec, after))
                filters = spec
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        if x.shape[2] == 28:
            x = F.pad(x, (2, 2, 2, 2))
        x = self.layers(x)
        x = nn.AvgPool2d(2)(x)
        x = x.view(x.size(0), -1)
        return self.fc(x)


def build(spec):
    after = spec.get("bnPlacement", "before-relu") == "after-relu"
    if spec.get("family", "resnet") == "vgg":
        return VGG(spec["depth"], spec["inChannels"], spec["classes"], after)
    return ResNet(spec["depth"], spec["width"], spec["inChannels"], spec["classes"], after, spec.get("shortcut", "projection"))


def main():
    d, spec = sys.argv[1], json.loads(sys.argv[2])
    cin = spec["inChannels"]
    torch.manual_seed(0)
    model = build(spec)
    model.load_state_dict(read_safetensors(f"{d}/bnlab.safetensors"), strict=True)
    model.eval()
    batch = read_safetensors(f"{d}/batch.safetensors")
    with torch.no_grad():
        logits = model(batch["x"])
    diff = (logits - batch["logits"]).abs().max().item()

    # Reverse direction: a PyTorch-initialised model with non-trivial BN statistics.
    other = build(spec)
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
