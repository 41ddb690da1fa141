// C ABI layout as gcc does it for System V targets: sizes, alignments, member offsets,
// padding, unions, anonymous members, flexible arrays, bitfields, aligned/packed attributes.
import { fail } from "../ir/diagnostics.js";
import type { Abi } from "./abi.js";
import type { IntType } from "../ir/values.js";
import type { EnumDecl, Member, RecordDecl, TypeRef } from "../ir/decls.js";

export interface MemberLayout {
  member: Member;
  /** Byte offset of the member (of its storage unit for bitfields). */
  offset: number;
  size: number;
  /** Bit offset from the start of the record, for bitfields. */
  bitOffset?: number;
}

export interface RecordLayout {
  size: number;
  align: number;
  members: MemberLayout[];
}

/** A member flattened through anonymous structs/unions, with its absolute position. */
export interface FlatMember {
  name: string;
  member: Member;
  offset: number;
  size: number;
  bitOffset?: number;
  bitSize?: number;
  /** The anonymous unions it sits in (for emitting union semantics). */
  inUnion: boolean;
}

/**
 * The largest object uapigen lays out, in bytes: sizes stay exact in JavaScript numbers (in bits
 * too), and no ioctl argument comes near it.
 */
export const MAX_OBJECT_BYTES = 0x7fffffff;

export class LayoutEngine {
  private readonly records = new Map<RecordDecl, RecordLayout>();
  private readonly inProgress = new Set<RecordDecl>();

  constructor(readonly abi: Abi) {}

  sizeOf(t: TypeRef): number {
    return this.info(t).size;
  }

  alignOf(t: TypeRef): number {
    return this.info(t).align;
  }

  info(t: TypeRef): { size: number; align: number } {
    switch (t.kind) {
      case "builtin": {
        if (t.name === "void") return { size: 1, align: 1 };
        const row = this.abi.types[t.name];
        if (!row) fail("type", `${t.name} does not exist on ${this.abi.name}`);
        return { size: row[0], align: row[1] };
      }
      case "pointer":
        return { size: this.abi.types.pointer[0], align: this.abi.types.pointer[1] };
      case "typedef": {
        const inner = this.info(t.decl.type);
        return { size: inner.size, align: t.decl.attrs.aligned ?? inner.align };
      }
      case "record": {
        const l = this.record(t.decl);
        return { size: l.size, align: l.align };
      }
      case "enum":
        return this.enumInfo(t.decl);
      case "array": {
        const e = this.info(t.element);
        const size = e.size * (t.length ?? 0);
        if (size > MAX_OBJECT_BYTES) {
          fail("array-size", `size of array (${BigInt(e.size) * BigInt(t.length ?? 0)} bytes) is too large (at most ${MAX_OBJECT_BYTES})`, t.loc);
        }
        return { size, align: e.align };
      }
      case "function":
        return { size: 1, align: 1 };
    }
  }

  /** The integer type behind a type, for casts and codecs; undefined for non-integers. */
  intType(t: TypeRef): IntType | undefined {
    switch (t.kind) {
      case "typedef":
        return this.intType(t.decl.type);
      case "enum": {
        const { size } = this.enumInfo(t.decl);
        // gcc: unsigned unless some enumerator is negative.
        return { bits: size * 8, signed: t.decl.enumerators.some((e) => e.value.v < 0n), rank: 3 };
      }
      case "pointer":
        return { bits: this.abi.types.pointer[0] * 8, signed: false, rank: 4 };
      case "builtin": {
        const n = t.name;
        if (n === "void" || n === "float" || n === "double" || n === "long double") return undefined;
        const bits = (this.abi.types[n]?.[0] ?? 16) * 8;
        const signed = n === "char" ? this.abi.charSigned : !n.startsWith("unsigned") && n !== "_Bool";
        const rank = n === "_Bool" ? 0 : n.endsWith("char") ? 1 : n.endsWith("short") ? 2 : n.endsWith("long long") ? 5 : n.endsWith("long") ? 4 : n.endsWith("int128") ? 6 : 3;
        return { bits, signed, rank };
      }
      default:
        return undefined;
    }
  }

  private enumInfo(e: EnumDecl): { size: number; align: number } {
    // gcc: int when every value fits in int (or unsigned int), else a 64-bit type.
    const fits32 = e.enumerators.every((x) => x.value.v >= -(2n ** 31n) && x.value.v < 2n ** 32n) &&
      !(e.enumerators.some((x) => x.value.v < 0n) && e.enumerators.some((x) => x.value.v >= 2n ** 31n));
    let size = fits32 ? 4 : 8;
    if (e.attrs.packed) {
      const max = e.enumerators.reduce((m, x) => (x.value.v > m ? x.value.v : m), 0n);
      const min = e.enumerators.reduce((m, x) => (x.value.v < m ? x.value.v : m), 0n);
      size = [1, 2, 4, 8].find((s) => (min < 0n ? min >= -(2n ** BigInt(s * 8 - 1)) && max < 2n ** BigInt(s * 8 - 1) : max < 2n ** BigInt(s * 8)))!;
    }
    return { size, align: e.attrs.aligned ?? size };
  }

  record(decl: RecordDecl): RecordLayout {
    const done = this.records.get(decl);
    if (done) return done;
    for (const inner of this.heldRecords(decl)) this.layOut(inner);
    return this.layOut(decl);
  }

  /**
   * The complete records `decl` holds by value, directly or through them, not yet laid out,
   * innermost first: laid out in this order, no record's layout recurses into another's, however
   * long a chain of structs holding structs the header has. Incomplete ones are left to layOut
   * to report where it meets them.
   */
  private heldRecords(decl: RecordDecl): RecordDecl[] {
    const order: RecordDecl[] = [];
    const visited = new Set<RecordDecl>([decl]);
    const path: { decl: RecordDecl; next: number }[] = [{ decl, next: 0 }];
    const onPath = new Set<RecordDecl>([decl]);
    while (path.length) {
      const top = path[path.length - 1]!;
      const member = top.decl.members?.[top.next++];
      if (!member) {
        path.pop();
        onPath.delete(top.decl);
        if (path.length) order.push(top.decl);
        continue;
      }
      let t = member.type;
      while (t.kind === "typedef" || t.kind === "array") t = t.kind === "typedef" ? t.decl.type : t.element;
      if (t.kind !== "record") continue;
      if (onPath.has(t.decl) || this.inProgress.has(t.decl)) fail("recursive-type", `${t.decl.kind} ${t.decl.tag ?? "<anonymous>"} contains itself`, t.decl.loc);
      if (visited.has(t.decl) || this.records.has(t.decl) || !t.decl.members) continue;
      visited.add(t.decl);
      onPath.add(t.decl);
      path.push({ decl: t.decl, next: 0 });
    }
    return order;
  }

  private layOut(decl: RecordDecl): RecordLayout {
    const done = this.records.get(decl);
    if (done) return done;
    if (!decl.members) fail("incomplete-type", `${decl.kind} ${decl.tag ?? "<anonymous>"} is incomplete here`, decl.loc);
    if (this.inProgress.has(decl)) fail("recursive-type", `${decl.kind} ${decl.tag ?? "<anonymous>"} contains itself`, decl.loc);
    this.inProgress.add(decl);
    try {
      const l = decl.kind === "union" ? this.layoutUnion(decl, decl.members) : this.layoutStruct(decl, decl.members);
      this.records.set(decl, l);
      return l;
    } finally {
      this.inProgress.delete(decl);
    }
  }

  private memberAlign(decl: RecordDecl, m: Member): number {
    const natural = this.alignOf(m.type);
    // packed drops natural alignment to 1; an explicit aligned attribute still counts.
    const base = decl.attrs.packed || m.attrs.packed ? 1 : natural;
    const aligned = Math.max(base, m.attrs.aligned ?? 1);
    // #pragma pack caps every member's alignment, explicit aligned attributes included.
    return decl.attrs.pack ? Math.min(aligned, decl.attrs.pack) : aligned;
  }

  private layoutStruct(decl: RecordDecl, members: Member[]): RecordLayout {
    let bit = 0; // current position in bits
    let align = 1;
    const out: MemberLayout[] = [];
    members.forEach((m, index) => {
      const size = this.sizeOf(m.type);
      if (m.bitWidth !== undefined) {
        const unitBits = size * 8;
        const typeAlign = this.alignOf(m.type);
        if (m.bitWidth > unitBits) fail("bitfield", `width of bitfield '${m.name ?? ""}' exceeds its type`, m.loc);
        if (m.bitWidth === 0) {
          bit = roundUp(bit, typeAlign * 8);
          return;
        }
        const cap = decl.attrs.packed || m.attrs.packed ? 1 : decl.attrs.pack ? Math.min(typeAlign, decl.attrs.pack) : typeAlign;
        // gcc (PCC_BITFIELD_TYPE_MATTERS): a bitfield moves to its type's next alignment boundary
        // when it would span more alignment units than the type's size holds. Where alignment ==
        // size that is "does not cross a unit"; i386's 4-aligned long long allows two units.
        const alignBits = typeAlign * 8;
        if (cap === typeAlign && Math.floor(((bit % alignBits) + m.bitWidth + alignBits - 1) / alignBits) > unitBits / alignBits) {
          bit = roundUp(bit, alignBits);
        }
        if (m.name !== undefined) align = Math.max(align, cap);
        if (m.attrs.aligned) {
          bit = roundUp(bit, m.attrs.aligned * 8);
          align = Math.max(align, m.attrs.aligned);
        }
        const unitStart = Math.floor(bit / unitBits) * size;
        out.push({ member: m, offset: unitStart, size, bitOffset: bit });
        bit += m.bitWidth;
        return;
      }
      const a = this.memberAlign(decl, m);
      const isFlexible = m.type.kind === "array" && m.type.length === null;
      if (isFlexible && index !== members.length - 1) fail("flexible-array", `flexible array member '${m.name ?? ""}' is not at the end of ${decl.kind} ${decl.tag ?? "<anonymous>"}`, m.loc);
      const offset = roundUp(Math.ceil(bit / 8), a);
      align = Math.max(align, a);
      out.push({ member: m, offset, size });
      bit = (offset + size) * 8;
      if (offset + size > MAX_OBJECT_BYTES) tooLarge(decl, offset + size, m);
    });
    if (decl.attrs.aligned) align = Math.max(align, decl.attrs.aligned);
    const size = roundUp(Math.ceil(bit / 8), align);
    if (size > MAX_OBJECT_BYTES) tooLarge(decl, size);
    return { size, align, members: out };
  }

  private layoutUnion(decl: RecordDecl, members: Member[]): RecordLayout {
    let size = 0;
    let align = 1;
    const out: MemberLayout[] = [];
    for (const m of members) {
      const s = this.sizeOf(m.type);
      if (m.bitWidth !== undefined) {
        if (m.bitWidth === 0) continue;
        if (m.name !== undefined) align = Math.max(align, decl.attrs.packed ? 1 : this.alignOf(m.type));
        out.push({ member: m, offset: 0, size: s, bitOffset: 0 });
        size = Math.max(size, Math.ceil(m.bitWidth / 8));
        continue;
      }
      const a = this.memberAlign(decl, m);
      align = Math.max(align, a);
      out.push({ member: m, offset: 0, size: s });
      size = Math.max(size, s);
    }
    if (decl.attrs.aligned) align = Math.max(align, decl.attrs.aligned);
    if (roundUp(size, align) > MAX_OBJECT_BYTES) tooLarge(decl, roundUp(size, align));
    return { size: roundUp(size, align), align, members: out };
  }

  /** Members with names, through anonymous structs and unions, at absolute offsets. */
  flatten(decl: RecordDecl, base = 0, inUnion = decl.kind === "union"): FlatMember[] {
    const out: FlatMember[] = [];
    // An explicit stack: `struct a;` as a member is an anonymous member too, so anonymous
    // members can chain through tagged records as far as the header goes.
    const stack = [{ members: this.record(decl).members, next: 0, base, inUnion }];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const ml = top.members[top.next++];
      if (!ml) {
        stack.pop();
        continue;
      }
      const m = ml.member;
      if (m.name === undefined) {
        if (m.type.kind === "record" && m.bitWidth === undefined) {
          const inner = m.type.decl;
          stack.push({ members: this.record(inner).members, next: 0, base: top.base + ml.offset, inUnion: top.inUnion || inner.kind === "union" });
        }
        continue;
      }
      if (ml.bitOffset !== undefined) {
        out.push({ name: m.name, member: m, offset: top.base + ml.offset, size: ml.size, bitOffset: top.base * 8 + ml.bitOffset, bitSize: m.bitWidth, inUnion: top.inUnion });
      } else {
        out.push({ name: m.name, member: m, offset: top.base + ml.offset, size: ml.size, inUnion: top.inUnion });
      }
    }
    return out;
  }
}

function tooLarge(decl: RecordDecl, bytes: number, at?: Member): never {
  const what = `${decl.kind} ${decl.tag ?? "<anonymous>"}`;
  fail("record-size", `${what} is too large (${bytes} bytes or more; at most ${MAX_OBJECT_BYTES})`, at?.loc ?? decl.loc);
}

export function roundUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Strips typedefs (keeping the outermost aligned attribute out of it). */
export function resolveTypedefs(t: TypeRef): TypeRef {
  while (t.kind === "typedef") t = t.decl.type;
  return t;
}
