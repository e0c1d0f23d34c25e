import { describe, expect, it } from "vitest";
import { architectureAliases, architectureName, matchesArchitecture, shortArchitectureName } from "../../../lib/models/names";

describe("architecture names", () => {
  it("one display name: ResNet-D at the base width, WRN-D-K at 16·K, the width spelled out otherwise", () => {
    expect(architectureName(20, 16)).toBe("ResNet-20");
    expect(architectureName(8, 32)).toBe("WRN-8-2");
    expect(architectureName(14, 64)).toBe("WRN-14-4");
    expect(architectureName(8, 24)).toBe("ResNet-8 (width 24)");
    expect(architectureName(8, 4)).toBe("ResNet-8 (width 4)");
    expect(shortArchitectureName(8, 32)).toBe("R8×2");
    expect(shortArchitectureName(20, 16)).toBe("R20");
  });

  it("every spelling in use finds the network", () => {
    const aliases = architectureAliases(8, 32);
    for (const a of ["WRN-8-2", "ResNet-8 ×2", "resnet-8 width 32", "ResNet-8 ×32", "wrn8-2", "wide"]) expect(aliases.map((s) => s.toLowerCase())).toContain(a.toLowerCase());
    for (const q of ["wrn", "WIDE", "wrn-8-2", "resnet-8 width 32", "ResNet-8 ×2", "resnet8", "resnet 8"]) expect(matchesArchitecture(q, 8, 32), q).toBe(true);
    expect(matchesArchitecture("wrn", 8, 16)).toBe(false);
    expect(matchesArchitecture("resnet-20", 8, 32)).toBe(false);
    expect(matchesArchitecture("resnet-8", 8, 32)).toBe(true);
    // "resnet-2" must not find resnet-20 by prefix, nor resnet-8 find resnet-80
    expect(matchesArchitecture("resnet-2", 20, 16)).toBe(false);
    expect(matchesArchitecture("resnet-8", 80, 16)).toBe(false);
  });
});
