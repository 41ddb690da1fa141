// Kerneldoc titles checked as kernel-doc reads them: a `/**` comment whose first line names no
// declaration is rejected, and a `NAME - ...` doc must name the #define that follows it.
import type { Comment, HeaderModel } from "../ir/decls.js";
import type { Finding } from "./findings.js";

/** kernel-doc's function/macro title: `[type *] [define] name[()] [- summary | : summary]`. */
const MACRO_TITLE = /^(?:\w+\s*\*\s*)?(?:define\s+)?(\w+)\s*(?:\(\w*\))?\s*(?:[-:].*)?$/;
const DATA_TITLE = /^(struct|union|enum|typedef|var)\b|^DOC:/;

type Report = (f: Omit<Finding, "severity" | "message" | "suggestion"> & { message: string; suggestion?: string }) => void;

/** The name a doc read by kernel-doc gives its macro or function, with its location. */
function macroTitle(comment: Comment): { name: string; loc: Comment["loc"] } | undefined {
  if (!comment.reading.kernelDoc || comment.reading.titleOnOpeningLine) return undefined;
  const first = comment.reading.firstLine;
  if (!first || first.loc.line !== comment.loc.line + 1) return undefined;
  const text = first.text.trimStart();
  const m = MACRO_TITLE.exec(text);
  if (!m || DATA_TITLE.test(text)) return undefined;
  const at = text.indexOf(m[1]!);
  return { name: m[1]!, loc: { ...first.loc, column: first.loc.column + (first.text.length - text.length) + at } };
}

export function checkTitles(model: HeaderModel, report: Report): void {
  for (const macro of model.macros) {
    if (!macro.comment) continue;
    const title = macroTitle(macro.comment);
    if (!title || title.name === macro.name) continue;
    report({
      loc: title.loc,
      length: title.name.length,
      rule: "kerneldoc-name-mismatch",
      symbol: macro.name,
      name: title.name,
      message: `kerneldoc comment describes '${title.name}' but is above '#define ${macro.name}'`,
      suggestion: macro.name,
    });
  }
  for (const c of model.comments) {
    if (c.loc.file !== model.file) continue;
    const line = c.reading.notTitle;
    if (!line) continue;
    report({
      loc: c.loc,
      length: 3,
      rule: "malformed-kerneldoc",
      symbol: line.text.slice(0, 40),
      name: "/**",
      message: `comment opens with '/**' but its first line is not a kerneldoc title ('struct name - ...', 'NAME - ...', 'DOC: ...'), so kernel-doc rejects it`,
      suggestion: "/*",
    });
  }
}
