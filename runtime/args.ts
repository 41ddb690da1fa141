// Reading a call's arguments without letting user code move memory under the runtime: fds are
// checked integers, argument objects are read once into a plain snapshot, and a buffer's extent
// is read through the engine's own accessors (captured at load), never a getter the caller could
// define on the view.

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;

function intrinsicGetter(proto: object, name: string): (this: unknown) => unknown {
  return Object.getOwnPropertyDescriptor(proto, name)!.get! as (this: unknown) => unknown;
}

const typedByteLength = intrinsicGetter(TypedArrayPrototype, "byteLength");
const typedByteOffset = intrinsicGetter(TypedArrayPrototype, "byteOffset");
const typedBuffer = intrinsicGetter(TypedArrayPrototype, "buffer");
const viewByteLength = intrinsicGetter(DataView.prototype, "byteLength");
const viewByteOffset = intrinsicGetter(DataView.prototype, "byteOffset");
const viewBuffer = intrinsicGetter(DataView.prototype, "buffer");
const isView = ArrayBuffer.isView;
const { apply } = Reflect;

function isDataView(v: ArrayBufferView): boolean {
  try {
    apply(viewByteOffset, v, []);
    return true;
  } catch {
    return false;
  }
}

/** A view's byte length as the engine knows it; 0 for a detached (or out-of-bounds) view. */
export function byteLengthOf(v: ArrayBufferView): number {
  try {
    return apply(isDataView(v) ? viewByteLength : typedByteLength, v, []) as number;
  } catch {
    return 0; // a DataView over a detached or shrunk buffer throws
  }
}

/** A view's offset in its buffer, through the engine's accessors (buffers themselves are 8-aligned). */
export function byteOffsetOf(v: ArrayBufferView): number {
  try {
    return apply(isDataView(v) ? viewByteOffset : typedByteOffset, v, []) as number;
  } catch {
    return 0;
  }
}

/** The view's bytes as a Uint8Array (same memory), through the engine's accessors. */
export function bytesOf(v: ArrayBufferView): Uint8Array {
  const dv = isDataView(v);
  const length = byteLengthOf(v);
  const buffer = apply(dv ? viewBuffer : typedBuffer, v, []) as ArrayBufferLike;
  const offset = length ? (apply(dv ? viewByteOffset : typedByteOffset, v, []) as number) : 0;
  return new Uint8Array(buffer, offset, length);
}

export function isBufferView(v: unknown): v is ArrayBufferView {
  return isView(v);
}

/** Only integer fds from 0 to INT_MAX: NaN, 1.5, -1 and 2^32+1 would otherwise become some fd. */
export function checkFd(fd: unknown, where: string): number {
  if (typeof fd !== "number" || !Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
    throw new TypeError(`${where}: fd must be an integer from 0 to 2147483647, not ${typeof fd === "bigint" ? `${fd}n` : String(fd)}`);
  }
  return fd;
}

/**
 * The caller's argument object read once: each own enumerable string key's value, in a
 * prototype-free object. Getters run here, before anything is encoded or any address taken.
 */
export function snapshot(args: unknown, where: string): Record<string, unknown> {
  if (args === null || typeof args !== "object" || isView(args)) throw new TypeError(`${where}: the argument must be an object of member values`);
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(args)) out[key] = (args as Record<string, unknown>)[key];
  return out;
}
