"use client";
/**
 * The depth/width figure with its points as links: one run → that run's page, several seeds →
 * the compare page with all of them, a point whose runs the page did not send (more than
 * LINKED_RUNS_MAX) → the runs list of that network and mode. Links open through the app's router.
 */
import { useRouter } from "next/navigation";
import { SVG_NS } from "../../lib/charts/core";
import type { FigureSpec } from "../../lib/charts/figure-spec";
import { compareHref, groupRunsHref, runHref } from "../../lib/server/urls";
import { Figure } from "./figure";

function linkPoints(svg: SVGSVGElement, dataset: string | undefined): void {
  const doc = svg.ownerDocument;
  for (const c of Array.from(svg.querySelectorAll("circle.point"))) {
    const ids = (c.getAttribute("data-run-ids") ?? "").split(" ").filter(Boolean);
    const n = Number(c.getAttribute("data-n") ?? ids.length);
    if ((ids.length === 0 && !(n > 0 && dataset)) || c.parentElement?.localName === "a") continue;
    const a = doc.createElementNS(SVG_NS, "a");
    const group = { dataset: dataset ?? "", depth: Number(c.getAttribute("data-depth")), width: Number(c.getAttribute("data-width")), mode: c.getAttribute("data-series") ?? "" };
    a.setAttribute("href", ids.length === 0 ? groupRunsHref(group) : ids.length === 1 ? runHref(ids[0]) : compareHref(ids));
    a.setAttribute("class", "point-link");
    const mean = Number(c.getAttribute("data-mean"));
    const sd = c.getAttribute("data-sd");
    const label = `${c.getAttribute("data-network") ?? `depth ${c.getAttribute("data-depth")}, width ${c.getAttribute("data-width")}`}, ${c.getAttribute("data-series")}: ${(mean * 100).toFixed(1)}%${sd ? ` ± ${(Number(sd) * 100).toFixed(1)}` : ""} (${n} run${n === 1 ? "" : "s"}) — open ${ids.length === 0 ? "them in the runs list" : ids.length === 1 ? "the run" : "them in compare"}`;
    a.setAttribute("aria-label", label);
    const title = doc.createElementNS(SVG_NS, "title");
    title.textContent = label;
    c.parentNode!.insertBefore(a, c);
    a.appendChild(title);
    a.appendChild(c);
  }
}

export function DepthWidthView({ spec, name, exportUrl }: { spec: FigureSpec; name: string; exportUrl: string }) {
  const router = useRouter();
  return (
    <div
      onClick={(e) => {
        const a = (e.target as Element).closest("a.point-link");
        const href = a?.getAttribute("href");
        if (!href || e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        router.push(href);
      }}
    >
      <Figure name={name} spec={spec} exportUrl={exportUrl} decorate={(svg) => linkPoints(svg, (spec.options as { dataset?: string }).dataset)} maxWidth={620} />
    </div>
  );
}
