"""Writes the PyTorch checkpoints bnlab's reader is tested on, with what PyTorch itself reads
back from each (names, shapes, values as float64 lists) in expected.json.

usage: pytorch_checkpoints.py OUT_DIR MARKER_FILE
"""
import collections
import json
import os
import pickle
import sys
import zipfile

import torch

out, marker = sys.argv[1], sys.argv[2]
torch.manual_seed(0)


def small_net():
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, bias=False), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 5))


net = small_net()
with torch.no_grad():
    net[1].weight.uniform_(-1, 1)
    net[1].running_mean.normal_()
    net[1].running_var.uniform_(0.5, 2)
    net[1].num_batches_tracked.fill_(17)
sd = net.state_dict()
expected = {}


def record(name, tensors):
    expected[name] = {k: {"shape": list(t.shape), "float": t.is_floating_point(),
                          "values": t.double().flatten().tolist() if t.is_floating_point() else [int(v) for v in t.flatten().tolist()]}
                      for k, t in tensors.items()}


def save(name, obj, tensors, **kw):
    torch.save(obj, os.path.join(out, name), **kw)
    # What PyTorch reads back is the reference, not what we meant to write.
    back = torch.load(os.path.join(out, name))
    record(name, tensors(back))


save("plain.pth", sd, lambda b: b)
save("fp16.pth", {k: (v.half() if v.is_floating_point() else v) for k, v in sd.items()}, lambda b: b)
save("bf16.pth", {k: (v.bfloat16() if v.is_floating_point() else v) for k, v in sd.items()}, lambda b: b)
save("fp64.pth", {k: (v.double() if v.is_floating_point() else v) for k, v in sd.items()}, lambda b: b)
save("nested.pth", {"epoch": 3, "state_dict": sd, "optimizer": {"lr": 0.1}}, lambda b: b["state_dict"])
dp = torch.nn.DataParallel(net).state_dict()
assert all(k.startswith("module.") for k in dp)
save("dataparallel.pth", dp, lambda b: {k[len("module."):]: v for k, v in b.items()})
base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 7
save("views.pth", collections.OrderedDict([
    ("transposed", base.t()), ("sliced", base[1:3, ::2]), ("offset", base.flatten()[5:]), ("whole", base),
    ("scalar", torch.tensor(2.5)), ("empty", torch.zeros(0, 3)),
]), lambda b: b)
save("ints.pth", {"i32": torch.tensor([1, -2, 3], dtype=torch.int32), "u8": torch.tensor([0, 255], dtype=torch.uint8),
                  "flags": torch.tensor([True, False]), "i64": torch.tensor([2**40, -5])}, lambda b: b)
torch.save(sd, os.path.join(out, "legacy.pth"), _use_new_zipfile_serialization=False)


class Evil:
    def __reduce__(self):
        return (os.system, (f"touch {marker}",))


torch.save({"weight": torch.ones(2), "payload": Evil()}, os.path.join(out, "malicious.pth"))


class Evil2:
    def __reduce__(self):
        return (eval, (f"open({marker!r}, 'w')",))


torch.save(collections.OrderedDict([("bn.weight", torch.ones(2)), ("x", Evil2())]), os.path.join(out, "malicious-eval.pth"))


# Hand-made archives in PyTorch's layout, each wrong in one way.
class Storage:
    def __init__(self, dtype_cls, key, numel):
        self.pid = ("storage", dtype_cls, key, "cpu", numel)


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, Storage) else None


def archive(name, obj, storages, extra=None):
    import io
    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(obj)
    with zipfile.ZipFile(os.path.join(out, name), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", buf.getvalue())
        for key, data in storages.items():
            z.writestr(f"archive/data/{key}", data)
        z.writestr("archive/version", "3\n")
        for k, v in (extra or {}).items():
            z.writestr(f"archive/{k}", v)


f32 = torch.arange(6, dtype=torch.float32).numpy().tobytes()
ok = Storage(torch.FloatStorage, "0", 6)
archive("handmade-ok.pth", {"w": Tensor(ok, 1, (2, 2), (2, 1))}, {"0": f32})
archive("big-endian.pth", {"w": Tensor(ok, 0, (6,), (1,))}, {"0": f32}, {"byteorder": "big"})
archive("wrong-storage-size.pth", {"w": Tensor(Storage(torch.FloatStorage, "0", 8), 0, (6,), (1,))}, {"0": f32})
archive("offset-beyond.pth", {"w": Tensor(ok, 4, (3,), (1,))}, {"0": f32})
archive("stride-beyond.pth", {"w": Tensor(ok, 0, (2, 3), (3, 2))}, {"0": f32})
archive("unknown-dtype.pth", {"w": Tensor(Storage(torch.ComplexFloatStorage, "0", 3), 0, (3,), (1,))}, {"0": f32})
archive("huge-size.pth", {"w": Tensor(ok, 0, (2**40, 2**40), (0, 0))}, {"0": f32})
archive("missing-storage.pth", {"w": Tensor(Storage(torch.FloatStorage, "9", 6), 0, (6,), (1,))}, {"0": f32})
recursive = {}
recursive["state_dict"] = recursive
recursive["model"] = [recursive]
archive("recursive.pth", recursive, {})
deep = []
for _ in range(50000):
    deep = [deep]
sys.setrecursionlimit(1000000)
archive("deep.pth", {"state_dict": deep}, {})
archive("no-state-dict.pth", [1, 2, 3], {})
with open(os.path.join(out, "plain.pth"), "rb") as f:
    whole = f.read()
with open(os.path.join(out, "truncated.pth"), "wb") as f:
    f.write(whole[: len(whole) // 2])
with open(os.path.join(out, "not-a-checkpoint.pth"), "wb") as f:
    f.write(b"hello, this is text\n" * 10)

json.dump(expected, open(os.path.join(out, "expected.json"), "w"))
