"""PyTorch side of the ablation-parity check (run by ablation-parity.test.ts).

Evaluates pruned bnlab networks as a PyTorch user would: open_lth's cifar_resnet, the state dict
loaded with load_state_dict(strict=True), eval mode, on the first COUNT images of the test split
read from the IDX files and normalised as torchvision's ToTensor + Normalize do. Two kinds of
evaluation:

* "file": a pruned checkpoint as bnlab's download serves it. With "threshold", the mask is also
  recomputed here from the unpruned checkpoint (|gamma| < float32(t) over the BN layers asked
  for; gamma = beta = 0 in zero mode, gamma = 0 in gamma-only mode) and the file must hold
  exactly that state dict.
* "mask": the unpruned checkpoint with the listed channels switched off here (same rule). With
  "like", the mask must remove as many channels per layer as the named mask (the random baseline
  of the pruning curve); with "smallest", it must remove the smallest |gamma| of the whole network.

usage: pytorch_ablation_parity.py REQUEST_JSON
  {"images", "labels": IDX files (.gz or plain), "count", "mean": [..], "std": [..],
   "model": {"depth", "width", "inChannels", "classes"},
   "evaluations": [{"id", "file"?, "source"?, "threshold"?, "includeShortcut"?, "mode",
                    "mask"?: {layer: [channel, ...]}, "like"?: id, "smallest"?: bool}]}
  prints {"results": {id: {"correct", "count", "removed": {layer: n}}}}
"""
import gzip
import json
import struct
import sys

import torch
import torch.nn as nn

from pytorch_crosscheck import ResNet, read_safetensors


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    dims = raw[3]
    shape = struct.unpack(f">{dims}I", raw[4 : 4 + 4 * dims])
    return torch.frombuffer(bytearray(raw[4 + 4 * dims :]), dtype=torch.uint8).reshape(shape)


def test_images(req):
    n = req["count"]
    x = read_idx(req["images"])[:n]
    if x.dim() == 3:
        x = x.unsqueeze(1)  # N, 1, H, W
    else:
        x = x.permute(0, 3, 1, 2)  # N, H, W, C → NCHW
    # torchvision: ToTensor (float32 / 255), then Normalize ((x − mean) / std), in float32.
    x = x.float().div(255)
    mean = torch.tensor(req["mean"], dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(req["std"], dtype=torch.float32).view(1, -1, 1, 1)
    return (x - mean) / std, read_idx(req["labels"])[:n].long()


def bn_names(model, include_shortcut):
    names = [n for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)]
    return [n for n in names if include_shortcut or ".shortcut." not in f".{n}."]


def masked(state, removed, mode):
    """A copy of `state` with the listed channels of each BN layer switched off."""
    out = {k: v.clone() for k, v in state.items()}
    for layer, channels in removed.items():
        idx = torch.tensor(channels, dtype=torch.long)
        out[f"{layer}.weight"][idx] = 0
        if mode == "zero":
            out[f"{layer}.bias"][idx] = 0
    return out


def threshold_mask(model, state, t, include_shortcut):
    t32 = torch.tensor(t, dtype=torch.float32)
    return {n: torch.nonzero(state[f"{n}.weight"].abs() < t32).flatten().tolist() for n in bn_names(model, include_shortcut)}


def accuracy(model, state, x, y):
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        return int((model(x).argmax(1) == y).sum())


def main():
    req = json.load(open(sys.argv[1]))
    torch.set_num_threads(1)
    m = req["model"]
    model = ResNet(m["depth"], m["width"], m["inChannels"], m["classes"])
    x, y = test_images(req)
    results, removed_of = {}, {}
    for e in req["evaluations"]:
        if "file" in e:
            state = read_safetensors(e["file"])
            if "threshold" in e:
                source = read_safetensors(e["source"])
                mask = threshold_mask(model, source, e["threshold"], e["includeShortcut"])
                own = masked(source, mask, e["mode"])
                assert own.keys() == state.keys(), f"{e['id']}: the file's tensors are not the checkpoint's"
                for k in own:
                    assert torch.equal(own[k], state[k]), f"{e['id']}: {k} differs from |gamma| < t masking done in PyTorch"
                removed = {n: len(c) for n, c in mask.items()}
            else:
                removed = {}
        else:
            source = read_safetensors(e["source"])
            allowed = set(bn_names(model, e["includeShortcut"]))
            assert set(e["mask"]) <= allowed, f"{e['id']}: masks layers that are not eligible BN layers: {set(e['mask']) - allowed}"
            for layer, channels in e["mask"].items():
                c = source[f"{layer}.weight"].numel()
                assert len(set(channels)) == len(channels) and all(0 <= i < c for i in channels), f"{e['id']}: bad channels for {layer}"
            removed = {n: len(e["mask"].get(n, [])) for n in allowed}
            if e.get("like"):
                assert removed == removed_of[e["like"]], f"{e['id']}: per-layer counts differ from {e['like']}'s"
            if e.get("smallest"):
                gone = [source[f"{n}.weight"][c].abs() for n, c in e["mask"].items() if c]
                kept = [source[f"{n}.weight"].abs()[[i for i in range(source[f"{n}.weight"].numel()) if i not in set(e["mask"].get(n, []))]] for n in allowed]
                if gone:
                    top = torch.cat(gone).max()
                    low = torch.cat([k for k in kept if k.numel()]).min()
                    assert top <= low, f"{e['id']}: removes |gamma| {top} while keeping {low}"
            state = masked(source, e["mask"], e["mode"])
        removed_of[e["id"]] = removed
        results[e["id"]] = {"correct": accuracy(model, state, x, y), "count": int(y.numel()), "removed": removed}
    print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()
