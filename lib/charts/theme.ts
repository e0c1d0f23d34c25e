/**
 * Colours and fonts of every bnlab figure, per theme. Series colours come from the Okabe–Ito
 * palette (Okabe & Ito 2008, "Color Universal Design"), which stays distinguishable under the
 * common colour-vision deficiencies; each trainable mode has one fixed colour on every page and
 * in every export, so "bn" is the same vermillion in a histogram, a pruning curve and the
 * depth/width plot. The continuous |γ| scale is viridis (perceptually uniform, colour-blind safe,
 * readable in greyscale).
 *
 * The colours are written into the SVG as attributes and repeated in an embedded `<style>`
 * (fonts, text colours), so a figure looks the same inline in a page, opened from disk in a
 * browser, and in Inkscape: nothing depends on the page's CSS or on `currentColor`.
 */
// The trainable modes and their legend order come from the run's vocabulary; the colours below must name each.
import { compareModes, isTrainableMode, MODE_ORDER, type TrainableMode } from "../run/modes";

export { compareModes, MODE_ORDER };

export type Theme = "light" | "dark";

export interface ThemeColors {
  name: Theme;
  background: string;
  /** Text and the most important strokes. */
  foreground: string;
  /** Subtitles, notes, tick labels. */
  muted: string;
  /** Axis lines and ticks. */
  axis: string;
  /** Grid lines. */
  grid: string;
  /** Threshold and marker lines. */
  threshold: string;
  /** Exact zeros in the heatmap (outside the log colour scale). */
  zero: string;
  /** Fill of "the whole" behind a part (channels kept behind channels removed). */
  faint: string;
}

export const THEMES: Record<Theme, ThemeColors> = {
  light: {
    name: "light",
    background: "#ffffff",
    foreground: "#1f2328",
    muted: "#57606a",
    axis: "#57606a",
    grid: "#e6e9ed",
    threshold: "#1f2328",
    zero: "#d0d4d9",
    faint: "#d8dde3",
  },
  dark: {
    name: "dark",
    background: "#0f1318",
    foreground: "#e6edf3",
    muted: "#9da7b3",
    axis: "#9da7b3",
    grid: "#262c34",
    threshold: "#f0f3f6",
    zero: "#4a525c",
    faint: "#353c45",
  },
};

export function themeColors(theme: Theme | undefined): ThemeColors {
  const t = THEMES[theme ?? "light"];
  if (!t) throw new RangeError(`unknown theme "${String(theme)}": themes are light, dark`);
  return t;
}

/**
 * Fixed colour per trainable mode (Okabe–Ito). `all` is blue on light and sky blue on dark (the
 * dark blue has too little contrast on a dark background); `none` is a neutral grey.
 */
const MODE_COLORS: Record<Theme, Record<TrainableMode, string>> = {
  light: { all: "#0072B2", bn: "#D55E00", "bn+output": "#CC79A7", output: "#009E73", none: "#6E6E6E" },
  dark: { all: "#56B4E9", bn: "#E5772E", "bn+output": "#E08FC0", output: "#1DB88C", none: "#A0A0A0" },
};

/** Colours for series that are not modes (runs on the compare page, splits, other modes). */
const PALETTES: Record<Theme, readonly string[]> = {
  light: ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"],
  dark: ["#56B4E9", "#E5772E", "#1DB88C", "#E08FC0", "#E69F00", "#F0E442", "#FFFFFF"],
};

export const isKnownMode: (mode: string) => mode is TrainableMode = isTrainableMode;

/** The fixed colour of a trainable mode; an unknown mode (e.g. "bn+shortcut") gets a palette colour by its name. */
export function modeColor(mode: string, theme: Theme = "light"): string {
  if (isKnownMode(mode)) return MODE_COLORS[theme][mode];
  // A stable colour for other mode names: hash the name into the non-mode part of the palette.
  let h = 0;
  for (let i = 0; i < mode.length; i++) h = (h * 31 + mode.charCodeAt(i)) >>> 0;
  const extra = [PALETTES[theme][4], PALETTES[theme][5], PALETTES[theme][6]];
  return extra[h % extra.length];
}

/** The i-th colour of the categorical palette (wraps around). */
export function paletteColor(i: number, theme: Theme = "light"): string {
  const p = PALETTES[theme];
  return p[((i % p.length) + p.length) % p.length];
}

/** What names and colours a series of marks. */
export interface SeriesIdentity {
  /** `data-series` of its marks, e.g. the mode ("bn") or the run id. */
  key: string;
  /** Legend text (default the key). */
  label?: string;
  /** Trainable mode: picks the fixed mode colour. */
  mode?: string;
  /** Overrides the colour. */
  color?: string;
}

/** A series' colour: its own, else its trainable mode's, else the i-th of the palette. */
export function seriesColor(s: Pick<SeriesIdentity, "color" | "mode">, i: number, theme: Theme = "light"): string {
  return s.color ?? (s.mode ? modeColor(s.mode, theme) : paletteColor(i, theme));
}

/** Font stack: fonts found on Linux (DejaVu), macOS and Windows, so Inkscape and browsers agree closely. */
export const FONT_FAMILY = "'DejaVu Sans', 'Helvetica Neue', Helvetica, Arial, sans-serif";

export const FONT_SIZE = { title: 14, subtitle: 11, label: 11, tick: 10, note: 10 } as const;
