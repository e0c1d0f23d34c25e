/** Number and date formats of the pages (fixed locale and UTC, so server and browser agree). */
import { architectureName, type NetworkShape } from "../models/names";

export function pct(v: number | null | undefined, digits = 1): string {
  return typeof v === "number" && Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : "–";
}

export function count(v: number): string {
  return v.toLocaleString("en-US");
}

/** A file size: "44.7 MiB" from 1 MiB up, "2,048 bytes" below. */
export function fileSize(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${count(bytes)} bytes`;
}

/** 1234567 → "1.23M", 78042 → "78.0k". */
export function compact(v: number): string {
  if (!Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e7 ? 1 : 2)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(a >= 1e4 ? 1 : 2)}k`;
  return String(v);
}

/** "2026-11-26 09:04 UTC". */
export function dateTime(iso: string | Date): string {
  const d = typeof iso === "string" ? new Date(iso) : iso;
  if (!(d.getTime() > 0)) return "–";
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** How long ago, coarsely: "just now", "40 s", "12 min", "3 h", "2 d". */
export function ago(then: Date | string, now = Date.now()): string {
  const s = Math.max(0, (now - new Date(then).getTime()) / 1000);
  if (!Number.isFinite(s)) return "–";
  if (s < 5) return "just now";
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/** A threshold as people write it: 0.01, 0.0112, 1e-5. */
export function threshold(t: number): string {
  if (t === 0) return "0";
  const a = Math.abs(t);
  if (a >= 1e-3 && a < 1e4) return String(Number(t.toPrecision(3)));
  const [m, e] = t.toExponential(2).split("e");
  return `${Number(m)}e${Number(e)}`;
}

/** The network's one display name ("ResNet-20", "WRN-8-2", "VGG-11"; `architectureName`), "–" when unknown. */
export function arch(n: NetworkShape): string {
  return n.depth > 0 || n.architecture ? architectureName(n) : "–";
}
