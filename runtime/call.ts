// Typed ioctl calls: encode the argument struct, point user-pointer members at buffers the
// caller passes (their counts set or checked from the buffer's length), call, decode. Raw
// addresses are accepted only by the *Unsafe variants. The transport is the native shim unless a
// test injects a fake fd layer.
import { assertHostLayouts } from "./arch.js";
import type { Codec, IoctlInfo } from "./codec.js";
import { native, type IoctlArg } from "./native.js";

export type { IoctlArg };

export interface Transport {
  ioctl(fd: number, request: number, arg: IoctlArg, name: string): number;
  ioctlAsync(fd: number, request: number, arg: IoctlArg, name: string): Promise<number>;
  address(view: ArrayBufferView): bigint;
}

let injected: Transport | undefined;

/** Replaces the kernel (tests); `undefined` restores the native shim. */
export function useTransport(transport: Transport | undefined): void {
  injected = transport;
}

function transport(): Transport {
  if (injected) return injected;
  assertHostLayouts("ioctl");
  return native();
}

/** A user-pointer member as the generator associated it. */
interface PointerInfo {
  readonly element?: { readonly size: number };
  readonly elementSize?: number;
  readonly count?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCodec = Codec<any, any> & { readonly pointers?: Readonly<Record<string, PointerInfo>> };

/** The Init of a struct with its user-pointer members taking buffers instead of addresses. */
export type CallArgs<I, P extends string> = Omit<I, P> & { readonly [K in P & keyof I]?: ArrayBufferView };

/** One scratch buffer per codec: synchronous calls do not allocate for the struct. */
const scratch = new WeakMap<object, DataView>();

function scratchFor(codec: AnyCodec): DataView {
  let dv = scratch.get(codec);
  if (!dv) {
    dv = new DataView(new ArrayBuffer(Math.max(8, codec.size)), 0, codec.size);
    scratch.set(codec, dv);
  }
  return dv;
}

function argumentOf(info: IoctlInfo): AnyCodec {
  if (!info.argument) throw new TypeError(`${info.name} takes no struct argument`);
  return info.argument as AnyCodec;
}

/**
 * Replaces buffer arguments by their addresses and fills or checks their counts. Returns the
 * value to encode and the buffers that must stay alive for the call.
 */
function resolvePointers(info: IoctlInfo, codec: AnyCodec, args: Record<string, unknown>, keep: ArrayBufferView[]): Record<string, unknown> {
  const pointers = codec.pointers;
  if (!pointers) return args;
  const value: Record<string, unknown> = { ...args };
  for (const [member, p] of Object.entries(pointers)) {
    const buffer = args[member];
    if (buffer === undefined) continue;
    if (!ArrayBuffer.isView(buffer)) {
      throw new TypeError(`${info.name}: ${member} takes a buffer (an ArrayBufferView); pass raw addresses only through ${info.name}Unsafe`);
    }
    keep.push(buffer);
    value[member] = transport().address(buffer);
    if (!p.count) continue;
    const elementSize = p.element?.size ?? p.elementSize ?? 1;
    const capacity = Math.floor(buffer.byteLength / elementSize);
    const given = args[p.count];
    if (given === undefined) value[p.count] = capacity;
    else if (Number(given) > capacity) {
      throw new RangeError(`${info.name}: ${p.count} is ${given}, but the ${member} buffer holds ${capacity} element(s) of ${elementSize} bytes`);
    }
  }
  return value;
}

/** What the extensible-struct protocol's errors mean (the header's "General ioctl format"). */
const EXPLAIN: Record<string, string> = {
  E2BIG: "the kernel does not know members set in this struct (the header is newer than the kernel); leave them zero to run on this kernel",
  EOPNOTSUPP: "the kernel does not support this ioctl, flag or type (it may be older than the header)",
};

/**
 * Names the ioctl in an error from the transport (the shim does not copy names per call),
 * explains E2BIG/EOPNOTSUPP, and attaches the struct as the kernel left it: in/out protocols
 * such as IOVA_RANGES' EMSGSIZE report what they need through it.
 */
function named(err: unknown, name: string, struct?: unknown): unknown {
  if (err instanceof Error && typeof (err as { code?: unknown }).code === "string") {
    const e = err as Error & { code: string; ioctl?: string; struct?: unknown };
    if (!e.ioctl) {
      e.ioctl = name;
      if (!e.message.endsWith(name)) e.message = `${e.message} ${name}`;
      if (EXPLAIN[e.code]) e.message += `: ${EXPLAIN[e.code]}`;
    }
    if (struct !== undefined) e.struct = struct;
  }
  return err;
}

function ioctl(fd: number, info: IoctlInfo, arg: IoctlArg, codec?: AnyCodec): number {
  try {
    return transport().ioctl(fd, info.request, arg, info.name);
  } catch (err) {
    throw named(err, info.name, codec && arg instanceof DataView ? codec.decode(arg) : undefined);
  }
}

/** A synchronous call with a struct argument; returns the struct as the kernel left it. */
export function callStruct<T>(fd: number, info: IoctlInfo, args: object): T {
  const codec = argumentOf(info);
  const dv = scratchFor(codec);
  codec.encode(codec.pointers ? resolvePointers(info, codec, args as Record<string, unknown>, []) : args, dv);
  ioctl(fd, info, dv, codec);
  return codec.decode(dv) as T;
}

/** The same on the libuv thread pool, for calls that can take long (pinning gigabytes). */
export async function callStructAsync<T>(fd: number, info: IoctlInfo, args: object): Promise<T> {
  const codec = argumentOf(info);
  const dv = new DataView(new ArrayBuffer(Math.max(8, codec.size)), 0, codec.size);
  const keep: ArrayBufferView[] = [];
  codec.encode(resolvePointers(info, codec, args as Record<string, unknown>, keep), dv);
  try {
    await transport().ioctlAsync(fd, info.request, dv, info.name);
  } catch (err) {
    throw named(err, info.name, codec.decode(dv));
  }
  // The pointed-to buffers stay referenced until the kernel is done with them.
  keep.length = 0;
  return codec.decode(dv) as T;
}

/** UNSAFE: user-pointer members are raw addresses the caller vouches for. */
export function callStructUnsafe<T>(fd: number, info: IoctlInfo, args: object): T {
  const codec = argumentOf(info);
  const dv = scratchFor(codec);
  codec.encode(args, dv);
  ioctl(fd, info, dv, codec);
  return codec.decode(dv) as T;
}

/** An ioctl that takes an integer by value (or nothing); returns the kernel's return value. */
export function callValue(fd: number, info: IoctlInfo, value?: number | bigint): number {
  return ioctl(fd, info, value ?? 0);
}
