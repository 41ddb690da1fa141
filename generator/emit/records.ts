// Structs and unions to TypeScript: the decoded type, the Init type encode accepts, the codec
// (size, align, offsets, encode, decode) and a zero-copy view class over a DataView.
import { sizeMemberName } from "../model/conventions.js";
import { fail } from "../ir/diagnostics.js";
import { cSpelling, type Member, type RecordDecl, type TypeRef } from "../ir/decls.js";
import { resolveTypedefs, type FlatMember, type LayoutEngine } from "../target/layout.js";
import { checkerOf, EMPTY, LE, NONE, rt } from "./symbols.js";

export interface Scalar {
  bits: number;
  signed: boolean;
  float: boolean;
  /** `native` for __uN and plain C types; __leN/__beN have a fixed order on every architecture. */
  order: "native" | "little" | "big";
  /**
   * 32 bits here but 64 on other architectures the module serves (`long`): typed as bigint
   * everywhere so the TypeScript types do not depend on the machine.
   */
  wide?: boolean;
  /** The C spelling for messages, e.g. __u32. */
  ctype: string;
}

/** The littleEndian argument of a DataView call: the module's `LE` for native byte order. */
export function byteOrderArg(s: Scalar): string {
  return s.order === "native" ? LE : String(s.order === "little");
}

export type FieldKind =
  | { kind: "scalar"; scalar: Scalar }
  | ({ kind: "record" } & RecordRef)
  | { kind: "array"; element: FieldKind; length: number; elementSize: number };

export interface RecordNames {
  /** The record's C name (`iommu_ioas_map`), as docs and messages spell it. */
  of(decl: RecordDecl): string;
  /** How code refers to it: symbols, where another module emits it. */
  ref(decl: RecordDecl): RecordRef;
}

/** A record's codec (and interface), Init type and view class, as code names them. */
export interface RecordRef {
  codec: string;
  init: string;
  view: string;
}


/** Fixed byte order of __le16/__be32-style typedefs; undefined for native order. */
function fixedEndian(t: TypeRef): "little" | "big" | undefined {
  for (let cur = t; cur.kind === "typedef"; cur = cur.decl.type) {
    const m = /^__(le|be)\d+$/.exec(cur.decl.name);
    if (m) return m[1] === "le" ? "little" : "big";
  }
  return undefined;
}

/** Bitfields and native scalars follow the target; fixed-order typedefs do not. */
export function scalarOf(t: TypeRef, layout: LayoutEngine, member: Member, wide = false): Scalar | undefined {
  const base = resolveTypedefs(t);
  const order = fixedEndian(t) ?? "native";
  const spelled = cSpelling(t);
  if (base.kind === "builtin" && (base.name === "float" || base.name === "double")) {
    return { bits: base.name === "float" ? 32 : 64, signed: true, float: true, order, ctype: spelled };
  }
  const int = layout.intType(t);
  if (!int) return undefined;
  if (int.bits > 64) fail("unsupported", `member '${member.name ?? ""}' has type ${spelled}, which has no binding yet (wider than 64 bits)`, member.loc);
  return { bits: int.bits, signed: int.signed, float: false, order, ctype: spelled, ...(wide && int.bits < 64 ? { wide: true } : {}) };
}

/**
 * `unsignedBytes`: the member is an array of plain `char`, signed on some of the module's rows and
 * unsigned on others (x86_64 and s390x); its elements are bytes, 0 to 255, on every row, so that
 * its type (Uint8Array) does not depend on the machine.
 */
export function kindOf(t: TypeRef, layout: LayoutEngine, names: RecordNames, member: Member, wide = false, unsignedBytes = false): FieldKind {
  const base = resolveTypedefs(t);
  if (base.kind === "record") return { kind: "record", ...names.ref(base.decl) };
  if (base.kind === "array") {
    if (base.length === null) fail("unsupported", "nested flexible array", member.loc);
    if (wide) fail("unsupported", `array member '${member.name ?? ""}' has an element type whose width differs between architectures; generate for fewer architectures (--arch)`, member.loc);
    return { kind: "array", element: kindOf(base.element, layout, names, member, false, unsignedBytes), length: base.length, elementSize: layout.sizeOf(base.element) };
  }
  const scalar = scalarOf(t, layout, member, wide);
  if (!scalar) fail("unsupported", `member '${member.name ?? ""}' has type ${cSpelling(t)}, which has no binding`, member.loc);
  if (unsignedBytes && scalar.bits === 8 && !scalar.float) scalar.signed = false;
  return { kind: "scalar", scalar };
}

const accessor = (s: Scalar) =>
  s.float ? `Float${s.bits}` : s.bits === 64 ? (s.signed ? "BigInt64" : "BigUint64") : `${s.signed ? "Int" : "Uint"}${s.bits}`;

const checker = (s: Scalar) => `${s.signed ? "s" : "u"}${s.bits}`;

const TYPED_ARRAYS: Record<string, string> = {
  u8: "Uint8Array", s8: "Int8Array", u16: "Uint16Array", s16: "Int16Array",
  u32: "Uint32Array", s32: "Int32Array", u64: "BigUint64Array", s64: "BigInt64Array",
};

/** TS type of a decoded value. */
export function decodedType(k: FieldKind): string {
  switch (k.kind) {
    case "scalar":
      return k.scalar.float ? "number" : k.scalar.bits === 64 || k.scalar.wide ? "bigint" : "number";
    case "record":
      return k.codec;
    case "array":
      if (k.element.kind === "scalar" && !k.element.scalar.float) return TYPED_ARRAYS[checker(k.element.scalar)]!;
      return `${decodedType(k.element)}[]`;
  }
}

/** TS type accepted by encode. */
export function initType(k: FieldKind): string {
  switch (k.kind) {
    case "scalar":
      return (k.scalar.bits === 64 || k.scalar.wide) && !k.scalar.float ? rt.Int64 : "number";
    case "record":
      return k.init;
    case "array":
      return `ArrayLike<${initType(k.element)}>`;
  }
}

/** Statements writing `value` (an expression of initType, possibly undefined) at `at`. */
export function encodeStatements(k: FieldKind, value: string, at: string, where: string, depth = 0, optional = true): string {
  switch (k.kind) {
    case "scalar": {
      const s = k.scalar;
      const zero = s.bits === 64 && !s.float ? "0n" : "0";
      const check = s.wide ? `${rt.narrow32}(${value}, ${s.signed}, ${where}, ${JSON.stringify(s.ctype)})` : `${checkerOf(checker(s))}(${value}, ${where})`;
      // `value` is a plain member read or a local: reading it twice costs nothing measurable.
      const checked = s.float ? `(${value} ?? 0)` : optional ? `${value} === undefined ? ${zero} : ${check}` : check;
      return `dv.set${accessor(s)}(${at}, ${checked}${s.bits > 8 ? `, ${byteOrderArg(s)}` : ""});`;
    }
    case "record":
      return `${k.codec}.encode(${value} ?? ${EMPTY}, dv, ${at});`;
    case "array": {
      const a = `a${depth}`;
      const i = `i${depth}`;
      const e = `e${depth}`;
      const inner = encodeStatements(k.element, e, `${at} + ${i} * ${k.elementSize}`, `${where} + "[" + ${i} + "]"`, depth + 1);
      const checked = `${rt.fixedArray}(${value}, ${k.length}, ${where})`;
      return `{ const ${a} = ${optional ? `${value} === undefined ? ${NONE} : ${checked}` : checked}; for (let ${i} = 0; ${i} < ${k.length}; ${i}++) { const ${e} = ${a}[${i}]; ${inner} } }`;
    }
  }
}

/** A statement writing a scalar known to fit (the struct's own size) at `at`: no check. */
export function writeConstant(k: FieldKind, value: number, at: string): string {
  if (k.kind !== "scalar") throw new Error("writeConstant: not a scalar member");
  const s = k.scalar;
  const literal = s.bits === 64 ? `${value}n` : String(value);
  return `dv.set${accessor(s)}(${at}, ${literal}${s.bits > 8 ? `, ${byteOrderArg(s)}` : ""});`;
}

/** `base + n`, or `base` where n is 0. */
export const plus = (base: string, n: number) => (n === 0 ? base : `${base} + ${n}`);

/** An expression reading the member at `at`. */
export function decodeExpression(k: FieldKind, at: string, depth = 0): string {
  switch (k.kind) {
    case "scalar": {
      const read = `dv.get${accessor(k.scalar)}(${at}${k.scalar.bits > 8 ? `, ${byteOrderArg(k.scalar)}` : ""})`;
      return k.scalar.wide ? `BigInt(${read})` : read;
    }
    case "record":
      return `${k.codec}.decode(dv, ${at})`;
    case "array": {
      const i = `i${depth}`;
      const element = decodeExpression(k.element, `${at} + ${i} * ${k.elementSize}`, depth + 1);
      const ctor = k.element.kind === "scalar" && !k.element.scalar.float ? TYPED_ARRAYS[checker(k.element.scalar)] : undefined;
      return ctor
        ? `${ctor}.from({ length: ${k.length} }, (_, ${i}) => ${element})`
        : `Array.from({ length: ${k.length} }, (_, ${i}) => ${element})`;
    }
  }
}

export interface PlannedMember {
  flat: FlatMember;
  kind?: FieldKind;
  /** Bitfield facts, for bitfield members. */
  /** Bitfield facts: the byte window holding it and its bit offset there in allocation order. */
  bitfield?: { unit: Scalar; window: { start: number; bytes: number }; bitOffset: number; width: number };
  role: "plain" | "size" | "reserved" | "flexible";
  flexibleElement?: { kind: FieldKind; size: number };
  /** The member counting a flexible array's elements (`nr_areas`), where one is named so. */
  flexibleCount?: string;
}

// Narrower than model/conventions.ts RESERVED_MEMBER on purpose: a reserved member's codec
// accepts only zero, so only names every header means as reserved qualify.
const RESERVED = /^(__)?(reserved|rsvd|pad)\d*$/;

/**
 * Decides how each flattened member is encoded. `wide` names members that other architectures
 * make 64 bits wide (see Scalar.wide); `unsignedBytes` char arrays whose sign differs between
 * them (see kindOf).
 */
export function planRecord(decl: RecordDecl, layout: LayoutEngine, names: RecordNames, wide: ReadonlySet<string> = new Set(), unsignedBytes: ReadonlySet<string> = new Set()): PlannedMember[] {
  const size = layout.record(decl).size;
  const sizeMember = sizeMemberName(decl);
  const plan = layout.flatten(decl).map((flat): PlannedMember => {
    const m = flat.member;
    const t = m.type;
    if (flat.bitSize !== undefined) {
      const unit = scalarOf(t, layout, m);
      if (!unit || unit.float) fail("unsupported", `bitfield '${flat.name}' has a non-integer type`, m.loc);
      // gcc allocates bitfields in the target's own bit order, whatever the typedef says.
      unit.order = "native";
      const first = Math.floor(flat.bitOffset! / 8);
      const bytes = Math.floor((flat.bitOffset! + flat.bitSize - 1) / 8) - first + 1;
      const bitfield = { unit, window: { start: first, bytes }, bitOffset: flat.bitOffset! - first * 8, width: flat.bitSize };
      return { flat, bitfield, role: RESERVED.test(flat.name) ? "reserved" : "plain" };
    }
    const base = resolveTypedefs(t);
    if (base.kind === "array" && base.length === null) {
      return { flat, role: "flexible", flexibleElement: { kind: kindOf(base.element, layout, names, m), size: layout.sizeOf(base.element) } };
    }
    const kind = kindOf(t, layout, names, m, wide.has(flat.name), unsignedBytes.has(flat.name));
    const isSize = kind.kind === "scalar" && !flat.inUnion && flat.offset === 0 && size > 0 && flat.name === sizeMember;
    if (isSize) return { flat, kind, role: "size" };
    if (RESERVED.test(flat.name) && !flat.inUnion) return { flat, kind, role: "reserved" };
    return { flat, kind, role: "plain" };
  });
  // A flexible array's count: the one scalar member named nr_* or num_* (vfio's nr_areas, nr_iovas).
  const flexible = plan.find((p) => p.role === "flexible");
  const counts = plan.filter((p) => p.role === "plain" && p.kind?.kind === "scalar" && /^(nr|num)_/.test(p.flat.name));
  if (flexible && counts.length === 1) flexible.flexibleCount = counts[0]!.flat.name;
  return plan;
}
