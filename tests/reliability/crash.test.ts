/**
 * Crash safety with a live index: kill -9 the trainer (which indexes its own run in SQLite at
 * each checkpoint) mid-step, mid-write and mid-ingest, and a separate `bnlab ingest` mid-way;
 * resume after each. At the end: only whole files under real names, no temp files, each metric
 * line once, an index equal to the disk, and weights bit-identical to an uninterrupted run.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TEMP_INFIX } from "../../lib/checkpoint/atomic";
import { parseMetrics, parseRunFile } from "../../lib/run/files";
import { decodeSafetensors } from "../../lib/checkpoint/safetensors";
import { loadStateDict } from "../../lib/checkpoint/state-dict-io";
import { openDb, type Db } from "../../lib/db/client";
import { resnetSpec } from "../../lib/models/arch";
import { createRng } from "../../lib/random";
import { report } from "./report";
import { bnlab, childEnv, indexMismatches, trainArgs, TROUBLE } from "./runs-index";

const EPOCHS = 8;
const RUN = { epochs: EPOCHS, trainSubset: 256 }; // 8 steps an epoch
const COPIES = 12; // finished runs for the separate `bnlab ingest` to be killed in the middle of
const spec = resnetSpec({ depth: 8, width: 4 });

type Trigger = "ckpt-write" | "run-write" | "step" | "live-ingest";
type Landed = "mid-checkpoint-write" | "mid-run-file-write" | "mid-epoch" | "mid-live-ingest" | "after-live-ingest" | "mid-ingest-process";

function tempFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.includes(TEMP_INFIX));
}

function epochsOnDisk(runDir: string): number {
  return existsSync(path.join(runDir, "run.json")) ? parseRunFile(readFileSync(path.join(runDir, "run.json"), "utf8"), "run.json").epochsDone : -1;
}

/** Every file under `dir`, recursively. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe("crash safety with a live index", () => {
  const opened: Db[] = [];
  afterAll(async () => {
    for (const db of opened) await db.close();
  });

  it("survives kill -9 mid-step, mid-write and mid-ingest, and resumes to the uninterrupted result", async () => {
    // The uninterrupted reference, with no database, on the same backend (same machine, same env).
    const refRuns = mkdtempSync(path.join(tmpdir(), "bnlab-crash-ref-"));
    const ref = await bnlab(trainArgs(refRuns, RUN), childEnv(undefined)).exited;
    expect(ref.code, ref.stderr).toBe(0);
    const refDir = ref.stdout.trim().split("\n").at(-1)!;
    const id = path.basename(refDir);

    const runs = mkdtempSync(path.join(tmpdir(), "bnlab-crash-"));
    // Finished runs beside the one trained, under ids of their own, for the separate ingest.
    for (let i = 0; i < COPIES; i++) cpSync(refDir, path.join(runs, `copy-${i}`), { recursive: true });
    const isCopy = (runId: string) => runId.startsWith("copy-");
    const dbFile = path.join(mkdtempSync(path.join(tmpdir(), "bnlab-crash-db-")), "index.db");
    const url = `file:${dbFile}`;
    const env = childEnv(url);
    const db = await openDb({ DATABASE_URL: url });
    opened.push(db);
    const runDir = path.join(runs, id);
    const ckptDir = path.join(runDir, "ckpt");
    // Watched before the first run creates them (creating them early changes nothing: a run is its run.json).
    mkdirSync(ckptDir, { recursive: true });
    const rng = createRng(Date.now());
    const landed: Landed[] = [];
    const log: string[] = [];

    /** One trainer process, SIGKILLed at `trigger`; returns where the kill landed, or null when it finished first. */
    async function killTrainer(trigger: Trigger): Promise<Landed | null> {
      const before = epochsOnDisk(runDir);
      const { child, exited } = bnlab(trainArgs(runs, RUN), env);
      const kill = () => child.kill("SIGKILL");
      const watched = trigger === "ckpt-write" ? ckptDir : trigger === "run-write" ? runDir : null;
      // Killed as soon as a temp file appears, so the kill lands between its creation and its rename.
      const watcher = watched ? watch(watched, (_e, f) => f?.includes(TEMP_INFIX) && kill()) : null;
      let timer: NodeJS.Timeout | undefined;
      let stderr = "";
      child.stderr!.on("data", (s: string) => {
        stderr += s;
        // "training …" is printed just before the first step; an epoch's summary just before its live ingest.
        if (trigger === "step" && timer === undefined && /^training /m.test(stderr)) timer = setTimeout(kill, 5 + Math.floor(rng.next() * 40));
        if (trigger === "live-ingest" && /^epoch \d+\/\d+ {2}train loss/m.test(stderr)) kill();
      });
      const r = await exited;
      watcher?.close();
      clearTimeout(timer);
      if (r.signal !== "SIGKILL") {
        expect(r.code, r.stderr).toBe(0);
        return null;
      }
      const after = epochsOnDisk(runDir);
      // Where it landed, from what it left: a temp file, or an epoch on disk the index does not have yet.
      let where: Landed;
      if (tempFiles(ckptDir).length > 0) where = "mid-checkpoint-write";
      else if (tempFiles(runDir).length > 0) where = "mid-run-file-write";
      else if (after > before && (await indexMismatches(db, [runs], (x) => x === id)).length > 0) where = "mid-live-ingest";
      else if (after > before) where = "after-live-ingest";
      else where = "mid-epoch";
      log.push(`${trigger} → ${where} (epochs ${before} → ${after})`);
      return where;
    }

    /**
     * A `bnlab ingest` of the finished copies, SIGKILLed once some but not all of them are
     * re-indexed. Each run must then be indexed wholly as before or wholly as now, never half.
     */
    async function killIngest(): Promise<Landed | null> {
      const started = new Date(Date.now() - 1);
      // New mtimes on every file of every copy: each run and each of its checkpoints must be re-read.
      const stamp = new Date(Date.now() + 1000 * (log.length + 1));
      const copies = readdirSync(runs).filter(isCopy);
      for (const d of copies) for (const f of ["run.json", ...readdirSync(path.join(runs, d, "ckpt")).map((c) => path.join("ckpt", c))]) utimesSync(path.join(runs, d, f), stamp, stamp);
      const fresh = () => db.prisma.run.count({ where: { id: { startsWith: "copy-" }, indexedAt: { gt: started } } });
      const { child, exited } = bnlab(["ingest", runs], env);
      // Each commit writes the WAL: look at the index then, not in a busy loop that would starve the child.
      const watcher = watch(path.dirname(dbFile), (_e, f) => {
        if (f?.endsWith("-wal")) void fresh().then((n) => n > 0 && n < COPIES && child.kill("SIGKILL"));
      });
      const r = await exited;
      watcher.close();
      if (r.signal !== "SIGKILL") {
        expect(r.code, r.stderr).toBe(0);
        return null;
      }
      const n = await fresh();
      log.push(`ingest process → ${n} of ${COPIES} runs re-indexed`);
      for (const d of copies) {
        const row = await db.prisma.run.findUnique({ where: { id: d }, include: { checkpoints: true } });
        if (!row) continue; // never indexed: wholly as before
        const mtime = (f: string) => statSync(path.join(runs, d, f)).mtimeMs;
        const runNew = row.runJsonMtime === mtime("run.json");
        const ckptsNew = row.checkpoints.filter((c) => c.mtime === mtime(path.join("ckpt", `ep-${c.epoch}.safetensors`))).length;
        expect(ckptsNew, `${d} half indexed after the kill: run row ${runNew ? "new" : "old"}, ${ckptsNew} of ${EPOCHS + 1} checkpoints new`)
          .toBe(runNew ? EPOCHS + 1 : 0);
      }
      // The last runs may have been committed while the signal was on its way: then it was not mid-way.
      return n > 0 && n < COPIES ? "mid-ingest-process" : null;
    }

    // The first kill lands in the very first checkpoint write, before any checkpoint exists.
    const plan: (Trigger | "ingest")[] = ["ckpt-write", "step", "live-ingest", "ingest", "run-write", "ckpt-write", "step", "live-ingest", "ingest", "step"];
    for (const step of plan) {
      const where = step === "ingest" ? await killIngest() : await killTrainer(step);
      if (where) landed.push(where);
    }
    // A kill that must land mid-write or mid-ingest can miss (the write or ingest finished first): try again, a bounded number of times.
    for (let i = 0; i < 6 && !landed.includes("mid-checkpoint-write"); i++) landed.push(...[await killTrainer("ckpt-write")].filter((w) => w !== null));
    for (let i = 0; i < 4 && !landed.includes("mid-live-ingest"); i++) landed.push(...[await killTrainer("live-ingest")].filter((w) => w !== null));
    for (let i = 0; i < 4 && !landed.includes("mid-ingest-process"); i++) landed.push(...[await killIngest()].filter((w) => w !== null));
    for (let i = 0; i < 4 && landed.length < 10; i++) landed.push(...[await killTrainer("step")].filter((w) => w !== null));

    // Resume to the end, then index everything once more.
    const last = await bnlab(trainArgs(runs, RUN), env).exited;
    expect(last.code, last.stderr).toBe(0);
    expect(last.stderr, "the resumed trainer printed trouble").not.toMatch(TROUBLE);
    const ingested = await bnlab(["ingest", runs], env).exited;
    expect(ingested.code, ingested.stderr).toBe(0);
    expect(ingested.stderr + ingested.stdout).not.toMatch(TROUBLE);

    const count = (w: Landed) => landed.filter((x) => x === w).length;
    const summary = `${landed.length} kills: ${log.join("; ")}`;
    expect(landed.length, summary).toBeGreaterThanOrEqual(10);
    expect(count("mid-checkpoint-write"), summary).toBeGreaterThan(0);
    expect(count("mid-live-ingest"), summary).toBeGreaterThan(0);
    expect(count("mid-ingest-process"), summary).toBeGreaterThan(0);

    // Only whole files under real names, and no temp file left anywhere.
    for (const file of walk(runs)) {
      const name = path.basename(file);
      expect(name.includes(TEMP_INFIX), `temp file ${file} left (${summary})`).toBe(false);
      if (name.endsWith(".safetensors")) expect(() => decodeSafetensors(readFileSync(file), file), file).not.toThrow();
      if (name === "run.json") expect(() => parseRunFile(readFileSync(file, "utf8"), file), file).not.toThrow();
    }
    const run = parseRunFile(readFileSync(path.join(runDir, "run.json"), "utf8"), "run.json");
    expect(run).toMatchObject({ status: "complete", epochsDone: EPOCHS });
    // Each metric line exactly once: the same (epoch, split) sequence as the uninterrupted run.
    const keys = (dir: string) => parseMetrics(readFileSync(path.join(dir, "metrics.jsonl"), "utf8"), "metrics.jsonl").map((m) => `${m.epoch}/${m.split}`);
    expect(keys(runDir), summary).toEqual(keys(refDir));

    // The index equals the disk: run status, epochs, checkpoints (by content), metric points.
    expect(await indexMismatches(db, [runs]), summary).toEqual([]);

    // Bit-identical weights at every kept epoch.
    for (let e = 0; e <= EPOCHS; e++) {
      const a = (await loadStateDict(path.join(refDir, "ckpt", `ep-${e}.safetensors`), spec)).stateDict;
      const b = (await loadStateDict(path.join(ckptDir, `ep-${e}.safetensors`), spec)).stateDict;
      for (const [name, t] of a) expect(Buffer.from(b.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), `${name} at epoch ${e} (${summary})`).toBe(true);
    }
    expect(statSync(path.join(ckptDir, `ep-${EPOCHS}.safetensors`)).size).toBe(statSync(path.join(refDir, "ckpt", `ep-${EPOCHS}.safetensors`)).size);

    report("crash points survived", landed.length);
    report("crash points mid-checkpoint-write", count("mid-checkpoint-write"));
    report("crash points mid-run-file-write", count("mid-run-file-write"));
    report("crash points mid-ingest (trainer's live ingest)", count("mid-live-ingest"));
    report("crash points mid-ingest (bnlab ingest process)", count("mid-ingest-process"));
    report("crash points mid-epoch (steps, evaluation)", count("mid-epoch") + count("after-live-ingest"));
  }, 180_000);
});
