// Tokens of the TypeScript the emitters write: names, numbers, strings, punctuation, /** docs */
// and symbol markers, with the line breaks before each (prettier keeps blank lines).
import { CLOSE, OPEN, registry, type ImportSymbol } from "./marks.js";

export type TokKind = "id" | "num" | "str" | "p" | "doc" | "eof";
export interface Tok {
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

export function tokenize(src: string): Tok[] {
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

/** A string literal as prettier writes it: double quotes unless that needs more escapes. */
export function printString(raw: string): string {
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
