// The main header's object-like #defines: integer constants (evaluated through the real
// asm/ioctl.h macros, so request numbers follow the target's _IOC encoding) and the rest.
import { InputError } from "../diagnostics.js";
import { isKernelDocComment, parseKernelDoc } from "../parse/kerneldoc.js";
import { ExpansionBudget, Expander } from "../parse/expander.js";
import { MAX_EXPANSION_TOKENS, type Macro, type TranslationUnit } from "../parse/preprocess.js";
import type { Abi } from "./abi.js";
import { evaluate, type EvalEnv } from "./consteval.js";
import { token, type Token } from "../parse/lexer.js";
import type { ConstantDecl, IoctlDirection, OtherDefine, RecordDecl, TypeRef } from "./ir.js";

const IOCTL_MACROS = new Set(["_IO", "_IOR", "_IOW", "_IOWR", "_IOR_BAD", "_IOW_BAD", "_IOWR_BAD"]);

/**
 * The _IO*(type, nr, argument) invocation the macro's definition reaches, through object-like
 * macros (`#define FIX_ALIAS FIX_IOR`): its macro name and the argument's tokens.
 */
function requestInvocation(m: Macro, macros: Map<string, Macro>, seen = new Set<string>()): { macro: string; argument: Token[] } | undefined {
  seen.add(m.name);
  for (let i = 0; i < m.body.length; i++) {
    const t = m.body[i]!;
    if (t.kind !== "ident") continue;
    // `#define _SIO _IO` (soundcard.h): an alias of a request macro is one too.
    let name = t.text;
    for (let alias = macros.get(name), n = 0; alias && !alias.params && alias.body.length === 1 && n < 8; alias = macros.get(name), n++) name = alias.body[0]!.text;
    if (IOCTL_MACROS.has(name) && m.body[i + 1]?.text === "(") {
      const args: Token[][] = [[]];
      let depth = 0;
      for (let k = i + 2; k < m.body.length; k++) {
        const a = m.body[k]!;
        if (a.text === "(") depth++;
        if (a.text === ")" && depth-- === 0) break;
        if (a.text === "," && depth === 0) args.push([]);
        else args[args.length - 1]!.push(a);
      }
      return { macro: name, argument: args[2] ?? [] };
    }
    const inner = macros.get(t.text);
    if (inner && !inner.params && !seen.has(inner.name)) {
      const found = requestInvocation(inner, macros, seen);
      if (found) return found;
    }
  }
  return undefined;
}

export function decodeRequest(abi: Abi, request: bigint): { direction: IoctlDirection; type: number; nr: number; size: number } {
  const { nrBits, typeBits, sizeBits, dirBits } = abi.ioc;
  const field = (shift: number, bits: number) => Number((request >> BigInt(shift)) & ((1n << BigInt(bits)) - 1n));
  const nr = field(0, nrBits);
  const type = field(nrBits, typeBits);
  const size = field(nrBits + typeBits, sizeBits);
  const dir = field(nrBits + typeBits + sizeBits, dirBits);
  const read = (dir & abi.ioc.read) !== 0;
  const write = (dir & abi.ioc.write) !== 0 && abi.ioc.write !== 0;
  const direction: IoctlDirection = read && write ? "readwrite" : read ? "read" : write ? "write" : "none";
  return { direction, type, nr, size };
}

export function evaluateDefines(
  tu: TranslationUnit,
  env: EvalEnv,
  abi: Abi,
  tags: Map<string, unknown>,
  scalarType: (spelling: string) => TypeRef | undefined,
): { constants: ConstantDecl[]; other: OtherDefine[] } {
  const constants: ConstantDecl[] = [];
  const other: OtherDefine[] = [];
  for (const m of tu.mainDefines) {
    // Only the definition in force at the end of the header counts; an #undef'd one is gone.
    if (tu.macros.get(m.name) !== m) continue;
    if (m.body.length === 0) {
      other.push({ name: m.name, loc: m.loc, reason: "empty (a flag or include guard)", unevaluated: false });
      continue;
    }
    const site = token("ident", m.name, m.loc, false, m.body[0]!.spaceBefore);
    let value;
    try {
      // Each #define on its own budget: one that expands to too much is not emitted, with a warning.
      const expander = new Expander(tu.macros, new ExpansionBudget(MAX_EXPANSION_TOKENS));
      value = evaluate(expander.expand([site]).filter((t) => t.kind !== "comment"), env, site);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const text = m.body.some((t) => t.kind === "string");
      other.push({ name: m.name, loc: m.loc, reason: text ? "a string" : `not an integer constant: ${err.diagnostic.message}`, unevaluated: !text });
      continue;
    }
    const decl: ConstantDecl = { kind: "constant", name: m.name, value, loc: m.loc };
    if (m.comment) {
      decl.comment = { text: m.comment.text, loc: m.comment.loc };
      if (isKernelDocComment(m.comment.text)) decl.doc = parseKernelDoc(m.comment.text, m.comment.loc);
    }
    const invocation = requestInvocation(m, tu.macros);
    if (invocation) {
      const request = BigInt.asUintN(64, value.v);
      decl.ioctl = { name: m.name, request, ...decodeRequest(abi, request) };
      // _IOR(type, nr, struct x): the argument is named by the macro itself.
      const arg = invocation.argument.map((t) => t.text).join(" ");
      const record = /^(?:struct|union) (\w+)$/.exec(arg)?.[1];
      if (record && tags.has(record)) {
        decl.ioctl.argument = tags.get(record) as RecordDecl;
        decl.ioctl.argumentSource = "macro";
      } else if (arg && !record) {
        decl.ioctl.scalarArgument = scalarType(arg);
        if (decl.ioctl.scalarArgument) decl.ioctl.argumentSource = "macro";
      }
    }
    constants.push(decl);
  }
  return { constants, other };
}
