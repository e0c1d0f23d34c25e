/**
 * One display name per architecture, used by every page and figure: `ResNet-D` at the base width
 * 16 (open_lth's `cifar_resnet_D`), `WRN-D-K` at width 16·K (the paper's wide family, the name
 * `parseArch` accepts), and `ResNet-D (width W)` for any other width. The other spellings in use
 * (`ResNet-8 ×2`, `resnet-8 width 32`, the older `ResNet-8 ×32`, `wide`) are aliases: a search
 * for any of them finds the network.
 */

export const BASE_WIDTH = 16;

/** K of WRN-D-K, or null when the width is not a multiple (> 1) of the base width. */
function widthFactor(width: number): number | null {
  return width !== BASE_WIDTH && width % BASE_WIDTH === 0 ? width / BASE_WIDTH : null;
}

/** The display name: "ResNet-20", "WRN-8-2", "ResNet-8 (width 24)". */
export function architectureName(depth: number, width: number): string {
  const k = widthFactor(width);
  if (width === BASE_WIDTH) return `ResNet-${depth}`;
  return k !== null ? `WRN-${depth}-${k}` : `ResNet-${depth} (width ${width})`;
}

/** A compact label for crowded figures: "R20", "R8×2", "R8 w24". */
export function shortArchitectureName(depth: number, width: number): string {
  const k = widthFactor(width);
  if (width === BASE_WIDTH) return `R${depth}`;
  return k !== null ? `R${depth}×${k}` : `R${depth} w${width}`;
}

/** Every name the network goes by (display name first). */
export function architectureAliases(depth: number, width: number): string[] {
  const k = widthFactor(width);
  const out = [architectureName(depth, width), `resnet-${depth} width ${width}`, `ResNet-${depth} ×${width}`, `resnet${depth}`, shortArchitectureName(depth, width)];
  if (k !== null) out.push(`ResNet-${depth} ×${k}`, `wrn-${depth}-${k}`, `wrn${depth}-${k}`, "wide", "wide resnet");
  return [...new Set(out)];
}

/** Lower case, "×" as "x", separators (space, -, _) dropped: "ResNet-8 ×2" → "resnet8x2". */
function fold(s: string): string {
  return s.toLowerCase().replace(/×/g, "x").replace(/[\s_-]+/g, "");
}

/**
 * Whether a search finds the network: the query (folded: case, "×", separators) is a part of one
 * of its aliases, except that a number in the query must match whole (`resnet-2` does not find
 * ResNet-20).
 */
export function matchesArchitecture(query: string, depth: number, width: number): boolean {
  const q = fold(query.trim());
  // Only separators ("_", "-"): not a name, left to the plain text search.
  if (!q) return false;
  return architectureAliases(depth, width).some((alias) => {
    const a = fold(alias);
    for (let at = a.indexOf(q); at >= 0; at = a.indexOf(q, at + 1)) {
      const endsInDigit = /\d$/.test(q);
      if (!endsInDigit || !/\d/.test(a[at + q.length] ?? "")) return true;
    }
    return false;
  });
}
