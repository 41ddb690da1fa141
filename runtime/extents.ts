// How many bytes the kernel touches behind each user pointer, derived from the buffer the
// caller passes and the members the kernel reads the extent from. Counts the runtime may derive
// are set from the buffer; counts the caller gives are checked against it.
import { unsafeCallName } from "./names.js";
import { byteLengthOf, byteOffsetOf, isBufferView } from "./args.js";

/** A user-pointer member as the generator describes it (`codec.pointers`). */
export interface PointerInfo {
  /** Element codec or byte size; the count member counts elements of that size. */
  readonly element?: { readonly size: number };
  readonly elementSize?: number;
  /** The member holding the element count (set from the buffer when not given). */
  readonly count?: string;
  /** The member holding each element's size (`entry_len`), given by the caller. */
  readonly entrySize?: string;
  /** A fixed number of bytes (a 16-byte UUID). */
  readonly bytes?: number;
  /** A dirty bitmap: one bit per page of `length` bytes of `pageSize` pages, in u64 words. */
  readonly bitmap?: { readonly length: string; readonly pageSize: string };
  /** The kernel keeps using the memory after the call (a DMA mapping): runtime mmap() memory only. */
  readonly persistent?: boolean;
  /** Why the extent cannot be derived: safe calls refuse this member. */
  readonly unbound?: string;
}

/** One resolved pointer: the member's offset, the buffer, and the bytes the kernel may touch. */
export interface ResolvedPointer {
  member: string;
  view: ArrayBufferView;
  bytes: number;
  persistent: boolean;
}

const U64 = (1n << 64n) - 1n;

function integer(v: unknown, where: string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (v === undefined) return 0n;
  throw new RangeError(`${where}: ${String(v)} is not an integer`);
}

/** Lowest set bit: the kernel takes page shifts with __ffs(), so 12288 counts as 4 KiB pages. */
function ctz(v: bigint): bigint {
  let n = 0n;
  while ((v & 1n) === 0n) {
    v >>= 1n;
    n++;
  }
  return n;
}

/** iova_bitmap: ((length - 1) >> __ffs(page_size)) / 64 + 1 u64 words (length 0 wraps, as in C). */
export function bitmapBytes(length: bigint, pageSize: bigint): bigint {
  return (((length - 1n) & U64) >> ctz(pageSize)) / 64n * 8n + 8n;
}

/**
 * Resolves the pointer members of a snapshot in place: each buffer is replaced by a zero
 * placeholder (the shim writes the address), counts are set or checked. Returns the pointers.
 */
export function resolvePointers(call: string, pointers: Readonly<Record<string, PointerInfo>>, snap: Record<string, unknown>, unsafeCall?: string): ResolvedPointer[] {
  const out: ResolvedPointer[] = [];
  for (const member of Object.keys(pointers)) {
    const p = pointers[member]!;
    const where = `${call}: ${member}`;
    const buffer = snap[member];
    if (buffer === undefined) {
      // No buffer: NULL. A count without a buffer would make the kernel use NULL + count.
      if (p.count && snap[p.count] !== undefined && integer(snap[p.count], `${call}: ${p.count}`) !== 0n) {
        throw new RangeError(`${call}: ${p.count} is ${String(snap[p.count])}, but no ${member} buffer is given`);
      }
      continue;
    }
    if (p.unbound) throw new TypeError(`${where}: ${p.unbound}; pass it only through ${unsafeCallName(call, unsafeCall)}`);
    if (!isBufferView(buffer)) throw new TypeError(`${where} takes a buffer (an ArrayBufferView); pass raw addresses only through ${unsafeCallName(call, unsafeCall)}`);
    const available = BigInt(byteLengthOf(buffer));
    let bytes: bigint;
    if (p.bytes !== undefined) bytes = BigInt(p.bytes);
    else if (p.bitmap) {
      const pageSize = integer(snap[p.bitmap.pageSize], `${call}: ${p.bitmap.pageSize}`);
      if (pageSize <= 0n) throw new RangeError(`${call}: ${p.bitmap.pageSize} must be a positive page size`);
      bytes = bitmapBytes(integer(snap[p.bitmap.length], `${call}: ${p.bitmap.length}`), pageSize);
      // The kernel writes whole aligned u64 words: a bitmap not 8-aligned would be overrun at its start.
      if (byteOffsetOf(buffer) % 8) throw new RangeError(`${where}: the bitmap must start 8-byte aligned (the kernel writes u64 words)`);
    } else if (p.count) {
      const size = p.entrySize ? integer(snap[p.entrySize], `${call}: ${p.entrySize}`) : BigInt(p.element?.size ?? p.elementSize ?? 1);
      if (size <= 0n) throw new RangeError(`${call}: ${p.entrySize ?? "the element size"} must be positive when ${member} is given`);
      const given = snap[p.count];
      if (given === undefined) {
        const capacity = available / size;
        snap[p.count] = capacity <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(capacity) : capacity;
        bytes = capacity * size;
      } else {
        bytes = integer(given, `${call}: ${p.count}`) * size;
        if (bytes > available) {
          throw new RangeError(`${call}: ${p.count} is ${String(given)}, but the ${member} buffer holds ${available / size} element(s) of ${size} bytes`);
        }
      }
    } else {
      throw new TypeError(`${where}: the runtime does not know how many bytes the kernel uses here; pass it only through ${unsafeCallName(call, unsafeCall)}`);
    }
    if (bytes > available) throw new RangeError(`${where}: the kernel uses ${bytes} bytes here, but the buffer holds ${available}`);
    snap[member] = 0n;
    out.push({ member, view: buffer, bytes: Number(bytes), persistent: p.persistent === true });
  }
  return out;
}
