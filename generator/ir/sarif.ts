// A SARIF 2.1.0 log of any of uapigen's checks (the kerneldoc lint, the ABI comparison): every
// rule's metadata, and each result's file as a URI relative to the %SRCROOT% base (the
// --base-uri, by default the working directory), or as an absolute file:// URI when the file is
// outside it. SARIF consumers resolve plain paths inconsistently. lint/sarif.ts and abi/format.ts
// say what their findings are; this file knows only SARIF.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SarifBuilder, SarifResultBuilder, SarifRuleBuilder, SarifRunBuilder } from "node-sarif-builder";
import { InputError, type SourceLocation } from "./diagnostics.js";

export const SRCROOT = "%SRCROOT%";
/** The OASIS standard's schema (2.1.0 with errata 01). */
export const SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/**
 * A base given as a file:// URI or a directory path, as a file:// URI ending in '/' (SARIF's
 * originalUriBaseIds must end in '/', or the last segment is dropped when resolving).
 */
export function baseUriOf(given: string = process.cwd()): URL {
  let url: URL;
  if (/^[a-z][a-z0-9+.-]*:/i.test(given)) {
    try {
      url = new URL(given);
    } catch {
      throw new InputError("usage", `--base-uri '${given}' is not a URI`);
    }
    if (url.protocol !== "file:") throw new InputError("usage", `--base-uri '${given}' is not a file:// URI (the findings' files are local)`);
  } else {
    url = pathToFileURL(path.resolve(given));
  }
  if (url.search || url.hash) throw new InputError("usage", `--base-uri '${given}' has a query or fragment`);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/** The artifact location of a file: relative to the base when below it, else absolute. */
export function artifactLocation(file: string, base: URL): { uri: string; uriBaseId?: string } {
  const absolute = path.resolve(file);
  const rel = path.relative(fileURLToPath(base), absolute);
  if (!rel || rel.startsWith("..") || path.isAbsolute(rel)) return { uri: pathToFileURL(absolute).href };
  return { uri: rel.split(path.sep).map(encodeURIComponent).join("/"), uriBaseId: SRCROOT };
}

export interface SarifRule {
  id: string;
  name: string;
  short: string;
  full: string;
  help: string;
  level: "error" | "warning" | "note";
}

export interface SarifResult {
  level: "error" | "warning" | "note";
  message: string;
  ruleId: string;
  loc: SourceLocation;
  /** Columns the region spans (at least 1). */
  length: number;
}

export function sarifLog(rules: SarifRule[], results: SarifResult[], opts: { version: string; baseUri?: string }): string {
  const base = baseUriOf(opts.baseUri);
  // Listed here with their base ids: node-sarif-builder would list them by bare uri.
  const files = [...new Set(results.map((f) => f.loc.file))];
  const artifacts = files.map((file) => ({ location: artifactLocation(file, base), sourceLanguage: "c" }));
  const run = new SarifRunBuilder({ originalUriBaseIds: { [SRCROOT]: { uri: base.href } }, artifacts }).initSimple({ toolDriverName: "uapigen", toolDriverVersion: opts.version });
  for (const rule of rules) {
    run.addRule(
      new SarifRuleBuilder({
        id: rule.id,
        name: rule.name,
        shortDescription: { text: rule.short },
        fullDescription: { text: rule.full },
        help: { text: rule.help },
        defaultConfiguration: { level: rule.level },
      }),
    );
  }
  for (const f of results) {
    const result = new SarifResultBuilder().initSimple({
      level: f.level,
      // SARIF messages are sentences.
      messageText: /[.?!]$/.test(f.message) ? f.message : `${f.message}.`,
      ruleId: f.ruleId,
      startLine: f.loc.line,
      startColumn: f.loc.column,
      endLine: f.loc.line,
      endColumn: f.loc.column + Math.max(1, f.length),
    });
    result.setLocationArtifactUri(artifactLocation(f.loc.file, base));
    run.addResult(result);
  }
  const builder = new SarifBuilder({ $schema: SCHEMA });
  builder.addRun(run);
  return `${builder.buildSarifJsonString({ indent: true })}\n`;
}
