// A recursive-descent parser of the TypeScript the emitters write (ast.ts), over tokens.ts.
import { PRECEDENCE, type Block, type Expr, type Param, type Pattern, type Prop, type Stmt, type Type, type TypeMember } from "./ast.js";
import type { ImportSymbol } from "./marks.js";
import { printString, type Tok } from "./tokens.js";

export class Parser {
  private i = 0;
  constructor(
    private toks: Tok[],
    private uses: (s: ImportSymbol) => void,
  ) {}

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
    let name = t.v;
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
    if (t.k === "id") return { k: "id", name: this.next().v };
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
