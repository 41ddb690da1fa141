// The member docs of a vendored header as the generated module should carry them, and the text
// form both sides are compared in: what test/emit/docs.test.ts and size.test.ts check.
import { buildHeader, defaultIncludeDirs } from "#generator/model/build.js";
import { plainComment } from "#generator/emit/tsdoc.js";
import { proseOf } from "#generator/parse/kerneldoc.js";
import { X86_64 } from "../helpers.js";

/** Links, code spans, escapes and comment prefixes reduced to words, for either side. */
export const plainDocText = (t: string) =>
  t
    .replace(/\n\s*\*\s?/g, " ")
    .replace(/\{@link [^|}]+\| ([^}]+)\}/g, "$1")
    .replace(/\{@link ([^}]+)\}/g, "$1")
    .replace(/[`\\]/g, "")
    .replace(/@(?=\w)/g, "")
    .replace(/\s+/g, " ");

/**
 * Each documented member of the header's tagged records, with its doc as plain text: its
 * `@member:` description, or without one, its own comment (`/* Region size (bytes) *\/`).
 */
export function memberDocs(file: string): { where: string; doc: string }[] {
  const built = buildHeader(file, { abi: X86_64, includeDirs: defaultIncludeDirs(file, X86_64) });
  const out: { where: string; doc: string }[] = [];
  for (const r of built.model.records) {
    if (!r.tag) continue;
    for (const m of built.layout.flatten(r)) {
      const p = r.doc?.params.find((x) => x.name === m.name);
      const own = m.member.comment && !m.member.comment.text.startsWith("/**") ? plainComment(m.member.comment.text, { symbols: new Set() }) : undefined;
      const doc = p && proseOf(p.lines) ? proseOf(p.lines) : own;
      if (doc) out.push({ where: `${r.tag}.${m.name}`, doc: plainDocText(doc).trim() });
    }
  }
  return out;
}
