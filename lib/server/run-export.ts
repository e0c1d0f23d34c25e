/**
 * The run figures as the export routes serve them: load what the run page loads, build the same
 * spec for the threshold and theme asked, and draw it (SVG, PNG, CSV, or all of them in a zip).
 */
import { ApiError, notFound } from "./errors";
import type { Db } from "../db/client";
import type { FigureSpec } from "../charts/figure-spec";
import { explain, loadAblationAccuracy, loadPruningCurve, loadRunFigureData, type RunPageData } from "./page-data";
import { pruningCurveSpec, RUN_FIGURES, runFigureSpec, type RunFigureName } from "../charts/run-figures";

export interface RunExportState {
  epoch?: number;
  t: number;
  theme: "light" | "dark";
  sibling?: string;
}

export async function requireRunData(db: Db, id: string, q: RunExportState): Promise<RunPageData> {
  const data = await loadRunFigureData(db, id, { epoch: q.epoch, sibling: q.sibling });
  if (!data) throw notFound(`no run "${id}"`);
  return data;
}

/** The spec of one run figure; 404/422 (with the reason) when the run has nothing to draw there. */
export async function runFigure(db: Db, data: RunPageData, name: RunFigureName, q: RunExportState): Promise<FigureSpec> {
  if (name === "pruning-curve") {
    if (!data.gamma) throw new ApiError(422, data.gammaError ?? `run "${data.run.id}" has no checkpoint`);
    const curve = await loadPruningCurve(db, data.run.id, data.gamma.epoch);
    const at = await loadAblationAccuracy(db, data.run.id, q.t, data.gamma.epoch);
    return pruningCurveSpec(curve, data, { threshold: q.t, theme: q.theme, accuracy: at.accuracy });
  }
  const spec = runFigureSpec(name, data, { threshold: q.t, theme: q.theme });
  if (!spec) {
    if (name === "training-curves") throw new ApiError(422, `run "${data.run.id}" has no metrics yet`);
    throw new ApiError(422, data.gammaError ?? `run "${data.run.id}" has no γ to draw`);
  }
  return spec;
}

/** File name stem of a run figure: `<run>-ep<E>-<figure>`. */
export function runFigureBase(data: RunPageData, name: string): string {
  return `${data.run.id}${data.gamma ? `-ep${data.gamma.epoch}` : ""}-${name}`;
}

/** Every figure of the run that can be drawn, and a note for each that cannot. */
export async function allRunFigures(db: Db, data: RunPageData, q: RunExportState): Promise<{ figures: { name: string; spec: FigureSpec }[]; notes: string[] }> {
  const figures: { name: string; spec: FigureSpec }[] = [];
  const notes: string[] = [];
  for (const name of [...RUN_FIGURES, "pruning-curve" as const]) {
    try {
      figures.push({ name, spec: await runFigure(db, data, name, q) });
    } catch (e) {
      notes.push(`${name}: ${explain(e, `zip of ${data.run.id}, ${name}`)}`);
    }
  }
  return { figures, notes };
}
