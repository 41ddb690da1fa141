// Findings as a SARIF 2.1.0 log: every rule's metadata, and each result's file as a URI relative
// to the %SRCROOT% base (the --base-uri, by default the working directory), or as an absolute
// file:// URI when the file is outside it. SARIF consumers resolve plain paths inconsistently.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SarifBuilder, SarifResultBuilder, SarifRuleBuilder, SarifRunBuilder } from "node-sarif-builder";
import { InputError } from "../ir/diagnostics.js";
import { RULE_IDS, RULES, type Finding } from "./findings.js";

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

export function formatSarif(findings: Finding[], opts: { version: string; baseUri?: string }): string {
  const base = baseUriOf(opts.baseUri);
  // Listed here with their base ids: node-sarif-builder would list them by bare uri.
  const files = [...new Set(findings.map((f) => f.loc.file))];
  const artifacts = files.map((file) => ({ location: artifactLocation(file, base), sourceLanguage: "c" }));
  const run = new SarifRunBuilder({ originalUriBaseIds: { [SRCROOT]: { uri: base.href } }, artifacts }).initSimple({ toolDriverName: "uapigen", toolDriverVersion: opts.version });
  for (const id of RULE_IDS) {
    const rule = RULES[id];
    run.addRule(
      new SarifRuleBuilder({
        id,
        name: rule.name,
        shortDescription: { text: rule.short },
        fullDescription: { text: rule.full },
        help: { text: rule.help },
        defaultConfiguration: { level: rule.level },
      }),
    );
  }
  for (const f of findings) {
    const result = new SarifResultBuilder().initSimple({
      level: f.severity,
      // SARIF messages are sentences.
      messageText: /[.?!]$/.test(f.message) ? f.message : `${f.message}.`,
      ruleId: f.rule,
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
