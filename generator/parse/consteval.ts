// C integer constant expressions over preprocessing tokens, with C's typing rules (literal
// types, integer promotion, usual arithmetic conversions, wrap-around), so `~0U`, `1 << 31`
// and `(__u32)-1` get the value gcc gives them. Used for #if, enum values, array lengths and
// #define constants (including the sizeof() behind _IOC).
import { fail, InputError } from "../ir/diagnostics.js";
import type { IntType, Value } from "../ir/values.js";
import type { Token } from "./lexer.js";

export interface EvalEnv {
  longBits: number;
  /** Value of an identifier that is not a macro (enumerator); undefined is an error. */
  identifier(tok: Token): Value | undefined;
  /**
   * Parses a type name starting at toks[pos] (for casts and sizeof). Returns undefined when the
   * tokens there do not start a type name.
   */
  typeName?(toks: Token[], pos: number): { end: number; size: number; align: number; int?: IntType } | undefined;
  /** offsetof(type, designator) in bytes. */
  offsetOf?(type: Token[], designator: Token[], at: Token): number;
}

export const intTypes = (longBits: number) => ({
  int: { bits: 32, signed: true, rank: 3 },
  uint: { bits: 32, signed: false, rank: 3 },
  long: { bits: longBits, signed: true, rank: 4 },
  ulong: { bits: longBits, signed: false, rank: 4 },
  llong: { bits: 64, signed: true, rank: 5 },
  ullong: { bits: 64, signed: false, rank: 5 },
});

export function wrap(v: bigint, t: IntType): bigint {
  return t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v);
}

const fits = (v: bigint, t: IntType) => wrap(v, t) === v;

function parseNumber(tok: Token, longBits: number): Value {
  const T = intTypes(longBits);
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$/.exec(tok.text);
  if (!m) fail("bad-constant", `invalid integer constant '${tok.text}'`, tok.loc);
  const digits = m[1]!;
  const suffix = m[2]!.toLowerCase();
  const v = /^0[0-7]+$/.test(digits) ? BigInt("0o" + digits.slice(1)) : BigInt(digits);
  const decimal = /^[1-9]/.test(digits) || digits === "0";
  const unsigned = suffix.includes("u");
  const longs = (suffix.match(/l/g) ?? []).length;
  if (!/^(u?l{0,2}|l{1,2}u)$/.test(suffix)) fail("bad-constant", `invalid suffix on integer constant '${tok.text}'`, tok.loc);
  let candidates: IntType[];
  if (longs === 2) candidates = unsigned ? [T.ullong] : decimal ? [T.llong] : [T.llong, T.ullong];
  else if (longs === 1)
    candidates = unsigned ? [T.ulong, T.ullong] : decimal ? [T.long, T.llong] : [T.long, T.ulong, T.llong, T.ullong];
  else if (unsigned) candidates = [T.uint, T.ulong, T.ullong];
  else candidates = decimal ? [T.int, T.long, T.llong] : [T.int, T.uint, T.long, T.ulong, T.llong, T.ullong];
  const t = candidates.find((c) => fits(v, c));
  if (!t) fail("bad-constant", `integer constant '${tok.text}' is too large`, tok.loc);
  return { v, t };
}

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, "0": 0, a: 7, b: 8, f: 12, v: 11, e: 27, "\\": 92, "'": 39, '"': 34, "?": 63 };

function parseChar(tok: Token): Value {
  const prefix = /^(L|u8|u|U)?/.exec(tok.text)![0];
  const body = tok.text.slice(prefix.length + 1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < body.length; ) {
    if (body[i] !== "\\") {
      bytes.push(body.charCodeAt(i++));
      continue;
    }
    const e = body[i + 1] ?? "";
    let m: RegExpExecArray | null;
    if ((m = /^x([0-9a-fA-F]+)/.exec(body.slice(i + 1)))) {
      bytes.push(parseInt(m[1]!, 16) & 0xff);
      i += 1 + m[0].length;
    } else if ((m = /^[0-7]{1,3}/.exec(body.slice(i + 1)))) {
      bytes.push(parseInt(m[0], 8) & 0xff);
      i += 1 + m[0].length;
    } else if (e in ESCAPES) {
      bytes.push(ESCAPES[e]!);
      i += 2;
    } else fail("bad-constant", `unknown escape sequence '\\${e}'`, tok.loc);
  }
  if (bytes.length === 0) fail("bad-constant", "empty character constant", tok.loc);
  // gcc: a char constant has type int; a single char is sign-extended from (signed) char on
  // x86, multi-character constants are big-endian packed.
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  // A wide character (L'x') is a wchar_t, int on Linux; no sign extension from char.
  if (bytes.length === 1 && !prefix) v = BigInt.asIntN(8, v);
  return { v: BigInt.asIntN(32, v), t: { bits: 32, signed: true, rank: 3 } };
}

function promote(t: IntType): IntType {
  if (t.rank < 3) return { bits: 32, signed: true, rank: 3 };
  return t;
}

function common(a: IntType, b: IntType): IntType {
  a = promote(a);
  b = promote(b);
  if (a.signed === b.signed) return a.rank >= b.rank ? a : b;
  const [u, s] = a.signed ? [b, a] : [a, b];
  if (u.rank >= s.rank) return u;
  if (s.bits > u.bits) return s;
  return { bits: s.bits, signed: false, rank: s.rank };
}

/**
 * How deeply a constant expression may nest: parentheses, casts, unary operators, ?: arms, and
 * evaluations inside evaluations (sizeof(T[N])). The parser recurses at each level.
 */
export const MAX_EXPRESSION_NESTING = 256;

// Module-wide because evaluations nest through the environment (typeName, offsetOf).
let nesting = 0;

function nested<T>(at: Token, parse: () => T): T {
  if (nesting >= MAX_EXPRESSION_NESTING) fail("nesting-limit", `constant expression nested more than ${MAX_EXPRESSION_NESTING} levels deep`, at.loc);
  nesting++;
  try {
    return parse();
  } finally {
    nesting--;
  }
}

const BINARY_PRECEDENCE: Record<string, number> = {
  "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
  "<": 7, ">": 7, "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
};

class Evaluator {
  private pos = 0;
  /** > 0 while parsing an operand C does not evaluate (`0 && f()`, the other arm of `?:`). */
  private skipping = 0;
  private readonly T: ReturnType<typeof intTypes>;
  constructor(
    private readonly toks: Token[],
    private readonly env: EvalEnv,
    private readonly whole: Token,
  ) {
    this.T = intTypes(env.longBits);
  }

  run(): Value {
    if (this.toks.length === 0) fail("bad-constant", "expected an expression", this.whole.loc);
    const v = this.conditional();
    if (this.pos < this.toks.length) {
      const t = this.toks[this.pos]!;
      fail("bad-constant", `unexpected '${t.text}' in constant expression`, t.loc);
    }
    return v;
  }

  /** The index just past the parenthesised group starting at the current `(`. */
  private skipParens(): Token[] {
    const start = this.pos;
    let depth = 0;
    for (; this.pos < this.toks.length; this.pos++) {
      const t = this.toks[this.pos]!.text;
      if (t === "(") depth++;
      if (t === ")" && --depth === 0) {
        this.pos++;
        return this.toks.slice(start + 1, this.pos - 1);
      }
    }
    fail("bad-constant", "missing ')' in constant expression", this.toks[start]!.loc);
  }

  /** __builtin_constant_p(x): 1 when x is an integer constant expression here. */
  private builtinConstantP(): Value {
    const at = this.toks[this.pos]!;
    const inner = this.skipParens();
    try {
      evaluate(inner, this.env, at);
      return { v: 1n, t: this.T.int };
    } catch (err) {
      // Not a constant is an answer; an expression too deep to look at is not.
      if (!(err instanceof InputError) || err.diagnostic.rule === "nesting-limit") throw err;
      return { v: 0n, t: this.T.int };
    }
  }

  /** __builtin_offsetof(type, member.path[index]) */
  private builtinOffsetof(at: Token): Value {
    const inner = this.skipParens();
    const comma = inner.findIndex((t) => t.text === ",");
    if (comma < 0 || !this.env.offsetOf) fail("bad-constant", "__builtin_offsetof expects a type and a member", at.loc);
    const off = this.env.offsetOf(inner.slice(0, comma), inner.slice(comma + 1), at);
    return { v: BigInt(off), t: this.T.ulong };
  }

  /**
   * `(typeof(x))(a)`: a cast to the type of `x` (__ALIGN_KERNEL, behind netlink.h's
   * NL_MMAP_HDRLEN). Returns undefined when the parenthesis holds something else.
   */
  private typeofCast(): Value | undefined {
    const start = this.pos;
    if (this.toks[start + 1]?.text !== "typeof" || this.toks[start + 2]?.text !== "(") return undefined;
    this.pos = start + 2;
    const inner = this.skipParens();
    if (!this.at(")")) {
      this.pos = start;
      return undefined;
    }
    this.pos++;
    const asType = this.env.typeName?.(inner, 0);
    const t = asType && asType.end === inner.length ? (asType.int ?? this.T.ulong) : new Evaluator(inner, this.env, this.whole).run().t;
    const a = this.unary();
    return { v: wrap(a.v, t), t };
  }

  /**
   * `&((struct x *)0)->member`, offsetof written out (nilfs2_ondisk.h's NILFS_SB_BYTES): the
   * member's offset. Any other `&` is not a constant.
   */
  private nullMemberAddress(amp: Token): Value {
    const t = this.toks;
    const star = t.findIndex((x, i) => i > this.pos + 2 && x.text === "*");
    const ok = t[this.pos + 1]?.text === "(" && t[this.pos + 2]?.text === "(" && star > 0 && t[star + 1]?.text === ")" && t[star + 2]?.text === "0" && t[star + 3]?.text === ")" && t[star + 4]?.text === "->";
    if (!ok || !this.env.offsetOf) fail("bad-constant", "unexpected '&' in constant expression", amp.loc);
    let end = star + 5;
    while (t[end]?.kind === "ident" || t[end]?.text === "." || t[end]?.text === "[") {
      if (t[end]!.text !== "[") {
        end++;
        continue;
      }
      let depth = 0;
      for (; end < t.length; end++) if (t[end]!.text === "[") depth++; else if (t[end]!.text === "]" && --depth === 0) break;
      end++;
    }
    const offset = this.env.offsetOf(t.slice(this.pos + 3, star), t.slice(star + 5, end), amp);
    this.pos = end;
    return { v: BigInt(offset), t: this.T.ulong };
  }

  private peek(): Token | undefined {
    return this.toks[this.pos];
  }
  private at(text: string): boolean {
    const t = this.toks[this.pos];
    return t !== undefined && t.kind === "punct" && t.text === text;
  }
  private expect(text: string): void {
    const t = this.toks[this.pos];
    if (!t || t.text !== text) fail("bad-constant", `expected '${text}' in constant expression`, (t ?? this.last()).loc);
    this.pos++;
  }
  private last(): Token {
    return this.toks[this.toks.length - 1] ?? this.whole;
  }

  private conditional(): Value {
    const c = this.binary(1);
    if (!this.at("?")) return c;
    const question = this.toks[this.pos++]!;
    const a = this.unevaluatedIf(c.v === 0n, () => nested(question, () => this.conditional()));
    this.expect(":");
    const b = this.unevaluatedIf(c.v !== 0n, () => nested(question, () => this.conditional()));
    const t = common(a.t, b.t);
    return { v: wrap(c.v !== 0n ? a.v : b.v, t), t };
  }

  private unevaluatedIf(skip: boolean, parse: () => Value): Value {
    if (skip) this.skipping++;
    try {
      return parse();
    } finally {
      if (skip) this.skipping--;
    }
  }

  private binary(minPrec: number): Value {
    let left = this.unary();
    for (;;) {
      const op = this.peek();
      const prec = op && op.kind === "punct" ? BINARY_PRECEDENCE[op.text] : undefined;
      if (prec === undefined || prec < minPrec) return left;
      this.pos++;
      const shortCircuit = (op!.text === "&&" && left.v === 0n) || (op!.text === "||" && left.v !== 0n);
      const right = this.unevaluatedIf(shortCircuit, () => this.binary(prec + 1));
      left = this.skipping || shortCircuit ? this.applyLenient(op!, left, right) : this.apply(op!, left, right);
    }
  }

  /** Operators in unevaluated operands: the value is discarded, so no operator may fail. */
  private applyLenient(op: Token, a: Value, b: Value): Value {
    try {
      return this.apply(op, a, b);
    } catch {
      return { v: 0n, t: common(a.t, b.t) };
    }
  }

  private apply(op: Token, a: Value, b: Value): Value {
    const int = this.T.int;
    const bool = (x: boolean): Value => ({ v: x ? 1n : 0n, t: int });
    switch (op.text) {
      case "||":
        return bool(a.v !== 0n || b.v !== 0n);
      case "&&":
        return bool(a.v !== 0n && b.v !== 0n);
      case "<<":
      case ">>": {
        const t = promote(a.t);
        if (b.v < 0n || b.v >= BigInt(t.bits)) fail("bad-constant", `shift count ${b.v} is out of range for a ${t.bits}-bit operand`, op.loc);
        return { v: wrap(op.text === "<<" ? a.v << b.v : a.v >> b.v, t), t };
      }
    }
    const t = common(a.t, b.t);
    const x = wrap(a.v, t);
    const y = wrap(b.v, t);
    switch (op.text) {
      case "==": return bool(x === y);
      case "!=": return bool(x !== y);
      case "<": return bool(x < y);
      case ">": return bool(x > y);
      case "<=": return bool(x <= y);
      case ">=": return bool(x >= y);
      case "+": return { v: wrap(x + y, t), t };
      case "-": return { v: wrap(x - y, t), t };
      case "*": return { v: wrap(x * y, t), t };
      case "/":
      case "%":
        if (y === 0n) fail("bad-constant", "division by zero in constant expression", op.loc);
        return { v: wrap(op.text === "/" ? x / y : x % y, t), t };
      case "&": return { v: wrap(x & y, t), t };
      case "|": return { v: wrap(x | y, t), t };
      case "^": return { v: wrap(x ^ y, t), t };
    }
    fail("bad-constant", `unsupported operator '${op.text}'`, op.loc);
  }

  private unary(): Value {
    const tok = this.peek();
    if (!tok) fail("bad-constant", "expression ends early", this.last().loc);
    if (tok.kind === "punct") {
      switch (tok.text) {
        case "+":
        case "-":
        case "~":
        case "!": {
          this.pos++;
          const a = nested(tok, () => this.unary());
          const t = promote(a.t);
          if (tok.text === "!") return { v: a.v === 0n ? 1n : 0n, t: this.T.int };
          const v = tok.text === "+" ? a.v : tok.text === "-" ? -a.v : ~a.v;
          return { v: wrap(v, t), t };
        }
        case "&":
          return this.nullMemberAddress(tok);
        case "(": {
          const typed = this.typeofCast();
          if (typed) return typed;
          const cast = this.env.typeName?.(this.toks, this.pos + 1);
          if (cast && this.toks[cast.end]?.text === ")") {
            this.pos = cast.end + 1;
            const a = nested(tok, () => this.unary());
            const t = cast.int ?? this.T.ulong;
            return { v: wrap(a.v, t), t };
          }
          this.pos++;
          const v = nested(tok, () => this.conditional());
          this.expect(")");
          return v;
        }
      }
    }
    if (tok.kind === "ident" && (tok.text === "sizeof" || tok.text === "_Alignof" || tok.text === "__alignof__" || tok.text === "alignof")) {
      this.pos++;
      const sizeof = tok.text === "sizeof";
      // sizeof("os2.") and sizeof(PREFIX "bpf.") (xattr.h): the bytes of the concatenated
      // literals and the terminating NUL.
      let parens = 0;
      while (this.toks[this.pos + parens]?.text === "(") parens++;
      if (sizeof && this.toks[this.pos + parens]?.kind === "string") {
        this.pos += parens;
        let bytes = 0;
        while (this.peek()?.kind === "string") bytes += stringBytes(this.toks[this.pos++]!);
        for (let p = 0; p < parens; p++) this.expect(")");
        return { v: BigInt(bytes + 1), t: this.T.ulong };
      }
      if (this.at("(")) {
        const ty = this.env.typeName?.(this.toks, this.pos + 1);
        if (ty && this.toks[ty.end]?.text === ")") {
          this.pos = ty.end + 1;
          return { v: BigInt(sizeof ? ty.size : ty.align), t: this.T.ulong };
        }
      }
      // Of an expression: its integer type's size (also used for __alignof__(expr), a GNU form
      // uAPI headers do not use).
      const a = nested(tok, () => this.unary());
      return { v: BigInt(a.t.bits / 8), t: this.T.ulong };
    }
    this.pos++;
    switch (tok.kind) {
      case "number":
        return parseNumber(tok, this.env.longBits);
      case "char":
        return parseChar(tok);
      case "ident": {
        if (tok.text === "__builtin_constant_p" && this.at("(")) return this.builtinConstantP();
        if (tok.text === "__builtin_offsetof" && this.at("(")) return this.builtinOffsetof(tok);
        const v = this.env.identifier(tok);
        if (this.skipping) {
          // An unevaluated call or name: parse it, its value does not matter.
          if (this.at("(")) this.skipParens();
          return v ?? { v: 0n, t: this.T.int };
        }
        if (!v) fail("bad-constant", `'${tok.text}' is not a constant`, tok.loc);
        return v;
      }
    }
    fail("bad-constant", `unexpected '${tok.text}' in constant expression`, tok.loc);
  }
}

function stringBytes(tok: Token): number {
  const body = tok.text.slice(tok.text.indexOf('"') + 1, -1);
  // Escapes are one byte each; everything else counts in UTF-8.
  return Buffer.byteLength(body.replace(/\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)/g, "_"));
}

/** Evaluates `toks` as a C integer constant expression; `at` locates errors for empty input. */
export function evaluate(toks: Token[], env: EvalEnv, at: Token): Value {
  return nested(at, () => new Evaluator(toks, env, at).run());
}
