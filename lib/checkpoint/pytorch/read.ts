/**
 * Reads a PyTorch checkpoint (`torch.save` since 1.6: a zip of `<name>/data.pkl`, `<name>/data/<key>`
 * storages, `<name>/version`, optionally `<name>/byteorder`) into a bnlab state dict, without
 * running any of it: the pickle goes through the restricted unpickler and its allow-list.
 */
import { open } from "node:fs/promises";
import type { StateDict } from "../../models/state-dict";
import { CheckpointError } from "../errors";
import { MAX_CHECKPOINT_FILE_BYTES, regularFileSize } from "../read-file";
import { PyDict, PyTuple, unpickle, UnpickleError, type PyValue } from "./pickle";
import { readTensor } from "./tensors";
import { findGlobal, StorageType, STORAGE_DTYPES, TorchStorage, TorchTensor } from "./torch-globals";
import { openZip, type ZipArchive } from "./zip";

/** data.pkl of a state dict is a few hundred bytes per tensor; past this it is not one. */
export const MAX_PICKLE_BYTES = 64 << 20;

/** The keys under which training scripts commonly nest the state dict. */
export const STATE_DICT_KEYS = ["state_dict", "model_state_dict", "model", "net", "network", "model_state"] as const;

export interface PytorchCheckpoint {
  stateDict: StateDict;
  /** Where the state dict was found: "" at top level, else the key (`state_dict`). */
  nestedUnder: string;
  /** A `module.` prefix (DataParallel) was stripped from every name. */
  strippedPrefix: string;
  /** Plain numbers found next to the state dict (`epoch`, `best_acc`), for the run's record. */
  extras: Record<string, number>;
}

/** What kind of file this is by its first bytes, so that a legacy checkpoint gets a useful message. */
async function sniff(file: string): Promise<"zip" | "legacy-pickle" | "tar" | "other"> {
  const h = await open(file, "r");
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await h.read(head, 0, 512, 0);
    if (bytesRead >= 4 && head.readUInt32LE(0) === 0x04034b50) return "zip";
    if (bytesRead >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return "legacy-pickle";
    if (bytesRead >= 262 && head.toString("latin1", 257, 262) === "ustar") return "tar";
    return "other";
  } finally {
    await h.close();
  }
}

export async function readPytorchCheckpoint(file: string): Promise<PytorchCheckpoint> {
  await regularFileSize(file, MAX_CHECKPOINT_FILE_BYTES, "a checkpoint");
  const kind = await sniff(file);
  if (kind === "legacy-pickle" || kind === "tar") {
    throw new CheckpointError(
      file,
      `is a legacy PyTorch checkpoint (${kind === "tar" ? "tar" : "raw pickle"} format, written before PyTorch 1.6 or with _use_new_zipfile_serialization=False), which bnlab does not read; ` +
        `re-save it with a current torch.save, or export it to safetensors`,
    );
  }
  if (kind !== "zip") throw new CheckpointError(file, "is not a PyTorch checkpoint (no zip archive, no pickle)");
  const zip = await openZip(file);
  try {
    return await readArchive(zip, file);
  } finally {
    await zip.close();
  }
}

async function readArchive(zip: ZipArchive, file: string): Promise<PytorchCheckpoint> {
  const fail = (problem: string): never => {
    throw new CheckpointError(file, problem);
  };
  const pickles = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) fail(pickles.length === 0 ? "is a zip archive without <name>/data.pkl: not a PyTorch checkpoint" : `has ${pickles.length} data.pkl entries`);
  const prefix = pickles[0].slice(0, -"data.pkl".length);
  const byteorder = zip.entries.get(`${prefix}byteorder`);
  if (byteorder) {
    const order = Buffer.from(await zip.read(byteorder.name, 0, Math.min(byteorder.size, 16))).toString("latin1");
    if (order !== "little") fail(`was saved on a ${order === "big" ? "big-endian" : `"${order}"-endian`} machine; bnlab reads little-endian checkpoints only (load and re-save it on a little-endian machine)`);
  }
  const pkl = zip.entries.get(pickles[0])!;
  if (pkl.size > MAX_PICKLE_BYTES) fail(`its data.pkl is ${pkl.size} bytes (at most ${MAX_PICKLE_BYTES}); not a state dict`);
  const pickle = await zip.read(pkl.name);

  const storages = new Map<string, TorchStorage>();
  let root: PyValue;
  try {
    root = unpickle(pickle, {
      findGlobal,
      persistentLoad(pid) {
        const items = pid instanceof PyTuple ? pid.items : null;
        if (!items || items.length !== 5 || items[0] !== "storage") throw new UnpickleError("a persistent id that is not a ('storage', type, key, location, numel) tuple");
        const [, type, key, , numel] = items;
        if (!(type instanceof StorageType)) throw new UnpickleError(`a storage whose type is not one of ${Object.keys(STORAGE_DTYPES).join(", ")}`);
        if (typeof key !== "string" || !/^[\w.-]{1,64}$/.test(key)) throw new UnpickleError(`a storage key ${JSON.stringify(String(key)).slice(0, 80)} that is not a plain name`);
        if (typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0) throw new UnpickleError(`storage ${key} has an invalid element count ${String(numel)}`);
        const known = storages.get(key);
        if (known) {
          if (known.dtype !== type.dtype || known.numel !== numel) throw new UnpickleError(`storage ${key} is described twice, differently`);
          return known;
        }
        const entry = zip.entries.get(`${prefix}data/${key}`);
        if (!entry) throw new UnpickleError(`storage ${key} has no entry ${prefix}data/${key} in the archive`);
        if (entry.size !== numel * type.dtype.itemSize) {
          throw new UnpickleError(`storage ${key} should hold ${numel} × ${type.dtype.itemSize} bytes (${type.dtype.storage}) but its entry has ${entry.size}`);
        }
        const s = new TorchStorage(key, type.dtype, numel);
        storages.set(key, s);
        return s;
      },
    });
  } catch (e) {
    if (e instanceof UnpickleError) fail(e.message);
    throw e;
  }

  const found = findStateDict(root, file);
  const names = [...found.dict.keys()];
  const strippedPrefix = ["module.", "_orig_mod."].find((p) => names.length > 0 && names.every((n) => n.startsWith(p))) ?? "";
  const stateDict: StateDict = new Map();
  for (const [name, t] of found.dict) {
    const key = name.slice(strippedPrefix.length);
    if (stateDict.has(key)) fail(`two tensors named ${JSON.stringify(key)} after stripping ${JSON.stringify(strippedPrefix)}`);
    stateDict.set(key, await readTensor(zip, prefix, t));
  }
  return { stateDict, nestedUnder: found.under, strippedPrefix, extras: found.extras };
}

/** The dict of tensors: the root itself, or under one of STATE_DICT_KEYS (one level, then one more). */
function findStateDict(root: PyValue, file: string): { dict: Map<string, TorchTensor>; under: string; extras: Record<string, number> } {
  const asTensorDict = (v: PyValue): Map<string, TorchTensor> | null => {
    if (!(v instanceof PyDict) || v.map.size === 0) return null;
    const out = new Map<string, TorchTensor>();
    for (const [k, t] of v.map) {
      if (typeof k !== "string" || !(t instanceof TorchTensor)) return null;
      out.set(k, t);
    }
    return out;
  };
  const extrasOf = (d: PyDict) => {
    const extras: Record<string, number> = {};
    for (const [k, v] of d.map) if (typeof k === "string" && typeof v === "number" && Number.isFinite(v)) extras[k] = v;
    return extras;
  };
  const top = asTensorDict(root);
  if (top) return { dict: top, under: "", extras: {} };
  if (root instanceof PyDict) {
    for (const key of STATE_DICT_KEYS) {
      const inner: PyValue = root.map.get(key) ?? null;
      const dict = asTensorDict(inner);
      if (dict) return { dict, under: key, extras: extrasOf(root) };
      // e.g. {"model": {"state_dict": …}}: one more level, never deeper (a recursive structure ends here).
      if (inner instanceof PyDict && inner !== root) {
        for (const key2 of STATE_DICT_KEYS) {
          const d2 = asTensorDict(inner.map.get(key2) ?? null);
          if (d2) return { dict: d2, under: `${key}.${key2}`, extras: extrasOf(root) };
        }
      }
    }
  }
  const keys = root instanceof PyDict ? [...root.map.keys()].slice(0, 10).map(String) : [];
  throw new CheckpointError(
    file,
    `holds no state dict: expected a dict of tensors at the top level or under ${STATE_DICT_KEYS.join(", ")}` + (keys.length ? ` (its keys: ${keys.join(", ")})` : ` (it holds ${describe(root)})`),
  );
}

function describe(v: PyValue): string {
  if (v === null) return "None";
  if (Array.isArray(v)) return "a list";
  if (v instanceof PyTuple) return "a tuple";
  if (v instanceof TorchTensor) return "a single tensor";
  return `a ${typeof v}`;
}
