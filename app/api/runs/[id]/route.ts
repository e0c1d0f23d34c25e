/** GET /api/runs/[id] — one run: its row, its config as run.json has it, and its checkpoints. */
import { requireRun } from "../../../../lib/server/checkpoint";
import { handle } from "../../../../lib/server/errors";
import { parseQuery, runIdParam, RunQuery, type RunContext } from "../../../../lib/server/api-query";
import { parseConfig, publicCheckpoint, publicRun } from "../../../../lib/server/serialize";
import { openDb } from "../../../../lib/db/client";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request, ctx: RunContext): Promise<Response> {
  return handle("GET /api/runs/[id]", async () => {
    const id = await runIdParam(ctx);
    parseQuery(RunQuery, request);
    const { checkpoints, ...run } = await requireRun(await openDb(), id);
    return Response.json({ ...publicRun(run), config: parseConfig(run), checkpoints: checkpoints.map(publicCheckpoint) });
  });
}
