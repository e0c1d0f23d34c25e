/**
 * One display name per network, used by every page and figure:
 * * ResNets: `ResNet-D` at the base width 16 (open_lth's `cifar_resnet_D`), `WRN-D-K` at width
 *   16·K (the paper's wide family, the name `parseArch` accepts), `ResNet-D (width W)` otherwise;
 * * VGGs: `VGG-D` (open_lth's `cifar_vgg_D`, fixed widths);
 * * a BN placement or shortcut other than the default is said after a comma:
 *   `ResNet-20, BN after ReLU`, `ResNet-20, identity shortcuts`, `ResNet-20, no shortcuts`;
 * * an imported network bnlab does not build is named by its recognised architecture (`resnet18`).
 * The other spellings in use (`ResNet-8 ×2`, `resnet-8 width 32`, the older `ResNet-8 ×32`,
 * `wide`, `cifar_vgg_11`) are aliases: a search for any of them finds the network.
 */

export const BASE_WIDTH = 16;

/** What names a network: the run config's model fields (defaults when absent) or an import's architecture. */
export interface NetworkShape {
  family?: string | null;
  depth: number;
  width: number;
  bnPlacement?: string | null;
  shortcut?: string | null;
  /** An imported run's recognised architecture (`resnet18`, `unknown`); used when family is not bnlab's. */
  architecture?: string | null;
}

const isVgg = (n: NetworkShape) => n.family === "vgg";
/** Imported networks that bnlab does not build have no family of bnlab's ("" in the index). */
const isForeign = (n: NetworkShape) => n.family === "" || (n.family == null && n.depth <= 0 && !!n.architecture);

/** K of WRN-D-K, or null when the width is not a multiple (> 1) of the base width. */
function widthFactor(width: number): number | null {
  return width !== BASE_WIDTH && width % BASE_WIDTH === 0 ? width / BASE_WIDTH : null;
}

/** The variants that are not the default, in words: "BN after ReLU", "identity shortcuts". */
function variants(n: NetworkShape): string[] {
  const out: string[] = [];
  if (n.bnPlacement && n.bnPlacement !== "before-relu") out.push(`BN ${n.bnPlacement.replace("-relu", " ReLU")}`);
  if (!isVgg(n) && n.shortcut && n.shortcut !== "projection") out.push(n.shortcut === "none" ? "no shortcuts" : `${n.shortcut} shortcuts`);
  return out;
}

function baseName(n: NetworkShape): string {
  if (isForeign(n)) return n.architecture || "unknown network";
  if (isVgg(n)) return `VGG-${n.depth}`;
  const k = widthFactor(n.width);
  if (n.width === BASE_WIDTH) return `ResNet-${n.depth}`;
  return k !== null ? `WRN-${n.depth}-${k}` : `ResNet-${n.depth} (width ${n.width})`;
}

/** The display name: "ResNet-20", "WRN-8-2", "VGG-11", "ResNet-8 (width 24)", "ResNet-20, BN after ReLU". */
export function architectureName(n: NetworkShape): string {
  return [baseName(n), ...variants(n)].join(", ");
}

/** A compact label for crowded figures: "R20", "R8×2", "R8 w24", "V11", with "·after"/"·id"/"·plain" for variants. */
export function shortArchitectureName(n: NetworkShape): string {
  let s: string;
  if (isForeign(n)) s = n.architecture || "?";
  else if (isVgg(n)) s = `V${n.depth}`;
  else {
    const k = widthFactor(n.width);
    s = n.width === BASE_WIDTH ? `R${n.depth}` : k !== null ? `R${n.depth}×${k}` : `R${n.depth} w${n.width}`;
  }
  if (n.bnPlacement && n.bnPlacement !== "before-relu") s += "·after";
  if (!isVgg(n) && n.shortcut === "identity") s += "·id";
  if (!isVgg(n) && n.shortcut === "none") s += "·plain";
  return s;
}

/** Every name the network goes by (display name first). */
export function architectureAliases(n: NetworkShape): string[] {
  const out = [architectureName(n), shortArchitectureName(n)];
  if (isForeign(n)) {
    if (n.architecture) out.push(n.architecture);
  } else if (isVgg(n)) {
    out.push(`vgg${n.depth}`, `cifar_vgg_${n.depth}`);
  } else {
    const { depth, width } = n;
    const k = widthFactor(width);
    out.push(`resnet-${depth} width ${width}`, `ResNet-${depth} ×${width}`, `resnet${depth}`, `cifar_resnet_${depth}`);
    if (k !== null) out.push(`ResNet-${depth} ×${k}`, `wrn-${depth}-${k}`, `wrn${depth}-${k}`, "wide", "wide resnet");
  }
  for (const v of variants(n)) out.push(v);
  if (n.shortcut === "none" && !isVgg(n)) out.push("plain");
  return [...new Set(out)];
}

/** Lower case, "×" as "x", separators (space, -, _, comma) dropped: "ResNet-8 ×2" → "resnet8x2". */
function fold(s: string): string {
  return s.toLowerCase().replace(/×/g, "x").replace(/[\s_,-]+/g, "");
}

/**
 * Whether a search finds the network: the query (folded: case, "×", separators) is a part of one
 * of its aliases, except that a number in the query must match whole (`resnet-2` does not find
 * ResNet-20).
 */
export function matchesArchitecture(query: string, n: NetworkShape): boolean {
  const q = fold(query.trim());
  // Only separators ("_", "-"): not a name, left to the plain text search.
  if (!q) return false;
  return architectureAliases(n).some((alias) => {
    const a = fold(alias);
    for (let at = a.indexOf(q); at >= 0; at = a.indexOf(q, at + 1)) {
      const endsInDigit = /\d$/.test(q);
      if (!endsInDigit || !/\d/.test(a[at + q.length] ?? "")) return true;
    }
    return false;
  });
}
