/**
 * GET /api/runs/[id]/gamma?epoch=E&t=0.01&includeShortcut=true&bins=30 — the γ analysis of one
 * checkpoint (default: the last): summary report, fraction below t, histograms of γ and log |γ|,
 * the fraction-below curve, each layer's sorted |γ| (a heatmap), and the change since the epoch-0
 * checkpoint when there is one. Cached by checkpoint hash. `?format=csv`: the per-layer table.
 */
import { cachedOnce, initCheckpoint, resolveCheckpoint } from "../../../../../lib/server/checkpoint";
import { csvResponse, toCsv } from "../../../../../lib/server/csv";
import { handle } from "../../../../../lib/server/errors";
import { GammaQuery, parseQuery, runIdParam, type RunContext } from "../../../../../lib/server/api-query";
import { ANALYSES, gammaColumns, gammaLayerRows } from "../../../../../lib/server/tables";
import { openDb } from "../../../../../lib/db/client";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request, ctx: RunContext): Promise<Response> {
  return handle("GET /api/runs/[id]/gamma", async () => {
    const id = await runIdParam(ctx);
    const { epoch, t, includeShortcut, bins, format } = parseQuery(GammaQuery, request);
    const db = await openDb();
    const ck = await resolveCheckpoint(db, id, epoch);
    const init = ck.epoch === 0 ? null : await initCheckpoint(db, ck.run);
    const { value, hit } = await cachedOnce(db, ck, ANALYSES.gamma, { t, includeShortcut, bins, init: init?.hash ?? null }, async () => {
      const { gammaBody, loadCheckpoint } = await import("../../../../../lib/server/compute");
      return gammaBody(await loadCheckpoint(ck), ck.spec, init ? await loadCheckpoint(init) : null, { threshold: t, includeShortcut, bins });
    });
    if (format === "csv") return csvResponse(`${id}-ep${ck.epoch}-gamma.csv`, toCsv(gammaColumns(t), gammaLayerRows(value)));
    return Response.json({ runId: id, epoch: ck.epoch, hash: ck.hash, cached: hit, ...value });
  });
}
