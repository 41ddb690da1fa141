// The lint's findings as a SARIF 2.1.0 log, with every rule's metadata; ir/sarif.ts writes it.
import { sarifLog } from "../ir/sarif.js";
import { RULE_IDS, RULES, type Finding } from "./findings.js";

export { artifactLocation, baseUriOf, SCHEMA, SRCROOT } from "../ir/sarif.js";

export function formatSarif(findings: Finding[], opts: { version: string; baseUri?: string }): string {
  const rules = RULE_IDS.map((id) => ({ id, ...RULES[id] }));
  const results = findings.map((f) => ({ level: f.severity, message: f.message, ruleId: f.rule, loc: f.loc, length: f.length }));
  return sarifLog(rules, results, opts);
}
