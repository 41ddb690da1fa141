// The small runtime the generated codecs call: range checks that reject what C would
// silently truncate (naming the member), buffer helpers, and the load-time choice of
// architecture (arch.ts). Nothing here allocates on the
// encode path when it is given a DataView.

export { selectArch, UnsupportedArchitectureError, type ArchSelection } from "./arch.js";

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
  if (typeof v !== "number") throw new TypeError(`${where}: ${ctype} takes a number, not ${typeof v === "bigint" ? `the bigint ${v}n` : typeof v}`);
  if (!Number.isInteger(v) || v < min || v > max) bad(where, v, ctype);
  return v;
}

// One integer operation each after the type test: it also rejects NaN and fractions.
export const u8 = (v: number, where: string) => (typeof v === "number" && (v & 0xff) === v ? v : int32(v, 0, 0xff, where, "__u8"));
export const s8 = (v: number, where: string) => (typeof v === "number" && ((v << 24) >> 24) === v ? v : int32(v, -0x80, 0x7f, where, "__s8"));
export const u16 = (v: number, where: string) => (typeof v === "number" && (v & 0xffff) === v ? v : int32(v, 0, 0xffff, where, "__u16"));
export const s16 = (v: number, where: string) => (typeof v === "number" && ((v << 16) >> 16) === v ? v : int32(v, -0x8000, 0x7fff, where, "__s16"));
export const u32 = (v: number, where: string) => (typeof v === "number" && v >>> 0 === v ? v : int32(v, 0, 0xffffffff, where, "__u32"));
export const s32 = (v: number, where: string) => (typeof v === "number" && (v | 0) === v ? v : int32(v, -0x80000000, 0x7fffffff, where, "__s32"));

/** encode was given something other than an object of member values. */
export function notAnObject(value: unknown, where: string): never {
  throw new TypeError(`${where}: expects an object of member values, not ${value === null ? "null" : typeof value}`);
}

/**
 * A key encode does not know: a misspelt member (`{ idd: 7 }`) is an error, never silently zero.
 * The message lists what encode takes: the members decode gives (the size member and reserved
 * ones are accepted as encode writes them), read from zero bytes.
 */
export function unknownMember(key: string, where: string, codec: { readonly size: number; decode(source: Target): object }): never {
  let members: string[] = [];
  try {
    members = Object.keys(codec.decode(new Uint8Array(codec.size)));
  } catch {
    // The message without the list: the unknown key is the error to report.
  }
  throw new TypeError(`${where} has no member '${key}' that can be set${members.length ? ` (it takes ${members.join(", ")})` : ""}`);
}

/** A reserved member given anyway: only zero (as decode returns it) is accepted. */
export function mustBeZero(v: unknown, where: string): void {
  if (v === 0 || v === 0n) return;
  if (v !== null && typeof v === "object" && typeof (v as ArrayLike<unknown>).length === "number" && Array.prototype.every.call(v, (x: unknown) => x === 0 || x === 0n)) return;
  throw new RangeError(`${where} is reserved: it is always written as zero, so it only accepts 0`);
}


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

/**
 * A member that is 64 bits wide on some architectures and 32 on this one (`long`): it takes and
 * gives bigint everywhere, and must fit the 32 bits here.
 */
export function narrow32(v: Int64, signed: boolean, where: string, ctype: string): number {
  const n = typeof v === "bigint" ? (v >= -(1n << 31n) && v < 1n << 32n ? Number(v) : NaN) : v;
  const min = signed ? -0x80000000 : 0;
  const max = signed ? 0x7fffffff : 0xffffffff;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) bad(where, v, `${ctype} (32 bits on this architecture)`);
  return n;
}

/** Checks an unsigned bitfield value against its width. */
export function bits(v: number, width: number, signed: boolean, where: string): number {
  const min = signed ? -(2 ** (width - 1)) : 0;
  const max = signed ? 2 ** (width - 1) - 1 : 2 ** width - 1;
  return int32(v, min, max, where, `a ${width}-bit ${signed ? "signed" : "unsigned"} bitfield`);
}

/** Checks that a value is an array (or typed array) of exactly a fixed C array's length. */
export function fixedArray<T>(v: ArrayLike<T>, length: number, where: string): ArrayLike<T> {
  if (v === null || typeof v !== "object") throw new TypeError(`${where}: expects an array of ${length} elements, not ${v === null ? "null" : typeof v}`);
  const n = (v as { length?: unknown }).length;
  if (n !== length) throw new RangeError(`${where}: expects exactly ${length} elements, got ${typeof n === "number" ? n : "no length"}`);
  return v;
}

/** What encode accepts for a member of a decoded type: bigints as Int64, arrays as ArrayLike. */
export type InitValue<T> = T extends bigint
  ? Int64
  : T extends number
    ? number
    : T extends BigUint64Array | BigInt64Array
      ? ArrayLike<Int64>
      : T extends ArrayLike<number>
        ? ArrayLike<number>
        : never;

/**
 * What a codec's encode accepts for the decoded struct `T`: every member optional (absent means
 * zero) and unknown keys an error. The `Omitted` members are left out: reserved members, always
 * zero (encode accepts them only as zero, so a decoded struct encodes back), and the size member,
 * always the struct's size (typed calls set it to the size of the buffer they pass). Members
 * `Explicit` names (nested records and their arrays) take the type it gives.
 *
 * A filtering mapped type of `T`, so each member keeps the docs written on `T`.
 */
export type InitOf<T, Omitted extends keyof T = never, Explicit = Record<never, never>> = {
  [K in keyof T as K extends Omitted ? never : K]?: K extends keyof Explicit ? Explicit[K] : InitValue<T[K]>;
};

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

/**
 * What a generated codec object `satisfies`: a Codec, and the facts typed calls read besides
 * (sizeMember, pointers, flexible, trailing, capability) and its view().
 */
export interface GeneratedCodec<T, Init = Partial<T>> extends Codec<T, Init> {
  readonly [fact: string]: unknown;
}

/** What every generated view class extends: the bytes it reads and writes, and where in them. */
export class RecordView {
  constructor(
    readonly dataView: DataView,
    readonly byteOffset: number = 0,
  ) {}
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
  /** The Unsafe call's name, where it is not the request's (runtime/names.ts). */
  readonly unsafeCall?: string;
  readonly request: number;
  /** The direction bits encoded in the request number. */
  readonly direction: "none" | "read" | "write" | "readwrite";
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  // biome-ignore lint/suspicious/noExplicitAny: any record's codec; the generated call carries its exact types
  readonly argument?: Codec<any, any>;
  readonly scalarArgument?: string;
  /** How a scalar argument reaches the kernel: by value, or through a pointer (to a string for `char`). */
  readonly scalarPassing?: "value" | "pointer" | "string";
  /** A scalar passed through a pointer: its width here, whether it is 64 bits on some architecture, and its directions. */
  readonly scalar?: { readonly bytes: number; readonly wide: boolean; readonly signed: boolean; readonly reads: boolean; readonly writes: boolean };
  /** The data direction the header's documentation gives, where it gives one. */
  readonly documentedDirection?: "none" | "read" | "write" | "readwrite";
}

/** The window's bytes as an unsigned integer in the given byte order (at most 6 bytes). */
function readWindow(dv: DataView, at: number, bytes: number, littleEndian: boolean): number {
  if (bytes === 1) return dv.getUint8(at);
  if (bytes === 2) return dv.getUint16(at, littleEndian);
  if (bytes === 4) return dv.getUint32(at, littleEndian);
  let v = 0;
  for (let i = 0; i < bytes; i++) v = v * 256 + dv.getUint8(at + (littleEndian ? bytes - 1 - i : i));
  return v;
}

function writeWindow(dv: DataView, at: number, bytes: number, v: number, littleEndian: boolean): void {
  if (bytes === 1) dv.setUint8(at, v);
  else if (bytes === 2) dv.setUint16(at, v, littleEndian);
  else if (bytes === 4) dv.setUint32(at, v, littleEndian);
  else {
    for (let i = 0; i < bytes; i++, v = Math.floor(v / 256)) dv.setUint8(at + (littleEndian ? i : bytes - 1 - i), v % 256);
  }
}

function bigWindow(dv: DataView, at: number, bytes: number, littleEndian: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < bytes; i++) v = (v << 8n) | BigInt(dv.getUint8(at + (littleEndian ? bytes - 1 - i : i)));
  return v;
}

/**
 * Where a bitfield sits in its byte window [at, at + bytes), counted from the window's least
 * significant bit. `bitOffset` is gcc's allocation order: from the low bit of the first byte on
 * little-endian targets, from the high bit of the first byte on big-endian ones.
 */
function shiftOf(bytes: number, bitOffset: number, width: number, littleEndian: boolean): number {
  return littleEndian ? bitOffset : bytes * 8 - bitOffset - width;
}

/** Reads the `width`-bit field at allocation bit `bitOffset` of the window [at, at + bytes). */
export function getBits(dv: DataView, at: number, bytes: number, bitOffset: number, width: number, signed: boolean, littleEndian: boolean): number {
  const shift = shiftOf(bytes, bitOffset, width, littleEndian);
  if (bytes <= 6) {
    const field = Math.floor(readWindow(dv, at, bytes, littleEndian) / 2 ** shift) % 2 ** width;
    return signed && field >= 2 ** (width - 1) ? field - 2 ** width : field;
  }
  const x = (bigWindow(dv, at, bytes, littleEndian) >> BigInt(shift)) & ((1n << BigInt(width)) - 1n);
  return Number(signed ? BigInt.asIntN(width, x) : x);
}

/** Writes a bitfield (its value already range-checked); the window's other bits are kept. */
export function setBits(dv: DataView, at: number, bytes: number, bitOffset: number, width: number, value: number, littleEndian: boolean): void {
  const shift = shiftOf(bytes, bitOffset, width, littleEndian);
  const field = value < 0 ? value + 2 ** width : value;
  if (bytes <= 6) {
    const v = readWindow(dv, at, bytes, littleEndian);
    const scale = 2 ** shift;
    const old = Math.floor(v / scale) % 2 ** width;
    writeWindow(dv, at, bytes, v + (field - old) * scale, littleEndian);
    return;
  }
  const mask = ((1n << BigInt(width)) - 1n) << BigInt(shift);
  let v = (bigWindow(dv, at, bytes, littleEndian) & ~mask) | ((BigInt(field) << BigInt(shift)) & mask);
  for (let i = 0; i < bytes; i++, v >>= 8n) dv.setUint8(at + (littleEndian ? i : bytes - 1 - i), Number(v & 0xffn));
}
