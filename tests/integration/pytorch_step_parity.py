"""PyTorch side of the step-parity check (run by step-parity.test.ts).

Loads bnlab's epoch-0 checkpoint into open_lth's cifar_resnet (load_state_dict(strict=True)),
freezes what the trainable groups leave out, and trains with torch.optim.SGD on exactly the
batches bnlab trained on (read from a file, in order) at bnlab's learning rate for each step.

usage: pytorch_step_parity.py DIR DEPTH WIDTH IN_CHANNELS CLASSES GROUPS MOMENTUM WEIGHT_DECAY
  GROUPS: comma list of bn, output, shortcut, other
  DIR/ep-0.safetensors   bnlab's epoch-0 checkpoint
  DIR/batches.safetensors  x.{i} (NCHW float32), y.{i} (int64), lr (float64, one per step)
  writes DIR/torch_step1.safetensors: loss, grad.<name> (trainable tensors), state.<name>
         (state dict after one step), momentum.<name>
  writes DIR/torch_final.safetensors: losses (one per step) and state.<name> after the last step;
         losses_f64 and f64.<name>: the same training in float64, the exact trajectory that float32
         rounding drifts from; losses_cl and cl.<name>: float32 again, in channels-last memory
         format (other convolution kernels, so other summation orders). Where a float32 run parts
         from float64, the setup is ill-conditioned and no float32 comparison can pass.
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from pytorch_crosscheck import ResNet as Model, read_safetensors, write_safetensors


def param_group(module_name, module):
    """bnlab's parameter groups (lib/models/arch.ts), decided from the module type as a PyTorch user would."""
    if isinstance(module, nn.BatchNorm2d):
        return "bn"
    if isinstance(module, nn.Linear):
        return "output"
    if isinstance(module, nn.Conv2d):
        return "shortcut" if ".shortcut." in f".{module_name}." else "other"
    raise ValueError(f"unexpected module {module_name}")


def train(d, depth, width, cin, classes, groups, momentum, weight_decay, dtype, step1=None, memory_format=torch.contiguous_format):
    """Trains on the recorded batches; returns (losses, model). Writes the step-1 file when asked."""
    model = Model(depth, width, cin, classes)
    model.load_state_dict(read_safetensors(f"{d}/ep-0.safetensors"), strict=True)
    model.to(dtype).to(memory_format=memory_format).train()
    trainable = {}
    for mname, module in model.named_modules():
        for pname, p in module.named_parameters(recurse=False):
            on = param_group(mname, module) in groups
            p.requires_grad_(on)
            if on:
                trainable[f"{mname}.{pname}"] = p
    opt = torch.optim.SGD(trainable.values(), lr=0.1, momentum=momentum, weight_decay=weight_decay)

    batches = read_safetensors(f"{d}/batches.safetensors")
    losses = []
    for i, lr in enumerate(batches["lr"].tolist()):
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad()
        loss = F.cross_entropy(model(batches[f"x.{i}"].to(dtype).contiguous(memory_format=memory_format)), batches[f"y.{i}"])
        loss.backward()
        grads = {f"grad.{n}": p.grad.detach().clone() for n, p in trainable.items()}
        opt.step()
        losses.append(loss.item())
        if i == 0 and step1:
            out = {"loss": loss.detach().double().reshape(1)}
            out.update(grads)
            out.update({f"state.{k}": v.detach().clone() for k, v in model.state_dict().items()})
            out.update({f"momentum.{n}": opt.state[p]["momentum_buffer"].clone() for n, p in trainable.items() if p in opt.state})
            write_safetensors(step1, out)
    return losses, model


def main():
    d, depth, width, cin, classes = sys.argv[1], *map(int, sys.argv[2:6])
    groups = set(filter(None, sys.argv[6].split(",")))
    momentum, weight_decay = float(sys.argv[7]), float(sys.argv[8])
    torch.set_num_threads(1)
    args = (d, depth, width, cin, classes, groups, momentum, weight_decay)
    losses, model = train(*args, torch.float32, step1=f"{d}/torch_step1.safetensors")
    exact, model64 = train(*args, torch.float64)
    other, model_cl = train(*args, torch.float32, memory_format=torch.channels_last)
    final = {f"losses{s}": torch.tensor(v, dtype=torch.float64) for s, v in (("", losses), ("_f64", exact), ("_cl", other))}
    for prefix, m in (("state", model), ("f64", model64), ("cl", model_cl)):
        final.update({f"{prefix}.{k}": v.detach().contiguous().clone() for k, v in m.state_dict().items()})
    write_safetensors(f"{d}/torch_final.safetensors", final)


if __name__ == "__main__":
    main()
