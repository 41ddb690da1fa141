// The printer of emitted modules. The emitters write TypeScript text; this reads it (the subset
// they write: declarations, statements, expressions and types, with leading /** */ docs) and
// prints it in prettier's layout (printWidth 100, its defaults otherwise), building for each node
// the document prettier builds for it (doc.ts lays documents out as prettier does). The output
// is therefore what prettier would make of it: test/emit/prettier-stable.test.ts checks that
// prettier leaves every generated module unchanged.
//
// References to other modules are symbols (Symbols below): an emitter writes `rt.u32` (the
// runtime's u32) into its text, and the module's file imports exactly the symbols its code uses.
import { breakParent, conditionalGroup, forcedLine, group, hardline, ifBreak, indent, indentIfBreak, join, line, printDoc, softline, willBreak, type Doc } from "./doc.js";

const WIDTH = 100;

// ---------------------------------------------------------------------------------------------
// Symbols: a name another module exports. Written into code text as a marker that the tokenizer
// reads as that name, recording the use.

export interface ImportSymbol {
  name: string;
  /** The module, as the file's import table knows it (`runtime:codec`, or a specifier). */
  from: string;
  /** A type, imported with `import type`. */
  typeOnly: boolean;
}

const OPEN = "\u{E000}";
const CLOSE = "\u{E001}";
const registry: ImportSymbol[] = [];
const keys = new Map<string, number>();

/** The text standing for `name` of module `from` in emitted code. */
export function symbol(name: string, from: string, typeOnly = false): string {
  const key = `${from}\0${name}\0${typeOnly}`;
  let i = keys.get(key);
  if (i === undefined) {
    i = registry.length;
    registry.push({ name, from, typeOnly });
    keys.set(key, i);
  }
  return `${OPEN}${i}${CLOSE}`;
}

/** A module-local name that is declared only where the code uses it (`LE`, `V`, `EMPTY`). */
export const local = (name: string) => symbol(name, "local:");

// ---------------------------------------------------------------------------------------------
// Tokens

type TokKind = "id" | "num" | "str" | "p" | "doc" | "eof";
interface Tok {
  k: TokKind;
  v: string;
  /** Newlines before the token. */
  nl: number;
  sym?: ImportSymbol;
}

const PUNCT = ["===", "!==", "...", "=>", "==", "!=", "<=", ">=", "&&", "||", "??", "++", "--", "+=", "-=", "?.", "{", "}", "(", ")", "[", "]", ";", ",", ".", ":", "?", "<", ">", "+", "-", "*", "/", "%", "&", "|", "!", "=", "^", "~"];

const PUNCT3 = new Set(PUNCT.filter((p) => p.length === 3));
const PUNCT2 = new Set(PUNCT.filter((p) => p.length === 2));
const PUNCT1 = new Set(PUNCT.filter((p) => p.length === 1));

/** A-Z, a-z, _ and $. */
const isNameStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
const isNamePart = (c: number) => isNameStart(c) || (c >= 48 && c <= 57);

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let nl = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === "\n") {
      nl++;
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) throw new Error("printer: unterminated comment");
      out.push({ k: "doc", v: src.slice(i, end + 2), nl });
      nl = 0;
      i = end + 2;
      continue;
    }
    if (c === OPEN) {
      const end = src.indexOf(CLOSE, i);
      const sym = registry[Number(src.slice(i + 1, end))]!;
      out.push({ k: "id", v: sym.name, nl, sym });
      nl = 0;
      i = end + 1;
      continue;
    }
    if (isNameStart(src.charCodeAt(i))) {
      let j = i + 1;
      while (j < n && isNamePart(src.charCodeAt(j))) j++;
      out.push({ k: "id", v: src.slice(i, j), nl });
      nl = 0;
      i = j;
      continue;
    }
    if (c >= "0" && c <= "9") {
      let j = i + 1;
      while (j < n && (isNamePart(src.charCodeAt(j)) || src[j] === ".")) j++;
      out.push({ k: "num", v: src.slice(i, j), nl });
      nl = 0;
      i = j;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (src[j] !== c) {
        if (j >= n) throw new Error("printer: unterminated string");
        j += src[j] === "\\" ? 2 : 1;
      }
      out.push({ k: "str", v: src.slice(i, j + 1), nl });
      nl = 0;
      i = j + 1;
      continue;
    }
    const p = PUNCT3.has(src.slice(i, i + 3)) ? src.slice(i, i + 3) : PUNCT2.has(src.slice(i, i + 2)) ? src.slice(i, i + 2) : PUNCT1.has(c) ? c : undefined;
    if (!p) throw new Error(`printer: unexpected character ${JSON.stringify(c)} in ${JSON.stringify(src.slice(Math.max(0, i - 40), i + 40))}`);
    out.push({ k: "p", v: p, nl });
    nl = 0;
    i += p.length;
  }
  out.push({ k: "eof", v: "", nl });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Syntax

type Type =
  | { k: "ref"; name: string; args?: Type[] }
  | { k: "word"; text: string }
  | { k: "union"; types: Type[] }
  | { k: "inter"; types: Type[] }
  | { k: "object"; members: TypeMember[] }
  | { k: "array"; element: Type }
  | { k: "typeof"; name: string }
  | { k: "keyof"; type: Type }
  | { k: "indexed"; object: Type; index: Type }
  | { k: "paren"; type: Type };
interface TypeMember {
  doc?: string;
  name: string;
  optional: boolean;
  readonly: boolean;
  type: Type;
}

type Expr =
  | { k: "id"; name: string }
  | { k: "lit"; text: string }
  | { k: "str"; raw: string }
  | { k: "member"; object: Expr; name: string }
  | { k: "index"; object: Expr; index: Expr }
  | { k: "call"; callee: Expr; typeArgs?: Type[]; args: Expr[]; isNew: boolean }
  | { k: "bin"; op: string; left: Expr; right: Expr }
  | { k: "unary"; op: string; arg: Expr }
  | { k: "postfix"; op: string; arg: Expr }
  | { k: "cond"; test: Expr; cons: Expr; alt: Expr }
  | { k: "arrow"; params: Param[]; body: Expr | Block }
  | { k: "object"; props: Prop[]; brk: boolean }
  | { k: "array"; items: Expr[] }
  | { k: "as"; op: string; expr: Expr; type: Type };
interface Param {
  name: string;
  optional: boolean;
  type?: Type;
  init?: Expr;
}
type Prop =
  | { k: "prop"; key: string; value: Expr; blank: boolean }
  | { k: "method"; kind: string; key: string; params: Param[]; ret?: Type; body: Block; blank: boolean };
interface Block {
  k: "block";
  body: Stmt[];
}
type Pattern = { k: "name"; name: string; type?: Type } | { k: "destructure"; props: { key: string; value: string; init?: Expr }[] };
type Stmt = (
  | Block
  | { k: "expr"; expr: Expr }
  | { k: "var"; kind: string; id: Pattern; init?: Expr }
  | { k: "if"; test: Expr; cons: Stmt; alt?: Stmt }
  | { k: "for"; init: Stmt; test: Expr; update: Expr; body: Stmt }
  | { k: "forin"; kind: string; name: string; object: Expr; body: Stmt }
  | { k: "switch"; disc: Expr; cases: { test?: Expr; body: Stmt[] }[] }
  | { k: "return"; arg?: Expr }
  | { k: "break" }
  | { k: "function"; async: boolean; name: string; params: Param[]; ret?: Type; body: Block }
  | { k: "interface"; name: string; members: TypeMember[] }
  | { k: "type"; name: string; type: Type }
  | { k: "class"; name: string; ext?: string; impl: string[]; members: Prop[] }
  | { k: "exportEmpty" }
  | { k: "comment" }
  | { k: "import"; typeOnly: boolean; names: { name: string; typeOnly: boolean }[]; from: string }
) & { doc?: string; exported?: boolean; blank?: boolean };

class Parser {
  private i = 0;
  constructor(
    private toks: Tok[],
    private uses: (s: ImportSymbol) => void,
    private resolve: (name: string) => ImportSymbol | undefined,
  ) {}

  /** A name in a reference position: another module's export, where the file can import it. */
  private reference(t: Tok): string {
    if (!t.sym) {
      const sym = this.resolve(t.v);
      if (sym) this.uses(sym);
    }
    return t.v;
  }

  private get t(): Tok {
    return this.toks[this.i]!;
  }
  private peek(n = 1): Tok {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)]!;
  }
  /** The next token is the keyword or punctuator `v` (a string or number never equals one). */
  private is(v: string): boolean {
    const t = this.t;
    return t.v === v && (t.k === "p" || t.k === "id");
  }
  private next(): Tok {
    const t = this.t;
    if (t.sym) this.uses(t.sym);
    this.i++;
    return t;
  }
  private eat(v: string): boolean {
    if (this.t.v === v && (this.t.k === "p" || this.t.k === "id")) {
      this.next();
      return true;
    }
    return false;
  }
  private expect(v: string): Tok {
    if (this.t.v !== v) throw new Error(`printer: expected '${v}', found '${this.t.v}' at token ${this.i}: ${this.context()}`);
    return this.next();
  }
  private context(): string {
    return this.toks
      .slice(Math.max(0, this.i - 12), this.i + 8)
      .map((t) => t.v)
      .join(" ");
  }
  private name(): string {
    const t = this.next();
    if (t.k !== "id" && t.k !== "str" && t.k !== "num") throw new Error(`printer: expected a name, found '${t.v}': ${this.context()}`);
    return t.v;
  }

  program(): Stmt[] {
    const out: Stmt[] = [];
    while (this.t.k !== "eof") out.push(this.statement());
    return out;
  }

  statement(): Stmt {
    const blank = this.t.nl > 1;
    let doc: string | undefined;
    if (this.t.k === "doc") doc = this.next().v;
    const s: Stmt = doc !== undefined && this.t.k === "eof" ? { k: "comment" } : this.bareStatement();
    s.doc = doc;
    s.blank = blank;
    return s;
  }

  private bareStatement(): Stmt {
    if (this.is("export")) {
      this.next();
      if (this.eat("{")) {
        this.expect("}");
        this.eat(";");
        return { k: "exportEmpty" };
      }
      const s = this.bareStatement();
      s.exported = true;
      return s;
    }
    if (this.is("{")) return this.block();
    if (this.eat("import")) {
      const typeOnly = this.eat("type");
      this.expect("{");
      const names: { name: string; typeOnly: boolean }[] = [];
      while (!this.eat("}")) {
        const t = this.is("type") && this.peek().k === "id" ? (this.next(), true) : false;
        names.push({ name: this.name(), typeOnly: t });
        this.eat(",");
      }
      this.expect("from");
      const from = this.next().v;
      this.eat(";");
      return { k: "import", typeOnly, names, from };
    }
    if (this.is("const") || this.is("let")) {
      const s = this.varDecl();
      this.eat(";");
      return s;
    }
    if (this.eat("if")) {
      this.expect("(");
      const test = this.expr();
      this.expect(")");
      const cons = this.statement();
      const alt = this.eat("else") ? this.statement() : undefined;
      return { k: "if", test, cons, alt };
    }
    if (this.eat("for")) {
      this.expect("(");
      if ((this.is("const") || this.is("let")) && this.peek(2).v === "in") {
        const kind = this.next().v;
        const name = this.name();
        this.expect("in");
        const object = this.expr();
        this.expect(")");
        return { k: "forin", kind, name, object, body: this.statement() };
      }
      const init = this.varDecl();
      this.expect(";");
      const test = this.expr();
      this.expect(";");
      const update = this.expr();
      this.expect(")");
      return { k: "for", init, test, update, body: this.statement() };
    }
    if (this.eat("switch")) {
      this.expect("(");
      const disc = this.expr();
      this.expect(")");
      this.expect("{");
      const cases: { test?: Expr; body: Stmt[] }[] = [];
      while (!this.eat("}")) {
        let test: Expr | undefined;
        if (this.eat("default")) test = undefined;
        else {
          this.expect("case");
          test = this.expr();
        }
        this.expect(":");
        const body: Stmt[] = [];
        while (!this.is("case") && !this.is("default") && !this.is("}")) body.push(this.statement());
        cases.push({ test, body });
      }
      return { k: "switch", disc, cases };
    }
    if (this.eat("return")) {
      const arg = this.is(";") || this.is("}") ? undefined : this.expr();
      this.eat(";");
      return { k: "return", arg };
    }
    if (this.eat("break")) {
      this.eat(";");
      return { k: "break" };
    }
    if (this.is("async") || this.is("function")) {
      const isAsync = this.eat("async");
      this.expect("function");
      const name = this.name();
      const params = this.params();
      const ret = this.eat(":") ? this.type() : undefined;
      return { k: "function", async: isAsync, name, params, ret, body: this.block() };
    }
    if (this.eat("interface")) {
      const name = this.name();
      return { k: "interface", name, members: this.typeMembers() };
    }
    if (this.is("type") && this.peek().k === "id") {
      this.next();
      const name = this.name();
      this.expect("=");
      const type = this.type();
      this.eat(";");
      return { k: "type", name, type };
    }
    if (this.eat("class")) {
      const name = this.name();
      const ext = this.eat("extends") ? this.name() : undefined;
      const impl: string[] = [];
      if (this.eat("implements")) do impl.push(this.name());
      while (this.eat(","));
      this.expect("{");
      const members: Prop[] = [];
      while (!this.eat("}")) members.push(this.property());
      return { k: "class", name, ext, impl, members };
    }
    const expr = this.expr();
    this.eat(";");
    return { k: "expr", expr };
  }

  private block(): Block {
    this.expect("{");
    const body: Stmt[] = [];
    while (!this.eat("}")) body.push(this.statement());
    return { k: "block", body };
  }

  private varDecl(): Stmt {
    const kind = this.next().v;
    let id: Pattern;
    if (this.eat("{")) {
      const props: { key: string; value: string; init?: Expr }[] = [];
      while (!this.eat("}")) {
        const key = this.name();
        const value = this.eat(":") ? this.name() : key;
        const init = this.eat("=") ? this.assign() : undefined;
        props.push({ key, value, init });
        this.eat(",");
      }
      id = { k: "destructure", props };
    } else {
      const name = this.name();
      id = { k: "name", name, type: this.eat(":") ? this.type() : undefined };
    }
    const init = this.eat("=") ? this.expr() : undefined;
    return { k: "var", kind, id, init };
  }

  private params(): Param[] {
    this.expect("(");
    const out: Param[] = [];
    while (!this.eat(")")) {
      const name = this.name();
      const optional = this.eat("?");
      const type = this.eat(":") ? this.type() : undefined;
      const init = this.eat("=") ? this.assign() : undefined;
      out.push({ name, optional, type, init });
      this.eat(",");
    }
    return out;
  }

  // Types
  type(): Type {
    this.eat("|");
    const first = this.intersection();
    if (!this.is("|")) return first;
    const types = [first];
    while (this.eat("|")) types.push(this.intersection());
    return { k: "union", types };
  }
  private intersection(): Type {
    this.eat("&");
    const first = this.postfixType();
    if (!this.is("&")) return first;
    const types = [first];
    while (this.eat("&")) types.push(this.postfixType());
    return { k: "inter", types };
  }
  private postfixType(): Type {
    let t = this.primaryType();
    while (this.is("[") && !this.t.nl) {
      this.next();
      if (this.eat("]")) t = { k: "array", element: t };
      else {
        const index = this.type();
        this.expect("]");
        t = { k: "indexed", object: t, index };
      }
    }
    return t;
  }
  private primaryType(): Type {
    if (this.eat("(")) {
      const type = this.type();
      this.expect(")");
      return { k: "paren", type };
    }
    if (this.is("{")) return { k: "object", members: this.typeMembers() };
    if (this.eat("typeof")) {
      let name = this.name();
      while (this.eat(".")) name += "." + this.name();
      return { k: "typeof", name };
    }
    if (this.eat("keyof")) return { k: "keyof", type: this.postfixType() };
    const t = this.next();
    if (t.k === "str") return { k: "word", text: printString(t.v) };
    if (t.k !== "id") return { k: "word", text: t.v };
    let name = this.reference(t);
    while (this.eat(".")) name += "." + this.name();
    if (this.is("<")) return { k: "ref", name, args: this.typeArgs() };
    return { k: "ref", name };
  }
  private typeArgs(): Type[] {
    this.expect("<");
    const out: Type[] = [];
    while (!this.eat(">")) {
      out.push(this.type());
      this.eat(",");
    }
    return out;
  }
  private typeMembers(): TypeMember[] {
    this.expect("{");
    const out: TypeMember[] = [];
    while (!this.eat("}")) {
      const doc = this.t.k === "doc" ? this.next().v : undefined;
      const readonly = this.is("readonly") && this.peek().k === "id" ? (this.next(), true) : false;
      const name = this.name();
      const optional = this.eat("?");
      this.expect(":");
      const type = this.type();
      out.push({ doc, name, optional, readonly, type });
      if (!this.eat(";")) this.eat(",");
    }
    return out;
  }

  // Expressions
  expr(): Expr {
    return this.assign();
  }
  private assign(): Expr {
    // An arrow function: `(a, b: T) => ...`
    if (this.is("(") && this.isArrow()) {
      const params = this.params();
      this.expect("=>");
      const body = this.is("{") ? this.block() : this.assign();
      return { k: "arrow", params, body };
    }
    return this.conditional();
  }
  private isArrow(): boolean {
    let depth = 0;
    for (let j = this.i; j < this.toks.length; j++) {
      const v = this.toks[j]!;
      if (v.k !== "p") continue;
      if (v.v === "(") depth++;
      else if (v.v === ")" && --depth === 0) return this.toks[j + 1]?.v === "=>";
    }
    return false;
  }
  private conditional(): Expr {
    const test = this.binary(0);
    if (!this.eat("?")) return test;
    const cons = this.assign();
    this.expect(":");
    const alt = this.assign();
    return { k: "cond", test, cons, alt };
  }
  private binary(min: number): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.t;
      const prec = t.k === "p" ? PRECEDENCE[t.v] : t.k === "id" && (t.v === "as" || t.v === "satisfies") ? 11 : undefined;
      if (prec === undefined || prec < min) return left;
      this.next();
      if (t.k === "id") {
        left = { k: "as", op: t.v, expr: left, type: t.v === "as" && this.is("const") ? (this.next(), { k: "word", text: "const" }) : this.type() };
        continue;
      }
      const right = this.binary(prec + 1);
      left = { k: "bin", op: t.v, left, right };
    }
  }
  private unary(): Expr {
    if (this.is("typeof") || this.is("!") || this.is("-")) {
      const op = this.next().v;
      return { k: "unary", op, arg: this.unary() };
    }
    let e = this.postfix();
    if (this.is("++") || this.is("--")) e = { k: "postfix", op: this.next().v, arg: e };
    return e;
  }
  private postfix(): Expr {
    let e: Expr;
    if (this.eat("new")) {
      const callee = this.primary();
      const args = this.args();
      e = { k: "call", callee, args, isNew: true };
    } else e = this.primary();
    for (;;) {
      if (this.eat(".")) e = { k: "member", object: e, name: this.name() };
      else if (this.is("[")) {
        this.next();
        const index = this.expr();
        this.expect("]");
        e = { k: "index", object: e, index };
      } else if (this.is("(")) e = { k: "call", callee: e, args: this.args(), isNew: false };
      else if (this.is("<") && this.isTypeArgs()) {
        const typeArgs = this.typeArgs();
        e = { k: "call", callee: e, typeArgs, args: this.args(), isNew: false };
      } else return e;
    }
  }
  /** `f<T>(`: type arguments of a call, not a comparison. */
  private isTypeArgs(): boolean {
    // The code compares only with numbers and names followed by `;` (`i0 < 2;`); type arguments
    // start with a name and are followed by the call's `(`.
    if (this.peek().k !== "id") return false;
    let depth = 0;
    for (let j = this.i; j < this.toks.length; j++) {
      const v = this.toks[j]!;
      if (v.k !== "p") continue;
      if (v.v === "<") depth++;
      else if (v.v === ">" && --depth === 0) return this.toks[j + 1]?.v === "(";
      else if (v.v === ";") return false;
    }
    return false;
  }
  private args(): Expr[] {
    this.expect("(");
    const out: Expr[] = [];
    while (!this.eat(")")) {
      out.push(this.assign());
      this.eat(",");
    }
    return out;
  }
  private primary(): Expr {
    const t = this.t;
    if (t.k === "num") return { k: "lit", text: this.next().v };
    if (t.k === "str") return { k: "str", raw: this.next().v };
    if (this.eat("(")) {
      const e = this.expr();
      this.expect(")");
      return e;
    }
    if (this.is("[")) {
      this.next();
      const items: Expr[] = [];
      while (!this.eat("]")) {
        items.push(this.assign());
        this.eat(",");
      }
      return { k: "array", items };
    }
    if (this.is("{")) {
      const open = this.next();
      void open;
      const brk = this.t.nl > 0 && !this.is("}");
      const props: Prop[] = [];
      while (!this.eat("}")) {
        props.push(this.property());
        this.eat(",");
      }
      return { k: "object", props, brk };
    }
    if (t.k === "id") return { k: "id", name: this.reference(this.next()) };
    throw new Error(`printer: unexpected '${t.v}': ${this.context()}`);
  }
  /** An object property, method or accessor; a class member. */
  private property(): Prop {
    const blank = this.t.nl > 1;
    if ((this.is("get") || this.is("set")) && this.peek().k === "id") {
      const kind = this.next().v;
      const key = this.name();
      const params = this.params();
      const ret = this.eat(":") ? this.type() : undefined;
      return { k: "method", kind, key, params, ret, body: this.block(), blank };
    }
    const key = this.next();
    if (this.is("(")) {
      const params = this.params();
      const ret = this.eat(":") ? this.type() : undefined;
      return { k: "method", kind: "", key: key.v, params, ret, body: this.block(), blank };
    }
    this.expect(":");
    return { k: "prop", key: key.v, value: this.assign(), blank };
  }
}

const PRECEDENCE: Record<string, number> = {
  "??": 1,
  "||": 2,
  "&&": 3,
  "|": 4,
  "^": 5,
  "&": 6,
  "==": 7,
  "!=": 7,
  "===": 7,
  "!==": 7,
  "<": 8,
  ">": 8,
  "<=": 8,
  ">=": 8,
  "+": 9,
  "-": 9,
  "*": 10,
  "/": 10,
  "%": 10,
};
const LOGICAL = new Set(["??", "||", "&&"]);

// ---------------------------------------------------------------------------------------------
// Printing: the documents prettier's estree printer builds for these nodes.

/** A string literal as prettier writes it: double quotes unless that needs more escapes. */
function printString(raw: string): string {
  const body = raw.slice(1, -1);
  const doubles = (body.match(/"/g) ?? []).length;
  const singles = (body.match(/'/g) ?? []).length;
  const q = doubles > singles ? "'" : '"';
  const alt = q === '"' ? "'" : '"';
  const text = body.replace(/\\(.)|(["'])/gs, (m, escaped: string | undefined, quote: string | undefined) =>
    escaped === alt ? escaped : quote === q ? "\\" + quote : quote ?? (/^[^\n\r"'0-7\\bfnrt-vx\u2028\u2029]$/.test(escaped!) ? escaped! : m),
  );
  return q + text + q;
}

const isIdentifierName = (s: string) => /^[A-Za-z_$][\w$]*$/.test(s);

function printComment(doc: string): Doc {
  const lines = doc.split("\n");
  if (lines.length === 1) return doc;
  // A /** */ comment whose lines all start with `*` is re-indented, each line trimmed.
  return join(
    hardline,
    lines.map((l, i) => (i === 0 ? l.trimEnd() : " " + (i < lines.length - 1 ? l.trim() : l.trimStart()))),
  );
}

type Parent = { k: string; node?: unknown; field?: string };

class Printer {
  statements(stmts: Stmt[]): Doc {
    const parts: Doc[] = [];
    stmts.forEach((s, i) => {
      if (i) parts.push(hardline, s.blank ? hardline : "");
      parts.push(this.statement(s));
    });
    return parts;
  }

  statement(s: Stmt): Doc {
    if (s.k === "comment") return printComment(s.doc!);
    const body = this.bare(s);
    const exported = s.exported ? ["export ", body] : body;
    return s.doc ? [printComment(s.doc), hardline, exported] : exported;
  }

  private block(b: Block): Doc {
    if (!b.body.length) return "{}";
    return ["{", indent([hardline, this.statements(b.body)]), hardline, "}"];
  }

  /** A clause after `if (...)`, `else`, `for (...)`: a block on the line, else indented. */
  private clause(s: Stmt, forceSpace = false): Doc {
    if (s.k === "block" || forceSpace) return [" ", this.statement(s)];
    return indent([line, this.statement(s)]);
  }

  private bare(s: Stmt): Doc {
    switch (s.k) {
      case "block":
        return this.block(s);
      case "exportEmpty":
        return "export {};";
      case "comment":
        return "";
      case "import": {
        const names = s.names.map((n) => (n.typeOnly ? `type ${n.name}` : n.name));
        return ["import ", s.typeOnly ? "type " : "", group(["{", indent([line, join([",", line], names)]), ifBreak(","), line, "}"]), " from ", printString(s.from), ";"];
      }
      case "expr":
        return [this.expr(s.expr, { k: "stmt" }), ";"];
      case "var":
        return [this.varDecl(s), ";"];
      case "return": {
        if (!s.arg) return "return;";
        if (s.arg.k === "bin") return ["return ", group([ifBreak("("), indent([softline, this.expr(s.arg, { k: "return" })]), softline, ifBreak(")")]), ";"];
        return ["return ", this.expr(s.arg, { k: "return" }), ";"];
      }
      case "break":
        return "break;";
      case "if": {
        const opening = group(["if (", group(this.expr(s.test, { k: "if" })), ")", this.clause(s.cons)]);
        if (!s.alt) return opening;
        const elseOnSameLine = s.cons.k === "block";
        return [opening, elseOnSameLine ? " " : hardline, "else", group(this.clause(s.alt, s.alt.k === "if"))];
      }
      case "for":
        return group([
          "for (",
          group([indent([softline, this.varDecl(s.init as Stmt & { k: "var" }), ";", line, this.expr(s.test, { k: "for" }), ";", line, this.expr(s.update, { k: "for" })]), softline]),
          ")",
          this.clause(s.body),
        ]);
      case "forin":
        return group(["for (", s.kind, " ", s.name, " in ", this.expr(s.object, { k: "forin" }), ")", this.clause(s.body)]);
      case "switch": {
        const cases = s.cases.map((c) => {
          const head: Doc = c.test ? ["case ", this.expr(c.test, { k: "case" }), ":"] : "default:";
          if (!c.body.length) return head;
          const only = c.body.length === 1 && c.body[0]!.k === "block";
          return [head, only ? [" ", this.statements(c.body)] : indent([hardline, this.statements(c.body)])];
        });
        return [group(["switch (", indent([softline, this.expr(s.disc, { k: "switch" })]), softline, ")"]), " {", cases.length ? indent([hardline, join(hardline, cases)]) : "", hardline, "}"];
      }
      case "function":
        return [s.async ? "async " : "", "function ", s.name, group([this.params(s.params), s.ret ? [": ", this.type(s.ret, { k: "ret" })] : ""]), " ", this.block(s.body)];
      case "interface": {
        if (!s.members.length) return ["interface ", s.name, " {}"];
        const members = s.members.map((m) => {
          const member = [m.readonly ? "readonly " : "", m.name, m.optional ? "?" : "", ": ", this.type(m.type, { k: "member" }), ";"];
          return m.doc ? [printComment(m.doc), hardline, member] : member;
        });
        return ["interface ", s.name, " {", indent([hardline, join(hardline, members)]), hardline, "}"];
      }
      case "type":
        return [this.assignment(["type ", s.name], " =", { k: "type", type: s.type }, "type"), ";"];
      case "class": {
        // prettier's class header: its heritage clauses on lines of their own where it does not fit,
        // and then the body's brace on a line of its own.
        const heritage: Doc[] = [];
        if (s.ext) heritage.push(line, "extends ", s.ext);
        if (s.impl.length) heritage.push(line, "implements ", s.impl.join(", "));
        const id = Symbol("heritage");
        const members = s.members.map((m, i) => [i && m.blank ? hardline : "", this.property(m, "class")]);
        const heading = group(["class ", s.name, indent(heritage)], { id });
        if (!members.length) return [heading, " {}"];
        return [heading, heritage.length ? ifBreak(forcedLine, " ", id) : " ", "{", indent([hardline, join(hardline, members)]), hardline, "}"];
      }
    }
  }

  private varDecl(s: Stmt & { k: "var" }): Doc {
    const id = s.id;
    let left: Doc;
    if (id.k === "name") left = [id.name, id.type ? [": ", this.type(id.type, { k: "annotation" })] : ""];
    else {
      const props = id.props.map((p) => [p.key === p.value ? p.key : [p.key, ": ", p.value], p.init ? [" = ", this.expr(p.init, { k: "default" })] : ""]);
      const pattern: Doc = ["{", indent([line, join([",", line], props)]), ifBreak(","), line, "}"];
      // A complex pattern (break-lhs below) breaks with the declaration; a simple one on its own.
      left = !props.length ? "{}" : isComplexPattern(id) ? pattern : group(pattern);
    }
    if (!s.init) return [s.kind, " ", left];
    return [s.kind, " ", this.assignment(left, " =", s.init, id.k === "destructure" && isComplexPattern(id) ? "break-lhs" : undefined)];
  }

  /** prettier's printAssignment, with the layouts our code meets. */
  private assignment(left: Doc, op: string, right: Expr | { k: "type"; type: Type }, force?: string, shortKey = false): Doc {
    const rightDoc = right.k === "type" ? this.type(right.type, { k: "alias" }) : this.expr(right, { k: "assign" });
    let layout = force;
    if (right.k === "type") layout = right.type.k === "union" ? "break-lhs" : "fluid";
    else if (!layout) {
      const binaryish = (e: Expr) => e.k === "bin" && !(LOGICAL.has(e.op) && inlineLogical(e));
      if (binaryish(right) || (right.k === "cond" && binaryish(right.test))) layout = "break-after-operator";
      else if (shortKey || right.k === "lit") layout = "never-break-after-operator";
      else if (right.k === "str" || isMemberChain(right)) layout = "break-after-operator";
      else layout = "fluid";
    }
    switch (layout) {
      case "break-after-operator":
        return group([group(left), op, group(indent([line, rightDoc]))]);
      case "never-break-after-operator":
        return group([group(left), op, " ", rightDoc]);
      case "break-lhs":
        return group([left, op, " ", group(rightDoc)]);
      default: {
        const id = Symbol("assignment");
        return group([left, op, group(indent(line), { id }), indentIfBreak(rightDoc, id)]);
      }
    }
  }

  private params(params: Param[]): Doc {
    if (!params.length) return "()";
    const printed = params.map((p) => [p.name, p.optional ? "?" : "", p.type ? [": ", this.type(p.type, { k: "annotation" })] : "", p.init ? [" = ", this.expr(p.init, { k: "default" })] : ""]);
    return ["(", indent([softline, join([",", line], printed)]), ifBreak(","), softline, ")"];
  }

  private property(p: Prop, where: "object" | "class"): Doc {
    if (p.k === "method") {
      const head = p.kind ? [p.kind, " ", p.key] : [p.key];
      return [...head, group([this.params(p.params), p.ret ? [": ", this.type(p.ret, { k: "ret" })] : ""]), " ", this.block(p.body)];
    }
    void where;
    return this.assignment(p.key, ":", p.value, undefined, p.key.length < 5);
  }

  // Expressions
  expr(e: Expr, parent: Parent): Doc {
    const doc = this.bareExpr(e, parent);
    return needsParens(e, parent) ? ["(", doc, ")"] : doc;
  }

  private bareExpr(e: Expr, parent: Parent): Doc {
    switch (e.k) {
      case "id":
        return e.name;
      case "lit":
        return e.text;
      case "str":
        return printString(e.raw);
      case "member":
        return [this.expr(e.object, { k: "member" }), ".", e.name];
      case "index":
        return [this.expr(e.object, { k: "member" }), "[", this.expr(e.index, { k: "index" }), "]"];
      case "call":
        return [e.isNew ? "new " : "", this.expr(e.callee, { k: "callee" }), e.typeArgs ? this.typeArgs(e.typeArgs) : "", this.callArgs(e.args)];
      case "unary":
        return [e.op, e.op === "typeof" ? " " : "", this.expr(e.arg, { k: "unary" })];
      case "postfix":
        return [this.expr(e.arg, { k: "unary" }), e.op];
      case "bin":
        return this.binary(e, parent);
      case "cond":
        return this.conditional(e, parent);
      case "arrow":
        return this.arrow(e, false);
      case "array": {
        if (!e.items.length) return "[]";
        return group(["[", indent([softline, join([",", line], e.items.map((x) => this.expr(x, { k: "array" })))]), ifBreak(","), softline, "]"]);
      }
      case "object":
        return this.object(e);
      case "as":
        return [this.expr(e.expr, { k: "as" }), ` ${e.op} `, this.type(e.type, { k: "as" })];
    }
  }

  private object(e: Expr & { k: "object" }): Doc {
    if (!e.props.length) return "{}";
    const unquote = e.props.every((p) => p.k !== "prop" || !/^["']/.test(p.key) || isIdentifierName(p.key.slice(1, -1)));
    const props = e.props.map((p) => {
      const key = /^["']/.test(p.key) ? (unquote ? p.key.slice(1, -1) : printString(p.key)) : p.key;
      return this.property({ ...p, key } as Prop, "object");
    });
    const parts: Doc[] = [];
    props.forEach((p, i) => {
      if (i) parts.push(",", line, e.props[i]!.blank ? softline : "");
      parts.push(p);
    });
    return group(["{", indent([line, parts]), ifBreak(","), line, "}"], { brk: e.brk || e.props.slice(1).some((p) => p.blank) });
  }

  private arrow(e: Expr & { k: "arrow" }, expandLast: boolean): Doc {
    const params = this.params(e.params);
    if (e.body.k === "block") return group([group(params), " =>", " ", this.block(e.body)]);
    const body = this.expr(e.body, { k: "arrow" });
    const bodyDoc: Doc = [indent([line, body]), expandLast ? [ifBreak(","), softline] : ""];
    return group([group(params), " =>", group(bodyDoc)]);
  }

  private callArgs(args: Expr[]): Doc {
    if (!args.length) return "()";
    const printed = args.map((a) => this.expr(a, { k: "arg" }));
    const allBroken = () => group(["(", indent([line, join([",", line], printed)]), ifBreak(","), line, ")"], { brk: true });
    const last = args.at(-1)!;
    const penultimate = args.at(-2);
    const canExpand =
      (last.k === "object" && last.props.length > 0) ||
      (last.k === "array" && last.items.length > 0) ||
      (last.k === "arrow" && (last.body.k === "block" || last.body.k === "call" || last.body.k === "cond" || last.body.k === "object" || last.body.k === "array"));
    if (canExpand && (!penultimate || penultimate.k !== last.k)) {
      if (printed.slice(0, -1).some(willBreak)) return allBroken();
      const expanded = last.k === "arrow" ? this.arrow(last, true) : printed.at(-1)!;
      const head = printed.slice(0, -1).map((p) => [p, ", "]);
      return [
        printed.some(willBreak) ? breakParent : "",
        conditionalGroup([
          ["(", ...head, expanded, ")"],
          ["(", ...head, group(expanded, { brk: true }), ")"],
          allBroken(),
        ]),
      ];
    }
    return group(["(", indent([softline, join([",", line], printed)]), ifBreak(","), softline, ")"], { brk: printed.some(willBreak) });
  }

  private binary(e: Expr & { k: "bin" }, parent: Parent): Doc {
    const inParens = parent.k === "if" || parent.k === "switch";
    const parts = this.binaryParts(e, inParens, parent);
    if (inParens) return parts;
    if (parent.k === "arg" || parent.k === "unary" || parent.k === "member" || parent.k === "callee") return group([indent([softline, ...parts]), softline]);
    const notIndent = parent.k === "return" || parent.k === "arrow" || parent.k === "for" || parent.k === "condTest";
    const inlineLogical = LOGICAL.has(e.op) && inlineLogicalRight(e);
    const samePrec = e.left.k === "bin" && flattens(e.op, e.left.op);
    if (notIndent || (inlineLogical && !samePrec) || (!inlineLogical && (parent.k === "assign" || parent.k === "prop"))) return group(parts);
    const firstGroup = parts.findIndex((p) => typeof p === "object" && !Array.isArray(p) && p.t === "group");
    const head = parts.slice(0, firstGroup === -1 ? 1 : firstGroup + 1);
    return group([...head, indent(parts.slice(head.length))]);
  }

  private binaryParts(e: Expr & { k: "bin" }, inParens: boolean, parent: Parent): Doc[] {
    const parts: Doc[] = [];
    if (e.left.k === "bin" && flattens(e.op, e.left.op)) parts.push(...this.binaryParts(e.left, inParens, { k: "bin", node: e }));
    else parts.push(group(this.expr(e.left, { k: "bin", node: e, field: "left" })));
    const right: Doc[] = [e.op, line, this.expr(e.right, { k: "bin", node: e, field: "right" })];
    const kind = (x: Expr) => (x.k === "bin" ? (LOGICAL.has(x.op) ? "logical" : "binary") : x.k);
    const parentKind = parent.k === "bin" ? kind(parent.node as Expr) : parent.k;
    const shouldGroup = !(inParens && LOGICAL.has(e.op)) && parentKind !== kind(e) && kind(e.left) !== kind(e) && kind(e.right) !== kind(e);
    parts.push(" ", shouldGroup ? group(right) : right);
    return parts;
  }

  private conditional(e: Expr & { k: "cond" }, parent: Parent): Doc {
    const nested = parent.k === "condAlt";
    const branch = (x: Expr) => indent(this.expr(x, { k: "condBranch" }));
    const rest: Doc = [line, "? ", e.cons.k === "cond" ? ifBreak("", "(") : "", branch(e.cons), e.cons.k === "cond" ? ifBreak("", ")") : "", line, ": ", e.alt.k === "cond" ? this.expr(e.alt, { k: "condAlt" }) : branch(e.alt)];
    const parts: Doc = [this.expr(e.test, { k: "condTest" }), indent(rest)];
    const result = nested ? parts : group(parts);
    if (parent.k === "as") return group([indent([softline, result]), softline]);
    return result;
  }

  // Types
  type(t: Type, parent: Parent): Doc {
    switch (t.k) {
      case "word":
        return t.text;
      case "ref":
        return t.args ? [t.name, this.typeArgs(t.args)] : t.name;
      case "array":
        return [this.type(t.element, { k: "arrayType" }), "[]"];
      case "typeof":
        return ["typeof ", t.name];
      case "keyof":
        return ["keyof ", this.type(t.type, { k: "keyof" })];
      case "indexed":
        return [this.type(t.object, { k: "indexed" }), "[", this.type(t.index, { k: "indexed" }), "]"];
      case "paren":
        return ["(", this.type(t.type, { k: "paren" }), ")"];
      case "object": {
        if (!t.members.length) return "{}";
        const members = t.members.map((m) => [m.readonly ? "readonly " : "", m.name, m.optional ? "?" : "", ": ", this.type(m.type, { k: "member" })]);
        return group(["{", indent([line, join([";", line], members)]), ifBreak(";"), line, "}"]);
      }
      case "union": {
        const shouldIndent = parent.k !== "typeArgs" && parent.k !== "alias";
        const code: Doc = [ifBreak([shouldIndent ? line : "", "| "]), join([line, "| "], t.types.map((x) => this.type(x, { k: "union" })))];
        return group(shouldIndent ? indent(code) : code);
      }
      case "inter": {
        const isObj = (x: Type) => x.k === "object";
        const out: Doc[] = [];
        let wasIndented = false;
        t.types.forEach((x, i) => {
          const printed = this.type(x, { k: "inter" });
          if (i === 0) out.push(printed);
          else if (!isObj(t.types[i - 1]!) && !isObj(x)) out.push(indent([" &", line, printed]));
          else {
            if (!isObj(t.types[i - 1]!) || !isObj(x)) {
              if (i > 1) wasIndented = true;
            }
            out.push(" & ", i > 1 && wasIndented ? indent(printed) : printed);
          }
        });
        return group(out);
      }
    }
  }

  private typeArgs(args: Type[]): Doc {
    const simple = (t: Type) => t.k === "word" || (t.k === "ref" && !t.args) || t.k === "object";
    if (args.length === 1 && simple(args[0]!)) return ["<", this.type(args[0]!, { k: "typeArgs" }), ">"];
    return group(["<", indent([softline, join([",", line], args.map((a) => this.type(a, { k: "typeArgs" })))]), softline, ">"]);
  }
}


/** prettier's isComplexDestructuringTarget. */
function isComplexPattern(id: Pattern & { k: "destructure" }): boolean {
  return id.props.length > 2 && id.props.some((p) => p.key !== p.value);
}

function flattens(parentOp: string, op: string): boolean {
  if (PRECEDENCE[parentOp] !== PRECEDENCE[op]) return false;
  if (PRECEDENCE[op] === 7) return false;
  if ((op === "%" && (parentOp === "*" || parentOp === "/")) || (parentOp === "%" && (op === "*" || op === "/"))) return false;
  if (op !== parentOp && (op === "*" || op === "/") && (parentOp === "*" || parentOp === "/")) return false;
  return true;
}

/** `a ?? { ... }`: a logical expression whose right side is a non-empty object or array. */
function inlineLogicalRight(e: Expr & { k: "bin" }): boolean {
  return (e.right.k === "object" && e.right.props.length > 0) || (e.right.k === "array" && e.right.items.length > 0);
}
const inlineLogical = (e: Expr) => e.k === "bin" && inlineLogicalRight(e);

function isMemberChain(e: Expr): boolean {
  if (e.k !== "member") return false;
  return e.object.k === "id" || isMemberChain(e.object);
}

function needsParens(e: Expr, parent: Parent): boolean {
  switch (parent.k) {
    case "member":
    case "callee":
      return e.k !== "id" && e.k !== "member" && e.k !== "call" && e.k !== "index" && e.k !== "lit" && e.k !== "str" && e.k !== "array" && e.k !== "object";
    case "as":
      return e.k === "cond" || e.k === "arrow" || e.k === "bin";
    case "unary":
      return e.k === "bin" || e.k === "cond" || e.k === "arrow" || e.k === "as";
    case "bin": {
      if (e.k === "cond" || e.k === "arrow") return true;
      if (e.k === "as") return true;
      if (e.k !== "bin") return false;
      const p = parent.node as Expr & { k: "bin" };
      const pp = PRECEDENCE[p.op]!;
      const np = PRECEDENCE[e.op]!;
      if (pp > np) return true;
      if (pp === np && parent.field === "right") return true;
      if (pp === np && !flattens(p.op, e.op)) return true;
      if ((p.op === "??") !== (e.op === "??") && (LOGICAL.has(p.op) || LOGICAL.has(e.op))) return true;
      return false;
    }
    case "condTest":
      return e.k === "cond" || e.k === "arrow";
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// A module file: statements, and the imports of the symbols they use.

export interface ImportFrom {
  /** The key symbols name (`runtime:codec`), or a specifier. */
  key: string;
  specifier: string;
  /** `inline`: one statement with `type` on type names, sorted as locales do; else values, then types. */
  style?: "inline" | "split";
}

export class ModuleFile {
  private readonly parts: { doc: Doc; blank: boolean }[] = [];
  private readonly used = new Set<ImportSymbol>();
  private readonly importable = new Map<string, ImportSymbol>();

  /** Names other modules export: a reference to one in the code imports it from `from`. */
  canImport(names: Iterable<[name: string, from: string, typeOnly: boolean]>): void {
    for (const [name, from, typeOnly] of names) {
      const t = tokenize(symbol(name, from, typeOnly))[0]!;
      this.importable.set(name, t.sym!);
    }
  }

  /** Adds statements, each with its /** *\/ doc; `blank`: a blank line before them. */
  add(text: string, blank = false): void {
    this.parts.push({ doc: this.parse(text), blank });
  }

  /** Adds statements before those added so far (after the file comment, when there is one). */
  insert(at: number, text: string, blank = false): void {
    this.parts.splice(at, 0, { doc: this.parse(text), blank });
  }

  get length(): number {
    return this.parts.length;
  }

  /** Whether the code added so far names a symbol (`uses(local("LE"))`). */
  uses(marker: string): boolean {
    const t = tokenize(marker)[0]!;
    return t.sym !== undefined && this.used.has(t.sym);
  }

  private parse(text: string): Doc {
    const stmts = new Parser(tokenize(text), (s) => this.used.add(s), (n) => this.importable.get(n)).program();
    return new Printer().statements(stmts);
  }

  /**
   * The import statements of the symbols used, module by module in `order` (then others by
   * specifier), as text for `insert`.
   */
  imports(order: ImportFrom[]): string {
    const byModule = new Map<string, ImportSymbol[]>();
    for (const s of this.used) {
      if (s.from === "local:") continue;
      byModule.set(s.from, [...(byModule.get(s.from) ?? []), s]);
    }
    const known = new Map(order.map((o) => [o.key, o]));
    const keys = [...order.map((o) => o.key).filter((k) => byModule.has(k)), ...[...byModule.keys()].filter((k) => !known.has(k)).sort((a, b) => a.localeCompare(b))];
    const out: string[] = [];
    for (const key of keys) {
      const from = known.get(key) ?? { key, specifier: key, style: "inline" };
      const syms = byModule.get(key)!;
      const spec = JSON.stringify(from.specifier);
      if (from.style === "inline") {
        const named = syms.sort((a, b) => a.name.localeCompare(b.name)).map((s) => (s.typeOnly ? `type ${s.name}` : s.name));
        out.push(`import { ${named.join(", ")} } from ${spec};`);
        continue;
      }
      const values = syms.filter((s) => !s.typeOnly).map((s) => s.name).sort();
      const types = syms.filter((s) => s.typeOnly).map((s) => s.name).sort();
      if (values.length) out.push(`import { ${values.join(", ")} } from ${spec};`);
      if (types.length) out.push(`import type { ${types.join(", ")} } from ${spec};`);
    }
    return out.join("\n");
  }

  /** The module's text, laid out in 100 columns. */
  print(): string {
    const docs: Doc[] = [];
    this.parts.forEach((p, i) => {
      if (i) docs.push(hardline, p.blank ? hardline : "");
      docs.push(p.doc);
    });
    docs.push(hardline);
    return printDoc(docs, WIDTH);
  }
}
