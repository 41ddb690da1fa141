// Typed calls whose argument is no struct: an integer passed by value, a pointer to one scalar,
// or a string. The runtime owns the memory the kernel reads and writes.
import os from "node:os";
import { checkFd } from "./args.js";
import type { IoctlInfo } from "./codec.js";
import { named, transport } from "./transport.js";

const LE = os.endianness() === "LE";

/** An ioctl that takes an integer by value (or nothing); returns the kernel's return value. */
export function callValue(fd: number, info: IoctlInfo, value?: number | bigint): number {
  checkFd(fd, info.name);
  try {
    return transport().ioctl(fd, info.request, value ?? 0, info.name);
  } catch (err) {
    throw named(err, info.name);
  }
}

/**
 * An ioctl whose argument points at one scalar (`_IOW(..., int)`): the runtime passes a pointer
 * to its own memory, holding `value` when the kernel reads it, and returns what the kernel left
 * there (a bigint for members 64 bits wide on some architecture, such as `long`).
 */
export function callScalar(fd: number, info: IoctlInfo, value?: number | bigint): bigint | number {
  checkFd(fd, info.name);
  const s = info.scalar;
  if (!s) throw new TypeError(`${info.name} does not point at a scalar`);
  const bits = BigInt(s.bytes * 8);
  const dv = new DataView(new ArrayBuffer(8), 0, s.bytes);
  if (value !== undefined) {
    if (!s.reads) throw new TypeError(`${info.name}: the kernel only writes this value; call it without one`);
    const v = typeof value === "bigint" ? value : Number.isSafeInteger(value) ? BigInt(value) : undefined;
    const min = s.signed ? -(1n << (bits - 1n)) : 0n;
    const max = s.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
    if (v === undefined || v < min || v > max) throw new RangeError(`${info.name}: ${String(value)} does not fit in ${s.bytes * 8}-bit ${s.signed ? "signed" : "unsigned"}`);
    const u = BigInt.asUintN(Number(bits), v);
    if (s.bytes === 8) dv.setBigUint64(0, u, LE);
    else if (s.bytes === 4) dv.setUint32(0, Number(u), LE);
    else if (s.bytes === 2) dv.setUint16(0, Number(u), LE);
    else dv.setUint8(0, Number(u));
  } else if (s.reads && !s.writes) {
    throw new TypeError(`${info.name}: the kernel reads a value here; pass one`);
  }
  try {
    transport().ioctl(fd, info.request, dv, info.name);
  } catch (err) {
    throw named(err, info.name);
  }
  const raw = s.bytes === 8 ? dv.getBigUint64(0, LE) : BigInt(s.bytes === 4 ? dv.getUint32(0, LE) : s.bytes === 2 ? dv.getUint16(0, LE) : dv.getUint8(0));
  const out = s.signed ? BigInt.asIntN(Number(bits), raw) : raw;
  return s.wide ? out : Number(out);
}

/** An ioctl whose argument points at a NUL-terminated string the kernel reads (a device name). */
export function callString(fd: number, info: IoctlInfo, value: string): number {
  checkFd(fd, info.name);
  if (typeof value !== "string") throw new TypeError(`${info.name}: takes a string`);
  const bytes = new TextEncoder().encode(value);
  if (bytes.includes(0)) throw new TypeError(`${info.name}: the string must not contain NUL`);
  const dv = new DataView(new ArrayBuffer(bytes.length + 1));
  new Uint8Array(dv.buffer).set(bytes);
  try {
    return transport().ioctl(fd, info.request, dv, info.name);
  } catch (err) {
    throw named(err, info.name);
  }
}
