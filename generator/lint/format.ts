// Findings as text (gcc/tsc style, with the source line and a caret), JSON, or SARIF 2.1.0.
import fs from "node:fs";
import path from "node:path";
import { SarifBuilder, SarifResultBuilder, SarifRuleBuilder, SarifRunBuilder } from "node-sarif-builder";
import { RULES, type Finding, type RuleId } from "./findings.js";

export type Format = "text" | "json" | "sarif";

/** As gcc prints them: relative to the working directory when the file is below it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
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
    out.push(`${displayPath(f.loc.file)}:${f.loc.line}:${f.loc.column}: ${f.severity}: ${f.message} [${f.rule}]`);
    const line = linesOf(f.loc.file)?.[f.loc.line - 1];
    if (line !== undefined) {
      // Tabs stay tabs so the caret lines up in any terminal.
      const lead = line.slice(0, f.loc.column - 1).replace(/[^\t]/g, " ");
      out.push(` ${line}`, ` ${lead}^${"~".repeat(Math.max(0, f.length - 1))}`);
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

export function formatSarif(findings: Finding[], version: string): string {
  const builder = new SarifBuilder();
  const run = new SarifRunBuilder().initSimple({ toolDriverName: "uapigen", toolDriverVersion: version });
  for (const [id, text] of Object.entries(RULES)) run.addRule(new SarifRuleBuilder().initSimple({ ruleId: id, shortDescriptionText: text }));
  for (const f of findings) {
    run.addResult(
      new SarifResultBuilder().initSimple({
        level: "warning",
        messageText: f.message,
        ruleId: f.rule as RuleId,
        fileUri: displayPath(f.loc.file).split(path.sep).join("/"),
        startLine: f.loc.line,
        startColumn: f.loc.column,
        endLine: f.loc.line,
        endColumn: f.loc.column + f.length,
      }),
    );
  }
  builder.addRun(run);
  return `${builder.buildSarifJsonString({ indent: true })}\n`;
}

function readOnce(): (file: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (file) => {
    if (!cache.has(file)) cache.set(file, fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);
    return cache.get(file);
  };
}
