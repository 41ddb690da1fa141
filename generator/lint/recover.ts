// Error recovery for lint: a declaration uapigen cannot build (a stray `;`, an initialised
// variable, a type only libc defines) is blanked out of the header and reported where it is, so
// one bad declaration does not hide the findings of the rest of the header.
import fs from "node:fs";
import path from "node:path";
import { InputError, type SourceLocation } from "../ir/diagnostics.js";

/** Rules of errors that concern the whole unit, not one declaration: no recovery. */
const UNRECOVERABLE = new Set(["include", "error-directive", "usage", "io"]);

/** Offset of a 1-based line and column in a text. */
function offsetOf(text: string, loc: SourceLocation): number {
  let offset = 0;
  for (let line = 1; line < loc.line; line++) offset = text.indexOf("\n", offset) + 1;
  return offset + loc.column - 1;
}

/**
 * The top-level declaration around `at`: from just after the previous `;` or `}` at brace depth
 * 0 to the `;` that ends it. Comments, strings and preprocessor lines do not count.
 */
export function declarationSpan(text: string, at: number): [number, number] | undefined {
  let depth = 0;
  let start = 0;
  let i = 0;
  const skip = (): boolean => {
    if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
      return true;
    }
    if (text.startsWith("//", i) || (text[i] === "#" && /(^|\n)[ \t]*$/.test(text.slice(Math.max(0, i - 80), i)))) {
      // A line comment or a directive (with its continuations).
      while (i < text.length && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
      return true;
    }
    if (text[i] === '"' || text[i] === "'") {
      const q = text[i];
      for (i++; i < text.length && text[i] !== q; i++) if (text[i] === "\\") i++;
      i++;
      return true;
    }
    return false;
  };
  while (i < text.length) {
    if (skip()) continue;
    const c = text[i]!;
    if (c === "{" || c === "(") depth++;
    else if (c === "}" || c === ")") depth--;
    else if (c === ";" && depth === 0) {
      if (i >= at) return [start, i + 1];
      start = i + 1;
    }
    i++;
  }
  return undefined;
}

/** The text with [start, end) blanked, directives and newlines kept so lines do not move. */
function blank(text: string, [start, end]: [number, number]): string {
  const lines = text.slice(start, end).split("\n").map((l) => (/^\s*#/.test(l) ? l : l.replace(/[^\s]/g, " ")));
  return text.slice(0, start) + lines.join("\n") + text.slice(end);
}

export interface Skipped {
  loc: SourceLocation;
  message: string;
}

/**
 * Runs `build` on `header`; when it fails on a declaration of the header itself, blanks that
 * declaration and tries again (a few times). Returns the result and the declarations skipped.
 */
export function withRecovery<T>(header: string, build: (readFile?: (file: string) => string | undefined) => T, limit = 8): { result: T; skipped: Skipped[] } {
  const file = path.resolve(header);
  const skipped: Skipped[] = [];
  let text: string | undefined;
  for (;;) {
    const readFile = text === undefined ? undefined : (f: string) => (f === file ? text : fs.existsSync(f) && fs.statSync(f).isFile() ? fs.readFileSync(f, "utf8") : undefined);
    try {
      return { result: build(readFile), skipped };
    } catch (err) {
      const loc = err instanceof InputError ? err.diagnostic.loc : undefined;
      if (!loc || loc.file !== file || UNRECOVERABLE.has((err as InputError).diagnostic.rule) || skipped.length >= limit) throw err;
      text ??= fs.readFileSync(file, "utf8");
      const span = declarationSpan(text, offsetOf(text, loc));
      if (!span) throw err;
      text = blank(text, span);
      skipped.push({ loc, message: (err as InputError).diagnostic.message });
    }
  }
}
