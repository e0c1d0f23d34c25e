/**
 * A figure as a standalone SVG file: XML declaration, `xmlns`, size and viewBox, the embedded
 * style, all colours written out. Our own serializer rather than `XMLSerializer` or `outerHTML`,
 * so the browser (an HTML document) and the server (linkedom) produce the same bytes, element and
 * attribute names keep their case (`viewBox`) and come in a fixed order, and the output is XML
 * whatever the document is.
 *
 * Elements that hold only elements are indented one per line (readable diffs of the snapshot
 * gallery); an element with text keeps its content on one line, since whitespace inside
 * `<text>` would be rendered.
 */
import { SVG_NS } from "./core";

export interface SvgStringOptions {
  /** Start with `<?xml version="1.0" encoding="UTF-8"?>` (default true). */
  xmlDeclaration?: boolean;
  /** One element per line, indented (default true). */
  pretty?: boolean;
}

const escapeText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escapeAttr = (s: string) => escapeText(s).replace(/"/g, "&quot;").replace(/\n/g, "&#10;");

/** Attribute order is not the same in every DOM (linkedom keeps them reversed), so write a fixed one. */
const FIRST = ["xmlns", "width", "height", "viewBox", "class"];
function attributeRank(name: string): [number, string] {
  const i = FIRST.indexOf(name);
  if (i >= 0) return [i, ""];
  return [name.startsWith("data-") ? FIRST.length : FIRST.length + 1, name];
}

function sortedAttributeNames(node: Element): string[] {
  return node.getAttributeNames().sort((a, b) => {
    const [ra, na] = attributeRank(a);
    const [rb, nb] = attributeRank(b);
    return ra - rb || (na < nb ? -1 : na > nb ? 1 : 0);
  });
}

function hasText(node: Element): boolean {
  for (const c of Array.from(node.childNodes)) if (c.nodeType === 3 && (c.textContent ?? "").length > 0) return true;
  return false;
}

function write(node: Element, depth: number, pretty: boolean, out: string[], root: boolean): void {
  const name = node.localName;
  const attrs: string[] = [];
  const names = sortedAttributeNames(node);
  if (root && !names.includes("xmlns")) attrs.push(` xmlns="${SVG_NS}"`);
  for (const a of names) attrs.push(` ${a}="${escapeAttr(node.getAttribute(a) ?? "")}"`);
  const pad = pretty ? "  ".repeat(depth) : "";
  const nl = pretty ? "\n" : "";
  const children = Array.from(node.childNodes).filter((c) => c.nodeType === 1 || c.nodeType === 3);
  if (children.length === 0) {
    out.push(`${pad}<${name}${attrs.join("")}/>${nl}`);
    return;
  }
  if (hasText(node)) {
    // Mixed or text content: on one line, exactly as in the DOM.
    const inner: string[] = [];
    for (const c of children) {
      if (c.nodeType === 3) inner.push(escapeText(c.textContent ?? ""));
      else write(c as Element, 0, false, inner, false);
    }
    out.push(`${pad}<${name}${attrs.join("")}>${inner.join("")}</${name}>${nl}`);
    return;
  }
  out.push(`${pad}<${name}${attrs.join("")}>${nl}`);
  for (const c of children) if (c.nodeType === 1) write(c as Element, depth + 1, pretty, out, false);
  out.push(`${pad}</${name}>${nl}`);
}

/** The figure as the text of a standalone .svg file. */
export function toSvgString(svg: SVGSVGElement | Element, opts: SvgStringOptions = {}): string {
  const pretty = opts.pretty ?? true;
  const out: string[] = [];
  if (opts.xmlDeclaration ?? true) out.push(`<?xml version="1.0" encoding="UTF-8"?>\n`);
  write(svg, 0, pretty, out, true);
  return out.join("");
}
