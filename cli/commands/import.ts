import { openDb } from "../../lib/db/client";
import { ingest } from "../../lib/db/ingest";
import { importPath, type ImportResult } from "../../lib/import/import";
import { architectureName } from "../../lib/models/recognise";
import { dataDir, runsDir } from "../../lib/paths";
import { CODE_VERSION } from "../../trainer/version";
import { parseFlags, UsageError, type Command } from "./command";

const help = `usage: bnlab import PATH... [--name N] [--dataset D] [--mean m,.. --std s,..] [--arch A] [--data-dir DIR]

Imports networks trained elsewhere as bnlab runs and indexes them. PATH is a PyTorch checkpoint
(.pth/.pt, torch.save since 1.6: a state dict, or a dict holding one under state_dict, model,
model_state_dict or net), a .safetensors file, an open_lth run (train_<hash> or its
replicate_<n>), or a folder of checkpoints of one network (epochs in name order).
Pickles are never run: only tensors and plain containers are read; anything else is refused.

  --name N         the run's name (one PATH only)
  --dataset D      the dataset it was trained on (cifar10, mnist, fashion-mnist): test accuracy is
                   measured at import when bnlab runs the architecture and the data is here
  --mean, --std    per-channel normalisation (default: the dataset's training statistics)
  --arch A         the architecture, when recognition should not decide: cifar_resnet_D[_W],
                   cifar_vgg_D, resnetD, vggD_bn, mobilenet_v2, unknown
Importing the same path again changes nothing unless its files or these options changed.`;

function numbers(flag: string, value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const out = value.split(",").map((v) => Number(v.trim()));
  if (out.length === 0 || out.some((v) => !Number.isFinite(v))) throw new UsageError(`--${flag} must be comma-separated numbers, got "${value.slice(0, 80)}"`);
  if (flag === "std" && out.some((v) => v <= 0)) throw new UsageError("--std values must be positive");
  return out;
}

function describe(r: ImportResult): string {
  const run = r.run;
  const parts = [
    architectureName(run.architecture),
    `${run.source.files.length} checkpoint${run.source.files.length === 1 ? "" : "s"}`,
    `${r.bnLayers} BN layers, ${run.parameters.bnChannels} channels, ${r.below001} with |γ| < 0.01`,
  ];
  if (run.test) parts.push(`test accuracy ${(100 * run.test.accuracy).toFixed(2)}% on ${run.dataset} (${run.test.count} images)`);
  else if (run.forwardUnavailable) parts.push(`no evaluation: ${run.forwardUnavailable}`);
  return `${r.change === "unchanged" ? "unchanged" : r.change} ${r.id}: ${parts.join("; ")}`;
}

export const importCommand: Command = {
  name: "import",
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
        name: { type: "string" },
        dataset: { type: "string" },
        mean: { type: "string" },
        std: { type: "string" },
        arch: { type: "string" },
        "data-dir": { type: "string" },
      },
      true,
    );
    if (values.help) return void console.log(help);
    if (positionals.length === 0) throw new UsageError("give at least one PATH to import");
    if (values.name !== undefined && positionals.length > 1) throw new UsageError("--name names one run: give one PATH with it");
    const data = dataDir(values["data-dir"]);
    const root = runsDir(undefined, data);
    const opts = {
      runsDir: root,
      name: values.name,
      dataset: values.dataset,
      mean: numbers("mean", values.mean),
      std: numbers("std", values.std),
      arch: values.arch,
      dataDir: data,
      codeVersion: CODE_VERSION,
    };
    const ids: string[] = [];
    let failed = 0;
    for (const p of positionals) {
      try {
        for (const r of await importPath(p, opts)) {
          ids.push(r.id);
          console.log(describe(r));
        }
      } catch (e) {
        failed++;
        console.error(`bnlab import: ${(e as Error).message}`);
      }
    }
    if (ids.length > 0) {
      const db = await openDb();
      try {
        const report = await ingest(db, root, { only: ids });
        for (const b of report.broken) console.error(`  indexed as broken ${b.id}: ${b.error}`);
        if (report.broken.length > 0) failed++;
      } finally {
        await db.close();
      }
    }
    return failed > 0 ? 1 : 0;
  },
};
