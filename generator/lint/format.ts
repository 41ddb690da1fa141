// Findings as text (as gcc prints diagnostics: display columns, the source line under a
// `  NNN | ` gutter and a caret line), or JSON. SARIF is in sarif.ts.
import fs from "node:fs";
import path from "node:path";
import type { Finding } from "./findings.js";

export type Format = "text" | "json" | "sarif";

/** As gcc prints them: relative to the working directory when the file is below it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/** gcc's -ftabstop default: a tab advances to the next multiple of 8. */
const TAB_STOP = 8;

/**
 * The line with tabs expanded, and the display column of each character offset (1-based), as
 * gcc's -fdiagnostics-column-unit=display counts them. A code point is one column.
 */
export function displayColumns(line: string): { text: string; columnAt: (offset: number) => number } {
  const starts: number[] = [];
  let text = "";
  let width = 0;
  for (let i = 0; i < line.length; ) {
    const cp = line.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    for (let u = 0; u < units; u++) starts.push(width + 1);
    if (cp === 9) {
      const next = (Math.floor(width / TAB_STOP) + 1) * TAB_STOP;
      text += " ".repeat(next - width);
      width = next;
    } else {
      text += String.fromCodePoint(cp);
      width += 1;
    }
    i += units;
  }
  return { text, columnAt: (offset) => starts[offset] ?? width + 1 + (offset - line.length) };
}

export function formatText(findings: Finding[], read: (file: string) => string | undefined = readOnce()): string {
  const out: string[] = [];
  // Split once per file: a header can have as many findings as lines.
  const lines = new Map<string, string[] | undefined>();
  const linesOf = (file: string) => {
    if (!lines.has(file)) lines.set(file, read(file)?.split("\n"));
    return lines.get(file);
  };
  for (const f of findings) {
    const line = linesOf(f.loc.file)?.[f.loc.line - 1]?.replace(/\r$/, "");
    const shown = line === undefined ? undefined : displayColumns(line);
    const column = shown ? shown.columnAt(f.loc.column - 1) : f.loc.column;
    out.push(`${displayPath(f.loc.file)}:${f.loc.line}:${column}: ${f.severity}: ${f.message} [${f.rule}]`);
    if (shown) {
      // gcc's gutter: the line number right-aligned in at least 5 columns.
      const width = Math.max(5, String(f.loc.line).length);
      const end = shown.columnAt(f.loc.column - 1 + Math.max(1, f.length));
      out.push(`${String(f.loc.line).padStart(width)} | ${shown.text}`);
      out.push(`${" ".repeat(width)} | ${" ".repeat(column - 1)}^${"~".repeat(Math.max(0, end - column - 1))}`);
    }
  }
  return out.length ? `${out.join("\n")}\n` : "";
}

export function formatJson(findings: Finding[]): string {
  const rows = findings.map((f) => ({
    file: displayPath(f.loc.file),
    line: f.loc.line,
    column: f.loc.column,
    severity: f.severity,
    rule: f.rule,
    symbol: f.symbol,
    name: f.name,
    message: f.message,
    suggestion: f.suggestion ?? null,
  }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

export function readOnce(): (file: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (file) => {
    if (!cache.has(file)) cache.set(file, fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);
    return cache.get(file);
  };
}
