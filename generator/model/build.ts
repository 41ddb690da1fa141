// parse -> model: preprocess a header for one ABI, parse it with tree-sitter, build typed
// declarations, evaluate its constants and ioctls, and attach what the kerneldoc says.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DeclarationBuilder } from "../parse/declarations.js";
import { BUILTIN_TYPE_WORDS, builtinName } from "../parse/type-names.js";
import { readComment } from "../parse/kerneldoc.js";
import type { KernelDoc } from "../ir/kerneldoc.js";
import { preprocess } from "../parse/preprocess.js";
import { parseUnit } from "../parse/tree.js";
import { ABIS, GNU_KEYWORDS, longBits, type Abi } from "../target/abi.js";
import { associate } from "./associate.js";
import type { Overrides } from "./overrides.js";
import { evaluateDefines } from "./constants.js";
import type { Comment, ConstantDecl, DocSection, EnumDecl, HeaderModel, TypeRef } from "../ir/decls.js";
import { LayoutEngine } from "../target/layout.js";

export interface BuildOptions {
  abi: Abi;
  /** -I directories, searched in order. Defaults to defaultIncludeDirs(header). */
  includeDirs?: string[];
  overrides?: Overrides;
  overridesFile?: string;
  readFile?: (file: string) => string | undefined;
  /** Included before the header (gcc's -include), after uapigen's prelude (PRELUDE). */
  forceIncludes?: string[];
  /** Leave out the prelude (tests of the bare preprocessor). */
  noPrelude?: boolean;
}

/**
 * The C user's prelude every header gets: <linux/ioctl.h> and size_t (the package's prelude/,
 * two levels up from dist/model/).
 */
export const PRELUDE = fileURLToPath(new URL("../../prelude/uapigen-prelude.h", import.meta.url));

/**
 * `#define IPPROTO_IP IPPROTO_IP` after `enum { IPPROTO_IP = 0, ... }` (so #ifdef works) names
 * the enumerator the module exports already: one export per name, the enumerator's. A #define of
 * another value (pkt_sched.h's `#define __TC_MQPRIO_MODE_MAX (__TC_MQPRIO_MODE_MAX - 1)`) is what
 * C code sees under that name: it stays, and the emitter exports it instead of the enumerator.
 */
function withoutEnumeratorAliases(constants: ConstantDecl[], enums: EnumDecl[]): ConstantDecl[] {
  const enumerators = new Map(enums.flatMap((e) => e.enumerators.map((x) => [x.name, x.value.v] as const)));
  return constants.filter((c) => enumerators.get(c.name) !== c.value.v);
}

/** The prelude needs the uAPI tree's own headers; a tree without them (a test's) goes without. */
function preludeResolves(dirs: string[], readFile?: (file: string) => string | undefined): boolean {
  return ["linux/ioctl.h", "linux/posix_types.h"].every((h) => resolves(dirs, h, readFile));
}

export interface BuiltHeader {
  model: HeaderModel;
  layout: LayoutEngine;
  /** Every file the header pulled in (for change detection). */
  files: string[];
}

/**
 * Compiler-style default: the folder above the header's `linux/` (so `<linux/types.h>` works),
 * and that folder's multiarch `<triplet>/` for `<asm/...>`, as Debian installs them.
 */
export function defaultIncludeDirs(header: string, abi: Abi): string[] {
  const dir = path.dirname(path.resolve(header));
  const root = path.basename(dir) === "linux" ? path.dirname(dir) : dir;
  const dirs = [root];
  const arch = path.join(root, abi.triplet);
  if (fs.existsSync(arch)) dirs.push(arch);
  return dirs;
}

/**
 * The -I list for one architecture: `dirs` as given, except that a directory named after a
 * multiarch triplet (`headers/7.3/x86_64-linux-gnu`) stands for the asm/ headers and becomes the
 * row's own; no `dirs` means the compiler-style default.
 */
export function includeDirsFor(header: string, abi: Abi, dirs?: string[]): string[] {
  const triplets = new Set(Object.values(ABIS).map((a) => a.triplet));
  const given = dirs?.length ? dirs.map((d) => (triplets.has(path.basename(d)) ? path.join(path.dirname(d), abi.triplet) : d)) : defaultIncludeDirs(header, abi);
  // After them, as gcc searches: uapigen's freestanding headers (stddef.h, limits.h, ...), then
  // the system's directories, the row's multiarch one first.
  const system = [path.join(SYSTEM_INCLUDE, abi.triplet), SYSTEM_INCLUDE].filter((d) => !given.some((g) => path.resolve(g) === d) && fs.existsSync(d));
  return [...given, RESOURCE_INCLUDE, ...system];
}

/**
 * The rows a run serves when none are asked for: like a compiler, every row the include path has
 * asm/ headers for (a vendored tree has them all; a system's /usr/include only its own).
 */
export function rowsWithAsmHeaders(headers: string[], abis: Abi[], dirs?: string[]): Abi[] {
  return abis.filter((abi) => headers.every((h) => hasAsmHeaders(includeDirsFor(h, abi, dirs))));
}

/** uapigen's own freestanding headers, as a compiler ships them (generator/include/). */
export const RESOURCE_INCLUDE = fileURLToPath(new URL("../../include", import.meta.url));

/** Where the system's headers are (Debian's linux-libc-dev and libc). */
export const SYSTEM_INCLUDE = "/usr/include";

/** Whether `name` resolves in an include list (through `readFile` when the files are virtual). */
function resolves(dirs: string[], name: string, readFile?: (file: string) => string | undefined): boolean {
  return dirs.some((d) => (readFile ? readFile(path.join(d, name)) !== undefined : fs.existsSync(path.join(d, name))));
}

/** Whether an include list has the asm/ headers of its architecture (a tree may have only some). */
export function hasAsmHeaders(dirs: string[]): boolean {
  return resolves(dirs, "asm/types.h");
}

export function buildHeader(header: string, opts: BuildOptions): BuiltHeader {
  const file = path.resolve(header);
  const abi = opts.abi;
  const includeDirs = opts.includeDirs ?? defaultIncludeDirs(file, abi);
  const tu = preprocess(file, {
    includeDirs,
    predefined: { ...GNU_KEYWORDS, ...abi.predefined },
    longBits: longBits(abi),
    readFile: opts.readFile,
    forceIncludes: [...(opts.noPrelude || !preludeResolves(includeDirs, opts.readFile) ? [] : [PRELUDE]), ...(opts.forceIncludes ?? [])],
  });
  const unit = parseUnit(tu.tokens);
  const layout = new LayoutEngine(abi);
  const builder = new DeclarationBuilder(unit, layout);
  const decls = builder.build();
  const inMain = <T extends { loc: { file: string } }>(xs: T[]) => xs.filter((x) => x.loc.file === file);

  // A scalar ioctl argument as spelled in a macro or a doc: `__u32`, `__s32`, `char`.
  const scalarType = (name: string): TypeRef | undefined => {
    const td = decls.typedefsByName.get(name);
    if (td) return { kind: "typedef", decl: td };
    const words = name.split(" ");
    if (words.every((w) => BUILTIN_TYPE_WORDS.has(w))) return { kind: "builtin", name: builtinName(words, { file, line: 1, column: 1 }) };
    return undefined;
  };
  const { constants, other } = evaluateDefines(tu, builder.evalEnv(), abi, decls.tags, scalarType);
  const docs: DocSection[] = [];
  const kerneldocs: KernelDoc[] = [];
  const looseDocs: KernelDoc[] = [];
  const comments: Comment[] = [];
  for (const t of tu.tokens) {
    if (t.kind !== "comment" || t.loc.file !== file) continue;
    const comment = readComment(t.text, t.loc);
    comments.push(comment);
    const { doc, kernelDoc } = comment.reading;
    if (doc && !kernelDoc) looseDocs.push(doc);
    if (!doc || !kernelDoc) continue;
    kerneldocs.push(doc);
    if (doc.kind === "doc") docs.push({ kind: "doc", title: doc.name, doc, loc: t.loc, comment });
  }
  const model: HeaderModel = {
    file,
    displayName: header,
    records: inMain(decls.records),
    enums: inMain(decls.enums),
    typedefs: inMain(decls.typedefs),
    constants: withoutEnumeratorAliases(constants, inMain(decls.enums)),
    otherDefines: other,
    docs,
    kerneldocs,
    looseDocs,
    comments,
    macroNames: [...tu.macros.values()].filter((m) => !m.builtin).map((m) => m.name),
    inactiveNames: tu.inactiveNames,
    macros: [...tu.macros.values()]
      .filter((m) => !m.builtin && m.loc.file === file)
      .map((m) => ({ name: m.name, loc: m.loc, comment: m.comment ? readComment(m.comment.text, m.comment.loc) : undefined })),
    userPointers: [],
    trailingPolicies: [],
    capabilities: [],
    all: { records: decls.records, enums: decls.enums, typedefs: decls.typedefs },
  };
  // Every record of the header must have a layout: an incomplete one is an error here, not a
  // hole in the bindings.
  for (const r of model.records) layout.record(r);
  associate(
    model,
    {
      tag: (name) => {
        const d = decls.tags.get(name);
        return d && d.kind !== "enum" ? d : undefined;
      },
      type: scalarType,
    },
    opts.overrides ?? {},
    opts.overridesFile ?? "<overrides>",
  );
  return { model, layout, files: tu.files };
}

