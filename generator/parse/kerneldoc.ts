// Kerneldoc comments (`/** struct x - summary`, `@member:` lines, sections, `::` literal blocks,
// `DOC:` blocks), parsed into a structure that keeps the location of every line so the linter
// can point at a single word.
import type { SourceLocation } from "../ir/diagnostics.js";
import type { Comment } from "../ir/decls.js";
import type { CommentReading, DocBlock, DocKind, DocLine, DocParam, DocSectionBody, KernelDoc } from "../ir/kerneldoc.js";

// As kernel-doc: a section title is followed by one colon (`Example::` starts a literal block).
const SECTION = /^(description|context|returns?|notes?|examples?)\s*:(?!:)\s*(.*)$/i;
const PARAM = /^@([A-Za-z_][\w.]*|\.\.\.)\s*:\s?(.*)$/;

/** Content lines of a comment: `/**`, `*\/` and the leading ` * ` removed, with locations. */
export function commentLines(text: string, loc: SourceLocation): DocLine[] {
  const raw = text.split("\n");
  const out: DocLine[] = [];
  raw.forEach((line, i) => {
    let start = 0;
    let body = line;
    if (i === 0) {
      start = body.startsWith("/**") ? 3 : 2;
    }
    if (i === raw.length - 1 && body.endsWith("*/")) body = body.slice(0, -2);
    if (i > 0) {
      const m = /^\s*\*(?!\/)\s?/.exec(body);
      if (m) start = m[0].length;
      else start = /^\s*/.exec(body)![0].length;
    }
    const content = body.slice(start).trimEnd();
    const column = (i === 0 ? loc.column : 1) + start;
    out.push({ text: content, loc: { file: loc.file, line: loc.line + i, column } });
  });
  // Drop the empty text around `/**` and `*/`.
  while (out.length && out[0]!.text.trim() === "") out.shift();
  while (out.length && out[out.length - 1]!.text.trim() === "") out.pop();
  return out;
}

export function isKernelDocComment(text: string): boolean {
  return text.startsWith("/**") && !text.startsWith("/***") && text !== "/**/";
}

const trimLine = (l: DocLine): DocLine => {
  const lead = /^\s*/.exec(l.text)![0].length;
  return { text: l.text.slice(lead), loc: { ...l.loc, column: l.loc.column + lead } };
};

const indentOf = (s: string) => /^\s*/.exec(s)![0].replace(/\t/g, "        ").length;

/** Parses a kerneldoc comment; undefined when its first line is not a kerneldoc title. */
export function parseKernelDoc(text: string, loc: SourceLocation): KernelDoc | undefined {
  const lines = commentLines(text, loc);
  if (!lines.length) return undefined;
  const first = trimLine(lines[0]!);
  let kind: DocKind;
  let name: string;
  let nameCol: number;
  let summaryStart: number;
  let m: RegExpExecArray | null;
  if ((m = /^(struct|union|enum|typedef)\s+([A-Za-z_]\w*)\s*(?:-+\s*|$)/.exec(first.text))) {
    kind = m[1] as DocKind;
    name = m[2]!;
    nameCol = first.text.indexOf(name, m[1]!.length);
    summaryStart = m[0].length;
  } else if ((m = /^DOC:\s*/.exec(first.text))) {
    kind = "doc";
    name = first.text.slice(m[0].length).trim();
    nameCol = m[0].length;
    summaryStart = first.text.length;
  } else if ((m = /^([A-Za-z_]\w*)\s*(?:\(\))?\s*(?:-+\s*|$)/.exec(first.text))) {
    kind = "function";
    name = m[1]!;
    nameCol = 0;
    summaryStart = m[0].length;
  } else return undefined;

  const summary: DocLine[] = [
    { text: first.text.slice(summaryStart), loc: { ...first.loc, column: first.loc.column + summaryStart } },
  ];
  const rest = lines.slice(1);
  // An ioctl signature split over lines: `VFIO_X - _IOR(VFIO_TYPE, VFIO_BASE + 7,\n *   struct y)`.
  const depth = (s: string) => (s.match(/\(/g)?.length ?? 0) - (s.match(/\)/g)?.length ?? 0);
  let open = depth(summary[0]!.text);
  while (open > 0 && rest.length && rest[0]!.text.trim() !== "") {
    const next = trimLine(rest.shift()!);
    summary.push(next);
    open += depth(next.text);
  }

  const doc: KernelDoc = {
    kind,
    name,
    nameLoc: { ...first.loc, column: first.loc.column + nameCol },
    summary,
    params: [],
    description: [],
    sections: [],
    lines: [...summary, ...rest],
  };
  const summaryText = summary.map((s) => s.text.trim()).join(" ");
  if ((m = /^ioctl\(\s*([A-Za-z_]\w*)\s*\)/.exec(summaryText))) doc.ioctl = { name: m[1] };
  else if ((m = /^(_IOWR|_IOW|_IOR|_IO)\s*\(([^)]*)\)/.exec(summaryText))) {
    // The third argument is the argument type: `struct vfio_irq_set`, `__u32`, ...
    const arg = m[2]!.split(",")[2]?.trim().replace(/\s+/g, " ");
    doc.ioctl = { name: kind === "function" ? name : undefined, macro: m[1] as "_IO", argument: arg || undefined };
  }

  // Body: @params, then paragraphs and sections.
  let current: DocParam | undefined;
  let target: DocBlock[] = doc.description;
  let paragraph: DocLine[] = [];
  let literal: { lines: DocLine[]; indent: number } | undefined;
  const endParagraph = () => {
    if (paragraph.length) target.push({ kind: "text", lines: paragraph });
    const last = paragraph[paragraph.length - 1];
    paragraph = [];
    return last;
  };
  const endLiteral = () => {
    if (literal) {
      while (literal.lines.length && literal.lines[literal.lines.length - 1]!.text.trim() === "") literal.lines.pop();
      while (literal.lines.length && literal.lines[0]!.text.trim() === "") literal.lines.shift();
      if (literal.lines.length) target.push({ kind: "literal", lines: literal.lines });
    }
    literal = undefined;
  };
  for (const line of rest) {
    const t = trimLine(line);
    if (literal) {
      if (t.text === "" || indentOf(line.text) > literal.indent) {
        literal.lines.push(line);
        continue;
      }
      endLiteral();
    }
    if ((m = PARAM.exec(t.text))) {
      endParagraph();
      const nameLoc = { ...t.loc, column: t.loc.column + 1 };
      const valueCol = m[0].length - m[2]!.length;
      current = { name: m[1]!, loc: nameLoc, lines: [{ text: m[2]!, loc: { ...t.loc, column: t.loc.column + valueCol } }] };
      doc.params.push(current);
      continue;
    }
    if (current) {
      if (t.text === "") current = undefined;
      else {
        current.lines.push(t);
        continue;
      }
    }
    if ((m = SECTION.exec(t.text))) {
      endParagraph();
      const section: DocSectionBody = { title: m[1]!, loc: t.loc, blocks: [] };
      doc.sections.push(section);
      target = section.blocks;
      if (m[2]) paragraph.push({ text: m[2], loc: { ...t.loc, column: t.loc.column + t.text.length - m[2].length } });
      continue;
    }
    if (t.text === "") {
      const last = endParagraph();
      if (last && /::$/.test(last.text)) literal = { lines: [], indent: indentOf(last.text) };
      continue;
    }
    paragraph.push(t);
    if (/::$/.test(t.text)) {
      // `Example::` followed directly by the indented block.
      endParagraph();
      literal = { lines: [], indent: indentOf(line.text) };
    }
  }
  endParagraph();
  endLiteral();
  return doc;
}

/** Joins lines into one string of prose (single spaces). */
export function proseOf(lines: DocLine[]): string {
  return lines.map((l) => l.text.trim()).filter(Boolean).join(" ");
}

/**
 * An inline member doc inside a struct, union or enum body (`/** @x: ... *\/`, or `/**` alone
 * followed by `@x:` lines): its descriptions, as kernel-doc adds them to the enclosing doc.
 */
export function parseInlineMemberDoc(text: string, loc: SourceLocation): DocParam[] {
  if (!isKernelDocComment(text)) return [];
  const params: DocParam[] = [];
  let current: DocParam | undefined;
  for (const line of commentLines(text, loc)) {
    const t = trimLine(line);
    const m = PARAM.exec(t.text);
    if (m) {
      const valueCol = m[0].length - m[2]!.length;
      current = { name: m[1]!, loc: { ...t.loc, column: t.loc.column + 1 }, lines: [{ text: m[2]!, loc: { ...t.loc, column: t.loc.column + valueCol } }] };
      params.push(current);
    } else if (current) current.lines.push(t);
    else return [];
  }
  return params;
}

/** kernel-doc reads a comment only when `/**` stands alone on its line. */
export function titleOnOpeningLine(text: string): boolean {
  return /^\/\*\*[ \t]*\S/.test(text) && !/^\/\*\*[ \t]*\*\//.test(text);
}

/**
 * Why kernel-doc rejects a `/**` comment as not kernel-doc: its first line names no declaration
 * (`name`, `name()`, `name - summary`, `name: summary`, `struct name`, `DOC: title`). Undefined
 * when the comment is kerneldoc, or when kernel-doc would not read it at all.
 */
export function notKernelDocTitle(text: string, loc: SourceLocation): DocLine | undefined {
  // kernel-doc starts reading at a `/**` in the first column only (indented ones are inline docs).
  if (!isKernelDocComment(text) || titleOnOpeningLine(text) || !text.includes("\n") || loc.column !== 1) return undefined;
  const first = commentLines(text, loc)[0];
  const raw = text.split("\n")[1] ?? "";
  // kernel-doc reports only a first line that starts with a word (`Zoned block device ioctl's:`).
  if (!first || !/^\s*\*\s*\w/.test(raw)) return undefined;
  const t = trimLine(first);
  if (/^(struct|union|enum|typedef|var)\b/.test(t.text) || /^DOC:/.test(t.text)) return undefined;
  if (/^(?:\w+\s*\*\s*)?(?:define\s+)?\w+\s*(?:\(\w*\))?\s*(?:[-:].*)?$/.test(t.text)) return undefined;
  return t;
}

/** A comment with kernel-doc's reading of it, made once where the comment is collected. */
/** Readings of comments lately read: each row of a run reads the header's comments again. */
const readings = new Map<string, CommentReading>();

export function readComment(text: string, loc: SourceLocation): Comment {
  const key = `${loc.file}\0${loc.line}\0${loc.column}\0${text}`;
  let reading = readings.get(key);
  if (!reading) {
    reading = readCommentOnce(text, loc);
    if (readings.size >= 20000) readings.clear();
    readings.set(key, reading);
  }
  return { text, loc, reading };
}

function readCommentOnce(text: string, loc: SourceLocation): CommentReading {
  return {
    kernelDoc: isKernelDocComment(text),
    titleOnOpeningLine: titleOnOpeningLine(text),
    doc: parseKernelDoc(text, loc),
    firstLine: commentLines(text, loc)[0],
    notTitle: notKernelDocTitle(text, loc),
    inlineParams: parseInlineMemberDoc(text, loc),
  };
}
