// C type names inside expressions (`sizeof(struct x *)`, `(__u32)-1`, `sizeof(__u8[N])`) and
// offsetof designators, read against the declarations made so far.
import { fail, type SourceLocation } from "../ir/diagnostics.js";
import type { BuiltinName, EnumDecl, RecordDecl, TypedefDecl, TypeRef } from "../ir/decls.js";
import type { LayoutEngine } from "../target/layout.js";
import { evaluate, type EvalEnv } from "./consteval.js";
import type { Token } from "./lexer.js";

export const BUILTIN_TYPE_WORDS = new Set(["void", "_Bool", "char", "short", "int", "long", "signed", "unsigned", "float", "double", "__int128"]);

/** Normalises a list of type keywords (`long unsigned int`) to a BuiltinName. */
export function builtinName(words: string[], loc: SourceLocation): BuiltinName {
  const count = (w: string) => words.filter((x) => x === w).length;
  const unsigned = count("unsigned") > 0;
  const signed = count("signed") > 0;
  const longs = count("long");
  const has = (w: string) => count(w) > 0;
  let base: BuiltinName | undefined;
  if (has("void")) base = "void";
  else if (has("_Bool")) base = "_Bool";
  else if (has("float")) base = "float";
  else if (has("double")) base = longs ? "long double" : "double";
  else if (has("__int128")) base = unsigned ? "unsigned __int128" : "__int128";
  else if (has("char")) base = unsigned ? "unsigned char" : signed ? "signed char" : "char";
  else if (has("short")) base = unsigned ? "unsigned short" : "short";
  else if (longs >= 2) base = unsigned ? "unsigned long long" : "long long";
  else if (longs === 1) base = unsigned ? "unsigned long" : "long";
  else base = unsigned ? "unsigned int" : "int";
  if (unsigned && signed) fail("type", "both 'signed' and 'unsigned' in declaration specifiers", loc);
  return base;
}

/** What a type name reading needs: the declarations so far, the layout, depth accounting. */
export interface TypeScope {
  decls: { tags: Map<string, RecordDecl | EnumDecl>; typedefsByName: Map<string, TypedefDecl> };
  layout: LayoutEngine;
  /** A pointer or array of `inner`, one level deeper (nesting is bounded). */
  derived<T extends TypeRef & { kind: "array" | "pointer" }>(type: T, inner: TypeRef, loc: SourceLocation): T;
  evalEnv(): EvalEnv;
}

export interface TypeNameResult {
  /** The token index after the type name. */
  end: number;
  size: number;
  align: number;
  int?: ReturnType<LayoutEngine["intType"]>;
  type: TypeRef;
}

/** offsetof(struct x, a.b[2]): members through anonymous records, nested members, indices. */
export function offsetOfIn(scope: TypeScope, typeToks: Token[], designator: Token[], at: Token): number {
  const t = readTypeName(scope, typeToks, 0);
  if (!t || t.end !== typeToks.length) fail("bad-constant", "offsetof expects a type", at.loc);
  let type: TypeRef = t.type;
  let offset = 0;
  for (let k = 0; k < designator.length; k++) {
    const d = designator[k]!;
    if (d.text === ".") continue;
    while (type.kind === "typedef") type = type.decl.type;
    if (d.text === "[") {
      const close = designator.findIndex((x, i) => i > k && x.text === "]");
      if (type.kind !== "array" || close < 0) fail("bad-constant", "offsetof: subscript of a non-array", d.loc);
      const index = evaluate(designator.slice(k + 1, close), scope.evalEnv(), d).v;
      offset += Number(index) * scope.layout.sizeOf(type.element);
      type = type.element;
      k = close;
      continue;
    }
    if (type.kind !== "record") fail("bad-constant", `offsetof: '${d.text}' is not in a struct or union`, d.loc);
    const member = scope.layout.flatten(type.decl).find((f) => f.name === d.text);
    if (!member) fail("bad-constant", `offsetof: no member named '${d.text}'`, d.loc);
    offset += member.offset;
    type = member.member.type;
  }
  return offset;
}

/** Parses a C type name in a token list (for sizeof and casts). */
export function readTypeName(scope: TypeScope, toks: Token[], pos: number): TypeNameResult | undefined {
  let k = pos;
  const words: string[] = [];
  let type: TypeRef | undefined;
  while (k < toks.length) {
    const t = toks[k]!;
    if (t.kind !== "ident") break;
    if (t.text === "const" || t.text === "volatile") k++;
    else if (BUILTIN_TYPE_WORDS.has(t.text) && !type) {
      words.push(t.text);
      k++;
    } else if ((t.text === "struct" || t.text === "union" || t.text === "enum") && !type && !words.length) {
      const name = toks[k + 1];
      let decl = name ? scope.decls.tags.get(name.text) : undefined;
      // `struct x *` needs no definition of x (agpgart.h's requests take `struct agp_bind*`):
      // as in C, the pointer is to an incomplete type, of pointer size.
      if (!decl && name && t.text !== "enum" && pointerFollows(toks, k + 2)) decl = { kind: t.text as "struct" | "union", tag: name.text, attrs: {}, loc: name.loc };
      if (!decl) fail("unknown-type", `'${t.text} ${name?.text ?? ""}' is not defined`, t.loc);
      type = decl.kind === "enum" ? { kind: "enum", decl } : { kind: "record", decl };
      k += 2;
    } else if (!type && !words.length && scope.decls.typedefsByName.has(t.text)) {
      type = { kind: "typedef", decl: scope.decls.typedefsByName.get(t.text)! };
      k++;
    } else break;
  }
  if (!type && !words.length) return undefined;
  type ??= { kind: "builtin", name: builtinName(words, toks[pos]!.loc) };
  while (toks[k]?.text === "*") {
    type = scope.derived({ kind: "pointer", target: type }, type, toks[k]!.loc);
    k++;
  }
  // Abstract array declarators: sizeof(__u8[N]) (dimensions apply outermost first).
  const dims: { length: number; loc: SourceLocation }[] = [];
  while (toks[k]?.text === "[") {
    let depth = 0;
    let end = k + 1;
    for (; end < toks.length; end++) {
      if (toks[end]!.text === "[") depth++;
      if (toks[end]!.text === "]" && depth-- === 0) break;
    }
    dims.push({ length: Number(evaluate(toks.slice(k + 1, end), scope.evalEnv(), toks[k]!).v), loc: toks[k]!.loc });
    k = end + 1;
  }
  for (const { length, loc } of dims.reverse()) type = scope.derived({ kind: "array", element: type, length, loc }, type, loc);
  const info = scope.layout.info(type);
  return { end: k, size: info.size, align: info.align, int: scope.layout.intType(type), type };
}

/** Whether `*` follows at `k`, past qualifiers. */
function pointerFollows(toks: Token[], k: number): boolean {
  while (toks[k]?.text === "const" || toks[k]?.text === "volatile") k++;
  return toks[k]?.text === "*";
}
