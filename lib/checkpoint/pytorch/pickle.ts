/**
 * A restricted unpickler for the pickles `torch.save` writes (protocol 2, and the few protocol 4
 * opcodes newer writers use). A pickle can name any Python global and call it (REDUCE): that is
 * how a malicious `.pth` runs code. Here nothing is ever executed: a global is resolved through
 * `findGlobal`, which returns a plain TypeScript stand-in from an allow-list or throws, and REDUCE
 * only calls such stand-ins. The result is a tree of plain values (see PyValue).
 */

/** A Python tuple (kept apart from lists: `_rebuild_tensor_v2` takes tuples for size and stride). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A Python dict (an OrderedDict too): insertion order kept, keys compared by value for primitives. */
export class PyDict {
  readonly map = new Map<unknown, PyValue>();
}

/** An allow-listed global: a stand-in that REDUCE may call, or a constant (a dtype, a storage type). */
export class PyGlobal {
  constructor(
    readonly qualifiedName: string,
    readonly call: ((args: PyValue[]) => PyValue) | null,
  ) {}
}

/** Values of the stand-ins' own kinds (a storage, a tensor), opaque to the unpickler. */
export abstract class PyExternal {}

export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | PyDict | PyGlobal | PyExternal;

export class UnpickleError extends Error {}

export interface UnpickleHooks {
  /** Returns the stand-in for an allowed global; throws (naming it) for any other. */
  findGlobal(module: string, name: string): PyGlobal;
  /** BINPERSID: what a persistent id (PyTorch's storage tuple) stands for. */
  persistentLoad(pid: PyValue): PyValue;
}

/** Bounds on what a hostile pickle can make the reader allocate. */
export const PICKLE_LIMITS = { maxStack: 1_000_000, maxMemo: 10_000_000, maxString: 64 << 20 };

const MARK = Symbol("mark");
type StackItem = PyValue | typeof MARK;

export function unpickle(data: Uint8Array, hooks: UnpickleHooks): PyValue {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pos = 0;
  const stack: StackItem[] = [];
  const memo = new Map<number, PyValue>();
  const fail = (problem: string): never => {
    throw new UnpickleError(`pickle byte ${pos}: ${problem}`);
  };
  const need = (n: number) => {
    if (n < 0 || pos + n > data.length) fail(`needs ${n} more bytes but the pickle ends (truncated?)`);
  };
  const u8 = () => (need(1), data[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const bytes = (n: number) => {
    if (n > PICKLE_LIMITS.maxString) fail(`a ${n}-byte string or bytes object (at most ${PICKLE_LIMITS.maxString})`);
    need(n);
    pos += n;
    return data.subarray(pos - n, pos);
  };
  const text = (n: number) => {
    try {
      return decoder.decode(bytes(n));
    } catch {
      return fail("a string that is not valid UTF-8");
    }
  };
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0 || end - pos > 1024) fail("an unterminated GLOBAL name");
    const s = text(end - pos);
    pos++;
    return s;
  };
  const push = (v: PyValue) => {
    if (stack.length >= PICKLE_LIMITS.maxStack) fail(`stack deeper than ${PICKLE_LIMITS.maxStack}`);
    stack.push(v);
  };
  const pop = (): PyValue => {
    if (stack.length === 0) fail("pops an empty stack");
    const v = stack.pop()!;
    if (v === MARK) fail("pops a MARK as a value");
    return v as PyValue;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail("needs a value on the stack");
    return v as PyValue;
  };
  const popMark = (): PyValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail("no MARK to pop to");
    const items = stack.splice(at) as PyValue[];
    items.shift();
    return items;
  };
  const put = (key: number) => {
    if (!memo.has(key) && memo.size >= PICKLE_LIMITS.maxMemo) fail(`more than ${PICKLE_LIMITS.maxMemo} memo entries`);
    memo.set(key, top());
  };
  const get = (key: number) => {
    if (!memo.has(key)) fail(`memo entry ${key} was never stored`);
    push(memo.get(key)!);
  };
  const setItems = (target: PyValue, items: PyValue[]) => {
    if (!(target instanceof PyDict)) fail("SETITEM(S) on something that is not a dict");
    if (items.length % 2 !== 0) fail("SETITEMS with an odd number of values");
    for (let i = 0; i < items.length; i += 2) (target as PyDict).map.set(dictKey(items[i]), items[i + 1]);
  };
  const dictKey = (k: PyValue): unknown => {
    if (k === null || typeof k === "string" || typeof k === "number" || typeof k === "bigint" || typeof k === "boolean") return k;
    if (k instanceof PyTuple) return `(${k.items.map((x) => JSON.stringify(typeof x === "bigint" ? String(x) : x) ?? "?").join(",")})`;
    return fail("a dict key that is not a string, number or tuple");
  };
  const append = (target: PyValue, items: PyValue[]) => {
    if (!Array.isArray(target)) fail("APPEND(S) on something that is not a list");
    for (const v of items) (target as PyValue[]).push(v);
  };
  const global = (module: string, name: string) => push(hooks.findGlobal(module, name));

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail("pickle protocol newer than 5");
        break;
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x63: // GLOBAL "module\nname\n"
        global(line(), line());
        break;
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") fail("STACK_GLOBAL without two strings");
        global(module as string, name as string);
        break;
      }
      case 0x51: // BINPERSID
        push(hooks.persistentLoad(pop()));
        break;
      case 0x52: {
        // REDUCE: only an allow-listed stand-in is ever called.
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal) || !fn.call) fail(`REDUCE on ${fn instanceof PyGlobal ? fn.qualifiedName : "a value"} that is not an allowed callable`);
        if (!(args instanceof PyTuple)) fail("REDUCE with arguments that are not a tuple");
        push((fn as PyGlobal).call!((args as PyTuple).items));
        break;
      }
      case 0x62: {
        // BUILD: state set on a dict (an OrderedDict's _metadata) or tensor is ignored.
        pop();
        const target = top();
        if (!(target instanceof PyDict) && !(target instanceof PyExternal)) fail("BUILD on a value that takes no state");
        break;
      }
      case 0x74: // TUPLE
        push(new PyTuple(popMark()));
        break;
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]));
        break;
      case 0x85: // TUPLE1
        push(new PyTuple([pop()]));
        break;
      case 0x86: {
        const b = pop();
        push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        push(d);
        break;
      }
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x30: // POP
        if (stack.length === 0) fail("POP on an empty stack");
        stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(long(bytes(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) fail("LONG4 with a negative length");
        push(long(bytes(n)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        pos += 8;
        push(view.getFloat64(pos - 8, false));
        break;
      case 0x58: // BINUNICODE
        push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(text(u64()));
        break;
      case 0x42: // BINBYTES
        push(Uint8Array.from(bytes(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        push(Uint8Array.from(bytes(u8())));
        break;
      case 0x8e: // BINBYTES8
        push(Uint8Array.from(bytes(u64())));
        break;
      case 0x71: // BINPUT
        put(u8());
        break;
      case 0x72: // LONG_BINPUT
        put(u32());
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x68: // BINGET
        get(u8());
        break;
      case 0x6a: // LONG_BINGET
        get(u32());
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4e: // NONE
        push(null);
        break;
      default:
        pos--;
        fail(`opcode 0x${op.toString(16).padStart(2, "0")} (${JSON.stringify(String.fromCharCode(op))}) is not one PyTorch's checkpoints use; refused`);
    }
  }
}

/** A little-endian two's-complement integer; a plain number when it is a safe integer. */
function long(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
