// Walks tree-sitter's C syntax tree of a translation unit and builds the typed declarations
// (records, enums, typedefs) with their locations and comments. Every node kind is either
// handled here or reported as a located error.
import { fail, type SourceLocation } from "../ir/diagnostics.js";
import { evaluate, intTypes, type EvalEnv } from "./consteval.js";
import type { Value } from "../ir/values.js";
import type { Attributes, Comment, EnumDecl, Enumerator, Member, RecordDecl, TypedefDecl, TypeRef } from "../ir/decls.js";
import type { LayoutEngine } from "../target/layout.js";
import { readComment } from "./kerneldoc.js";
import type { Token } from "./lexer.js";
import { firstToken, tokenIndexAt, tokensOf, type ParsedUnit, type SyntaxNode } from "./tree.js";
import { BUILTIN_TYPE_WORDS, builtinName, offsetOfIn, readTypeName, type TypeNameResult, type TypeScope } from "./type-names.js";

export interface Declarations {
  records: RecordDecl[];
  enums: EnumDecl[];
  typedefs: TypedefDecl[];
  typedefsByName: Map<string, TypedefDecl>;
  tags: Map<string, RecordDecl | EnumDecl>;
  enumerators: Map<string, Value>;
}

/**
 * How deeply record definitions may nest inside one another (`struct { union { ... } }`), and
 * how long a chain of typedefs, arrays and pointers may be: the passes over types (layout,
 * codecs, docs) recurse along them. Records held by value are laid out without recursion.
 */
export const MAX_NESTING = 256;

export class DeclarationBuilder {
  readonly decls: Declarations = {
    records: [],
    enums: [],
    typedefs: [],
    typedefsByName: new Map(),
    tags: new Map(),
    enumerators: new Map(),
  };

  /** Record definitions open at the node being read. */
  private recordNesting = 0;
  /** The length of each typedef, array and pointer chain (MAX_NESTING). */
  private readonly depths = new WeakMap<object, number>();

  constructor(
    private readonly unit: ParsedUnit,
    private readonly layout: LayoutEngine,
  ) {}

  /** How long the chain of typedefs, arrays and pointers `t` starts is. */
  private depth(t: TypeRef): number {
    switch (t.kind) {
      case "typedef":
        return 1 + (this.depths.get(t.decl) ?? 0);
      case "array":
      case "pointer":
        return this.depths.get(t) ?? 1;
      default:
        return 1;
    }
  }

  private setDepth(of: object, depth: number, loc: SourceLocation): void {
    if (depth > MAX_NESTING) fail("nesting-limit", `type nested more than ${MAX_NESTING} levels deep (typedefs, arrays and pointers)`, loc);
    this.depths.set(of, depth);
  }

  /** A pointer or array of `inner`, one level deeper. */
  private derived<T extends TypeRef & { kind: "array" | "pointer" }>(type: T, inner: TypeRef, loc: SourceLocation): T {
    this.setDepth(type, this.depth(inner) + 1, loc);
    return type;
  }

  build(): Declarations {
    for (const node of this.unit.root.namedChildren) this.topLevel(node);
    return this.decls;
  }

  private loc(node: SyntaxNode): SourceLocation {
    return firstToken(this.unit, node).loc;
  }

  private syntaxError(node: SyntaxNode): never {
    // Point at the first token tree-sitter could not place.
    const bad = node;
    const tok = firstToken(this.unit, bad);
    const what = bad.isMissing ? `expected '${bad.type}'` : `unexpected '${tok.text}'`;
    fail("syntax", `syntax error: ${what}`, tok.loc);
  }

  private commentFor(node: SyntaxNode): Comment | undefined {
    const i = tokenIndexAt(this.unit, node.startIndex);
    const c = this.unit.commentBefore[i];
    return c ? readComment(c.text, c.loc) : undefined;
  }

  private attach(decl: RecordDecl | EnumDecl | TypedefDecl, node: SyntaxNode): void {
    const comment = this.commentFor(node);
    if (!comment) return;
    decl.comment = comment;
    // vfio.h writes some member docs in `/*` comments of kerneldoc shape: they are still the
    // declaration's docs (the linter reports the missing `*`; `comment` keeps the opening).
    decl.doc = comment.reading.doc;
  }

  private topLevel(node: SyntaxNode): void {
    // static inline helpers in uAPI headers have no ABI of their own; their bodies are not read.
    if (node.type === "function_definition") return;
    if (node.hasError) {
      const bad = findError(node);
      if (bad) this.syntaxError(bad);
    }
    switch (node.type) {
      case "struct_specifier":
      case "union_specifier":
      case "enum_specifier":
        this.attachSpecifier(node, node);
        return;
      case "type_definition":
        this.typedef(node);
        return;
      case "declaration":
        // Variables and prototypes have no binding; the types they define still count.
        this.attachSpecifier(node, node.childForFieldName("type")!);
        return;
      case "expression_statement":
        if (node.namedChildCount === 0) return; // a stray ';'
        if (isStaticAssert(node)) return;
    }
    fail("unsupported", `unsupported top-level construct (${node.type.replace(/_/g, " ")})`, this.loc(node));
  }

  /** Resolves a declaration's specifier; the comment above documents it where it is defined. */
  private attachSpecifier(node: SyntaxNode, spec: SyntaxNode): void {
    const t = this.specifier(spec);
    if ((t.kind === "record" || t.kind === "enum") && spec.childForFieldName("body")) this.attach(t.decl, node);
  }

  private typedef(node: SyntaxNode): void {
    const typeNode = node.childForFieldName("type")!;
    const base = this.specifier(typeNode);
    const attrs = this.attributes(node);
    for (const d of node.childrenForFieldName("declarator")) {
      const { name, type, attrs: dattrs } = this.declarator(d, base);
      if (!name) fail("syntax", "typedef without a name", this.loc(d));
      const decl: TypedefDecl = { kind: "typedef", name, type, attrs: { ...attrs, ...dattrs }, loc: this.loc(d) };
      this.setDepth(decl, this.depth(type), decl.loc);
      this.attach(decl, node);
      if ((base.kind === "record" || base.kind === "enum") && !base.decl.doc && decl.doc) base.decl.doc = decl.doc;
      if (base.kind === "record" && !base.decl.tag && !base.decl.typedefName && type === base) base.decl.typedefName = name;
      this.decls.typedefs.push(decl);
      this.decls.typedefsByName.set(name, decl);
    }
  }

  /** The type named by a type specifier node, defining records and enums on the way. */
  private specifier(node: SyntaxNode): TypeRef {
    const loc = this.loc(node);
    switch (node.type) {
      case "primitive_type":
      case "sized_type_specifier": {
        const words = node.text.split(/\s+/);
        if (words.every((w) => BUILTIN_TYPE_WORDS.has(w))) return { kind: "builtin", name: builtinName(words, loc) };
        return this.typedefNamed(node.text, loc);
      }
      case "type_identifier":
        // tree-sitter-c reads `_Bool` as a type name.
        if (BUILTIN_TYPE_WORDS.has(node.text)) return { kind: "builtin", name: builtinName([node.text], loc) };
        return this.typedefNamed(node.text, loc);
      case "struct_specifier":
      case "union_specifier":
        return { kind: "record", decl: this.record(node) };
      case "enum_specifier":
        return { kind: "enum", decl: this.enumSpec(node) };
    }
    fail("unsupported", `unsupported type specifier (${node.type.replace(/_/g, " ")})`, loc);
  }

  private typedefNamed(name: string, loc: SourceLocation): TypeRef {
    const decl = this.decls.typedefsByName.get(name);
    if (!decl) fail("unknown-type", `unknown type name '${name}'`, loc);
    return { kind: "typedef", decl };
  }

  private record(node: SyntaxNode): RecordDecl {
    const kind = node.type === "union_specifier" ? "union" : "struct";
    const nameNode = node.childForFieldName("name");
    const body = node.childForFieldName("body");
    const tag = nameNode?.text;
    const existing = tag ? this.decls.tags.get(tag) : undefined;
    if (existing && existing.kind !== kind) fail("redefinition", `'${tag}' defined as wrong kind of tag`, this.loc(nameNode!));
    if (!body) {
      if (existing) return existing as RecordDecl;
      // A forward declaration; completed later if a body follows.
      const decl: RecordDecl = { kind, tag, attrs: {}, loc: this.loc(node) };
      this.decls.tags.set(tag!, decl);
      return decl;
    }
    if (existing && (existing as RecordDecl).members) fail("redefinition", `redefinition of '${kind} ${tag}'`, this.loc(nameNode!));
    const decl: RecordDecl = (existing as RecordDecl | undefined) ?? { kind, tag, attrs: {}, loc: this.loc(node) };
    decl.loc = this.loc(node);
    decl.attrs = this.attributes(node);
    const pack = this.unit.packAt[tokenIndexAt(this.unit, node.startIndex)] ?? 0;
    if (pack) decl.attrs.pack = pack;
    if (tag) this.decls.tags.set(tag, decl);
    if (this.recordNesting >= MAX_NESTING) fail("nesting-limit", `${kind} definitions nested more than ${MAX_NESTING} levels deep`, decl.loc);
    this.recordNesting++;
    const members: Member[] = [];
    try {
      for (const field of body.namedChildren) {
        if (field.type === "field_declaration") {
          for (const m of this.field(field)) members.push(m);
        } else if (!isStraySemicolon(field)) fail("unsupported", `unsupported construct in ${kind} body (${field.type.replace(/_/g, " ")})`, this.loc(field));
      }
    } finally {
      this.recordNesting--;
    }
    decl.members = members;
    this.decls.records.push(decl);
    return decl;
  }

  private field(node: SyntaxNode): Member[] {
    const typeNode = node.childForFieldName("type")!;
    const base = this.specifier(typeNode);
    const attrs = this.attributes(node);
    const writtenType = firstToken(this.unit, typeNode).expandedFrom;
    const declarators = node.childrenForFieldName("declarator");
    const bitfields = node.namedChildren.filter((c) => c.type === "bitfield_clause");
    const comment = this.memberComment(node);
    if (declarators.length === 0) {
      // An anonymous struct/union member, or an unnamed bitfield.
      if (bitfields.length === 1) return [{ type: base, bitWidth: this.bitWidth(bitfields[0]!), attrs, loc: this.loc(node), comment }];
      if (base.kind !== "record") fail("syntax", "declaration does not declare anything", this.loc(node));
      return [{ type: base, attrs, loc: this.loc(node), comment }];
    }
    // Declarators and bitfield clauses alternate: `a : 3, b : 4`.
    const out: Member[] = [];
    const kids = node.children;
    for (const d of declarators) {
      const next = kids[kids.indexOf(d) + 1];
      const bitWidth = next?.type === "bitfield_clause" ? this.bitWidth(next) : undefined;
      if (d.isMissing) {
        out.push({ type: base, bitWidth, attrs, loc: this.loc(node), comment });
        continue;
      }
      const r = this.declarator(d, base);
      out.push({ name: r.name, type: r.type, writtenType, bitWidth, attrs: { ...attrs, ...r.attrs }, loc: this.loc(d), comment });
    }
    return out;
  }

  private memberComment(node: SyntaxNode): Comment | undefined {
    const first = tokenIndexAt(this.unit, node.startIndex);
    const last = tokenIndexAt(this.unit, node.endIndex - 1);
    const c = this.unit.commentAfter[last] ?? this.unit.commentBefore[first];
    return c ? readComment(c.text, c.loc) : undefined;
  }

  private bitWidth(clause: SyntaxNode): number {
    const v = this.constant(clause.namedChildren[0]!);
    if (v < 0n || v > 128n) fail("bitfield", `invalid bitfield width ${v}`, this.loc(clause));
    return Number(v);
  }

  /** Applies a declarator to a base type: pointers, arrays, functions, names. */
  private declarator(node: SyntaxNode, base: TypeRef): { name?: string; type: TypeRef; attrs: Attributes } {
    let attrs: Attributes = {};
    let type = base;
    let cur: SyntaxNode | null = node;
    while (cur) {
      switch (cur.type) {
        case "identifier":
        case "field_identifier":
        case "type_identifier":
        // tree-sitter-c knows size_t, uint32_t, ... as types even where they are declared.
        case "primitive_type":
          return { name: cur.text, type, attrs };
        case "pointer_declarator":
          type = this.derived({ kind: "pointer", target: type }, type, this.loc(cur));
          break;
        case "array_declarator": {
          const size = cur.childForFieldName("size");
          let length: number | null = null;
          if (size) {
            const v = this.constant(size);
            if (v < 0n) fail("array-size", "size of array is negative", this.loc(size));
            if (v > 0x7fffffffn) fail("array-size", `size of array (${v}) is too large`, this.loc(size));
            length = Number(v);
          }
          const loc = this.loc(size ?? cur);
          type = this.derived({ kind: "array", element: type, length, loc }, type, loc);
          break;
        }
        case "function_declarator":
          type = { kind: "function" };
          break;
        case "parenthesized_declarator":
          cur = cur.namedChildren.find((c) => c.type !== "attribute_specifier") ?? null;
          continue;
        case "attributed_declarator":
          attrs = { ...attrs, ...this.attributes(cur) };
          cur = cur.namedChildren.find((c) => c.type !== "attribute_declaration" && c.type !== "attribute_specifier") ?? null;
          continue;
        default:
          fail("unsupported", `unsupported declarator (${cur.type.replace(/_/g, " ")})`, this.loc(cur));
      }
      cur = cur.childForFieldName("declarator");
    }
    return { type, attrs };
  }

  /** `__attribute__((aligned(N), packed))` on a node (direct children only). */
  private attributes(node: SyntaxNode): Attributes {
    const attrs: Attributes = {};
    for (const spec of node.namedChildren.filter((c) => c.type === "attribute_specifier")) {
      const list = spec.namedChildren[0];
      for (const a of list?.namedChildren ?? []) {
        const name = (a.type === "call_expression" ? a.childForFieldName("function")!.text : a.text).replace(/^__(.*)__$/, "$1");
        if (name === "packed") attrs.packed = true;
        else if (name === "aligned") {
          const arg = a.type === "call_expression" ? a.childForFieldName("arguments")!.namedChildren[0] : undefined;
          const n = arg ? Number(this.constant(arg)) : this.layout.abi.biggestAlignment;
          if (!(n > 0 && (n & (n - 1)) === 0)) fail("attribute", `requested alignment ${n} is not a positive power of 2`, this.loc(a));
          attrs.aligned = Math.max(attrs.aligned ?? 1, n);
        }
        // Other attributes (deprecated, unused, ...) do not change layout.
      }
    }
    return attrs;
  }

  private enumSpec(node: SyntaxNode): EnumDecl {
    const nameNode = node.childForFieldName("name");
    const body = node.childForFieldName("body");
    const tag = nameNode?.text;
    const existing = tag ? this.decls.tags.get(tag) : undefined;
    if (existing && existing.kind !== "enum") fail("redefinition", `'${tag}' defined as wrong kind of tag`, this.loc(nameNode!));
    if (!body) {
      if (existing) return existing as EnumDecl;
      fail("incomplete-type", `use of undefined enum '${tag}'`, this.loc(node));
    }
    if (existing) fail("redefinition", `redefinition of 'enum ${tag}'`, this.loc(nameNode!));
    const decl: EnumDecl = { kind: "enum", tag, enumerators: [], attrs: this.attributes(node), loc: this.loc(node) };
    if (tag) this.decls.tags.set(tag, decl);
    const T = intTypes(this.layout.abi.types.long[0] * 8);
    let next: Value = { v: 0n, t: T.int };
    for (const e of body.namedChildren) {
      if (e.type !== "enumerator") fail("unsupported", `unsupported construct in enum (${e.type})`, this.loc(e));
      const name = e.childForFieldName("name")!.text;
      const valueNode = e.childForFieldName("value");
      let value = valueNode ? this.evaluate(valueNode) : next;
      // gcc gives enumerators that fit the type int; wider ones keep their own type.
      if (value.v >= -(2n ** 31n) && value.v < 2n ** 31n) value = { v: value.v, t: T.int };
      const en: Enumerator = { name, value, loc: this.loc(e) };
      decl.enumerators.push(en);
      this.decls.enumerators.set(name, value);
      next = { v: value.v + 1n, t: value.v + 1n < 2n ** 31n ? T.int : value.t };
    }
    this.decls.enums.push(decl);
    return decl;
  }

  private constant(node: SyntaxNode): bigint {
    return this.evaluate(node).v;
  }

  evaluate(node: SyntaxNode): Value {
    const toks = tokensOf(this.unit, node);
    return evaluate(toks, this.evalEnv(), toks[0] ?? firstToken(this.unit, node));
  }

  /** The environment in which header expressions are evaluated: enumerators, sizeof, casts. */
  evalEnv(): EvalEnv {
    return {
      longBits: this.layout.abi.types.long[0] * 8,
      identifier: (tok: Token) => this.decls.enumerators.get(tok.text),
      typeName: (toks, pos) => this.typeName(toks, pos),
      offsetOf: (type, designator, at) => this.offsetOf(type, designator, at),
    };
  }

  /** offsetof(struct x, a.b[2]), read against the declarations so far. */
  private offsetOf(typeToks: Token[], designator: Token[], at: Token): number {
    return offsetOfIn(this.typeScope(), typeToks, designator, at);
  }

  /** A C type name in a token list (for sizeof and casts), read against the declarations so far. */
  typeName(toks: Token[], pos: number): TypeNameResult | undefined {
    return readTypeName(this.typeScope(), toks, pos);
  }

  private typeScope(): TypeScope {
    return { decls: this.decls, layout: this.layout, derived: (type, inner, loc) => this.derived(type, inner, loc), evalEnv: () => this.evalEnv() };
  }
}

/** A `;` standing alone in a struct body (nfc.h has `char service_name[N];;`): GNU C accepts it. */
const isStraySemicolon = (node: SyntaxNode) => node.type === "ERROR" && node.text === ";" && node.parent?.type === "field_declaration_list";

/** `_Static_assert(...)` at file scope (asm/elf.h): gcc has checked it; it declares nothing. */
function isStaticAssert(node: SyntaxNode): boolean {
  const call = node.namedChildren[0];
  return node.namedChildCount === 1 && call?.type === "call_expression" && /^(_Static_assert|static_assert)$/.test(call.childForFieldName("function")?.text ?? "");
}

function findError(root: SyntaxNode): SyntaxNode | undefined {
  // Depth first in source order, on an explicit stack: the tree is as deep as the input nests.
  const stack = [root];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (isStraySemicolon(node)) continue;
    // The name of an unnamed bitfield (`unsigned : 0;`) is reported MISSING but is valid C.
    if (node.isMissing && node.type === "field_identifier" && node.nextSibling?.type === "bitfield_clause") continue;
    if (node.type === "ERROR" || node.isMissing) return node;
    const bad = node.children.filter((c) => c.hasError || c.isMissing || c.type === "ERROR");
    for (let i = bad.length - 1; i >= 0; i--) stack.push(bad[i]!);
  }
  return undefined;
}
