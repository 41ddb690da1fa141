// A parsed kerneldoc comment, with the location of every line so the linter can point at a
// single word. parse/kerneldoc.ts produces it; the model carries it.
import type { SourceLocation } from "./diagnostics.js";

export interface DocLine {
  /** Content with the leading ` * ` removed. */
  text: string;
  /** Location of text[0]. */
  loc: SourceLocation;
}

export type DocBlock = { kind: "text"; lines: DocLine[] } | { kind: "literal"; lines: DocLine[] };

export interface DocParam {
  /** As written after @, e.g. `num_iovas`, `vdata.flags`, `...`. */
  name: string;
  /** Location of the name (after the @). */
  loc: SourceLocation;
  /** First line (after the colon) and continuation lines. */
  lines: DocLine[];
}

export interface DocSectionBody {
  title: string;
  loc: SourceLocation;
  blocks: DocBlock[];
}

export type DocKind = "struct" | "union" | "enum" | "typedef" | "function" | "doc";

export interface KernelDoc {
  kind: DocKind;
  /** The identifier named on the first line (`iommu_ioas_map`, `VFIO_GET_INFO`, DOC title). */
  name: string;
  nameLoc: SourceLocation;
  /** Text after ` - ` on the first line (and its continuation, for ioctl lines). */
  summary: DocLine[];
  params: DocParam[];
  /** The untitled description. */
  description: DocBlock[];
  sections: DocSectionBody[];
  /** Every content line after the title, for prose checks. */
  lines: DocLine[];
  /** `ioctl(NAME)` or `NAME - _IOWR(type, nr, struct x)` on the first line. */
  ioctl?: { name?: string; macro?: "_IO" | "_IOR" | "_IOW" | "_IOWR"; argument?: string; argumentLoc?: SourceLocation };
}

/** What kernel-doc makes of one comment: lint reads this instead of the comment's text. */
export interface CommentReading {
  /** Opens with `/**`: kernel-doc reads it. */
  kernelDoc: boolean;
  /** The title shares the `/**` line, so kernel-doc skips the comment. */
  titleOnOpeningLine: boolean;
  /** The comment read as kerneldoc whatever its opening; undefined when its first line is no title. */
  doc?: KernelDoc;
  /** First content line. */
  firstLine?: DocLine;
  /** A `/**` first line kernel-doc rejects as naming no declaration. */
  notTitle?: DocLine;
  /** Descriptions of an inline member doc (`/** @x: ... *\/` inside a body). */
  inlineParams: DocParam[];
}
