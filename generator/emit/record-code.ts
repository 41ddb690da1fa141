// The code emitted for one struct or union: decoded interface, Init interface, codec object and
// view class, each member documented from the kerneldoc. The codec and the view's accessor bodies
// are made per architecture variant (recordCode); the types and docs once, from the first row.
import { cSpelling, type Capability, type RecordDecl, type TrailingPolicy, type UserPointer } from "../ir/decls.js";
import type { LayoutEngine } from "../target/layout.js";
import {
  decodedType,
  decodeExpression,
  encodeStatements,
  initType,
  plus,
  writeConstant,
  type PlannedMember,
  type RecordNames,
} from "./records.js";
import { declarationDoc, inlineText, plainComment, type LinkContext } from "./tsdoc.js";
import { initName, keyCheckName, layoutName, viewName } from "./names.js";
import { jsdoc, LE, rt } from "./symbols.js";
import { distinct, fallbackFirst, oneBody, pickByVariant, variantTest } from "./variant-code.js";

/**
 * Top-level statements collected for one module, as code text; `block` for interfaces, classes
 * and functions, which have a blank line around them.
 */
export type Statements = { code: string; block?: boolean }[];

/** One architecture variant's view of a record. */
export interface RecordUnit {
  decl: RecordDecl;
  layout: LayoutEngine;
  names: RecordNames;
  pointers: UserPointer[];
  /** Trailing bytes safe calls refuse, where an override says so. */
  trailing?: TrailingPolicy;
  /** The capabilities of an info struct's chain. */
  capabilities?: Capability[];
  /** How each member is encoded here (planRecord, with the members other rows make 64 bits wide). */
  plan: PlannedMember[];
}

export interface RecordContext extends RecordUnit {
  ctx: LinkContext;
}

/** The architecture-dependent code of a record: its codec object and view accessor bodies. */
export interface RecordCode {
  codec: string;
  getters: { name: string; returnType: string; body: string }[];
  setters: { name: string; type: string; body: string }[];
}

/** The same record on other architectures, for the docs: where its layout differs. */
export interface LayoutElsewhere {
  arches: string[];
  size: number;
  align: number;
  /** Member name -> `offset N, M bytes`. */
  members: Map<string, string>;
}

function memberDoc(r: RecordDecl, p: PlannedMember, rc: RecordContext, elsewhere: LayoutElsewhere[]): string {
  const name = p.flat.name;
  const param = r.doc?.params.find((x) => x.name === name);
  const nested = r.doc?.params.filter((x) => x.name.startsWith(`${name}.`)) ?? [];
  const parts: string[] = [];
  if (param) parts.push(inlineText(param.lines.map((l) => l.text.trim()).join(" "), rc.ctx));
  else if (p.flat.member.comment && !p.flat.member.comment.text.startsWith("/**")) parts.push(plainComment(p.flat.member.comment.text, rc.ctx));
  for (const n of nested) parts.push(`- \`${n.name}\`: ${inlineText(n.lines.map((l) => l.text.trim()).join(" "), rc.ctx)}`);
  const where = memberPlace(p);
  const byPlace = new Map<string, string[]>();
  for (const e of elsewhere) {
    const place = e.members.get(name) ?? "absent";
    if (place !== where) byPlace.set(place, [...(byPlace.get(place) ?? []), ...e.arches]);
  }
  const other = [...byPlace].map(([place, arches]) => `${place} on ${arches.join(", ")}`);
  const m = p.flat.member;
  const spelled = m.writtenType && m.type.kind !== "array" ? m.writtenType : cSpelling(m.type);
  let c = `C: \`${spelled} ${name}${p.flat.bitSize !== undefined ? ` : ${p.flat.bitSize}` : ""}\` (${[where, ...other].join("; ")})`;
  if (p.role === "size") c += "; set to the size of the buffer passed, never by the caller";
  if (p.role === "reserved") c += "; always written as zero";
  const ptr = rc.pointers.find((x) => x.member === name);
  if (ptr) c += `; a user pointer${ptr.pointee ? ` to \`struct ${ptr.pointee.tag}\`` : ""}${ptr.countMember ? `, counted by \`${ptr.countMember}\`` : ""}`;
  parts.push(c);
  return parts.join("\n\n");
}

const lit = (s: string) => JSON.stringify(s);

/** `offset 8, 4 bytes` or `bits 3..7`: where a member sits, for docs. */
export function memberPlace(p: PlannedMember): string {
  return p.flat.bitSize !== undefined ? `bits ${p.flat.bitOffset}..${p.flat.bitOffset! + p.flat.bitSize - 1}` : `offset ${p.flat.offset}, ${p.flat.size} bytes`;
}

type Bitfield = NonNullable<PlannedMember["bitfield"]>;

// Bitfields go through the runtime: gcc allocates them from the low bit on little-endian targets
// and from the high bit on big-endian ones, which getBits/setBits resolve with the byte order.
function bitfieldRead(b: Bitfield, base: string): string {
  return `${rt.getBits}(dv, ${plus(base, b.window.start)}, ${b.window.bytes}, ${b.bitOffset}, ${b.width}, ${b.unit.signed}, ${LE})`;
}

function bitfieldWrite(b: Bitfield, base: string, value: string, where: string): string {
  return `${rt.setBits}(dv, ${plus(base, b.window.start)}, ${b.window.bytes}, ${b.bitOffset}, ${b.width}, ${rt.bits}(${value}, ${b.width}, ${b.unit.signed}, ${where}), ${LE});`;
}

/** Small gaps are written inline (the hot path); larger ones through the runtime's loop. */
function zeroStatement(start: number, len: number): string {
  if (len > 16) return `${rt.zero}(dv, ${plus("offset", start)}, ${len});`;
  const out: string[] = [];
  for (let at = start, left = len; left > 0; ) {
    const w = left >= 4 && at % 4 === 0 ? 4 : left >= 2 && at % 2 === 0 ? 2 : 1;
    out.push(`dv.setUint${w * 8}(${plus("offset", at)}, 0);`);
    at += w;
    left -= w;
  }
  return out.join(" ");
}

/** Byte ranges that encode must zero: padding, reserved members, unions, bitfield units. */
function zeroRanges(size: number, plan: PlannedMember[]): [number, number][] {
  // The gaps between the members encode writes, from their ranges: no byte map, whose size
  // would be the struct's.
  const covered = plan
    .filter((p) => !(p.flat.inUnion || p.bitfield || p.role === "reserved" || p.role === "flexible" || !p.kind) && p.flat.size > 0)
    .map((p) => [p.flat.offset, p.flat.offset + p.flat.size] as const)
    .sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let at = 0;
  for (const [start, end] of covered) {
    if (start > at) out.push([at, start - at]);
    at = Math.max(at, end);
  }
  if (at < size) out.push([at, size - at]);
  return out;
}

/** A flexible array member: where it starts, its element (a codec for records) and its count. */
function flexibleFacts(flex: PlannedMember): string {
  const element = flex.flexibleElement!;
  return [
    `name: ${lit(flex.flat.name)}`,
    `offset: ${flex.flat.offset}`,
    `elementSize: ${element.size}`,
    // A getter: the element struct may be declared inside this one, after it (ndctl.h).
    element.kind.kind === "record" ? `get element() { return ${element.kind.codec}; }` : undefined,
    flex.flexibleCount ? `count: ${lit(flex.flexibleCount)}` : undefined,
  ]
    .filter(Boolean)
    .join(", ");
}

/**
 * The codec of each capability ID an info struct's chain can hold. A function: the capability
 * structs are declared after the info struct, so they cannot be referenced at load.
 */
function capabilityLookup(ru: RecordUnit): string {
  const cases = ru.capabilities!.map((c) => `case ${c.id}: return ${ru.names.ref(c.record).codec};`).join(" ");
  return `(id: number) => { switch (id) { ${cases} default: return undefined; } }`;
}

/** What bounds a user pointer's bytes, as the runtime's extents.ts reads it. */
function pointerFacts(p: UserPointer, names: RecordNames): string[] {
  const facts = [
    p.pointee ? `element: ${names.ref(p.pointee).codec}` : undefined,
    p.elementSize ? `elementSize: ${p.elementSize}` : undefined,
    p.countMember ? `count: ${lit(p.countMember)}` : undefined,
    p.entrySizeMember ? `entrySize: ${lit(p.entrySizeMember)}` : undefined,
    p.bytes !== undefined ? `bytes: ${p.bytes}` : undefined,
    p.bitmap ? `bitmap: { length: ${lit(p.bitmap.length)}, pageSize: ${lit(p.bitmap.pageSize)} }` : undefined,
    p.persistent ? "persistent: true" : undefined,
  ].filter((x): x is string => x !== undefined);
  const bounded = p.countMember || p.bytes !== undefined || p.bitmap;
  if (!bounded) facts.push(`unbound: ${lit("uapigen does not know how many bytes the kernel uses behind it")}`);
  return facts;
}

/**
 * Bytes after a sized struct: its flexible array member (the caller's buffer, appended; argsz
 * covers it) and, for vfio info structs with `cap_offset`, a capability chain that grows.
 */
function trailingFacts(ru: RecordUnit, flex: PlannedMember | undefined): string | undefined {
  const grows = ru.plan.some((p) => p.flat.name === "cap_offset");
  if (!flex && !grows) return undefined;
  const policy = ru.trailing;
  const facts = [
    flex ? `member: ${lit(flex.flat.name)}` : undefined,
    grows ? "grows: true" : undefined,
    policy?.unsafe ? `unsafe: ${lit(policy.unsafe)}` : undefined,
    policy?.safeWhen ? `safeWhen: ${JSON.stringify(policy.safeWhen)}` : undefined,
    policy?.count && flex ? `count: ${lit(policy.count)}, elementSize: ${flex.flexibleElement!.size}` : undefined,
  ].filter(Boolean);
  return `trailing: { ${facts.join(", ")} }`;
}

/** The codec object and view accessors of a record, for one architecture variant. */
export function recordCode(ru: RecordUnit): RecordCode {
  const r = ru.decl;
  const name = ru.names.of(r);
  const l = ru.layout.record(r);
  const plan = ru.plan;
  const value = plan.filter((p) => p.role !== "flexible");
  const where = (p: PlannedMember) => lit(`${name}.${p.flat.name}`);

  // Each member is read once, after the keys are checked: a getter cannot answer twice. Reserved
  // members are accepted only as zero, so a decoded struct encodes back and no value the caller
  // sets is dropped silently; the size member is accepted and always written as sizeof.
  const inputs = value.filter((p) => p.role !== "flexible" && p.role !== "size");
  const local = (p: PlannedMember) => `$${p.flat.name}`;
  const enc: string[] = [`const dv = ${rt.dataView}(target);`, `${keyCheckName(name)}(value);`];
  const written = inputs.filter((p) => p.role !== "plain").map((p) => `${p.flat.name}?: unknown`);
  const source = written.length ? `value as ${initName(name)} & { ${written.join("; ")} }` : "value";
  // A plain scalar absent is zero: a destructuring default, so its write has no test of its own.
  const defaulted = (p: PlannedMember) =>
    p.role === "plain" && !p.bitfield && !p.flat.inUnion && r.kind !== "union" && p.kind?.kind === "scalar" && !p.kind.scalar.float;
  const withDefault = (p: PlannedMember) => (defaulted(p) ? ` = ${p.kind?.kind === "scalar" && p.kind.scalar.bits === 64 ? "0n" : "0"}` : "");
  if (inputs.length) enc.push(`const { ${inputs.map((p) => `${p.flat.name}: ${local(p)}${withDefault(p)}`).join(", ")} } = ${source};`);
  if (r.kind === "union") enc.push(`${rt.zero}(dv, offset, ${l.size});`);
  else for (const [start, len] of zeroRanges(l.size, plan)) enc.push(zeroStatement(start, len));
  for (const p of value) {
    const v = local(p);
    if (p.role === "reserved") {
      enc.push(`if (${v} !== undefined) ${rt.mustBeZero}(${v}, ${where(p)});`);
      continue;
    }
    const at = plus("offset", p.flat.offset);
    if (p.role === "size") {
      // Always the struct's size, whatever a decoded value says; calls that pass more set it
      // to what they pass, and refuse a caller's value.
      enc.push(writeConstant(p.kind!, l.size, at));
      continue;
    }
    if (p.bitfield) {
      enc.push(`if (${v} !== undefined) ${bitfieldWrite(p.bitfield, "offset", v, where(p))}`);
      continue;
    }
    const stmt = encodeStatements(p.kind!, v, at, where(p), 0, !defaulted(p));
    enc.push(p.flat.inUnion || r.kind === "union" ? `if (${v} !== undefined) ${stmt}` : stmt);
  }
  const dec = value.map((p) => {
    const at = plus("offset", p.flat.offset);
    return `${p.flat.name}: ${p.bitfield ? bitfieldRead(p.bitfield, "offset") : decodeExpression(p.kind!, at)}`;
  });
  const offsets = plan.filter((p) => !p.bitfield).map((p) => `${p.flat.name}: ${p.flat.offset}`);
  const flex = plan.find((p) => p.role === "flexible");
  const sizeMember = plan.find((p) => p.role === "size");
  const pointerRows = ru.pointers.map((p) => `${p.member}: { ${pointerFacts(p, ru.names).join(", ")} }`);
  const extra = [
    flex ? `flexible: { ${flexibleFacts(flex)} }` : undefined,
    ru.capabilities?.length ? `capability: ${capabilityLookup(ru)}` : undefined,
    sizeMember ? `sizeMember: ${lit(sizeMember.flat.name)}` : undefined,
    sizeMember ? trailingFacts(ru, flex) : undefined,
    pointerRows.length ? `pointers: { ${pointerRows.join(", ")} }` : undefined,
  ].filter(Boolean);
  // A record without members reads and writes nothing, but still checks its buffer.
  if (!enc.slice(1).some((s) => /\bdv\b/.test(s))) enc[0] = `${rt.dataView}(target);`;
  const decodeBody = dec.length ? `const dv = ${rt.dataView}(source);\n    return { ${dec.join(",\n")} };` : `${rt.dataView}(source);\n    return {};`;
  const codec = `{
  size: ${l.size},
  align: ${l.align},
  offsets: { ${offsets.join(", ")} },${extra.map((e) => `\n  ${e},`).join("")}
  encode(value: ${initName(name)}, target: ${rt.Target}, offset = 0): void {
    ${enc.join("\n")}
  },
  decode(source: ${rt.Target}, offset = 0): ${name} {
    ${decodeBody}
  },
  view(target: ${rt.Target}, offset = 0): ${viewName(name)} {
    return new ${viewName(name)}(${rt.dataView}(target), offset);
  },
}`;
  const getters = value.map((p) => {
    const at = plus("this.byteOffset", p.flat.offset);
    const body = p.bitfield
      ? bitfieldRead(p.bitfield, "this.byteOffset")
      : p.kind!.kind === "record"
        ? `new ${p.kind!.view}(dv, ${at})`
        : decodeExpression(p.kind!, at);
    return { name: p.flat.name, returnType: p.kind?.kind === "record" ? p.kind.view : typeOf(p), body: `return ${body};` };
  });
  const setters = value
    .filter((p) => p.kind?.kind !== "record")
    .map((p) => {
      const at = plus("this.byteOffset", p.flat.offset);
      const body = p.bitfield ? bitfieldWrite(p.bitfield, "this.byteOffset", "value", where(p)) : encodeStatements(p.kind!, "value", at, where(p), 0, false);
      return { name: p.flat.name, type: p.bitfield ? "number" : initType(p.kind!), body };
    });
  return { codec, getters, setters };
}

const typeOf = (p: PlannedMember) => (p.bitfield ? "number" : decodedType(p.kind!));

/** The Init type the runtime's InitOf gives a member of this decoded type (codec.ts's InitValue). */
function derivedInit(decoded: string): string | undefined {
  if (decoded === "bigint") return rt.Int64;
  if (decoded === "number") return "number";
  if (decoded === "BigUint64Array" || decoded === "BigInt64Array") return `ArrayLike<${rt.Int64}>`;
  if (/^(Uint|Int)(8|16|32)Array$/.test(decoded) || decoded === "number[]") return "ArrayLike<number>";
  return undefined;
}

/**
 * Emits a record: the types and docs from the primary row (`rc`), the codec and view accessors
 * from each variant's code (`codes[v]`), picked at load time where they differ.
 */
export function emitRecord(sf: Statements, rc: RecordContext, codes: RecordCode[], elsewhere: LayoutElsewhere[]): void {
  const r = rc.decl;
  const name = rc.names.of(r);
  const l = rc.layout.record(r);
  const plan = rc.plan;
  const value = plan.filter((p) => p.role !== "flexible");
  const kindWord = r.tag ? `${r.kind} ${r.tag}` : `anonymous ${r.kind} (${name})`;
  const sizes = [`${l.size} bytes, aligned to ${l.align}`, ...elsewhere.filter((e) => e.size !== l.size || e.align !== l.align).map((e) => `${e.size} bytes, aligned to ${e.align} on ${e.arches.join(", ")}`)];
  const docs = [declarationDoc(r.doc?.kind === r.kind || r.doc?.kind === "function" ? r.doc : undefined, rc.ctx, [`C: \`${kindWord}\`, ${sizes.join("; ")}.`])];
  const doc = (p: PlannedMember) => memberDoc(r, p, rc, elsewhere);

  const properties = value.map((p) => `${jsdoc(doc(p))}\n${p.flat.name}: ${typeOf(p)};`);
  sf.push({ code: `${jsdoc(docs[0]!)}\nexport interface ${name} {\n${properties.join("\n")}\n}`, block: true });
  // Init is a mapped type of the interface: its members keep the interface's docs (hover shows
  // them), so each doc is written once. Members whose Init type InitOf cannot derive from the
  // decoded one (nested records, their arrays) are given explicitly.
  const omitted = value.filter((p) => p.role !== "plain").map((p) => lit(p.flat.name));
  const nested = value
    .filter((p) => p.role === "plain" && !p.bitfield && initType(p.kind!) !== derivedInit(typeOf(p)))
    .map((p) => `${p.flat.name}: ${initType(p.kind!)}`);
  const initArgs = [name, omitted.length || nested.length ? omitted.join(" | ") || "never" : undefined, nested.length ? `{ ${nested.join("; ")} }` : undefined].filter(Boolean);
  sf.push({ code: `${jsdoc(`What {@link ${name}.encode} accepts.`)}\nexport type ${initName(name)} = ${rt.InitOf}<${initArgs.join(", ")}>;` });
  const codecs = distinct(codes, (c) => c.codec).map((c) => ({ variants: c.variants, text: c.value.codec }));
  // A switch over the keys: the engine compares interned strings by identity (a Set lookup cost
  // more), and a function of its own keeps the for-in from slowing the rest of encode.
  const cases = value.map((p) => `case ${lit(p.flat.name)}:`).join(" ");
  // Refuses what encode cannot take: a non-object, or a key that is not a member. The message
  // lists the members from the codec, only when a key is refused.
  const check = [
    `if (typeof value !== "object" || value === null) ${rt.notAnObject}(value, ${lit(name)});`,
    value.length
      ? `for (const key in value) { switch (key) { ${cases} break; default: ${rt.unknownMember}(key, ${lit(name)}, ${name}); } }`
      : `for (const key in value) ${rt.unknownMember}(key, ${lit(name)}, ${name});`,
  ];
  sf.push({ code: `function ${keyCheckName(name)}(value: unknown): void {\n${check.join("\n")}\n}`, block: true });
  // No docs of its own: the value merges with the interface of the same name, whose docs hover shows.
  // Variants that differ only in numbers are one body reading them from the variant's table.
  const shared = codecs.length > 1 ? oneBody(codecs, layoutName(name)) : undefined;
  if (shared?.table) sf.push({ code: `${jsdoc(`Where the layout of \`${kindWord}\` differs between variants: its sizes and offsets on each.`)}\nconst ${layoutName(name)} = ${shared.table};` });
  const codec = shared ? shared.body : codecs.length > 1 ? `(${pickByVariant(codecs)})` : pickByVariant(codecs);
  sf.push({ code: `export const ${name} = ${codec} satisfies ${rt.GeneratedCodec}<${name}, ${initName(name)}>;` });

  // One view class; an accessor whose body differs between variants branches on V.
  const accessorBody = (pick: (c: RecordCode) => string) => {
    const bodies = distinct(codes.map(pick), (b) => b);
    // `dv` named once where a body reads it more than once (an array); else this.dataView inline.
    const once = (b: string) => ((b.match(/\bdv\b/g) ?? []).length > 1 ? ["const dv = this.dataView;", b] : [b.replace(/\bdv\b/, "this.dataView")]);
    if (bodies.length === 1) return once(bodies[0]!.value);
    const [fallback, ...tested] = fallbackFirst(bodies);
    const branches = tested.map((b) => `if (${variantTest(b.variants)}) { ${b.value} }`);
    return once(`${branches.join(" else ")} else { ${fallback!.value} }`);
  };
  const primary = codes[0]!;
  // By name: a variant may declare the members in another order (ip.h's bitfields by byte order).
  const getterOf = (c: RecordCode, name: string) => c.getters.find((g) => g.name === name)!.body;
  const setterOf = (c: RecordCode, name: string) => c.setters.find((st) => st.name === name)!.body;
  // The members' docs are the interface's: hover shows them on the accessors it implements.
  const accessors = [
    ...primary.getters.map((g) => `get ${g.name}(): ${g.returnType} {\n${accessorBody((c) => getterOf(c, g.name)).join("\n")}\n}`),
    ...primary.setters.map((st) => `set ${st.name}(value: ${st.type}) {\n${accessorBody((c) => setterOf(c, st.name)).join("\n")}\n}`),
  ];
  // ts-morph's order, kept: a member's getter and setter next to each other.
  const ordered = primary.getters.flatMap((g) => [accessors[primary.getters.indexOf(g)]!, ...primary.setters.filter((st) => st.name === g.name).map((st) => accessors[primary.getters.length + primary.setters.indexOf(st)]!)]);
  const viewDoc = jsdoc(`Zero-copy view of a \`${kindWord}\`: reads and writes go to its bytes.`);
  sf.push({ code: `${viewDoc}\nexport class ${viewName(name)} extends ${rt.RecordView} implements ${name} {\n${ordered.join("\n\n")}\n}`, block: true });
}
