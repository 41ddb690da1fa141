// The main header's object-like #defines: integer constants (evaluated through the real
// asm/ioctl.h macros, so request numbers follow the target's _IOC encoding) and the rest.
import { fail, InputError } from "../ir/diagnostics.js";
import { readComment } from "../parse/kerneldoc.js";
import { ExpansionBudget, Expander } from "../parse/expander.js";
import type { Macro } from "../parse/expander.js";
import { MAX_EXPANSION_TOKENS, type TranslationUnit } from "../parse/preprocess.js";
import type { Abi } from "../target/abi.js";
import { evaluate, type EvalEnv } from "../parse/consteval.js";
import type { Value } from "../ir/values.js";
import { token, type Token } from "../parse/lexer.js";
import type { ConstantDecl, IoctlDirection, OtherDefine, RecordDecl, TypeRef } from "../ir/decls.js";

const IOCTL_MACROS = new Set(["_IO", "_IOR", "_IOW", "_IOWR", "_IOR_BAD", "_IOW_BAD", "_IOWR_BAD"]);

interface Invocation {
  macro: string;
  argument: Token[];
}

/** The _IO*(...) invocation at body[i], if one starts there: its macro name and argument tokens. */
function invocationAt(body: Token[], i: number, macros: Map<string, Macro>): Invocation | undefined {
  // `#define _SIO _IO` (soundcard.h): an alias of a request macro is one too.
  let name = body[i]!.text;
  for (let alias = macros.get(name), n = 0; alias && !alias.params && alias.body.length === 1 && n < 8; alias = macros.get(name), n++) name = alias.body[0]!.text;
  if (!IOCTL_MACROS.has(name) || body[i + 1]?.text !== "(") return undefined;
  const args: Token[][] = [[]];
  let depth = 0;
  for (let k = i + 2; k < body.length; k++) {
    const a = body[k]!;
    if (a.text === "(") depth++;
    if (a.text === ")" && depth-- === 0) break;
    if (a.text === "," && depth === 0) args.push([]);
    else args[args.length - 1]!.push(a);
  }
  return { macro: name, argument: args[2] ?? [] };
}

/**
 * For each macro, the _IO*(type, nr, argument) invocation its definition reaches, depth first
 * in body order through object-like macros (`#define FIX_ALIAS FIX_IOR`). Every macro is searched
 * once and remembered, on an explicit stack: a chain of n aliases costs n steps, not n² steps
 * and n stack frames. A macro already on the search path is skipped (a cycle has no request).
 */
function requestFinder(macros: Map<string, Macro>): (m: Macro) => Invocation | undefined {
  const known = new Map<Macro, Invocation | null>();
  return (root) => {
    const path: { m: Macro; i: number }[] = [];
    const onPath = new Set<string>();
    const enter = (m: Macro) => {
      path.push({ m, i: 0 });
      onPath.add(m.name);
    };
    let result = known.get(root);
    if (result === undefined) enter(root);
    while (result === undefined) {
      const top = path[path.length - 1]!;
      if (top.i === top.m.body.length) {
        known.set(top.m, null);
        path.pop();
        onPath.delete(top.m.name);
        if (!path.length) result = null;
        continue;
      }
      const i = top.i++;
      if (top.m.body[i]!.kind !== "ident") continue;
      const direct = invocationAt(top.m.body, i, macros);
      if (direct) result = direct;
      const inner = direct ? undefined : macros.get(top.m.body[i]!.text);
      if (!inner || inner.params || onPath.has(inner.name)) continue;
      const found = known.get(inner);
      if (found === undefined) enter(inner);
      else if (found) result = found;
    }
    for (const f of path) known.set(f.m, result);
    return result ?? undefined;
  };
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

/**
 * Token copies evaluating one #define may place: past it the define is not emitted (a warning).
 * The largest of /usr/include/linux takes some 50,000.
 */
export const MAX_DEFINE_EXPANSION_TOKENS = MAX_EXPANSION_TOKENS;
/** Token copies evaluating all of a header's #defines may place: past it the run fails. The
 * headers of /usr/include/linux take some 100,000 at most. */
export const MAX_DEFINES_EXPANSION_TOKENS = 4 * MAX_EXPANSION_TOKENS;

export function evaluateDefines(
  tu: TranslationUnit,
  env: EvalEnv,
  abi: Abi,
  tags: Map<string, unknown>,
  scalarType: (spelling: string) => TypeRef | undefined,
): { constants: ConstantDecl[]; other: OtherDefine[] } {
  const constants: ConstantDecl[] = [];
  const other: OtherDefine[] = [];
  const requestInvocation = requestFinder(tu.macros);
  // An alias (`#define B A`) has A's value when evaluating A replaced only macros defined before
  // B: then B cannot have been among them, and a chain of n aliases costs n steps, not n².
  const order = new Map([...tu.macros.values()].map((m, i) => [m, i]));
  const evaluated = new Map<Macro, { value: Value; newest: number }>();
  let newest = -1;
  let left = MAX_DEFINES_EXPANSION_TOKENS;
  for (const m of tu.mainDefines) {
    // Only the definition in force at the end of the header counts; an #undef'd one is gone.
    if (tu.macros.get(m.name) !== m) continue;
    if (m.body.length === 0) {
      other.push({ name: m.name, loc: m.loc, reason: "empty (a flag or include guard)", unevaluated: false });
      continue;
    }
    const site = token("ident", m.name, m.loc, false, m.body[0]!.spaceBefore);
    const alias = m.body.length === 1 && m.body[0]!.kind === "ident" ? tu.macros.get(m.body[0]!.text) : undefined;
    const known = alias && !alias.params ? evaluated.get(alias) : undefined;
    let value: Value;
    if (known && known.newest < order.get(m)!) {
      value = known.value;
      newest = Math.max(known.newest, order.get(m)!);
    } else {
      newest = -1;
      const budget = new ExpansionBudget(Math.min(MAX_DEFINE_EXPANSION_TOKENS, left));
      try {
        const expander = new Expander(tu.macros, budget, (r) => (newest = Math.max(newest, order.get(r) ?? Infinity)));
        value = evaluate(expander.expand([site]).filter((t) => t.kind !== "comment"), env, site);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        if (budget.exhausted && budget.limit < MAX_DEFINE_EXPANSION_TOKENS) {
          fail("macro-expansion", `the header's #defines take more than ${MAX_DEFINES_EXPANSION_TOKENS} tokens of macro expansion to evaluate`, m.loc);
        }
        const text = m.body.some((t) => t.kind === "string");
        other.push({ name: m.name, loc: m.loc, reason: text ? "a string" : `not an integer constant: ${err.diagnostic.message}`, unevaluated: !text });
        continue;
      } finally {
        left -= budget.spent;
      }
    }
    evaluated.set(m, { value, newest });
    const decl: ConstantDecl = { kind: "constant", name: m.name, value, loc: m.loc };
    if (m.comment) {
      decl.comment = readComment(m.comment.text, m.comment.loc);
      if (decl.comment.reading.kernelDoc) decl.doc = decl.comment.reading.doc;
    }
    const invocation = requestInvocation(m);
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
