/** uint8 pixels → normalised floats, (v/255 − mean[c]) / std[c], through a 256-entry table per channel. */

/** table[c*256 + v] is the normalised value of byte v in channel c. */
export function normalizationTable(mean: readonly number[], std: readonly number[]): Float32Array {
  if (mean.length === 0 || mean.length !== std.length) {
    throw new RangeError(`mean and std need one entry per channel, got ${mean.length} and ${std.length}`);
  }
  const table = new Float32Array(256 * mean.length);
  for (let c = 0; c < mean.length; c++) {
    if (!(std[c] > 0)) throw new RangeError(`std[${c}] must be positive, got ${std[c]}`);
    for (let v = 0; v < 256; v++) table[c * 256 + v] = (v / 255 - mean[c]) / std[c];
  }
  return table;
}

/** Normalises interleaved (…HWC) pixels; the channel count is mean.length. Writes into `out` if given. */
export function toFloat(images: Uint8Array, mean: readonly number[], std: readonly number[], out?: Float32Array): Float32Array {
  const channels = mean.length;
  if (images.length % channels !== 0) throw new RangeError(`${images.length} bytes is not a whole number of ${channels}-channel pixels`);
  const result = out ?? new Float32Array(images.length);
  if (result.length < images.length) throw new RangeError(`output holds ${result.length} floats, need ${images.length}`);
  const table = normalizationTable(mean, std);
  for (let i = 0; i < images.length; i++) result[i] = table[(i % channels) * 256 + images[i]];
  return result;
}
