/**
 * State dicts in safetensors files. Writes float32 and int64 exactly as
 * `safetensors.torch.save_file(model.state_dict())` would; reads any float dtype into float32
 * and any integer dtype into int64, so PyTorch exports in other precisions load too.
 */
import { tensorSpecs, checkStateDict, type ModelSpec, type StateDict, type TensorData } from "../models";
import { CheckpointError } from "./errors";
import { bf16ToFloat, halfToFloat } from "./half";
import { readSafetensors, writeSafetensors, type RawTensor, type SafetensorsFile } from "./safetensors";

export function toRawTensors(sd: StateDict): Map<string, RawTensor> {
  const out = new Map<string, RawTensor>();
  for (const [name, t] of sd) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(name, { dtype: t.dtype === "float32" ? "F32" : "I64", shape: t.shape, bytes });
  }
  return out;
}

function toTensorData(name: string, t: RawTensor, file: string): TensorData {
  // Copy into an aligned buffer: the file's bytes may start at any offset.
  const bytes = Uint8Array.from(t.bytes);
  const view = new DataView(bytes.buffer);
  const n = t.shape.reduce((a, b) => a * b, 1);
  switch (t.dtype) {
    case "F32":
      return { dtype: "float32", shape: t.shape, data: new Float32Array(bytes.buffer) };
    case "F64":
      return { dtype: "float32", shape: t.shape, data: Float32Array.from(new Float64Array(bytes.buffer)) };
    case "F16":
    case "BF16": {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const h = view.getUint16(2 * i, true);
        data[i] = t.dtype === "F16" ? halfToFloat(h) : bf16ToFloat(h);
      }
      return { dtype: "float32", shape: t.shape, data };
    }
    case "I64":
      return { dtype: "int64", shape: t.shape, data: new BigInt64Array(bytes.buffer) };
    case "I32":
      return { dtype: "int64", shape: t.shape, data: BigInt64Array.from(new Int32Array(bytes.buffer), (v) => BigInt(v)) };
    default:
      throw new CheckpointError(file, `tensor "${name}" has dtype ${t.dtype}, which bnlab cannot load`);
  }
}

export interface CheckpointMeta {
  [key: string]: string;
}

export async function saveStateDict(file: string, sd: StateDict, metadata: CheckpointMeta = {}): Promise<void> {
  await writeSafetensors(file, toRawTensors(sd), { format: "pt", ...metadata });
}

/** Converts parsed tensors to a state dict; with a spec, also checks it strictly against that architecture. */
export function toStateDict(tensors: Map<string, RawTensor>, file: string, spec?: ModelSpec): StateDict {
  const sd: StateDict = new Map();
  const expected = spec ? new Map(tensorSpecs(spec).map((t) => [t.name, t])) : null;
  for (const [name, raw] of tensors) {
    const t = toTensorData(name, raw, file);
    // An integer tensor where the model has floats (or the reverse) is converted only for known names.
    const want = expected?.get(name)?.dtype;
    if (want === "float32" && t.dtype === "int64") sd.set(name, { dtype: "float32", shape: t.shape, data: Float32Array.from(t.data, Number) });
    else if (want === "int64" && t.dtype === "float32") {
      // BigInt() throws a bare RangeError on NaN/±Inf; name the tensor instead.
      if (!t.data.every(Number.isFinite)) throw new CheckpointError(file, `tensor "${name}" should hold integers but has a non-finite value`);
      sd.set(name, { dtype: "int64", shape: t.shape, data: BigInt64Array.from(t.data, (v) => BigInt(Math.round(v))) });
    } else sd.set(name, t);
  }
  if (spec) {
    try {
      checkStateDict(spec, sd, "checkpoint");
    } catch (e) {
      throw new CheckpointError(file, (e as Error).message);
    }
  }
  return sd;
}

/**
 * Refuses weights an analysis cannot use: NaN or ±Inf in any float tensor (a diverged run), or a
 * negative BN running variance (its square root is NaN). Without this the γ statistics and
 * accuracies of such a checkpoint come out as NaN, which JSON turns into null.
 */
export function checkFinite(sd: StateDict, file: string): void {
  const problems: string[] = [];
  let total = 0;
  for (const [name, t] of sd) {
    if (t.dtype !== "float32") continue;
    let bad = 0;
    let first = -1;
    const negativeVar = name.endsWith(".running_var") || name === "running_var";
    for (let i = 0; i < t.data.length; i++) {
      const v = t.data[i];
      if (!Number.isFinite(v) || (negativeVar && v < 0)) {
        if (bad++ === 0) first = i;
      }
    }
    if (bad > 0) {
      total++;
      if (problems.length < 4) problems.push(`${name} has ${bad} ${negativeVar ? "non-finite or negative" : "non-finite"} value${bad === 1 ? "" : "s"} (first at index ${first}: ${t.data[first]})`);
    }
  }
  if (problems.length > 0) {
    throw new CheckpointError(file, `unusable weights: ${problems.join("; ")}${total > problems.length ? `; and ${total - problems.length} more tensors` : ""}`);
  }
}

/** Reads a state dict; with a spec, also checks it strictly against that architecture. */
export async function loadStateDict(file: string, spec?: ModelSpec): Promise<{ stateDict: StateDict; metadata: Record<string, string> }> {
  const parsed: SafetensorsFile = await readSafetensors(file);
  return { stateDict: toStateDict(parsed.tensors, file, spec), metadata: parsed.metadata };
}
