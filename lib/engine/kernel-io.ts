/**
 * Backend memory as typed arrays, for kernels written once in plain JS and registered on
 * several backends (cpu, wasm, and bnlab's native backend, which keeps its data the way the
 * cpu backend does).
 *
 * A kernel receives `TensorInfo`s, never tensors: wrapping an input in a new tensor gives the
 * engine a second owner of the buffer, which then frees it early or leaks it. So a kernel
 * allocates its outputs with `alloc`, reads and writes through `view`, and frees its own
 * intermediates with `free`.
 *
 * On wasm a view is a window on the heap, and the heap's `ArrayBuffer` is replaced whenever
 * memory grows, which any allocation may cause (including one inside another kernel). Take
 * views after the last allocation, and take them again after calling another kernel.
 */
import type { TensorInfo } from "@tensorflow/tfjs-core";

export interface KernelIO {
  /** The backend instance (as kernels receive it). */
  readonly backend: object;
  /** A Float32Array over the tensor's storage (no copy). Writing to an input is a bug. */
  view(info: TensorInfo): Float32Array;
  /** A new float32 tensor buffer; its contents are unspecified (not zeroed on wasm). */
  alloc(shape: number[]): TensorInfo;
  /** Releases a buffer this kernel allocated (or received from a kernel it called). */
  free(info: TensorInfo): void;
}

/** The storage of the cpu backend (and backends built on it): `backend.data.get(id).values`. */
interface CpuLikeBackend {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The wasm backend: tensors live on the wasm heap. */
interface WasmLikeBackend {
  typedArrayFromHeap(info: TensorInfo): ArrayLike<number>;
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

function isWasmLike(backend: unknown): backend is WasmLikeBackend {
  const b = backend as Partial<WasmLikeBackend>;
  return typeof b.typedArrayFromHeap === "function" && typeof b.makeOutput === "function";
}

function isCpuLike(backend: unknown): backend is CpuLikeBackend {
  const b = backend as Partial<CpuLikeBackend>;
  return (
    typeof b.makeTensorInfo === "function" &&
    typeof b.data === "object" &&
    b.data !== null &&
    typeof b.data.get === "function"
  );
}

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkFloat32(info: TensorInfo): void {
  if (info.dtype !== "float32") {
    throw new Error(`bnlab kernel: expected a float32 tensor, got ${info.dtype} [${info.shape.join(", ")}]`);
  }
}

/** Whether `kernelIO` can work on this backend's memory. */
export function hasKernelIO(backend: object): boolean {
  return isWasmLike(backend) || isCpuLike(backend);
}

/** Typed-array access to a backend's tensors; throws for backends whose memory JS cannot reach. */
export function kernelIO(backend: object): KernelIO {
  if (isWasmLike(backend)) {
    const wasm = backend;
    return {
      backend,
      view(info) {
        checkFloat32(info);
        const arr = wasm.typedArrayFromHeap(info);
        if (!(arr instanceof Float32Array)) throw new Error("bnlab kernel: wasm heap view is not a Float32Array");
        return arr;
      },
      alloc: (shape) => wasm.makeOutput(shape, "float32"),
      free: (info) => void wasm.disposeData(info.dataId),
    };
  }
  if (isCpuLike(backend)) {
    const cpu = backend;
    return {
      backend,
      view(info) {
        checkFloat32(info);
        const values = cpu.data.get(info.dataId)?.values;
        if (!(values instanceof Float32Array)) {
          throw new Error("bnlab kernel: tensor storage is not a Float32Array (disposed or complex tensor?)");
        }
        if (values.length !== size(info.shape)) {
          throw new Error(`bnlab kernel: storage has ${values.length} values, shape [${info.shape.join(", ")}] wants ${size(info.shape)}`);
        }
        return values;
      },
      alloc: (shape) => cpu.makeTensorInfo(shape, "float32", new Float32Array(size(shape))),
      free: (info) => void cpu.disposeData(info.dataId),
    };
  }
  throw new Error("bnlab kernel: this backend's memory is not reachable from JS (neither cpu-like nor wasm-like)");
}

/** The number of elements of a shape. */
export function sizeOfShape(shape: readonly number[]): number {
  return size(shape);
}
