// C preprocessing tokens with their source positions. Backslash-newline is a line splice:
// it is skipped like white space and does not end a directive.
import { fail, type SourceLocation } from "../ir/diagnostics.js";

/** "barrier" marks where a directive stood, so a comment above a #define is not taken as the
 * doc of the declaration after it; "pack" carries the `#pragma pack` value in effect from there
 * on (its text is the maximum alignment, "0" for none). */
export type TokenKind = "ident" | "number" | "char" | "string" | "punct" | "comment" | "barrier" | "pack";

export interface Token {
  kind: TokenKind;
  text: string;
  loc: SourceLocation;
  /** First token of a logical line (directives start here). */
  bol: boolean;
  /** White space (or a comment) came before it on the same line. */
  spaceBefore: boolean;
  /** The macro invocation (outermost) this token came from, e.g. `__aligned_u64`. */
  expandedFrom?: string;
  /** A macro name read while its macro was being replaced: it never expands. */
  noExpand?: boolean;
}

/**
 * A token with every field in one order, so all tokens share one shape: a spread copy
 * (`{ ...t, text }`) costs several times as much, and expansion makes millions of them.
 */
export function token(kind: TokenKind, text: string, loc: SourceLocation, bol: boolean, spaceBefore: boolean, expandedFrom?: string, noExpand = false): Token {
  return { kind, text, loc, bol, spaceBefore, expandedFrom, noExpand };
}

/** `t` as another kind and text, where it stands. */
export function retoken(t: Token, kind: TokenKind, text: string): Token {
  return token(kind, text, t.loc, t.bol, t.spaceBefore, t.expandedFrom, t.noExpand);
}

const PUNCTUATORS = [
  "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
  "*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=", "##",
];

const isIdentStart = (c: string) => /[A-Za-z_$]/.test(c);
const isIdent = (c: string) => /[A-Za-z0-9_$]/.test(c);

/**
 * Tokens of `text`. `limit`: at most `max` tokens (comments included) counting the `before` of
 * the files read before this one; the token past it is an [input-size] error.
 */
export function tokenize(text: string, file: string, limit = { max: Infinity, before: 0 }): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let bol = true;
  let space = false;
  const n = text.length;
  const here = (): SourceLocation => ({ file, line, column: i - lineStart + 1 });
  const push = (kind: TokenKind, start: number, loc: SourceLocation) => {
    if (limit.before + out.length >= limit.max) fail("input-size", `the header and what it includes are more than ${limit.max} tokens before preprocessing`, loc);
    out.push(token(kind, text.slice(start, i), loc, bol, space));
    bol = false;
    space = false;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === "\n") {
      i++;
      line++;
      lineStart = i;
      bol = true;
      space = false;
      continue;
    }
    if (c === "\\" && (text[i + 1] === "\n" || (text[i + 1] === "\r" && text[i + 2] === "\n"))) {
      i += text[i + 1] === "\n" ? 2 : 3;
      line++;
      lineStart = i;
      space = true;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      space = true;
      continue;
    }
    const loc = here();
    const start = i;
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) fail("unterminated-comment", "unterminated /* comment", loc);
      for (let j = i; j < end; j++) {
        if (text[j] === "\n") {
          line++;
          lineStart = j + 1;
        }
      }
      i = end + 2;
      // A comment is white space to the preprocessor; it is kept as a token for kerneldoc.
      const wasBol: boolean = bol;
      push("comment", start, loc);
      bol = wasBol;
      space = true;
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      while (i < n && text[i] !== "\n") i++;
      space = true;
      continue;
    }
    if (isIdentStart(c)) {
      while (i < n && isIdent(text[i]!)) i++;
      // L'x', u"...", U'x', u8"...": an encoding prefix belongs to the literal after it.
      const quote = text[i];
      if ((quote === "'" || quote === '"') && /^(L|u|U|u8)$/.test(text.slice(start, i))) {
        i++;
        while (i < n && text[i] !== quote && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
        if (text[i] !== quote) fail("unterminated-literal", `missing terminating ${quote} character`, loc);
        i++;
        push(quote === "'" ? "char" : "string", start, loc);
        continue;
      }
      push("ident", start, loc);
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] ?? ""))) {
      // pp-number: digits, letters, dots, and exponent signs.
      i++;
      while (i < n) {
        const d = text[i]!;
        if ((d === "+" || d === "-") && /[eEpP]/.test(text[i - 1]!)) i++;
        else if (isIdent(d) || d === ".") i++;
        else break;
      }
      push("number", start, loc);
      continue;
    }
    if (c === "'" || c === '"') {
      i++;
      while (i < n && text[i] !== c) {
        if (text[i] === "\n") fail("unterminated-literal", `missing terminating ${c} character`, loc);
        i += text[i] === "\\" ? 2 : 1;
      }
      if (i >= n) fail("unterminated-literal", `missing terminating ${c} character`, loc);
      i++;
      push(c === "'" ? "char" : "string", start, loc);
      continue;
    }
    const p = PUNCTUATORS.find((op) => text.startsWith(op, i));
    i += p ? p.length : 1;
    push("punct", start, loc);
  }
  return out;
}
