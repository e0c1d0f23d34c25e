/**
 * The API over an imported network bnlab cannot run (a PyTorch Sequential: conv → BN → linear):
 * the run row says it is imported and why a forward pass is unavailable, the γ endpoint works from
 * the discovered BN layer (equal to what PyTorch saved), and the ablation endpoint answers 422
 * "unavailable: unknown architecture" instead of failing.
 */
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getJson as call } from "../../support/routes";
import { hasTorch, runPython } from "../../support/torch";

const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-api-imported-"));
process.env.DATABASE_URL = `file:${path.join(tmp, "api.db")}`;
process.env.BNLAB_DATA_DIR = path.join(tmp, "data");
process.env.BNLAB_RUNS_DIR = path.join(tmp, "data", "runs");


describe.skipIf(!hasTorch)("API: an imported network of unknown architecture", async () => {
  const src = path.join(tmp, "src");
  mkdirSync(src);
  runPython(path.resolve("tests/support/pytorch_checkpoints.py"), [src, path.join(tmp, "marker")]);
  const expected = JSON.parse(readFileSync(path.join(src, "expected.json"), "utf8")) as Record<string, Record<string, { values: number[] }>>;
  const { importPath } = await import("../../../lib/import/import");
  const { openDb } = await import("../../../lib/db/client");
  const { ingest } = await import("../../../lib/db/ingest");
  const [imported] = await importPath(path.join(src, "plain.pth"), { runsDir: process.env.BNLAB_RUNS_DIR!, codeVersion: "test", name: "seq" });
  const db = await openDb();
  expect((await ingest(db, process.env.BNLAB_RUNS_DIR!)).broken).toEqual([]);
  afterAll(() => db.close());
  const id = imported.id;

  it("shows the run as imported, with its source, architecture and why it cannot be evaluated", async () => {
    const { status, body } = await call((await import("../../../app/api/runs/[id]/route")).GET, `/api/runs/${id}`, id);
    expect(status).toBe(200);
    const run = (body.run ?? body) as Record<string, unknown>;
    expect(run).toMatchObject({ mode: "imported", architecture: "unknown", forwardUnavailable: "unknown architecture", source: { format: "pytorch" } });
  });

  it("serves the γ statistics of the discovered BN layer, equal to PyTorch's γ", async () => {
    const { status, body } = await call((await import("../../../app/api/runs/[id]/gamma/route")).GET, `/api/runs/${id}/gamma?t=0.5`, id);
    expect(status, JSON.stringify(body)).toBe(200);
    const gamma = expected["plain.pth"]["1.weight"].values;
    expect(body.layers).toEqual([{ name: "1", shortcut: false, channels: gamma.length, absGammaSorted: gamma.map((g) => Math.abs(Math.fround(g))).sort((a, b) => a - b) }]);
    const below = gamma.filter((g) => Math.abs(g) < 0.5).length;
    expect((body.fractionBelow as { count: number }).count).toBe(below);
  });

  it("answers the ablation endpoint with 422 'unavailable: unknown architecture'", async () => {
    const { status, body } = await call((await import("../../../app/api/runs/[id]/ablation/route")).GET, `/api/runs/${id}/ablation?threshold=0.01`, id);
    expect(status).toBe(422);
    expect(String(body.error)).toMatch(/unavailable: unknown architecture/);
  });
});
