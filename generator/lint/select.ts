// Which rules a lint run reports: --rule ID (only these) and --no-rule ID (all but these).
import { closest, distance } from "fastest-levenshtein";
import { InputError } from "../ir/diagnostics.js";
import { RULE_IDS, type RuleId } from "./findings.js";

function ruleId(given: string, option: string): RuleId {
  if ((RULE_IDS as string[]).includes(given)) return given as RuleId;
  const near = closest(given, RULE_IDS);
  // A suggestion only when it is plausibly a misspelling, not any rule at all.
  const hint = distance(given, near) <= Math.max(3, given.length / 3) ? `; did you mean '${near}'?` : "";
  throw new InputError("usage", `${option}: unknown rule '${given}'${hint} (rules: ${RULE_IDS.join(", ")})`);
}

/** The rules to report; every id given must be a rule. */
export function selectRules(only: string[], except: string[]): Set<RuleId> {
  const wanted = only.length ? only.map((id) => ruleId(id, "--rule")) : RULE_IDS;
  const dropped = new Set(except.map((id) => ruleId(id, "--no-rule")));
  return new Set(wanted.filter((id) => !dropped.has(id)));
}
