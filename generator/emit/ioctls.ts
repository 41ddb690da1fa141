// The typed-call module of a header (`<header>-ioctls.ts`): one function per ioctl, named after
// it (`iommuIoasMap` for IOMMU_IOAS_MAP, names.ts), over the runtime's callStruct/callValue.
// Kept apart from the codecs so that a consumer who only needs layouts does not load the shim.
import type { HeaderModel, IoctlDecl, RecordDecl } from "../ir/decls.js";
import type { SourceLocation } from "../ir/diagnostics.js";
import { sizeMemberName } from "../model/conventions.js";
import type { RecordNames } from "./records.js";
import { generatorVersion } from "./version.js";
import { declarationDoc, type LinkContext } from "./tsdoc.js";
import { symbol } from "./print/marks.js";
import { ModuleFile, type ImportFrom } from "./print/module-file.js";
import { addStatements } from "./module.js";
import { callNames, initName, NameTable, type CallForm } from "./names.js";
import { calls as CALLS, CODEGEN, jsdoc, runtimeCallNames } from "./symbols.js";

/** A typed call, as its code is written. */
interface FunctionDeclarationStructure {
  isExported: true;
  /** The request the call is for: a name clash is reported there. */
  loc: SourceLocation;
  isAsync?: boolean;
  name: string;
  docs: string[];
  parameters: { name: string; type: string; initializer?: string; hasQuestionToken?: boolean }[];
  returnType: string;
  statements: string[];
}

function functionCode(f: FunctionDeclarationStructure): string {
  const params = f.parameters.map((p) => `${p.name}${p.hasQuestionToken ? "?" : ""}: ${p.type}${p.initializer ? ` = ${p.initializer}` : ""}`);
  return `${jsdoc(f.docs[0]!)}\nexport ${f.isAsync ? "async " : ""}function ${f.name}(${params.join(", ")}): ${f.returnType} {\n${f.statements.join("\n")}\n}`;
}

const callOf = (name: string) => CALLS[name as keyof typeof CALLS];

export interface IoctlModuleOptions {
  /** The codec module, relative to the output: `./iommufd.js`. */
  codecImport: string;
  /** The runtime's call module: `../runtime/call.js`. */
  callImport: string;
}

/** `names` refers to every record as a type-only symbol of the module that emits it (recordNames). */
export async function emitIoctlModule(model: HeaderModel, names: RecordNames, ctx: LinkContext, opts: IoctlModuleOptions): Promise<string> {
  const functions: FunctionDeclarationStructure[] = [];
  const callName = callNames(model.constants.filter((c) => c.ioctl).map((c) => c.name));
  /** The records' names the calls import (as types). */
  const imported = new Set<string>();
  for (const c of model.constants) {
    const io = c.ioctl;
    if (!io) continue;
    const row = `${symbol("ioctls", opts.codecImport)}.${c.name}`;
    if (io.argument) {
      const t = names.of(io.argument);
      const ref = names.ref(io.argument);
      imported.add(t).add(initName(t));
      const pointers = model.userPointers.filter((p) => p.record === io.argument).map((p) => JSON.stringify(p.member));
      const flexible = io.argument.members?.at(-1);
      const sizeMember = sizeMemberName(io.argument);
      const trailing = sizeMember !== undefined && flexible?.name && flexible.type.kind === "array" && flexible.type.length === null ? flexible.name : undefined;
      let args = pointers.length ? `${CALLS.CallArgs}<${ref.init}, ${pointers.join(" | ")}>` : ref.init;
      if (trailing) args += ` & { readonly ${trailing}?: ArrayBufferView }`;
      const capabilities = model.capabilities.filter((c) => c.info === io.argument).map((c) => capabilityType(c.record, names, imported));
      const returns = capabilities.length ? `${ref.codec} & ${CALLS.Trailing}<${capabilities.join(" | ")}>` : trailing || io.argument.members?.some((m) => m.name === "cap_offset") ? `${ref.codec} & ${CALLS.Trailing}` : ref.codec;
      const doc = [`\`ioctl(fd, ${c.name}, &${io.argument.kind} ${t})\`: encodes \`args\`, calls, and returns the struct as the kernel left it.`, legacyNote(io), declarationDoc(io.argument.doc, ctx)];
      if (pointers.length) doc.push(`User-pointer members (${pointers.join(", ")}) take buffers; their counts are set from the buffers' lengths, or checked against them.`);
      if (trailing) doc.push(`\`${trailing}\` takes the bytes that follow the struct; the size member covers them.`);
      // The struct's docs once, on the plain call; its Async and Unsafe forms link to it.
      const fn = (form: CallForm, call: string, ret: string, argType: string, extra: string[] = [], isAsync = false, linkTo?: string): FunctionDeclarationStructure => ({
        isExported: true,
        isAsync,
        name: callName(c.name, form),
        loc: c.loc,
        docs: [[...(linkTo ? [`{@link ${linkTo}}, ${isAsync ? "asynchronously" : "unchecked"}: \`ioctl(fd, ${c.name}, &${io.argument!.kind} ${t})\`.`, legacyNote(io)] : doc), ...extra].filter(Boolean).join("\n\n")],
        parameters: [{ name: "fd", type: "number" }, { name: "args", type: argType, initializer: "{}" }],
        returnType: ret,
        statements: [`return ${callOf(call)}<${isAsync ? ret.slice("Promise<".length, -1) : ret}>(fd, ${row}, args${call === "callStructUnsafe" && trailing ? ", trailing" : ""});`],
      });
      // A flexible array the kernel reads without a size member to bound it: no safe call can
      // know how far it reads past the struct.
      const unbounded = sizeMember === undefined && flexible?.type.kind === "array" && flexible.type.length === null;
      if (unbounded) {
        const unsafe = fn("Unsafe", "callStructUnsafe", ref.codec, ref.init, ["UNSAFE: the struct ends in a flexible array and has no size member, so nothing bounds what the kernel reads after it; pass those bytes as `trailing`."]);
        unsafe.statements = [`return ${CALLS.callStructUnsafe}<${ref.codec}>(fd, ${row}, args, trailing);`];
        unsafe.parameters!.push({ name: "trailing", type: "ArrayBufferView", hasQuestionToken: true });
        functions.push(unsafe);
        continue;
      }
      functions.push(fn("", "callStruct", returns, args));
      functions.push(fn("Async", "callStructAsync", `Promise<${returns}>`, args, ["Runs on the libuv thread pool; the struct and buffers are copied into (or pinned as) runtime memory for the call."], true, callName(c.name)));
      if (pointers.length || trailing) {
        const unsafe = fn("Unsafe", "callStructUnsafe", ref.codec, sizeMember !== undefined ? `${ref.init} & { ${sizeMember}?: number }` : ref.init, ["UNSAFE: user-pointer members are raw addresses and the size member is the caller's; nothing checks that the kernel stays inside memory that is large enough and alive."], false, callName(c.name));
        if (trailing) unsafe.parameters!.push({ name: "trailing", type: "ArrayBufferView", hasQuestionToken: true });
        functions.push(unsafe);
      }
    } else {
      functions.push(...scalarCall(c.name, c.loc, io, row, callName));
    }
  }
  const table = new NameTable();
  for (const n of ["ioctls", ...runtimeCallNames, ...imported]) table.claim(n, `the '${n}' the calls import`);
  for (const f of functions) table.claim(f.name, `the typed call ${f.name}`, f.loc);
  // A header without requests still gets its calls module (one pair per header), with nothing to import.
  const file = new ModuleFile();
  addStatements(file, functions.map((f) => ({ code: functionCode(f), block: true })), true);
  // Then the included headers' modules, by specifier.
  const order: ImportFrom[] = [{ key: CODEGEN, specifier: opts.callImport, style: "split" }, { key: opts.codecImport, specifier: opts.codecImport, style: "split" }];
  file.insert(0, functions.length ? file.imports(order, "split") : "export {};");
  file.insert(0, `/**\n * Typed ioctl calls for \`<${model.displayName.split("/").slice(-2).join("/")}>\`, generated by uapigen. Do not edit.\n * @generated by uapigen v${generatorVersion()}\n *\n * @packageDocumentation\n */`);
  return file.print();
}

/** Where a request's argument comes from when the number does not encode it (tty's 0x5413). */
function legacyNote(io: IoctlDecl): string {
  return io.legacy ? `\`${io.name}\` is a legacy request number, not _IOC-encoded: its direction and argument are the reviewed override file's.` : "";
}

/** A capability's decoded type: its struct, with its flexible array of records where it has one. */
function capabilityType(r: RecordDecl, names: RecordNames, imported: Set<string>): string {
  imported.add(names.of(r));
  const t = names.ref(r).codec;
  const last = r.members?.at(-1);
  let element = last?.type.kind === "array" && last.type.length === null ? last.type.element : undefined;
  while (element?.kind === "typedef") element = element.decl.type;
  if (!last?.name || element?.kind !== "record") return t;
  imported.add(names.of(element.decl));
  const e = names.ref(element.decl).codec;
  return `(${t} & { readonly ${last.name}?: ${e}[] })`;
}

/**
 * An ioctl without a struct: a scalar by value, through a pointer to runtime memory, a string,
 * or nothing. What uapigen cannot tell (an `_IO` request whose docs name a type but not how it
 * is passed; a sized request of unknown type) gets only an Unsafe call.
 */
function scalarCall(name: string, loc: SourceLocation, io: IoctlDecl, row: string, callName: (request: string, form?: CallForm) => string): FunctionDeclarationStructure[] {
  const type = io.scalarArgument ? (io.scalarArgument.kind === "typedef" ? io.scalarArgument.decl.name : io.scalarArgument.kind === "builtin" ? io.scalarArgument.name : "value") : undefined;
  const fdParam = { name: "fd", type: "number" };
  const exported = (fname: string, docs: string, params: FunctionDeclarationStructure["parameters"], returnType: string, statement: string): FunctionDeclarationStructure => ({
    isExported: true,
    loc,
    name: fname,
    docs: [[docs, legacyNote(io)].filter(Boolean).join("\n\n")],
    parameters: [fdParam, ...(params ?? [])],
    returnType,
    statements: [statement],
  });
  const unsafe = () => {
    return exported(
      callName(name, "Unsafe"),
      `UNSAFE: \`ioctl(fd, ${name}, arg)\` with \`arg\` passed as is; uapigen does not know whether the kernel reads it as a value or as an address.`,
      [{ name: "arg", type: "number | bigint", hasQuestionToken: true }],
      "number",
      `return ${CALLS.callValue}(fd, ${row}, arg);`,
    );
  };
  if (io.scalarPassing === "string") {
    return [exported(callName(name), `\`ioctl(fd, ${name}, "name")\`: the kernel reads a NUL-terminated string; returns the kernel's return value.`, [{ name: "value", type: "string" }], "number", `return ${CALLS.callString}(fd, ${row}, value);`), unsafe()];
  }
  if (io.scalarPassing === "pointer") {
    // The width, per architecture, and the directions are in the ioctls table (scalarFacts).
    // 64 bits on some architecture: a bigint everywhere (as the table's `wide` says).
    const wide = io.size === 8 || /\blong\b|64/.test(type ?? "");
    const reads = io.direction === "none" ? io.documentedDirection === "write" || io.documentedDirection === "readwrite" : io.direction !== "read";
    const writes = io.direction === "none" ? io.documentedDirection === "read" || io.documentedDirection === "readwrite" : io.direction !== "write";
    const ret = wide ? "bigint" : "number";
    const doc = `\`ioctl(fd, ${name}, &value)\` with a \`${type ?? "value"}\` in runtime memory${reads ? " holding `value`" : ""}; returns ${writes ? "the value the kernel left there" : "it unchanged"}.`;
    return [exported(callName(name), doc, [{ name: "value", type: wide ? "bigint" : "number", hasQuestionToken: !reads }], ret, `return ${CALLS.callScalar}(fd, ${row}, value) as ${ret};`), unsafe()];
  }
  if (io.scalarPassing === "value") {
    return [exported(callName(name), `\`ioctl(fd, ${name}, value)\` with a \`${type}\` passed by value; returns the kernel's return value.`, [{ name: "value", type: "number | bigint" }], "number", `return ${CALLS.callValue}(fd, ${row}, value);`)];
  }
  if (io.direction === "none" && !type) {
    return [exported(callName(name), `\`ioctl(fd, ${name})\`: no argument; returns the kernel's return value.`, [], "number", `return ${CALLS.callValue}(fd, ${row});`), unsafe()];
  }
  return [unsafe()];
}
