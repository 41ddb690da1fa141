// The small runtime the generated codecs call: range checks that reject what C would
// silently truncate (naming the member), and buffer helpers. Nothing here allocates on the
// encode path when it is given a DataView.

/** A buffer a codec can read or write. A DataView is used as is; anything else gets wrapped. */
export type Target = DataView | ArrayBufferView | ArrayBuffer;

export function dataView(target: Target): DataView {
  if (target instanceof DataView) return target;
  if (ArrayBuffer.isView(target)) return new DataView(target.buffer, target.byteOffset, target.byteLength);
  return new DataView(target);
}

function bad(where: string, v: unknown, ctype: string): never {
  const shown = typeof v === "bigint" ? `${v}n` : typeof v === "string" ? JSON.stringify(v) : String(v);
  throw new RangeError(`${where}: ${shown} does not fit in ${ctype}`);
}

/** Checks an integer of up to 32 bits. */
export function int32(v: number, min: number, max: number, where: string, ctype: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) bad(where, v, ctype);
  return v;
}

// One integer operation each: it also rejects non-numbers, NaN and fractions.
export const u8 = (v: number, where: string) => ((v & 0xff) === v ? v : int32(v, 0, 0xff, where, "__u8"));
export const s8 = (v: number, where: string) => (((v << 24) >> 24) === v ? v : int32(v, -0x80, 0x7f, where, "__s8"));
export const u16 = (v: number, where: string) => ((v & 0xffff) === v ? v : int32(v, 0, 0xffff, where, "__u16"));
export const s16 = (v: number, where: string) => (((v << 16) >> 16) === v ? v : int32(v, -0x8000, 0x7fff, where, "__s16"));
export const u32 = (v: number, where: string) => (v >>> 0 === v ? v : int32(v, 0, 0xffffffff, where, "__u32"));
export const s32 = (v: number, where: string) => ((v | 0) === v ? v : int32(v, -0x80000000, 0x7fffffff, where, "__s32"));

const U64_MAX = (1n << 64n) - 1n;
const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;

/** A 64-bit value given as bigint, or as a safe-integer number for convenience. */
export type Int64 = bigint | number;

function big(v: Int64, where: string, ctype: string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  bad(where, v, ctype);
}

export function u64(v: Int64, where: string): bigint {
  if (typeof v === "bigint" && v >= 0n && v <= U64_MAX) return v;
  const b = big(v, where, "__u64");
  if (b < 0n || b > U64_MAX) bad(where, v, "__u64");
  return b;
}

export function s64(v: Int64, where: string): bigint {
  const b = big(v, where, "__s64");
  if (b < S64_MIN || b > S64_MAX) bad(where, v, "__s64");
  return b;
}

/** Checks an unsigned bitfield value against its width. */
export function bits(v: number, width: number, signed: boolean, where: string): number {
  const min = signed ? -(2 ** (width - 1)) : 0;
  const max = signed ? 2 ** (width - 1) - 1 : 2 ** width - 1;
  return int32(v, min, max, where, `a ${width}-bit ${signed ? "signed" : "unsigned"} bitfield`);
}

/** Checks that an array value fits a fixed C array. */
export function arrayLength<T>(v: ArrayLike<T>, length: number, where: string): ArrayLike<T> {
  if (v.length > length) throw new RangeError(`${where}: ${v.length} elements do not fit in an array of ${length}`);
  return v;
}

/** A struct or union codec, as the generated modules export one per type. */
export interface Codec<T, Init = Partial<T>> {
  /** sizeof */
  readonly size: number;
  /** _Alignof */
  readonly align: number;
  /** offsetof of every member (anonymous members flattened). */
  readonly offsets: Readonly<Record<string, number>>;
  /** Writes `value` at `offset`; members not given are written as zero. */
  encode(value: Init, target: Target, offset?: number): void;
  decode(source: Target, offset?: number): T;
}

/** Writes `n` zero bytes at `at` without allocating. */
export function zero(dv: DataView, at: number, n: number): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) dv.setUint32(at + i, 0);
  for (; i < n; i++) dv.setUint8(at + i, 0);
}

/** One row of a generated module's `ioctls` table. */
export interface IoctlInfo {
  readonly name: string;
  readonly request: number;
  /** The direction bits encoded in the request number. */
  readonly direction: "none" | "read" | "write" | "readwrite";
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly argument?: Codec<any, any>;
  readonly scalarArgument?: string;
  /** The data direction the header's documentation gives, where it gives one. */
  readonly documentedDirection?: "none" | "read" | "write" | "readwrite";
}

/**
 * Reads a bitfield that straddles its storage unit (possible under packing): `width` bits at
 * bit `shift` of the little-endian byte window [at, at + bytes).
 */
export function getBits(dv: DataView, at: number, bytes: number, shift: number, width: number, signed: boolean): number {
  let v = 0n;
  for (let i = bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(dv.getUint8(at + i));
  const x = (v >> BigInt(shift)) & ((1n << BigInt(width)) - 1n);
  return Number(signed ? BigInt.asIntN(width, x) : x);
}

/** Writes a straddling bitfield; the other bits of the window are kept. */
export function setBits(dv: DataView, at: number, bytes: number, shift: number, width: number, value: number): void {
  let v = 0n;
  for (let i = bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(dv.getUint8(at + i));
  const mask = ((1n << BigInt(width)) - 1n) << BigInt(shift);
  v = (v & ~mask) | ((BigInt.asUintN(width, BigInt(value)) << BigInt(shift)) & mask);
  for (let i = 0; i < bytes; i++, v >>= 8n) dv.setUint8(at + i, Number(v & 0xffn));
}
