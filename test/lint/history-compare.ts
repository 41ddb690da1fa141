// The history test behind `npm run test:lint-history`: doc-only fixes between two versions of a
// header (a kerneldoc comment changed, the declaration it documents did not), the defect each
// fix removed (read from the diff alone, not from uapigen), and whether lint on the old header
// reports it.

export type DefectKind = "opened with /*" | "not kerneldoc" | "title" | "excess description" | "undescribed member" | "stale name";

export interface DocComment {
  text: string;
  /** 1-based line of the comment's opening. */
  line: number;
  endLine: number;
  /** The declaration after it, comments dropped and spaces collapsed: how versions are paired. */
  decl: string;
  /** Line where that declaration ends (an undescribed member is between the two). */
  declEnd: number;
}

export interface Defect {
  kind: DefectKind;
  /** The name the fix removed or added; empty for the comment-opening kinds. */
  name: string;
  /** The old comment's lines, and the old declaration's lines (an undescribed member is there). */
  line: number;
  endLine: number;
  declEndLine: number;
}

const lineOf = (text: string, offset: number) => text.slice(0, offset).split("\n").length;
// Comments become blanks of the same length (newlines kept), so offsets still index the text.
const blank = (c: string) => c.replace(/[^\n]/g, " ");
const stripComments = (s: string) => s.replace(/\/\*[\s\S]*?\*\//g, blank).replace(/\/\/[^\n]*/g, blank);
const collapse = (s: string) => s.replace(/\s+/g, " ").trim();

/** What a comment documents: a #define line, or code up to the `;` that ends it at depth 0. */
function declarationAfter(text: string, from: number): { decl: string; end: number } {
  const code = stripComments(text.slice(from));
  const lead = code.length - code.trimStart().length;
  if (code.trimStart().startsWith("#")) {
    const m = /^#(?:[^\n\\]|\\\n?)*/.exec(code.slice(lead))!;
    return { decl: collapse(m[0]), end: from + lead + m[0].length };
  }
  let depth = 0;
  for (let i = lead; i < code.length; i++) {
    const c = code[i];
    if (c === "{" || c === "(") depth++;
    else if (c === "}" || c === ")") depth--;
    else if ((c === ";" && depth <= 0) || (c === "#" && depth <= 0 && code[i - 1] === "\n")) return { decl: collapse(code.slice(lead, i + 1)), end: from + i };
  }
  return { decl: collapse(code.slice(lead, lead + 400)), end: text.length };
}

/** Comments in kerneldoc form (`/**`, or `/*` with a title or `@x:` lines) and what follows them. */
export function docComments(text: string): DocComment[] {
  const out: DocComment[] = [];
  for (const m of text.matchAll(/\/\*[\s\S]*?\*\//g)) {
    const body = m[0];
    if (!body.includes("\n")) continue;
    if (!body.startsWith("/**") && !/^\s*\*\s*(?:(?:struct|union|enum)\s+\w+\s*-|\w+\s+-\s)/m.test(body) && !/^\s*\*\s*@\w+\s*:/m.test(body)) continue;
    const end = m.index! + body.length;
    const { decl, end: declEnd } = declarationAfter(text, end);
    out.push({ text: body, line: lineOf(text, m.index!), endLine: lineOf(text, end), decl, declEnd: lineOf(text, declEnd) });
  }
  return out;
}

/** Pairs of an old and a new comment above the same, unchanged declaration, whose text changed. */
export function docOnlyChanges(oldText: string, newText: string): { before: DocComment; after: DocComment }[] {
  const byDecl = (cs: DocComment[]) => {
    const m = new Map<string, DocComment[]>();
    for (const c of cs) if (c.decl) m.set(c.decl, [...(m.get(c.decl) ?? []), c]);
    return m;
  };
  const olds = byDecl(docComments(oldText));
  const news = byDecl(docComments(newText));
  const out: { before: DocComment; after: DocComment }[] = [];
  for (const [decl, before] of olds) {
    const after = news.get(decl);
    // Only a declaration documented once in each version pairs without guessing.
    if (before.length !== 1 || after?.length !== 1) continue;
    if (collapse(before[0]!.text) !== collapse(after[0]!.text)) out.push({ before: before[0]!, after: after[0]! });
  }
  return out;
}

/** The title as `kind name` (`struct x`, or just `x`), from the first line with text. */
const title = (c: string) => {
  const first = c.split("\n").map((l) => l.replace(/^\s*\/?\*+\s?/, "").trim()).find((l) => l && l !== "/");
  const m = first && /^(?:(struct|union|enum)\s+)?(\w+)\s*(?:\(\))?\s*(?:[-:]|$)/.exec(first);
  return m ? { kind: m[1] ?? "", name: m[2]! } : undefined;
};
const described = (c: string) => new Set([...c.matchAll(/^\s*\*?\s*@([A-Za-z_]\w*)\s*:/gm)].map((m) => m[1]!));
/** Names in prose: `struct x`, CONSTANT_NAMES, `@x` references, snake_case words. */
const proseNames = (c: string) =>
  new Set([...c.replace(/^\s*\*?\s*@\w+\s*:/gm, "").matchAll(/(?:struct|union|enum)\s+(\w+)|@(\w+)|\b([A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9])\b|\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]!));
const identifiers = (code: string) => new Set(code.match(/[A-Za-z_]\w*/g) ?? []);

/**
 * The defects a doc-only fix removed, from the two comments and the declaration: an opening
 * changed, a title renamed, an `@x:` removed for no member or added for one, a name in the prose
 * that nothing defines replaced by one that exists. Prose-only edits are no defect.
 */
export function defectsOf(before: DocComment, after: DocComment, defined: (name: string) => boolean): Defect[] {
  const at = { line: before.line, endLine: before.endLine, declEndLine: before.declEnd };
  const out: Defect[] = [];
  const open = (c: string) => (c.startsWith("/**") ? "/**" : "/*");
  if (open(before.text) === "/*" && open(after.text) === "/**") return [{ kind: "opened with /*", name: "", ...at }];
  if (open(before.text) === "/**" && open(after.text) === "/*") return [{ kind: "not kerneldoc", name: "", ...at }];
  const declNames = identifiers(before.decl);
  const [t0, t1] = [title(before.text), title(after.text)];
  // A title fixed to name the declaration (or to say `struct`): kernel-doc read the old comment as
  // another declaration's, so what else the fix changed follows from it.
  if (t0 && t1 && declNames.has(t1.name) && (t0.name !== t1.name || (t0.kind !== t1.kind && t1.kind))) return [{ kind: "title", name: t0.name, ...at }];
  const [d0, d1] = [described(before.text), described(after.text)];
  for (const x of d0) if (!d1.has(x) && !declNames.has(x) && d1.size >= d0.size - 1) out.push({ kind: "excess description", name: x, ...at });
  for (const x of d1) if (!d0.has(x) && declNames.has(x)) out.push({ kind: "undescribed member", name: x, ...at });
  const [p0, p1] = [proseNames(before.text), proseNames(after.text)];
  const replacedByReal = [...p1].some((y) => !p0.has(y) && (defined(y) || declNames.has(y)));
  for (const x of p0) {
    if (p1.has(x) || defined(x) || declNames.has(x) || !replacedByReal || out.some((d) => d.name === x)) continue;
    out.push({ kind: "stale name", name: x, ...at });
  }
  return out;
}

export interface LintedFinding {
  line: number;
  rule: string;
  name: string;
}

/** Whether lint on the old header reports the defect: the right name (or rule) where it is. */
export function isCaught(d: Defect, findings: LintedFinding[]): boolean {
  const inComment = (f: LintedFinding) => f.line >= d.line && f.line <= d.endLine;
  switch (d.kind) {
    case "opened with /*":
      return findings.some((f) => inComment(f) && f.rule === "not-kerneldoc-comment");
    case "not kerneldoc":
      return findings.some((f) => inComment(f) && f.rule === "malformed-kerneldoc");
    case "undescribed member":
      return findings.some((f) => f.line >= d.line && f.line <= d.declEndLine && f.name === d.name);
    default:
      return findings.some((f) => inComment(f) && (f.name === d.name || f.name.split(".")[0] === d.name));
  }
}
