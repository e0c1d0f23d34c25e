/**
 * Mixed precision (bf16) on the native engine: tensors stay float32 for tfjs; the convolutions
 * read bf16 copies of their activation operands ("shadows", Uint16Array) and write float32.
 *
 * A shadow is kept while its float32 array cannot change: the array belongs to exactly one live
 * tensor whose buffer came from the pool (the backend drops the shadow when that tensor is
 * disposed). A forward convolution's input is converted once and the copy is read again by the
 * filter gradient; dy is converted once for both of its gradients. Other arrays (a caller's
 * data, small tensors) are converted on every use.
 */

/** What the conversion needs from the addon. */
export interface Bf16Converter {
  toBf16(src: Float32Array, dst: Uint16Array): void;
}

export class Bf16Shadows {
  private readonly byArray = new WeakMap<Float32Array, Uint16Array>();
  private readonly free = new Map<number, Uint16Array[]>();
  private freeBytes = 0;
  /** Counters, for tests and benchmarks. */
  /** converted: float32 → bf16 passes; written: bf16 results written by a convolution directly. */
  readonly stats = { converted: 0, written: 0, reused: 0, allocated: 0 };

  constructor(
    private readonly addon: Bf16Converter,
    /** Most bytes kept for reuse once their float32 arrays are gone. */
    readonly maxFreeBytes = 512 * 1024 ** 2,
  ) {}

  /** The bf16 copy of a; cached only when `stable` (a cannot change until drop(a)). */
  of(a: Float32Array, stable: boolean): Uint16Array {
    if (stable) {
      const cached = this.byArray.get(a);
      if (cached) {
        this.stats.reused++;
        return cached;
      }
    }
    const h = this.take(a.length);
    this.addon.toBf16(a, h);
    this.stats.converted++;
    if (stable) this.byArray.set(a, h);
    return h;
  }

  /** A bf16 buffer of n elements to fill (then adopt() it, or give it back with release()). */
  scratch(n: number): Uint16Array {
    return this.take(n);
  }

  /** h, filled by the caller, is the bf16 copy of a (which cannot change until drop(a)). */
  adopt(a: Float32Array, h: Uint16Array): void {
    const old = this.byArray.get(a);
    if (old === h) return;
    if (old) this.release(old);
    this.byArray.set(a, h);
  }

  /** a's tensor is gone (its buffer may be rewritten): its shadow is recycled. */
  drop(a: Float32Array): void {
    const h = this.byArray.get(a);
    if (!h) return;
    this.byArray.delete(a);
    this.release(h);
  }

  /** A bf16 buffer nobody reads any more. */
  release(h: Uint16Array): void {
    if (this.freeBytes + h.byteLength > this.maxFreeBytes) return;
    let list = this.free.get(h.length);
    if (!list) this.free.set(h.length, (list = []));
    list.push(h);
    this.freeBytes += h.byteLength;
  }

  clear(): void {
    this.free.clear();
    this.freeBytes = 0;
  }

  private take(n: number): Uint16Array {
    const h = this.free.get(n)?.pop();
    if (!h) {
      this.stats.allocated++;
      return new Uint16Array(n);
    }
    this.freeBytes -= h.byteLength;
    return h;
  }
}
