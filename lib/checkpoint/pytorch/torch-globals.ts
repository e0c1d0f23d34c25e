/**
 * The allow-list: the only Python globals a checkpoint's pickle may name, each with a TypeScript
 * stand-in. Everything a state dict needs is here (OrderedDict, the tensor and parameter rebuild
 * functions, the storage types, dtypes, torch.Size); any other global is refused by name before
 * anything is built, so a pickle that would call os.system or eval never gets that far.
 */
import { PyDict, PyExternal, PyGlobal, PyTuple, UnpickleError, type PyValue } from "./pickle";

/** A storage's element type as PyTorch names its storage class. */
export interface StorageDtype {
  storage: string;
  /** Bytes per element. */
  itemSize: number;
  kind: "f32" | "f64" | "f16" | "bf16" | "i64" | "i32" | "i16" | "i8" | "u8" | "bool";
}

export const STORAGE_DTYPES: Readonly<Record<string, StorageDtype>> = Object.fromEntries(
  (
    [
      ["FloatStorage", 4, "f32"],
      ["DoubleStorage", 8, "f64"],
      ["HalfStorage", 2, "f16"],
      ["BFloat16Storage", 2, "bf16"],
      ["LongStorage", 8, "i64"],
      ["IntStorage", 4, "i32"],
      ["ShortStorage", 2, "i16"],
      ["CharStorage", 1, "i8"],
      ["ByteStorage", 1, "u8"],
      ["BoolStorage", 1, "bool"],
    ] as const
  ).map(([storage, itemSize, kind]) => [storage, { storage, itemSize, kind }]),
);

/** The dtypes (`torch.float32`, …) a pickle may name as constants. */
const DTYPE_NAMES = ["float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64", "long", "int32", "int", "int16", "short", "int8", "uint8", "bool"];

/** A storage: which archive entry holds its bytes, its element type and count. */
export class TorchStorage extends PyExternal {
  constructor(
    readonly key: string,
    readonly dtype: StorageDtype,
    readonly numel: number,
  ) {
    super();
  }
}

/** A tensor as `_rebuild_tensor_v2` describes it: a strided view into a storage. */
export class TorchTensor extends PyExternal {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {
    super();
  }
  get numel(): number {
    return this.size.reduce((a, b) => a * b, 1);
  }
}

/** The largest tensor bnlab converts (1 GiB of float32): bounds a hostile size tuple. */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;

/** A storage type given as a global: the constant the persistent id carries. */
export class StorageType extends PyGlobal {
  constructor(readonly dtype: StorageDtype) {
    super(`torch.${dtype.storage}`, null);
  }
}

function intTuple(v: PyValue, what: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items || items.length > 64 || items.some((x) => typeof x !== "number" || !Number.isSafeInteger(x) || x < 0)) {
    throw new UnpickleError(`${what} must be a tuple of at most 64 non-negative integers`);
  }
  return items as number[];
}

/** `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`, checked against its storage. */
function rebuildTensor(args: PyValue[]): TorchTensor {
  const [storage, offset] = args;
  if (args.length < 4 || !(storage instanceof TorchStorage)) throw new UnpickleError("_rebuild_tensor_v2 without a storage");
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) throw new UnpickleError(`tensor storage offset ${String(offset)} is not a non-negative integer`);
  const size = intTuple(args[2], "a tensor's size");
  const stride = intTuple(args[3], "a tensor's stride");
  if (size.length !== stride.length) throw new UnpickleError(`tensor size [${size}] and stride [${stride}] differ in length`);
  let numel = 1;
  for (const d of size) {
    numel *= d;
    if (numel > MAX_TENSOR_ELEMENTS) throw new UnpickleError(`tensor of size [${size}] has more than ${MAX_TENSOR_ELEMENTS} elements`);
  }
  if (numel > 0) {
    const last = offset + size.reduce((s, d, i) => s + (d - 1) * stride[i], 0);
    if (last >= storage.numel) {
      throw new UnpickleError(`tensor of size [${size}], stride [${stride}] at offset ${offset} reaches element ${last} of a storage (key ${JSON.stringify(storage.key)}) of ${storage.numel} elements`);
    }
  }
  return new TorchTensor(storage, offset, size, stride);
}

function asTensor(v: PyValue, what: string): TorchTensor {
  if (!(v instanceof TorchTensor)) throw new UnpickleError(`${what} of something that is not a tensor`);
  return v;
}

const TENSOR_TYPES = new Set(["torch.Tensor", "torch.nn.parameter.Parameter"]);

const CALLABLES: Readonly<Record<string, (args: PyValue[]) => PyValue>> = {
  "collections.OrderedDict": (args) => {
    if (args.length > 0 && !(args.length === 1 && Array.isArray(args[0]) && args[0].length === 0)) throw new UnpickleError("OrderedDict built from arguments");
    return new PyDict();
  },
  "torch._utils._rebuild_tensor_v2": rebuildTensor,
  "torch._utils._rebuild_tensor": rebuildTensor,
  "torch._utils._rebuild_parameter": (args) => asTensor(args[0], "_rebuild_parameter"),
  "torch._utils._rebuild_parameter_with_state": (args) => asTensor(args[0], "_rebuild_parameter_with_state"),
  "torch._tensor._rebuild_from_type_v2": (args) => {
    const [fn, type, inner] = args;
    if (!(fn instanceof PyGlobal) || !fn.call || !(type instanceof PyGlobal) || !TENSOR_TYPES.has(type.qualifiedName) || !(inner instanceof PyTuple)) {
      throw new UnpickleError("_rebuild_from_type_v2 of something other than a tensor or parameter");
    }
    return fn.call(inner.items);
  },
  "torch.Size": (args) => new PyTuple(intTuple(args[0] ?? null, "torch.Size")),
  "torch.device": (args) => {
    if (typeof args[0] !== "string") throw new UnpickleError("torch.device of something that is not a string");
    return args[0];
  },
  // Protocol 2 pickles bytes as _codecs.encode(text, "latin1").
  "_codecs.encode": (args) => {
    if (typeof args[0] !== "string" || args[1] !== "latin1") throw new UnpickleError("_codecs.encode other than of a string to latin1");
    return Uint8Array.from(args[0], (c) => c.charCodeAt(0) & 0xff);
  },
};

export class RefusedGlobalError extends UnpickleError {
  constructor(readonly qualifiedName: string) {
    super(
      `refused: the pickle names the global ${JSON.stringify(qualifiedName.length > 120 ? `${qualifiedName.slice(0, 117)}...` : qualifiedName)}, which is not on bnlab's allow-list ` +
        `(a checkpoint should hold only tensors and plain containers); nothing in it was run`,
    );
  }
}

/** The stand-in for an allowed global, or a RefusedGlobalError naming it. */
export function findGlobal(module: string, name: string): PyGlobal {
  const qualified = `${module}.${name}`;
  const call = Object.hasOwn(CALLABLES, qualified) ? CALLABLES[qualified] : undefined;
  if (call) return new PyGlobal(qualified, call);
  if (module === "torch" && Object.hasOwn(STORAGE_DTYPES, name)) return new StorageType(STORAGE_DTYPES[name]);
  if (module === "torch" && DTYPE_NAMES.includes(name)) return new PyGlobal(qualified, null);
  if (TENSOR_TYPES.has(qualified)) return new PyGlobal(qualified, null);
  if (module === "torch" && name.endsWith("Storage")) {
    throw new UnpickleError(`storage type torch.${name} has a dtype bnlab does not read (it reads ${Object.keys(STORAGE_DTYPES).join(", ")})`);
  }
  throw new RefusedGlobalError(qualified);
}
