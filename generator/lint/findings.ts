// What the kerneldoc linter reports: stable rule ids with what each finds and how to fix it
// (SARIF carries them as rule metadata), and one finding per defect with its location, the
// declaration it belongs to, the offending name and a suggestion.
import type { SourceLocation } from "../ir/diagnostics.js";

export interface Rule {
  /** PascalCase, as SARIF's reportingDescriptor.name wants it. */
  name: string;
  /** One sentence: what is wrong. */
  short: string;
  /** What the rule checks and why it matters, in kernel-doc's wording where it has one. */
  full: string;
  /** How to fix it. */
  help: string;
  level: "warning";
}

export const RULES = {
  "undocumented-member": {
    name: "UndocumentedMember",
    short: "A member of a documented struct or union, or an enumerator of a documented enum, has no @name: description.",
    full: "kernel-doc's \"struct member 'x' not described in 'y'\" and \"Enum value 'x' not described in enum 'y'\": every member and enumerator of a declaration with a kerneldoc comment needs its own @name: line. Members under any linted architecture's #if branch count; members after a /* private: */ marker do not.",
    help: "Add an '@name: description' line for the member to the kerneldoc comment above the declaration (or inline, as '/** @name: description */' right before the member). If the member is not part of the uAPI contract, put it after a '/* private: */' marker.",
    level: "warning",
  },
  "excess-member-doc": {
    name: "ExcessMemberDoc",
    short: "An @name: description names a member or enumerator that does not exist.",
    full: "kernel-doc's \"Excess struct member 'x' description in 'y'\" and \"Excess enum value 'x' description in 'y'\": the comment describes a member the declaration does not have on any linted architecture, usually one that was renamed or removed.",
    help: "Rename the @name: line to the member it describes (the finding suggests the closest one), or delete it if the member is gone.",
    level: "warning",
  },
  "stale-member-reference": {
    name: "StaleMemberReference",
    short: "The prose of a documented declaration names a member that does not exist.",
    full: "A member named in the descriptions of a kerneldoc comment (as @name, or as a word spelled like the declaration's members) is not a member of the declaration. kernel-doc does not check prose, so such names go stale when members are renamed.",
    help: "Write the member's current name (the finding suggests the closest one), or reword the sentence.",
    level: "warning",
  },
  "unknown-reference": {
    name: "UnknownReference",
    short: "A struct, union, enum, constant or ioctl named in the docs is not defined by the linted headers.",
    full: "A 'struct x', 'enum x', constant or ioctl named in a kerneldoc comment is defined neither by the linted headers nor by the installed uAPI and libc headers they can include. Readers following the reference find nothing.",
    help: "Correct the name (the finding suggests the closest defined one), or name the header that defines it.",
    level: "warning",
  },
  "kerneldoc-name-mismatch": {
    name: "KerneldocNameMismatch",
    short: "The kerneldoc comment names a different declaration than the one it documents.",
    full: "kernel-doc's \"expecting prototype for struct x. Prototype was for struct y instead\": the title of the comment ('struct name - ...', 'NAME - ...') does not name the struct, union, enum or #define that follows it, or a record's title lacks its struct/union/enum keyword, so kernel-doc reads it as a function.",
    help: "Make the title name the declaration below it, with its keyword: 'struct name - short description', 'enum name - ...', or 'NAME - ...' for a #define.",
    level: "warning",
  },
  "not-kerneldoc-comment": {
    name: "NotKerneldocComment",
    short: "A comment written in kerneldoc form opens with /* instead of /**, so kernel-doc ignores it.",
    full: "A comment with a kerneldoc title and @member: lines opens with '/*'. kernel-doc only reads comments opened with '/**', so the documentation is never checked or rendered.",
    help: "Open the comment with '/**'.",
    level: "warning",
  },
  "unparsed-declaration": {
    name: "UnparsedDeclaration",
    short: "A declaration uapigen cannot build (a syntax error, a type the header does not define); it is skipped and the rest of the header is linted.",
    full: "The declaration has a syntax error or uses a type that neither the header nor what it includes defines, so its docs cannot be checked against it. The rest of the header is still linted.",
    help: "Fix the syntax error, or make the type visible: include the header that defines it, or pass its directory with -I or the header with --include.",
    level: "warning",
  },
  "malformed-kerneldoc": {
    name: "MalformedKerneldoc",
    short: "A comment opened with /** does not start with a kerneldoc title, so kernel-doc warns and skips it.",
    full: "kernel-doc's \"This comment starts with '/**', but isn't a kernel-doc comment. Refer to Documentation/doc-guide/kernel-doc.rst\": a '/**' comment must start with a title ('struct name - ...', 'NAME - ...', 'DOC: ...').",
    help: "Give the comment a kerneldoc title naming what it documents, or open it with '/*' if it is not kerneldoc.",
    level: "warning",
  },
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;

export const RULE_IDS = Object.keys(RULES) as RuleId[];

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
  return compareText(a.loc.file, b.loc.file) || a.loc.line - b.loc.line || a.loc.column - b.loc.column || compareText(a.rule, b.rule);
}

/** localeCompare, unless the texts are equal: its first call costs 6 ms (ICU's collator), and the findings of a run are mostly in one file. */
const compareText = (a: string, b: string) => (a === b ? 0 : a.localeCompare(b));
