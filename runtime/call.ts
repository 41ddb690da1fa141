// Typed ioctl calls. The numbers the kernel trusts are never the caller's: the size/argsz member
// is the length of the buffer the runtime passes, every user pointer is a buffer whose extent the
// runtime checks (its count set or checked), and the shim writes the addresses right before the
// syscall. Arguments are read once into a snapshot before anything else happens, so no user code
// runs between taking an address and the call. Raw addresses go only through callStructUnsafe.
import os from "node:os";
import { byteLengthOf, bytesOf, checkFd, isBufferView, snapshot } from "./args.js";
import type { Codec, IoctlInfo } from "./codec.js";
import { resolvePointers, type PointerInfo, type ResolvedPointer } from "./extents.js";
import { unsafeCallName } from "./names.js";
import { changesMappings, mappingEffect, pinFor, unpinUnused, type MappingEffect, type MappingOwner } from "./kernel-mappings.js";
import type { IoctlArg, PointerList } from "./native.js";
import { named, transport } from "./transport.js";

export type { IoctlArg, PointerList };
export { useTransport, type Transport } from "./transport.js";
export { callScalar, callString, callValue } from "./scalar-calls.js";

/** Bytes after the fixed struct: a flexible array member, or a capability chain. */
export interface TrailingInfo {
  /** The flexible array member the caller may pass as a buffer. */
  readonly member?: string;
  /** The kernel reports the size it needs in argsz and the caller re-issues (capability chains). */
  readonly grows?: boolean;
  /** Safe calls refuse trailing bytes (they hold user pointers), always or for some selector values. */
  readonly unsafe?: string;
  readonly safeWhen?: { readonly member: string; readonly mask: number; readonly values: readonly number[]; readonly reason: string };
  /** The member counting trailing elements of `elementSize` bytes: set from, or checked against, them. */
  readonly count?: string;
  readonly elementSize?: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
// biome-ignore lint/suspicious/noExplicitAny: a call takes any record's codec; its own types are checked where it is generated
type CallCodec = Codec<any, any> & {
  readonly pointers?: Readonly<Record<string, PointerInfo>>;
  /** A flexible array member: its element codec (for records) and count member, where known. */
  readonly flexible?: { readonly name: string; readonly offset: number; readonly elementSize: number; readonly element?: CallCodec; readonly count?: string };
  /** The codec of a capability ID in this info struct's chain. */
  readonly capability?: (id: number) => CallCodec | undefined;
  /** The size/argsz member: always the length of the buffer passed. */
  readonly sizeMember?: string;
  readonly trailing?: TrailingInfo;
};

/** The Init of a struct with its user-pointer members taking buffers instead of addresses. */
export type CallArgs<I, P extends string> = Omit<I, P> & { readonly [K in P & keyof I]?: ArrayBufferView };

/**
 * A vfio capability (`struct vfio_info_cap_header` and what follows it, up to the next one),
 * with its struct decoded where the header defines one for its ID (`value`, its flexible array
 * of elements included, as many as its count says and its bytes hold).
 */
export interface Capability<V = never> {
  readonly id: number;
  readonly version: number;
  /** Offset in the returned buffer. */
  readonly offset: number;
  /** The capability's bytes, header included. */
  readonly bytes: Uint8Array;
  readonly value?: V;
}

/** What a call on a struct with trailing bytes returns besides the struct. */
export interface Trailing<V = never> {
  /** The bytes after the fixed struct, as the kernel left them. */
  readonly trailing: Uint8Array;
  /** The capability chain, for structs that have one. */
  readonly capabilities?: readonly Capability<V>[];
}

const LE = os.endianness() === "LE";
/** Capability chains larger than this are refused rather than allocated. */
const MAX_GROWN = 1 << 20;

interface Scratch {
  dv: DataView;
  busy: boolean;
}

/** One scratch buffer per codec: synchronous calls do not allocate for the struct. */
const scratches = new WeakMap<object, Scratch>();

function scratchFor(codec: CallCodec): Scratch | undefined {
  let s = scratches.get(codec);
  if (!s) scratches.set(codec, (s = { dv: new DataView(new ArrayBuffer(Math.max(8, codec.size)), 0, codec.size), busy: false }));
  return s.busy ? undefined : s;
}

function argumentOf(info: IoctlInfo): CallCodec {
  if (!info.argument) throw new TypeError(`${info.name} takes no struct argument`);
  return info.argument as CallCodec;
}

const NO_POINTERS: ResolvedPointer[] = [];
const { defineProperty } = Object;

/** A call made ready: the snapshot encoded, pointers resolved, persistent memory pinned. */
interface Prepared {
  fd: number;
  name: string;
  /** The object that owns the fd and the mappings made through it (Iommufd); none for a bare fd. */
  owner?: MappingOwner;
  /** What the call does to the owner's mappings, decided from the struct as encoded. */
  effect?: MappingEffect;
  codec: CallCodec;
  snap: Record<string, unknown>;
  pointers: ResolvedPointer[];
  trailing?: Uint8Array;
  pin?: ReturnType<typeof pinFor>;
}

function takeTrailing(info: IoctlInfo, codec: CallCodec, snap: Record<string, unknown>): Uint8Array | undefined {
  const t = codec.trailing;
  const member = t?.member;
  if (!member) return undefined;
  const value = snap[member];
  if (t.count) {
    // The kernel reads `count` elements whatever argsz says: count and bytes must agree.
    const have = value === undefined || !isBufferView(value) ? 0 : Math.floor(byteLengthOf(value) / t.elementSize!);
    const given = snap[t.count];
    if (given === undefined) snap[t.count] = have;
    else if (typeof given !== "number" || given > have) throw new RangeError(`${info.name}: ${t.count} is ${String(given)}, but ${member} holds ${have} element(s) of ${t.elementSize} bytes`);
  }
  // Absent or undefined: no trailing bytes (and not a member for encode to refuse).
  delete snap[member];
  if (value === undefined) return undefined;
  if (!isBufferView(value)) throw new TypeError(`${info.name}: ${member} takes the trailing bytes as a buffer (an ArrayBufferView)`);
  if (t.unsafe) throw new TypeError(`${info.name}: ${member} ${t.unsafe}; pass it only through ${unsafeCallName(info.name, info.unsafeCall)}`);
  const w = t.safeWhen;
  if (w && !w.values.includes(Number(snap[w.member] ?? 0) & w.mask)) throw new TypeError(`${info.name}: ${member} of this ${w.member} value ${w.reason}; pass it only through ${unsafeCallName(info.name, info.unsafeCall)}`);
  return bytesOf(value).slice();
}

function prepare(fd: number, info: IoctlInfo, args: object, owner?: MappingOwner): Prepared {
  checkFd(fd, info.name);
  const codec = argumentOf(info);
  // Without pointers or trailing bytes nothing is derived from the arguments before encode,
  // which reads each member once itself: the snapshot would only cost an object per call.
  const plain = !codec.pointers && !codec.trailing;
  const snap = plain ? (args as Record<string, unknown>) : snapshot(args, info.name);
  refuseSize(info, codec, snap);
  if (plain) return { fd, name: info.name, owner, codec, snap, pointers: NO_POINTERS };
  const trailing = takeTrailing(info, codec, snap);
  const pointers = codec.pointers ? resolvePointers(info.name, codec.pointers, snap, info.unsafeCall) : [];
  const persistent = pointers.find((p) => p.persistent);
  if (!persistent) return { fd, name: info.name, owner, codec, snap, pointers, trailing };
  const pin = pinFor(persistent.view, persistent.bytes);
  if (!pin) {
    throw new TypeError(
      `${info.name}: ${persistent.member} must be memory from mmapAnonymous(): the kernel keeps using it after the call, and only runtime memory stays mapped until the kernel lets go of it`,
    );
  }
  return { fd, name: info.name, owner, codec, snap, pointers, trailing, pin };
}

function encodeInto(p: Prepared, dv: DataView): PointerList | undefined {
  p.codec.encode(p.snap, dv);
  if (p.trailing) new Uint8Array(dv.buffer, dv.byteOffset + p.codec.size, p.trailing.length).set(p.trailing);
  if (p.codec.sizeMember) dv.setUint32(p.codec.offsets[p.codec.sizeMember]!, dv.byteLength, LE);
  // The effect on the owner's mappings follows what the kernel is sent, not a second read of args.
  if (!p.effect && p.owner && changesMappings(p.name)) p.effect = mappingEffect(p.name, p.owner, p.codec.decode(dv) as Record<string, unknown>, p.pin);
  if (!p.pointers.length) return undefined;
  // Own data properties, defined directly: no setter or getter on Array.prototype sees the list.
  const list: PointerList = [];
  let i = 0;
  const put = (value: number | ArrayBufferView) => defineProperty(list, i++, { value, writable: true, enumerable: true, configurable: true });
  for (let k = 0; k < p.pointers.length; k++) {
    const r = p.pointers[k]!;
    put(p.codec.offsets[r.member]!);
    put(r.view);
    put(r.bytes);
  }
  return list;
}

/** A capability's struct and flexible elements, decoded only as far as its bytes hold them. */
function decodeCapability(codec: CallCodec | undefined, bytes: Uint8Array): unknown {
  if (!codec || bytes.length < codec.size) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const value = codec.decode(dv) as Record<string, unknown>;
  const flex = codec.flexible;
  if (flex?.element && flex.count) {
    const fits = Math.floor((bytes.length - flex.offset) / flex.elementSize);
    const n = Math.min(Number(value[flex.count] ?? 0), fits);
    value[flex.name] = Array.from({ length: n }, (_, i) => flex.element!.decode(dv, flex.offset + i * flex.elementSize));
  }
  return value;
}

/** Walks a vfio capability chain inside `bytes`, bounds-checked, each offset visited once. */
function capabilityChain(codec: CallCodec, bytes: Uint8Array, first: number): Capability<unknown>[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Capability<unknown>[] = [];
  const seen = new Set<number>();
  for (let at = first; at >= codec.size && at + 8 <= bytes.length && !seen.has(at); ) {
    seen.add(at);
    const id = dv.getUint16(at, LE);
    const next = dv.getUint32(at + 4, LE);
    const end = next > at && next <= bytes.length ? next : bytes.length;
    const own = bytes.slice(at, end);
    out.push({ id, version: dv.getUint16(at + 2, LE), offset: at, bytes: own, value: decodeCapability(codec.capability?.(id), own) });
    if (!next) break;
    at = next;
  }
  return out;
}

function withTrailing<T>(p: Prepared, dv: DataView, decoded: Record<string, unknown>): T {
  if (!p.codec.trailing) return decoded as T;
  const all = new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength);
  const result = decoded as Record<string, unknown> & { trailing: Uint8Array; capabilities?: Capability<unknown>[] };
  result.trailing = all.slice(p.codec.size);
  if (p.codec.trailing.grows) {
    const first = Number(decoded.cap_offset ?? 0);
    result.capabilities = first ? capabilityChain(p.codec, all, first) : [];
  }
  return result as T;
}

function finish<T>(p: Prepared, dv: DataView): T {
  const decoded = p.codec.decode(dv) as Record<string, unknown>;
  p.effect?.commit(decoded);
  return withTrailing<T>(p, dv, decoded);
}

/** A failed call gives back what it took: the pin of persistent memory, shared pins of a COPY. */
function abandon(p: Prepared): void {
  p.effect?.abandon();
  if (p.pin) unpinUnused(p.pin);
}

function callOnce(fd: number, info: IoctlInfo, p: Prepared, extra: number): DataView {
  const total = p.codec.size + extra;
  const scratch = total === p.codec.size ? scratchFor(p.codec) : undefined;
  const dv = scratch ? scratch.dv : new DataView(new ArrayBuffer(total));
  if (scratch) scratch.busy = true;
  try {
    const list = encodeInto(p, dv);
    transport().ioctl(fd, info.request, dv, info.name, list);
    return dv;
  } catch (err) {
    throw named(err, info.name, p.codec.decode(dv));
  } finally {
    if (scratch) scratch.busy = false;
  }
}

/** How many more bytes a growing struct asks for after a call (0 when it fits). */
function grownBy(p: Prepared, dv: DataView): number {
  if (!p.codec.trailing?.grows || !p.codec.sizeMember) return 0;
  const wanted = dv.getUint32(p.codec.offsets[p.codec.sizeMember]!, LE);
  if (wanted <= dv.byteLength) return 0;
  if (wanted > MAX_GROWN) throw new RangeError(`the kernel asks for ${wanted} bytes, more than the runtime allocates (${MAX_GROWN})`);
  return wanted - p.codec.size;
}

function refuseSize(info: IoctlInfo, codec: CallCodec, args: Record<string, unknown>): void {
  if (codec.sizeMember && args[codec.sizeMember] !== undefined) {
    throw new TypeError(`${info.name}: ${codec.sizeMember} is set by the runtime to the size of the buffer it passes`);
  }
}

/**
 * The hot path: a struct with no user pointers and no trailing bytes, and no owner's mappings to
 * keep. Encode reads each member once and nothing is derived from the arguments, so there is no
 * snapshot to take.
 */
function callPlain<T>(fd: number, info: IoctlInfo, codec: CallCodec, args: object): T {
  checkFd(fd, info.name);
  const scratch = scratchFor(codec);
  const dv = scratch ? scratch.dv : new DataView(new ArrayBuffer(codec.size));
  if (scratch) scratch.busy = true;
  let encoded = false;
  try {
    codec.encode(args, dv); // also refuses what is not an object of member values
    refuseSize(info, codec, args as Record<string, unknown>);
    encoded = true;
    transport().ioctl(fd, info.request, dv, info.name);
    return codec.decode(dv) as T;
  } catch (err) {
    throw encoded ? named(err, info.name, codec.decode(dv)) : err;
  } finally {
    if (scratch) scratch.busy = false;
  }
}

/**
 * A synchronous call with a struct argument; returns the struct as the kernel left it. For
 * vfio info structs the argsz protocol is followed: when the kernel says it needs more room for
 * its capability chain, the runtime grows the buffer and asks again.
 */
export function callStruct<T>(fd: number, info: IoctlInfo, args: object, owner?: MappingOwner): T {
  const codec = argumentOf(info);
  if (!codec.pointers && !codec.trailing && !(owner && changesMappings(info.name))) return callPlain<T>(fd, info, codec, args);
  const p = prepare(fd, info, args, owner);
  try {
    let extra = p.trailing?.length ?? 0;
    let dv = callOnce(fd, info, p, extra);
    for (let attempt = 0; attempt < 4; attempt++) {
      const more = grownBy(p, dv);
      if (!more) break;
      extra = more;
      dv = callOnce(fd, info, p, extra);
    }
    // The scratch buffer is reused by the next call: decode before returning.
    return finish<T>(p, dv);
  } catch (err) {
    abandon(p);
    throw err;
  }
}

/**
 * The same on the libuv thread pool, for calls that can take long (pinning gigabytes). The shim
 * copies the struct and the pointed-to buffers into runtime memory for the call (runtime mmap()
 * memory is pinned instead), so detaching or collecting them meanwhile cannot redirect the kernel.
 */
export async function callStructAsync<T>(fd: number, info: IoctlInfo, args: object, owner?: MappingOwner): Promise<T> {
  const p = prepare(fd, info, args, owner);
  try {
    let extra = p.trailing?.length ?? 0;
    for (let attempt = 0; ; attempt++) {
      const dv = new DataView(new ArrayBuffer(p.codec.size + extra));
      const list = encodeInto(p, dv);
      try {
        await transport().ioctlAsync(fd, info.request, dv, info.name, list);
      } catch (err) {
        throw named(err, info.name, p.codec.decode(dv));
      }
      const more = attempt < 4 ? grownBy(p, dv) : 0;
      if (!more) return finish<T>(p, dv);
      extra = more;
    }
  } catch (err) {
    abandon(p);
    throw err;
  }
}

/** UNSAFE: user-pointer members are raw addresses, and sizes are the caller's; nothing is checked. */
export function callStructUnsafe<T>(fd: number, info: IoctlInfo, args: object, trailing?: ArrayBufferView): T {
  checkFd(fd, info.name);
  const codec = argumentOf(info);
  const extra = trailing ? bytesOf(trailing) : undefined;
  const dv = new DataView(new ArrayBuffer(codec.size + (extra?.length ?? 0)));
  const snap = snapshot(args, info.name);
  const size = codec.sizeMember ? snap[codec.sizeMember] : undefined;
  if (codec.sizeMember) delete snap[codec.sizeMember];
  codec.encode(snap, dv);
  if (extra) new Uint8Array(dv.buffer, codec.size).set(extra);
  if (codec.sizeMember) dv.setUint32(codec.offsets[codec.sizeMember]!, size === undefined ? dv.byteLength : Number(size), LE);
  try {
    transport().ioctl(fd, info.request, dv, info.name);
  } catch (err) {
    throw named(err, info.name, codec.decode(dv));
  }
  return codec.decode(dv) as T;
}
