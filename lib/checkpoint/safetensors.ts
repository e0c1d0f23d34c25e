/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__},
 * then the tensor bytes. It holds no code, so opening a stranger's file is safe. The reader
 * validates everything the format promises before touching a byte of data.
 */
import { writeFileAtomic } from "./atomic";
import { CheckpointError } from "./errors";
import { MAX_CHECKPOINT_FILE_BYTES, readRegularFile } from "./read-file";

export const DTYPE_BYTES = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
} as const;
export type SafeDtype = keyof typeof DTYPE_BYTES;

export interface RawTensor {
  dtype: SafeDtype;
  shape: number[];
  /** Little-endian bytes; a view into the file's buffer. */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

/** Headers larger than this are refused before parsing (the reference reader's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

export function encodeSafetensors(tensors: Map<string, RawTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const expected = t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype];
    if (t.bytes.length !== expected) throw new Error(`tensor ${name}: ${t.bytes.length} bytes for shape [${t.shape}] ${t.dtype}`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.from(json, "utf8");
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors.values()) {
    out.set(t.bytes, at);
    at += t.bytes.length;
  }
  return out;
}

/** What a file that is not safetensors probably is, for the error (PyTorch's own formats above all). */
function guessFormat(buf: Uint8Array): string {
  const starts = (...b: number[]) => b.every((x, i) => buf[i] === x);
  if (starts(0x50, 0x4b, 0x03, 0x04)) return "; it is a zip archive (a PyTorch torch.save .pt file?), not safetensors";
  if (buf[0] === 0x80 && buf[1] >= 2 && buf[1] <= 5) return "; it is a Python pickle (a legacy PyTorch .pt file?), not safetensors";
  if (starts(0x1f, 0x8b)) return "; it is gzip-compressed";
  return "";
}

/** A tensor name as an error shows it: quoted, and cut short (a header may hold megabyte-long names). */
function quote(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name);
}

export function decodeSafetensors(buf: Uint8Array, file: string): SafetensorsFile {
  const fail = (problem: string): never => {
    throw new CheckpointError(file, `not a valid safetensors file: ${problem}`);
  };
  if (buf.length < 8) fail(`${buf.length} bytes is shorter than the 8-byte header length`);
  const n = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header claims ${n} bytes (limit ${MAX_HEADER_BYTES})${guessFormat(buf)}`);
  if (n > BigInt(buf.length - 8)) fail(`header claims ${n} bytes but the file has ${buf.length - 8} after the length (truncated?)`);
  const headerLength = Number(n);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(8, 8 + headerLength));
  } catch {
    return fail("header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) fail("header is not a JSON object");
  const dataStart = 8 + headerLength;
  const dataLength = buf.length - dataStart;
  const tensors = new Map<string, RawTensor>();
  let metadata: Record<string, string> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (entry === null || typeof entry !== "object" || Array.isArray(entry) || Object.values(entry).some((v) => typeof v !== "string")) {
        fail("__metadata__ must map strings to strings");
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (e === null || typeof e !== "object") return fail(`entry ${quote(name)} is not an object`);
    if (typeof e.dtype !== "string" || !Object.hasOwn(DTYPE_BYTES, e.dtype)) fail(`tensor ${quote(name)} has unknown dtype ${JSON.stringify(e.dtype)?.slice(0, 40)}`);
    const dtype = e.dtype as SafeDtype;
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      fail(`tensor ${quote(name)} has an invalid shape ${JSON.stringify(e.shape)?.slice(0, 80)}`);
    }
    const shape = e.shape as number[];
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || o < 0)) {
      return fail(`tensor ${quote(name)} has invalid data_offsets ${JSON.stringify(offsets)?.slice(0, 80)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`tensor ${quote(name)} ends (${end}) before it begins (${begin})`);
    if (end > dataLength) fail(`tensor ${quote(name)} ends at byte ${end} but the data section has ${dataLength} bytes (truncated?)`);
    const elements = shape.reduce((a, b) => a * b, 1);
    if (elements * DTYPE_BYTES[dtype] !== end - begin) {
      fail(`tensor ${quote(name)} has ${end - begin} bytes but shape [${String(shape).slice(0, 80)}] of ${dtype} needs ${elements * DTYPE_BYTES[dtype]}`);
    }
    spans.push({ name, begin, end });
    tensors.set(name, { dtype, shape, bytes: buf.subarray(dataStart + begin, dataStart + end) });
  }
  // The format requires the data section to be covered exactly: no overlaps, no holes.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const s of spans) {
    if (s.begin < covered) fail(`tensor ${quote(s.name)} overlaps the previous tensor (bytes ${s.begin}–${s.end})`);
    if (s.begin > covered) fail(`bytes ${covered}–${s.begin} of the data section belong to no tensor`);
    covered = s.end;
  }
  if (covered !== dataLength) fail(`${dataLength - covered} trailing bytes after the last tensor`);
  return { tensors, metadata };
}

export async function readSafetensors(file: string): Promise<SafetensorsFile> {
  return decodeSafetensors(await readRegularFile(file, MAX_CHECKPOINT_FILE_BYTES), file);
}

export async function writeSafetensors(file: string, tensors: Map<string, RawTensor>, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
