/**
 * Architecture recognition and BN-layer discovery on the state dicts PyTorch and torchvision
 * define (names and shapes from tests/unit/models/architectures.py): each recognised as what it
 * is, every BN layer PyTorch has found (and nothing else), and --arch checked against the tensors.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { discoverBnLayers } from "../../../lib/models/bn-layers";
import { architectureName, canRunForward, forwardSpec, parseArchitecture, recogniseArchitecture } from "../../../lib/models/recognise";
import { checkStateDict, type StateDict } from "../../../lib/models/state-dict";
import { hasTorch, runPython } from "../../support/torch";

type Shapes = Record<string, { tensors: [string, number[], boolean][]; bn: [string, number][] }>;

/** A state dict with PyTorch's names and shapes; values only where they are small (the CIFAR models). */
function stateDict(tensors: [string, number[], boolean][], withValues: boolean): StateDict {
  const sd: StateDict = new Map();
  for (const [name, shape, float] of tensors) {
    const n = withValues ? shape.reduce((a, b) => a * b, 1) : 0;
    sd.set(name, float ? { dtype: "float32", shape, data: new Float32Array(n) } : { dtype: "int64", shape, data: new BigInt64Array(n) });
  }
  return sd;
}

describe.skipIf(!hasTorch)("recogniseArchitecture and discoverBnLayers", () => {
  let shapes: Shapes = {};
  const sdOf = (key: string) => stateDict(shapes[key].tensors, key.startsWith("cifar_"));
  beforeAll(() => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "bnlab-arch-")), "shapes.json");
    runPython(path.resolve("tests/unit/models/architectures.py"), [out]);
    shapes = JSON.parse(readFileSync(out, "utf8")) as Shapes;
  }, 120_000);

  it.each([
    ["cifar_resnet_20_16", { family: "cifar_resnet", depth: 20, width: 16, inChannels: 3, classes: 10 }],
    ["cifar_resnet_14_32", { family: "cifar_resnet", depth: 14, width: 32, inChannels: 1, classes: 10 }],
    ["cifar_vgg_11", { family: "cifar_vgg", depth: 11, inChannels: 3, classes: 10 }],
    ["cifar_vgg_16", { family: "cifar_vgg", depth: 16, inChannels: 3, classes: 100 }],
    ["resnet18", { family: "torchvision_resnet", depth: 18, inChannels: 3, classes: 1000 }],
    ["resnet34", { family: "torchvision_resnet", depth: 34, inChannels: 3, classes: 1000 }],
    ["resnet50", { family: "torchvision_resnet", depth: 50, inChannels: 3, classes: 1000 }],
    ["resnet101", { family: "torchvision_resnet", depth: 101, inChannels: 3, classes: 1000 }],
    ["resnet152", { family: "torchvision_resnet", depth: 152, inChannels: 3, classes: 7 }],
    ["vgg11_bn", { family: "torchvision_vgg_bn", depth: 11, inChannels: 3, classes: 1000, hidden: 4096 }],
    ["vgg13_bn", { family: "torchvision_vgg_bn", depth: 13, inChannels: 3, classes: 1000, hidden: 4096 }],
    ["vgg16_bn", { family: "torchvision_vgg_bn", depth: 16, inChannels: 3, classes: 1000, hidden: 4096 }],
    ["vgg19_bn", { family: "torchvision_vgg_bn", depth: 19, inChannels: 3, classes: 1000, hidden: 4096 }],
    ["mobilenet_v2", { family: "mobilenet_v2", classes: 1000 }],
    ["vgg11", { family: "unknown" }],
    ["densenet121", { family: "unknown" }],
  ])("%s is recognised as %o", (key, want) => {
    const arch = recogniseArchitecture(sdOf(key));
    expect(arch).toEqual(want);
    if (arch.family !== "unknown" && !key.startsWith("cifar_resnet_14")) expect(architectureName(arch)).toBe(key);
  });

  it("finds exactly PyTorch's BN layers, in order, in every architecture", () => {
    for (const key of Object.keys(shapes)) {
      expect(discoverBnLayers(sdOf(key)).map((l) => [l.name, l.channels]), key).toEqual(shapes[key].bn);
    }
    expect(shapes.densenet121.bn.length).toBeGreaterThan(100);
    expect(shapes.vgg11.bn).toEqual([]);
  });

  it("runs a forward pass for bnlab's own ResNets and VGGs and torchvision's ResNets and VGG-BNs, not for MobileNetV2", () => {
    for (const key of ["cifar_resnet_20_16", "cifar_vgg_11", "cifar_vgg_16", "resnet18", "resnet50", "resnet152", "vgg11_bn", "vgg16_bn", "vgg19_bn"]) {
      expect(canRunForward(recogniseArchitecture(sdOf(key))), key).toBe(true);
    }
    for (const key of ["mobilenet_v2", "vgg11", "densenet121"]) expect(canRunForward(recogniseArchitecture(sdOf(key))), key).toBe(false);
  });

  it("open_lth's VGG runs as bnlab's own VGG: the same tensor names and shapes exactly", () => {
    for (const key of ["cifar_vgg_11", "cifar_vgg_16"]) {
      const spec = forwardSpec(recogniseArchitecture(sdOf(key)))!;
      expect(spec).toMatchObject({ family: "vgg", bnPlacement: "before-relu" });
      expect(() => checkStateDict(spec, sdOf(key)), key).not.toThrow();
    }
  });

  it("--arch: accepts a name that fits, refuses one that contradicts the tensors, and 'unknown' always", () => {
    expect(parseArchitecture("resnet18", sdOf("resnet18"))).toEqual({ family: "torchvision_resnet", depth: 18, inChannels: 3, classes: 1000 });
    expect(parseArchitecture("cifar_resnet_20", sdOf("cifar_resnet_20_16")).family).toBe("cifar_resnet");
    expect(() => parseArchitecture("resnet34", sdOf("resnet18"))).toThrow(/--arch resnet34 does not fit .*resnet18/);
    expect(() => parseArchitecture("alexnet", sdOf("resnet18"))).toThrow(/unknown architecture "alexnet"/);
    expect(parseArchitecture("unknown", sdOf("resnet18"))).toEqual({ family: "unknown" });
    expect(parseArchitecture("vgg13_bn", sdOf("vgg13_bn"))).toEqual({ family: "torchvision_vgg_bn", depth: 13, inChannels: 3, classes: 1000, hidden: 4096 });
    expect(() => parseArchitecture("vgg16_bn", sdOf("vgg13_bn"))).toThrow(/--arch vgg16_bn does not fit .*vgg13_bn/);
  });

  it("a BN-like group with mismatched lengths or a missing part is not a BN layer", () => {
    const f = (n: number) => ({ dtype: "float32" as const, shape: [n], data: new Float32Array(n) });
    const sd: StateDict = new Map([
      ["a.weight", f(3)], ["a.bias", f(3)], ["a.running_mean", f(3)], ["a.running_var", f(4)],
      ["b.weight", f(2)], ["b.running_mean", f(2)], ["b.running_var", f(2)],
      ["weight", f(5)], ["bias", f(5)], ["running_mean", f(5)], ["running_var", f(5)],
    ]);
    expect(discoverBnLayers(sd)).toEqual([{ name: "", channels: 5 }]);
  });
});
