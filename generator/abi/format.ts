// `uapigen abi`'s findings as text (gcc's `file:line:col: error|warning|note: message [rule]`),
// JSON, or SARIF (ir/sarif.ts), and the counts per class and rule.
import path from "node:path";
import { sarifLog } from "../ir/sarif.js";
import { ABI_RULE_IDS, ABI_RULES, SEVERITY, type AbiClass, type AbiFinding } from "./rules.js";

/** As gcc prints them: relative to the working directory when the file is below it. */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/** "all rows", or the rows by name. */
export function rowsText(rows: string[], all: string[]): string {
  return all.length > 1 && all.every((r) => rows.includes(r)) ? "all rows" : rows.join(", ");
}

export function findingMessage(f: AbiFinding, allRows: string[]): string {
  const affects = f.affects?.length ? `; moves ${f.affects.join(", ")}` : "";
  return `${f.message}${affects} (on ${rowsText(f.rows, allRows)})`;
}

export function formatAbiText(findings: AbiFinding[], allRows: string[]): string {
  return findings.map((f) => `${displayPath(f.loc.file)}:${f.loc.line}:${f.loc.column}: ${SEVERITY[f.class]}: ${findingMessage(f, allRows)} [${f.rule}]\n`).join("");
}

export function formatAbiJson(findings: AbiFinding[], allRows: string[]): string {
  const rows = findings.map((f) => ({
    class: f.class,
    rule: f.rule,
    header: f.header,
    declaration: f.decl,
    member: f.member ?? null,
    old: f.old ?? null,
    new: f.new ?? null,
    rows: rowsText(f.rows, allRows) === "all rows" ? "all" : f.rows,
    affects: f.affects ?? [],
    message: f.message,
    file: displayPath(f.loc.file),
    line: f.loc.line,
    column: f.loc.column,
  }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

const CLASS_TEXT: Record<AbiClass, string> = {
  breaking: "breaks programs built against the old header",
  extension: "a compatible extension",
  review: "needs review: the rules cannot decide",
};

export function formatAbiSarif(findings: AbiFinding[], allRows: string[], opts: { version: string; baseUri?: string }): string {
  const rules = ABI_RULE_IDS.map((id) => {
    const r = ABI_RULES[id];
    return { id, name: r.name, short: r.short, full: `${r.short} Class: ${CLASS_TEXT[r.class]}.`, help: r.class === "breaking" ? "Restore the old layout or value, or add a new declaration instead of changing this one." : r.class === "review" ? "Check the change by hand and record the verdict." : "Nothing to do.", level: SEVERITY[r.class] };
  });
  const results = findings.map((f) => ({ level: SEVERITY[f.class], message: findingMessage(f, allRows), ruleId: f.rule, loc: f.loc, length: 1 }));
  return sarifLog(rules, results, opts);
}

/** Findings per class, and per rule within it. */
export function countFindings(findings: AbiFinding[]): Record<AbiClass, { total: number; rules: Record<string, number> }> {
  const out: Record<AbiClass, { total: number; rules: Record<string, number> }> = { breaking: { total: 0, rules: {} }, extension: { total: 0, rules: {} }, review: { total: 0, rules: {} } };
  for (const f of findings) {
    out[f.class].total++;
    out[f.class].rules[f.rule] = (out[f.class].rules[f.rule] ?? 0) + 1;
  }
  return out;
}
