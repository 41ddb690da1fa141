// The code emitted for one struct or union: decoded interface, Init interface, codec object and
// view class, each member documented from the kerneldoc.
import { Scope, StructureKind, VariableDeclarationKind } from "ts-morph";
import type { Statements } from "./module.js";
import type { Abi } from "../model/abi.js";
import type { RecordDecl, UserPointer } from "../model/ir.js";
import type { LayoutEngine } from "../model/layout.js";
import {
  cSpelling,
  decodedType,
  decodeExpression,
  encodeStatements,
  initType,
  planRecord,
  type PlannedMember,
  type RecordNames,
  type Scalar,
} from "./records.js";
import { declarationDoc, inlineText, plainComment, type LinkContext } from "./tsdoc.js";

export interface RecordContext {
  layout: LayoutEngine;
  abi: Abi;
  names: RecordNames;
  ctx: LinkContext;
  pointers: UserPointer[];
}

function memberDoc(r: RecordDecl, p: PlannedMember, rc: RecordContext): string {
  const name = p.flat.name;
  const param = r.doc?.params.find((x) => x.name === name);
  const nested = r.doc?.params.filter((x) => x.name.startsWith(`${name}.`)) ?? [];
  const parts: string[] = [];
  if (param) parts.push(inlineText(param.lines.map((l) => l.text.trim()).join(" "), rc.ctx));
  else if (p.flat.member.comment && !p.flat.member.comment.text.startsWith("/**")) parts.push(plainComment(p.flat.member.comment.text, rc.ctx));
  for (const n of nested) parts.push(`- \`${n.name}\`: ${inlineText(n.lines.map((l) => l.text.trim()).join(" "), rc.ctx)}`);
  const where = p.flat.bitSize !== undefined ? `bits ${p.flat.bitOffset}..${p.flat.bitOffset! + p.flat.bitSize - 1}` : `offset ${p.flat.offset}, ${p.flat.size} bytes`;
  const m = p.flat.member;
  const spelled = m.writtenType && m.type.kind !== "array" ? m.writtenType : cSpelling(m.type);
  let c = `C: \`${spelled} ${name}${p.flat.bitSize !== undefined ? ` : ${p.flat.bitSize}` : ""}\` (${where})`;
  if (p.role === "size") c += "; filled in with the struct size when not given";
  if (p.role === "reserved") c += "; always written as zero";
  const ptr = rc.pointers.find((x) => x.member === name);
  if (ptr) c += `; a user pointer${ptr.pointee ? ` to \`struct ${ptr.pointee.tag}\`` : ""}${ptr.countMember ? `, counted by \`${ptr.countMember}\`` : ""}`;
  parts.push(c);
  return parts.join("\n\n");
}

const lit = (s: string) => JSON.stringify(s);

/** A bitfield that does not fit its storage unit: read through a byte window. */
function straddles(unit: Scalar, shift: number, width: number): boolean {
  return shift + width > unit.bits;
}

function windowOf(at: string, shift: number, width: number): { at: string; bytes: number; shift: number } {
  const first = Math.floor(shift / 8);
  return { at: `${at} + ${first}`, bytes: Math.ceil((shift + width) / 8) - first, shift: shift - first * 8 };
}

function bitfieldRead(unit: Scalar, at: string, shift: number, width: number): string {
  if (straddles(unit, shift, width)) {
    const w = windowOf(at, shift, width);
    return `getBits(dv, ${w.at}, ${w.bytes}, ${w.shift}, ${width}, ${unit.signed})`;
  }
  if (unit.bits === 64) {
    const v = `BigInt.as${unit.signed ? "Int" : "Uint"}N(${width}, dv.getBigUint64(${at}, ${unit.littleEndian}) >> ${shift}n)`;
    return `Number(${v})`;
  }
  const raw = `dv.getUint${unit.bits}(${at}${unit.bits > 8 ? `, ${unit.littleEndian}` : ""})`;
  return unit.signed ? `((${raw} << ${32 - shift - width}) >> ${32 - width})` : `((${raw} >>> ${shift}) & ${2 ** width - 1})`;
}

function bitfieldWrite(unit: Scalar, at: string, shift: number, width: number, value: string, where: string): string {
  const le = unit.bits > 8 ? `, ${unit.littleEndian}` : "";
  const checked = `bits(${value}, ${width}, ${unit.signed}, ${where})`;
  if (straddles(unit, shift, width)) {
    const w = windowOf(at, shift, width);
    return `setBits(dv, ${w.at}, ${w.bytes}, ${w.shift}, ${width}, ${checked});`;
  }
  if (unit.bits === 64) {
    const mask = ((1n << BigInt(width)) - 1n) << BigInt(shift);
    return `dv.setBigUint64(${at}, (dv.getBigUint64(${at}${le}) & ~${mask}n) | (BigInt.asUintN(${width}, BigInt(${checked})) << ${shift}n)${le});`;
  }
  const mask = ((2 ** width - 1) * 2 ** shift) >>> 0;
  return `dv.setUint${unit.bits}(${at}, ((dv.getUint${unit.bits}(${at}${le}) & ${~mask >>> 0}) | ((${checked} << ${shift}) & ${mask})) >>> 0${le});`;
}

/** Small gaps are written inline (the hot path); larger ones through the runtime's loop. */
function zeroStatement(start: number, len: number): string {
  if (len > 16) return `zero(dv, offset + ${start}, ${len});`;
  const out: string[] = [];
  for (let at = start, left = len; left > 0; ) {
    const w = left >= 4 && at % 4 === 0 ? 4 : left >= 2 && at % 2 === 0 ? 2 : 1;
    out.push(`dv.setUint${w * 8}(offset + ${at}, 0);`);
    at += w;
    left -= w;
  }
  return out.join(" ");
}

/** Byte ranges that encode must zero: padding, reserved members, unions, bitfield units. */
function zeroRanges(size: number, plan: PlannedMember[]): [number, number][] {
  const covered = new Uint8Array(size);
  for (const p of plan) {
    if (p.flat.inUnion || p.bitfield || p.role === "reserved" || p.role === "flexible" || !p.kind) continue;
    covered.fill(1, p.flat.offset, p.flat.offset + p.flat.size);
  }
  const out: [number, number][] = [];
  for (let i = 0; i < size; ) {
    if (covered[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < size && !covered[j]) j++;
    out.push([i, j - i]);
    i = j;
  }
  return out;
}

export function emitRecord(sf: Statements, r: RecordDecl, rc: RecordContext): void {
  const name = rc.names.of(r);
  const l = rc.layout.record(r);
  const plan = planRecord(r, rc.layout, rc.abi, rc.names);
  const value = plan.filter((p) => p.role !== "flexible");
  const where = (p: PlannedMember) => lit(`${name}.${p.flat.name}`);
  const typeOf = (p: PlannedMember) => (p.bitfield ? "number" : decodedType(p.kind!));
  const kindWord = r.tag ? `${r.kind} ${r.tag}` : `anonymous ${r.kind} (${name})`;
  const docs = [declarationDoc(r.doc?.kind === r.kind || r.doc?.kind === "function" ? r.doc : undefined, rc.ctx, [`C: \`${kindWord}\`, ${l.size} bytes, aligned to ${l.align}.`])];

  sf.push({
    kind: StructureKind.Interface,
    isExported: true,
    name,
    docs,
    properties: value.map((p) => ({ name: p.flat.name, type: typeOf(p), docs: [memberDoc(r, p, rc)] })),
  });
  sf.push({
    kind: StructureKind.Interface,
    isExported: true,
    name: `${name}Init`,
    docs: [`What {@link ${name}.encode} accepts: every member optional (absent means zero${plan.some((p) => p.role === "size") ? ", and the size member defaults to the struct size" : ""}); reserved members are not accepted.`],
    properties: value
      .filter((p) => p.role !== "reserved")
      .map((p) => ({ name: p.flat.name, hasQuestionToken: true, type: p.bitfield ? "number" : initType(p.kind!), docs: [memberDoc(r, p, rc)] })),
  });

  // encode
  const enc: string[] = ["const dv = dataView(target);"];
  if (r.kind === "union") enc.push(`zero(dv, offset, ${l.size});`);
  else for (const [start, len] of zeroRanges(l.size, plan)) enc.push(zeroStatement(start, len));
  for (const p of value) {
    if (p.role === "reserved") continue;
    const at = `offset + ${p.flat.offset}`;
    const v = `value.${p.flat.name}`;
    if (p.bitfield) {
      enc.push(`if (${v} !== undefined) ${bitfieldWrite(p.bitfield.unit, at, p.bitfield.shift, p.bitfield.width, v, where(p))}`);
      continue;
    }
    if (p.role === "size") {
      enc.push(encodeStatements(p.kind!, `${v} ?? ${l.size}`, at, where(p), 0, false));
      continue;
    }
    const stmt = encodeStatements(p.kind!, v, at, where(p));
    enc.push(p.flat.inUnion || r.kind === "union" ? `if (${v} !== undefined) ${stmt}` : stmt);
  }
  // decode
  const dec = value.map((p) => {
    const at = `offset + ${p.flat.offset}`;
    return `${p.flat.name}: ${p.bitfield ? bitfieldRead(p.bitfield.unit, at, p.bitfield.shift, p.bitfield.width) : decodeExpression(p.kind!, at)}`;
  });
  const offsets = plan.filter((p) => !p.bitfield).map((p) => `${p.flat.name}: ${p.flat.offset}`);
  const flex = plan.find((p) => p.role === "flexible");
  const pointerRows = rc.pointers.map(
    (p) => `${p.member}: { ${[p.pointee ? `element: ${rc.names.of(p.pointee)}` : undefined, p.elementSize ? `elementSize: ${p.elementSize}` : undefined, p.countMember ? `count: ${lit(p.countMember)}` : undefined].filter(Boolean).join(", ")} }`,
  );
  const extra = [
    flex ? `flexible: { name: ${lit(flex.flat.name)}, offset: ${flex.flat.offset}, elementSize: ${flex.flexibleElement!.size} }` : undefined,
    pointerRows.length ? `pointers: { ${pointerRows.join(", ")} }` : undefined,
  ].filter(Boolean);
  sf.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs,
    declarations: [
      {
        name,
        initializer: `{
  size: ${l.size},
  align: ${l.align},
  offsets: { ${offsets.join(", ")} },
  ${extra.map((e) => `${e},`).join("\n")}
  encode(value: ${name}Init, target: Target, offset = 0): void {
    ${enc.join("\n")}
  },
  decode(source: Target, offset = 0): ${name} {
    const dv = dataView(source);
    return { ${dec.join(",\n")} };
  },
  view(target: Target, offset = 0): ${name}View {
    return new ${name}View(dataView(target), offset);
  },
}`,
      },
    ],
  });
  // Declared after the const so the value and type of the same name merge cleanly.
  sf.push({ kind: StructureKind.VariableStatement, declarationKind: VariableDeclarationKind.Const, declarations: [{ name: `_${name}Check`, type: `Codec<${name}, ${name}Init>`, initializer: name }] });

  sf.push({
    kind: StructureKind.Class,
    isExported: true,
    name: `${name}View`,
    docs: [`A zero-copy view of a \`${kindWord}\` in a buffer: reads and writes go straight to its bytes.`],
    ctors: [{ parameters: [{ name: "dataView", type: "DataView", isReadonly: true, scope: Scope.Public }, { name: "byteOffset", type: "number", initializer: "0", isReadonly: true, scope: Scope.Public }] }],
    getAccessors: value.map((p) => {
      const at = `this.byteOffset + ${p.flat.offset}`;
      const body = p.bitfield
        ? bitfieldRead(p.bitfield.unit, at, p.bitfield.shift, p.bitfield.width)
        : p.kind!.kind === "record"
          ? `new ${p.kind!.codec}View(dv, ${at})`
          : decodeExpression(p.kind!, at);
      return { name: p.flat.name, returnType: p.kind?.kind === "record" ? `${p.kind.codec}View` : typeOf(p), docs: [memberDoc(r, p, rc)], statements: [`const dv = this.dataView;`, `return ${body};`] };
    }),
    setAccessors: value
      .filter((p) => p.kind?.kind !== "record")
      .map((p) => {
        const at = `this.byteOffset + ${p.flat.offset}`;
        const stmt = p.bitfield ? bitfieldWrite(p.bitfield.unit, at, p.bitfield.shift, p.bitfield.width, "value", where(p)) : encodeStatements(p.kind!, "value", at, where(p));
        return { name: p.flat.name, parameters: [{ name: "value", type: p.bitfield ? "number" : initType(p.kind!) }], statements: ["const dv = this.dataView;", stmt] };
      }),
  });
}
