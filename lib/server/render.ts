/**
 * Server side of figure export: a spec drawn with linkedom's document into a standalone SVG, the
 * SVG rasterised by resvg at 2× (DejaVu Sans, the charts' first font, loaded from the system),
 * the figure's table as CSV, several figures zipped (fflate), and the download responses.
 */
import { existsSync } from "node:fs";
import { Resvg } from "@resvg/resvg-js";
import { strToU8, zipSync, type Zippable } from "fflate";
import { parseHTML } from "linkedom";
import type { RenderContext } from "../charts";
import { figureSvg, figureTable, type FigureSpec } from "../charts/figure-spec";
import { tableCsv } from "./csv";
import type { ExportFormat } from "./figure-query";
import { threshold } from "./format";

/** What the figures of a zip were drawn with (the README lists them). */
export type FigureParameters = Record<string, string | number | null | undefined>;

/** A threshold as it goes into a file name: 3 significant digits ("t0.291", "t1e-5"). */
export function thresholdInName(t: number): string {
  return `t${threshold(t)}`;
}

/** A file name offered for a download: letters, digits and ._+- only. */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._+-]+/g, "_").slice(0, 180);
}

/** The figure's pixel size as drawn (its width and height attributes). */
export function figureSize(svg: string): { width: number; height: number } {
  const m = /<svg\b[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error("not a bnlab figure: the <svg> has no width and height");
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** A fresh linkedom document for one figure (a document per figure: nothing shared between requests). */
export function serverDocument(): RenderContext {
  const { document } = parseHTML("<!doctype html><html><body></body></html>");
  return { document: document as unknown as Document };
}

export function renderSvg(spec: FigureSpec): string {
  return figureSvg(spec, serverDocument());
}

const FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF"].filter((d) => existsSync(/*turbopackIgnore: true*/ d));

/** PNG of a standalone SVG at `scale` × its size (default 2×, for print and retina screens). */
export function svgToPng(svg: string, scale = 2): { png: Uint8Array; width: number; height: number } {
  const size = figureSize(svg);
  const resvg = new Resvg(svg, {
    fitTo: { mode: "width", value: Math.round(size.width * scale) },
    font: FONT_DIRS.length
      ? { loadSystemFonts: false, fontDirs: FONT_DIRS, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" }
      : { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    logLevel: "off",
  });
  const image = resvg.render();
  return { png: new Uint8Array(image.asPng()), width: image.width, height: image.height };
}

export const CONTENT_TYPES: Record<ExportFormat | "zip", string> = {
  svg: "image/svg+xml; charset=utf-8",
  png: "image/png",
  csv: "text/csv; charset=utf-8; header=present",
  zip: "application/zip",
};

/** The bytes of one figure in one format. */
export function exportFigure(spec: FigureSpec, format: ExportFormat): Uint8Array {
  if (format === "csv") return strToU8(tableCsv(figureTable(spec)));
  const svg = renderSvg(spec);
  return format === "svg" ? strToU8(svg) : svgToPng(svg).png;
}

export function download(bytes: Uint8Array, name: string, type: string): Response {
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": type,
      "content-disposition": `attachment; filename="${safeFileName(name)}"`,
      "content-length": String(bytes.byteLength),
      "cache-control": "no-store",
    },
  });
}

/** A figure download: `<base>.<format>`. */
export function figureResponse(spec: FigureSpec, format: ExportFormat, base: string): Response {
  return download(exportFigure(spec, format), `${base}.${format}`, CONTENT_TYPES[format]);
}

/**
 * A zip of figures, each as SVG, PNG and CSV under `<folder>/`, with a README listing them and
 * any figure that could not be drawn (with the reason).
 */
export function zipFigures(folder: string, figures: { name: string; spec: FigureSpec }[], notes: string[] = [], parameters: FigureParameters = {}): Uint8Array {
  const files: Zippable = {};
  const lines = [`${folder}`, ""];
  const given = Object.entries(parameters).filter(([, v]) => v !== undefined && v !== null && v !== "");
  if (given.length) lines.push("Parameters:", ...given.map(([k, v]) => `  ${k === "threshold" ? "threshold t on |γ|" : k}: ${k === "threshold" ? threshold(Number(v)) : v}`), "");
  lines.push("Figures (each as .svg, .png at 2x, and .csv with the numbers drawn):");
  for (const f of figures) {
    const svg = renderSvg(f.spec);
    files[`${folder}/${f.name}.svg`] = strToU8(svg);
    files[`${folder}/${f.name}.png`] = [svgToPng(svg).png, { level: 0 }];
    files[`${folder}/${f.name}.csv`] = strToU8(tableCsv(figureTable(f.spec)));
    lines.push(`  ${f.name}`);
  }
  if (notes.length) lines.push("", "Not included:", ...notes.map((n) => `  ${n}`));
  files[`${folder}/README.txt`] = strToU8(lines.join("\n") + "\n");
  return zipSync(files, { level: 6, mtime: new Date("2000-01-01T00:00:00Z") });
}
