/**
 * GET /api/runs/[id]/ablation?epoch&threshold=0.01&mode=zero|gamma-only&count=1000|all&includeShortcut=true
 * — switch off every BN channel with |γ| < threshold and measure test accuracy (95 % Wilson
 * interval) and loss on the first `count` test images, with the channels removed per layer and
 * the unablated accuracy on the same images. Cached. `?format=csv`: the per-layer counts.
 */
import { cachedOnce, evalCount, resolveCheckpoint } from "../../../../../lib/server/checkpoint";
import type { EvaluationInputs } from "../../../../../lib/server/compute";
import { csvResponse, toCsv } from "../../../../../lib/server/csv";
import { handle } from "../../../../../lib/server/errors";
import { queueHeaders } from "../../../../../lib/server/limit";
import { AblationQuery, parseQuery, runIdParam, type RunContext } from "../../../../../lib/server/api-query";
import type { AblationResponse } from "../../../../../lib/server/responses";
import { ablationColumns, ANALYSES } from "../../../../../lib/server/tables";
import { openDb } from "../../../../../lib/db/client";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request, ctx: RunContext): Promise<Response> {
  return handle("GET /api/runs/[id]/ablation", async () => {
    const id = await runIdParam(ctx);
    const { epoch, threshold, mode, includeShortcut, format, ...q } = parseQuery(AblationQuery, request);
    const db = await openDb();
    const ck = await resolveCheckpoint(db, id, epoch);
    const count = evalCount(ck.run, q.count);
    // tfjs, the weights and the test images are loaded only on a cache miss, and once for both results.
    let inputs: EvaluationInputs | null = null;
    const compute = async () => {
      const c = await import("../../../../../lib/server/compute");
      inputs ??= c.evaluationInputs(ck, count);
      return { ...c, inputs };
    };
    const ablationP = cachedOnce(db, ck, ANALYSES.ablation, { threshold, mode, includeShortcut, count }, async () => {
      const { ablationBody, inputs, queued } = await compute();
      return queued(async () => {
        const { stateDict, setup } = await inputs();
        return ablationBody(stateDict, setup, { threshold, mode, includeShortcut });
      });
    });
    // The baseline is asked for with the ablation, not after it: every threshold shares it, and
    // queued behind a burst of ablations it would hold all their answers back until the last.
    const baselineP = format === "csv" ? null : cachedOnce(db, ck, ANALYSES.accuracy, { count }, async () => {
      const { baselineAccuracy, inputs, queued } = await compute();
      return queued(async () => {
        const { stateDict, setup } = await inputs();
        return baselineAccuracy(stateDict, setup);
      });
    });
    const [ablation, baseline] = await Promise.all([ablationP, baselineP]);
    if (format === "csv" || !baseline) return csvResponse(`${id}-ep${ck.epoch}-ablation-${threshold}.csv`, toCsv(ablationColumns, ablation.value.layers));
    const body: AblationResponse = { runId: id, epoch: ck.epoch, hash: ck.hash, cached: ablation.hit, ...ablation.value, baseline: baseline.value };
    return Response.json(body, { headers: queueHeaders() });
  });
}
