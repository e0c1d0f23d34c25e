import { describe, expect, it } from "vitest";
import { compareModes, MODE_NAMES, MODE_ORDER, modeColorKey, modeGroups, modeLabel, modeName, parseGroups, trainableGroups } from "../../../lib/run/modes";

describe("trainable modes", () => {
  it("maps the paper's modes to groups and back", () => {
    expect(trainableGroups("bn")).toEqual(["bn"]);
    expect(trainableGroups("none")).toEqual([]);
    for (const mode of MODE_NAMES) expect(modeName(trainableGroups(mode))).toBe(mode);
    expect(modeName(["output", "bn"])).toBe("bn+output");
    expect(modeName(["other", "shortcut", "output", "bn"])).toBe("all");
    expect(modeName(["bn", "shortcut"])).toBe("bn+shortcut");
  });

  it("reads a mode name back into groups, in group order", () => {
    expect(modeGroups("all")).toEqual(["bn", "output", "shortcut", "other"]);
    expect(modeGroups("bn+output")).toEqual(["bn", "output"]);
    expect(modeGroups("bn+shortcut")).toEqual(["bn", "shortcut"]);
    expect(modeGroups("shortcut+bn")).toEqual(["bn", "shortcut"]);
    expect(modeGroups("none")).toEqual([]);
    expect(modeGroups("")).toEqual([]);
  });

  it("parses a comma list of groups, rejecting unknown names", () => {
    expect(parseGroups("output, bn")).toEqual(["bn", "output"]);
    expect(() => parseGroups("bn,conv")).toThrow(/unknown parameter group "conv"/);
  });

  it("labels, colour slots and legend order", () => {
    expect(modeLabel("bn")).toBe("BN-only");
    expect(modeLabel("bn+shortcut")).toBe("bn+shortcut");
    expect(MODE_ORDER.map(modeColorKey)).toEqual([0, 1, 2, 3, 4]);
    expect(modeColorKey("bn+shortcut")).toBeNull();
    expect(["none", "bn+shortcut", "bn", "all", "bn+other"].sort(compareModes)).toEqual(["all", "bn", "none", "bn+other", "bn+shortcut"]);
  });
});
