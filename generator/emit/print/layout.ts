// Printing: for each syntax node, the document prettier's estree printer builds for it, so that
// doc.ts lays the module out as prettier would (printWidth 100, its defaults otherwise).
import { LOGICAL, PRECEDENCE, type Block, type Expr, type Param, type Pattern, type Prop, type Stmt, type Type } from "./ast.js";
import { printString } from "./tokens.js";
import { breakParent, conditionalGroup, forcedLine, group, hardline, ifBreak, indent, indentIfBreak, join, line, softline, willBreak, type Doc } from "./doc.js";


const isIdentifierName = (s: string) => /^[A-Za-z_$][\w$]*$/.test(s);

export function printComment(doc: string): Doc {
  const lines = doc.split("\n");
  if (lines.length === 1) return doc;
  // A /** */ comment whose lines all start with `*` is re-indented, each line trimmed.
  return join(
    hardline,
    lines.map((l, i) => (i === 0 ? l.trimEnd() : " " + (i < lines.length - 1 ? l.trim() : l.trimStart()))),
  );
}

type Parent = { k: string; node?: unknown; field?: string };

export class Printer {
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
      const props = id.props.map((p) => {
        const init = p.init ? [" = ", this.expr(p.init, { k: "default" })] : "";
        if (p.key === p.value) return [p.key, init];
        // prettier's fluid assignment layout: a property too long for the line breaks after `:`.
        const after = Symbol("property");
        return group([p.key, ":", group(indent(line), { id: after }), indentIfBreak([p.value, init], after)]);
      });
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
    if (parent.k === "unary" || parent.k === "member" || parent.k === "callee") return group([indent([softline, ...parts]), softline]);
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
    // A nested conditional's test that breaks continues two columns past where it starts (after
    // the `: ` of the conditional it is the alternate of), as prettier aligns it.
    const test = this.expr(e.test, { k: "condTest" });
    const parts: Doc = [nested ? indent(indent(test)) : test, indent(rest)];
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

