// model -> one TypeScript module per header, built with ts-morph and formatted by prettier.
// Output is deterministic: no timestamps, no absolute paths, declarations in header order.
import path from "node:path";
import * as prettier from "prettier";
import { Project, StructureKind, VariableDeclarationKind, type StatementStructures } from "ts-morph";

/** Statements collected for one module; the file is created once from them (fast). */
export type Statements = (string | StatementStructures)[];
import type { Abi } from "../model/abi.js";
import type { ConstantDecl, EnumDecl, HeaderModel, RecordDecl } from "../model/ir.js";
import type { LayoutEngine } from "../model/layout.js";
import { emitRecord } from "./record-code.js";
import { cSpelling, type RecordNames } from "./records.js";
import { declarationDoc, inlineText, type LinkContext } from "./tsdoc.js";

export interface EmitOptions {
  /** Module specifier of the runtime codec helpers, relative to the output file. */
  runtimeImport: string;
  /** Where the header came from, for the file comment (e.g. linux-libc-dev 7.3.4-1~bpo13+1). */
  provenance?: string;
}

const RUNTIME_HELPERS = ["arrayLength", "bits", "dataView", "getBits", "s16", "s32", "s64", "s8", "setBits", "u16", "u32", "u64", "u8", "zero"];

export function recordNames(model: HeaderModel): RecordNames {
  const names = new Map<RecordDecl, string>();
  for (const r of model.all.records) if (r.tag ?? r.typedefName) names.set(r, (r.tag ?? r.typedefName)!);
  // Anonymous records used as named members get `<outer>_<member>`.
  const visit = (outer: RecordDecl, prefix: string) => {
    for (const m of outer.members ?? []) {
      if (m.type.kind !== "record") continue;
      const inner = m.type.decl;
      if (inner.tag) continue;
      const name = m.name ? `${prefix}_${m.name}` : prefix;
      if (m.name) names.set(inner, name);
      visit(inner, name);
    }
  };
  for (const r of model.all.records) if (r.tag ?? r.typedefName) visit(r, (r.tag ?? r.typedefName)!);
  return {
    of(decl) {
      const n = names.get(decl);
      if (!n) throw new Error(`internal: no name for record at ${decl.loc.file}:${decl.loc.line}`);
      return n;
    },
  };
}

/** Records to emit: the header's tagged ones, and anonymous ones it uses as named members. */
function emittedRecords(model: HeaderModel): RecordDecl[] {
  return model.records.filter((r) => r.tag || r.typedefName || isNamedMemberType(model, r));
}

function isNamedMemberType(model: HeaderModel, r: RecordDecl): boolean {
  return model.all.records.some((o) => (o.members ?? []).some((m) => m.name !== undefined && m.type.kind === "record" && m.type.decl === r));
}

function numberLiteral(v: bigint, bits: number, hex: boolean): string {
  const text = hex && v >= 0n ? `0x${v.toString(16)}` : v.toString();
  return bits > 32 ? `${text}n` : text;
}

/** The module's own symbols, which docs may link to. */
export function linkContext(model: HeaderModel, names: RecordNames): LinkContext {
  const symbols = new Set<string>();
  for (const r of emittedRecords(model)) symbols.add(names.of(r));
  for (const e of model.enums) {
    if (e.tag) symbols.add(e.tag);
    for (const x of e.enumerators) symbols.add(x.name);
  }
  for (const c of model.constants) symbols.add(c.name);
  return { symbols };
}

export async function emitModule(model: HeaderModel, layout: LayoutEngine, abi: Abi, opts: EmitOptions): Promise<string> {
  const names = recordNames(model);
  const records = emittedRecords(model);
  const ctx = linkContext(model, names);

  const sf: Statements = [];
  fileComment(sf, model, opts, ctx);
  sf.push({
    kind: StructureKind.ImportDeclaration,
    moduleSpecifier: opts.runtimeImport,
    isTypeOnly: true,
    namedImports: ["Codec", "Int64", "IoctlInfo", "Target"].map((name) => ({ name })),
  });
  sf.push(
    "/** Encodes absent nested members as zero. */",
    "const EMPTY = Object.freeze({});",
    "const NONE: ArrayLike<never> = Object.freeze([]);",
  );

  // Keep the header's order: constants, enums and records as they appear.
  type Item = { loc: { line: number }; emit: () => void };
  const items: Item[] = [];
  for (const c of model.constants) items.push({ loc: c.loc, emit: () => emitConstant(sf, c, ctx) });
  for (const e of model.enums) items.push({ loc: e.loc, emit: () => emitEnum(sf, e, ctx) });
  for (const r of records) {
    items.push({ loc: r.loc, emit: () => emitRecord(sf, r, { layout, abi, names, ctx, pointers: model.userPointers.filter((p) => p.record === r) }) });
  }
  items.sort((a, b) => a.loc.line - b.loc.line);
  for (const item of items) item.emit();
  emitIoctlTable(sf, model, names);

  // Import just the runtime helpers the code calls.
  const strings: string[] = [];
  const collect = (x: unknown): void => {
    if (typeof x === "string") strings.push(x);
    else if (Array.isArray(x)) x.forEach(collect);
    else if (x && typeof x === "object") Object.values(x).forEach(collect);
  };
  collect(sf);
  const body = strings.join("\n");
  const helpers = RUNTIME_HELPERS.filter((h) => new RegExp(`\\b${h}\\(`).test(body));
  if (helpers.length) sf.splice(1, 0, { kind: StructureKind.ImportDeclaration, moduleSpecifier: opts.runtimeImport, namedImports: helpers.map((name) => ({ name })) });
  const project = new Project({ useInMemoryFileSystem: true });
  const text = project.createSourceFile("module.ts", { statements: sf }, { overwrite: true }).getFullText();
  // babel-ts gives the same output as the "typescript" parser here, a third faster.
  return prettier.format(text, { parser: "babel-ts", printWidth: 100 });
}

function fileComment(sf: Statements, model: HeaderModel, opts: EmitOptions, ctx: LinkContext): void {
  const header = headerName(model.file);
  const lines = [
    `Bindings for \`<${header}>\`, generated by uapigen${opts.provenance ? ` from ${opts.provenance}` : ""}.`,
    "Do not edit: regenerate with `npm run generate`.",
  ];
  for (const d of model.docs) {
    lines.push("", `## ${inlineText(d.title, ctx)}`, "", declarationDoc(d.doc, ctx));
  }
  lines.push("", "@packageDocumentation");
  sf.push(`/**\n${lines.map((l) => (l ? ` * ${l}` : " *")).join("\n").replace(/\n(?! \*)/g, "\n * ")}\n */\n`);
}

export function headerName(file: string): string {
  const parts = file.split(path.sep);
  const i = parts.lastIndexOf("linux");
  return i >= 0 ? parts.slice(i).join("/") : path.basename(file);
}

function emitConstant(sf: Statements, c: ConstantDecl, ctx: LinkContext): void {
  const extra = [`C: \`#define ${c.name}\` = ${c.value.v}${c.ioctl ? ` (ioctl request: ${c.ioctl.direction}, type ${c.ioctl.type}, nr ${c.ioctl.nr}, size ${c.ioctl.size})` : ""}`];
  const doc = c.doc && c.doc.name === c.name ? declarationDoc(c.doc, ctx, extra) : c.comment ? `${inlineComment(c.comment.text, ctx)}\n\n${extra[0]}` : extra[0]!;
  sf.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [doc],
    // Request numbers fit 32 bits on every architecture; they are numbers, like fd arguments.
    declarations: [{ name: c.name, initializer: numberLiteral(c.value.v, c.ioctl ? 32 : c.value.t.bits, c.ioctl !== undefined || c.value.v > 255n) }],
  });
}

function inlineComment(text: string, ctx: LinkContext): string {
  return inlineText(text.replace(/^\/\*+|\*+\/$/g, "").replace(/\n\s*\*\s?/g, " ").trim(), ctx);
}

function emitEnum(sf: Statements, e: EnumDecl, ctx: LinkContext): void {
  const paramDoc = (name: string) => {
    const p = e.doc?.params.find((x) => x.name === name);
    return p ? inlineText(p.lines.map((l) => l.text.trim()).join(" "), ctx) : undefined;
  };
  for (const x of e.enumerators) {
    sf.push({
    kind: StructureKind.VariableStatement,
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: [[paramDoc(x.name), `C: enumerator of \`enum ${e.tag ?? "<anonymous>"}\` = ${x.value.v}`].filter(Boolean).join("\n\n")],
      declarations: [{ name: x.name, initializer: numberLiteral(x.value.v, x.value.t.bits, false) }],
    });
  }
  if (!e.tag) return;
  const docs = [declarationDoc(e.doc, ctx, [`C: \`enum ${e.tag}\``])];
  sf.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs,
    declarations: [{ name: e.tag, initializer: `{ ${e.enumerators.map((x) => `${x.name}: ${x.name}`).join(", ")} } as const` }],
  });
  sf.push({ kind: StructureKind.TypeAlias, isExported: true, docs, name: e.tag, type: e.enumerators.length ? `(typeof ${e.tag})[keyof typeof ${e.tag}]` : "never" });
}

function emitIoctlTable(sf: Statements, model: HeaderModel, names: RecordNames): void {
  const rows = model.constants.filter((c) => c.ioctl).map((c) => {
    const io = c.ioctl!;
    const fields = [`name: "${c.name}"`, `request: ${c.name}`, `direction: "${io.direction}"`];
    if (io.argument) fields.push(`argument: ${names.of(io.argument)}`);
    if (io.scalarArgument) fields.push(`scalarArgument: "${cSpelling(io.scalarArgument)}"`);
    if (io.documentedDirection) fields.push(`documentedDirection: "${io.documentedDirection}"`);
    return `${c.name}: { ${fields.join(", ")} }`;
  });
  sf.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [
      "Every ioctl of the header: its request number, its argument codec (from the kerneldoc, or the reviewed override file), the direction encoded in the request and the data direction the documentation gives.",
    ],
    declarations: [{ name: "ioctls", initializer: `{ ${rows.join(",\n")} } as const satisfies Record<string, IoctlInfo>` }],
  });
}
