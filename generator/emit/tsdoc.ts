// Kerneldoc prose to TSDoc: paragraphs and lists kept, `::` literal blocks as fenced code, `Return:` and
// other sections as tags, `struct x` / `enum y` / ioctl and constant names as {@link}s,
// `@member` as code spans, and everything TSDoc would misread escaped.
import type { DocBlock, DocLine, KernelDoc } from "../ir/kerneldoc.js";

export interface LinkContext {
  /** Names declared in the module being emitted (types, codecs, constants). */
  symbols: ReadonlySet<string>;
}

const PLACEHOLDER = "\u0000";

/** Converts one line or paragraph of kerneldoc prose to TSDoc inline text. */
export function inlineText(text: string, ctx: LinkContext): string {
  const kept: string[] = [];
  const keep = (s: string) => {
    kept.push(s);
    return `${PLACEHOLDER}${kept.length - 1}${PLACEHOLDER}`;
  };
  let out = text
    // Existing code spans stay as written.
    .replace(/`[^`]*`/g, (m) => keep(m))
    .replace(/@([A-Za-z_][\w.]*(?:\[\])?)/g, (_m, name: string) => keep("`" + name + "`"))
    .replace(/\b(struct|union|enum)\s+([A-Za-z_]\w*)/g, (m, kw: string, name: string) =>
      ctx.symbols.has(name) ? keep(`{@link ${name} | ${kw} ${name}}`) : m,
    )
    .replace(/\b[A-Z][A-Z0-9_]{2,}\b/g, (m) => (ctx.symbols.has(m) ? keep(`{@link ${m}}`) : m));
  out = escapeTsdoc(out);
  return out.replace(new RegExp(`${PLACEHOLDER}(\\d+)${PLACEHOLDER}`, "g"), (_m, i: string) => kept[Number(i)]!);
}

/** Escapes TSDoc's special characters and anything that would end the comment. */
export function escapeTsdoc(text: string): string {
  return text.replace(/[\\@{}<>]/g, (c) => "\\" + c).replace(/\*\//g, "*\\/");
}

/** A list item's first line in kerneldoc (reStructuredText): `- x`, `* x`, `+ x`, `1. x`, `2) x`. */
const ITEM = /^\s*([-*+]|\d+[.)])\s+(\S.*)$/;

/**
 * Prose lines as TSDoc: text before a list is one paragraph, and list items stay a Markdown list
 * (`- x`, `1. x`). Within a paragraph a line that is no item goes on with the item above it:
 * kerneldoc's continuation lines are not reliably indented.
 */
function paragraph(lines: DocLine[], ctx: LinkContext): string {
  const runs: { marker?: string; words: string[] }[] = [];
  for (const l of lines) {
    const m = ITEM.exec(l.text);
    const last = runs.at(-1);
    // A list starts a paragraph, follows an item, or follows a line ending in `:`; elsewhere a
    // line starting `2. ` or `- ` is a wrapped sentence going on.
    const listMayStart = !last || last.marker !== undefined || /:$/.test(last.words.at(-1) ?? "");
    if (m && listMayStart) runs.push({ marker: /\d/.test(m[1]!) ? `${Number.parseInt(m[1]!, 10)}.` : "-", words: [m[2]!] });
    else if (runs.length) runs.at(-1)!.words.push(l.text.trim());
    else runs.push({ words: [l.text.trim()] });
  }
  return runs
    .map((r, i) => {
      const text = inlineText(r.words.filter(Boolean).join(" "), ctx);
      const gap = i === 0 ? "" : r.marker && runs[i - 1]!.marker ? "\n" : "\n\n";
      return gap + (r.marker ? `${r.marker} ${text}` : text);
    })
    .join("");
}

function literal(lines: DocLine[]): string {
  const indent = lines.filter((l) => l.text.trim()).reduce((min, l) => Math.min(min, /^\s*/.exec(l.text)![0].length), Infinity);
  const body = lines.map((l) => l.text.slice(indent).replace(/\*\//g, "*\\/")).join("\n");
  return "```\n" + body + "\n```";
}

export function blocksText(blocks: DocBlock[], ctx: LinkContext): string {
  return blocks.map((b) => (b.kind === "text" ? paragraph(b.lines, ctx) : literal(b.lines))).join("\n\n");
}

/** The whole comment of a declaration: summary, description, sections. */
export function declarationDoc(doc: KernelDoc | undefined, ctx: LinkContext, extra: string[] = []): string {
  const parts: string[] = [];
  if (doc) {
    const summary = paragraph(doc.summary, ctx);
    if (summary) parts.push(summary);
    const description = blocksText(doc.description, ctx);
    if (description) parts.push(description);
    for (const s of doc.sections) {
      const body = blocksText(s.blocks, ctx);
      if (/^returns?$/i.test(s.title)) parts.push(`@returns ${body}`);
      else if (/^examples?$/i.test(s.title)) parts.push(`@example\n${body}`);
      // A section that opens with a list starts it on its own line.
      else parts.push(`**${escapeTsdoc(s.title)}:**${/^(?:-|\d+\.) /.test(body) ? "\n\n" : " "}${body}`);
    }
  }
  for (const e of extra) parts.push(e);
  return parts.join("\n\n");
}

/** A plain C comment (`/* Region size (bytes) *\/`) as TSDoc text. */
export function plainComment(text: string, ctx: LinkContext): string {
  const body = text
    .replace(/^\/\*+/, "")
    .replace(/\*+\/$/, "")
    .split("\n")
    .map((l) => l.replace(/^\s*\*\s?/, "").trim())
    .filter(Boolean)
    .join(" ");
  return inlineText(body, ctx);
}
