// The ABI facts of one header on one row, as plain data: what userspace compiled against the
// header depends on (record sizes and member positions, typedefs, constant and enumerator values,
// request numbers). compare.ts compares two of them; they carry no model objects, so a run can
// build them in another process.
import type { SourceLocation } from "../ir/diagnostics.js";
import { cSpelling, type HeaderModel, type Member, type RecordDecl, type TypedefDecl, type TypeRef } from "../ir/decls.js";
import { extensibleSizeMember, isReservedName, memberDocText, sizeMemberName } from "../model/conventions.js";
import type { LayoutEngine } from "../target/layout.js";

/** A type's class as the ABI sees it: how the bytes are read. */
export interface TypeShape {
  /** "integer", "float", "pointer", "struct", "union", "array of integer", ... */
  cls: string;
  signed?: boolean;
  /** The type as written (the outermost typedef's name, or the C spelling). */
  text: string;
  /**
   * The typedefs the type goes through, outermost first, with where each is defined and what it
   * names directly: a change is blamed on the innermost one that changed.
   */
  chain: { name: string; loc: SourceLocation; target: string }[];
  /** The record or enum at the end of the chain, where it is defined. */
  origin?: { name: string; loc: SourceLocation };
}

export interface MemberFacts {
  name: string;
  /** Bit position and width in the record (bytes × 8 for plain members). */
  bit: number;
  bits: number;
  offset: number;
  size: number;
  bitfield: boolean;
  flexible: boolean;
  inUnion: boolean;
  reserved: boolean;
  /** The docs say the member must be zero. */
  mustBeZero: boolean;
  type: TypeShape;
  loc: SourceLocation;
}

export interface RecordFacts {
  /** `struct x`, `union y`, or a typedef's name for an untagged record. */
  key: string;
  kind: "struct" | "union";
  size: number;
  align: number;
  /** The member carrying the struct's size (`argsz`, `size`): the struct is extensible. */
  sizeMember?: string;
  /** Whether the size member is one by the headers' conventions (`argsz`, or `size` documented as sizeof), not by its name alone. */
  sizeMemberDocumented: boolean;
  members: MemberFacts[];
  loc: SourceLocation;
}

export interface ValueFacts {
  name: string;
  /** Decimal. */
  value: string;
  kind: "constant" | "enumerator" | "request";
  /** The enum of an enumerator. */
  enumKey?: string;
  /** For a request: the size it encodes and its argument. */
  request?: { size: number; argument?: string };
  loc: SourceLocation;
}

export interface TypedefFacts {
  name: string;
  size: number;
  align: number;
  type: TypeShape;
  loc: SourceLocation;
}

export interface HeaderFacts {
  file: string;
  records: RecordFacts[];
  typedefs: TypedefFacts[];
  values: ValueFacts[];
  /** Names the header defines but uapigen could not evaluate, with why. */
  unevaluated: Record<string, string>;
  /**
   * Names a program including the header sees from the headers it includes: enumerators with
   * their value, macros with null (only the header's own are evaluated).
   */
  visible: Record<string, string | null>;
  /** Names the header writes only under preprocessor conditions not taken on this row. */
  inactive: string[];
}

export function recordKey(r: RecordDecl): string | undefined {
  if (r.tag) return `${r.kind} ${r.tag}`;
  return r.typedefName;
}

const MUST_BE_ZERO = /\b(must|should|shall|has to|have to|needs? to)\s+(be\s+)?(set\s+to\s+|left\s+(as\s+)?|kept\s+(at\s+)?)?(zero(ed)?|0|cleared)\b|\bzero[- ]?(filled|initiali[sz]ed)\b|\bmbz\b|\bset (it )?to (zero|0)\b|\bmust be zeroed\b/i;

export function docSaysZero(text: string): boolean {
  return MUST_BE_ZERO.test(text);
}


function shapeOf(t: TypeRef, layout: LayoutEngine): TypeShape {
  const chain: TypeShape["chain"] = [];
  // Through arrays too: `foo_t x[4]` moves with foo_t.
  let end = t;
  while (end.kind === "typedef" || end.kind === "array") {
    if (end.kind === "typedef") chain.push({ name: end.decl.name, loc: end.decl.loc, target: cSpelling(end.decl.type, true) });
    end = end.kind === "typedef" ? end.decl.type : end.element;
  }
  const classOf = (x: TypeRef): { cls: string; signed?: boolean } => {
    while (x.kind === "typedef") x = x.decl.type;
    switch (x.kind) {
      case "builtin": {
        if (x.name === "float" || x.name === "double" || x.name === "long double") return { cls: "float" };
        if (x.name === "void") return { cls: "void" };
        return { cls: "integer", signed: layout.intType(x)?.signed };
      }
      case "enum":
        return { cls: "integer", signed: layout.intType(x)?.signed };
      case "pointer":
        return { cls: "pointer" };
      case "record":
        return { cls: x.decl.kind };
      case "array": {
        const e = classOf(x.element);
        return { cls: `array of ${e.cls}`, signed: e.signed };
      }
      case "function":
        return { cls: "function" };
    }
  };
  const origin = end.kind === "record" || end.kind === "enum" ? { name: cSpelling(end, true), loc: end.decl.loc } : undefined;
  return { ...classOf(t), text: cSpelling(t, true), chain, origin };
}

/**
 * The members of a record through anonymous ones, and through named members of an untagged
 * struct type (`struct { ... } raw_tracepoint;` as `raw_tracepoint.tp_name`), whose members are
 * compared nowhere else.
 */
function memberFacts(decl: RecordDecl, layout: LayoutEngine, prefix = "", base = 0, inUnion = false, depth = 0): MemberFacts[] {
  return layout.flatten(decl).flatMap((f) => {
    const own = oneMember(decl, layout, { ...f, name: prefix + f.name, offset: base + f.offset, bitOffset: f.bitOffset === undefined ? undefined : f.bitOffset + base * 8, inUnion: f.inUnion || inUnion });
    let t = f.member.type;
    while (t.kind === "array" && t.length === 1) t = t.element;
    if (t.kind !== "record" || t.decl.tag || t.decl.typedefName || !t.decl.members || depth > 8) return [own];
    return [own, ...memberFacts(t.decl, layout, `${prefix}${f.name}.`, base + f.offset, own.inUnion, depth + 1)];
  });
}

function oneMember(decl: RecordDecl, layout: LayoutEngine, f: ReturnType<LayoutEngine["flatten"]>[number]): MemberFacts {
  {
    const m: Member = f.member;
    let base = m.type;
    while (base.kind === "typedef") base = base.decl.type;
    const flexible = base.kind === "array" && base.length === null;
    const bitfield = f.bitSize !== undefined;
    return {
      name: f.name,
      bit: bitfield ? f.bitOffset! : f.offset * 8,
      bits: bitfield ? f.bitSize! : f.size * 8,
      offset: f.offset,
      size: f.size,
      bitfield,
      flexible,
      inUnion: f.inUnion,
      reserved: isReservedName(f.name.slice(f.name.lastIndexOf(".") + 1)),
      mustBeZero: docSaysZero(memberDocText(decl, f.name, m.comment)),
      type: shapeOf(m.type, layout),
      loc: m.loc,
    };
  }
}

/** The facts of a built header: its own records, typedefs, constants, enumerators and requests. */
export function headerFacts(model: HeaderModel, layout: LayoutEngine): HeaderFacts {
  const records: RecordFacts[] = [];
  for (const r of model.records) {
    const key = recordKey(r);
    if (!key || !r.members) continue;
    const l = layout.record(r);
    records.push({ key, kind: r.kind, size: l.size, align: l.align, sizeMember: extensibleSizeMember(r), sizeMemberDocumented: sizeMemberName(r) !== undefined, members: memberFacts(r, layout), loc: r.loc });
  }
  const typedefs: TypedefFacts[] = [];
  for (const t of model.typedefs as TypedefDecl[]) {
    let info: { size: number; align: number };
    try {
      if (t.type.kind === "function" || (t.type.kind === "record" && !t.type.decl.members)) continue;
      info = layout.info({ kind: "typedef", decl: t });
    } catch {
      continue;
    }
    typedefs.push({ name: t.name, size: info.size, align: info.align, type: shapeOf(t.type, layout), loc: t.loc });
  }
  const values: ValueFacts[] = [];
  for (const c of model.constants) {
    if (c.ioctl) {
      const a = c.ioctl.argument;
      values.push({ name: c.name, value: String(c.value.v), kind: "request", request: { size: c.ioctl.size, argument: a ? recordKey(a) : undefined }, loc: c.loc });
    } else {
      values.push({ name: c.name, value: String(c.value.v), kind: "constant", loc: c.loc });
    }
  }
  for (const e of model.enums) {
    const enumKey = e.tag ? `enum ${e.tag}` : "enum <anonymous>";
    for (const x of e.enumerators) values.push({ name: x.name, value: String(x.value.v), kind: "enumerator", enumKey, loc: x.loc });
  }
  const unevaluated: Record<string, string> = {};
  for (const d of model.otherDefines) unevaluated[d.name] = d.reason;
  const visible: Record<string, string | null> = {};
  for (const name of model.macroNames) visible[name] = null;
  for (const e of model.all.enums) for (const x of e.enumerators) visible[x.name] = String(x.value.v);
  return { file: model.file, records, typedefs, values, unevaluated, visible, inactive: [...model.inactiveNames] };
}
