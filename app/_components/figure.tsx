"use client";
/**
 * A figure drawn in the browser: the spec goes through the same lib/charts builder the export
 * routes use, with the page's `document`, at the width of its column and in the page's theme.
 * Two-panel training curves become two stacked figures on a narrow screen. Below the figure:
 * SVG, PNG (2×) and CSV downloads of the same figure from the export route.
 */
import { useLayoutEffect, useRef, useState } from "react";
import { renderFigure, withLayout, type FigureSpec } from "../../lib/charts/figure-spec";
import { useTheme } from "./use-theme";

export interface FigureProps {
  /** Null: nothing to draw (shows `empty`). */
  spec: FigureSpec | null;
  /** Figure name, for tests and file names (`data-figure-name`). */
  name: string;
  /** Export route of this figure, without `format` and `theme`; omitted: no downloads. */
  exportUrl?: string;
  /** Largest width drawn (default 880 px). */
  maxWidth?: number;
  /** Smallest width drawn (default 380 px): narrower columns get the figure scaled down, not squeezed. */
  minWidth?: number;
  /** Shown instead of the figure when there is no spec. */
  empty?: string;
  /** Called with each drawn `<svg>` (to add links, say). */
  decorate?: (svg: SVGSVGElement) => void;
  className?: string;
}

function useWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const node = ref.current;
    if (!node) return;
    setWidth(node.clientWidth);
    const ro = new ResizeObserver((entries) => {
      const w = Math.round(entries[0]?.contentRect.width ?? node.clientWidth);
      // Redraw only for a real change (scrollbars appearing shift widths by a few pixels).
      setWidth((old) => (Math.abs(old - w) >= 8 ? w : old));
    });
    ro.observe(node);
    return () => ro.disconnect();
  }, [ref]);
  return width;
}

/** The specs to draw at this width: training curves split into loss and accuracy below 640 px. */
function layoutSpecs(spec: FigureSpec, width: number): FigureSpec[] {
  if (spec.kind === "training-curves" && (spec.options.metric ?? "both") === "both" && width < 640) {
    return (["loss", "accuracy"] as const).map((metric) => ({ ...spec, options: { ...spec.options, metric, height: 300 } }));
  }
  return [spec];
}

export function Figure({ spec, name, exportUrl, maxWidth = 880, minWidth = 380, empty = "nothing to draw", decorate, className = "" }: FigureProps) {
  const host = useRef<HTMLDivElement>(null);
  const width = useWidth(host);
  const theme = useTheme();
  const [error, setError] = useState<string | null>(null);

  useLayoutEffect(() => {
    const node = host.current;
    if (!node || !spec || width === 0) return;
    // Never drawn narrower than minWidth (titles, legends and tick labels need the room); CSS scales it down to fit.
    const w = Math.max(minWidth, Math.min(maxWidth, width));
    try {
      const svgs = layoutSpecs(spec, w).map((s) => renderFigure(withLayout(s, { width: w, theme }), { document }));
      for (const svg of svgs) decorate?.(svg);
      node.replaceChildren(...svgs);
      setError(null);
    } catch (e) {
      node.replaceChildren();
      setError((e as Error).message);
    }
  }, [spec, width, theme, maxWidth, minWidth, decorate]);

  return (
    <figure data-figure-name={name} className={`min-w-0 ${className}`}>
      {spec ? (
        <div ref={host} className="figure-host w-full" />
      ) : (
        <div ref={host} className="flex min-h-[120px] items-center justify-center rounded-md border border-dashed border-line p-4 text-center text-sm text-muted">
          {empty}
        </div>
      )}
      {error && <p className="mt-2 text-sm text-danger">This figure could not be drawn: {error}</p>}
      {spec && exportUrl && <Downloads url={exportUrl} theme={theme} name={name} title={spec.options.title ?? name.replace(/-/g, " ")} />}
    </figure>
  );
}

export function Downloads({ url, theme, name, title }: { url: string; theme: string; name: string; title?: string }) {
  const sep = url.includes("?") ? "&" : "?";
  const href = (format: string) => `${url}${sep}format=${format}&theme=${theme}`;
  return (
    <figcaption className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted">
      <span>Download</span>
      {(["svg", "png", "csv"] as const).map((f) => (
        <a key={f} href={href(f)} download data-download={f} data-figure-name={name} aria-label={`Download ${title ?? name} as ${f === "png" ? "PNG at 2×" : f.toUpperCase()}`} className="rounded border border-line px-1.5 py-0.5 font-medium no-underline hover:bg-soft">
          {f === "png" ? "PNG 2×" : f.toUpperCase()}
        </a>
      ))}
    </figcaption>
  );
}
