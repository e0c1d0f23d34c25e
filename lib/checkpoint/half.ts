/** 16-bit floats widened to float32: IEEE half (fp16) and bfloat16, as checkpoints store them. */

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const bf16 = new Float32Array(1);
const bf16Bits = new Uint32Array(bf16.buffer);
/** bfloat16 is the high half of a float32. */
export function bf16ToFloat(h: number): number {
  bf16Bits[0] = h << 16;
  return bf16[0];
}
