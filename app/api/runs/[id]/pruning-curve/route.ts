/**
 * GET /api/runs/[id]/pruning-curve?epoch&fractions=0,0.1,…&seeds=3&count=1000&mode=zero&includeShortcut=true
 * — test accuracy against the fraction of BN channels removed, smallest |γ| first, against a
 * random choice of the same number per layer (mean ± sd over seeds 0 … seeds−1). Cached.
 * `?format=csv`: one row per fraction.
 */
import { cachedOnce, evalCount, resolveCheckpoint } from "../../../../../lib/server/checkpoint";
import { csvResponse, toCsv } from "../../../../../lib/server/csv";
import { handle } from "../../../../../lib/server/errors";
import { queueHeaders } from "../../../../../lib/server/limit";
import { parseQuery, PruningQuery, runIdParam, type RunContext } from "../../../../../lib/server/api-query";
import { ANALYSES, pruningColumns } from "../../../../../lib/server/tables";
import { openDb } from "../../../../../lib/db/client";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request, ctx: RunContext): Promise<Response> {
  return handle("GET /api/runs/[id]/pruning-curve", async () => {
    const id = await runIdParam(ctx);
    const { epoch, fractions, seeds, mode, includeShortcut, format, ...q } = parseQuery(PruningQuery, request);
    const db = await openDb();
    const ck = await resolveCheckpoint(db, id, epoch);
    const count = evalCount(ck.run, q.count);
    const { value, hit } = await cachedOnce(db, ck, ANALYSES.pruning, { fractions, seeds, mode, includeShortcut, count }, async () => {
      // Not queued as a whole: each of its evaluations takes its turn in the queue (pruningBody).
      const { evaluationInputs, pruningBody } = await import("../../../../../lib/server/compute");
      const { stateDict, setup } = await evaluationInputs(ck, count)();
      return pruningBody(stateDict, setup, { fractions, seeds, mode, includeShortcut });
    });
    if (format === "csv") return csvResponse(`${id}-ep${ck.epoch}-pruning-curve.csv`, toCsv(pruningColumns(value.seeds), value.points));
    return Response.json({ runId: id, epoch: ck.epoch, hash: ck.hash, cached: hit, ...value }, { headers: queueHeaders() });
  });
}
