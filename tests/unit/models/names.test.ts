import { describe, expect, it } from "vitest";
import { architectureAliases, architectureName, matchesArchitecture, shortArchitectureName } from "../../../lib/models/names";

const r = (depth: number, width: number) => ({ depth, width });

describe("architecture names", () => {
  it("one display name: ResNet-D at the base width, WRN-D-K at 16·K, the width spelled out otherwise", () => {
    expect(architectureName(r(20, 16))).toBe("ResNet-20");
    expect(architectureName(r(8, 32))).toBe("WRN-8-2");
    expect(architectureName(r(14, 64))).toBe("WRN-14-4");
    expect(architectureName(r(8, 24))).toBe("ResNet-8 (width 24)");
    expect(architectureName(r(8, 4))).toBe("ResNet-8 (width 4)");
    expect(shortArchitectureName(r(8, 32))).toBe("R8×2");
    expect(shortArchitectureName(r(20, 16))).toBe("R20");
  });

  it("names VGGs, BN placement and shortcut variants, and imported architectures", () => {
    expect(architectureName({ family: "vgg", depth: 11, width: 16 })).toBe("VGG-11");
    expect(architectureName({ family: "vgg", depth: 16, width: 16, bnPlacement: "after-relu", shortcut: "projection" })).toBe("VGG-16, BN after ReLU");
    expect(architectureName({ family: "resnet", depth: 20, width: 16, bnPlacement: "after-relu", shortcut: "projection" })).toBe("ResNet-20, BN after ReLU");
    expect(architectureName({ family: "resnet", depth: 20, width: 16, bnPlacement: "before-relu", shortcut: "identity" })).toBe("ResNet-20, identity shortcuts");
    expect(architectureName({ family: "resnet", depth: 8, width: 32, bnPlacement: "before-relu", shortcut: "none" })).toBe("WRN-8-2, no shortcuts");
    expect(architectureName({ family: "", depth: 0, width: 0, architecture: "resnet18" })).toBe("resnet18");
    expect(shortArchitectureName({ family: "vgg", depth: 11, width: 16 })).toBe("V11");
    expect(shortArchitectureName({ family: "resnet", depth: 20, width: 16, shortcut: "none" })).toBe("R20·plain");
  });

  it("every spelling in use finds the network", () => {
    const aliases = architectureAliases(r(8, 32));
    for (const a of ["WRN-8-2", "ResNet-8 ×2", "resnet-8 width 32", "ResNet-8 ×32", "wrn8-2", "wide"]) expect(aliases.map((s) => s.toLowerCase())).toContain(a.toLowerCase());
    for (const q of ["wrn", "WIDE", "wrn-8-2", "resnet-8 width 32", "ResNet-8 ×2", "resnet8", "resnet 8"]) expect(matchesArchitecture(q, r(8, 32)), q).toBe(true);
    expect(matchesArchitecture("wrn", r(8, 16))).toBe(false);
    expect(matchesArchitecture("resnet-20", r(8, 32))).toBe(false);
    expect(matchesArchitecture("resnet-8", r(8, 32))).toBe(true);
    // "resnet-2" must not find resnet-20 by prefix, nor resnet-8 find resnet-80
    expect(matchesArchitecture("resnet-2", r(20, 16))).toBe(false);
    expect(matchesArchitecture("resnet-8", r(80, 16))).toBe(false);
  });

  it("finds VGGs and variants by their names, and not ResNets by a VGG's", () => {
    const vgg = { family: "vgg", depth: 11, width: 16 };
    for (const q of ["vgg", "VGG-11", "vgg11", "cifar_vgg_11"]) expect(matchesArchitecture(q, vgg), q).toBe(true);
    expect(matchesArchitecture("resnet", vgg)).toBe(false);
    expect(matchesArchitecture("vgg", { family: "resnet", depth: 11, width: 16 })).toBe(false);
    const plain = { family: "resnet", depth: 20, width: 16, bnPlacement: "before-relu", shortcut: "none" };
    for (const q of ["plain", "no shortcuts", "resnet-20"]) expect(matchesArchitecture(q, plain), q).toBe(true);
    expect(matchesArchitecture("after relu", plain)).toBe(false);
    expect(matchesArchitecture("after relu", { ...plain, shortcut: "projection", bnPlacement: "after-relu" })).toBe(true);
  });
});
