/**
 * A pool of Float32Array output buffers, keyed by length. A fresh 8 MB typed array costs ~3 ms
 * of page faults on this kind of machine; a training step makes and frees the same sizes every
 * time, so kernels take their outputs from here and the backend returns them when tfjs frees
 * the tensor.
 *
 * A buffer goes back to the pool only when nothing else can still see it:
 *  - it was made here (never an array a caller handed to tf.tensor()),
 *  - it was registered under exactly one tensor (a second registration, or a view of its memory
 *    such as cpu's Slice makes with subarray(), marks it shared),
 *  - it was never read out (dataSync()/data() hand the array itself to the caller).
 * Such buffers are simply left to the garbage collector.
 */
export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  /** buffer → the array handed out over it; lets views of the same memory be recognised. */
  private readonly owned = new WeakMap<ArrayBufferLike, Float32Array>();
  private readonly live = new WeakSet<Float32Array>();
  private readonly shared = new WeakSet<Float32Array>();
  private bytes = 0;
  /** Counters, for tests and benchmarks. */
  readonly stats = { hits: 0, misses: 0, returned: 0, dropped: 0 };

  /**
   * @param maxBytes most bytes kept in the free lists (buffers past it are left to the GC)
   * @param minElements buffers shorter than this are plain allocations (cheap, on V8's heap)
   */
  constructor(
    readonly maxBytes = 2 * 1024 ** 3,
    readonly minElements = 16 * 1024,
  ) {}

  /** A buffer of n floats with unspecified contents: the caller must overwrite all of it. */
  take(n: number): Float32Array {
    if (n < this.minElements) return new Float32Array(n);
    const list = this.free.get(n);
    const reused = list?.pop();
    if (reused) {
      this.bytes -= reused.byteLength;
      this.stats.hits++;
      return reused;
    }
    this.stats.misses++;
    const a = new Float32Array(n);
    this.owned.set(a.buffer, a);
    return a;
  }

  /** A buffer the caller no longer needs and never registered (e.g. a kernel that failed). */
  giveBack(a: Float32Array): void {
    if (this.owned.get(a.buffer) === a && !this.live.has(a) && !this.shared.has(a)) this.keep(a);
  }

  /** The backend registers values under a tensor. */
  onWrite(values: unknown): void {
    const owner = this.ownerOf(values);
    if (!owner) return;
    if (owner !== values || this.live.has(owner)) this.shared.add(owner);
    else this.live.add(owner);
  }

  /** The backend hands values out (readSync): someone may hold them indefinitely. */
  onRead(values: unknown): void {
    const owner = this.ownerOf(values);
    if (owner) this.shared.add(owner);
  }

  /** The tensor that held values is gone. */
  onDispose(values: unknown): void {
    const owner = this.ownerOf(values);
    if (!owner || owner !== values || !this.live.has(owner)) return;
    this.live.delete(owner);
    if (!this.shared.has(owner)) this.keep(owner);
  }

  /**
   * Whether values is a pool buffer registered under exactly one live tensor and never handed
   * out: its contents cannot change until that tensor is disposed (onDispose).
   */
  isPrivate(values: Float32Array): boolean {
    return this.owned.get(values.buffer) === values && this.live.has(values) && !this.shared.has(values);
  }

  /** Bytes currently held in the free lists. */
  get pooledBytes(): number {
    return this.bytes;
  }

  clear(): void {
    this.free.clear();
    this.bytes = 0;
  }

  private keep(a: Float32Array): void {
    if (this.bytes + a.byteLength > this.maxBytes) {
      this.stats.dropped++;
      return;
    }
    let list = this.free.get(a.length);
    if (!list) {
      list = [];
      this.free.set(a.length, list);
    }
    list.push(a);
    this.bytes += a.byteLength;
    this.stats.returned++;
  }

  private ownerOf(values: unknown): Float32Array | undefined {
    if (!ArrayBuffer.isView(values)) return undefined;
    return this.owned.get(values.buffer);
  }
}
