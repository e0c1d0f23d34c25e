/**
 * A state dict: named tensors in PyTorch's names and layouts (conv OIHW, linear [out, in]).
 * It is what checkpoints hold and what models load, independent of any tfjs backend.
 */
import { describeSpec, sizeOf, tensorSpecs, type ModelSpec } from "./arch";

export type TensorData =
  | { dtype: "float32"; shape: number[]; data: Float32Array }
  | { dtype: "int64"; shape: number[]; data: BigInt64Array };

export type StateDict = Map<string, TensorData>;

export class StateDictError extends Error {}

/**
 * Checks a state dict against the architecture as `load_state_dict(strict=True)` would:
 * no missing or unexpected names, every shape equal. Throws one error listing all problems.
 */
export function checkStateDict(spec: ModelSpec, sd: StateDict, source = "state dict"): void {
  const problems: string[] = [];
  const expected = tensorSpecs(spec);
  const names = new Set(expected.map((t) => t.name));
  for (const t of expected) {
    const got = sd.get(t.name);
    if (!got) {
      problems.push(`missing ${t.name}`);
      continue;
    }
    if (got.shape.length !== t.shape.length || got.shape.some((d, i) => d !== t.shape[i])) {
      problems.push(`${t.name} has shape [${got.shape}], expected [${t.shape}]`);
    } else if (got.data.length !== sizeOf(t.shape)) {
      problems.push(`${t.name} holds ${got.data.length} values, expected ${sizeOf(t.shape)}`);
    }
    if (got.dtype !== t.dtype) problems.push(`${t.name} is ${got.dtype}, expected ${t.dtype}`);
  }
  for (const name of sd.keys()) if (!names.has(name)) problems.push(`unexpected ${name}`);
  if (problems.length > 0) {
    const shown = problems.slice(0, 8).join("; ");
    const more = problems.length > 8 ? `; and ${problems.length - 8} more` : "";
    throw new StateDictError(
      `${source} does not match ${describeSpec(spec)} (${spec.inChannels} in, ${spec.classes} classes): ${shown}${more}`,
    );
  }
}

/** Indices for OIHW ↔ HWIO: the model keeps conv filters in tfjs's HWIO layout. */
export function oihwToHwio(src: Float32Array, [o, i, h, w]: number[]): Float32Array {
  const dst = new Float32Array(src.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) dst[((y * w + x) * i + b) * o + a] = src[((a * i + b) * h + y) * w + x];
  return dst;
}

export function hwioToOihw(src: Float32Array, [o, i, h, w]: number[]): Float32Array {
  const dst = new Float32Array(src.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) dst[((a * i + b) * h + y) * w + x] = src[((y * w + x) * i + b) * o + a];
  return dst;
}

/** [rows, cols] → [cols, rows]: PyTorch's linear weight is [out, in], tfjs's matMul wants [in, out]. */
export function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const dst = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
  return dst;
}
