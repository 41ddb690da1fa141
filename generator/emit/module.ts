// model -> one TypeScript module per header, written as code text and laid out by print/.
// Output is deterministic: no timestamps, no absolute paths, declarations in header order.
import path from "node:path";
import type { ConstantDecl, EnumDecl, HeaderModel, IoctlDecl } from "../ir/decls.js";
import { emitRecord, type Statements } from "./record-code.js";
import { distinct, pickByVariant } from "./variant-code.js";
import { cSpelling } from "../ir/decls.js";
import type { RecordNames } from "./records.js";
import { generatorVersion } from "./version.js";
import { declarationDoc, inlineText, type LinkContext } from "./tsdoc.js";
import { callName, callNames, emittedRecords, initName, keyCheckName, layoutName, NameTable, recordNames, viewName } from "./names.js";
import { moduleVariants, type AbiUnit, type ModuleVariants } from "./variants.js";
import { ModuleFile } from "./print/module-file.js";
import { CODEC, EMPTY, jsdoc, LE, NONE, rt, runtimeNames, V } from "./symbols.js";

export interface EmitOptions {
  /** Module specifier of the runtime codec helpers, relative to the output file. */
  runtimeImport: string;
  /** Where the header came from, for the file comment (e.g. linux-libc-dev 7.3.4-1~bpo13+1). */
  provenance?: string;
  /** The header as C includes it (`asm/kvm.h`); by default from the model's file (`linux/...`). */
  header?: string;
  /**
   * Set for an included header's module (plan.ts): the headers whose modules use its records.
   * It has no constants and no ioctls table, just those records and enums.
   */
  usedBy?: string[];
  /** Records of other modules that this one's code refers to: name -> module specifier. */
  imports?: ReadonlyMap<string, string>;
  /** The rows' variants, numbered for the whole run (shareVariants); by default the module's own. */
  variants?: ModuleVariants;
}

function numberLiteral(v: bigint, bits: number, hex: boolean): string {
  const text = hex && v >= 0n ? `0x${v.toString(16)}` : v.toString();
  return bits > 32 ? `${text}n` : text;
}

/** The module's own symbols and the records it imports, which docs may link to. */
export function linkContext(model: HeaderModel, names: RecordNames, imported: Iterable<string> = []): LinkContext {
  const symbols = new Set<string>(imported);
  for (const r of emittedRecords(model)) symbols.add(names.of(r));
  for (const e of model.enums) {
    if (e.tag) symbols.add(e.tag);
    for (const x of e.enumerators) symbols.add(x.name);
  }
  for (const c of model.constants) symbols.add(c.name);
  return { symbols };
}

/** Integer constants and enumerators of a model, with their C type's width. */
function integerValues(model: HeaderModel): Map<string, { v: bigint; bits: number; hex: boolean }> {
  const out = new Map<string, { v: bigint; bits: number; hex: boolean }>();
  for (const e of model.enums) for (const x of e.enumerators) out.set(x.name, { v: x.value.v, bits: x.value.t.bits, hex: false });
  // A #define named like an enumerator is what C code sees (withoutEnumeratorAliases).
  for (const c of model.constants) out.set(c.name, { v: c.value.v, bits: c.ioctl ? 32 : c.value.t.bits, hex: c.ioctl !== undefined || c.value.v > 255n });
  return out;
}

/** How a module's rows group into variants, its constants rendered as code (moduleVariants). */
export function variantsOf(units: AbiUnit[], imports: ReadonlyMap<string, string> = new Map()): ModuleVariants {
  // A constant 64 bits wide on any row is a bigint on all of them.
  const widest = new Map<string, number>();
  for (const u of units) for (const [n, x] of integerValues(u.model)) widest.set(n, Math.max(widest.get(n) ?? 0, x.bits));
  return moduleVariants(units, (m) => new Map([...integerValues(m)].map(([n, x]) => [n, numberLiteral(x.v, widest.get(n)!, x.hex)])), (name) => imports.get(name));
}

/**
 * One module for every ABI row in `units` (the first is the primary: its declarations, order and
 * docs are the module's); each row's layouts and values are selected at load time.
 */
export async function emitModule(units: AbiUnit[], opts: EmitOptions): Promise<string> {
  const primary = units[0]!;
  const model = primary.model;
  const imports = opts.imports ?? new Map<string, string>();
  const home = (name: string) => imports.get(name);
  const names = recordNames(model, home);
  const records = emittedRecords(model);
  const header = opts.header ?? headerName(model.file);
  const ctx = linkContext(model, names, imports.keys());
  const variants = opts.variants ?? variantsOf(units, imports);

  claimNames(model, names, imports, !opts.usedBy);

  const sf: Statements = [];
  // Keep the header's order: constants, enums and records as they appear.
  type Item = { loc: { file: string; line: number }; emit: () => void };
  const items: Item[] = [];
  for (const c of model.constants) items.push({ loc: c.loc, emit: () => emitConstant(sf, c, ctx, variants) });
  const defined = new Set(model.constants.map((c) => c.name));
  for (const e of model.enums) items.push({ loc: e.loc, emit: () => emitEnum(sf, e, ctx, variants, defined) });
  for (const r of records) {
    const rv = variants.records.get(names.of(r))!;
    items.push({ loc: r.loc, emit: () => emitRecord(sf, { ...rv.primary, ctx }, rv.codes, rv.elsewhere) });
  }
  items.sort((a, b) => a.loc.line - b.loc.line);
  for (const item of items) item.emit();
  if (!opts.usedBy) emitIoctlTable(sf, units, variants, names);

  // The body first: what it uses decides the declarations and imports before it.
  const file = new ModuleFile();
  addStatements(file, sf, true);
  const top: Statements = archSelection(header, variants, file.uses(LE), file.uses(V));
  if (file.uses(EMPTY)) top.push({ code: "/** Encodes absent nested members as zero. */\nconst EMPTY = Object.freeze({});" });
  if (file.uses(NONE)) top.push({ code: "const NONE: ArrayLike<never> = Object.freeze([]);" });
  for (const s of top.reverse()) file.insert(0, s.code);
  file.insert(0, file.imports([{ key: CODEC, specifier: opts.runtimeImport, style: "split" }]));
  file.insert(0, fileComment(model, header, opts, ctx, variants));
  return file.print();
}

/** The module's names (NameTable): its declarations, what it imports, and its own locals. */
function claimNames(model: HeaderModel, names: RecordNames, imports: ReadonlyMap<string, string>, withIoctls: boolean): void {
  const table = new NameTable();
  for (const n of ["ARCH", "LE", "V", "EMPTY", "NONE", ...(withIoctls ? ["ioctls"] : [])]) table.claim(n, `uapigen's module-level '${n}'`);
  for (const n of runtimeNames) table.claim(n, `the runtime's '${n}'`);
  for (const name of imports.keys()) for (const n of [name, initName(name), viewName(name)]) table.claim(n, `${n}, imported from ${imports.get(name)}`);
  for (const r of emittedRecords(model)) {
    const name = names.of(r);
    const what = `${r.kind} ${name}`;
    table.claim(name, what, r.loc);
    for (const [n, role] of [[initName(name), "Init type"], [viewName(name), "view"], [keyCheckName(name), "key check"], [layoutName(name), "layout table"]] as const) table.claim(n, `the ${role} of ${what}`, r.loc);
  }
  const defined = new Set(model.constants.map((c) => c.name));
  for (const c of model.constants) table.claim(c.name, `#define ${c.name}`, c.loc);
  for (const e of model.enums) {
    for (const x of e.enumerators) if (!defined.has(x.name)) table.claim(x.name, `enumerator ${x.name}`, e.loc);
    if (e.tag) table.claim(e.tag, `enum ${e.tag}`, e.loc);
  }
}

/**
 * Adds statements to a file, with a blank line around interfaces, classes and functions (not
 * before the first where nothing comes before it).
 */
export function addStatements(file: ModuleFile, sf: Statements, afterOthers: boolean): void {
  sf.forEach((s, i) => {
    file.add(s.code, (i > 0 || afterOthers) && (s.block === true || sf[i - 1]?.block === true));
  });
}

/** The load-time choice: the row, its byte order (LE) and the variant (V), where the code uses them. */
function archSelection(header: string, variants: ModuleVariants, usesLE: boolean, usesV: boolean): Statements {
  const rows = [...variants.variantOf].map(([name, v]) => `${JSON.stringify(name)}: ${v}`).join(", ");
  const select = `${rt.selectArch}(${JSON.stringify(header)}, { ${rows} })`;
  // Nothing depends on the row: the call still refuses a machine the module has no row for.
  if (!usesLE && !usesV) return [{ code: `/** Loading the module on a machine it has no ABI row for throws UnsupportedArchitectureError. */\n${select};` }];
  const out: Statements = [
    {
      code: `${jsdoc("The ABI row of the running machine (process.arch and os.endianness(), or the UAPIGEN_ARCH override) and the variant of this module's layouts and values it uses. Loading the module on a machine not listed throws UnsupportedArchitectureError.")}\nconst ARCH = ${select};`,
    },
  ];
  if (usesLE) out.push({ code: `${jsdoc("Byte order of members in the machine's own order (__u32, int, bitfields); __leN and __beN members have a fixed one.")}\nconst LE = ARCH.littleEndian;` });
  if (usesV) out.push({ code: `${jsdoc(variants.arches.map((a, v) => `${v}: ${a.join(", ")}`).join("; "))}\nconst V = ARCH.variant;` });
  return out;
}

/** `0x3b85` on all rows, or the value per variant with the rows that have it (for docs). */
function valueChoices(name: string, variants: ModuleVariants): { initializer: string; type?: string; perArch?: string } {
  const perVariant = variants.values.get(name)!;
  const choices = distinct(perVariant, (t) => t).map((c) => ({ variants: c.variants, text: c.value }));
  if (choices.length === 1) return { initializer: choices[0]!.text };
  const bigint = choices.some((c) => c.text.endsWith("n"));
  const type = `${bigint ? "bigint" : "number"}${choices.some((c) => c.text === "undefined") ? " | undefined" : ""}`;
  const rows = [...variants.variantOf.keys()];
  const inRowOrder = (vs: number[]) => rows.filter((r) => vs.includes(variants.variantOf.get(r)!));
  // The primary row's value, then the others with their rows.
  const perArch = `${choices[0]!.text} (${choices.slice(1).map((c) => `${c.text} on ${inRowOrder(c.variants).join(", ")}`).join("; ")})`;
  return { initializer: pickByVariant(choices), type, perArch };
}

function fileComment(model: HeaderModel, header: string, opts: EmitOptions, ctx: LinkContext, variants: ModuleVariants): string {
  const users = opts.usedBy?.map((h) => `\`<${h}>\``);
  const what = users
    ? `Bindings for the declarations of \`<${header}>\` that ${users.join(", ")} ${users.length > 1 ? "use (their modules import" : "uses (its module imports"} them from here)`
    : `Bindings for \`<${header}>\``;
  const lines = [
    `${what}, generated by uapigen${opts.provenance ? ` from ${opts.provenance}` : ""}.`,
    `@generated by uapigen v${generatorVersion()}`,
    "Do not edit: regenerate with `npm run generate`.",
    "",
    `Architectures: ${[...variants.variantOf.keys()].join(", ")}; the running machine's ${opts.usedBy ? "layouts" : "layouts, request numbers"} and byte order are chosen when the module loads.`,
  ];
  for (const d of model.docs) {
    lines.push("", `## ${inlineText(d.title, ctx)}`, "", declarationDoc(d.doc, ctx));
  }
  lines.push("", "@packageDocumentation");
  return `/**\n${lines.map((l) => (l ? ` * ${l}` : " *")).join("\n").replace(/\n(?! \*)/g, "\n * ")}\n */`;
}

export function headerName(file: string): string {
  const parts = file.split(path.sep);
  const i = parts.lastIndexOf("linux");
  return i >= 0 ? parts.slice(i).join("/") : path.basename(file);
}

function emitConstant(sf: Statements, c: ConstantDecl, ctx: LinkContext, variants: ModuleVariants): void {
  const value = valueChoices(c.name, variants);
  const onPrimary = value.perArch ? ` on ${variants.arches[0]![0]}` : "";
  const request = !c.ioctl
    ? ""
    : c.ioctl.legacy
      ? `; a legacy request, not _IOC-encoded: ${c.ioctl.direction}, as the override file declares${onPrimary}`
      : `; ${IOC_MACRO[c.ioctl.direction]}, type ${c.ioctl.type}, nr ${c.ioctl.nr}${c.ioctl.size ? `, size ${c.ioctl.size}${onPrimary}` : ""}`;
  const extra = [`C: \`#define ${c.name}\` = ${value.perArch ?? c.value.v}${request}`];
  const doc = c.doc && c.doc.name === c.name ? declarationDoc(c.doc, ctx, extra) : c.comment ? `${inlineComment(c.comment.text, ctx)}\n\n${extra[0]}` : extra[0]!;
  // Request numbers fit 32 bits on every architecture; they are numbers, like fd arguments.
  sf.push({ code: `${jsdoc(doc)}\nexport const ${c.name}${value.type ? `: ${value.type}` : ""} = ${value.initializer};` });
}

/** The macro a request's direction is written with. */
const IOC_MACRO = { none: "_IO", read: "_IOR", write: "_IOW", readwrite: "_IOWR" } as const;

function inlineComment(text: string, ctx: LinkContext): string {
  return inlineText(text.replace(/^\/\*+|\*+\/$/g, "").replace(/\n\s*\*\s?/g, " ").trim(), ctx);
}

/** `defined`: #define names, exported by emitConstant; an enumerator of such a name is not. */
function emitEnum(sf: Statements, e: EnumDecl, ctx: LinkContext, variants: ModuleVariants, defined: ReadonlySet<string>): void {
  const paramDoc = (name: string) => {
    const p = e.doc?.params.find((x) => x.name === name);
    return p ? inlineText(p.lines.map((l) => l.text.trim()).join(" "), ctx) : undefined;
  };
  for (const x of e.enumerators) {
    if (defined.has(x.name)) continue;
    const value = valueChoices(x.name, variants);
    const doc = [paramDoc(x.name), `C: enumerator of \`enum ${e.tag ?? "<anonymous>"}\` = ${value.perArch ?? x.value.v}`].filter(Boolean).join("\n\n");
    sf.push({ code: `${jsdoc(doc)}\nexport const ${x.name}${value.type ? `: ${value.type}` : ""} = ${value.initializer};` });
  }
  if (!e.tag) return;
  const doc = jsdoc(declarationDoc(e.doc, ctx, [`C: \`enum ${e.tag}\``]));
  // A #define's constant may come later in the module: its value, not its name (no TDZ).
  const members = e.enumerators.map((x) => `${x.name}: ${defined.has(x.name) ? valueChoices(x.name, variants).initializer : x.name}`);
  sf.push({ code: `${doc}\nexport const ${e.tag} = { ${members.join(", ")} } as const;` });
  sf.push({ code: `${doc}\nexport type ${e.tag} = ${e.enumerators.length ? `(typeof ${e.tag})[keyof typeof ${e.tag}]` : "never"};` });
}

/**
 * What the runtime needs to pass a scalar through a pointer: its width on each variant (`long`
 * is 4 bytes on 32-bit rows), whether the kernel reads it and whether it writes it.
 */
function scalarFacts(name: string, io: IoctlDecl, units: AbiUnit[], variants: ModuleVariants): string | undefined {
  if (io.scalarPassing !== "pointer") return undefined;
  const widths = variants.arches.map((rows) => {
    const unit = units.find((u) => u.abi.name === rows[0])!;
    const decl = unit.model.constants.find((c) => c.name === name)?.ioctl;
    return decl?.size || (decl?.scalarArgument ? unit.layout.sizeOf(decl.scalarArgument) : 0);
  });
  if (widths.some((w) => w !== 1 && w !== 2 && w !== 4 && w !== 8)) return undefined;
  const bytes = pickByVariant(distinct(widths, String).map((d) => ({ variants: d.variants, text: String(d.value) })));
  const type = io.scalarArgument ? cSpelling(io.scalarArgument) : "";
  const documented = io.direction === "none" ? io.documentedDirection : io.direction;
  const reads = documented === "write" || documented === "readwrite";
  const writes = documented === "read" || documented === "readwrite";
  const signed = /^(__s\d+|int|long|short|char|signed\b.*)$/.test(type);
  return `scalar: { bytes: ${bytes}, wide: ${widths.includes(8)}, signed: ${signed}, reads: ${reads}, writes: ${writes} }`;
}

function emitIoctlTable(sf: Statements, units: AbiUnit[], variants: ModuleVariants, names: RecordNames): void {
  const model = units[0]!.model;
  const requests = model.constants.filter((c) => c.ioctl);
  const callOf = callNames(requests.map((c) => c.name));
  const rows = requests.map((c) => {
    const io = c.ioctl!;
    const fields = [`name: "${c.name}"`, `request: ${c.name}`, `direction: "${io.direction}"`];
    // Named only where the runtime could not spell it from the request (callNames).
    const unsafe = callOf(c.name, "Unsafe");
    if (unsafe !== callName(c.name, "Unsafe")) fields.push(`unsafeCall: "${unsafe}"`);
    if (io.argument) fields.push(`argument: ${names.ref(io.argument).codec}`);
    if (io.scalarArgument) fields.push(`scalarArgument: "${cSpelling(io.scalarArgument)}"`);
    if (io.scalarPassing) fields.push(`scalarPassing: "${io.scalarPassing}"`);
    const scalar = scalarFacts(c.name, io, units, variants);
    if (scalar) fields.push(scalar);
    if (io.documentedDirection) fields.push(`documentedDirection: "${io.documentedDirection}"`);
    return `${c.name}: { ${fields.join(", ")} }`;
  });
  const doc = jsdoc(
    "Every ioctl of the header: its request number, its argument codec (from the kerneldoc, or the reviewed override file), the direction encoded in the request and the data direction the documentation gives.",
  );
  sf.push({ code: `${doc}\nexport const ioctls = { ${rows.join(",\n")} } as const satisfies Record<string, ${rt.IoctlInfo}>;` });
}
