/**
 * Turns a strided view into bnlab's tensors: the storage's bytes are read from the archive only
 * over the span the view touches, gathered in row-major order, and converted — floats of any
 * width to float32, integers and bools to int64.
 */
import type { TensorData } from "../../models/state-dict";
import { bf16ToFloat, halfToFloat } from "../half";
import type { ZipArchive } from "./zip";
import type { TorchTensor } from "./torch-globals";

/** Element index (into the storage) of each element of the view, in row-major order, relative to `base`. */
function viewIndices(t: TorchTensor, base: number): Float64Array {
  const n = t.numel;
  const out = new Float64Array(n);
  const rank = t.size.length;
  const counter = new Array<number>(rank).fill(0);
  let at = t.offset - base;
  for (let i = 0; i < n; i++) {
    out[i] = at;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      at += t.stride[d];
      if (counter[d] < t.size[d]) break;
      at -= t.stride[d] * t.size[d];
      counter[d] = 0;
    }
  }
  return out;
}

/** Reads one tensor's values from `<prefix>data/<key>`. */
export async function readTensor(zip: ZipArchive, prefix: string, t: TorchTensor): Promise<TensorData> {
  const shape = [...t.size];
  const n = t.numel;
  const { itemSize, kind } = t.storage.dtype;
  const float = kind === "f32" || kind === "f64" || kind === "f16" || kind === "bf16";
  if (n === 0) return float ? { dtype: "float32", shape, data: new Float32Array(0) } : { dtype: "int64", shape, data: new BigInt64Array(0) };
  const last = t.offset + t.size.reduce((s, d, i) => s + (d - 1) * t.stride[i], 0);
  const first = t.offset;
  const raw = await zip.read(`${prefix}data/${t.storage.key}`, first * itemSize, (last - first + 1) * itemSize);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const index = viewIndices(t, first);
  if (float) {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const b = index[i] * itemSize;
      data[i] =
        kind === "f32" ? view.getFloat32(b, true) : kind === "f64" ? view.getFloat64(b, true) : kind === "f16" ? halfToFloat(view.getUint16(b, true)) : bf16ToFloat(view.getUint16(b, true));
    }
    return { dtype: "float32", shape, data };
  }
  const data = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const b = index[i] * itemSize;
    data[i] =
      kind === "i64"
        ? view.getBigInt64(b, true)
        : BigInt(kind === "i32" ? view.getInt32(b, true) : kind === "i16" ? view.getInt16(b, true) : kind === "i8" ? view.getInt8(b) : view.getUint8(b));
  }
  return { dtype: "int64", shape, data };
}
