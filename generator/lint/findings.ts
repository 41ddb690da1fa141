// What the kerneldoc linter reports: stable rule ids, and one finding per defect with its
// location, the declaration it belongs to, the offending name and a suggestion.
import type { SourceLocation } from "../diagnostics.js";

export const RULES = {
  "undocumented-member": "A member of a documented struct or union, or an enumerator of a documented enum, has no @name: description.",
  "excess-member-doc": "An @name: description names a member or enumerator that does not exist.",
  "stale-member-reference": "The prose of a documented declaration names a member that does not exist.",
  "unknown-reference": "A struct, union, enum, constant or ioctl named in the docs is not defined by the linted headers.",
  "kerneldoc-name-mismatch": "The kerneldoc comment names a different declaration than the one it documents.",
  "not-kerneldoc-comment": "A comment written in kerneldoc form opens with /* instead of /**, so kernel-doc ignores it.",
  "unparsed-declaration": "A declaration uapigen cannot build (a syntax error, a type the header does not define); it is skipped and the rest of the header is linted.",
  "malformed-kerneldoc": "A comment opened with /** does not start with a kerneldoc title, so kernel-doc warns and skips it.",
} as const;

export type RuleId = keyof typeof RULES;

export interface Finding {
  loc: SourceLocation;
  /** Length of the offending token, for the caret line and SARIF regions. */
  length: number;
  severity: "warning";
  rule: RuleId;
  /** The declaration the finding belongs to, e.g. `struct iommu_ioas_iova_ranges`. */
  symbol: string;
  /** The offending token as written (without @, [] or a struct/enum/union keyword). */
  name: string;
  message: string;
  suggestion?: string;
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.loc.file.localeCompare(b.loc.file) || a.loc.line - b.loc.line || a.loc.column - b.loc.column || a.rule.localeCompare(b.rule);
}
