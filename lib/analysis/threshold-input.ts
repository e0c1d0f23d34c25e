/**
 * What a typed threshold or percentage means, or why it means nothing: the pages apply a value
 * only when it parses, and otherwise show the message (and mark the field invalid), so a figure
 * never disagrees with the box beside it. Pure; safe in a browser bundle.
 */

export type Parsed = { ok: true; value: number } | { ok: false; message: string };

/** A threshold t on |γ|: a finite number greater than 0. */
export function parseThresholdInput(text: string): Parsed {
  const s = text.trim();
  const t = s === "" ? NaN : Number(s);
  if (Number.isFinite(t) && t > 0) return { ok: true, value: t };
  return { ok: false, message: `t must be a number greater than 0 (e.g. 0.01)${s === "" ? "" : `; "${s}" is not`}` };
}

/** A percentage of channels: a number from 0 to 100 (decimals allowed). */
export function parsePercentInput(text: string): Parsed {
  const s = text.trim();
  const p = s === "" ? NaN : Number(s);
  if (Number.isFinite(p) && p >= 0 && p <= 100) return { ok: true, value: p };
  return { ok: false, message: `the percentage must be between 0 and 100${s === "" ? "" : `; "${s}" is not`}` };
}
