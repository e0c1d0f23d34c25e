/**
 * `npm run repro`: trains the same Fashion-MNIST recipe in bnlab and in PyTorch, seed for seed, and
 * prints final test accuracy per cell (ResNet-8/20 × BN-only/all) and side, with the 95% Welch
 * interval of bnlab − PyTorch. Not a test: it takes a long while on CPUs.
 *
 * Recipe: a 10,000-image random train subset per seed, 4 epochs, batch 128, SGD lr 0.1 / momentum
 * 0.9 / weight decay 1e-4 on the trainable parameters, lr ÷ 10 at 50% and 75% of training, no
 * augmentation, open_lth init, the full test set. bnlab trains through `train()` from a RunConfig;
 * PyTorch (trainer/repro/torch_train.py, /usr/bin/python3) gets bnlab's data plan — the subset's
 * indices and each epoch's order — so both see the same batches; inits are each side's own draws.
 *
 * Each finished run is appended to the results file (JSON lines); a rerun skips what is there,
 * so an interrupted sweep resumes and `--report` prints the table of whatever has finished.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { meanSd } from "../../lib/analysis/stats";
import { welchInterval } from "../../lib/analysis/stats";
import { RunConfig, runId } from "../../lib/run/config";
import { writeSafetensors } from "../../lib/checkpoint/safetensors";
import { epochOrder } from "../../lib/data/batches";
import { FASHION_MNIST_SYSTEM_DIR } from "../../lib/data/mnist";
import { getDataset } from "../../lib/data/registry";
import { randomSubsetIndices } from "../../lib/data/subset";
import { trainableGroups, type TrainableMode } from "../../lib/run/modes";
import { deriveSeed } from "../../lib/random";
import { createReporter } from "../progress";
import { milestones } from "../schedule";
import { train } from "../train";

const PYTHON = "/usr/bin/python3";
const TORCH_SCRIPT = fileURLToPath(new URL("./torch_train.py", import.meta.url));
const CELLS: Record<string, { depth: number; mode: TrainableMode }> = {
  "resnet8-bn": { depth: 8, mode: "bn" },
  "resnet8-all": { depth: 8, mode: "all" },
  "resnet20-bn": { depth: 20, mode: "bn" },
  "resnet20-all": { depth: 20, mode: "all" },
};
type Side = "bnlab" | "pytorch";
interface Result { cell: string; seed: number; side: Side; accuracy: number; seconds: number }

const USAGE = `usage: npm run repro -- [--cells resnet8-bn,resnet8-all,resnet20-bn,resnet20-all] [--seeds 0-4]
                     [--sides bnlab,pytorch] [--results FILE] [--work DIR] [--report]
  --seeds    a range (0-4) or a list (0,3,7)            [0-4]
  --results  JSON lines, one per finished run; reruns skip what is there  [<work>/results.jsonl]
  --work     run directories and data plans             [$TMPDIR/bnlab-repro]
  --report   print the table from the results file and train nothing`;

function configFor(cell: string, seed: number): RunConfig {
  const { depth, mode } = CELLS[cell];
  return RunConfig.parse({
    data: { dataset: "fashion-mnist", trainSubset: 10_000, subsetChoice: "random", augment: false },
    model: { depth, width: 16, bnInit: "uniform" },
    training: { trainable: trainableGroups(mode), epochs: 4, batchSize: 128, lr: 0.1, momentum: 0.9, weightDecay: 1e-4, seed },
  });
}

/** The subset and every epoch's order exactly as `train()` draws them, for the PyTorch side. */
async function writePlan(config: RunConfig, file: string): Promise<void> {
  const info = getDataset(config.data.dataset);
  const n = config.data.trainSubset!;
  const subset = randomSubsetIndices(info.trainCount, n, deriveSeed(config.training.seed, "subset"));
  const i64 = (a: Int32Array) => { const b = BigInt64Array.from(a, (v) => BigInt(v)); return { dtype: "I64" as const, shape: [a.length], bytes: new Uint8Array(b.buffer) }; };
  const tensors = new Map([["subset", i64(subset)]]);
  for (let e = 0; e < config.training.epochs; e++) tensors.set(`order.${e}`, i64(epochOrder(n, deriveSeed(config.training.seed, "data"), e)));
  await writeSafetensors(file, tensors);
}

async function runBnlab(config: RunConfig, work: string): Promise<number> {
  const r = await train(config, { runsDir: path.join(work, "runs"), reporter: createReporter({ quiet: true }) });
  if (r.test) return r.test.accuracy;
  // Already complete from an earlier sweep: read the last test line.
  const lines = readFileSync(path.join(r.runDir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { split: string; accuracy: number });
  return lines.filter((l) => l.split === "test").at(-1)!.accuracy;
}

async function runPytorch(config: RunConfig, work: string): Promise<number> {
  const plan = path.join(work, `plan-${runId(config)}.safetensors`);
  await writePlan(config, plan);
  const info = getDataset(config.data.dataset);
  const t = config.training;
  const args = [TORCH_SCRIPT, plan, FASHION_MNIST_SYSTEM_DIR, String(config.model.depth), t.trainable.join(","), String(t.epochs), String(t.batchSize),
    String(t.lr), String(t.momentum), String(t.weightDecay), milestones(t).join(","), String(t.seed), String(info.mean[0]), String(info.std[0])];
  const r = spawnSync(PYTHON, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${TORCH_SCRIPT} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return (JSON.parse(r.stdout) as { accuracy: number }).accuracy;
}

function parseSeeds(s: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(s);
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
  return s.split(",").map((v) => {
    if (!/^\d+$/.test(v)) throw new Error(`--seeds: "${v}" is not a seed`);
    return Number(v);
  });
}

function readResults(file: string): Result[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Result);
}

const pct = (x: number) => (100 * x).toFixed(1);

function table(results: Result[], cells: string[]): string {
  const rows = ["| cell | bnlab mean ± sd (n) | PyTorch mean ± sd (n) | bnlab − PyTorch, 95% Welch interval |", "|---|---|---|---|"];
  for (const cell of cells) {
    const acc = (side: Side) => results.filter((r) => r.cell === cell && r.side === side).map((r) => r.accuracy);
    const [a, b] = [acc("bnlab"), acc("pytorch")];
    const show = (v: number[]) => { const m = meanSd(v); return v.length ? `${pct(m.mean)} ± ${m.sd === null ? "–" : pct(m.sd)} (${v.length})` : "–"; };
    let diff = "–";
    if (a.length >= 2 && b.length >= 2) {
      const w = welchInterval(a, b);
      diff = `${w.diff >= 0 ? "+" : ""}${pct(w.diff)} [${pct(w.lo)}, ${pct(w.hi)}] (df ${(w.df ?? 0).toFixed(1)})`;
    }
    rows.push(`| ${cell} | ${show(a)} | ${show(b)} | ${diff} |`);
  }
  return rows.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { cells: { type: "string" }, seeds: { type: "string" }, sides: { type: "string" }, results: { type: "string" }, work: { type: "string" }, report: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return void console.log(USAGE);
  const cells = (values.cells ?? Object.keys(CELLS).join(",")).split(",");
  for (const c of cells) if (!CELLS[c]) throw new Error(`unknown cell "${c}"; cells are ${Object.keys(CELLS).join(", ")}`);
  const sides = (values.sides ?? "bnlab,pytorch").split(",") as Side[];
  for (const s of sides) if (s !== "bnlab" && s !== "pytorch") throw new Error(`unknown side "${s}"; sides are bnlab, pytorch`);
  const seeds = parseSeeds(values.seeds ?? "0-4");
  const work = values.work ?? path.join(tmpdir(), "bnlab-repro");
  mkdirSync(work, { recursive: true });
  const file = values.results ?? path.join(work, "results.jsonl");

  if (!values.report) {
    // Seed-major, so a partial sweep already has every cell at a few seeds.
    for (const seed of seeds) {
      for (const cell of cells) {
        for (const side of sides) {
          if (readResults(file).some((r) => r.cell === cell && r.seed === seed && r.side === side)) continue;
          const config = configFor(cell, seed);
          const started = performance.now();
          const accuracy = side === "bnlab" ? await runBnlab(config, work) : await runPytorch(config, work);
          const result: Result = { cell, seed, side, accuracy, seconds: (performance.now() - started) / 1000 };
          appendFileSync(file, JSON.stringify(result) + "\n");
          console.error(`${cell} seed ${seed} ${side}: ${pct(accuracy)}% in ${result.seconds.toFixed(0)} s`);
        }
      }
    }
  }
  console.log(`Fashion-MNIST, 10,000-image random subset per seed, 4 epochs, final test accuracy (%), results in ${file}\n`);
  console.log(table(readResults(file), cells));
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exitCode = 1;
});
