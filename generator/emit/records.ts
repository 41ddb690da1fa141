// Structs and unions to TypeScript: the decoded type, the Init type encode accepts, the codec
// (size, align, offsets, encode, decode) and a zero-copy view class over a DataView.
import { fail } from "../diagnostics.js";
import type { Abi } from "../model/abi.js";
import type { Member, RecordDecl, TypeRef } from "../model/ir.js";
import { resolveTypedefs, type FlatMember, type LayoutEngine } from "../model/layout.js";

export interface Scalar {
  bits: number;
  signed: boolean;
  float: boolean;
  littleEndian: boolean;
  /** The C spelling for messages, e.g. __u32. */
  ctype: string;
}

export type FieldKind =
  | { kind: "scalar"; scalar: Scalar }
  | { kind: "record"; codec: string }
  | { kind: "array"; element: FieldKind; length: number; elementSize: number };

export interface RecordNames {
  /** The TS name of a record's codec/type. */
  of(decl: RecordDecl): string;
}

/** The C type as written, for docs and messages. */
export function cSpelling(t: TypeRef): string {
  switch (t.kind) {
    case "builtin":
      return t.name;
    case "typedef":
      return t.decl.name;
    case "record":
      return `${t.decl.kind} ${t.decl.tag ?? "<anonymous>"}`;
    case "enum":
      return `enum ${t.decl.tag ?? "<anonymous>"}`;
    case "array":
      return `${cSpelling(t.element)}[${t.length ?? ""}]`;
    case "pointer":
      return `${cSpelling(t.target)} *`;
    case "function":
      return "function";
  }
}

/** Fixed byte order of __le16/__be32-style typedefs; undefined for native order. */
function fixedEndian(t: TypeRef): "little" | "big" | undefined {
  for (let cur = t; cur.kind === "typedef"; cur = cur.decl.type) {
    const m = /^__(le|be)\d+$/.exec(cur.decl.name);
    if (m) return m[1] === "le" ? "little" : "big";
  }
  return undefined;
}

export function scalarOf(t: TypeRef, layout: LayoutEngine, abi: Abi, member: Member): Scalar | undefined {
  const base = resolveTypedefs(t);
  const endian = fixedEndian(t) ?? abi.endian;
  const spelled = cSpelling(t);
  if (base.kind === "builtin" && (base.name === "float" || base.name === "double")) {
    return { bits: base.name === "float" ? 32 : 64, signed: true, float: true, littleEndian: endian === "little", ctype: spelled };
  }
  const int = layout.intType(t);
  if (!int) return undefined;
  if (int.bits > 64) fail("unsupported", `member '${member.name ?? ""}' has type ${spelled}, which has no binding yet (wider than 64 bits)`, member.loc);
  return { bits: int.bits, signed: int.signed, float: false, littleEndian: endian === "little", ctype: spelled };
}

export function kindOf(t: TypeRef, layout: LayoutEngine, abi: Abi, names: RecordNames, member: Member): FieldKind {
  const base = resolveTypedefs(t);
  if (base.kind === "record") return { kind: "record", codec: names.of(base.decl) };
  if (base.kind === "array") {
    if (base.length === null) fail("unsupported", "nested flexible array", member.loc);
    return { kind: "array", element: kindOf(base.element, layout, abi, names, member), length: base.length, elementSize: layout.sizeOf(base.element) };
  }
  const scalar = scalarOf(t, layout, abi, member);
  if (!scalar) fail("unsupported", `member '${member.name ?? ""}' has type ${cSpelling(t)}, which has no binding`, member.loc);
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
      return k.scalar.float ? "number" : k.scalar.bits === 64 ? "bigint" : "number";
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
      return k.scalar.bits === 64 && !k.scalar.float ? "Int64" : "number";
    case "record":
      return `${k.codec}Init`;
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
      const check = `${checker(s)}(${value}, ${where})`;
      // `value` is a plain member read or a local: reading it twice costs nothing measurable.
      const checked = s.float ? `(${value} ?? 0)` : optional ? `${value} === undefined ? ${zero} : ${check}` : check;
      return `dv.set${accessor(s)}(${at}, ${checked}${s.bits > 8 ? `, ${s.littleEndian}` : ""});`;
    }
    case "record":
      return `${k.codec}.encode(${value} ?? EMPTY, dv, ${at});`;
    case "array": {
      const a = `a${depth}`;
      const i = `i${depth}`;
      const e = `e${depth}`;
      const inner = encodeStatements(k.element, e, `${at} + ${i} * ${k.elementSize}`, `${where} + "[" + ${i} + "]"`, depth + 1);
      return `{ const ${a} = ${value} === undefined ? NONE : arrayLength(${value}, ${k.length}, ${where}); for (let ${i} = 0; ${i} < ${k.length}; ${i}++) { const ${e} = ${i} < ${a}.length ? ${a}[${i}] : undefined; ${inner} } }`;
    }
  }
}

/** An expression reading the member at `at`. */
export function decodeExpression(k: FieldKind, at: string, depth = 0): string {
  switch (k.kind) {
    case "scalar":
      return `dv.get${accessor(k.scalar)}(${at}${k.scalar.bits > 8 ? `, ${k.scalar.littleEndian}` : ""})`;
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
  bitfield?: { unit: Scalar; unitOffset: number; shift: number; width: number };
  role: "plain" | "size" | "reserved" | "flexible";
  flexibleElement?: { kind: FieldKind; size: number };
}

const RESERVED = /^(__)?(reserved|rsvd|pad)\d*$/;

/** Decides how each flattened member is encoded. */
export function planRecord(decl: RecordDecl, layout: LayoutEngine, abi: Abi, names: RecordNames): PlannedMember[] {
  const size = layout.record(decl).size;
  const tag = decl.tag;
  return layout.flatten(decl).map((flat): PlannedMember => {
    const m = flat.member;
    const t = m.type;
    if (flat.bitSize !== undefined) {
      const unit = scalarOf(t, layout, abi, m);
      if (!unit || unit.float) fail("unsupported", `bitfield '${flat.name}' has a non-integer type`, m.loc);
      const unitOffset = flat.offset;
      return { flat, bitfield: { unit, unitOffset, shift: flat.bitOffset! - unitOffset * 8, width: flat.bitSize }, role: RESERVED.test(flat.name) ? "reserved" : "plain" };
    }
    const base = resolveTypedefs(t);
    if (base.kind === "array" && base.length === null) {
      return { flat, role: "flexible", flexibleElement: { kind: kindOf(base.element, layout, abi, names, m), size: layout.sizeOf(base.element) } };
    }
    const kind = kindOf(t, layout, abi, names, m);
    const doc = decl.doc?.params.find((p) => p.name === flat.name);
    const docText = doc?.lines.map((l) => l.text).join(" ") ?? "";
    const isSize =
      kind.kind === "scalar" && !flat.inUnion &&
      ((flat.name === "size" && tag !== undefined && new RegExp(`sizeof\\s*\\(\\s*struct\\s+${tag}\\s*\\)`).test(docText)) || flat.name === "argsz") &&
      flat.offset === 0 && size > 0;
    if (isSize) return { flat, kind, role: "size" };
    if (RESERVED.test(flat.name) && !flat.inUnion) return { flat, kind, role: "reserved" };
    return { flat, kind, role: "plain" };
  });
}
