/**
 * run.json of an imported network: a run directory like any other (ckpt/ep-<E>.safetensors,
 * metrics.jsonl), whose run.json says where the weights came from instead of how they were
 * trained. Ingest tells the two apart by `kind`.
 */
import { z } from "zod";
import { readTextFile } from "../checkpoint/read-file";
import { checkRunJson, parseRunJson, RunFile } from "./files";

export const SOURCE_FORMATS = ["pytorch", "safetensors", "open_lth", "folder"] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

const count = z.number().int().positive();

export const ArchitectureSchema = z.discriminatedUnion("family", [
  z.object({ family: z.literal("cifar_resnet"), depth: count, width: count, inChannels: count, classes: count }),
  z.object({ family: z.literal("cifar_vgg"), depth: z.union([z.literal(11), z.literal(13), z.literal(16), z.literal(19)]), inChannels: count, classes: count }),
  // inChannels came later: a run imported before it took torchvision's 3.
  z.object({ family: z.literal("torchvision_resnet"), depth: z.union([z.literal(18), z.literal(34), z.literal(50), z.literal(101), z.literal(152)]), inChannels: count.default(3), classes: count }),
  // inChannels and hidden came later: a run imported before them took torchvision's 3 and 4096.
  z.object({ family: z.literal("torchvision_vgg_bn"), depth: z.union([z.literal(11), z.literal(13), z.literal(16), z.literal(19)]), inChannels: count.default(3), classes: count, hidden: count.default(4096) }),
  z.object({ family: z.literal("mobilenet_v2"), classes: count }),
  z.object({ family: z.literal("unknown") }),
]);

export const ImportedRunFile = z.object({
  formatVersion: z.number().int().positive(),
  kind: z.literal("imported"),
  id: RunFile.shape.id,
  name: z.string().max(200),
  source: z.object({
    /** The absolute path imported from (a file, an open_lth replicate directory, a folder). */
    path: z.string(),
    format: z.enum(SOURCE_FORMATS),
    /** Hash of everything imported (for a directory: of each file's name and hash). */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    files: z.array(z.object({ name: z.string(), epoch: z.number().int().nonnegative(), sha256: z.string() })),
  }),
  architecture: ArchitectureSchema,
  /** Set when --arch named it rather than recognition. */
  architectureGiven: z.boolean(),
  dataset: z.string().nullable(),
  preprocessing: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) }).nullable(),
  /** open_lth's hparams.log, section → field → value, where it could be read. */
  hparams: z.record(z.string(), z.record(z.string(), z.string())).nullable(),
  status: z.literal("complete"),
  epochsDone: z.number().int().nonnegative(),
  parameters: z.object({ total: z.number().int().nonnegative(), bnChannels: z.number().int().nonnegative() }),
  /** Measured at import on the named dataset's test split, when bnlab can run the architecture. */
  test: z.object({ epoch: z.number().int().nonnegative(), accuracy: z.number().min(0).max(1), loss: z.number(), count: count }).nullable(),
  /** Why the network cannot be run here (evaluation, pruning), when it cannot. */
  forwardUnavailable: z.string().nullable(),
  codeVersion: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ImportedRunFile = z.infer<typeof ImportedRunFile>;

/** Whether parsed run.json JSON is an imported run's. */
export function isImportedRunJson(json: unknown): boolean {
  return (json as { kind?: unknown } | null)?.kind === "imported";
}

export function parseImportedRunFile(text: string, file: string): ImportedRunFile {
  return parseRunJson(text, file, ImportedRunFile, "imported run.json");
}

/** An already parsed imported run.json, checked (ingest parses the text once to tell the kinds apart). */
export function checkImportedRunJson(json: unknown, file: string): ImportedRunFile {
  return checkRunJson(json, file, ImportedRunFile, "imported run.json");
}

export async function readImportedRunFile(file: string): Promise<ImportedRunFile> {
  return parseImportedRunFile(await readTextFile(file), file);
}
